//! The broker judged by clients we did not write: kcat, confluent-kafka, kafka-python, kafkajs.

use std::time::{Duration, Instant};

use crate::common::{expect_script, repo, KboxProcess};

#[test]
fn kcat_lists_produces_and_consumes() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script("bash", &["tests/clients/kcat_roundtrip.sh", &broker.addr]);
    assert_eq!(summary["consumed"], 1000);
    assert_eq!(summary["compare"], "exact");
}

#[test]
fn confluent_kafka_round_trips_every_codec() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        let summary = expect_script(
            "python3",
            &[
                "tests/clients/confluent_roundtrip.py",
                "--bootstrap",
                &broker.addr,
                "--codec",
                codec,
                "--count",
                "100000",
                "--partitions",
                "6",
            ],
        );
        assert_eq!(summary["consumed"], 100000, "codec {codec}: {summary}");
        assert_eq!(summary["delivered"], 100000, "codec {codec}: {summary}");
    }
}

#[test]
fn kafka_python_admin_produce_consume() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/kafka_python_admin.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["consumed"], 1000);
    assert!(summary["recreated"].is_string(), "{summary}");
}

#[test]
fn kafkajs_produces_and_consumes_in_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script(
        "node",
        &[
            "tests/clients/node/kafkajs_roundtrip.js",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["produced"], 1000);
    assert_eq!(summary["high_watermarks_ok"], true);
    assert_eq!(
        summary["consumed"], 1000,
        "kafkajs reads through a consumer group: {summary}"
    );
}

/// Produce with acks=all, kill -9 the broker mid-stream, restart it on the same data and read
/// back: every acknowledged record is at the offset it was acknowledged at.
#[test]
fn acknowledged_records_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let acked = dir.path().join("acked.jsonl");
    let data = dir.path().join("data");
    let broker = KboxProcess::start(&data);
    let mut producer = std::process::Command::new("python3")
        .args([
            "tests/clients/acked_producer.py",
            "--bootstrap",
            &broker.addr,
            "--topic",
            "crash",
            "--partitions",
            "3",
            "--count",
            "2000000",
            "--timeout",
            "60",
            "--out",
        ])
        .arg(&acked)
        .current_dir(repo())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until a good number of records were acknowledged, then pull the plug.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines = std::fs::read_to_string(&acked)
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if lines >= 20_000 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "producer acknowledged only {lines} records"
        );
        assert!(
            producer.try_wait().unwrap().is_none(),
            "producer exited early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    broker.kill9();
    let _ = producer.kill();
    let _ = producer.wait();

    let restarted = KboxProcess::start(&data);
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/verify_acked.py",
            "--bootstrap",
            &restarted.addr,
            "--topic",
            "crash",
            "--acked",
            acked.to_str().unwrap(),
        ],
    );
    assert_eq!(summary["lost"], 0, "{summary}");
    assert!(summary["acked"].as_i64().unwrap() >= 20_000);
    assert_eq!(restarted.terminate(), Some(0));
}

#[test]
fn confluent_admin_partitions_configs_delete_records_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/confluent_admin.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["low_watermark"], 40);
    assert_eq!(summary["latest"], 100);
}

#[test]
fn retention_deletes_old_segments_by_time_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(
        dir.path(),
        &["--override", "log.retention.check.interval.ms=100"],
    );
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/retention_check.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["time_topic_start"], 100);
    assert!(summary["size_topic_start"].as_i64().unwrap() > 0);
}
