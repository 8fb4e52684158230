//! `kbox topics` as a process against the in-process broker: Apache's output byte for byte.

use std::process::Command;

use crate::common::{kbox_bin, TestBroker};

async fn kbox(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(kbox_bin()).args(&args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_describe_alter_delete() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let t = |rest: &[&str]| {
        let mut v = vec!["topics", "--bootstrap-server", b.as_str()];
        v.extend_from_slice(rest);
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| async move {
        kbox(&args.iter().map(String::as_str).collect::<Vec<_>>()).await
    };

    assert_eq!(
        run(t(&[
            "--create",
            "--topic",
            "orders",
            "--partitions",
            "3",
            "--config",
            "retention.ms=86400000"
        ]))
        .await,
        (0, "Created topic orders.\n".into(), String::new())
    );
    assert_eq!(
        run(t(&["--create", "--topic", "orders"])).await,
        (
            1,
            "Error while executing topic command : Topic 'orders' already exists.\n".into(),
            String::new()
        )
    );
    assert_eq!(
        run(t(&["--create", "--topic", "orders", "--if-not-exists"])).await,
        (0, String::new(), String::new())
    );
    assert_eq!(
        run(t(&[
            "--create",
            "--topic",
            "audit",
            "--replica-assignment",
            "1,1"
        ]))
        .await
        .0,
        0
    );
    assert_eq!(
        run(t(&["--list"])).await,
        (0, "audit\norders\n".into(), String::new())
    );

    let (code, out, _) = run(t(&["--describe", "--topic", "orders"])).await;
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    let id = lines[0]
        .split('\t')
        .nth(1)
        .unwrap()
        .strip_prefix("TopicId: ")
        .unwrap();
    assert_eq!(id.len(), 22);
    assert_eq!(lines[0], format!("Topic: orders\tTopicId: {id}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=86400000"));
    for p in 0..3 {
        assert_eq!(lines[1 + p], format!("\tTopic: orders\tPartition: {p}\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: "));
    }
    // --topic is a regular expression, matched against the whole name.
    let (_, out, _) = run(t(&[
        "--describe",
        "--topic",
        "ord.*|aud.*",
        "--topics-with-overrides",
    ]))
    .await;
    assert_eq!(out, format!("Topic: orders\tTopicId: {id}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=86400000\n"));
    let (_, out, _) = run(t(&["--describe", "--under-replicated-partitions"])).await;
    assert_eq!(out, "", "nothing is under-replicated on one node");
    let (_, json, _) = run(t(&["--describe", "--topic", "orders", "--format", "json"])).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json[0]["partition_count"], 3);
    assert_eq!(json[0]["configs"]["retention.ms"], "86400000");

    assert_eq!(
        run(t(&["--alter", "--topic", "orders", "--partitions", "5"]))
            .await
            .0,
        0
    );
    let (_, out, _) = run(t(&["--describe", "--topic", "orders"])).await;
    assert!(
        out.starts_with(&format!(
            "Topic: orders\tTopicId: {id}\tPartitionCount: 5\t"
        )),
        "{out}"
    );

    assert_eq!(
        run(t(&["--delete", "--topic", "nope"])).await,
        (1, "Error while executing topic command : Topic 'Optional[nope]' does not exist as expected\n".into(), String::new())
    );
    assert_eq!(
        run(t(&["--delete", "--topic", "nope", "--if-exists"]))
            .await
            .0,
        0
    );
    assert_eq!(
        run(t(&["--delete", "--topic", "orders"])).await,
        (0, String::new(), String::new())
    );
    assert_eq!(run(t(&["--list"])).await.1, "audit\n");

    // Usage errors: Apache's messages on stderr, exit 1; unknown flags: clap's exit 2 with a tip.
    let (code, out, err) = run(t(&[])).await;
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, "Command must include exactly one action: --list, --describe, --create, --alter or --delete\n");
    let (code, _, err) = run(t(&["--create"])).await;
    assert_eq!(
        (code, err.as_str()),
        (1, "Missing required argument \"[topic]\"\n")
    );
    let (code, _, err) = run(t(&["--list", "--partitions", "3"])).await;
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "Option \"[partitions]\" can't be used with option \"[list]\"\n"
        )
    );
    let (code, _, err) = run(t(&["--lst"])).await;
    assert_eq!(code, 2);
    assert!(err.contains("a similar argument exists: '--list'"), "{err}");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_to_the_apache_tool_name() {
    let broker = TestBroker::start().await;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("kafka-topics.sh");
    std::os::unix::fs::symlink(kbox_bin(), &link).unwrap();
    let b = broker.addr.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&link)
            .args(["--bootstrap-server", &b, "--create", "--topic", "linked"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Created topic linked.\n"
    );
    broker.stop().await;
}
