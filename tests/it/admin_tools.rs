//! Admin tools run as processes against the in-process broker: get-offsets, consumer-groups.

use std::process::Command;

use crate::common::{args, kbox_bin, kbox_output, topic_with_records, TestBroker};

async fn kbox(args: Vec<String>) -> (i32, String, String) {
    kbox_output(None, args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_offsets_prints_apache_lines() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    topic_with_records(&b, "orders", 11, &[3, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2]).await;
    let (code, out, err) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--topic",
        "ord.*",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    // Apache's order: "topic-partition" compared as strings, so 10 sorts before 2.
    assert_eq!(
        out,
        "orders:0:3\norders:1:0\norders:10:2\norders:2:5\norders:3:0\norders:4:0\norders:5:0\norders:6:0\norders:7:0\norders:8:0\norders:9:0\n"
    );
    let (code, out, _) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--topic-partitions",
        "orders:1-3",
        "--time",
        "-2",
    ]))
    .await;
    assert_eq!(code, 0);
    assert_eq!(out, "orders:1:0\norders:2:0\n");
    let (code, out, _) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--topic",
        "orders",
        "--partitions",
        "2",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["offset"], 5);
    let (code, out, err) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--topic",
        "nothing-here",
    ]))
    .await;
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "Error occurred: Could not match any topic-partitions with the specified filters\n"
    );
    let (code, _, err) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--time",
        "yesterday",
    ]))
    .await;
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Error occurred: Malformed time argument yesterday."),
        "{err}"
    );
    let (code, _, _) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--tpoic",
        "x",
    ]))
    .await;
    assert_eq!(code, 2, "an unknown flag is a usage error");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configs_alter_and_describe() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    topic_with_records(&b, "cfg", 1, &[0]).await;
    let (code, out, err) = kbox(args(&[
        "configs",
        "--bootstrap-server",
        &b,
        "--alter",
        "--entity-type",
        "topics",
        "--entity-name",
        "cfg",
        "--add-config",
        "retention.ms=86400000,cleanup.policy=[compact,delete]",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Completed updating config for topic cfg.\n");
    let (code, out, _) = kbox(args(&[
        "configs",
        "--bootstrap-server",
        &b,
        "--describe",
        "--topic",
        "cfg",
    ]))
    .await;
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Dynamic configs for topic cfg are:");
    assert!(lines[1].starts_with("  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete"), "{out}");
    assert!(lines[2].starts_with("  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000"), "{out}");
    assert_eq!(lines.len(), 3, "{out}");
    let (code, out, _) = kbox(args(&[
        "configs",
        "--bootstrap-server",
        &b,
        "--alter",
        "--topic",
        "cfg",
        "--delete-config",
        "retention.ms",
    ]))
    .await;
    assert_eq!(
        (code, out.as_str()),
        (0, "Completed updating config for topic cfg.\n")
    );
    let (_, out, _) = kbox(args(&[
        "configs",
        "--bootstrap-server",
        &b,
        "--describe",
        "--topic",
        "cfg",
        "--all",
        "--format",
        "json",
    ]))
    .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let configs = json[0]["configs"].as_array().unwrap();
    let retention = configs
        .iter()
        .find(|c| c["name"] == "retention.ms")
        .unwrap();
    assert_eq!(retention["source"], "DEFAULT_CONFIG");
    let (code, _, err) = kbox(args(&[
        "configs",
        "--bootstrap-server",
        &b,
        "--alter",
        "--topic",
        "cfg",
        "--add-config",
        "retention.ms=soon",
    ]))
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("retention.ms"), "{err}");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_records_moves_the_log_start() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    topic_with_records(&b, "dr", 2, &[10, 4]).await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, r#"{"partitions":[{"topic":"dr","partition":0,"offset":7},{"topic":"dr","partition":1,"offset":-1}],"version":1}"#).unwrap();
    let (code, out, err) = kbox(args(&[
        "delete-records",
        "--bootstrap-server",
        &b,
        "--offset-json-file",
        plan.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Executing records delete operation\nRecords delete operation completed:\npartition: dr-0\tlow_watermark: 7\npartition: dr-1\tlow_watermark: 4\n"
    );
    let (_, out, _) = kbox(args(&[
        "get-offsets",
        "--bootstrap-server",
        &b,
        "--topic",
        "dr",
        "--time",
        "earliest",
    ]))
    .await;
    assert_eq!(out, "dr:0:7\ndr:1:4\n");
    std::fs::write(
        &plan,
        r#"{"partitions":[{"topic":"dr","partition":0,"offset":99}],"version":1}"#,
    )
    .unwrap();
    let (code, out, _) = kbox(args(&[
        "delete-records",
        "--bootstrap-server",
        &b,
        "--offset-json-file",
        plan.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, 1);
    assert!(out.contains("partition: dr-0\terror: "), "{out}");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_api_versions_and_cluster_id() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let (code, out, err) = kbox(args(&["broker-api-versions", "--bootstrap-server", &b])).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("{b} (id: 1 rack: null) -> (\n\t")),
        "{out}"
    );
    assert!(out.ends_with("\n)\n"), "{out}");
    let apis = regex::Regex::new(r"(?m)^\t(\w+)\((\d+)\): (\d+)( to (\d+))? \[usable: (\d+)\],?$")
        .unwrap();
    let names: Vec<&str> = apis
        .captures_iter(&out)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    for api in [
        "Produce",
        "Fetch",
        "Metadata",
        "ApiVersions",
        "JoinGroup",
        "DescribeTopicPartitions",
    ] {
        assert!(names.contains(&api), "{api} missing from {out}");
    }
    // APIs the broker lacks are listed as such (delegation tokens are not built).
    assert!(
        out.contains("\tDescribeDelegationToken(41): UNSUPPORTED"),
        "{out}"
    );
    assert!(out.contains("\tDescribeAcls(29): 1 to"), "{out}");
    assert!(out.contains("\tEndTxn(26): 0 to"), "{out}");

    let (code, json, _) = kbox(args(&[
        "broker-api-versions",
        "--bootstrap-server",
        &b,
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(code, 0);
    let parsed: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(parsed[0]["id"], 1);
    assert_eq!(parsed[0]["apis"][0]["name"], "Produce");

    let (code, out, _) = kbox(args(&["cluster-id", "--bootstrap-server", &b])).await;
    assert_eq!(code, 0);
    let id = out.strip_prefix("Cluster ID: ").expect(&out).trim();
    assert_eq!(id.len(), 22, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_dirs_describes_partition_sizes() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    topic_with_records(&b, "sized", 2, &[10, 0]).await;
    topic_with_records(&b, "other", 1, &[1]).await;
    let (code, out, err) = kbox(args(&[
        "log-dirs",
        "--bootstrap-server",
        &b,
        "--describe",
        "--topic-list",
        "sized",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Querying brokers for log directories information");
    assert_eq!(
        lines[1],
        "Received log directory information from brokers 1"
    );
    let json: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(json["version"], 1);
    let dir = &json["brokers"][0]["logDirs"][0];
    assert!(dir["error"].is_null());
    let parts = dir["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "only the listed topic: {out}");
    assert_eq!(parts[0]["partition"], "sized-0");
    assert!(parts[0]["size"].as_i64().unwrap() > 0);
    assert_eq!(parts[1]["size"], 0);
    assert_eq!(parts[0]["offsetLag"], 0);
    assert_eq!(parts[0]["isFuture"], false);

    let (code, _, err) = kbox(args(&["log-dirs", "--bootstrap-server", &b])).await;
    assert_ne!(code, 0);
    assert!(err.contains("describe"), "{err}");
}

/// `--profile` (and KBOX_PROFILE) and `-X` feed every client tool, as rpk's profiles do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_and_x_properties_reach_every_tool() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::write(
        &profiles,
        format!("# test clusters\n[local]\nbootstrap.servers={b}\n\n[dead]\nbootstrap.servers=127.0.0.1:1\n"),
    )
    .unwrap();
    let run = move |args: Vec<&str>, env: Vec<(&str, &str)>| {
        let mut cmd = Command::new(kbox_bin());
        cmd.args(&args)
            .env("KBOX_PROFILES", &profiles)
            .env_remove("KBOX_PROFILE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(
        vec![
            "--profile",
            "local",
            "topics",
            "--create",
            "--topic",
            "via-profile",
        ],
        vec![],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(vec!["topics", "--list"], vec![("KBOX_PROFILE", "local")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == "via-profile"), "{out}");
    // -X wins over the profile.
    let x = format!("bootstrap.servers={b}");
    let (code, out, err) = run(
        vec![
            "get-offsets",
            "--topic",
            "via-profile",
            "--profile",
            "dead",
            "-X",
            &x,
        ],
        vec![],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "via-profile:0:0\n");
    let (code, _, err) = run(vec!["--profile", "nope", "topics", "--list"], vec![]);
    assert_ne!(code, 0);
    assert!(
        err.contains("no profile 'nope'") && err.contains("local, dead"),
        "{err}"
    );
}
