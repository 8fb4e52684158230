//! Interceptors, as Java's `interceptor.classes`: hooks that see every record a producer sends
//! or a consumer returns, so tools and users can add headers, count or trace without forking.
//!
//! Java loads interceptors by class name; in a Rust library they are values handed to
//! [`super::Producer::add_interceptor`] and [`super::Consumer::add_interceptor`].

use std::collections::HashMap;

use super::records::{ConsumerRecord, ProducerRecord, RecordMetadata};
use crate::Error;

/// Hooks around a producer's records.
pub trait ProducerInterceptor: Send + Sync {
    /// Called before the record is partitioned; may change it (add a header, rewrite the key).
    fn on_send(&self, record: &mut ProducerRecord);
    /// Called once the record's fate is known, on the producer's sender task: keep it quick.
    fn on_acknowledgement(&self, result: Result<&RecordMetadata, &Error>);
}

/// Hooks around a consumer's records.
pub trait ConsumerInterceptor: Send + Sync {
    /// Called with the records a poll is about to return; may change or drop them.
    fn on_consume(&self, records: &mut Vec<ConsumerRecord>);
    /// Called after offsets were committed: `(topic, partition) -> next offset to read`.
    fn on_commit(&self, offsets: &HashMap<(String, i32), i64>);
}
