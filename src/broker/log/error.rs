//! Errors of the storage engine, each mappable to the Kafka error code a handler answers with.

use std::io;
use std::path::{Path, PathBuf};

use kafka_protocol::ResponseError;

use crate::protocol::batch::BatchError;

/// Everything a partition log can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// Stored data is not what it must be, and recovery cannot repair it in place.
    #[error("{path}: corrupt at byte {position}: {reason}")]
    Corrupt {
        path: PathBuf,
        position: u64,
        reason: String,
    },
    /// A read or a delete asked for an offset the log does not hold.
    #[error("offset {requested} is outside the log's range [{start}, {end}]")]
    OffsetOutOfRange {
        requested: i64,
        start: i64,
        end: i64,
    },
    /// One batch is larger than `max.message.bytes`.
    #[error("record batch of {size} bytes exceeds max.message.bytes ({max})")]
    RecordTooLarge { size: usize, max: usize },
    /// The batches of one append, or one batch, do not fit in a segment (`segment.bytes`).
    #[error("record batch of {size} bytes exceeds segment.bytes ({max})")]
    RecordListTooLarge { size: usize, max: usize },
    /// Well-formed bytes that break a rule of the leader (control batch from a client, ...).
    #[error("invalid record: {0}")]
    InvalidRecord(String),
    /// The bytes are not a valid record batch (CRC, magic, length).
    #[error("corrupt record batch: {0}")]
    CorruptMessage(#[from] BatchError),
    /// A follower append whose offsets do not continue the log.
    #[error("append at offsets [{first_offset}, {last_offset}] does not follow log end offset {log_end_offset}")]
    UnexpectedAppendOffset {
        first_offset: i64,
        last_offset: i64,
        log_end_offset: i64,
    },
    /// A follower append whose batches are not in increasing offset order.
    #[error("offsets out of order in append: batch at {offset} follows offset {previous}")]
    OffsetsOutOfOrder { offset: i64, previous: i64 },
    /// A cleaning found the log changed (retention, truncation) since it read it; it is retried.
    #[error("the log changed while it was being cleaned")]
    CleaningAborted,
    /// An idempotent producer's batch does not follow its last sequence.
    #[error("{0}")]
    OutOfOrderSequence(String),
    /// A producer wrote with an epoch older than the partition has seen (a fenced zombie).
    #[error("{0}")]
    InvalidProducerEpoch(String),
    /// A write that the producer's transaction state does not allow.
    #[error("{0}")]
    InvalidTxnState(String),
    /// A checkpoint file that does not follow Kafka's format.
    #[error("{path}: line {line}: {reason}")]
    Checkpoint {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

impl LogError {
    /// The Kafka error a request handler should answer with for this failure.
    pub fn response_error(&self) -> ResponseError {
        match self {
            LogError::Io { .. } | LogError::Corrupt { .. } | LogError::Checkpoint { .. } => {
                ResponseError::KafkaStorageError
            }
            LogError::OffsetOutOfRange { .. } => ResponseError::OffsetOutOfRange,
            LogError::RecordTooLarge { .. } => ResponseError::MessageTooLarge,
            LogError::RecordListTooLarge { .. } => ResponseError::RecordListTooLarge,
            LogError::InvalidRecord(_) => ResponseError::InvalidRecord,
            LogError::CorruptMessage(_) => ResponseError::CorruptMessage,
            LogError::OutOfOrderSequence(_) => ResponseError::OutOfOrderSequenceNumber,
            LogError::InvalidProducerEpoch(_) => ResponseError::InvalidProducerEpoch,
            LogError::InvalidTxnState(_) => ResponseError::InvalidTxnState,
            // Kafka raises these as plain runtime errors on the follower.
            LogError::UnexpectedAppendOffset { .. }
            | LogError::OffsetsOutOfOrder { .. }
            | LogError::CleaningAborted => ResponseError::UnknownServerError,
        }
    }
}

/// `Result` of the storage engine.
pub type Result<T, E = LogError> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    }
}
