//! Replication's two background jobs on each broker.
//!
//! - Followers: one fetcher task per leader, fetching every partition this node follows from
//!   that leader with Fetch as a replica (replica id / ReplicaState = this node), from its log
//!   end, with its last fetched epoch. Batches are appended as they are (offsets and epochs
//!   kept) and the leader's high watermark is taken. A diverging epoch in the answer (KIP-320,
//!   the Fetch form of OffsetForLeaderEpoch) makes the follower truncate to where the two logs
//!   agree, never to its high watermark.
//! - Leaders: the ISR check, every 250 ms (or `replica.lag.time.max.ms / 2` if shorter), commits an `AlterIsr` record
//!   through the controller when a follower fell behind for `replica.lag.time.max.ms` or caught
//!   up again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::{BrokerId, FetchRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::watch;

use crate::broker::partition::Partition;
use crate::broker::replication_throttle::{Side, Throttle};
use crate::broker::BrokerState;
use crate::client::connection::BrokerConnection;
use crate::protocol::ResponseError;

/// How long a follower's fetch may wait at the leader for new data.
const FETCH_MAX_WAIT: Duration = Duration::from_millis(500);
/// Pause after a failed round (leader unreachable, errors) before the next.
const BACKOFF: Duration = Duration::from_millis(200);

/// Starts and stops fetcher tasks as leadership moves, and runs the leader's ISR check.
pub async fn run(
    state: Arc<BrokerState>,
    mut shutdown: watch::Receiver<bool>,
) -> crate::Result<()> {
    let mut fetchers: HashMap<i32, tokio::task::JoinHandle<()>> = HashMap::new();
    // Followers connect as Kafka's brokers do: over the inter-broker listener, with its
    // TLS and SASL settings.
    let security = Arc::new(
        crate::broker::auth::inter_broker_client_security(&state.config).unwrap_or_else(|e| {
            tracing::error!(error = %e, "inter-broker security settings unusable; followers cannot fetch");
            crate::client::security::ClientSecurity::default()
        }),
    );
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let lag_ms = state.config.replica_lag_time_max_ms.max(100);
    // Kafka shrinks every lag/2 and expands on the fetch itself; one frequent check does both
    // (it only reads memory unless a change is due).
    let mut isr_check = tokio::time::interval(Duration::from_millis((lag_ms / 2).min(250) as u64));
    isr_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                fetchers.retain(|_, task| !task.is_finished());
                for leader in leaders_followed(&state) {
                    fetchers.entry(leader).or_insert_with(|| {
                        tokio::spawn(fetch_from(state.clone(), leader, security.clone(), shutdown.clone()))
                    });
                }
            }
            _ = isr_check.tick() => check_isr(&state, lag_ms).await,
            _ = shutdown.changed() => {
                fetchers.values().for_each(|t| t.abort());
                return Ok(());
            }
        }
    }
}

/// The other brokers leading a partition this node hosts.
fn leaders_followed(state: &BrokerState) -> Vec<i32> {
    let mut leaders: Vec<i32> = state
        .replicas
        .all()
        .iter()
        .map(|p| p.leader())
        .filter(|&l| l >= 0 && l != state.node_id)
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    leaders
}

/// At each partition this node leads: asks the controller for a new ISR when it should change
/// (all changes of one check in one commit).
async fn check_isr(state: &BrokerState, lag_ms: i64) {
    let live = |id: i32| state.image().live_brokers().any(|b| b.id == id);
    let mut records = Vec::new();
    for p in state.replicas.all() {
        let Some(isr) = p.wanted_isr(lag_ms, &live) else {
            continue;
        };
        tracing::info!(topic = %p.topic, partition = p.index, from = ?p.isr(), to = ?isr, "changing the ISR");
        records.push(crate::broker::metadata::MetadataRecord::AlterIsr {
            topic_id: p.topic_id,
            partition: p.index,
            leader_epoch: p.leader_epoch(),
            isr,
        });
    }
    if records.is_empty() {
        return;
    }
    match tokio::time::timeout(Duration::from_secs(5), state.commit_metadata(records)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not change the ISR"),
        Err(_) => tracing::warn!("changing the ISR timed out"),
    }
}

/// Fetches from one leader until this node follows nothing of it.
async fn fetch_from(
    state: Arc<BrokerState>,
    leader: i32,
    security: Arc<crate::client::security::ClientSecurity>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connection: Option<Arc<BrokerConnection>> = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut partitions: Vec<Arc<Partition>> = state
            .replicas
            .all()
            .into_iter()
            .filter(|p| p.leader() == leader)
            .collect();
        if partitions.is_empty() {
            return;
        }
        // Kafka's follower replication throttle: throttled partitions are left out of the
        // fetches until the bytes fetched for them so far fit the rate; the others go on.
        let throttle = Throttle::of(&state, Side::Follower);
        if let Some(t) = &throttle {
            let wait = state.replication_throttles.follower.wait();
            if !wait.is_zero() {
                partitions.retain(|p| !held_back(t, p, state.node_id));
                if partitions.is_empty() {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => return,
                    }
                    continue;
                }
            }
        }
        if connection.as_ref().is_none_or(|c| c.is_closed()) {
            connection = match state.inter_broker_address(leader) {
                Some(address) => {
                    let client_id = format!("kbox-replica-fetcher-{}", state.node_id);
                    match BrokerConnection::connect_secured(
                        &address,
                        &client_id,
                        Duration::from_secs(5),
                        &security,
                    )
                    .await
                    {
                        Ok(c) => Some(c),
                        Err(e) => {
                            tracing::debug!(leader, error = %e, "cannot connect to the leader");
                            None
                        }
                    }
                }
                None => None,
            };
        }
        let (ok, throttled_bytes) = match &connection {
            Some(c) => fetch_once(&state, c, &partitions, throttle.as_ref()).await,
            None => (false, 0),
        };
        if let Some(t) = &throttle {
            state
                .replication_throttles
                .follower
                .record(throttled_bytes, t.rate);
        }
        if !ok {
            connection = None;
            tokio::select! {
                _ = tokio::time::sleep(BACKOFF) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Is this follower's replica of `p` held to the follower throttle? Only while it is out of
/// the ISR, as in Kafka.
fn held_back(throttle: &Throttle, p: &Partition, me: i32) -> bool {
    throttle.applies_to(&p.topic, p.index) && !p.isr().contains(&me)
}

/// One Fetch round for `partitions`: false when the round failed and should back off, and
/// the bytes fetched for partitions under the follower throttle.
async fn fetch_once(
    state: &BrokerState,
    connection: &BrokerConnection,
    partitions: &[Arc<Partition>],
    throttle: Option<&Throttle>,
) -> (bool, u64) {
    let Ok(version) = connection.version_for::<FetchRequest>() else {
        return (false, 0);
    };
    let mut request = FetchRequest::default();
    if version >= 15 {
        request.replica_state.replica_id = BrokerId(state.node_id);
        request.replica_state.replica_epoch = -1;
    } else {
        request.replica_id = BrokerId(state.node_id);
    }
    request.max_wait_ms = FETCH_MAX_WAIT.as_millis() as i32;
    request.min_bytes = 1;
    request.max_bytes = state
        .config
        .value("replica.fetch.response.max.bytes")
        .and_then(|v| v.as_i64())
        .unwrap_or(10 << 20) as i32;
    let partition_max = state
        .config
        .value("replica.fetch.max.bytes")
        .and_then(|v| v.as_i64())
        .unwrap_or(1 << 20) as i32;
    let mut by_topic: HashMap<String, FetchTopic> = HashMap::new();
    for p in partitions {
        let topic = by_topic.entry(p.topic.clone()).or_insert_with(|| {
            let mut t = FetchTopic::default();
            if version >= 13 {
                t.topic_id = p.topic_id;
            } else {
                t.topic = TopicName(StrBytes::from_string(p.topic.clone()));
            }
            t
        });
        let log = p.log();
        let mut fp = FetchPartition::default();
        fp.partition = p.index;
        fp.fetch_offset = log.log_end_offset();
        fp.log_start_offset = log.log_start_offset();
        fp.partition_max_bytes = partition_max;
        if version >= 9 {
            fp.current_leader_epoch = p.leader_epoch();
        }
        if version >= 12 {
            fp.last_fetched_epoch = log.latest_epoch().unwrap_or(-1);
        }
        topic.partitions.push(fp);
    }
    request.topics = by_topic.into_values().collect();
    let response = match connection
        .send_at(&request, version, FETCH_MAX_WAIT + Duration::from_secs(10))
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(error = %e, "replica fetch failed");
            return (false, 0);
        }
    };
    let mut ok = true;
    let mut throttled_bytes = 0u64;
    for topic in response.responses {
        let name = if version >= 13 {
            state
                .image()
                .topic_by_id(&topic.topic_id)
                .map(|t| t.name.clone())
        } else {
            Some(topic.topic.0.to_string())
        };
        let Some(name) = name else { continue };
        for data in topic.partitions {
            let Some(p) = partitions
                .iter()
                .find(|p| p.topic == name && p.index == data.partition_index)
            else {
                continue;
            };
            if throttle.is_some_and(|t| held_back(t, p, state.node_id)) {
                throttled_bytes += data.records.as_ref().map_or(0, |r| r.len() as u64);
            }
            if let Err(e) = apply_fetched(p, data) {
                tracing::debug!(topic = %p.topic, partition = p.index, error = ?e, "replica fetch");
                ok = false;
            } else if let Err(e) = p.flush_if_messages_due().await {
                // The next fetch would tell the leader these records are safe here: not until
                // they are on disk.
                tracing::warn!(topic = %p.topic, partition = p.index, error = %e, "follower flush failed");
                ok = false;
            }
        }
    }
    (ok, throttled_bytes)
}

/// What a follower does with one partition's answer.
fn apply_fetched(
    p: &Partition,
    data: kafka_protocol::messages::fetch_response::PartitionData,
) -> Result<(), String> {
    if data.error_code != 0 {
        let error = ResponseError::try_from_code(data.error_code);
        if error == Some(ResponseError::OffsetOutOfRange) {
            let end = p.log().log_end_offset();
            // Behind the leader's log start (retention moved on): start over from there.
            if data.log_start_offset > end {
                p.restart_log_at(data.log_start_offset)
                    .map_err(|e| e.to_string())?;
                return Ok(());
            }
            // Our log end is past the leader's (which has no epoch to compare): keep only
            // what the leader has committed.
            if data.high_watermark >= 0 && end > data.high_watermark {
                p.truncate_to(data.high_watermark)
                    .map_err(|e| e.to_string())?;
                return Ok(());
            }
        }
        return Err(format!("{error:?}"));
    }
    if data.diverging_epoch.epoch >= 0 {
        truncate_diverged(
            p,
            data.diverging_epoch.epoch,
            data.diverging_epoch.end_offset,
        )?;
        return Ok(());
    }
    match data.records {
        Some(records) if !records.is_empty() => {
            p.append_as_follower(records, data.high_watermark)
                .map_err(|e| e.to_string())?;
        }
        _ => p.follow_high_watermark(data.high_watermark),
    }
    Ok(())
}

/// Kafka's truncation on a diverging epoch: where the leader's `epoch` ends, if this log knows
/// that epoch too; else where this log's own entry for the nearest lower epoch ends (another
/// round then finds the exact point).
fn truncate_diverged(p: &Partition, epoch: i32, leader_end: i64) -> Result<(), String> {
    let (ours, our_end) = p.log().end_offset_for_epoch(epoch);
    let target = if ours == epoch {
        leader_end.min(our_end)
    } else {
        our_end
    };
    let target = target.max(0);
    tracing::info!(topic = %p.topic, partition = p.index, epoch, leader_end, target, "truncating a diverged log");
    p.truncate_to(target).map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::log::{Log, LogConfig};
    use crate::broker::metadata::PartitionRecord;

    fn record(leader: i32, epoch: i32) -> PartitionRecord {
        PartitionRecord {
            partition: 0,
            replicas: vec![1, 2],
            isr: vec![1, 2],
            leader,
            leader_epoch: epoch,
        }
    }

    /// A replica of node 1 holding 5 records of epoch 0, then 2 + 3 of epoch 1 (written while it
    /// led).
    async fn replica_with_two_epochs(dir: &std::path::Path) -> Partition {
        let log = Log::create(dir, LogConfig::default()).unwrap();
        let p = Partition::new(
            "t".into(),
            0,
            uuid::Uuid::new_v4(),
            dir.to_path_buf(),
            log,
            0,
        );
        p.update_from_metadata(&record(1, 0), 1);
        p.append_as_leader(crate::protocol::batch::test_batches::batch(5, 0, 1))
            .await
            .unwrap();
        p.update_from_metadata(&record(1, 1), 1);
        p.append_as_leader(crate::protocol::batch::test_batches::batch(2, 0, 1))
            .await
            .unwrap();
        p.append_as_leader(crate::protocol::batch::test_batches::batch(3, 0, 1))
            .await
            .unwrap();
        p.update_from_metadata(&record(2, 2), 1);
        p
    }

    #[tokio::test]
    async fn a_diverged_follower_truncates_where_the_epochs_agree() {
        let dir = tempfile::tempdir().unwrap();
        let p = replica_with_two_epochs(dir.path()).await;
        assert_eq!(p.log().log_end_offset(), 10);
        // The new leader has epoch 1 only up to offset 7: the follower keeps 0..7.
        truncate_diverged(&p, 1, 7).unwrap();
        assert_eq!(p.log().log_end_offset(), 7);
        assert_eq!(p.log().latest_epoch(), Some(1));
        // The leader never saw epoch 1 (its epoch 0 ends at 5): everything of epoch 1 goes.
        let dir = tempfile::tempdir().unwrap();
        let p = replica_with_two_epochs(dir.path()).await;
        truncate_diverged(&p, 0, 5).unwrap();
        assert_eq!(p.log().log_end_offset(), 5);
        assert_eq!(p.log().latest_epoch(), Some(0));
    }
}
