//! Connection limits, as Kafka's `ConnectionQuotas`: `max.connections` (the acceptor waits for
//! a free slot), `max.connections.per.ip` with `max.connections.per.ip.overrides` (an extra
//! connection from a full address is closed at once), `max.connection.creation.rate` (the
//! acceptor slows down) and the per-IP `connection_creation_rate` client quota (connections
//! over it are closed).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::config::BrokerConfig;
use super::quota::{self, QuotaManager};

/// Why a new connection is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    TooManyFromAddress { ip: IpAddr, max: u32 },
    CreationRate { ip: IpAddr, quota: f64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooManyFromAddress { ip, max } => {
                write!(f, "Rejected connection from /{ip}, address already has the configured maximum of {max} connections.")
            }
            Refusal::CreationRate { ip, quota } => {
                write!(f, "Rejected connection from /{ip}: connection creation rate quota of {quota} per second exceeded")
            }
        }
    }
}

/// Counts connections per address and broker-wide.
#[derive(Debug)]
pub struct ConnectionQuotas {
    slots: Arc<Semaphore>,
    per_ip: Arc<Mutex<HashMap<IpAddr, u32>>>,
    max_per_ip: u32,
    overrides: HashMap<IpAddr, u32>,
    max_creation_rate: Option<f64>,
    rates: QuotaManager,
}

/// A connection's place in the counts; released when dropped.
#[derive(Debug)]
pub struct ConnectionPermit {
    _slot: OwnedSemaphorePermit,
    ip: IpAddr,
    per_ip: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut counts = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

fn limit(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Parses `max.connections.per.ip.overrides`: `host-or-ip:count,...` (names are resolved).
pub fn parse_overrides(raw: &str) -> Result<HashMap<IpAddr, u32>, String> {
    let mut out = HashMap::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (host, count) = item
            .rsplit_once(':')
            .ok_or_else(|| format!("Invalid override `{item}`: expected host:count"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("Invalid connection count in `{item}`"))?;
        let host = host.trim().trim_start_matches('[').trim_end_matches(']');
        let ips: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => std::net::ToSocketAddrs::to_socket_addrs(&(host, 0))
                .map_err(|e| {
                    format!("Cannot resolve `{host}` in max.connections.per.ip.overrides: {e}")
                })?
                .map(|a| a.ip())
                .collect(),
        };
        for ip in ips {
            out.insert(ip, count);
        }
    }
    Ok(out)
}

impl ConnectionQuotas {
    pub fn new(config: &BrokerConfig) -> ConnectionQuotas {
        let max_total = usize::try_from(config.max_connections)
            .unwrap_or(0)
            .min(Semaphore::MAX_PERMITS);
        ConnectionQuotas {
            slots: Arc::new(Semaphore::new(max_total)),
            per_ip: Arc::default(),
            max_per_ip: limit(config.max_connections_per_ip),
            overrides: config.max_connections_per_ip_overrides.clone(),
            max_creation_rate: (config.max_connection_creation_rate < i32::MAX)
                .then_some(config.max_connection_creation_rate as f64),
            // Kafka measures connection rates over the quota windows too.
            rates: QuotaManager::new(
                Duration::from_secs(config.quota_window_size_seconds.max(1) as u64),
                config.quota_window_num.max(1) as usize,
            ),
        }
    }

    /// Waits for a broker-wide slot (`max.connections`), and for the listener's creation rate
    /// to allow one more connection. Call before accepting.
    pub async fn wait_for_slot(&self) -> OwnedSemaphorePermit {
        if let Some(rate) = self.max_creation_rate {
            let throttle =
                self.rates
                    .record(quota::CONNECTION_CREATION_RATE, "", "listener", 1.0, rate);
            if !throttle.is_zero() {
                tokio::time::sleep(throttle).await;
            }
        }
        // The semaphore is never closed, so acquiring only fails if it were; wait forever then.
        match self.slots.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => std::future::pending().await,
        }
    }

    /// Admits a connection from `ip` (holding `slot`), or says why not. `ip_quota` is the
    /// address's `connection_creation_rate` client quota, if any.
    pub fn admit(
        &self,
        slot: OwnedSemaphorePermit,
        ip: IpAddr,
        ip_quota: Option<f64>,
    ) -> Result<ConnectionPermit, Refusal> {
        if let Some(quota) = ip_quota {
            let throttle = self.rates.record(
                quota::CONNECTION_CREATION_RATE,
                "",
                &ip.to_string(),
                1.0,
                quota,
            );
            if !throttle.is_zero() {
                return Err(Refusal::CreationRate { ip, quota });
            }
        }
        let max = self.overrides.get(&ip).copied().unwrap_or(self.max_per_ip);
        let mut counts = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if *count >= max {
            if *count == 0 {
                counts.remove(&ip);
            }
            return Err(Refusal::TooManyFromAddress { ip, max });
        }
        *count += 1;
        Ok(ConnectionPermit {
            _slot: slot,
            ip,
            per_ip: self.per_ip.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(pairs: &[(&str, &str)]) -> ConnectionQuotas {
        let dir = tempfile::tempdir().unwrap();
        let cfg = BrokerConfig::embedded(dir.path(), "127.0.0.1:0".parse().unwrap())
            .unwrap()
            .with_overrides(pairs)
            .unwrap();
        ConnectionQuotas::new(&cfg)
    }

    #[tokio::test]
    async fn per_ip_limits_overrides_and_release() {
        let q = quotas(&[
            ("max.connections.per.ip", "2"),
            ("max.connections.per.ip.overrides", "10.0.0.9:0,127.0.0.2:3"),
        ]);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let a = q.admit(q.wait_for_slot().await, local, None).unwrap();
        let _b = q.admit(q.wait_for_slot().await, local, None).unwrap();
        let refused = q.admit(q.wait_for_slot().await, local, None).unwrap_err();
        assert_eq!(refused.to_string(), "Rejected connection from /127.0.0.1, address already has the configured maximum of 2 connections.");
        drop(a);
        assert!(
            q.admit(q.wait_for_slot().await, local, None).is_ok(),
            "a closed connection frees its place"
        );
        assert!(
            q.admit(q.wait_for_slot().await, "10.0.0.9".parse().unwrap(), None)
                .is_err(),
            "override 0 refuses all"
        );
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let held: Vec<_> = (0..3)
            .map(|_| {
                q.admit(q.slots.clone().try_acquire_owned().unwrap(), other, None)
                    .unwrap()
            })
            .collect();
        assert_eq!(held.len(), 3);
    }

    #[tokio::test]
    async fn max_connections_makes_the_acceptor_wait() {
        let q = quotas(&[("max.connections", "1")]);
        let first = q
            .admit(q.wait_for_slot().await, "127.0.0.1".parse().unwrap(), None)
            .unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(50), q.wait_for_slot()).await;
        assert!(waiting.is_err(), "no slot while one connection is open");
        drop(first);
        assert!(
            tokio::time::timeout(Duration::from_secs(5), q.wait_for_slot())
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn ip_creation_rate_quota_closes_the_excess() {
        let q = quotas(&[("quota.window.num", "2")]);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut admitted = 0;
        let mut refused = 0;
        for _ in 0..10 {
            match q.admit(q.wait_for_slot().await, ip, Some(2.0)) {
                Ok(_) => admitted += 1,
                Err(Refusal::CreationRate { .. }) => refused += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(
            admitted >= 1 && refused >= 1,
            "admitted {admitted}, refused {refused}"
        );
    }

    #[test]
    fn overrides_parse() {
        let o = parse_overrides("127.0.0.1:5, [::1]:7").unwrap();
        assert_eq!(o[&"127.0.0.1".parse::<IpAddr>().unwrap()], 5);
        assert_eq!(o[&"::1".parse::<IpAddr>().unwrap()], 7);
        assert!(parse_overrides("127.0.0.1").is_err());
        assert!(parse_overrides("127.0.0.1:x").is_err());
    }
}
