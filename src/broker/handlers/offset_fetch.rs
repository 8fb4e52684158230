//! OffsetFetch: a group's committed offsets, for named partitions (-1 when none) or all;
//! one group (v0-7) or many (v8+). With `require_stable` (v7+, read_committed consumers), a
//! partition whose offset waits in an open transaction answers UNSTABLE_OFFSET_COMMIT, so the
//! consumer retries instead of resuming from an offset about to change.

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// `topic -> [(partition, offset, leader epoch, metadata)]`, sorted.
type Offsets = Vec<(String, Vec<(i32, i64, i32, String)>)>;

/// The committed offsets asked for; GROUP_AUTHORIZATION_FAILED without DESCRIBE on the group.
async fn lookup(state: &BrokerState, group: &str, wanted: Option<Vec<(String, Vec<i32>)>>) -> Result<Offsets, ResponseError> {
    if !state.authorized(AclOperation::Describe, ResourceType::Group, group) {
        return Err(ResponseError::GroupAuthorizationFailed);
    }
    crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, group).await?;
    let committed = state.groups.offsets(group);
    // Topics the requester may not describe are left out.
    let visible = |t: &str| state.authorized(AclOperation::Describe, ResourceType::Topic, t);
    let mut out: std::collections::BTreeMap<String, Vec<(i32, i64, i32, String)>> = Default::default();
    match wanted {
        None => {
            for ((t, p), o) in committed.into_iter().filter(|((t, _), _)| visible(t)) {
                out.entry(t).or_default().push((p, o.offset, o.leader_epoch, o.metadata));
            }
        }
        Some(topics) => {
            for (t, parts) in topics.into_iter().filter(|(t, _)| visible(t)) {
                let entry = out.entry(t.clone()).or_default();
                for p in parts {
                    match committed.get(&(t.clone(), p)) {
                        Some(o) => entry.push((p, o.offset, o.leader_epoch, o.metadata.clone())),
                        None => entry.push((p, -1, -1, String::new())),
                    }
                }
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(t, mut ps)| {
            ps.sort_by_key(|p| p.0);
            (t, ps)
        })
        .collect())
}

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: OffsetFetchRequest) -> Option<OffsetFetchResponse> {
    let version = header.request_api_version;
    let mut response = OffsetFetchResponse::default();
    if version >= 8 {
        for g in &request.groups {
            let wanted = g.topics.as_ref().map(|ts| ts.iter().map(|t| (t.name.0.to_string(), t.partition_indexes.clone())).collect());
            let mut group = OffsetFetchResponseGroup::default();
            group.group_id = g.group_id.clone();
            let offsets = match lookup(state, &g.group_id.0, wanted).await {
                Ok(o) => o,
                Err(e) => {
                    group.error_code = e.code();
                    Vec::new()
                }
            };
            for (t, parts) in offsets {
                let mut topic = OffsetFetchResponseTopics::default();
                topic.name = TopicName(StrBytes::from_string(t.clone()));
                for (p, offset, epoch, metadata) in parts {
                    let mut part = OffsetFetchResponsePartitions::default();
                    part.partition_index = p;
                    part.committed_offset = offset;
                    part.committed_leader_epoch = epoch;
                    part.metadata = Some(StrBytes::from_string(metadata));
                    if request.require_stable && crate::broker::txn::has_pending_offset(state, &g.group_id.0, &t, p) {
                        part.error_code = kafka_protocol::ResponseError::UnstableOffsetCommit.code();
                    }
                    topic.partitions.push(part);
                }
                group.topics.push(topic);
            }
            response.groups.push(group);
        }
        return Some(response);
    }
    let wanted = request.topics.as_ref().map(|ts| ts.iter().map(|t| (t.name.0.to_string(), t.partition_indexes.clone())).collect());
    let offsets = match lookup(state, &request.group_id.0, wanted).await {
        Ok(o) => o,
        Err(e) => {
            if version >= 2 {
                response.error_code = e.code();
            }
            Vec::new()
        }
    };
    for (t, parts) in offsets {
        let mut topic = OffsetFetchResponseTopic::default();
        topic.name = TopicName(StrBytes::from_string(t.clone()));
        for (p, offset, epoch, metadata) in parts {
            let mut part = OffsetFetchResponsePartition::default();
            part.partition_index = p;
            part.committed_offset = offset;
            if version >= 5 {
                part.committed_leader_epoch = epoch;
            }
            part.metadata = Some(StrBytes::from_string(metadata));
            if version >= 7 && request.require_stable && crate::broker::txn::has_pending_offset(state, &request.group_id.0, &t, p) {
                part.error_code = kafka_protocol::ResponseError::UnstableOffsetCommit.code();
            }
            topic.partitions.push(part);
        }
        response.topics.push(topic);
    }
    Some(response)
}
