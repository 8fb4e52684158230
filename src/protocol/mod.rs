//! The wire: Kafka's framing, request/response headers and version negotiation.
//!
//! Message bodies are encoded and decoded by the `kafka-protocol` crate; this module owns what
//! surrounds them: the 4-byte length prefix (checked before anything is allocated), the header
//! versions, and the special rules of ApiVersions. Both the broker and the client use it.

pub mod batch;
pub mod batch_builder;
pub mod batch_reader;
pub mod codec;
pub mod frame;
pub mod recycle;
pub mod splice;

pub use kafka_protocol::error::ResponseError;
pub use kafka_protocol::messages::ApiKey;
pub use kafka_protocol::protocol::{StrBytes, VersionRange};

/// Looks a `(topic, partition)` key up in an `IndexMap` without allocating the topic's
/// `String`: it hashes as the owned tuple does. The broker looks a partition up for every
/// batch it is sent, the producer for every run of records.
#[derive(Hash)]
pub struct TopicPartitionRef<'a>(pub &'a str, pub i32);

impl indexmap::Equivalent<(String, i32)> for TopicPartitionRef<'_> {
    fn equivalent(&self, key: &(String, i32)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// Errors of the wire layer. Each one ends the connection it happened on.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The peer declared a frame length outside `0..=max` bytes.
    #[error(
        "frame of {declared} bytes is outside the allowed 0..={max} (socket.request.max.bytes)"
    )]
    FrameSize { declared: i64, max: usize },
    /// The stream ended inside a frame.
    #[error("connection closed in the middle of a frame")]
    Truncated,
    /// A request header named an API key Kafka does not define.
    #[error("unknown API key {0}")]
    UnknownApiKey(i16),
    /// A request for an API we do not implement, or at a version outside our range.
    #[error("unsupported {api:?} version {version}")]
    UnsupportedVersion { api: ApiKey, version: i16 },
    /// The header or body did not decode.
    #[error("malformed {what}: {source}")]
    Decode {
        what: &'static str,
        source: anyhow::Error,
    },
    /// A response could not be encoded (a bug on our side, never the peer's).
    #[error("cannot encode {what}: {source}")]
    Encode {
        what: &'static str,
        source: anyhow::Error,
    },
    /// Socket I/O.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
