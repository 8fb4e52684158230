//! console-producer and console-consumer as processes against the in-process broker.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{kbox_bin, TestBroker};

/// Runs kbox with `input` on stdin; returns (exit code, stdout, stderr).
async fn kbox_with_input(args: Vec<String>, input: Vec<u8>) -> (i32, Vec<u8>, String) {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(kbox_bin())
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        (
            out.status.code().unwrap_or(-1),
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_keyed_lines_with_headers_round_trip() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let mut input = String::new();
    for i in 0..10_000 {
        input.push_str(&format!(
            "trace:{i},origin:test\tkey-{}\tvalue {i} with some text\n",
            i % 97
        ));
    }
    let (code, out, err) = kbox_with_input(
        args(&[
            "console-producer",
            "--bootstrap-server",
            &b,
            "--topic",
            "lines",
            "--property",
            "parse.key=true",
            "--property",
            "parse.headers=true",
        ]),
        input.clone().into_bytes(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "no prompt when stdin is not a terminal");
    let (code, out, err) = kbox_with_input(
        args(&[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "lines",
            "--from-beginning",
            "--max-messages",
            "10000",
            "--property",
            "print.key=true",
            "--property",
            "print.headers=true",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.ends_with("Processed a total of 10000 messages\n"),
        "{err}"
    );
    // One partition (auto-created with the default of 1): the order is the input's order.
    assert_eq!(String::from_utf8(out).unwrap(), input);
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formats_errors_and_pipes() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let (code, _, err) = kbox_with_input(
        args(&[
            "console-producer",
            "--bootstrap-server",
            &b,
            "--topic",
            "fmt",
            "--property",
            "parse.key=true",
            "--property",
            "null.marker=<null>",
        ]),
        b"a\tone\n<null>\ttwo\nc\t<null>\n".to_vec(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let consume = |extra: &[&str]| {
        let mut a = args(&[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "fmt",
            "--from-beginning",
            "--max-messages",
            "3",
        ]);
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let (_, out, _) = kbox_with_input(
        consume(&[
            "--property",
            "print.key=true",
            "--property",
            "print.offset=true",
            "--property",
            "key.separator=|",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Offset:0|a|one\nOffset:1|null|two\nOffset:2|c|null\n"
    );
    let (_, out, _) = kbox_with_input(
        consume(&[
            "--property",
            "print.timestamp=true",
            "--property",
            "print.value=false",
            "--property",
            "print.partition=true",
        ]),
        Vec::new(),
    )
    .await;
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("CreateTime:") && text.contains("\tPartition:0CreateTime:"),
        "no line separator without the value: {text:?}"
    );
    let (_, out, _) = kbox_with_input(consume(&["--format", "json"]), Vec::new()).await;
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(out).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["key"], "a");
    assert_eq!(first["value"], "one");
    assert_eq!(first["offset"], 0);
    let (_, out, _) =
        kbox_with_input(consume(&["--print-format", "%k:%s@%p/%o\\n"]), Vec::new()).await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "a:one@0/0\n:two@0/1\nc:@0/2\n"
    );
    let (_, out, _) = kbox_with_input(
        args(&[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "fmt",
            "--partition",
            "0",
            "--offset",
            "2",
            "--max-messages",
            "1",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(out, b"null\n");

    // A missing key separator stops the producer with Apache's message.
    let (code, _, err) = kbox_with_input(
        args(&[
            "console-producer",
            "--bootstrap-server",
            &b,
            "--topic",
            "fmt",
            "--property",
            "parse.key=true",
        ]),
        b"no separator here\n".to_vec(),
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("No key separator found on line number 1: 'no separator here'"),
        "{err}"
    );
    // Option checks.
    let (code, _, err) = kbox_with_input(
        args(&["console-consumer", "--bootstrap-server", &b]),
        Vec::new(),
    )
    .await;
    assert_eq!(
        (code, err.as_str()),
        (1, "Exactly one of include/topic is required.\n")
    );
    let (code, _, err) = kbox_with_input(
        args(&[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "fmt",
            "--offset",
            "3",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(
        (code, err.as_str()),
        (1, "The partition is required when offset is specified.\n")
    );
    let (code, _, _) = kbox_with_input(
        args(&[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topik",
            "fmt",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(code, 2);
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_is_a_clean_exit() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    // More than a pipe holds (64 KiB): the consumer is still writing when `head` has gone, so
    // it meets the closed pipe. (With less, it could write everything first and then wait for
    // new records, as Apache's consumer would too.)
    let lines: String = (0..50_000).map(|i| format!("line {i}\n")).collect();
    let (code, _, err) = kbox_with_input(
        args(&[
            "console-producer",
            "--bootstrap-server",
            &b,
            "--topic",
            "pipe",
        ]),
        lines.into_bytes(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let status = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -o pipefail; '{}' console-consumer --bootstrap-server {b} --topic pipe --from-beginning | head -1",
                kbox_bin().display()
            ))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&status.stdout), "line 0\n");
    broker.stop().await;
}

/// kcat's view of a topic's values, read_committed or read_uncommitted, to the end.
fn kcat_values(bootstrap: &str, topic: &str, isolation: &str) -> Vec<String> {
    let out = Command::new("kcat")
        .args([
            "-C",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
        ])
        .args(["-X", &format!("isolation.level={isolation}"), "-f", "%s\n"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut values: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    values.sort();
    values
}

/// `--transactional-id`: the lines are committed in a transaction (read_committed readers
/// see them, the coordinator shows the id); a line that fails to parse aborts the open
/// transaction, so read_committed readers see nothing of it while read_uncommitted ones do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_producer_commits_lines_in_transactions() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let produce = |topic: &str, input: &str, extra: &[&str]| {
        let mut a = args(&[
            "console-producer",
            "--bootstrap-server",
            &b,
            "--topic",
            topic,
        ]);
        a.extend(extra.iter().map(|s| s.to_string()));
        kbox_with_input(a, input.as_bytes().to_vec())
    };
    let (code, _, err) = produce(
        "committed",
        "one\ntwo\nthree\n",
        &["--transactional-id", "lines-loader"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        kcat_values(&b, "committed", "read_committed"),
        ["one", "three", "two"]
    );
    let (code, out, err) = kbox_with_input(
        args(&[
            "transactions",
            "--bootstrap-server",
            &b,
            "describe",
            "--transactional-id",
            "lines-loader",
        ]),
        Vec::new(),
    )
    .await;
    let out = String::from_utf8_lossy(&out);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CompleteCommit"), "{out}");

    // The property form, and a bad line: the open transaction is aborted.
    let (code, _, err) = produce(
        "aborted",
        "k1:first\nk2:second\nno separator\n",
        &[
            "--producer-property",
            "transactional.id=lines-aborter",
            "--property",
            "parse.key=true",
            "--property",
            "key.separator=:",
        ],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("No key separator found"), "{err}");
    assert!(kcat_values(&b, "aborted", "read_committed").is_empty());
    assert_eq!(
        kcat_values(&b, "aborted", "read_uncommitted"),
        ["first", "second"]
    );
    broker.stop().await;
}
