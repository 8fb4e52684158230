//! `kbox kcat` judged against the real kcat (Debian's 1.7.1, from scripts/install-test-deps.sh):
//! the same broker and the same records must give the same stdout bytes, the same stderr lines
//! and the same exit codes. Group mode runs against librdkafka's mock cluster (this broker has
//! no group coordinator yet).

use std::path::Path;
use std::time::Duration;

use futures::future::join_all;
use kbox::client::{Admin, ClientConfig, NewTopic};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::common::{kbox_bin, MockCluster, TestBroker};

/// No kcat run in these tests should take long; a hung one fails the test (and is killed).
const RUN_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Ran {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Ran {
    fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs a program with `args`, feeding `stdin`; killed if it outlives [`RUN_LIMIT`]. The
/// arguments are copied, so the future borrows nothing.
fn run(
    program: &Path,
    prefix: &[&str],
    args: &[&str],
    stdin: &[u8],
) -> impl std::future::Future<Output = Ran> + Send + 'static {
    let program = program.to_path_buf();
    let args: Vec<String> = prefix.iter().chain(args).map(|s| s.to_string()).collect();
    let stdin = stdin.to_vec();
    async move {
        let mut child = Command::new(&program)
            .args(&args)
            .env_remove("KCAT_CONFIG")
            .env("HOME", "/nonexistent")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} (scripts/install-test-deps.sh): {e}",
                    program.display()
                )
            });
        let mut input = child.stdin.take().unwrap();
        let feeder = tokio::spawn(async move {
            let _ = input.write_all(&stdin).await;
        });
        let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{} {args:?} did not finish", program.display()))
            .unwrap();
        let _ = feeder.await;
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn real_kcat(
    args: &[&str],
    stdin: &[u8],
) -> impl std::future::Future<Output = Ran> + Send + 'static {
    let ran = run(Path::new("kcat"), &[], args, stdin);
    async move {
        let mut ran = ran.await;
        ran.stderr = without_librdkafka_notices(&ran.stderr);
        ran
    }
}

/// kcat's stderr without librdkafka's own notice, info and debug lines (`%5|`, `%6|`, `%7|`),
/// which follow librdkafka's internal timing, not what kcat was asked: now and then a batch logs
/// "Broker does not support compression type gzip: not compressing batch" against a broker that
/// lists every Produce version (librdkafka had no ApiVersions for that connection at the time).
/// Errors and warnings (`%3|`, `%4|`) are still compared.
fn without_librdkafka_notices(stderr: &str) -> String {
    stderr
        .split_inclusive('\n')
        .filter(|line| !["%5|", "%6|", "%7|"].iter().any(|p| line.starts_with(p)))
        .collect()
}

fn kbox_kcat(
    args: &[&str],
    stdin: &[u8],
) -> impl std::future::Future<Output = Ran> + Send + 'static {
    run(&kbox_bin(), &["kcat"], args, stdin)
}

/// Runs both tools on the same arguments at once.
async fn both(args: &[&str], stdin: &[u8]) -> (Ran, Ran) {
    tokio::join!(real_kcat(args, stdin), kbox_kcat(args, stdin))
}

fn assert_same(real: &Ran, ours: &Ran, what: &str) {
    assert_eq!(
        (real.code, &real.stdout, &real.stderr),
        (ours.code, &ours.stdout, &ours.stderr),
        "{what}: kcat and kbox kcat differ\n--- kcat (exit {}):\n{}\n{}\n--- kbox kcat (exit {}):\n{}\n{}",
        real.code,
        real.out(),
        real.stderr,
        ours.code,
        ours.out(),
        ours.stderr
    );
}

/// Runs every argument list with both tools, all at once, and asserts identical results.
async fn assert_all_same(broker: &str, cases: &[Vec<&str>]) {
    let runs = join_all(cases.iter().map(|case| {
        let mut args = vec!["-b", broker];
        args.extend(case.iter().copied());
        async move { (case.clone(), both(&args, b"").await) }
    }))
    .await;
    for (case, (real, ours)) in &runs {
        assert_same(real, ours, &format!("{case:?}"));
    }
}

async fn create_topics(broker: &TestBroker, topics: &[(&str, i32)]) {
    let admin = Admin::new(ClientConfig::with_bootstrap(&broker.addr.to_string())).unwrap();
    let created = admin
        .create_topics(
            &topics
                .iter()
                .map(|(name, partitions)| NewTopic {
                    name: name.to_string(),
                    partitions: *partitions,
                    replication_factor: 1,
                    ..Default::default()
                })
                .collect::<Vec<_>>(),
            false,
        )
        .await
        .unwrap();
    for (name, result) in created {
        result.unwrap_or_else(|e| panic!("create {name}: {e}"));
    }
}

/// Keys, empty keys, NULLs, headers, quotes, control and non-UTF-8 bytes: everything a format
/// or JSON writer can get wrong.
const AWKWARD_LINES: &[u8] =
    b"k1:hello\nk2:wor\"ld\\/\nk3:\n:emptykey\nplain\nctl\x01:\x1b\t\x7f\xff\xc3\xa9\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consuming_prints_the_same_bytes_as_kcat() {
    let broker = TestBroker::start().await;
    let addr = broker.addr.to_string();
    create_topics(&broker, &[("fmt", 3)]).await;
    let produced = real_kcat(
        &[
            "-b", &addr, "-P", "-t", "fmt", "-p", "0", "-K:", "-H", "h1=v1", "-H", "h2", "-H",
            "h3=",
        ],
        AWKWARD_LINES,
    )
    .await;
    assert_eq!(produced.code, 0, "{}", produced.stderr);
    // NULL key and NULL value (-Z), then keyed records the partitioner spreads.
    let produced = real_kcat(
        &["-b", &addr, "-P", "-t", "fmt", "-p", "0", "-K:", "-Z"],
        b"knull:\n:vnull\n",
    )
    .await;
    assert_eq!(produced.code, 0, "{}", produced.stderr);
    let produced = real_kcat(
        &["-b", &addr, "-P", "-t", "fmt", "-K:"],
        b"a:1\nb:2\nc:3\nd:4\n",
    )
    .await;
    assert_eq!(produced.code, 0, "{}", produced.stderr);

    let p0 = ["-C", "-t", "fmt", "-p", "0", "-e"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = p0.to_vec();
        v.extend_from_slice(extra);
        v
    };
    assert_all_same(
        &addr,
        &[
            with(&[]),
            with(&["-K:"]),
            with(&["-K", "\\t", "-D", "\\n\\n", "-Z"]),
            with(&["-J"]),
            with(&["-J", "-D", "\\r\\n", "-u"]),
            with(&["-f", "%t|%p|%o|%k|%K|%s|%S|%T|%h|%%\\n"]),
            with(&["-f", "%R%s"]),
            with(&["-f", "key=%k\\tvalue=%s\\x41\\n", "-Z"]),
            with(&["-q", "-f", "[%o] %S bytes\\n"]),
            vec!["-C", "-t", "fmt", "-p", "2", "-e", "-J"],
            // Errors, as kcat words them.
            vec!["-C", "-t", "fmt", "-p", "7", "-e"],
            vec!["-C", "-t", "no-such-topic", "-e"],
            with(&["-f", "%Q"]),
            with(&["-f", "trailing%"]),
            vec!["-X", "foo=bar", "-L"],
            vec!["-X", "acks", "-L"],
            vec!["-X", "auto.offset.reset=bogus", "-C", "-t", "fmt"],
        ],
    )
    .await;

    // Every partition at once: kcat interleaves partitions as fetches arrive, so compare the
    // lines as sets; exactly one end-of-partition notice says ": exiting".
    let args = ["-b", &addr, "-C", "-t", "fmt", "-e", "-J"];
    let (real, ours) = both(&args, b"").await;
    let sorted = |r: &Ran| {
        let mut lines: Vec<String> = r.out().lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&real), sorted(&ours));
    assert_eq!(sorted(&ours).len(), 12);
    let notices = |r: &Ran| {
        let mut lines: Vec<String> = r
            .stderr
            .lines()
            .map(|l| l.trim_end_matches(": exiting").to_string())
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(notices(&real), notices(&ours));
    assert_eq!(
        ours.stderr.matches(": exiting").count(),
        1,
        "{}",
        ours.stderr
    );
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_counts_and_stops_match_kcat() {
    let broker = TestBroker::start().await;
    let addr = broker.addr.to_string();
    create_topics(&broker, &[("offs", 1)]).await;
    // Two kcat runs, so that the second batch has later timestamps than the first.
    for batch in [&b"m0\nm1\nm2\n"[..], b"m3\nm4\nm5\n"] {
        let produced = real_kcat(&["-b", &addr, "-P", "-t", "offs"], batch).await;
        assert_eq!(produced.code, 0, "{}", produced.stderr);
    }
    let stamps = kbox_kcat(
        &["-b", &addr, "-C", "-t", "offs", "-e", "-q", "-f", "%T\\n"],
        b"",
    )
    .await;
    let stamps: Vec<String> = stamps.out().lines().map(str::to_string).collect();
    assert_eq!(stamps.len(), 6);
    let start_at = format!("s@{}", stamps[3]);
    let stop_at = format!("e@{}", stamps[3]);
    let c = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["-C", "-t", "offs", "-f", "%o:%s\\n"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let cases: Vec<Vec<String>> = vec![
        c(&["-e"]),
        c(&["-e", "-o", "beginning", "-c", "2"]),
        c(&["-e", "-o", "end"]),
        c(&["-e", "-o", "4"]),
        c(&["-e", "-o", "-2"]),
        c(&["-e", "-o", "-100"]),
        c(&["-e", "-o", &start_at]),
        c(&["-e", "-o", &stop_at]),
        c(&["-e", "-p", "0", "-o", "-3", "-c", "2"]),
        // -c alone ends kcat too, without -e.
        c(&["-o", "1", "-c", "3"]),
        c(&["-e", "-q", "-o", "2"]),
    ];
    let cases: Vec<Vec<&str>> = cases
        .iter()
        .map(|v| v.iter().map(String::as_str).collect())
        .collect();
    assert_all_same(&addr, &cases).await;
    let tail = kbox_kcat(
        &[
            "-b", &addr, "-C", "-t", "offs", "-e", "-o", "-2", "-f", "%s\\n",
        ],
        b"",
    )
    .await;
    assert_eq!(tail.out(), "m4\nm5\n");
    assert_eq!(
        tail.stderr,
        "% Reached end of topic offs [0] at offset 6: exiting\n"
    );

    // Offsets for times (-Q), text and JSON, including kcat's per-partition errors.
    let mut query: Vec<&str> = vec!["-Q", "-t", "offs:0:0", "-t", "offs:0:-1", "-t", "offs:0:-2"];
    let at = format!("offs:0:{}", stamps[4]);
    query.extend(["-t", &at, "-t", "offs:7:0", "-t", "offs:0:99999999999999"]);
    let mut query_json = query.clone();
    query_json.push("-J");
    assert_all_same(
        &addr,
        &[
            query.clone(),
            query_json,
            vec!["-Q", "-t", "offs:9:0"],
            vec!["-Q", "-t", "offs:0"],
        ],
    )
    .await;
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_listing_matches_kcat() {
    let broker = TestBroker::start().await;
    let addr = broker.addr.to_string();
    create_topics(&broker, &[("meta-a", 3), ("meta-b", 1)]).await;
    assert_all_same(
        &addr,
        &[
            vec!["-L"],
            vec!["-L", "-J"],
            vec!["-L", "-t", "meta-a"],
            vec!["-L", "-t", "meta-a", "-J"],
            vec!["-L", "-t", "bad/name"],
            vec!["-L", "-t", "bad/name", "-J"],
        ],
    )
    .await;
    let listed = kbox_kcat(&["-b", &addr, "-L"], b"").await;
    assert!(
        listed.out().starts_with(&format!(
            "Metadata for all topics (from broker 1: {addr}/1):\n 1 brokers:\n  broker 1 at {addr} (controller)\n"
        )),
        "{}",
        listed.out()
    );
    assert!(listed.out().contains(
        "  topic \"meta-a\" with 3 partitions:\n    partition 0, leader 1, replicas: 1, isrs: 1\n"
    ));
    broker.stop().await;
}

/// Consumes a topic with the real kcat as normalized JSON lines (no timestamps, topic renamed)
/// with the partition first, sorted: what two producers must have written alike.
async fn written(addr: String, topic: String) -> Vec<String> {
    let ran = real_kcat(&["-b", &addr, "-C", "-t", &topic, "-e", "-q", "-J"], b"").await;
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let mut lines: Vec<String> = ran
        .out()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("ts");
            o.remove("topic");
            v.to_string()
        })
        .collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producing_writes_what_kcat_writes() {
    let broker = TestBroker::start().await;
    let addr = broker.addr.to_string();
    let keyed: String = (0..200).map(|i| format!("key-{i}:value {i}\n")).collect();
    let cases: Vec<(Vec<&str>, Vec<u8>, i32)> = vec![
        // Keys spread by librdkafka's default partitioner (consistent_random).
        (
            vec!["-K:", "-H", "src=test", "-H", "nul"],
            keyed.as_bytes().to_vec(),
            3,
        ),
        // Java's partitioner, and FNV-1a.
        (
            vec!["-K:", "-X", "partitioner=murmur2_random"],
            keyed.as_bytes().to_vec(),
            3,
        ),
        (
            vec!["-K:", "-X", "topic.partitioner=fnv1a"],
            keyed.as_bytes().to_vec(),
            5,
        ),
        // Empty lines are skipped; -Z turns empty keys and values into NULLs.
        (
            vec!["-p", "0", "-K:", "-Z"],
            b"k:\n:v\n:\n\nplain\n".to_vec(),
            1,
        ),
        (vec!["-p", "0", "-K:"], b"k:\n:v\n:\n\nplain\n".to_vec(), 1),
        // Multi-byte delimiters, a fixed key, a count, compression, CRLF kept as data.
        (
            vec![
                "-p", "0", "-D", "<=>", "-k", "fixed", "-c", "2", "-z", "gzip",
            ],
            b"a<=>b<=>c".to_vec(),
            1,
        ),
        (
            vec!["-p", "0", "-K", "::", "-z", "lz4"],
            b"k1::v1\r\nk2::v::2\r\n".to_vec(),
            1,
        ),
        (vec!["-p", "0", "-D", "\\x1e"], b"x\x1ey\x1e".to_vec(), 1),
    ];
    let mut topics = Vec::new();
    for (i, (_, _, partitions)) in cases.iter().enumerate() {
        topics.push((format!("prod-real-{i}"), *partitions));
        topics.push((format!("prod-kbox-{i}"), *partitions));
    }
    let topic_refs: Vec<(&str, i32)> = topics.iter().map(|(t, p)| (t.as_str(), *p)).collect();
    create_topics(&broker, &topic_refs).await;
    let runs = join_all(cases.iter().enumerate().map(|(i, (args, input, _))| {
        let addr = addr.clone();
        async move {
            let real_topic = format!("prod-real-{i}");
            let kbox_topic = format!("prod-kbox-{i}");
            let mut real_args = vec!["-b", &addr, "-P", "-t", &real_topic];
            real_args.extend(args.iter().copied());
            let mut kbox_args = vec!["-b", &addr, "-P", "-t", &kbox_topic];
            kbox_args.extend(args.iter().copied());
            let (real, ours) =
                tokio::join!(real_kcat(&real_args, input), kbox_kcat(&kbox_args, input));
            (i, real, ours)
        }
    }))
    .await;
    for (i, real, ours) in runs {
        assert_same(&real, &ours, &format!("produce case {i}"));
        let (a, b) = tokio::join!(
            written(addr.clone(), format!("prod-real-{i}")),
            written(addr.clone(), format!("prod-kbox-{i}"))
        );
        assert!(!a.is_empty(), "case {i} wrote nothing");
        assert_eq!(a, b, "case {i}: the records differ");
    }

    // -T echoes what was sent; delivery failures are reported and make the exit code 1.
    create_topics(&broker, &[("tee-real", 1), ("tee-kbox", 1)]).await;
    let (real, ours) = tokio::join!(
        real_kcat(
            &["-b", &addr, "-P", "-t", "tee-real", "-T", "-K:"],
            b"a:1\nb:2\n"
        ),
        kbox_kcat(
            &["-b", &addr, "-P", "-t", "tee-kbox", "-T", "-K:"],
            b"a:1\nb:2\n"
        )
    );
    assert_same(&real, &ours, "-T");
    assert_eq!(ours.stdout, b"a:1b:2");
    let (real, ours) = both(&["-b", &addr, "-P", "-t", "tee-real", "-p", "9"], b"x\n").await;
    assert_same(&real, &ours, "-p 9");
    assert_eq!(ours.code, 1);
    assert_eq!(
        ours.stderr,
        "% Delivery failed for message: Local: Unknown partition\n"
    );

    // Files: each file one message; -l: one file of lines; missing files reported.
    let dir = tempfile::tempdir().unwrap();
    let f1 = dir.path().join("f1");
    let f2 = dir.path().join("f2");
    let empty = dir.path().join("empty");
    std::fs::write(&f1, "line1\nline2").unwrap();
    std::fs::write(&f2, "whole\nfile\n").unwrap();
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("missing");
    let [f1, f2, empty, missing] =
        [&f1, &f2, &empty, &missing].map(|p| p.to_str().unwrap().to_string());
    create_topics(&broker, &[("files-real", 1), ("files-kbox", 1)]).await;
    for args in [
        vec![f1.as_str(), f2.as_str(), missing.as_str(), empty.as_str()],
        vec!["-l", f1.as_str()],
        vec!["-l", f1.as_str(), f2.as_str()],
        vec![missing.as_str()],
    ] {
        let mut real_args = vec!["-b", addr.as_str(), "-P", "-t", "files-real"];
        real_args.extend(args.iter().copied());
        let mut kbox_args = vec!["-b", addr.as_str(), "-P", "-t", "files-kbox"];
        kbox_args.extend(args.iter().copied());
        let (real, ours) = tokio::join!(real_kcat(&real_args, b""), kbox_kcat(&kbox_args, b""));
        let ours_for_real = Ran {
            stderr: ours.stderr.replace("files-kbox", "files-real"),
            ..ours.clone()
        };
        assert_same(&real, &ours_for_real, &format!("{args:?}"));
    }
    assert_eq!(
        written(addr.clone(), "files-real".into()).await,
        written(addr.clone(), "files-kbox".into()).await
    );
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_and_the_kcat_link() {
    let broker = TestBroker::start().await;
    let addr = broker.addr.to_string();
    // Usage errors: kcat's first line and exit code 1 (the usage text itself is kbox's).
    for args in [
        vec!["-t", "x"],
        vec!["-b", addr.as_str(), "-C"],
        vec!["-b", addr.as_str(), "-Q"],
        // -t before -Q names a topic, so -Q has nothing to query.
        vec!["-b", addr.as_str(), "-t", "offs:0:0", "-Q"],
        vec!["-b", addr.as_str(), "-C", "-t", "x", "-y"],
        vec!["-b", addr.as_str(), "-C", "-t", "x", "file"],
    ] {
        let (real, ours) = both(&args, b"").await;
        assert_eq!(real.code, 1);
        assert_eq!(ours.code, 1);
        let first = |r: &Ran| r.stderr.lines().next().unwrap_or("").to_string();
        assert_eq!(first(&real), first(&ours), "{args:?}");
        assert!(
            ours.stderr.contains("\nUsage: kcat <options>"),
            "{}",
            ours.stderr
        );
    }
    // Unsupported pieces say so instead of doing something else.
    let serdes = kbox_kcat(&["-b", &addr, "-C", "-t", "x", "-s", "value=i"], b"").await;
    assert_eq!(serdes.code, 1);
    assert!(
        serdes
            .stderr
            .starts_with("% ERROR: kbox kcat does not support -s"),
        "{}",
        serdes.stderr
    );
    // librdkafka-only properties are ignored with a warning naming them (quiet with -q).
    let warned = kbox_kcat(
        &[
            "-b",
            &addr,
            "-L",
            "-X",
            "socket.keepalive.enable=true",
            "-d",
            "all",
        ],
        b"",
    )
    .await;
    assert_eq!(warned.code, 0);
    assert!(warned.stderr.contains("% kbox: ignoring librdkafka property socket.keepalive.enable=true (no kbox equivalent)\n"), "{}", warned.stderr);
    assert!(
        warned
            .stderr
            .contains("ignoring librdkafka property debug=all"),
        "{}",
        warned.stderr
    );
    let quiet = kbox_kcat(
        &[
            "-b",
            &addr,
            "-L",
            "-q",
            "-X",
            "socket.keepalive.enable=true",
        ],
        b"",
    )
    .await;
    assert_eq!(quiet.stderr, "");

    // A link named kcat is kbox kcat; -F reads librdkafka-style config files.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("kcat");
    std::os::unix::fs::symlink(kbox_bin(), &link).unwrap();
    let conf = dir.path().join("kcat.conf");
    std::fs::write(
        &conf,
        format!("# test\nmetadata.broker.list={addr}\nclient.id=from-file\n"),
    )
    .unwrap();
    let conf = conf.to_str().unwrap();
    let via_link = run(&link, &[], &["-F", conf, "-L", "-J"], b"").await;
    let real = real_kcat(&["-F", conf, "-L", "-J"], b"").await;
    assert_same(&real, &via_link, "kcat link with -F");
    let version = run(&link, &[], &["-V"], b"").await;
    assert_eq!(version.code, 0);
    assert!(
        version.out().contains("kcat 1.7.1 compatible"),
        "{}",
        version.out()
    );
    let help = run(&link, &[], &["-h"], b"").await;
    assert_eq!(help.code, 0);
    assert!(help.out().contains("-G <group-id>"));
    broker.stop().await;
}

/// `(memberid ...)` differs between runs: replaced so that lines compare.
fn normalized_notices(stderr: &str) -> Vec<String> {
    let member = regex::Regex::new(r"\(memberid [^)]*\)").unwrap();
    let mut lines: Vec<String> = stderr
        .lines()
        .map(|l| {
            member
                .replace(l, "(memberid M)")
                .trim_end_matches(": exiting")
                .to_string()
        })
        .collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_mode_logs_rebalances_and_commits_what_it_printed() {
    let mock = MockCluster::start(1, &["grouped:2"]);
    let addr = mock.bootstrap.clone();
    let produced = real_kcat(
        &["-b", &addr, "-P", "-t", "grouped", "-K:"],
        b"k1:a\nk2:b\nk3:c\nk4:d\nk5:e\nk6:f\n",
    )
    .await;
    assert_eq!(produced.code, 0, "{}", produced.stderr);
    let format = "%t [%p] %o %k=%s\\n";
    // Different groups: the mock cluster takes a session timeout to hand a group over.
    let (real, ours, counted) = tokio::join!(
        real_kcat(
            &[
                "-b",
                &addr,
                "-G",
                "kcat-real",
                "-e",
                "-o",
                "beginning",
                "-f",
                format,
                "grouped"
            ],
            b""
        ),
        kbox_kcat(
            &[
                "-b",
                &addr,
                "-G",
                "kcat-kbox",
                "grouped",
                "-e",
                "-o",
                "beginning",
                "-f",
                format
            ],
            b""
        ),
        kbox_kcat(
            &[
                "-b",
                &addr,
                "-G",
                "kcat-count",
                "-c",
                "2",
                "-o",
                "beginning",
                "-f",
                "%p %o\\n",
                "grouped"
            ],
            b""
        ),
    );
    assert_eq!(
        (real.code, ours.code, counted.code),
        (0, 0, 0),
        "{}\n{}\n{}",
        real.stderr,
        ours.stderr,
        counted.stderr
    );
    let sorted = |r: &Ran| {
        let mut lines: Vec<String> = r.out().lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&real), sorted(&ours));
    assert_eq!(sorted(&ours).len(), 6);
    assert_eq!(
        normalized_notices(&ours.stderr),
        normalized_notices(&real.stderr.replace("kcat-real", "kcat-kbox")),
        "{}",
        ours.stderr
    );
    assert!(
        ours.stderr
            .starts_with("% Waiting for group rebalance\n% Group kcat-kbox rebalanced (memberid "),
        "{}",
        ours.stderr
    );
    assert!(
        ours.stderr
            .ends_with("): revoked: grouped [0], grouped [1]\n"),
        "{}",
        ours.stderr
    );
    assert_eq!(counted.out().lines().count(), 2);

    // Committed offsets, read back with -o stored: nothing left after -e, and with -c 2 the
    // records not printed are still there.
    let (after_all, after_two) = tokio::join!(
        kbox_kcat(
            &[
                "-b",
                &addr,
                "-C",
                "-t",
                "grouped",
                "-o",
                "stored",
                "-X",
                "group.id=kcat-kbox",
                "-e",
                "-q",
                "-f",
                "%p %o\\n"
            ],
            b""
        ),
        kbox_kcat(
            &[
                "-b",
                &addr,
                "-C",
                "-t",
                "grouped",
                "-o",
                "stored",
                "-X",
                "group.id=kcat-count",
                "-e",
                "-q",
                "-f",
                "%p %o\\n"
            ],
            b""
        ),
    );
    assert_eq!(after_all.code, 0, "{}", after_all.stderr);
    assert_eq!(after_all.out(), "");
    assert_eq!(after_two.out().lines().count(), 4, "{}", after_two.out());
    drop(mock);
}
