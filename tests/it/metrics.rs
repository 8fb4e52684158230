//! The Prometheus endpoint (`kbox.metrics.listener`) of a `kbox server-start` process: counters
//! after console-producer and console-consumer runs, log gauges, group lag, and bad requests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use kbox::broker::config::BrokerConfig;
use kbox::broker::storage_format;

use crate::common::{kbox_bin, KboxProcess, TestBroker};

/// Runs kbox (killed after two minutes) with `input` on stdin; returns (success, stdout, stderr).
fn kbox(args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new("timeout")
        .args(["-k", "5", "120"])
        .arg(kbox_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kbox");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Sends `request` as is and returns everything the server answers before closing. Write and
/// read errors are ignored: the server may close early on garbage.
fn http(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(addr: &str, path: &str) -> String {
    http(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\r\n").as_bytes(),
    )
}

/// The value of the sample whose name and labels are exactly `series`.
fn value(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{body}"))
        .parse()
        .unwrap()
}

/// A `kbox server-start` serving metrics, and the metrics address from its log.
fn broker_with_metrics(dir: &std::path::Path) -> (KboxProcess, String) {
    let broker = KboxProcess::start_with(dir, &["--override", "kbox.metrics.listener=127.0.0.1:0"]);
    let line = broker
        .wait_for_log("metrics listening", Duration::from_secs(30))
        .unwrap_or_else(|| panic!("no metrics line:\n{}", broker.log.lock().unwrap()));
    let metrics = line
        .split("address=")
        .nth(1)
        .and_then(|a| a.split_whitespace().next())
        .unwrap()
        .to_string();
    (broker, metrics)
}

fn produce(bootstrap: &str, topic: &str, lines: &str) {
    let (ok, out, err) = kbox(
        &[
            "console-producer",
            "--bootstrap-server",
            bootstrap,
            "--topic",
            topic,
        ],
        lines,
    );
    assert!(ok, "console-producer failed\n{out}\n{err}");
}

#[test]
fn metrics_endpoint_counts_traffic_and_reports_logs_and_lag() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, metrics) = broker_with_metrics(dir.path());
    let b = broker.addr.clone();

    // Five records, all consumed and committed by group g, then three more: lag 3.
    produce(&b, "m", "a\nb\nc\nd\ne\n");
    let (ok, out, err) = kbox(
        &[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "m",
            "--group",
            "g",
            "--from-beginning",
            "--max-messages",
            "5",
        ],
        "",
    );
    assert!(ok, "console-consumer failed\n{out}\n{err}");
    assert_eq!(out, "a\nb\nc\nd\ne\n");
    produce(&b, "m", "f\ng\nh\n");

    let response = get(&metrics, "/metrics");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );

    assert_eq!(
        value(
            body,
            "kafka_server_brokertopicmetrics_messagesin_total{topic=\"m\"}"
        ),
        8.0
    );
    assert!(
        value(
            body,
            "kafka_server_brokertopicmetrics_bytesin_total{topic=\"m\"}"
        ) > 8.0
    );
    assert!(
        value(
            body,
            "kafka_server_brokertopicmetrics_bytesout_total{topic=\"m\"}"
        ) > 5.0
    );

    let produces = value(
        body,
        "kafka_network_requestmetrics_requests_total{request=\"Produce\"}",
    );
    assert!(produces >= 2.0, "{body}");
    assert!(body.contains("# TYPE kafka_network_requestmetrics_totaltime_seconds histogram\n"));
    assert_eq!(
        value(
            body,
            "kafka_network_requestmetrics_totaltime_seconds_bucket{request=\"Produce\",le=\"+Inf\"}"
        ),
        produces
    );
    assert_eq!(
        value(
            body,
            "kafka_network_requestmetrics_totaltime_seconds_count{request=\"Produce\"}"
        ),
        produces
    );
    assert!(
        value(
            body,
            "kafka_network_requestmetrics_totaltime_seconds_sum{request=\"Produce\"}"
        ) > 0.0
    );
    assert!(
        value(
            body,
            "kafka_server_socketservermetrics_connection_creation_total"
        ) >= 3.0
    );

    assert!(
        value(
            body,
            "kafka_log_log_size_bytes{topic=\"m\",partition=\"0\"}"
        ) > 0.0
    );
    assert_eq!(
        value(
            body,
            "kafka_log_log_logstartoffset{topic=\"m\",partition=\"0\"}"
        ),
        0.0
    );
    assert_eq!(
        value(
            body,
            "kafka_log_log_logendoffset{topic=\"m\",partition=\"0\"}"
        ),
        8.0
    );
    assert_eq!(
        value(
            body,
            "kafka_server_replicamanager_underreplicatedpartitions"
        ),
        0.0
    );
    assert_eq!(
        value(
            body,
            "kafka_consumergroup_current_offset{consumergroup=\"g\",topic=\"m\",partition=\"0\"}"
        ),
        5.0
    );
    assert_eq!(
        value(
            body,
            "kafka_consumergroup_lag{consumergroup=\"g\",topic=\"m\",partition=\"0\"}"
        ),
        3.0
    );

    // Other paths, other methods, garbage, an endless head: answered or closed, never fatal.
    assert!(get(&metrics, "/nope").starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert!(http(&metrics, b"POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
    let garbage = http(&metrics, b"\x00\xff\x16\x03\x01 garbage\r\n\r\n");
    assert!(
        garbage.is_empty() || garbage.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{garbage}"
    );
    let endless = http(&metrics, &vec![b'A'; 64 * 1024]);
    assert!(
        endless.is_empty() || endless.starts_with("HTTP/1.1 431 "),
        "{endless}"
    );
    drop(TcpStream::connect(&metrics).unwrap()); // connect and hang up

    // Both the metrics server and the broker still serve.
    produce(&b, "m", "i\n");
    let body = get(&metrics, "/metrics");
    assert!(body.starts_with("HTTP/1.1 200 OK\r\n"));
    assert_eq!(
        value(
            &body,
            "kafka_consumergroup_lag{consumergroup=\"g\",topic=\"m\",partition=\"0\"}"
        ),
        4.0
    );

    assert_eq!(broker.terminate(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_off_by_default_and_stop_with_the_broker() {
    let off = TestBroker::start().await;
    assert!(off.broker.as_ref().unwrap().metrics_addr.is_none());
    off.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let cfg = BrokerConfig::embedded(dir.path(), "127.0.0.1:0".parse().unwrap())
        .unwrap()
        .with_overrides(&[("kbox.metrics.listener", "127.0.0.1:0")])
        .unwrap();
    storage_format::format(
        &cfg,
        &storage_format::random_uuid(),
        true,
        &storage_format::InitialQuorum::Static,
    )
    .unwrap();
    let broker = kbox::broker::start(cfg).await.unwrap();
    let addr = broker.metrics_addr.expect("metrics bound").to_string();
    let a = addr.clone();
    let response = tokio::task::spawn_blocking(move || get(&a, "/metrics"))
        .await
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("\nkafka_server_socketservermetrics_connection_count 0\n"));
    broker.shutdown().await.unwrap();
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still listening after shutdown"
    );
}

/// Record data larger than a few records leaves through sendfile (page cache to socket, no
/// copy through the broker's memory); the bytes a consumer reads are still exactly the bytes
/// produced.
#[test]
fn fetched_record_data_is_sent_with_sendfile() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, metrics) = broker_with_metrics(dir.path());
    let b = broker.addr.clone();
    let lines: String = (0..5_000)
        .map(|i| format!("{i:06}-{}\n", "x".repeat(93)))
        .collect();
    produce(&b, "z", &lines);
    let (ok, out, err) = kbox(
        &[
            "console-consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "z",
            "--from-beginning",
            "--max-messages",
            "5000",
        ],
        "",
    );
    assert!(ok, "console-consumer failed\n{out}\n{err}");
    assert!(out == lines, "consumed bytes differ from produced bytes");
    let body = get(&metrics, "/metrics");
    let sent = value(&body, "kbox_fetch_record_bytes_total{path=\"sendfile\"}");
    let copied = value(&body, "kbox_fetch_record_bytes_total{path=\"copied\"}");
    if cfg!(target_os = "linux") {
        assert!(sent >= 400_000.0, "sendfile bytes {sent}, copied {copied}");
    } else {
        assert_eq!(sent, 0.0);
    }
    assert_eq!(broker.terminate(), Some(0));
}
