//! TxnOffsetCommit: a transaction's consumer offsets, visible to the group once it commits.

use kafka_protocol::messages::txn_offset_commit_response::{TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic};
use kafka_protocol::messages::{RequestHeader, TxnOffsetCommitRequest, TxnOffsetCommitResponse};
use kafka_protocol::ResponseError;

use crate::broker::group::committed;
use crate::broker::txn;
use crate::broker::BrokerState;

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: TxnOffsetCommitRequest) -> Option<TxnOffsetCommitResponse> {
    let mut offsets = Vec::new();
    for t in &request.topics {
        for p in &t.partitions {
            let metadata = p.committed_metadata.as_ref().map(|m| m.to_string()).unwrap_or_default();
            offsets.push(((t.name.0.to_string(), p.partition_index), committed(p.committed_offset, p.committed_leader_epoch, metadata)));
        }
    }
    let denied_topic = request
        .topics
        .iter()
        .any(|t| !state.authorized(crate::acl::AclOperation::Read, crate::acl::ResourceType::Topic, &t.name.0));
    let outcome = if request.group_id.0.is_empty() {
        Err(ResponseError::InvalidGroupId)
    } else if !state.authorized(crate::acl::AclOperation::Write, crate::acl::ResourceType::TransactionalId, &request.transactional_id.0) {
        Err(ResponseError::TransactionalIdAuthorizationFailed)
    } else if !state.authorized(crate::acl::AclOperation::Read, crate::acl::ResourceType::Group, &request.group_id.0) {
        Err(ResponseError::GroupAuthorizationFailed)
    } else if denied_topic {
        Err(ResponseError::TopicAuthorizationFailed)
    } else {
        txn::txn_offset_commit(state, &request.transactional_id.0, &request.group_id.0, request.producer_id.0, request.producer_epoch, offsets).await
    };
    let code = match outcome {
        Ok(()) => 0,
        Err(ResponseError::ProducerFenced) if header.request_api_version < 3 => ResponseError::InvalidProducerEpoch.code(),
        Err(e) => e.code(),
    };
    let mut response = TxnOffsetCommitResponse::default();
    for t in &request.topics {
        let mut rt = TxnOffsetCommitResponseTopic::default();
        rt.name = t.name.clone();
        for p in &t.partitions {
            let mut rp = TxnOffsetCommitResponsePartition::default();
            rp.partition_index = p.partition_index;
            rp.error_code = code;
            rt.partitions.push(rp);
        }
        response.topics.push(rt);
    }
    Some(response)
}
