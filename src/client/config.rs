//! Client configuration under Kafka's own property names, so one `client.properties` serves
//! Apache's tools and kbox alike.
//!
//! Values are kept as strings (as Java's `Properties` does) and read through typed getters with
//! Kafka's defaults. Security properties are read by [`super::security`].

use std::path::Path;
use std::time::Duration;

use indexmap::IndexMap;

use crate::properties::Properties;
use crate::{Error, Result};

/// A client's configuration: Kafka property names to string values.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    values: IndexMap<String, String>,
}

/// `acks`: how many replicas must have a record before the leader answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`: no response at all.
    None,
    /// `acks=1`: the leader's log.
    Leader,
    /// `acks=all` / `-1`: every in-sync replica.
    All,
}

impl Acks {
    /// The value of the Produce request's `acks` field.
    pub fn wire_value(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

/// `compression.type` for produced batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompressionType {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl CompressionType {
    /// Parses Kafka's names (`none`, `gzip`, `snappy`, `lz4`, `zstd`); `uncompressed` is
    /// accepted too since the console producer's `--compression-codec` historically allows it.
    pub fn parse(name: &str) -> Option<CompressionType> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "none" | "uncompressed" => CompressionType::None,
            "gzip" => CompressionType::Gzip,
            "snappy" => CompressionType::Snappy,
            "lz4" => CompressionType::Lz4,
            "zstd" => CompressionType::Zstd,
            _ => return None,
        })
    }

    /// The codec in kafka-protocol's terms.
    pub fn codec(self) -> kafka_protocol::records::Compression {
        use kafka_protocol::records::Compression;
        match self {
            CompressionType::None => Compression::None,
            CompressionType::Gzip => Compression::Gzip,
            CompressionType::Snappy => Compression::Snappy,
            CompressionType::Lz4 => Compression::Lz4,
            CompressionType::Zstd => Compression::Zstd,
        }
    }
}

/// `auto.offset.reset`: where a consumer starts when it has no valid position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    Latest,
    /// Fail with an error instead of guessing.
    None,
}

/// `isolation.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
}

impl IsolationLevel {
    /// The value of the Fetch and ListOffsets requests' `isolation_level` field.
    pub fn wire_value(self) -> i8 {
        match self {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        }
    }

    /// Parses `read_uncommitted` / `read_committed`.
    pub fn parse(name: &str) -> Option<IsolationLevel> {
        match name.trim().to_ascii_lowercase().as_str() {
            "read_uncommitted" => Some(IsolationLevel::ReadUncommitted),
            "read_committed" => Some(IsolationLevel::ReadCommitted),
            _ => None,
        }
    }
}

impl ClientConfig {
    /// An empty configuration: every getter returns Kafka's default.
    pub fn new() -> Self {
        ClientConfig::default()
    }

    /// A configuration with only `bootstrap.servers` set.
    pub fn with_bootstrap(servers: &str) -> Self {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", servers);
        config
    }

    /// Sets a property, replacing an earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.values.insert(key.into(), value.into());
        self
    }

    /// Sets a property only when it is not set yet (tool defaults that files may override).
    pub fn set_default(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        if !self.values.contains_key(key) {
            self.values.insert(key.to_string(), value.into());
        }
        self
    }

    /// The raw value of a property.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Every property, in the order set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds every property of a Java `.properties` file (a later file or flag overrides).
    pub fn load_file(&mut self, path: &Path) -> Result<&mut Self> {
        let props = Properties::load(path).map_err(|e| {
            Error::Message(format!(
                "cannot read properties file {}: {e}",
                path.display()
            ))
        })?;
        for (k, v) in props.iter() {
            self.set(k, v);
        }
        Ok(self)
    }

    /// Adds one `key=value` flag, as `--producer-property`/`--consumer-property` take them.
    pub fn set_pair(&mut self, pair: &str) -> Result<&mut Self> {
        match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                self.set(k.trim(), v.trim());
                Ok(self)
            }
            _ => Err(Error::Message(format!(
                "Invalid property '{pair}': expected key=value"
            ))),
        }
    }

    fn parsed<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T> {
        match self.get(key) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|_| {
                Error::Message(format!(
                    "Invalid value {raw} for configuration {key}: not a number"
                ))
            }),
        }
    }

    fn millis(&self, key: &str, default: u64) -> Result<Duration> {
        let ms: i64 = self.parsed(key, default as i64)?;
        Ok(Duration::from_millis(ms.max(0) as u64))
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v == "true" => Ok(true),
            Some(v) if v == "false" => Ok(false),
            Some(v) => Err(Error::Message(format!(
                "Invalid value {v} for configuration {key}: Expected value to be either true or false"
            ))),
        }
    }

    /// `bootstrap.servers`, split on commas.
    pub fn bootstrap_servers(&self) -> Result<Vec<String>> {
        let servers: Vec<String> = self
            .get("bootstrap.servers")
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if servers.is_empty() {
            return Err(Error::Message(
                "No resolvable bootstrap urls given in bootstrap.servers".into(),
            ));
        }
        for server in &servers {
            if parse_host_port(server).is_none() {
                return Err(Error::Message(format!(
                    "Invalid url in bootstrap.servers: {server}"
                )));
            }
        }
        Ok(servers)
    }

    /// `client.id` (empty when unset, as Java's default).
    pub fn client_id(&self) -> String {
        self.get("client.id").unwrap_or("").to_string()
    }

    /// `request.timeout.ms` (30 s).
    pub fn request_timeout(&self) -> Result<Duration> {
        self.millis("request.timeout.ms", 30_000)
    }

    /// `default.api.timeout.ms` (60 s): the bound of admin and consumer calls.
    pub fn default_api_timeout(&self) -> Result<Duration> {
        self.millis("default.api.timeout.ms", 60_000)
    }

    /// `metadata.max.age.ms` (5 min).
    pub fn metadata_max_age(&self) -> Result<Duration> {
        self.millis("metadata.max.age.ms", 300_000)
    }

    /// `reconnect.backoff.ms` (50 ms) and `reconnect.backoff.max.ms` (1 s).
    pub fn reconnect_backoff(&self) -> Result<(Duration, Duration)> {
        Ok((
            self.millis("reconnect.backoff.ms", 50)?,
            self.millis("reconnect.backoff.max.ms", 1_000)?,
        ))
    }

    /// `retry.backoff.ms` (100 ms).
    pub fn retry_backoff(&self) -> Result<Duration> {
        self.millis("retry.backoff.ms", 100)
    }

    /// `acks` (`all` by default, as Java's producer since 3.0).
    pub fn acks(&self) -> Result<Acks> {
        match self.get("acks").map(str::trim) {
            None | Some("all") | Some("-1") => Ok(Acks::All),
            Some("1") => Ok(Acks::Leader),
            Some("0") => Ok(Acks::None),
            Some(other) => Err(Error::Message(format!(
                "Invalid value {other} for configuration acks: String must be one of: all, -1, 0, 1"
            ))),
        }
    }

    /// `linger.ms` (5 ms, Java's default since 4.0).
    pub fn linger(&self) -> Result<Duration> {
        self.millis("linger.ms", 5)
    }

    /// `batch.size` (16 KiB).
    pub fn batch_size(&self) -> Result<usize> {
        let size: i64 = self.parsed("batch.size", 16_384)?;
        Ok(size.max(1) as usize)
    }

    /// `buffer.memory` (32 MiB): bytes of unsent records before `send` waits.
    pub fn buffer_memory(&self) -> Result<usize> {
        let size: i64 = self.parsed("buffer.memory", 33_554_432)?;
        Ok(size.max(1) as usize)
    }

    /// `max.request.size` (1 MiB): the largest record a producer accepts.
    pub fn max_request_size(&self) -> Result<usize> {
        let size: i64 = self.parsed("max.request.size", 1_048_576)?;
        Ok(size.max(1) as usize)
    }

    /// `max.block.ms` (60 s): how long `send` may wait for metadata or buffer space.
    pub fn max_block(&self) -> Result<Duration> {
        self.millis("max.block.ms", 60_000)
    }

    /// `delivery.timeout.ms` (2 min): the bound on a record's time from send to result.
    pub fn delivery_timeout(&self) -> Result<Duration> {
        self.millis("delivery.timeout.ms", 120_000)
    }

    /// `retries` (effectively unbounded; `delivery.timeout.ms` is the real limit).
    pub fn retries(&self) -> Result<u32> {
        let retries: i64 = self.parsed("retries", i32::MAX as i64)?;
        Ok(retries.clamp(0, i32::MAX as i64) as u32)
    }

    /// `max.in.flight.requests.per.connection` (5).
    pub fn max_in_flight(&self) -> Result<usize> {
        let n: i64 = self.parsed("max.in.flight.requests.per.connection", 5)?;
        if n < 1 {
            return Err(Error::Message(format!(
                "Invalid value {n} for configuration max.in.flight.requests.per.connection: Value must be at least 1"
            )));
        }
        Ok(n as usize)
    }

    /// `compression.type` (`none`).
    pub fn compression(&self) -> Result<CompressionType> {
        let name = self.get("compression.type").unwrap_or("none");
        CompressionType::parse(name).ok_or_else(|| {
            Error::Message(format!(
                "Invalid value {name} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd"
            ))
        })
    }

    /// `enable.idempotence`. Parsed now; the idempotent producer is its own piece of work.
    pub fn enable_idempotence(&self) -> Result<bool> {
        self.boolean("enable.idempotence", false)
    }

    /// `fetch.min.bytes` (1).
    pub fn fetch_min_bytes(&self) -> Result<i32> {
        self.parsed("fetch.min.bytes", 1)
    }

    /// `fetch.max.bytes` (50 MiB).
    pub fn fetch_max_bytes(&self) -> Result<i32> {
        self.parsed("fetch.max.bytes", 52_428_800)
    }

    /// `fetch.max.wait.ms` (500 ms).
    pub fn fetch_max_wait(&self) -> Result<Duration> {
        self.millis("fetch.max.wait.ms", 500)
    }

    /// `max.partition.fetch.bytes` (1 MiB).
    pub fn max_partition_fetch_bytes(&self) -> Result<i32> {
        self.parsed("max.partition.fetch.bytes", 1_048_576)
    }

    /// `max.poll.records` (500).
    pub fn max_poll_records(&self) -> Result<usize> {
        let n: i64 = self.parsed("max.poll.records", 500)?;
        Ok(n.max(1) as usize)
    }

    /// `check.crcs` (true).
    pub fn check_crcs(&self) -> Result<bool> {
        self.boolean("check.crcs", true)
    }

    /// `auto.offset.reset` (`latest`).
    pub fn auto_offset_reset(&self) -> Result<OffsetReset> {
        match self
            .get("auto.offset.reset")
            .unwrap_or("latest")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "earliest" => Ok(OffsetReset::Earliest),
            "latest" => Ok(OffsetReset::Latest),
            "none" => Ok(OffsetReset::None),
            other => Err(Error::Message(format!(
                "Invalid value {other} for configuration auto.offset.reset: String must be one of: latest, earliest, none"
            ))),
        }
    }

    /// `isolation.level` (`read_uncommitted`).
    pub fn isolation_level(&self) -> Result<IsolationLevel> {
        let name = self.get("isolation.level").unwrap_or("read_uncommitted");
        IsolationLevel::parse(name).ok_or_else(|| {
            Error::Message(format!(
                "Invalid value {name} for configuration isolation.level: String must be one of: read_committed, read_uncommitted"
            ))
        })
    }

    /// `group.id`, when set and not empty.
    pub fn group_id(&self) -> Option<String> {
        self.get("group.id")
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_string)
    }

    /// The TLS and SASL settings (`security.protocol`, `ssl.*`, `sasl.*`), checked and loaded.
    pub fn security(&self) -> Result<std::sync::Arc<super::security::ClientSecurity>> {
        super::security::ClientSecurity::from_config(self)
    }
}

/// Splits `host:port` (with `[v6]:port` allowed). `None` when it is not of that shape.
pub fn parse_host_port(server: &str) -> Option<(String, u16)> {
    let (host, port) = server.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let mut c = ClientConfig::with_bootstrap("a:1, b:2");
        assert_eq!(c.bootstrap_servers().unwrap(), vec!["a:1", "b:2"]);
        assert_eq!(c.acks().unwrap(), Acks::All);
        assert_eq!(c.batch_size().unwrap(), 16_384);
        c.set_pair("acks=1").unwrap();
        c.set_pair("linger.ms = 7").unwrap();
        assert_eq!(c.acks().unwrap(), Acks::Leader);
        assert_eq!(c.linger().unwrap(), Duration::from_millis(7));
        assert!(c.set_pair("novalue").is_err());
        c.set("acks", "2");
        assert!(c.acks().is_err());
        c.set("security.protocol", "SASL_SSL");
        c.set("sasl.mechanism", "GSSAPI");
        assert!(c
            .security()
            .unwrap_err()
            .to_string()
            .contains("not supported"));
    }

    #[test]
    fn bootstrap_must_be_host_port() {
        assert!(ClientConfig::new().bootstrap_servers().is_err());
        assert!(ClientConfig::with_bootstrap("localhost")
            .bootstrap_servers()
            .is_err());
        assert_eq!(
            parse_host_port("[::1]:9092"),
            Some(("::1".to_string(), 9092))
        );
    }
}
