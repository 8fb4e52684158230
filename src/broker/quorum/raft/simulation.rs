//! Deterministic simulation of a 3-voter quorum: one seeded scheduler decides every tick,
//! delivery delay, loss, duplicate, crash, restart and network partition. The same seed
//! always replays the same history, so a failing seed is a reproducible bug report.
//!
//! Checked on every step: at most one leader per term; a new leader holds every committed
//! entry; every node's committed entries agree with the one committed history (never lost,
//! never reordered, never replaced). At the end the network heals and every node must
//! converge on the same committed log containing every acknowledged proposal exactly once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::*;

#[derive(Debug, Clone, PartialEq)]
enum Value {
    LeaderChange(NodeId, u64),
    Client(u64),
}

impl Payload for Value {
    fn leader_change(leader: NodeId, term: u64) -> Self {
        Value::LeaderChange(leader, term)
    }
}

#[derive(Debug, Clone)]
enum Event {
    Tick(usize),
    Deliver(Envelope<Value>),
    Propose(u64),
    Crash(usize),
    Restart(usize),
    Isolate(usize),
    Heal,
}

/// What survives a crash.
#[derive(Debug, Default, Clone)]
struct Disk {
    hard: (u64, Option<NodeId>),
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

const IDS: [NodeId; 3] = [1, 2, 3];
const TIMING: Timing = Timing {
    election_ticks: 10,
    heartbeat_ticks: 2,
};
const TICK: u64 = 10;

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
        let mut raft = Raft::new(
            IDS[i],
            IDS.to_vec(),
            TIMING,
            self.seed.wrapping_add(self.rng.next()),
            disk.hard,
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

    /// Persists, then sends, then applies, as the driver does.
    fn process_ready(&mut self, i: usize) {
        let Some(node) = self.nodes[i].as_mut() else {
            return;
        };
        let ready = node.take_ready();
        let (term, role, id) = (node.term(), node.role(), node.id());
        let log_now: Vec<Entry<Value>> = node.log().to_vec();
        if let Some(hard) = ready.hard_state {
            self.disks[i].hard = hard;
        }
        if let Some(first) = ready.first_changed {
            let disk = &mut self.disks[i].log;
            disk.truncate(first as usize - 1);
            disk.extend(ready.entries);
        }
        if self.disks[i].log != log_now {
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
                    if log_now.len() < self.committed.len()
                        || log_now[..self.committed.len()] != self.committed[..]
                    {
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
        for (index, entry) in ready.committed {
            if index != self.applied[i] + 1 {
                self.fail(format!(
                    "node {id} applied index {index} after {}",
                    self.applied[i]
                ));
            }
            self.applied[i] = index;
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
        let commits: Vec<u64> = self
            .nodes
            .iter()
            .map(|n| n.as_ref().unwrap().commit_index())
            .collect();
        if commits.iter().any(|c| *c != commits[0]) || (commits[0] as usize) < self.committed.len()
        {
            self.fail(format!(
                "no convergence after healing: commit indexes {commits:?}, history {}",
                self.committed.len()
            ));
        }
        for node in self.nodes.iter().flatten() {
            if node.log()[..self.committed.len()] != self.committed[..] {
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

fn run_seed(seed: u64) -> (usize, usize) {
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
    (sim.committed.len(), sim.acknowledged.len())
}

#[test]
fn quorum_survives_crashes_partitions_and_loss_over_many_seeds() {
    let seeds: u64 = std::env::var("KBOX_RAFT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    let (mut entries, mut acked) = (0, 0);
    for seed in 0..seeds {
        let (e, a) = run_seed(seed);
        entries += e;
        acked += a;
    }
    // The faults must not stop progress altogether: most proposals commit.
    assert!(
        acked as u64 > seeds * 10,
        "only {acked} acknowledged proposals over {seeds} seeds"
    );
    eprintln!("{seeds} seeds: {entries} committed entries, {acked} acknowledged proposals");
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
    let mut raft: Raft<Value> = Raft::new(1, vec![1], TIMING, 1, (0, None), vec![], 0);
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
