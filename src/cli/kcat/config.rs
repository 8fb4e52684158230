//! `-X prop=value` and `-F file`: librdkafka's property names turned into the Kafka names kbox's
//! client reads.
//!
//! Three kinds of names are accepted: names librdkafka and Kafka share (`group.id`, `acks`),
//! librdkafka names with a Kafka equivalent (`metadata.broker.list`, `fetch.wait.max.ms`,
//! `queue.buffering.max.ms`, ...), and Kafka names librdkafka lacks (`max.request.size`). A
//! librdkafka property with no kbox equivalent (`debug`, `socket.keepalive.enable`, ...) is
//! ignored with a warning naming it; a name neither library knows is an error, as in kcat.

use std::path::Path;
use std::time::Duration;

use crate::client::ClientConfig;

/// librdkafka's `partitioner` (a topic property), applied by kbox kcat itself so that keys
/// land on the partitions kcat would choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioner {
    Random,
    /// CRC32 of the key; empty and NULL keys go to one partition.
    Consistent,
    /// CRC32 of the key; empty and NULL keys are spread randomly (librdkafka's default).
    ConsistentRandom,
    /// Java's murmur2; NULL keys go to one partition.
    Murmur2,
    /// Java's murmur2; NULL keys are spread randomly (the Java producer's behaviour).
    Murmur2Random,
    Fnv1a,
    Fnv1aRandom,
}

impl Partitioner {
    fn parse(name: &str) -> Option<Partitioner> {
        Some(match name {
            "random" => Partitioner::Random,
            "consistent" => Partitioner::Consistent,
            "consistent_random" => Partitioner::ConsistentRandom,
            "murmur2" => Partitioner::Murmur2,
            "murmur2_random" => Partitioner::Murmur2Random,
            "fnv1a" => Partitioner::Fnv1a,
            "fnv1a_random" => Partitioner::Fnv1aRandom,
            _ => return None,
        })
    }
}

/// What kcat's configuration became.
#[derive(Debug, Clone)]
pub struct KcatConfig {
    /// The client's properties, under Kafka's names.
    pub client: ClientConfig,
    pub partitioner: Partitioner,
    /// `sticky.partitioning.linger.ms`: how long NULL-key messages stay on one partition.
    pub sticky_linger: Duration,
    /// `message.max.bytes`: also the largest input message kcat reads.
    pub message_max_bytes: usize,
    /// `bootstrap.servers` or `metadata.broker.list` was given.
    pub brokers_seen: bool,
    /// Properties set and ignored (no kbox equivalent), for one warning each.
    pub ignored: Vec<String>,
}

impl Default for KcatConfig {
    fn default() -> Self {
        KcatConfig {
            client: ClientConfig::new(),
            partitioner: Partitioner::ConsistentRandom,
            sticky_linger: Duration::from_millis(10),
            message_max_bytes: 1_000_000,
            brokers_seen: false,
            ignored: Vec::new(),
        }
    }
}

/// How one property name is handled.
enum Property {
    /// Set under this Kafka name, value unchanged.
    Kafka(&'static str),
    /// Needs its value translated or drives kcat itself.
    Special,
    /// A librdkafka property with no kbox equivalent.
    Ignored,
}

/// Names librdkafka and Kafka's Java client share, and Kafka names kbox's client reads.
const KAFKA_NAMES: &[&str] = &[
    "bootstrap.servers",
    "client.id",
    "client.rack",
    "group.id",
    "group.instance.id",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "partition.assignment.strategy",
    "isolation.level",
    "fetch.min.bytes",
    "fetch.max.bytes",
    "fetch.max.wait.ms",
    "max.partition.fetch.bytes",
    "max.poll.records",
    "check.crcs",
    "acks",
    "linger.ms",
    "batch.size",
    "buffer.memory",
    "max.request.size",
    "max.block.ms",
    "delivery.timeout.ms",
    "request.timeout.ms",
    "default.api.timeout.ms",
    "retries",
    "retry.backoff.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "metadata.max.age.ms",
    "max.in.flight.requests.per.connection",
    "enable.idempotence",
    "security.protocol",
    "sasl.mechanism",
    // Security: kbox's client reads librdkafka's names for these directly.
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.certificate.location",
    "ssl.certificate.pem",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl.endpoint.identification.algorithm",
    "enable.ssl.certificate.verification",
    "ssl.keystore.location",
    "ssl.keystore.password",
];

/// librdkafka names with a Kafka equivalent under another name.
const RENAMED: &[(&str, &str)] = &[
    ("metadata.broker.list", "bootstrap.servers"),
    ("auto.commit.enable", "enable.auto.commit"),
    ("fetch.wait.max.ms", "fetch.max.wait.ms"),
    ("fetch.message.max.bytes", "max.partition.fetch.bytes"),
    ("queue.buffering.max.ms", "linger.ms"),
    ("message.send.max.retries", "retries"),
    ("request.required.acks", "acks"),
    ("socket.timeout.ms", "request.timeout.ms"),
    ("topic.metadata.refresh.interval.ms", "metadata.max.age.ms"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("sasl.mechanisms", "sasl.mechanism"),
];

/// librdkafka properties kbox has nothing to do with: accepted, warned about, ignored.
const LIBRDKAFKA_ONLY: &[&str] = &[
    "allow.auto.create.topics",
    "api.version.fallback.ms",
    "api.version.request",
    "api.version.request.timeout.ms",
    "batch.num.messages",
    "broker.address.family",
    "broker.address.ttl",
    "broker.version.fallback",
    "builtin.features",
    "compression.level",
    "connections.max.idle.ms",
    "consume.callback.max.messages",
    "coordinator.query.interval.ms",
    "debug",
    "delivery.report.only.error",
    "enable.auto.offset.store",
    "enable.gapless.guarantee",
    "enable.random.seed",
    "enable.sasl.oauthbearer.unsecure.jwt",
    "fetch.error.backoff.ms",
    "group.protocol.type",
    "internal.termination.signal",
    "log.connection.close",
    "log.queue",
    "log.thread.name",
    "log_level",
    "message.copy.max.bytes",
    "offset.store.method",
    "offset.store.path",
    "offset.store.sync.interval.ms",
    "plugin.library.paths",
    "produce.offset.report",
    "queue.buffering.backpressure.threshold",
    "queue.buffering.max.messages",
    "queued.max.messages.kbytes",
    "queued.min.messages",
    "queuing.strategy",
    "receive.message.max.bytes",
    "reconnect.backoff.jitter.ms",
    "sasl.kerberos.keytab",
    "sasl.kerberos.kinit.cmd",
    "sasl.kerberos.min.time.before.relogin",
    "sasl.kerberos.principal",
    "sasl.kerberos.service.name",
    "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.extensions",
    "sasl.oauthbearer.method",
    "sasl.oauthbearer.scope",
    "sasl.oauthbearer.token.endpoint.url",
    "socket.blocking.max.ms",
    "socket.connection.setup.timeout.ms",
    "socket.keepalive.enable",
    "socket.max.fails",
    "socket.nagle.disable",
    "socket.receive.buffer.bytes",
    "socket.send.buffer.bytes",
    "ssl.ca.certificate.stores",
    "ssl.cipher.suites",
    "ssl.crl.location",
    "ssl.curves.list",
    "ssl.engine.id",
    "ssl.engine.location",
    "ssl.providers",
    "ssl.sigalgs.list",
    "statistics.interval.ms",
    "topic.blacklist",
    "topic.metadata.propagation.max.ms",
    "topic.metadata.refresh.fast.cnt",
    "topic.metadata.refresh.fast.interval.ms",
    "topic.metadata.refresh.sparse",
    "transaction.timeout.ms",
];

/// Names handled with a translation (values or units) or by kcat itself.
const SPECIAL: &[&str] = &[
    "auto.offset.reset",
    "compression.codec",
    "compression.type",
    "enable.partition.eof",
    "message.max.bytes",
    "message.timeout.ms",
    "partitioner",
    "queue.buffering.max.kbytes",
    "sticky.partitioning.linger.ms",
    "transactional.id",
];

fn classify(name: &str) -> Option<Property> {
    if let Some(k) = KAFKA_NAMES.iter().find(|k| **k == name) {
        return Some(Property::Kafka(k));
    }
    if let Some((_, k)) = RENAMED.iter().find(|(r, _)| *r == name) {
        return Some(Property::Kafka(k));
    }
    if SPECIAL.contains(&name) {
        return Some(Property::Special);
    }
    if LIBRDKAFKA_ONLY.contains(&name) {
        return Some(Property::Ignored);
    }
    None
}

fn invalid_value(name: &str, value: &str) -> String {
    format!("Invalid value \"{value}\" for configuration property \"{name}\"")
}

impl KcatConfig {
    /// Sets one property (`-X name=value` or a config file line); `Err` is kcat's message.
    /// A `topic.` prefix names a topic property, as in kcat; without the prefix a topic
    /// property is found as well.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        if name.starts_with("schema.registry.") {
            return Err("kbox kcat has no Avro/Schema-Registry support".into());
        }
        let stripped = name.strip_prefix("topic.").unwrap_or(name);
        let (name, property) = match classify(stripped) {
            Some(p) => (stripped, p),
            None => match classify(name) {
                Some(p) => (name, p),
                None => return Err(format!("No such configuration property: \"{name}\"")),
            },
        };
        match property {
            Property::Kafka(kafka_name) => {
                if kafka_name == "bootstrap.servers" {
                    self.brokers_seen = true;
                }
                self.client.set(kafka_name, value);
            }
            Property::Ignored => {
                self.ignored.push(format!("{name}={value}"));
            }
            Property::Special => self.set_special(name, value)?,
        }
        Ok(())
    }

    fn set_special(&mut self, name: &str, value: &str) -> Result<(), String> {
        let number = || {
            value
                .trim()
                .parse::<i64>()
                .map_err(|_| invalid_value(name, value))
        };
        match name {
            "auto.offset.reset" => {
                let kafka = match value {
                    "smallest" | "earliest" | "beginning" => "earliest",
                    "largest" | "latest" | "end" => "latest",
                    "error" => "none",
                    _ => return Err(invalid_value(name, value)),
                };
                self.client.set("auto.offset.reset", kafka);
            }
            "compression.codec" | "compression.type" => match value {
                "none" | "gzip" | "snappy" | "lz4" | "zstd" => {
                    self.client.set("compression.type", value);
                }
                // The topic-level default: use the global codec, which is what kbox does anyway.
                "inherit" => {}
                _ => return Err(invalid_value(name, value)),
            },
            // kcat turns this on itself; kbox always knows where each partition ends.
            "enable.partition.eof" => {}
            "message.max.bytes" => {
                let n = number()?;
                if !(1000..=1_000_000_000).contains(&n) {
                    return Err(invalid_value(name, value));
                }
                self.message_max_bytes = n as usize;
                self.client.set("max.request.size", n.to_string());
            }
            "message.timeout.ms" => {
                // 0 means "no limit" in librdkafka.
                let n = number()?;
                let ms = if n == 0 { i32::MAX as i64 } else { n };
                self.client.set("delivery.timeout.ms", ms.to_string());
            }
            "partitioner" => {
                self.partitioner =
                    Partitioner::parse(value).ok_or_else(|| invalid_value(name, value))?;
            }
            "queue.buffering.max.kbytes" => {
                let kib = number()?;
                self.client
                    .set("buffer.memory", kib.saturating_mul(1024).to_string());
            }
            "sticky.partitioning.linger.ms" => {
                self.sticky_linger = Duration::from_millis(number()?.max(0) as u64);
            }
            "transactional.id" => {
                return Err(
                    "kbox kcat does not support transactional produce (transactional.id) yet"
                        .into(),
                );
            }
            _ => unreachable!("every SPECIAL name is handled"),
        }
        Ok(())
    }

    /// Reads a librdkafka-style `property=value` file (`#` comments, `\:` and `\=` escapes from
    /// Java files, a Java `sasl.jaas.config` PLAIN login turned into user and password).
    /// `Ok(false)` when the file cannot be opened and `required` is false. `opened` runs once
    /// the file is open, before any line is read (kcat announces the file then).
    pub fn read_file(
        &mut self,
        path: &Path,
        required: bool,
        opened: impl FnOnce(),
    ) -> Result<bool, String> {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if required => {
                return Err(format!(
                    "Failed to open {}: {}",
                    path.display(),
                    super::errors::strerror(&e)
                ))
            }
            Err(_) => return Ok(false),
        };
        opened();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.replace("\\:", ":").replace("\\=", "=");
            let (name, value) = match line.split_once('=') {
                Some((n, v)) if !n.is_empty() => (n, v),
                _ => {
                    return Err(format!(
                        "{}:{}: expected property=value\n",
                        path.display(),
                        i + 1
                    ))
                }
            };
            if name == "sasl.jaas.config" {
                if let Some((user, pass)) = jaas_plain_login(value) {
                    self.set("sasl.username", &user)
                        .and_then(|_| self.set("sasl.password", &pass))
                        .map_err(|e| {
                            format!(
                                "{}:{}: {e} (java config conversion)\n",
                                path.display(),
                                i + 1
                            )
                        })?;
                    continue;
                }
            }
            self.set(name, value)
                .map_err(|e| format!("{}:{}: {e}\n", path.display(), i + 1))?;
        }
        Ok(true)
    }

    /// `name = value` lines of the configuration (`-X dump`).
    pub fn dump(&self) -> String {
        let mut out = String::from("# Global config\n");
        for (k, v) in self.client.iter() {
            out.push_str(&format!("{k} = {v}\n"));
        }
        out.push_str("\n# Topic config\n");
        out.push_str(&format!(
            "partitioner = {}\n\n",
            match self.partitioner {
                Partitioner::Random => "random",
                Partitioner::Consistent => "consistent",
                Partitioner::ConsistentRandom => "consistent_random",
                Partitioner::Murmur2 => "murmur2",
                Partitioner::Murmur2Random => "murmur2_random",
                Partitioner::Fnv1a => "fnv1a",
                Partitioner::Fnv1aRandom => "fnv1a_random",
            }
        ));
        out
    }
}

/// `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p"`.
fn jaas_plain_login(value: &str) -> Option<(String, String)> {
    let rest = value.trim().strip_prefix(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"",
    )?;
    let (user, rest) = rest.split_once('"')?;
    let rest = rest.trim_start().strip_prefix("password=\"")?;
    let (pass, _) = rest.split_once('"')?;
    Some((user.to_string(), pass.to_string()))
}

/// The properties `-X list` shows: what kbox kcat accepts and what each becomes.
pub fn property_list() -> String {
    let mut out = String::from("Property                                 | kbox (Kafka) name\n");
    out.push_str(&format!("{:-<41}|{:-<40}\n", "", ""));
    for name in KAFKA_NAMES {
        out.push_str(&format!("{name:<41}| {name}\n"));
    }
    for (name, kafka) in RENAMED {
        out.push_str(&format!("{name:<41}| {kafka}\n"));
    }
    let special = [
        (
            "auto.offset.reset",
            "auto.offset.reset (smallest/largest/error mapped)",
        ),
        ("compression.codec", "compression.type"),
        (
            "message.max.bytes",
            "max.request.size, and kcat's input limit",
        ),
        ("message.timeout.ms", "delivery.timeout.ms (0 = no limit)"),
        (
            "partitioner",
            "kcat's partitioner (default consistent_random)",
        ),
        ("queue.buffering.max.kbytes", "buffer.memory (in KiB)"),
        (
            "sticky.partitioning.linger.ms",
            "kcat's partitioner for NULL keys",
        ),
    ];
    for (name, what) in special {
        out.push_str(&format!("{name:<41}| {what}\n"));
    }
    out.push_str("\nAccepted and ignored (librdkafka-only): ");
    out.push_str(&LIBRDKAFKA_ONLY.join(", "));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn librdkafka_names_become_kafka_names() {
        let mut c = KcatConfig::default();
        c.set("metadata.broker.list", "a:1").unwrap();
        c.set("topic.request.required.acks", "1").unwrap();
        c.set("fetch.wait.max.ms", "100").unwrap();
        c.set("auto.offset.reset", "smallest").unwrap();
        c.set("compression.codec", "lz4").unwrap();
        c.set("topic.partitioner", "murmur2_random").unwrap();
        c.set("message.timeout.ms", "0").unwrap();
        c.set("max.request.size", "2000000").unwrap();
        c.set("debug", "all").unwrap();
        assert!(c.brokers_seen);
        assert_eq!(c.client.get("bootstrap.servers"), Some("a:1"));
        assert_eq!(c.client.get("acks"), Some("1"));
        assert_eq!(c.client.get("fetch.max.wait.ms"), Some("100"));
        assert_eq!(c.client.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(c.client.get("compression.type"), Some("lz4"));
        assert_eq!(c.client.get("delivery.timeout.ms"), Some("2147483647"));
        assert_eq!(c.client.get("max.request.size"), Some("2000000"));
        assert_eq!(c.partitioner, Partitioner::Murmur2Random);
        assert_eq!(c.ignored, vec!["debug=all".to_string()]);
        assert_eq!(
            c.set("foo", "bar").unwrap_err(),
            "No such configuration property: \"foo\""
        );
        assert_eq!(
            c.set("compression.codec", "brotli").unwrap_err(),
            "Invalid value \"brotli\" for configuration property \"compression.codec\""
        );
        assert!(c.set("auto.offset.reset", "bogus").is_err());
        assert!(c.set("transactional.id", "x").is_err());
    }

    #[test]
    fn config_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kcat.conf");
        std::fs::write(
            &path,
            "# comment\n\n  bootstrap.servers = ignored-spaces\nclient.id=c\\=1\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";\n",
        )
        .unwrap();
        let mut c = KcatConfig::default();
        // kcat keeps the spaces around '=' in keys, so " bootstrap.servers " is unknown.
        assert!(c.read_file(&path, true, || {}).is_err());
        std::fs::write(&path, "bootstrap.servers=h:1\nclient.id=c\\=1\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";\n").unwrap();
        let mut c = KcatConfig::default();
        assert!(c.read_file(&path, true, || {}).unwrap());
        assert_eq!(c.client.get("client.id"), Some("c=1"));
        assert!(c.ignored.is_empty(), "{:?}", c.ignored);
        assert_eq!(c.client.get("sasl.username"), Some("u"));
        assert_eq!(c.client.get("sasl.password"), Some("p"));
        std::fs::write(&path, "novalue\n").unwrap();
        let err = KcatConfig::default()
            .read_file(&path, true, || {})
            .unwrap_err();
        assert!(err.ends_with(":1: expected property=value\n"), "{err}");
        assert!(!KcatConfig::default()
            .read_file(&dir.path().join("missing"), false, || {})
            .unwrap());
    }
}
