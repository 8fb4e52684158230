//! Reads the records of a v2 record batch: the inverse of [`super::batch_builder`].
//!
//! The client decodes fetched batches here rather than with kafka-protocol's
//! `RecordBatchDecoder`, which computes every batch's CRC again with a slower CRC-32C (a consumer
//! already checking `check.crcs` spent 12% of its time there) and keeps one header per key,
//! where Kafka allows a key to repeat. The record layout is in [`super::batch_builder`]; the
//! codecs are kafka-protocol's.
//!
//! Every length and count read from the bytes is checked against what is left before it is
//! used: malformed input is an error, never a panic or an oversized allocation.

use bytes::Bytes;
use kafka_protocol::compression::Decompressor;
use kafka_protocol::records::Compression;

use super::batch::{BatchError, BatchHeader, HEADER_SIZE};

/// One record of a batch, offsets and timestamps made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    pub offset: i64,
    /// The record's own (CreateTime) timestamp; with LogAppendTime the batch's `maxTimestamp`
    /// is the one that counts.
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// In the order they were written; a key may repeat.
    pub headers: Vec<(String, Option<Bytes>)>,
}

/// The records of one whole batch (structure already checked, e.g. by
/// [`super::batch::validate`] or [`super::batch::batches`]), decompressed.
///
/// # Errors
///
/// [`BatchError::Truncated`] when `batch` is shorter than its header says,
/// [`BatchError::UnknownCompression`] or [`BatchError::Decompress`] for the records section.
pub fn read_records(batch: &Bytes) -> Result<Records, BatchError> {
    let header = BatchHeader::parse(batch)?;
    let Some(section) = batch.get(HEADER_SIZE..header.size()) else {
        return Err(BatchError::Truncated {
            needed: header.size(),
            available: batch.len(),
        });
    };
    let section = batch.slice_ref(section);
    let records = decompress(section, header.codec()?)?;
    Ok(Records {
        buf: records,
        pos: 0,
        left: header.record_count.max(0),
        base_offset: header.base_offset,
        base_timestamp: header.base_timestamp,
    })
}

fn decompress(mut section: Bytes, codec: Compression) -> Result<Bytes, BatchError> {
    use kafka_protocol::compression::{Gzip, Lz4, Snappy, Zstd};
    let take = |buf: &mut Bytes| Ok(std::mem::take(buf));
    let result = match codec {
        Compression::None => return Ok(section),
        Compression::Gzip => Gzip::decompress(&mut section, take),
        Compression::Snappy => Snappy::decompress(&mut section, take),
        Compression::Lz4 => Lz4::decompress(&mut section, take),
        Compression::Zstd => Zstd::decompress(&mut section, take),
    };
    result.map_err(|e| BatchError::Decompress(format!("{e:#}")))
}

/// Iterator over a batch's records; it stops after the first error.
#[derive(Debug)]
pub struct Records {
    buf: Bytes,
    pos: usize,
    left: i32,
    base_offset: i64,
    base_timestamp: i64,
}

impl Iterator for Records {
    type Item = Result<ReadRecord, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            // Java's rule too: a batch holds exactly `recordCount` records.
            if self.pos < self.buf.len() {
                let extra = self.buf.len() - self.pos;
                self.pos = self.buf.len();
                return Some(Err(BatchError::BadRecord(format!(
                    "{extra} bytes after the batch's last record"
                ))));
            }
            return None;
        }
        self.left -= 1;
        let read = self.read_one();
        if read.is_err() {
            self.left = 0;
            self.pos = self.buf.len();
        }
        Some(read)
    }
}

impl Records {
    fn read_one(&mut self) -> Result<ReadRecord, BatchError> {
        let mut section = Cursor {
            buf: &self.buf,
            pos: self.pos,
            end: self.buf.len(),
        };
        let length = section.varint("record length")?;
        let length = section.fitting(length, "record", "batch")?;
        let mut record = Cursor {
            buf: &self.buf,
            pos: section.pos,
            end: section.pos + length,
        };
        let _attributes = record.byte("record attributes")?;
        let timestamp_delta = record.varlong("timestamp delta")?;
        let offset_delta = record.varint("offset delta")?;
        let key = record.nullable_bytes("key")?;
        let value = record.nullable_bytes("value")?;
        let count = record.varint("header count")?;
        let count = usize::try_from(count)
            .map_err(|_| BatchError::BadRecord(format!("negative header count {count}")))?;
        // A header takes at least two bytes: never reserve more than the record could hold.
        let mut headers = Vec::with_capacity(count.min(record.left() / 2));
        for _ in 0..count {
            let name = record
                .nullable_bytes("header key")?
                .ok_or_else(|| BatchError::BadRecord("null header key".into()))?;
            // Java decodes header keys the same way: invalid UTF-8 becomes U+FFFD.
            let name = String::from_utf8_lossy(&name).into_owned();
            headers.push((name, record.nullable_bytes("header value")?));
        }
        if record.left() != 0 {
            return Err(BatchError::BadRecord(format!(
                "record declares {length} bytes but its fields take {}",
                length - record.left()
            )));
        }
        self.pos = record.end;
        Ok(ReadRecord {
            offset: self.base_offset.wrapping_add(i64::from(offset_delta)),
            timestamp: self.base_timestamp.wrapping_add(timestamp_delta),
            key,
            value,
            headers,
        })
    }
}

/// Reads Kafka's zig-zag varints and length-prefixed bytes from `buf[pos..end]`.
struct Cursor<'a> {
    buf: &'a Bytes,
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.end - self.pos
    }

    fn byte(&mut self, what: &str) -> Result<u8, BatchError> {
        if self.pos == self.end {
            return Err(BatchError::BadRecord(format!(
                "record ends before its {what}"
            )));
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn varlong(&mut self, what: &str) -> Result<i64, BatchError> {
        let mut raw: u64 = 0;
        for i in 0..10 {
            let b = self.byte(what)?;
            raw |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok((raw >> 1) as i64 ^ -((raw & 1) as i64));
            }
        }
        Err(BatchError::BadRecord(format!(
            "{what}: varint over 10 bytes"
        )))
    }

    fn varint(&mut self, what: &str) -> Result<i32, BatchError> {
        let v = self.varlong(what)?;
        i32::try_from(v)
            .map_err(|_| BatchError::BadRecord(format!("{what} {v} is not a 32-bit int")))
    }

    /// `len`, read from the bytes, if it is not negative and that many bytes are left.
    fn fitting(&self, len: i32, what: &str, within: &str) -> Result<usize, BatchError> {
        match usize::try_from(len) {
            Ok(len) if len <= self.left() => Ok(len),
            _ => Err(BatchError::BadRecord(format!(
                "{what} of {len} bytes, {} left in the {within}",
                self.left()
            ))),
        }
    }

    /// A varint length then that many bytes; length -1 is null.
    fn nullable_bytes(&mut self, what: &str) -> Result<Option<Bytes>, BatchError> {
        let len = self.varint(what)?;
        if len == -1 {
            return Ok(None);
        }
        let len = self.fitting(len, what, "record")?;
        let bytes = self.buf.slice(self.pos..self.pos + len);
        self.pos += len;
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::batch::test_batches::{encode, record, ALL_COMPRESSIONS};
    use crate::protocol::batch_builder::{BatchBuilder, ProducerFields};

    fn built(compression: Compression) -> Bytes {
        let mut b = BatchBuilder::with_capacity(0);
        for i in 0..30u8 {
            let value = [i; 40];
            let key = [i];
            b.append(
                1000 + i64::from(i) * 3,
                (!i.is_multiple_of(3)).then_some(&key[..]),
                (!i.is_multiple_of(5)).then_some(&value[..]),
                [("h", Some(&b"x"[..])), ("h", None), ("é", Some(&[i][..]))].into_iter(),
            );
        }
        let mut batch = b.seal(compression, ProducerFields::NONE).unwrap().to_vec();
        crate::protocol::batch::set_base_offset(&mut batch, 100).unwrap();
        Bytes::from(batch)
    }

    #[test]
    fn reads_back_every_codec_with_repeated_and_null_headers() {
        for compression in ALL_COMPRESSIONS {
            let records: Vec<ReadRecord> = read_records(&built(compression))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(records.len(), 30, "{compression:?}");
            for (i, r) in records.iter().enumerate() {
                let b = i as u8;
                assert_eq!(r.offset, 100 + i as i64);
                assert_eq!(r.timestamp, 1000 + i as i64 * 3);
                assert_eq!(r.key.as_deref(), (!b.is_multiple_of(3)).then_some(&[b][..]));
                assert_eq!(
                    r.value,
                    (!b.is_multiple_of(5)).then(|| Bytes::from(vec![b; 40]))
                );
                let expected = [
                    ("h".to_string(), Some(Bytes::from_static(b"x"))),
                    ("h".to_string(), None),
                    ("é".to_string(), Some(Bytes::from(vec![b]))),
                ];
                assert_eq!(r.headers, expected);
            }
        }
    }

    #[test]
    fn agrees_with_kafka_protocols_encoder() {
        let mut records = vec![record(0, 1, b"a"), record(1, 2, b""), record(2, 3, b"ccc")];
        records[1].key = None;
        records[1].value = None;
        let encoded = encode(&records, Compression::Lz4);
        let read: Vec<ReadRecord> = read_records(&encoded)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let expected: Vec<(i64, i64, Option<Bytes>, Option<Bytes>)> = records
            .iter()
            .map(|r| (r.offset, r.timestamp, r.key.clone(), r.value.clone()))
            .collect();
        let got: Vec<_> = read
            .iter()
            .map(|r| (r.offset, r.timestamp, r.key.clone(), r.value.clone()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn malformed_batches_are_errors_not_panics() {
        let whole = built(Compression::None);
        let header = BatchHeader::parse(&whole).unwrap();
        // Every cut: the header's length no longer fits, or a record is cut short.
        for len in 0..whole.len() {
            let cut = whole.slice(..len);
            let result: Result<Vec<_>, _> = read_records(&cut).and_then(|r| r.collect());
            assert!(result.is_err(), "cut at {len}");
        }
        // Every single byte flipped in the records section: an error or other records, never
        // a panic, and never more records than the header counts.
        for at in HEADER_SIZE..whole.len() {
            let mut bytes = whole.to_vec();
            bytes[at] ^= 0xff;
            let read = read_records(&Bytes::from(bytes)).unwrap();
            assert!(read.count() <= header.record_count as usize + 1);
        }
        // A record that claims 2^31-1 headers in four bytes is an error, not an allocation.
        let record = [
            0x00, // attributes
            0x00, // timestamp delta 0
            0x00, // offset delta 0
            0x01, // key: null (-1)
            0x01, // value: null (-1)
            0xfe, 0xff, 0xff, 0xff, 0x0f, // header count 2^31-1
        ];
        let mut bytes = whole[..HEADER_SIZE].to_vec();
        bytes.push(record.len() as u8 * 2); // the record's length
        bytes.extend_from_slice(&record);
        let batch_length = (bytes.len() - 12) as i32;
        bytes[8..12].copy_from_slice(&batch_length.to_be_bytes());
        bytes[57..61].copy_from_slice(&1i32.to_be_bytes()); // recordCount
        let mut read = read_records(&Bytes::from(bytes)).unwrap();
        let e = read.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("header key"), "{e}");
        assert!(read.next().is_none());
    }

    #[test]
    fn an_unknown_codec_is_named() {
        let mut bytes = built(Compression::None).to_vec();
        bytes[22] |= 0x07; // attributes' low byte: codec 7
        let e = read_records(&Bytes::from(bytes)).unwrap_err();
        assert_eq!(e, BatchError::UnknownCompression(7));
    }
}
