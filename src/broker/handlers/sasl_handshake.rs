//! SaslHandshake: no SASL mechanism is enabled yet, so every mechanism is refused with the
//! (empty) list of enabled ones, as Kafka answers on a listener without SASL.

use kafka_protocol::messages::{RequestHeader, SaslHandshakeRequest, SaslHandshakeResponse};

use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(_state: &BrokerState, _header: &RequestHeader, _request: SaslHandshakeRequest) -> Option<SaslHandshakeResponse> {
    let mut response = SaslHandshakeResponse::default();
    response.error_code = ResponseError::UnsupportedSaslMechanism.code();
    Some(response)
}
