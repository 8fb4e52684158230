//! perf-test producer, consumer and e2e as processes against the in-process broker: Apache's
//! output lines (which dashboards parse), `--format json`, the links and the exit codes.

use crate::common::{args, kbox_output, TestBroker};

async fn kbox(program: &'static str, args: Vec<String>) -> (i32, String, String) {
    kbox_output((program != "kbox").then_some(program), args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_consumer_and_e2e_print_apache_lines() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let props = format!("bootstrap.servers={b}");

    let (code, out, err) = kbox(
        "kafka-producer-perf-test.sh",
        args(&[
            "--topic",
            "perf",
            "--num-records",
            "50000",
            "--record-size",
            "100",
            "--throughput",
            "-1",
            "--producer-props",
            &props,
            "acks=1",
            "--print-metrics",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let final_line = regex::Regex::new(
        r"(?m)^50000 records sent, [0-9]+\.[0-9] records/sec \([0-9]+\.[0-9]{2} MB/sec\), [0-9]+\.[0-9]{2} ms avg latency, [0-9]+\.[0-9]{2} ms max latency, [0-9]+ ms 50th, [0-9]+ ms 95th, [0-9]+ ms 99th, [0-9]+ ms 99\.9th\.$",
    )
    .unwrap();
    assert!(final_line.is_match(&out), "{out}");
    assert!(out.contains("\nMetric Name"), "{out}");
    assert!(out.contains("producer-metrics:record-send-total:"), "{out}");

    // Throttled, with a warm-up and JSON: the rate holds near the target.
    let (code, out, err) = kbox(
        "kbox",
        args(&[
            "perf-test",
            "producer",
            "--topic",
            "perf",
            "--num-records",
            "2000",
            "--payload-monotonic",
            "--throughput",
            "4000",
            "--bootstrap-server",
            &b,
            "--warmup-records",
            "500",
            "--format",
            "json",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(summary["records"], 2000);
    assert_eq!(summary["steady_state"]["records"], 1500);
    assert!(summary["seconds"].as_f64().unwrap() >= 0.45, "{summary}");

    let (code, out, err) = kbox(
        "kafka-consumer-perf-test",
        args(&[
            "--bootstrap-server",
            &b,
            "--topic",
            "perf",
            "--messages",
            "52000",
        ]),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
    );
    let row: Vec<&str> = lines[1].split(", ").collect();
    assert_eq!(row.len(), 10, "{}", lines[1]);
    assert_eq!(row[4], "52000");
    assert!(regex::Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}$")
        .unwrap()
        .is_match(row[0]));

    // Asking for more than there is: Apache's warning after --timeout, and a failing exit.
    let (code, out, _) = kbox(
        "kbox",
        args(&[
            "perf-test",
            "consumer",
            "--bootstrap-server",
            &b,
            "--topic",
            "perf",
            "--messages",
            "60000",
            "--timeout",
            "500",
            "--hide-header",
            "--format",
            "json",
        ]),
    )
    .await;
    assert_eq!(code, 1);
    assert!(out.contains("WARNING: Exiting before consuming the expected number of messages: timeout (500 ms) exceeded."), "{out}");
    let summary: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(summary["records"], 52000);

    let (code, out, err) = kbox(
        "kafka-e2e-latency.sh",
        args(&[&b, "e2e", "1001", "all", "64"]),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("0\t"), "{out}");
    assert!(out.contains("\n1000\t"), "{out}");
    assert!(
        regex::Regex::new(
            r"(?m)^Avg latency: \d+\.\d{4} ms\nPercentiles: 50th = \d+, 99th = \d+, 99\.9th = \d+$"
        )
        .unwrap()
        .is_match(&out),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_are_clear() {
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    // No payload option.
    let (code, _, err) = kbox(
        "kbox",
        args(&[
            "perf-test",
            "producer",
            "--topic",
            "t",
            "--num-records",
            "1",
            "--throughput",
            "-1",
            "--bootstrap-server",
            &b,
        ]),
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("--record-size"), "{err}");
    // e2e needs synchronous acks.
    let (code, _, err) = kbox("kbox", args(&["perf-test", "e2e", &b, "t", "1", "0", "10"])).await;
    assert_ne!(code, 0);
    assert!(err.contains("Please use 1 or all"), "{err}");
}
