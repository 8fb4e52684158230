//! ACLs: `kbox acls` (kafka-acls.sh) against a broker running the StandardAuthorizer, judged
//! with librdkafka (confluent-kafka) and kcat as well as kbox's own tools. Connections here are
//! not authenticated, so every client is `User:ANONYMOUS`.

use std::process::Command;

use crate::common::{expect_script, kbox_bin, KboxProcess};

const AUTHORIZER: &str =
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer";

fn kbox(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kbox_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A client.properties logging in as `user` with SASL/PLAIN; returns its path.
fn plain_login_properties(dir: &std::path::Path, user: &str, password: &str) -> String {
    let path = dir.join(format!("{user}.properties"));
    std::fs::write(
        &path,
        format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n\
             sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{user}\" password=\"{password}\";\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn kcat_produce(bootstrap: &str, topic: &str) -> (bool, String) {
    let mut child = Command::new("kcat")
        .args(["-b", bootstrap, "-P", "-t", topic])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kcat (scripts/install-test-deps.sh installs it)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"one\n").unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn kafka_acls_tool_adds_lists_removes_and_the_broker_enforces() {
    let dir = tempfile::tempdir().unwrap();
    let open = [
        "--override",
        AUTHORIZER,
        "--override",
        "allow.everyone.if.no.acl.found=true",
    ];
    let broker = KboxProcess::start_with(dir.path(), &open);
    let b = broker.addr.clone();
    for t in ["secret", "open", "private"] {
        let (code, out, err) =
            kbox(&["topics", "--bootstrap-server", &b, "--create", "--topic", t]);
        assert_eq!(code, 0, "{out}{err}");
    }

    let deny_writes_to_secret = [
        "acls",
        "--bootstrap-server",
        &b,
        "--add",
        "--deny-principal",
        "User:ANONYMOUS",
        "--operation",
        "Write",
        "--topic",
        "secret",
    ];
    let (code, out, err) = kbox(&deny_writes_to_secret);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=secret, patternType=LITERAL)`: \n \
         \t(principal=User:ANONYMOUS, host=*, operation=WRITE, permissionType=DENY)\n\n"
    );
    let (code, _, err) = kbox(&[
        "acls",
        "--bootstrap-server",
        &b,
        "--add",
        "--allow-principal",
        "User:bob",
        "--consumer",
        "--topic",
        "private",
        "--group",
        "g1",
    ]);
    assert_eq!(code, 0, "{err}");
    // Adding the same ACL again changes nothing and says so.
    let (_, out, _) = kbox(&deny_writes_to_secret);
    assert!(out.contains("already exists."), "{out}");

    let (code, out, err) = kbox(&[
        "acls",
        "--bootstrap-server",
        &b,
        "--list",
        "--topic",
        "private",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=private, patternType=LITERAL)`:\n\
         \t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)\n\
         \t(principal=User:bob, host=*, operation=DESCRIBE, permissionType=ALLOW)\n\n"
    );
    let (_, out, _) = kbox(&[
        "acls",
        "--bootstrap-server",
        &b,
        "--list",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(json["acls"].as_array().unwrap().len(), 4, "{json}");

    // Enforced: writes to `secret` refused (kcat and kbox), `open` served; `private` hidden
    // from anonymous listings.
    let (ok, err) = kcat_produce(&b, "secret");
    assert!(
        !ok && err.contains("Topic authorization failed"),
        "kcat: {err}"
    );
    assert!(kcat_produce(&b, "open").0);
    let (_, out, _) = kbox(&["topics", "--bootstrap-server", &b, "--list"]);
    assert_eq!(out, "open\n", "topics without DESCRIBE are not listed");

    // Removed: writes to `secret` work again.
    let (code, _, err) = kbox(&[
        "acls",
        "--bootstrap-server",
        &b,
        "--remove",
        "--force",
        "--deny-principal",
        "User:ANONYMOUS",
        "--operation",
        "Write",
        "--topic",
        "secret",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(kcat_produce(&b, "secret").0);

    // ACLs are in the metadata log: a restart keeps them.
    assert_eq!(broker.terminate(), Some(0));
    let broker = KboxProcess::start_with(dir.path(), &open);
    let (_, out, _) = kbox(&[
        "acls",
        "--bootstrap-server",
        &broker.addr,
        "--list",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        json["acls"].as_array().unwrap().len(),
        3,
        "bob's three ACLs survive: {json}"
    );
    assert_eq!(broker.terminate(), Some(0));
}

#[test]
fn no_acl_means_denied_unless_super_user_and_acls_need_an_authorizer() {
    // allow.everyone.if.no.acl.found=false (Kafka's default): an unknown principal gets nothing.
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(dir.path(), &["--override", AUTHORIZER]);
    let (code, out, err) = kbox(&[
        "topics",
        "--bootstrap-server",
        &broker.addr,
        "--create",
        "--topic",
        "t",
    ]);
    assert_ne!(code, 0, "{out}");
    assert_eq!(
        out, "Error while executing topic command : Authorization failed.\n",
        "{err}"
    );
    let (code, _, err) = kbox(&["acls", "--bootstrap-server", &broker.addr, "--list"]);
    assert_ne!(code, 0);
    assert!(err.contains("ClusterAuthorizationFailed"), "{err}");
    drop(broker);

    // A super user is allowed everything.
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(
        dir.path(),
        &[
            "--override",
            AUTHORIZER,
            "--override",
            "super.users=User:admin;User:ANONYMOUS",
        ],
    );
    let (code, out, err) = kbox(&[
        "topics",
        "--bootstrap-server",
        &broker.addr,
        "--create",
        "--topic",
        "t",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(kcat_produce(&broker.addr, "t").0);
    drop(broker);

    // Without an authorizer the ACL APIs answer SECURITY_DISABLED, as Kafka does.
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let (code, _, err) = kbox(&["acls", "--bootstrap-server", &broker.addr, "--list"]);
    assert_ne!(code, 0);
    assert!(err.contains("No Authorizer is configured"), "{err}");
}

#[test]
fn confluent_kafka_admin_acls_and_enforcement() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(
        dir.path(),
        &[
            "--override",
            AUTHORIZER,
            "--override",
            "allow.everyone.if.no.acl.found=true",
        ],
    );
    let summary = expect_script(
        "python3",
        &[
            "tests/clients/confluent_acls.py",
            "--bootstrap",
            &broker.addr,
        ],
    );
    assert_eq!(summary["acls_created"], 2, "{summary}");
    assert_eq!(summary["acls_deleted"], 1, "{summary}");
}

/// SASL/PLAIN users under ACLs (allow.everyone.if.no.acl.found=false): a super user may do
/// anything, alice what her ACLs allow (topic `a`, group `g`) and nothing on topic `b`, and bob,
/// with no ACL at all, nothing. Judged by confluent-kafka and kcat; ACLs set with kbox acls
/// through a client.properties file, as an operator would.
#[test]
fn sasl_users_get_exactly_what_their_acls_allow() {
    let jaas = r#"org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";"#;
    let dir = tempfile::tempdir().unwrap();
    let jaas_override = format!("listener.name.sasl_plaintext.plain.sasl.jaas.config={jaas}");
    let broker = KboxProcess::start_with(
        dir.path(),
        &[
            "--override",
            "listeners=SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0",
            "--override",
            "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
            "--override",
            "inter.broker.listener.name=SASL_PLAINTEXT",
            "--override",
            "sasl.enabled.mechanisms=PLAIN",
            "--override",
            &jaas_override,
            "--override",
            AUTHORIZER,
            "--override",
            "super.users=User:admin",
        ],
    );
    let b = broker.addr.clone();
    let props = plain_login_properties(dir.path(), "admin", "admin-secret");
    let props = props.as_str();
    for t in ["a", "b"] {
        let (code, out, err) = kbox(&[
            "topics",
            "--bootstrap-server",
            &b,
            "--command-config",
            props,
            "--create",
            "--topic",
            t,
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, _, err) = kbox(&[
        "acls",
        "--bootstrap-server",
        &b,
        "--command-config",
        props,
        "--add",
        "--allow-principal",
        "User:alice",
        "--producer",
        "--consumer",
        "--topic",
        "a",
        "--group",
        "g",
    ]);
    assert_eq!(code, 0, "{err}");

    let user = |name: &str, password: &str, checks: &[&str]| {
        let mut args = vec![
            "tests/clients/confluent_sasl_acl.py",
            "--bootstrap",
            &b,
            "--user",
            name,
            "--password",
            password,
        ];
        args.extend_from_slice(checks);
        expect_script("python3", &args)
    };
    user(
        "alice",
        "alice-secret",
        &[
            "--produce",
            "a=ok",
            "--produce",
            "b=denied",
            "--consume",
            "a:g=ok",
            "--consume",
            "b:g=denied",
        ],
    );
    user(
        "bob",
        "bob-secret",
        &["--produce", "a=denied", "--consume", "a:g2=denied"],
    );
    user(
        "admin",
        "admin-secret",
        &["--produce", "b=ok", "--consume", "b:any=ok"],
    );

    // kcat as alice: `a` yes, `b` no.
    let kcat = |topic: &str| {
        let mut child = Command::new("kcat")
            .args([
                "-b",
                &b,
                "-P",
                "-t",
                topic,
                "-X",
                "security.protocol=SASL_PLAINTEXT",
                "-X",
                "sasl.mechanisms=PLAIN",
                "-X",
                "sasl.username=alice",
                "-X",
                "sasl.password=alice-secret",
            ])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"via kcat\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(kcat("a").0);
    let (ok, err) = kcat("b");
    assert!(!ok && err.contains("Topic authorization failed"), "{err}");

    // Cluster-level APIs need cluster ACLs: alice may not list ACLs or SCRAM users.
    let alice = plain_login_properties(dir.path(), "alice", "alice-secret");
    let alice = alice.as_str();
    for cmd in [
        vec![
            "acls",
            "--bootstrap-server",
            &b,
            "--command-config",
            alice,
            "--list",
        ],
        vec![
            "configs",
            "--bootstrap-server",
            &b,
            "--command-config",
            alice,
            "--describe",
            "--entity-type",
            "users",
        ],
    ] {
        let (code, _, err) = kbox(&cmd);
        assert_ne!(code, 0, "{cmd:?}");
        assert!(
            err.contains("Cluster authorization failed"),
            "{cmd:?}: {err}"
        );
    }
    let (code, out, err) = kbox(&[
        "acls",
        "--bootstrap-server",
        &b,
        "--command-config",
        props,
        "--list",
        "--principal",
        "User:alice",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("ACLs for principal `User:alice`\n"),
        "{out}"
    );
    assert_eq!(broker.terminate(), Some(0));
}

/// ElectLeaders needs CLUSTER ALTER and ListPartitionReassignments CLUSTER DESCRIBE: without
/// them the tools print the refusal.
#[test]
fn elections_and_reassignments_need_cluster_alter() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(dir.path(), &["--override", AUTHORIZER]);
    let b = broker.addr.clone();
    let (code, out, err) = kbox(&[
        "leader-election",
        "--bootstrap-server",
        &b,
        "--election-type",
        "PREFERRED",
        "--all-topic-partitions",
    ]);
    assert_ne!(code, 0);
    assert_eq!(
        out.trim(),
        "Not authorized to perform leader election",
        "{err}"
    );
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1]}]}"#,
    )
    .unwrap();
    let (code, out, err) = kbox(&["reassign-partitions", "--bootstrap-server", &b, "--list"]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("Cluster authorization failed"), "{err}");
}
