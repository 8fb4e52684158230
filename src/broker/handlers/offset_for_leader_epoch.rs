//! OffsetForLeaderEpoch: the end offset of a leader epoch, from the leader epoch cache.
//! Consumers use it to detect log truncation; followers use it to find where to truncate.

use kafka_protocol::messages::offset_for_leader_epoch_response::{EpochEndOffset, OffsetForLeaderTopicResult};
use kafka_protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, RequestHeader};

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: OffsetForLeaderEpochRequest) -> Option<OffsetForLeaderEpochResponse> {
    let mut response = OffsetForLeaderEpochResponse::default();
    for topic in request.topics {
        let mut t = OffsetForLeaderTopicResult::default();
        t.topic = topic.topic.clone();
        let allowed = state.authorized(AclOperation::Describe, ResourceType::Topic, topic.topic.as_str());
        for p in topic.partitions {
            let mut r = EpochEndOffset::default();
            r.partition = p.partition;
            r.leader_epoch = -1;
            r.end_offset = -1;
            match state.replicas.get(topic.topic.as_str(), p.partition) {
                _ if !allowed => r.error_code = ResponseError::TopicAuthorizationFailed.code(),
                None => r.error_code = ResponseError::UnknownTopicOrPartition.code(),
                Some(partition) => match partition.check_leader_epoch(p.current_leader_epoch) {
                    Err(code) => r.error_code = code.code(),
                    Ok(_) => {
                        let (e, end) = partition.log().end_offset_for_epoch(p.leader_epoch);
                        r.leader_epoch = e;
                        r.end_offset = end;
                    }
                },
            }
            t.partitions.push(r);
        }
        response.topics.push(t);
    }
    Some(response)
}
