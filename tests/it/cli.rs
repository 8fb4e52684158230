//! The binary as a user runs it: storage commands, server-start's refusals, links, shutdown.

use std::process::Command;

use crate::common::{kbox_bin, KboxProcess};

fn kbox(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kbox_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_config(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("server.properties");
    let logs = dir.join("logs");
    std::fs::write(
        &path,
        format!(
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:0\n\
             listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\ncontroller.listener.names=CONTROLLER\n\
             log.dirs={}\n{extra}",
            logs.display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn storage_random_uuid_format_and_info() {
    let (code, uuid, _) = kbox(&["storage", "random-uuid"]);
    assert_eq!(code, 0);
    assert_eq!(uuid.trim().len(), 22);

    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let cfg = cfg.to_str().unwrap();
    let (code, out, err) = kbox(&["storage", "format", "-t", uuid.trim(), "-c", cfg]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Formatting "), "{out}");
    assert!(out.contains("with metadata.version 4.1-IV1."), "{out}");
    let meta = std::fs::read_to_string(dir.path().join("logs/meta.properties")).unwrap();
    assert!(
        meta.contains(&format!("cluster.id={}", uuid.trim()))
            && meta.contains("node.id=1")
            && meta.contains("version=1")
    );

    let (code, _, err) = kbox(&["storage", "format", "-t", uuid.trim(), "-c", cfg]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is already formatted. Use --ignore-formatted"),
        "{err}"
    );
    let (code, out, _) = kbox(&[
        "storage",
        "format",
        "-t",
        uuid.trim(),
        "-c",
        cfg,
        "--ignore-formatted",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("All of the log directories are already formatted."),
        "{out}"
    );

    let (code, out, _) = kbox(&["storage", "info", "-c", cfg]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Found log directory:")
            && out.contains(&format!("cluster.id={}", uuid.trim())),
        "{out}"
    );
    let (code, out, _) = kbox(&["storage", "info", "-c", cfg, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let info: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(info["metadata"]["cluster_id"], uuid.trim());
    assert_eq!(info["problems"], serde_json::json!([]));
}

#[test]
fn server_start_refuses_unformatted_dirs_zookeeper_and_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let (code, _, err) = kbox(&["server-start", cfg.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("kbox storage format"), "{err}");

    let zk = tempfile::tempdir().unwrap();
    let cfg = write_config(zk.path(), "zookeeper.connect=localhost:2181\n");
    let (code, _, err) = kbox(&["server-start", cfg.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("ZooKeeper mode is not supported"), "{err}");

    let bad = tempfile::tempdir().unwrap();
    let cfg = write_config(bad.path(), "num.partitions=many\n");
    let (code, _, err) = kbox(&["server-start", cfg.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("num.partitions"), "{err}");

    let (code, _, err) = kbox(&["server-start", "--no-such-flag"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn apache_tool_names_reach_the_same_commands() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("kafka-storage.sh");
    std::os::unix::fs::symlink(kbox_bin(), &link).unwrap();
    let out = Command::new(&link).arg("random-uuid").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 22);

    // Every Apache tool takes --version (joptsimple's CommandDefaultOptions).
    for tool in [
        "kafka-topics.sh",
        "kafka-producer-perf-test.sh",
        "kafka-server-start.sh",
    ] {
        let link = dir.path().join(tool);
        std::os::unix::fs::symlink(kbox_bin(), &link).unwrap();
        let out = Command::new(&link).arg("--version").output().unwrap();
        assert!(out.status.success(), "{tool} --version");
        let version = String::from_utf8_lossy(&out.stdout);
        assert!(
            version.trim_end().ends_with(env!("CARGO_PKG_VERSION")),
            "{version}"
        );
    }
}

#[test]
fn sigterm_shuts_down_cleanly_and_restart_reuses_data() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    assert_eq!(broker.terminate(), Some(0));
    assert!(dir.path().join(".kafka_cleanshutdown").exists());
    let again = KboxProcess::start(dir.path());
    let log = again.log.lock().unwrap().clone();
    assert!(
        !log.contains("Formatting"),
        "second start must reuse the formatted dir: {log}"
    );
    drop(log);
    assert_eq!(again.terminate(), Some(0));
}

#[test]
fn install_links_creates_every_tool_name_once() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(crate::common::kbox_bin())
            .arg("install-links")
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for name in [
        "kafka-topics.sh",
        "kafka-topics",
        "kafka-console-consumer.sh",
        "kafka-storage",
        "kcat",
    ] {
        let target = std::fs::read_link(dir.path().join(name)).unwrap();
        assert_eq!(target.file_name().unwrap(), "kbox", "{name}");
    }
    let again = run(&[]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("0 links created"));
    std::fs::remove_file(dir.path().join("kcat")).unwrap();
    std::fs::write(dir.path().join("kcat"), "not a link").unwrap();
    assert!(
        !run(&[]).status.success(),
        "an existing file is not replaced without --force"
    );
    assert!(run(&["--force"]).status.success());
}

/// completions/ and man/ are generated from the clap tree; regenerate them with
/// `cargo run -- completions --generate-files .` after changing a flag.
#[test]
fn checked_in_completions_and_man_pages_are_current() {
    let root = crate::common::repo();
    for (path, expected) in kbox::cli::completions::generated_files().unwrap() {
        let found = std::fs::read(root.join(&path)).unwrap_or_default();
        assert!(
            found == expected,
            "{} is stale: run `cargo run -- completions --generate-files .`",
            path.display()
        );
    }
    let out = std::process::Command::new(crate::common::kbox_bin())
        .args(["completions", "zsh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("#compdef kbox"));
}

/// `kbox shell` at a pseudo-terminal (driven by tests/clients/shell_pty.py): commands, Tab
/// completion of flags and live topics, Ctrl-C cancelling a command, help, history, exit.
#[test]
fn shell_at_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let broker = crate::common::KboxProcess::start(dir.path());
    let history = dir.path().join("history");
    let summary = crate::common::expect_script(
        "python3",
        &[
            "tests/clients/shell_pty.py",
            "--kbox",
            crate::common::kbox_bin().to_str().unwrap(),
            "--bootstrap",
            &broker.addr,
            "--history",
            history.to_str().unwrap(),
        ],
    );
    assert_eq!(summary["exit_code"], 0);
}

/// Two brokers on one data directory would corrupt it: the second is refused while the first
/// runs (Kafka's `.lock`), and starts once the first has stopped.
#[test]
fn a_second_broker_on_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = crate::common::KboxProcess::start(dir.path());
    let out = std::process::Command::new(crate::common::kbox_bin())
        .args(["server-start", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Failed to acquire lock on file .lock in")
            && err.contains("is using this directory"),
        "{err}"
    );
    assert_eq!(first.terminate(), Some(0));
    let again = crate::common::KboxProcess::start(dir.path());
    assert_eq!(again.terminate(), Some(0));
}
