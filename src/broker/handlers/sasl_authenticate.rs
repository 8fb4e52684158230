//! SaslAuthenticate: one SASL token of the mechanism chosen by SaslHandshake v1 (see
//! `broker::auth`). A refused login answers SASL_AUTHENTICATION_FAILED with Kafka's message,
//! after `connection.failed.authentication.delay.ms`; the connection then closes.
//! `session_lifetime_ms` is `connections.max.reauth.ms` once logged in (KIP-368).

use kafka_protocol::messages::{RequestHeader, SaslAuthenticateRequest, SaslAuthenticateResponse};
use kafka_protocol::protocol::StrBytes;

use crate::broker::{auth, BrokerState};

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: SaslAuthenticateRequest) -> Option<SaslAuthenticateResponse> {
    let outcome = auth::authenticate(state, &request.auth_bytes).await;
    let mut response = SaslAuthenticateResponse::default()
        .with_error_code(outcome.error.map_or(0, |e| e.code()))
        .with_error_message(outcome.message.map(StrBytes::from_string))
        .with_auth_bytes(outcome.auth_bytes);
    if header.request_api_version >= 1 {
        response.session_lifetime_ms = outcome.session_lifetime_ms;
    }
    Some(response)
}
