//! Kafka's replication throttles (KIP-73), used while partitions are reassigned.
//!
//! Each side has a per-broker byte rate (`leader.replication.throttled.rate`,
//! `follower.replication.throttled.rate`, dynamic broker configs) and a per-topic list of the
//! replicas it holds to it (`leader.replication.throttled.replicas`,
//! `follower.replication.throttled.replicas`: `partition:broker` entries, or `*`). An entry
//! counts on the broker it names: the leader's entries name the replicas that serve data, the
//! follower's the replicas that fetch it. As in Kafka, only replicas outside the ISR are held
//! back, so a throttle never slows the replication of in-sync data; and the leader's rate is
//! shared by every follower fetching from it, the follower's by every leader it fetches from.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::broker::BrokerState;

/// Which end of replication a throttle applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Leader,
    Follower,
}

impl Side {
    fn rate_key(self) -> &'static str {
        match self {
            Side::Leader => "leader.replication.throttled.rate",
            Side::Follower => "follower.replication.throttled.rate",
        }
    }

    fn replicas_key(self) -> &'static str {
        match self {
            Side::Leader => "leader.replication.throttled.replicas",
            Side::Follower => "follower.replication.throttled.replicas",
        }
    }
}

/// One side's throttle as the metadata configures it on this broker: set only when the
/// broker has a rate.
pub struct Throttle {
    /// Bytes per second.
    pub rate: u64,
    me: i32,
    /// Topic name to its throttled-replicas list, for topics that have one.
    replicas: HashMap<String, String>,
}

impl Throttle {
    /// The throttle of `side` on this broker: its own dynamic rate, else the cluster default.
    pub fn of(state: &BrokerState, side: Side) -> Option<Throttle> {
        let image = state.image();
        let rate: u64 = image
            .broker_configs
            .get(&Some(state.node_id))
            .and_then(|c| c.get(side.rate_key()))
            .or_else(|| {
                image
                    .broker_configs
                    .get(&None)
                    .and_then(|c| c.get(side.rate_key()))
            })?
            .parse()
            .ok()?;
        let replicas = image
            .topics
            .values()
            .filter_map(|t| {
                let list = t.configs.get(side.replicas_key())?;
                (!list.trim().is_empty()).then(|| (t.name.clone(), list.clone()))
            })
            .collect();
        Some(Throttle {
            rate: rate.max(1),
            me: state.node_id,
            replicas,
        })
    }

    /// Does the topic's list name this broker's replica of `partition`?
    pub fn applies_to(&self, topic: &str, partition: i32) -> bool {
        let wanted = format!("{partition}:{}", self.me);
        self.replicas.get(topic).is_some_and(|list| {
            list.trim() == "*" || list.split(',').any(|entry| entry.trim() == wanted)
        })
    }
}

/// Bytes sent (or fetched) under one side's throttle: the time until they are paid off at the
/// rate. Over the rate means that time is still ahead.
#[derive(Debug, Default)]
pub struct RateMeter {
    paid_off_at: Mutex<Option<Instant>>,
}

impl RateMeter {
    /// How long until the bytes recorded so far fit the rate (zero when they already do).
    pub fn wait(&self) -> Duration {
        let paid = *self.paid_off_at.lock().unwrap_or_else(|e| e.into_inner());
        paid.map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        })
    }

    pub fn exceeded(&self) -> bool {
        !self.wait().is_zero()
    }

    /// Counts `bytes` against `rate` bytes per second.
    pub fn record(&self, bytes: u64, rate: u64) {
        if bytes == 0 {
            return;
        }
        let mut paid = self.paid_off_at.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let from = paid.map_or(now, |at| at.max(now));
        *paid = Some(from + Duration::from_secs_f64(bytes as f64 / rate.max(1) as f64));
    }
}

/// The broker's two meters.
#[derive(Debug, Default)]
pub struct ReplicationThrottles {
    pub leader: RateMeter,
    pub follower: RateMeter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meter_is_exceeded_until_the_bytes_fit_the_rate() {
        let meter = RateMeter::default();
        assert!(!meter.exceeded());
        meter.record(0, 10);
        assert!(!meter.exceeded());
        // 1,000 bytes at 1,000 B/s: about a second ahead.
        meter.record(1_000, 1_000);
        let wait = meter.wait();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        // More bytes add to what is still owed.
        meter.record(500, 1_000);
        assert!(meter.wait() > Duration::from_millis(1_400));
        // A high rate pays off at once.
        let fast = RateMeter::default();
        fast.record(1, u64::MAX);
        assert!(fast.wait() <= Duration::from_millis(1));
    }

    #[test]
    fn a_list_names_replicas_on_this_broker_or_all_of_them() {
        let throttle = Throttle {
            rate: 1,
            me: 2,
            replicas: HashMap::from([
                ("a".to_string(), "0:1, 1:2".to_string()),
                ("b".to_string(), " * ".to_string()),
            ]),
        };
        assert!(throttle.applies_to("a", 1));
        assert!(!throttle.applies_to("a", 0));
        assert!(throttle.applies_to("b", 7));
        assert!(!throttle.applies_to("c", 0));
    }
}
