//! The consumer protocol's bytes inside JoinGroup and SyncGroup, and the coordinator calls
//! every group user needs: FindCoordinator, OffsetCommit, OffsetFetch.
//!
//! Subscription and assignment blobs are kafka-protocol's `ConsumerProtocolSubscription` and
//! `ConsumerProtocolAssignment` behind a 2-byte version, exactly as Java writes them, so kbox,
//! Java, librdkafka and kafka-python members can read each other's metadata.

use std::collections::HashMap;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedTopic;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, FindCoordinatorRequest, GroupId,
    OffsetCommitRequest, OffsetFetchRequest, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

use super::assignor::{MemberSubscription, TopicPartition};
use crate::client::cluster::{BrokerInfo, Client};
use crate::protocol::ResponseError;
use crate::{Error, Result};

/// The subscription version kbox writes (v3: topics, user data, owned partitions,
/// generation, rack), as Java 3.x does.
const SUBSCRIPTION_VERSION: i16 = 3;
const ASSIGNMENT_VERSION: i16 = 3;
const HIGHEST_KNOWN: i16 = 3;

/// The highest versions the group APIs are spoken at.
pub struct GroupVersionCaps {
    pub find_coordinator: i16,
    pub join_group: i16,
    pub sync_group: i16,
    pub heartbeat: i16,
    pub leave_group: i16,
    pub offset_commit: i16,
    pub offset_fetch: i16,
}

/// The versions librdkafka speaks (the last before each API's flexible encoding): every broker
/// from Kafka 2.4 to 4.x accepts them, and librdkafka's own mock cluster, which advertises
/// newer versions, misreads some flexible group requests (SyncGroup v4 fails to parse there).
pub const GROUP_VERSION_CAPS: GroupVersionCaps = GroupVersionCaps {
    find_coordinator: 2,
    join_group: 5,
    sync_group: 3,
    heartbeat: 3,
    leave_group: 3,
    offset_commit: 7,
    offset_fetch: 5,
};

fn group_by_topic(partitions: &[TopicPartition]) -> Vec<(String, Vec<i32>)> {
    let mut by_topic: std::collections::BTreeMap<String, Vec<i32>> = Default::default();
    for (t, p) in partitions {
        by_topic.entry(t.clone()).or_default().push(*p);
    }
    by_topic.into_iter().collect()
}

/// JoinGroup metadata for a member.
pub fn encode_subscription(
    topics: &[String],
    owned: &[TopicPartition],
    generation: i32,
) -> Result<Bytes> {
    let mut s = ConsumerProtocolSubscription::default();
    let mut sorted = topics.to_vec();
    sorted.sort();
    s.topics = sorted.into_iter().map(StrBytes::from_string).collect();
    s.owned_partitions = group_by_topic(owned)
        .into_iter()
        .map(|(t, ps)| {
            let mut o = OwnedTopic::default();
            o.topic = TopicName(StrBytes::from_string(t));
            o.partitions = ps;
            o
        })
        .collect();
    s.generation_id = generation;
    encode_versioned(&s, SUBSCRIPTION_VERSION)
}

/// Reads a member's JoinGroup metadata (any version; newer ones are read as far as we know).
pub fn decode_subscription(
    member_id: &str,
    group_instance_id: Option<String>,
    mut data: Bytes,
) -> Result<MemberSubscription> {
    if data.remaining() < 2 {
        return Err(Error::Message(format!(
            "member {member_id} sent empty consumer metadata"
        )));
    }
    let version = data.get_i16().clamp(0, HIGHEST_KNOWN);
    let s = ConsumerProtocolSubscription::decode(&mut data, version).map_err(|e| {
        Error::Message(format!(
            "member {member_id} sent bad consumer metadata: {e}"
        ))
    })?;
    Ok(MemberSubscription {
        member_id: member_id.to_string(),
        group_instance_id,
        topics: s.topics.iter().map(|t| t.to_string()).collect(),
        owned: s
            .owned_partitions
            .iter()
            .flat_map(|o| {
                o.partitions
                    .iter()
                    .map(move |p| (o.topic.0.to_string(), *p))
            })
            .collect(),
        generation: if version >= 2 { s.generation_id } else { -1 },
    })
}

/// SyncGroup assignment bytes for one member.
pub fn encode_assignment(partitions: &[TopicPartition]) -> Result<Bytes> {
    let mut a = ConsumerProtocolAssignment::default();
    a.assigned_partitions = group_by_topic(partitions)
        .into_iter()
        .map(|(t, ps)| {
            let mut x = AssignedTopic::default();
            x.topic = TopicName(StrBytes::from_string(t));
            x.partitions = ps;
            x
        })
        .collect();
    encode_versioned(&a, ASSIGNMENT_VERSION)
}

/// Reads the assignment a SyncGroup response carried (empty bytes: nothing assigned).
pub fn decode_assignment(mut data: Bytes) -> Result<Vec<TopicPartition>> {
    if data.remaining() < 2 {
        return Ok(Vec::new());
    }
    let version = data.get_i16().clamp(0, HIGHEST_KNOWN);
    let a = ConsumerProtocolAssignment::decode(&mut data, version)
        .map_err(|e| Error::Message(format!("bad assignment from the group leader: {e}")))?;
    let mut out: Vec<TopicPartition> = a
        .assigned_partitions
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| (t.topic.0.to_string(), *p))
        })
        .collect();
    out.sort();
    Ok(out)
}

fn encode_versioned<T: Encodable>(message: &T, version: i16) -> Result<Bytes> {
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    message
        .encode(&mut buf, version)
        .map_err(|e| Error::Message(format!("cannot encode consumer protocol data: {e}")))?;
    Ok(buf.freeze())
}

/// Finds the coordinator of a group (key type 0) and makes sure the client can reach it.
pub async fn find_coordinator(client: &Client, group_id: &str) -> Result<i32> {
    find_coordinator_of(client, group_id, 0).await
}

/// Finds the coordinator of a key: a group (key type 0) or a transactional id (1).
pub async fn find_coordinator_of(client: &Client, group_id: &str, key_type: i8) -> Result<i32> {
    let conn = client.any_connection().await?;
    let version =
        conn.version_capped::<FindCoordinatorRequest>(GROUP_VERSION_CAPS.find_coordinator)?;
    let mut request = FindCoordinatorRequest::default();
    if version >= 4 {
        request.coordinator_keys = vec![StrBytes::from_string(group_id.to_string())];
    } else {
        request.key = StrBytes::from_string(group_id.to_string());
    }
    request.key_type = key_type;
    let response = conn
        .send_at(&request, version, client.request_timeout())
        .await?;
    let (code, message, node, host, port) = if version >= 4 {
        let c = response.coordinators.first().ok_or_else(|| {
            Error::Message("FindCoordinator answered without a coordinator".into())
        })?;
        (
            c.error_code,
            c.error_message.as_ref().map(|m| m.to_string()),
            c.node_id.0,
            c.host.to_string(),
            c.port,
        )
    } else {
        (
            response.error_code,
            response.error_message.as_ref().map(|m| m.to_string()),
            response.node_id.0,
            response.host.to_string(),
            response.port,
        )
    };
    if let Some(e) = Error::from_code(code, message) {
        return Err(e);
    }
    client.add_broker(BrokerInfo {
        node_id: node,
        host,
        port,
        rack: None,
    });
    Ok(node)
}

/// The member a commit is made on behalf of (`None` fields for a simple, group-less commit).
#[derive(Debug, Clone, Default)]
pub struct CommitIdentity {
    pub generation: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
}

/// Commits offsets (`tp -> next offset to read`) to the group's coordinator.
pub async fn commit_offsets(
    client: &Client,
    coordinator: i32,
    group_id: &str,
    identity: &CommitIdentity,
    offsets: &HashMap<TopicPartition, i64>,
) -> Result<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    let conn = client.connection(coordinator).await?;
    let version = conn.version_capped::<OffsetCommitRequest>(GROUP_VERSION_CAPS.offset_commit)?;
    let mut request = OffsetCommitRequest::default();
    request.group_id = GroupId(StrBytes::from_string(group_id.to_string()));
    request.generation_id_or_member_epoch = identity.generation;
    request.member_id = StrBytes::from_string(identity.member_id.clone());
    if version >= 7 {
        request.group_instance_id = identity
            .group_instance_id
            .clone()
            .map(StrBytes::from_string);
    }
    let mut by_topic: std::collections::BTreeMap<&str, Vec<(i32, i64)>> = Default::default();
    for ((t, p), o) in offsets {
        by_topic.entry(t.as_str()).or_default().push((*p, *o));
    }
    request.topics = by_topic
        .into_iter()
        .map(|(t, ps)| {
            let mut topic = OffsetCommitRequestTopic::default();
            topic.name = TopicName(StrBytes::from_string(t.to_string()));
            topic.partitions = ps
                .into_iter()
                .map(|(p, o)| {
                    let mut part = OffsetCommitRequestPartition::default();
                    part.partition_index = p;
                    part.committed_offset = o;
                    part.committed_metadata = Some(StrBytes::from_static_str(""));
                    part
                })
                .collect();
            topic
        })
        .collect();
    let response = conn
        .send_at(&request, version, client.request_timeout())
        .await?;
    for t in &response.topics {
        for p in &t.partitions {
            if p.error_code == 0 {
                continue;
            }
            let code = ResponseError::try_from_code(p.error_code);
            if matches!(
                code,
                Some(
                    ResponseError::RebalanceInProgress
                        | ResponseError::IllegalGeneration
                        | ResponseError::UnknownMemberId
                )
            ) {
                return Err(Error::Message(
                    "Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member.".into(),
                ));
            }
            return Err(Error::from_code(
                p.error_code,
                Some(format!("committing {}-{}", t.name.0, p.partition_index)),
            )
            .expect("nonzero code"));
        }
    }
    Ok(())
}

/// A committed offset with its metadata string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    pub metadata: String,
    pub leader_epoch: i32,
}

/// Reads a group's committed offsets: for `partitions`, or every partition it has offsets
/// for when `None`. Partitions without a commit are left out.
pub async fn fetch_offsets(
    client: &Client,
    coordinator: i32,
    group_id: &str,
    partitions: Option<&[TopicPartition]>,
) -> Result<HashMap<TopicPartition, CommittedOffset>> {
    let conn = client.connection(coordinator).await?;
    let version = conn.version_capped::<OffsetFetchRequest>(GROUP_VERSION_CAPS.offset_fetch)?;
    let grouped = partitions.map(group_by_topic);
    let mut request = OffsetFetchRequest::default();
    if version >= 8 {
        let mut g = OffsetFetchRequestGroup::default();
        g.group_id = GroupId(StrBytes::from_string(group_id.to_string()));
        g.topics = grouped.map(|topics| {
            topics
                .into_iter()
                .map(|(t, ps)| {
                    let mut x = OffsetFetchRequestTopics::default();
                    x.name = TopicName(StrBytes::from_string(t));
                    x.partition_indexes = ps;
                    x
                })
                .collect()
        });
        request.groups = vec![g];
    } else {
        request.group_id = GroupId(StrBytes::from_string(group_id.to_string()));
        request.topics = grouped.map(|topics| {
            topics
                .into_iter()
                .map(|(t, ps)| {
                    let mut x = OffsetFetchRequestTopic::default();
                    x.name = TopicName(StrBytes::from_string(t));
                    x.partition_indexes = ps;
                    x
                })
                .collect()
        });
    }
    if version >= 7 {
        request.require_stable = true;
    }
    let response = conn
        .send_at(&request, version, client.request_timeout())
        .await?;
    let mut out = HashMap::new();
    let mut consider = |topic: &str,
                        p: i32,
                        offset: i64,
                        epoch: i32,
                        metadata: Option<&StrBytes>,
                        code: i16|
     -> Result<()> {
        if let Some(e) = Error::from_code(code, Some(format!("offsets of {topic}-{p}"))) {
            return Err(e);
        }
        if offset >= 0 {
            out.insert(
                (topic.to_string(), p),
                CommittedOffset {
                    offset,
                    metadata: metadata.map(|m| m.to_string()).unwrap_or_default(),
                    leader_epoch: epoch,
                },
            );
        }
        Ok(())
    };
    if version >= 8 {
        for g in &response.groups {
            if let Some(e) = Error::from_code(g.error_code, Some(format!("group {group_id}"))) {
                return Err(e);
            }
            for t in &g.topics {
                for p in &t.partitions {
                    consider(
                        &t.name.0,
                        p.partition_index,
                        p.committed_offset,
                        p.committed_leader_epoch,
                        p.metadata.as_ref(),
                        p.error_code,
                    )?;
                }
            }
        }
    } else {
        if let Some(e) = Error::from_code(response.error_code, Some(format!("group {group_id}"))) {
            return Err(e);
        }
        for t in &response.topics {
            for p in &t.partitions {
                consider(
                    &t.name.0,
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata.as_ref(),
                    p.error_code,
                )?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_and_assignment_round_trip() {
        let owned = vec![
            ("a".to_string(), 1),
            ("a".to_string(), 0),
            ("b".to_string(), 2),
        ];
        let bytes = encode_subscription(&["b".into(), "a".into()], &owned, 7).unwrap();
        assert_eq!(&bytes[..2], &[0, 3], "version prefix");
        let s = decode_subscription("m", None, bytes).unwrap();
        assert_eq!(s.topics, vec!["a", "b"]);
        assert_eq!(s.generation, 7);
        assert_eq!(s.owned.len(), 3);
        // A v0 subscription (what old clients send): topics and user data only.
        let mut v0 = BytesMut::new();
        v0.put_i16(0);
        v0.put_i32(1);
        v0.put_i16(1);
        v0.put_slice(b"t");
        v0.put_i32(-1);
        let s = decode_subscription("m", None, v0.freeze()).unwrap();
        assert_eq!(s.topics, vec!["t"]);
        assert_eq!(s.generation, -1);

        let a = encode_assignment(&owned).unwrap();
        assert_eq!(
            decode_assignment(a).unwrap(),
            vec![
                ("a".to_string(), 0),
                ("a".to_string(), 1),
                ("b".to_string(), 2)
            ]
        );
        assert!(decode_assignment(Bytes::new()).unwrap().is_empty());
    }
}
