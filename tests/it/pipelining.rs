//! A connection with several requests in flight: produces that wait for their fsync release
//! the connection, yet every answer leaves in request order. Answers to requests that arrived
//! together may leave together, but never wait for a request that waits (a long poll).

use bytes::Bytes;
use std::time::Duration;

use kafka_protocol::messages::{ApiVersionsRequest, FetchRequest, ProduceRequest, RequestHeader};
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
    produce_with_acks(topic, value, -1)
}

fn produce_with_acks(topic: &str, value: &'static [u8], acks: i16) -> ProduceRequest {
    let batch = crate::common::one_record_batch(value);
    let mut data = kafka_protocol::messages::produce_request::PartitionProduceData::default();
    data.index = 0;
    data.records = Some(batch.freeze());
    let mut t = kafka_protocol::messages::produce_request::TopicProduceData::default();
    t.name = kafka_protocol::messages::TopicName(StrBytes::from_string(topic.to_string()));
    t.partition_data = vec![data];
    let mut request = ProduceRequest::default();
    request.acks = acks;
    request.timeout_ms = 30_000;
    request.topic_data = vec![t];
    request
}

/// A broker with a one-partition topic (with `configs`), and a raw connection to it.
async fn broker_with_topic(topic: &str, configs: &[(&str, &str)]) -> (TestBroker, TcpStream) {
    let broker = TestBroker::start().await;
    crate::common::create_topic_with(&broker.addr.to_string(), topic, 1, configs).await;
    let socket = TcpStream::connect(broker.addr).await.unwrap();
    (broker, socket)
}

/// The next answer on a raw connection.
async fn next_answer(s: &mut TcpStream) -> Bytes {
    read_frame(s, 1 << 20).await.unwrap().expect("an answer")
}

#[tokio::test]
async fn answers_leave_in_request_order_while_produces_wait_for_their_fsync() {
    let (broker, mut s) = broker_with_topic("piped", &[("flush.messages", "1")]).await;
    // Everything in one write: the broker reads the next request while a produce waits for
    // its fsync, and an ApiVersions in between is answered at once but sent in its turn.
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
        let mut answer = next_answer(&mut s).await;
        let (correlation, response) = decode_response::<ProduceRequest>(&mut answer, 9).unwrap();
        assert_eq!(correlation, 10 * i as i32, "answers in request order");
        let p = &response.responses[0].partition_responses[0];
        assert_eq!(p.error_code, 0);
        offsets.push(p.base_offset);
        if i == 2 {
            let mut answer = next_answer(&mut s).await;
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

#[tokio::test]
async fn an_answer_written_before_a_long_poll_leaves_without_waiting_for_it() {
    let (broker, mut s) = broker_with_topic("polled", &[]).await;
    // A produce, then a fetch of the partition's end that waits up to a minute for a byte:
    // sent in one write, so the produce's answer is written while the fetch is already read.
    let mut fetch = FetchRequest::default();
    fetch.replica_id = kafka_protocol::messages::BrokerId(-1);
    fetch.max_wait_ms = 60_000;
    fetch.min_bytes = 1;
    fetch.max_bytes = 1 << 20;
    let mut partition = kafka_protocol::messages::fetch_request::FetchPartition::default();
    partition.partition = 0;
    partition.fetch_offset = 1;
    partition.partition_max_bytes = 1 << 20;
    let mut topic = kafka_protocol::messages::fetch_request::FetchTopic::default();
    topic.topic = kafka_protocol::messages::TopicName(StrBytes::from_static_str("polled"));
    topic.partitions = vec![partition];
    fetch.topics = vec![topic];
    let mut bytes = frame(1, 9, &produce_with_acks("polled", b"first", 1)).to_vec();
    bytes.extend_from_slice(&frame(2, 12, &fetch));
    s.write_all(&bytes).await.unwrap();

    // The produce's answer arrives while the fetch still waits (well inside its minute).
    let mut answer = tokio::time::timeout(Duration::from_secs(30), next_answer(&mut s))
        .await
        .expect("the produce's answer did not wait for the long poll");
    let (correlation, response) = decode_response::<ProduceRequest>(&mut answer, 9).unwrap();
    assert_eq!(correlation, 1);
    assert_eq!(response.responses[0].partition_responses[0].base_offset, 0);

    // A record from another connection ends the long poll, whose answer follows.
    let mut other = TcpStream::connect(broker.addr).await.unwrap();
    other
        .write_all(&frame(3, 9, &produce_with_acks("polled", b"second", 1)))
        .await
        .unwrap();
    next_answer(&mut other).await;
    let mut answer = next_answer(&mut s).await;
    let (correlation, response) = decode_response::<FetchRequest>(&mut answer, 12).unwrap();
    assert_eq!(correlation, 2);
    let p = &response.responses[0].partitions[0];
    assert_eq!(p.error_code, 0);
    assert!(
        p.records.as_ref().is_some_and(|r| !r.is_empty()),
        "the fetch returns the second record"
    );
}

#[tokio::test]
async fn answers_to_requests_sent_together_all_arrive_in_order() {
    let (_broker, mut s) = broker_with_topic("together", &[]).await;
    // Twenty acks=1 produces in one write: more than the broker holds before it flushes.
    let mut bytes = Vec::new();
    for i in 0..20 {
        bytes.extend_from_slice(&frame(i, 9, &produce_with_acks("together", b"v", 1)));
    }
    s.write_all(&bytes).await.unwrap();
    for i in 0..20 {
        let mut answer = next_answer(&mut s).await;
        let (correlation, response) = decode_response::<ProduceRequest>(&mut answer, 9).unwrap();
        assert_eq!(correlation, i, "answers in request order");
        assert_eq!(
            response.responses[0].partition_responses[0].base_offset,
            i as i64
        );
    }
}
