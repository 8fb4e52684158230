//! The quorum as one node runs it: the Raft core behind a lock, its durable log, the clock,
//! the peers, and the write path handlers use (propose here or at the leader, then wait until
//! the entry is applied locally).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::raft::{Envelope, Raft, Role, Timing};
use super::rpc::{self, Wire};
use crate::broker::config::BrokerConfig;
use crate::broker::metadata::{
    MetadataEntry, MetadataImage, MetadataLog, MetadataRecord, MetadataSnapshot, QuorumState,
    QuorumVoterId, StoredMetadata,
};
use crate::protocol::ResponseError;
use crate::{Error, Result};

/// The clock of the Raft core.
pub const TICK: Duration = Duration::from_millis(50);

/// How long a metadata write waits for a leader and for its entry to commit.
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);

/// Committed entries, in order, for the broker to apply.
pub type CommittedBatch = Vec<(u64, MetadataEntry)>;

/// What the broker applies next: committed entries, or a snapshot from the leader that
/// replaces the whole image (this node was behind the leader's log start).
#[derive(Debug)]
pub enum Committed {
    Entries(CommittedBatch),
    Snapshot(MetadataSnapshot),
}

/// When a node snapshots its metadata (Kafka's metadata.log.max.record.bytes.between.snapshots
/// and metadata.log.max.snapshot.interval.ms).
#[derive(Debug, Clone, Copy)]
struct SnapshotPolicy {
    max_bytes: u64,
    /// 0: no time-based snapshots.
    interval: Duration,
}

/// The term of each applied entry after `start` (whose own term is `start_term`).
#[derive(Debug, Default)]
struct AppliedTerms {
    start: u64,
    start_term: u64,
    terms: Vec<u64>,
}

impl AppliedTerms {
    fn get(&self, index: u64) -> Option<u64> {
        if index == self.start {
            return Some(self.start_term);
        }
        if index < self.start {
            return None;
        }
        self.terms.get((index - self.start - 1) as usize).copied()
    }
}

/// A voter and where its CONTROLLER listener is (None for this node or an unknown port).
#[derive(Debug, Clone)]
pub struct Voter {
    pub id: i32,
    pub address: Option<String>,
}

/// A snapshot of the quorum for DescribeQuorum and `kbox metadata-quorum`, in metadata log
/// offsets (not entry numbers) as Kafka reports them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct QuorumStatus {
    pub leader_id: i32,
    pub leader_epoch: u64,
    pub high_watermark: i64,
    pub voters: Vec<VoterStatus>,
    /// Broker-only nodes following the log.
    #[serde(default)]
    pub observers: Vec<VoterStatus>,
}

/// One voter as the leader sees it; timestamps are wall-clock ms, -1 when unknown.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VoterStatus {
    pub id: i32,
    pub log_end_offset: i64,
    pub last_fetch_timestamp: i64,
    pub last_caught_up_timestamp: i64,
    /// Its CONTROLLER endpoint (`host:port`), when known.
    pub endpoint: Option<String>,
}

/// A node that is not a voter (process.roles=broker) follows the committed log by fetching
/// it from the leader, as Kafka's brokers do; it never holds an uncommitted entry.
#[derive(Debug)]
struct Observer {
    last_index: u64,
    leader: Option<i32>,
    /// Which voter to ask next while no leader is known.
    next: usize,
}

/// Most entries one fetch returns.
const MAX_FETCH_ENTRIES: u64 = 256;

#[derive(Debug)]
struct Inner {
    /// A voter's Raft core (unused on an observer).
    raft: Raft<Vec<MetadataRecord>>,
    observer: Option<Observer>,
    /// At the leader: each observer's last fetch (wall-clock ms) and position.
    observers: BTreeMap<i32, (i64, u64)>,
    storage: MetadataLog,
    applied: u64,
    /// When the leader last heard from each peer, and when the peer last had all the leader's
    /// entries (for DescribeQuorum's lag figures), in wall-clock ms.
    last_contact: HashMap<i32, i64>,
    caught_up: HashMap<i32, i64>,
    /// Controller bookkeeping, valid for `liveness_term` only.
    pub(super) liveness_term: u64,
    pub(super) leader_since: Instant,
    pub(super) heartbeats: HashMap<i32, Instant>,
    pub(super) proposed: HashMap<i32, Instant>,
    last_snapshot: Instant,
    /// The newest snapshot; the Raft core is compacted only up to the one before it, so a
    /// follower a little behind still gets entries rather than a whole snapshot.
    latest_snapshot: Option<MetadataSnapshot>,
}

/// This node's part in the quorum.
#[derive(Debug)]
pub struct Quorum {
    pub node_id: i32,
    voters: Vec<Voter>,
    /// This node's own CONTROLLER endpoint as the voters list names it.
    own_endpoint: Option<String>,
    inner: Mutex<Inner>,
    peers: BTreeMap<i32, mpsc::Sender<Envelope<Vec<MetadataRecord>>>>,
    committed: mpsc::UnboundedSender<Committed>,
    /// How connections on the CONTROLLER listener are made (plaintext or TLS).
    pub transport: rpc::Transport,
    applied: watch::Sender<u64>,
    /// The term of every applied entry since the last snapshot installed from a leader.
    applied_terms: Mutex<AppliedTerms>,
    snapshots: SnapshotPolicy,
}

/// The voters this node works with: `controller.quorum.voters`, or itself alone (a dynamic
/// quorum formatted with `--standalone`, and the embedded default).
pub fn voters_of(config: &BrokerConfig) -> Vec<Voter> {
    if config.controller_quorum_voters.is_empty() {
        return vec![Voter {
            id: config.node_id,
            address: None,
        }];
    }
    config
        .controller_quorum_voters
        .iter()
        .map(|v| Voter {
            id: v.id,
            address: (v.id != config.node_id && v.port != 0)
                .then(|| crate::broker::config::format_host_port(&v.host, v.port)),
        })
        .collect()
}

/// How many stored entries are known committed at start-up: all of a sole voter's, else what
/// `quorum-state` says was applied before the stop.
pub fn known_committed(config: &BrokerConfig, stored: &StoredMetadata) -> u64 {
    let voters = voters_of(config);
    let start = stored.snapshot_index();
    let len = start + stored.entries.len() as u64;
    // A sole voter commits alone; an observer stores committed entries only.
    if (voters.len() == 1 && voters[0].id == config.node_id) || !config.is_controller() {
        return len;
    }
    // A snapshot holds committed entries only.
    stored
        .state
        .as_ref()
        .map(|s| s.applied_offset)
        .unwrap_or(0)
        .clamp(start, len)
}

impl Quorum {
    /// Starts this node's quorum member over its stored log; entries up to `applied` were
    /// already applied by the caller. Returns the receiver of newly committed entries.
    pub fn start(
        config: &BrokerConfig,
        storage: MetadataLog,
        stored: StoredMetadata,
        applied: u64,
    ) -> Result<(Quorum, mpsc::UnboundedReceiver<Committed>)> {
        if config.controller_quorum_voters.is_empty()
            && config.controller_quorum_bootstrap_servers.len() > 1
        {
            return Err(Error::Message(
                "a dynamic quorum of several controllers (controller.quorum.bootstrap.servers with --initial-controllers) is not supported yet: list the controllers in controller.quorum.voters".into(),
            ));
        }
        let voters = voters_of(config);
        let state = stored.state.clone().unwrap_or_default();
        let hard = (
            state.leader_epoch,
            (state.voted_id >= 0).then_some(state.voted_id),
        );
        // Kafka's controller.quorum.election.timeout.ms (default 1 s); heartbeats every 100 ms.
        let election_ms = config
            .value("controller.quorum.election.timeout.ms")
            .and_then(|v| v.as_i64())
            .unwrap_or(1000)
            .clamp(100, 60_000) as u64;
        let timing = Timing {
            election_ticks: (election_ms / TICK.as_millis() as u64).max(2) as u32,
            heartbeat_ticks: 2,
        };
        let start = stored.snapshot_index();
        let stored_snapshot = stored.snapshot.clone();
        let applied_terms = AppliedTerms {
            start,
            start_term: stored.snapshot.as_ref().map_or(0, |s| s.term),
            terms: stored
                .entries
                .iter()
                .take((applied - start) as usize)
                .map(|e| e.term)
                .collect(),
        };
        let number = |key: &str, default: i64| {
            config
                .value(key)
                .and_then(|v| v.as_i64())
                .unwrap_or(default)
                .max(0) as u64
        };
        let snapshots = SnapshotPolicy {
            max_bytes: number(
                "metadata.log.max.record.bytes.between.snapshots",
                20 * 1024 * 1024,
            )
            .max(1),
            interval: Duration::from_millis(number(
                "metadata.log.max.snapshot.interval.ms",
                3_600_000,
            )),
        };
        let seed = crate::broker::now_ms() as u64 ^ (std::process::id() as u64) << 20;
        let raft = Raft::new(
            config.node_id,
            voters.iter().map(|v| v.id).collect(),
            timing,
            seed,
            hard,
            stored.snapshot,
            stored.entries,
            applied,
        );
        let transport = rpc::Transport::from_config(config)?;
        let mut peers = BTreeMap::new();
        for v in &voters {
            if let Some(address) = &v.address {
                peers.insert(v.id, rpc::spawn_peer(transport.clone(), address.clone()));
            }
        }
        let (committed, committed_rx) = mpsc::unbounded_channel();
        let now = Instant::now();
        let own_endpoint = config
            .controller_quorum_voters
            .iter()
            .find(|v| v.id == config.node_id && v.port != 0)
            .map(|v| crate::broker::config::format_host_port(&v.host, v.port));
        let quorum = Quorum {
            node_id: config.node_id,
            voters,
            own_endpoint,
            inner: Mutex::new(Inner {
                raft,
                observer: (!config.is_controller()).then_some(Observer {
                    last_index: applied,
                    leader: None,
                    next: 0,
                }),
                observers: BTreeMap::new(),
                storage,
                applied,
                last_contact: HashMap::new(),
                caught_up: HashMap::new(),
                liveness_term: 0,
                leader_since: now,
                heartbeats: HashMap::new(),
                proposed: HashMap::new(),
                last_snapshot: now,
                latest_snapshot: stored_snapshot,
            }),
            peers,
            committed,
            transport,
            applied: watch::channel(applied).0,
            applied_terms: Mutex::new(applied_terms),
            snapshots,
        };
        {
            let mut inner = quorum.lock();
            quorum.process_ready(&mut inner)?;
        }
        Ok((quorum, committed_rx))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Persists, then sends, then hands committed entries over (the core's contract).
    fn process_ready(&self, inner: &mut Inner) -> Result<()> {
        let ready = inner.raft.take_ready();
        if ready.hard_state.is_some() {
            self.write_state(inner)?;
        }
        if let Some(snapshot) = &ready.snapshot {
            inner.storage.store_snapshot(snapshot)?;
            inner.last_snapshot = Instant::now();
            inner.latest_snapshot = Some(snapshot.clone());
        }
        if let Some(first) = ready.first_changed {
            inner.storage.truncate_from(first)?;
            for entry in &ready.entries {
                inner.storage.append(entry.term, &entry.payload)?;
            }
        }
        for envelope in ready.messages {
            if let Some(peer) = self.peers.get(&envelope.to) {
                // A full queue means the peer is not reading: Raft resends what matters.
                let _ = peer.try_send(envelope);
            }
        }
        if let Some(snapshot) = ready.snapshot {
            let _ = self.committed.send(Committed::Snapshot(snapshot));
        }
        if !ready.committed.is_empty() {
            let _ = self.committed.send(Committed::Entries(ready.committed));
        }
        Ok(())
    }

    fn write_state(&self, inner: &Inner) -> Result<()> {
        let state = QuorumState {
            cluster_id: String::new(),
            leader_id: inner.raft.leader().unwrap_or(-1),
            leader_epoch: inner.raft.term(),
            voted_id: inner.raft.voted_for().unwrap_or(-1),
            applied_offset: inner.applied,
            current_voters: self
                .voters
                .iter()
                .map(|v| QuorumVoterId { voter_id: v.id })
                .collect(),
            data_version: 0,
        };
        inner.storage.write_state(&state)
    }

    /// One clock tick.
    pub fn tick(&self) {
        let mut inner = self.lock();
        inner.raft.tick();
        if let Err(e) = self.process_ready(&mut inner) {
            tracing::error!(error = %e, "metadata log write failed");
        }
    }

    /// A message from a peer.
    pub fn step(&self, envelope: Envelope<Vec<MetadataRecord>>) {
        let mut inner = self.lock();
        if let super::raft::Message::AppendReply {
            success,
            match_index,
            ..
        } = envelope.message
        {
            let now = crate::broker::now_ms();
            inner.last_contact.insert(envelope.from, now);
            if success && match_index >= inner.raft.last_index() {
                inner.caught_up.insert(envelope.from, now);
            }
        }
        inner.raft.step(envelope);
        if let Err(e) = self.process_ready(&mut inner) {
            tracing::error!(error = %e, "metadata log write failed");
        }
    }

    /// Appends records when this node leads: (index, term) to wait for. Otherwise the leader
    /// this node knows of.
    pub fn propose_local(
        &self,
        records: Vec<MetadataRecord>,
    ) -> std::result::Result<(u64, u64), Option<i32>> {
        let mut inner = self.lock();
        let result = inner.raft.propose(records);
        if let Err(e) = self.process_ready(&mut inner) {
            tracing::error!(error = %e, "metadata log write failed");
            return Err(None);
        }
        result
    }

    /// The broker replaced its image by a snapshot from the leader, up to entry `index`.
    pub fn mark_snapshot_applied(&self, index: u64, term: u64) {
        *self.applied_terms.lock().unwrap_or_else(|e| e.into_inner()) = AppliedTerms {
            start: index,
            start_term: term,
            terms: Vec::new(),
        };
        self.mark_applied(index, &[]);
    }

    /// After the broker applied entries up to `index` (its image is `image`): snapshots the
    /// image once enough bytes were logged since the last snapshot, or enough time passed, and
    /// lets the log before it go.
    pub fn maybe_snapshot(&self, index: u64, image: &MetadataImage) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let bytes = inner.storage.bytes_since_snapshot;
        let interval = self.snapshots.interval;
        let due = bytes >= self.snapshots.max_bytes
            || (bytes > 0 && !interval.is_zero() && inner.last_snapshot.elapsed() >= interval);
        if !due || index <= inner.storage.snapshot_index() {
            return;
        }
        let term = self
            .applied_terms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(index);
        let Some(term) = term else {
            return;
        };
        match inner
            .storage
            .write_snapshot(index, term, image.to_records())
        {
            Ok(snapshot) => {
                inner.last_snapshot = Instant::now();
                tracing::info!(index, term, "wrote a metadata snapshot");
                if let Some(previous) = inner.latest_snapshot.replace(snapshot) {
                    if inner.observer.is_none() {
                        inner.raft.compact(previous.index, previous.data);
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot write a metadata snapshot"),
        }
    }

    /// The broker applied committed entries up to `index`; `terms` are theirs, in order.
    pub fn mark_applied(&self, index: u64, terms: &[u64]) {
        self.applied_terms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .terms
            .extend_from_slice(terms);
        {
            let mut inner = self.lock();
            inner.applied = index;
            // Remembered so a restart applies what is known committed before serving.
            if let Err(e) = self.write_state(&inner) {
                tracing::warn!(error = %e, "cannot write quorum-state");
            }
        }
        self.applied.send_replace(index);
    }

    pub fn applied_index(&self) -> u64 {
        *self.applied.borrow()
    }

    pub fn is_leader(&self) -> bool {
        self.lock().raft.role() == Role::Leader
    }

    /// True on a node that follows the log without voting (a broker-only node).
    pub fn is_observer(&self) -> bool {
        self.lock().observer.is_some()
    }

    /// The current leader, if known.
    pub fn leader(&self) -> Option<i32> {
        let inner = self.lock();
        match &inner.observer {
            Some(o) => o.leader,
            None => inner.raft.leader(),
        }
    }

    /// At the leader: the committed entries after `after` for an observer.
    pub fn serve_fetch(&self, observer: i32, after: u64) -> Wire {
        let mut inner = self.lock();
        if inner.raft.role() != Role::Leader {
            return Wire::NotLeader(inner.raft.leader());
        }
        if after < inner.raft.log_start() {
            // The entries it needs are only in the snapshot now.
            if let Some(snapshot) = inner.raft.snapshot().cloned() {
                inner
                    .observers
                    .insert(observer, (crate::broker::now_ms(), snapshot.index));
                return Wire::FetchedSnapshot {
                    leader: self.node_id,
                    snapshot,
                };
            }
        }
        let end = inner
            .raft
            .commit_index()
            .min(after.saturating_add(MAX_FETCH_ENTRIES));
        let entries = if after < end {
            inner.raft.entries(after + 1, end).to_vec()
        } else {
            Vec::new()
        };
        let position = after + entries.len() as u64;
        inner
            .observers
            .insert(observer, (crate::broker::now_ms(), position));
        Wire::Fetched {
            leader: self.node_id,
            entries,
        }
    }

    /// On an observer: one fetch from the leader (or, while none is known, the next voter).
    /// True when entries arrived (fetch again at once).
    pub async fn observer_fetch(&self) -> bool {
        let (target, after) = {
            let mut inner = self.lock();
            let Some(o) = inner.observer.as_mut() else {
                return false;
            };
            let target = match o.leader {
                Some(l) => l,
                None => {
                    o.next += 1;
                    self.voters[o.next % self.voters.len()].id
                }
            };
            (target, o.last_index)
        };
        let Some(address) = self.address_of(target) else {
            return false;
        };
        let answer = rpc::call(
            &self.transport,
            &address,
            &Wire::Fetch {
                observer: self.node_id,
                after,
            },
        )
        .await;
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some(o) = inner.observer.as_mut() else {
            return false;
        };
        match answer {
            Ok(Wire::Fetched { leader, entries }) if o.last_index == after => {
                o.leader = Some(leader);
                let mut batch = Vec::with_capacity(entries.len());
                for entry in entries {
                    if let Err(e) = inner.storage.append(entry.term, &entry.payload) {
                        tracing::error!(error = %e, "metadata log write failed");
                        break;
                    }
                    o.last_index += 1;
                    batch.push((o.last_index, entry));
                }
                let got = !batch.is_empty();
                if got {
                    let _ = self.committed.send(Committed::Entries(batch));
                }
                got
            }
            // Only a snapshot past what this node has (a stale answer must not move it back).
            Ok(Wire::FetchedSnapshot { leader, snapshot })
                if o.last_index == after && snapshot.index > after =>
            {
                o.leader = Some(leader);
                if let Err(e) = inner.storage.store_snapshot(&snapshot) {
                    tracing::error!(error = %e, "cannot store the leader's metadata snapshot");
                    return false;
                }
                inner.last_snapshot = Instant::now();
                inner.latest_snapshot = Some(snapshot.clone());
                tracing::info!(index = snapshot.index, "installed the leader's snapshot");
                o.last_index = snapshot.index;
                let _ = self.committed.send(Committed::Snapshot(snapshot));
                true
            }
            Ok(Wire::NotLeader(hint)) => {
                o.leader = hint.filter(|h| *h != target);
                false
            }
            _ => {
                o.leader = None;
                false
            }
        }
    }

    /// The CONTROLLER address of a voter.
    pub fn address_of(&self, id: i32) -> Option<String> {
        self.voters
            .iter()
            .find(|v| v.id == id)
            .and_then(|v| v.address.clone())
    }

    pub fn voter_ids(&self) -> Vec<i32> {
        self.voters.iter().map(|v| v.id).collect()
    }

    /// Runs `f` on the controller bookkeeping, reset whenever a new term of leadership begins.
    pub(super) fn with_leader_books<T>(
        &self,
        f: impl FnOnce(&mut LeaderBooks<'_>) -> T,
    ) -> Option<T> {
        let mut inner = self.lock();
        if inner.raft.role() != Role::Leader {
            return None;
        }
        let term = inner.raft.term();
        if inner.liveness_term != term {
            inner.liveness_term = term;
            inner.leader_since = Instant::now();
            inner.heartbeats.clear();
            inner.proposed.clear();
        }
        let inner = &mut *inner;
        Some(f(&mut LeaderBooks {
            leader_since: inner.leader_since,
            heartbeats: &mut inner.heartbeats,
            proposed: &mut inner.proposed,
        }))
    }

    /// The quorum as this node sees it (the leader has the lag figures).
    pub fn status(&self) -> QuorumStatus {
        let inner = self.lock();
        let matches = inner.raft.match_indexes();
        let now = crate::broker::now_ms();
        QuorumStatus {
            leader_id: inner.raft.leader().unwrap_or(-1),
            leader_epoch: inner.raft.term(),
            high_watermark: inner.storage.end_offset_of(inner.raft.commit_index()),
            voters: self
                .voters
                .iter()
                .map(|v| {
                    let me = v.id == self.node_id;
                    let end = matches.get(&v.id).copied().unwrap_or(0);
                    let stamp = |m: &HashMap<i32, i64>| {
                        if me {
                            now
                        } else {
                            m.get(&v.id).copied().unwrap_or(-1)
                        }
                    };
                    VoterStatus {
                        id: v.id,
                        log_end_offset: inner.storage.end_offset_of(end),
                        last_fetch_timestamp: stamp(&inner.last_contact),
                        last_caught_up_timestamp: stamp(&inner.caught_up),
                        endpoint: if me {
                            self.own_endpoint.clone()
                        } else {
                            v.address.clone()
                        },
                    }
                })
                .collect(),
            observers: inner
                .observers
                .iter()
                .map(|(id, (fetched, position))| VoterStatus {
                    id: *id,
                    log_end_offset: inner.storage.end_offset_of(*position),
                    last_fetch_timestamp: *fetched,
                    last_caught_up_timestamp: if *position >= inner.raft.commit_index() {
                        *fetched
                    } else {
                        -1
                    },
                    endpoint: None,
                })
                .collect(),
        }
    }

    /// Commits records through the quorum (here or at the leader) and returns once this node
    /// applied them.
    pub async fn write(&self, records: Vec<MetadataRecord>) -> Result<()> {
        let deadline = Instant::now() + WRITE_TIMEOUT;
        loop {
            // An observer's Raft core knows no leader: its fetches do.
            let outcome = match self
                .propose_local(records.clone())
                .map_err(|hint| hint.or_else(|| self.leader()))
            {
                Ok(at) => Ok(at),
                Err(Some(leader)) if leader != self.node_id => match self.address_of(leader) {
                    Some(address) => {
                        match rpc::call(&self.transport, &address, &Wire::Propose(records.clone()))
                            .await
                        {
                            Ok(Wire::Proposed(result)) => result,
                            _ => Err(None),
                        }
                    }
                    None => Err(None),
                },
                Err(_) => Err(None),
            };
            if let Ok((index, term)) = outcome {
                match self.wait_applied(index, term, deadline).await {
                    Ok(true) => return Ok(()),
                    // Another leader's entry took the index: the write never happened.
                    Ok(false) => {}
                    Err(e) => return Err(e),
                }
            }
            if Instant::now() >= deadline {
                return Err(Error::Kafka {
                    code: ResponseError::NotController,
                    message: Some("No controller could commit the metadata change in time.".into()),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until entry `index` is applied; true when it is the one proposed in `term`.
    async fn wait_applied(&self, index: u64, term: u64, deadline: Instant) -> Result<bool> {
        let mut applied = self.applied.subscribe();
        let left = deadline.saturating_duration_since(Instant::now());
        let reached = tokio::time::timeout(left, applied.wait_for(|a| *a >= index)).await;
        match reached {
            Ok(Ok(_)) => {}
            _ => {
                return Err(Error::Kafka {
                    code: ResponseError::RequestTimedOut,
                    message: Some("The metadata change was not committed in time.".into()),
                })
            }
        }
        let terms = self.applied_terms.lock().unwrap_or_else(|e| e.into_inner());
        Ok(terms.get(index) == Some(term))
    }

    /// Closes the metadata log (clean shutdown).
    pub fn close(&self) -> Result<()> {
        let mut inner = self.lock();
        self.write_state(&inner)?;
        inner.storage.close()
    }
}

/// The active controller's view of broker liveness (see `controller.rs`).
pub(super) struct LeaderBooks<'a> {
    pub leader_since: Instant,
    pub heartbeats: &'a mut HashMap<i32, Instant>,
    pub proposed: &'a mut HashMap<i32, Instant>,
}
