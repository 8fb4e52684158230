//! Consumer groups on kbox's broker: real clients (librdkafka, kafka-python, kafkajs is in
//! real_clients.rs), a mixed group with kbox's own client, durability of committed offsets
//! across kill -9, and `kbox consumer-groups` against live groups.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kbox::client::group::Subscription;
use kbox::client::{ClientConfig, GroupConsumer, Producer, ProducerRecord};

use crate::common::{expect_script, kbox_bin, repo, KboxProcess};

#[test]
fn confluent_kafka_members_share_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/confluent_group.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["consumed"], 30000);
    assert_eq!(summary["resumed"], 600);
    assert_eq!(summary["final_owners"], 6);
}

#[test]
fn kafka_python_members_share_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/kafka_python_group.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["consumed"], 3000);
    assert_eq!(summary["resumed"], 100);
}

#[test]
fn kafkajs_members_share_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script(
        "node",
        &[
            "tests/clients/node/kafkajs_group.js",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["consumed"], 3000);
    assert_eq!(summary["resumed"], 100);
    assert!(
        summary["per_member"].as_object().unwrap().len() >= 3,
        "{summary}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn create_and_fill(bootstrap: &str, topic: &str, partitions: i32, count: usize) {
    crate::common::create_topic(bootstrap, topic, partitions).await;
    let producer = Producer::new(ClientConfig::with_bootstrap(bootstrap)).unwrap();
    let mut pending = Vec::new();
    for i in 0..count {
        pending.push(
            producer
                .send(ProducerRecord::new(topic, format!("v{i}")).with_key(format!("k{i}")))
                .await
                .unwrap(),
        );
    }
    for p in pending {
        p.await.unwrap();
    }
    producer.close().await.unwrap();
}

fn member_config(bootstrap: &str, group: &str) -> ClientConfig {
    let mut c = ClientConfig::with_bootstrap(bootstrap);
    c.set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("heartbeat.interval.ms", "300")
        .set("session.timeout.ms", "6000");
    c
}

/// Reads with a kbox member until nothing new came for `idle`; returns (partition, offset)s.
/// `work` is simulated processing time per batch.
async fn read_until_idle(
    member: &mut GroupConsumer,
    idle: Duration,
    at_least: usize,
    work: Duration,
) -> Vec<(i32, i64)> {
    let mut read = Vec::new();
    let mut last = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        let batch = member.poll(Duration::from_millis(200)).await.unwrap();
        if batch.is_empty() {
            if read.len() >= at_least && last.elapsed() > idle {
                break;
            }
            continue;
        }
        read.extend(batch.iter().map(|r| (r.partition, r.offset)));
        tokio::time::sleep(work).await;
        last = Instant::now();
    }
    read
}

#[test]
fn kbox_and_librdkafka_members_share_one_group() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let rt = runtime();
    rt.block_on(create_and_fill(&broker.addr, "mixed", 6, 6000));
    let python = Command::new("python3")
        .args([
            "tests/clients/confluent_member.py",
            "--bootstrap",
            &broker.addr,
            "--group",
            "mixed-g",
            "--topic",
            "mixed",
        ])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 tests/clients/confluent_member.py");
    let ours = rt.block_on(async {
        let mut config = member_config(&broker.addr, "mixed-g");
        config.set("max.poll.records", "100");
        let mut member =
            GroupConsumer::subscribe(config, Subscription::Topics(vec!["mixed".into()])).unwrap();
        let read = read_until_idle(
            &mut member,
            Duration::from_secs(3),
            1,
            Duration::from_millis(40),
        )
        .await;
        member.close().await.unwrap();
        read
    });
    let out = python.wait_with_output().unwrap();
    assert!(out.status.success());
    let theirs: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    let theirs: Vec<(i32, i64)> = theirs["read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x[0].as_i64().unwrap() as i32, x[1].as_i64().unwrap()))
        .collect();
    assert!(
        !ours.is_empty() && !theirs.is_empty(),
        "both members read: kbox {} librdkafka {}",
        ours.len(),
        theirs.len()
    );
    let mut all: Vec<(i32, i64)> = ours.iter().chain(theirs.iter()).copied().collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "no record read twice");
    assert_eq!(all.len(), 6000, "every record read");
}

fn kbox_tool(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kbox_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn committed_offsets_survive_kill_9_and_the_tool_manages_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let broker = KboxProcess::start(&data);
    let rt = runtime();
    rt.block_on(async {
        create_and_fill(&broker.addr, "dur", 3, 900).await;
        let mut member = GroupConsumer::subscribe(
            member_config(&broker.addr, "dur-g"),
            Subscription::Topics(vec!["dur".into()]),
        )
        .unwrap();
        let read =
            read_until_idle(&mut member, Duration::from_millis(500), 900, Duration::ZERO).await;
        assert_eq!(read.len(), 900);
        member.close().await.unwrap();
    });
    let describe = |addr: &str| {
        kbox_tool(&[
            "consumer-groups",
            "--bootstrap-server",
            addr,
            "--describe",
            "--group",
            "dur-g",
        ])
    };
    let (code, out, err) = describe(&broker.addr);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "\nConsumer group 'dur-g' has no active members.\n");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{out}");
    let committed: u64 = rows.iter().map(|r| r[3].parse::<u64>().unwrap()).sum();
    assert_eq!(committed, 900, "{out}");
    assert!(
        rows.iter().all(|r| r[5] == "0" && r[6] == "-"),
        "lag 0, no consumer: {out}"
    );
    assert!(out.starts_with("\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"), "{out:?}");

    // kill -9 and restart on the same data: the commits are still there.
    broker.kill9();
    let broker = KboxProcess::start(&data);
    let (_, after, _) = describe(&broker.addr);
    assert_eq!(after, out, "offsets after kill -9 and restart");

    // Reset to earliest (dry run first), then a member re-reads everything.
    let (code, plan, err) = kbox_tool(&[
        "consumer-groups",
        "--bootstrap-server",
        &broker.addr,
        "--reset-offsets",
        "--group",
        "dur-g",
        "--topic",
        "dur",
        "--to-earliest",
    ]);
    assert_eq!(code, 0);
    assert!(
        err.starts_with("WARN: No action will be performed as the --execute option is missing."),
        "{err}"
    );
    assert!(
        plan.contains("dur-g                          dur                            0          0"),
        "{plan}"
    );
    let (code, _, err) = kbox_tool(&[
        "consumer-groups",
        "--bootstrap-server",
        &broker.addr,
        "--reset-offsets",
        "--group",
        "dur-g",
        "--topic",
        "dur",
        "--to-earliest",
        "--execute",
    ]);
    assert_eq!(code, 0, "{err}");
    let again = rt.block_on(async {
        let mut member = GroupConsumer::subscribe(
            member_config(&broker.addr, "dur-g"),
            Subscription::Topics(vec!["dur".into()]),
        )
        .unwrap();
        let read =
            read_until_idle(&mut member, Duration::from_millis(500), 900, Duration::ZERO).await;
        member.close().await.unwrap();
        read
    });
    let distinct: HashSet<_> = again.iter().collect();
    assert_eq!(distinct.len(), 900, "re-read everything after the reset");

    // An active group cannot be reset; an empty one can be deleted.
    let (code, list, _) = kbox_tool(&[
        "consumer-groups",
        "--bootstrap-server",
        &broker.addr,
        "--list",
    ]);
    assert_eq!((code, list.as_str()), (0, "dur-g\n"));
    let (code, out, _) = kbox_tool(&[
        "consumer-groups",
        "--bootstrap-server",
        &broker.addr,
        "--delete",
        "--group",
        "dur-g",
    ]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "Deletion of requested consumer groups ('dur-g') was successful.\n"
        )
    );
    let (_, list, _) = kbox_tool(&[
        "consumer-groups",
        "--bootstrap-server",
        &broker.addr,
        "--list",
    ]);
    assert_eq!(list, "");
}
