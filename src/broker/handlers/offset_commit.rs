//! OffsetCommit: checks the member and generation, appends the offsets to
//! `__consumer_offsets`, then answers (so an acknowledged commit survives a restart).

use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::{OffsetCommitRequest, OffsetCommitResponse, RequestHeader};

use crate::broker::group::records::{offset_key, offset_value, OffsetValue};
use crate::broker::group::{append, committed};
use crate::acl::{AclOperation, ResourceType};
use crate::broker::BrokerState;
use crate::protocol::ResponseError;

/// A partition's commit: `(offset, leader epoch, metadata)` to write, or why not.
type PartitionOutcome = (i32, Result<(i64, i32, String), ResponseError>);

pub async fn handle(state: &BrokerState, header: &RequestHeader, request: OffsetCommitRequest) -> Option<OffsetCommitResponse> {
    let version = header.request_api_version;
    let group_id = request.group_id.0.to_string();
    let check = if group_id.is_empty() {
        Err(ResponseError::InvalidGroupId)
    } else if !state.authorized(AclOperation::Read, ResourceType::Group, &group_id) {
        Err(ResponseError::GroupAuthorizationFailed)
    } else if let Err(e) = crate::broker::placement::check(state, crate::broker::placement::Internal::Offsets, &group_id).await {
        Err(e)
    } else {
        state.groups.check_commit(
            &group_id,
            request.generation_id_or_member_epoch,
            &request.member_id,
            if version >= 7 { request.group_instance_id.as_deref() } else { None },
        )
    };
    // Per partition: the error, or the record to write.
    let mut outcome: Vec<(String, Vec<PartitionOutcome>)> = Vec::new();
    {
        let image = state.image();
        for topic in &request.topics {
            let name = topic.name.0.to_string();
            let known = image.topics.get(&name);
            let topic_allowed = state.authorized_in(&image, AclOperation::Read, ResourceType::Topic, &name);
            let parts = topic
                .partitions
                .iter()
                .map(|p| {
                    let result = match &check {
                        Err(e) => Err(*e),
                        Ok(()) if !topic_allowed => Err(ResponseError::TopicAuthorizationFailed),
                        Ok(()) if known.is_none_or(|t| p.partition_index < 0 || p.partition_index as usize >= t.partitions.len()) => {
                            Err(ResponseError::UnknownTopicOrPartition)
                        }
                        Ok(()) if p.committed_metadata.as_ref().map_or(0, |m| m.len()) > state.groups.settings.offset_metadata_max_bytes => {
                            Err(ResponseError::OffsetMetadataTooLarge)
                        }
                        Ok(()) => Ok((
                            p.committed_offset,
                            if version >= 6 { p.committed_leader_epoch } else { -1 },
                            p.committed_metadata.as_ref().map(|m| m.to_string()).unwrap_or_default(),
                        )),
                    };
                    (p.partition_index, result)
                })
                .collect();
            outcome.push((name, parts));
        }
    }
    let now = crate::broker::now_ms();
    let group = group_id.as_str();
    let records: Vec<_> = outcome
        .iter()
        .flat_map(|(t, parts)| {
            parts.iter().filter_map(move |(p, r)| {
                let (offset, leader_epoch, metadata) = r.as_ref().ok()?;
                let value = OffsetValue { offset: *offset, leader_epoch: *leader_epoch, metadata: metadata.clone(), commit_timestamp: now };
                Some((offset_key(group, t, *p), Some(offset_value(&value))))
            })
        })
        .collect();
    let written = append(state, &group_id, records).await;
    if written.is_ok() {
        let applied = outcome
            .iter()
            .flat_map(|(t, parts)| {
                parts.iter().filter_map(move |(p, r)| {
                    let (offset, epoch, metadata) = r.as_ref().ok()?;
                    Some(((t.clone(), *p), Some(committed(*offset, *epoch, metadata.clone()))))
                })
            })
            .collect();
        state.groups.apply_offsets(&group_id, applied);
    }
    let mut response = OffsetCommitResponse::default();
    for (name, parts) in outcome {
        let mut t = OffsetCommitResponseTopic::default();
        t.name = kafka_protocol::messages::TopicName(kafka_protocol::protocol::StrBytes::from_string(name));
        for (index, result) in parts {
            let mut p = OffsetCommitResponsePartition::default();
            p.partition_index = index;
            p.error_code = match (&result, &written) {
                (Err(e), _) => e.code(),
                (Ok(_), Err(e)) => e.code(),
                (Ok(_), Ok(())) => 0,
            };
            t.partitions.push(p);
        }
        response.topics.push(t);
    }
    Some(response)
}
