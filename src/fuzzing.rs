//! Entry points for fuzzers: the cargo-fuzz targets under `fuzz/` and the seeded mutation tests
//! in `tests/it/fuzz.rs` both call these. Each one feeds arbitrary bytes to the same decoding
//! the broker runs on what peers send; none may panic, hang, or allocate on a length it has not
//! checked against the bytes it holds. Errors are the expected outcome and are ignored.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use crate::broker::handlers::{self, default_request_body, supported_apis};
use crate::protocol::codec::{decode_request_header, RequestPreamble};
use crate::protocol::{batch, ApiKey};

/// A request frame after its 4-byte size: preamble, header, body, for every API and version
/// the broker answers.
pub fn request_frame(data: &[u8]) {
    let Some(preamble) = RequestPreamble::peek(data) else {
        return;
    };
    let Ok(api) = ApiKey::try_from(preamble.api_key) else {
        return;
    };
    let Some(range) = handlers::supported_range(api) else {
        return;
    };
    if preamble.api_version < range.min || preamble.api_version > range.max {
        return;
    }
    let mut frame = Bytes::copy_from_slice(data);
    if decode_request_header(&mut frame, api, preamble.api_version).is_ok() {
        let _ = handlers::decode_only(api, preamble.api_version, frame);
    }
}

/// Record batches as a Produce request carries them: the broker's checks (magic, sizes, CRC),
/// then, for each batch that passes, the full record decoding the broker does for compacted
/// topics and the log cleaner (every codec; decompression is bounded). Returns how many
/// batches decoded whole.
pub fn record_batches(data: &[u8]) -> usize {
    let mut position = 0;
    let mut decoded = 0;
    while position < data.len() {
        let rest = &data[position..];
        let Ok(header) = batch::BatchHeader::parse(rest) else {
            break;
        };
        let size = header.size();
        if size == 0 || size > rest.len() || batch::validate(&rest[..size]).is_err() {
            break;
        }
        if crate::broker::log::decode_records(&rest[..size]).is_ok() {
            decoded += 1;
        }
        position += size;
    }
    decoded
}

/// Record batches with their CRC recomputed, so mutations reach the record decoder instead of
/// stopping at the checksum.
pub fn record_batches_with_fixed_crc(data: &[u8]) {
    let mut owned = data.to_vec();
    // The first batch's declared size bounds what its CRC covers.
    let declared = batch::BatchHeader::parse(&owned)
        .map(|h| h.size())
        .unwrap_or(0);
    if declared >= batch::HEADER_SIZE && declared <= owned.len() {
        let _ = batch::set_crc(&mut owned[..declared]);
    }
    record_batches(&owned);
}

/// SASL messages as a client sends them: PLAIN, and a SCRAM exchange (client-first, then
/// client-final, split at the first zero byte) against a known user. Returns whether a login
/// succeeded (never, for mutated input, unless it is a valid proof).
pub fn sasl_messages(data: &[u8]) -> bool {
    use crate::security::scram::{self, ScramCredential, ScramMechanism, ScramServer, ServerStep};
    static CREDENTIAL: std::sync::OnceLock<ScramCredential> = std::sync::OnceLock::new();
    let credential =
        CREDENTIAL.get_or_init(|| ScramMechanism::Sha256.new_credential("fuzz-secret", 4096));
    let _ = scram::parse_plain(data);
    let (first, last) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut server = ScramServer::new(ScramMechanism::Sha256);
    let lookup = |user: &str| (user == "fuzz").then(|| credential.clone());
    match server.step(first, lookup) {
        Ok(ServerStep::Challenge(_)) => {
            matches!(server.step(last, |_| None), Ok(ServerStep::Success { .. }))
        }
        _ => false,
    }
}

/// Seeds for [`sasl_messages`]: a PLAIN message and a SCRAM client-first with a final message.
pub fn sasl_seeds() -> Vec<Vec<u8>> {
    let mut scram = b"n,,n=fuzz,r=fyko+d2lbbFgONRv9qkxdawL".to_vec();
    scram.push(0);
    scram.extend_from_slice(
        b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    );
    vec![b"\0fuzz\0fuzz-secret".to_vec(), scram]
}

/// Every API and version the broker answers, as a request frame body (header + default body).
pub fn request_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (api, range) in supported_apis() {
        for version in range.min..=range.max {
            let Some(body) = default_request_body(api, version) else {
                continue;
            };
            let mut frame = BytesMut::new();
            frame.put_i16(api as i16);
            frame.put_i16(version);
            frame.put_i32(7);
            let header_version = api.request_header_version(version);
            if header_version >= 1 {
                frame.put_i16(4);
                frame.put_slice(b"fuzz");
            }
            if header_version >= 2 {
                frame.put_u8(0); // no tagged fields
            }
            frame.put_slice(&body);
            seeds.push(frame.to_vec());
        }
    }
    seeds
}

/// Record batches in every codec, with keys, values and headers.
pub fn batch_seeds() -> Vec<Vec<u8>> {
    let records: Vec<Record> = (0..5)
        .map(|i| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i,
            sequence: -1,
            timestamp: 1_700_000_000_000 + i,
            key: Some(Bytes::from(format!("key-{i}"))),
            value: Some(Bytes::from("value ".repeat(i as usize + 1))),
            headers: [(
                kafka_protocol::protocol::StrBytes::from_static_str("h"),
                Some(Bytes::from_static(b"v")),
            )]
            .into_iter()
            .collect(),
        })
        .collect();
    [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ]
    .into_iter()
    .map(|compression| {
        let mut buf = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut buf,
            &records,
            &RecordEncodeOptions {
                version: 2,
                compression,
            },
        )
        .expect("encoding a small batch cannot fail");
        buf.to_vec()
    })
    .collect()
}
