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
    // Kafka's checks: WRITE on the transactional id; an idempotent producer needs
    // IDEMPOTENT_WRITE on the cluster or WRITE on some topic (KIP-679).
    let refusal = match &id {
        Some(t) if !state.authorized(crate::acl::AclOperation::Write, crate::acl::ResourceType::TransactionalId, t) => {
            Some(kafka_protocol::ResponseError::TransactionalIdAuthorizationFailed)
        }
        None if !state.authorized_on_cluster(crate::acl::AclOperation::IdempotentWrite)
            && !state.authorized_for_any(crate::acl::AclOperation::Write, crate::acl::ResourceType::Topic) =>
        {
            Some(kafka_protocol::ResponseError::ClusterAuthorizationFailed)
        }
        _ => None,
    };
    if let Some(e) = refusal {
        response.error_code = e.code();
        return Some(response);
    }
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
