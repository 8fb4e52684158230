//! Coordinator placement: the group coordinator of group G is the leader of
//! `__consumer_offsets` partition `abs(hashCode(G)) % partitions`, and the transaction
//! coordinator of id T the leader of its `__transaction_state` partition (Kafka's rule).
//!
//! This file tracks which of those partitions this node leads and whether their state is in
//! memory. A background task follows the metadata: when this node becomes leader of such a
//! partition (at start-up, or when leadership moves to it on a kill, a fence, a controlled
//! shutdown) it loads the groups and offsets, or the transactions, from the partition's log
//! (replicated there while it followed); when it stops leading, it drops them. Handlers ask
//! [`check`] first: NOT_COORDINATOR on a node that does not lead the key's partition (clients
//! then find the coordinator again), COORDINATOR_LOAD_IN_PROGRESS while loading.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::BrokerState;
use crate::protocol::ResponseError;

/// The two internal topics whose partition leaders coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Internal {
    /// `__consumer_offsets`: consumer groups.
    Offsets,
    /// `__transaction_state`: transactional ids.
    Transactions,
}

impl Internal {
    pub fn topic(self) -> &'static str {
        match self {
            Internal::Offsets => super::group::OFFSETS_TOPIC,
            Internal::Transactions => super::txn::TXN_TOPIC,
        }
    }
}

/// A partition this node leads, at a leader epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    Loading(i32),
    Loaded(i32),
}

/// The partitions this node coordinates.
#[derive(Debug, Default)]
pub struct Placement {
    owned: Mutex<HashMap<(Internal, i32), Load>>,
    /// Woken after each load, for requests waiting a moment for one.
    loaded: Notify,
    /// Woken when the metadata changed, so leadership changes are acted on at once.
    pub metadata_changed: Notify,
}

impl Placement {
    fn owned(&self) -> std::sync::MutexGuard<'_, HashMap<(Internal, i32), Load>> {
        self.owned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this node serves `partition` of `kind` now (leads it and has loaded it).
    pub fn is_loaded(&self, kind: Internal, partition: i32) -> bool {
        matches!(self.owned().get(&(kind, partition)), Some(Load::Loaded(_)))
    }
}

/// The partition of `key` and its leader and leader epoch in the metadata (leader -1 when
/// offline; None when the topic does not exist yet).
pub fn leader_for(state: &BrokerState, kind: Internal, key: &str) -> Option<(i32, i32, i32)> {
    let image = state.image();
    let topic = image.topics.get(kind.topic())?;
    let partition = super::group::partition_for(key, topic.partitions.len() as i32);
    let p = topic.partitions.iter().find(|p| p.partition == partition)?;
    Some((partition, p.leader, p.leader_epoch))
}

/// May this node serve `key` now? NOT_COORDINATOR when another node leads its partition (or
/// none does), COORDINATOR_LOAD_IN_PROGRESS while its state loads (a request waits up to a
/// second for a load that is under way). Creates the topic on first need, as FindCoordinator.
pub async fn check(state: &BrokerState, kind: Internal, key: &str) -> Result<i32, ResponseError> {
    match kind {
        Internal::Offsets => super::group::ensure_offsets_topic(state).await?,
        Internal::Transactions => super::txn::ensure_txn_topic(state).await?,
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        let waiting = state.placement.loaded.notified();
        tokio::pin!(waiting);
        waiting.as_mut().enable();
        let Some((partition, leader, epoch)) = leader_for(state, kind, key) else {
            return Err(ResponseError::CoordinatorNotAvailable);
        };
        if leader != state.node_id {
            return Err(ResponseError::NotCoordinator);
        }
        match state.placement.owned().get(&(kind, partition)) {
            Some(Load::Loaded(e)) if *e == epoch => return Ok(partition),
            _ => {}
        }
        state.placement.metadata_changed.notify_one();
        if tokio::time::timeout_at(deadline, waiting).await.is_err() {
            return Err(ResponseError::CoordinatorLoadInProgress);
        }
    }
}

/// Whether this node serves `key` now, without waiting (for background work).
pub fn serves(state: &BrokerState, kind: Internal, key: &str) -> bool {
    match leader_for(state, kind, key) {
        Some((partition, leader, epoch)) => {
            leader == state.node_id
                && state.placement.owned().get(&(kind, partition)) == Some(&Load::Loaded(epoch))
        }
        None => false,
    }
}

/// Compares the partitions this node leads with what it has loaded: unloads those it no
/// longer leads (or leads at a newer epoch, after leading elsewhere meanwhile), then loads
/// the new ones from their logs. Blocking (reads logs): run on a blocking thread, or at
/// start-up before serving.
pub fn sync(state: &BrokerState) {
    let mut led: HashMap<(Internal, i32), i32> = HashMap::new();
    {
        let image = state.image();
        for kind in [Internal::Offsets, Internal::Transactions] {
            let Some(topic) = image.topics.get(kind.topic()) else {
                continue;
            };
            for p in &topic.partitions {
                if p.leader == state.node_id
                    && state.replicas.get(kind.topic(), p.partition).is_some()
                {
                    led.insert((kind, p.partition), p.leader_epoch);
                }
            }
        }
    }
    let (to_unload, to_load) = {
        let mut owned = state.placement.owned();
        let mut to_unload = Vec::new();
        for (key, load) in owned.iter() {
            let epoch = match load {
                Load::Loading(e) | Load::Loaded(e) => *e,
            };
            if led.get(key) != Some(&epoch) {
                to_unload.push(*key);
            }
        }
        for key in &to_unload {
            owned.remove(key);
        }
        let mut to_load = Vec::new();
        for (key, epoch) in &led {
            if !owned.contains_key(key) {
                owned.insert(*key, Load::Loading(*epoch));
                to_load.push((*key, *epoch));
            }
        }
        (to_unload, to_load)
    };
    // Groups first: a transaction's markers into `__consumer_offsets` wait for its load.
    for kind in [Internal::Offsets, Internal::Transactions] {
        for &(k, partition) in to_unload.iter().filter(|(k, _)| *k == kind) {
            tracing::info!(
                topic = k.topic(),
                partition,
                "no longer coordinator: unloading"
            );
            match k {
                Internal::Offsets => super::group::unload_partition(state, partition),
                Internal::Transactions => super::txn::unload_partition(state, partition),
            }
        }
        let mut loads: Vec<_> = to_load.iter().filter(|((k, _), _)| *k == kind).collect();
        loads.sort_by_key(|((_, p), _)| *p);
        for &((k, partition), epoch) in loads {
            match k {
                Internal::Offsets => super::group::load_partition(state, partition),
                Internal::Transactions => super::txn::load_partition(state, partition),
            }
            let mut owned = state.placement.owned();
            if owned.get(&(k, partition)) == Some(&Load::Loading(epoch)) {
                owned.insert((k, partition), Load::Loaded(epoch));
                tracing::debug!(topic = k.topic(), partition, epoch, "coordinator loaded");
            }
            drop(owned);
            state.placement.loaded.notify_waiters();
        }
    }
}

/// Follows leadership changes: a sync after every metadata change, and every 500 ms.
pub async fn run(
    state: Arc<BrokerState>,
    mut shutdown: watch::Receiver<bool>,
) -> crate::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = state.placement.metadata_changed.notified() => {}
            _ = shutdown.changed() => return Ok(()),
        }
        let s = state.clone();
        let _ = tokio::task::spawn_blocking(move || sync(&s)).await;
    }
}
