//! Shared test helpers: brokers in-process and as child processes, and a raw Kafka connection.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use kbox::broker::config::BrokerConfig;
use kbox::broker::{storage_format, RunningBroker};

/// The repository root (scripts live under it).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The kbox binary built for these tests.
pub fn kbox_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kbox"))
}

/// A broker running inside the test process on 127.0.0.1:0 with its own temp dir.
pub struct TestBroker {
    pub broker: Option<RunningBroker>,
    pub addr: SocketAddr,
    /// Kept so the data outlives the broker.
    _dir: tempfile::TempDir,
}

impl TestBroker {
    pub async fn start() -> TestBroker {
        let dir = tempfile::tempdir().unwrap();
        let broker = start_in(dir.path()).await;
        TestBroker {
            addr: broker.addr,
            broker: Some(broker),
            _dir: dir,
        }
    }

    /// The broker's data directory (its only log dir), where partition folders live.
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// The broker's own partition `topic`-`index` (to look at its log directly).
    pub fn partition(&self, topic: &str, index: i32) -> Arc<kbox::broker::partition::Partition> {
        self.broker
            .as_ref()
            .expect("the broker is running")
            .state
            .replicas
            .get(topic, index)
            .unwrap_or_else(|| panic!("no partition {topic}-{index}"))
    }

    pub async fn stop(mut self) {
        if let Some(b) = self.broker.take() {
            b.shutdown().await.unwrap();
        }
    }
}

/// Formats (on first use) and starts an embedded single node in `dir`.
pub async fn start_in(dir: &Path) -> RunningBroker {
    let cfg = BrokerConfig::embedded(dir, "127.0.0.1:0".parse().unwrap()).unwrap();
    if storage_format::check_formatted(&cfg).is_err() {
        storage_format::format(
            &cfg,
            &storage_format::random_uuid(),
            true,
            &storage_format::InitialQuorum::Static,
        )
        .unwrap();
    }
    kbox::broker::start(cfg).await.unwrap()
}

/// `kbox server-start` as a child process; killed when dropped.
pub struct KboxProcess {
    pub child: Child,
    pub addr: String,
    pub log: Arc<Mutex<String>>,
    /// Notified after each line is added to `log`.
    pub log_changed: Arc<Condvar>,
}

impl KboxProcess {
    /// Starts the embedded default on 127.0.0.1:0 in `data_dir` and waits for its listen line.
    pub fn start(data_dir: &Path) -> KboxProcess {
        KboxProcess::start_with(data_dir, &[])
    }

    /// As [`KboxProcess::start`] with extra arguments (e.g. `--override key=value`).
    pub fn start_with(data_dir: &Path, extra: &[&str]) -> KboxProcess {
        KboxProcess::start_logging(data_dir, extra, "info")
    }

    /// As [`KboxProcess::start_with`] with a `RUST_LOG` filter (to see debug lines of a module).
    pub fn start_logging(data_dir: &Path, extra: &[&str], rust_log: &str) -> KboxProcess {
        let mut command = Command::new(kbox_bin());
        command
            .args(["server-start", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", rust_log);
        KboxProcess::spawn(command)
    }

    /// `kbox server-start CONFIG` (a node of a multi-node cluster).
    pub fn start_config(config: &Path) -> KboxProcess {
        let mut command = Command::new(kbox_bin());
        command
            .arg("server-start")
            .arg(config)
            .env("RUST_LOG", "info");
        KboxProcess::spawn(command)
    }

    fn spawn(mut command: Command) -> KboxProcess {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kbox");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let log2 = log.clone();
        let log_changed = Arc::new(Condvar::new());
        let changed = log_changed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening") {
                    if let Some(addr) = line
                        .split("address=")
                        .nth(1)
                        .and_then(|a| a.split_whitespace().next())
                    {
                        let _ = tx.send(addr.to_string());
                    }
                }
                log2.lock().unwrap().push_str(&line);
                log2.lock().unwrap().push('\n');
                changed.notify_all();
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("kbox did not start: {}", log.lock().unwrap());
            }
        };
        KboxProcess {
            child,
            addr,
            log,
            log_changed,
        }
    }

    /// Waits until a log line contains `needle` and returns that line, or `None` on timeout.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut log = self.log.lock().unwrap();
        loop {
            if let Some(line) = log.lines().find(|l| l.contains(needle)) {
                return Some(line.to_string());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            log = self.log_changed.wait_timeout(log, left).unwrap().0;
        }
    }

    /// kill -9.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit; returns the exit status code.
    pub fn terminate(mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for KboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test shows what its brokers logged (captured, printed with the failure).
        if std::thread::panicking() {
            let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("--- log of the kbox at {} ---\n{log}", self.addr);
        }
    }
}

/// Runs a client script, returning (success, stdout, stderr).
pub fn run_script(program: &str, args: &[&str]) -> (bool, String, String) {
    // A hung client fails the test after four minutes instead of stalling the whole run.
    let out = Command::new("timeout")
        .args(["-k", "5", "240", program])
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (run scripts/install-test-deps.sh)"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts a script succeeded and returns its last stdout line (the JSON summary) parsed.
pub fn expect_script(program: &str, args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = run_script(program, args);
    assert!(
        ok,
        "{program} {args:?} failed\nstdout:\n{out}\nstderr:\n{err}"
    );
    let last = out.lines().last().unwrap_or("{}");
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("summary of {program} is not JSON ({e}): {last}"))
}

/// librdkafka's in-process mock cluster (tests/clients/mock_cluster.py): a Kafka we did not
/// write, to judge kbox's client against. Stopped (stdin closed, then killed) when dropped.
pub struct MockCluster {
    child: Child,
    pub bootstrap: String,
}

impl MockCluster {
    /// Starts `brokers` mock brokers with the given `name:partitions` topics.
    pub fn start(brokers: u32, topics: &[&str]) -> MockCluster {
        let mut cmd = Command::new("python3");
        cmd.arg("tests/clients/mock_cluster.py")
            .args(["--brokers", &brokers.to_string()])
            .current_dir(repo())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for t in topics {
            cmd.args(["--topic", t]);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 tests/clients/mock_cluster.py (run scripts/install-test-deps.sh)");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let bootstrap = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(b) = line.strip_prefix("BOOTSTRAP=") {
                        break b.trim().to_string();
                    }
                }
                _ => {
                    let _ = child.kill();
                    panic!("the mock cluster did not start");
                }
            }
        };
        // Keep reading its stdout: a closed pipe would kill the mock at its next line.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        MockCluster { child, bootstrap }
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends the library's logs to the test output when RUST_LOG is set (debugging aid).
pub fn init_logs() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// Runs kbox, through a symlink named `link` when given (as an Apache tool name), off the
/// runtime's threads; returns (exit code, stdout, stderr).
pub async fn kbox_output(link: Option<&'static str>, args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let program = match link {
            Some(name) => {
                let path = dir.path().join(name);
                std::os::unix::fs::symlink(kbox_bin(), &path).unwrap();
                path
            }
            None => kbox_bin(),
        };
        let out = Command::new(program).args(&args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// `&["a", "b"]` as owned arguments.
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Creates a topic with `partitions` partitions (one replica), asserting it was created.
pub async fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    create_topic_with(bootstrap, topic, partitions, &[]).await;
}

/// [`create_topic`] with topic configs.
pub async fn create_topic_with(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    configs: &[(&str, &str)],
) {
    let admin =
        kbox::client::Admin::new(kbox::client::ClientConfig::with_bootstrap(bootstrap)).unwrap();
    let created = admin
        .create_topics(
            &[kbox::client::NewTopic {
                name: topic.into(),
                partitions,
                replication_factor: 1,
                configs: configs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            }],
            false,
        )
        .await
        .unwrap();
    created[0].1.as_ref().unwrap();
}

/// Creates a topic and writes `per_partition[p]` records (`v0`, `v1`, ...) to each partition p.
pub async fn topic_with_records(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    per_partition: &[usize],
) {
    create_topic(bootstrap, topic, partitions).await;
    let producer =
        kbox::client::Producer::new(kbox::client::ClientConfig::with_bootstrap(bootstrap)).unwrap();
    for (p, n) in per_partition.iter().enumerate() {
        for i in 0..*n {
            producer
                .send(
                    kbox::client::ProducerRecord::new(topic, format!("v{i}"))
                        .with_partition(p as i32),
                )
                .await
                .unwrap()
                .await
                .unwrap();
        }
    }
    producer.close().await.unwrap();
}

/// A record batch (v2, uncompressed, no producer id) holding one record with `value`, as a
/// plain producer sends it.
pub fn one_record_batch(value: &'static [u8]) -> bytes::BytesMut {
    use kafka_protocol::records::{
        Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
    };
    let record = Record {
        transactional: false,
        control: false,
        partition_leader_epoch: 0,
        producer_id: -1,
        producer_epoch: -1,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: -1,
        timestamp: 1,
        key: None,
        value: Some(bytes::Bytes::from_static(value)),
        headers: Default::default(),
        delete_horizon: false,
    };
    let mut batch = bytes::BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut batch, [record].iter(), &options).unwrap();
    batch
}
