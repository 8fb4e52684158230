//! kbox's integration tests: one binary (see tests/it/*.rs).
//!
//! Brokers run either in-process on 127.0.0.1:0 ([`common::TestBroker`]) or as a `kbox
//! server-start` child process ([`common::KboxProcess`]) when a test must kill -9 it. Real
//! clients (kcat, confluent-kafka, kafka-python, kafkajs) come from `scripts/install-test-deps.sh`.

mod acls;
mod admin_tools;
mod bad_input;
mod cli;
mod client;
mod cluster;
mod common;
mod compaction;
mod console;
mod dump_log;
mod dynamic_quorum;
mod elections;
mod eos;
mod faults;
mod fuzz;
mod groups;
mod kcat;
mod limits;
mod metadata_snapshots;
mod metrics;
mod mirror;
mod mock_cluster;
mod perf;
mod pipelining;
mod quotas;
mod real_clients;
mod security;
mod topics;
