//! `kbox leader-election` (kafka-leader-election.sh): preferred or unclean leader election on
//! one partition, the partitions of a JSON file, or all partitions, with Apache's output.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::Admin;
use crate::protocol::ResponseError;
use crate::{Error, Result};

/// `--election-type`: Apache accepts either case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ElectionTypeArg {
    #[value(name = "PREFERRED")]
    Preferred,
    #[value(name = "UNCLEAN")]
    Unclean,
}

impl ElectionTypeArg {
    fn wire_value(self) -> i8 {
        match self {
            ElectionTypeArg::Preferred => 0,
            ElectionTypeArg::Unclean => 1,
        }
    }
    fn name(self) -> &'static str {
        match self {
            ElectionTypeArg::Preferred => "PREFERRED",
            ElectionTypeArg::Unclean => "UNCLEAN",
        }
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --all-topic-partitions
  kbox leader-election --bootstrap-server localhost:9092 --election-type UNCLEAN --topic orders --partition 0")]
pub struct LeaderElectionArgs {
    /// REQUIRED: host:port of a broker; several may be given, comma-separated.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// REQUIRED: "PREFERRED" (only where the preferred replica does not lead) or "UNCLEAN"
    /// (only where no leader exists).
    #[arg(long = "election-type", ignore_case = true)]
    pub election_type: Option<ElectionTypeArg>,
    /// The topic of the partition to elect for (with --partition).
    #[arg(long)]
    pub topic: Option<String>,
    /// The partition to elect for; required with --topic.
    #[arg(long)]
    pub partition: Option<i32>,
    /// Elect on every eligible partition.
    #[arg(long = "all-topic-partitions")]
    pub all_topic_partitions: bool,
    /// JSON file of partitions: {"partitions": [{"topic": "foo", "partition": 1}]}.
    #[arg(long = "path-to-json-file")]
    pub path_to_json_file: Option<PathBuf>,
    /// (Deprecated) Property file for the admin client; use --command-config.
    #[arg(long = "admin.config")]
    pub admin_config: Option<PathBuf>,
    /// Property file for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// The partitions of an election JSON file (duplicates refused, as Apache does).
fn parse_partitions(text: &str) -> Result<Vec<(String, i32)>> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::Message(format!("Replica election data is not valid JSON: {e}")))?;
    let list = json
        .get("partitions")
        .and_then(|p| p.as_array())
        .ok_or_else(|| {
            Error::Message("Replica election data is missing \"partitions\" field".into())
        })?;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut duplicates = BTreeSet::new();
    for entry in list {
        let topic = entry.get("topic").and_then(|t| t.as_str());
        let partition = entry.get("partition").and_then(|p| p.as_i64());
        let (Some(topic), Some(partition)) = (topic, partition) else {
            return Err(Error::Message(format!(
                "Invalid partition entry in the replica election data: {entry}"
            )));
        };
        let tp = (topic.to_string(), partition as i32);
        if !seen.insert(tp.clone()) {
            duplicates.insert(format!("{}-{}", tp.0, tp.1));
        }
        out.push(tp);
    }
    if !duplicates.is_empty() {
        let list: Vec<String> = duplicates.into_iter().collect();
        return Err(Error::Message(format!(
            "Replica election data contains duplicate partitions: [{}]",
            list.join(", ")
        )));
    }
    Ok(out)
}

/// The partitions to elect for, or None for all; Apache's checks and messages.
fn target(args: &LeaderElectionArgs) -> Result<Option<Vec<(String, i32)>>> {
    let mut missing = Vec::new();
    if args.bootstrap_server.is_none() {
        missing.push("bootstrap-server");
    }
    if args.election_type.is_none() {
        missing.push("election-type");
    }
    if !missing.is_empty() {
        return Err(Error::Message(format!(
            "Missing required option(s): {}",
            missing.join(", ")
        )));
    }
    let chosen = [
        args.topic.is_some(),
        args.all_topic_partitions,
        args.path_to_json_file.is_some(),
    ];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(Error::Message(
            "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file".into(),
        ));
    }
    match (&args.topic, args.partition) {
        (Some(_), None) => {
            return Err(Error::Message(
                "Missing required option(s): partition".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(Error::Message(
                "Option partition is only allowed if topic is used".into(),
            ))
        }
        _ => {}
    }
    if let (Some(topic), Some(partition)) = (&args.topic, args.partition) {
        return Ok(Some(vec![(topic.clone(), partition)]));
    }
    if let Some(path) = &args.path_to_json_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Message(format!("cannot read {}: {e}", path.display())))?;
        return parse_partitions(&text).map(Some);
    }
    Ok(None)
}

/// Java's exception for an error code, as `Throwable.toString()` prints it.
fn java_exception(e: &Error) -> String {
    let class = match e {
        Error::Kafka { code, .. } => match code {
            ResponseError::ClusterAuthorizationFailed => "ClusterAuthorizationException".into(),
            ResponseError::RequestTimedOut => "TimeoutException".into(),
            other => format!("{other:?}Exception"),
        },
        _ => "KafkaException".into(),
    };
    format!(
        "org.apache.kafka.common.errors.{class}: {}",
        e.kafka_message()
    )
}

pub async fn run(args: LeaderElectionArgs) -> Result<ExitStatus> {
    let partitions = target(&args)?;
    let kind = args.election_type.unwrap_or(ElectionTypeArg::Preferred);
    if args.admin_config.is_some() && args.format == OutputFormat::Text {
        println!("Option --admin.config has been deprecated and will be removed in a future version. Use --command-config instead.");
    }
    let files: Vec<&PathBuf> = args
        .admin_config
        .iter()
        .chain(args.command_config.iter())
        .collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let admin = Admin::new(config)?;
    let results = match admin
        .elect_leaders(kind.wire_value(), partitions.as_deref())
        .await
    {
        Err(Error::Kafka {
            code: ResponseError::ClusterAuthorizationFailed,
            ..
        }) => {
            println!("Not authorized to perform leader election");
            return Err(Error::Message(
                "Not authorized to perform leader election".into(),
            ));
        }
        Err(e @ Error::Timeout(_)) => {
            println!("Timeout waiting for election results");
            return Err(e);
        }
        other => other?,
    };
    let mut succeeded = Vec::new();
    let mut noop = Vec::new();
    let mut failed = Vec::new();
    for ((topic, partition), result) in &results {
        let name = format!("{topic}-{partition}");
        match result {
            Ok(()) => succeeded.push(name),
            Err(Error::Kafka {
                code: ResponseError::ElectionNotNeeded,
                ..
            }) => noop.push(name),
            Err(e) => failed.push((name, e)),
        }
    }
    if args.format == OutputFormat::Json {
        let rows: Vec<serde_json::Value> = results
            .iter()
            .map(|((topic, partition), result)| {
                let mut row = serde_json::json!({"topic": topic, "partition": partition});
                match result {
                    Ok(()) => row["result"] = "elected".into(),
                    Err(Error::Kafka {
                        code: ResponseError::ElectionNotNeeded,
                        ..
                    }) => row["result"] = "not_needed".into(),
                    Err(e) => {
                        row["result"] = "failed".into();
                        row["error"] = e.kafka_message().into();
                        if let Error::Kafka { code, .. } = e {
                            row["error_code"] = format!("{code:?}").into();
                        }
                    }
                }
                row
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"election_type": kind.name(), "partitions": rows})
        );
    } else {
        if !succeeded.is_empty() {
            println!(
                "Successfully completed leader election ({}) for partitions {}",
                kind.name(),
                succeeded.join(", ")
            );
        }
        if !noop.is_empty() {
            println!(
                "Valid replica already elected for partitions {}",
                noop.join(", ")
            );
        }
        for (name, e) in &failed {
            println!(
                "Error completing leader election ({}) for partition: {name}: {}",
                kind.name(),
                java_exception(e)
            );
        }
    }
    if failed.is_empty() {
        Ok(ExitStatus::Success)
    } else {
        Err(Error::Message(format!(
            "{} replica(s) could not be elected",
            failed.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn election_files_and_options_follow_apache() {
        assert_eq!(
            parse_partitions(
                r#"{"partitions":[{"topic":"a","partition":1},{"topic":"b","partition":0}]}"#
            )
            .unwrap(),
            vec![("a".to_string(), 1), ("b".to_string(), 0)]
        );
        assert!(parse_partitions(
            r#"{"partitions":[{"topic":"a","partition":1},{"topic":"a","partition":1}]}"#
        )
        .unwrap_err()
        .to_string()
        .contains("duplicate partitions: [a-1]"));
        assert!(parse_partitions("{}")
            .unwrap_err()
            .to_string()
            .contains("missing \"partitions\""));
        let args = |topic: Option<&str>, partition: Option<i32>, all: bool| LeaderElectionArgs {
            bootstrap_server: Some("h:1".into()),
            election_type: Some(ElectionTypeArg::Preferred),
            topic: topic.map(String::from),
            partition,
            all_topic_partitions: all,
            path_to_json_file: None,
            admin_config: None,
            command_config: None,
            format: OutputFormat::Text,
        };
        assert_eq!(target(&args(None, None, true)).unwrap(), None);
        assert_eq!(
            target(&args(Some("t"), Some(2), false)).unwrap(),
            Some(vec![("t".to_string(), 2)])
        );
        assert!(target(&args(Some("t"), None, false))
            .unwrap_err()
            .to_string()
            .contains("Missing required option(s): partition"));
        assert!(target(&args(Some("t"), Some(1), true))
            .unwrap_err()
            .to_string()
            .starts_with("One and only one"));
        assert_eq!(
            java_exception(&Error::Kafka {
                code: ResponseError::PreferredLeaderNotAvailable,
                message: None
            }),
            "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: The preferred leader was not available."
        );
    }
}
