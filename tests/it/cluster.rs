//! Three `kbox server-start` processes forming one cluster (each broker+controller): metadata
//! agreed through the controller quorum, a new controller after kill -9 of the active one,
//! brokers fenced when silent past broker.session.timeout.ms and unfenced when back; and
//! scripts/cluster, which starts and stops such a cluster.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{args, kbox_bin, kbox_output, repo, KboxProcess};

const HEARTBEAT_MS: u32 = 250;
const SESSION_MS: u32 = 1500;

pub(crate) struct Node {
    pub id: i32,
    pub config: PathBuf,
    pub bootstrap: String,
    pub process: Option<KboxProcess>,
}

/// Ports the OS reports free (bound and released; the nodes bind them right after).
pub(crate) fn free_ports(n: usize) -> Vec<u16> {
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
pub(crate) fn write_nodes(dir: &Path, roles: &[&str], session_ms: u32) -> Vec<Node> {
    write_nodes_with(dir, roles, session_ms, |_| String::new())
}

/// As [`write_nodes`], with extra config lines per node (`extra(node index)`): lines given
/// later win, so they may also replace the listeners.
pub(crate) fn write_nodes_with(
    dir: &Path,
    roles: &[&str],
    session_ms: u32,
    extra: impl Fn(usize) -> String,
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
            if roles.contains("broker") {
                text.push_str(&format!(
                    "advertised.listeners=PLAINTEXT://127.0.0.1:{}\ninter.broker.listener.name=PLAINTEXT\n",
                    broker_port(i)
                ));
            }
            text.push_str(&extra(i));
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
pub(crate) fn wait_for<T>(what: &str, timeout: Duration, check: impl FnMut() -> Option<T>) -> T {
    poll_for(timeout, check).unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

/// As [`wait_for`], but `None` once `timeout` has passed.
fn poll_for<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits up to `timeout` for `child` to exit: its status and what it wrote to its piped stdout
/// and stderr (empty when not piped).
pub(crate) fn finished(
    child: &mut std::process::Child,
    what: &str,
    timeout: Duration,
) -> (std::process::ExitStatus, String, String) {
    use std::io::Read;
    let status = poll_for(timeout, || child.try_wait().unwrap());
    if status.is_none() {
        // Stopped so its output can be read and shown: it says where it hung.
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_string(&mut stdout).unwrap();
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).unwrap();
    }
    let Some(status) = status else {
        panic!("timed out waiting for {what}; it printed:\n{stdout}\n{stderr}");
    };
    (status, stdout, stderr)
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

/// `kbox topics --describe` rows of a topic: (partition, leader, isr), through `bootstrap`.
pub(crate) fn describe_partitions(
    bootstrap: &str,
    topic: &str,
) -> Option<Vec<(i32, i32, Vec<i32>)>> {
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
            let leader = match field(l, "Leader:")?.as_str() {
                "none" => -1,
                other => other.parse().ok()?,
            };
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

/// Fewer in-sync replicas than the topic's min.insync.replicas: acks=all is refused with
/// NOT_ENOUGH_REPLICAS (not accepted), acks=1 still works. Leader kills, ISR rejoin and every
/// acknowledged record read back are the fault tests' (tests/it/faults.rs, scripts/faults).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_all_is_refused_below_min_insync_replicas() {
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
        wait_for("the full ISR everywhere", Duration::from_secs(30), || {
            describe_partitions(b, "durable").filter(|rows| rows.iter().all(|r| r.2 == [1, 2, 3]))
        });
    }

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
    // Every survivor's view: the leader of partition 0 may be either.
    for b in &all[..2] {
        wait_for(
            "the ISR without the killed broker",
            Duration::from_secs(20),
            || {
                describe_partitions(b, "durable")
                    .filter(|rows| rows.iter().all(|r| !r.2.contains(&victim)))
            },
        );
    }
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

/// Starts three combined nodes (a session long enough for a loaded machine), waits until every
/// broker sees all three, and creates `topic` (RF 3, min.insync.replicas 2).
async fn start_three(dir: &Path, topic: &str, partitions: &str) -> (Vec<Node>, Vec<String>) {
    let mut nodes = write_nodes(dir, &["broker,controller"; 3], 3000);
    for node in nodes.iter_mut() {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    let all: Vec<String> = nodes.iter().map(|n| n.bootstrap.clone()).collect();
    for b in &all {
        wait_for(
            "all three brokers registered",
            Duration::from_secs(30),
            || (brokers_seen_by(b) == [1, 2, 3]).then_some(()),
        );
    }
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            &all[0],
            "--create",
            "--topic",
            topic,
            "--partitions",
            partitions,
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
            describe_partitions(b, topic)
        });
    }
    (nodes, all)
}

/// The leader of the internal topic's partition coordinating `key`, as `bootstrap` sees it.
fn coordinator_of(bootstrap: &str, internal_topic: &str, key: &str) -> Option<i32> {
    let rows = describe_partitions(bootstrap, internal_topic)?;
    let partition = kbox::broker::group::partition_for(key, rows.len() as i32);
    rows.iter()
        .find(|r| r.0 == partition)
        .map(|r| r.1)
        .filter(|l| *l >= 0)
}

/// Lines in a file a client script appends to.
fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// One confluent-kafka group whose three members bootstrap from three different brokers
/// (before coordinators followed partition leadership, each broker ran its own copy of the
/// group and every member read everything). The group coordinator is killed with -9 mid-run:
/// the `__consumer_offsets` partition gets a new leader, which loads the group's committed
/// offsets, the members find it and resume; every record is consumed, and only records of
/// batches whose commit failed are consumed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_spans_brokers_and_survives_its_coordinator_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut nodes, all) = start_three(dir.path(), "work", "6").await;
    let group = "spread-group";
    let count = 12000;
    let consumed = dir.path().join("consumed.jsonl");
    let mut members = Command::new("python3")
        .args([
            "tests/clients/cluster_group.py",
            "--bootstrap",
            &all.join(","),
            "--topic",
            "work",
            "--group",
            group,
            "--count",
            &count.to_string(),
            "--rate",
            "1200",
            "--timeout",
            "100",
            "--out",
        ])
        .arg(&consumed)
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("a third consumed", Duration::from_secs(90), || {
        assert!(
            members.try_wait().unwrap().is_none(),
            "members exited early"
        );
        (line_count(&consumed) >= count / 3).then_some(())
    });
    let coordinator = wait_for("the group's coordinator", Duration::from_secs(10), || {
        coordinator_of(&all[0], "__consumer_offsets", group)
    });
    let index = nodes.iter().position(|n| n.id == coordinator).unwrap();
    nodes[index].process.take().unwrap().kill9();
    let consumed_at_kill = line_count(&consumed);
    eprintln!("killed coordinator {coordinator} after {consumed_at_kill} records");
    let survivor = nodes
        .iter()
        .find(|n| n.id != coordinator)
        .unwrap()
        .bootstrap
        .clone();
    let moved = wait_for("a new coordinator", Duration::from_secs(30), || {
        coordinator_of(&survivor, "__consumer_offsets", group).filter(|l| *l != coordinator)
    });
    eprintln!("coordinator moved from {coordinator} to {moved}");

    let (output, stdout, _) = finished(
        &mut members,
        "the members to finish",
        Duration::from_secs(120),
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap_or_default();
    eprintln!("cluster_group: {summary}");
    assert!(output.success(), "{stdout}");
    assert_eq!(summary["missing"], 0, "{summary}");
    assert!(consumed_at_kill < count, "the kill came mid-run");
    // Every live broker names the same, new coordinator; the other broker refuses the group's
    // requests with NOT_COORDINATOR.
    for node in nodes.iter().filter(|n| n.process.is_some()) {
        let (code, out, err) = kbox_output(
            None,
            args(&[
                "consumer-groups",
                "--bootstrap-server",
                &node.bootstrap,
                "--describe",
                "--group",
                group,
                "--state",
            ]),
        )
        .await;
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains(&format!("({moved})")),
            "broker {} names coordinator {moved}: {out}",
            node.id
        );
    }
    let other = nodes
        .iter()
        .find(|n| n.process.is_some() && n.id != moved)
        .unwrap();
    let connection = kbox::client::connection::BrokerConnection::connect(
        &other.bootstrap,
        "test",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let mut heartbeat = kafka_protocol::messages::HeartbeatRequest::default();
    heartbeat.group_id = kafka_protocol::messages::GroupId(group.into());
    heartbeat.member_id = "someone".into();
    heartbeat.generation_id = 1;
    let answer = connection.send(&heartbeat).await.unwrap();
    assert_eq!(
        answer.error_code,
        kafka_protocol::ResponseError::NotCoordinator.code()
    );

    let duplicates = summary["duplicates"].as_i64().unwrap();
    let uncommitted = summary["uncommitted"].as_i64().unwrap();
    assert!(
        duplicates <= uncommitted,
        "only records of uncommitted batches are read twice: {summary}"
    );
    for node in nodes.iter_mut().filter(|n| n.process.is_some()) {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}

/// A confluent-kafka transactional producer committing and aborting alternately while its
/// transaction coordinator is killed with -9: the `__transaction_state` partition's new leader
/// loads the transactions and finishes or aborts them, the producer goes on; a read_committed
/// consumer then reads every committed transaction exactly once and nothing aborted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_survive_their_coordinator_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut nodes, all) = start_three(dir.path(), "txn-out", "3").await;
    let bootstrap = all.join(",");
    let txn_id = "cluster-txn-producer";
    let outcomes = dir.path().join("outcomes.jsonl");
    let script = |mode: &str| {
        let mut c = Command::new("python3");
        c.args([
            "tests/clients/cluster_txn.py",
            mode,
            "--bootstrap",
            &bootstrap,
            "--topic",
            "txn-out",
        ])
        .args([
            "--transactional-id",
            txn_id,
            "--transactions",
            "50",
            "--rate",
            "4",
            "--out",
        ])
        .arg(&outcomes)
        .current_dir(repo());
        c
    };
    let mut producer = script("produce")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("ten transactions", Duration::from_secs(60), || {
        assert!(
            producer.try_wait().unwrap().is_none(),
            "producer exited early"
        );
        (line_count(&outcomes) >= 10).then_some(())
    });
    let coordinator = wait_for(
        "the transaction coordinator",
        Duration::from_secs(10),
        || coordinator_of(&all[0], "__transaction_state", txn_id),
    );
    // kbox's own transactional producer (console-producer, one transaction per batch of
    // lines) with an id the same broker coordinates, mid-stream at the kill too.
    let rows = describe_partitions(&all[0], "__transaction_state").unwrap();
    let kbox_id = (0..10_000)
        .map(|n| format!("kbox-loader-{n}"))
        .find(|id| {
            let p = kbox::broker::group::partition_for(id, rows.len() as i32);
            rows.iter().any(|r| r.0 == p && r.1 == coordinator)
        })
        .unwrap();
    let mut kbox_producer = Command::new(kbox_bin())
        .args([
            "console-producer",
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            "txn-out",
        ])
        .args([
            "--transactional-id",
            &kbox_id,
            "--request-timeout-ms",
            "5000",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = kbox_producer.stdin.take().unwrap();
    let (killed_tx, killed_rx) = std::sync::mpsc::channel::<()>();
    let (halfway_tx, halfway_rx) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        for batch in 0..60 {
            if batch == 20 {
                halfway_tx.send(()).unwrap();
                killed_rx.recv().unwrap();
            }
            let lines: String = (0..5).map(|i| format!("kbox-{batch}-{i}\n")).collect();
            stdin.write_all(lines.as_bytes()).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    halfway_rx.recv().unwrap();
    let index = nodes.iter().position(|n| n.id == coordinator).unwrap();
    nodes[index].process.take().unwrap().kill9();
    killed_tx.send(()).unwrap();
    let done_at_kill = line_count(&outcomes);
    eprintln!("killed transaction coordinator {coordinator} after {done_at_kill} transactions");
    let (status, stdout, _) = finished(
        &mut producer,
        "the producer to finish",
        Duration::from_secs(150),
    );
    eprintln!("cluster_txn produce: {}", stdout.trim());
    assert!(status.success(), "{stdout}");
    assert!(done_at_kill < 50, "the kill came mid-run");
    let survivor = nodes
        .iter()
        .find(|n| n.process.is_some())
        .unwrap()
        .bootstrap
        .clone();
    assert_ne!(
        coordinator_of(&survivor, "__transaction_state", txn_id),
        Some(coordinator),
        "the coordinator moved"
    );

    writer.join().unwrap();
    let (kbox_status, _, kbox_err) = finished(
        &mut kbox_producer,
        "kbox's producer to finish",
        Duration::from_secs(120),
    );
    assert!(kbox_status.success(), "kbox console-producer: {kbox_err}");

    let out = script("verify").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap_or_default();
    eprintln!("cluster_txn verify: {summary}");
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(summary["transactions"], 50, "{summary}");
    assert!(summary["committed"].as_i64().unwrap() >= 20, "{summary}");
    // Every line kbox's producer committed is read once by a read_committed reader.
    let out = Command::new("kcat")
        .args([
            "-C",
            "-b",
            &survivor,
            "-t",
            "txn-out",
            "-o",
            "beginning",
            "-e",
            "-q",
        ])
        .args(["-X", "isolation.level=read_committed", "-f", "%s\n"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut kbox_lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("kbox-"))
        .map(str::to_string)
        .collect();
    kbox_lines.sort();
    let mut expected: Vec<String> = (0..60)
        .flat_map(|b| (0..5).map(move |i| format!("kbox-{b}-{i}")))
        .collect();
    expected.sort();
    assert_eq!(kbox_lines.len(), 300, "kbox's committed lines, each once");
    assert_eq!(kbox_lines, expected);
    for node in nodes.iter_mut().filter(|n| n.process.is_some()) {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}

/// Creates a topic with three replicas through `bootstrap`.
async fn create_replicated(bootstrap: &str, topic: &str) {
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            bootstrap,
            "--create",
            "--topic",
            topic,
        ])
        .into_iter()
        .chain(args(&[
            "--partitions",
            "3",
            "--replication-factor",
            "3",
            "--config",
            "min.insync.replicas=2",
        ]))
        .collect(),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
}

/// A confluent-kafka consume-transform-produce loop (send_offsets_to_transaction) copying a
/// topic while its transaction coordinator is killed with -9: the output read_committed is
/// exactly the input, each record once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_transform_produce_survives_its_coordinator_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut nodes, all) = start_three(dir.path(), "ctp-in", "3").await;
    create_replicated(&all[0], "ctp-out").await;
    let bootstrap = all.join(",");
    let filled = crate::common::expect_script(
        "python3",
        &[
            "tests/clients/confluent_eos.py",
            "idempotent",
            "--bootstrap",
            &bootstrap,
            "--topic",
            "ctp-in",
        ]
        .into_iter()
        .chain(["--count", "3000", "--partitions", "3"])
        .collect::<Vec<_>>(),
    );
    assert_eq!(filled["consumed"], 3000, "{filled}");
    let txn_id = "ctp-copier";
    let mut copier = Command::new("python3")
        .args([
            "tests/clients/confluent_eos.py",
            "process",
            "--bootstrap",
            &bootstrap,
        ])
        .args([
            "--input",
            "ctp-in",
            "--output",
            "ctp-out",
            "--group",
            "ctp-group",
            "--txn-id",
            txn_id,
        ])
        .args(["--batch", "100", "--pause-ms", "300", "--idle-ms", "6000"])
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Progress: the group's committed input offsets (committed with each transaction).
    let committed_input = || {
        let out = Command::new(kbox_bin())
            .args([
                "consumer-groups",
                "--bootstrap-server",
                &bootstrap,
                "--describe",
                "--group",
                "ctp-group",
            ])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let sum: i64 = text
            .lines()
            .filter(|l| l.contains("ctp-in"))
            .filter_map(|l| l.split_whitespace().nth(3)?.parse::<i64>().ok())
            .sum();
        Some(sum)
    };
    let copied_at_kill = wait_for(
        "copies committed before the kill",
        Duration::from_secs(90),
        || {
            assert!(
                copier.try_wait().unwrap().is_none(),
                "the copier exited early"
            );
            committed_input().filter(|n| *n >= 500)
        },
    );
    let coordinator = wait_for(
        "the transaction coordinator",
        Duration::from_secs(10),
        || coordinator_of(&all[0], "__transaction_state", txn_id),
    );
    assert!(
        copier.try_wait().unwrap().is_none(),
        "the copier still runs at the kill"
    );
    let index = nodes.iter().position(|n| n.id == coordinator).unwrap();
    nodes[index].process.take().unwrap().kill9();
    eprintln!(
        "killed transaction coordinator {coordinator} with about {copied_at_kill} copies committed"
    );
    let (status, stdout, stderr) = finished(
        &mut copier,
        "the copier to finish",
        Duration::from_secs(150),
    );
    assert!(status.success(), "copier: {stdout}\n{stderr}");
    eprintln!("copier: {stdout}\n{stderr}");
    assert!(copied_at_kill < 3000, "the kill came mid-run");
    let survivors: Vec<String> = nodes
        .iter()
        .filter(|n| n.process.is_some())
        .map(|n| n.bootstrap.clone())
        .collect();
    let check = crate::common::expect_script(
        "python3",
        &[
            "tests/clients/confluent_eos.py",
            "check-output",
            "--bootstrap",
            &survivors.join(","),
        ]
        .into_iter()
        .chain(["--input", "ctp-in", "--output", "ctp-out"])
        .collect::<Vec<_>>(),
    );
    eprintln!("check-output: {check}");
    assert_eq!(check["input"], 3000, "{check}");
    assert_eq!(check["output"], 3000, "{check}");
    assert_eq!(check["exact"], true, "{check}");
    for node in nodes.iter_mut().filter(|n| n.process.is_some()) {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}

/// FindCoordinator through one broker, raw: (error code, node id).
async fn find_coordinator(bootstrap: &str, key: &str) -> (i16, i32) {
    let connection = kbox::client::connection::BrokerConnection::connect(
        bootstrap,
        "test",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let mut request = kafka_protocol::messages::FindCoordinatorRequest::default();
    request.key = kafka_protocol::protocol::StrBytes::from_string(key.to_string());
    let version = connection
        .version_capped::<kafka_protocol::messages::FindCoordinatorRequest>(3)
        .unwrap();
    let answer = connection
        .send_at(&request, version, Duration::from_secs(10))
        .await
        .unwrap();
    (answer.error_code, answer.node_id.0)
}

/// `offsets.topic.replication.factor=3` on a cluster with two live brokers: as Kafka,
/// `__consumer_offsets` is not created with fewer replicas and FindCoordinator answers
/// COORDINATOR_NOT_AVAILABLE; once the third broker is up, the group gets a coordinator that
/// every broker names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_topics_wait_for_their_replication_factor() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = write_nodes(dir.path(), &["broker,controller"; 3], 3000);
    for node in nodes.iter_mut().take(2) {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    for b in nodes.iter().take(2).map(|n| n.bootstrap.clone()) {
        wait_for("two brokers registered", Duration::from_secs(30), || {
            (brokers_seen_by(&b) == [1, 2]).then_some(())
        });
    }
    let (code, _) = find_coordinator(&nodes[0].bootstrap, "early-group").await;
    assert_eq!(
        code,
        kafka_protocol::ResponseError::CoordinatorNotAvailable.code()
    );
    assert!(
        describe_partitions(&nodes[0].bootstrap, "__consumer_offsets").is_none(),
        "not created with fewer replicas than configured"
    );

    nodes[2].process = Some(KboxProcess::start_config(&nodes[2].config));
    for b in nodes.iter().map(|n| n.bootstrap.clone()) {
        wait_for(
            "all three brokers registered",
            Duration::from_secs(30),
            || (brokers_seen_by(&b) == [1, 2, 3]).then_some(()),
        );
    }
    let mut named = Vec::new();
    for node in &nodes {
        let answer = coordinator_named_by(&node.bootstrap, "early-group").await;
        named.push(answer);
    }
    assert!(
        named.iter().all(|n| *n == named[0] && (1..=3).contains(n)),
        "{named:?}"
    );
    let rows = describe_partitions(&nodes[0].bootstrap, "__consumer_offsets").unwrap();
    assert!(
        rows.iter().all(|r| r.2.len() == 3),
        "three replicas each: {rows:?}"
    );

    // A transaction over partitions with one replica each, spread over the brokers: the
    // transaction coordinator hosts only some of them, so it writes the other markers
    // through their leaders (WriteTxnMarkers).
    let (code, out, err) = kbox_output(
        None,
        args(&[
            "topics",
            "--bootstrap-server",
            &nodes[0].bootstrap,
            "--create",
            "--topic",
            "spread",
        ])
        .into_iter()
        .chain(args(&["--partitions", "6", "--replication-factor", "1"]))
        .collect(),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let leaders: std::collections::BTreeSet<i32> =
        wait_for("the topic everywhere", Duration::from_secs(10), || {
            describe_partitions(&nodes[2].bootstrap, "spread")
        })
        .iter()
        .map(|r| r.1)
        .collect();
    assert!(
        leaders.len() > 1,
        "partitions on several brokers: {leaders:?}"
    );
    let input: String = (0..60).map(|i| format!("k{i}:line-{i}\n")).collect();
    let mut producer = Command::new(kbox_bin())
        .args([
            "console-producer",
            "--bootstrap-server",
            &nodes[0].bootstrap,
            "--topic",
            "spread",
        ])
        .args([
            "--transactional-id",
            "spread-loader",
            "--property",
            "parse.key=true",
            "--property",
            "key.separator=:",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        producer
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let done = producer.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let read = Command::new("kcat")
        .args([
            "-C",
            "-b",
            &nodes[1].bootstrap,
            "-t",
            "spread",
            "-o",
            "beginning",
            "-e",
            "-q",
        ])
        .args(["-X", "isolation.level=read_committed", "-f", "%p\n"])
        .output()
        .unwrap();
    let partitions: Vec<String> = String::from_utf8_lossy(&read.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        partitions.len(),
        60,
        "every committed line readable: {partitions:?}"
    );
    assert!(
        partitions
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            > 1
    );
    for node in nodes.iter_mut() {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}

/// Asks until FindCoordinator answers without error; the node named.
async fn coordinator_named_by(bootstrap: &str, key: &str) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, node) = find_coordinator(bootstrap, key).await;
        if code == 0 {
            return node;
        }
        assert!(
            Instant::now() < deadline,
            "no coordinator through {bootstrap}: error {code}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// kbox's own idempotent producer (acks=all, the default) on a 3-node cluster: the leader of
/// a busy partition is killed with -9 mid-stream and restarted; every record is acknowledged,
/// and each is read back (by kcat) once, at the offset it was acknowledged at, in send order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kbox_idempotent_producer_survives_a_leader_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut nodes, all) = start_three(dir.path(), "idem-cluster", "3").await;
    let bootstrap = all.join(",");
    let producer =
        kbox::client::Producer::new(kbox::client::ClientConfig::with_bootstrap(&bootstrap))
            .unwrap();
    let count = 6000usize;
    let mut deliveries = Vec::with_capacity(count);
    let mut victim = None;
    for i in 0..count {
        let record = kbox::client::ProducerRecord::new("idem-cluster", i.to_string())
            .with_partition((i % 3) as i32);
        deliveries.push(producer.send(record).await.unwrap());
        if i % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if i == count / 3 {
            let rows = describe_partitions(&all[0], "idem-cluster").unwrap();
            let leader = rows.iter().find(|r| r.0 == 0).unwrap().1;
            let index = nodes.iter().position(|n| n.id == leader).unwrap();
            nodes[index].process.take().unwrap().kill9();
            victim = Some(index);
            // Go on only once another broker leads partition 0 (the records sent meanwhile
            // wait in the producer and are retried there).
            let survivor = &all[(index + 1) % 3];
            wait_for(
                "a new leader for partition 0",
                Duration::from_secs(30),
                || {
                    describe_partitions(survivor, "idem-cluster")
                        .filter(|rows| rows.iter().all(|r| r.1 >= 0 && r.1 != leader))
                },
            );
        }
        if i == 2 * count / 3 {
            let index = victim.unwrap();
            nodes[index].process = Some(KboxProcess::start_config(&nodes[index].config));
        }
    }
    let mut acked = std::collections::BTreeMap::new();
    for (i, delivery) in deliveries.into_iter().enumerate() {
        let meta = tokio::time::timeout(Duration::from_secs(150), delivery)
            .await
            .expect("delivered within the delivery timeout")
            .unwrap_or_else(|e| panic!("record {i} failed: {e}"));
        acked.insert((meta.partition, meta.offset), i.to_string());
    }
    producer.close().await.unwrap();
    assert_eq!(acked.len(), count, "two records acknowledged at one offset");

    // Read everything back from a survivor, through kcat.
    let survivor = nodes
        .iter()
        .find(|n| n.process.is_some() && Some(n.id) != victim.map(|v| nodes[v].id))
        .unwrap()
        .bootstrap
        .clone();
    let out = Command::new("kcat")
        .args([
            "-C",
            "-b",
            &survivor,
            "-t",
            "idem-cluster",
            "-o",
            "beginning",
            "-e",
            "-q",
        ])
        .args(["-f", "%p %o %s\n"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut read = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.splitn(3, ' ');
        let p: i32 = parts.next().unwrap().parse().unwrap();
        let o: i64 = parts.next().unwrap().parse().unwrap();
        read.insert((p, o), parts.next().unwrap().to_string());
    }
    assert_eq!(
        read.len(),
        count,
        "records read back (duplicates or losses)"
    );
    assert_eq!(
        read, acked,
        "every record at the offset it was acknowledged at"
    );
    for node in nodes.iter_mut().filter(|n| n.process.is_some()) {
        node.process.take().unwrap().terminate();
    }
}
