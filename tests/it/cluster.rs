//! Three `kbox server-start` processes forming one cluster (each broker+controller): metadata
//! agreed through the controller quorum, a new controller after kill -9 of the active one,
//! brokers fenced when silent past broker.session.timeout.ms and unfenced when back; and
//! scripts/cluster, which starts and stops such a cluster.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{args, kbox_bin, kbox_output, repo, run_script, KboxProcess};

const HEARTBEAT_MS: u32 = 250;
const SESSION_MS: u32 = 1500;

pub(crate) struct Node {
    pub(crate) id: i32,
    pub(crate) config: PathBuf,
    pub(crate) bootstrap: String,
    pub(crate) process: Option<KboxProcess>,
}

/// Ports the OS reports free (bound and released; the nodes bind them right after).
fn free_ports(n: usize) -> Vec<u16> {
    let sockets: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    sockets
        .iter()
        .map(|s| s.local_addr().unwrap().port())
        .collect()
}

/// Writes and formats three combined (broker,controller) node configs under `dir`.
fn write_cluster(dir: &Path) -> Vec<Node> {
    write_nodes(dir, &["broker,controller"; 3], SESSION_MS)
}

/// Writes and formats one config per entry of `roles` (node ids from 1); the voters are the
/// nodes with the controller role.
fn write_nodes(dir: &Path, roles: &[&str], session_ms: u32) -> Vec<Node> {
    write_nodes_with(dir, roles, session_ms, "")
}

/// As [`write_nodes`], with `extra` lines appended to every config.
pub(crate) fn write_nodes_with(
    dir: &Path,
    roles: &[&str],
    session_ms: u32,
    extra: &str,
) -> Vec<Node> {
    let ports = free_ports(roles.len() * 2);
    let (broker_port, controller_port) = (|i: usize| ports[2 * i], |i: usize| ports[2 * i + 1]);
    let voters: Vec<String> = roles
        .iter()
        .enumerate()
        .filter(|(_, r)| r.contains("controller"))
        .map(|(i, _)| format!("{}@127.0.0.1:{}", i + 1, controller_port(i)))
        .collect();
    let cluster_id = "kboxClusterTest0000000";
    roles
        .iter()
        .enumerate()
        .map(|(i, roles)| {
            let id = i as i32 + 1;
            let mut listeners = Vec::new();
            if roles.contains("broker") {
                listeners.push(format!("PLAINTEXT://127.0.0.1:{}", broker_port(i)));
            }
            if roles.contains("controller") {
                listeners.push(format!("CONTROLLER://127.0.0.1:{}", controller_port(i)));
            }
            let mut text = format!(
                "process.roles={roles}\nnode.id={id}\ncontroller.quorum.voters={}\nlisteners={}\n\
                 controller.listener.names=CONTROLLER\n\
                 listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
                 log.dirs={}\nbroker.heartbeat.interval.ms={HEARTBEAT_MS}\nbroker.session.timeout.ms={session_ms}\n\
                 offsets.topic.replication.factor=3\n",
                voters.join(","),
                listeners.join(","),
                dir.join(format!("node{id}")).display(),
            );
            text.push_str(extra);
            if roles.contains("broker") {
                text.push_str(&format!(
                    "advertised.listeners=PLAINTEXT://127.0.0.1:{}\ninter.broker.listener.name=PLAINTEXT\n",
                    broker_port(i)
                ));
            }
            let config = dir.join(format!("node{id}.properties"));
            std::fs::write(&config, text).unwrap();
            let out = Command::new(kbox_bin())
                .args(["storage", "format", "-t", cluster_id, "-c"])
                .arg(&config)
                .output()
                .unwrap();
            assert!(out.status.success(), "format: {}", String::from_utf8_lossy(&out.stderr));
            Node { id, config, bootstrap: format!("127.0.0.1:{}", broker_port(i)), process: None }
        })
        .collect()
}

/// kcat's JSON metadata from one broker (an independent client's view).
pub(crate) fn kcat_metadata(bootstrap: &str, topic: Option<&str>) -> Option<serde_json::Value> {
    let mut command = Command::new("kcat");
    command.args(["-L", "-J", "-m", "3", "-b", bootstrap]);
    if let Some(t) = topic {
        command.args(["-t", t]);
    }
    let out = command.output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn broker_ids(metadata: &serde_json::Value) -> Vec<i64> {
    let mut ids: Vec<i64> = metadata["brokers"]
        .as_array()
        .map(|b| b.iter().filter_map(|b| b["id"].as_i64()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Polls `check` until it holds (these are conditions on other processes, not readiness
/// sleeps: each poll asks the cluster again).
pub(crate) fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn brokers_seen_by(bootstrap: &str) -> Vec<i64> {
    kcat_metadata(bootstrap, None)
        .map(|m| broker_ids(&m))
        .unwrap_or_default()
}

/// The node that most recently logged becoming leader (highest term).
fn active_controller(nodes: &[Node]) -> i32 {
    let mut best = (0u64, -1);
    for node in nodes {
        let Some(p) = &node.process else { continue };
        for line in p
            .log
            .lock()
            .unwrap()
            .lines()
            .filter(|l| l.contains("elected leader"))
        {
            let term = line
                .split("term=")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .and_then(|t| t.parse().ok());
            if let Some(term) = term {
                if term > best.0 {
                    best = (term, node.id);
                }
            }
        }
    }
    best.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_agree_fail_over_and_fence() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = write_cluster(dir.path());
    for node in nodes.iter_mut() {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    let third = nodes[2].bootstrap.clone();
    for b in nodes.iter().map(|n| n.bootstrap.clone()) {
        wait_for(
            "all three brokers registered",
            Duration::from_secs(30),
            || (brokers_seen_by(&b) == [1, 2, 3]).then_some(()),
        );
    }

    // A topic created through node 1 is seen from node 3 with a replica on every broker.
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            &nodes[0].bootstrap,
            "--create",
            "--topic",
            "replicated",
            "--partitions",
            "3",
            "--replication-factor",
            "3",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let metadata = wait_for("the topic on node 3", Duration::from_secs(10), || {
        kcat_metadata(&third, Some("replicated")).filter(|m| {
            m["topics"][0]["partitions"]
                .as_array()
                .is_some_and(|p| p.len() == 3)
        })
    });
    let mut leaders = Vec::new();
    for p in metadata["topics"][0]["partitions"].as_array().unwrap() {
        let mut replicas: Vec<i64> = p["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        replicas.sort();
        assert_eq!(replicas, [1, 2, 3], "{p}");
        leaders.push(p["leader"].as_i64().unwrap());
    }
    leaders.sort();
    assert_eq!(leaders, [1, 2, 3], "leaders spread over the brokers");

    // kill -9 the active controller: another is elected and topic creation works again.
    let victim = active_controller(&nodes);
    assert!(victim > 0, "no node logged leadership");

    // kafka-metadata-quorum.sh, asked through a broker that may not lead, names that leader.
    let (code, out, err) = kbox_output(
        Some("kafka-metadata-quorum.sh"),
        args(&["--bootstrap-server", &third, "describe", "--status"]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("LeaderId:               {victim}\n")),
        "{out}"
    );
    assert!(
        out.contains("ClusterId:              kboxClusterTest0000000\n"),
        "{out}"
    );
    for id in 1..=3 {
        assert!(
            out.contains(&format!(
                "{{\"id\": {id}, \"endpoints\": [\"CONTROLLER://127.0.0.1:"
            )),
            "{out}"
        );
    }
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "metadata-quorum",
            "--bootstrap-server",
            &third,
            "describe",
            "--replication",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert_eq!(
        (rows[0][0], rows[0][6]),
        (victim.to_string().as_str(), "Leader"),
        "{out}"
    );
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[6] == "Follower" && r[3].parse::<i64>().is_ok()),
        "{out}"
    );
    let index = nodes.iter().position(|n| n.id == victim).unwrap();
    nodes[index].process.take().unwrap().kill9();
    let survivors: Vec<String> = nodes
        .iter()
        .filter(|n| n.id != victim)
        .map(|n| n.bootstrap.clone())
        .collect();
    let started = Instant::now();
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            &survivors[0],
            "--create",
            "--topic",
            "after-failover",
            "--partitions",
            "2",
            "--replication-factor",
            "2",
        ]),
    )
    .await;
    assert_eq!(code, 0, "creation after failover: {out}{err}");
    eprintln!(
        "topic created {:?} after the controller's kill -9",
        started.elapsed()
    );
    assert_ne!(active_controller(&nodes), victim, "a survivor leads now");
    wait_for(
        "the new topic on the other survivor",
        Duration::from_secs(10),
        || {
            kcat_metadata(&survivors[1], Some("after-failover"))
                .filter(|m| m["topics"][0]["error"].is_null())
        },
    );

    // The killed broker is fenced after the session timeout, and unfenced when it is back.
    let alive: Vec<i64> = nodes
        .iter()
        .filter(|n| n.id != victim)
        .map(|n| n.id as i64)
        .collect();
    wait_for("the dead broker fenced", Duration::from_secs(15), || {
        (brokers_seen_by(&survivors[1]) == alive).then_some(())
    });
    nodes[index].process = Some(KboxProcess::start_config(&nodes[index].config));
    for b in nodes.iter().map(|n| n.bootstrap.clone()) {
        wait_for(
            "the restarted broker unfenced",
            Duration::from_secs(30),
            || (brokers_seen_by(&b) == [1, 2, 3]).then_some(()),
        );
    }
    // It caught up with what was created while it was away.
    let back = nodes[index].bootstrap.clone();
    wait_for(
        "the restarted node to know the new topic",
        Duration::from_secs(10),
        || {
            kcat_metadata(&back, Some("after-failover"))
                .filter(|m| m["topics"][0]["error"].is_null())
        },
    );

    // Config changes, partition growth and deletion sent to one broker reach every broker.
    let (one, two) = (nodes[0].bootstrap.clone(), nodes[1].bootstrap.clone());
    let run = |list: Vec<String>| async move {
        let (code, out, err) = kbox_output(None, list).await;
        assert_eq!(code, 0, "{out}{err}");
        out
    };
    // Brokers apply committed metadata independently (as Kafka's do): others converge shortly.
    let kbox = |list: &[&str]| {
        let out = Command::new(kbox_bin()).args(list).output().unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    run(args(&[
        "configs",
        "--bootstrap-server",
        &two,
        "--alter",
        "--topic",
        "replicated",
        "--add-config",
        "retention.ms=123456",
    ]))
    .await;
    wait_for(
        "the config seen from node 3",
        Duration::from_secs(10),
        || {
            kbox(&[
                "configs",
                "--bootstrap-server",
                &third,
                "--describe",
                "--topic",
                "replicated",
            ])
            .filter(|o| o.contains("retention.ms=123456"))
        },
    );
    run(args(&[
        "topics",
        "--bootstrap-server",
        &third,
        "--alter",
        "--topic",
        "after-failover",
        "--partitions",
        "5",
    ]))
    .await;
    wait_for(
        "five partitions seen from node 1",
        Duration::from_secs(10),
        || {
            kcat_metadata(&one, Some("after-failover")).filter(|m| {
                m["topics"][0]["partitions"]
                    .as_array()
                    .is_some_and(|p| p.len() == 5)
            })
        },
    );
    run(args(&[
        "topics",
        "--bootstrap-server",
        &one,
        "--delete",
        "--topic",
        "replicated",
    ]))
    .await;
    for b in [&one, &two, &third] {
        wait_for(
            "the deletion seen everywhere",
            Duration::from_secs(10),
            || {
                kbox(&["topics", "--bootstrap-server", b, "--list"]).filter(|l| {
                    !l.lines().any(|l| l == "replicated")
                        && l.lines().any(|l| l == "after-failover")
                })
            },
        );
    }
    for node in nodes.iter_mut() {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}

/// Stops the script's cluster even when the test fails.
struct ScriptCluster(PathBuf);

impl ScriptCluster {
    fn run(&self, action: &str) -> (bool, String) {
        let out = Command::new(repo().join("scripts/cluster"))
            .args([action])
            .arg(&self.0)
            .env("KBOX", kbox_bin())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }
}

impl Drop for ScriptCluster {
    fn drop(&mut self) {
        self.run("stop");
    }
}

#[test]
fn cluster_script_starts_and_stops_three_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = ScriptCluster(dir.path().join("c"));
    let (ok, out) = cluster.run("start");
    assert!(ok, "{out}");
    let bootstrap = out
        .trim()
        .strip_prefix("bootstrap servers: ")
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let first = bootstrap.split(',').next().unwrap().to_string();
    wait_for("three brokers", Duration::from_secs(30), || {
        (brokers_seen_by(&first) == [1, 2, 3]).then_some(())
    });
    let (ok, out) = cluster.run("status");
    assert!(ok && out.matches("running").count() == 3, "{out}");
    let (ok, out) = cluster.run("stop");
    assert!(ok, "{out}");
    let (ok, out) = cluster.run("status");
    assert!(!ok && out.matches("stopped").count() == 3, "{out}");
}

/// The embedded single node is a quorum of one: it leads at once, and keeps its metadata and
/// registration across a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_node_is_its_own_quorum() {
    let dir = tempfile::tempdir().unwrap();
    let broker = crate::common::start_in(dir.path()).await;
    let bootstrap = broker.addr.to_string();
    crate::common::create_topic(&bootstrap, "solo", 2).await;
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "metadata-quorum",
            "--bootstrap-server",
            &bootstrap,
            "describe",
            "--status",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("LeaderId:               1\n")
            && out.contains("CurrentVoters:          [{\"id\": 1}]\n"),
        "{out}"
    );
    assert!(out.contains("MaxFollowerLag:         0\n"), "{out}");
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "metadata-quorum",
            "--bootstrap-server",
            &bootstrap,
            "describe",
            "--replication",
            "--human-readable",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().nth(1).unwrap().contains("Leader"), "{out}");
    let (code, _, err) = kbox_output(
        None,
        args(&[
            "metadata-quorum",
            "--bootstrap-server",
            &bootstrap,
            "describe",
        ]),
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "One of --status or --replication must be specified with describe sub-command"
        ),
        "{err}"
    );
    broker.shutdown().await.unwrap();

    let broker = crate::common::start_in(dir.path()).await;
    let bootstrap = broker.addr.to_string();
    let metadata = kcat_metadata(&bootstrap, Some("solo")).unwrap();
    assert_eq!(broker_ids(&metadata), [1]);
    assert_eq!(
        metadata["topics"][0]["partitions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    broker.shutdown().await.unwrap();
}

/// Controllers and brokers as separate processes: three controller-only voters and two
/// broker-only nodes that follow the committed log by fetching it (Kafka's observers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_controllers_and_brokers() {
    let dir = tempfile::tempdir().unwrap();
    // A long session: only a controlled shutdown can fence a broker within this test.
    let mut nodes = write_nodes(
        dir.path(),
        &["controller", "controller", "controller", "broker", "broker"],
        60_000,
    );
    for node in nodes.iter_mut() {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    let (four, five) = (nodes[3].bootstrap.clone(), nodes[4].bootstrap.clone());
    for b in [&four, &five] {
        wait_for("both brokers registered", Duration::from_secs(30), || {
            (brokers_seen_by(b) == [4, 5]).then_some(())
        });
    }
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            &four,
            "--create",
            "--topic",
            "split",
            "--partitions",
            "4",
            "--replication-factor",
            "2",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let metadata = wait_for("the topic on broker 5", Duration::from_secs(10), || {
        kcat_metadata(&five, Some("split")).filter(|m| {
            m["topics"][0]["partitions"]
                .as_array()
                .is_some_and(|p| p.len() == 4)
        })
    });
    for p in metadata["topics"][0]["partitions"].as_array().unwrap() {
        let mut replicas: Vec<i64> = p["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        replicas.sort();
        assert_eq!(replicas, [4, 5], "only brokers hold replicas: {p}");
    }
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "metadata-quorum",
            "--bootstrap-server",
            &five,
            "describe",
            "--status",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let observers = out
        .lines()
        .find(|l| l.starts_with("CurrentObservers:"))
        .unwrap_or_default();
    assert!(
        observers.contains("{\"id\": 4}") && observers.contains("{\"id\": 5}"),
        "{out}"
    );
    let voters = out
        .lines()
        .find(|l| l.starts_with("CurrentVoters:"))
        .unwrap_or_default();
    assert_eq!(voters.matches("\"id\"").count(), 3, "{out}");

    // SIGTERM a broker: it asks to be fenced on its way out (controlled shutdown).
    let started = Instant::now();
    assert_eq!(nodes[4].process.take().unwrap().terminate(), Some(0));
    wait_for(
        "broker 5 fenced at shutdown",
        Duration::from_secs(20),
        || (brokers_seen_by(&four) == [4]).then_some(()),
    );
    eprintln!("broker 5 fenced {:?} after SIGTERM", started.elapsed());
    nodes.remove(4);
    for node in nodes.iter_mut() {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}

/// Acknowledged lines in acked_producer.py's output file.
fn acked_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// `kbox topics --describe` rows of a topic: (partition, leader, isr), through `bootstrap`.
fn describe_partitions(bootstrap: &str, topic: &str) -> Option<Vec<(i32, i32, Vec<i32>)>> {
    let out = Command::new(kbox_bin())
        .args([
            "topics",
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--topic",
            topic,
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |line: &str, name: &str| -> Option<String> {
        line.split('\t')
            .find_map(|f| f.trim().strip_prefix(name).map(|v| v.trim().to_string()))
    };
    let rows: Vec<(i32, i32, Vec<i32>)> = text
        .lines()
        .filter(|l| l.contains("Partition: "))
        .filter_map(|l| {
            let partition = field(l, "Partition:")?.parse().ok()?;
            let leader = field(l, "Leader:")?.parse().ok()?;
            let mut isr: Vec<i32> = field(l, "Isr:")?
                .split(',')
                .filter_map(|v| v.trim().parse().ok())
                .collect();
            isr.sort_unstable();
            Some((partition, leader, isr))
        })
        .collect();
    (!rows.is_empty()).then_some(rows)
}

/// Issue 6's promise with an independent client: confluent-kafka produces with acks=all into an
/// RF=3, min.insync.replicas=2 topic; three times, the leader of a partition is killed with -9
/// (the third time stopped with SIGTERM) mid-stream, a new leader serves and writes continue, and the killed broker restarts and
/// rejoins every ISR; every acknowledged record is then read back at the offset it was
/// acknowledged at. Last, acks=all is refused below min.insync.replicas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_records_survive_leader_kills_and_the_broker_rejoins_the_isr() {
    let dir = tempfile::tempdir().unwrap();
    // A longer session than the other tests: a loaded machine must not fence live brokers.
    let mut nodes = write_nodes(dir.path(), &["broker,controller"; 3], 3000);
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
    let all: Vec<String> = nodes.iter().map(|n| n.bootstrap.clone()).collect();
    let bootstrap = all.join(",");
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            &all[0],
            "--create",
            "--topic",
            "durable",
            "--partitions",
            "3",
            "--replication-factor",
            "3",
            "--config",
            "min.insync.replicas=2",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    for b in &all {
        wait_for("the topic everywhere", Duration::from_secs(10), || {
            describe_partitions(b, "durable")
        });
    }

    let acked = dir.path().join("acked.jsonl");
    let mut producer = Command::new("python3")
        .args([
            "tests/clients/acked_producer.py",
            "--bootstrap",
            &bootstrap,
            "--topic",
            "durable",
        ])
        .args([
            "--count",
            "2000000",
            "--timeout",
            "120",
            "--rate",
            "3000",
            "--out",
        ])
        .arg(&acked)
        .current_dir(repo())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        "records acknowledged before the kill",
        Duration::from_secs(60),
        || {
            assert!(
                producer.try_wait().unwrap().is_none(),
                "producer exited early"
            );
            (acked_count(&acked) >= 3000).then_some(())
        },
    );

    // Three rounds: kill -9 (the third: SIGTERM) the leader of partition 0, see a new leader
    // serve, restart the stopped broker and see it back in every ISR.
    for round in 1..=3 {
        let rows = describe_partitions(&all[0], "durable").unwrap();
        let victim = rows.iter().find(|r| r.0 == 0).unwrap().1;
        assert!(
            rows.iter().all(|r| r.2 == [1, 2, 3]),
            "every replica in sync before kill {round}: {rows:?}"
        );
        let index = nodes.iter().position(|n| n.id == victim).unwrap();
        // The last round is a clean stop (SIGTERM): the broker asks to be fenced at once, which
        // moves its leadership away (controlled shutdown).
        let process = nodes[index].process.take().unwrap();
        if round == 3 {
            assert_eq!(
                process.terminate(),
                Some(0),
                "broker {victim} stops cleanly"
            );
        } else {
            process.kill9();
        }
        let killed_at = Instant::now();
        let survivor = nodes
            .iter()
            .find(|n| n.id != victim)
            .unwrap()
            .bootstrap
            .clone();
        let acked_at_kill = acked_count(&acked);
        wait_for(
            "a new leader for partition 0",
            Duration::from_secs(20),
            || {
                describe_partitions(&survivor, "durable").filter(|rows| {
                    rows.iter()
                        .all(|r| r.1 >= 0 && r.1 != victim && !r.2.contains(&victim))
                })
            },
        );
        wait_for(
            "writes continuing without the killed broker",
            Duration::from_secs(60),
            || {
                assert!(
                    producer.try_wait().unwrap().is_none(),
                    "producer exited early"
                );
                (acked_count(&acked) >= acked_at_kill + 2000).then_some(())
            },
        );
        eprintln!(
            "round {round}: new leader and 2000 more acks {:?} after stopping broker {victim}",
            killed_at.elapsed()
        );

        nodes[index].process = Some(KboxProcess::start_config(&nodes[index].config));
        let restarted_at = Instant::now();
        // Every broker's view, the restarted one's too: its metadata may still be catching up.
        wait_for(
            "the restarted broker back in every ISR",
            Duration::from_secs(60),
            || {
                all.iter()
                    .all(|b| {
                        describe_partitions(b, "durable")
                            .is_some_and(|rows| rows.iter().all(|r| r.2 == [1, 2, 3]))
                    })
                    .then_some(())
            },
        );
        eprintln!(
            "round {round}: broker {victim} back in every ISR {:?} after its restart",
            restarted_at.elapsed()
        );
    }
    let _ = producer.kill();
    let _ = producer.wait();

    let (ok, stdout, stderr) = run_script(
        "python3",
        &[
            "tests/clients/verify_acked.py",
            "--bootstrap",
            &bootstrap,
            "--topic",
            "durable",
            "--acked",
            acked.to_str().unwrap(),
        ],
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap_or_default();
    eprintln!("verify_acked: {summary}");
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(summary["lost"], 0, "{summary}");
    assert!(summary["acked"].as_i64().unwrap() >= 9000, "{summary}");

    // Fewer in-sync replicas than min.insync.replicas: acks=all is refused, not accepted.
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "configs",
            "--bootstrap-server",
            &all[0],
            "--alter",
            "--topic",
            "durable",
            "--add-config",
            "min.insync.replicas=3",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let victim = nodes[2].id;
    nodes[2].process.take().unwrap().kill9();
    let survivor = nodes[0].bootstrap.clone();
    wait_for(
        "the ISR without the killed broker",
        Duration::from_secs(20),
        || {
            describe_partitions(&survivor, "durable")
                .filter(|rows| rows.iter().all(|r| !r.2.contains(&victim)))
        },
    );
    let produce = |acks: &str| {
        let mut child = Command::new("kcat")
            .args([
                "-P",
                "-b",
                &survivor,
                "-t",
                "durable",
                "-p",
                "0",
                "-X",
                &format!("acks={acks}"),
                "-X",
                "retries=0",
            ])
            .args(["-X", "message.timeout.ms=5000"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"one\n").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = produce("all");
    assert!(
        !ok && err.contains("Not enough in-sync replicas"),
        "acks=all with 2 of 3 in sync: {err}"
    );
    let (ok, err) = produce("1");
    assert!(ok, "acks=1 still accepted: {err}");

    for node in nodes.iter_mut().filter(|n| n.process.is_some()) {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}
