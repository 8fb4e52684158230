//! The storage engine: one [`Log`] per partition, in Kafka's on-disk format.
//!
//! A partition directory (`<topic>-<partition>/`) holds segments named by their base offset,
//! byte-compatible with Apache Kafka in both directions:
//!
//! ```text
//! 00000000000000000000.log        record batches (v2), exactly as produced
//! 00000000000000000000.index      sparse offset index: (relative offset u32, position u32)
//! 00000000000000000000.timeindex  sparse time index: (timestamp i64, relative offset u32)
//! 00000000000000368769.log        the next segment, starting at offset 368769
//! ...
//! 00000000000000368769.snapshot   producer state as of offset 368769 (written at roll)
//! 00000000000000000000.txnindex   aborted transactions whose abort marker is in the segment
//! leader-epoch-checkpoint         epoch -> first offset
//! ```
//!
//! The log dir also holds Kafka's offset checkpoints ([`checkpoint`]), owned by the caller.
//!
//! # Layout
//!
//! - [`log`]: the partition, [`Log`]: append, read, retention, truncation, flushing.
//! - `segment`: one segment's files; appends, lookups, scans, roll rules.
//! - `index`, `time_index`: the sparse indexes, in memory with their files kept in step.
//! - [`cleaner`]: compaction (`cleanup.policy=compact`), keeping the latest record per key.
//! - [`producer_state`]: idempotent and transactional producers' state, `.snapshot` files and
//!   the aborted transactions of `.txnindex` files.
//! - [`recovery`]: opening a directory, and repairing it after a crash.
//! - [`file_slice`]: what a read returns, a [`FileSlice`] readable without the log's lock.
//! - [`checkpoint`], [`leader_epoch`]: Kafka's checkpoint files.
//! - [`config`]: the topic settings a log runs with, [`LogConfig`].
//! - [`error`]: the error type, [`LogError`].

pub mod checkpoint;
pub mod cleaner;
pub mod config;
pub mod error;
pub mod file_slice;
pub(crate) mod index;
pub mod leader_epoch;
#[allow(clippy::module_inception)]
pub mod log;
pub mod producer_state;
pub mod recovery;
pub(crate) mod segment;
pub(crate) mod time_index;

pub use checkpoint::{read_offset_checkpoint, write_offset_checkpoint, CheckpointEntry};
pub use cleaner::{CleanPlan, CleanStats, Cleaned};
pub use config::{LogConfig, TimestampType};
pub use error::{LogError, Result};
pub use file_slice::FileSlice;
pub use leader_epoch::{EpochEntry, LeaderEpochCache};
pub use log::{
    AppendInfo, DeletedSegments, FlushScope, FlushTarget, Log, ReadInfo, TimestampOffset,
};
pub use recovery::{remove_files, RecoveryReport};
pub(crate) use segment::decode_records;
