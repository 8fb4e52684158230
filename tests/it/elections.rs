//! Leader elections, reassignment and secured replication on three-node clusters of
//! `kbox server-start` processes: preferred election through `kbox leader-election`, unclean
//! election off (the partition waits for its ISR) and on (a lagging replica leads, as Kafka),
//! the automatic leader rebalance, moving a partition with `kbox reassign-partitions`, and
//! followers fetching over a SASL_SSL inter-broker listener.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cluster::{
    brokers_seen_by, describe_partitions, kcat_metadata, wait_for, write_nodes, write_nodes_with,
    Node,
};
use crate::common::{args, kbox_output, run_script, KboxProcess};

const SESSION_MS: u32 = 3000;

fn start_all(nodes: &mut [Node]) {
    for node in nodes.iter_mut() {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    for b in nodes.iter().map(|n| n.bootstrap.clone()) {
        wait_for(
            "all three brokers registered",
            Duration::from_secs(30),
            || (brokers_seen_by(&b) == [1, 2, 3]).then_some(()),
        );
    }
}

fn stop_all(nodes: &mut [Node]) {
    for node in nodes.iter_mut() {
        if let Some(p) = node.process.take() {
            assert_eq!(p.terminate(), Some(0), "node {} stops cleanly", node.id);
        }
    }
}

async fn kbox(command: &[&str]) -> (i32, String, String) {
    kbox_output(None, args(command)).await
}

async fn create_topic(bootstrap: &str, topic: &str, extra: &[&str]) {
    let mut command = vec![
        "topics",
        "--bootstrap-server",
        bootstrap,
        "--create",
        "--topic",
        topic,
    ];
    command.extend_from_slice(extra);
    let (code, out, err) = kbox(&command).await;
    assert_eq!(code, 0, "{out}{err}");
}

/// (partition, leader, replicas) of a topic as kcat sees it through `bootstrap`.
fn kcat_leaders(bootstrap: &str, topic: &str) -> Option<Vec<(i64, i64, Vec<i64>)>> {
    let metadata = kcat_metadata(bootstrap, Some(topic))?;
    let partitions = metadata["topics"][0]["partitions"].as_array()?;
    let rows: Vec<(i64, i64, Vec<i64>)> = partitions
        .iter()
        .filter_map(|p| {
            let replicas = p["replicas"]
                .as_array()?
                .iter()
                .filter_map(|r| r["id"].as_i64())
                .collect();
            Some((p["partition"].as_i64()?, p["leader"].as_i64()?, replicas))
        })
        .collect();
    (!rows.is_empty()).then_some(rows)
}

/// Produces `values` to partition 0 with kcat; true when every one was acknowledged.
fn produce(bootstrap: &str, topic: &str, acks: &str, values: &[String]) -> (bool, String) {
    let mut kcat = Command::new("kcat");
    kcat.args(["-P", "-b", bootstrap, "-t", topic, "-p", "0"])
        .args([
            "-X",
            &format!("acks={acks}"),
            "-X",
            "message.timeout.ms=10000",
        ]);
    feed_lines(&mut kcat, values)
}

/// Runs a producer `command` with `lines` on its stdin: whether it succeeded, and its stderr.
fn feed_lines(command: &mut Command, lines: &[String]) -> (bool, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for line in lines {
            writeln!(stdin, "{line}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every record of partition 0 as "offset:value", read with kcat through `bootstrap`.
fn consume(bootstrap: &str, topic: &str) -> Option<Vec<String>> {
    let out = Command::new("timeout")
        .args([
            "30",
            "kcat",
            "-C",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-p",
            "0",
            "-o",
            "beginning",
            "-e",
        ])
        .args(["-f", "%o:%s\\n", "-m", "10"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

fn values(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// A leader moved away by a clean stop stays away after the broker returns (automatic
/// rebalance off); `kbox leader-election --election-type PREFERRED` moves it back, kcat sees
/// the preferred leaders, and a second run reports nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_election_moves_leadership_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = write_nodes_with(dir.path(), &["broker,controller"; 3], SESSION_MS, |_| {
        "auto.leader.rebalance.enable=false\n".into()
    });
    start_all(&mut nodes);
    let b1 = nodes[0].bootstrap.clone();
    create_topic(
        &b1,
        "pref",
        &["--partitions", "3", "--replication-factor", "3"],
    )
    .await;
    let preferred_leaders = |b: &str| {
        kcat_leaders(b, "pref").filter(|rows| rows.len() == 3 && rows.iter().all(|r| r.1 == r.2[0]))
    };
    for n in &nodes {
        wait_for(
            "preferred leaders everywhere",
            Duration::from_secs(20),
            || preferred_leaders(&n.bootstrap),
        );
    }
    // Broker 2 stops cleanly and comes back: its partition is led by another replica.
    let process = nodes[1].process.take().unwrap();
    assert_eq!(process.terminate(), Some(0));
    wait_for(
        "leadership moved off broker 2",
        Duration::from_secs(20),
        || kcat_leaders(&b1, "pref").filter(|rows| rows.iter().all(|r| r.1 >= 0 && r.1 != 2)),
    );
    nodes[1].process = Some(KboxProcess::start_config(&nodes[1].config));
    wait_for(
        "broker 2 back in every ISR",
        Duration::from_secs(30),
        || describe_partitions(&b1, "pref").filter(|rows| rows.iter().all(|r| r.2 == [1, 2, 3])),
    );
    let moved = kcat_leaders(&b1, "pref").unwrap();
    let off: Vec<i64> = moved
        .iter()
        .filter(|r| r.1 != r.2[0])
        .map(|r| r.0)
        .collect();
    assert_eq!(
        off.len(),
        1,
        "one partition away from its preferred leader: {moved:?}"
    );

    let (code, out, err) = kbox(&[
        "leader-election",
        "--bootstrap-server",
        &b1,
        "--election-type",
        "PREFERRED",
        "--all-topic-partitions",
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let elected = format!("pref-{}", off[0]);
    assert!(
        out.lines().any(|l| l
            .starts_with("Successfully completed leader election (PREFERRED) for partitions ")
            && l.contains(&elected)),
        "{out}"
    );
    for n in &nodes {
        wait_for(
            "kcat sees the preferred leaders",
            Duration::from_secs(20),
            || preferred_leaders(&n.bootstrap),
        );
    }
    // librdkafka's view of the same API: nothing left to do.
    let (ok, out, err) = run_script(
        "python3",
        &[
            "tests/clients/elections_admin.py",
            "--bootstrap",
            &b1,
            "elect",
            "--type",
            "preferred",
            "--partition",
            "pref:0",
        ],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(out.trim(), r#"{"pref-0": "ELECTION_NOT_NEEDED"}"#);
    // Nothing left to do: Apache's line for named partitions, JSON for scripts.
    let (code, out, err) = kbox(&[
        "leader-election",
        "--bootstrap-server",
        &b1,
        "--election-type",
        "preferred",
        "--topic",
        "pref",
        "--partition",
        "0",
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "Valid replica already elected for partitions pref-0"
    );
    let (code, out, err) = kbox(&[
        "leader-election",
        "--bootstrap-server",
        &b1,
        "--election-type",
        "PREFERRED",
        "--topic",
        "nope",
        "--partition",
        "0",
        "--format",
        "json",
    ])
    .await;
    assert_ne!(code, 0, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        json["partitions"][0]["error_code"], "UnknownTopicOrPartition",
        "{json}"
    );
    assert!(err.contains("1 replica(s) could not be elected"), "{err}");

    // Reassignment: partition 0 of a topic with data moves from brokers [1,2] to [2,3].
    create_topic(&b1, "moving", &["--replica-assignment", "1:2"]).await;
    wait_for("the topic's leader", Duration::from_secs(20), || {
        kcat_leaders(&b1, "moving").filter(|r| r[0].1 == 1)
    });
    let (ok, err) = produce(&b1, "moving", "all", &values("m", 10));
    assert!(ok, "{err}");
    let (plan, out) = execute_plan(
        &b1,
        dir.path(),
        "plan.json",
        r#"{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[2,3],"log_dirs":["any","any"]}]}"#,
        &["--throttle", "10000000"],
    )
    .await;
    let plan = plan.as_str();
    assert!(
        out.contains(r#"{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}"#),
        "{out}"
    );
    assert!(
        out.contains("Successfully started partition reassignment for moving-0"),
        "{out}"
    );
    assert!(
        out.contains("The inter-broker throttle limit was set to 10000000 B/s"),
        "{out}"
    );
    let verified = verified_complete(&b1, plan, "moving-0", "the reassignment to complete", 30);
    assert!(
        verified.starts_with("Status of partition reassignment:\n"),
        "{verified}"
    );
    for n in &nodes {
        wait_for(
            "the new replicas everywhere",
            Duration::from_secs(20),
            || kcat_leaders(&n.bootstrap, "moving").filter(|r| r[0].2 == [2, 3] && r[0].1 == 2),
        );
    }
    // Data intact, read from the new leader; then from broker 3 alone (broker 2 stopped).
    let expected: Vec<String> = (0..10).map(|i| format!("{i}:m{i}")).collect();
    assert_eq!(consume(&nodes[1].bootstrap, "moving").unwrap(), expected);
    wait_for("broker 3 in the ISR", Duration::from_secs(20), || {
        describe_partitions(&b1, "moving").filter(|r| r[0].2 == [2, 3])
    });
    let (code, out, _) = kbox(&["reassign-partitions", "--bootstrap-server", &b1, "--list"]).await;
    assert_eq!((code, out.trim()), (0, "No partition reassignments found."));
    // The completed --verify removed the throttles.
    assert!(
        verified.contains("Clearing topic-level throttles on topic moving"),
        "{verified}"
    );
    let (code, out, err) = kbox(&[
        "configs",
        "--bootstrap-server",
        &b1,
        "--describe",
        "--entity-type",
        "topics",
        "--entity-name",
        "moving",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("throttled"), "{out}");

    // A throttled move: 100 KB at 20 KB/s cannot complete in less than ~5 s (the follower
    // waits after its first fetch); --verify then clears the rate.
    create_topic(&b1, "slow", &["--replica-assignment", "1"]).await;
    let big: Vec<String> = (0..100)
        .map(|i| format!("{i:04}{}", "x".repeat(996)))
        .collect();
    let (ok, err) = produce(&b1, "slow", "1", &big);
    assert!(ok, "{err}");
    let started = Instant::now();
    let (slow_plan, _) = execute_plan(
        &b1,
        dir.path(),
        "slow.json",
        r#"{"version":1,"partitions":[{"topic":"slow","partition":0,"replicas":[1,3]}]}"#,
        &["--throttle", "20000"],
    )
    .await;
    let slow_plan = slow_plan.as_str();
    let (code, out, _) = kbox(&[
        "configs",
        "--bootstrap-server",
        &b1,
        "--describe",
        "--entity-type",
        "topics",
        "--entity-name",
        "slow",
    ])
    .await;
    assert_eq!(code, 0);
    assert!(
        out.contains("follower.replication.throttled.replicas=0:3"),
        "{out}"
    );
    assert!(
        out.contains("leader.replication.throttled.replicas=0:1"),
        "{out}"
    );
    let verified = verified_complete(
        &b1,
        slow_plan,
        "slow-0",
        "the throttled move to complete",
        40,
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4),
        "100 KB moved at 20 KB/s in {took:?}"
    );
    assert!(
        verified.contains("Clearing broker-level throttles on brokers 1,2,3"),
        "{verified}"
    );
    let (code, out, _) = kbox(&[
        "configs",
        "--bootstrap-server",
        &b1,
        "--describe",
        "--entity-type",
        "brokers",
        "--entity-name",
        "3",
    ])
    .await;
    assert_eq!(code, 0);
    assert!(!out.contains("throttled.rate"), "{out}");

    // The leader's side alone: broker 1 may send the new replica 20 KB/s of "leaderslow", a
    // batch per fetch, so ten 10 KB batches take about 5 s although the follower is not
    // throttled and the reassignment sets no throttle of its own.
    create_topic(&b1, "leaderslow", &["--replica-assignment", "1"]).await;
    for batch in 0..10 {
        let records: Vec<String> = (0..10)
            .map(|i| format!("{batch}{i:03}{}", "x".repeat(996)))
            .collect();
        let (ok, err) = produce(&b1, "leaderslow", "1", &records);
        assert!(ok, "{err}");
    }
    for (entity_type, name, config) in [
        ("brokers", "1", "leader.replication.throttled.rate=20000"),
        (
            "topics",
            "leaderslow",
            "leader.replication.throttled.replicas=0:1",
        ),
    ] {
        let (code, out, err) = kbox(&[
            "configs",
            "--bootstrap-server",
            &b1,
            "--alter",
            "--entity-type",
            entity_type,
            "--entity-name",
            name,
            "--add-config",
            config,
        ])
        .await;
        assert_eq!(code, 0, "{out}{err}");
    }
    let started = Instant::now();
    let (leader_plan, _) = execute_plan(
        &b1,
        dir.path(),
        "leaderslow.json",
        r#"{"version":1,"partitions":[{"topic":"leaderslow","partition":0,"replicas":[1,3]}]}"#,
        &[],
    )
    .await;
    verified_complete(
        &b1,
        &leader_plan,
        "leaderslow-0",
        "the leader-throttled move to complete",
        40,
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4),
        "100 KB sent at 20 KB/s in {took:?}"
    );
    let (code, out, err) = kbox(&[
        "reassign-partitions",
        "--bootstrap-server",
        &b1,
        "--cancel",
        "--reassignment-json-file",
        plan,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("None of the specified partition reassignments are active.\n"),
        "{out}"
    );
    // --generate proposes replicas on the listed brokers only, in Apache's two blocks.
    let topics = dir.path().join("topics.json");
    std::fs::write(&topics, r#"{"topics":[{"topic":"moving"}],"version":1}"#).unwrap();
    let (code, out, err) = kbox(&[
        "reassign-partitions",
        "--bootstrap-server",
        &b1,
        "--generate",
        "--topics-to-move-json-file",
        topics.to_str().unwrap(),
        "--broker-list",
        "1,3",
        "--format",
        "json",
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let generated: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let proposed = generated["proposed"]["partitions"].as_array().unwrap();
    assert_eq!(proposed.len(), 1, "{generated}");
    for p in proposed {
        let mut replicas: Vec<i64> = p["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_i64().unwrap())
            .collect();
        replicas.sort();
        assert_eq!(replicas, [1, 3], "{generated}");
    }
    assert_eq!(nodes[1].process.take().unwrap().terminate(), Some(0));
    let b3 = nodes[2].bootstrap.clone();
    wait_for("broker 3 leads", Duration::from_secs(20), || {
        kcat_leaders(&b3, "moving").filter(|r| r[0].1 == 3)
    });
    assert_eq!(consume(&b3, "moving").unwrap(), expected);

    // A reassignment that cannot finish (target broker 2 is down), seen and cancelled. The
    // tool refuses brokers that are not live (as Apache's), so it is started through the API.
    let admin = kbox::client::Admin::new(kbox::client::ClientConfig::with_bootstrap(&b3)).unwrap();
    let started = admin
        .alter_partition_reassignments(&[(("moving".to_string(), 0), Some(vec![3, 1, 2]))])
        .await
        .unwrap();
    assert!(started.iter().all(|(_, r)| r.is_ok()), "{started:?}");
    let (code, out, err) =
        kbox(&["reassign-partitions", "--bootstrap-server", &b3, "--list"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Current partition reassignments:\nmoving-0: replicas: 3,1,2. adding: 1.\n"
    );
    let (code, out, err) = kbox(&[
        "topics",
        "--bootstrap-server",
        &b3,
        "--describe",
        "--topic",
        "moving",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\tAdding Replicas: 1\tRemoving Replicas: \t"),
        "{out}"
    );
    std::fs::write(
        dir.path().join("stuck.json"),
        r#"{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[3,1,2]}]}"#,
    )
    .unwrap();
    let (ok, out, err) = run_script(
        "python3",
        &[
            "tests/clients/elections_admin.py",
            "--bootstrap",
            &b3,
            "reassignments",
        ],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(
        out.trim(),
        r#"{"moving-0": {"adding": [1], "removing": [], "replicas": [3, 1, 2]}}"#,
        "kafka-python's list_partition_reassignments"
    );
    let stuck = dir.path().join("stuck.json");
    let stuck = stuck.to_str().unwrap();
    let (code, out, _) = kbox(&[
        "reassign-partitions",
        "--bootstrap-server",
        &b3,
        "--verify",
        "--reassignment-json-file",
        stuck,
    ])
    .await;
    assert_eq!(code, 0);
    assert!(
        out.contains("Reassignment of partition moving-0 is still in progress."),
        "{out}"
    );
    let (code, out, err) = kbox(&[
        "reassign-partitions",
        "--bootstrap-server",
        &b3,
        "--cancel",
        "--reassignment-json-file",
        stuck,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Successfully cancelled partition reassignment for: moving-0\n"),
        "{out}"
    );
    wait_for(
        "the original replicas back",
        Duration::from_secs(20),
        || kcat_leaders(&b3, "moving").filter(|r| r[0].2 == [3, 2]),
    );
    // Broker 1 no longer holds the partition's log.
    wait_for(
        "broker 1 dropped its replica",
        Duration::from_secs(20),
        || (!dir.path().join("node1/moving-0").exists()).then_some(()),
    );
    stop_all(&mut nodes);
}

/// Unclean election: off (the default), a partition whose only in-sync replica is down stays
/// leaderless although an out-of-sync replica is live, and gets its leader back with every
/// acknowledged record when the ISR member returns; on (topic config), the lagging replica is
/// elected and the records only the old leader had are gone, as in Kafka; the old leader
/// then truncates and follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unclean_election_is_off_by_default_and_loses_records_when_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = write_nodes(dir.path(), &["broker,controller"; 3], SESSION_MS);
    start_all(&mut nodes);
    let b1 = nodes[0].bootstrap.clone();
    create_topic(&b1, "u", &["--replica-assignment", "2:3"]).await;
    wait_for("the topic's leader", Duration::from_secs(20), || {
        describe_partitions(&b1, "u").filter(|r| r[0].1 == 2 && r[0].2 == [2, 3])
    });
    let (ok, err) = produce(&b1, "u", "all", &values("a", 5));
    assert!(ok, "{err}");
    leave_broker_3_behind(&mut nodes, &b1, "all", &values("b", 5));
    wait_for("the partition offline", Duration::from_secs(20), || {
        describe_partitions(&b1, "u").filter(|r| r[0].1 == -1)
    });
    // Broker 3 may have been unfenced before broker 2's fencing reached it: wait for its view too.
    let b3 = nodes[2].bootstrap.clone();
    wait_for(
        "broker 3 sees the partition offline",
        Duration::from_secs(20),
        || describe_partitions(&b3, "u").filter(|r| r[0].1 == -1),
    );
    // The controller checks every 250 ms; over 3 s it must not elect broker 3.
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        for b in [&b1, &nodes[2].bootstrap] {
            if let Some(rows) = describe_partitions(b, "u") {
                assert_eq!(rows[0].1, -1, "unclean election while disabled: {rows:?}");
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let metadata = kcat_metadata(&b1, Some("u")).unwrap();
    assert_eq!(
        metadata["topics"][0]["partitions"][0]["leader"], -1,
        "{metadata}"
    );
    // A preferred election cannot help: the preferred replica (2) is down. Apache's error line.
    let (code, out, err) = kbox(&[
        "leader-election",
        "--bootstrap-server",
        &b1,
        "--election-type",
        "PREFERRED",
        "--topic",
        "u",
        "--partition",
        "0",
    ])
    .await;
    assert_ne!(code, 0);
    assert_eq!(
        out.trim(),
        "Error completing leader election (PREFERRED) for partition: u-0: org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: The preferred leader was not available."
    );
    assert!(err.contains("1 replica(s) could not be elected"), "{err}");
    // The in-sync replica returns: leader again, nothing acknowledged is lost.
    nodes[1].process = Some(KboxProcess::start_config(&nodes[1].config));
    wait_for("broker 2 leads again", Duration::from_secs(30), || {
        describe_partitions(&b1, "u").filter(|r| r[0].1 == 2)
    });
    let all: Vec<String> = values("a", 5)
        .into_iter()
        .chain(values("b", 5))
        .enumerate()
        .map(|(i, v)| format!("{i}:{v}"))
        .collect();
    assert_eq!(consume(&nodes[1].bootstrap, "u").unwrap(), all);

    // Again broker 3 falls behind and broker 2 dies; now with unclean election on.
    wait_for("broker 3 back in the ISR", Duration::from_secs(30), || {
        describe_partitions(&b1, "u").filter(|r| r[0].2 == [2, 3])
    });
    leave_broker_3_behind(&mut nodes, &b1, "1", &values("c", 5));
    let (code, out, err) = kbox(&[
        "configs",
        "--bootstrap-server",
        &b1,
        "--alter",
        "--topic",
        "u",
        "--add-config",
        "unclean.leader.election.enable=true",
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    wait_for(
        "the lagging replica elected",
        Duration::from_secs(20),
        || describe_partitions(&b1, "u").filter(|r| r[0].1 == 3 && r[0].2 == [3]),
    );
    let b3 = nodes[2].bootstrap.clone();
    let history = wait_for("broker 3 serving", Duration::from_secs(20), || {
        consume(&b3, "u").filter(|r| !r.is_empty())
    });
    assert_eq!(
        history, all,
        "broker 3 has what it had in sync; c0..c4 are lost"
    );
    let (ok, err) = produce(&b3, "u", "all", &["d0".to_string()]);
    assert!(ok, "{err}");
    // An unclean election where a leader exists is not needed.
    let (code, out, err) = kbox(&[
        "leader-election",
        "--bootstrap-server",
        &b3,
        "--election-type",
        "UNCLEAN",
        "--topic",
        "u",
        "--partition",
        "0",
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "Valid replica already elected for partitions u-0"
    );
    // The old leader returns, truncates its c-records and follows.
    nodes[1].process = Some(KboxProcess::start_config(&nodes[1].config));
    wait_for("broker 2 rejoins the ISR", Duration::from_secs(30), || {
        describe_partitions(&b1, "u").filter(|r| r[0].2 == [2, 3])
    });
    nodes[2].process.take().unwrap().kill9();
    wait_for("broker 2 leads", Duration::from_secs(20), || {
        describe_partitions(&b1, "u").filter(|r| r[0].1 == 2)
    });
    let mut expected = all.clone();
    expected.push("10:d0".into());
    let read = wait_for("broker 2 serving", Duration::from_secs(20), || {
        consume(&nodes[1].bootstrap, "u").filter(|r| !r.is_empty())
    });
    assert_eq!(read, expected, "broker 2 followed the new history");
    stop_all(&mut nodes);
}

/// auto.leader.rebalance.enable with a 1 s check interval: leadership that moved away during
/// a broker's absence returns to the preferred replica without any command. Then
/// NOT_ENOUGH_REPLICAS_AFTER_APPEND on the same cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_rebalance_returns_leadership_to_preferred_replicas() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = write_nodes_with(dir.path(), &["broker,controller"; 3], SESSION_MS, |_| {
        "leader.imbalance.check.interval.seconds=1\n".into()
    });
    start_all(&mut nodes);
    let b1 = nodes[0].bootstrap.clone();
    create_topic(&b1, "bal", &["--replica-assignment", "3:1:2,3:2:1"]).await;
    wait_for("broker 3 leads both", Duration::from_secs(20), || {
        describe_partitions(&b1, "bal").filter(|r| r.iter().all(|p| p.1 == 3 && p.2 == [1, 2, 3]))
    });
    let process = nodes[2].process.take().unwrap();
    assert_eq!(process.terminate(), Some(0));
    wait_for(
        "leadership moved off broker 3",
        Duration::from_secs(20),
        || describe_partitions(&b1, "bal").filter(|r| r.iter().all(|p| p.1 >= 0 && p.1 != 3)),
    );
    nodes[2].process = Some(KboxProcess::start_config(&nodes[2].config));
    for n in &nodes {
        wait_for("broker 3 leads both again", Duration::from_secs(30), || {
            kcat_leaders(&n.bootstrap, "bal").filter(|r| r.iter().all(|p| p.1 == 3))
        });
    }

    // NOT_ENOUGH_REPLICAS_AFTER_APPEND: an acks=all write appended with the ISR at
    // min.insync.replicas=2 waits for the follower; the follower freezes (SIGSTOP) and is
    // fenced, the ISR shrinks to 1, and the answer says the write is below the minimum.
    create_topic(
        &b1,
        "nera",
        &[
            "--replica-assignment",
            "1:2",
            "--config",
            "min.insync.replicas=2",
        ],
    )
    .await;
    wait_for("both replicas in sync", Duration::from_secs(20), || {
        describe_partitions(&b1, "nera").filter(|r| r[0].1 == 1 && r[0].2 == [1, 2])
    });
    let (ok, err) = produce(&b1, "nera", "all", &values("n", 3));
    assert!(ok, "{err}");
    let follower = nodes[1].process.as_ref().unwrap().child.id().to_string();
    let signal = |sig: &str| {
        assert!(Command::new("kill")
            .args([sig, &follower])
            .status()
            .unwrap()
            .success());
    };
    signal("-STOP");
    let out = Command::new("kcat")
        .args([
            "-P",
            "-b",
            &b1,
            "-t",
            "nera",
            "-p",
            "0",
            "-X",
            "acks=all",
            "-X",
            "retries=0",
        ])
        .args([
            "-X",
            "message.timeout.ms=25000",
            "-X",
            "request.timeout.ms=20000",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"late\n")?;
            child.wait_with_output()
        })
        .unwrap();
    signal("-CONT");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("written to insufficient number of in-sync replicas"),
        "{err}"
    );
    stop_all(&mut nodes);
}

/// Followers fetch over the inter-broker listener with its security: a SASL_SSL listener
/// (PLAIN login from the listener's JAAS entry, TLS checked against the trust store) is
/// advertised first and named in inter.broker.listener.name, clients use PLAINTEXT. acks=all
/// with min.insync.replicas=3 succeeds only if both followers replicate. The CONTROLLER
/// listeners are SSL: the quorum and the brokers' heartbeats run over TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_and_the_quorum_run_over_secured_listeners() {
    let dir = tempfile::tempdir().unwrap();
    let pki = crate::security::make_pki(&["localhost"]);
    let mut nodes = write_nodes(dir.path(), &["broker,controller"; 3], SESSION_MS);
    let jaas = r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";"#;
    for node in &nodes {
        let port = crate::cluster::free_ports(1)[0];
        let secure = format!("SASL_SSL://127.0.0.1:{port}");
        let text = std::fs::read_to_string(&node.config).unwrap();
        let mut lines: Vec<String> = text
            .lines()
            .map(|l| {
                if let Some(v) = l.strip_prefix("listeners=") {
                    // First too: markers used to go in plaintext to a broker's first listener.
                    format!("listeners={secure},{v}")
                } else if let Some(v) = l.strip_prefix("advertised.listeners=") {
                    // First, where the old fetcher (plaintext to the first listener) would fail.
                    format!("advertised.listeners={secure},{v}")
                } else if l.starts_with("inter.broker.listener.name=") {
                    "inter.broker.listener.name=SASL_SSL".into()
                } else if l.starts_with("listener.security.protocol.map=") {
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:SSL,SASL_SSL:SASL_SSL".into()
                } else {
                    l.to_string()
                }
            })
            .collect();
        lines.extend([
            "sasl.enabled.mechanisms=PLAIN".to_string(),
            "sasl.mechanism.inter.broker.protocol=PLAIN".into(),
            format!("listener.name.sasl_ssl.plain.sasl.jaas.config={jaas}"),
            "ssl.keystore.type=PEM".into(),
            format!("ssl.keystore.location={}", pki.path("server.pem")),
            "ssl.truststore.type=PEM".into(),
            format!("ssl.truststore.location={}", pki.path("ca.pem")),
        ]);
        std::fs::write(&node.config, lines.join("\n") + "\n").unwrap();
    }
    start_all(&mut nodes);
    let b1 = nodes[0].bootstrap.clone();
    create_topic(
        &b1,
        "secure",
        &[
            "--partitions",
            "1",
            "--replication-factor",
            "3",
            "--config",
            "min.insync.replicas=3",
        ],
    )
    .await;
    wait_for("the topic everywhere", Duration::from_secs(20), || {
        nodes
            .iter()
            .all(|n| describe_partitions(&n.bootstrap, "secure").is_some_and(|r| r[0].1 >= 0))
            .then_some(())
    });
    let (ok, err) = produce(&b1, "secure", "all", &values("s", 20));
    assert!(ok, "acks=all over three replicas: {err}");
    let rows = describe_partitions(&b1, "secure").unwrap();
    assert_eq!(rows[0].2, [1, 2, 3], "every replica in sync");
    // Each follower logged in on the SASL_SSL listener as the broker user.
    let leader = rows[0].1;
    let log = nodes[(leader - 1) as usize]
        .process
        .as_ref()
        .unwrap()
        .log
        .lock()
        .unwrap()
        .clone();
    assert!(!log.contains("Failed authentication"), "{log}");
    // The quorum formed over CONTROLLER listeners that speak TLS (certificate checked against
    // the test CA).
    let text = std::fs::read_to_string(&nodes[0].config).unwrap();
    let controller = text
        .lines()
        .find_map(|l| l.strip_prefix("listeners="))
        .and_then(|l| l.split(',').find_map(|e| e.strip_prefix("CONTROLLER://")))
        .unwrap()
        .to_string();
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &controller,
            "-CAfile",
            &pki.path("ca.pem"),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("Verify return code: 0 (ok)"), "{shown}");
    // A transaction over partitions led by all three brokers: the coordinator's markers
    // reach the other leaders over the SASL_SSL inter-broker listener (the first advertised
    // one), so read_committed readers see every line.
    create_topic(
        &b1,
        "secure-txn",
        &["--partitions", "3", "--replication-factor", "1"],
    )
    .await;
    wait_for("partitions led everywhere", Duration::from_secs(20), || {
        nodes
            .iter()
            .all(|n| {
                describe_partitions(&n.bootstrap, "secure-txn")
                    .is_some_and(|r| r.len() == 3 && r.iter().all(|p| p.1 >= 0))
            })
            .then_some(())
    });
    // Keyed lines: 30 keys spread over the three partitions.
    let lines: Vec<String> = values("t", 30)
        .iter()
        .enumerate()
        .map(|(i, v)| format!("k{i}:{v}"))
        .collect();
    let (ok, err) = feed_lines(
        Command::new(crate::common::kbox_bin())
            .args(["console-producer", "--bootstrap-server", &b1])
            .args([
                "--topic",
                "secure-txn",
                "--transactional-id",
                "secure-loader",
            ])
            .args([
                "--property",
                "parse.key=true",
                "--property",
                "key.separator=:",
            ]),
        &lines,
    );
    assert!(ok, "{err}");
    let read = Command::new("timeout")
        .args([
            "30",
            "kcat",
            "-C",
            "-b",
            &b1,
            "-t",
            "secure-txn",
            "-o",
            "beginning",
            "-e",
        ])
        .args(["-X", "isolation.level=read_committed", "-f", "%p:%s\\n"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&read.stdout);
    let mut seen: Vec<&str> = text.lines().map(|l| l.split_once(':').unwrap().1).collect();
    seen.sort();
    let mut expected = values("t", 30);
    expected.sort();
    assert_eq!(seen, expected, "read_committed after the transaction");
    let partitions: std::collections::BTreeSet<&str> =
        text.lines().map(|l| l.split_once(':').unwrap().0).collect();
    assert_eq!(partitions.len(), 3, "{text}");
    stop_all(&mut nodes);
}

/// Topic "u" (replicas [2, 3]) loses its in-sync follower: broker 3 dies, the ISR shrinks to
/// [2], which takes `values` alone (with `acks`); then broker 2 dies and broker 3 returns at once
/// (two of three controllers make the quorum), live but out of sync. Waits until it is unfenced.
fn leave_broker_3_behind(nodes: &mut [Node], bootstrap: &str, acks: &str, values: &[String]) {
    nodes[2].process.take().unwrap().kill9();
    wait_for("the ISR without broker 3", Duration::from_secs(20), || {
        describe_partitions(bootstrap, "u").filter(|r| r[0].2 == [2])
    });
    let (ok, err) = produce(bootstrap, "u", acks, values);
    assert!(ok, "{err}");
    nodes[1].process.take().unwrap().kill9();
    nodes[2].process = Some(KboxProcess::start_config(&nodes[2].config));
    wait_for("broker 3 unfenced", Duration::from_secs(30), || {
        (brokers_seen_by(bootstrap) == [1, 3]).then_some(())
    });
}

/// Writes `plan` (reassignment JSON) to `dir/name` and runs `reassign-partitions --execute`
/// with it and `extra` flags, which must succeed: the plan's path and the tool's output.
async fn execute_plan(
    bootstrap: &str,
    dir: &std::path::Path,
    name: &str,
    plan: &str,
    extra: &[&str],
) -> (String, String) {
    let path = dir.join(name);
    std::fs::write(&path, plan).unwrap();
    let path = path.to_str().unwrap().to_string();
    let mut command = vec![
        "reassign-partitions",
        "--bootstrap-server",
        bootstrap,
        "--execute",
        "--reassignment-json-file",
        &path,
    ];
    command.extend_from_slice(extra);
    let (code, out, err) = kbox(&command).await;
    assert_eq!(code, 0, "{out}{err}");
    (path, out)
}

/// Runs `reassign-partitions --verify` until it reports `partition` completed; its output.
fn verified_complete(
    bootstrap: &str,
    plan: &str,
    partition: &str,
    what: &str,
    seconds: u64,
) -> String {
    let done = format!("Reassignment of partition {partition} is completed.");
    wait_for(what, Duration::from_secs(seconds), || {
        let out = Command::new(crate::common::kbox_bin())
            .args([
                "reassign-partitions",
                "--bootstrap-server",
                bootstrap,
                "--verify",
            ])
            .args(["--reassignment-json-file", plan])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.contains(&done).then_some(text)
    })
}
