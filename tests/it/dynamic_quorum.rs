//! A dynamic controller quorum (KIP-853) as Kafka 4 users run it: `storage format
//! --standalone` / `--initial-controllers` / `--no-initial-controllers`,
//! `controller.quorum.bootstrap.servers`, and `metadata-quorum --bootstrap-controller
//! add-controller` / `remove-controller`, with kill -9 of the active controller in between.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::cluster::{free_ports, wait_for};
use crate::common::{kbox_bin, KboxProcess};

const CLUSTER_ID: &str = "kboxClusterTest0000000";
const WAIT: Duration = Duration::from_secs(30);

struct DynNode {
    id: i32,
    config: PathBuf,
    /// host:port of its broker and CONTROLLER listeners.
    broker: String,
    controller: String,
    dir: PathBuf,
}

/// Writes one config per entry of `roles` (ids from 1) whose quorum is found through
/// `bootstrap` (given the controllers' ports), with no controller.quorum.voters.
fn write_dynamic_nodes(
    dir: &Path,
    roles: &[&str],
    bootstrap: impl Fn(&[u16]) -> String,
) -> Vec<DynNode> {
    let ports = free_ports(roles.len() * 2);
    let controller_ports: Vec<u16> = (0..roles.len())
        .filter(|i| roles[*i].contains("controller"))
        .map(|i| ports[2 * i + 1])
        .collect();
    let bootstrap = bootstrap(&controller_ports);
    roles
        .iter()
        .enumerate()
        .map(|(i, roles)| {
            let id = i as i32 + 1;
            let (broker, controller) = (ports[2 * i], ports[2 * i + 1]);
            let data = dir.join(format!("node{id}"));
            let mut listeners = Vec::new();
            if roles.contains("broker") {
                listeners.push(format!("PLAINTEXT://127.0.0.1:{broker}"));
            }
            if roles.contains("controller") {
                listeners.push(format!("CONTROLLER://127.0.0.1:{controller}"));
            }
            let mut text = format!(
                "process.roles={roles}\nnode.id={id}\nlisteners={}\n\
                 controller.listener.names=CONTROLLER\n\
                 listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
                 controller.quorum.bootstrap.servers={bootstrap}\n\
                 log.dirs={}\nbroker.heartbeat.interval.ms=250\nbroker.session.timeout.ms=1500\n",
                listeners.join(","),
                data.display()
            );
            if roles.contains("broker") {
                text.push_str(&format!(
                    "advertised.listeners=PLAINTEXT://127.0.0.1:{broker}\ninter.broker.listener.name=PLAINTEXT\n"
                ));
            }
            let config = dir.join(format!("node{id}.properties"));
            std::fs::write(&config, text).unwrap();
            DynNode {
                id,
                config,
                broker: format!("127.0.0.1:{broker}"),
                controller: format!("127.0.0.1:{controller}"),
                dir: data,
            }
        })
        .collect()
}

fn kbox(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kbox_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn format(node: &DynNode, quorum: &[&str]) {
    let config = node.config.to_str().unwrap();
    let mut args = vec!["storage", "format", "-t", CLUSTER_ID, "-c", config];
    args.extend_from_slice(quorum);
    let (code, _, err) = kbox(&args);
    assert_eq!(code, 0, "format: {err}");
}

fn directory_id(node: &DynNode) -> String {
    let meta = std::fs::read_to_string(node.dir.join("meta.properties")).unwrap();
    meta.lines()
        .find_map(|l| l.strip_prefix("directory.id="))
        .unwrap()
        .to_string()
}

/// `metadata-quorum --bootstrap-controller <controller> ARGS`.
fn quorum(controller: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["metadata-quorum", "--bootstrap-controller", controller];
    all.extend_from_slice(args);
    kbox(&all)
}

/// The voter ids and leader `describe --status` reports, once it answers.
fn status(controller: &str) -> Option<(i32, Vec<i32>, String)> {
    let (code, out, _) = quorum(controller, &["describe", "--status"]);
    if code != 0 {
        return None;
    }
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let leader: i32 = field("LeaderId:")?.parse().ok()?;
    let voters_line = field("CurrentVoters:")?;
    let voters = voters_line
        .split("\"id\": ")
        .skip(1)
        .filter_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect();
    (leader >= 0).then_some((leader, voters, out))
}

/// Waits until `node` is an observer the leader has replicated everything to, then adds it.
fn add_controller(controller: &str, node: &DynNode) {
    let config = node.config.to_str().unwrap();
    let id = node.id.to_string();
    let out = wait_for(&format!("controller {} added", node.id), WAIT, || {
        let (code, out, _) = quorum(controller, &["describe", "--replication"]);
        let caught_up = code == 0
            && out.lines().any(|l| {
                let cells: Vec<&str> = l.split('\t').map(str::trim).collect();
                cells.first() == Some(&id.as_str())
                    && cells.get(3) == Some(&"0")
                    && cells.get(6) == Some(&"Observer")
            });
        if !caught_up {
            return None;
        }
        let (code, out, err) = quorum(controller, &["add-controller", "--command-config", config]);
        // A leader still committing the previous change answers REQUEST_TIMED_OUT: ask again.
        (code == 0).then_some(out).or_else(|| {
            eprintln!("add-controller {id}: {err}");
            None
        })
    });
    assert_eq!(
        out.trim(),
        format!(
            "Added controller {} with directory id {} and endpoints: CONTROLLER://{}",
            node.id,
            directory_id(node),
            node.controller
        )
    );
}

fn create_topic(bootstrap: &str, topic: &str) -> bool {
    let (code, out, _) = kbox(&[
        "topics",
        "--bootstrap-server",
        bootstrap,
        "--create",
        "--topic",
        topic,
        "--partitions",
        "2",
        "--replication-factor",
        "2",
    ]);
    code == 0 && out.contains("Created topic")
}

#[test]
fn a_standalone_controller_grows_to_three_fails_over_and_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    // Every node finds the quorum through the first controller, as Kafka's docs do.
    let nodes = write_dynamic_nodes(dir.path(), &["broker,controller"; 3], |ports| {
        format!("127.0.0.1:{}", ports[0])
    });
    format(&nodes[0], &["--standalone"]);
    format(&nodes[1], &["--no-initial-controllers"]);
    format(&nodes[2], &["--no-initial-controllers"]);
    let first = KboxProcess::start_config(&nodes[0].config);
    let (leader, voters, out) = wait_for("the standalone controller leads", WAIT, || {
        status(&nodes[0].controller)
    });
    assert_eq!((leader, voters), (1, vec![1]), "{out}");
    assert!(
        out.contains(&format!(
            "CurrentVoters:          [{{\"id\": 1, \"directoryId\": \"{}\", \"endpoints\": [\"CONTROLLER://{}\"]}}]",
            directory_id(&nodes[0]),
            nodes[0].controller
        )),
        "{out}"
    );

    // Refused: a controller that is not running, and the last voter.
    let (code, _, err) = quorum(
        &nodes[0].controller,
        &[
            "add-controller",
            "--command-config",
            nodes[1].config.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("is not ready to receive requests"), "{err}");
    let d1 = directory_id(&nodes[0]);
    let (code, _, err) = quorum(
        &nodes[0].controller,
        &[
            "remove-controller",
            "--controller-id",
            "1",
            "--controller-directory-id",
            &d1,
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("Cannot remove voter"), "{err}");

    let second = KboxProcess::start_config(&nodes[1].config);
    let third = KboxProcess::start_config(&nodes[2].config);
    add_controller(&nodes[0].controller, &nodes[1]);
    // Asked of a follower: forwarded to the leader.
    add_controller(&nodes[1].controller, &nodes[2]);
    // Every voter's view: three voters with their endpoints.
    for node in &nodes {
        let (_, voters, out) = wait_for("three voters", WAIT, || {
            status(&node.controller).filter(|(_, v, _)| v.len() == 3)
        });
        assert_eq!(voters, vec![1, 2, 3]);
        for n in &nodes {
            assert!(
                out.contains(&format!(
                    "\"endpoints\": [\"CONTROLLER://{}\"]",
                    n.controller
                )),
                "{out}"
            );
        }
    }
    // A voter again: DUPLICATE_VOTER.
    let (code, _, err) = quorum(
        &nodes[0].controller,
        &[
            "add-controller",
            "--command-config",
            nodes[2].config.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("is already part of the set of voters"),
        "{err}"
    );
    wait_for("a topic created on three nodes", WAIT, || {
        create_topic(&nodes[1].broker, "before-failover").then_some(())
    });

    // kill -9 the active controller: the other two elect a leader and keep serving.
    first.kill9();
    let (leader, _, _) = wait_for("a new leader", WAIT, || {
        status(&nodes[1].controller).filter(|(l, _, _)| *l == 2 || *l == 3)
    });
    assert!(leader == 2 || leader == 3);
    wait_for("a topic created after the failover", WAIT, || {
        create_topic(&nodes[1].broker, "after-failover").then_some(())
    });

    // Remove the dead controller: two voters keep working.
    let (code, out, err) = quorum(
        &nodes[2].controller,
        &[
            "remove-controller",
            "--controller-id",
            "1",
            "--controller-directory-id",
            &d1,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("Removed  KRaft controller 1 with directory id {d1}")
    );
    for node in &nodes[1..] {
        let (_, voters, _) = wait_for("two voters", WAIT, || {
            status(&node.controller).filter(|(_, v, _)| v.len() == 2)
        });
        assert_eq!(voters, vec![2, 3]);
    }
    wait_for("a topic created with two voters", WAIT, || {
        create_topic(&nodes[2].broker, "two-voters").then_some(())
    });
    // Removed while it was down, controller 1 restarts on its old log, which still names it a
    // voter: it cannot disturb the two voters, and it says how to bring it back.
    let removed = KboxProcess::start_config(&nodes[0].config);
    assert!(
        removed
            .wait_for_log(
                "this controller is not a voter of the quorum any more",
                Duration::from_secs(60)
            )
            .is_some(),
        "the removed controller did not say it was removed"
    );
    assert_eq!(
        status(&nodes[1].controller).map(|(_, v, _)| v),
        Some(vec![2, 3])
    );
    drop(removed);
    // The leader, stopped and restarted at a new CONTROLLER port, knows the voters from its log:
    // the other voter (which cannot be elected alone) answers it at the port its messages
    // announce, it is elected again and records its new endpoint (UpdateRaftVoter).
    let (leader, _, _) = status(&nodes[1].controller).unwrap();
    let (mut moving, other) = if leader == 2 {
        (second, third)
    } else {
        (third, second)
    };
    let (m, o) = if leader == 2 { (1, 2) } else { (2, 1) };
    assert_eq!(moving.terminate(), Some(0));
    let new_port = free_ports(1)[0];
    let old = std::fs::read_to_string(&nodes[m].config).unwrap();
    let moved = format!("127.0.0.1:{new_port}");
    std::fs::write(&nodes[m].config, old.replace(&nodes[m].controller, &moved)).unwrap();
    moving = KboxProcess::start_config(&nodes[m].config);
    let (_, voters, out) = wait_for("the moved voter's new endpoint", WAIT, || {
        status(&nodes[o].controller).filter(|(_, _, out)| {
            out.contains(&format!("\"endpoints\": [\"CONTROLLER://{moved}\"]"))
        })
    });
    assert_eq!(voters, vec![2, 3], "{out}");
    wait_for("the moved voter's view", WAIT, || {
        status(&moved).filter(|(_, v, out)| v.len() == 2 && out.contains(&moved))
    });
    wait_for("a topic created after the move", WAIT, || {
        create_topic(&nodes[o].broker, "after-move").then_some(())
    });
    drop((moving, other));
}

/// Three controllers formatted with the same --initial-controllers, and a broker-only node that
/// finds the leader through controller.quorum.bootstrap.servers.
#[test]
fn initial_controllers_elect_a_leader_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let roles = ["controller", "controller", "controller", "broker"];
    let nodes = write_dynamic_nodes(dir.path(), &roles, |ports| {
        ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    let ids: Vec<String> = (0..3)
        .map(|_| kbox(&["storage", "random-uuid"]).1.trim().to_string())
        .collect();
    let initial = nodes
        .iter()
        .zip(&ids)
        .map(|(n, d)| format!("{}@{}:{d}", n.id, n.controller))
        .collect::<Vec<_>>()
        .join(",");
    for node in &nodes {
        format(node, &["--initial-controllers", &initial]);
    }
    let processes: Vec<KboxProcess> = nodes
        .iter()
        .map(|n| KboxProcess::start_config(&n.config))
        .collect();
    let (_, voters, out) = wait_for("a leader of three voters", WAIT, || {
        status(&nodes[2].controller)
    });
    assert_eq!(voters, vec![1, 2, 3], "{out}");
    for (n, d) in nodes.iter().zip(&ids) {
        assert!(
            out.contains(&format!(
                "{{\"id\": {}, \"directoryId\": \"{d}\", \"endpoints\": [\"CONTROLLER://{}\"]}}",
                n.id, n.controller
            )),
            "{out}"
        );
    }
    // The broker follows the log (an observer) and serves what the controllers decide.
    let (_, _, out) = wait_for("the broker observes", WAIT, || {
        status(&nodes[0].controller)
            .filter(|(_, _, out)| out.contains("CurrentObservers:       [{\"id\": 4}]"))
    });
    assert!(
        out.contains("CurrentObservers:       [{\"id\": 4}]"),
        "{out}"
    );
    let broker = &nodes[3].broker;
    wait_for("a topic created through the broker", WAIT, || {
        let (code, out, _) = kbox(&[
            "topics",
            "--bootstrap-server",
            broker,
            "--create",
            "--topic",
            "initial",
            "--partitions",
            "2",
            "--replication-factor",
            "1",
        ]);
        (code == 0 && out.contains("Created topic")).then_some(())
    });
    // Refused: a node that answers on its endpoint but is no controller following this quorum.
    let stranger_dir = dir.path().join("stranger");
    std::fs::create_dir_all(&stranger_dir).unwrap();
    std::fs::write(
        stranger_dir.join("meta.properties"),
        format!(
            "node.id=9\ndirectory.id={}\nversion=1\ncluster.id={CLUSTER_ID}\n",
            ids[0]
        ),
    )
    .unwrap();
    let stranger = dir.path().join("stranger.properties");
    std::fs::write(
        &stranger,
        format!(
            "process.roles=controller\nnode.id=9\nlog.dirs={}\ncontroller.listener.names=CONTROLLER\n\
             listeners=CONTROLLER://{}\n",
            stranger_dir.display(),
            nodes[1].controller
        ),
    )
    .unwrap();
    let (code, _, err) = quorum(
        &nodes[0].controller,
        &[
            "add-controller",
            "--command-config",
            stranger.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("Aborted add voter operation for 9 since it is lagging behind"),
        "{err}"
    );
    let (code, out, err) = kbox(&[
        "metadata-quorum",
        "--bootstrap-server",
        broker,
        "describe",
        "--status",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("CurrentVoters:          [{\"id\": 1, "),
        "{out}"
    );
    drop(processes);
}
