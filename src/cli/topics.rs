//! `kbox topics` (kafka-topics.sh): create, list, describe, alter and delete topics, with
//! Apache 4.x's flags, messages, layouts and exit codes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use regex::Regex;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::admin::{Admin, ConfigEntry, NewTopic, ResourceType};
use crate::client::cluster::TopicInfo;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox topics --bootstrap-server localhost:9092 --create --topic orders --partitions 3 --config retention.ms=86400000
  kbox topics --bootstrap-server localhost:9092 --list
  kbox topics --bootstrap-server localhost:9092 --describe --topic 'orders|audit.*'
  kbox topics --bootstrap-server localhost:9092 --alter --topic orders --partitions 6
  kbox topics --bootstrap-server localhost:9092 --delete --topic orders")]
pub struct TopicsArgs {
    /// REQUIRED: The Kafka server to connect to.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file containing configs to be passed to Admin Client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// List all available topics.
    #[arg(long)]
    pub list: bool,
    /// Create a new topic.
    #[arg(long)]
    pub create: bool,
    /// Delete a topic.
    #[arg(long)]
    pub delete: bool,
    /// Alter the number of partitions and replica assignment.
    #[arg(long)]
    pub alter: bool,
    /// List details for the given topics.
    #[arg(long)]
    pub describe: bool,
    /// The topic to create, alter, describe or delete; a regular expression except with --create.
    #[arg(long)]
    pub topic: Option<String>,
    /// The topic-id to describe.
    #[arg(long = "topic-id")]
    pub topic_id: Option<String>,
    /// A topic configuration override for the topic being created (name=value, repeatable).
    #[arg(long)]
    pub config: Vec<String>,
    /// No longer supported (deprecated since Apache Kafka 4.0).
    #[arg(long = "delete-config")]
    pub delete_config: Option<String>,
    /// The number of partitions for the topic being created or altered.
    #[arg(long)]
    pub partitions: Option<i32>,
    /// The replication factor for each partition in the topic being created.
    #[arg(long = "replication-factor")]
    pub replication_factor: Option<i32>,
    /// Manual partition-to-broker assignments: b1:b2,b3:b4 (partition 0 on b1 and b2, ...).
    #[arg(long = "replica-assignment")]
    pub replica_assignment: Option<String>,
    /// With --describe: only under-replicated partitions.
    #[arg(long = "under-replicated-partitions")]
    pub under_replicated_partitions: bool,
    /// With --describe: only partitions whose leader is not available.
    #[arg(long = "unavailable-partitions")]
    pub unavailable_partitions: bool,
    /// With --describe: only partitions whose ISR is smaller than min.insync.replicas.
    #[arg(long = "under-min-isr-partitions")]
    pub under_min_isr_partitions: bool,
    /// With --describe: only partitions whose ISR equals min.insync.replicas.
    #[arg(long = "at-min-isr-partitions")]
    pub at_min_isr_partitions: bool,
    /// With --describe: only topics that have overridden configs.
    #[arg(long = "topics-with-overrides")]
    pub topics_with_overrides: bool,
    /// With --alter, --delete or --describe: only act if the topic exists.
    #[arg(long = "if-exists")]
    pub if_exists: bool,
    /// With --create: only act if the topic does not exist yet.
    #[arg(long = "if-not-exists")]
    pub if_not_exists: bool,
    /// Exclude internal topics when listing or describing topics.
    #[arg(long = "exclude-internal")]
    pub exclude_internal: bool,
    /// The maximum number of partitions in one DescribeTopicPartitions response.
    #[arg(long = "partition-size-limit-per-response")]
    pub partition_size_limit_per_response: Option<i32>,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Delete without asking (kbox asks only when a person is at the terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Apache's usage errors: the message on stderr, exit code 1.
fn usage_error(message: &str) -> ExitStatus {
    eprintln!("{message}");
    ExitStatus::Failure
}

fn check_args(args: &TopicsArgs) -> std::result::Result<(), String> {
    let actions = [
        args.create,
        args.list,
        args.alter,
        args.describe,
        args.delete,
    ];
    if actions.iter().filter(|a| **a).count() != 1 {
        return Err("Command must include exactly one action: --list, --describe, --create, --alter or --delete".into());
    }
    if args.bootstrap_server.is_none() && !super::profiles::provides_bootstrap() {
        return Err("--bootstrap-server must be specified".into());
    }
    if args.describe && args.if_exists && args.topic.is_none() && args.topic_id.is_none() {
        return Err("--topic or --topic-id is required to describe a topic".into());
    }
    if !args.list && !args.describe && args.topic.is_none() {
        return Err("Missing required argument \"[topic]\"".into());
    }
    if args.alter && args.partitions.is_none() {
        return Err("Missing required argument \"[partitions]\"".into());
    }
    let invalid = |name: &str, with: &str| {
        format!("Option \"[{name}]\" can't be used with option \"[{with}]\"")
    };
    let action = if args.list {
        "list"
    } else if args.describe {
        "describe"
    } else if args.delete {
        "delete"
    } else if args.alter {
        "alter"
    } else {
        "create"
    };
    if !args.config.is_empty() && !args.create {
        if args.alter {
            return Err("Option \"[alter]\" can't be used with option \"[config]\" (To alter topic configurations, the kafka-configs tool can be used.)".into());
        }
        return Err(invalid("config", action));
    }
    if args.partitions.is_some() && !(args.create || args.alter) {
        return Err(invalid("partitions", action));
    }
    if args.replication_factor.is_some() && !args.create {
        return Err(invalid("replication-factor", action));
    }
    if args.replica_assignment.is_some() && !(args.create || args.alter) {
        return Err(invalid("replica-assignment", action));
    }
    if args.create && args.replica_assignment.is_some() {
        if args.partitions.is_some() {
            return Err(invalid("replica-assignment", "partitions"));
        }
        if args.replication_factor.is_some() {
            return Err(invalid("replica-assignment", "replication-factor"));
        }
    }
    let reports = [
        (
            args.under_replicated_partitions,
            "under-replicated-partitions",
        ),
        (args.under_min_isr_partitions, "under-min-isr-partitions"),
        (args.at_min_isr_partitions, "at-min-isr-partitions"),
        (args.unavailable_partitions, "unavailable-partitions"),
    ];
    for (set, name) in reports {
        if set && !args.describe {
            return Err(invalid(name, action));
        }
        if set && args.topics_with_overrides {
            return Err(invalid(name, "topics-with-overrides"));
        }
    }
    if args.topics_with_overrides && !args.describe {
        return Err(invalid("topics-with-overrides", action));
    }
    if args.if_exists && !(args.alter || args.delete || args.describe) {
        return Err(invalid("if-exists", action));
    }
    if args.if_not_exists && !args.create {
        return Err(invalid("if-not-exists", action));
    }
    if args.exclude_internal && !(args.list || args.describe) {
        return Err(invalid("exclude-internal", action));
    }
    Ok(())
}

/// Apache's `--replica-assignment` parsing: partitions by commas, replicas by colons.
fn parse_replica_assignment(spec: &str) -> std::result::Result<Vec<Vec<i32>>, String> {
    let mut out: Vec<Vec<i32>> = Vec::new();
    for (i, part) in spec.split(',').enumerate() {
        let brokers: Vec<i32> = part
            .split(':')
            .map(|b| {
                b.trim()
                    .parse::<i32>()
                    .map_err(|_| format!("For input string: \"{}\"", b.trim()))
            })
            .collect::<std::result::Result<_, _>>()?;
        let mut seen = HashSet::new();
        let dups: Vec<String> = brokers
            .iter()
            .filter(|b| !seen.insert(**b))
            .map(|b| b.to_string())
            .collect();
        if !dups.is_empty() {
            return Err(format!(
                "Partition replica lists may not contain duplicate entries: {}",
                dups.join(",")
            ));
        }
        if let Some(first) = out.first() {
            if first.len() != brokers.len() {
                return Err(format!(
                    "Partition {i} has different replication factor: [{}]",
                    brokers
                        .iter()
                        .map(|b| b.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        out.push(brokers);
    }
    Ok(out)
}

pub async fn run(args: TopicsArgs) -> Result<ExitStatus> {
    if let Err(message) = check_args(&args) {
        return Ok(usage_error(&message));
    }
    if args.delete_config.is_some() {
        eprintln!("delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.");
    }
    let config = client_config(
        args.bootstrap_server.as_deref(),
        &args.command_config.iter().collect::<Vec<_>>(),
        &[],
        &[],
    )?;
    let admin = Admin::new(config)?;
    let result = if args.create {
        create(&admin, &args).await
    } else if args.list {
        list(&admin, &args).await
    } else if args.describe {
        describe(&admin, &args).await
    } else if args.alter {
        alter(&admin, &args).await
    } else {
        delete(&admin, &args).await
    };
    match result {
        Ok(()) => Ok(ExitStatus::Success),
        Err(e) if e.is_broken_pipe() => Ok(ExitStatus::Success),
        Err(e) => {
            // Apache prints every failure this way, on stdout, with exit code 1.
            println!(
                "Error while executing topic command : {}",
                e.kafka_message()
            );
            Ok(ExitStatus::Failure)
        }
    }
}

/// Java's `IncludeList`: the whole name must match.
fn include_list(pattern: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| Error::Message(format!("Invalid regular expression {pattern}: {e}")))
}

fn is_internal(name: &str) -> bool {
    name == "__consumer_offsets" || name == "__transaction_state" || name == "__share_group_state"
}

/// The topics the command is about: sorted names matching `--topic`.
async fn matching_topics(admin: &Admin, args: &TopicsArgs) -> Result<Vec<String>> {
    let all = admin.list_topics(!args.exclude_internal).await?;
    let filter = match &args.topic {
        Some(t) => Some(include_list(t)?),
        None => None,
    };
    Ok(all
        .into_iter()
        .map(|t| t.name)
        .filter(|n| !(args.exclude_internal && is_internal(n)))
        .filter(|n| filter.as_ref().is_none_or(|f| f.is_match(n)))
        .collect())
}

/// Apache's (quirky but exact) message for a missing topic: the name is shown as `Optional[..]`.
fn ensure_exists(found: &[String], args: &TopicsArgs) -> Result<()> {
    if let Some(t) = &args.topic {
        if !t.is_empty() && !args.if_exists && found.is_empty() {
            return Err(Error::Message(format!(
                "Topic 'Optional[{t}]' does not exist as expected"
            )));
        }
    }
    Ok(())
}

async fn create(admin: &Admin, args: &TopicsArgs) -> Result<()> {
    let name = args.topic.clone().unwrap_or_default();
    let mut configs = Vec::new();
    for pair in &args.config {
        let parts: Vec<&str> = pair.splitn(3, '=').collect();
        match parts.as_slice() {
            [k, v] => configs.push((k.trim().to_string(), v.trim().to_string())),
            _ => {
                return Err(Error::Message(
                    "requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".".into(),
                ))
            }
        }
    }
    if name.contains('.') || name.contains('_') {
        println!("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.");
    }
    if let Some(rf) = args.replication_factor {
        if !(1..=i16::MAX as i32).contains(&rf) {
            return Err(Error::Message(
                "The replication factor must be between 1 and 32767 inclusive".into(),
            ));
        }
    }
    if args.partitions.is_some_and(|p| p < 1) {
        return Err(Error::Message(
            "The partitions must be greater than 0".into(),
        ));
    }
    let assignments = match &args.replica_assignment {
        Some(spec) if !spec.is_empty() => parse_replica_assignment(spec).map_err(Error::Message)?,
        _ => Vec::new(),
    };
    let topic = NewTopic {
        name: name.clone(),
        partitions: if assignments.is_empty() {
            args.partitions.unwrap_or(-1)
        } else {
            -1
        },
        replication_factor: if assignments.is_empty() {
            args.replication_factor.map_or(-1, |r| r as i16)
        } else {
            -1
        },
        assignments,
        configs,
    };
    let results = admin.create_topics(&[topic], false).await?;
    match results.into_iter().next().map(|(_, r)| r) {
        Some(Ok(())) => {
            if args.format == OutputFormat::Json {
                println!("{}", serde_json::json!({"created": name}));
            } else {
                println!("Created topic {name}.");
            }
            Ok(())
        }
        Some(Err(Error::Kafka {
            code: crate::protocol::ResponseError::TopicAlreadyExists,
            ..
        })) if args.if_not_exists => Ok(()),
        Some(Err(e)) => Err(e),
        None => Err(Error::Message("CreateTopics: no result".into())),
    }
}

async fn list(admin: &Admin, args: &TopicsArgs) -> Result<()> {
    let topics = matching_topics(admin, args).await?;
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::Value::from(topics));
        return Ok(());
    }
    // Apache joins with newlines and prints once: an empty list prints one empty line.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", topics.join("\n"))?;
    Ok(())
}

async fn alter(admin: &Admin, args: &TopicsArgs) -> Result<()> {
    let topics = matching_topics(admin, args).await?;
    ensure_exists(&topics, args)?;
    let count = args.partitions.unwrap_or_default();
    let assignment = match &args.replica_assignment {
        Some(spec) if !spec.is_empty() => {
            Some(parse_replica_assignment(spec).map_err(Error::Message)?)
        }
        _ => None,
    };
    for topic in topics {
        let current = admin.describe_topics(std::slice::from_ref(&topic)).await?;
        let existing = current.first().map_or(0, |t| t.partitions.len());
        let new_assignments = assignment
            .as_ref()
            .map(|a| a.iter().skip(existing).cloned().collect());
        admin
            .create_partitions(&topic, count, new_assignments)
            .await?;
    }
    Ok(())
}

async fn delete(admin: &Admin, args: &TopicsArgs) -> Result<()> {
    let topics = matching_topics(admin, args).await?;
    ensure_exists(&topics, args)?;
    if topics.is_empty() {
        return Ok(());
    }
    let question = format!("Delete topic(s) {}?", topics.join(", "));
    if !super::common::confirm(args.yes, &question)? {
        return Err(Error::Message("Aborted: nothing was deleted.".into()));
    }
    for (_, result) in admin.delete_topics(&topics).await? {
        result?;
    }
    Ok(())
}

/// What --describe prints for one partition.
#[derive(Debug, Clone, serde::Serialize)]
struct PartitionRow {
    partition: i32,
    /// `None` prints as `none`.
    leader: Option<i32>,
    replicas: Vec<i32>,
    isr: Vec<i32>,
    /// `None`: the cluster has no ELR (prints `N/A`).
    elr: Option<Vec<i32>>,
    last_known_elr: Option<Vec<i32>>,
    /// (adding, removing) while a reassignment runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    reassignment: Option<(Vec<i32>, Vec<i32>)>,
}

fn ids(list: &[i32]) -> String {
    list.iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

async fn describe(admin: &Admin, args: &TopicsArgs) -> Result<()> {
    let topics: Vec<String> = match args
        .topic_id
        .as_deref()
        .filter(|id| *id != "AAAAAAAAAAAAAAAAAAAAAA")
    {
        Some(id) => {
            let all = admin.list_topics(!args.exclude_internal).await?;
            let wanted = crate::broker::storage_format::uuid_from_kafka_string(id).ok();
            let found: Vec<String> = all
                .into_iter()
                .filter(|t| Some(t.id) == wanted)
                .map(|t| t.name)
                .collect();
            if found.is_empty() && !args.if_exists {
                return Err(Error::Message(format!(
                    "TopicId '{id}' does not exist as expected"
                )));
            }
            found
        }
        None => {
            let found = matching_topics(admin, args).await?;
            ensure_exists(&found, args)?;
            found
        }
    };
    if topics.is_empty() {
        return Ok(());
    }
    let infos: Vec<TopicInfo> = admin.describe_topics(&topics).await?;
    let elr = admin.eligible_leader_replicas(&topics).await?;
    // As Apache: reassignments shown when the cluster can list them (not authorized or an old
    // broker: none).
    let reassignments: HashMap<(String, i32), (Vec<i32>, Vec<i32>)> = admin
        .list_partition_reassignments()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(tp, _, adding, removing)| (tp, (adding, removing)))
        .collect();
    let configs = admin
        .describe_configs(
            &topics
                .iter()
                .map(|t| (ResourceType::Topic, t.clone()))
                .collect::<Vec<_>>(),
            false,
        )
        .await?;
    let configs: HashMap<String, Vec<ConfigEntry>> = configs
        .into_iter()
        .map(|(_, name, entries)| (name, entries.unwrap_or_default()))
        .collect();
    let live: HashSet<i32> = admin
        .describe_cluster()
        .await?
        .brokers
        .iter()
        .map(|b| b.node_id)
        .collect();
    let report_partitions_only = args.under_replicated_partitions
        || args.unavailable_partitions
        || args.under_min_isr_partitions
        || args.at_min_isr_partitions;
    let mut json = Vec::new();
    let mut out = std::io::stdout().lock();
    for info in infos {
        if let Some(e) = info.error() {
            return Err(e);
        }
        let entries = configs.get(&info.name).cloned().unwrap_or_default();
        // Apache's "isDefault": everything not from DEFAULT_CONFIG is shown.
        let overrides: Vec<(String, String)> = entries
            .iter()
            .filter(|e| e.source != 5)
            .map(|e| {
                (
                    e.name.clone(),
                    e.value.clone().unwrap_or_else(|| "null".into()),
                )
            })
            .collect();
        let min_isr: usize = entries
            .iter()
            .find(|e| e.name == "min.insync.replicas")
            .and_then(|e| e.value.as_deref())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let rows: Vec<PartitionRow> = info
            .partitions
            .iter()
            .map(|p| {
                let known = elr.as_ref().map(|m| {
                    m.get(&(info.name.clone(), p.partition))
                        .cloned()
                        .unwrap_or_default()
                });
                PartitionRow {
                    partition: p.partition,
                    leader: (p.leader >= 0).then_some(p.leader),
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    elr: known.as_ref().map(|(e, _)| e.clone()),
                    last_known_elr: known.map(|(_, l)| l),
                    reassignment: reassignments
                        .get(&(info.name.clone(), p.partition))
                        .cloned(),
                }
            })
            .collect();
        let shown: Vec<&PartitionRow> = rows
            .iter()
            .filter(|r| {
                !report_partitions_only
                    || (args.under_replicated_partitions && r.replicas.len() > r.isr.len())
                    || (args.unavailable_partitions && r.leader.is_none_or(|l| !live.contains(&l)))
                    || (args.under_min_isr_partitions
                        && (r.leader.is_none() || r.isr.len() < min_isr))
                    || (args.at_min_isr_partitions && r.isr.len() == min_isr)
            })
            .collect();
        let print_topic_line =
            !report_partitions_only && (!args.topics_with_overrides || !overrides.is_empty());
        if args.format == OutputFormat::Json {
            if print_topic_line || !shown.is_empty() {
                json.push(serde_json::json!({
                    "topic": info.name,
                    "topic_id": crate::broker::storage_format::uuid_to_kafka_string(info.id),
                    "partition_count": info.partitions.len(),
                    "replication_factor": info.partitions.first().map_or(0, |p| p.replicas.len()),
                    "configs": overrides.iter().cloned().collect::<BTreeMap<_, _>>(),
                    "partitions": shown,
                }));
            }
            continue;
        }
        if print_topic_line {
            write!(out, "Topic: {}", info.name)?;
            if !info.id.is_nil() {
                write!(
                    out,
                    "\tTopicId: {}",
                    crate::broker::storage_format::uuid_to_kafka_string(info.id)
                )?;
            }
            write!(out, "\tPartitionCount: {}", info.partitions.len())?;
            write!(
                out,
                "\tReplicationFactor: {}",
                info.partitions.first().map_or(0, |p| p.replicas.len())
            )?;
            let joined: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(out, "\tConfigs: {}", joined.join(","))?;
        }
        if args.topics_with_overrides {
            continue;
        }
        for r in shown {
            write!(out, "\tTopic: {}\tPartition: {}", info.name, r.partition)?;
            match r.leader {
                Some(l) => write!(out, "\tLeader: {l}")?,
                None => write!(out, "\tLeader: none")?,
            }
            write!(
                out,
                "\tReplicas: {}\tIsr: {}",
                ids(&r.replicas),
                ids(&r.isr)
            )?;
            if let Some((adding, removing)) = &r.reassignment {
                write!(
                    out,
                    "\tAdding Replicas: {}\tRemoving Replicas: {}",
                    ids(adding),
                    ids(removing)
                )?;
            }
            match &r.elr {
                Some(e) => write!(out, "\tElr: {}", ids(e))?,
                None => write!(out, "\tElr: N/A")?,
            }
            match &r.last_known_elr {
                Some(e) => writeln!(out, "\tLastKnownElr: {}", ids(e))?,
                None => writeln!(out, "\tLastKnownElr: N/A")?,
            }
        }
    }
    if args.format == OutputFormat::Json {
        writeln!(out, "{}", serde_json::Value::Array(json))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_assignments_parse_as_apache() {
        assert_eq!(
            parse_replica_assignment("1:2,2:3").unwrap(),
            vec![vec![1, 2], vec![2, 3]]
        );
        assert_eq!(
            parse_replica_assignment("1:1").unwrap_err(),
            "Partition replica lists may not contain duplicate entries: 1"
        );
        assert_eq!(
            parse_replica_assignment("1:2,3").unwrap_err(),
            "Partition 1 has different replication factor: [3]"
        );
    }
}
