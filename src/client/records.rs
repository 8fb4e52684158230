//! Records as the client sees them, and their encoding into and out of record batches.
//!
//! Batches are encoded and decoded by kafka-protocol's record codec (every compression codec).
//! Decoding walks a fetched buffer one batch at a time with [`crate::protocol::batch`], so a
//! batch cut off at the end of a fetch response (Kafka sends partial batches) simply ends the
//! walk, and control batches (transaction markers) never reach the user.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use indexmap::IndexMap;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};

use super::config::CompressionType;
use crate::protocol::{batch, batch_reader};
use crate::{Error, Result};

/// A header: a string key and an optional byte value, as Kafka defines them.
pub type Header = (String, Option<Bytes>);

/// A record to produce.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerRecord {
    pub topic: String,
    /// The partition, or `None` to let the partitioner choose.
    pub partition: Option<i32>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    /// Creation time in ms since the epoch; `None` means now.
    pub timestamp: Option<i64>,
}

impl ProducerRecord {
    /// A record with just a value.
    pub fn new(topic: impl Into<String>, value: impl Into<Bytes>) -> Self {
        ProducerRecord {
            topic: topic.into(),
            value: Some(value.into()),
            ..Default::default()
        }
    }

    /// Sets the key.
    pub fn with_key(mut self, key: impl Into<Bytes>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the partition.
    pub fn with_partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// The bytes this record occupies in a batch, roughly (for batching and memory limits).
    pub fn estimated_size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, |v| v.len()) + 4)
            .sum();
        self.key.as_ref().map_or(0, |k| k.len())
            + self.value.as_ref().map_or(0, |v| v.len())
            + headers
            + 16
    }
}

/// Where a produced record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    pub topic: String,
    pub partition: i32,
    /// -1 with acks=0, where the broker never says.
    pub offset: i64,
    pub timestamp: i64,
}

/// A record read from a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    /// Shared by every record of a fetch: cloning it per record is a reference count, not an
    /// allocation.
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub timestamp_type: TimestampKind,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    pub leader_epoch: i32,
}

/// What a record's timestamp means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampKind {
    CreateTime,
    LogAppendTime,
}

impl TimestampKind {
    /// Kafka's names, as the console consumer prints them.
    pub fn name(self) -> &'static str {
        match self {
            TimestampKind::CreateTime => "CreateTime",
            TimestampKind::LogAppendTime => "LogAppendTime",
        }
    }
}

/// An idempotent producer's stamp on a batch: producer id, epoch and first sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer_id: i64,
    pub epoch: i16,
    pub base_sequence: i32,
    /// Part of a transaction (the batch's transactional bit).
    pub transactional: bool,
}

/// Encodes records into one v2 batch with base offset 0 (the broker assigns offsets).
pub fn encode_batch(
    records: &[ProducerRecord],
    compression: CompressionType,
    now_ms: i64,
) -> Result<Bytes> {
    encode_stamped_batch(records, compression, now_ms, None)
}

/// As [`encode_batch`], with an idempotent producer's id, epoch and sequences.
pub fn encode_stamped_batch(
    records: &[ProducerRecord],
    compression: CompressionType,
    now_ms: i64,
    stamp: Option<ProducerStamp>,
) -> Result<Bytes> {
    let encoded: Vec<Record> = records
        .iter()
        .enumerate()
        .map(|(i, r)| Record {
            transactional: stamp.is_some_and(|s| s.transactional),
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: stamp.map_or(-1, |s| s.producer_id),
            producer_epoch: stamp.map_or(-1, |s| s.epoch),
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // kafka-protocol derives the batch's base sequence from the first record and starts
            // a new batch whenever `offset - sequence` changes: `i - 1` keeps one batch with
            // base sequence -1 (no producer id), as Java writes it; a stamped batch counts from
            // its base sequence.
            sequence: match stamp {
                Some(s) => s.base_sequence.wrapping_add(i as i32),
                None => i as i32 - 1,
            },
            timestamp: r.timestamp.unwrap_or(now_ms),
            key: r.key.clone(),
            value: r.value.clone(),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| (StrBytes::from_string(k.clone()), v.clone()))
                .collect::<IndexMap<_, _>>(),
        })
        .collect();
    let mut buf =
        BytesMut::with_capacity(records.iter().map(|r| r.estimated_size()).sum::<usize>() + 64);
    RecordBatchEncoder::encode(
        &mut buf,
        encoded.iter(),
        &RecordEncodeOptions {
            version: 2,
            compression: compression.codec(),
        },
    )
    .map_err(|e| Error::Message(format!("cannot encode a record batch: {e}")))?;
    Ok(buf.freeze())
}

/// Decodes the records of a fetched partition buffer one batch at a time.
///
/// Records before `from_offset` are skipped (a compressed batch may start before the position
/// the consumer asked for). With `check_crcs`, each batch's CRC is verified first.
#[derive(Debug)]
pub struct RecordDecoder {
    topic: Arc<str>,
    partition: i32,
    data: Bytes,
    pos: usize,
    from_offset: i64,
    check_crcs: bool,
    /// The offset after the last batch walked, so the consumer can move past batches that held
    /// nothing for it (control batches, compacted-away records).
    next_offset: i64,
    /// read_committed: the fetch's aborted transactions (producer id, first offset), by first
    /// offset, not yet reached.
    aborted: std::collections::VecDeque<(i64, i64)>,
    /// Producers whose aborted transaction is being walked through: their transactional
    /// batches are dropped until their abort marker.
    aborting: std::collections::HashSet<i64>,
}

impl RecordDecoder {
    pub fn new(
        topic: &str,
        partition: i32,
        data: Bytes,
        from_offset: i64,
        check_crcs: bool,
    ) -> Self {
        RecordDecoder {
            topic: Arc::from(topic),
            partition,
            data,
            pos: 0,
            from_offset,
            check_crcs,
            next_offset: from_offset,
            aborted: Default::default(),
            aborting: Default::default(),
        }
    }

    /// read_committed: drops the records of these aborted transactions (producer id, first
    /// offset), as the fetch response listed them (Kafka's consumer algorithm).
    pub fn with_aborted_transactions(mut self, mut aborted: Vec<(i64, i64)>) -> Self {
        aborted.sort_by_key(|&(_, first)| first);
        self.aborted = aborted.into();
        self
    }

    /// The offset after the last complete batch decoded so far.
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }

    /// True when no complete batch is left.
    pub fn is_done(&self) -> bool {
        batch::batches(&self.data[self.pos..]).next().is_none()
    }

    /// Decodes the next complete batch into `out`; `Ok(false)` when none is left. A truncated
    /// trailing batch counts as none left.
    pub fn next_batch(&mut self, out: &mut Vec<ConsumerRecord>) -> Result<bool> {
        let rest = &self.data[self.pos..];
        let mut walk = batch::batches(rest);
        let Some(item) = walk.next() else {
            return Ok(false);
        };
        let (header, range) = item.map_err(|e| {
            Error::Message(format!(
                "corrupt record batch in {}-{} at byte {}: {e}",
                self.topic, self.partition, self.pos
            ))
        })?;
        let len = range.len();
        // Aborted transactions that start by this batch's end are being walked through (safe to
        // run again if this batch turns out corrupt below: nothing is left to pop).
        while self
            .aborted
            .front()
            .is_some_and(|&(_, first)| first <= header.last_offset())
        {
            if let Some((pid, _)) = self.aborted.pop_front() {
                self.aborting.insert(pid);
            }
        }
        let corrupt = |e: batch::BatchError| {
            Error::Message(format!(
                "corrupt record batch in {}-{} at offset {}: {e}",
                self.topic, self.partition, header.base_offset
            ))
        };
        if self.check_crcs {
            batch::validate(&rest[range]).map_err(corrupt)?;
        }
        let start = self.pos;
        let whole = self.data.slice(start..start + len);
        if header.is_control() {
            let marker = crate::broker::log::producer_state::read_marker(&whole);
            if marker.is_some_and(|m| !m.commit) {
                self.aborting.remove(&header.producer_id);
            }
        }
        let passed_over = header.is_control()
            || (header.is_transactional() && self.aborting.contains(&header.producer_id))
            || header.last_offset() < self.from_offset;
        if !passed_over {
            let records = batch_reader::read_records(&whole).map_err(corrupt)?;
            let kind = match header.timestamp_type() {
                batch::TimestampType::LogAppendTime => TimestampKind::LogAppendTime,
                _ => TimestampKind::CreateTime,
            };
            let before = out.len();
            // A record takes at least 7 bytes: a lying recordCount cannot reserve more.
            out.reserve((header.record_count.max(0) as usize).min(len / 7));
            for r in records {
                let r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        out.truncate(before);
                        return Err(corrupt(e));
                    }
                };
                if r.offset < self.from_offset {
                    continue;
                }
                out.push(ConsumerRecord {
                    topic: self.topic.clone(),
                    partition: self.partition,
                    offset: r.offset,
                    // Kafka's rule: with LogAppendTime every record carries the batch's max time.
                    timestamp: if kind == TimestampKind::LogAppendTime {
                        header.max_timestamp
                    } else {
                        r.timestamp
                    },
                    timestamp_type: kind,
                    key: r.key,
                    value: r.value,
                    headers: r.headers,
                    leader_epoch: header.partition_leader_epoch,
                });
            }
        }
        // Accepted: a corrupt batch above left the position on it, as Kafka's consumer does.
        self.pos += len;
        self.next_offset = self.next_offset.max(header.next_offset());
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_batch_is_an_error_whether_decoded_or_passed_over() {
        let records = vec![ProducerRecord::new("t", "value")];
        let mut corrupt = encode_batch(&records, CompressionType::None, 0)
            .unwrap()
            .to_vec();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        let corrupt = Bytes::from(corrupt);
        // Decoded (from offset 0), then passed over (the consumer wants offset 1 onwards).
        for from_offset in [0, 1] {
            let mut decoder = RecordDecoder::new("t", 0, corrupt.clone(), from_offset, true);
            let e = decoder.next_batch(&mut Vec::new()).unwrap_err().to_string();
            assert!(e.contains("t-0 at offset 0"), "{e}");
            assert!(e.contains("CRC mismatch"), "{e}");
            assert_eq!(decoder.next_offset(), from_offset, "not accepted");
        }
    }

    #[test]
    fn encode_then_decode_every_codec() {
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
            let codec = CompressionType::parse(codec).unwrap();
            let records: Vec<ProducerRecord> = (0..10)
                .map(|i| {
                    let mut r =
                        ProducerRecord::new("t", format!("value-{i}")).with_key(format!("k{i}"));
                    r.headers.push(("h".into(), Some(Bytes::from_static(b"v"))));
                    r.timestamp = Some(1000 + i);
                    r
                })
                .collect();
            let batch = encode_batch(&records, codec, 0).unwrap();
            // Two copies back to back plus a cut-off third: the decoder reads two and stops.
            let mut buf = BytesMut::new();
            buf.extend_from_slice(&batch);
            let mut second = batch.to_vec();
            batch::set_base_offset(&mut second, 10).unwrap();
            buf.extend_from_slice(&second);
            buf.extend_from_slice(&batch[..batch.len() / 2]);
            let mut decoder = RecordDecoder::new("t", 0, buf.freeze(), 3, true);
            let mut out = Vec::new();
            while decoder.next_batch(&mut out).unwrap() {}
            assert_eq!(out.len(), 17, "{codec:?}");
            assert_eq!(out[0].offset, 3);
            assert_eq!(out[0].value.as_deref(), Some(&b"value-3"[..]));
            assert_eq!(out[0].key.as_deref(), Some(&b"k3"[..]));
            assert_eq!(out[0].timestamp, 1003);
            assert_eq!(
                out[0].headers,
                vec![("h".to_string(), Some(Bytes::from_static(b"v")))]
            );
            assert_eq!(out[16].offset, 19);
            assert_eq!(decoder.next_offset(), 20);
        }
    }

    /// Batches as a log holds them: (producer, transactional records or a marker), offsets
    /// assigned in order.
    fn log_of(batches: &[(i64, Option<bool>, usize)]) -> Bytes {
        let mut out = BytesMut::new();
        let mut offset = 0i64;
        for &(pid, marker, n) in batches {
            let mut one = match marker {
                Some(commit) => BytesMut::from(
                    &crate::broker::txn::marker_batch(pid, 0, commit, 0).unwrap()[..],
                ),
                None => {
                    let records: Vec<ProducerRecord> = (0..n)
                        .map(|i| ProducerRecord::new("t", format!("{pid}-{}", offset + i as i64)))
                        .collect();
                    let stamp = ProducerStamp {
                        producer_id: pid,
                        epoch: 0,
                        base_sequence: 0,
                        transactional: true,
                    };
                    BytesMut::from(
                        &encode_stamped_batch(&records, CompressionType::None, 0, Some(stamp))
                            .unwrap()[..],
                    )
                }
            };
            crate::protocol::batch::set_base_offset(&mut one, offset).unwrap();
            offset += n.max(1) as i64;
            out.extend_from_slice(&one);
        }
        out.freeze()
    }

    #[test]
    fn read_committed_drops_aborted_transactions() {
        // Producer 1 commits (offsets 0-1, marker 2); producer 2 aborts (3-4, marker 7)
        // interleaved with producer 3's committed records (5-6, marker 8).
        let data = log_of(&[
            (1, None, 2),
            (1, Some(true), 1),
            (2, None, 2),
            (3, None, 2),
            (2, Some(false), 1),
            (3, Some(true), 1),
        ]);
        let mut decoder = RecordDecoder::new("t", 0, data.clone(), 0, true)
            .with_aborted_transactions(vec![(2, 3)]);
        let mut out = Vec::new();
        while decoder.next_batch(&mut out).unwrap() {}
        let offsets: Vec<i64> = out.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [0, 1, 5, 6]);
        assert_eq!(decoder.next_offset(), 9);
        // read_uncommitted (no list) keeps every data record and still skips the markers.
        let mut decoder = RecordDecoder::new("t", 0, data, 0, true);
        let mut out = Vec::new();
        while decoder.next_batch(&mut out).unwrap() {}
        assert_eq!(out.len(), 6);
    }
}
