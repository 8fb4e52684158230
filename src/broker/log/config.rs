//! The settings one partition log runs with: Kafka's topic-level configs, already resolved
//! (topic override, else the broker's `log.*` default, else Kafka's built-in default).

/// How a log stamps timestamps (`message.timestamp.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// Keep the producer's timestamps.
    CreateTime,
    /// The broker overwrites the batch's max timestamp with its own clock at append.
    LogAppendTime,
}

/// Resolved settings of one partition log. Durations are milliseconds, sizes bytes, as Kafka keys are.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// `segment.bytes`: roll to a new segment before the active one would exceed this.
    pub segment_bytes: u64,
    /// `segment.ms`: roll when the active segment's first batch is older than this.
    pub segment_ms: i64,
    /// `segment.index.bytes`: roll when the offset index would exceed this.
    pub segment_index_bytes: u64,
    /// `index.interval.bytes`: bytes of log between two sparse index entries.
    pub index_interval_bytes: u64,
    /// `retention.ms`: delete segments whose newest record is older; -1 keeps forever.
    pub retention_ms: i64,
    /// `retention.bytes`: delete oldest segments while the log is larger; -1 means no limit.
    pub retention_bytes: i64,
    /// `flush.messages`: fsync after this many messages; 1 makes every write durable before its ack.
    pub flush_messages: i64,
    /// `flush.ms`: fsync when the oldest unflushed write is this old.
    pub flush_ms: i64,
    /// `file.delete.delay.ms`: how long a deleted segment lingers (renamed `.deleted`) before removal.
    pub file_delete_delay_ms: i64,
    /// `max.message.bytes`: the largest record batch accepted.
    pub max_message_bytes: i32,
    /// `message.timestamp.type`.
    pub timestamp_type: TimestampType,
    /// `cleanup.policy` contains `delete`.
    pub cleanup_delete: bool,
    /// `cleanup.policy` contains `compact`.
    pub cleanup_compact: bool,
    /// `delete.retention.ms`: how long tombstones survive compaction.
    pub delete_retention_ms: i64,
    /// `min.cleanable.dirty.ratio`.
    pub min_cleanable_dirty_ratio: f64,
    /// `min.compaction.lag.ms`.
    pub min_compaction_lag_ms: i64,
    /// `max.compaction.lag.ms`.
    pub max_compaction_lag_ms: i64,
    /// A batch larger than `segment.bytes` goes alone into a segment of its own instead of
    /// being refused. Only for the metadata log, whose committed entries must always be
    /// written (a follower that cannot write one is stuck), however small its segments.
    pub oversized_batches_in_own_segment: bool,
}

impl Default for LogConfig {
    /// Kafka's built-in defaults.
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1024 * 1024 * 1024,
            segment_ms: 7 * 24 * 3600 * 1000,
            segment_index_bytes: 10 * 1024 * 1024,
            index_interval_bytes: 4096,
            retention_ms: 7 * 24 * 3600 * 1000,
            retention_bytes: -1,
            flush_messages: i64::MAX,
            flush_ms: i64::MAX,
            file_delete_delay_ms: 60_000,
            max_message_bytes: 1024 * 1024 + 12,
            timestamp_type: TimestampType::CreateTime,
            cleanup_delete: true,
            cleanup_compact: false,
            delete_retention_ms: 24 * 3600 * 1000,
            min_cleanable_dirty_ratio: 0.5,
            min_compaction_lag_ms: 0,
            max_compaction_lag_ms: i64::MAX,
            oversized_batches_in_own_segment: false,
        }
    }
}
