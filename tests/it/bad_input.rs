//! Whatever a peer sends, the broker answers as Kafka does or closes that one connection, and
//! keeps serving everyone else.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, ProduceRequest, RequestHeader,
};
use kafka_protocol::protocol::{Decodable, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestBroker;
use kbox::protocol::codec::{decode_response, encode_request};
use kbox::protocol::frame::read_frame;

async fn call<R: Request>(stream: &mut TcpStream, version: i16, body: &R) -> R::Response {
    let mut header = RequestHeader::default();
    header.request_api_key = R::KEY;
    header.request_api_version = version;
    header.correlation_id = 7;
    header.client_id = Some(StrBytes::from_static_str("test"));
    stream
        .write_all(&encode_request(&header, body).unwrap())
        .await
        .unwrap();
    let mut frame = read_frame(stream, 1 << 30)
        .await
        .unwrap()
        .expect("a response");
    let (correlation, response) = decode_response::<R>(&mut frame, version).unwrap();
    assert_eq!(correlation, 7);
    response
}

/// True when the broker closed the connection (read returns EOF or reset).
async fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

async fn still_serving(broker: &TestBroker) {
    let mut s = TcpStream::connect(broker.addr).await.unwrap();
    let r = call(&mut s, 3, &ApiVersionsRequest::default()).await;
    assert_eq!(r.error_code, 0);
    assert!(r
        .api_keys
        .iter()
        .any(|k| k.api_key == ApiKey::Produce as i16));
}

#[tokio::test]
async fn bad_frames_close_only_their_connection() {
    let broker = TestBroker::start().await;
    let frames: Vec<Vec<u8>> = vec![
        (-1i32).to_be_bytes().to_vec(),     // negative length
        i32::MAX.to_be_bytes().to_vec(),    // far above socket.request.max.bytes
        vec![0, 0, 0, 4, 0xff, 0xff, 0, 0], // too short for a header
        {
            let mut f = vec![0, 0, 0, 12];
            f.extend([3, 231, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
            f
        }, // unknown API key 999
        {
            let mut f = vec![0, 0, 0, 12];
            f.extend([0, 3, 0, 100, 0, 0, 0, 1, 0, 0, 0, 0]);
            f
        }, // Metadata v100
        {
            let mut f = vec![0, 0, 0, 40];
            f.extend((0..40).map(|i| (i * 37 % 251) as u8));
            f
        }, // garbage
    ];
    for frame in frames {
        let mut s = TcpStream::connect(broker.addr).await.unwrap();
        s.write_all(&frame).await.unwrap();
        assert!(
            closed(&mut s).await,
            "connection should be closed after {frame:?}"
        );
        still_serving(&broker).await;
    }
    // A frame cut short: the peer goes away mid-frame.
    let mut s = TcpStream::connect(broker.addr).await.unwrap();
    s.write_all(&[0, 0, 1, 0, 1, 2, 3]).await.unwrap();
    drop(s);
    still_serving(&broker).await;
    broker.stop().await;
}

#[tokio::test]
async fn declared_array_lengths_do_not_allocate() {
    let broker = TestBroker::start().await;
    // Metadata v1 (non-flexible): header, then a topics array declaring 2^31-1 entries.
    let mut body = BytesMut::new();
    body.put_i16(ApiKey::Metadata as i16);
    body.put_i16(1);
    body.put_i32(9);
    body.put_i16(-1); // null client id
    body.put_i32(i32::MAX);
    let mut frame = BytesMut::new();
    frame.put_i32(body.len() as i32);
    frame.put(body);
    let mut s = TcpStream::connect(broker.addr).await.unwrap();
    s.write_all(&frame).await.unwrap();
    assert!(closed(&mut s).await);
    still_serving(&broker).await;
    broker.stop().await;
}

#[tokio::test]
async fn api_versions_at_an_unknown_version_gets_v0_with_our_ranges() {
    let broker = TestBroker::start().await;
    let mut s = TcpStream::connect(broker.addr).await.unwrap();
    // ApiVersions v99 with a v2 header (flexible): key, version, correlation id, client id, no tags.
    let mut body = BytesMut::new();
    body.put_i16(ApiKey::ApiVersions as i16);
    body.put_i16(99);
    body.put_i32(42);
    body.put_i16(-1);
    body.put_u8(0);
    let mut frame = BytesMut::new();
    frame.put_i32(body.len() as i32);
    frame.put(body);
    s.write_all(&frame).await.unwrap();
    let mut response: Bytes = read_frame(&mut s, 1 << 20).await.unwrap().unwrap();
    let correlation = i32::from_be_bytes(response[..4].try_into().unwrap());
    assert_eq!(correlation, 42);
    let _ = response.split_to(4); // header v0 is only the correlation id
    let decoded = ApiVersionsResponse::decode(&mut response, 0).unwrap();
    assert_eq!(decoded.error_code, 35);
    assert!(decoded
        .api_keys
        .iter()
        .any(|k| k.api_key == ApiKey::Fetch as i16 && k.max_version >= 12));
    broker.stop().await;
}

#[tokio::test]
async fn a_batch_with_a_bad_crc_is_refused_and_nothing_is_written() {
    let broker = TestBroker::start().await;
    let mut s = TcpStream::connect(broker.addr).await.unwrap();
    let mut md = MetadataRequest::default();
    let mut topic = kafka_protocol::messages::metadata_request::MetadataRequestTopic::default();
    topic.name = Some(kafka_protocol::messages::TopicName(
        StrBytes::from_static_str("crc"),
    ));
    md.topics = Some(vec![topic]);
    md.allow_auto_topic_creation = true;
    let r = call(&mut s, 9, &md).await;
    assert_eq!(r.topics[0].error_code, 0);

    let mut batch = crate::common::one_record_batch(b"hello");
    let last = batch.len() - 1;
    batch[last] ^= 0xff; // corrupt the value: the CRC no longer matches

    let mut produce = ProduceRequest::default();
    produce.acks = -1;
    produce.timeout_ms = 5000;
    let mut data = kafka_protocol::messages::produce_request::PartitionProduceData::default();
    data.index = 0;
    data.records = Some(batch.freeze());
    let mut t = kafka_protocol::messages::produce_request::TopicProduceData::default();
    t.name = kafka_protocol::messages::TopicName(StrBytes::from_static_str("crc"));
    t.partition_data = vec![data];
    produce.topic_data = vec![t];
    let r = call(&mut s, 9, &produce).await;
    assert_eq!(
        r.responses[0].partition_responses[0].error_code, 2,
        "CORRUPT_MESSAGE"
    );
    assert_eq!(broker.partition("crc", 0).high_watermark(), 0);
    broker.stop().await;
}
