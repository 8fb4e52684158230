//! TLS and SASL listeners side by side, judged by confluent-kafka, kcat and kbox's own tools,
//! plus the SASL state machine seen from a raw socket (what is allowed before login, failed
//! logins, the v0 raw-token flow, re-authentication and session expiry).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::{
    ApiVersionsRequest, MetadataRequest, RequestHeader, SaslAuthenticateRequest,
    SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Request, StrBytes};
use kbox::broker::config::BrokerConfig;
use kbox::broker::{storage_format, RunningBroker};
use kbox::client::{Admin, ClientConfig};
use kbox::protocol::codec::{decode_response, encode_request};
use kbox::protocol::frame::read_frame;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{expect_script, kbox_bin, KboxProcess};

const PLAIN_JAAS: &str = r#"org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_admin="admin-secret";"#;

/// A test CA with a server certificate (localhost, 127.0.0.1) and a client certificate
/// (CN=alice,O=kbox), written as PEM files.
pub(crate) struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    pub(crate) fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

pub(crate) fn make_pki(server_names: &[&str]) -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "kbox test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    write("ca.pem", &ca_cert.pem());

    let server_key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(
        server_names
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    if server_names.contains(&"localhost") {
        server
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    }
    server
        .distinguished_name
        .push(DnType::CommonName, "kbox broker");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key).unwrap();
    write(
        "server.pem",
        &format!("{}{}", server_key.serialize_pem(), server_cert.pem()),
    );
    write("server.key", &server_key.serialize_pem());
    write("server.crt", &server_cert.pem());

    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
    // A fresh name: rcgen's default holds a CN, which would keep its place ahead of O.
    client.distinguished_name = DistinguishedName::new();
    client
        .distinguished_name
        .push(DnType::OrganizationName, "kbox");
    client.distinguished_name.push(DnType::CommonName, "alice");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client.signed_by(&client_key, &ca_cert, &ca_key).unwrap();
    write("client.crt", &client_cert.pem());
    write("client.key", &client_key.serialize_pem());
    write(
        "client-keystore.pem",
        &format!("{}{}", client_key.serialize_pem(), client_cert.pem()),
    );
    Pki { dir }
}

/// The server key encrypted (PKCS#8, AES-256-CBC) with `password`, as a PEM key store, by
/// Debian's openssl.
fn encrypted_keystore(pki: &Pki, password: &str) -> String {
    let out = pki.path("server-encrypted.pem");
    let status = Command::new("openssl")
        .args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in"])
        .arg(pki.path("server.key"))
        .args(["-passout", &format!("pass:{password}"), "-out"])
        .arg(pki.path("server-encrypted.key"))
        .status()
        .expect("openssl (scripts/install-test-deps.sh)");
    assert!(status.success());
    let key = std::fs::read_to_string(pki.path("server-encrypted.key")).unwrap();
    assert!(key.contains("ENCRYPTED PRIVATE KEY"));
    let cert = std::fs::read_to_string(pki.path("server.crt")).unwrap();
    std::fs::write(&out, format!("{key}{cert}")).unwrap();
    out
}

/// `kbox server-start` with PLAINTEXT, SSL (client certificates required), SASL_PLAINTEXT and
/// SASL_SSL (its own, encrypted key) listeners, and the address of each.
struct SecureBroker {
    process: KboxProcess,
    pki: Pki,
    _data: tempfile::TempDir,
}

impl SecureBroker {
    fn start() -> SecureBroker {
        let pki = make_pki(&["localhost"]);
        let data = tempfile::tempdir().unwrap();
        let encrypted = encrypted_keystore(&pki, "key-pass");
        let overrides = [
            "listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0".to_string(),
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT".into(),
            "ssl.keystore.type=PEM".into(),
            format!("ssl.keystore.location={}", pki.path("server.pem")),
            "ssl.truststore.type=PEM".into(),
            format!("ssl.truststore.location={}", pki.path("ca.pem")),
            "listener.name.ssl.ssl.client.auth=required".into(),
            format!("listener.name.sasl_ssl.ssl.keystore.location={encrypted}"),
            "listener.name.sasl_ssl.ssl.key.password=key-pass".into(),
            "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512".into(),
            format!("listener.name.sasl_plaintext.plain.sasl.jaas.config={PLAIN_JAAS}"),
            format!("listener.name.sasl_ssl.plain.sasl.jaas.config={PLAIN_JAAS}"),
        ];
        let mut args = Vec::new();
        for o in &overrides {
            args.push("--override");
            args.push(o.as_str());
        }
        let process =
            KboxProcess::start_logging(data.path(), &args, "info,kbox::broker::network=debug");
        let broker = SecureBroker {
            process,
            pki,
            _data: data,
        };
        for name in ["SSL", "SASL_PLAINTEXT", "SASL_SSL"] {
            broker.addr(name);
        }
        // SCRAM users, through the plaintext listener (as an operator would before locking it).
        let (code, out, err) = run_kbox(&[
            "configs", "--bootstrap-server", &broker.addr("PLAINTEXT"), "--alter", "--entity-type", "users",
            "--entity-name", "bob", "--add-config",
            "SCRAM-SHA-256=[iterations=8192,password=bob-secret],SCRAM-SHA-512=[password=bob-secret]",
        ]);
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(out.trim(), "Completed updating config for user bob.");
        broker
    }

    /// `127.0.0.1:port` of a listener, from its `listening` log line.
    fn addr(&self, listener: &str) -> String {
        let line = self
            .process
            .wait_for_log(&format!("listener={listener} "), Duration::from_secs(30))
            .unwrap_or_else(|| {
                panic!(
                    "no {listener} listener in {}",
                    self.process.log.lock().unwrap()
                )
            });
        line.split("address=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    fn port(&self, listener: &str) -> String {
        self.addr(listener).rsplit(':').next().unwrap().to_string()
    }
}

fn run_kbox(args: &[&str]) -> (i32, String, String) {
    let out = Command::new("timeout")
        .args(["-k", "5", "60"])
        .arg(kbox_bin())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn confluent(broker: &SecureBroker, listener: &str, extra: &[&str]) -> serde_json::Value {
    let addr = broker.addr(listener);
    let mut args = vec![
        "tests/clients/confluent_security.py",
        "--bootstrap",
        &addr,
        "--protocol",
        listener,
    ];
    args.extend_from_slice(extra);
    expect_script("python3", &args)
}

#[test]
fn confluent_kafka_logs_in_on_every_listener_type() {
    let broker = SecureBroker::start();
    let ca = broker.pki.path("ca.pem");
    let logins = [
        (
            "SASL_PLAINTEXT",
            "PLAIN",
            "alice",
            "alice-secret",
            "Authentication failed: Invalid username or password",
        ),
        (
            "SASL_PLAINTEXT",
            "SCRAM-SHA-256",
            "bob",
            "bob-secret",
            "invalid credentials with SASL mechanism SCRAM-SHA-256",
        ),
        (
            "SASL_SSL",
            "SCRAM-SHA-512",
            "bob",
            "bob-secret",
            "invalid credentials with SASL mechanism SCRAM-SHA-512",
        ),
        (
            "SASL_SSL",
            "PLAIN",
            "alice",
            "alice-secret",
            "Authentication failed: Invalid username or password",
        ),
    ];
    for (listener, mechanism, user, password, refusal) in logins {
        let tls: &[&str] = if listener == "SASL_SSL" {
            &["--ca", &ca]
        } else {
            &[]
        };
        let mut ok = vec![
            "--mechanism",
            mechanism,
            "--user",
            user,
            "--password",
            password,
        ];
        ok.extend_from_slice(tls);
        let served = confluent(&broker, listener, &ok);
        assert_eq!(served["consumed"], 10, "{listener} {mechanism}: {served}");
        let mut bad = vec![
            "--mechanism",
            mechanism,
            "--user",
            user,
            "--password",
            "wrong",
            "--expect-failure",
        ];
        bad.extend_from_slice(tls);
        let refused = confluent(&broker, listener, &bad);
        assert!(
            refused["reasons"].to_string().contains(refusal),
            "{listener} {mechanism}: {refused}"
        );
    }
    // Mutual TLS: served with a certificate from the CA, refused without one.
    let served = confluent(
        &broker,
        "SSL",
        &[
            "--ca",
            &ca,
            "--cert",
            &broker.pki.path("client.crt"),
            "--key",
            &broker.pki.path("client.key"),
        ],
    );
    assert_eq!(served["consumed"], 10, "{served}");
    let refused = confluent(&broker, "SSL", &["--ca", &ca, "--expect-failure"]);
    assert!(
        refused["reasons"]
            .to_string()
            .contains("certificate required"),
        "{refused}"
    );
    // The principal of a TLS client is its certificate's subject, as Kafka's default builder says.
    assert!(
        broker
            .process
            .wait_for_log("principal=User:CN=alice,O=kbox", Duration::from_secs(10))
            .is_some(),
        "{}",
        broker.process.log.lock().unwrap()
    );
    // A failed login is logged with the peer's address.
    assert!(broker
        .process
        .wait_for_log(
            "Failed authentication with /127.0.0.1",
            Duration::from_secs(10)
        )
        .is_some());
}

#[test]
fn kafka_python_and_kafkajs_log_in_with_scram_plain_and_certificates() {
    let broker = SecureBroker::start();
    let ca = broker.pki.path("ca.pem");
    let (cert, key) = (broker.pki.path("client.crt"), broker.pki.path("client.key"));
    let kafka_python = |listener: &str, extra: &[&str]| {
        let addr = broker.addr(listener);
        let mut args = vec![
            "tests/clients/kafka_python_security.py",
            "--bootstrap",
            &addr,
            "--protocol",
            listener,
        ];
        args.extend_from_slice(extra);
        expect_script("python3", &args)
    };
    let served = kafka_python(
        "SASL_PLAINTEXT",
        &[
            "--mechanism",
            "SCRAM-SHA-256",
            "--user",
            "bob",
            "--password",
            "bob-secret",
        ],
    );
    assert_eq!(served["consumed"], 5, "{served}");
    let served = kafka_python(
        "SASL_SSL",
        &[
            "--mechanism",
            "PLAIN",
            "--user",
            "alice",
            "--password",
            "alice-secret",
            "--ca",
            &ca,
        ],
    );
    assert_eq!(served["consumed"], 5, "{served}");
    let served = kafka_python("SSL", &["--ca", &ca, "--cert", &cert, "--key", &key]);
    assert_eq!(served["consumed"], 5, "{served}");
    let refused = kafka_python(
        "SASL_PLAINTEXT",
        &[
            "--mechanism",
            "SCRAM-SHA-512",
            "--user",
            "bob",
            "--password",
            "bad",
            "--expect-failure",
        ],
    );
    assert!(
        refused["reasons"]
            .to_string()
            .contains("invalid credentials with SASL mechanism SCRAM-SHA-512"),
        "{refused}"
    );

    let kafkajs = |listener: &str, extra: &[&str]| {
        let addr = broker.addr(listener);
        let mut args = vec![
            "tests/clients/node/kafkajs_security.js",
            "--bootstrap",
            &addr,
        ];
        args.extend_from_slice(extra);
        expect_script("node", &args)
    };
    let served = kafkajs(
        "SASL_PLAINTEXT",
        &[
            "--mechanism",
            "scram-sha-512",
            "--user",
            "bob",
            "--password",
            "bob-secret",
        ],
    );
    assert_eq!(served["consumed"], 5, "{served}");
    let served = kafkajs(
        "SASL_SSL",
        &[
            "--ssl",
            "--ca",
            &ca,
            "--mechanism",
            "plain",
            "--user",
            "alice",
            "--password",
            "alice-secret",
        ],
    );
    assert_eq!(served["consumed"], 5, "{served}");
    let served = kafkajs(
        "SSL",
        &["--ssl", "--ca", &ca, "--cert", &cert, "--key", &key],
    );
    assert_eq!(served["consumed"], 5, "{served}");
    let refused = kafkajs(
        "SASL_SSL",
        &[
            "--ssl",
            "--ca",
            &ca,
            "--mechanism",
            "plain",
            "--user",
            "alice",
            "--password",
            "bad",
            "--expect-failure",
        ],
    );
    assert!(
        refused["error"]
            .to_string()
            .contains("Authentication failed: Invalid username or password"),
        "{refused}"
    );
}

#[test]
fn kcat_logs_in_with_scram_plain_and_client_certificates() {
    let broker = SecureBroker::start();
    let ca = broker.pki.path("ca.pem");
    let kcat = |addr: &str, extra: &[&str], input: Option<&str>| {
        let mut cmd = Command::new("timeout");
        cmd.args(["-k", "5", "60", "kcat", "-b", addr]).args(extra);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("kcat (scripts/install-test-deps.sh)");
        if let Some(text) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let sasl_ssl = broker.addr("SASL_SSL");
    let scram = [
        "-X",
        "security.protocol=SASL_SSL",
        "-X",
        &format!("ssl.ca.location={ca}"),
        "-X",
        "sasl.mechanisms=SCRAM-SHA-256",
        "-X",
        "sasl.username=bob",
    ];
    let mut right = scram.to_vec();
    right.extend(["-X", "sasl.password=bob-secret"]);
    let (ok, out, err) = kcat(&sasl_ssl, &[right.as_slice(), &["-L"]].concat(), None);
    assert!(ok, "{out}{err}");
    // Metadata names the broker by the listener the client came in on.
    assert!(
        out.contains(&format!(
            "broker 1 at 127.0.0.1:{}",
            broker.port("SASL_SSL")
        )),
        "{out}"
    );
    let mut wrong = scram.to_vec();
    wrong.extend(["-X", "sasl.password=nope"]);
    let (ok, _, err) = kcat(
        &sasl_ssl,
        &[wrong.as_slice(), &["-L", "-m", "3"]].concat(),
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("invalid credentials with SASL mechanism SCRAM-SHA-256"),
        "{err}"
    );

    // Produce over SASL_PLAINTEXT with SCRAM-SHA-512, read back over mutual TLS.
    let sasl_plain = broker.addr("SASL_PLAINTEXT");
    let scram512 = [
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanisms=SCRAM-SHA-512",
        "-X",
        "sasl.username=bob",
        "-X",
        "sasl.password=bob-secret",
    ];
    let (ok, out, err) = kcat(
        &sasl_plain,
        &[scram512.as_slice(), &["-P", "-t", "kcat-secure"]].concat(),
        Some("one\ntwo\nthree\n"),
    );
    assert!(ok, "{out}{err}");
    let mtls = [
        "-X",
        "security.protocol=SSL",
        "-X",
        &format!("ssl.ca.location={ca}"),
        "-X",
        &format!("ssl.certificate.location={}", broker.pki.path("client.crt")),
        "-X",
        &format!("ssl.key.location={}", broker.pki.path("client.key")),
    ];
    let ssl = broker.addr("SSL");
    let (ok, out, err) = kcat(
        &ssl,
        &[
            mtls.as_slice(),
            &["-C", "-t", "kcat-secure", "-o", "beginning", "-e", "-q"],
        ]
        .concat(),
        None,
    );
    assert!(ok, "{out}{err}");
    assert_eq!(out, "one\ntwo\nthree\n");
    // PLAIN over SASL_SSL, and a wrong password refused.
    let plain = [
        "-X",
        "security.protocol=SASL_SSL",
        "-X",
        &format!("ssl.ca.location={ca}"),
        "-X",
        "sasl.mechanisms=PLAIN",
        "-X",
        "sasl.username=alice",
    ];
    let (ok, out, err) = kcat(
        &sasl_ssl,
        &[
            plain.as_slice(),
            &["-X", "sasl.password=alice-secret", "-L"],
        ]
        .concat(),
        None,
    );
    assert!(ok && out.contains("kcat-secure"), "{out}{err}");
    let (ok, _, err) = kcat(
        &sasl_ssl,
        &[
            plain.as_slice(),
            &["-X", "sasl.password=bad", "-L", "-m", "3"],
        ]
        .concat(),
        None,
    );
    assert!(!ok && err.contains("Invalid username or password"), "{err}");
}

fn write_properties(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.display().to_string()
}

#[test]
fn kbox_tools_reach_secured_listeners_through_client_properties() {
    let broker = SecureBroker::start();
    let dir = tempfile::tempdir().unwrap();
    let ca = broker.pki.path("ca.pem");
    let scram = write_properties(dir.path(), "scram.properties", &[
        "security.protocol=SASL_SSL".into(),
        "sasl.mechanism=SCRAM-SHA-512".into(),
        r#"sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-secret";"#.into(),
        "ssl.truststore.type=PEM".into(),
        format!("ssl.truststore.location={ca}"),
    ]);
    // Bootstrap by name (hostname verification against "localhost"), then the advertised IP.
    let bootstrap = format!("localhost:{}", broker.port("SASL_SSL"));
    let (code, out, err) = run_kbox(&[
        "topics",
        "--bootstrap-server",
        &bootstrap,
        "--command-config",
        &scram,
        "--create",
        "--topic",
        "secured",
        "--partitions",
        "2",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run_kbox(&[
        "topics",
        "--bootstrap-server",
        &bootstrap,
        "--command-config",
        &scram,
        "--list",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == "secured"), "{out}");

    let mut producer = Command::new(kbox_bin())
        .args([
            "console-producer",
            "--bootstrap-server",
            &bootstrap,
            "--producer.config",
            &scram,
            "--topic",
            "secured",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        producer
            .stdin
            .take()
            .unwrap()
            .write_all(b"a\nb\nc\n")
            .unwrap();
    }
    let produced = producer.wait_with_output().unwrap();
    assert!(
        produced.status.success(),
        "{}",
        String::from_utf8_lossy(&produced.stderr)
    );

    // Read them back over mutual TLS with a PEM key store.
    let mtls = write_properties(
        dir.path(),
        "mtls.properties",
        &[
            "security.protocol=SSL".into(),
            format!("ssl.truststore.location={ca}"),
            "ssl.keystore.type=PEM".into(),
            format!(
                "ssl.keystore.location={}",
                broker.pki.path("client-keystore.pem")
            ),
        ],
    );
    let ssl = broker.addr("SSL");
    let read_secured = |max: &str| {
        run_kbox(&[
            "console-consumer",
            "--bootstrap-server",
            &ssl,
            "--consumer.config",
            &mtls,
            "--topic",
            "secured",
            "--from-beginning",
            "--max-messages",
            max,
        ])
    };
    let (code, out, err) = read_secured("3");
    assert_eq!(code, 0, "{err}");
    let mut got: Vec<&str> = out.lines().collect();
    got.sort_unstable();
    assert_eq!(got, ["a", "b", "c"]);

    // Batches larger than the client's write buffer go to the TLS stream as they are (vectored
    // writes, no copy into a request frame): produce 3,000 x 1 KB in large batches over mutual
    // TLS, then read every record back.
    let (code, out, err) = run_kbox(&[
        "perf-test",
        "producer",
        "--bootstrap-server",
        &ssl,
        "--producer.config",
        &mtls,
        "--topic",
        "secured",
        "--num-records",
        "3000",
        "--record-size",
        "1000",
        "--throughput",
        "-1",
        "--producer-props",
        "batch.size=1000000",
        "linger.ms=50",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = read_secured("3003");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().filter(|l| l.len() == 1000).count(), 3000);

    // The SCRAM credentials can be listed (never their secrets) and removed.
    let (code, out, _) = run_kbox(&[
        "configs",
        "--bootstrap-server",
        &bootstrap,
        "--command-config",
        &scram,
        "--describe",
        "--entity-type",
        "users",
        "--entity-name",
        "bob",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096");
    let (code, _, err) = run_kbox(&[
        "configs",
        "--bootstrap-server",
        &broker.addr("PLAINTEXT"),
        "--alter",
        "--entity-type",
        "users",
        "--entity-name",
        "bob",
        "--delete-config",
        "SCRAM-SHA-512",
    ]);
    assert_eq!(code, 0, "{err}");
    // Now bob's SCRAM-SHA-512 login is refused, quickly and with Kafka's message.
    let started = Instant::now();
    let (code, out, err) = run_kbox(&[
        "topics",
        "--bootstrap-server",
        &bootstrap,
        "--command-config",
        &scram,
        "--list",
    ]);
    assert_ne!(code, 0);
    // kafka-topics.sh prints its errors on stdout.
    assert!(
        out.contains("Error while executing topic command : Authentication failed"),
        "{out}{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a refused login must not be retried until a timeout"
    );
}

// ---------------------------------------------------------------------------------------------
// In-process brokers and raw sockets
// ---------------------------------------------------------------------------------------------

async fn start_broker(dir: &Path, overrides: &[(&str, String)]) -> RunningBroker {
    let cfg = BrokerConfig::embedded(dir, "127.0.0.1:0".parse().unwrap()).unwrap();
    let cfg = cfg.with_overrides(overrides).unwrap();
    storage_format::format(
        &cfg,
        &storage_format::random_uuid(),
        true,
        &storage_format::InitialQuorum::Static,
    )
    .unwrap();
    kbox::broker::start(cfg).await.unwrap()
}

fn endpoint(broker: &RunningBroker, listener: &str) -> String {
    let e = broker
        .state
        .endpoints
        .iter()
        .find(|e| e.listener == listener)
        .unwrap();
    format!("{}:{}", e.host, e.port)
}

fn sasl_overrides(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut o = vec![
        (
            "listeners",
            "SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0"
                .to_string(),
        ),
        (
            "listener.security.protocol.map",
            "SASL_PLAINTEXT:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT".into(),
        ),
        ("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256".into()),
        (
            "listener.name.sasl_plaintext.plain.sasl.jaas.config",
            PLAIN_JAAS.into(),
        ),
    ];
    o.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    o
}

async fn call<R: Request>(stream: &mut TcpStream, version: i16, body: &R) -> Option<R::Response> {
    let mut header = RequestHeader::default();
    header.request_api_key = R::KEY;
    header.request_api_version = version;
    header.correlation_id = 9;
    header.client_id = Some(StrBytes::from_static_str("raw"));
    stream
        .write_all(&encode_request(&header, body).unwrap())
        .await
        .ok()?;
    let mut frame = read_frame(stream, 1 << 24).await.ok()??;
    Some(decode_response::<R>(&mut frame, version).unwrap().1)
}

async fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

fn plain_token(user: &str, password: &str) -> Bytes {
    Bytes::from(format!("\0{user}\0{password}"))
}

async fn plain_login(
    stream: &mut TcpStream,
    user: &str,
    password: &str,
) -> kafka_protocol::messages::SaslAuthenticateResponse {
    let handshake = call(
        stream,
        1,
        &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("PLAIN")),
    )
    .await
    .unwrap();
    assert_eq!(handshake.error_code, 0);
    call(
        stream,
        2,
        &SaslAuthenticateRequest::default().with_auth_bytes(plain_token(user, password)),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_sasl_listener_serves_only_login_requests_until_login() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), &sasl_overrides(&[])).await;
    let addr = endpoint(&broker, "SASL_PLAINTEXT");

    // ApiVersions is allowed before login; Metadata closes the connection.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let versions = call(&mut s, 3, &ApiVersionsRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.error_code, 0);
    assert!(versions
        .api_keys
        .iter()
        .any(|k| k.api_key == SaslAuthenticateRequest::KEY));
    assert!(call(&mut s, 12, &MetadataRequest::default())
        .await
        .is_none());
    assert!(closed(&mut s).await);

    // Before login a frame may not exceed sasl.server.max.receive.size (512 KiB).
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(&1_000_000u32.to_be_bytes()).await.unwrap();
    assert!(closed(&mut s).await);

    // An unknown mechanism is refused with the list of enabled ones.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let r = call(
        &mut s,
        1,
        &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("GSSAPI")),
    )
    .await
    .unwrap();
    assert_eq!(r.error_code, 33);
    let offered: Vec<String> = r.mechanisms.iter().map(|m| m.to_string()).collect();
    assert_eq!(offered, ["PLAIN", "SCRAM-SHA-256"]);

    // A wrong password: Kafka's error and message, after the delay, then the connection closes.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let started = Instant::now();
    let r = plain_login(&mut s, "alice", "wrong").await;
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(r.error_code, 58);
    assert_eq!(
        r.error_message.as_deref(),
        Some("Authentication failed: Invalid username or password")
    );
    assert!(closed(&mut s).await);

    // The right password: served; session_lifetime_ms is 0 without connections.max.reauth.ms.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let r = plain_login(&mut s, "alice", "alice-secret").await;
    assert_eq!((r.error_code, r.session_lifetime_ms), (0, 0));
    let metadata = call(&mut s, 12, &MetadataRequest::default()).await.unwrap();
    assert_eq!(
        metadata.brokers[0].port.to_string(),
        addr.rsplit(':').next().unwrap()
    );

    // The v0 flow of old clients: SaslHandshake v0, then the raw token framed by its length.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let r = call(
        &mut s,
        0,
        &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("PLAIN")),
    )
    .await
    .unwrap();
    assert_eq!(r.error_code, 0);
    let token = plain_token("admin", "admin-secret");
    s.write_all(&(token.len() as u32).to_be_bytes())
        .await
        .unwrap();
    s.write_all(&token).await.unwrap();
    let mut reply = [0u8; 4];
    s.read_exact(&mut reply).await.unwrap();
    assert_eq!(reply, [0, 0, 0, 0], "PLAIN answers an empty token");
    assert!(call(&mut s, 12, &MetadataRequest::default())
        .await
        .is_some());

    // The plaintext listener next to it needs no login.
    let mut p = TcpStream::connect(endpoint(&broker, "PLAINTEXT"))
        .await
        .unwrap();
    assert!(call(&mut p, 12, &MetadataRequest::default())
        .await
        .is_some());
    broker.shutdown().await.unwrap();
}

#[tokio::test]
async fn sessions_expire_and_can_be_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(
        dir.path(),
        &sasl_overrides(&[("connections.max.reauth.ms", "600")]),
    )
    .await;
    let addr = endpoint(&broker, "SASL_PLAINTEXT");

    let mut s = TcpStream::connect(&addr).await.unwrap();
    let r = plain_login(&mut s, "alice", "alice-secret").await;
    assert_eq!((r.error_code, r.session_lifetime_ms), (0, 600));
    // Re-authentication (KIP-368) on the same connection, as the same principal.
    let r = plain_login(&mut s, "alice", "alice-secret").await;
    assert_eq!((r.error_code, r.session_lifetime_ms), (0, 600));
    assert!(call(&mut s, 12, &MetadataRequest::default())
        .await
        .is_some());
    // Another principal may not take the connection over.
    let r = plain_login(&mut s, "admin", "admin-secret").await;
    assert_eq!(r.error_code, 58);
    assert!(closed(&mut s).await);

    // A session left to expire: the next request closes the connection.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    assert_eq!(
        plain_login(&mut s, "alice", "alice-secret")
            .await
            .error_code,
        0
    );
    tokio::time::sleep(Duration::from_millis(700)).await; // the session's lifetime, not readiness
    assert!(call(&mut s, 12, &MetadataRequest::default())
        .await
        .is_none());

    // kbox's client opens a fresh, logged-in connection when its session is over.
    let mut config = ClientConfig::with_bootstrap(&addr);
    config.set("security.protocol", "SASL_PLAINTEXT");
    config.set("sasl.mechanism", "PLAIN");
    config.set("sasl.username", "alice");
    config.set("sasl.password", "alice-secret");
    let admin = Admin::new(config).unwrap();
    admin.list_topics(false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await; // past the session's lifetime
    admin.list_topics(false).await.unwrap();
    broker.shutdown().await.unwrap();
}

#[tokio::test]
async fn storage_format_add_scram_seeds_logins() {
    let dir = tempfile::tempdir().unwrap();
    let props = dir.path().join("server.properties");
    std::fs::write(
        &props,
        format!(
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:0\n\
             listeners=SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\n\
             listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT\n\
             controller.listener.names=CONTROLLER\ninter.broker.listener.name=SASL_PLAINTEXT\n\
             sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512\nlog.dirs={}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let props = props.display().to_string();
    let (code, out, err) = run_kbox(&[
        "storage",
        "format",
        "-c",
        &props,
        "-t",
        &storage_format::random_uuid(),
        "--add-scram",
        "SCRAM-SHA-256=[name=carol,password=carol-secret]",
        "--add-scram",
        "SCRAM-SHA-512=[name=carol,iterations=8192,password=carol-secret]",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run_kbox(&[
        "storage",
        "format",
        "-c",
        &props,
        "-t",
        "x",
        "--add-scram",
        "SCRAM-SHA-1=[name=a,password=b]",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("SCRAM-SHA-1"), "{err}");

    let broker = kbox::broker::start(BrokerConfig::load(Path::new(&props), &[]).unwrap())
        .await
        .unwrap();
    let login = |mechanism: &str, password: &str| {
        let mut c = ClientConfig::with_bootstrap(&broker.addr.to_string());
        c.set("security.protocol", "SASL_PLAINTEXT");
        c.set("sasl.mechanism", mechanism);
        c.set("sasl.jaas.config", format!(r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="{password}";"#));
        Admin::new(c).unwrap()
    };
    let admin = login("SCRAM-SHA-512", "carol-secret");
    let described = admin.describe_user_scram_credentials(None).await.unwrap();
    assert_eq!(described.len(), 1);
    let (user, infos) = &described[0];
    assert_eq!(user, "carol");
    let infos: Vec<(String, i32)> = infos
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| (i.mechanism.name().to_string(), i.iterations))
        .collect();
    assert_eq!(
        infos,
        [
            ("SCRAM-SHA-256".to_string(), 4096),
            ("SCRAM-SHA-512".to_string(), 8192)
        ]
    );
    let refused = login("SCRAM-SHA-256", "wrong")
        .list_topics(false)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Authentication failed"),
        "{refused}"
    );
    broker.shutdown().await.unwrap();
}

#[tokio::test]
async fn clients_check_the_broker_host_name_unless_told_not_to() {
    let pki = make_pki(&["kbox.invalid"]);
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(
        dir.path(),
        &[
            (
                "listeners",
                "SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0".to_string(),
            ),
            (
                "listener.security.protocol.map",
                "SSL:SSL,CONTROLLER:PLAINTEXT".into(),
            ),
            ("inter.broker.listener.name", "SSL".into()),
            ("ssl.keystore.type", "PEM".into()),
            (
                "ssl.keystore.key",
                std::fs::read_to_string(pki.path("server.key")).unwrap(),
            ),
            (
                "ssl.keystore.certificate.chain",
                std::fs::read_to_string(pki.path("server.crt")).unwrap(),
            ),
        ],
    )
    .await;
    let admin = |verify_host: Option<&str>| {
        let mut c = ClientConfig::with_bootstrap(&broker.addr.to_string());
        c.set("security.protocol", "SSL");
        c.set("ssl.truststore.location", pki.path("ca.pem"));
        c.set("request.timeout.ms", "5000");
        c.set("default.api.timeout.ms", "5000");
        if let Some(v) = verify_host {
            c.set("ssl.endpoint.identification.algorithm", v);
        }
        Admin::new(c).unwrap()
    };
    // The certificate names kbox.invalid, not 127.0.0.1.
    let err = admin(None).list_topics(false).await.unwrap_err();
    assert!(err.to_string().contains("SSL handshake"), "{err}");
    admin(Some("")).list_topics(false).await.unwrap();
    // A CA the client does not trust is refused even without host name checks.
    let other = make_pki(&["localhost"]);
    let mut c = ClientConfig::with_bootstrap(&broker.addr.to_string());
    c.set("security.protocol", "SSL");
    c.set("ssl.truststore.location", other.path("ca.pem"));
    c.set("ssl.endpoint.identification.algorithm", "");
    c.set("default.api.timeout.ms", "5000");
    assert!(Admin::new(c).unwrap().list_topics(false).await.is_err());
    broker.shutdown().await.unwrap();
}

/// `openssl pkcs12 -export` of a key and certificate (or of certificates only, `-nokeys`).
fn pkcs12(pki: &Pki, out: &str, args: &[&str], password: &str) -> String {
    let path = pki.path(out);
    let status = Command::new("openssl")
        .args([
            "pkcs12",
            "-export",
            "-out",
            &path,
            "-passout",
            &format!("pass:{password}"),
        ])
        .args(args)
        .status()
        .expect("openssl (scripts/install-test-deps.sh)");
    assert!(status.success());
    path
}

#[tokio::test]
async fn pkcs12_key_and_trust_stores_work_on_both_ends() {
    let pki = make_pki(&["localhost"]);
    let server_p12 = pkcs12(
        &pki,
        "server.p12",
        &[
            "-in",
            &pki.path("server.crt"),
            "-inkey",
            &pki.path("server.key"),
        ],
        "store-pass",
    );
    let client_p12 = pkcs12(
        &pki,
        "client.p12",
        &[
            "-in",
            &pki.path("client.crt"),
            "-inkey",
            &pki.path("client.key"),
        ],
        "client-pass",
    );
    let trust_p12 = pkcs12(
        &pki,
        "trust.p12",
        &["-nokeys", "-in", &pki.path("ca.pem")],
        "trust-pass",
    );
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(
        dir.path(),
        &[
            (
                "listeners",
                "SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0".to_string(),
            ),
            (
                "listener.security.protocol.map",
                "SSL:SSL,CONTROLLER:PLAINTEXT".into(),
            ),
            ("inter.broker.listener.name", "SSL".into()),
            ("ssl.keystore.type", "PKCS12".into()),
            ("ssl.keystore.location", server_p12),
            ("ssl.keystore.password", "store-pass".into()),
            ("ssl.truststore.type", "PKCS12".into()),
            ("ssl.truststore.location", trust_p12.clone()),
            ("ssl.truststore.password", "trust-pass".into()),
            ("ssl.client.auth", "required".into()),
        ],
    )
    .await;
    let client = |keystore_password: &str| {
        let mut c = ClientConfig::with_bootstrap(&broker.addr.to_string());
        for (k, v) in [
            ("security.protocol", "SSL"),
            ("ssl.truststore.type", "PKCS12"),
            ("ssl.truststore.location", trust_p12.as_str()),
            ("ssl.truststore.password", "trust-pass"),
            ("ssl.keystore.type", "PKCS12"),
            ("ssl.keystore.location", client_p12.as_str()),
            ("ssl.keystore.password", keystore_password),
        ] {
            c.set(k, v);
        }
        c
    };
    Admin::new(client("client-pass"))
        .unwrap()
        .list_topics(false)
        .await
        .unwrap();
    let err = Admin::new(client("wrong")).unwrap_err();
    assert!(err.to_string().contains("PKCS#12"), "{err}");
    broker.shutdown().await.unwrap();
}

#[tokio::test]
async fn certificates_no_principal_mapping_rule_applies_to_are_refused() {
    let pki = make_pki(&["localhost"]);
    let start = |rules: &'static str| {
        let pki = &pki;
        async move {
            let dir = tempfile::tempdir().unwrap();
            let broker = start_broker(
                dir.path(),
                &[
                    (
                        "listeners",
                        "SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0".to_string(),
                    ),
                    (
                        "listener.security.protocol.map",
                        "SSL:SSL,CONTROLLER:PLAINTEXT".into(),
                    ),
                    ("inter.broker.listener.name", "SSL".into()),
                    ("ssl.keystore.type", "PEM".into()),
                    ("ssl.keystore.location", pki.path("server.pem")),
                    ("ssl.truststore.type", "PEM".into()),
                    ("ssl.truststore.location", pki.path("ca.pem")),
                    ("ssl.client.auth", "required".into()),
                    ("ssl.principal.mapping.rules", rules.into()),
                ],
            )
            .await;
            (broker, dir)
        }
    };
    let client = |addr: &str| {
        let mut c = ClientConfig::with_bootstrap(addr);
        c.set("security.protocol", "SSL");
        c.set("ssl.truststore.location", pki.path("ca.pem"));
        c.set("ssl.keystore.location", pki.path("client-keystore.pem"));
        c.set("default.api.timeout.ms", "5000");
        c.set("request.timeout.ms", "5000");
        Admin::new(c).unwrap()
    };
    let (broker, _dir) = start("RULE:^CN=(.*?),O=kbox$/$1/L").await;
    client(&broker.addr.to_string())
        .list_topics(false)
        .await
        .unwrap();
    broker.shutdown().await.unwrap();
    let (broker, _dir) = start("RULE:^CN=(.*?),O=elsewhere$/$1/").await;
    assert!(client(&broker.addr.to_string())
        .list_topics(false)
        .await
        .is_err());
    broker.shutdown().await.unwrap();
}
