//! Client quotas (KIP-13, KIP-124, KIP-546): byte rates and request-time shares per user and
//! client id, and connection creation rates per IP.
//!
//! Quotas are set through AlterClientQuotas (`kbox configs --entity-type users|clients|ips`)
//! and live in the metadata log. Each (user, client id) pair gets its own rate sensor over
//! `quota.window.num` windows of `quota.window.size.seconds`; when the observed rate passes the
//! quota, the broker answers with `throttle_time_ms` and stops reading from that connection for
//! that long (KIP-219), so a client that ignores the hint is slowed all the same.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The quota keys Kafka knows, with the entity types each one applies to.
pub const PRODUCER_BYTE_RATE: &str = "producer_byte_rate";
pub const CONSUMER_BYTE_RATE: &str = "consumer_byte_rate";
pub const REQUEST_PERCENTAGE: &str = "request_percentage";
pub const CONTROLLER_MUTATION_RATE: &str = "controller_mutation_rate";
pub const CONNECTION_CREATION_RATE: &str = "connection_creation_rate";

/// Entity types.
pub const USER: &str = "user";
pub const CLIENT_ID: &str = "client-id";
pub const IP: &str = "ip";

/// A quota entity: entity type -> name (`None` is the default entity), e.g.
/// `{user: alice, client-id: <default>}`. Sorted, so it can key a map.
pub type Entity = Vec<(String, Option<String>)>;

/// Checks an entity and a key as Kafka does; the error is Kafka's kind of message.
pub fn validate(entity: &Entity, key: &str, value: Option<f64>) -> Result<(), String> {
    if entity.is_empty() {
        return Err("Invalid empty client quota entity".into());
    }
    let types: Vec<&str> = entity.iter().map(|(t, _)| t.as_str()).collect();
    for t in &types {
        if ![USER, CLIENT_ID, IP].contains(t) {
            return Err(format!("Unhandled client quota entity type: {t}"));
        }
    }
    let mut unique = types.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != types.len() {
        return Err("Duplicate entity type in client quota entity".into());
    }
    let is_ip = types.contains(&IP);
    if is_ip && types.len() > 1 {
        return Err("Invalid quota entity combination, IP entity should not be combined with User or ClientId".into());
    }
    let allowed: &[&str] = if is_ip {
        &[CONNECTION_CREATION_RATE]
    } else {
        &[
            PRODUCER_BYTE_RATE,
            CONSUMER_BYTE_RATE,
            REQUEST_PERCENTAGE,
            CONTROLLER_MUTATION_RATE,
        ]
    };
    if !allowed.contains(&key) {
        return Err(format!("Invalid configuration key {key}"));
    }
    if let Some(v) = value {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!(
                "Invalid value {v} for configuration {key}: Value must be positive"
            ));
        }
        if key != REQUEST_PERCENTAGE && v.fract() != 0.0 {
            return Err(format!(
                "Invalid value {v} for configuration {key}: Not an integer"
            ));
        }
    }
    if let Some((_, Some(ip))) = entity.iter().find(|(t, _)| t == IP) {
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(format!("{ip} is not a valid IP"));
        }
    }
    Ok(())
}

/// Sorts an entity into its canonical form.
pub fn canonical(mut entity: Entity) -> Entity {
    entity.sort();
    entity
}

/// The quota that applies to a (user, client id) pair, with Kafka's precedence: the most
/// specific of user+client, user+default client, user, default user+client, default
/// user+default client, default user, client, default client.
pub fn lookup(
    quotas: &BTreeMap<Entity, BTreeMap<String, f64>>,
    user: &str,
    client_id: &str,
    key: &str,
) -> Option<f64> {
    let u = |n: Option<&str>| (USER.to_string(), n.map(String::from));
    let c = |n: Option<&str>| (CLIENT_ID.to_string(), n.map(String::from));
    let candidates: [Entity; 8] = [
        vec![c(Some(client_id)), u(Some(user))],
        vec![c(None), u(Some(user))],
        vec![u(Some(user))],
        vec![c(Some(client_id)), u(None)],
        vec![c(None), u(None)],
        vec![u(None)],
        vec![c(Some(client_id))],
        vec![c(None)],
    ];
    candidates.iter().find_map(|e| {
        quotas
            .get(&canonical(e.clone()))
            .and_then(|values| values.get(key))
            .copied()
    })
}

/// The quota on new connections from one IP: its own, else the default IP quota.
pub fn ip_lookup(quotas: &BTreeMap<Entity, BTreeMap<String, f64>>, ip: &str) -> Option<f64> {
    [Some(ip.to_string()), None].into_iter().find_map(|name| {
        quotas
            .get(&vec![(IP.to_string(), name)])
            .and_then(|v| v.get(CONNECTION_CREATION_RATE))
            .copied()
    })
}

/// A rate over a few sliding windows (Kafka's `Rate` with `SampledStat`).
#[derive(Debug)]
struct Sensor {
    /// `(window start, amount)`, oldest first.
    windows: VecDeque<(Instant, f64)>,
}

impl Sensor {
    /// Records `amount` at `now`; returns the rate per second over the live windows and the
    /// time span they cover.
    fn record(
        &mut self,
        amount: f64,
        now: Instant,
        window: Duration,
        windows: usize,
    ) -> (f64, Duration) {
        match self.windows.back_mut() {
            Some((start, total)) if now.duration_since(*start) < window => *total += amount,
            _ => self.windows.push_back((now, amount)),
        }
        let horizon = window * windows as u32;
        while self
            .windows
            .front()
            .is_some_and(|(start, _)| now.duration_since(*start) >= horizon)
        {
            self.windows.pop_front();
        }
        let total: f64 = self.windows.iter().map(|(_, a)| a).sum();
        // As Kafka's Rate: the time since the oldest window began, counted as at least
        // `windows - 1` full windows, so a first burst is spread over the whole horizon.
        let mut span = self
            .windows
            .front()
            .map_or(Duration::ZERO, |(start, _)| now.duration_since(*start));
        let full = (span.as_nanos() / window.as_nanos().max(1)) as u32;
        let min_full = windows.saturating_sub(1) as u32;
        if full < min_full {
            span += window * (min_full - full);
        }
        let span = span.max(window);
        (total / span.as_secs_f64(), span)
    }
}

/// The broker's quota sensors.
#[derive(Debug)]
pub struct QuotaManager {
    window: Duration,
    windows: usize,
    sensors: Mutex<HashMap<(&'static str, String, String), Sensor>>,
}

impl QuotaManager {
    pub fn new(window: Duration, windows: usize) -> QuotaManager {
        QuotaManager {
            window: window.max(Duration::from_millis(1)),
            windows: windows.max(1),
            sensors: Mutex::default(),
        }
    }

    /// Records `amount` (bytes, or handler milliseconds for `request_percentage`) for a pair
    /// under `quota`; returns how long to throttle it (zero when within the quota).
    pub fn record(
        &self,
        key: &'static str,
        user: &str,
        client_id: &str,
        amount: f64,
        quota: f64,
    ) -> Duration {
        let now = Instant::now();
        let mut sensors = self.sensors.lock().unwrap_or_else(|e| e.into_inner());
        let sensor = sensors
            .entry((key, user.to_string(), client_id.to_string()))
            .or_insert_with(|| Sensor {
                windows: VecDeque::new(),
            });
        let (mut rate, span) = sensor.record(amount, now, self.window, self.windows);
        if key == REQUEST_PERCENTAGE {
            // Milliseconds of handler time per second, as a percentage of one thread.
            rate /= 10.0;
        }
        throttle_time(rate, quota, span, self.window * self.windows as u32)
    }

    /// Takes back an amount recorded by [`QuotaManager::record`].
    pub fn unrecord(&self, key: &'static str, user: &str, client_id: &str, amount: f64) {
        let mut sensors = self.sensors.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sensor) = sensors.get_mut(&(key, user.to_string(), client_id.to_string())) {
            if let Some((_, total)) = sensor.windows.back_mut() {
                *total = (*total - amount).max(0.0);
            }
        }
    }

    /// Forgets sensors idle for a whole horizon (called from the background task).
    pub fn expire_idle(&self) {
        let horizon = self.window * self.windows as u32;
        let now = Instant::now();
        let mut sensors = self.sensors.lock().unwrap_or_else(|e| e.into_inner());
        sensors.retain(|_, s| {
            s.windows
                .back()
                .is_some_and(|(start, _)| now.duration_since(*start) < horizon)
        });
    }
}

/// Kafka's throttle time: how long until the observed rate falls back to the quota,
/// `(rate - quota) / quota * span`, at most one full horizon.
pub fn throttle_time(rate: f64, quota: f64, span: Duration, max: Duration) -> Duration {
    if quota <= 0.0 || rate <= quota {
        return Duration::ZERO;
    }
    let secs = (rate - quota) / quota * span.as_secs_f64();
    Duration::from_secs_f64(secs.min(max.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(pairs: &[(&str, Option<&str>)]) -> Entity {
        canonical(
            pairs
                .iter()
                .map(|(t, n)| (t.to_string(), n.map(String::from)))
                .collect(),
        )
    }

    #[test]
    fn precedence_is_kafkas() {
        let mut q: BTreeMap<Entity, BTreeMap<String, f64>> = BTreeMap::new();
        let mut set = |e: Entity, v: f64| {
            q.entry(e).or_default().insert(PRODUCER_BYTE_RATE.into(), v);
        };
        set(entity(&[(CLIENT_ID, None)]), 1.0);
        set(entity(&[(CLIENT_ID, Some("app"))]), 2.0);
        set(entity(&[(USER, None)]), 3.0);
        set(entity(&[(USER, Some("alice"))]), 4.0);
        set(
            entity(&[(USER, Some("alice")), (CLIENT_ID, Some("app"))]),
            5.0,
        );
        assert_eq!(lookup(&q, "alice", "app", PRODUCER_BYTE_RATE), Some(5.0));
        assert_eq!(lookup(&q, "alice", "other", PRODUCER_BYTE_RATE), Some(4.0));
        assert_eq!(
            lookup(&q, "bob", "app", PRODUCER_BYTE_RATE),
            Some(3.0),
            "default user beats a client id"
        );
        assert_eq!(lookup(&q, "bob", "app", CONSUMER_BYTE_RATE), None);
        q.remove(&entity(&[(USER, None)]));
        assert_eq!(lookup(&q, "bob", "app", PRODUCER_BYTE_RATE), Some(2.0));
        assert_eq!(lookup(&q, "bob", "x", PRODUCER_BYTE_RATE), Some(1.0));
    }

    #[test]
    fn validation_follows_kafka() {
        assert!(validate(
            &entity(&[(USER, Some("a"))]),
            PRODUCER_BYTE_RATE,
            Some(1024.0)
        )
        .is_ok());
        assert!(validate(
            &entity(&[(IP, Some("10.0.0.1"))]),
            CONNECTION_CREATION_RATE,
            Some(5.0)
        )
        .is_ok());
        assert!(validate(
            &entity(&[(IP, Some("nope"))]),
            CONNECTION_CREATION_RATE,
            Some(5.0)
        )
        .is_err());
        assert!(validate(
            &entity(&[(IP, None), (USER, None)]),
            CONNECTION_CREATION_RATE,
            Some(5.0)
        )
        .is_err());
        assert!(validate(
            &entity(&[(USER, None)]),
            CONNECTION_CREATION_RATE,
            Some(5.0)
        )
        .is_err());
        assert!(validate(&entity(&[(USER, None)]), PRODUCER_BYTE_RATE, Some(-1.0)).is_err());
        assert!(validate(&entity(&[(USER, None)]), PRODUCER_BYTE_RATE, Some(1.5)).is_err());
        assert!(validate(&entity(&[(USER, None)]), REQUEST_PERCENTAGE, Some(12.5)).is_ok());
        assert!(validate(&entity(&[("group", None)]), PRODUCER_BYTE_RATE, Some(1.0)).is_err());
    }

    #[test]
    fn throttle_grows_with_the_excess() {
        let m = QuotaManager::new(Duration::from_secs(1), 11);
        // 1000 B/s quota over 11 one-second windows (at least 10 s): 5,000 bytes are within
        // it, 10,000 more make 1,500 B/s: (1500 - 1000) / 1000 * 10 s = 5 s.
        assert_eq!(
            m.record(PRODUCER_BYTE_RATE, "u", "c", 5_000.0, 1000.0),
            Duration::ZERO
        );
        let t = m.record(PRODUCER_BYTE_RATE, "u", "c", 10_000.0, 1000.0);
        assert!(
            t >= Duration::from_millis(4_900) && t <= Duration::from_millis(5_100),
            "{t:?}"
        );
        // Another pair has its own sensor.
        assert_eq!(
            m.record(PRODUCER_BYTE_RATE, "u", "d", 500.0, 1000.0),
            Duration::ZERO
        );
        assert_eq!(
            throttle_time(
                3000.0,
                1000.0,
                Duration::from_secs(1),
                Duration::from_secs(11)
            ),
            Duration::from_secs(2)
        );
        assert_eq!(
            throttle_time(1e9, 1.0, Duration::from_secs(1), Duration::from_secs(11)),
            Duration::from_secs(11)
        );
        // Takes back what a throttled fetch did not send.
        m.unrecord(PRODUCER_BYTE_RATE, "u", "c", 10_000.0);
        assert_eq!(
            m.record(PRODUCER_BYTE_RATE, "u", "c", 0.0, 1000.0),
            Duration::ZERO
        );
    }
}
