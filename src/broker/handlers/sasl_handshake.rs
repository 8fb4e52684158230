//! SaslHandshake: the client names a mechanism; the answer lists the listener's enabled ones.
//! v0 means the SASL tokens follow raw (framed by length), v1 that they come in
//! SaslAuthenticate requests. On a listener without SASL the answer is ILLEGAL_SASL_STATE, as
//! Kafka's.

use kafka_protocol::messages::{RequestHeader, SaslHandshakeRequest, SaslHandshakeResponse};
use kafka_protocol::protocol::StrBytes;

use crate::broker::{auth, BrokerState};

pub async fn handle(_state: &BrokerState, header: &RequestHeader, request: SaslHandshakeRequest) -> Option<SaslHandshakeResponse> {
    let (error, mechanisms) = auth::handshake(request.mechanism.as_str(), header.request_api_version);
    Some(
        SaslHandshakeResponse::default()
            .with_error_code(error.map_or(0, |e| e.code()))
            .with_mechanisms(mechanisms.into_iter().map(StrBytes::from_string).collect()),
    )
}
