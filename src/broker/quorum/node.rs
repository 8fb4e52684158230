//! The quorum as one node runs it: the Raft core behind a lock, its durable log, the clock,
//! the peers, and the write path handlers use (propose here or at the leader, then wait until
//! the entry is applied locally).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::raft::{Envelope, Raft, Role, Timing};
use super::rpc::{self, Wire};
use crate::broker::config::BrokerConfig;
use crate::broker::metadata::{
    MetadataEntry, MetadataImage, MetadataLog, MetadataRecord, MetadataSnapshot, QuorumState,
    QuorumVoterId, StoredMetadata, VoterEndpoint,
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

/// A controller that is not a voter sends `Wire::Join` this often, so the leader replicates
/// to it (a learner) and `metadata-quorum add-controller` can add it once it caught up.
pub const JOIN_INTERVAL: Duration = Duration::from_secs(1);
/// Most controllers a leader replicates to as learners at once.
const MAX_LEARNERS: usize = 64;
/// A learner not heard from for this long is no longer replicated to.
const LEARNER_EXPIRY: Duration = Duration::from_secs(10);

/// The queue of Raft messages to one peer's connection task.
type PeerQueue = mpsc::Sender<Envelope<Vec<MetadataRecord>>>;

/// Why a voter change was refused: a Kafka error code and its message.
pub type VoterChangeError = (ResponseError, String);

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
    /// Its metadata directory id (Kafka's base64), when known (a dynamic quorum).
    #[serde(default)]
    pub directory_id: Option<String>,
}

/// A node that is not a voter (process.roles=broker) follows the committed log by fetching
/// it from the leader, as Kafka's brokers do; it never holds an uncommitted entry.
#[derive(Debug)]
struct Observer {
    last_index: u64,
    /// The leader and the address that answered as it.
    leader: Option<(i32, String)>,
    /// Which voter or bootstrap server to ask next while no leader is known.
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
    /// Every voter endpoint the configuration or the log named, the latest by id.
    endpoints: BTreeMap<i32, VoterEndpoint>,
    /// The Raft connections: node id -> (address, queue). Follows the voters and learners.
    peers: BTreeMap<i32, (String, PeerQueue)>,
    /// At the leader: controllers that asked to join, and when they last asked.
    joiners: BTreeMap<i32, (Instant, VoterEndpoint)>,
    /// A leader named by a join answer: where to reach it before the log says.
    hinted_leader: Option<(i32, String)>,
    /// Where peers said they are (in their Raft messages), which wins over the log: a voter
    /// restarted at a new port must be answered before the log records its move.
    announced: BTreeMap<i32, String>,
    /// Which voter or bootstrap server a learner asks next.
    join_next: usize,
    /// Since when this voter (in its own view) has known no leader: see
    /// [`Quorum::warn_if_removed`].
    leaderless_since: Option<Instant>,
}

/// This node's part in the quorum.
#[derive(Debug)]
pub struct Quorum {
    pub node_id: i32,
    /// This node's metadata directory id (Kafka's base64), empty when unknown.
    pub directory_id: String,
    /// A dynamic quorum (KIP-853): the voters and their endpoints live in the log.
    dynamic: bool,
    /// `controller.quorum.bootstrap.servers`: where to look for the leader.
    bootstrap: Vec<String>,
    /// This node's own CONTROLLER endpoint (the bound one once known).
    own_endpoint: Mutex<Option<(String, u16)>>,
    inner: Mutex<Inner>,
    committed: mpsc::UnboundedSender<Committed>,
    /// How connections on the CONTROLLER listener are made (plaintext or TLS).
    pub transport: rpc::Transport,
    applied: watch::Sender<u64>,
    /// The term of every applied entry since the last snapshot installed from a leader.
    applied_terms: Mutex<AppliedTerms>,
    snapshots: SnapshotPolicy,
}

/// The voters a node starts with before its log or snapshot says otherwise: those of
/// `controller.quorum.voters`; none for a dynamic quorum (its log's first entry names them);
/// itself alone for the embedded default.
pub fn configured_voters(config: &BrokerConfig) -> Vec<i32> {
    if !config.controller_quorum_voters.is_empty() {
        return config
            .controller_quorum_voters
            .iter()
            .map(|v| v.id)
            .collect();
    }
    if config.controller_quorum_bootstrap_servers.is_empty() {
        return vec![config.node_id];
    }
    Vec::new()
}

/// The voter set the stored metadata says is in force (its latest Voters record), else the
/// configured one. A dynamic controller whose log predates voters in the log (an older kbox
/// formatted it with --standalone) is its only voter.
fn stored_voters(config: &BrokerConfig, stored: &StoredMetadata) -> Vec<i32> {
    use super::raft::Payload;
    let from_log = stored.entries.iter().rev().find_map(|e| e.payload.voters());
    let from_snapshot = || stored.snapshot.as_ref().and_then(|s| s.data.voters());
    if let Some(voters) = from_log.or_else(from_snapshot) {
        return voters;
    }
    let configured = configured_voters(config);
    if configured.is_empty() && config.is_controller() && !stored.entries.is_empty() {
        return vec![config.node_id];
    }
    configured
}

/// How many stored entries are known committed at start-up: all of a sole voter's, else what
/// `quorum-state` says was applied before the stop.
pub fn known_committed(config: &BrokerConfig, stored: &StoredMetadata) -> u64 {
    let voters = stored_voters(config, stored);
    let start = stored.snapshot_index();
    let len = start + stored.entries.len() as u64;
    // A sole voter commits alone; an observer stores committed entries only.
    if voters == [config.node_id] || !config.is_controller() {
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

/// The endpoints named by `records` (a Voters record), into `endpoints`.
fn learn_endpoints(endpoints: &mut BTreeMap<i32, VoterEndpoint>, records: &[MetadataRecord]) {
    for record in records {
        if let MetadataRecord::Voters { endpoints: e, .. } = record {
            for voter in e {
                endpoints.insert(voter.id, voter.clone());
            }
        }
    }
}

/// How long a dynamic-quorum voter goes without a leader before it checks whether it was
/// removed.
const REMOVED_CHECK_AFTER: Duration = Duration::from_secs(10);

/// Where node `id`'s CONTROLLER listener is: the log's (or configuration's) endpoint for a
/// voter, the join request's for a learner, else what a join answer or a fetch said.
fn address_in(inner: &Inner, id: i32) -> Option<String> {
    if let Some(address) = inner.announced.get(&id) {
        return Some(address.clone());
    }
    let from_log = || inner.endpoints.get(&id).filter(|e| e.port != 0);
    let from_join = || inner.joiners.get(&id).map(|(_, e)| e);
    let voter = inner.raft.voters().contains(&id);
    let endpoint = if voter {
        from_log().or_else(from_join)
    } else {
        from_join().or_else(from_log)
    };
    if let Some(e) = endpoint {
        return Some(e.address());
    }
    let hinted = inner.hinted_leader.as_ref().filter(|(l, _)| *l == id);
    let fetched = inner
        .observer
        .as_ref()
        .and_then(|o| o.leader.as_ref())
        .filter(|(l, _)| *l == id);
    hinted.or(fetched).map(|(_, a)| a.clone())
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
        let voters = stored_voters(config, &stored);
        let mut endpoints = BTreeMap::new();
        // A static quorum's endpoints are configured; a dynamic one's are in the log.
        for v in &config.controller_quorum_voters {
            endpoints.insert(
                v.id,
                VoterEndpoint {
                    id: v.id,
                    directory_id: String::new(),
                    host: v.host.clone(),
                    port: v.port,
                },
            );
        }
        if let Some(snapshot) = &stored.snapshot {
            learn_endpoints(&mut endpoints, &snapshot.data);
        }
        for entry in &stored.entries {
            learn_endpoints(&mut endpoints, &entry.payload);
        }
        let directory_id =
            crate::broker::storage_format::MetaProperties::read(&config.metadata_log_dir)
                .ok()
                .flatten()
                .and_then(|m| m.directory_id)
                .unwrap_or_default();
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
            voters,
            timing,
            seed,
            hard,
            stored.snapshot,
            stored.entries,
            applied,
        );
        let transport = rpc::Transport::from_config(config)?;
        let (committed, committed_rx) = mpsc::unbounded_channel();
        let now = Instant::now();
        let own_endpoint = config
            .controller_quorum_voters
            .iter()
            .find(|v| v.id == config.node_id)
            .map(|v| (v.host.clone(), v.port))
            .or_else(|| {
                let listener = config.advertised_controller_listeners.first()?;
                Some((
                    listener.host.clone().unwrap_or_else(|| "localhost".into()),
                    listener.port,
                ))
            })
            .filter(|_| config.is_controller());
        let dynamic = config.controller_quorum_voters.is_empty()
            && !config.controller_quorum_bootstrap_servers.is_empty();
        let quorum = Quorum {
            node_id: config.node_id,
            directory_id,
            dynamic,
            bootstrap: config
                .controller_quorum_bootstrap_servers
                .iter()
                .map(|h| h.to_string())
                .collect(),
            own_endpoint: Mutex::new(own_endpoint),
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
                endpoints,
                peers: BTreeMap::new(),
                joiners: BTreeMap::new(),
                hinted_leader: None,
                announced: BTreeMap::new(),
                join_next: 0,
                leaderless_since: None,
            }),
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
            learn_endpoints(&mut inner.endpoints, &snapshot.data);
        }
        if let Some(first) = ready.first_changed {
            inner.storage.truncate_from(first)?;
            for entry in &ready.entries {
                inner.storage.append(entry.term, &entry.payload)?;
                learn_endpoints(&mut inner.endpoints, &entry.payload);
            }
        }
        self.sync_peers(inner);
        for envelope in ready.messages {
            if let Some((_, peer)) = inner.peers.get(&envelope.to) {
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

    /// Opens a Raft connection to every voter, learner and the leader, at the address the log
    /// (or a join) names, and closes the others: the peers follow the voter set.
    fn sync_peers(&self, inner: &mut Inner) {
        if inner.observer.is_some() {
            return;
        }
        let mut ids: BTreeSet<i32> = inner.raft.voters().iter().copied().collect();
        ids.extend(inner.raft.learners().iter().copied());
        ids.extend(inner.raft.leader());
        ids.remove(&self.node_id);
        let wanted: BTreeMap<i32, String> = ids
            .into_iter()
            .filter_map(|id| Some((id, address_in(inner, id)?)))
            .collect();
        inner
            .peers
            .retain(|id, (address, _)| wanted.get(id) == Some(address));
        for (id, address) in wanted {
            if let std::collections::btree_map::Entry::Vacant(slot) = inner.peers.entry(id) {
                tracing::debug!(peer = id, %address, "opening a Raft connection");
                let own_port = self.own_voter().map(|me| me.port);
                let queue = rpc::spawn_peer(self.transport.clone(), address.clone(), own_port);
                slot.insert((address, queue));
            }
        }
    }

    fn write_state(&self, inner: &Inner) -> Result<()> {
        let state = QuorumState {
            cluster_id: String::new(),
            leader_id: inner.raft.leader().unwrap_or(-1),
            leader_epoch: inner.raft.term(),
            voted_id: inner.raft.voted_for().unwrap_or(-1),
            applied_offset: inner.applied,
            current_voters: inner
                .raft
                .voters()
                .iter()
                .map(|v| QuorumVoterId { voter_id: *v })
                .collect(),
            data_version: 0,
        };
        inner.storage.write_state(&state)
    }

    /// One clock tick.
    pub fn tick(&self) {
        let mut inner = self.lock();
        inner.raft.tick();
        if inner.raft.role() == Role::Leader {
            let inner = &mut *inner;
            let expired: Vec<i32> = inner
                .joiners
                .iter()
                .filter(|(_, (seen, _))| seen.elapsed() > LEARNER_EXPIRY)
                .map(|(id, _)| *id)
                .collect();
            for id in expired {
                inner.joiners.remove(&id);
                inner.raft.remove_learner(id);
            }
        }
        if let Err(e) = self.process_ready(&mut inner) {
            tracing::error!(error = %e, "metadata log write failed");
        }
    }

    /// A message from a peer.
    pub fn step(&self, envelope: Envelope<Vec<MetadataRecord>>) {
        self.step_from(envelope, None)
    }

    /// A message from a peer that says where its CONTROLLER listener is (`host:port`).
    pub fn step_from(&self, envelope: Envelope<Vec<MetadataRecord>>, from: Option<String>) {
        let mut inner = self.lock();
        if let Some(address) = from.filter(|_| self.dynamic && envelope.from != self.node_id) {
            inner.announced.insert(envelope.from, address);
        }
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
            Some(o) => o.leader.as_ref().map(|(l, _)| *l),
            None => inner.raft.leader(),
        }
    }

    /// Where to look for the leader while none is known: the voters the log names, then the
    /// bootstrap servers.
    fn candidates(&self, inner: &Inner) -> Vec<String> {
        let mut out: Vec<String> = inner
            .raft
            .voters()
            .iter()
            .filter(|v| **v != self.node_id)
            .filter_map(|v| address_in(inner, *v))
            .collect();
        let own = self.own_voter().map(|me| me.address());
        for b in &self.bootstrap {
            if !out.contains(b) && own.as_ref() != Some(b) {
                out.push(b.clone());
            }
        }
        out
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
        let (address, after) = {
            let mut guard = self.lock();
            let inner = &mut *guard;
            let Some(o) = inner.observer.as_ref() else {
                return false;
            };
            let (leader, after) = (o.leader.as_ref().map(|(l, _)| *l), o.last_index);
            let address = match leader.and_then(|l| address_in(inner, l)) {
                Some(address) => address,
                None => {
                    let candidates = self.candidates(inner);
                    let Some(o) = inner.observer.as_mut() else {
                        return false;
                    };
                    o.next += 1;
                    if candidates.is_empty() {
                        return false;
                    }
                    candidates[o.next % candidates.len()].clone()
                }
            };
            (address, after)
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
                o.leader = Some((leader, address));
                let mut batch = Vec::with_capacity(entries.len());
                for entry in entries {
                    if let Err(e) = inner.storage.append(entry.term, &entry.payload) {
                        tracing::error!(error = %e, "metadata log write failed");
                        break;
                    }
                    learn_endpoints(&mut inner.endpoints, &entry.payload);
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
                o.leader = Some((leader, address));
                learn_endpoints(&mut inner.endpoints, &snapshot.data);
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
                // The hint is followed once its address is known (from the log).
                o.leader = hint
                    .and_then(|h| Some((h, inner.endpoints.get(&h)?.address())))
                    .filter(|(_, a)| *a != address);
                false
            }
            _ => {
                o.leader = None;
                false
            }
        }
    }

    /// The CONTROLLER address of a voter (or learner), when known.
    pub fn address_of(&self, id: i32) -> Option<String> {
        if id == self.node_id {
            return None;
        }
        address_in(&self.lock(), id)
    }

    /// The voters in force (the latest voter set in the log).
    pub fn voter_ids(&self) -> Vec<i32> {
        let inner = self.lock();
        if inner.observer.is_some() {
            // An observer's Raft core is unused: its log says.
            let mut ids: Vec<i32> = inner.endpoints.keys().copied().collect();
            ids.sort_unstable();
            return ids;
        }
        inner.raft.voters().to_vec()
    }

    /// A dynamic quorum: voters and endpoints in the log (controller.quorum.bootstrap.servers).
    pub fn is_dynamic(&self) -> bool {
        self.dynamic
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
        let own = self
            .own_endpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .filter(|(_, port)| *port != 0)
            .map(|(host, port)| crate::broker::config::format_host_port(&host, port));
        let replica = |id: i32| {
            let me = id == self.node_id;
            let end = matches.get(&id).copied().unwrap_or(0);
            let stamp = |m: &HashMap<i32, i64>| {
                if me {
                    now
                } else {
                    m.get(&id).copied().unwrap_or(-1)
                }
            };
            // A static quorum's voters have no directory id (Kafka shows none either).
            let directory_id = if !self.dynamic {
                None
            } else if me {
                Some(self.directory_id.clone())
            } else {
                inner
                    .endpoints
                    .get(&id)
                    .or_else(|| inner.joiners.get(&id).map(|(_, e)| e))
                    .map(|e| e.directory_id.clone())
            };
            VoterStatus {
                id,
                log_end_offset: inner.storage.end_offset_of(end),
                last_fetch_timestamp: stamp(&inner.last_contact),
                last_caught_up_timestamp: stamp(&inner.caught_up),
                // The endpoint the log records (what the voter registered), not the address a
                // message last came from.
                endpoint: if me {
                    own.clone()
                } else {
                    inner
                        .endpoints
                        .get(&id)
                        .filter(|e| e.port != 0)
                        .map(|e| e.address())
                        .or_else(|| address_in(&inner, id))
                },
                directory_id: directory_id.filter(|d| !d.is_empty()),
            }
        };
        let voters: Vec<VoterStatus> = inner.raft.voters().iter().map(|v| replica(*v)).collect();
        // Controllers catching up to be added (learners), then the brokers fetching the log.
        let mut observers: Vec<VoterStatus> = inner
            .raft
            .learners()
            .iter()
            .filter(|l| !inner.raft.voters().contains(l) && inner.joiners.contains_key(l))
            .map(|l| {
                let mut r = replica(*l);
                r.endpoint = None;
                r
            })
            .collect();
        observers.extend(
            inner
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
                    directory_id: None,
                }),
        );
        QuorumStatus {
            leader_id: inner.raft.leader().unwrap_or(-1),
            leader_epoch: inner.raft.term(),
            high_watermark: inner.storage.end_offset_of(inner.raft.commit_index()),
            voters,
            observers,
        }
    }

    /// This node's CONTROLLER listener is bound at `host:port` (the port is known only now
    /// when configured as 0).
    pub fn set_own_endpoint(&self, host: String, port: u16) {
        *self.own_endpoint.lock().unwrap_or_else(|e| e.into_inner()) = Some((host, port));
    }

    /// This node as a voter record: its id, directory id and CONTROLLER endpoint.
    pub fn own_voter(&self) -> Option<VoterEndpoint> {
        let (host, port) = self
            .own_endpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        (port != 0).then(|| VoterEndpoint {
            id: self.node_id,
            directory_id: self.directory_id.clone(),
            host,
            port,
        })
    }

    /// At the leader: a voter's new endpoint (Kafka's UpdateRaftVoter, sent by a voter whose
    /// endpoint changed across a restart), committed through the log.
    pub async fn update_voter(
        &self,
        voter: VoterEndpoint,
    ) -> std::result::Result<(), VoterChangeError> {
        let (index, term) = {
            let mut guard = self.lock();
            let inner = &mut *guard;
            self.check_change_locked(inner)?;
            let known = inner.endpoints.get(&voter.id);
            let same_dir = known.is_some_and(|k| {
                voter.directory_id.is_empty() || k.directory_id == voter.directory_id
            });
            if !inner.raft.voters().contains(&voter.id) || !same_dir {
                return Err((
                    ResponseError::VoterNotFound,
                    format!(
                        "Voter {} is not part of the set of voters {:?}",
                        voter.id,
                        inner.raft.voters()
                    ),
                ));
            }
            let directory_id = known.map(|k| k.directory_id.clone()).unwrap_or_default();
            let updated = VoterEndpoint {
                directory_id,
                ..voter
            };
            let payload = self.voters_payload(inner, |endpoints| {
                endpoints.retain(|e| e.id != updated.id);
                endpoints.push(updated.clone());
            });
            self.propose_change(inner, payload)?
        };
        self.wait_change(index, term).await
    }

    /// A Voters record for the current voters, changed by `change`.
    fn voters_payload(
        &self,
        inner: &Inner,
        change: impl FnOnce(&mut Vec<VoterEndpoint>),
    ) -> Vec<MetadataRecord> {
        let mut endpoints: Vec<VoterEndpoint> = inner
            .raft
            .voters()
            .iter()
            .filter_map(|v| inner.endpoints.get(v).cloned())
            .collect();
        change(&mut endpoints);
        endpoints.sort_by_key(|e| e.id);
        vec![MetadataRecord::Voters {
            voters: endpoints.iter().map(|e| e.id).collect(),
            endpoints,
        }]
    }

    /// At the leader: a controller that is not a voter asks to be replicated to (it becomes a
    /// learner, shown as an observer, until `add-controller` makes it a voter).
    pub fn on_join(&self, joiner: VoterEndpoint) -> Wire {
        let mut guard = self.lock();
        let inner = &mut *guard;
        if inner.raft.role() != Role::Leader {
            let leader = inner.raft.leader();
            let address = leader.and_then(|l| {
                if l == self.node_id {
                    None
                } else {
                    address_in(inner, l)
                }
            });
            return Wire::Redirect(leader.zip(address));
        }
        let id = joiner.id;
        // A bound on what peers can make this leader replicate to.
        if inner.joiners.len() >= MAX_LEARNERS && !inner.joiners.contains_key(&id) {
            return Wire::NotLeader(Some(self.node_id));
        }
        if id != self.node_id {
            inner.joiners.insert(id, (Instant::now(), joiner));
            if !inner.raft.voters().contains(&id) {
                inner.raft.add_learner(id);
            }
            if let Err(e) = self.process_ready(inner) {
                tracing::error!(error = %e, "metadata log write failed");
            }
        }
        Wire::Joined {
            leader: self.node_id,
        }
    }

    /// On a controller of a dynamic quorum that is not a voter: asks the leader (found through
    /// the log's voters or controller.quorum.bootstrap.servers) to replicate to it. On a voter
    /// whose endpoint is not the one the log names: asks the leader to update it.
    pub async fn join_if_learner(&self) {
        if !self.dynamic {
            return;
        }
        let Some(me) = self.own_voter() else { return };
        let moved = {
            let inner = self.lock();
            let logged = inner.endpoints.get(&self.node_id);
            inner.raft.voters().contains(&self.node_id)
                && logged.is_some_and(|l| (l.host.as_str(), l.port) != (me.host.as_str(), me.port))
        };
        if moved {
            // A voter bound at another endpoint than the log names: tell the leader.
            tracing::info!(endpoint = %me.address(), "asking the leader to update this controller's endpoint");
            if let Err((error, message)) = self.change_voters(Wire::UpdateVoter(me)).await {
                tracing::info!(?error, message, "endpoint update not made yet");
            }
            return;
        }
        self.warn_if_removed().await;
        let address = {
            let mut guard = self.lock();
            let inner = &mut *guard;
            if inner.observer.is_some() || inner.raft.voters().contains(&self.node_id) {
                return;
            }
            let leader = inner
                .raft
                .leader()
                .or(inner.hinted_leader.as_ref().map(|(l, _)| *l));
            match leader.and_then(|l| address_in(inner, l)) {
                Some(address) => address,
                None => {
                    let candidates = self.candidates(inner);
                    if candidates.is_empty() {
                        return;
                    }
                    inner.join_next += 1;
                    candidates[inner.join_next % candidates.len()].clone()
                }
            }
        };
        let answer = rpc::call(&self.transport, &address, &Wire::Join(me)).await;
        tracing::debug!(%address, ?answer, "asked to join the quorum as a learner");
        let mut inner = self.lock();
        match answer {
            Ok(Wire::Joined { leader }) => inner.hinted_leader = Some((leader, address)),
            Ok(Wire::Redirect(Some((leader, at)))) => inner.hinted_leader = Some((leader, at)),
            _ => inner.hinted_leader = None,
        }
    }

    /// A controller removed from the quorum while it was down still finds itself a voter in its
    /// log: it campaigns, and the voters, which hear from their leader, ignore it. After
    /// [`REMOVED_CHECK_AFTER`] without a leader it asks the other controllers, and says what to
    /// do when the leader's voters no longer include it.
    async fn warn_if_removed(&self) {
        let addresses = {
            let mut inner = self.lock();
            let leaderless =
                inner.raft.voters().contains(&self.node_id) && inner.raft.leader().is_none();
            let now = Instant::now();
            match (leaderless, inner.leaderless_since) {
                (false, _) => {
                    inner.leaderless_since = None;
                    return;
                }
                (true, None) => {
                    inner.leaderless_since = Some(now);
                    return;
                }
                (true, Some(since)) if now.duration_since(since) >= REMOVED_CHECK_AFTER => {
                    inner.leaderless_since = Some(now);
                    self.candidates(&inner)
                }
                _ => return,
            }
        };
        for address in addresses {
            let Ok(Wire::Status(status)) =
                rpc::call(&self.transport, &address, &Wire::DescribeQuorum).await
            else {
                continue;
            };
            if status.leader_id >= 0 && !status.voters.iter().any(|v| v.id == self.node_id) {
                let voters: Vec<i32> = status.voters.iter().map(|v| v.id).collect();
                tracing::error!(
                    leader = status.leader_id,
                    ?voters,
                    "this controller is not a voter of the quorum any more (it was removed while it was down), so it cannot rejoin with its old log: stop it, delete its metadata log directory, format it again with `kbox storage format --no-initial-controllers` and add it with `kbox metadata-quorum add-controller`"
                );
            }
            return;
        }
    }

    /// At the leader: adds a voter (Kafka's AddRaftVoter): refused while another change is
    /// pending, for a voter already in the set, for a node that does not answer on its
    /// endpoint, and for one that is not a learner caught up with the log; otherwise returns
    /// once the new voter set is committed.
    pub async fn add_voter(
        &self,
        voter: VoterEndpoint,
    ) -> std::result::Result<(), VoterChangeError> {
        let id = voter.id;
        self.check_change(|inner| {
            if inner.raft.voters().contains(&id) {
                return Err((
                    ResponseError::DuplicateVoter,
                    format!(
                        "The voter id for ReplicaKey(id={id}, directoryId={}) is already part of the set of voters {:?}.",
                        voter.directory_id,
                        inner.raft.voters()
                    ),
                ));
            }
            Ok(())
        })?;
        // The new voter must answer on the endpoint it is added with.
        let address = voter.address();
        if rpc::call(&self.transport, &address, &Wire::DescribeQuorum)
            .await
            .is_err()
        {
            return Err((
                ResponseError::RequestTimedOut,
                format!("New voter {id} at {address} is not ready to receive requests"),
            ));
        }
        let (index, term) = {
            let mut guard = self.lock();
            let inner = &mut *guard;
            self.check_change_locked(inner)?;
            let learner = inner.joiners.get(&id).filter(|(_, j)| {
                voter.directory_id.is_empty() || j.directory_id == voter.directory_id
            });
            let matched = inner.raft.match_indexes().get(&id).copied().unwrap_or(0);
            if learner.is_none() || matched < inner.raft.commit_index() {
                return Err((
                    ResponseError::RequestTimedOut,
                    format!(
                        "Aborted add voter operation for {id} since it is lagging behind: it is not a controller of this quorum catching up with the log (started with controller.quorum.bootstrap.servers and this directory id?)"
                    ),
                ));
            }
            let payload = self.voters_payload(inner, |endpoints| endpoints.push(voter.clone()));
            self.propose_change(inner, payload)?
        };
        self.wait_change(index, term).await
    }

    /// At the leader: removes a voter (Kafka's RemoveRaftVoter), once committed.
    pub async fn remove_voter(
        &self,
        id: i32,
        directory_id: Option<String>,
    ) -> std::result::Result<(), VoterChangeError> {
        let (index, term) = {
            let mut guard = self.lock();
            let inner = &mut *guard;
            self.check_change_locked(inner)?;
            let voters = inner.raft.voters().to_vec();
            let known_dir = inner.endpoints.get(&id).map(|e| e.directory_id.clone());
            let dir_matches = match (&directory_id, &known_dir) {
                (Some(asked), Some(known)) => asked == known,
                _ => true,
            };
            if !voters.contains(&id) || !dir_matches || voters.len() == 1 {
                return Err((
                    ResponseError::VoterNotFound,
                    format!(
                        "Cannot remove voter ReplicaKey(id={id}, directoryId={}) from the set of voters {voters:?}",
                        directory_id.unwrap_or_default()
                    ),
                ));
            }
            let payload = self.voters_payload(inner, |endpoints| endpoints.retain(|e| e.id != id));
            self.propose_change(inner, payload)?
        };
        self.wait_change(index, term).await
    }

    /// A voter change asked of any node (`Wire::AddVoter` or `Wire::RemoveVoter`): made here
    /// when this node leads, else forwarded to the leader, as Kafka forwards it.
    pub async fn change_voters(&self, change: Wire) -> std::result::Result<(), VoterChangeError> {
        if self.is_leader() {
            return match change {
                Wire::AddVoter(voter) => self.add_voter(voter).await,
                Wire::RemoveVoter { id, directory_id } => self.remove_voter(id, directory_id).await,
                Wire::UpdateVoter(voter) => self.update_voter(voter).await,
                _ => Err((ResponseError::InvalidRequest, "not a voter change".into())),
            };
        }
        let not_leader = || {
            (
                ResponseError::NotLeaderOrFollower,
                "No leader of the controller quorum is known here.".to_string(),
            )
        };
        // The leader if known, else every voter and bootstrap server (one of them leads: a
        // voter restarted at a new endpoint is not reached by the leader until it asks).
        let targets = match self.leader().and_then(|l| self.address_of(l)) {
            Some(address) => vec![address],
            None => self.candidates(&self.lock()),
        };
        let mut outcome = Err(not_leader());
        for address in targets {
            outcome = match rpc::call(&self.transport, &address, &change).await {
                Ok(Wire::VoterChanged(result)) => result.map_err(|(code, message)| {
                    let error = ResponseError::try_from_code(code)
                        .unwrap_or(ResponseError::UnknownServerError);
                    (error, message)
                }),
                Ok(_) => Err(not_leader()),
                // A controller that does not answer: try the next one.
                Err(e) => {
                    outcome = Err((
                        ResponseError::RequestTimedOut,
                        format!("the controller at {address} did not answer: {e}"),
                    ));
                    continue;
                }
            };
            if !matches!(&outcome, Err((ResponseError::NotLeaderOrFollower, _))) {
                return outcome;
            }
        }
        outcome
    }

    fn check_change(
        &self,
        extra: impl FnOnce(&Inner) -> std::result::Result<(), VoterChangeError>,
    ) -> std::result::Result<(), VoterChangeError> {
        let inner = self.lock();
        self.check_change_locked(&inner)?;
        extra(&inner)
    }

    /// Refusals common to every voter change: not the leader, a static quorum, a change pending.
    fn check_change_locked(&self, inner: &Inner) -> std::result::Result<(), VoterChangeError> {
        if inner.raft.role() != Role::Leader {
            return Err((
                ResponseError::NotLeaderOrFollower,
                format!(
                    "This node is not the leader of the controller quorum (the leader is {}).",
                    inner.raft.leader().unwrap_or(-1)
                ),
            ));
        }
        if !self.dynamic {
            return Err((
                ResponseError::UnsupportedVersion,
                "Cluster doesn't support changing voters because the kraft.version feature is 0 (the quorum is static: controller.quorum.voters)".into(),
            ));
        }
        if inner.raft.voter_change_pending() {
            return Err((
                ResponseError::RequestTimedOut,
                "Request timed out waiting for voters to commit the latest voter change".into(),
            ));
        }
        Ok(())
    }

    fn propose_change(
        &self,
        inner: &mut Inner,
        payload: Vec<MetadataRecord>,
    ) -> std::result::Result<(u64, u64), VoterChangeError> {
        let proposed = inner.raft.propose_voter_change(payload).map_err(|e| {
            (
                ResponseError::RequestTimedOut,
                format!("Request timed out waiting for the leader to accept a voter change: {e:?}"),
            )
        })?;
        if let Err(e) = self.process_ready(inner) {
            return Err((ResponseError::UnknownServerError, e.to_string()));
        }
        tracing::info!(voters = ?inner.raft.voters(), "proposed a voter change");
        Ok(proposed)
    }

    async fn wait_change(
        &self,
        index: u64,
        term: u64,
    ) -> std::result::Result<(), VoterChangeError> {
        match self
            .wait_applied(index, term, Instant::now() + WRITE_TIMEOUT)
            .await
        {
            Ok(true) => Ok(()),
            _ => Err((
                ResponseError::RequestTimedOut,
                "The voter change was not committed in time.".into(),
            )),
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
