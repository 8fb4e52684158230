//! kbox: one binary that is a Kafka broker and every Kafka tool, wire-compatible with Apache Kafka.
//!
//! # Layout
//!
//! A request travels top to bottom; a newcomer can read the modules in this order.
//!
//! - [`protocol`]: the wire. Framing with checked lengths ([`protocol::frame`], reading large
//!   frames into reused memory: [`protocol::recycle`], which the producer's batches use too),
//!   request and
//!   response headers ([`protocol::codec`]), the zero-copy record batch header
//!   ([`protocol::batch`]), building and reading the records inside a batch
//!   ([`protocol::batch_builder`], [`protocol::batch_reader`]), and encoding around record batches without copying them
//!   ([`protocol::splice`]). Message bodies come from the `kafka-protocol` crate.
//! - [`broker`]: the server.
//!   - [`broker::network`]: the listener and one task per connection (read frame, dispatch, write).
//!   - [`broker::handlers`]: one file per Kafka API (`produce.rs`, `fetch.rs`, ...); the table in
//!     `handlers/mod.rs` is also what ApiVersions advertises, so the two cannot drift.
//!   - [`broker::metadata`]: the cluster metadata (topics, partitions, configs) as records in the
//!     `__cluster_metadata` log, replayed at start-up.
//!   - [`broker::quorum`]: the KRaft controller quorum: a Raft core without I/O (and its
//!     deterministic simulation test), the node that persists and networks it, and the active
//!     controller's decisions (registration, fencing, replica placement).
//!   - [`broker::replica_manager`] and [`broker::partition`]: the partitions this node hosts, their
//!     high watermarks, long-poll wake-ups, flushing, retention and checkpoints;
//!     [`broker::replica_fetcher`] (followers fetch, leaders shrink and grow the ISR) and
//!     [`broker::replication_throttle`] (the leader and follower throttles of reassignments).
//!   - [`broker::log`]: the storage engine: segments with `.log`, `.index`, `.timeindex` files in
//!     Kafka's byte formats, recovery after a crash, Kafka's checkpoint files.
//!     The per-partition producer state (idempotence, open transactions, `.snapshot` and
//!     `.txnindex` files) is [`broker::log::producer_state`].
//!   - [`broker::txn`]: producer ids and the transaction coordinator over `__transaction_state`.
//!   - [`broker::metrics`]: Prometheus counters and gauges, and the small HTTP server for
//!     `GET /metrics` (`kbox.metrics.listener`).
//!   - [`broker::config`], [`broker::topic_config`], [`broker::storage_format`]: `server.properties`,
//!     topic-level configs, and `meta.properties` (behind `kbox storage`).
//! - [`client`]: the Kafka client every tool uses, against kbox or any Kafka cluster:
//!   pipelined connections ([`client::connection`]), the metadata cache ([`client::Client`]),
//!   [`client::Producer`], [`client::Consumer`] and [`client::Admin`].
//! - [`cli`]: every subcommand, one file each, on a clap tree that also answers to Apache's tool
//!   names (`kafka-topics.sh`, `kafka-storage`, ...) when kbox is run through a link.
//! - [`acl`]: Kafka's ACL model (resource patterns, operations, ALLOW/DENY) and the
//!   authorizer's decision, shared by the broker and the admin client.
//! - [`security`]: what broker and client share for authentication: SCRAM, JAAS strings, TLS
//!   material and certificate principals, the plain-or-TLS stream ([`broker::auth`] is the
//!   broker's side, [`client::security`] the client's).
//! - [`properties`]: Java `.properties` files, as Kafka reads them.
//! - [`error`]: the crate's [`Error`]; only `main` turns it into a message and an exit code.
//! - [`unsafe_code`]: the crate's only `unsafe`, two small pieces with why each is sound:
//!   the splicing buffer's `BufMut` impl and a socket's receive low-water mark.
//! - [`fuzzing`]: entry points the fuzzers (`fuzz/`, `tests/it/fuzz.rs`) feed arbitrary bytes.

pub mod acl;
pub mod broker;
pub mod cli;
pub mod client;
pub mod error;
pub mod fuzzing;
pub mod properties;
pub mod protocol;
pub mod security;
pub mod unsafe_code;

pub use error::{Error, Result};
