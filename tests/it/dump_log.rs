//! `kbox dump-log` (kafka-dump-log.sh) on the files a running broker wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

use kbox::client::{Admin, ClientConfig, NewTopic, Producer, ProducerRecord};

use crate::common::{kbox_bin, TestBroker};

const T0: i64 = 1_739_000_000_000;

/// Runs `program` with `args`; returns (exit code, stdout, stderr).
fn run(program: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(program).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Three records in three batches (each send awaited): headers, a key, a null value.
async fn produce(broker: &TestBroker) {
    let config = ClientConfig::with_bootstrap(&broker.addr.to_string());
    let admin = Admin::new(config.clone()).unwrap();
    let created = admin
        .create_topics(
            &[NewTopic {
                name: "dumped".into(),
                partitions: 1,
                replication_factor: 1,
                assignments: Vec::new(),
                // The records carry fixed 2025 timestamps: time retention must not take them.
                configs: vec![("retention.ms".into(), "-1".into())],
            }],
            false,
        )
        .await
        .unwrap();
    created[0].1.as_ref().unwrap();
    // Plain batches (no producer id), as the expected lines were taken from Apache's tool.
    let mut config = config;
    config.set("enable.idempotence", "false");
    let producer = Producer::new(config).unwrap();
    let mut first = ProducerRecord::new("dumped", "hello").with_partition(0);
    first.timestamp = Some(T0);
    first.headers.push(("a".into(), Some("1".into())));
    first.headers.push(("b".into(), None));
    let mut second = ProducerRecord::new("dumped", "world")
        .with_key("k")
        .with_partition(0);
    second.timestamp = Some(T0 + 1);
    let mut third = ProducerRecord::new("dumped", "")
        .with_key("k2")
        .with_partition(0);
    third.value = None;
    third.timestamp = Some(T0 + 2);
    for record in [first, second, third] {
        producer.send(record).await.unwrap().await.unwrap();
    }
    producer.close().await.unwrap();
}

/// `(size, crc)` of each batch of a log file, read straight from its headers.
fn batch_sizes_and_crcs(log: &Path) -> Vec<(usize, u32)> {
    let bytes = std::fs::read(log).unwrap_or_else(|e| {
        let dir = log.parent().and_then(|p| p.parent()).unwrap();
        let listing: Vec<String> = walk(dir);
        panic!(
            "cannot read {}: {e}; data dir holds {listing:#?}",
            log.display()
        )
    });
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let len = i32::from_be_bytes(bytes[pos + 8..pos + 12].try_into().unwrap()) as usize;
        let crc = u32::from_be_bytes(bytes[pos + 17..pos + 21].try_into().unwrap());
        out.push((12 + len, crc));
        pos += 12 + len;
    }
    out
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

fn segment_files(dir: &Path) -> [PathBuf; 3] {
    ["log", "index", "timeindex"].map(|s| dir.join(format!("00000000000000000000.{s}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_log_prints_apaches_lines_for_a_brokers_segment() {
    let broker = TestBroker::start().await;
    produce(&broker).await;
    // Stopped (the data dir kept), so the indexes are written out and nothing changes under
    // the tool.
    // A committed offset, for --offsets-decoder.
    let (code, _, err) = run(
        &kbox_bin(),
        &[
            "consumer-groups",
            "--bootstrap-server",
            &broker.addr.to_string(),
            "--reset-offsets",
            "--group",
            "dump-g",
            "--topic",
            "dumped",
            "--to-latest",
            "--execute",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let mut broker = broker;
    broker.broker.take().unwrap().shutdown().await.unwrap();
    let partition = broker.data_dir().join("dumped-0");
    let files = segment_files(&partition);
    let copy = tempfile::tempdir().unwrap();
    let [log, index, time_index] = files.clone().map(|p| p.display().to_string());
    let all = format!("{log},{index},{time_index}");

    let batches = batch_sizes_and_crcs(&files[0]);
    assert_eq!(batches.len(), 3);
    let mut position = 0;
    let mut batch_line = |i: usize, offset: i64, ts: i64| {
        let (size, crc) = batches[i];
        let line = format!(
            "baseOffset: {offset} lastOffset: {offset} count: 1 baseSequence: -1 lastSequence: -1 \
             producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false \
             isControl: false deleteHorizonMs: OptionalLong.empty position: {position} \
             CreateTime: {ts} size: {size} magic: 2 compresscodec: none crc: {crc} isvalid: true"
        );
        position += size;
        line
    };
    let expected = format!(
        "Dumping {log}\n\
         Log starting offset: 0\n\
         {}\n\
         | offset: 0 CreateTime: {T0} keySize: -1 valueSize: 5 sequence: -1 headerKeys: [a,b] payload: hello\n\
         {}\n\
         | offset: 1 CreateTime: {} keySize: 1 valueSize: 5 sequence: -1 headerKeys: [] key: k payload: world\n\
         {}\n\
         | offset: 2 CreateTime: {} keySize: 2 valueSize: -1 sequence: -1 headerKeys: [] key: k2\n\
         Dumping {index}\n\
         {index} is empty.\n\
         Dumping {time_index}\n\
         timestamp: {} offset: 2\n",
        batch_line(0, 0, T0),
        batch_line(1, 1, T0 + 1),
        T0 + 1,
        batch_line(2, 2, T0 + 2),
        T0 + 2,
        T0 + 2,
    );
    let (code, out, err) = run(
        &kbox_bin(),
        &["dump-log", "--files", &all, "--print-data-log"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, expected);
    assert_eq!(err, "", "the indexes agree with the log");

    // The same through a link named like Apache's script.
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("kafka-dump-log.sh");
    std::os::unix::fs::symlink(kbox_bin(), &link).unwrap();
    let (code, linked, err) = run(&link, &["--files", &all, "--print-data-log"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(linked, expected);

    // JSON: one object per batch with its records.
    let (code, out, err) = run(
        &kbox_bin(),
        &[
            "dump-log",
            "--files",
            &log,
            "--print-data-log",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v.get("baseOffset").is_some())
        .collect();
    assert_eq!(objects.len(), 3);
    assert_eq!(objects[1]["records"][0]["key"], "k");
    assert_eq!(objects[1]["records"][0]["payload"], "world");
    assert_eq!(objects[0]["records"][0]["headers"][1]["key"], "b");
    assert_eq!(objects[2]["records"][0]["payload"], serde_json::Value::Null);
    assert_eq!(objects[2]["isvalid"], true);

    // A torn tail is reported, as Apache reports it, and is not an error.
    let torn = copy.path().join("torn");
    std::fs::create_dir(&torn).unwrap();
    let torn_log = torn.join("00000000000000000000.log");
    let bytes = std::fs::read(&files[0]).unwrap();
    std::fs::write(&torn_log, &bytes[..bytes.len() - 5]).unwrap();
    let torn_log = torn_log.display().to_string();
    let (code, out, err) = run(&kbox_bin(), &["dump-log", "--files", &torn_log]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("baseOffset")).count(),
        2
    );
    assert!(
        out.ends_with(&format!(
            "Found {} invalid bytes at the end of 00000000000000000000.log\n",
            batches[2].0 - 5
        )),
        "{out}"
    );

    // A size field no batch can have: a clear message and a failure exit.
    let mut corrupt = bytes.clone();
    let second = batches[0].0;
    corrupt[second + 8..second + 12].copy_from_slice(&3i32.to_be_bytes());
    std::fs::write(&torn_log, &corrupt).unwrap();
    let (code, out, err) = run(&kbox_bin(), &["dump-log", "--files", &torn_log]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("baseOffset")).count(),
        1
    );
    assert_eq!(
        err,
        format!(
            "kbox: error: Found record size 3 smaller than minimum record overhead (14) in file \
             {torn_log}.\n"
        )
    );

    // A damaged record: the batch shows isvalid: false, then the error names the batch.
    let mut damaged = bytes;
    let last = batches[0].0 - 1;
    damaged[last] = 0x80; // a varint that runs past the record
    std::fs::write(&torn_log, &damaged).unwrap();
    let (code, out, err) = run(
        &kbox_bin(),
        &["dump-log", "--files", &torn_log, "--print-data-log"],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("position: 0 ") && out.contains("isvalid: false"),
        "{out}"
    );
    assert!(
        err.starts_with(&format!(
            "kbox: error: corrupt record batch at position 0 in {torn_log}: "
        )),
        "{err}"
    );

    // The commit, decoded from the __consumer_offsets partition that holds it.
    let offsets_log = std::fs::read_dir(broker.data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("__consumer_offsets-")
        })
        .map(|p| p.join("00000000000000000000.log"))
        .find(|l| std::fs::metadata(l).is_ok_and(|m| m.len() > 0))
        .expect("a __consumer_offsets segment with the commit");
    let (code, out, err) = run(
        &kbox_bin(),
        &[
            "dump-log",
            "--offsets-decoder",
            "--files",
            &offsets_log.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let record = out
        .lines()
        .find(|l| l.starts_with("| offset: 0 "))
        .expect(&out);
    assert!(
        record.contains(
            r#" key: {"type":"1","data":{"group":"dump-g","topic":"dumped","partition":0}} payload: {"version":"3","data":{"offset":3,"leaderEpoch":"#
        ),
        "{record}"
    );
    assert!(
        record.contains(r#","metadata":"","commitTimestamp":"#),
        "{record}"
    );

    // A file the tool does not know.
    let (code, _, err) = run(
        &kbox_bin(),
        &[
            "dump-log",
            "--files",
            &partition.join("nothing.txt").display().to_string(),
        ],
    );
    assert_eq!(code, 0);
    assert!(err.starts_with("Ignoring unknown file "), "{err}");
}

/// An idempotent producer's state, written to a `.snapshot` at shutdown, printed as Apache's
/// DumpLogSegments prints producer snapshots.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_log_prints_producer_state_snapshots() {
    let data = tempfile::tempdir().unwrap();
    let broker = crate::common::start_in(data.path()).await;
    let b = broker.addr.to_string();
    let mut config = ClientConfig::with_bootstrap(&b);
    config.set("enable.idempotence", "true");
    config.set("acks", "all");
    let producer = Producer::new(config).unwrap();
    for v in ["a", "b", "c"] {
        producer
            .send(ProducerRecord::new("snap", v).with_partition(0))
            .await
            .unwrap()
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
    let dir = data.path().join("snap-0");
    broker.shutdown().await.unwrap();
    let snapshot = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "snapshot"))
        .unwrap_or_else(|| panic!("no .snapshot in {}", dir.display()));
    let (code, out, err) = run(
        &kbox_bin(),
        &["dump-log", "--files", snapshot.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let line = out.lines().nth(1).unwrap_or_default();
    let prefix = "producerId: ";
    assert!(line.starts_with(prefix), "{out}");
    assert!(
        line.contains(" producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: "),
        "{line}"
    );
    // Three awaited sends: three batches; the snapshot keeps the last one's range.
    assert!(
        line.contains(" firstSequence: 2 lastSequence: 2 lastOffset: 2 offsetDelta: 0 timestamp: "),
        "{line}"
    );
    // A damaged snapshot is reported, not trusted.
    let mut bytes = std::fs::read(&snapshot).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&snapshot, bytes).unwrap();
    let (_, out, err) = run(
        &kbox_bin(),
        &["dump-log", "--files", snapshot.to_str().unwrap()],
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(err.contains("CRC"), "{err}");

    // The metadata log, decoded: each change is a JSON payload.
    let meta = data
        .path()
        .join("__cluster_metadata-0")
        .join("00000000000000000000.log");
    let (code, out, err) = run(
        &kbox_bin(),
        &[
            "dump-log",
            "--cluster-metadata-decoder",
            "--files",
            meta.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("payload: {\"type\":\"Topic\",\"name\":\"snap\""),
        "{out}"
    );
}
