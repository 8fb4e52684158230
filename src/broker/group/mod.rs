//! Consumer groups on the broker: the classic group coordinator and `__consumer_offsets`.
//!
//! - [`coordinator`]: the state machine (join, sync, heartbeat, leave, commits' checks).
//! - [`records`]: the key and value formats of `__consumer_offsets`, as Kafka writes them.
//!
//! This file ties them to the broker: it creates `__consumer_offsets` on first need (compacted,
//! `offsets.topic.num.partitions` partitions), maps a group to its partition with Kafka's hash
//! so the same group lands where Apache Kafka would put it, appends commits and group
//! snapshots there before answering, reloads everything at start-up, and runs the periodic
//! work (session expiry, overdue rebalances, offset retention). Each group lives on the leader
//! of its partition; with one node that is this broker.

pub mod coordinator;
pub mod records;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use self::coordinator::{CommittedOffset, Coordinator, Settings};
use self::records::{GroupValue, OffsetsKey};
use super::BrokerState;
use crate::client::config::CompressionType;
use crate::client::records::{encode_batch, ProducerRecord};
use crate::protocol::ResponseError;

/// The internal topic holding offsets and group metadata.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Builds the coordinator from the broker's settings.
pub fn new_coordinator(config: &crate::broker::config::BrokerConfig) -> Coordinator {
    Coordinator::new(Settings {
        initial_rebalance_delay: Duration::from_millis(
            config.group_initial_rebalance_delay_ms.max(0) as u64,
        ),
        min_session_timeout_ms: config.group_min_session_timeout_ms,
        max_session_timeout_ms: config.group_max_session_timeout_ms,
        max_size: config.group_max_size.max(1) as usize,
        offset_metadata_max_bytes: config
            .value("offset.metadata.max.bytes")
            .and_then(|v| v.as_i64())
            .unwrap_or(4096)
            .max(0) as usize,
        offsets_retention: Duration::from_secs(config.offsets_retention_minutes.max(1) as u64 * 60),
    })
}

/// Java's `String.hashCode` over UTF-16 code units, as Kafka hashes group ids.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// The `__consumer_offsets` partition of a group: `Utils.abs(hashCode) % partitions`.
pub fn partition_for(group_id: &str, partitions: i32) -> i32 {
    let h = java_string_hash(group_id);
    let abs = if h == i32::MIN { 0 } else { h.abs() };
    abs % partitions.max(1)
}

/// Creates `__consumer_offsets` if it does not exist yet.
pub async fn ensure_offsets_topic(state: &BrokerState) -> Result<(), ResponseError> {
    if state.image().topics.contains_key(OFFSETS_TOPIC) {
        return Ok(());
    }
    let mut configs = BTreeMap::new();
    configs.insert("cleanup.policy".to_string(), "compact".to_string());
    configs.insert("compression.type".to_string(), "producer".to_string());
    configs.insert(
        "segment.bytes".to_string(),
        state.config.offsets_topic_segment_bytes.to_string(),
    );
    let new = crate::broker::handlers::create_topics::NewTopic {
        name: OFFSETS_TOPIC.to_string(),
        partitions: state.config.offsets_topic_num_partitions,
        replication_factor: internal_replication_factor(
            state,
            state.config.offsets_topic_replication_factor,
        )?,
        assignments: Vec::new(),
        configs,
    };
    match crate::broker::handlers::create_topics::create_topic(state, new, false).await {
        Ok(_) => Ok(()),
        Err((ResponseError::TopicAlreadyExists, _)) => Ok(()),
        Err((code, message)) => {
            tracing::warn!("cannot create {OFFSETS_TOPIC}: {message}");
            Err(code)
        }
    }
}

/// The replication factor of an internal topic about to be created: the configured one, as
/// Kafka does (COORDINATOR_NOT_AVAILABLE until that many brokers are alive), except on a
/// cluster of one broker, where it is capped at 1 so a single node works out of the box
/// with the default of 3.
pub fn internal_replication_factor(
    state: &BrokerState,
    configured: i16,
) -> Result<i16, ResponseError> {
    let image = state.image();
    let live = image.live_brokers().count().max(1);
    let configured = configured.max(1);
    if live >= configured as usize {
        Ok(configured)
    } else if image.brokers.len() <= 1 && state.quorum.voter_ids().len() <= 1 {
        Ok(live as i16)
    } else {
        tracing::info!(
            live,
            configured,
            "not enough live brokers for an internal topic yet"
        );
        Err(ResponseError::CoordinatorNotAvailable)
    }
}

/// The number of partitions `__consumer_offsets` has (or will have).
pub fn offsets_partitions(state: &BrokerState) -> i32 {
    state
        .image()
        .topics
        .get(OFFSETS_TOPIC)
        .map(|t| t.partitions.len() as i32)
        .unwrap_or(state.config.offsets_topic_num_partitions)
}

/// Appends records (key, value or tombstone) to the group's partition; returns once written
/// (and fsynced when the topic's flush policy asks).
pub async fn append(
    state: &BrokerState,
    group_id: &str,
    records: Vec<(Bytes, Option<Bytes>)>,
) -> Result<(), ResponseError> {
    if records.is_empty() {
        return Ok(());
    }
    ensure_offsets_topic(state).await?;
    let partition = partition_for(group_id, offsets_partitions(state));
    let Some(p) = state.replicas.get(OFFSETS_TOPIC, partition) else {
        return Err(ResponseError::NotCoordinator);
    };
    let batch: Vec<ProducerRecord> = records
        .into_iter()
        .map(|(key, value)| ProducerRecord {
            topic: OFFSETS_TOPIC.to_string(),
            key: Some(key),
            value,
            ..Default::default()
        })
        .collect();
    let bytes =
        encode_batch(&batch, CompressionType::None, crate::broker::now_ms()).map_err(|e| {
            tracing::warn!("cannot encode {OFFSETS_TOPIC} records: {e}");
            ResponseError::UnknownServerError
        })?;
    append_replicated(state, &p, bytes, false).await
}

/// Appends a batch the coordinator writes to an internal topic's partition it leads, and
/// waits until every in-sync replica has it (acks=all, as Kafka's coordinators append), so
/// what was acknowledged survives the leader's loss. Errors are the coordinator's: not the
/// leader any more is NOT_COORDINATOR; too few replicas or a timeout,
/// COORDINATOR_NOT_AVAILABLE (Kafka's mapping for offset commits).
pub async fn append_replicated(
    state: &BrokerState,
    p: &crate::broker::partition::Partition,
    bytes: Bytes,
    broker_batch: bool,
) -> Result<(), ResponseError> {
    if !p.is_leader() {
        return Err(ResponseError::NotCoordinator);
    }
    if (p.isr().len() as i32) < state.min_insync_replicas(&p.topic) {
        return Err(ResponseError::CoordinatorNotAvailable);
    }
    // Acknowledged only while this leadership lasts (see Partition::wait_for_high_watermark).
    let leader_epoch = p.leader_epoch();
    let min_isr = state.min_insync_replicas(&p.topic).max(0) as usize;
    let appended = if broker_batch {
        p.append_as_coordinator(bytes).await
    } else {
        p.append_as_leader(bytes).await
    };
    let info = appended.map_err(|e| {
        tracing::warn!(topic = %p.topic, partition = p.index, error = %e, "cannot append");
        ResponseError::CoordinatorNotAvailable
    })?;
    if info.last_offset < 0 {
        return Ok(());
    }
    let timeout = Duration::from_millis(state.config.offsets_commit_timeout_ms.max(1) as u64);
    match p
        .wait_for_high_watermark(
            info.last_offset,
            leader_epoch,
            min_isr,
            tokio::time::Instant::now() + timeout,
        )
        .await
    {
        Ok(()) => Ok(()),
        Err(crate::broker::partition::AckWait::NotLeader) => Err(ResponseError::NotCoordinator),
        // Kafka answers both with COORDINATOR_NOT_AVAILABLE: the client retries.
        Err(
            crate::broker::partition::AckWait::TimedOut
            | crate::broker::partition::AckWait::NotEnoughReplicasAfterAppend,
        ) => Err(ResponseError::CoordinatorNotAvailable),
    }
}

/// Persists a group snapshot.
pub async fn store_group(state: &BrokerState, group_id: &str, value: &GroupValue) {
    let record = (
        records::group_key(group_id),
        Some(records::group_value(value)),
    );
    if let Err(e) = append(state, group_id, vec![record]).await {
        tracing::warn!(group = %group_id, error = ?e, "cannot store the group's metadata");
    }
}

/// Drops the groups of a `__consumer_offsets` partition this node no longer leads (their
/// members get NOT_COORDINATOR and find the new coordinator), with their pending
/// transactional offsets.
pub fn unload_partition(state: &BrokerState, index: i32) {
    let partitions = offsets_partitions(state);
    let removed = state
        .groups
        .unload(|group| partition_for(group, partitions) == index);
    crate::broker::txn::drop_pending_offsets(state, |group| {
        partition_for(group, partitions) == index
    });
    if removed > 0 {
        tracing::info!(
            partition = index,
            groups = removed,
            "unloaded consumer groups"
        );
    }
}

/// Reads one `__consumer_offsets` partition this node leads and rebuilds its groups'
/// committed offsets and generations (replacing whatever was in memory for them).
pub fn load_partition(state: &BrokerState, index: i32) {
    unload_partition(state, index);
    let mut offsets = 0usize;
    {
        let Some(p) = state.replicas.get(OFFSETS_TOPIC, index) else {
            return;
        };
        let (start, end) = {
            let log = p.log();
            (log.log_start_offset(), log.log_end_offset())
        };
        let mut position = start;
        let mut txn_offsets: std::collections::HashMap<
            i64,
            Vec<crate::client::records::ConsumerRecord>,
        > = Default::default();
        while position < end {
            let read = match p.log().read(position, 4 * 1024 * 1024, end, true) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("reading {OFFSETS_TOPIC}-{index} at {position}: {e}");
                    break;
                }
            };
            let data = match read.records.read_bytes() {
                Ok(d) if !d.is_empty() => d,
                _ => break,
            };
            // Offsets committed inside a transaction (TxnOffsetCommit) count only once its
            // commit marker follows; an abort marker drops them.
            let mut out = Vec::new();
            let mut next = position;
            for item in crate::protocol::batch::batches(&data) {
                let Ok((header, range)) = item else { break };
                next = header.next_offset();
                let bytes = data.slice(range);
                if header.is_control() {
                    let marker = crate::broker::log::producer_state::read_marker(&bytes);
                    let txn_records = txn_offsets.remove(&header.producer_id).unwrap_or_default();
                    if marker.is_some_and(|m| m.commit) {
                        out.extend(txn_records);
                    }
                    continue;
                }
                let mut decoder = crate::client::records::RecordDecoder::new(
                    OFFSETS_TOPIC,
                    index,
                    bytes,
                    position,
                    false,
                );
                let mut records = Vec::new();
                if let Err(e) = decoder.next_batch(&mut records) {
                    tracing::warn!("{OFFSETS_TOPIC}-{index}: {e}");
                    break;
                }
                if header.is_transactional() && header.producer_id >= 0 {
                    txn_offsets
                        .entry(header.producer_id)
                        .or_default()
                        .extend(records);
                } else {
                    out.extend(records);
                }
            }
            for r in out {
                let Some(key) = r.key else { continue };
                match records::decode_key(key) {
                    Ok(OffsetsKey::Offset {
                        group,
                        topic,
                        partition,
                    }) => {
                        let value = match r.value.map(records::decode_offset_value) {
                            Some(Ok(v)) => Some(v),
                            Some(Err(e)) => {
                                tracing::warn!("{e}");
                                continue;
                            }
                            None => None,
                        };
                        offsets += 1;
                        state
                            .groups
                            .restore_offset(&group, (topic, partition), value);
                    }
                    Ok(OffsetsKey::Group { group }) => {
                        let value = r.value.and_then(|v| records::decode_group_value(v).ok());
                        state.groups.restore_group(&group, value);
                    }
                    Err(e) => tracing::warn!("{e}"),
                }
            }
            if next <= position {
                break;
            }
            position = next;
        }
        // Transactions still open: their offsets wait for the coordinator to end them.
        for (producer_id, records) in txn_offsets {
            let mut by_group: std::collections::HashMap<
                String,
                Vec<((String, i32), coordinator::CommittedOffset)>,
            > = Default::default();
            for r in records {
                let (Some(key), Some(value)) = (r.key, r.value) else {
                    continue;
                };
                if let (
                    Ok(OffsetsKey::Offset {
                        group,
                        topic,
                        partition,
                    }),
                    Ok(v),
                ) = (
                    records::decode_key(key),
                    records::decode_offset_value(value),
                ) {
                    by_group.entry(group).or_default().push((
                        (topic, partition),
                        CommittedOffset {
                            offset: v.offset,
                            leader_epoch: v.leader_epoch,
                            metadata: v.metadata,
                            commit_timestamp: v.commit_timestamp,
                        },
                    ));
                }
            }
            for (group, offsets) in by_group {
                crate::broker::txn::restore_pending_offsets(state, &group, producer_id, offsets);
            }
        }
    }
    if offsets > 0 {
        tracing::info!(
            partition = index,
            records = offsets,
            "loaded consumer group offsets"
        );
    }
}

/// The coordinator's periodic work, every 100 ms: session expiry, overdue rebalances; and on
/// `offsets.retention.check.interval.ms`, expiring offsets of empty groups.
pub async fn background(state: Arc<BrokerState>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let retention_every = Duration::from_millis(
        state
            .config
            .offsets_retention_check_interval_ms
            .clamp(100, 86_400_000) as u64,
    );
    let mut retention = tokio::time::interval(retention_every);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                for (group, snapshot) in state.groups.tick() {
                    store_group(&state, &group, &snapshot).await;
                }
            }
            _ = retention.tick() => {
                for (group, expired) in state.groups.expired_offsets(crate::broker::now_ms()) {
                    let tombstones = expired.iter().map(|(t, p)| (records::offset_key(&group, t, *p), None)).collect();
                    if append(&state, &group, tombstones).await.is_ok() {
                        tracing::info!(group = %group, partitions = expired.len(), "expired committed offsets");
                        state.groups.apply_offsets(&group, expired.into_iter().map(|tp| (tp, None)).collect());
                    }
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// A commit's value as stored and kept in memory.
pub fn committed(offset: i64, leader_epoch: i32, metadata: String) -> CommittedOffset {
    CommittedOffset {
        offset,
        leader_epoch,
        metadata,
        commit_timestamp: crate::broker::now_ms(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_map_to_partitions_as_kafka() {
        // Hand-computed values of Java's String.hashCode.
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("ab"), 97 * 31 + 98);
        assert_eq!(partition_for("a", 50), 97 % 50);
        // Values Java gives: "hello".hashCode() = 99162322, "my-group" is negative, and
        // "polygenelubricants" hashes to Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
        assert_eq!(java_string_hash("hello"), 99162322);
        assert_eq!(partition_for("hello", 50), 22);
        assert_eq!(java_string_hash("my-group"), -1906497762);
        assert_eq!(partition_for("my-group", 50), 1906497762 % 50);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        // A hash that overflows to a negative number uses its absolute value.
        let h = java_string_hash("console-consumer-12345");
        assert_eq!(
            partition_for("console-consumer-12345", 50),
            h.wrapping_abs().max(0) % 50
        );
    }
}
