//! The broker's static configuration: `server.properties` plus `--override key=value` pairs,
//! parsed and validated with Kafka's key names, types, defaults and rules.
//!
//! [`BrokerConfig::load`] reads the file with [`crate::properties`], applies the overrides
//! (later wins), and then:
//!
//! 1. refuses every `zookeeper.*` key: kbox runs in KRaft mode only;
//! 2. parses every key it knows (the table [`BROKER_KEYS`]) with Kafka's type rules (values are
//!    trimmed; `true`/`false` in any case; a list is split on commas) and validators, failing on
//!    the first bad value with Kafka's message, e.g.
//!    `Invalid value abc for configuration num.partitions: Not a number of type INT`;
//! 3. keeps every key it does not know, in [`BrokerConfig::unknown_keys`], for the caller to log
//!    once, and otherwise ignores it, as Kafka does;
//! 4. applies Kafka's KRaft rules across keys (roles, node id, quorum, listeners), with Kafka's
//!    messages.
//!
//! Every given key/value stays in [`BrokerConfig::props`], in order, so DescribeConfigs can report
//! them (see [`crate::broker::topic_config`], which also derives topic defaults from the `log.*`
//! keys and lists the keys Kafka lets you change at runtime).
//!
//! # Choices worth knowing
//!
//! - `log.dir` defaults to `/tmp/kraft-combined-logs`, the directory of Kafka's sample KRaft
//!   `server.properties`; Kafka's own built-in default is `/tmp/kafka-logs`. `log.dirs` wins
//!   over `log.dir`; `metadata.log.dir` defaults to the first log dir.
//! - Listener names are upper-cased, as Kafka's `ListenerName.normalised` does, and so are the
//!   names in `controller.listener.names` and `inter.broker.listener.name`.
//! - When `listener.security.protocol.map` is not given, each controller listener name is mapped
//!   to PLAINTEXT (unless SSL or SASL is in use), so `CONTROLLER:PLAINTEXT` is there by default:
//!   Kafka's `effectiveListenerSecurityProtocolMap`.
//! - Retention: `log.retention.ms` beats `log.retention.minutes` beats `log.retention.hours`; any
//!   negative result means forever (-1), 0 is refused. `log.roll.ms` beats `log.roll.hours`.
//! - Legacy 3.x keys `log.message.format.version` and `log.message.downconversion.enable` are
//!   accepted and have no effect.
//!
//! Typed fields are public for reading. Change a configuration with
//! [`BrokerConfig::with_overrides`], which re-validates and keeps [`BrokerConfig::props`] in step;
//! assigning a field directly makes DescribeConfigs report the old value.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::broker::log::config::LogConfig;
use crate::properties::{Properties, PropertiesError};

/// A configuration problem, with Kafka's wording where Kafka has one. Shared by
/// [`crate::broker::topic_config`].
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value that does not parse or validate: Kafka's `ConfigException(name, value, message)`.
    #[error("Invalid value {value} for configuration {name}: {message}")]
    InvalidValue {
        /// The key.
        name: String,
        /// The value given.
        value: String,
        /// What was expected.
        message: String,
    },
    /// A required key is absent.
    #[error("Missing required configuration \"{name}\" which has no default value.")]
    Missing {
        /// The key.
        name: String,
    },
    /// A `zookeeper.*` key: ZooKeeper mode does not exist in kbox.
    #[error(
        "ZooKeeper mode is not supported: kbox runs in KRaft mode only; remove {key} and set process.roles (see kbox storage format)"
    )]
    ZooKeeper {
        /// The offending key (usually `zookeeper.connect`).
        key: String,
    },
    /// A rule across several keys is broken (Kafka's `require(...)` messages).
    #[error("{0}")]
    Invalid(String),
    /// A topic config name Kafka does not know.
    #[error("Unknown topic config name: {0}")]
    UnknownTopicConfig(String),
    /// Keys that cannot be changed at runtime (IncrementalAlterConfigs on a broker).
    #[error("Cannot update these configs dynamically: [{}]", .0.join(", "))]
    NotDynamic(Vec<String>),
    /// SSL keys that can only be changed per listener (`listener.name.<l>.<key>`).
    #[error("These security configs can be dynamically updated only per-listener using the listener prefix: [{}]", .0.join(", "))]
    NeedsListenerPrefix(Vec<String>),
    /// Per-broker keys sent to the cluster-wide default resource.
    #[error("Cannot update these configs at default cluster level, broker id must be specified: [{}]", .0.join(", "))]
    PerBrokerOnly(Vec<String>),
    /// An `--override` argument without `=`.
    #[error("Invalid override {0:?}: expected property=value")]
    BadOverride(String),
    /// The properties file could not be read or parsed.
    #[error(transparent)]
    Properties(#[from] PropertiesError),
}

impl ConfigError {
    /// The Kafka error code a request handler answers with: INVALID_REQUEST (42) for the
    /// dynamic-update refusals (Kafka's `ConfigAdminManager` wraps them so), INVALID_CONFIG (40)
    /// otherwise.
    pub fn kafka_error_code(&self) -> i16 {
        match self {
            ConfigError::NotDynamic(_)
            | ConfigError::NeedsListenerPrefix(_)
            | ConfigError::PerBrokerOnly(_) => 42,
            _ => 40,
        }
    }

    pub(crate) fn invalid_value(name: &str, value: &str, message: impl Into<String>) -> Self {
        ConfigError::InvalidValue {
            name: name.to_string(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Kafka's config types and validators
// ---------------------------------------------------------------------------------------------

/// Kafka's `ConfigDef.Type`, numbered as DescribeConfigs reports it (`configType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigType {
    /// Type unknown (keys Kafka does not define).
    Unknown,
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl ConfigType {
    /// The DescribeConfigs `ConfigType` code: UNKNOWN=0, BOOLEAN=1, STRING=2, INT=3, SHORT=4,
    /// LONG=5, DOUBLE=6, LIST=7, CLASS=8, PASSWORD=9.
    pub fn code(self) -> i8 {
        match self {
            ConfigType::Unknown => 0,
            ConfigType::Boolean => 1,
            ConfigType::String => 2,
            ConfigType::Int => 3,
            ConfigType::Short => 4,
            ConfigType::Long => 5,
            ConfigType::Double => 6,
            ConfigType::List => 7,
            ConfigType::Class => 8,
            ConfigType::Password => 9,
        }
    }

    /// Kafka's upper-case name (`INT`, `LONG`, ...), as used in its messages.
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Unknown => "UNKNOWN",
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::String => "STRING",
            ConfigType::Int => "INT",
            ConfigType::Short => "SHORT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
            ConfigType::Password => "PASSWORD",
        }
    }
}

/// A parsed config value.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    Boolean(bool),
    String(String),
    Int(i32),
    Short(i16),
    Long(i64),
    Double(f64),
    List(Vec<String>),
    Class(String),
    Password(String),
}

impl ConfigValue {
    /// The value as Kafka's `ConfigDef.convertToString` writes it (lists joined by `,`, doubles
    /// as Java's `Double.toString`).
    pub fn to_kafka_string(&self) -> String {
        match self {
            ConfigValue::Boolean(b) => b.to_string(),
            ConfigValue::String(s) | ConfigValue::Class(s) | ConfigValue::Password(s) => s.clone(),
            ConfigValue::Int(i) => i.to_string(),
            ConfigValue::Short(i) => i.to_string(),
            ConfigValue::Long(i) => i.to_string(),
            ConfigValue::Double(d) => java_double_to_string(*d),
            ConfigValue::List(l) => l.join(","),
        }
    }

    /// Any integer type widened to `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ConfigValue::Int(i) => Some(i64::from(*i)),
            ConfigValue::Short(i) => Some(i64::from(*i)),
            ConfigValue::Long(i) => Some(*i),
            _ => None,
        }
    }

    /// A boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ConfigValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// A double (integers widen).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ConfigValue::Double(d) => Some(*d),
            other => other.as_i64().map(|i| i as f64),
        }
    }

    /// A string-like value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ConfigValue::String(s) | ConfigValue::Class(s) | ConfigValue::Password(s) => Some(s),
            _ => None,
        }
    }

    /// A list.
    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            ConfigValue::List(l) => Some(l),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<f64> {
        match self {
            ConfigValue::Int(_)
            | ConfigValue::Short(_)
            | ConfigValue::Long(_)
            | ConfigValue::Double(_) => self.as_f64(),
            _ => None,
        }
    }
}

/// Java's `Double.toString`: `0.5`, `1.0`, `1.0E-5`, `1.7976931348623157E308`.
pub fn java_double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{d}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{d:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
        if mantissa.contains('.') {
            format!("{mantissa}E{exp}")
        } else {
            format!("{mantissa}.0E{exp}")
        }
    }
}

/// What a value must satisfy after parsing (Kafka's `ConfigDef.Validator`s).
#[derive(Debug, Clone, Copy)]
pub enum Validator {
    /// Anything of the right type.
    None,
    /// `Range.atLeast(min)`.
    AtLeast(i64),
    /// `Range.between(min, max)`.
    Between(i64, i64),
    /// `ValidString.in(...)` (case-sensitive).
    OneOf(&'static [&'static str]),
    /// `ValidList.in(...)`: every element one of these.
    ListOf(&'static [&'static str]),
    /// GZIP's level: 1..=9 or -1.
    GzipLevel,
    /// A check of its own; the error is the message after `Invalid value x for configuration y: `.
    Custom(fn(&ConfigValue) -> Result<(), String>),
}

impl Validator {
    /// Checks a parsed value. `name` and `raw` only shape the error.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`] with Kafka's message.
    pub fn check(&self, name: &str, value: &ConfigValue) -> Result<(), ConfigError> {
        let shown = value.to_kafka_string();
        let fail = |message: String| Err(ConfigError::invalid_value(name, &shown, message));
        match *self {
            Validator::None => Ok(()),
            Validator::AtLeast(min) => match value.as_number() {
                Some(n) if n < min as f64 => fail(format!("Value must be at least {min}")),
                _ => Ok(()),
            },
            Validator::Between(min, max) => match value.as_number() {
                Some(n) if n < min as f64 => fail(format!("Value must be at least {min}")),
                Some(n) if n > max as f64 => fail(format!("Value must be no more than {max}")),
                _ => Ok(()),
            },
            Validator::OneOf(valid) => match value.as_str() {
                Some(s) if !valid.contains(&s) => {
                    fail(format!("String must be one of: {}", valid.join(", ")))
                }
                _ => Ok(()),
            },
            Validator::ListOf(valid) => {
                for item in value.as_list().unwrap_or_default() {
                    if !valid.contains(&item.as_str()) {
                        return Err(ConfigError::invalid_value(
                            name,
                            item,
                            format!("String must be one of: {}", valid.join(", ")),
                        ));
                    }
                }
                Ok(())
            }
            Validator::GzipLevel => match value.as_i64() {
                Some(l) if l > 9 || (l < 1 && l != -1) => {
                    fail("Value must be between 1 and 9 or equal to -1".into())
                }
                _ => Ok(()),
            },
            Validator::Custom(f) => f(value).or_else(fail),
        }
    }
}

/// Java's `String.trim()`: strips every char up to U+0020.
pub(crate) fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Splits a list value as Kafka's LIST type does: empty → empty list; otherwise on commas with
/// surrounding whitespace removed (empty elements are kept, so validators can refuse them).
pub(crate) fn split_list(s: &str) -> Vec<String> {
    let t = java_trim(s);
    if t.is_empty() {
        return Vec::new();
    }
    t.split(',')
        .map(|p| {
            p.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
                .to_string()
        })
        .collect()
}

/// Parses `raw` as Kafka's `ConfigDef.parseType` would, then validates it.
///
/// # Errors
///
/// [`ConfigError::InvalidValue`], e.g. `Invalid value abc for configuration retention.ms: Not a
/// number of type LONG`.
pub fn parse_value(
    name: &str,
    raw: &str,
    ty: ConfigType,
    validator: &Validator,
) -> Result<ConfigValue, ConfigError> {
    let t = java_trim(raw);
    let not_number =
        || ConfigError::invalid_value(name, raw, format!("Not a number of type {}", ty.name()));
    let value = match ty {
        ConfigType::Boolean => {
            if t.eq_ignore_ascii_case("true") {
                ConfigValue::Boolean(true)
            } else if t.eq_ignore_ascii_case("false") {
                ConfigValue::Boolean(false)
            } else {
                return Err(ConfigError::invalid_value(
                    name,
                    raw,
                    "Expected value to be either true or false",
                ));
            }
        }
        ConfigType::Int => ConfigValue::Int(t.parse().map_err(|_| not_number())?),
        ConfigType::Short => ConfigValue::Short(t.parse().map_err(|_| not_number())?),
        ConfigType::Long => ConfigValue::Long(t.parse().map_err(|_| not_number())?),
        ConfigType::Double => ConfigValue::Double(t.parse().map_err(|_| not_number())?),
        ConfigType::String | ConfigType::Unknown => ConfigValue::String(t.to_string()),
        ConfigType::Class => ConfigValue::Class(t.to_string()),
        ConfigType::Password => ConfigValue::Password(t.to_string()),
        ConfigType::List => ConfigValue::List(split_list(raw)),
    };
    validator.check(name, &value)?;
    Ok(value)
}

// ---------------------------------------------------------------------------------------------
// The broker keys kbox knows
// ---------------------------------------------------------------------------------------------

/// One broker key: Kafka's name, type, default (as Kafka's `convertToString` prints it; `None`
/// when Kafka's default is null), validator and documentation.
#[derive(Debug, Clone, Copy)]
pub struct BrokerKey {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub ty: ConfigType,
    /// Kafka's default, `None` when there is none.
    pub default: Option<&'static str>,
    /// Its validator.
    pub validator: Validator,
    /// One-paragraph documentation.
    pub doc: &'static str,
    /// Accepted for Kafka 3.x files but without effect; left out of DescribeConfigs unless given.
    pub legacy: bool,
}

impl BrokerKey {
    /// Parses a value for this key.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`] when it does not parse or validate.
    pub fn parse(&self, raw: &str) -> Result<ConfigValue, ConfigError> {
        parse_value(self.name, raw, self.ty, &self.validator)
    }

    /// The parsed default.
    pub fn default_value(&self) -> Option<ConfigValue> {
        self.default.and_then(|d| self.parse(d).ok())
    }
}

const fn k(
    name: &'static str,
    ty: ConfigType,
    default: Option<&'static str>,
    validator: Validator,
    doc: &'static str,
) -> BrokerKey {
    BrokerKey {
        name,
        ty,
        default,
        validator,
        doc,
        legacy: false,
    }
}

use ConfigType as T;
use Validator as V;

const LONG_MAX: &str = "9223372036854775807";
const INT_MAX: &str = "2147483647";

/// The default of `log.dir` (see the module documentation).
pub const DEFAULT_LOG_DIR: &str = "/tmp/kraft-combined-logs";

/// Kafka's default `listener.security.protocol.map`.
pub const DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP: &str =
    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

/// The names `compression.type` accepts (Kafka's `BrokerCompressionType`, in its order).
pub const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];
/// The policies `cleanup.policy` / `log.cleanup.policy` accept.
pub const CLEANUP_POLICIES: &[&str] = &["compact", "delete"];
/// The values of `message.timestamp.type` / `log.message.timestamp.type`.
pub const TIMESTAMP_TYPES: &[&str] = &["CreateTime", "LogAppendTime"];
const SECURITY_PROTOCOLS: &[&str] = &["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

/// Every broker key kbox knows, with Kafka 4.1's type, default and validator. Keys not here are
/// kept and ignored ([`BrokerConfig::unknown_keys`]).
pub static BROKER_KEYS: &[BrokerKey] = &[
    // KRaft identity and quorum
    k("process.roles", T::List, None, V::ListOf(&["broker", "controller"]),
        "The roles that this process plays: 'broker', 'controller', or 'broker,controller' if it is both. Required: kbox runs in KRaft mode only."),
    k("node.id", T::Int, None, V::AtLeast(0), "The node ID associated with the roles this process is playing. Required."),
    k("controller.quorum.voters", T::List, Some(""), V::Custom(validate_voters),
        "Map of id/endpoint information for the set of voters in a comma-separated list of {id}@{host}:{port} entries, e.g. 1@localhost:9093,2@localhost:9094."),
    k("controller.quorum.bootstrap.servers", T::List, Some(""), V::Custom(validate_host_ports),
        "List of endpoints to use for bootstrapping the cluster metadata, as a comma-separated list of {host}:{port} entries."),
    k("controller.quorum.election.timeout.ms", T::Int, Some("1000"), V::None, "Maximum time in milliseconds to wait without being able to fetch from the leader before triggering a new election."),
    k("controller.quorum.fetch.timeout.ms", T::Int, Some("2000"), V::None, "Maximum time without a successful fetch from the current leader before becoming a candidate."),
    k("controller.quorum.election.backoff.max.ms", T::Int, Some("1000"), V::None, "Maximum time in milliseconds before starting new elections."),
    k("controller.quorum.append.linger.ms", T::Int, Some("25"), V::None, "The duration in milliseconds that the leader will wait for writes to accumulate before flushing them to disk."),
    k("controller.quorum.request.timeout.ms", T::Int, Some("2000"), V::None, "The maximum amount of time the client will wait for the response of a request."),
    k("controller.quorum.retry.backoff.ms", T::Int, Some("20"), V::None, "The amount of time to wait before attempting to retry a failed request."),
    k("controller.listener.names", T::String, None, V::None,
        "A comma-separated list of the names of the listeners used by the controller. Required when this node is a controller, and on brokers to reach the controllers."),
    k("metadata.log.dir", T::String, None, V::None,
        "The directory of the cluster metadata log. If not set, the metadata log is placed in the first log directory from log.dirs."),
    k("metadata.log.segment.bytes", T::Int, Some("1073741824"), V::AtLeast(12), "The maximum size of a single metadata log file."),
    k("metadata.log.segment.ms", T::Long, Some("604800000"), V::None, "The maximum time before a new metadata log file is rolled out (in milliseconds)."),
    k("metadata.log.max.record.bytes.between.snapshots", T::Long, Some("20971520"), V::AtLeast(1), "This is the maximum number of bytes in the log between the latest snapshot and the high-watermark needed before generating a new snapshot."),
    k("metadata.log.max.snapshot.interval.ms", T::Long, Some("3600000"), V::AtLeast(0), "This is the maximum number of milliseconds to wait to generate a snapshot if there are committed records in the log that are not included in the latest snapshot. A value of zero disables time based snapshot generation."),
    k("metadata.max.retention.bytes", T::Long, Some("104857600"), V::None, "The maximum combined size of the metadata log and snapshots before deleting old snapshots and log files."),
    k("metadata.max.retention.ms", T::Long, Some("604800000"), V::None, "The number of milliseconds to keep a metadata log file or snapshot before deleting it."),
    k("metadata.max.idle.interval.ms", T::Int, Some("500"), V::AtLeast(0), "How often the active controller writes no-op records to the metadata partition."),
    k("broker.session.timeout.ms", T::Int, Some("9000"), V::None, "The length of time in milliseconds that a broker lease lasts if no heartbeats are made."),
    k("broker.heartbeat.interval.ms", T::Int, Some("2000"), V::None, "The length of time in milliseconds between broker heartbeats."),
    k("initial.broker.registration.timeout.ms", T::Int, Some("60000"), V::None, "How long to wait for the initial broker registration before giving up."),
    k("broker.rack", T::String, None, V::None, "Rack of the broker. This will be used in rack aware replication assignment for fault tolerance."),
    // Listeners and the network
    k("listeners", T::String, Some("PLAINTEXT://:9092"), V::Custom(validate_listener_list),
        "Listener list: comma-separated URIs NAME://host:port the server listens on. An empty host binds all interfaces; [::1] is an IPv6 host; port 0 picks a free port."),
    k("advertised.listeners", T::String, None, V::Custom(validate_listener_list),
        "Listeners published for clients to use, if different from the listeners config property. If not set, the listeners that are not controller listeners are used."),
    k("listener.security.protocol.map", T::String, Some(DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP), V::Custom(validate_protocol_map),
        "Map between listener names and security protocols, as NAME:PROTOCOL pairs separated by commas."),
    k("inter.broker.listener.name", T::String, None, V::None, "Name of listener used for communication between brokers. Defaults to security.inter.broker.protocol (PLAINTEXT)."),
    k("security.inter.broker.protocol", T::String, Some("PLAINTEXT"), V::OneOf(SECURITY_PROTOCOLS), "Security protocol used to communicate between brokers."),
    k("socket.send.buffer.bytes", T::Int, Some("102400"), V::None, "The SO_SNDBUF buffer of the socket server sockets. If the value is -1, the OS default will be used."),
    k("socket.receive.buffer.bytes", T::Int, Some("102400"), V::None, "The SO_RCVBUF buffer of the socket server sockets. If the value is -1, the OS default will be used."),
    k("socket.request.max.bytes", T::Int, Some("104857600"), V::AtLeast(1), "The maximum number of bytes in a socket request."),
    k("socket.listen.backlog.size", T::Int, Some("50"), V::AtLeast(1), "The maximum number of pending connections on the socket."),
    k("num.network.threads", T::Int, Some("3"), V::AtLeast(1), "The number of threads that the server uses for receiving requests from the network and sending responses to the network."),
    k("num.io.threads", T::Int, Some("8"), V::AtLeast(1), "The number of threads that the server uses for processing requests, which may include disk I/O."),
    k("background.threads", T::Int, Some("10"), V::AtLeast(1), "The number of threads to use for various background processing tasks."),
    k("queued.max.requests", T::Int, Some("500"), V::AtLeast(1), "The number of queued requests allowed for data-plane, before blocking the network threads."),
    k("connections.max.idle.ms", T::Long, Some("600000"), V::None, "Idle connections timeout: the server socket processor threads close the connections that idle more than this."),
    k("max.connections", T::Int, Some(INT_MAX), V::AtLeast(0), "The maximum number of connections we allow in the broker at any time."),
    k("max.connections.per.ip", T::Int, Some(INT_MAX), V::AtLeast(0), "The maximum number of connections we allow from each ip address."),
    k("max.connections.per.ip.overrides", T::String, Some(""), V::None, "A comma-separated list of per-ip or hostname overrides to the default maximum number of connections."),
    k("max.connection.creation.rate", T::Int, Some(INT_MAX), V::AtLeast(0), "The maximum connection creation rate we allow in the broker at any time."),
    // Authorization
    k("authorizer.class.name", T::String, Some(""), V::Custom(validate_authorizer),
        "The fully qualified name of a class that implements the Authorizer interface, which is used by the broker for authorization. kbox implements org.apache.kafka.metadata.authorizer.StandardAuthorizer (ACLs in the metadata log); empty means no authorization."),
    k("super.users", T::String, Some(""), V::None, "A semicolon-separated list of principals (e.g. User:admin;User:ops) that may perform every operation on every resource, whatever the ACLs say."),
    k("allow.everyone.if.no.acl.found", T::Boolean, Some("false"), V::None, "When true, a resource with no ACL matching it (for any principal) is open to everyone; when false, only super users and principals with a matching ALLOW ACL get access."),
    // Quotas
    k("quota.window.num", T::Int, Some("11"), V::AtLeast(1), "The number of samples to retain in memory for client quotas."),
    k("quota.window.size.seconds", T::Int, Some("1"), V::AtLeast(1), "The time span of each sample for client quotas."),
    // Security (each also settable per listener as listener.name.<name>.<key>)
    k("sasl.enabled.mechanisms", T::List, Some("GSSAPI"), V::None, "The list of SASL mechanisms enabled in the Kafka server. kbox implements PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512."),
    k("sasl.mechanism.inter.broker.protocol", T::String, Some("GSSAPI"), V::None, "SASL mechanism used for inter-broker communication."),
    k("sasl.jaas.config", T::Password, None, V::None, "JAAS login context parameters in the format used by JAAS configuration files; for PLAIN, users are given as user_<name>=\"<password>\"."),
    k("connections.max.reauth.ms", T::Long, Some("0"), V::None, "When explicitly set to a positive number (the default is 0, not a positive number), a session lifetime that will not exceed the configured value will be communicated to v2.2.0 or later clients when they authenticate."),
    k("sasl.server.max.receive.size", T::Int, Some("524288"), V::None, "The maximum receive size allowed before and during initial SASL authentication."),
    k("connection.failed.authentication.delay.ms", T::Int, Some("100"), V::AtLeast(0), "Connection close delay on failed authentication: the time (in milliseconds) by which the response to a failed authentication is delayed."),
    k("ssl.client.auth", T::String, Some("none"), V::OneOf(&["required", "requested", "none"]), "Configures the broker to request client authentication."),
    k("ssl.keystore.type", T::String, Some("JKS"), V::None, "The file format of the key store file. kbox reads PEM."),
    k("ssl.keystore.location", T::String, None, V::None, "The location of the key store file."),
    k("ssl.keystore.password", T::Password, None, V::None, "The store password for the key store file."),
    k("ssl.keystore.key", T::Password, None, V::None, "Private key in the format specified by 'ssl.keystore.type'."),
    k("ssl.keystore.certificate.chain", T::Password, None, V::None, "Certificate chain in the format specified by 'ssl.keystore.type'."),
    k("ssl.key.password", T::Password, None, V::None, "The password of the private key in the key store file or the PEM key specified in 'ssl.keystore.key'."),
    k("ssl.truststore.type", T::String, Some("JKS"), V::None, "The file format of the trust store file. kbox reads PEM."),
    k("ssl.truststore.location", T::String, None, V::None, "The location of the trust store file."),
    k("ssl.truststore.password", T::Password, None, V::None, "The password for the trust store file."),
    k("ssl.truststore.certificates", T::Password, None, V::None, "Trusted certificates in the format specified by 'ssl.truststore.type'."),
    k("ssl.endpoint.identification.algorithm", T::String, Some("https"), V::None, "The endpoint identification algorithm to validate server hostname using server certificate."),
    k("ssl.principal.mapping.rules", T::String, Some("DEFAULT"), V::None, "A list of rules for mapping from distinguished name found in the client certificate to short name: RULE:pattern/replacement/[LU] or DEFAULT, tried in order."),
    k("ssl.protocol", T::String, Some("TLSv1.3"), V::None, "The SSL protocol used to generate the SSLContext."),
    // kbox's own keys (Kafka has no equivalent; its metrics go through JMX)
    k("kbox.metrics.listener", T::String, Some(""), V::Custom(validate_metrics_listener),
        "kbox only: an IP:port (e.g. 127.0.0.1:9404; port 0 picks a free port) on which the broker serves Prometheus metrics at GET /metrics. Empty (the default) serves none."),
    // Topics and replication
    k("message.max.bytes", T::Int, Some("1048588"), V::AtLeast(0), "The largest record batch size allowed by Kafka (after compression if compression is enabled)."),
    k("num.partitions", T::Int, Some("1"), V::AtLeast(1), "The default number of log partitions per topic."),
    k("default.replication.factor", T::Int, Some("1"), V::AtLeast(1), "The replication factor for automatically created topics, and for topics created with -1 as the replication factor."),
    k("auto.create.topics.enable", T::Boolean, Some("true"), V::None, "Enable auto creation of topic on the server."),
    k("delete.topic.enable", T::Boolean, Some("true"), V::None, "Enables delete topic. Delete topic through the admin tool will have no effect if this config is turned off."),
    k("min.insync.replicas", T::Int, Some("1"), V::AtLeast(1), "When a producer sets acks to \"all\" (or \"-1\"), the minimum number of replicas that must acknowledge a write for the write to be considered successful."),
    k("unclean.leader.election.enable", T::Boolean, Some("false"), V::None, "Indicates whether to enable replicas not in the ISR set to be elected as leader as a last resort, even though doing so may result in data loss."),
    k("auto.leader.rebalance.enable", T::Boolean, Some("true"), V::None, "Enables auto leader balancing."),
    k("leader.imbalance.check.interval.seconds", T::Long, Some("300"), V::AtLeast(1), "The frequency with which the partition rebalance check is triggered by the controller."),
    k("leader.imbalance.per.broker.percentage", T::Int, Some("10"), V::None, "The ratio of leader imbalance allowed per broker, in percent."),
    k("replica.lag.time.max.ms", T::Long, Some("30000"), V::None, "If a follower has not sent any fetch requests or has not consumed up to the leader's log end offset for at least this time, the leader removes the follower from the ISR."),
    k("num.replica.fetchers", T::Int, Some("1"), V::None, "Number of fetcher threads used to replicate records from each source broker."),
    k("replica.fetch.max.bytes", T::Int, Some("1048576"), V::AtLeast(0), "The number of bytes of messages to attempt to fetch for each partition."),
    k("replica.fetch.min.bytes", T::Int, Some("1"), V::None, "Minimum bytes expected for each fetch response."),
    k("replica.fetch.wait.max.ms", T::Int, Some("500"), V::None, "The maximum wait time for each fetcher request issued by follower replicas."),
    k("replica.fetch.backoff.ms", T::Int, Some("1000"), V::AtLeast(0), "The amount of time to sleep when fetch partition error occurs."),
    k("replica.socket.timeout.ms", T::Int, Some("30000"), V::None, "The socket timeout for network requests."),
    k("replica.high.watermark.checkpoint.interval.ms", T::Long, Some("5000"), V::None, "The frequency with which the high watermark is saved out to disk."),
    k("fetch.max.bytes", T::Int, Some("57671680"), V::AtLeast(1024), "The maximum number of bytes we will return for a fetch request."),
    k("compression.type", T::String, Some("producer"), V::OneOf(COMPRESSION_TYPES),
        "Specify the final compression type for a given topic: 'gzip', 'snappy', 'lz4', 'zstd', 'uncompressed', or 'producer' to keep the producer's codec."),
    k("compression.gzip.level", T::Int, Some("-1"), V::GzipLevel, "The compression level to use if compression.type is set to gzip."),
    k("compression.lz4.level", T::Int, Some("9"), V::Between(1, 17), "The compression level to use if compression.type is set to lz4."),
    k("compression.zstd.level", T::Int, Some("3"), V::Between(-131072, 22), "The compression level to use if compression.type is set to zstd."),
    k("num.recovery.threads.per.data.dir", T::Int, Some("2"), V::AtLeast(1), "The number of threads per data directory to be used for log recovery at startup and flushing at shutdown."),
    // The log
    k("log.dir", T::List, Some(DEFAULT_LOG_DIR), V::None, "A comma-separated list of the directories where the log data is stored (supplemental to log.dirs)."),
    k("log.dirs", T::List, None, V::None, "A comma-separated list of the directories where the log data is stored. If not set, the value in log.dir is used."),
    k("log.segment.bytes", T::Int, Some("1073741824"), V::AtLeast(1048576), "The maximum size of a single log file."),
    k("log.roll.ms", T::Long, None, V::None, "The maximum time before a new log segment is rolled out (in milliseconds). If not set, the value in log.roll.hours is used."),
    k("log.roll.hours", T::Int, Some("168"), V::AtLeast(1), "The maximum time before a new log segment is rolled out (in hours), secondary to log.roll.ms."),
    k("log.roll.jitter.ms", T::Long, None, V::None, "The maximum jitter to subtract from logRollTimeMillis (in milliseconds). If not set, the value in log.roll.jitter.hours is used."),
    k("log.roll.jitter.hours", T::Int, Some("0"), V::AtLeast(0), "The maximum jitter to subtract from logRollTimeMillis (in hours), secondary to log.roll.jitter.ms."),
    k("log.retention.ms", T::Long, None, V::None, "The number of milliseconds to keep a log file before deleting it. If not set, the value in log.retention.minutes is used. If set to -1, no time limit is applied."),
    k("log.retention.minutes", T::Int, None, V::None, "The number of minutes to keep a log file before deleting it, secondary to log.retention.ms. If not set, the value in log.retention.hours is used."),
    k("log.retention.hours", T::Int, Some("168"), V::None, "The number of hours to keep a log file before deleting it, tertiary to log.retention.ms."),
    k("log.retention.bytes", T::Long, Some("-1"), V::None, "The maximum size of the log before deleting it."),
    k("log.retention.check.interval.ms", T::Long, Some("300000"), V::AtLeast(1), "The frequency in milliseconds that the log cleaner checks whether any log is eligible for deletion."),
    k("log.cleanup.policy", T::List, Some("delete"), V::ListOf(CLEANUP_POLICIES), "The default cleanup policy for segments beyond the retention window. A comma separated list of valid policies."),
    k("log.index.size.max.bytes", T::Int, Some("10485760"), V::AtLeast(4), "The maximum size in bytes of the offset index."),
    k("log.index.interval.bytes", T::Int, Some("4096"), V::AtLeast(0), "The interval with which we add an entry to the offset index."),
    k("log.flush.interval.messages", T::Long, Some(LONG_MAX), V::AtLeast(1), "The number of messages accumulated on a log partition before messages are flushed to disk."),
    k("log.flush.interval.ms", T::Long, None, V::None, "The maximum time in ms that a message in any topic is kept in memory before flushed to disk. If not set, the value in log.flush.scheduler.interval.ms is used."),
    k("log.flush.scheduler.interval.ms", T::Long, Some(LONG_MAX), V::None, "The frequency in ms that the log flusher checks whether any log needs to be flushed to disk."),
    k("log.flush.offset.checkpoint.interval.ms", T::Int, Some("60000"), V::AtLeast(0), "The frequency with which we update the persistent record of the last flush which acts as the log recovery point."),
    k("log.flush.start.offset.checkpoint.interval.ms", T::Int, Some("60000"), V::AtLeast(0), "The frequency with which we update the persistent record of log start offset."),
    k("log.segment.delete.delay.ms", T::Long, Some("60000"), V::AtLeast(0), "The amount of time to wait before deleting a file from the filesystem."),
    k("log.preallocate", T::Boolean, Some("false"), V::None, "Should pre allocate file when create new segment?"),
    k("log.message.timestamp.type", T::String, Some("CreateTime"), V::OneOf(TIMESTAMP_TYPES), "Define whether the timestamp in the message is message create time or log append time."),
    k("log.message.timestamp.before.max.ms", T::Long, Some(LONG_MAX), V::AtLeast(0), "The allowable timestamp difference between the broker's timestamp and an earlier message timestamp."),
    k("log.message.timestamp.after.max.ms", T::Long, Some("3600000"), V::AtLeast(0), "The allowable timestamp difference between a later message timestamp and the broker's timestamp."),
    k("log.local.retention.ms", T::Long, Some("-2"), V::AtLeast(-2), "The number of milliseconds to keep the local log segments before they get eligible for deletion (tiered storage; -2 means log.retention.ms)."),
    k("log.local.retention.bytes", T::Long, Some("-2"), V::AtLeast(-2), "The maximum size of local log segments before they get eligible for deletion (tiered storage; -2 means log.retention.bytes)."),
    k("log.dir.failure.timeout.ms", T::Long, Some("30000"), V::AtLeast(1), "If the broker is unable to tell the controller that a log directory has failed for longer than this time, the broker shuts down."),
    k("log.cleaner.enable", T::Boolean, Some("true"), V::None, "Enable the log cleaner process to run on the server."),
    k("log.cleaner.threads", T::Int, Some("1"), V::AtLeast(0), "The number of background threads to use for log cleaning."),
    k("log.cleaner.dedupe.buffer.size", T::Long, Some("134217728"), V::None, "The total memory used for log deduplication across all cleaner threads."),
    k("log.cleaner.io.buffer.size", T::Int, Some("524288"), V::AtLeast(0), "The total memory used for log cleaner I/O buffers across all cleaner threads."),
    k("log.cleaner.io.buffer.load.factor", T::Double, Some("0.9"), V::None, "Log cleaner dedupe buffer load factor."),
    k("log.cleaner.io.max.bytes.per.second", T::Double, Some("1.7976931348623157E308"), V::None, "The log cleaner will be throttled so that the sum of its read and write i/o will be less than this value on average."),
    k("log.cleaner.backoff.ms", T::Long, Some("15000"), V::AtLeast(0), "The amount of time to sleep when there are no logs to clean."),
    k("log.cleaner.delete.retention.ms", T::Long, Some("86400000"), V::AtLeast(0), "The amount of time to retain tombstone message markers for log compacted topics."),
    k("log.cleaner.min.cleanable.ratio", T::Double, Some("0.5"), V::Between(0, 1), "The minimum ratio of dirty log to total log for a log to be eligible for cleaning."),
    k("log.cleaner.min.compaction.lag.ms", T::Long, Some("0"), V::AtLeast(0), "The minimum time a message will remain uncompacted in the log."),
    k("log.cleaner.max.compaction.lag.ms", T::Long, Some(LONG_MAX), V::AtLeast(1), "The maximum time a message will remain ineligible for compaction in the log."),
    BrokerKey { name: "log.message.format.version", ty: T::String, default: Some("3.0-IV1"), validator: V::None,
        doc: "Removed in Kafka 4.0; accepted for 3.x configuration files and ignored.", legacy: true },
    BrokerKey { name: "log.message.downconversion.enable", ty: T::Boolean, default: Some("true"), validator: V::None,
        doc: "Removed in Kafka 4.0; accepted for 3.x configuration files and ignored.", legacy: true },
    // Group coordinator
    k("offsets.topic.num.partitions", T::Int, Some("50"), V::AtLeast(1), "The number of partitions for the offset commit topic (should not change after deployment)."),
    k("offsets.topic.replication.factor", T::Short, Some("3"), V::AtLeast(1), "The replication factor for the offsets topic (set higher to ensure availability)."),
    k("offsets.topic.segment.bytes", T::Int, Some("104857600"), V::AtLeast(1), "The offsets topic segment bytes should be kept relatively small in order to facilitate faster log compaction and cache loads."),
    k("offsets.load.buffer.size", T::Int, Some("5242880"), V::AtLeast(1), "Batch size for reading from the offsets segments when loading group metadata into the cache."),
    k("offsets.commit.timeout.ms", T::Int, Some("5000"), V::AtLeast(1), "Offset commit will be delayed until all replicas for the offsets topic receive the commit or this timeout is reached."),
    k("offsets.retention.minutes", T::Int, Some("10080"), V::AtLeast(1), "For subscribed consumers, committed offset of a specific partition will be expired and discarded after this period once the group is empty."),
    k("offsets.retention.check.interval.ms", T::Long, Some("600000"), V::AtLeast(1), "Frequency at which to check for stale offsets."),
    k("group.initial.rebalance.delay.ms", T::Int, Some("3000"), V::AtLeast(0), "The amount of time the group coordinator will wait for more consumers to join a new group before performing the first rebalance."),
    k("group.min.session.timeout.ms", T::Int, Some("6000"), V::None, "The minimum allowed session timeout for registered consumers."),
    k("group.max.session.timeout.ms", T::Int, Some("1800000"), V::None, "The maximum allowed session timeout for registered consumers."),
    k("group.max.size", T::Int, Some(INT_MAX), V::AtLeast(1), "The maximum number of consumers that a single consumer group can accommodate."),
    // Transactions
    k("transaction.state.log.num.partitions", T::Int, Some("50"), V::AtLeast(1), "The number of partitions for the transaction topic (should not change after deployment)."),
    k("transaction.state.log.replication.factor", T::Short, Some("3"), V::AtLeast(1), "The replication factor for the transaction topic (set higher to ensure availability)."),
    k("transaction.state.log.min.isr", T::Int, Some("2"), V::AtLeast(1), "The minimum number of replicas that must acknowledge a write to transaction topic in order to be considered successful."),
    k("transaction.state.log.segment.bytes", T::Int, Some("104857600"), V::AtLeast(1), "The transaction topic segment bytes should be kept relatively small in order to facilitate faster log compaction and cache loads."),
    k("transaction.state.log.load.buffer.size", T::Int, Some("5242880"), V::AtLeast(1), "Batch size for reading from the transaction log segments when loading producer ids and transactions into the cache."),
    k("transaction.max.timeout.ms", T::Int, Some("900000"), V::AtLeast(1), "The maximum allowed timeout for transactions."),
    k("transactional.id.expiration.ms", T::Int, Some("604800000"), V::AtLeast(1), "The time in ms that the transaction coordinator will wait without receiving any transaction status updates for the current transaction before expiring its transactional id."),
    k("transaction.abort.timed.out.transaction.cleanup.interval.ms", T::Int, Some("10000"), V::AtLeast(1), "The interval at which to rollback transactions that have timed out."),
    k("transaction.remove.expired.transaction.cleanup.interval.ms", T::Int, Some("3600000"), V::AtLeast(1), "The interval at which to remove transactions that have expired due to transactional.id.expiration.ms passing."),
    k("transaction.partition.verification.enable", T::Boolean, Some("true"), V::None, "Enable verification that checks that the partition has been added to the transaction before writing transactional records to the partition."),
    k("producer.id.expiration.ms", T::Int, Some("86400000"), V::AtLeast(1), "The time in ms that a topic partition leader will wait before expiring producer IDs."),
    k("producer.id.expiration.check.interval.ms", T::Int, Some("600000"), V::AtLeast(1), "The interval at which to remove producer IDs that have expired due to producer.id.expiration.ms passing."),
];

/// The definition of a broker key kbox knows.
/// True for `listener.name.<listener>.<key>` (or `...<listener>.<mechanism>.<key>`) where
/// `<key>` is a known broker key: Kafka's per-listener settings (SSL, SASL), read where used.
fn is_listener_override(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("listener.name.") else {
        return false;
    };
    let Some((_, setting)) = rest.split_once('.') else {
        return false;
    };
    let without_mechanism = setting.split_once('.').map(|(_, k)| k).unwrap_or(setting);
    broker_key(setting).is_some() || broker_key(without_mechanism).is_some()
}

pub fn broker_key(name: &str) -> Option<&'static BrokerKey> {
    BROKER_KEYS.iter().find(|k| k.name == name)
}

// ---------------------------------------------------------------------------------------------
// Listeners, security protocols, quorum endpoints
// ---------------------------------------------------------------------------------------------

/// Kafka's security protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityProtocol {
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    /// Kafka's name.
    pub fn name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    /// Kafka's protocol id (as in Metadata and broker registration): 0, 1, 2, 3.
    pub fn id(self) -> i16 {
        match self {
            SecurityProtocol::Plaintext => 0,
            SecurityProtocol::Ssl => 1,
            SecurityProtocol::SaslPlaintext => 2,
            SecurityProtocol::SaslSsl => 3,
        }
    }

    /// Parses a name, any case.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Some(SecurityProtocol::Plaintext),
            "SSL" => Some(SecurityProtocol::Ssl),
            "SASL_PLAINTEXT" => Some(SecurityProtocol::SaslPlaintext),
            "SASL_SSL" => Some(SecurityProtocol::SaslSsl),
            _ => None,
        }
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One listener: `NAME://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Upper-cased listener name (`PLAINTEXT`, `CONTROLLER`, ...).
    pub name: String,
    /// The host; `None` when empty in the config, which binds every interface (and, when
    /// advertised, means "this machine's canonical host name" in Kafka).
    pub host: Option<String>,
    /// The port; 0 lets the OS choose.
    pub port: u16,
    /// From `listener.security.protocol.map`.
    pub security_protocol: SecurityProtocol,
}

impl Listener {
    /// The address to bind: `host:port`, `[v6]:port`, or `0.0.0.0:port` for an empty host.
    pub fn bind_address(&self) -> String {
        match &self.host {
            None => format!("0.0.0.0:{}", self.port),
            Some(h) => format_host_port(h, self.port),
        }
    }

    /// The host, or `0.0.0.0` when empty.
    pub fn bind_host(&self) -> &str {
        self.host.as_deref().unwrap_or("0.0.0.0")
    }
}

impl fmt::Display for Listener {
    /// `NAME://host:port` as Kafka writes an endpoint (`[...]` around IPv6 hosts).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            None => write!(f, "{}://:{}", self.name, self.port),
            Some(h) => write!(f, "{}://{}", self.name, format_host_port(h, self.port)),
        }
    }
}

/// `host:port`, bracketing IPv6 hosts.
pub fn format_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A `host:port` endpoint (`controller.quorum.bootstrap.servers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// Host name or address (no brackets).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_host_port(&self.host, self.port))
    }
}

/// A static quorum voter: `id@host:port` (`controller.quorum.voters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumVoter {
    /// The voter's node id.
    pub id: i32,
    /// Host name or address.
    pub host: String,
    /// Its controller listener port.
    pub port: u16,
}

impl fmt::Display for QuorumVoter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, format_host_port(&self.host, self.port))
    }
}

/// The roles of this process (`process.roles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessRoles {
    /// Serves clients and hosts partitions.
    pub broker: bool,
    /// Takes part in the metadata quorum.
    pub controller: bool,
}

impl fmt::Display for ProcessRoles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.broker, self.controller) {
            (true, true) => f.write_str("broker,controller"),
            (true, false) => f.write_str("broker"),
            (false, true) => f.write_str("controller"),
            (false, false) => Ok(()),
        }
    }
}

fn valid_host_chars(host: &str) -> bool {
    host.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '%' | '.' | '_' | ':'))
}

/// Splits `host:port` / `[v6]:port` (Kafka's `Utils.getHost`/`getPort`); empty host allowed.
fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if !valid_host_chars(host) || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

/// Parses one `NAME://host:port` (Kafka's `EndPoint.createEndPoint`), without the protocol.
fn parse_endpoint(s: &str) -> Result<(String, Option<String>, u16), String> {
    let bad = || format!("Unable to parse {s} to a broker endpoint");
    let (name, rest) = s.rsplit_once("://").ok_or_else(bad)?;
    if name.is_empty() {
        return Err(bad());
    }
    let (host, port) = split_host_port(rest).ok_or_else(bad)?;
    Ok((
        name.to_ascii_uppercase(),
        if host.is_empty() { None } else { Some(host) },
        port,
    ))
}

/// Kafka's `Csv.parseCsvList`: split on commas, trim, drop empty entries.
fn csv(s: &str) -> Vec<String> {
    s.split(',')
        .map(|p| java_trim(p).to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_endpoints(s: &str) -> Result<Vec<(String, Option<String>, u16)>, String> {
    let endpoints = csv(s)
        .iter()
        .map(|e| parse_endpoint(e))
        .collect::<Result<Vec<_>, _>>()?;
    let mut names: Vec<&str> = Vec::new();
    for (name, _, _) in &endpoints {
        if names.contains(&name.as_str()) {
            return Err(format!(
                "Each listener must have a different name, listeners: {s}"
            ));
        }
        names.push(name);
    }
    Ok(endpoints)
}

/// Parses `kbox.metrics.listener`: empty means off, else an `IP:port` to bind.
fn parse_metrics_listener(s: &str) -> Result<Option<SocketAddr>, String> {
    let s = java_trim(s);
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<SocketAddr>()
        .map(Some)
        .map_err(|_| "Expected empty or an IP:port such as 127.0.0.1:9404".to_string())
}

fn validate_metrics_listener(v: &ConfigValue) -> Result<(), String> {
    parse_metrics_listener(v.as_str().unwrap_or_default()).map(|_| ())
}

/// The authorizer Kafka's KRaft mode uses (ACLs in the metadata log).
pub const STANDARD_AUTHORIZER: &str = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

fn validate_authorizer(v: &ConfigValue) -> Result<(), String> {
    match v.as_str().unwrap_or_default().trim() {
        "" | STANDARD_AUTHORIZER => Ok(()),
        "kafka.security.authorizer.AclAuthorizer" | "kafka.security.auth.SimpleAclAuthorizer" => Err(format!(
            "this authorizer keeps ACLs in ZooKeeper, which kbox (KRaft only) does not run; use {STANDARD_AUTHORIZER}"
        )),
        _ => Err(format!("kbox implements only {STANDARD_AUTHORIZER} (or none: empty)")),
    }
}

fn validate_listener_list(v: &ConfigValue) -> Result<(), String> {
    parse_endpoints(v.as_str().unwrap_or_default()).map(|_| ())
}

fn parse_voters(items: &[String]) -> Result<Vec<QuorumVoter>, String> {
    let mut voters: Vec<QuorumVoter> = Vec::new();
    for entry in items {
        let (id, address) = entry
            .split_once('@')
            .filter(|(_, a)| !a.contains('@'))
            .ok_or_else(|| "Voter entry must be of the format `{id}@{host}:{port}`".to_string())?;
        let id: i32 = id
            .parse()
            .map_err(|_| format!("Failed to parse voter ID as an integer from {entry}"))?;
        let (host, port) = split_host_port(address)
            .ok_or_else(|| format!("Failed to parse host name and port from entry {entry}"))?;
        if host.is_empty() {
            return Err(format!("Failed to parse host name from entry {entry}"));
        }
        if voters.iter().any(|v| v.id == id) {
            return Err(format!("Voter id {id} appears more than once"));
        }
        voters.push(QuorumVoter { id, host, port });
    }
    Ok(voters)
}

fn validate_voters(v: &ConfigValue) -> Result<(), String> {
    parse_voters(v.as_list().unwrap_or_default()).map(|_| ())
}

fn parse_host_ports(items: &[String]) -> Result<Vec<HostPort>, String> {
    items
        .iter()
        .map(|e| match split_host_port(e) {
            Some((host, port)) if !host.is_empty() => Ok(HostPort { host, port }),
            _ => Err(format!(
                "Invalid bootstrap server {e}: expected {{host}}:{{port}}"
            )),
        })
        .collect()
}

fn validate_host_ports(v: &ConfigValue) -> Result<(), String> {
    parse_host_ports(v.as_list().unwrap_or_default()).map(|_| ())
}

/// Parses `NAME:PROTOCOL,...` (Kafka's `parseCsvMap` then `SecurityProtocol.forName`).
fn parse_protocol_map(s: &str) -> Result<IndexMap<String, SecurityProtocol>, String> {
    let mut map = IndexMap::new();
    for entry in csv(s) {
        let (name, protocol) = entry
            .rsplit_once(':')
            .ok_or_else(|| format!("Map entry {entry} must be of the form LISTENER:PROTOCOL"))?;
        let protocol = SecurityProtocol::from_name(java_trim(protocol)).ok_or_else(|| {
            format!(
                "No security protocol {} (expected one of {})",
                java_trim(protocol),
                SECURITY_PROTOCOLS.join(", ")
            )
        })?;
        map.insert(java_trim(name).to_ascii_uppercase(), protocol);
    }
    Ok(map)
}

fn validate_protocol_map(v: &ConfigValue) -> Result<(), String> {
    parse_protocol_map(v.as_str().unwrap_or_default()).map(|_| ())
}

/// Parses one `--override` argument: `key=value` (split at the first `=`).
///
/// # Errors
///
/// [`ConfigError::BadOverride`] when there is no `=`.
pub fn parse_override(arg: &str) -> Result<(String, String), ConfigError> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| ConfigError::BadOverride(arg.to_string()))?;
    let k = java_trim(k);
    if k.is_empty() {
        return Err(ConfigError::BadOverride(arg.to_string()));
    }
    Ok((k.to_string(), v.to_string()))
}

// ---------------------------------------------------------------------------------------------
// BrokerConfig
// ---------------------------------------------------------------------------------------------

/// The validated broker configuration.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// `process.roles` (required).
    pub process_roles: ProcessRoles,
    /// `node.id` (required, ≥ 0).
    pub node_id: i32,
    /// `controller.quorum.voters` (static quorum), possibly empty.
    pub controller_quorum_voters: Vec<QuorumVoter>,
    /// `controller.quorum.bootstrap.servers` (dynamic quorum), possibly empty.
    pub controller_quorum_bootstrap_servers: Vec<HostPort>,
    /// `controller.listener.names`, upper-cased, in order.
    pub controller_listener_names: Vec<String>,
    /// `listeners`: everything this process binds, controller listeners included.
    pub listeners: Vec<Listener>,
    /// The listeners advertised to clients: `advertised.listeners` (or `listeners` when unset)
    /// without the controller listeners (Kafka's `effectiveAdvertisedBrokerListeners`).
    pub advertised_listeners: Vec<Listener>,
    /// One advertised endpoint per controller listener name (Kafka's
    /// `effectiveAdvertisedControllerListeners`; a `0.0.0.0` host becomes `None`).
    pub advertised_controller_listeners: Vec<Listener>,
    /// The effective `listener.security.protocol.map` (upper-case names).
    pub listener_security_protocol_map: IndexMap<String, SecurityProtocol>,
    /// `inter.broker.listener.name`, or the name of `security.inter.broker.protocol`.
    pub inter_broker_listener_name: String,
    /// `log.dirs`, else `log.dir`.
    pub log_dirs: Vec<PathBuf>,
    /// `metadata.log.dir`, else the first log dir.
    pub metadata_log_dir: PathBuf,
    /// `num.partitions`.
    pub num_partitions: i32,
    /// `default.replication.factor`.
    pub default_replication_factor: i32,
    /// `auto.create.topics.enable`.
    pub auto_create_topics_enable: bool,
    /// `delete.topic.enable`.
    pub delete_topic_enable: bool,
    /// `min.insync.replicas`.
    pub min_insync_replicas: i32,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election_enable: bool,
    /// `message.max.bytes`.
    pub message_max_bytes: i32,
    /// The topic-level settings a topic without overrides gets: Kafka's built-in topic defaults
    /// overridden by the `log.*` keys (see [`crate::broker::topic_config::resolve_log_config`]).
    pub log_defaults: LogConfig,
    /// `log.retention.check.interval.ms`.
    pub log_retention_check_interval_ms: i64,
    /// `log.flush.scheduler.interval.ms`.
    pub log_flush_scheduler_interval_ms: i64,
    /// `log.flush.offset.checkpoint.interval.ms`.
    pub log_flush_offset_checkpoint_interval_ms: i32,
    /// `log.flush.start.offset.checkpoint.interval.ms`.
    pub log_flush_start_offset_checkpoint_interval_ms: i32,
    /// `log.cleaner.enable`.
    pub log_cleaner_enable: bool,
    /// `log.cleaner.threads`.
    pub log_cleaner_threads: i32,
    /// `log.cleaner.backoff.ms`.
    pub log_cleaner_backoff_ms: i64,
    /// `log.cleaner.dedupe.buffer.size`: memory for the cleaner's key map.
    pub log_cleaner_dedupe_buffer_size: i64,
    /// `num.recovery.threads.per.data.dir`.
    pub num_recovery_threads_per_data_dir: i32,
    /// `socket.request.max.bytes`: the largest request frame accepted.
    pub socket_request_max_bytes: i32,
    /// `num.network.threads` (accepted; kbox's network runs on tokio).
    pub num_network_threads: i32,
    /// `num.io.threads` (accepted; kbox's request handling runs on tokio).
    pub num_io_threads: i32,
    /// `queued.max.requests`.
    pub queued_max_requests: i32,
    /// `connections.max.idle.ms`.
    pub connections_max_idle_ms: i64,
    /// `max.connections`.
    pub max_connections: i32,
    /// `max.connections.per.ip`.
    pub max_connections_per_ip: i32,
    /// `max.connections.per.ip.overrides`, resolved to addresses.
    pub max_connections_per_ip_overrides: HashMap<std::net::IpAddr, u32>,
    /// `max.connection.creation.rate` (per listener, per second).
    pub max_connection_creation_rate: i32,
    /// `fetch.max.bytes`.
    pub fetch_max_bytes: i32,
    /// `offsets.topic.num.partitions`.
    pub offsets_topic_num_partitions: i32,
    /// `offsets.topic.replication.factor`.
    pub offsets_topic_replication_factor: i16,
    /// `offsets.topic.segment.bytes`.
    pub offsets_topic_segment_bytes: i32,
    /// `offsets.retention.minutes`.
    pub offsets_retention_minutes: i32,
    /// `offsets.retention.check.interval.ms`.
    pub offsets_retention_check_interval_ms: i64,
    /// `offsets.commit.timeout.ms`.
    pub offsets_commit_timeout_ms: i32,
    /// `group.initial.rebalance.delay.ms`.
    pub group_initial_rebalance_delay_ms: i32,
    /// `group.min.session.timeout.ms`.
    pub group_min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`.
    pub group_max_session_timeout_ms: i32,
    /// `group.max.size`.
    pub group_max_size: i32,
    /// `transaction.state.log.num.partitions`.
    pub transaction_state_log_num_partitions: i32,
    /// `transaction.state.log.replication.factor`.
    pub transaction_state_log_replication_factor: i16,
    /// `transaction.state.log.min.isr`.
    pub transaction_state_log_min_isr: i32,
    /// `transaction.state.log.segment.bytes`.
    pub transaction_state_log_segment_bytes: i32,
    /// `transaction.max.timeout.ms`.
    pub transaction_max_timeout_ms: i32,
    /// `transactional.id.expiration.ms`.
    pub transactional_id_expiration_ms: i32,
    /// `producer.id.expiration.ms`.
    pub producer_id_expiration_ms: i32,
    /// `broker.rack`.
    pub broker_rack: Option<String>,
    /// `replica.lag.time.max.ms`.
    pub replica_lag_time_max_ms: i64,
    /// `replica.fetch.max.bytes`.
    pub replica_fetch_max_bytes: i32,
    /// `broker.session.timeout.ms`.
    pub broker_session_timeout_ms: i32,
    /// `broker.heartbeat.interval.ms`.
    pub broker_heartbeat_interval_ms: i32,
    /// `kbox.metrics.listener`: where to serve Prometheus metrics, `None` when off.
    pub metrics_listener: Option<SocketAddr>,
    /// `authorizer.class.name` is the StandardAuthorizer: ACLs are checked.
    pub authorizer_enabled: bool,
    /// `super.users`: principals allowed everything.
    pub super_users: Vec<String>,
    /// `allow.everyone.if.no.acl.found`.
    pub allow_everyone_if_no_acl_found: bool,
    /// `quota.window.num`.
    pub quota_window_num: i32,
    /// `quota.window.size.seconds`.
    pub quota_window_size_seconds: i32,
    props: IndexMap<String, String>,
    values: HashMap<&'static str, ConfigValue>,
    unknown_keys: Vec<String>,
}

/// Typed reads of given-or-default values during construction.
struct Reader<'a> {
    given: &'a HashMap<&'static str, ConfigValue>,
}

impl Reader<'_> {
    fn value(&self, name: &'static str) -> Option<ConfigValue> {
        self.given
            .get(name)
            .cloned()
            .or_else(|| broker_key(name).and_then(BrokerKey::default_value))
    }

    fn required(&self, name: &'static str) -> Result<ConfigValue, ConfigError> {
        self.value(name).ok_or_else(|| ConfigError::Missing {
            name: name.to_string(),
        })
    }

    fn int(&self, name: &'static str) -> Result<i32, ConfigError> {
        match self.required(name)? {
            ConfigValue::Int(i) => Ok(i),
            other => Err(type_mismatch(name, &other)),
        }
    }

    fn short(&self, name: &'static str) -> Result<i16, ConfigError> {
        match self.required(name)? {
            ConfigValue::Short(i) => Ok(i),
            other => Err(type_mismatch(name, &other)),
        }
    }

    fn long(&self, name: &'static str) -> Result<i64, ConfigError> {
        match self.required(name)? {
            ConfigValue::Long(i) => Ok(i),
            other => Err(type_mismatch(name, &other)),
        }
    }

    fn boolean(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.required(name)? {
            ConfigValue::Boolean(b) => Ok(b),
            other => Err(type_mismatch(name, &other)),
        }
    }

    fn opt_string(&self, name: &'static str) -> Option<String> {
        self.value(name)
            .and_then(|v| v.as_str().map(str::to_string))
    }

    fn list(&self, name: &'static str) -> Option<Vec<String>> {
        self.value(name)
            .and_then(|v| v.as_list().map(<[String]>::to_vec))
    }
}

fn type_mismatch(name: &str, value: &ConfigValue) -> ConfigError {
    ConfigError::Invalid(format!("internal error: {name} parsed as {value:?}"))
}

fn require(ok: bool, message: impl FnOnce() -> String) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(message()))
    }
}

/// Java's `Set.toString` of voter ids: `[1, 2, 3]`.
fn id_set(voters: &[QuorumVoter]) -> String {
    let mut ids: Vec<i32> = voters.iter().map(|v| v.id).collect();
    ids.sort_unstable();
    format!(
        "[{}]",
        ids.iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl BrokerConfig {
    /// Reads `path` and applies `overrides` (`key=value` strings, as given to
    /// `kafka-server-start.sh ... --override key=value`).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Properties`] when the file cannot be read or parsed,
    /// [`ConfigError::BadOverride`] for an override without `=`, and every validation error of
    /// [`BrokerConfig::from_props`].
    pub fn load(path: &Path, overrides: &[String]) -> Result<BrokerConfig, ConfigError> {
        let props = Properties::load(path)?;
        BrokerConfig::from_properties(props, overrides)
    }

    /// Builds from parsed properties plus `--override` strings.
    ///
    /// # Errors
    ///
    /// As [`BrokerConfig::load`].
    pub fn from_properties(
        props: Properties,
        overrides: &[String],
    ) -> Result<BrokerConfig, ConfigError> {
        let mut map = props.into_map();
        for arg in overrides {
            let (k, v) = parse_override(arg)?;
            map.insert(k, v);
        }
        BrokerConfig::from_props(map)
    }

    /// Builds from key/value pairs (later pairs win).
    ///
    /// # Errors
    ///
    /// As [`BrokerConfig::from_props`].
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<BrokerConfig, ConfigError> {
        BrokerConfig::from_props(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Validates an ordered key/value map.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZooKeeper`] for any `zookeeper.*` key; [`ConfigError::InvalidValue`] for a
    /// bad value; [`ConfigError::Missing`] without `process.roles` or `node.id`;
    /// [`ConfigError::Invalid`] when Kafka's cross-key rules fail.
    pub fn from_props(props: IndexMap<String, String>) -> Result<BrokerConfig, ConfigError> {
        if let Some(key) = props.keys().find(|k| k.starts_with("zookeeper.")) {
            return Err(ConfigError::ZooKeeper { key: key.clone() });
        }
        let mut values: HashMap<&'static str, ConfigValue> = HashMap::new();
        let mut unknown_keys = Vec::new();
        for (key, raw) in &props {
            match broker_key(key) {
                Some(def) => {
                    values.insert(def.name, def.parse(raw)?);
                }
                None if is_listener_override(key) => {}
                None => unknown_keys.push(key.clone()),
            }
        }
        let r = Reader { given: &values };

        // Roles and identity.
        let roles = r
            .list("process.roles")
            .ok_or_else(|| ConfigError::Missing {
                name: "process.roles".into(),
            })?;
        let raw_roles = props.get("process.roles").cloned().unwrap_or_default();
        if roles.is_empty() {
            return Err(ConfigError::invalid_value(
                "process.roles",
                &raw_roles,
                "must contain broker, controller or both (kbox runs in KRaft mode only)",
            ));
        }
        let mut seen = Vec::new();
        for role in &roles {
            if seen.contains(role) {
                return Err(ConfigError::invalid_value(
                    "process.roles",
                    &raw_roles,
                    format!(
                        "Duplicate role names found in `process.roles`: {}",
                        roles.join(", ")
                    ),
                ));
            }
            seen.push(role.clone());
        }
        let process_roles = ProcessRoles {
            broker: roles.iter().any(|r| r == "broker"),
            controller: roles.iter().any(|r| r == "controller"),
        };
        let node_id = r.int("node.id")?;

        // Quorum.
        let voters_raw = r.list("controller.quorum.voters").unwrap_or_default();
        let controller_quorum_voters = parse_voters(&voters_raw).map_err(|m| {
            ConfigError::invalid_value("controller.quorum.voters", &voters_raw.join(","), m)
        })?;
        let bootstrap_raw = r
            .list("controller.quorum.bootstrap.servers")
            .unwrap_or_default();
        let controller_quorum_bootstrap_servers =
            parse_host_ports(&bootstrap_raw).map_err(|m| {
                ConfigError::invalid_value(
                    "controller.quorum.bootstrap.servers",
                    &bootstrap_raw.join(","),
                    m,
                )
            })?;
        let controller_listener_names: Vec<String> = r
            .opt_string("controller.listener.names")
            .map(|s| {
                csv(&s)
                    .into_iter()
                    .map(|n| n.to_ascii_uppercase())
                    .collect()
            })
            .unwrap_or_default();

        // Listeners.
        let listeners_raw = r.opt_string("listeners").unwrap_or_default();
        let listener_endpoints = parse_endpoints(&listeners_raw)
            .map_err(|m| ConfigError::invalid_value("listeners", &listeners_raw, m))?;
        let map_given = props.contains_key("listener.security.protocol.map");
        let map_raw = r
            .opt_string("listener.security.protocol.map")
            .unwrap_or_default();
        let mut protocol_map = parse_protocol_map(&map_raw).map_err(|m| {
            ConfigError::invalid_value("listener.security.protocol.map", &map_raw, m)
        })?;
        if !map_given {
            let secure = |n: &str| matches!(n, "SSL" | "SASL_SSL" | "SASL_PLAINTEXT");
            let in_use = controller_listener_names.iter().any(|n| secure(n))
                || listener_endpoints.iter().any(|(n, _, _)| secure(n));
            if !in_use {
                for name in &controller_listener_names {
                    protocol_map
                        .entry(name.clone())
                        .or_insert(SecurityProtocol::Plaintext);
                }
            }
        }
        let to_listeners =
            |endpoints: Vec<(String, Option<String>, u16)>| -> Result<Vec<Listener>, ConfigError> {
                endpoints
                    .into_iter()
                    .map(|(name, host, port)| {
                        let security_protocol = *protocol_map.get(&name).ok_or_else(|| {
                            ConfigError::Invalid(format!(
                                "No security protocol defined for listener {name}"
                            ))
                        })?;
                        Ok(Listener {
                            name,
                            host,
                            port,
                            security_protocol,
                        })
                    })
                    .collect()
            };
        let listeners = to_listeners(listener_endpoints)?;
        let is_controller_listener = |l: &Listener| controller_listener_names.contains(&l.name);
        let advertised_all = match r.opt_string("advertised.listeners") {
            Some(raw) => to_listeners(
                parse_endpoints(&raw)
                    .map_err(|m| ConfigError::invalid_value("advertised.listeners", &raw, m))?,
            )?,
            None => listeners.clone(),
        };
        let advertised_listeners: Vec<Listener> = advertised_all
            .iter()
            .filter(|l| !is_controller_listener(l))
            .cloned()
            .collect();
        let advertised_controller_listeners: Vec<Listener> = controller_listener_names
            .iter()
            .filter_map(|name| {
                let given = props
                    .contains_key("advertised.listeners")
                    .then(|| advertised_all.iter().find(|l| &l.name == name))
                    .flatten();
                given.cloned().or_else(|| {
                    listeners.iter().find(|l| &l.name == name).map(|l| {
                        let mut l = l.clone();
                        if l.host.as_deref() == Some("0.0.0.0") {
                            l.host = None;
                        }
                        l
                    })
                })
            })
            .collect();

        let ibl_given = r.opt_string("inter.broker.listener.name");
        if ibl_given.is_some() && props.contains_key("security.inter.broker.protocol") {
            return Err(ConfigError::Invalid(
                "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.".into(),
            ));
        }
        let inter_broker_listener_name = match ibl_given {
            Some(name) => java_trim(&name).to_ascii_uppercase(),
            None => r
                .opt_string("security.inter.broker.protocol")
                .unwrap_or_else(|| "PLAINTEXT".into()),
        };

        // Log directories.
        let log_dirs: Vec<PathBuf> = r
            .list("log.dirs")
            .or_else(|| r.list("log.dir"))
            .unwrap_or_default()
            .into_iter()
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .collect();
        require(!log_dirs.is_empty(), || {
            "At least one log directory must be defined via log.dirs or log.dir.".into()
        })?;
        for (i, d) in log_dirs.iter().enumerate() {
            if log_dirs[..i].contains(d) {
                let key = if props.contains_key("log.dirs") {
                    "log.dirs"
                } else {
                    "log.dir"
                };
                return Err(ConfigError::invalid_value(
                    key,
                    props.get(key).map(String::as_str).unwrap_or_default(),
                    format!("Duplicate log directory {}", d.display()),
                ));
            }
        }
        let metadata_log_dir = r
            .opt_string("metadata.log.dir")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| log_dirs[0].clone());

        let mut cfg = BrokerConfig {
            process_roles,
            node_id,
            controller_quorum_voters,
            controller_quorum_bootstrap_servers,
            controller_listener_names,
            listeners,
            advertised_listeners,
            advertised_controller_listeners,
            listener_security_protocol_map: protocol_map.clone(),
            inter_broker_listener_name,
            log_dirs,
            metadata_log_dir,
            num_partitions: r.int("num.partitions")?,
            default_replication_factor: r.int("default.replication.factor")?,
            auto_create_topics_enable: r.boolean("auto.create.topics.enable")?,
            delete_topic_enable: r.boolean("delete.topic.enable")?,
            min_insync_replicas: r.int("min.insync.replicas")?,
            unclean_leader_election_enable: r.boolean("unclean.leader.election.enable")?,
            message_max_bytes: r.int("message.max.bytes")?,
            log_defaults: LogConfig::default(),
            log_retention_check_interval_ms: r.long("log.retention.check.interval.ms")?,
            log_flush_scheduler_interval_ms: r.long("log.flush.scheduler.interval.ms")?,
            log_flush_offset_checkpoint_interval_ms: r
                .int("log.flush.offset.checkpoint.interval.ms")?,
            log_flush_start_offset_checkpoint_interval_ms: r
                .int("log.flush.start.offset.checkpoint.interval.ms")?,
            log_cleaner_enable: r.boolean("log.cleaner.enable")?,
            log_cleaner_threads: r.int("log.cleaner.threads")?,
            log_cleaner_backoff_ms: r.long("log.cleaner.backoff.ms")?,
            log_cleaner_dedupe_buffer_size: r.long("log.cleaner.dedupe.buffer.size")?,
            num_recovery_threads_per_data_dir: r.int("num.recovery.threads.per.data.dir")?,
            socket_request_max_bytes: r.int("socket.request.max.bytes")?,
            num_network_threads: r.int("num.network.threads")?,
            num_io_threads: r.int("num.io.threads")?,
            queued_max_requests: r.int("queued.max.requests")?,
            connections_max_idle_ms: r.long("connections.max.idle.ms")?,
            max_connections: r.int("max.connections")?,
            max_connections_per_ip: r.int("max.connections.per.ip")?,
            max_connections_per_ip_overrides: {
                let raw = r
                    .opt_string("max.connections.per.ip.overrides")
                    .unwrap_or_default();
                crate::broker::connection_quotas::parse_overrides(&raw).map_err(|m| {
                    ConfigError::invalid_value("max.connections.per.ip.overrides", &raw, m)
                })?
            },
            max_connection_creation_rate: r.int("max.connection.creation.rate")?,
            fetch_max_bytes: r.int("fetch.max.bytes")?,
            offsets_topic_num_partitions: r.int("offsets.topic.num.partitions")?,
            offsets_topic_replication_factor: r.short("offsets.topic.replication.factor")?,
            offsets_topic_segment_bytes: r.int("offsets.topic.segment.bytes")?,
            offsets_retention_minutes: r.int("offsets.retention.minutes")?,
            offsets_retention_check_interval_ms: r.long("offsets.retention.check.interval.ms")?,
            offsets_commit_timeout_ms: r.int("offsets.commit.timeout.ms")?,
            group_initial_rebalance_delay_ms: r.int("group.initial.rebalance.delay.ms")?,
            group_min_session_timeout_ms: r.int("group.min.session.timeout.ms")?,
            group_max_session_timeout_ms: r.int("group.max.session.timeout.ms")?,
            group_max_size: r.int("group.max.size")?,
            transaction_state_log_num_partitions: r.int("transaction.state.log.num.partitions")?,
            transaction_state_log_replication_factor: r
                .short("transaction.state.log.replication.factor")?,
            transaction_state_log_min_isr: r.int("transaction.state.log.min.isr")?,
            transaction_state_log_segment_bytes: r.int("transaction.state.log.segment.bytes")?,
            transaction_max_timeout_ms: r.int("transaction.max.timeout.ms")?,
            transactional_id_expiration_ms: r.int("transactional.id.expiration.ms")?,
            producer_id_expiration_ms: r.int("producer.id.expiration.ms")?,
            broker_rack: r.opt_string("broker.rack").filter(|s| !s.is_empty()),
            replica_lag_time_max_ms: r.long("replica.lag.time.max.ms")?,
            replica_fetch_max_bytes: r.int("replica.fetch.max.bytes")?,
            broker_session_timeout_ms: r.int("broker.session.timeout.ms")?,
            broker_heartbeat_interval_ms: r.int("broker.heartbeat.interval.ms")?,
            metrics_listener: parse_metrics_listener(
                &r.opt_string("kbox.metrics.listener").unwrap_or_default(),
            )
            .map_err(|m| {
                let v = r.opt_string("kbox.metrics.listener").unwrap_or_default();
                ConfigError::invalid_value("kbox.metrics.listener", &v, m)
            })?,
            authorizer_enabled: !r
                .opt_string("authorizer.class.name")
                .unwrap_or_default()
                .trim()
                .is_empty(),
            super_users: r
                .opt_string("super.users")
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
            allow_everyone_if_no_acl_found: r.boolean("allow.everyone.if.no.acl.found")?,
            quota_window_num: r.int("quota.window.num")?,
            quota_window_size_seconds: r.int("quota.window.size.seconds")?,
            props,
            values,
            unknown_keys,
        };
        cfg.validate_kraft()?;
        cfg.validate_log()?;
        cfg.log_defaults = crate::broker::topic_config::resolve_log_config(&cfg, &BTreeMap::new())?;
        Ok(cfg)
    }

    /// Kafka's `KafkaConfig.validateValues` rules for KRaft roles, quorum and listeners.
    fn validate_kraft(&self) -> Result<(), ConfigError> {
        let voters = &self.controller_quorum_voters;
        require(
            !voters.is_empty() || !self.controller_quorum_bootstrap_servers.is_empty(),
            || {
                "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.".into()
            },
        )?;
        let listener_names: Vec<&str> = self.listeners.iter().map(|l| l.name.as_str()).collect();
        let controller_listeners_bound = self
            .controller_listener_names
            .iter()
            .any(|n| listener_names.contains(&n.as_str()));
        let roles = self.process_roles;
        if roles.controller {
            if !voters.is_empty() {
                require(voters.iter().any(|v| v.id == self.node_id), || {
                    format!(
                        "If process.roles contains the 'controller' role, the node id {} must be included in the set of voters controller.quorum.voters={}",
                        self.node_id,
                        id_set(voters)
                    )
                })?;
            }
            require(controller_listeners_bound, || {
                "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role".into()
            })?;
            require(
                self.controller_listener_names
                    .iter()
                    .all(|n| listener_names.contains(&n.as_str())),
                || {
                    "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role".into()
                },
            )?;
        }
        if roles.controller && !roles.broker {
            require(
                self.listeners
                    .iter()
                    .all(|l| self.controller_listener_names.contains(&l.name)),
                || {
                    "The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller".into()
                },
            )?;
        }
        if roles.broker && !roles.controller {
            require(!voters.iter().any(|v| v.id == self.node_id), || {
                format!(
                    "If process.roles contains just the 'broker' role, the node id {} must not be included in the set of voters controller.quorum.voters={}",
                    self.node_id,
                    id_set(voters)
                )
            })?;
            require(!self.controller_listener_names.is_empty(), || {
                "controller.listener.names must contain at least one value when running KRaft with just the broker role".into()
            })?;
            require(!controller_listeners_bound, || {
                "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role".into()
            })?;
            for name in &self.controller_listener_names {
                require(
                    self.listener_security_protocol_map.contains_key(name),
                    || {
                        format!(
                        "Controller listener with name {name} defined in controller.listener.names not found in listener.security.protocol.map  (an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, or if there are security protocols other than PLAINTEXT in use)"
                    )
                    },
                )?;
            }
        }
        if roles.broker {
            require(!self.advertised_listeners.is_empty(), || {
                "There must be at least one advertised listener. Perhaps all listeners appear in controller.listener.names?".into()
            })?;
            let advertised: Vec<&str> = self
                .advertised_listeners
                .iter()
                .map(|l| l.name.as_str())
                .collect();
            require(
                advertised.contains(&self.inter_broker_listener_name.as_str()),
                || {
                    format!(
                    "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are {}",
                    advertised.join(",")
                )
                },
            )?;
            require(
                advertised.iter().all(|a| listener_names.contains(a)),
                || {
                    format!(
                    "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found {} The valid options based on the current configuration are {}",
                    advertised.join(","),
                    listener_names.join(", ")
                )
                },
            )?;
        }
        require(
            self.advertised_listeners
                .iter()
                .all(|l| l.host.as_deref() != Some("0.0.0.0")),
            || {
                "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.".into()
            },
        )?;
        let mut ports: Vec<u16> = Vec::new();
        for l in &self.listeners {
            if l.port != 0 && ports.contains(&l.port) {
                let same_family = self.listeners.iter().filter(|o| o.port == l.port).all(|o| {
                    o.host.as_deref().map(|h| h.contains(':'))
                        == l.host.as_deref().map(|h| h.contains(':'))
                });
                require(!same_family, || {
                    format!(
                        "Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, listeners: {}, port: {}",
                        self.props.get("listeners").map(String::as_str).unwrap_or(""),
                        l.port
                    )
                })?;
            }
            ports.push(l.port);
        }
        require(
            self.broker_heartbeat_interval_ms.saturating_mul(2) <= self.broker_session_timeout_ms,
            || {
                "broker.heartbeat.interval.ms must be less than or equal to half of the broker.session.timeout.ms".into()
            },
        )?;
        Ok(())
    }

    /// Kafka's `validateLogConfig` rules on the resolved roll and retention times.
    fn validate_log(&self) -> Result<(), ConfigError> {
        let roll = self.log_roll_ms();
        require(roll >= 1, || {
            "log.roll.ms must be greater than or equal to 1".into()
        })?;
        let jitter = match self.value("log.roll.jitter.ms").and_then(|v| v.as_i64()) {
            Some(ms) => ms,
            None => {
                self.value("log.roll.jitter.hours")
                    .and_then(|v| v.as_i64())
                    .unwrap_or(0)
                    * 3_600_000
            }
        };
        require(jitter >= 0, || {
            "log.roll.jitter.ms must be greater than or equal to 0".into()
        })?;
        let retention = self.log_retention_ms();
        require(retention >= 1 || retention == -1, || {
            "log.retention.ms must be unlimited (-1) or, greater than or equal to 1".into()
        })?;
        Ok(())
    }

    /// `log.roll.ms`, else `log.roll.hours` in milliseconds.
    pub fn log_roll_ms(&self) -> i64 {
        match self.value("log.roll.ms").and_then(|v| v.as_i64()) {
            Some(ms) => ms,
            None => self
                .value("log.roll.hours")
                .and_then(|v| v.as_i64())
                .unwrap_or(168)
                .saturating_mul(3_600_000),
        }
    }

    /// `log.retention.ms`, else `log.retention.minutes`, else `log.retention.hours`, in
    /// milliseconds; any negative value is -1 (forever), as Kafka's `logRetentionTimeMillis`.
    pub fn log_retention_ms(&self) -> i64 {
        let ms = match self.value("log.retention.ms").and_then(|v| v.as_i64()) {
            Some(ms) => ms,
            None => match self
                .given_value("log.retention.minutes")
                .and_then(|v| v.as_i64())
            {
                Some(min) => min * 60_000,
                None => {
                    self.value("log.retention.hours")
                        .and_then(|v| v.as_i64())
                        .unwrap_or(168)
                        * 3_600_000
                }
            },
        };
        if ms < 0 {
            -1
        } else {
            ms
        }
    }

    /// The single-node configuration of an embedded broker:
    ///
    /// ```text
    /// process.roles=broker,controller        node.id=1
    /// listeners=PLAINTEXT://<addr>,CONTROLLER://<host>:0
    /// controller.listener.names=CONTROLLER   controller.quorum.voters=1@<host>:0
    /// log.dirs=<data_dir>
    /// offsets.topic.replication.factor=1     transaction.state.log.replication.factor=1
    /// transaction.state.log.min.isr=1        group.initial.rebalance.delay.ms=0
    /// ```
    ///
    /// The CONTROLLER listener binds port 0 of the same host (the OS picks a free port), so an
    /// embedded broker never collides with a second one; the voter entry `1@<host>:0` is a
    /// placeholder, since the only voter is this process and it never dials itself. When
    /// `listener_addr` is a wildcard address (`0.0.0.0`, `::`), the broker advertises `localhost`
    /// and the voter is the loopback address. When its port is 0, the caller replaces the advertised
    /// port once the socket is bound.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`] when `data_dir` contains a comma or is not UTF-8 (neither can
    /// be written in `log.dirs`).
    pub fn embedded(
        data_dir: &Path,
        listener_addr: SocketAddr,
    ) -> Result<BrokerConfig, ConfigError> {
        let dir = data_dir
            .to_str()
            .filter(|d| !d.contains(',') && !d.trim().is_empty())
            .ok_or_else(|| {
                ConfigError::invalid_value(
                    "log.dirs",
                    &data_dir.display().to_string(),
                    "the embedded broker's data directory must be UTF-8 without commas",
                )
            })?;
        let ip = listener_addr.ip();
        let host = ip.to_string();
        let port = listener_addr.port();
        let voter_host = if ip.is_unspecified() {
            match ip {
                IpAddr::V4(_) => "127.0.0.1".to_string(),
                IpAddr::V6(_) => "::1".to_string(),
            }
        } else {
            host.clone()
        };
        let mut pairs = vec![
            ("process.roles".to_string(), "broker,controller".to_string()),
            ("node.id".into(), "1".into()),
            (
                "controller.quorum.voters".into(),
                format!("1@{}", format_host_port(&voter_host, 0)),
            ),
            (
                "listeners".into(),
                format!(
                    "PLAINTEXT://{},CONTROLLER://{}",
                    format_host_port(&host, port),
                    format_host_port(&host, 0)
                ),
            ),
            ("controller.listener.names".into(), "CONTROLLER".into()),
            ("inter.broker.listener.name".into(), "PLAINTEXT".into()),
            ("log.dirs".into(), dir.to_string()),
            ("offsets.topic.replication.factor".into(), "1".into()),
            (
                "transaction.state.log.replication.factor".into(),
                "1".into(),
            ),
            ("transaction.state.log.min.isr".into(), "1".into()),
            ("group.initial.rebalance.delay.ms".into(), "0".into()),
        ];
        if ip.is_unspecified() {
            pairs.push((
                "advertised.listeners".into(),
                format!("PLAINTEXT://localhost:{port}"),
            ));
        }
        BrokerConfig::from_pairs(pairs)
    }

    /// A copy with `overrides` applied (later wins), re-validated.
    ///
    /// # Errors
    ///
    /// As [`BrokerConfig::from_props`].
    pub fn with_overrides<K: AsRef<str>, V: AsRef<str>>(
        &self,
        overrides: &[(K, V)],
    ) -> Result<BrokerConfig, ConfigError> {
        let mut props = self.props.clone();
        for (k, v) in overrides {
            props.insert(k.as_ref().to_string(), v.as_ref().to_string());
        }
        BrokerConfig::from_props(props)
    }

    /// Every key/value given (file, then overrides), in order, unknown keys included.
    pub fn props(&self) -> &IndexMap<String, String> {
        &self.props
    }

    /// The raw value given for `key`, if any.
    pub fn given(&self, key: &str) -> Option<&str> {
        self.props.get(key).map(String::as_str)
    }

    /// The keys given that kbox does not know, in order; they are ignored.
    pub fn unknown_keys(&self) -> &[String] {
        &self.unknown_keys
    }

    /// The parsed value of a known key as given, `None` when not given.
    pub fn given_value(&self, key: &str) -> Option<ConfigValue> {
        self.values.get(key).cloned()
    }

    /// The parsed value of a known key: as given, else Kafka's default; `None` for unknown keys
    /// and keys without a default that were not given.
    pub fn value(&self, key: &str) -> Option<ConfigValue> {
        self.given_value(key)
            .or_else(|| broker_key(key).and_then(BrokerKey::default_value))
    }

    /// True when this process is a broker.
    pub fn is_broker(&self) -> bool {
        self.process_roles.broker
    }

    /// True when this process is a controller.
    pub fn is_controller(&self) -> bool {
        self.process_roles.controller
    }

    /// The listeners named in `controller.listener.names`, in `listeners` order.
    pub fn controller_listeners(&self) -> Vec<&Listener> {
        self.listeners
            .iter()
            .filter(|l| self.controller_listener_names.contains(&l.name))
            .collect()
    }

    /// The listeners serving clients (every listener that is not a controller listener).
    pub fn broker_listeners(&self) -> Vec<&Listener> {
        self.listeners
            .iter()
            .filter(|l| !self.controller_listener_names.contains(&l.name))
            .collect()
    }

    /// The listener named `name` (any case).
    pub fn listener(&self, name: &str) -> Option<&Listener> {
        self.listeners
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    /// Every directory holding a `meta.properties`: the log dirs and the metadata log dir,
    /// sorted and without duplicates (Kafka's `configToLogDirectories`).
    pub fn storage_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.log_dirs.clone();
        dirs.push(self.metadata_log_dir.clone());
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &[(&str, &str)] = &[
        ("process.roles", "broker,controller"),
        ("node.id", "1"),
        ("controller.quorum.voters", "1@localhost:9093"),
        ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
        ("controller.listener.names", "CONTROLLER"),
    ];

    fn cfg_with(extra: &[(&str, &str)]) -> Result<BrokerConfig, ConfigError> {
        BrokerConfig::from_pairs(BASE.iter().chain(extra.iter()).copied())
    }

    fn cfg(extra: &[(&str, &str)]) -> BrokerConfig {
        cfg_with(extra).expect("valid config")
    }

    fn err(extra: &[(&str, &str)]) -> String {
        cfg_with(extra).expect_err("invalid config").to_string()
    }

    fn without(key: &str, extra: &[(&str, &str)]) -> Result<BrokerConfig, ConfigError> {
        BrokerConfig::from_pairs(
            BASE.iter()
                .filter(|(k, _)| *k != key)
                .chain(extra.iter())
                .copied(),
        )
    }

    #[test]
    fn metrics_listener_is_off_by_default_and_takes_an_ip_port() {
        assert_eq!(cfg(&[]).metrics_listener, None);
        assert_eq!(
            cfg(&[("kbox.metrics.listener", " ")]).metrics_listener,
            None
        );
        assert_eq!(
            cfg(&[("kbox.metrics.listener", "127.0.0.1:0")]).metrics_listener,
            Some("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            err(&[("kbox.metrics.listener", "localhost")]),
            "Invalid value localhost for configuration kbox.metrics.listener: Expected empty or an IP:port such as 127.0.0.1:9404"
        );
    }

    #[test]
    fn every_default_parses_and_validates() {
        for key in BROKER_KEYS {
            if let Some(d) = key.default {
                key.parse(d)
                    .unwrap_or_else(|e| panic!("default of {}: {e}", key.name));
            }
        }
        let mut names: Vec<&str> = BROKER_KEYS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate key in BROKER_KEYS");
    }

    #[test]
    fn defaults() {
        let c = cfg(&[]);
        assert_eq!(c.num_partitions, 1);
        assert_eq!(c.default_replication_factor, 1);
        assert!(c.auto_create_topics_enable);
        assert!(c.delete_topic_enable);
        assert_eq!(c.log_retention_check_interval_ms, 300_000);
        assert_eq!(c.message_max_bytes, 1_048_588);
        assert_eq!(c.socket_request_max_bytes, 104_857_600);
        assert_eq!(c.offsets_topic_num_partitions, 50);
        assert_eq!(c.offsets_topic_replication_factor, 3);
        assert_eq!(c.transaction_state_log_num_partitions, 50);
        assert_eq!(c.transaction_state_log_replication_factor, 3);
        assert_eq!(c.transaction_state_log_min_isr, 2);
        assert_eq!(c.group_initial_rebalance_delay_ms, 3000);
        assert_eq!(c.min_insync_replicas, 1);
        assert!(!c.unclean_leader_election_enable);
        assert_eq!(c.broker_rack, None);
        assert_eq!(c.replica_lag_time_max_ms, 30_000);
        assert_eq!(c.broker_session_timeout_ms, 9000);
        assert_eq!(c.broker_heartbeat_interval_ms, 2000);
        assert_eq!(c.num_network_threads, 3);
        assert_eq!(c.num_io_threads, 8);
        assert_eq!(c.connections_max_idle_ms, 600_000);
        assert_eq!(c.max_connections, i32::MAX);
        assert_eq!(c.log_flush_scheduler_interval_ms, i64::MAX);
        assert_eq!(c.log_dirs, vec![PathBuf::from(DEFAULT_LOG_DIR)]);
        assert_eq!(c.metadata_log_dir, PathBuf::from(DEFAULT_LOG_DIR));
        assert_eq!(c.inter_broker_listener_name, "PLAINTEXT");
        assert_eq!(
            c.log_defaults,
            LogConfig::default(),
            "log.* defaults equal Kafka's topic defaults"
        );
        assert_eq!(c.log_roll_ms(), 7 * 24 * 3_600_000);
        assert_eq!(c.log_retention_ms(), 7 * 24 * 3_600_000);
        assert!(c.unknown_keys().is_empty());
    }

    #[test]
    fn values_and_overrides() {
        let c = cfg(&[
            ("num.partitions", " 6 "),
            ("auto.create.topics.enable", "FALSE"),
            ("broker.rack", "rack-a"),
            ("offsets.topic.replication.factor", "1"),
            ("message.max.bytes", "2000000"),
        ]);
        assert_eq!(c.num_partitions, 6);
        assert!(!c.auto_create_topics_enable);
        assert_eq!(c.broker_rack.as_deref(), Some("rack-a"));
        assert_eq!(c.offsets_topic_replication_factor, 1);
        assert_eq!(c.log_defaults.max_message_bytes, 2_000_000);
        let c2 = c.with_overrides(&[("num.partitions", "3")]).unwrap();
        assert_eq!(c2.num_partitions, 3);
        assert_eq!(c2.given("num.partitions"), Some("3"));
    }

    #[test]
    fn load_file_with_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.properties");
        let text = BASE
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>()
            + "num.partitions=2\nlog.dirs=/data/a,\\\n  /data/b\n";
        std::fs::write(&path, text).unwrap();
        let c = BrokerConfig::load(&path, &["num.partitions=4".into(), "broker.rack=r1".into()])
            .unwrap();
        assert_eq!(c.num_partitions, 4);
        assert_eq!(c.broker_rack.as_deref(), Some("r1"));
        assert_eq!(
            c.log_dirs,
            vec![PathBuf::from("/data/a"), PathBuf::from("/data/b")]
        );
        assert_eq!(c.metadata_log_dir, PathBuf::from("/data/a"));
        let keys: Vec<&str> = c.props().keys().map(String::as_str).collect();
        assert_eq!(
            keys.last(),
            Some(&"broker.rack"),
            "overrides keep order: {keys:?}"
        );
        assert!(matches!(
            BrokerConfig::load(&path, &["novalue".into()]),
            Err(ConfigError::BadOverride(_))
        ));
        assert!(matches!(
            BrokerConfig::load(&dir.path().join("missing"), &[]),
            Err(ConfigError::Properties(PropertiesError::Io { .. }))
        ));
    }

    #[test]
    fn parse_override_splits_at_first_equals() {
        assert_eq!(parse_override("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_override("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_override("=x").is_err());
    }

    #[test]
    fn bad_values_name_key_value_and_expectation() {
        assert_eq!(
            err(&[("num.partitions", "abc")]),
            "Invalid value abc for configuration num.partitions: Not a number of type INT"
        );
        assert_eq!(
            err(&[("num.partitions", "0")]),
            "Invalid value 0 for configuration num.partitions: Value must be at least 1"
        );
        assert_eq!(
            err(&[("auto.create.topics.enable", "yes")]),
            "Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false"
        );
        assert_eq!(
            err(&[("log.retention.bytes", "1.5")]),
            "Invalid value 1.5 for configuration log.retention.bytes: Not a number of type LONG"
        );
        assert_eq!(
            err(&[("offsets.topic.replication.factor", "40000")]),
            "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number of type SHORT"
        );
        assert_eq!(
            err(&[("log.cleanup.policy", "delete,shrink")]),
            "Invalid value shrink for configuration log.cleanup.policy: String must be one of: compact, delete"
        );
        assert_eq!(
            err(&[("compression.type", "brotli")]),
            "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"
        );
        assert_eq!(
            err(&[("log.cleaner.min.cleanable.ratio", "1.5")]),
            "Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1"
        );
        assert_eq!(
            err(&[("log.segment.bytes", "1000")]),
            "Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576"
        );
        assert_eq!(
            err(&[("compression.gzip.level", "0")]),
            "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1"
        );
    }

    #[test]
    fn required_keys() {
        assert_eq!(
            without("node.id", &[]).unwrap_err().to_string(),
            "Missing required configuration \"node.id\" which has no default value."
        );
        assert_eq!(
            without("process.roles", &[]).unwrap_err().to_string(),
            "Missing required configuration \"process.roles\" which has no default value."
        );
        assert_eq!(
            err(&[("node.id", "-1")]),
            "Invalid value -1 for configuration node.id: Value must be at least 0"
        );
        assert_eq!(
            err(&[("process.roles", "broker,zk")]),
            "Invalid value zk for configuration process.roles: String must be one of: broker, controller"
        );
        assert!(err(&[("process.roles", "")]).contains("process.roles"));
        assert!(err(&[("process.roles", "broker,broker")]).contains("Duplicate role names"));
    }

    #[test]
    fn zookeeper_is_refused() {
        assert_eq!(
            err(&[("zookeeper.connect", "localhost:2181")]),
            "ZooKeeper mode is not supported: kbox runs in KRaft mode only; remove zookeeper.connect and set process.roles (see kbox storage format)"
        );
        // Even without process.roles, ZooKeeper is named first.
        let e = BrokerConfig::from_pairs([("zookeeper.connect", "zk:2181"), ("broker.id", "0")])
            .unwrap_err();
        assert!(matches!(e, ConfigError::ZooKeeper { ref key } if key == "zookeeper.connect"));
        assert!(err(&[("zookeeper.session.timeout.ms", "18000")])
            .contains("remove zookeeper.session.timeout.ms"));
    }

    #[test]
    fn unknown_keys_are_kept_and_ignored() {
        let c = cfg(&[
            ("foo.bar", "1"),
            ("num.partitions", "2"),
            ("listener.name.plaintext.ssl.x", "y"),
        ]);
        assert_eq!(
            c.unknown_keys(),
            &[
                "foo.bar".to_string(),
                "listener.name.plaintext.ssl.x".to_string()
            ]
        );
        assert_eq!(c.given("foo.bar"), Some("1"));
        assert_eq!(c.value("foo.bar"), None);
        assert!(c.props().contains_key("foo.bar"));
    }

    #[test]
    fn legacy_keys_are_accepted() {
        let c = cfg(&[
            ("log.message.format.version", "2.8"),
            ("log.message.downconversion.enable", "false"),
        ]);
        assert!(c.unknown_keys().is_empty());
    }

    #[test]
    fn retention_precedence() {
        assert_eq!(
            cfg(&[("log.retention.hours", "1")]).log_retention_ms(),
            3_600_000
        );
        assert_eq!(
            cfg(&[("log.retention.hours", "1"), ("log.retention.minutes", "2")]).log_retention_ms(),
            120_000
        );
        let c = cfg(&[
            ("log.retention.hours", "1"),
            ("log.retention.minutes", "2"),
            ("log.retention.ms", "5000"),
        ]);
        assert_eq!(c.log_retention_ms(), 5000);
        assert_eq!(c.log_defaults.retention_ms, 5000);
        assert_eq!(
            cfg(&[("log.retention.ms", "-1")]).log_defaults.retention_ms,
            -1
        );
        assert_eq!(
            cfg(&[("log.retention.hours", "-5")])
                .log_defaults
                .retention_ms,
            -1,
            "negative means forever"
        );
        assert_eq!(
            err(&[("log.retention.ms", "0")]),
            "log.retention.ms must be unlimited (-1) or, greater than or equal to 1"
        );
    }

    #[test]
    fn roll_precedence() {
        let c = cfg(&[("log.roll.hours", "2")]);
        assert_eq!(c.log_roll_ms(), 7_200_000);
        assert_eq!(c.log_defaults.segment_ms, 7_200_000);
        let c = cfg(&[("log.roll.hours", "2"), ("log.roll.ms", "1000")]);
        assert_eq!(c.log_defaults.segment_ms, 1000);
        assert_eq!(
            err(&[("log.roll.ms", "0")]),
            "log.roll.ms must be greater than or equal to 1"
        );
    }

    #[test]
    fn log_dirs_precedence() {
        let c = cfg(&[("log.dir", "/x"), ("log.dirs", "/a, /b")]);
        assert_eq!(c.log_dirs, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
        let c = cfg(&[("log.dir", "/x")]);
        assert_eq!(c.log_dirs, vec![PathBuf::from("/x")]);
        let c = cfg(&[("log.dirs", "/a,/b"), ("metadata.log.dir", "/meta")]);
        assert_eq!(c.metadata_log_dir, PathBuf::from("/meta"));
        assert_eq!(
            c.storage_dirs(),
            vec![
                PathBuf::from("/a"),
                PathBuf::from("/b"),
                PathBuf::from("/meta")
            ]
        );
        assert!(err(&[("log.dirs", " , ")]).contains("At least one log directory"));
        assert!(err(&[("log.dirs", "/a,/a")]).contains("Duplicate log directory"));
    }

    #[test]
    fn log_keys_feed_topic_defaults() {
        let c = cfg(&[
            ("log.segment.bytes", "2097152"),
            ("log.index.interval.bytes", "100"),
            ("log.index.size.max.bytes", "4096"),
            ("log.flush.interval.messages", "1"),
            ("log.flush.interval.ms", "10"),
            ("log.segment.delete.delay.ms", "0"),
            ("log.cleanup.policy", "compact,delete"),
            ("log.message.timestamp.type", "LogAppendTime"),
            ("log.cleaner.delete.retention.ms", "5"),
            ("log.cleaner.min.cleanable.ratio", "0.25"),
            ("log.cleaner.min.compaction.lag.ms", "7"),
            ("log.retention.bytes", "1000"),
        ]);
        let l = &c.log_defaults;
        assert_eq!(l.segment_bytes, 2_097_152);
        assert_eq!(l.index_interval_bytes, 100);
        assert_eq!(l.segment_index_bytes, 4096);
        assert_eq!(l.flush_messages, 1);
        assert_eq!(l.flush_ms, 10);
        assert_eq!(l.file_delete_delay_ms, 0);
        assert!(l.cleanup_compact && l.cleanup_delete);
        assert_eq!(
            l.timestamp_type,
            crate::broker::log::config::TimestampType::LogAppendTime
        );
        assert_eq!(l.delete_retention_ms, 5);
        assert_eq!(l.min_cleanable_dirty_ratio, 0.25);
        assert_eq!(l.min_compaction_lag_ms, 7);
        assert_eq!(l.retention_bytes, 1000);
        // log.flush.interval.ms falls back to log.flush.scheduler.interval.ms.
        assert_eq!(
            cfg(&[("log.flush.scheduler.interval.ms", "3000")])
                .log_defaults
                .flush_ms,
            3000
        );
    }

    #[test]
    fn listeners_parse() {
        let c = cfg(&[
            ("listeners", "plaintext://:9092,CONTROLLER://127.0.0.1:9093,SSL://[::1]:0,INTERNAL://host-1.example.com:9094"),
            ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,internal:sasl_plaintext"),
        ]);
        let l = &c.listeners;
        assert_eq!(l.len(), 4);
        assert_eq!(
            (l[0].name.as_str(), l[0].host.as_deref(), l[0].port),
            ("PLAINTEXT", None, 9092)
        );
        assert_eq!(l[0].bind_address(), "0.0.0.0:9092");
        assert_eq!((l[1].host.as_deref(), l[1].port), (Some("127.0.0.1"), 9093));
        assert_eq!(
            (l[2].host.as_deref(), l[2].port, l[2].security_protocol),
            (Some("::1"), 0, SecurityProtocol::Ssl)
        );
        assert_eq!(l[2].to_string(), "SSL://[::1]:0");
        assert_eq!(l[2].bind_address(), "[::1]:0");
        assert_eq!(l[3].security_protocol, SecurityProtocol::SaslPlaintext);
        assert_eq!(c.controller_listeners().len(), 1);
        assert_eq!(c.broker_listeners().len(), 3);
        // Advertised default: every listener but the controller ones.
        let names: Vec<&str> = c
            .advertised_listeners
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(names, vec!["PLAINTEXT", "SSL", "INTERNAL"]);
        assert_eq!(c.advertised_controller_listeners.len(), 1);
        assert_eq!(c.listener("controller").map(|l| l.port), Some(9093));
    }

    #[test]
    fn bad_listeners() {
        assert_eq!(
            err(&[("listeners", "PLAINTEXT:/x:1,CONTROLLER://:9093")]),
            "Invalid value PLAINTEXT:/x:1,CONTROLLER://:9093 for configuration listeners: Unable to parse PLAINTEXT:/x:1 to a broker endpoint"
        );
        assert!(err(&[("listeners", "PLAINTEXT://:abc,CONTROLLER://:9093")])
            .contains("Unable to parse"));
        assert!(
            err(&[("listeners", "PLAINTEXT://:70000,CONTROLLER://:9093")])
                .contains("Unable to parse")
        );
        assert!(err(&[(
            "listeners",
            "PLAINTEXT://:1,PLAINTEXT://:2,CONTROLLER://:9093"
        )])
        .contains("Each listener must have a different name"));
        assert!(
            err(&[("listeners", "PLAINTEXT://:9093,CONTROLLER://:9093")])
                .contains("Each listener must have a different port")
        );
        assert_eq!(
            err(&[(
                "listeners",
                "PLAINTEXT://:9092,CONTROLLER://:9093,FOO://:9094"
            )]),
            "No security protocol defined for listener FOO"
        );
        // IPv4 and IPv6 may share a port; port 0 may repeat.
        cfg(&[
            (
                "listeners",
                "PLAINTEXT://127.0.0.1:9092,EXTERNAL://[::1]:9092,CONTROLLER://:0,REPL://:0",
            ),
            (
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,REPL:PLAINTEXT",
            ),
        ]);
    }

    #[test]
    fn security_map_default_adds_controller_only_without_tls() {
        let c = cfg(&[]);
        assert_eq!(
            c.listener_security_protocol_map.get("CONTROLLER"),
            Some(&SecurityProtocol::Plaintext)
        );
        assert_eq!(c.listener_security_protocol_map.len(), 5);
        // An explicit map is taken as is.
        let e = err(&[("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT")]);
        assert_eq!(e, "No security protocol defined for listener CONTROLLER");
        // SSL in use: no implicit mapping either.
        let e = err(&[
            ("listeners", "SSL://:9092,CONTROLLER://:9093"),
            ("inter.broker.listener.name", "SSL"),
        ]);
        assert_eq!(e, "No security protocol defined for listener CONTROLLER");
        assert!(err(&[("listener.security.protocol.map", "PLAINTEXT:HTTP")])
            .contains("listener.security.protocol.map"));
    }

    #[test]
    fn advertised_listeners() {
        let c = cfg(&[("advertised.listeners", "PLAINTEXT://broker1:9092")]);
        assert_eq!(c.advertised_listeners[0].host.as_deref(), Some("broker1"));
        // Controller listeners in advertised.listeners go to the controller side (Kafka 4.x).
        let c = cfg(&[(
            "advertised.listeners",
            "PLAINTEXT://b:9092,CONTROLLER://c:9093",
        )]);
        assert_eq!(c.advertised_listeners.len(), 1);
        assert_eq!(
            c.advertised_controller_listeners[0].host.as_deref(),
            Some("c")
        );
        assert_eq!(
            err(&[("listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093")]),
            "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."
        );
        cfg(&[
            ("listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093"),
            ("advertised.listeners", "PLAINTEXT://localhost:9092"),
        ]);
        assert!(err(&[
            ("advertised.listeners", "OTHER://x:1"),
            (
                "listener.security.protocol.map",
                "OTHER:PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
            )
        ])
        .contains(
            "inter.broker.listener.name must be a listener name defined in advertised.listeners"
        ));
    }

    #[test]
    fn inter_broker_listener() {
        assert!(err(&[("inter.broker.listener.name", "NOPE")])
            .starts_with("inter.broker.listener.name must be a listener name"));
        assert_eq!(
            err(&[("inter.broker.listener.name", "PLAINTEXT"), ("security.inter.broker.protocol", "PLAINTEXT")]),
            "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."
        );
        assert_eq!(
            cfg(&[("inter.broker.listener.name", "plaintext")]).inter_broker_listener_name,
            "PLAINTEXT"
        );
    }

    #[test]
    fn quorum_rules() {
        let c = cfg(&[(
            "controller.quorum.voters",
            "1@localhost:9093,2@[::1]:9094,3@h3:9095",
        )]);
        assert_eq!(
            c.controller_quorum_voters[1],
            QuorumVoter {
                id: 2,
                host: "::1".into(),
                port: 9094
            }
        );
        assert_eq!(c.controller_quorum_voters[1].to_string(), "2@[::1]:9094");
        assert_eq!(
            err(&[("controller.quorum.voters", "2@h:9093,3@h:9094")]),
            "If process.roles contains the 'controller' role, the node id 1 must be included in the set of voters controller.quorum.voters=[2, 3]"
        );
        assert!(err(&[("controller.quorum.voters", "x@h:1")])
            .starts_with("Invalid value x@h:1 for configuration controller.quorum.voters"));
        assert!(err(&[("controller.quorum.voters", "1@h")]).contains("controller.quorum.voters"));
        assert!(err(&[("controller.quorum.voters", "1@h:1,1@g:2")]).contains("more than once"));
        assert_eq!(
            err(&[("controller.quorum.voters", "")]),
            "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers."
        );
        let c = cfg(&[
            ("controller.quorum.voters", ""),
            (
                "controller.quorum.bootstrap.servers",
                "localhost:9093, [::1]:9094",
            ),
        ]);
        assert_eq!(c.controller_quorum_bootstrap_servers.len(), 2);
        assert!(err(&[("controller.quorum.bootstrap.servers", "nohost")])
            .contains("controller.quorum.bootstrap.servers"));
    }

    #[test]
    fn broker_only_rules() {
        let broker = |extra: &[(&str, &str)]| {
            let base = [
                ("process.roles", "broker"),
                ("node.id", "2"),
                ("controller.quorum.voters", "1@localhost:9093"),
                ("listeners", "PLAINTEXT://:9092"),
                ("controller.listener.names", "CONTROLLER"),
            ];
            BrokerConfig::from_pairs(base.iter().chain(extra.iter()).copied())
        };
        let c = broker(&[]).unwrap();
        assert!(c.is_broker() && !c.is_controller());
        assert_eq!(
            c.listener_security_protocol_map.get("CONTROLLER"),
            Some(&SecurityProtocol::Plaintext)
        );
        assert!(broker(&[("node.id", "1")])
            .unwrap_err()
            .to_string()
            .contains("must not be included in the set of voters"));
        assert!(broker(&[("controller.listener.names", "")])
            .unwrap_err()
            .to_string()
            .contains("must contain at least one value"));
        assert!(
            broker(&[("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093")])
                .unwrap_err()
                .to_string()
                .contains("must not contain a value appearing")
        );
        assert!(
            broker(&[("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT")])
                .unwrap_err()
                .to_string()
                .starts_with("Controller listener with name CONTROLLER")
        );
    }

    #[test]
    fn controller_only_rules() {
        let ctl = |extra: &[(&str, &str)]| {
            let base = [
                ("process.roles", "controller"),
                ("node.id", "1"),
                ("controller.quorum.voters", "1@localhost:9093"),
                ("listeners", "CONTROLLER://:9093"),
                ("controller.listener.names", "CONTROLLER"),
            ];
            BrokerConfig::from_pairs(base.iter().chain(extra.iter()).copied())
        };
        let c = ctl(&[]).unwrap();
        assert!(c.is_controller() && !c.is_broker());
        assert!(
            ctl(&[("listeners", "CONTROLLER://:9093,PLAINTEXT://:9092")])
                .unwrap_err()
                .to_string()
                .starts_with("The listeners config must only contain KRaft controller listeners")
        );
        let e = ctl(&[
            ("controller.listener.names", "OTHER"),
            (
                "listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT,OTHER:PLAINTEXT",
            ),
        ]);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("at least one value appearing in the 'listeners'"));
        assert!(ctl(&[
            ("controller.listener.names", "CONTROLLER,OTHER"),
            (
                "listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT,OTHER:PLAINTEXT"
            )
        ])
        .unwrap_err()
        .to_string()
        .contains("must only contain values appearing"));
    }

    #[test]
    fn heartbeat_vs_session() {
        assert_eq!(
            err(&[("broker.heartbeat.interval.ms", "5000")]),
            "broker.heartbeat.interval.ms must be less than or equal to half of the broker.session.timeout.ms"
        );
    }

    #[test]
    fn embedded_single_node() {
        let dir = tempfile::tempdir().unwrap();
        let c = BrokerConfig::embedded(dir.path(), "127.0.0.1:19092".parse().unwrap()).unwrap();
        assert!(c.is_broker() && c.is_controller());
        assert_eq!(c.node_id, 1);
        assert_eq!(
            c.controller_quorum_voters,
            vec![QuorumVoter {
                id: 1,
                host: "127.0.0.1".into(),
                port: 0
            }]
        );
        assert_eq!(c.listeners[0].to_string(), "PLAINTEXT://127.0.0.1:19092");
        assert_eq!(c.listeners[1].to_string(), "CONTROLLER://127.0.0.1:0");
        assert_eq!(c.advertised_listeners.len(), 1);
        assert_eq!(c.offsets_topic_replication_factor, 1);
        assert_eq!(c.transaction_state_log_replication_factor, 1);
        assert_eq!(c.transaction_state_log_min_isr, 1);
        assert_eq!(c.group_initial_rebalance_delay_ms, 0);
        assert_eq!(c.log_dirs, vec![dir.path().to_path_buf()]);
        assert_eq!(c.metadata_log_dir, dir.path().to_path_buf());

        let c = BrokerConfig::embedded(dir.path(), "0.0.0.0:0".parse().unwrap()).unwrap();
        assert_eq!(
            c.advertised_listeners[0].to_string(),
            "PLAINTEXT://localhost:0"
        );
        assert_eq!(c.controller_quorum_voters[0].host, "127.0.0.1");
        let c = BrokerConfig::embedded(dir.path(), "[::1]:9092".parse().unwrap()).unwrap();
        assert_eq!(c.listeners[0].to_string(), "PLAINTEXT://[::1]:9092");
        assert_eq!(c.controller_quorum_voters[0].to_string(), "1@[::1]:0");
        let c = BrokerConfig::embedded(dir.path(), "[::]:9092".parse().unwrap()).unwrap();
        assert_eq!(c.controller_quorum_voters[0].host, "::1");
        assert!(
            BrokerConfig::embedded(Path::new("/tmp/a,b"), "127.0.0.1:0".parse().unwrap()).is_err()
        );
    }

    #[test]
    fn java_doubles() {
        assert_eq!(java_double_to_string(0.5), "0.5");
        assert_eq!(java_double_to_string(1.0), "1.0");
        assert_eq!(java_double_to_string(0.9), "0.9");
        assert_eq!(java_double_to_string(1e-5), "1.0E-5");
        assert_eq!(java_double_to_string(1.5e-5), "1.5E-5");
        assert_eq!(java_double_to_string(1e7), "1.0E7");
        assert_eq!(java_double_to_string(f64::MAX), "1.7976931348623157E308");
        assert_eq!(java_double_to_string(1234567.0), "1234567.0");
    }

    #[test]
    fn list_splitting() {
        assert_eq!(split_list(""), Vec::<String>::new());
        assert_eq!(split_list(" a , b,c "), vec!["a", "b", "c"]);
        assert_eq!(split_list("a,"), vec!["a", ""]);
    }

    #[test]
    fn error_codes() {
        assert_eq!(
            ConfigError::NotDynamic(vec!["log.dirs".into()]).kafka_error_code(),
            42
        );
        assert_eq!(
            ConfigError::UnknownTopicConfig("x".into()).kafka_error_code(),
            40
        );
        assert_eq!(
            ConfigError::NotDynamic(vec!["a".into(), "b".into()]).to_string(),
            "Cannot update these configs dynamically: [a, b]"
        );
    }
}
