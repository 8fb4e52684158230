//! AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction, so the
//! offsets of a consume-transform-produce loop commit or abort with its output.

use kafka_protocol::messages::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, RequestHeader};
use kafka_protocol::ResponseError;

use crate::broker::group::{ensure_offsets_topic, offsets_partitions, partition_for, OFFSETS_TOPIC};
use crate::broker::txn;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: AddOffsetsToTxnRequest) -> Option<AddOffsetsToTxnResponse> {
    let mut response = AddOffsetsToTxnResponse::default();
    let outcome = match ensure_offsets_topic(state).await {
        _ if !state.authorized(crate::acl::AclOperation::Write, crate::acl::ResourceType::TransactionalId, &request.transactional_id.0) => {
            Err(ResponseError::TransactionalIdAuthorizationFailed)
        }
        _ if !state.authorized(crate::acl::AclOperation::Read, crate::acl::ResourceType::Group, &request.group_id.0) => {
            Err(ResponseError::GroupAuthorizationFailed)
        }
        Err(e) => Err(e),
        Ok(()) => {
            let partition = partition_for(&request.group_id.0, offsets_partitions(state));
            txn::add_partitions(state, &request.transactional_id.0, request.producer_id.0, request.producer_epoch, vec![(OFFSETS_TOPIC.to_string(), partition)]).await
        }
    };
    if let Err(e) = outcome {
        let e = match e {
            ResponseError::ProducerFenced if header.request_api_version < 2 => ResponseError::InvalidProducerEpoch,
            other => other,
        };
        response.error_code = e.code();
    }
    Some(response)
}
