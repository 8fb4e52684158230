//! Log compaction judged by librdkafka: the latest value per key survives, tombstones go after
//! delete.retention.ms, readers see a consistent view throughout, keyless records are refused.

use crate::common::{expect_script, KboxProcess};

#[test]
fn compacted_topic_keeps_latest_values_and_drops_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(dir.path(), &["--override", "log.cleaner.backoff.ms=100"]);
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/compaction_check.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["produced"], 111_100);
    assert_eq!(summary["live_keys"], 900);
    // 1,000 keys plus at most the filler of the active segment, from 111,100 records.
    assert!(
        summary["compacted_read"].as_u64().unwrap() < 12_000,
        "{summary}"
    );
    assert!(summary["passes"].as_u64().unwrap() >= 2, "{summary}");

    // The cleaner's progress is in Kafka's checkpoint file, so a restart does not redo it.
    let checkpoint = walk(dir.path())
        .into_iter()
        .find(|p| p.ends_with("cleaner-offset-checkpoint"))
        .expect("cleaner-offset-checkpoint written");
    let text = std::fs::read_to_string(checkpoint).unwrap();
    assert!(text.lines().any(|l| l.starts_with("compacted-")), "{text}");
    assert!(broker.log.lock().unwrap().contains("log cleaned"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
