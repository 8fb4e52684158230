//! Topic-level configs: Kafka's registry ([`TOPIC_CONFIGS`]), their validation, their resolution
//! into a [`LogConfig`], and DescribeConfigs entries for topics and brokers.
//!
//! A topic's effective value of a config is, first match wins:
//!
//! 1. the topic's override (`kafka-topics --config k=v`, `kafka-configs --alter`);
//! 2. the broker keys it is a synonym of, in Kafka's order (`retention.ms` ← `log.retention.ms`,
//!    `log.retention.minutes`, `log.retention.hours`; `segment.bytes` ← `log.segment.bytes`;
//!    `max.message.bytes` ← `message.max.bytes`; ...), each looked up in the dynamic per-broker
//!    configs, then the dynamic cluster-wide defaults, then `server.properties`;
//! 3. Kafka's built-in topic default (equal to the broker key's default).
//!
//! Values read through hours/minutes synonyms are converted to milliseconds, and a negative
//! retention from the broker keys means forever (-1), as Kafka's `logRetentionTimeMillis`.
//!
//! # DescribeConfigs
//!
//! [`describe_topic_configs`] answers as Kafka's `ConfigHelper.createTopicConfigEntry` does: every
//! public topic config, sorted by name, each with its value, source and synonyms: the topic
//! override first (source 1), then the broker synonyms that are set, grouped by source
//! (dynamic broker 2, dynamic default 3, static 4, default 5), names in synonym order within a
//! source. Kafka then drops every synonym listed before the first one named like the primary
//! broker key; kbox does the same, so with only `log.retention.hours` set, `retention.ms`
//! reports no synonyms and source DEFAULT_CONFIG, exactly as Kafka 4.1 does.
//!
//! [`describe_broker_configs`] lists every broker key kbox knows plus the unknown keys given
//! (reported as sensitive, value hidden, as Kafka does for keys whose type it cannot tell).
//! `read_only` is false only for the keys Kafka can change at runtime ([`DYNAMIC_BROKER_CONFIGS`]);
//! [`validate_dynamic_broker_configs`] refuses the others with Kafka's message.
//!
//! # Not Kafka 4.1
//!
//! kbox also accepts `message.downconversion.enable` and `message.format.version` (Kafka 3.x
//! topic configs, removed in 4.0) without effect, and describes them only when a topic sets them.
//! `remote.storage.enable=true` is refused: kbox has no tiered storage.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::broker::config::{
    broker_key, parse_value, BrokerConfig, ConfigError, ConfigType, ConfigValue, Validator,
    CLEANUP_POLICIES, COMPRESSION_TYPES, TIMESTAMP_TYPES,
};
use crate::broker::log::config::{LogConfig, TimestampType};

/// How a broker synonym's value converts to the topic config's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynonymUnit {
    /// Same unit.
    Same,
    /// Minutes to milliseconds.
    Minutes,
    /// Hours to milliseconds.
    Hours,
}

/// A broker key that provides a topic config's default.
#[derive(Debug, Clone, Copy)]
pub struct BrokerSynonym {
    /// The broker key.
    pub name: &'static str,
    /// Its unit relative to the topic config.
    pub unit: SynonymUnit,
}

/// Where a topic config stands in Kafka.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicConfigKind {
    /// A public Kafka 4.1 topic config.
    Public,
    /// Kafka's internal configs (`internal.segment.bytes`): accepted, never described.
    Internal,
    /// Kafka 3.x configs removed in 4.0: accepted without effect, described only when set.
    Legacy,
}

/// One topic config.
#[derive(Debug, Clone, Copy)]
pub struct TopicConfigDef {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub ty: ConfigType,
    /// Kafka's default, as `convertToString` prints it; `None` when null.
    pub default: Option<&'static str>,
    /// Its validator.
    pub validator: Validator,
    /// The broker keys that default it, in Kafka's order (`ServerTopicConfigSynonyms`).
    pub synonyms: &'static [BrokerSynonym],
    /// Short documentation.
    pub doc: &'static str,
    /// Public, internal or legacy.
    pub kind: TopicConfigKind,
}

impl TopicConfigDef {
    /// Parses a value for this config.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`] with Kafka's message.
    pub fn parse(&self, raw: &str) -> Result<ConfigValue, ConfigError> {
        parse_value(self.name, raw, self.ty, &self.validator)
    }
}

const fn syn(name: &'static str) -> BrokerSynonym {
    BrokerSynonym {
        name,
        unit: SynonymUnit::Same,
    }
}

const fn t(
    name: &'static str,
    ty: ConfigType,
    default: Option<&'static str>,
    validator: Validator,
    synonyms: &'static [BrokerSynonym],
    doc: &'static str,
) -> TopicConfigDef {
    TopicConfigDef {
        name,
        ty,
        default,
        validator,
        synonyms,
        doc,
        kind: TopicConfigKind::Public,
    }
}

use ConfigType as T;
use Validator as V;

const LONG_MAX: &str = "9223372036854775807";

fn validate_throttled_replicas(v: &ConfigValue) -> Result<(), String> {
    let items = v.as_list().unwrap_or_default();
    let pair = |s: &str| {
        s.is_empty()
            || s.split_once(':').is_some_and(|(p, b)| {
                !p.is_empty()
                    && !b.is_empty()
                    && p.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            })
    };
    if items.iter().all(|s| pair(s)) || items.concat() == "*" {
        Ok(())
    } else {
        Err("must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...".into())
    }
}

/// Every topic config Kafka 4.1 accepts (plus the legacy ones), sorted by name.
pub static TOPIC_CONFIGS: &[TopicConfigDef] = &[
    t("cleanup.policy", T::List, Some("delete"), V::ListOf(CLEANUP_POLICIES), &[syn("log.cleanup.policy")],
        "This config designates the retention policy to use on log segments. The \"delete\" policy discards old segments when their retention time or size limit has been reached. The \"compact\" policy enables log compaction, which retains the latest value for each key. Both may be given, comma-separated."),
    t("compression.gzip.level", T::Int, Some("-1"), V::GzipLevel, &[syn("compression.gzip.level")],
        "The compression level to use if compression.type is set to gzip."),
    t("compression.lz4.level", T::Int, Some("9"), V::Between(1, 17), &[syn("compression.lz4.level")],
        "The compression level to use if compression.type is set to lz4."),
    t("compression.type", T::String, Some("producer"), V::OneOf(COMPRESSION_TYPES), &[syn("compression.type")],
        "Specify the final compression type for a given topic. Accepts the standard codecs ('gzip', 'snappy', 'lz4', 'zstd'), 'uncompressed', and 'producer', which retains the codec set by the producer."),
    t("compression.zstd.level", T::Int, Some("3"), V::Between(-131072, 22), &[syn("compression.zstd.level")],
        "The compression level to use if compression.type is set to zstd."),
    t("delete.retention.ms", T::Long, Some("86400000"), V::AtLeast(0), &[syn("log.cleaner.delete.retention.ms")],
        "The amount of time to retain delete tombstone markers for log compacted topics."),
    t("file.delete.delay.ms", T::Long, Some("60000"), V::AtLeast(0), &[syn("log.segment.delete.delay.ms")],
        "The time to wait before deleting a file from the filesystem."),
    t("flush.messages", T::Long, Some(LONG_MAX), V::AtLeast(1), &[syn("log.flush.interval.messages")],
        "The number of messages written to a log partition before an fsync is forced; 1 syncs after every message."),
    t("flush.ms", T::Long, Some(LONG_MAX), V::AtLeast(0), &[syn("log.flush.interval.ms"), syn("log.flush.scheduler.interval.ms")],
        "The time interval at which an fsync of data written to the log is forced."),
    t("follower.replication.throttled.replicas", T::List, Some(""), V::Custom(validate_throttled_replicas), &[],
        "A list of replicas for which log replication should be throttled on the follower side, as [PartitionId]:[BrokerId],... or the wildcard '*'."),
    t("index.interval.bytes", T::Int, Some("4096"), V::AtLeast(0), &[syn("log.index.interval.bytes")],
        "How frequently Kafka adds an index entry to its offset index."),
    TopicConfigDef { name: "internal.segment.bytes", ty: T::Int, default: None, validator: V::AtLeast(1), synonyms: &[],
        doc: "The maximum size of a single log file. For testing only; overrides segment.bytes without its 1 MiB minimum.", kind: TopicConfigKind::Internal },
    t("leader.replication.throttled.replicas", T::List, Some(""), V::Custom(validate_throttled_replicas), &[],
        "A list of replicas for which log replication should be throttled on the leader side, as [PartitionId]:[BrokerId],... or the wildcard '*'."),
    t("local.retention.bytes", T::Long, Some("-2"), V::AtLeast(-2), &[syn("log.local.retention.bytes")],
        "The maximum size of local log segments that can grow for a partition before it deletes the old segments (tiered storage). -2 means retention.bytes."),
    t("local.retention.ms", T::Long, Some("-2"), V::AtLeast(-2), &[syn("log.local.retention.ms")],
        "The number of milliseconds to keep the local log segment before it gets deleted (tiered storage). -2 means retention.ms."),
    t("max.compaction.lag.ms", T::Long, Some(LONG_MAX), V::AtLeast(1), &[syn("log.cleaner.max.compaction.lag.ms")],
        "The maximum time a message will remain ineligible for compaction in the log. Only applicable for logs that are being compacted."),
    t("max.message.bytes", T::Int, Some("1048588"), V::AtLeast(0), &[syn("message.max.bytes")],
        "The largest record batch size allowed by Kafka (after compression if compression is enabled)."),
    TopicConfigDef { name: "message.downconversion.enable", ty: T::Boolean, default: Some("true"), validator: V::None, synonyms: &[],
        doc: "Removed in Kafka 4.0; accepted for Kafka 3.x clients and ignored.", kind: TopicConfigKind::Legacy },
    TopicConfigDef { name: "message.format.version", ty: T::String, default: Some("3.0-IV1"), validator: V::None, synonyms: &[],
        doc: "Removed in Kafka 4.0; accepted for Kafka 3.x clients and ignored.", kind: TopicConfigKind::Legacy },
    t("message.timestamp.after.max.ms", T::Long, Some("3600000"), V::AtLeast(0), &[syn("log.message.timestamp.after.max.ms")],
        "The allowable timestamp difference between the message timestamp and the broker's timestamp, for messages later than the broker. Ignored with LogAppendTime."),
    t("message.timestamp.before.max.ms", T::Long, Some(LONG_MAX), V::AtLeast(0), &[syn("log.message.timestamp.before.max.ms")],
        "The allowable timestamp difference between the broker's timestamp and the message timestamp, for messages earlier than the broker. Ignored with LogAppendTime."),
    t("message.timestamp.type", T::String, Some("CreateTime"), V::OneOf(TIMESTAMP_TYPES), &[syn("log.message.timestamp.type")],
        "Define whether the timestamp in the message is message create time or log append time."),
    t("min.cleanable.dirty.ratio", T::Double, Some("0.5"), V::Between(0, 1), &[syn("log.cleaner.min.cleanable.ratio")],
        "This configuration controls how frequently the log compactor will attempt to clean the log: the minimum ratio of dirty log to total log."),
    t("min.compaction.lag.ms", T::Long, Some("0"), V::AtLeast(0), &[syn("log.cleaner.min.compaction.lag.ms")],
        "The minimum time a message will remain uncompacted in the log. Only applicable for logs that are being compacted."),
    t("min.insync.replicas", T::Int, Some("1"), V::AtLeast(1), &[syn("min.insync.replicas")],
        "When a producer sets acks to \"all\" (or \"-1\"), the minimum number of replicas that must acknowledge a write for the write to be considered successful."),
    t("preallocate", T::Boolean, Some("false"), V::None, &[syn("log.preallocate")],
        "True if we should preallocate the file on disk when creating a new log segment."),
    t("remote.log.copy.disable", T::Boolean, Some("false"), V::None, &[],
        "Determines whether tiered data for a topic should become read only, and no more data uploading on a topic."),
    t("remote.log.delete.on.disable", T::Boolean, Some("false"), V::None, &[],
        "Determines whether tiered data for a topic should be deleted after tiered storage is disabled on a topic."),
    t("remote.storage.enable", T::Boolean, Some("false"), V::None, &[],
        "To enable tiered storage for a topic, set this configuration to true. kbox has no tiered storage."),
    t("retention.bytes", T::Long, Some("-1"), V::None, &[syn("log.retention.bytes")],
        "The maximum size a partition can grow to before old log segments are discarded to free up space (delete policy). -1 means no size limit."),
    t("retention.ms", T::Long, Some("604800000"), V::AtLeast(-1),
        &[syn("log.retention.ms"), BrokerSynonym { name: "log.retention.minutes", unit: SynonymUnit::Minutes }, BrokerSynonym { name: "log.retention.hours", unit: SynonymUnit::Hours }],
        "The maximum time a log is retained before old log segments are discarded to free up space (delete policy). -1 means no time limit."),
    t("segment.bytes", T::Int, Some("1073741824"), V::AtLeast(1_048_576), &[syn("log.segment.bytes")],
        "The segment file size for the log. Retention and cleaning is always done a file at a time."),
    t("segment.index.bytes", T::Int, Some("10485760"), V::AtLeast(4), &[syn("log.index.size.max.bytes")],
        "The size of the index that maps offsets to file positions."),
    t("segment.jitter.ms", T::Long, Some("0"), V::AtLeast(0),
        &[syn("log.roll.jitter.ms"), BrokerSynonym { name: "log.roll.jitter.hours", unit: SynonymUnit::Hours }],
        "The maximum random jitter subtracted from the scheduled segment roll time to avoid thundering herds of segment rolling."),
    t("segment.ms", T::Long, Some("604800000"), V::AtLeast(1),
        &[syn("log.roll.ms"), BrokerSynonym { name: "log.roll.hours", unit: SynonymUnit::Hours }],
        "The period of time after which Kafka will force the log to roll even if the segment file isn't full."),
    t("unclean.leader.election.enable", T::Boolean, Some("false"), V::None, &[syn("unclean.leader.election.enable")],
        "Indicates whether to enable replicas not in the ISR set to be elected as leader as a last resort, even though doing so may result in data loss."),
];

/// The definition of a topic config.
pub fn topic_config(name: &str) -> Option<&'static TopicConfigDef> {
    TOPIC_CONFIGS.iter().find(|d| d.name == name)
}

/// The broker key a topic config takes its default from first (Kafka's `TOPIC_CONFIG_SYNONYMS`).
pub fn primary_broker_synonym(topic_config_name: &str) -> Option<&'static str> {
    topic_config(topic_config_name)
        .and_then(|d| d.synonyms.first())
        .map(|s| s.name)
}

// ---------------------------------------------------------------------------------------------
// Config sources and dynamic layers
// ---------------------------------------------------------------------------------------------

/// Kafka's `DescribeConfigsResponse.ConfigSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigSource {
    Unknown,
    /// A topic override.
    DynamicTopicConfig,
    /// A dynamic config of this broker.
    DynamicBrokerConfig,
    /// A dynamic cluster-wide default.
    DynamicDefaultBrokerConfig,
    /// `server.properties` / `--override`.
    StaticBrokerConfig,
    /// Kafka's built-in default.
    DefaultConfig,
    DynamicBrokerLoggerConfig,
    ClientMetricsConfig,
    GroupConfig,
}

impl ConfigSource {
    /// The wire code: UNKNOWN=0, DYNAMIC_TOPIC_CONFIG=1, DYNAMIC_BROKER_CONFIG=2,
    /// DYNAMIC_DEFAULT_BROKER_CONFIG=3, STATIC_BROKER_CONFIG=4, DEFAULT_CONFIG=5,
    /// DYNAMIC_BROKER_LOGGER_CONFIG=6, CLIENT_METRICS_CONFIG=7, GROUP_CONFIG=8.
    pub fn code(self) -> i8 {
        match self {
            ConfigSource::Unknown => 0,
            ConfigSource::DynamicTopicConfig => 1,
            ConfigSource::DynamicBrokerConfig => 2,
            ConfigSource::DynamicDefaultBrokerConfig => 3,
            ConfigSource::StaticBrokerConfig => 4,
            ConfigSource::DefaultConfig => 5,
            ConfigSource::DynamicBrokerLoggerConfig => 6,
            ConfigSource::ClientMetricsConfig => 7,
            ConfigSource::GroupConfig => 8,
        }
    }
}

/// Dynamic broker configs (from the metadata log) layered over `server.properties`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DynamicConfigs<'a> {
    /// Configs set for this broker (`kafka-configs --entity-type brokers --entity-name <id>`).
    pub broker: Option<&'a BTreeMap<String, String>>,
    /// Cluster-wide defaults (`--entity-default`).
    pub cluster_default: Option<&'a BTreeMap<String, String>>,
}

const BROKER_SOURCES: [ConfigSource; 4] = [
    ConfigSource::DynamicBrokerConfig,
    ConfigSource::DynamicDefaultBrokerConfig,
    ConfigSource::StaticBrokerConfig,
    ConfigSource::DefaultConfig,
];

/// The raw value of a broker key in one layer.
fn layer_value<'a>(
    cfg: &'a BrokerConfig,
    dynamic: DynamicConfigs<'a>,
    source: ConfigSource,
    name: &str,
) -> Option<&'a str> {
    match source {
        ConfigSource::DynamicBrokerConfig => {
            dynamic.broker.and_then(|m| m.get(name)).map(String::as_str)
        }
        ConfigSource::DynamicDefaultBrokerConfig => dynamic
            .cluster_default
            .and_then(|m| m.get(name))
            .map(String::as_str),
        ConfigSource::StaticBrokerConfig => cfg.given(name),
        ConfigSource::DefaultConfig => broker_key(name).and_then(|k| k.default),
        _ => None,
    }
}

/// The raw value of a broker key set anywhere but in Kafka's defaults, with its source.
fn set_value<'a>(
    cfg: &'a BrokerConfig,
    dynamic: DynamicConfigs<'a>,
    name: &str,
) -> Option<(&'a str, ConfigSource)> {
    BROKER_SOURCES[..3]
        .iter()
        .find_map(|&s| layer_value(cfg, dynamic, s, name).map(|v| (v, s)))
}

// ---------------------------------------------------------------------------------------------
// Validation and resolution
// ---------------------------------------------------------------------------------------------

/// The value a topic config takes from the broker keys, `None` when none is set.
fn from_broker(
    def: &TopicConfigDef,
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
) -> Result<Option<ConfigValue>, ConfigError> {
    for s in def.synonyms {
        let Some((raw, _)) = set_value(cfg, dynamic, s.name) else {
            continue;
        };
        let value = match broker_key(s.name) {
            Some(key) => key.parse(raw)?,
            None => def.parse(raw)?,
        };
        let mut text = value.to_kafka_string();
        if s.unit != SynonymUnit::Same {
            let factor = if s.unit == SynonymUnit::Minutes {
                60_000
            } else {
                3_600_000
            };
            text = value
                .as_i64()
                .unwrap_or(0)
                .saturating_mul(factor)
                .to_string();
        }
        if def.name == "retention.ms" && text.starts_with('-') {
            text = "-1".into();
        }
        return def.parse(&text).map(Some);
    }
    Ok(None)
}

/// One topic config's effective value: override, else broker keys (when `cfg` is given), else
/// Kafka's default. `None` only for configs without a default (`internal.segment.bytes`).
fn resolve_one(
    def: &TopicConfigDef,
    cfg: Option<(&BrokerConfig, DynamicConfigs<'_>)>,
    overrides: &BTreeMap<String, String>,
) -> Result<Option<ConfigValue>, ConfigError> {
    if let Some(raw) = overrides.get(def.name) {
        return def.parse(raw).map(Some);
    }
    if let Some((cfg, dynamic)) = cfg {
        if let Some(v) = from_broker(def, cfg, dynamic)? {
            return Ok(Some(v));
        }
    }
    def.default.map(|d| def.parse(d)).transpose()
}

fn resolve(
    cfg: Option<(&BrokerConfig, DynamicConfigs<'_>)>,
    overrides: &BTreeMap<String, String>,
) -> Result<IndexMap<&'static str, ConfigValue>, ConfigError> {
    if let Some(name) = overrides.keys().find(|k| topic_config(k).is_none()) {
        return Err(ConfigError::UnknownTopicConfig(name.clone()));
    }
    let mut values = IndexMap::new();
    for def in TOPIC_CONFIGS {
        if let Some(v) = resolve_one(def, cfg, overrides)? {
            values.insert(def.name, v);
        }
    }
    let long = |name: &str| values.get(name).and_then(ConfigValue::as_i64).unwrap_or(0);
    let (min_lag, max_lag) = (long("min.compaction.lag.ms"), long("max.compaction.lag.ms"));
    if min_lag > max_lag {
        return Err(ConfigError::Invalid(format!(
            "conflict topic config setting min.compaction.lag.ms ({min_lag}) > max.compaction.lag.ms ({max_lag})"
        )));
    }
    if values
        .get("remote.storage.enable")
        .and_then(ConfigValue::as_bool)
        == Some(true)
    {
        return Err(ConfigError::Invalid(
            "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.".into(),
        ));
    }
    Ok(values)
}

/// Checks topic overrides as CreateTopics / AlterConfigs must: every name known, every value
/// valid, and the combination sound over Kafka's defaults.
///
/// # Errors
///
/// [`ConfigError::UnknownTopicConfig`] (`Unknown topic config name: x`), then
/// [`ConfigError::InvalidValue`] (`Invalid value abc for configuration retention.ms: Not a number
/// of type LONG`), then [`ConfigError::Invalid`] for a broken combination.
pub fn validate_topic_configs(overrides: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    resolve(None, overrides).map(|_| ())
}

/// [`validate_topic_configs`] against this broker's defaults (as Kafka validates new topics).
///
/// # Errors
///
/// As [`validate_topic_configs`].
pub fn validate_topic_configs_with(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
    overrides: &BTreeMap<String, String>,
) -> Result<(), ConfigError> {
    resolve(Some((cfg, dynamic)), overrides).map(|_| ())
}

/// Every topic config's effective value for a topic with these overrides, in registry order.
///
/// # Errors
///
/// As [`validate_topic_configs`].
pub fn resolve_topic_configs(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
    overrides: &BTreeMap<String, String>,
) -> Result<IndexMap<&'static str, ConfigValue>, ConfigError> {
    resolve(Some((cfg, dynamic)), overrides)
}

/// The [`LogConfig`] of a topic with these overrides on this broker (static configuration only).
///
/// # Errors
///
/// As [`validate_topic_configs`].
pub fn resolve_log_config(
    cfg: &BrokerConfig,
    overrides: &BTreeMap<String, String>,
) -> Result<LogConfig, ConfigError> {
    resolve_log_config_with(cfg, DynamicConfigs::default(), overrides)
}

/// [`resolve_log_config`] with dynamic broker configs layered over `server.properties`.
///
/// # Errors
///
/// As [`validate_topic_configs`].
pub fn resolve_log_config_with(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
    overrides: &BTreeMap<String, String>,
) -> Result<LogConfig, ConfigError> {
    Ok(to_log_config(&resolve(Some((cfg, dynamic)), overrides)?))
}

fn to_log_config(values: &IndexMap<&'static str, ConfigValue>) -> LogConfig {
    let d = LogConfig::default();
    let long = |name: &str, default: i64| {
        values
            .get(name)
            .and_then(ConfigValue::as_i64)
            .unwrap_or(default)
    };
    let size = |name: &str, default: u64| {
        values
            .get(name)
            .and_then(ConfigValue::as_i64)
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(default)
    };
    let policies: Vec<String> = values
        .get("cleanup.policy")
        .and_then(ConfigValue::as_list)
        .map(|l| l.iter().map(|p| p.to_ascii_lowercase()).collect())
        .unwrap_or_else(|| vec!["delete".into()]);
    let segment_bytes = match values.get("internal.segment.bytes") {
        Some(_) => size("internal.segment.bytes", d.segment_bytes),
        None => size("segment.bytes", d.segment_bytes),
    };
    LogConfig {
        segment_bytes,
        segment_ms: long("segment.ms", d.segment_ms),
        segment_index_bytes: size("segment.index.bytes", d.segment_index_bytes),
        index_interval_bytes: size("index.interval.bytes", d.index_interval_bytes),
        retention_ms: long("retention.ms", d.retention_ms),
        retention_bytes: long("retention.bytes", d.retention_bytes),
        flush_messages: long("flush.messages", d.flush_messages),
        flush_ms: long("flush.ms", d.flush_ms),
        file_delete_delay_ms: long("file.delete.delay.ms", d.file_delete_delay_ms),
        max_message_bytes: i32::try_from(long("max.message.bytes", i64::from(d.max_message_bytes)))
            .unwrap_or(d.max_message_bytes),
        timestamp_type: match values
            .get("message.timestamp.type")
            .and_then(ConfigValue::as_str)
        {
            Some("LogAppendTime") => TimestampType::LogAppendTime,
            _ => TimestampType::CreateTime,
        },
        cleanup_delete: policies.iter().any(|p| p == "delete"),
        cleanup_compact: policies.iter().any(|p| p == "compact"),
        delete_retention_ms: long("delete.retention.ms", d.delete_retention_ms),
        min_cleanable_dirty_ratio: values
            .get("min.cleanable.dirty.ratio")
            .and_then(ConfigValue::as_f64)
            .unwrap_or(d.min_cleanable_dirty_ratio),
        min_compaction_lag_ms: long("min.compaction.lag.ms", d.min_compaction_lag_ms),
        max_compaction_lag_ms: long("max.compaction.lag.ms", d.max_compaction_lag_ms),
        oversized_batches_in_own_segment: false,
    }
}

// ---------------------------------------------------------------------------------------------
// DescribeConfigs
// ---------------------------------------------------------------------------------------------

/// One synonym of a described config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSynonym {
    /// The key.
    pub name: String,
    /// Its value there (`None` when sensitive).
    pub value: Option<String>,
    /// Where it is set.
    pub source: ConfigSource,
}

/// One DescribeConfigs result entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    /// The key.
    pub name: String,
    /// Its effective value (`None` when sensitive or without a value).
    pub value: Option<String>,
    /// Where the effective value comes from.
    pub source: ConfigSource,
    /// False only for what can be altered.
    pub read_only: bool,
    /// Passwords and keys of unknown type.
    pub is_sensitive: bool,
    /// The places it is set, highest precedence first.
    pub synonyms: Vec<ConfigSynonym>,
    /// Its type.
    pub config_type: ConfigType,
    /// Documentation (sent when the request asks for it).
    pub documentation: Option<&'static str>,
}

/// Kafka's `configSynonyms`: the set values of `names` grouped by source in precedence order,
/// then everything before the first entry named `name` dropped.
fn config_synonyms(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
    name: &str,
    names: &[&str],
    sensitive: bool,
) -> Vec<ConfigSynonym> {
    let mut all = Vec::new();
    for source in BROKER_SOURCES {
        for n in names {
            if source == ConfigSource::DefaultConfig && broker_key(n).is_some_and(|k| k.legacy) {
                continue;
            }
            if let Some(v) = layer_value(cfg, dynamic, source, n) {
                let value = if sensitive { None } else { Some(v.to_string()) };
                all.push(ConfigSynonym {
                    name: n.to_string(),
                    value,
                    source,
                });
            }
        }
    }
    let first = all.iter().position(|s| s.name == name).unwrap_or(all.len());
    all.split_off(first)
}

/// Kafka's `DynamicBrokerConfig.brokerConfigSynonyms(name, true)`.
pub fn broker_config_synonyms(name: &str) -> Vec<String> {
    const GROUPS: &[&[&str]] = &[
        &["log.roll.ms", "log.roll.hours"],
        &["log.roll.jitter.ms", "log.roll.jitter.hours"],
        &[
            "log.retention.ms",
            "log.retention.minutes",
            "log.retention.hours",
        ],
    ];
    if name == "log.flush.interval.ms" {
        return vec![
            "log.flush.interval.ms".into(),
            "log.flush.scheduler.interval.ms".into(),
        ];
    }
    if let Some(group) = GROUPS.iter().find(|g| g.contains(&name)) {
        return group.iter().map(|s| s.to_string()).collect();
    }
    if let Some(base) = listener_config_base(name) {
        return vec![name.to_string(), base.to_string()];
    }
    vec![name.to_string()]
}

/// For `listener.name.<listener>.<key>`, the `<key>` part.
fn listener_config_base(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("listener.name.")?;
    let (listener, base) = rest.split_once('.')?;
    (!listener.is_empty() && !base.is_empty()).then_some(base)
}

/// DescribeConfigs for a topic with these overrides (static broker configuration only).
pub fn describe_topic_configs(
    cfg: &BrokerConfig,
    overrides: &BTreeMap<String, String>,
) -> Vec<ConfigEntry> {
    describe_topic_configs_with(cfg, DynamicConfigs::default(), overrides)
}

/// [`describe_topic_configs`] with dynamic broker configs. An override that no longer parses is
/// reported as given.
pub fn describe_topic_configs_with(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
    overrides: &BTreeMap<String, String>,
) -> Vec<ConfigEntry> {
    let mut entries = Vec::new();
    for def in TOPIC_CONFIGS {
        let overridden = overrides.contains_key(def.name);
        match def.kind {
            TopicConfigKind::Internal => continue,
            TopicConfigKind::Legacy if !overridden => continue,
            _ => {}
        }
        let value = match resolve_one(def, Some((cfg, dynamic)), overrides) {
            Ok(v) => v.map(|v| v.to_kafka_string()),
            Err(_) => overrides.get(def.name).cloned(),
        };
        let mut synonyms = Vec::new();
        if overridden {
            synonyms.push(ConfigSynonym {
                name: def.name.to_string(),
                value: value.clone(),
                source: ConfigSource::DynamicTopicConfig,
            });
        }
        if let Some(primary) = def.synonyms.first() {
            let names: Vec<&str> = def.synonyms.iter().map(|s| s.name).collect();
            synonyms.extend(config_synonyms(cfg, dynamic, primary.name, &names, false));
        }
        entries.push(ConfigEntry {
            name: def.name.to_string(),
            value,
            source: synonyms
                .first()
                .map_or(ConfigSource::DefaultConfig, |s| s.source),
            read_only: false,
            is_sensitive: false,
            synonyms,
            config_type: def.ty,
            documentation: Some(def.doc),
        });
    }
    entries
}

/// DescribeConfigs for this broker (static configuration only).
pub fn describe_broker_configs(cfg: &BrokerConfig) -> Vec<ConfigEntry> {
    describe_broker_configs_with(cfg, DynamicConfigs::default())
}

/// DescribeConfigs for this broker, dynamic configs included: every key kbox knows and every
/// unknown key given, sorted by name.
pub fn describe_broker_configs_with(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
) -> Vec<ConfigEntry> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for key in crate::broker::config::BROKER_KEYS {
        if !key.legacy || set_value(cfg, dynamic, key.name).is_some() {
            names.insert(key.name);
        }
    }
    names.extend(cfg.unknown_keys().iter().map(String::as_str));
    for map in [dynamic.broker, dynamic.cluster_default]
        .into_iter()
        .flatten()
    {
        names.extend(
            map.keys()
                .map(String::as_str)
                .filter(|k| !k.starts_with("zookeeper.")),
        );
    }
    names
        .into_iter()
        .map(|name| broker_entry(cfg, dynamic, name, true))
        .collect()
}

/// DescribeConfigs for the cluster-wide default resource (empty broker name): the dynamic
/// defaults that are set, each with only its dynamic-default synonyms (Kafka's behaviour).
pub fn describe_cluster_default_broker_configs(
    cfg: &BrokerConfig,
    cluster_default: &BTreeMap<String, String>,
) -> Vec<ConfigEntry> {
    let dynamic = DynamicConfigs {
        broker: None,
        cluster_default: Some(cluster_default),
    };
    cluster_default
        .keys()
        .map(|name| broker_entry(cfg, dynamic, name, false))
        .collect()
}

fn broker_entry(
    cfg: &BrokerConfig,
    dynamic: DynamicConfigs<'_>,
    name: &str,
    per_broker: bool,
) -> ConfigEntry {
    let key = broker_key(name).or_else(|| listener_config_base(name).and_then(broker_key));
    let config_type = key.map_or(ConfigType::Unknown, |k| k.ty);
    let is_sensitive = matches!(config_type, ConfigType::Unknown | ConfigType::Password);
    let value = if is_sensitive {
        None
    } else if !per_broker {
        dynamic.cluster_default.and_then(|m| m.get(name)).cloned()
    } else {
        let raw = set_value(cfg, dynamic, name)
            .map(|(v, _)| v)
            .or_else(|| key.and_then(|k| k.default));
        raw.map(|r| match key.map(|k| k.parse(r)) {
            Some(Ok(v)) => v.to_kafka_string(),
            _ => r.to_string(),
        })
    };
    let names = broker_config_synonyms(name);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut synonyms = config_synonyms(cfg, dynamic, name, &names, is_sensitive);
    if !per_broker {
        synonyms.retain(|s| s.source == ConfigSource::DynamicDefaultBrokerConfig);
    }
    ConfigEntry {
        name: name.to_string(),
        value,
        source: synonyms
            .first()
            .map_or(ConfigSource::DefaultConfig, |s| s.source),
        read_only: dynamic_scope(name).is_none(),
        is_sensitive,
        synonyms,
        config_type,
        documentation: key.map(|k| k.doc),
    }
}

// ---------------------------------------------------------------------------------------------
// Dynamic broker configs
// ---------------------------------------------------------------------------------------------

/// Where a dynamic broker config may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamicScope {
    /// For the cluster default or for one broker.
    ClusterWide,
    /// For one broker only (`--entity-name <id>`).
    PerBroker,
}

const C: DynamicScope = DynamicScope::ClusterWide;
const P: DynamicScope = DynamicScope::PerBroker;

/// The SSL keys that can only be changed with a listener prefix (Kafka's
/// `SslConfigs.RECONFIGURABLE_CONFIGS`).
pub const LISTENER_ONLY_SECURITY_CONFIGS: &[&str] = &[
    "ssl.keystore.type",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.key.password",
    "ssl.truststore.type",
    "ssl.truststore.location",
    "ssl.truststore.password",
    "ssl.keystore.key",
    "ssl.keystore.certificate.chain",
    "ssl.truststore.certificates",
];

/// Kafka 4.1's broker keys that can change at runtime (`DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS`),
/// with their scope. Listener-prefixed keys (`listener.name.<l>.<key>`) are dynamic per broker,
/// except the cluster-level listener keys.
pub static DYNAMIC_BROKER_CONFIGS: &[(&str, DynamicScope)] = &[
    // Topic defaults (DynamicLogConfig: the primary broker synonym of each topic config).
    ("log.segment.bytes", C),
    ("log.roll.ms", C),
    ("log.roll.jitter.ms", C),
    ("log.index.size.max.bytes", C),
    ("log.flush.interval.messages", C),
    ("log.flush.interval.ms", C),
    ("log.retention.bytes", C),
    ("log.retention.ms", C),
    ("message.max.bytes", C),
    ("log.index.interval.bytes", C),
    ("log.cleaner.delete.retention.ms", C),
    ("log.cleaner.min.compaction.lag.ms", C),
    ("log.cleaner.max.compaction.lag.ms", C),
    ("log.segment.delete.delay.ms", C),
    ("log.cleaner.min.cleanable.ratio", C),
    ("log.cleanup.policy", C),
    ("unclean.leader.election.enable", C),
    ("min.insync.replicas", C),
    ("compression.type", C),
    ("compression.gzip.level", C),
    ("compression.lz4.level", C),
    ("compression.zstd.level", C),
    ("log.preallocate", C),
    ("log.message.timestamp.type", C),
    ("log.message.timestamp.before.max.ms", C),
    ("log.message.timestamp.after.max.ms", C),
    ("log.local.retention.ms", C),
    ("log.local.retention.bytes", C),
    // Log cleaner.
    ("log.cleaner.threads", C),
    ("log.cleaner.dedupe.buffer.size", C),
    ("log.cleaner.io.buffer.load.factor", C),
    ("log.cleaner.io.buffer.size", C),
    ("log.cleaner.io.max.bytes.per.second", C),
    ("log.cleaner.backoff.ms", C),
    // Thread pools.
    ("num.io.threads", C),
    ("num.replica.fetchers", C),
    ("num.recovery.threads.per.data.dir", C),
    ("background.threads", C),
    ("num.network.threads", C),
    // Connections.
    ("max.connections", C),
    ("max.connection.creation.rate", C),
    ("max.connections.per.ip", C),
    ("max.connections.per.ip.overrides", C),
    // Producer state, metrics, config providers.
    ("producer.id.expiration.ms", C),
    ("transaction.partition.verification.enable", C),
    ("metric.reporters", C),
    ("config.providers", C),
    // Remote log manager and replication.
    ("remote.log.index.file.cache.total.size.bytes", C),
    ("remote.fetch.max.wait.ms", C),
    ("remote.log.manager.copy.max.bytes.per.second", C),
    ("remote.log.manager.fetch.max.bytes.per.second", C),
    ("remote.list.offsets.request.timeout.ms", C),
    ("remote.log.manager.copier.thread.pool.size", C),
    ("remote.log.manager.expiration.thread.pool.size", C),
    ("remote.log.manager.follower.thread.pool.size", C),
    ("remote.log.reader.threads", C),
    ("follower.fetch.last.tiered.offset.enable", C),
    // Quotas.
    ("leader.replication.throttled.rate", C),
    ("follower.replication.throttled.rate", C),
    ("replica.alter.log.dirs.io.max.bytes.per.second", C),
    // Listeners and security: per broker.
    ("listeners", P),
    ("listener.security.protocol.map", P),
    ("principal.builder.class", P),
    ("ssl.protocol", P),
    ("ssl.provider", P),
    ("ssl.cipher.suites", P),
    ("ssl.enabled.protocols", P),
    ("ssl.keystore.type", P),
    ("ssl.keystore.location", P),
    ("ssl.keystore.password", P),
    ("ssl.key.password", P),
    ("ssl.truststore.type", P),
    ("ssl.truststore.location", P),
    ("ssl.truststore.password", P),
    ("ssl.keystore.key", P),
    ("ssl.keystore.certificate.chain", P),
    ("ssl.truststore.certificates", P),
    ("ssl.keymanager.algorithm", P),
    ("ssl.trustmanager.algorithm", P),
    ("ssl.endpoint.identification.algorithm", P),
    ("ssl.secure.random.implementation", P),
    ("ssl.client.auth", P),
    ("ssl.engine.factory.class", P),
    ("sasl.mechanism.inter.broker.protocol", P),
    ("sasl.jaas.config", P),
    ("sasl.enabled.mechanisms", P),
    ("sasl.kerberos.service.name", P),
    ("sasl.kerberos.kinit.cmd", P),
    ("sasl.kerberos.ticket.renew.window.factor", P),
    ("sasl.kerberos.ticket.renew.jitter", P),
    ("sasl.kerberos.min.time.before.relogin", P),
    ("sasl.kerberos.principal.to.local.rules", P),
    ("sasl.login.refresh.window.factor", P),
    ("sasl.login.refresh.window.jitter", P),
    ("sasl.login.refresh.min.period.seconds", P),
    ("sasl.login.refresh.buffer.seconds", P),
];

const CLUSTER_LEVEL_LISTENER_CONFIGS: &[&str] = &[
    "max.connections",
    "max.connection.creation.rate",
    "num.network.threads",
];

/// Whether and where a broker key can change at runtime; `None` means read-only.
pub fn dynamic_scope(name: &str) -> Option<DynamicScope> {
    if let Some(base) = listener_config_base(name) {
        return Some(if CLUSTER_LEVEL_LISTENER_CONFIGS.contains(&base) {
            C
        } else {
            P
        });
    }
    DYNAMIC_BROKER_CONFIGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

/// Checks an IncrementalAlterConfigs / AlterConfigs on a broker resource as Kafka's
/// `DynamicBrokerConfig.validateConfigs` does. `changes` are the keys set (with their value) or
/// deleted (`None`); `per_broker` is false for the cluster-default resource. Keys kbox does not
/// know pass, as Kafka lets unknown keys through.
///
/// # Errors
///
/// In Kafka's order: [`ConfigError::NotDynamic`] (`Cannot update these configs dynamically:
/// [log.dirs]`), [`ConfigError::NeedsListenerPrefix`], [`ConfigError::InvalidValue`],
/// [`ConfigError::PerBrokerOnly`]. Answer them with [`ConfigError::kafka_error_code`].
pub fn validate_dynamic_broker_configs<'a>(
    changes: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    per_broker: bool,
) -> Result<(), ConfigError> {
    let changes: Vec<(&str, Option<&str>)> = changes.into_iter().collect();
    let sorted = |f: &dyn Fn(&str) -> bool| -> Vec<String> {
        changes
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| f(k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(String::from)
            .collect()
    };
    let non_dynamic = sorted(&|k| broker_key(k).is_some() && dynamic_scope(k).is_none());
    if !non_dynamic.is_empty() {
        return Err(ConfigError::NotDynamic(non_dynamic));
    }
    let unprefixed = sorted(&|k| LISTENER_ONLY_SECURITY_CONFIGS.contains(&k));
    if !unprefixed.is_empty() {
        return Err(ConfigError::NeedsListenerPrefix(unprefixed));
    }
    for (name, value) in &changes {
        let base = listener_config_base(name).unwrap_or(name);
        if let (Some(key), Some(raw)) = (broker_key(base), value) {
            key.parse(raw)?;
        }
    }
    if !per_broker {
        let only_per_broker = sorted(&|k| dynamic_scope(k) == Some(P));
        if !only_per_broker.is_empty() {
            return Err(ConfigError::PerBrokerOnly(only_per_broker));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::config::BROKER_KEYS;

    const BASE: &[(&str, &str)] = &[
        ("process.roles", "broker,controller"),
        ("node.id", "1"),
        ("controller.quorum.voters", "1@localhost:9093"),
        ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
        ("controller.listener.names", "CONTROLLER"),
    ];

    fn cfg(extra: &[(&str, &str)]) -> BrokerConfig {
        BrokerConfig::from_pairs(BASE.iter().chain(extra.iter()).copied()).expect("valid config")
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn entry<'a>(entries: &'a [ConfigEntry], name: &str) -> &'a ConfigEntry {
        entries
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no entry {name}"))
    }

    fn syns(e: &ConfigEntry) -> Vec<(String, Option<String>, i8)> {
        e.synonyms
            .iter()
            .map(|s| (s.name.clone(), s.value.clone(), s.source.code()))
            .collect()
    }

    fn s(name: &str, value: &str, code: i8) -> (String, Option<String>, i8) {
        (name.to_string(), Some(value.to_string()), code)
    }

    #[test]
    fn registry_is_sorted_and_defaults_valid() {
        let names: Vec<&str> = TOPIC_CONFIGS.iter().map(|d| d.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for def in TOPIC_CONFIGS {
            if let Some(d) = def.default {
                def.parse(d)
                    .unwrap_or_else(|e| panic!("default of {}: {e}", def.name));
            }
            for syn in def.synonyms {
                let key = broker_key(syn.name).unwrap_or_else(|| {
                    panic!("{} synonym {} is not a broker key", def.name, syn.name)
                });
                // Kafka keeps broker and topic defaults equal; so must we.
                if syn.unit == SynonymUnit::Same && def.synonyms.len() == 1 {
                    let topic_default =
                        def.default.map(|d| def.parse(d).unwrap().to_kafka_string());
                    let broker_default =
                        key.default.map(|d| key.parse(d).unwrap().to_kafka_string());
                    assert_eq!(topic_default, broker_default, "{}", def.name);
                }
            }
        }
        for (name, _) in DYNAMIC_BROKER_CONFIGS {
            assert!(dynamic_scope(name).is_some());
        }
        assert!(BROKER_KEYS.len() > 100);
    }

    #[test]
    fn unknown_topic_config() {
        let e = validate_topic_configs(&map(&[("retention.ms", "1"), ("x", "1")])).unwrap_err();
        assert_eq!(e.to_string(), "Unknown topic config name: x");
        // Broker keys are not topic configs.
        assert!(validate_topic_configs(&map(&[("log.retention.ms", "1")])).is_err());
    }

    #[test]
    fn bad_topic_values() {
        let check = |k: &str, v: &str| {
            validate_topic_configs(&map(&[(k, v)]))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            check("retention.ms", "abc"),
            "Invalid value abc for configuration retention.ms: Not a number of type LONG"
        );
        assert_eq!(
            check("retention.ms", "-2"),
            "Invalid value -2 for configuration retention.ms: Value must be at least -1"
        );
        assert_eq!(
            check("segment.bytes", "1000"),
            "Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576"
        );
        assert_eq!(
            check("segment.bytes", "3000000000"),
            "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT"
        );
        assert_eq!(check("cleanup.policy", "delete,nope"), "Invalid value nope for configuration cleanup.policy: String must be one of: compact, delete");
        assert_eq!(
            check("compression.type", "brotli"),
            "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"
        );
        assert_eq!(
            check("message.timestamp.type", "createtime"),
            "Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"
        );
        assert_eq!(check("min.cleanable.dirty.ratio", "2"), "Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1");
        assert_eq!(check("preallocate", "maybe"), "Invalid value maybe for configuration preallocate: Expected value to be either true or false");
        assert_eq!(check("compression.zstd.level", "23"), "Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22");
        assert!(check("leader.replication.throttled.replicas", "0:1,x")
            .contains("must be the literal '*'"));
        assert_eq!(
            check("remote.storage.enable", "true"),
            "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage."
        );
        assert_eq!(
            validate_topic_configs(&map(&[
                ("min.compaction.lag.ms", "10"),
                ("max.compaction.lag.ms", "5")
            ]))
            .unwrap_err()
            .to_string(),
            "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"
        );
    }

    #[test]
    fn good_topic_values() {
        validate_topic_configs(&map(&[
            ("cleanup.policy", "compact,delete"),
            ("compression.type", "zstd"),
            ("retention.ms", "-1"),
            ("retention.bytes", "-1"),
            ("segment.bytes", "1048576"),
            ("min.cleanable.dirty.ratio", "0.1"),
            ("leader.replication.throttled.replicas", "*"),
            ("follower.replication.throttled.replicas", "0:1,1:2"),
            ("message.downconversion.enable", "false"),
            ("internal.segment.bytes", "1024"),
            ("compression.gzip.level", "-1"),
        ]))
        .unwrap();
        for c in COMPRESSION_TYPES {
            validate_topic_configs(&map(&[("compression.type", c)])).unwrap();
        }
    }

    #[test]
    fn resolution_default_broker_override() {
        let c = cfg(&[]);
        assert_eq!(
            resolve_log_config(&c, &BTreeMap::new()).unwrap(),
            LogConfig::default()
        );

        let c = cfg(&[
            ("log.retention.hours", "1"),
            ("log.segment.bytes", "2097152"),
            ("message.max.bytes", "100"),
        ]);
        let l = resolve_log_config(&c, &BTreeMap::new()).unwrap();
        assert_eq!(
            (l.retention_ms, l.segment_bytes, l.max_message_bytes),
            (3_600_000, 2_097_152, 100)
        );

        let l = resolve_log_config(
            &c,
            &map(&[
                ("retention.ms", "5000"),
                ("segment.bytes", "1048576"),
                ("max.message.bytes", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (l.retention_ms, l.segment_bytes, l.max_message_bytes),
            (5000, 1_048_576, 7)
        );

        let l = resolve_log_config(
            &c,
            &map(&[
                ("cleanup.policy", "compact"),
                ("message.timestamp.type", "LogAppendTime"),
            ]),
        )
        .unwrap();
        assert!(l.cleanup_compact && !l.cleanup_delete);
        assert_eq!(l.timestamp_type, TimestampType::LogAppendTime);
        let l = resolve_log_config(&c, &map(&[("cleanup.policy", "")])).unwrap();
        assert!(
            !l.cleanup_compact && !l.cleanup_delete,
            "an empty policy list disables both"
        );

        let l = resolve_log_config(&c, &map(&[("internal.segment.bytes", "1000")])).unwrap();
        assert_eq!(
            l.segment_bytes, 1000,
            "internal.segment.bytes wins (tests only)"
        );
        assert!(resolve_log_config(&c, &map(&[("nope", "1")])).is_err());
    }

    #[test]
    fn resolution_precedence_of_broker_synonyms() {
        let c = cfg(&[("log.retention.minutes", "3"), ("log.retention.hours", "1")]);
        assert_eq!(
            resolve_log_config(&c, &BTreeMap::new())
                .unwrap()
                .retention_ms,
            180_000
        );
        let c = cfg(&[("log.roll.hours", "3"), ("log.roll.ms", "50")]);
        assert_eq!(
            resolve_log_config(&c, &BTreeMap::new()).unwrap().segment_ms,
            50
        );
        let c = cfg(&[
            ("log.flush.interval.ms", "10"),
            ("log.flush.scheduler.interval.ms", "20"),
        ]);
        assert_eq!(
            resolve_log_config(&c, &BTreeMap::new()).unwrap().flush_ms,
            10
        );
    }

    #[test]
    fn resolution_with_dynamic_layers() {
        let c = cfg(&[("log.retention.ms", "1000")]);
        let cluster = map(&[
            ("log.retention.ms", "2000"),
            ("log.segment.bytes", "3145728"),
        ]);
        let broker = map(&[("log.retention.ms", "3000")]);
        let dynamic = DynamicConfigs {
            broker: Some(&broker),
            cluster_default: Some(&cluster),
        };
        let l = resolve_log_config_with(&c, dynamic, &BTreeMap::new()).unwrap();
        assert_eq!((l.retention_ms, l.segment_bytes), (3000, 3_145_728));
        let dynamic = DynamicConfigs {
            broker: None,
            cluster_default: Some(&cluster),
        };
        assert_eq!(
            resolve_log_config_with(&c, dynamic, &BTreeMap::new())
                .unwrap()
                .retention_ms,
            2000
        );
        // A dynamic log.retention.ms beats a static log.retention.minutes.
        let c = cfg(&[("log.retention.minutes", "1")]);
        let dynamic = DynamicConfigs {
            broker: None,
            cluster_default: Some(&cluster),
        };
        assert_eq!(
            resolve_log_config_with(&c, dynamic, &BTreeMap::new())
                .unwrap()
                .retention_ms,
            2000
        );
        let all = resolve_topic_configs(&c, dynamic, &map(&[("retention.bytes", "10")])).unwrap();
        assert_eq!(all.get("retention.bytes"), Some(&ConfigValue::Long(10)));
        assert_eq!(all.get("segment.bytes"), Some(&ConfigValue::Int(3_145_728)));
    }

    #[test]
    fn validate_against_broker_defaults() {
        let c = cfg(&[("log.cleaner.min.compaction.lag.ms", "100")]);
        assert!(validate_topic_configs(&map(&[("max.compaction.lag.ms", "50")])).is_ok());
        let e = validate_topic_configs_with(
            &c,
            DynamicConfigs::default(),
            &map(&[("max.compaction.lag.ms", "50")]),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("conflict topic config setting"));
    }

    #[test]
    fn describe_topic_defaults() {
        let c = cfg(&[]);
        let entries = describe_topic_configs(&c, &BTreeMap::new());
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&"retention.ms") && names.contains(&"remote.storage.enable"));
        assert!(
            !names.contains(&"internal.segment.bytes")
                && !names.contains(&"message.downconversion.enable")
        );
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);

        let seg = entry(&entries, "segment.bytes");
        assert_eq!(seg.value.as_deref(), Some("1073741824"));
        assert_eq!(seg.source, ConfigSource::DefaultConfig);
        assert_eq!(syns(seg), vec![s("log.segment.bytes", "1073741824", 5)]);
        assert_eq!(seg.config_type.code(), 3);
        assert!(!seg.read_only && !seg.is_sensitive && seg.documentation.is_some());

        // Kafka drops synonyms before the primary key: only log.retention.hours is set (as a
        // default), so retention.ms has none.
        let ret = entry(&entries, "retention.ms");
        assert_eq!(ret.value.as_deref(), Some("604800000"));
        assert!(ret.synonyms.is_empty());
        assert_eq!(ret.source, ConfigSource::DefaultConfig);

        let policy = entry(&entries, "cleanup.policy");
        assert_eq!(policy.config_type, ConfigType::List);
        assert_eq!(syns(policy), vec![s("log.cleanup.policy", "delete", 5)]);

        let ratio = entry(&entries, "min.cleanable.dirty.ratio");
        assert_eq!(ratio.value.as_deref(), Some("0.5"));
        assert_eq!(ratio.config_type.code(), 6);

        let remote = entry(&entries, "remote.storage.enable");
        assert!(remote.synonyms.is_empty());
        assert_eq!(remote.source.code(), 5);
        assert_eq!(
            entry(&entries, "flush.ms").value.as_deref(),
            Some("9223372036854775807")
        );
    }

    #[test]
    fn describe_topic_synonym_order() {
        let c = cfg(&[
            ("log.retention.ms", "86400000"),
            ("log.retention.hours", "48"),
            ("log.segment.bytes", "2097152"),
        ]);
        let entries = describe_topic_configs(&c, &map(&[("retention.ms", "1000")]));
        let ret = entry(&entries, "retention.ms");
        assert_eq!(ret.value.as_deref(), Some("1000"));
        assert_eq!(ret.source, ConfigSource::DynamicTopicConfig);
        assert_eq!(
            syns(ret),
            vec![
                s("retention.ms", "1000", 1),
                s("log.retention.ms", "86400000", 4),
                s("log.retention.hours", "48", 4),
                s("log.retention.hours", "168", 5),
            ]
        );
        let seg = entry(&entries, "segment.bytes");
        assert_eq!(seg.source, ConfigSource::StaticBrokerConfig);
        assert_eq!(seg.value.as_deref(), Some("2097152"));
        assert_eq!(
            syns(seg),
            vec![
                s("log.segment.bytes", "2097152", 4),
                s("log.segment.bytes", "1073741824", 5)
            ]
        );

        // With dynamic layers: dynamic broker, then dynamic default, then static, then default.
        let cluster = map(&[("log.segment.bytes", "3145728")]);
        let broker = map(&[("log.segment.bytes", "4194304")]);
        let dynamic = DynamicConfigs {
            broker: Some(&broker),
            cluster_default: Some(&cluster),
        };
        let entries = describe_topic_configs_with(&c, dynamic, &BTreeMap::new());
        let seg = entry(&entries, "segment.bytes");
        assert_eq!(seg.value.as_deref(), Some("4194304"));
        assert_eq!(
            syns(seg),
            vec![
                s("log.segment.bytes", "4194304", 2),
                s("log.segment.bytes", "3145728", 3),
                s("log.segment.bytes", "2097152", 4),
                s("log.segment.bytes", "1073741824", 5),
            ]
        );
        assert_eq!(seg.source, ConfigSource::DynamicBrokerConfig);
    }

    #[test]
    fn describe_topic_values_are_normalised() {
        let c = cfg(&[]);
        let entries = describe_topic_configs(
            &c,
            &map(&[
                ("retention.ms", " 100 "),
                ("cleanup.policy", "compact , delete"),
                ("message.downconversion.enable", "false"),
            ]),
        );
        assert_eq!(
            entry(&entries, "retention.ms").value.as_deref(),
            Some("100")
        );
        assert_eq!(
            entry(&entries, "cleanup.policy").value.as_deref(),
            Some("compact,delete")
        );
        assert_eq!(
            entry(&entries, "message.downconversion.enable")
                .value
                .as_deref(),
            Some("false")
        );
        // A stored override that does not parse is shown as given instead of failing the request.
        let entries = describe_topic_configs(&c, &map(&[("segment.bytes", "junk")]));
        assert_eq!(
            entry(&entries, "segment.bytes").value.as_deref(),
            Some("junk")
        );
    }

    #[test]
    fn describe_broker() {
        let c = cfg(&[
            ("num.partitions", "3"),
            ("log.retention.hours", "24"),
            ("custom.plugin.key", "secret"),
        ]);
        let entries = describe_broker_configs(&c);
        let np = entry(&entries, "num.partitions");
        assert_eq!(np.value.as_deref(), Some("3"));
        assert_eq!(np.source, ConfigSource::StaticBrokerConfig);
        assert_eq!(
            syns(np),
            vec![s("num.partitions", "3", 4), s("num.partitions", "1", 5)]
        );
        assert!(np.read_only);

        let hours = entry(&entries, "log.retention.hours");
        assert_eq!(hours.value.as_deref(), Some("24"));
        assert_eq!(
            syns(hours),
            vec![
                s("log.retention.hours", "24", 4),
                s("log.retention.hours", "168", 5)
            ]
        );
        assert!(hours.read_only, "only log.retention.ms is dynamic");

        let ms = entry(&entries, "log.retention.ms");
        assert_eq!(ms.value, None);
        assert!(!ms.read_only);
        assert!(
            ms.synonyms.is_empty(),
            "Kafka drops synonyms before the first log.retention.ms"
        );

        let seg = entry(&entries, "log.segment.bytes");
        assert_eq!(seg.source, ConfigSource::DefaultConfig);
        assert!(!seg.read_only);

        let listeners = entry(&entries, "listeners");
        assert_eq!(
            listeners.value.as_deref(),
            Some("PLAINTEXT://:9092,CONTROLLER://:9093")
        );
        assert!(!listeners.read_only);

        let unknown = entry(&entries, "custom.plugin.key");
        assert!(unknown.is_sensitive && unknown.value.is_none());
        assert_eq!(unknown.config_type, ConfigType::Unknown);
        assert_eq!(
            syns(unknown),
            vec![("custom.plugin.key".to_string(), None, 4)]
        );

        assert!(entries
            .iter()
            .all(|e| e.name != "log.message.format.version"));
        assert_eq!(
            entry(&entries, "offsets.topic.replication.factor").config_type,
            ConfigType::Short
        );
        assert_eq!(
            entry(&entries, "log.cleaner.io.max.bytes.per.second")
                .value
                .as_deref(),
            Some("1.7976931348623157E308")
        );
    }

    #[test]
    fn describe_broker_with_dynamic_and_cluster_default() {
        let c = cfg(&[]);
        let cluster = map(&[("log.retention.ms", "5000")]);
        let broker = map(&[("num.io.threads", "4")]);
        let dynamic = DynamicConfigs {
            broker: Some(&broker),
            cluster_default: Some(&cluster),
        };
        let entries = describe_broker_configs_with(&c, dynamic);
        let io = entry(&entries, "num.io.threads");
        assert_eq!(
            (io.value.as_deref(), io.source),
            (Some("4"), ConfigSource::DynamicBrokerConfig)
        );
        let ret = entry(&entries, "log.retention.ms");
        assert_eq!(
            syns(ret),
            vec![
                s("log.retention.ms", "5000", 3),
                s("log.retention.hours", "168", 5)
            ]
        );
        let defaults = describe_cluster_default_broker_configs(&c, &cluster);
        assert_eq!(defaults.len(), 1);
        assert_eq!(syns(&defaults[0]), vec![s("log.retention.ms", "5000", 3)]);
        assert_eq!(defaults[0].source, ConfigSource::DynamicDefaultBrokerConfig);
    }

    #[test]
    fn dynamic_broker_config_rules() {
        let ok = |changes: &[(&str, Option<&str>)], per_broker| {
            validate_dynamic_broker_configs(changes.iter().copied(), per_broker)
        };
        ok(
            &[
                ("log.retention.ms", Some("1000")),
                ("num.io.threads", Some("4")),
            ],
            false,
        )
        .unwrap();
        ok(&[("log.retention.ms", None)], false).unwrap();
        ok(&[("some.plugin.key", Some("x"))], false).unwrap();
        let e = ok(
            &[
                ("log.dirs", Some("/x")),
                ("num.partitions", Some("2")),
                ("log.retention.ms", Some("1")),
            ],
            true,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Cannot update these configs dynamically: [log.dirs, num.partitions]"
        );
        assert_eq!(e.kafka_error_code(), 42);
        assert!(matches!(
            ok(&[("log.retention.hours", Some("1"))], true),
            Err(ConfigError::NotDynamic(_))
        ));
        let e = ok(&[("listeners", Some("PLAINTEXT://:9092"))], false).unwrap_err();
        assert_eq!(e.to_string(), "Cannot update these configs at default cluster level, broker id must be specified: [listeners]");
        ok(&[("listeners", Some("PLAINTEXT://:9092"))], true).unwrap();
        let e = ok(&[("ssl.keystore.location", Some("/k"))], true).unwrap_err();
        assert!(matches!(e, ConfigError::NeedsListenerPrefix(_)));
        ok(
            &[("listener.name.ssl.ssl.keystore.location", Some("/k"))],
            true,
        )
        .unwrap();
        assert!(matches!(
            ok(
                &[("listener.name.ssl.ssl.keystore.location", Some("/k"))],
                false
            ),
            Err(ConfigError::PerBrokerOnly(_))
        ));
        ok(
            &[("listener.name.internal.max.connections", Some("10"))],
            false,
        )
        .unwrap();
        let e = ok(&[("log.retention.ms", Some("abc"))], false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value abc for configuration log.retention.ms: Not a number of type LONG"
        );
        assert_eq!(dynamic_scope("log.dirs"), None);
        assert_eq!(
            dynamic_scope("max.connections"),
            Some(DynamicScope::ClusterWide)
        );
        assert_eq!(dynamic_scope("listeners"), Some(DynamicScope::PerBroker));
    }

    #[test]
    fn synonym_lists() {
        assert_eq!(
            broker_config_synonyms("log.retention.hours"),
            vec![
                "log.retention.ms",
                "log.retention.minutes",
                "log.retention.hours"
            ]
        );
        assert_eq!(
            broker_config_synonyms("log.flush.interval.ms"),
            vec!["log.flush.interval.ms", "log.flush.scheduler.interval.ms"]
        );
        assert_eq!(
            broker_config_synonyms("log.flush.scheduler.interval.ms"),
            vec!["log.flush.scheduler.interval.ms"]
        );
        assert_eq!(
            broker_config_synonyms("listener.name.ssl.ssl.key.password"),
            vec!["listener.name.ssl.ssl.key.password", "ssl.key.password"]
        );
        assert_eq!(
            primary_broker_synonym("retention.ms"),
            Some("log.retention.ms")
        );
        assert_eq!(
            primary_broker_synonym("max.message.bytes"),
            Some("message.max.bytes")
        );
        assert_eq!(primary_broker_synonym("remote.storage.enable"), None);
    }
}
