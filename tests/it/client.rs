//! kbox's own client against the in-process broker: admin, producer and consumer together.

use std::collections::HashMap;
use std::time::Duration;

use kbox::client::admin::{AlterOp, ResourceType};
use kbox::client::partitioner::partition_for_key;
use kbox::client::{Admin, ClientConfig, Consumer, NewTopic, OffsetSpec, Producer, ProducerRecord};

use crate::common::{create_topic_with, TestBroker};

fn config(broker: &TestBroker) -> ClientConfig {
    ClientConfig::with_bootstrap(&broker.addr.to_string())
}

#[tokio::test]
async fn admin_produce_consume_round_trip() {
    let broker = TestBroker::start().await;
    let admin = Admin::new(config(&broker)).unwrap();
    let created = admin
        .create_topics(
            &[NewTopic {
                name: "orders".into(),
                partitions: 3,
                replication_factor: 1,
                configs: vec![("retention.ms".into(), "3600000".into())],
                ..Default::default()
            }],
            false,
        )
        .await
        .unwrap();
    assert!(created[0].1.is_ok(), "{created:?}");
    let again = admin
        .create_topics(
            &[NewTopic {
                name: "orders".into(),
                partitions: 1,
                replication_factor: 1,
                ..Default::default()
            }],
            false,
        )
        .await
        .unwrap();
    assert!(again[0]
        .1
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("already exists"));

    // 3,000 keyed records with headers, then every one read back where murmur2 put it.
    let mut pc = config(&broker);
    pc.set("linger.ms", "2").set("compression.type", "lz4");
    let producer = Producer::new(pc).unwrap();
    let mut futures = Vec::new();
    for i in 0..3000 {
        let mut r = ProducerRecord::new("orders", format!("value-{i}"))
            .with_key(format!("key-{}", i % 100));
        r.headers.push(("n".into(), Some(format!("{i}").into())));
        futures.push(producer.send(r).await.unwrap());
    }
    let mut last_offset: HashMap<i32, i64> = HashMap::new();
    for (i, f) in futures.into_iter().enumerate() {
        let md = f.await.unwrap();
        let key = format!("key-{}", i % 100);
        assert_eq!(md.partition, partition_for_key(key.as_bytes(), 3));
        let prev = last_offset.insert(md.partition, md.offset);
        assert!(
            prev.is_none_or(|p| p < md.offset),
            "offsets grow per partition"
        );
    }
    producer.close().await.unwrap();

    let mut cc = config(&broker);
    cc.set("auto.offset.reset", "earliest")
        .set("max.poll.records", "700");
    let mut consumer = Consumer::new(cc).unwrap();
    consumer.assign(&[
        ("orders".into(), 0),
        ("orders".into(), 1),
        ("orders".into(), 2),
    ]);
    let mut seen = Vec::new();
    while seen.len() < 3000 {
        let batch = consumer.poll(Duration::from_secs(5)).await.unwrap();
        assert!(!batch.is_empty(), "stalled after {} records", seen.len());
        assert!(batch.len() <= 700);
        seen.extend(batch);
    }
    let mut values: Vec<String> = seen
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_ref().unwrap()).into_owned())
        .collect();
    values.sort();
    values.dedup();
    assert_eq!(values.len(), 3000);
    for r in &seen {
        let n: usize = std::str::from_utf8(r.headers[0].1.as_ref().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            r.key.as_deref(),
            Some(format!("key-{}", n % 100).as_bytes())
        );
    }

    // Seeking: to an offset, to the end (nothing new), by timestamp.
    let tp = ("orders".to_string(), 1);
    consumer.seek(&tp, 5).unwrap();
    consumer.assign(std::slice::from_ref(&tp));
    let batch = consumer.poll(Duration::from_secs(5)).await.unwrap();
    assert_eq!(batch[0].offset, 5);
    consumer.seek_to(&tp, OffsetSpec::Latest).unwrap();
    let end = consumer.position(&tp).await.unwrap();
    assert_eq!(end, last_offset[&1] + 1);
    assert!(consumer
        .poll(Duration::from_millis(300))
        .await
        .unwrap()
        .is_empty());

    // Configs and deletion.
    admin
        .incremental_alter_configs(
            ResourceType::Topic,
            "orders",
            &[AlterOp::Set("cleanup.policy".into(), "compact".into())],
            false,
        )
        .await
        .unwrap();
    let described = admin
        .describe_configs(&[(ResourceType::Topic, "orders".into())], false)
        .await
        .unwrap();
    let entries = described[0].2.as_ref().unwrap();
    let policy = entries.iter().find(|e| e.name == "cleanup.policy").unwrap();
    assert_eq!(policy.value.as_deref(), Some("compact"));
    assert!(policy.is_override());
    let offsets = admin
        .list_offsets(
            std::slice::from_ref(&tp),
            OffsetSpec::Earliest,
            kbox::client::config::IsolationLevel::ReadUncommitted,
        )
        .await
        .unwrap();
    assert_eq!(offsets[&tp].as_ref().unwrap().offset, 0);
    let deleted = admin
        .delete_topics(&["orders".into(), "missing".into()])
        .await
        .unwrap();
    assert!(deleted[0].1.is_ok());
    assert!(deleted[1].1.is_err());
    assert!(admin
        .list_topics(false)
        .await
        .unwrap()
        .iter()
        .all(|t| t.name != "orders"));
    broker.stop().await;
}

#[tokio::test]
async fn producer_reports_errors_per_record() {
    let broker = TestBroker::start().await;
    let mut pc = config(&broker);
    pc.set("max.block.ms", "500");
    let producer = Producer::new(pc).unwrap();
    // Bad topic name: the metadata answer is final, not retried for max.block.ms.
    let err = producer
        .send(ProducerRecord::new("bad topic!", "x"))
        .await
        .err()
        .unwrap();
    assert!(!err.to_string().is_empty());
    // An explicit partition outside the topic.
    let ok = producer
        .send(ProducerRecord::new("auto", "x"))
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(ok.offset, 0);
    let err = producer
        .send(ProducerRecord::new("auto", "x").with_partition(7))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("Invalid partition"), "{err}");
    // acks=0 still delivers, without offsets.
    let mut pc = config(&broker);
    pc.set("acks", "0");
    let fire = Producer::new(pc).unwrap();
    let md = fire
        .send(ProducerRecord::new("auto", "y"))
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(md.offset, -1);
    fire.close().await.unwrap();
    producer.close().await.unwrap();

    // Records retried until delivery.timeout.ms fail with the reason they kept failing:
    // acks=all to a topic that wants more in-sync replicas than one broker has.
    let bootstrap = broker.addr.to_string();
    create_topic_with(&bootstrap, "needs-two", 1, &[("min.insync.replicas", "2")]).await;
    let mut pc = config(&broker);
    pc.set("acks", "all")
        .set("delivery.timeout.ms", "1500")
        .set("request.timeout.ms", "1000")
        .set("linger.ms", "0")
        .set("retry.backoff.ms", "50");
    let waiting = Producer::new(pc).unwrap();
    let err = waiting
        .send(ProducerRecord::new("needs-two", "z"))
        .await
        .unwrap()
        .await
        .unwrap_err()
        .to_string();
    // As Java: the last retriable error, once no retry fits in the time left.
    assert!(err.contains("NotEnoughReplicas"), "{err}");
    let _ = waiting.close().await;
    broker.stop().await;
}
