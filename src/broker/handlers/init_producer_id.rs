//! InitProducerId: a producer id and epoch for an idempotent producer, or for a transactional
//! id (bumping its epoch fences the previous producer with that id). See `broker::txn`.

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId, RequestHeader};

use crate::broker::txn;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: InitProducerIdRequest) -> Option<InitProducerIdResponse> {
    let mut response = InitProducerIdResponse::default();
    response.producer_id = ProducerId(-1);
    response.producer_epoch = -1;
    let id = request.transactional_id.as_ref().map(|t| t.0.to_string());
    // v3+ may name the producer's current id and epoch (KIP-360 epoch bump).
    let expected = (header.request_api_version >= 3 && request.producer_id.0 >= 0).then_some((request.producer_id.0, request.producer_epoch));
    match txn::init_producer_id(state, id.as_deref(), request.transaction_timeout_ms, expected).await {
        Ok((pid, epoch)) => {
            response.producer_id = ProducerId(pid);
            response.producer_epoch = epoch;
        }
        Err(e) => {
            // Before v4 a fenced producer was told INVALID_PRODUCER_EPOCH.
            let e = match e {
                kafka_protocol::ResponseError::ProducerFenced if header.request_api_version < 4 => kafka_protocol::ResponseError::InvalidProducerEpoch,
                other => other,
            };
            response.error_code = e.code();
        }
    }
    Some(response)
}
