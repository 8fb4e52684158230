//! OffsetDelete: remove a group's committed offsets for partitions its members do not read.

use kafka_protocol::messages::offset_delete_response::{OffsetDeleteResponsePartition, OffsetDeleteResponseTopic};
use kafka_protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse, RequestHeader};

use crate::broker::group::append;
use crate::broker::group::records::offset_key;
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

pub async fn handle(state: &BrokerState, _header: &RequestHeader, request: OffsetDeleteRequest) -> Option<OffsetDeleteResponse> {
    let group = request.group_id.0.to_string();
    let mut response = OffsetDeleteResponse::default();
    if !state.authorized(AclOperation::Delete, ResourceType::Group, &group) {
        response.error_code = ResponseError::GroupAuthorizationFailed.code();
        return Some(response);
    }
    if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &group).await {
        response.error_code = e.code();
        return Some(response);
    }
    let Some(subscribed) = state.groups.subscribed_topics(&group) else {
        response.error_code = ResponseError::GroupIdNotFound.code();
        return Some(response);
    };
    let mut tombstones = Vec::new();
    let mut deleted = Vec::new();
    for topic in &request.topics {
        let mut t = OffsetDeleteResponseTopic::default();
        t.name = topic.name.clone();
        for p in &topic.partitions {
            let mut r = OffsetDeleteResponsePartition::default();
            r.partition_index = p.partition_index;
            if !state.authorized(AclOperation::Read, ResourceType::Topic, &topic.name.0) {
                r.error_code = ResponseError::TopicAuthorizationFailed.code();
            } else if subscribed.contains(topic.name.0.as_str()) {
                r.error_code = ResponseError::GroupSubscribedToTopic.code();
            } else {
                tombstones.push((offset_key(&group, &topic.name.0, p.partition_index), None));
                deleted.push(((topic.name.0.to_string(), p.partition_index), None));
            }
            t.partitions.push(r);
        }
        response.topics.push(t);
    }
    match append(state, &group, tombstones).await {
        Ok(()) => state.groups.apply_offsets(&group, deleted),
        Err(e) => response.error_code = e.code(),
    }
    Some(response)
}
