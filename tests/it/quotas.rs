//! Client quotas: AlterClientQuotas / DescribeClientQuotas through kbox's admin client, and
//! librdkafka clients over their byte rates being throttled (yet losing nothing).

use kbox::client::admin::QuotaMatch;
use kbox::client::{Admin, ClientConfig};

use kbox::broker::config::BrokerConfig;
use kbox::broker::storage_format;

use crate::common::{create_topic, expect_script};

fn entity(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(t, n)| (t.to_string(), n.map(String::from)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_are_stored_described_validated_and_enforced() {
    // Two one-second quota windows (Kafka's default is eleven): throttling shows within seconds.
    let dir = tempfile::tempdir().unwrap();
    let cfg = BrokerConfig::embedded(dir.path(), "127.0.0.1:0".parse().unwrap())
        .unwrap()
        .with_overrides(&[("quota.window.num", "2")])
        .unwrap();
    storage_format::format(
        &cfg,
        &storage_format::random_uuid(),
        true,
        &storage_format::InitialQuorum::Static,
    )
    .unwrap();
    let broker = kbox::broker::start(cfg).await.unwrap();
    let b = broker.addr.to_string();
    let admin = Admin::new(ClientConfig::with_bootstrap(&b)).unwrap();

    let slow_p = entity(&[("client-id", Some("slow-producer"))]);
    let slow_c = entity(&[("client-id", Some("slow-consumer"))]);
    admin
        .alter_client_quotas(
            &slow_p,
            &[("producer_byte_rate".into(), Some(100_000.0))],
            false,
        )
        .await
        .unwrap();
    admin
        .alter_client_quotas(
            &slow_c,
            &[("consumer_byte_rate".into(), Some(50_000.0))],
            false,
        )
        .await
        .unwrap();
    let alice = entity(&[("user", Some("alice")), ("client-id", None)]);
    admin
        .alter_client_quotas(
            &alice,
            &[
                ("request_percentage".into(), Some(50.0)),
                ("producer_byte_rate".into(), Some(1024.0)),
            ],
            false,
        )
        .await
        .unwrap();

    let clients = admin
        .describe_client_quotas(&[("client-id".into(), QuotaMatch::Any)], true)
        .await
        .unwrap();
    assert_eq!(clients.len(), 2, "{clients:?}");
    let users = admin
        .describe_client_quotas(&[("user".into(), QuotaMatch::Exact("alice".into()))], false)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        users[0].1,
        vec![
            ("producer_byte_rate".to_string(), 1024.0),
            ("request_percentage".to_string(), 50.0)
        ]
    );

    // Kafka's validation: keys by entity type, positive values, IPs alone.
    let err = admin
        .alter_client_quotas(
            &entity(&[("user", None)]),
            &[("connection_creation_rate".into(), Some(5.0))],
            false,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Invalid configuration key connection_creation_rate"),
        "{err}"
    );
    let err = admin
        .alter_client_quotas(
            &entity(&[("ip", Some("not-an-ip"))]),
            &[("connection_creation_rate".into(), Some(5.0))],
            false,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a valid IP"), "{err}");

    // Removing a key removes it; the entity goes when its last key does.
    admin
        .alter_client_quotas(
            &alice,
            &[
                ("request_percentage".into(), None),
                ("producer_byte_rate".into(), None),
            ],
            false,
        )
        .await
        .unwrap();
    let users = admin
        .describe_client_quotas(&[("user".into(), QuotaMatch::Any)], false)
        .await
        .unwrap();
    assert!(users.is_empty(), "{users:?}");

    create_topic(&b, "q", 1).await;
    let summary = tokio::task::spawn_blocking(move || {
        expect_script(
            "python3",
            &[
                "tests/clients/confluent_quota.py",
                "--bootstrap",
                &b,
                "--topic",
                "q",
                "--producer-client-id",
                "slow-producer",
                "--consumer-client-id",
                "slow-consumer",
                "--records",
                "200",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(summary["records"], 200, "{summary}");
    broker.shutdown().await.unwrap();
}

/// kafka-configs.sh for users, clients and ips: quotas (and a user's SCRAM credential) set,
/// described in Apache's lines, refused when Kafka refuses them, and removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_configs_manages_user_client_and_ip_quotas() {
    use crate::common::{args, kbox_output, TestBroker};
    let broker = TestBroker::start().await;
    let b = broker.addr.to_string();
    let run = |extra: &[&str]| {
        let mut a = args(&["--bootstrap-server", &b]);
        a.extend(extra.iter().map(|s| s.to_string()));
        kbox_output(Some("kafka-configs.sh"), a)
    };
    let (code, out, err) = run(&[
        "--alter",
        "--entity-type",
        "users",
        "--entity-name",
        "alice",
        "--add-config",
        "producer_byte_rate=1024,SCRAM-SHA-256=[password=alice-secret]",
    ])
    .await;
    assert_eq!(
        (code, out.as_str()),
        (0, "Completed updating config for user alice.\n"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "--alter",
        "--entity-type",
        "users",
        "--entity-name",
        "alice",
        "--entity-type",
        "clients",
        "--entity-name",
        "app",
        "--add-config",
        "consumer_byte_rate=2048",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&[
        "--alter",
        "--entity-type",
        "clients",
        "--entity-default",
        "--add-config",
        "request_percentage=12.5",
    ])
    .await;
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "Completed updating default config for clients in the cluster.\n"
        ),
        "{err}"
    );
    let (code, _, err) = run(&[
        "--alter",
        "--ip",
        "127.0.0.9",
        "--add-config",
        "connection_creation_rate=10",
    ])
    .await;
    assert_eq!(code, 0, "{err}");

    let (_, out, _) = run(&["--describe", "--entity-type", "users"]).await;
    assert_eq!(
        out,
        "Quota configs for user-principal 'alice' are producer_byte_rate=1024.0\n\
         SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096\n"
    );
    let (_, out, _) = run(&[
        "--describe",
        "--entity-type",
        "users",
        "--entity-type",
        "clients",
    ])
    .await;
    assert_eq!(
        out,
        "Quota configs for user-principal 'alice', client-id 'app' are consumer_byte_rate=2048.0\n"
    );
    let (_, out, _) = run(&["--describe", "--entity-type", "clients"]).await;
    assert_eq!(
        out,
        "Quota configs for the default client-id are request_percentage=12.5\n"
    );
    let (_, out, _) = run(&["--describe", "--entity-type", "ips"]).await;
    assert_eq!(
        out,
        "Quota configs for ip '127.0.0.9' are connection_creation_rate=10.0\n"
    );

    // Refused as Kafka refuses: a key of another entity type, a bad number.
    let (code, _, err) = run(&[
        "--alter",
        "--user",
        "alice",
        "--add-config",
        "connection_creation_rate=5",
    ])
    .await;
    assert_ne!(code, 0);
    assert!(
        err.contains("Invalid configuration key connection_creation_rate"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "--alter",
        "--client",
        "app",
        "--add-config",
        "producer_byte_rate=fast",
    ])
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("Not a number"), "{err}");

    // Removed.
    let (code, _, err) = run(&[
        "--alter",
        "--entity-type",
        "users",
        "--entity-name",
        "alice",
        "--delete-config",
        "producer_byte_rate,SCRAM-SHA-256",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&["--describe", "--entity-type", "users"]).await;
    assert_eq!(out, "");
    broker.stop().await;
}
