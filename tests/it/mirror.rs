//! mirror-maker between two kbox brokers, including a kill -9 mid-run.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kbox::client::admin::OffsetSpec;
use kbox::client::config::IsolationLevel;
use kbox::client::{Admin, ClientConfig, Consumer, NewTopic, Producer, ProducerRecord};

use crate::common::{kbox_bin, TestBroker};

const TOPIC: &str = "mirrored";
const COUNT: usize = 100_000;

fn start_mirror(dir: &std::path::Path) -> Child {
    start_mirror_with(dir, &[])
}

fn start_mirror_with(dir: &std::path::Path, extra: &[&str]) -> Child {
    Command::new(kbox_bin())
        .args([
            "mirror-maker",
            "--include",
            "mirr.*",
            "--offset.commit.interval.ms",
            "200",
            "--stats-interval",
            "0",
        ])
        .arg("--consumer.config")
        .arg(dir.join("source.properties"))
        .arg("--producer.config")
        .arg(dir.join("target.properties"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn end_offsets(bootstrap: &str, partitions: i32) -> i64 {
    let admin = Admin::new(ClientConfig::with_bootstrap(bootstrap)).unwrap();
    let tps: Vec<(String, i32)> = (0..partitions).map(|p| (TOPIC.to_string(), p)).collect();
    match admin
        .list_offsets(&tps, OffsetSpec::Latest, IsolationLevel::ReadUncommitted)
        .await
    {
        Ok(found) => found
            .values()
            .filter_map(|r| r.as_ref().ok())
            .map(|o| o.offset)
            .sum(),
        Err(_) => 0,
    }
}

/// Every record of the topic: (partition, key, value, headers, timestamp).
async fn read_all(
    bootstrap: &str,
    partitions: i32,
) -> Vec<(
    i32,
    Option<Bytes>,
    Option<Bytes>,
    Vec<(String, Option<Bytes>)>,
    i64,
)> {
    let mut c = ClientConfig::with_bootstrap(bootstrap);
    c.set("auto.offset.reset", "earliest");
    let mut consumer = Consumer::new(c).unwrap();
    let tps: Vec<(String, i32)> = (0..partitions).map(|p| (TOPIC.to_string(), p)).collect();
    let admin = Admin::new(ClientConfig::with_bootstrap(bootstrap)).unwrap();
    let ends = admin
        .list_offsets(&tps, OffsetSpec::Latest, IsolationLevel::ReadUncommitted)
        .await
        .unwrap();
    let total: i64 = ends.values().map(|r| r.as_ref().unwrap().offset).sum();
    consumer.assign(&tps);
    let mut out = Vec::new();
    while (out.len() as i64) < total {
        let batch = consumer.poll(Duration::from_secs(5)).await.unwrap();
        assert!(
            !batch.is_empty(),
            "target read stalled at {} of {total}",
            out.len()
        );
        out.extend(
            batch
                .into_iter()
                .map(|r| (r.partition, r.key, r.value, r.headers, r.timestamp)),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirrors_everything_across_a_kill_9() {
    let source = TestBroker::start().await;
    let target = TestBroker::start().await;
    let (s, t) = (source.addr.to_string(), target.addr.to_string());
    let admin = Admin::new(ClientConfig::with_bootstrap(&s)).unwrap();
    let created = admin
        .create_topics(
            &[NewTopic {
                name: TOPIC.into(),
                partitions: 6,
                replication_factor: 1,
                configs: vec![("retention.ms".into(), "604800000".into())],
                ..Default::default()
            }],
            false,
        )
        .await
        .unwrap();
    created[0].1.as_ref().unwrap();
    let producer = Producer::new(ClientConfig::with_bootstrap(&s)).unwrap();
    let mut futures = Vec::new();
    for i in 0..COUNT {
        let mut r =
            ProducerRecord::new(TOPIC, format!("value-{i}")).with_key(format!("key-{}", i % 1000));
        r.headers
            .push(("seq".into(), Some(Bytes::from(i.to_string()))));
        r.timestamp = Some(1_700_000_000_000 + i as i64);
        futures.push(producer.send(r).await.unwrap());
    }
    for f in futures {
        f.await.unwrap();
    }
    producer.close().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("source.properties"),
        format!("bootstrap.servers={s}\ngroup.id=mirror-test\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("target.properties"),
        format!("bootstrap.servers={t}\n"),
    )
    .unwrap();

    // Run, kill -9 part way, run again.
    let mut first = start_mirror(dir.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while end_offsets(&t, 6).await < (COUNT as i64) / 3 {
        assert!(Instant::now() < deadline, "mirror-maker made no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let mut second = start_mirror(dir.path());
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if end_offsets(&t, 6).await < COUNT as i64 {
            assert!(
                Instant::now() < deadline,
                "the target stays short of {COUNT} records"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let mirrored = read_all(&t, 6).await;
        let mut distinct: Vec<&Option<Bytes>> = mirrored.iter().map(|r| &r.2).collect();
        distinct.sort();
        distinct.dedup();
        if distinct.len() == COUNT {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "target has {} of {COUNT} distinct records",
            distinct.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(second.id().to_string())
        .status();
    assert!(second.wait().unwrap().success(), "a clean stop on SIGTERM");

    // Record by record: same partition, key, headers and timestamp (duplicates from the
    // at-least-once restart are allowed, nothing is missing or altered).
    let original = read_all(&s, 6).await;
    let copy = read_all(&t, 6).await;
    let mut copies: HashMap<Option<Bytes>, Vec<_>> = HashMap::new();
    for r in &copy {
        copies.entry(r.2.clone()).or_default().push(r);
    }
    for r in &original {
        let found = copies
            .get(&r.2)
            .unwrap_or_else(|| panic!("missing {:?}", r.2));
        assert!(
            found
                .iter()
                .all(|c| c.0 == r.0 && c.1 == r.1 && c.3 == r.3 && c.4 == r.4),
            "altered copy of {:?}",
            r.2
        );
    }
    // The target topic was created like the source's.
    let target_admin = Admin::new(ClientConfig::with_bootstrap(&t)).unwrap();
    let described = target_admin
        .describe_configs(
            &[(kbox::client::admin::ResourceType::Topic, TOPIC.into())],
            false,
        )
        .await
        .unwrap();
    let retention = described[0]
        .2
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.name == "retention.ms")
        .unwrap()
        .clone();
    assert_eq!(retention.value.as_deref(), Some("604800000"));
    source.stop().await;
    target.stop().await;
}

/// --sync-group-offsets: a source group's committed offsets reach the same group on the target,
/// translated (here the target topic starts empty, so offsets are equal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_consumer_group_offsets_for_failover() {
    use kbox::client::group::admin::GroupAdmin;
    use kbox::client::Client;

    let source = TestBroker::start().await;
    let target = TestBroker::start().await;
    let (s, t) = (source.addr.to_string(), target.addr.to_string());
    crate::common::topic_with_records(&s, TOPIC, 3, &[1000, 1000, 1000]).await;
    // The application group "app" has read 400 records of partition 0 and all of partition 1.
    let source_groups = GroupAdmin::new(Client::new(ClientConfig::with_bootstrap(&s)).unwrap());
    let committed: HashMap<(String, i32), i64> = [
        ((TOPIC.to_string(), 0), 400),
        ((TOPIC.to_string(), 1), 1000),
    ]
    .into();
    source_groups
        .alter_offsets("app", &committed)
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("source.properties"),
        format!("bootstrap.servers={s}\ngroup.id=mirror-sync\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("target.properties"),
        format!("bootstrap.servers={t}\n"),
    )
    .unwrap();
    let mut mirror = start_mirror_with(dir.path(), &["--sync-group-offsets"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while end_offsets(&t, 3).await < 3000 {
        assert!(Instant::now() < deadline, "mirror-maker made no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A clean stop runs a last commit and offset sync.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(mirror.id().to_string())
        .status();
    assert!(mirror.wait().unwrap().success());

    let target_groups = GroupAdmin::new(Client::new(ClientConfig::with_bootstrap(&t)).unwrap());
    let synced = target_groups.committed_offsets("app", None).await.unwrap();
    let offsets: HashMap<(String, i32), i64> = synced
        .into_iter()
        .map(|(tp, c)| (tp, c.offset))
        .filter(|(_, o)| *o >= 0)
        .collect();
    assert_eq!(
        offsets, committed,
        "the target group resumes where the source group was"
    );
    // mirror-maker's own group is not copied.
    let own = target_groups
        .committed_offsets("mirror-sync", None)
        .await
        .unwrap();
    assert!(own.values().all(|c| c.offset < 0), "{own:?}");
    source.stop().await;
    target.stop().await;
}
