//! ACLs: `kbox acls` (kafka-acls.sh) against a broker running the StandardAuthorizer, judged
//! with librdkafka (confluent-kafka) and kcat as well as kbox's own tools. Connections here are
//! not authenticated, so every client is `User:ANONYMOUS`.

use std::process::Command;

use crate::common::{expect_script, kbox_bin, KboxProcess};

const AUTHORIZER: &str = "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer";

fn kbox(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kbox_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn kafka_acls_tool_adds_lists_removes_and_the_broker_enforces() {
    let dir = tempfile::tempdir().unwrap();
    let open = ["--override", AUTHORIZER, "--override", "allow.everyone.if.no.acl.found=true"];
    let broker = KboxProcess::start_with(dir.path(), &open);
    let b = broker.addr.clone();
    for t in ["secret", "open", "private"] {
        let (code, out, err) = kbox(&["topics", "--bootstrap-server", &b, "--create", "--topic", t]);
        assert_eq!(code, 0, "{out}{err}");
    }

    let (code, out, err) = kbox(&[
        "acls", "--bootstrap-server", &b, "--add", "--deny-principal", "User:ANONYMOUS", "--operation", "Write", "--topic", "secret",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=secret, patternType=LITERAL)`: \n \
         \t(principal=User:ANONYMOUS, host=*, operation=WRITE, permissionType=DENY)\n\n"
    );
    let (code, _, err) = kbox(&[
        "acls", "--bootstrap-server", &b, "--add", "--allow-principal", "User:bob", "--consumer", "--topic", "private", "--group", "g1",
    ]);
    assert_eq!(code, 0, "{err}");
    // Adding the same ACL again changes nothing and says so.
    let (_, out, _) = kbox(&[
        "acls", "--bootstrap-server", &b, "--add", "--deny-principal", "User:ANONYMOUS", "--operation", "Write", "--topic", "secret",
    ]);
    assert!(out.contains("already exists."), "{out}");

    let (code, out, err) = kbox(&["acls", "--bootstrap-server", &b, "--list", "--topic", "private"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=private, patternType=LITERAL)`:\n\
         \t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)\n\
         \t(principal=User:bob, host=*, operation=DESCRIBE, permissionType=ALLOW)\n\n"
    );
    let (_, out, _) = kbox(&["acls", "--bootstrap-server", &b, "--list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(json["acls"].as_array().unwrap().len(), 4, "{json}");

    // Enforced: writes to `secret` refused (kcat and kbox), `open` served; `private` hidden
    // from anonymous listings.
    let (ok, err) = kcat_produce(&b, "secret");
    assert!(!ok && err.contains("Topic authorization failed"), "kcat: {err}");
    assert!(kcat_produce(&b, "open").0);
    let (_, out, _) = kbox(&["topics", "--bootstrap-server", &b, "--list"]);
    assert_eq!(out, "open\n", "topics without DESCRIBE are not listed");

    // Removed: writes to `secret` work again.
    let (code, _, err) = kbox(&[
        "acls", "--bootstrap-server", &b, "--remove", "--force", "--deny-principal", "User:ANONYMOUS", "--operation", "Write", "--topic", "secret",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(kcat_produce(&b, "secret").0);

    // ACLs are in the metadata log: a restart keeps them.
    assert_eq!(broker.terminate(), Some(0));
    let broker = KboxProcess::start_with(dir.path(), &open);
    let (_, out, _) = kbox(&["acls", "--bootstrap-server", &broker.addr, "--list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(json["acls"].as_array().unwrap().len(), 3, "bob's three ACLs survive: {json}");
    assert_eq!(broker.terminate(), Some(0));
}

#[test]
fn no_acl_means_denied_unless_super_user_and_acls_need_an_authorizer() {
    // allow.everyone.if.no.acl.found=false (Kafka's default): an unknown principal gets nothing.
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(dir.path(), &["--override", AUTHORIZER]);
    let (code, out, err) = kbox(&["topics", "--bootstrap-server", &broker.addr, "--create", "--topic", "t"]);
    assert_ne!(code, 0, "{out}");
    assert_eq!(out, "Error while executing topic command : Authorization failed.\n", "{err}");
    let (code, _, err) = kbox(&["acls", "--bootstrap-server", &broker.addr, "--list"]);
    assert_ne!(code, 0);
    assert!(err.contains("ClusterAuthorizationFailed"), "{err}");
    drop(broker);

    // A super user is allowed everything.
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(dir.path(), &["--override", AUTHORIZER, "--override", "super.users=User:admin;User:ANONYMOUS"]);
    let (code, out, err) = kbox(&["topics", "--bootstrap-server", &broker.addr, "--create", "--topic", "t"]);
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
        &["--override", AUTHORIZER, "--override", "allow.everyone.if.no.acl.found=true"],
    );
    let summary = expect_script("python3", &["tests/clients/confluent_acls.py", "--bootstrap", &broker.addr]);
    assert_eq!(summary["acls_created"], 2, "{summary}");
    assert_eq!(summary["acls_deleted"], 1, "{summary}");
}
