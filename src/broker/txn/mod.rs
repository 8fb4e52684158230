//! Producer ids and the transaction coordinator.
//!
//! - Producer ids come in blocks of 1,000 recorded in the metadata log (a `ProducerIds`
//!   record, Kafka's ProducerIdsRecord) before any id of the block is handed out, so an id is
//!   never reused across restarts.
//! - Each transactional id's state lives in `__transaction_state` (compacted, created on first
//!   need, Kafka's key/value formats in [`records`]); the id maps to a partition with Java's
//!   `String.hashCode`, as Kafka does. Every state change is appended there before the answer.
//! - EndTxn writes PrepareCommit/PrepareAbort, then a commit or abort marker (a control batch)
//!   into every partition of the transaction through the replica manager (one node: the
//!   coordinator is the leader of everything), then CompleteCommit/CompleteAbort. A restart that
//!   finds a Prepare state finishes it.
//! - TxnOffsetCommit appends the offsets to `__consumer_offsets` as a transactional batch and
//!   keeps them pending; the group sees them when the commit marker is written there.
//! - A transaction open longer than its timeout is aborted with a bumped epoch, which fences
//!   the producer that opened it (as is a new InitProducerId for the same transactional id).
//!
//! Transitions are serialised by one lock held across the appends: simple, and the order of
//! the records in `__transaction_state` is the order of the changes.

pub mod records;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use self::records::{TxnStatus, TxnValue};
use super::group::coordinator::CommittedOffset;
use super::metadata::MetadataRecord;
use super::{now_ms, BrokerState};
use crate::client::config::CompressionType;
use crate::client::records::{encode_batch, ProducerRecord};
use crate::protocol::ResponseError;

/// The internal topic of transaction states.
pub const TXN_TOPIC: &str = "__transaction_state";
/// Producer ids reserved per metadata record.
const ID_BLOCK: i64 = 1000;
/// How long one marker write may wait for the partition's in-sync replicas.
const MARKER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a transaction's end keeps retrying its markers before leaving it to the
/// background task (which retries transactions left in a Prepare state).
const MARKERS_DEADLINE: Duration = Duration::from_secs(15);

/// A transactional id's state in memory.
#[derive(Debug, Clone)]
pub struct TxnMeta {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub timeout_ms: i32,
    pub status: TxnStatus,
    pub partitions: BTreeSet<(String, i32)>,
    pub last_update_ms: i64,
    pub start_ms: i64,
}

impl TxnMeta {
    fn value(&self) -> TxnValue {
        TxnValue {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            timeout_ms: self.timeout_ms,
            status: self.status,
            partitions: self.partitions.iter().cloned().collect(),
            last_update_ms: self.last_update_ms,
            start_ms: self.start_ms,
        }
    }
}

/// Offsets a transaction committed, waiting for its marker.
type PendingOffsets = Vec<((String, i32), CommittedOffset)>;

/// The coordinator's state.
#[derive(Debug, Default)]
pub struct TxnCoordinator {
    /// The producer id block being handed out: (next, end).
    ids: tokio::sync::Mutex<(i64, i64)>,
    /// The state of every transactional id this node coordinates. Held only to read or
    /// replace an entry, never across an await.
    txns: std::sync::Mutex<BTreeMap<String, TxnMeta>>,
    /// One lock per transactional id, held through each change of that id (its record in
    /// `__transaction_state`, the markers), so that different ids proceed side by side.
    id_locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Shared by every change of an id, taken alone to load or unload a `__transaction_state`
    /// partition: a change begun before leadership moved cannot store its state over what a
    /// load read.
    loading: tokio::sync::RwLock<()>,
    /// TxnOffsetCommit offsets by (group, producer id).
    pending_offsets: std::sync::Mutex<HashMap<(String, i64), PendingOffsets>>,
    /// Connections to the other brokers, for WriteTxnMarkers.
    peers: tokio::sync::Mutex<HashMap<i32, Arc<crate::client::connection::BrokerConnection>>>,
}

/// Held through one change of a transactional id.
struct IdGuard<'a> {
    _loading: tokio::sync::RwLockReadGuard<'a, ()>,
    _id: tokio::sync::OwnedMutexGuard<()>,
}

/// Takes the lock of one transactional id (see [`TxnCoordinator::id_locks`]).
async fn lock_id<'a>(state: &'a BrokerState, id: &str) -> IdGuard<'a> {
    let loading = state.transactions.loading.read().await;
    let lock = state
        .transactions
        .id_locks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(id.to_string())
        .or_default()
        .clone();
    IdGuard {
        _loading: loading,
        _id: lock.lock_owned().await,
    }
}

/// Waits, on a blocking thread (the placement task, or start-up), until no id is being
/// changed, and keeps new changes out while the guard lives.
fn block_changes(state: &BrokerState) -> tokio::sync::RwLockWriteGuard<'_, ()> {
    loop {
        if let Ok(guard) = state.transactions.loading.try_write() {
            return guard;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn txns(state: &BrokerState) -> std::sync::MutexGuard<'_, BTreeMap<String, TxnMeta>> {
    state
        .transactions
        .txns
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The state of `id`, copied (callers change the copy and store it back).
fn meta_of(state: &BrokerState, id: &str) -> Option<TxnMeta> {
    txns(state).get(id).cloned()
}

fn store(state: &BrokerState, id: &str, meta: TxnMeta) {
    txns(state).insert(id.to_string(), meta);
}

/// Hands out a producer id, recording a new block in the metadata log when one runs out.
pub async fn allocate_producer_id(state: &BrokerState) -> Result<i64, ResponseError> {
    let coordinator = &state.transactions;
    // A tokio mutex: it is held while the new block commits through the quorum.
    let mut ids = coordinator.ids.lock().await;
    // Two brokers may ask for a block at once: a block applies only if it starts where the
    // previous one ended, so this broker checks that its own block is the one recorded.
    let mut attempts = 0;
    while ids.0 >= ids.1 {
        attempts += 1;
        if attempts > 20 {
            return Err(ResponseError::CoordinatorNotAvailable);
        }
        let start = state.image().next_producer_id;
        let record = MetadataRecord::ProducerIds {
            broker: state.node_id,
            next_producer_id: start + ID_BLOCK,
            first_producer_id: Some(start),
        };
        state.commit_metadata(vec![record]).await.map_err(|e| {
            tracing::warn!(error = %e, "cannot record a producer id block");
            ResponseError::UnknownServerError
        })?;
        if state.image().producer_id_blocks.get(&state.node_id) == Some(&start) {
            *ids = (start, start + ID_BLOCK);
        }
    }
    let id = ids.0;
    ids.0 += 1;
    Ok(id)
}

/// The `__transaction_state` partition of a transactional id (Kafka's hash, as for groups).
pub fn partition_for(transactional_id: &str, partitions: i32) -> i32 {
    super::group::partition_for(transactional_id, partitions)
}

/// Creates `__transaction_state` if needed.
pub async fn ensure_txn_topic(state: &BrokerState) -> Result<(), ResponseError> {
    if state.image().topics.contains_key(TXN_TOPIC) {
        return Ok(());
    }
    let mut configs = BTreeMap::new();
    configs.insert("cleanup.policy".to_string(), "compact".to_string());
    configs.insert("compression.type".to_string(), "uncompressed".to_string());
    configs.insert(
        "segment.bytes".to_string(),
        state.config.transaction_state_log_segment_bytes.to_string(),
    );
    let replication_factor = super::group::internal_replication_factor(
        state,
        state.config.transaction_state_log_replication_factor,
    )?;
    // Kafka gives the topic `transaction.state.log.min.isr`; capped by the replication factor
    // so a single node keeps working.
    let min_isr = state
        .config
        .value("transaction.state.log.min.isr")
        .and_then(|v| v.as_i64())
        .unwrap_or(2)
        .clamp(1, i64::from(replication_factor));
    configs.insert("min.insync.replicas".to_string(), min_isr.to_string());
    let new = crate::broker::handlers::create_topics::NewTopic {
        name: TXN_TOPIC.to_string(),
        partitions: state.config.transaction_state_log_num_partitions,
        replication_factor,
        assignments: Vec::new(),
        configs,
    };
    match crate::broker::handlers::create_topics::create_topic(state, new, false).await {
        Ok(_) | Err((ResponseError::TopicAlreadyExists, _)) => Ok(()),
        Err((code, message)) => {
            tracing::warn!("cannot create {TXN_TOPIC}: {message}");
            Err(code)
        }
    }
}

fn txn_partitions(state: &BrokerState) -> i32 {
    state
        .image()
        .topics
        .get(TXN_TOPIC)
        .map(|t| t.partitions.len() as i32)
        .unwrap_or(state.config.transaction_state_log_num_partitions)
}

/// Appends a transactional id's state (or a tombstone) to its partition.
async fn persist(
    state: &BrokerState,
    id: &str,
    meta: Option<&TxnMeta>,
) -> Result<(), ResponseError> {
    ensure_txn_topic(state).await?;
    let partition = partition_for(id, txn_partitions(state));
    let p = state
        .replicas
        .get(TXN_TOPIC, partition)
        .ok_or(ResponseError::NotCoordinator)?;
    let record = ProducerRecord {
        topic: TXN_TOPIC.to_string(),
        key: Some(records::txn_key(id)),
        value: meta.map(|m| records::txn_value(&m.value())),
        ..Default::default()
    };
    let bytes = encode_batch(&[record], CompressionType::None, now_ms())
        .map_err(|_| ResponseError::UnknownServerError)?;
    super::group::append_replicated(state, &p, bytes, true).await
}

/// One batch of broker-written records with a producer's id and epoch: a control batch
/// holding a marker, or a transactional batch of offset commits.
fn producer_batch(
    producer_id: i64,
    epoch: i16,
    control: bool,
    records: Vec<(Option<Bytes>, Option<Bytes>)>,
) -> Result<Bytes, ResponseError> {
    let now = now_ms();
    let encoded: Vec<Record> = records
        .into_iter()
        .enumerate()
        .map(|(i, (key, value))| Record {
            transactional: true,
            control,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id,
            producer_epoch: epoch,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // One batch with base sequence -1: the broker's own writes carry no sequence.
            sequence: i as i32 - 1,
            timestamp: now,
            key,
            value,
            headers: Default::default(),
        })
        .collect();
    let mut buf = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut buf,
        encoded.iter(),
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .map_err(|_| ResponseError::UnknownServerError)?;
    Ok(buf.freeze())
}

/// A commit or abort marker as a control batch: key (version 0, type 1 commit / 0 abort),
/// value (version 0, coordinator epoch).
pub fn marker_batch(
    producer_id: i64,
    epoch: i16,
    commit: bool,
    coordinator_epoch: i32,
) -> Result<Bytes, ResponseError> {
    let key = Bytes::from(vec![0, 0, 0, u8::from(commit)]);
    let mut value = vec![0, 0];
    value.extend_from_slice(&coordinator_epoch.to_be_bytes());
    producer_batch(
        producer_id,
        epoch,
        true,
        vec![(Some(key), Some(Bytes::from(value)))],
    )
}

/// Writes a marker into one partition; offsets pending for the producer in a
/// `__consumer_offsets` partition become visible (commit) or are dropped (abort).
pub async fn write_marker(
    state: &BrokerState,
    producer_id: i64,
    epoch: i16,
    commit: bool,
    coordinator_epoch: i32,
    topic: &str,
    partition: i32,
) -> Result<(), ResponseError> {
    let Some(p) = state.replicas.get(topic, partition) else {
        return Err(if state.leader_of(topic, partition).is_some() {
            ResponseError::NotLeaderOrFollower
        } else {
            ResponseError::UnknownTopicOrPartition
        });
    };
    if !p.is_leader() {
        return Err(ResponseError::NotLeaderOrFollower);
    }
    // The group coordinator must have loaded the partition's pending offsets first.
    if topic == super::group::OFFSETS_TOPIC
        && !state
            .placement
            .is_loaded(super::placement::Internal::Offsets, partition)
    {
        return Err(ResponseError::CoordinatorLoadInProgress);
    }
    let batch = marker_batch(producer_id, epoch, commit, coordinator_epoch)?;
    let leader_epoch = p.leader_epoch();
    let min_isr = state.min_insync_replicas(topic).max(0) as usize;
    let info = p.append_as_coordinator(batch).await.map_err(|e| {
        tracing::warn!(topic, partition, error = %e, "cannot write a transaction marker");
        e.response_error()
    })?;
    // Markers are appended with acks=all, as Kafka's are.
    let deadline = tokio::time::Instant::now() + MARKER_TIMEOUT;
    match p
        .wait_for_high_watermark(info.last_offset, leader_epoch, min_isr, deadline)
        .await
    {
        Ok(()) => {}
        Err(super::partition::AckWait::NotLeader) => {
            return Err(ResponseError::NotLeaderOrFollower)
        }
        Err(super::partition::AckWait::TimedOut) => return Err(ResponseError::RequestTimedOut),
        Err(super::partition::AckWait::NotEnoughReplicasAfterAppend) => {
            return Err(ResponseError::NotEnoughReplicasAfterAppend)
        }
    }
    if topic == super::group::OFFSETS_TOPIC {
        let offsets_partitions = super::group::offsets_partitions(state);
        let done: Vec<(String, PendingOffsets)> = {
            let mut pending = state
                .transactions
                .pending_offsets
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let keys: Vec<(String, i64)> = pending
                .keys()
                .filter(|(g, pid)| {
                    *pid == producer_id
                        && super::group::partition_for(g, offsets_partitions) == partition
                })
                .cloned()
                .collect();
            keys.into_iter()
                .filter_map(|k| pending.remove(&k).map(|v| (k.0, v)))
                .collect()
        };
        if commit {
            for (group, offsets) in done {
                state.groups.apply_offsets(
                    &group,
                    offsets.into_iter().map(|(tp, o)| (tp, Some(o))).collect(),
                );
            }
        }
    }
    Ok(())
}

/// Writes a transaction's markers into every partition it touched, at each partition's
/// leader: directly when that is this node, else with WriteTxnMarkers (as Kafka's coordinator
/// does). Retries while leaders move; a deleted partition needs no marker.
async fn write_markers(
    state: &BrokerState,
    id: &str,
    meta: &TxnMeta,
    commit: bool,
    coordinator_epoch: i32,
) -> Result<(), ResponseError> {
    let mut remaining: BTreeSet<(String, i32)> = meta.partitions.clone();
    let deadline = tokio::time::Instant::now() + MARKERS_DEADLINE;
    loop {
        let mut by_leader: BTreeMap<i32, Vec<(String, i32)>> = BTreeMap::new();
        for (topic, partition) in &remaining {
            match state.leader_of(topic, *partition) {
                None => {}
                Some(leader) => by_leader
                    .entry(leader)
                    .or_default()
                    .push((topic.clone(), *partition)),
            }
        }
        // Partitions whose topic is gone need nothing.
        remaining.retain(|(t, p)| state.leader_of(t, *p).is_some());
        let mut last_error = None;
        for (leader, partitions) in by_leader {
            let results: Vec<((String, i32), Result<(), ResponseError>)> =
                if leader == state.node_id {
                    let mut out = Vec::new();
                    for (topic, partition) in partitions {
                        let r = write_marker(
                            state,
                            meta.producer_id,
                            meta.producer_epoch,
                            commit,
                            coordinator_epoch,
                            &topic,
                            partition,
                        )
                        .await;
                        out.push(((topic, partition), r));
                    }
                    out
                } else if leader < 0 {
                    partitions
                        .into_iter()
                        .map(|tp| (tp, Err(ResponseError::LeaderNotAvailable)))
                        .collect()
                } else {
                    send_markers(state, leader, meta, commit, coordinator_epoch, partitions).await
                };
            for (tp, result) in results {
                match result {
                    Ok(()) | Err(ResponseError::UnknownTopicOrPartition) => {
                        remaining.remove(&tp);
                    }
                    Err(e) => last_error = Some(e),
                }
            }
        }
        if remaining.is_empty() {
            return Ok(());
        }
        if !super::placement::serves(state, super::placement::Internal::Transactions, id) {
            return Err(ResponseError::NotCoordinator);
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(transactional_id = %id, partitions = remaining.len(), error = ?last_error, "transaction markers not written yet");
            return Err(ResponseError::CoordinatorNotAvailable);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// WriteTxnMarkers to another broker for the partitions it leads; per partition the outcome.
async fn send_markers(
    state: &BrokerState,
    leader: i32,
    meta: &TxnMeta,
    commit: bool,
    coordinator_epoch: i32,
    partitions: Vec<(String, i32)>,
) -> Vec<((String, i32), Result<(), ResponseError>)> {
    use kafka_protocol::messages::write_txn_markers_request::{
        WritableTxnMarker, WritableTxnMarkerTopic,
    };
    use kafka_protocol::messages::{ProducerId, TopicName, WriteTxnMarkersRequest};
    use kafka_protocol::protocol::StrBytes;
    let failed = |partitions: Vec<(String, i32)>, e: ResponseError| {
        partitions
            .into_iter()
            .map(|tp| (tp, Err(e)))
            .collect::<Vec<_>>()
    };
    let Some(connection) = peer_connection(state, leader).await else {
        return failed(partitions, ResponseError::NetworkException);
    };
    let mut marker = WritableTxnMarker::default();
    marker.producer_id = ProducerId(meta.producer_id);
    marker.producer_epoch = meta.producer_epoch;
    marker.transaction_result = commit;
    marker.coordinator_epoch = coordinator_epoch;
    let mut topics: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for (t, p) in &partitions {
        topics.entry(t.clone()).or_default().push(*p);
    }
    for (name, indexes) in topics {
        let mut t = WritableTxnMarkerTopic::default();
        t.name = TopicName(StrBytes::from_string(name));
        t.partition_indexes = indexes;
        marker.topics.push(t);
    }
    let mut request = WriteTxnMarkersRequest::default();
    request.markers.push(marker);
    let response = match connection.send(&request).await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(leader, error = %e, "WriteTxnMarkers failed");
            connection.close();
            return failed(partitions, ResponseError::NetworkException);
        }
    };
    let mut out = Vec::new();
    for m in response.markers {
        for t in m.topics {
            for p in t.partitions {
                let result = match ResponseError::try_from_code(p.error_code) {
                    None => Ok(()),
                    Some(e) => Err(e),
                };
                out.push(((t.name.0.to_string(), p.partition_index), result));
            }
        }
    }
    // A partition the answer left out is retried.
    for tp in partitions {
        if !out.iter().any(|(x, _)| *x == tp) {
            out.push((tp, Err(ResponseError::UnknownServerError)));
        }
    }
    out
}

/// A connection to another broker over the inter-broker listener, with its TLS and SASL
/// settings (as followers fetch).
async fn peer_connection(
    state: &BrokerState,
    broker: i32,
) -> Option<Arc<crate::client::connection::BrokerConnection>> {
    let mut peers = state.transactions.peers.lock().await;
    if let Some(c) = peers.get(&broker).filter(|c| !c.is_closed()) {
        return Some(c.clone());
    }
    let address = state.inter_broker_address(broker)?;
    let security = match crate::broker::auth::inter_broker_client_security(&state.config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "inter-broker security settings unusable; cannot send transaction markers");
            return None;
        }
    };
    let client_id = format!("kbox-txn-coordinator-{}", state.node_id);
    let connection = crate::client::connection::BrokerConnection::connect_secured(
        &address,
        &client_id,
        MARKER_TIMEOUT + Duration::from_secs(5),
        &security,
    )
    .await
    .ok()?;
    peers.insert(broker, connection.clone());
    Some(connection)
}

/// The producer id and epoch a transactional request names must be the current ones.
fn check_producer(
    meta: Option<&TxnMeta>,
    producer_id: i64,
    epoch: i16,
) -> Result<(), ResponseError> {
    let Some(meta) = meta else {
        return Err(ResponseError::InvalidProducerIdMapping);
    };
    if meta.producer_id != producer_id {
        return Err(ResponseError::InvalidProducerIdMapping);
    }
    if meta.producer_epoch != epoch {
        return Err(ResponseError::ProducerFenced);
    }
    Ok(())
}

/// Ends the transaction of `meta`: Prepare, markers, Complete. `epoch` is the epoch the
/// markers carry (bumped when aborting to fence).
async fn complete(
    state: &BrokerState,
    id: &str,
    meta: &mut TxnMeta,
    commit: bool,
) -> Result<(), ResponseError> {
    meta.status = if commit {
        TxnStatus::PrepareCommit
    } else {
        TxnStatus::PrepareAbort
    };
    meta.last_update_ms = now_ms();
    persist(state, id, Some(meta)).await?;
    let coordinator_epoch =
        super::placement::leader_for(state, super::placement::Internal::Transactions, id)
            .map_or(0, |(_, _, epoch)| epoch.max(0));
    write_markers(state, id, meta, commit, coordinator_epoch).await?;
    meta.status = if commit {
        TxnStatus::CompleteCommit
    } else {
        TxnStatus::CompleteAbort
    };
    meta.partitions.clear();
    meta.last_update_ms = now_ms();
    persist(state, id, Some(meta)).await
}

/// InitProducerId. Without a transactional id: a fresh producer id, epoch 0. With one: the
/// id's producer with its epoch bumped (an open transaction is aborted first, fencing the
/// previous producer), or a new producer id when the epoch is exhausted.
pub async fn init_producer_id(
    state: &BrokerState,
    transactional_id: Option<&str>,
    timeout_ms: i32,
    expected: Option<(i64, i16)>,
) -> Result<(i64, i16), ResponseError> {
    let Some(id) = transactional_id.filter(|s| !s.is_empty()) else {
        return Ok((allocate_producer_id(state).await?, 0));
    };
    if timeout_ms <= 0 || timeout_ms > state.config.transaction_max_timeout_ms {
        return Err(ResponseError::InvalidTransactionTimeout);
    }
    super::placement::check(state, super::placement::Internal::Transactions, id).await?;
    let _id = lock_id(state, id).await;
    let now = now_ms();
    let mut meta = match meta_of(state, id) {
        None => TxnMeta {
            producer_id: allocate_producer_id(state).await?,
            producer_epoch: -1,
            timeout_ms,
            status: TxnStatus::Empty,
            partitions: BTreeSet::new(),
            last_update_ms: now,
            start_ms: -1,
        },
        Some(m) => m,
    };
    if let Some((pid, epoch)) = expected.filter(|(pid, _)| *pid >= 0) {
        // KIP-360: a producer bumping its own epoch after an error.
        if pid != meta.producer_id {
            return Err(ResponseError::InvalidProducerIdMapping);
        }
        if epoch != meta.producer_epoch {
            return Err(ResponseError::ProducerFenced);
        }
    }
    if matches!(
        meta.status,
        TxnStatus::Ongoing | TxnStatus::PrepareAbort | TxnStatus::PrepareEpochFence
    ) {
        // Fence the previous producer: its transaction is aborted under a new epoch.
        meta.producer_epoch = meta.producer_epoch.saturating_add(1);
        complete(state, id, &mut meta, false).await?;
    } else if meta.status == TxnStatus::PrepareCommit {
        complete(state, id, &mut meta, true).await?;
    }
    if meta.producer_epoch >= i16::MAX - 1 {
        meta.producer_id = allocate_producer_id(state).await?;
        meta.producer_epoch = 0;
    } else {
        meta.producer_epoch += 1;
    }
    meta.timeout_ms = timeout_ms;
    meta.status = TxnStatus::Empty;
    meta.partitions.clear();
    meta.last_update_ms = now;
    meta.start_ms = -1;
    persist(state, id, Some(&meta)).await?;
    let answer = (meta.producer_id, meta.producer_epoch);
    store(state, id, meta);
    Ok(answer)
}

/// AddPartitionsToTxn / AddOffsetsToTxn: the partitions join the open transaction (opening
/// it). Unknown partitions fail the whole request, as in Kafka.
pub async fn add_partitions(
    state: &BrokerState,
    id: &str,
    producer_id: i64,
    epoch: i16,
    partitions: Vec<(String, i32)>,
) -> Result<(), ResponseError> {
    super::placement::check(state, super::placement::Internal::Transactions, id).await?;
    let _id = lock_id(state, id).await;
    let current = meta_of(state, id);
    check_producer(current.as_ref(), producer_id, epoch)?;
    let Some(mut meta) = current else {
        return Err(ResponseError::InvalidProducerIdMapping);
    };
    match meta.status {
        TxnStatus::PrepareCommit | TxnStatus::PrepareAbort => {
            return Err(ResponseError::ConcurrentTransactions)
        }
        TxnStatus::Dead | TxnStatus::PrepareEpochFence => {
            return Err(ResponseError::InvalidTxnState)
        }
        _ => {}
    }
    let fresh: Vec<_> = partitions
        .into_iter()
        .filter(|tp| !meta.partitions.contains(tp))
        .collect();
    if fresh.is_empty() && meta.status == TxnStatus::Ongoing {
        return Ok(());
    }
    let now = now_ms();
    if meta.status != TxnStatus::Ongoing {
        meta.start_ms = now;
        meta.status = TxnStatus::Ongoing;
    }
    meta.partitions.extend(fresh);
    meta.last_update_ms = now;
    persist(state, id, Some(&meta)).await?;
    store(state, id, meta);
    Ok(())
}

/// EndTxn: commits or aborts the open transaction. A retry of a completed end answers OK.
pub async fn end_txn(
    state: &BrokerState,
    id: &str,
    producer_id: i64,
    epoch: i16,
    commit: bool,
) -> Result<(i64, i16), ResponseError> {
    super::placement::check(state, super::placement::Internal::Transactions, id).await?;
    let _id = lock_id(state, id).await;
    let Some(mut meta) = meta_of(state, id) else {
        return Err(ResponseError::InvalidProducerIdMapping);
    };
    if meta.producer_id != producer_id {
        return Err(ResponseError::InvalidProducerIdMapping);
    }
    if meta.producer_epoch != epoch {
        return Err(ResponseError::ProducerFenced);
    }
    match (meta.status, commit) {
        (TxnStatus::Ongoing, _) => {
            let result = complete(state, id, &mut meta, commit).await;
            store(state, id, meta.clone());
            result?;
        }
        (TxnStatus::CompleteCommit, true) | (TxnStatus::CompleteAbort, false) => {}
        // A retry reaching a new coordinator that is still finishing this end (loaded in a
        // Prepare state): retriable, as Kafka answers.
        (TxnStatus::PrepareCommit, true) | (TxnStatus::PrepareAbort, false) => {
            return Err(ResponseError::ConcurrentTransactions)
        }
        // Aborting a transaction that never added a partition is a no-op (as Kafka).
        (TxnStatus::Empty, false) => {}
        _ => return Err(ResponseError::InvalidTxnState),
    }
    Ok((meta.producer_id, meta.producer_epoch))
}

/// TxnOffsetCommit: the offsets are written to the group's `__consumer_offsets` partition as
/// part of the transaction and applied when it commits.
pub async fn txn_offset_commit(
    state: &BrokerState,
    id: &str,
    group: &str,
    producer_id: i64,
    epoch: i16,
    offsets: Vec<((String, i32), CommittedOffset)>,
) -> Result<(), ResponseError> {
    // Sent to the group's coordinator, which may not be the transaction's: the transaction
    // is checked only where its coordinator is this node (elsewhere the producer's own
    // checks and the markers' epoch stand, as in Kafka before KIP-890's verification).
    let partition =
        super::placement::check(state, super::placement::Internal::Offsets, group).await?;
    if super::placement::serves(state, super::placement::Internal::Transactions, id) {
        // Waits for a change of the id in progress (an EndTxn sending markers).
        let _id = lock_id(state, id).await;
        let meta = meta_of(state, id);
        check_producer(meta.as_ref(), producer_id, epoch)?;
        let meta = meta.ok_or(ResponseError::InvalidProducerIdMapping)?;
        if meta.status != TxnStatus::Ongoing
            || !meta
                .partitions
                .contains(&(super::group::OFFSETS_TOPIC.to_string(), partition))
        {
            return Err(ResponseError::InvalidTxnState);
        }
    }
    let p = state
        .replicas
        .get(super::group::OFFSETS_TOPIC, partition)
        .ok_or(ResponseError::NotCoordinator)?;
    let records = offsets
        .iter()
        .map(|((topic, part), o)| {
            let value = super::group::records::OffsetValue {
                offset: o.offset,
                leader_epoch: o.leader_epoch,
                metadata: o.metadata.clone(),
                commit_timestamp: o.commit_timestamp,
            };
            (
                Some(super::group::records::offset_key(group, topic, *part)),
                Some(super::group::records::offset_value(&value)),
            )
        })
        .collect();
    let batch = producer_batch(producer_id, epoch, false, records)?;
    super::group::append_replicated(state, &p, batch, true).await?;
    let mut pending = state
        .transactions
        .pending_offsets
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let entry = pending.entry((group.to_string(), producer_id)).or_default();
    entry.retain(|(tp, _)| !offsets.iter().any(|(t, _)| t == tp));
    entry.extend(offsets);
    Ok(())
}

/// Start-up: offsets of a transaction still open in `__consumer_offsets` wait for its marker.
pub fn restore_pending_offsets(
    state: &BrokerState,
    group: &str,
    producer_id: i64,
    offsets: PendingOffsets,
) {
    state
        .transactions
        .pending_offsets
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((group.to_string(), producer_id))
        .or_default()
        .extend(offsets);
}

/// Forgets the pending offsets of the groups `moved` selects (their partition moved away).
pub fn drop_pending_offsets(state: &BrokerState, moved: impl Fn(&str) -> bool) {
    state
        .transactions
        .pending_offsets
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(group, _), _| !moved(group));
}

/// Whether a transaction holds an uncommitted offset for the group's partition.
pub fn has_pending_offset(state: &BrokerState, group: &str, topic: &str, partition: i32) -> bool {
    let pending = state
        .transactions
        .pending_offsets
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    pending.iter().any(|((g, _), offsets)| {
        g == group
            && offsets
                .iter()
                .any(|((t, p), _)| t == topic && *p == partition)
    })
}

/// Every transactional id this node coordinates, with its state, for
/// Describe/ListTransactions.
pub async fn snapshot(state: &BrokerState) -> BTreeMap<String, TxnMeta> {
    let mut all = txns(state).clone();
    all.retain(|id, _| {
        super::placement::serves(state, super::placement::Internal::Transactions, id)
    });
    all
}

/// Drops the transactional ids of a `__transaction_state` partition this node no longer
/// leads.
pub fn unload_partition(state: &BrokerState, index: i32) {
    let partitions = txn_partitions(state);
    let _changes = block_changes(state);
    let mut txns = txns(state);
    let before = txns.len();
    txns.retain(|id, _| partition_for(id, partitions) != index);
    if txns.len() < before {
        tracing::info!(
            partition = index,
            transactional_ids = before - txns.len(),
            "unloaded transaction states"
        );
    }
}

/// Reads one `__transaction_state` partition this node leads: the last value of every
/// transactional id there. Transactions found in a Prepare state are finished by the
/// background task; open ones time out as usual.
pub fn load_partition(state: &BrokerState, index: i32) {
    // Before reading: a change still running from an earlier leadership ends first.
    let _changes = block_changes(state);
    let mut loaded = BTreeMap::new();
    {
        let Some(p) = state.replicas.get(TXN_TOPIC, index) else {
            return;
        };
        let (start, end) = {
            let log = p.log();
            (log.log_start_offset(), log.log_end_offset())
        };
        let mut position = start;
        while position < end {
            let Ok(read) = p.log().read(position, 4 << 20, end, true) else {
                break;
            };
            let Ok(data) = read.records.read_bytes() else {
                break;
            };
            if data.is_empty() {
                break;
            }
            let mut decoder =
                crate::client::records::RecordDecoder::new(TXN_TOPIC, index, data, position, false);
            let mut out = Vec::new();
            while let Ok(true) = decoder.next_batch(&mut out) {}
            for r in out {
                let Some(Ok(id)) = r.key.map(records::decode_key) else {
                    continue;
                };
                match r.value.map(records::decode_value) {
                    Some(Ok(v)) => {
                        loaded.insert(
                            id,
                            TxnMeta {
                                producer_id: v.producer_id,
                                producer_epoch: v.producer_epoch,
                                timeout_ms: v.timeout_ms,
                                status: v.status,
                                partitions: v.partitions.into_iter().collect(),
                                last_update_ms: v.last_update_ms,
                                start_ms: v.start_ms,
                            },
                        );
                    }
                    Some(Err(e)) => tracing::warn!("{TXN_TOPIC}: {e}"),
                    None => {
                        loaded.remove(&id);
                    }
                }
            }
            if decoder.next_offset() <= position {
                break;
            }
            position = decoder.next_offset();
        }
    }
    if !loaded.is_empty() {
        tracing::info!(
            partition = index,
            transactional_ids = loaded.len(),
            "loaded transaction states"
        );
    }
    let partitions = txn_partitions(state);
    let mut txns = txns(state);
    txns.retain(|id, _| partition_for(id, partitions) != index);
    txns.extend(loaded);
}

/// Background work: finishes transactions left in a Prepare state by a crash, then every
/// second aborts transactions open longer than their timeout (bumping the epoch, which fences
/// their producer) and removes transactional ids idle past `transactional.id.expiration.ms`.
pub async fn background(state: Arc<BrokerState>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let every = Duration::from_millis(
        (state
            .config
            .value("transaction.abort.timed.out.transaction.cleanup.interval.ms")
            .and_then(|v| v.as_i64())
            .unwrap_or(10_000))
        .clamp(100, 1000) as u64,
    );
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => abort_timed_out(&state).await,
            _ = shutdown.changed() => return,
        }
    }
}

async fn abort_timed_out(state: &BrokerState) {
    let now = now_ms();
    let expiration = i64::from(state.config.transactional_id_expiration_ms);
    let due = |m: &TxnMeta| match m.status {
        TxnStatus::Ongoing => now.saturating_sub(m.start_ms) > i64::from(m.timeout_ms),
        TxnStatus::PrepareCommit | TxnStatus::PrepareAbort | TxnStatus::PrepareEpochFence => true,
        _ => false,
    };
    // transactional.id.expiration.ms: ids idle that long with no open transaction are removed
    // (a tombstone in __transaction_state).
    let expired = |m: &TxnMeta| {
        matches!(
            m.status,
            TxnStatus::Empty | TxnStatus::CompleteCommit | TxnStatus::CompleteAbort
        ) && now.saturating_sub(m.last_update_ms) > expiration
    };
    let candidates: Vec<String> = txns(state)
        .iter()
        .filter(|(_, m)| due(m) || expired(m))
        .map(|(id, _)| id.clone())
        .collect();
    for id in candidates {
        if !super::placement::serves(state, super::placement::Internal::Transactions, &id) {
            continue;
        }
        // Under the id's lock, looked at again: a request may have changed it meanwhile.
        let _id = lock_id(state, &id).await;
        let Some(mut meta) = meta_of(state, &id) else {
            continue;
        };
        if expired(&meta) {
            if persist(state, &id, None).await.is_ok() {
                tracing::info!(transactional_id = %id, "expired a transactional id");
                txns(state).remove(&id);
                state
                    .transactions
                    .id_locks
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
            }
            continue;
        }
        if !due(&meta) {
            continue;
        }
        let commit = meta.status == TxnStatus::PrepareCommit;
        if meta.status == TxnStatus::Ongoing {
            tracing::info!(transactional_id = %id, producer_id = meta.producer_id, "aborting a transaction past its timeout");
            meta.producer_epoch = meta.producer_epoch.saturating_add(1);
        }
        match complete(state, &id, &mut meta, commit).await {
            Ok(()) => store(state, &id, meta),
            Err(e) => {
                tracing::warn!(transactional_id = %id, error = ?e, "cannot complete a transaction")
            }
        }
    }
}
