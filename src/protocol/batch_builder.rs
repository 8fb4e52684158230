//! Builds a v2 record batch in place, one record at a time (Java's `MemoryRecordsBuilder`).
//!
//! The producer appends each record's bytes to the batch buffer as it accepts the record, so
//! sending needs no second pass over the records: the header (61 bytes, laid out in
//! [`super::batch`]) is written once in front of them when the batch is sealed. A compressed
//! batch compresses the records section at that point.
//!
//! A record (Kafka's `DefaultRecord`): length (varint), attributes (int8, 0), timestamp delta
//! from the batch's first timestamp (varlong), offset delta (varint), key length (varint, -1
//! for none) and key, value length and value, header count (varint), then each header's key
//! length and key, value length (-1 for none) and value. Varints are zig-zag encoded.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::compression::Compressor;
use kafka_protocol::records::Compression;

use super::batch::{HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2};

/// The producer fields of a batch header: id, epoch, first sequence, transactional bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerFields {
    pub producer_id: i64,
    pub epoch: i16,
    pub base_sequence: i32,
    pub transactional: bool,
}

impl ProducerFields {
    /// A batch without a producer id (not idempotent).
    pub const NONE: ProducerFields = ProducerFields {
        producer_id: -1,
        epoch: -1,
        base_sequence: -1,
        transactional: false,
    };
}

/// A batch being filled: the header's space, then the records as they are appended.
#[derive(Debug)]
pub struct BatchBuilder {
    buf: BytesMut,
    count: i32,
    /// The header's lastOffsetDelta: the last record's, or more (see `extend_to`).
    last_offset_delta: i32,
    base_timestamp: i64,
    max_timestamp: i64,
}

/// Bytes of `value` as a zig-zag varint.
fn varint_size(value: i64) -> usize {
    let zigzag = ((value << 1) ^ (value >> 63)) as u64;
    // 7 bits per byte; at least one byte.
    ((64 - (zigzag | 1).leading_zeros() as usize) + 6) / 7
}

fn put_varint(buf: &mut BytesMut, value: i64) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    while zigzag >= 0x80 {
        buf.put_u8((zigzag as u8) | 0x80);
        zigzag >>= 7;
    }
    buf.put_u8(zigzag as u8);
}

/// Bytes of an optional byte string with its varint length (-1 for none).
fn field_size(bytes: Option<&[u8]>) -> usize {
    match bytes {
        Some(b) => varint_size(b.len() as i64) + b.len(),
        None => 1,
    }
}

fn put_field(buf: &mut BytesMut, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => {
            put_varint(buf, b.len() as i64);
            buf.put_slice(b);
        }
        None => put_varint(buf, -1),
    }
}

fn read_varint(buf: &mut &[u8]) -> Option<i64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    None
}

fn read_field<'a>(buf: &mut &'a [u8]) -> Option<Option<&'a [u8]>> {
    let len = read_varint(buf)?;
    if len < 0 {
        return Some(None);
    }
    let len = usize::try_from(len).ok()?;
    if buf.len() < len {
        return None;
    }
    let (field, rest) = buf.split_at(len);
    *buf = rest;
    Some(Some(field))
}

/// The next length-prefixed record of a records section, `None` at its end.
fn next_record<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    read_field(buf).flatten()
}

type ParsedRecord<'a> = (
    i64,
    Option<&'a [u8]>,
    Option<&'a [u8]>,
    Vec<(&'a str, Option<&'a [u8]>)>,
);

/// Timestamp delta, key, value and headers of one record (without its length prefix).
fn parse_record(mut r: &[u8]) -> Option<ParsedRecord<'_>> {
    let (_attributes, rest) = r.split_first()?;
    r = rest;
    let timestamp_delta = read_varint(&mut r)?;
    let _offset_delta = read_varint(&mut r)?;
    let key = read_field(&mut r)?;
    let value = read_field(&mut r)?;
    let count = usize::try_from(read_varint(&mut r)?).ok()?;
    let mut headers = Vec::with_capacity(count.min(r.len()));
    for _ in 0..count {
        let k = std::str::from_utf8(read_field(&mut r)?.unwrap_or_default()).ok()?;
        let v = read_field(&mut r)?;
        headers.push((k, v));
    }
    Some((timestamp_delta, key, value, headers))
}

impl BatchBuilder {
    /// An empty batch with room for about `capacity` bytes of records.
    pub fn with_capacity(capacity: usize) -> BatchBuilder {
        BatchBuilder::in_buffer(BytesMut::with_capacity(HEADER_SIZE + capacity))
    }

    /// An empty batch built in `buf`'s memory (a buffer taken back from an earlier batch).
    pub fn in_buffer(mut buf: BytesMut) -> BatchBuilder {
        buf.clear();
        buf.put_bytes(0, HEADER_SIZE);
        BatchBuilder {
            buf,
            count: 0,
            last_offset_delta: 0,
            base_timestamp: 0,
            max_timestamp: i64::MIN,
        }
    }

    /// Records appended so far.
    pub fn count(&self) -> usize {
        self.count as usize
    }

    /// Bytes of the batch so far, header included (uncompressed).
    pub fn size(&self) -> usize {
        self.buf.len()
    }

    /// Appends one record; its offset delta is its position in the batch.
    pub fn append<'a>(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: impl Iterator<Item = (&'a str, Option<&'a [u8]>)> + Clone,
    ) {
        self.append_at(self.count, timestamp, key, value, headers);
    }

    /// Appends one record at `offset_delta` from the batch's base offset: records in offset
    /// order, gaps allowed (the log cleaner keeps each record's offset).
    pub fn append_at<'a>(
        &mut self,
        offset_delta: i32,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: impl Iterator<Item = (&'a str, Option<&'a [u8]>)> + Clone,
    ) {
        if self.count == 0 {
            self.base_timestamp = timestamp;
        }
        self.max_timestamp = self.max_timestamp.max(timestamp);
        let timestamp_delta = timestamp.wrapping_sub(self.base_timestamp);
        self.last_offset_delta = offset_delta;
        let offset_delta = i64::from(offset_delta);
        let mut header_count = 0usize;
        let mut headers_size = 0usize;
        for (k, v) in headers.clone() {
            header_count += 1;
            headers_size += field_size(Some(k.as_bytes())) + field_size(v);
        }
        let body = 1
            + varint_size(timestamp_delta)
            + varint_size(offset_delta)
            + field_size(key)
            + field_size(value)
            + varint_size(header_count as i64)
            + headers_size;
        self.buf.reserve(varint_size(body as i64) + body);
        put_varint(&mut self.buf, body as i64);
        self.buf.put_u8(0);
        put_varint(&mut self.buf, timestamp_delta);
        put_varint(&mut self.buf, offset_delta);
        put_field(&mut self.buf, key);
        put_field(&mut self.buf, value);
        put_varint(&mut self.buf, header_count as i64);
        for (k, v) in headers {
            put_field(&mut self.buf, Some(k.as_bytes()));
            put_field(&mut self.buf, v);
        }
        self.count += 1;
    }

    /// The batch claims offsets up to `last_offset_delta`, past its last record: a batch the
    /// log cleaner thinned keeps its original last offset, as Kafka's cleaner does, so the
    /// producer state read back from it (last offset, last sequence) stays what it was.
    pub fn extend_to(&mut self, last_offset_delta: i32) {
        self.last_offset_delta = self.last_offset_delta.max(last_offset_delta);
    }

    /// Makes room for `additional` more bytes of records at once (before absorbing a backlog:
    /// growing by doubling would copy the batch again at every step).
    pub fn reserve(&mut self, additional: usize) {
        self.buf.reserve(additional);
    }

    /// Appends every record of `other`, another open batch, after this batch's records (their
    /// offset and timestamp deltas are rewritten): a backlog of batches leaves as one.
    pub fn absorb(&mut self, other: &BatchBuilder) {
        let mut rest = &other.buf[HEADER_SIZE..];
        while let Some(record) = next_record(&mut rest) {
            let Some((timestamp_delta, key, value, headers)) = parse_record(record) else {
                debug_assert!(false, "a batch we built holds a record we cannot read");
                return;
            };
            self.append(
                other.base_timestamp.wrapping_add(timestamp_delta),
                key,
                value,
                headers.into_iter(),
            );
        }
    }

    /// Writes the header (base offset 0, leader epoch -1, CreateTime) and returns the batch,
    /// its records section compressed with `compression`.
    ///
    /// # Errors
    ///
    /// A compression codec's failure.
    pub fn seal(
        mut self,
        compression: Compression,
        producer: ProducerFields,
    ) -> anyhow::Result<Bytes> {
        if compression != Compression::None {
            let records = self.buf.split_off(HEADER_SIZE);
            let mut compressed = BytesMut::with_capacity(HEADER_SIZE + records.len() / 2);
            compressed.put_bytes(0, HEADER_SIZE);
            let copy = |tmp: &mut BytesMut| {
                tmp.put_slice(&records);
                Ok(())
            };
            match compression {
                Compression::None => unreachable!("checked above"),
                Compression::Gzip => {
                    kafka_protocol::compression::Gzip::compress(&mut compressed, copy)?
                }
                Compression::Snappy => {
                    kafka_protocol::compression::Snappy::compress(&mut compressed, copy)?
                }
                Compression::Lz4 => {
                    kafka_protocol::compression::Lz4::compress(&mut compressed, copy)?
                }
                Compression::Zstd => {
                    kafka_protocol::compression::Zstd::compress(&mut compressed, copy)?
                }
            }
            self.buf = compressed;
        }
        let batch_length = (self.buf.len() - LOG_OVERHEAD) as i32;
        let count = self.count;
        let max_timestamp = if count == 0 { -1 } else { self.max_timestamp };
        let mut attributes = compression as i16;
        if producer.transactional {
            attributes |= 1 << 4;
        }
        let mut header = &mut self.buf[..HEADER_SIZE];
        header.put_i64(0);
        header.put_i32(batch_length);
        header.put_i32(-1);
        header.put_i8(MAGIC_V2);
        header.put_u32(0);
        header.put_i16(attributes);
        header.put_i32(self.last_offset_delta);
        header.put_i64(if count == 0 { -1 } else { self.base_timestamp });
        header.put_i64(max_timestamp);
        header.put_i64(producer.producer_id);
        header.put_i16(producer.epoch);
        header.put_i32(producer.base_sequence);
        header.put_i32(count);
        super::batch::set_crc(&mut self.buf)?;
        Ok(self.buf.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::batch::test_batches::ALL_COMPRESSIONS;
    use kafka_protocol::records::{
        Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
    };

    #[test]
    fn varint_sizes_match_their_encoding() {
        for v in [
            0i64,
            1,
            -1,
            63,
            64,
            -64,
            -65,
            8191,
            8192,
            i32::MAX as i64,
            i64::MIN,
            i64::MAX,
        ] {
            let mut b = BytesMut::new();
            put_varint(&mut b, v);
            assert_eq!(b.len(), varint_size(v), "{v}");
        }
    }

    fn reference(
        records: &[(i64, Option<&[u8]>, Option<&[u8]>)],
        producer: ProducerFields,
    ) -> Bytes {
        let encoded: Vec<Record> = records
            .iter()
            .enumerate()
            .map(|(i, (ts, k, v))| Record {
                transactional: producer.transactional,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: -1,
                producer_id: producer.producer_id,
                producer_epoch: producer.epoch,
                timestamp_type: TimestampType::Creation,
                offset: i as i64,
                sequence: producer.base_sequence.wrapping_add(i as i32),
                timestamp: *ts,
                key: k.map(Bytes::copy_from_slice),
                value: v.map(Bytes::copy_from_slice),
                headers: Default::default(),
            })
            .collect();
        let mut buf = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut buf,
            encoded.iter(),
            &RecordEncodeOptions {
                version: 2,
                compression: Compression::None,
            },
        )
        .unwrap();
        buf.freeze()
    }

    #[test]
    fn matches_kafka_protocol_encoding_byte_for_byte() {
        let big = vec![7u8; 300];
        let records: Vec<(i64, Option<&[u8]>, Option<&[u8]>)> = vec![
            (1_700_000_000_000, Some(b"k1"), Some(b"value one")),
            (1_700_000_000_005, None, Some(&big)),
            (1_700_000_000_009, Some(b""), None),
        ];
        let producer = ProducerFields {
            producer_id: 42,
            epoch: 3,
            base_sequence: 10,
            transactional: true,
        };
        let mut b = BatchBuilder::with_capacity(16);
        for (ts, k, v) in &records {
            b.append(*ts, *k, *v, std::iter::empty());
        }
        assert_eq!(b.count(), 3);
        let built = b.seal(Compression::None, producer).unwrap();
        assert_eq!(built, reference(&records, producer));
        super::super::batch::validate(&built).unwrap();
    }

    #[test]
    fn absorbing_a_batch_equals_building_one() {
        let big = vec![7u8; 300];
        let records: Vec<(i64, Option<&[u8]>, Option<&[u8]>)> = vec![
            (1_700_000_000_000, Some(b"k1"), Some(b"value one")),
            (1_700_000_000_005, None, Some(&big)),
            (1_699_999_999_990, Some(b""), None),
            (1_700_000_000_009, Some(b"k4"), Some(b"v")),
        ];
        let headers = [("h", Some(&b"x"[..])), ("none", None)];
        let mut whole = BatchBuilder::with_capacity(0);
        let mut first = BatchBuilder::with_capacity(0);
        let mut second = BatchBuilder::with_capacity(0);
        for (i, (ts, k, v)) in records.iter().enumerate() {
            whole.append(*ts, *k, *v, headers.into_iter());
            let part = if i < 2 { &mut first } else { &mut second };
            part.append(*ts, *k, *v, headers.into_iter());
        }
        first.absorb(&second);
        assert_eq!(first.count(), 4);
        assert_eq!(
            first.seal(Compression::None, ProducerFields::NONE).unwrap(),
            whole.seal(Compression::None, ProducerFields::NONE).unwrap()
        );
    }

    #[test]
    fn headers_and_compression_decode_back() {
        for compression in ALL_COMPRESSIONS {
            let mut b = BatchBuilder::with_capacity(0);
            for i in 0..50u8 {
                let value = vec![i; 20];
                b.append(
                    1000 - i64::from(i),
                    Some(&[i]),
                    Some(&value),
                    [("h", Some(&b"x"[..])), ("none", None)].into_iter(),
                );
            }
            let mut built = b.seal(compression, ProducerFields::NONE).unwrap();
            let header = super::super::batch::validate(&built).unwrap();
            assert_eq!(header.record_count, 50);
            assert_eq!(header.last_offset_delta, 49);
            assert_eq!(header.base_timestamp, 1000);
            assert_eq!(header.max_timestamp, 1000);
            assert_eq!(header.producer_id, -1);
            let decoded = RecordBatchDecoder::decode(&mut built).unwrap();
            assert_eq!(decoded.records.len(), 50, "{compression:?}");
            for (i, r) in decoded.records.iter().enumerate() {
                assert_eq!(r.offset, i as i64);
                assert_eq!(r.timestamp, 1000 - i as i64);
                assert_eq!(r.value.as_deref(), Some(&vec![i as u8; 20][..]));
                assert_eq!(r.headers.len(), 2);
                let headers: Vec<(&str, Option<&[u8]>)> = r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_deref()))
                    .collect();
                assert_eq!(headers, [("h", Some(&b"x"[..])), ("none", None)]);
            }
        }
    }
}
