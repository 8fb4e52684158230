//! kbox's Kafka client: the one core every tool stands on, usable against any Kafka cluster.
//!
//! - [`config`]: Kafka's client property names (`bootstrap.servers`, `acks`, `linger.ms`, ...).
//! - [`connection`]: one pipelined connection per broker, with version negotiation.
//! - [`cluster`]: [`Client`], the connection pool and metadata cache the others share.
//! - [`producer`] with [`partitioner`]: batching, Java-compatible partitioning, retries.
//! - [`consumer`]: assigned partitions, positions, pipelined fetches, lazy decoding.
//! - [`group`]: consumer groups: [`group::GroupConsumer`], assignors, offset commits.
//! - [`admin`]: topics, partitions, configs, offsets, cluster.
//! - [`records`]: producer and consumer records and their batch encoding.
//! - [`interceptors`]: hooks around produced and consumed records.

pub mod admin;
pub mod cluster;
pub mod config;
pub mod connection;
pub mod consumer;
pub mod group;
pub mod interceptors;
pub mod partitioner;
pub mod producer;
pub mod records;
pub mod scram_admin;
pub mod security;

pub use admin::{Admin, NewTopic, OffsetSpec};
pub use cluster::Client;
pub use config::ClientConfig;
pub use consumer::Consumer;
pub use group::GroupConsumer;
pub use producer::Producer;
pub use records::{ConsumerRecord, ProducerRecord, RecordMetadata};

/// Milliseconds since the Unix epoch, as Kafka timestamps count.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
