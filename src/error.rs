//! The crate's error type. Library code returns these; only `main` prints and picks exit codes.

use crate::broker::config::ConfigError;
use crate::broker::log::LogError;
use crate::broker::storage_format::StorageError;
use crate::protocol::{ProtocolError, ResponseError};

/// Every failure kbox's library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A Kafka error code answered by a broker, with its message when the broker gave one.
    #[error("{}", kafka_message(.code, .message))]
    Kafka {
        code: ResponseError,
        message: Option<String>,
    },
    /// An operation ran out of time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// A usage or state problem explained in words.
    #[error("{0}")]
    Message(String),
}

fn kafka_message(code: &ResponseError, message: &Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!("{m} ({code})"),
        _ => format!("{code}: {}", describe(code)),
    }
}

fn describe(code: &ResponseError) -> &'static str {
    code.description()
}

impl Error {
    /// A Kafka error code from a response, `None` for code 0.
    pub fn from_code(code: i16, message: Option<String>) -> Option<Error> {
        ResponseError::try_from_code(code).map(|code| Error::Kafka { code, message })
    }

    /// The message Java's exception for this error would carry: the broker's own message when
    /// it sent one, else Kafka's description of the error code.
    pub fn kafka_message(&self) -> String {
        match self {
            Error::Kafka {
                message: Some(m), ..
            } if !m.is_empty() => m.clone(),
            Error::Kafka { code, .. } => code.description().to_string(),
            other => other.to_string(),
        }
    }

    /// True when the root cause is a closed pipe (`kbox ... | head`), which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// `Result` with kbox's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
