//! Response frames, including Fetch responses whose record data stays in the segment files.
//!
//! A [`ResponseFrame`] is a list of parts: encoded bytes, and [`FileSlice`]s of segment files.
//! On a plaintext socket the connection sends file parts with `sendfile(2)`, so record data
//! goes from the page cache to the socket without passing through the broker's memory, as
//! Kafka does; elsewhere they are read and written like any other bytes.
//!
//! The message itself is still encoded by `kafka-protocol`: the Fetch handler gives each
//! partition a *placeholder* as its records (a slice of one shared zeroed region, of the file
//! slice's exact length), and the splicing buffer it encodes into (`protocol::splice`)
//! recognises the placeholder when the encoder copies it in and puts the file slice there instead.

use std::sync::OnceLock;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::ResponseHeader;
use kafka_protocol::protocol::{Encodable, HeaderVersion};

use crate::broker::log::FileSlice;
use crate::protocol::splice::{Piece, Splice, SplicingBuf};
use crate::protocol::ProtocolError;

/// One piece of a response frame.
#[derive(Debug, Clone)]
pub enum Part {
    Bytes(Bytes),
    File(FileSlice),
}

impl Part {
    pub fn len(&self) -> usize {
        match self {
            Part::Bytes(b) => b.len(),
            Part::File(f) => f.len,
        }
    }
}

/// A whole response, size prefix included, ready to be written in order.
#[derive(Debug, Clone, Default)]
pub struct ResponseFrame {
    pub parts: Vec<Part>,
}

impl ResponseFrame {
    /// Total bytes on the wire.
    pub fn len(&self) -> usize {
        self.parts.iter().map(Part::len).sum()
    }

    /// The frame as one buffer, reading file parts (tests, and sockets without sendfile).
    pub fn to_bytes(&self) -> std::io::Result<Bytes> {
        let mut out = BytesMut::with_capacity(self.len());
        for part in &self.parts {
            match part {
                Part::Bytes(b) => out.put_slice(b),
                Part::File(f) => out.put_slice(&f.read_bytes()?),
            }
        }
        Ok(out.freeze())
    }
}

impl From<Bytes> for ResponseFrame {
    fn from(bytes: Bytes) -> Self {
        ResponseFrame {
            parts: vec![Part::Bytes(bytes)],
        }
    }
}

/// Placeholders longer than this are not used: the data is read into memory instead. The
/// region is allocated zeroed and never written, so its pages are never made resident.
const MAX_PLACEHOLDER: usize = 64 << 20;

fn zeroed_region() -> &'static Bytes {
    static REGION: OnceLock<Bytes> = OnceLock::new();
    REGION.get_or_init(|| Bytes::from(vec![0u8; MAX_PLACEHOLDER]))
}

/// Records to put in a response: a placeholder standing for `slice`, or `None` when the slice
/// is empty or too large for one (the caller then reads it).
pub fn placeholder_for(slice: &FileSlice) -> Option<Bytes> {
    (slice.len > 0 && slice.len <= MAX_PLACEHOLDER).then(|| zeroed_region().slice(..slice.len))
}

/// Encodes a response whose record fields hold placeholders for `files`, in the order the
/// encoder meets them (the order of topics and partitions in the message).
pub fn encode_spliced<T: Encodable + HeaderVersion>(
    correlation_id: i32,
    version: i16,
    body: &T,
    files: Vec<FileSlice>,
) -> Result<ResponseFrame, ProtocolError> {
    let encode_error = |what, source| ProtocolError::Encode { what, source };
    let mut buf = SplicingBuf::new(files);
    let mut header = ResponseHeader::default();
    header.correlation_id = correlation_id;
    header
        .encode(&mut buf, T::header_version(version))
        .map_err(|e| encode_error("response header", e))?;
    body.encode(&mut buf, version)
        .map_err(|e| encode_error("response body", e))?;
    let parts = buf
        .finish_frame("response")?
        .into_iter()
        .map(|piece| match piece {
            Piece::Encoded(bytes) => Part::Bytes(bytes),
            Piece::Spliced(file) => Part::File(file),
        })
        .collect();
    Ok(ResponseFrame { parts })
}

/// A file slice's stand-in is its placeholder: the start of the zeroed region, at its length.
impl Splice for FileSlice {
    fn is_encoded_as(&self, src: &[u8]) -> bool {
        self.len == src.len() && std::ptr::eq(src.as_ptr(), zeroed_region().as_ptr())
    }
    fn wire_len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::codec::encode_response;
    use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
    use kafka_protocol::messages::FetchResponse;
    use std::io::Write;
    use std::sync::Arc;

    fn response(records: Vec<Option<Bytes>>) -> FetchResponse {
        let mut topic = FetchableTopicResponse::default();
        topic.topic = kafka_protocol::messages::TopicName("t".into());
        for (i, r) in records.into_iter().enumerate() {
            let mut p = PartitionData::default();
            p.partition_index = i as i32;
            p.high_watermark = 10 + i as i64;
            p.records = r;
            topic.partitions.push(p);
        }
        let mut response = FetchResponse::default();
        response.responses = vec![topic];
        response
    }

    #[test]
    fn spliced_frames_equal_copied_frames_in_every_version() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"0123456789abcdefghij").unwrap();
        let file = Arc::new(file);
        let slices = vec![
            FileSlice {
                file: file.clone(),
                position: 2,
                len: 5,
            },
            FileSlice {
                file,
                position: 12,
                len: 8,
            },
        ];
        for version in [4i16, 11, 12, 13, 16] {
            let copied = response(
                slices
                    .iter()
                    .map(|s| Some(s.read_bytes().unwrap()))
                    .collect(),
            );
            let expected = encode_response(7, version, &copied).unwrap();
            let spliced = response(slices.iter().map(placeholder_for).collect());
            let frame = encode_spliced(7, version, &spliced, slices.clone()).unwrap();
            assert_eq!(frame.to_bytes().unwrap(), expected, "version {version}");
            let files = frame
                .parts
                .iter()
                .filter(|p| matches!(p, Part::File(_)))
                .count();
            assert_eq!(files, 2);
        }
    }

    #[test]
    fn a_placeholder_never_met_is_an_error() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"abc").unwrap();
        let slice = FileSlice {
            file: Arc::new(file),
            position: 0,
            len: 3,
        };
        let body = response(vec![Some(Bytes::from_static(b"xyz"))]);
        assert!(encode_spliced(1, 12, &body, vec![slice]).is_err());
    }
}
