//! What the active controller decides: broker registration, fencing after
//! `broker.session.timeout.ms` without heartbeats, unfencing once caught up, and where new
//! partitions' replicas go. Every decision is a metadata record committed through the quorum.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::rpc::{self, BrokerHeartbeat, Wire};
use crate::broker::metadata::{BrokerEndpoint, MetadataImage, MetadataRecord};
use crate::broker::BrokerState;

/// A record about a broker is not proposed again within this time (it is being committed).
const REPROPOSE_AFTER: Duration = Duration::from_secs(1);

/// Handles a broker's heartbeat at the leader: registers it, or unfences it once it has
/// applied everything the leader has. `None` when this node does not lead; else whether the
/// broker is fenced now.
pub fn on_heartbeat(state: &BrokerState, heartbeat: &BrokerHeartbeat) -> Option<bool> {
    let quorum = &state.quorum;
    let leader_applied = quorum.applied_index();
    let registration = state.image().brokers.get(&heartbeat.id).cloned();
    let caught_up = heartbeat.applied >= leader_applied;
    let record = match &registration {
        Some(r) if heartbeat.shutting_down && !r.fenced => {
            Some(MetadataRecord::FenceBroker { id: heartbeat.id })
        }
        _ if heartbeat.shutting_down => None,
        None => Some(MetadataRecord::RegisterBroker {
            id: heartbeat.id,
            endpoints: heartbeat.endpoints.clone(),
            rack: heartbeat.rack.clone(),
            fenced: !caught_up,
        }),
        Some(r) if r.endpoints != heartbeat.endpoints || r.rack != heartbeat.rack => {
            Some(MetadataRecord::RegisterBroker {
                id: heartbeat.id,
                endpoints: heartbeat.endpoints.clone(),
                rack: heartbeat.rack.clone(),
                fenced: !caught_up,
            })
        }
        Some(r) if r.fenced && caught_up => {
            Some(MetadataRecord::UnfenceBroker { id: heartbeat.id })
        }
        Some(_) => None,
    };
    let propose = quorum.with_leader_books(|books| {
        let now = Instant::now();
        books.heartbeats.insert(heartbeat.id, now);
        let recent = !heartbeat.shutting_down
            && books
                .proposed
                .get(&heartbeat.id)
                .is_some_and(|t| now.duration_since(*t) < REPROPOSE_AFTER);
        if record.is_some() && !recent {
            books.proposed.insert(heartbeat.id, now);
            true
        } else {
            false
        }
    })?;
    if propose {
        if let Some(record) = record {
            tracing::info!(?record, "broker liveness");
            let _ = quorum.propose_local(vec![record]);
        }
    }
    Some(registration.map(|r| r.fenced).unwrap_or(true))
}

/// At the leader: fences every unfenced broker silent for longer than the session timeout.
/// A new leader gives every broker a full session from its election.
pub fn fence_silent_brokers(state: &BrokerState) {
    let quorum = &state.quorum;
    let session = Duration::from_millis(state.config.broker_session_timeout_ms.max(1) as u64);
    let live: Vec<i32> = state.image().live_brokers().map(|b| b.id).collect();
    let to_fence = quorum.with_leader_books(|books| {
        let now = Instant::now();
        let mut fence = Vec::new();
        for id in live {
            let last = books
                .heartbeats
                .get(&id)
                .copied()
                .unwrap_or(books.leader_since)
                .max(books.leader_since);
            let recent = books
                .proposed
                .get(&id)
                .is_some_and(|t| now.duration_since(*t) < REPROPOSE_AFTER);
            if now.duration_since(last) > session && !recent {
                books.proposed.insert(id, now);
                fence.push(id);
            }
        }
        fence
    });
    for id in to_fence.unwrap_or_default() {
        tracing::info!(
            broker = id,
            "fencing broker: no heartbeat within broker.session.timeout.ms"
        );
        let _ = quorum.propose_local(vec![MetadataRecord::FenceBroker { id }]);
    }
}

/// A broker setting as the controller sees it: a dynamic per-node value, else the dynamic
/// cluster default, else this node's static config.
fn broker_setting(state: &BrokerState, image: &MetadataImage, key: &str) -> Option<String> {
    image
        .broker_configs
        .get(&Some(state.node_id))
        .and_then(|c| c.get(key))
        .or_else(|| image.broker_configs.get(&None).and_then(|c| c.get(key)))
        .cloned()
        .or_else(|| {
            state.config.value(key).map(|v| match v {
                crate::broker::config::ConfigValue::Boolean(b) => b.to_string(),
                other => other.as_i64().map(|n| n.to_string()).unwrap_or_default(),
            })
        })
}

/// At the leader, every check tick: unclean elections for leaderless partitions whose topic
/// (or the broker default) enables `unclean.leader.election.enable`, completed reassignments,
/// and, when `rebalance_due`, the automatic preferred-leader rebalance.
pub fn leadership_checks(state: &BrokerState, rebalance_due: bool) {
    if state.quorum.with_leader_books(|_| ()).is_none() {
        return;
    }
    let records = {
        let image = state.image();
        let default_unclean = broker_setting(state, &image, "unclean.leader.election.enable")
            .as_deref()
            == Some("true");
        let mut records = super::elections::unclean_elections(&image, |configs| {
            configs
                .get("unclean.leader.election.enable")
                .map_or(default_unclean, |v| v == "true")
        });
        records.extend(super::elections::reassignment_steps(&image));
        let rebalance = broker_setting(state, &image, "auto.leader.rebalance.enable").as_deref()
            != Some("false");
        if rebalance_due && rebalance {
            let percentage =
                broker_setting(state, &image, "leader.imbalance.per.broker.percentage")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(10);
            records.extend(super::elections::rebalance_elections(&image, percentage));
        }
        records
    };
    if !records.is_empty() {
        tracing::info!(?records, "partition leadership changes");
        let _ = state.quorum.propose_local(records);
    }
}

/// This broker's heartbeat.
pub fn heartbeat_of(state: &BrokerState) -> BrokerHeartbeat {
    BrokerHeartbeat {
        id: state.node_id,
        endpoints: state
            .endpoints
            .iter()
            .map(|e| BrokerEndpoint {
                listener: e.listener.clone(),
                host: e.host.clone(),
                port: e.port,
            })
            .collect(),
        rack: state.config.broker_rack.clone(),
        applied: state.quorum.applied_index(),
        shutting_down: state
            .shutting_down
            .load(std::sync::atomic::Ordering::Acquire),
    }
}

/// On a clean shutdown of a broker in a multi-node cluster: asks the active controller to fence
/// this broker at once, so clients stop using it before the session timeout (bounded wait).
/// From now on every heartbeat asks the same. False when there is no one to ask (a single node).
pub async fn announce_shutdown(state: &BrokerState) -> bool {
    let quorum = &state.quorum;
    if !state.config.is_broker() || (quorum.voter_ids().len() < 2 && !quorum.is_observer()) {
        return false;
    }
    state
        .shutting_down
        .store(true, std::sync::atomic::Ordering::Release);
    let beat = heartbeat_of(state);
    if on_heartbeat(state, &beat).is_some() {
        return true;
    }
    if let Some(address) = quorum.leader().and_then(|l| quorum.address_of(l)) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            rpc::call(&quorum.transport, &address, &Wire::Heartbeat(beat)),
        )
        .await;
    }
    true
}

/// Waits (up to `timeout`) until this node has applied its own fencing, or leads nothing that
/// another live in-sync replica could take over (the last broker of a cluster stopping: its
/// fencing cannot commit without a majority and would move nothing). True unless timed out.
pub async fn wait_until_fenced(state: &BrokerState, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let me = state.node_id;
    loop {
        let handed_over = {
            let image = state.image();
            let fenced = image.brokers.get(&me).is_none_or(|b| b.fenced);
            let live: Vec<i32> = image
                .live_brokers()
                .map(|b| b.id)
                .filter(|&id| id != me)
                .collect();
            fenced
                || !image
                    .topics
                    .values()
                    .flat_map(|t| t.partitions.iter())
                    .any(|p| p.leader == me && p.isr.iter().any(|id| live.contains(id)))
        };
        if handed_over || Instant::now() >= deadline {
            return handed_over;
        }
        // Metadata is applied by another task; ask again shortly.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The quorum's clock, the leader's fencing checks, and this broker's heartbeats.
pub async fn run(
    state: Arc<BrokerState>,
    mut shutdown: watch::Receiver<bool>,
) -> crate::Result<()> {
    let quorum = &state.quorum;
    let mut tick = tokio::time::interval(super::node::TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let interval = Duration::from_millis(state.config.broker_heartbeat_interval_ms.max(10) as u64);
    let mut heartbeat = tokio::time::interval(interval);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut fence_check = tokio::time::interval(Duration::from_millis(250));
    let rebalance_every = Duration::from_secs(
        state
            .config
            .value("leader.imbalance.check.interval.seconds")
            .and_then(|v| v.as_i64())
            .unwrap_or(300)
            .max(1) as u64,
    );
    let mut next_rebalance = Instant::now() + rebalance_every;
    if quorum.is_observer() {
        let (state, mut shutdown) = (state.clone(), shutdown.clone());
        tokio::spawn(async move {
            loop {
                if state.quorum.observer_fetch().await {
                    continue;
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = shutdown.changed() => return,
                }
            }
        });
    }
    if quorum.is_dynamic() && state.config.is_controller() {
        // Until it is a voter, a controller asks the leader to replicate to it.
        let (state, mut shutdown) = (state.clone(), shutdown.clone());
        tokio::spawn(async move {
            loop {
                state.quorum.join_if_learner().await;
                tokio::select! {
                    _ = tokio::time::sleep(super::node::JOIN_INTERVAL) => {}
                    _ = shutdown.changed() => return,
                }
            }
        });
    }
    let is_broker = state.config.is_broker();
    loop {
        tokio::select! {
            _ = tick.tick() => quorum.tick(),
            _ = fence_check.tick() => {
                fence_silent_brokers(&state);
                let rebalance_due = Instant::now() >= next_rebalance;
                if rebalance_due {
                    next_rebalance = Instant::now() + rebalance_every;
                }
                leadership_checks(&state, rebalance_due);
            }
            _ = heartbeat.tick(), if is_broker => {
                let beat = heartbeat_of(&state);
                if on_heartbeat(&state, &beat).is_none() {
                    if let Some(address) = quorum.leader().and_then(|l| quorum.address_of(l)) {
                        // Sent without waiting here: a slow controller must not stop the clock.
                        let transport = quorum.transport.clone();
                        tokio::spawn(async move {
                            if let Ok(Wire::HeartbeatReply { fenced: true }) = rpc::call(&transport, &address, &Wire::Heartbeat(beat)).await {
                                tracing::debug!("this broker is fenced");
                            }
                        });
                    }
                }
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

/// Kafka's replica placement: brokers ordered rack by rack alternately (when racks are set),
/// the first replica of partition `p` on broker `(start + p) % n`, the others shifted so that
/// followers spread as well. `start` is random for a new topic; `first_partition` lets added
/// partitions continue the pattern.
pub fn place_replicas(
    image: &MetadataImage,
    fallback_broker: i32,
    partitions: i32,
    replication_factor: usize,
    first_partition: i32,
    start: usize,
) -> Result<Vec<Vec<i32>>, String> {
    let mut live: Vec<(i32, Option<String>)> = image
        .live_brokers()
        .map(|b| (b.id, b.rack.clone()))
        .collect();
    if live.is_empty() {
        // Before this node's own registration commits (start-up of a single node).
        live.push((fallback_broker, None));
    }
    if replication_factor > live.len() {
        return Err(format!(
            "Unable to replicate the partition {replication_factor} time(s): The target replication factor of {replication_factor} cannot be reached because only {} broker(s) are registered.",
            live.len()
        ));
    }
    let brokers = rack_alternated(live);
    let n = brokers.len();
    let rack_count = brokers
        .iter()
        .map(|(_, r)| r.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let racks_set = brokers.iter().any(|(_, r)| r.is_some());
    let mut out = Vec::new();
    for i in 0..partitions {
        let p = (first_partition + i) as usize;
        let first = (start + p) % n;
        let shift = if n > 1 { (start + p / n) % (n - 1) } else { 0 };
        let mut chosen = vec![first];
        for j in 0..replication_factor.saturating_sub(1) {
            let mut k = (first + 1 + (shift + j) % (n - 1)) % n;
            // Skip brokers already holding a replica, and racks already used while an unused
            // rack remains (Kafka's rack-aware rule).
            for _ in 0..n {
                let used_racks: std::collections::BTreeSet<&Option<String>> =
                    chosen.iter().map(|c| &brokers[*c].1).collect();
                let rack_taken = racks_set
                    && used_racks.len() < rack_count
                    && used_racks.contains(&brokers[k].1);
                if !chosen.contains(&k) && !rack_taken {
                    break;
                }
                k = (k + 1) % n;
            }
            chosen.push(k);
        }
        out.push(chosen.into_iter().map(|c| brokers[c].0).collect());
    }
    Ok(out)
}

/// Broker ids sorted, then interleaved by rack (Kafka's `getRackAlternatedBrokerList`), so
/// consecutive positions are on different racks and replicas of a partition spread over racks.
fn rack_alternated(mut brokers: Vec<(i32, Option<String>)>) -> Vec<(i32, Option<String>)> {
    brokers.sort();
    if brokers.iter().all(|(_, r)| r.is_none()) {
        return brokers;
    }
    let mut racks: std::collections::BTreeMap<Option<String>, std::collections::VecDeque<i32>> =
        Default::default();
    for (id, rack) in brokers {
        racks.entry(rack).or_default().push_back(id);
    }
    let mut out = Vec::new();
    while racks.values().any(|q| !q.is_empty()) {
        for (rack, q) in racks.iter_mut() {
            if let Some(id) = q.pop_front() {
                out.push((id, rack.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::metadata::BrokerRegistration;

    fn image(brokers: &[(i32, Option<&str>, bool)]) -> MetadataImage {
        let mut image = MetadataImage::default();
        for (id, rack, fenced) in brokers {
            image.brokers.insert(
                *id,
                BrokerRegistration {
                    id: *id,
                    endpoints: vec![],
                    rack: rack.map(String::from),
                    fenced: *fenced,
                },
            );
        }
        image
    }

    #[test]
    fn replicas_spread_over_live_brokers_and_racks() {
        let three = image(&[
            (1, None, false),
            (2, None, false),
            (3, None, false),
            (4, None, true),
        ]);
        let placed = place_replicas(&three, 1, 6, 3, 0, 0).unwrap();
        for replicas in &placed {
            let mut sorted = replicas.clone();
            sorted.sort();
            assert_eq!(sorted, [1, 2, 3], "fenced broker 4 never gets a replica");
        }
        // Leaders (first replicas) rotate over the brokers.
        let leaders: Vec<i32> = placed.iter().map(|r| r[0]).collect();
        assert_eq!(leaders, [1, 2, 3, 1, 2, 3]);
        assert!(place_replicas(&three, 1, 1, 4, 0, 0)
            .unwrap_err()
            .contains("only 3 broker(s)"));

        let racks = image(&[
            (1, Some("a"), false),
            (2, Some("a"), false),
            (3, Some("b"), false),
            (4, Some("b"), false),
        ]);
        for replicas in place_replicas(&racks, 1, 8, 2, 0, 3).unwrap() {
            let rack = |id: i32| if id <= 2 { "a" } else { "b" };
            assert_ne!(
                rack(replicas[0]),
                rack(replicas[1]),
                "two replicas on one rack: {replicas:?}"
            );
        }
        // No registration yet: the node itself.
        assert_eq!(
            place_replicas(&MetadataImage::default(), 7, 2, 1, 0, 5).unwrap(),
            [[7], [7]]
        );
    }
}
