//! Metadata snapshots on three voters and a broker-only observer: with tiny thresholds every
//! node snapshots its metadata and deletes the log segments before the kept snapshots; a
//! restarted node starts from its snapshot, and a voter and an observer that were down
//! meanwhile catch up from the leader's snapshot.

use std::path::Path;
use std::time::Duration;

use crate::cluster::{brokers_seen_by, kcat_metadata, wait_for, write_nodes_with, Node};
use crate::common::{args, kbox_output, KboxProcess};

const TOPICS: usize = 24;

/// Snapshot files and segment files of a node's metadata log.
fn metadata_files(dir: &Path, id: i32) -> (Vec<String>, Vec<String>) {
    let log_dir = dir.join(format!("node{id}")).join("__cluster_metadata-0");
    let mut names: Vec<String> = std::fs::read_dir(log_dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let snapshots = names
        .iter()
        .filter(|n| n.ends_with(".checkpoint"))
        .cloned()
        .collect();
    let segments = names
        .iter()
        .filter(|n| n.ends_with(".log"))
        .cloned()
        .collect();
    (snapshots, segments)
}

async fn kbox(list: &[&str]) -> String {
    let (code, out, err) = kbox_output(None, args(list)).await;
    assert_eq!(code, 0, "kbox {list:?}: {out}{err}");
    out
}

/// Everything the metadata holds, as `bootstrap` reports it.
async fn metadata_seen_by(bootstrap: &str) -> (usize, String, String, String) {
    let topics = kcat_metadata(bootstrap, None)
        .and_then(|m| m["topics"].as_array().map(|t| t.len()))
        .unwrap_or(0);
    let configs = kbox(&[
        "configs",
        "--bootstrap-server",
        bootstrap,
        "--describe",
        "--entity-type",
        "topics",
        "--entity-name",
        "snap-0",
    ])
    .await;
    let acls = kbox(&["acls", "--bootstrap-server", bootstrap, "--list"]).await;
    let users = kbox(&[
        "configs",
        "--bootstrap-server",
        bootstrap,
        "--describe",
        "--entity-type",
        "users",
    ])
    .await;
    (topics, configs, acls, users)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_snapshot_truncate_and_catch_up_from_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "metadata.log.max.record.bytes.between.snapshots=1024\n\
                 metadata.log.segment.bytes=2048\n\
                 authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n\
                 super.users=User:ANONYMOUS\n";
    let mut nodes: Vec<Node> = write_nodes_with(
        dir.path(),
        &[
            "broker,controller",
            "broker,controller",
            "broker,controller",
            "broker",
        ],
        6_000,
        |_| extra.to_string(),
    );
    for node in nodes.iter_mut() {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    let one = nodes[0].bootstrap.clone();
    // A node lists itself before its registration commits: every node's view must agree.
    let bootstraps: Vec<String> = nodes.iter().map(|n| n.bootstrap.clone()).collect();
    for b in &bootstraps {
        wait_for("four brokers registered", Duration::from_secs(30), || {
            (brokers_seen_by(b) == [1, 2, 3, 4]).then_some(())
        });
    }
    // Voter 3 and observer 4 are down while the others write, snapshot and truncate.
    // The observer first: its controlled shutdown needs a leader, and voter 3 may be it. A
    // node whose shutdown found no leader is fenced after the session timeout.
    for node in nodes[2..].iter_mut().rev() {
        assert_eq!(node.process.take().unwrap().terminate(), Some(0));
    }
    for b in &bootstraps[..2] {
        wait_for("nodes 3 and 4 fenced", Duration::from_secs(30), || {
            (brokers_seen_by(b) == [1, 2]).then_some(())
        });
    }

    for i in 0..TOPICS {
        let name = format!("snap-{i}");
        kbox(&[
            "topics",
            "--bootstrap-server",
            &one,
            "--create",
            "--topic",
            &name,
            "--partitions",
            "1",
            "--replication-factor",
            "2",
        ])
        .await;
    }
    kbox(&[
        "configs",
        "--bootstrap-server",
        &one,
        "--alter",
        "--entity-type",
        "topics",
        "--entity-name",
        "snap-0",
        "--add-config",
        "retention.ms=12345",
    ])
    .await;
    kbox(&[
        "acls",
        "--bootstrap-server",
        &one,
        "--add",
        "--allow-principal",
        "User:alice",
        "--operation",
        "Read",
        "--topic",
        "snap-1",
    ])
    .await;
    kbox(&[
        "configs",
        "--bootstrap-server",
        &one,
        "--alter",
        "--entity-type",
        "users",
        "--entity-name",
        "alice",
        "--add-config",
        "SCRAM-SHA-256=[password=alice-secret]",
    ])
    .await;
    let expected = metadata_seen_by(&one).await;
    assert_eq!(expected.0, TOPICS);
    assert!(expected.1.contains("retention.ms=12345"), "{}", expected.1);
    assert!(expected.2.contains("User:alice"), "{}", expected.2);
    assert!(expected.3.contains("alice"), "{}", expected.3);

    // Both running nodes snapshot, and their logs no longer start at offset 0.
    for id in [1, 2] {
        wait_for(
            &format!("node {id} snapshots and deletes its first segment"),
            Duration::from_secs(30),
            || {
                let (snapshots, segments) = metadata_files(dir.path(), id);
                (!snapshots.is_empty()
                    && !segments.is_empty()
                    && !segments.contains(&"00000000000000000000.log".to_string()))
                .then_some(())
            },
        );
    }
    let (snapshots, _) = metadata_files(dir.path(), 1);
    let latest = dir
        .path()
        .join("node1/__cluster_metadata-0")
        .join(snapshots.last().unwrap());

    // kbox dump-log reads a snapshot file.
    let dump = kbox(&[
        "dump-log",
        "--files",
        latest.to_str().unwrap(),
        "--cluster-metadata-decoder",
    ])
    .await;
    assert!(
        dump.contains("SNAPSHOT_HEADER") && dump.contains("SNAPSHOT_FOOTER"),
        "{dump}"
    );
    assert!(dump.contains("\"type\":\"Topic\""), "{dump}");

    // A restarted node starts from its snapshot and the log after it.
    assert_eq!(nodes[0].process.take().unwrap().terminate(), Some(0));
    nodes[0].process = Some(KboxProcess::start_config(&nodes[0].config));
    let loaded = nodes[0]
        .process
        .as_ref()
        .unwrap()
        .wait_for_log("metadata loaded from a snapshot", Duration::from_secs(30));
    assert!(loaded.is_some(), "node 1 did not start from its snapshot");
    wait_for("node 1 back", Duration::from_secs(30), || {
        (brokers_seen_by(&one).contains(&1)).then_some(())
    });
    assert_eq!(metadata_seen_by(&one).await, expected);

    // The nodes that were down are behind the leader's log start: they get the snapshot
    // (voter 3 through Raft's InstallSnapshot, observer 4 through its fetch).
    for node in &mut nodes[2..] {
        node.process = Some(KboxProcess::start_config(&node.config));
    }
    for node in &nodes[2..] {
        let installed = node
            .process
            .as_ref()
            .unwrap()
            .wait_for_log("installed the leader's snapshot", Duration::from_secs(30));
        assert!(
            installed.is_some(),
            "node {} never installed a snapshot",
            node.id
        );
        wait_for("every topic on the node", Duration::from_secs(30), || {
            kcat_metadata(&node.bootstrap, None)
                .and_then(|m| m["topics"].as_array().map(|t| t.len()))
                .filter(|n| *n == TOPICS)
        });
        assert_eq!(metadata_seen_by(&node.bootstrap).await, expected);
        assert!(
            !metadata_files(dir.path(), node.id).0.is_empty(),
            "node {} keeps the snapshot",
            node.id
        );
    }
    let three = nodes[2].bootstrap.clone();

    let status = kbox(&[
        "metadata-quorum",
        "--bootstrap-server",
        &three,
        "describe",
        "--status",
    ])
    .await;
    assert!(status.contains("CurrentVoters:"), "{status}");

    for node in nodes.iter_mut() {
        assert_eq!(
            node.process.take().unwrap().terminate(),
            Some(0),
            "node {} stops cleanly",
            node.id
        );
    }
}
