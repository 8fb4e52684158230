//! Deterministic simulation of a 3-voter quorum: one seeded scheduler decides every tick,
//! delivery delay, loss, duplicate, crash, restart and network partition. The same seed
//! always replays the same history, so a failing seed is a reproducible bug report.
//!
//! Checked on every step: at most one leader per term; a new leader holds every committed
//! entry; every node's committed entries agree with the one committed history (never lost,
//! never reordered, never replaced). At the end the network heals and every node must
//! converge on the same committed log containing every acknowledged proposal exactly once.
//!
//! Membership changes too: a fourth node is added as a voter and voters (the leader among
//! them) are removed, one at a time through the log; at the end the final voters converge.
//!
//! Every node compacts its log into a snapshot (its applied history) every few entries, so
//! followers that fall behind catch up through `InstallSnapshot`; a snapshot must equal the
//! committed history up to its index.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::*;

#[derive(Debug, Clone, PartialEq)]
enum Value {
    LeaderChange(NodeId, u64),
    Client(u64),
    Voters(Vec<NodeId>),
    /// A snapshot's data: the applied history it replaces.
    History(Vec<Entry<Value>>),
}

impl Payload for Value {
    fn leader_change(leader: NodeId, term: u64) -> Self {
        Value::LeaderChange(leader, term)
    }
    fn voters_change(voters: Vec<NodeId>) -> Self {
        Value::Voters(voters)
    }
    fn voters(&self) -> Option<Vec<NodeId>> {
        match self {
            Value::Voters(v) => Some(v.clone()),
            Value::History(h) => last_voters(h),
            _ => None,
        }
    }
}

/// The voter set the last membership entry of `history` sets.
fn last_voters(history: &[Entry<Value>]) -> Option<Vec<NodeId>> {
    history.iter().rev().find_map(|e| match &e.payload {
        Value::Voters(v) => Some(v.clone()),
        _ => None,
    })
}

#[derive(Debug, Clone)]
enum Event {
    Tick(usize),
    Deliver(Envelope<Value>),
    Propose(u64),
    /// The leader adds the missing node as a voter, or removes a random voter.
    ChangeVoters,
    Crash(usize),
    Restart(usize),
    Isolate(usize),
    Heal,
}

/// What survives a crash.
#[derive(Debug, Default, Clone)]
struct Disk {
    hard: (u64, Option<NodeId>),
    snapshot: Option<Snapshot<Value>>,
    /// The entries after the snapshot.
    log: Vec<Entry<Value>>,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const IDS: [NodeId; 4] = [1, 2, 3, 4];
/// The voters every node is configured with; node 4 joins only through a membership change.
const CONFIGURED: [NodeId; 3] = [1, 2, 3];
const TIMING: Timing = Timing {
    election_ticks: 10,
    heartbeat_ticks: 2,
};
const TICK: u64 = 10;
/// A node snapshots once this many entries were applied since its last snapshot.
const SNAPSHOT_EVERY: u64 = 8;

struct Sim {
    seed: u64,
    /// Nodes vote without Raft's log check (a planted bug the checks must catch).
    broken_votes: bool,
    rng: Rng,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64, usize)>>,
    events: Vec<Option<Event>>,
    nodes: Vec<Option<Raft<Value>>>,
    disks: Vec<Disk>,
    isolated: Option<usize>,
    lossy: bool,
    /// The one committed history every node must agree with.
    committed: Vec<Entry<Value>>,
    /// What each node has applied since its last restart.
    applied: Vec<u64>,
    /// Each node's state machine: the entries it applied, in order (restored from its snapshot).
    machines: Vec<Vec<Entry<Value>>>,
    /// Snapshots taken locally and installed from a leader, over the run.
    compactions: usize,
    installs: usize,
    leaders: BTreeMap<u64, NodeId>,
    /// Proposals acknowledged to a client: value -> (index, term).
    pending: BTreeMap<u64, (usize, u64, u64)>,
    acknowledged: BTreeMap<u64, u64>,
}

impl Sim {
    fn new(seed: u64) -> Sim {
        Sim::with_votes(seed, false)
    }

    fn with_votes(seed: u64, broken_votes: bool) -> Sim {
        let mut sim = Sim {
            seed,
            broken_votes,
            rng: Rng(seed),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            events: Vec::new(),
            nodes: Vec::new(),
            disks: vec![Disk::default(); IDS.len()],
            isolated: None,
            lossy: true,
            committed: Vec::new(),
            applied: vec![0; IDS.len()],
            machines: vec![Vec::new(); IDS.len()],
            compactions: 0,
            installs: 0,
            leaders: BTreeMap::new(),
            pending: BTreeMap::new(),
            acknowledged: BTreeMap::new(),
        };
        for i in 0..IDS.len() {
            let node = sim.boot(i);
            sim.nodes.push(Some(node));
            sim.schedule(TICK + i as u64, Event::Tick(i));
        }
        sim
    }

    fn boot(&mut self, i: usize) -> Raft<Value> {
        let disk = self.disks[i].clone();
        self.machines[i] = match &disk.snapshot {
            Some(Snapshot {
                data: Value::History(h),
                ..
            }) => h.clone(),
            _ => Vec::new(),
        };
        self.applied[i] = self.machines[i].len() as u64;
        let mut raft = Raft::new(
            IDS[i],
            CONFIGURED.to_vec(),
            TIMING,
            self.seed.wrapping_add(self.rng.next()),
            disk.hard,
            disk.snapshot,
            disk.log,
            0,
        );
        raft.broken_votes = self.broken_votes;
        raft
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.events.push(Some(event));
        self.queue
            .push(Reverse((at, self.seq, self.events.len() - 1)));
    }

    fn fail(&self, what: String) -> ! {
        panic!("seed {}: t={}: {what}", self.seed, self.now);
    }

    fn index_of(id: NodeId) -> usize {
        IDS.iter().position(|x| *x == id).unwrap()
    }

    /// Checks that a node's snapshot and log agree with the committed history as far as both go.
    fn agrees_with_history(&self, node: &Raft<Value>) -> bool {
        let start = node.log_start() as usize;
        if let Some(s) = node.snapshot() {
            let Value::History(h) = &s.data else {
                return false;
            };
            let n = h.len().min(self.committed.len());
            if h.len() != start || h[..n] != self.committed[..n] {
                return false;
            }
        }
        let known = self.committed.len().saturating_sub(start);
        let n = known.min(node.log().len());
        node.log()[..n] == self.committed[start..start + n]
    }

    /// Persists, then sends, then applies, as the driver does; then maybe snapshots.
    fn process_ready(&mut self, i: usize) {
        let Some(node) = self.nodes[i].as_mut() else {
            return;
        };
        let ready = node.take_ready();
        let (term, role, id) = (node.term(), node.role(), node.id());
        let log_now: Vec<Entry<Value>> = node.log().to_vec();
        let snapshot_now = node.snapshot().map(|s| s.index);
        let last_index = node.last_index() as usize;
        if let Some(hard) = ready.hard_state {
            self.disks[i].hard = hard;
        }
        if let Some(snapshot) = &ready.snapshot {
            // Drop the durable entries the snapshot covers (the rest follow below).
            let old_start = self.disks[i].snapshot.as_ref().map_or(0, |s| s.index);
            let covered = ((snapshot.index - old_start) as usize).min(self.disks[i].log.len());
            self.disks[i].log.drain(..covered);
            self.disks[i].snapshot = Some(snapshot.clone());
        }
        if let Some(first) = ready.first_changed {
            let start = self.disks[i].snapshot.as_ref().map_or(0, |s| s.index);
            let disk = &mut self.disks[i].log;
            disk.truncate((first - start - 1) as usize);
            disk.extend(ready.entries);
        }
        if self.disks[i].log != log_now
            || self.disks[i].snapshot.as_ref().map(|s| s.index) != snapshot_now
        {
            self.fail(format!("node {id}: durable log differs from memory"));
        }
        if role == Role::Leader {
            match self.leaders.get(&term) {
                Some(other) if *other != id => {
                    self.fail(format!("two leaders in term {term}: {other} and {id}"))
                }
                Some(_) => {}
                None => {
                    self.leaders.insert(term, id);
                    let node = self.nodes[i].as_ref().expect("running");
                    if last_index < self.committed.len() || !self.agrees_with_history(node) {
                        self.fail(format!(
                            "new leader {id} of term {term} lacks committed entries"
                        ));
                    }
                }
            }
        }
        for envelope in ready.messages {
            self.transmit(envelope);
        }
        if let Some(snapshot) = ready.snapshot {
            let Value::History(history) = snapshot.data else {
                self.fail(format!("node {id} installed a snapshot without history"));
            };
            let n = history.len().min(self.committed.len());
            if history.len() as u64 != snapshot.index || history[..n] != self.committed[..n] {
                self.fail(format!(
                    "node {id} installed a snapshot at {} that disagrees with the history",
                    snapshot.index
                ));
            }
            if history.len() > self.committed.len() {
                self.committed = history.clone();
            }
            self.installs += 1;
            self.machines[i] = history;
            self.applied[i] = snapshot.index;
        }
        for (index, entry) in ready.committed {
            if index != self.applied[i] + 1 {
                self.fail(format!(
                    "node {id} applied index {index} after {}",
                    self.applied[i]
                ));
            }
            self.applied[i] = index;
            self.machines[i].push(entry.clone());
            let at = index as usize - 1;
            match self.committed.get(at) {
                Some(known) if *known != entry => self.fail(format!(
                    "node {id} committed {entry:?} at {index}, history has {known:?}"
                )),
                Some(_) => {}
                None => self.committed.push(entry.clone()),
            }
            if let Value::Client(v) = entry.payload {
                if let Some((node, idx, t)) = self.pending.get(&v).copied() {
                    if node == i && idx == index && t == entry.term {
                        self.pending.remove(&v);
                        self.acknowledged.insert(v, index);
                    }
                }
            }
        }
        self.maybe_snapshot(i);
    }

    /// Snapshots a node's applied state every few entries, as the driver does past its
    /// threshold, and makes it durable with the log prefix dropped.
    fn maybe_snapshot(&mut self, i: usize) {
        let applied = self.applied[i];
        let Some(node) = self.nodes[i].as_mut() else {
            return;
        };
        if applied < node.log_start() + SNAPSHOT_EVERY {
            return;
        }
        let history = Value::History(self.machines[i].clone());
        if !node.compact(applied, history) {
            self.fail(format!("node {} refused to snapshot at {applied}", IDS[i]));
        }
        let snapshot = node.snapshot().cloned();
        let disk = &mut self.disks[i];
        let old_start = disk.snapshot.as_ref().map_or(0, |s| s.index);
        disk.log.drain(..(applied - old_start) as usize);
        disk.snapshot = snapshot;
        self.compactions += 1;
    }

    fn transmit(&mut self, envelope: Envelope<Value>) {
        let (from, to) = (Self::index_of(envelope.from), Self::index_of(envelope.to));
        if self.isolated.is_some_and(|x| x == from || x == to) {
            return;
        }
        if self.lossy && self.rng.chance(5) {
            return;
        }
        let copies = if self.lossy && self.rng.chance(2) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = 1 + self.rng.below(if self.lossy { 40 } else { 5 });
            self.schedule(self.now + delay, Event::Deliver(envelope.clone()));
        }
    }

    fn run_until(&mut self, end: u64, faults: bool) {
        while let Some(Reverse((at, _, slot))) = self.queue.pop() {
            if at > end {
                self.queue.push(Reverse((at, 0, slot)));
                break;
            }
            self.now = at;
            let event = self.events[slot].take().expect("each event runs once");
            match event {
                Event::Tick(i) => {
                    if let Some(node) = self.nodes[i].as_mut() {
                        node.tick();
                        self.process_ready(i);
                    }
                    self.schedule(self.now + TICK, Event::Tick(i));
                    if faults && i == 0 {
                        self.maybe_fault();
                    }
                    if faults && i == 0 && self.rng.chance(4) {
                        self.schedule(self.now + 1, Event::ChangeVoters);
                    }
                    if i == 0 && self.lossy && self.rng.chance(40) {
                        let v = self.seq;
                        self.schedule(self.now + 1, Event::Propose(v));
                    }
                }
                Event::Deliver(envelope) => {
                    let i = Self::index_of(envelope.to);
                    if let Some(node) = self.nodes[i].as_mut() {
                        node.step(envelope);
                        self.process_ready(i);
                    }
                }
                Event::Propose(v) => {
                    // Try the nodes from a random one on, as a forwarding broker finds the leader.
                    let start = self.rng.below(IDS.len() as u64) as usize;
                    for k in 0..IDS.len() {
                        let i = (start + k) % IDS.len();
                        let Some(node) = self.nodes[i].as_mut() else {
                            continue;
                        };
                        let accepted = node.propose(Value::Client(v));
                        if let Ok((index, term)) = accepted {
                            self.pending.insert(v, (i, index, term));
                            self.process_ready(i);
                            break;
                        }
                    }
                }
                Event::ChangeVoters => {
                    let leader = self
                        .nodes
                        .iter()
                        .position(|n| n.as_ref().is_some_and(|n| n.role() == Role::Leader));
                    if let Some(i) = leader {
                        let node = self.nodes[i].as_mut().expect("leader runs");
                        // In half the seeds the leader first replicates to the non-voters as
                        // learners (the driver's catch-up before an add).
                        if self.seed.is_multiple_of(2) {
                            for id in IDS {
                                if !node.voters().contains(&id) {
                                    node.add_learner(id);
                                }
                            }
                        }
                        let mut voters = node.voters().to_vec();
                        if voters.len() < IDS.len() {
                            let missing = IDS.iter().find(|id| !voters.contains(id));
                            voters.push(*missing.expect("a node is not a voter"));
                        } else {
                            let k = self.rng.below(voters.len() as u64) as usize;
                            voters.remove(k);
                        }
                        if node.propose_voters(voters).is_ok() {
                            self.process_ready(i);
                        }
                    }
                }
                Event::Crash(i) => {
                    self.nodes[i] = None;
                    self.applied[i] = 0;
                    self.pending.retain(|_, p| p.0 != i);
                }
                Event::Restart(i) => {
                    if self.nodes[i].is_none() {
                        let node = self.boot(i);
                        self.nodes[i] = Some(node);
                        self.process_ready(i);
                    }
                }
                Event::Isolate(i) => self.isolated = Some(i),
                Event::Heal => self.isolated = None,
            }
        }
    }

    fn maybe_fault(&mut self) {
        if !self.rng.chance(3) {
            return;
        }
        let i = self.rng.below(IDS.len() as u64) as usize;
        let back = self.now + 50 + self.rng.below(600);
        if self.rng.chance(50) {
            if self.nodes[i].is_some() {
                self.schedule(self.now, Event::Crash(i));
                self.schedule(back, Event::Restart(i));
            }
        } else {
            self.schedule(self.now, Event::Isolate(i));
            self.schedule(back, Event::Heal);
        }
    }

    fn check_converged(&mut self) {
        // Only the final voters must converge: a removed node hears from no leader.
        let voters = last_voters(&self.committed).unwrap_or_else(|| CONFIGURED.to_vec());
        let commits: Vec<u64> = self
            .nodes
            .iter()
            .map(|n| n.as_ref().unwrap())
            .filter(|n| voters.contains(&n.id()))
            .map(|n| n.commit_index())
            .collect();
        if commits.iter().any(|c| *c != commits[0]) || (commits[0] as usize) < self.committed.len()
        {
            let states: Vec<String> = self
                .nodes
                .iter()
                .flatten()
                .map(|n| {
                    format!(
                        "{}: {:?} term {} voters {:?} commit {} last {} matches {:?}",
                        n.id(),
                        n.role(),
                        n.term(),
                        n.voters(),
                        n.commit_index(),
                        n.last_index(),
                        n.match_indexes()
                    )
                })
                .collect();
            self.fail(format!(
                "no convergence after healing: commit indexes {commits:?}, history {}; {states:#?}",
                self.committed.len()
            ));
        }
        for node in self.nodes.iter().flatten() {
            if !voters.contains(&node.id()) {
                continue;
            }
            if (node.last_index() as usize) < self.committed.len()
                || !self.agrees_with_history(node)
            {
                self.fail(format!(
                    "node {} disagrees with the committed history",
                    node.id()
                ));
            }
        }
        let mut seen = BTreeMap::new();
        for (i, e) in self.committed.iter().enumerate() {
            if let Value::Client(v) = e.payload {
                if seen.insert(v, i as u64 + 1).is_some() {
                    self.fail(format!("value {v} committed twice"));
                }
            }
        }
        for (v, index) in &self.acknowledged {
            if seen.get(v) != Some(index) {
                self.fail(format!(
                    "acknowledged value {v} at {index} is not in the history there"
                ));
            }
        }
    }
}

fn run_seed(seed: u64) -> (usize, usize, usize, usize, usize) {
    let mut sim = Sim::new(seed);
    sim.run_until(3_000, true);
    // Heal everything, restart the crashed, stop losing messages, and let the quorum settle.
    let heal_at = sim.now + 1;
    sim.schedule(heal_at, Event::Heal);
    for i in 0..IDS.len() {
        sim.schedule(heal_at, Event::Restart(i));
    }
    sim.lossy = false;
    // Proposals stop; one last one must commit once a leader is back.
    for k in 0..20 {
        sim.schedule(heal_at + 300 + k * 20, Event::Propose(u64::MAX - k));
    }
    sim.run_until(heal_at + 1_500, false);
    sim.check_converged();
    if !sim.acknowledged.keys().any(|v| *v > u64::MAX - 20) {
        sim.fail("no proposal committed after healing".into());
    }
    (
        sim.committed.len(),
        sim.acknowledged.len(),
        sim.compactions,
        sim.installs,
        sim.committed
            .iter()
            .filter(|e| matches!(e.payload, Value::Voters(_)))
            .count(),
    )
}

#[test]
fn quorum_survives_crashes_partitions_and_loss_over_many_seeds() {
    let first: u64 = std::env::var("KBOX_RAFT_FIRST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let seeds: u64 = std::env::var("KBOX_RAFT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    let (mut entries, mut acked, mut compactions, mut installs, mut changes) = (0, 0, 0, 0, 0);
    for seed in first..first + seeds {
        let (e, a, c, i, v) = run_seed(seed);
        entries += e;
        acked += a;
        compactions += c;
        installs += i;
        changes += v;
    }
    assert!(
        changes as u64 > seeds,
        "only {changes} committed voter changes"
    );
    // Snapshots are taken and shipped to lagging followers, not just possible.
    assert!(compactions as u64 > seeds, "only {compactions} snapshots");
    assert!(installs > 0, "no follower ever installed a snapshot");
    // The faults must not stop progress altogether: most proposals commit.
    assert!(
        acked as u64 > seeds * 10,
        "only {acked} acknowledged proposals over {seeds} seeds"
    );
    eprintln!(
        "{seeds} seeds: {entries} committed entries, {acked} acknowledged proposals, \
         {compactions} snapshots taken, {installs} installed from a leader, \
         {changes} voter changes committed"
    );
}

#[test]
fn the_checks_catch_a_planted_bug() {
    // Votes granted to candidates with stale logs elect leaders that lack committed entries.
    let caught = (0..200u64).find(|seed| {
        std::panic::catch_unwind(|| {
            let mut sim = Sim::with_votes(*seed, true);
            sim.run_until(3_000, true);
        })
        .is_err()
    });
    assert!(
        caught.is_some(),
        "no seed out of 200 noticed votes that ignore the log"
    );
}

#[test]
fn same_seed_same_history() {
    let a = Sim::new(7);
    drop(a);
    let run = |seed| {
        let mut sim = Sim::new(seed);
        sim.run_until(2_000, true);
        sim.committed.clone()
    };
    assert_eq!(run(42), run(42));
}

#[test]
fn sole_voter_leads_and_commits_at_once() {
    let mut raft: Raft<Value> = Raft::new(1, vec![1], TIMING, 1, (0, None), None, vec![], 0);
    assert_eq!(raft.role(), Role::Leader);
    let (index, term) = raft.propose(Value::Client(5)).unwrap();
    let ready = raft.take_ready();
    assert_eq!(ready.committed.len(), 2);
    assert_eq!(
        ready.committed[1],
        (
            index,
            Entry {
                term,
                payload: Value::Client(5)
            }
        )
    );
    assert_eq!(ready.hard_state, Some((1, Some(1))));
}

#[test]
fn one_voter_change_at_a_time_and_learners_never_count() {
    let mut raft: Raft<Value> = Raft::new(1, vec![1], TIMING, 1, (0, None), None, vec![], 0);
    raft.take_ready();
    // A learner is replicated to but is no part of a majority: the sole voter still commits.
    raft.add_learner(2);
    let ready = raft.take_ready();
    assert!(ready.messages.iter().any(|m| m.to == 2));
    let (index, _) = raft.propose(Value::Client(1)).unwrap();
    assert_eq!(raft.commit_index(), index);
    // Adding 2 makes {1, 2} the voters at once: the change commits only when 2 answers.
    raft.propose_voters(vec![1, 2]).unwrap();
    assert!(raft.voter_change_pending());
    assert_eq!(
        raft.propose_voters(vec![1, 2, 3]),
        Err(VotersChangeRefused::Busy)
    );
    assert_eq!(raft.propose_voters(vec![3]), Err(VotersChangeRefused::Busy));
}
