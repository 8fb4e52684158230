//! Request and response headers around kafka-protocol's message bodies, for both directions.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{RequestHeader, ResponseHeader};
use kafka_protocol::protocol::buf::ByteBufMut;
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request};

use super::splice::{Piece, SplicingBuf};
use super::{ApiKey, ProtocolError};

/// The first three fields of every request header, identical in all header versions.
/// Read without decoding the rest, so a request we cannot parse can still be answered or logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPreamble {
    pub api_key: i16,
    pub api_version: i16,
    pub correlation_id: i32,
}

impl RequestPreamble {
    /// Peeks the preamble of a frame body; `None` when the frame is shorter than 8 bytes.
    pub fn peek(frame: &[u8]) -> Option<Self> {
        let mut b = frame.get(..8)?;
        Some(RequestPreamble {
            api_key: b.get_i16(),
            api_version: b.get_i16(),
            correlation_id: b.get_i32(),
        })
    }
}

/// Decodes the request header (its version follows from the API key and version) and leaves
/// `frame` positioned at the body.
pub fn decode_request_header(
    frame: &mut Bytes,
    api: ApiKey,
    version: i16,
) -> Result<RequestHeader, ProtocolError> {
    let header_version = api.request_header_version(version);
    RequestHeader::decode(frame, header_version).map_err(|source| ProtocolError::Decode {
        what: "request header",
        source,
    })
}

/// Decodes a message body at `version`; trailing bytes are tolerated, as Kafka does.
pub fn decode_body<T: Decodable>(
    frame: &mut Bytes,
    version: i16,
    what: &'static str,
) -> Result<T, ProtocolError> {
    T::decode(frame, version).map_err(|source| ProtocolError::Decode { what, source })
}

/// Encodes a whole response frame: length prefix, response header, body.
pub fn encode_response<T: Encodable + HeaderVersion>(
    correlation_id: i32,
    version: i16,
    body: &T,
) -> Result<Bytes, ProtocolError> {
    encode_response_with_header_version(correlation_id, T::header_version(version), version, body)
}

/// As [`encode_response`] with an explicit header version (ApiVersions always uses v0).
pub fn encode_response_with_header_version<T: Encodable>(
    correlation_id: i32,
    header_version: i16,
    version: i16,
    body: &T,
) -> Result<Bytes, ProtocolError> {
    let mut buf = BytesMut::with_capacity(64);
    buf.put_i32(0); // length, filled in below
    let mut header = ResponseHeader::default();
    header.correlation_id = correlation_id;
    header
        .encode(&mut buf, header_version)
        .map_err(|source| ProtocolError::Encode {
            what: "response header",
            source,
        })?;
    body.encode(&mut buf, version)
        .map_err(|source| ProtocolError::Encode {
            what: "response body",
            source,
        })?;
    finish_frame(buf, "response")
}

/// Encodes a whole request frame for the client side.
pub fn encode_request<R: Request>(
    header: &RequestHeader,
    body: &R,
) -> Result<Bytes, ProtocolError> {
    // Sized up front: a produce request carries megabytes of records, which would otherwise be
    // copied again at each doubling of the buffer.
    let body_size = body.compute_size(header.request_api_version).unwrap_or(0);
    let mut buf = BytesMut::with_capacity(64 + body_size);
    buf.put_i32(0);
    encode_request_into(&mut buf, header, body)?;
    finish_frame(buf, "request")
}

/// Fills in the 4-byte size prefix reserved at the start of `buf`, a whole encoded frame.
fn finish_frame(mut buf: BytesMut, what: &'static str) -> Result<Bytes, ProtocolError> {
    let len = i32::try_from(buf.len() - 4).map_err(|_| ProtocolError::Encode {
        what,
        source: anyhow::anyhow!("larger than 2 GiB"),
    })?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf.freeze())
}

/// Encodes a request's header and body (no size prefix) into `buf`.
fn encode_request_into<R: Request, B: ByteBufMut>(
    buf: &mut B,
    header: &RequestHeader,
    body: &R,
) -> Result<(), ProtocolError> {
    let api = ApiKey::try_from(R::KEY).map_err(|_| ProtocolError::UnknownApiKey(R::KEY))?;
    header
        .encode(buf, api.request_header_version(header.request_api_version))
        .map_err(|source| ProtocolError::Encode {
            what: "request header",
            source,
        })?;
    body.encode(buf, header.request_api_version)
        .map_err(|source| ProtocolError::Encode {
            what: "request body",
            source,
        })
}

/// Encodes a request frame whose record batches stay where they are: `batches` are the
/// message's records fields, in the order the encoder meets them (topics, then partitions).
/// The frame comes back as runs to write in order (the size prefix, encoded bytes, batches).
pub fn encode_request_spliced<R: Request>(
    header: &RequestHeader,
    body: &R,
    batches: Vec<Bytes>,
) -> Result<Vec<Bytes>, ProtocolError> {
    let mut buf = SplicingBuf::new(batches);
    encode_request_into(&mut buf, header, body)?;
    let frame = buf.finish_frame("request")?;
    Ok(frame
        .into_iter()
        .map(|piece| match piece {
            Piece::Encoded(bytes) | Piece::Spliced(bytes) => bytes,
        })
        .collect())
}

/// Decodes a response frame body (without the length prefix) for the client side.
pub fn decode_response<R: Request>(
    frame: &mut Bytes,
    version: i16,
) -> Result<(i32, R::Response), ProtocolError> {
    let header_version = if R::KEY == ApiKey::ApiVersions as i16 {
        0
    } else {
        R::Response::header_version(version)
    };
    let header =
        ResponseHeader::decode(frame, header_version).map_err(|source| ProtocolError::Decode {
            what: "response header",
            source,
        })?;
    let body = R::Response::decode(frame, version).map_err(|source| ProtocolError::Decode {
        what: "response body",
        source,
    })?;
    Ok((header.correlation_id, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::{ApiVersionsRequest, MetadataRequest};

    #[test]
    fn request_round_trip_and_preamble() {
        let mut header = RequestHeader::default();
        header.request_api_key = ApiKey::Metadata as i16;
        header.request_api_version = 12;
        header.correlation_id = 77;
        header.client_id = Some(kafka_protocol::protocol::StrBytes::from_static_str("t"));
        let frame = encode_request(&header, &MetadataRequest::default()).unwrap();
        let mut body = frame.slice(4..);
        let pre = RequestPreamble::peek(&body).unwrap();
        assert_eq!(
            pre,
            RequestPreamble {
                api_key: 3,
                api_version: 12,
                correlation_id: 77
            }
        );
        let decoded = decode_request_header(&mut body, ApiKey::Metadata, 12).unwrap();
        assert_eq!(decoded.client_id.as_deref(), Some("t"));
        let _: MetadataRequest = decode_body(&mut body, 12, "metadata").unwrap();
        assert!(RequestPreamble::peek(&[0, 18, 0]).is_none());
        let _ = ApiVersionsRequest::default();
    }

    #[test]
    fn spliced_produce_frames_equal_copied_frames_in_every_version() {
        use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
        use kafka_protocol::messages::{ProduceRequest, TopicName};
        let batches = [Bytes::from(vec![1u8; 300]), Bytes::from(vec![2u8; 5])];
        let mut topic = TopicProduceData::default();
        topic.name = TopicName("t".into());
        for (i, batch) in batches.iter().enumerate() {
            let mut p = PartitionProduceData::default();
            p.index = i as i32;
            p.records = Some(batch.clone());
            topic.partition_data.push(p);
        }
        let mut request = ProduceRequest::default();
        request.acks = -1;
        request.topic_data = vec![topic];
        for version in [3i16, 8, 9, 12] {
            let mut header = RequestHeader::default();
            header.request_api_key = ApiKey::Produce as i16;
            header.request_api_version = version;
            header.correlation_id = 5;
            let copied = encode_request(&header, &request).unwrap();
            let runs = encode_request_spliced(&header, &request, batches.to_vec()).unwrap();
            assert_eq!(runs.concat(), copied.to_vec(), "version {version}");
            let kept = runs
                .iter()
                .filter(|r| batches.iter().any(|b| std::ptr::eq(r.as_ptr(), b.as_ptr())))
                .count();
            assert_eq!(
                kept, 2,
                "both batches left by reference in version {version}"
            );
        }
    }
}
