//! The command line: one clap tree for every subcommand, one file per subcommand.
//!
//! Run through a link named like an Apache tool (`kafka-storage.sh`, `kafka-server-start`),
//! kbox acts as that tool: [`tool_for_program_name`] maps the name to the subcommand.

pub mod acls;
pub mod broker_api_versions;
pub mod cluster_id;
pub mod common;
pub mod completions;
pub mod configs;
pub mod configs_quotas;
pub mod configs_users;
pub mod console_consumer;
pub mod console_producer;
pub mod consumer_groups;
pub mod delete_records;
pub mod dump_log;
pub mod get_offsets;
pub mod install_links;
pub mod kcat;
pub mod leader_election;
pub mod log_dirs;
pub mod metadata_quorum;
pub mod mirror_maker;
pub mod perf_test;
pub mod profiles;
pub mod reassign_partitions;
pub mod server_start;
pub mod shell;
pub mod storage;
pub mod topics;
pub mod transactions;

use clap::{Parser, Subcommand};

use crate::Result;

/// kbox: a Kafka broker and every Kafka tool in one binary.
#[derive(Debug, Parser)]
#[command(
    name = "kbox",
    version,
    propagate_version = true,
    about,
    max_term_width = 100
)]
pub struct Cli {
    /// Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides.
    #[arg(long, global = true, default_value = "info", value_name = "LEVEL")]
    pub log_level: String,
    /// Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for
    /// every command that talks to a cluster.
    #[arg(long, global = true, value_name = "NAME", env = "KBOX_PROFILE")]
    pub profile: Option<String>,
    /// A client property, key=value, for every command that talks to a cluster (repeatable).
    #[arg(short = 'X', global = true, value_name = "KEY=VALUE")]
    pub client_property: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Format and inspect log directories (kafka-storage.sh).
    Storage(storage::StorageArgs),
    /// Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092.
    ServerStart(server_start::ServerStartArgs),
    /// Stop brokers started by kbox server-start (kafka-server-stop.sh).
    ServerStop(server_start::ServerStopArgs),
    /// List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh).
    ConsumerGroups(consumer_groups::ConsumerGroupsArgs),
    /// Print topic-partition offsets (kafka-get-offsets.sh).
    GetOffsets(get_offsets::GetOffsetsArgs),
    /// Describe and alter topic, broker and group configs (kafka-configs.sh).
    Configs(configs::ConfigsArgs),
    /// Delete records before given offsets (kafka-delete-records.sh).
    DeleteRecords(delete_records::DeleteRecordsArgs),
    /// Print the batches, records and index entries of log segment files (kafka-dump-log.sh).
    DumpLog(dump_log::DumpLogArgs),
    /// Create, list, describe, alter and delete topics (kafka-topics.sh).
    Topics(topics::TopicsArgs),
    /// Read lines from stdin and produce them as records (kafka-console-producer.sh).
    ConsoleProducer(console_producer::ConsoleProducerArgs),
    /// Print records to stdout (kafka-console-consumer.sh).
    ConsoleConsumer(console_consumer::ConsoleConsumerArgs),
    /// Copy topics from one cluster to another (kafka-mirror-maker.sh).
    MirrorMaker(mirror_maker::MirrorMakerArgs),
    PerfTest(perf_test::PerfTestArgs),
    Completions(completions::CompletionsArgs),
    /// kafka-broker-api-versions.sh: the API versions each broker supports.
    BrokerApiVersions(broker_api_versions::BrokerApiVersionsArgs),
    /// kafka-cluster.sh cluster-id: print the cluster's id.
    ClusterId(cluster_id::ClusterIdArgs),
    /// kafka-acls.sh: add, remove and list ACLs.
    Acls(acls::AclsArgs),
    /// kafka-leader-election.sh: preferred or unclean leader election.
    LeaderElection(leader_election::LeaderElectionArgs),
    /// kafka-reassign-partitions.sh: move partitions to other brokers.
    ReassignPartitions(reassign_partitions::ReassignPartitionsArgs),
    /// kafka-metadata-quorum.sh: the controller quorum's status and replication.
    MetadataQuorum(metadata_quorum::MetadataQuorumArgs),
    /// kafka-log-dirs.sh: log directories and partition sizes per broker.
    LogDirs(log_dirs::LogDirsArgs),
    /// kafka-transactions.sh: list, describe, find hanging and abort transactions.
    Transactions(transactions::TransactionsArgs),
    /// An interactive prompt running kbox commands against one cluster.
    Shell(shell::ShellArgs),
    /// Create a link for every Apache tool name (and kcat) kbox answers to.
    InstallLinks(install_links::InstallLinksArgs),
    /// kcat: produce, consume, list metadata, query offsets, with kcat's flags and output.
    Kcat(kcat::KcatArgs),
}

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// The command ran but found a problem (e.g. `storage info` with problems).
    Failure,
}

/// Apache tool names (with or without `.sh`) and the subcommand each one is.
pub const TOOL_LINKS: &[(&str, &str)] = &[
    ("kafka-storage", "storage"),
    ("kafka-server-start", "server-start"),
    ("kafka-server-stop", "server-stop"),
    ("kafka-consumer-groups", "consumer-groups"),
    ("kafka-get-offsets", "get-offsets"),
    ("kafka-configs", "configs"),
    ("kafka-delete-records", "delete-records"),
    ("kafka-dump-log", "dump-log"),
    ("kafka-topics", "topics"),
    ("kafka-console-producer", "console-producer"),
    ("kafka-console-consumer", "console-consumer"),
    ("kafka-mirror-maker", "mirror-maker"),
    ("kafka-producer-perf-test", "perf-test producer"),
    ("kafka-consumer-perf-test", "perf-test consumer"),
    ("kafka-e2e-latency", "perf-test e2e"),
    ("kafka-broker-api-versions", "broker-api-versions"),
    ("kafka-log-dirs", "log-dirs"),
    ("kafka-acls", "acls"),
    ("kafka-transactions", "transactions"),
    ("kafka-metadata-quorum", "metadata-quorum"),
    ("kafka-leader-election", "leader-election"),
    ("kafka-reassign-partitions", "reassign-partitions"),
    // `kafka-cluster.sh cluster-id ...`: the subcommand is the first argument.
    ("kafka-cluster", ""),
    ("kcat", "kcat"),
    ("kafkacat", "kcat"),
];

/// The subcommand a program name stands for, e.g. `/usr/bin/kafka-storage.sh` -> `storage`.
pub fn tool_for_program_name(program: &str) -> Option<&'static str> {
    let base = std::path::Path::new(program).file_name()?.to_str()?;
    let base = base.strip_suffix(".sh").unwrap_or(base);
    TOOL_LINKS
        .iter()
        .find(|(link, _)| *link == base)
        .map(|(_, cmd)| *cmd)
}

/// Rewrites argv so that links and Apache's single-dash long flags (`-daemon`) parse.
pub fn normalize_args(args: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len() + 1);
    let mut iter = args.into_iter();
    let program = iter.next().unwrap_or_else(|| "kbox".into());
    if let Some(cmd) = tool_for_program_name(&program) {
        out.push("kbox".to_string());
        // "perf-test producer": a link can stand for a subcommand of a subcommand.
        out.extend(cmd.split(' ').filter(|w| !w.is_empty()).map(str::to_string));
    } else {
        out.push(program);
    }
    // kcat's arguments belong to kcat's own parser, untouched (`--` keeps clap's global
    // flags, such as -X, from taking any of them).
    if out.get(1).map(String::as_str) == Some("kcat") {
        out.push("--".to_string());
        out.extend(iter);
        return out;
    }
    out.extend(iter.map(|a| {
        if a == "-daemon" {
            "--daemon".to_string()
        } else {
            a
        }
    }));
    out
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> Result<ExitStatus> {
    if cli.profile.is_some() || !cli.client_property.is_empty() {
        profiles::set_global(profiles::GlobalClientSettings {
            profile: match &cli.profile {
                Some(name) => profiles::load_profile(name)?,
                None => Vec::new(),
            },
            overrides: profiles::parse_overrides(&cli.client_property)?,
        });
    }
    match cli.command {
        Command::Storage(args) => storage::run(args),
        Command::ServerStart(args) => server_start::run(args).await,
        Command::ServerStop(args) => server_start::stop(args),
        Command::ConsumerGroups(args) => consumer_groups::run(args).await,
        Command::GetOffsets(args) => get_offsets::run(args).await,
        Command::Configs(args) => configs::run(args).await,
        Command::DeleteRecords(args) => delete_records::run(args).await,
        Command::DumpLog(args) => dump_log::run(args),
        Command::Topics(args) => topics::run(args).await,
        Command::ConsoleProducer(args) => console_producer::run(args).await,
        Command::ConsoleConsumer(args) => console_consumer::run(args).await,
        Command::Kcat(args) => kcat::run(args).await,
        Command::InstallLinks(args) => install_links::run(args),
        Command::MirrorMaker(args) => mirror_maker::run(args).await,
        Command::PerfTest(args) => perf_test::run(args).await,
        Command::Completions(args) => completions::run(args),
        Command::BrokerApiVersions(args) => broker_api_versions::run(args).await,
        Command::ClusterId(args) => cluster_id::run(args).await,
        Command::LogDirs(args) => log_dirs::run(args).await,
        Command::Acls(args) => acls::run(args).await,
        Command::Transactions(args) => transactions::run(args).await,
        Command::MetadataQuorum(args) => metadata_quorum::run(args).await,
        Command::LeaderElection(args) => leader_election::run(args).await,
        Command::ReassignPartitions(args) => reassign_partitions::run(args).await,
        Command::Shell(args) => shell::run(args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_map_to_subcommands() {
        assert_eq!(
            tool_for_program_name("/opt/bin/kafka-storage.sh"),
            Some("storage")
        );
        assert_eq!(
            tool_for_program_name("kafka-server-start"),
            Some("server-start")
        );
        assert_eq!(tool_for_program_name("kbox"), None);
        let args = normalize_args(vec![
            "kafka-server-start.sh".into(),
            "-daemon".into(),
            "s.properties".into(),
        ]);
        assert_eq!(args, ["kbox", "server-start", "--daemon", "s.properties"]);
        let args = normalize_args(vec![
            "/usr/local/bin/kcat".into(),
            "-b".into(),
            "h:1".into(),
        ]);
        assert_eq!(args, ["kbox", "kcat", "--", "-b", "h:1"]);
        let kcat = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Kcat(k) => k.args,
            other => panic!("{other:?}"),
        };
        // Every kcat flag reaches kcat's parser, even ones clap would claim (-h, -V, --).
        assert_eq!(
            kcat(&["kbox", "kcat", "-b", "h:1", "-h", "-V", "--log-level", "x"]),
            ["-b", "h:1", "-h", "-V", "--log-level", "x"]
        );
        assert_eq!(
            kcat(&["kbox", "kcat", "-qC", "--", "-t"]),
            ["-qC", "--", "-t"]
        );
        assert!(kcat(&["kbox", "kcat"]).is_empty());
        // After normalisation, even kcat's -X (also kbox's global -X) reaches kcat.
        let normalized = normalize_args(
            ["kcat", "-X", "acks=all", "-b", "h:1"]
                .map(String::from)
                .to_vec(),
        );
        let refs: Vec<&str> = normalized.iter().map(String::as_str).collect();
        assert_eq!(kcat(&refs), ["-X", "acks=all", "-b", "h:1"]);
        let with_global =
            Cli::try_parse_from(["kbox", "topics", "--list", "-X", "a=b", "--profile", "p"])
                .unwrap();
        assert_eq!(with_global.client_property, ["a=b"]);
        assert_eq!(with_global.profile.as_deref(), Some("p"));
        Cli::try_parse_from(["kbox", "storage", "random-uuid"]).unwrap();
    }
}
