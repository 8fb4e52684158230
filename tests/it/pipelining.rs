//! A connection with several requests in flight: produces that wait for their fsync release
//! the connection, yet every answer leaves in request order.

use bytes::Bytes;
use kafka_protocol::messages::{ApiVersionsRequest, ProduceRequest, RequestHeader};
use kafka_protocol::protocol::{Request, StrBytes};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::TestBroker;
use kbox::protocol::codec::{decode_response, encode_request};
use kbox::protocol::frame::read_frame;

fn frame<R: Request>(correlation_id: i32, version: i16, body: &R) -> Bytes {
    let mut header = RequestHeader::default();
    header.request_api_key = R::KEY;
    header.request_api_version = version;
    header.correlation_id = correlation_id;
    header.client_id = Some(StrBytes::from_static_str("pipelining"));
    encode_request(&header, body).unwrap()
}

fn produce(topic: &str, value: &'static [u8]) -> ProduceRequest {
    let batch = crate::common::one_record_batch(value);
    let mut data = kafka_protocol::messages::produce_request::PartitionProduceData::default();
    data.index = 0;
    data.records = Some(batch.freeze());
    let mut t = kafka_protocol::messages::produce_request::TopicProduceData::default();
    t.name = kafka_protocol::messages::TopicName(StrBytes::from_string(topic.to_string()));
    t.partition_data = vec![data];
    let mut request = ProduceRequest::default();
    request.acks = -1;
    request.timeout_ms = 30_000;
    request.topic_data = vec![t];
    request
}

#[tokio::test]
async fn answers_leave_in_request_order_while_produces_wait_for_their_fsync() {
    let broker = TestBroker::start().await;
    let bootstrap = broker.addr.to_string();
    let admin =
        kbox::client::Admin::new(kbox::client::ClientConfig::with_bootstrap(&bootstrap)).unwrap();
    let created = admin
        .create_topics(
            &[kbox::client::NewTopic {
                name: "piped".into(),
                partitions: 1,
                replication_factor: 1,
                configs: vec![("flush.messages".into(), "1".into())],
                ..Default::default()
            }],
            false,
        )
        .await
        .unwrap();
    created[0].1.as_ref().unwrap();

    // Everything in one write: the broker reads the next request while a produce waits for
    // its fsync, and an ApiVersions in between is answered at once but sent in its turn.
    let mut s = TcpStream::connect(broker.addr).await.unwrap();
    let values: [&'static [u8]; 6] = [b"a", b"b", b"c", b"d", b"e", b"f"];
    let mut bytes = Vec::new();
    for (i, value) in values.iter().enumerate() {
        bytes.extend_from_slice(&frame(10 * i as i32, 9, &produce("piped", value)));
        if i == 2 {
            bytes.extend_from_slice(&frame(25, 3, &ApiVersionsRequest::default()));
        }
    }
    s.write_all(&bytes).await.unwrap();

    let mut offsets = Vec::new();
    for (i, _) in values.iter().enumerate() {
        let mut answer = read_frame(&mut s, 1 << 20)
            .await
            .unwrap()
            .expect("an answer");
        let (correlation, response) = decode_response::<ProduceRequest>(&mut answer, 9).unwrap();
        assert_eq!(correlation, 10 * i as i32, "answers in request order");
        let p = &response.responses[0].partition_responses[0];
        assert_eq!(p.error_code, 0);
        offsets.push(p.base_offset);
        if i == 2 {
            let mut answer = read_frame(&mut s, 1 << 20)
                .await
                .unwrap()
                .expect("an answer");
            let (correlation, versions) =
                decode_response::<ApiVersionsRequest>(&mut answer, 3).unwrap();
            assert_eq!(correlation, 25, "ApiVersions answered in its turn");
            assert_eq!(versions.error_code, 0);
        }
    }
    assert_eq!(offsets, vec![0, 1, 2, 3, 4, 5], "appended in request order");
    // Every acknowledged record is durable: the records are fsynced past them all (indexes and
    // the recovery point follow in the background).
    assert_eq!(broker.partition("piped", 0).log().flushed_offset(), 6);
}
