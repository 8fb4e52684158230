//! A Raft core without I/O: messages and clock ticks go in, a [`Ready`] comes out.
//!
//! The core never touches a disk, a socket or the wall clock, so the same code runs in the
//! broker (driven by `quorum::node`) and in the deterministic simulation test below, where a
//! seeded scheduler decides every delivery, loss, crash and partition.
//!
//! Contract for the driver, after every call that changes the core: take the [`Ready`], make
//! `hard_state` and the log changes durable, *then* send `messages` and apply `committed`
//! entries. Persisting before sending is what makes a vote or an acknowledgement binding.
//!
//! Leader election and log replication follow the Raft paper; a leader also appends an entry
//! of its own term at election (Kafka writes a LeaderChange record) so earlier entries commit,
//! and steps down when a majority stopped answering for an election timeout (check quorum), so
//! a leader cut off from the others stops accepting writes it could never commit.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A node id (Kafka's `node.id`).
pub type NodeId = i32;

/// What a payload must be able to say by itself: the entry a new leader appends, and a change
/// of the voter set (which, as in Kafka's KIP-853, goes through the log).
pub trait Payload: Clone + std::fmt::Debug {
    fn leader_change(leader: NodeId, term: u64) -> Self;
    /// An entry that makes `voters` the voter set.
    fn voters_change(voters: Vec<NodeId>) -> Self;
    /// The voter set this entry sets, if it does (for a snapshot's data: the voters then).
    fn voters(&self) -> Option<Vec<NodeId>>;
}

/// Why a voter change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VotersChangeRefused {
    /// This node does not lead; the leader it knows of.
    NotLeader(Option<NodeId>),
    /// An earlier change is not committed yet, or the leader has not committed an entry of its
    /// term (a change must wait for both, or two majorities could disagree).
    Busy,
    /// The new set must add or remove exactly one voter.
    NotOneVoter,
}

/// The state after every entry up to `index` was applied, which replaces those entries (log
/// compaction, Raft section 7; Kafka's metadata snapshots). `term` is the term of entry `index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<P> {
    pub index: u64,
    pub term: u64,
    pub data: P,
}

/// One log entry: the term (Kafka's leader epoch) it was proposed in and what it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry<P> {
    pub term: u64,
    pub payload: P,
}

/// The messages nodes exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Message<P> {
    RequestVote {
        term: u64,
        last_index: u64,
        last_term: u64,
    },
    VoteReply {
        term: u64,
        granted: bool,
    },
    Append {
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry<P>>,
        commit: u64,
    },
    /// `match_index`: on success the last index the follower now shares with the leader; on
    /// failure a hint of where to try next.
    AppendReply {
        term: u64,
        success: bool,
        match_index: u64,
    },
    /// The leader's snapshot, for a follower whose next entry the leader no longer has
    /// (Kafka's FetchSnapshot). Answered with an `AppendReply`.
    InstallSnapshot {
        term: u64,
        snapshot: Snapshot<P>,
    },
}

impl<P> Message<P> {
    pub fn term(&self) -> u64 {
        match self {
            Message::RequestVote { term, .. }
            | Message::VoteReply { term, .. }
            | Message::Append { term, .. }
            | Message::AppendReply { term, .. }
            | Message::InstallSnapshot { term, .. } => *term,
        }
    }
}

/// A message with its sender and addressee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<P> {
    pub from: NodeId,
    pub to: NodeId,
    pub message: Message<P>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
}

/// Timing in ticks.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The election timeout is drawn from `election_ticks..2 * election_ticks`.
    pub election_ticks: u32,
    /// A leader sends appends (heartbeats) this often.
    pub heartbeat_ticks: u32,
}

/// What the driver must do after a call: persist, then send, then apply.
#[derive(Debug)]
pub struct Ready<P> {
    /// New (term, voted_for) to persist.
    pub hard_state: Option<(u64, Option<NodeId>)>,
    /// A snapshot received from the leader: persist it and drop every durable entry up to its
    /// index (before the log changes below), and replace the applied state with it (before
    /// applying `committed`).
    pub snapshot: Option<Snapshot<P>>,
    /// Remove every durable entry from this index on, then append `entries` there.
    pub first_changed: Option<u64>,
    pub entries: Vec<Entry<P>>,
    pub messages: Vec<Envelope<P>>,
    /// Newly committed entries, with their indexes, in order.
    pub committed: Vec<(u64, Entry<P>)>,
}

/// Most entries sent in one append.
const MAX_APPEND_ENTRIES: usize = 64;

/// One node's Raft state.
#[derive(Debug)]
pub struct Raft<P> {
    id: NodeId,
    /// The voters configured at start, used until the log or a snapshot says otherwise.
    configured: Vec<NodeId>,
    /// The voter set in force: the latest one in the log, committed or not (Raft's
    /// single-server membership change), and the index of the entry that set it (0: from the
    /// snapshot or the configuration).
    voters: Vec<NodeId>,
    voters_index: u64,
    /// The voter set before that entry: a node removed by a change not yet committed still
    /// campaigns, as the change may need it (Raft thesis, 4.2.2).
    previous_voters: Vec<NodeId>,
    timing: Timing,
    term: u64,
    voted_for: Option<NodeId>,
    /// The entries up to `snapshot.index` live only in the snapshot.
    snapshot: Option<Snapshot<P>>,
    /// Entry `i` (1-based) is `log[i - log_start() - 1]`.
    log: Vec<Entry<P>>,
    commit: u64,
    /// Highest index handed to the driver as committed.
    handed_out: u64,
    role: Role,
    leader: Option<NodeId>,
    votes: BTreeSet<NodeId>,
    next_index: BTreeMap<NodeId, u64>,
    match_index: BTreeMap<NodeId, u64>,
    /// Peers that answered since the last check-quorum.
    active: BTreeSet<NodeId>,
    /// Non-voters a leader replicates to (Kafka's observers that will be added as voters): they
    /// catch up before a change makes them voters, and never count towards a majority.
    learners: BTreeSet<NodeId>,
    elapsed: u32,
    timeout: u32,
    heartbeat_elapsed: u32,
    rng: u64,
    hard_dirty: bool,
    snapshot_installed: bool,
    first_changed: Option<u64>,
    outbox: Vec<Envelope<P>>,
    /// Test only: grant votes without the up-to-date check, to show the simulation catches it.
    #[cfg(test)]
    broken_votes: bool,
}

impl<P: Payload> Raft<P> {
    /// A node restored from its durable state: its latest snapshot and the entries after it.
    /// Entries up to `applied` were already applied by the driver and are known committed
    /// (only true when they were committed before: a single voter's whole log, or the
    /// snapshot's).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: NodeId,
        voters: Vec<NodeId>,
        timing: Timing,
        seed: u64,
        (term, voted_for): (u64, Option<NodeId>),
        snapshot: Option<Snapshot<P>>,
        log: Vec<Entry<P>>,
        applied: u64,
    ) -> Raft<P> {
        let start = snapshot.as_ref().map_or(0, |s| s.index);
        let applied = applied.clamp(start, start + log.len() as u64);
        let mut raft = Raft {
            id,
            configured: voters.clone(),
            previous_voters: voters.clone(),
            voters,
            voters_index: 0,
            timing,
            term,
            voted_for,
            snapshot,
            log,
            commit: applied,
            handed_out: applied,
            role: Role::Follower,
            leader: None,
            votes: BTreeSet::new(),
            next_index: BTreeMap::new(),
            match_index: BTreeMap::new(),
            active: BTreeSet::new(),
            learners: BTreeSet::new(),
            elapsed: 0,
            timeout: 0,
            heartbeat_elapsed: 0,
            rng: seed ^ 0x9e37_79b9_7f4a_7c15 ^ (id as u64).wrapping_mul(0x1000_0000_01b3),
            hard_dirty: false,
            snapshot_installed: false,
            first_changed: None,
            outbox: Vec::new(),
            #[cfg(test)]
            broken_votes: false,
        };
        raft.reset_timeout();
        raft.refresh_voters();
        // A sole voter needs nobody's vote: it leads at once.
        if raft.voters == [id] {
            raft.campaign();
        }
        raft
    }

    pub fn id(&self) -> NodeId {
        self.id
    }
    pub fn term(&self) -> u64 {
        self.term
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn commit_index(&self) -> u64 {
        self.commit
    }
    pub fn last_index(&self) -> u64 {
        self.log_start() + self.log.len() as u64
    }
    /// The last index the snapshot covers (0 without one); the log holds the entries after.
    pub fn log_start(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.index)
    }
    pub fn snapshot(&self) -> Option<&Snapshot<P>> {
        self.snapshot.as_ref()
    }
    /// The entries from `from` (above the snapshot) up to `to`, inclusive.
    pub fn entries(&self, from: u64, to: u64) -> &[Entry<P>] {
        let start = self.log_start();
        let from = from.max(start + 1);
        let to = to.min(self.last_index());
        if from > to {
            return &[];
        }
        &self.log[(from - start - 1) as usize..(to - start) as usize]
    }
    pub fn voters(&self) -> &[NodeId] {
        &self.voters
    }
    /// The entries after the snapshot.
    pub fn log(&self) -> &[Entry<P>] {
        &self.log
    }
    /// The term of the entry at `index` (0 for index 0, beyond the log, or inside the
    /// snapshot, whose entries are committed and so match everywhere).
    pub fn term_at(&self, index: u64) -> u64 {
        let start = self.log_start();
        if index == 0 || index < start {
            return 0;
        }
        if index == start {
            return self.snapshot.as_ref().map_or(0, |s| s.term);
        }
        self.log
            .get((index - start) as usize - 1)
            .map(|e| e.term)
            .unwrap_or(0)
    }

    /// The driver applied every entry up to `index` and made `data` the durable snapshot of
    /// that state: the entries up to `index` are dropped. Ignored unless `index` is applied
    /// and past the current snapshot.
    pub fn compact(&mut self, index: u64, data: P) -> bool {
        let start = self.log_start();
        if index <= start || index > self.handed_out {
            return false;
        }
        let term = self.term_at(index);
        self.log.drain(..(index - start) as usize);
        self.snapshot = Some(Snapshot { index, term, data });
        true
    }
    /// The leader's view of how far each voter's log matches its own.
    pub fn match_indexes(&self) -> BTreeMap<NodeId, u64> {
        let mut m = self.match_index.clone();
        m.insert(self.id, self.last_index());
        m
    }
    fn last_term(&self) -> u64 {
        self.term_at(self.last_index())
    }
    fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    fn random(&mut self) -> u64 {
        // xorshift64*: deterministic per seed, good enough to spread election timeouts.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn reset_timeout(&mut self) {
        self.elapsed = 0;
        let base = self.timing.election_ticks.max(1);
        self.timeout = base + (self.random() % base as u64) as u32;
    }

    fn send(&mut self, to: NodeId, message: Message<P>) {
        self.outbox.push(Envelope {
            from: self.id,
            to,
            message,
        });
    }

    fn mark_changed(&mut self, index: u64) {
        self.first_changed = Some(self.first_changed.map_or(index, |f| f.min(index)));
    }

    /// Re-derives the voter set from the log, the snapshot or the configuration; a leader
    /// starts replicating to voters it did not know.
    fn refresh_voters(&mut self) {
        let start = self.log_start();
        let mut from_log = self
            .log
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, e)| e.payload.voters().map(|v| (v, start + i as u64 + 1)));
        let base = || {
            let from_snapshot = self.snapshot.as_ref().and_then(|s| s.data.voters());
            (from_snapshot.unwrap_or_else(|| self.configured.clone()), 0)
        };
        let (voters, index) = from_log.next().unwrap_or_else(base);
        let previous = from_log.next().unwrap_or_else(base).0;
        self.voters_index = index;
        self.previous_voters = if index > 0 { previous } else { voters.clone() };
        if voters == self.voters {
            return;
        }
        tracing::info!(node = self.id, ?voters, "voter set changed");
        self.voters = voters;
        if self.role == Role::Leader {
            let next = self.last_index() + 1;
            for peer in self.targets() {
                self.next_index.entry(peer).or_insert(next);
                self.match_index.entry(peer).or_insert(0);
            }
        }
    }

    /// Replicates to `id` without counting it towards a majority, while it is not a voter.
    pub fn add_learner(&mut self, id: NodeId) {
        if id == self.id || !self.learners.insert(id) || self.role != Role::Leader {
            return;
        }
        let next = self.last_index() + 1;
        self.next_index.entry(id).or_insert(next);
        self.match_index.entry(id).or_insert(0);
        self.send_append(id);
    }

    /// Stops replicating to a learner (a voter stays a replication target).
    pub fn remove_learner(&mut self, id: NodeId) {
        self.learners.remove(&id);
    }

    /// A voter change is in the log but not committed yet.
    pub fn voter_change_pending(&self) -> bool {
        self.voters_index > self.commit
    }

    pub fn learners(&self) -> &BTreeSet<NodeId> {
        &self.learners
    }

    /// Proposes a new voter set (one voter added or removed) when this node leads: the index
    /// and term to wait for. It takes effect as soon as it is in a log.
    pub fn propose_voters(
        &mut self,
        voters: Vec<NodeId>,
    ) -> Result<(u64, u64), VotersChangeRefused> {
        self.propose_voter_change(P::voters_change(voters))
    }

    /// As [`Raft::propose_voters`], with the payload that sets the new voters (the driver's
    /// carries each voter's endpoint). The same voters again is allowed: an endpoint update.
    pub fn propose_voter_change(&mut self, payload: P) -> Result<(u64, u64), VotersChangeRefused> {
        if self.role != Role::Leader {
            return Err(VotersChangeRefused::NotLeader(self.leader));
        }
        if self.voters_index > self.commit || self.term_at(self.commit) != self.term {
            return Err(VotersChangeRefused::Busy);
        }
        let voters = payload.voters().unwrap_or_default();
        let old: BTreeSet<NodeId> = self.voters.iter().copied().collect();
        let new: BTreeSet<NodeId> = voters.iter().copied().collect();
        if new.len() != voters.len() || new.is_empty() || old.symmetric_difference(&new).count() > 1
        {
            return Err(VotersChangeRefused::NotOneVoter);
        }
        self.append_local(Entry {
            term: self.term,
            payload,
        });
        let index = self.last_index();
        self.broadcast_append();
        self.maybe_commit();
        Ok((index, self.term))
    }

    /// The other voters (who votes).
    fn peers(&self) -> Vec<NodeId> {
        self.voters
            .iter()
            .copied()
            .filter(|v| *v != self.id)
            .collect()
    }

    /// Whom a leader replicates to: the other voters and the learners.
    fn targets(&self) -> Vec<NodeId> {
        let mut targets: BTreeSet<NodeId> = self.peers().into_iter().collect();
        targets.extend(self.learners.iter().copied().filter(|l| *l != self.id));
        targets.into_iter().collect()
    }

    /// Advances the clock by one tick.
    pub fn tick(&mut self) {
        self.elapsed += 1;
        match self.role {
            Role::Leader => {
                self.heartbeat_elapsed += 1;
                if self.heartbeat_elapsed >= self.timing.heartbeat_ticks {
                    self.heartbeat_elapsed = 0;
                    self.broadcast_append();
                }
                if self.elapsed >= self.timing.election_ticks * 2 {
                    self.elapsed = 0;
                    let voters_heard = self
                        .active
                        .iter()
                        .filter(|a| self.voters.contains(a))
                        .count();
                    if voters_heard + 1 < self.majority() {
                        tracing::info!(
                            node = self.id,
                            term = self.term,
                            "lost contact with a majority: stepping down"
                        );
                        self.become_follower(self.term, None);
                    }
                    self.active.clear();
                }
            }
            _ => {
                if self.elapsed >= self.timeout {
                    self.campaign();
                }
            }
        }
    }

    fn campaign(&mut self) {
        let removed_pending =
            self.voters_index > self.commit && self.previous_voters.contains(&self.id);
        if !self.voters.contains(&self.id) && !removed_pending {
            return;
        }
        self.term += 1;
        self.voted_for = Some(self.id);
        self.hard_dirty = true;
        self.role = Role::Candidate;
        self.leader = None;
        self.votes = BTreeSet::from([self.id]);
        self.reset_timeout();
        if self.vote_count() >= self.majority() {
            self.become_leader();
            return;
        }
        let (last_index, last_term) = (self.last_index(), self.last_term());
        for peer in self.peers() {
            self.send(
                peer,
                Message::RequestVote {
                    term: self.term,
                    last_index,
                    last_term,
                },
            );
        }
    }

    fn become_follower(&mut self, term: u64, leader: Option<NodeId>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.hard_dirty = true;
        }
        // Only a leader's message (or leaving the leader role) restarts the election timer:
        // a stale candidate's vote requests must not keep the others from campaigning.
        if leader.is_some() || self.role == Role::Leader {
            self.reset_timeout();
        }
        self.role = Role::Follower;
        self.leader = leader;
    }

    fn become_leader(&mut self) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.heartbeat_elapsed = 0;
        self.elapsed = 0;
        self.active.clear();
        let next = self.last_index() + 1;
        self.next_index = self.targets().into_iter().map(|p| (p, next)).collect();
        self.match_index = self.targets().into_iter().map(|p| (p, 0)).collect();
        tracing::info!(node = self.id, term = self.term, "elected leader");
        let entry = Entry {
            term: self.term,
            payload: P::leader_change(self.id, self.term),
        };
        self.append_local(entry);
        self.broadcast_append();
        self.maybe_commit();
    }

    /// Votes from nodes that are voters now.
    fn vote_count(&self) -> usize {
        self.votes
            .iter()
            .filter(|v| self.voters.contains(v))
            .count()
    }

    fn append_local(&mut self, entry: Entry<P>) {
        let sets_voters = entry.payload.voters().is_some();
        self.log.push(entry);
        self.mark_changed(self.last_index());
        if sets_voters {
            self.refresh_voters();
        }
    }

    /// Appends a payload when this node leads: its index and term, which the caller waits to
    /// see committed. Otherwise the leader it knows of, if any.
    pub fn propose(&mut self, payload: P) -> Result<(u64, u64), Option<NodeId>> {
        if self.role != Role::Leader {
            return Err(self.leader);
        }
        self.append_local(Entry {
            term: self.term,
            payload,
        });
        let index = self.last_index();
        self.broadcast_append();
        self.maybe_commit();
        Ok((index, self.term))
    }

    fn broadcast_append(&mut self) {
        for peer in self.targets() {
            self.send_append(peer);
        }
    }

    fn send_append(&mut self, peer: NodeId) {
        let next = self.next_index.get(&peer).copied().unwrap_or(1).max(1);
        let prev_index = (next - 1).min(self.last_index());
        if prev_index < self.log_start() {
            // The entries the peer needs next were compacted away: it gets the snapshot.
            if let Some(snapshot) = self.snapshot.clone() {
                let term = self.term;
                self.send(peer, Message::InstallSnapshot { term, snapshot });
            }
            return;
        }
        let prev_term = self.term_at(prev_index);
        let entries = self
            .entries(prev_index + 1, prev_index + MAX_APPEND_ENTRIES as u64)
            .to_vec();
        let message = Message::Append {
            term: self.term,
            prev_index,
            prev_term,
            entries,
            commit: self.commit,
        };
        self.send(peer, message);
    }

    fn maybe_commit(&mut self) {
        if self.voters.is_empty() {
            return;
        }
        let mut matched: Vec<u64> = self
            .voters
            .iter()
            .map(|v| {
                if *v == self.id {
                    self.last_index()
                } else {
                    self.match_index.get(v).copied().unwrap_or(0)
                }
            })
            .collect();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let candidate = matched[self.majority() - 1];
        // Only entries of the leader's own term commit by counting (Raft, section 5.4.2).
        if candidate > self.commit && self.term_at(candidate) == self.term {
            self.commit = candidate;
        }
        // A leader that removed itself leads until the removal commits, then steps down.
        if self.role == Role::Leader
            && !self.voters.contains(&self.id)
            && self.voters_index <= self.commit
        {
            tracing::info!(node = self.id, "removed from the voters: stepping down");
            self.become_follower(self.term, None);
        }
    }

    /// Handles one message from a peer.
    pub fn step(&mut self, envelope: Envelope<P>) {
        let Envelope { from, message, .. } = envelope;
        if from == self.id {
            return;
        }
        let term = message.term();
        // A node that heard from a leader within the election timeout ignores vote requests:
        // a removed voter that does not know it cannot depose a working leader (Raft thesis,
        // 4.2.3).
        let leader_alive = self.role == Role::Leader
            || (self.leader.is_some() && self.elapsed < self.timing.election_ticks);
        if matches!(message, Message::RequestVote { .. }) && term > self.term && leader_alive {
            return;
        }
        if term > self.term {
            let leader = matches!(message, Message::Append { .. }).then_some(from);
            self.become_follower(term, leader);
        }
        if term < self.term {
            // A stale sender learns the current term from the answer and steps down.
            match message {
                Message::RequestVote { .. } => self.send(
                    from,
                    Message::VoteReply {
                        term: self.term,
                        granted: false,
                    },
                ),
                Message::Append { .. } | Message::InstallSnapshot { .. } => self.send(
                    from,
                    Message::AppendReply {
                        term: self.term,
                        success: false,
                        match_index: 0,
                    },
                ),
                _ => {}
            }
            return;
        }
        match message {
            Message::RequestVote {
                last_index,
                last_term,
                ..
            } => {
                let up_to_date = last_term > self.last_term()
                    || (last_term == self.last_term() && last_index >= self.last_index());
                #[cfg(test)]
                let up_to_date = up_to_date || self.broken_votes;
                let free = self.voted_for.is_none() || self.voted_for == Some(from);
                // A candidate need not be a voter in this node's view: this node's voter set
                // may be behind.
                let granted = up_to_date && free && self.role != Role::Leader;
                if granted {
                    self.voted_for = Some(from);
                    self.hard_dirty = true;
                    self.reset_timeout();
                }
                self.send(
                    from,
                    Message::VoteReply {
                        term: self.term,
                        granted,
                    },
                );
            }
            Message::VoteReply { granted, .. } => {
                if self.role == Role::Candidate && granted {
                    self.votes.insert(from);
                    if self.vote_count() >= self.majority() {
                        self.become_leader();
                    }
                }
            }
            Message::Append {
                prev_index,
                prev_term,
                entries,
                commit,
                ..
            } => {
                // Same term: the sender is this term's only leader.
                self.role = Role::Follower;
                self.leader = Some(from);
                self.reset_timeout();
                // Below the snapshot every entry is committed, so it matches the leader's.
                let start = self.log_start();
                if prev_index > self.last_index()
                    || (prev_index >= start && self.term_at(prev_index) != prev_term)
                {
                    let hint = prev_index.saturating_sub(1).min(self.last_index());
                    self.send(
                        from,
                        Message::AppendReply {
                            term: self.term,
                            success: false,
                            match_index: hint,
                        },
                    );
                    return;
                }
                let count = entries.len() as u64;
                for (i, entry) in entries.into_iter().enumerate() {
                    let index = prev_index + 1 + i as u64;
                    if index <= start {
                        continue;
                    }
                    if index <= self.last_index() {
                        if self.term_at(index) == entry.term {
                            continue;
                        }
                        // A committed entry never conflicts (Log Matching); refuse rather
                        // than lose it if a peer says otherwise.
                        if index <= self.commit {
                            tracing::error!(
                                node = self.id,
                                index,
                                "append conflicts with a committed entry: ignored"
                            );
                            return;
                        }
                        self.log.truncate((index - start) as usize - 1);
                    }
                    self.log.push(entry);
                    self.mark_changed(index);
                }
                if count > 0 {
                    self.refresh_voters();
                }
                let last_new = prev_index + count;
                let commit = commit.min(last_new);
                if commit > self.commit {
                    self.commit = commit;
                }
                self.send(
                    from,
                    Message::AppendReply {
                        term: self.term,
                        success: true,
                        match_index: last_new,
                    },
                );
            }
            Message::InstallSnapshot { snapshot, .. } => {
                self.role = Role::Follower;
                self.leader = Some(from);
                self.reset_timeout();
                let index = snapshot.index;
                if index > self.commit {
                    self.install_snapshot(snapshot);
                }
                self.send(
                    from,
                    Message::AppendReply {
                        term: self.term,
                        success: true,
                        match_index: index,
                    },
                );
            }
            Message::AppendReply {
                success,
                match_index,
                ..
            } => {
                if self.role != Role::Leader {
                    return;
                }
                self.active.insert(from);
                let next = self.next_index.get(&from).copied().unwrap_or(1);
                if success {
                    let matched = self.match_index.entry(from).or_insert(0);
                    if match_index > *matched {
                        *matched = match_index;
                    }
                    self.next_index.insert(from, next.max(match_index + 1));
                    self.maybe_commit();
                    if self.next_index[&from] <= self.last_index() {
                        self.send_append(from);
                    }
                } else {
                    let next = next.saturating_sub(1).min(match_index + 1).max(1);
                    self.next_index.insert(from, next);
                    self.send_append(from);
                }
            }
        }
    }

    /// Replaces the log up to the snapshot's index (past this node's commit) by the snapshot.
    /// Entries after it are kept when the log holds the snapshot's last entry: they may have
    /// been acknowledged to this leader already.
    fn install_snapshot(&mut self, snapshot: Snapshot<P>) {
        let start = self.log_start();
        let index = snapshot.index;
        if index <= self.last_index() && self.term_at(index) == snapshot.term {
            self.log.drain(..(index - start) as usize);
        } else {
            self.log.clear();
            self.mark_changed(index + 1);
        }
        tracing::info!(node = self.id, index, "installed the leader's snapshot");
        self.snapshot = Some(snapshot);
        self.commit = index;
        self.handed_out = index;
        self.snapshot_installed = true;
        self.refresh_voters();
    }

    /// What changed since the last call.
    pub fn take_ready(&mut self) -> Ready<P> {
        let hard_state =
            std::mem::take(&mut self.hard_dirty).then_some((self.term, self.voted_for));
        let snapshot = std::mem::take(&mut self.snapshot_installed)
            .then(|| self.snapshot.clone())
            .flatten();
        let start = self.log_start();
        let first_changed = self.first_changed.take().map(|f| f.max(start + 1));
        let entries = match first_changed {
            Some(first) => self.entries(first, self.last_index()).to_vec(),
            None => Vec::new(),
        };
        let mut committed = Vec::new();
        while self.handed_out < self.commit {
            self.handed_out += 1;
            let entry = self.log[(self.handed_out - start) as usize - 1].clone();
            committed.push((self.handed_out, entry));
        }
        Ready {
            hard_state,
            snapshot,
            first_changed,
            entries,
            messages: std::mem::take(&mut self.outbox),
            committed,
        }
    }
}

#[cfg(test)]
mod simulation;
