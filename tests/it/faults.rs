//! The fault tests of issue 6 in their short (CI) form: tests/faults/run.py starts a 3-node
//! cluster, writes with confluent-kafka (acks=all, idempotent) into an RF=3,
//! min.insync.replicas=2 topic, injects one fault and checks every acknowledged record is read
//! back once, at its offset, in order, and that every replica holds the same log afterwards.
//! `scripts/faults` runs the full set (more kills, longer phases, more scenarios: power loss
//! on every node, network partitions as root).

use std::sync::Mutex;

use crate::common::{kbox_bin, run_script};

/// One 3-node cluster at a time: several at once on a loaded 2-core machine would make the
/// brokers miss heartbeats, which is not the fault under test.
static ONE_CLUSTER_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs one scenario and returns its result after the checks every scenario shares.
fn run_scenario(scenario: &str) -> serde_json::Value {
    let _turn = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let out = tempfile::tempdir().unwrap();
    let kbox = kbox_bin();
    let (ok, stdout, stderr) = run_script(
        "python3",
        &[
            "tests/faults/run.py",
            "--short",
            // Longer than the driver's 3 s: other tests load the machine meanwhile, and a live
            // broker fenced for a late heartbeat is not the fault under test.
            "--session-ms",
            "5000",
            "--kbox",
            kbox.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            scenario,
        ],
    );
    let text = std::fs::read_to_string(out.path().join(format!("{scenario}.json")))
        .unwrap_or_else(|e| panic!("no result for {scenario} ({e})\n{stdout}\n{stderr}"));
    let result: serde_json::Value = serde_json::from_str(&text).unwrap();
    eprintln!("{scenario}: {result}");
    assert!(ok, "{scenario} failed: {}\n{stderr}", result["problems"]);
    assert_eq!(result["valid"], true, "{result}");
    for count in [
        "lost",
        "moved",
        "inconsistent",
        "duplicated",
        "out_of_order",
        "delivery_errors",
    ] {
        assert_eq!(result[count], 0, "{count}: {result}");
    }
    assert_eq!(result["replicas_agree"], true, "{result}");
    assert!(result["acked"].as_i64().unwrap() > 1000, "{result}");
    result
}

/// The scenario's report lists `count` timings under `key` (one per fault or recovery).
fn assert_events(result: &serde_json::Value, key: &str, count: usize) {
    let listed = result[key].as_array().map_or(0, |a| a.len());
    assert_eq!(listed, count, "{key}: {result}");
}

/// kill -9 of partition 0's leader, three times, each restarted and back in every ISR.
#[test]
fn faults_leader_kill() {
    let result = run_scenario("leader-kill");
    assert_events(&result, "election_s", 3);
    assert_events(&result, "isr_restored_s", 3);
}

/// kill -9 of a follower: partition 0 keeps its leader and writes; the follower rejoins.
#[test]
fn faults_follower_kill() {
    let result = run_scenario("follower-kill");
    assert!(result["acked_while_down"].as_i64().unwrap() > 0, "{result}");
    assert_events(&result, "isr_restored_s", 1);
}

/// SIGSTOP of partition 0's leader past the session timeout, then SIGCONT: a new leader is
/// elected meanwhile, nothing the old one appended is acknowledged, it truncates and follows
/// (the replicas agree byte for byte).
#[test]
fn faults_leader_pause() {
    let result = run_scenario("leader-pause");
    assert_events(&result, "election_s", 1);
    assert_events(&result, "isr_restored_s", 1);
}

/// SIGTERM of each broker in turn: a controlled shutdown hands leadership over, stops within
/// seconds, and no error reaches the application.
#[test]
fn faults_rolling_restart() {
    let result = run_scenario("rolling-restart");
    assert_events(&result, "shutdown_s", 3);
}

/// kill -9 of a follower and a power loss on its disk (each partition's active segment cut, or
/// 4 KiB pages zeroed, past its last fsync): it truncates the torn tails, stays out of every
/// ISR until it caught up again, and ends with the leader's bytes.
#[test]
fn faults_follower_power_loss() {
    let result = run_scenario("follower-power-loss");
    assert_events(&result, "power_loss", 3);
    assert_events(&result, "isr_restored_s", 1);
}
