//! `kbox get-offsets` (kafka-get-offsets.sh): `topic:partition:offset` for matching partitions.

use std::path::PathBuf;

use clap::Args;
use regex::Regex;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::admin::{Admin, OffsetSpec};
use crate::client::config::IsolationLevel;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox get-offsets --bootstrap-server localhost:9092 --topic orders
  kbox get-offsets --bootstrap-server localhost:9092 --topic-partitions 'orders:0-3,audit.*' --time earliest")]
pub struct GetOffsetsArgs {
    /// REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Comma separated topic-partition patterns: topic-regex(:N | :N-M | :N- | :-M)?
    #[arg(long = "topic-partitions")]
    pub topic_partitions: Option<String>,
    /// The topic (a regular expression). All topics when absent.
    #[arg(long)]
    pub topic: Option<String>,
    /// Comma separated partition ids.
    #[arg(long)]
    pub partitions: Option<String>,
    /// -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local, or a timestamp (ms).
    #[arg(long, default_value = "latest", allow_hyphen_values = true)]
    pub time: String,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Leave out internal topics.
    #[arg(long = "exclude-internal-topics")]
    pub exclude_internal_topics: bool,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// Which partitions of which topics a rule accepts.
#[derive(Debug)]
struct Rule {
    topic: Regex,
    /// Lower bound inclusive, upper bound exclusive.
    partitions: (i32, i32),
}

fn full_match(pattern: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| Error::Message(format!("Invalid regular expression {pattern}: {e}")))
}

fn parse_rules(spec: &str) -> Result<Vec<Rule>> {
    spec.split(',')
        .map(|rule| {
            let (topic, part) = match rule.split_once(':') {
                Some((t, p)) => (t, Some(p)),
                None => (rule, None),
            };
            let topic = full_match(if topic.is_empty() { ".*" } else { topic })?;
            let bad = || Error::Message(format!("Invalid partition pattern in '{rule}'"));
            let num = |s: &str| s.parse::<i32>().map_err(|_| bad());
            let partitions = match part {
                None | Some("") => (0, i32::MAX),
                Some(p) => match p.split_once('-') {
                    None => {
                        let n = num(p)?;
                        (n, n + 1)
                    }
                    Some(("", hi)) => (0, num(hi)?),
                    Some((lo, "")) => (num(lo)?, i32::MAX),
                    Some((lo, hi)) => (num(lo)?, num(hi)?),
                },
            };
            Ok(Rule { topic, partitions })
        })
        .collect()
}

fn parse_time(time: &str) -> Result<OffsetSpec> {
    Ok(match time {
        "earliest" | "-2" => OffsetSpec::Earliest,
        "latest" | "-1" => OffsetSpec::Latest,
        "max-timestamp" | "-3" => OffsetSpec::MaxTimestamp,
        "earliest-local" | "-4" => OffsetSpec::EarliestLocal,
        other => match other.parse::<i64>() {
            Ok(t) if t >= 0 => OffsetSpec::Timestamp(t),
            _ => {
                return Err(Error::Message(format!(
                    "Malformed time argument {other}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local, or a specified long format timestamp"
                )))
            }
        },
    })
}

pub async fn run(args: GetOffsetsArgs) -> Result<ExitStatus> {
    match get_offsets(args).await {
        Ok(status) => Ok(status),
        Err(e) if e.is_broken_pipe() => Ok(ExitStatus::Success),
        Err(e) => {
            // Apache's tool reports every failure this way, with exit code 1.
            eprintln!("Error occurred: {e}");
            Ok(ExitStatus::Failure)
        }
    }
}

async fn get_offsets(args: GetOffsetsArgs) -> Result<ExitStatus> {
    if args.topic_partitions.is_some() && (args.topic.is_some() || args.partitions.is_some()) {
        return Err(Error::Message(
            "--topic-partitions cannot be used with --topic or --partitions".into(),
        ));
    }
    let spec = parse_time(&args.time)?;
    let rules = match &args.topic_partitions {
        Some(tp) => parse_rules(tp)?,
        None => vec![Rule {
            topic: full_match(args.topic.as_deref().unwrap_or(".*"))?,
            partitions: (0, i32::MAX),
        }],
    };
    let only: Option<Vec<i32>> = match &args.partitions {
        Some(list) if !list.is_empty() => Some(
            list.split(',')
                .map(|p| {
                    p.trim()
                        .parse::<i32>()
                        .map_err(|_| Error::Message(format!("Invalid partition id '{p}'")))
                })
                .collect::<Result<_>>()?,
        ),
        _ => None,
    };
    let config = client_config(
        args.bootstrap_server.as_deref(),
        &args.command_config.iter().collect::<Vec<_>>(),
        &[],
        &[("client.id", "GetOffsetShell")],
    )?;
    let admin = Admin::new(config)?;
    let topics = admin.list_topics(!args.exclude_internal_topics).await?;
    let mut partitions = Vec::new();
    for t in &topics {
        for p in &t.partitions {
            let accepted = rules.iter().any(|r| {
                r.topic.is_match(&t.name)
                    && p.partition >= r.partitions.0
                    && p.partition < r.partitions.1
            });
            let listed = only.as_ref().is_none_or(|o| o.contains(&p.partition));
            if accepted && listed {
                partitions.push((t.name.clone(), p.partition));
            }
        }
    }
    if partitions.is_empty() {
        return Err(Error::Message(
            "Could not match any topic-partitions with the specified filters".into(),
        ));
    }
    let found = admin
        .list_offsets(&partitions, spec, IsolationLevel::ReadUncommitted)
        .await?;
    // Apache sorts by TopicPartition.toString(): "topic-partition" as a string.
    let mut rows: Vec<(String, i32, i64)> = Vec::new();
    for tp in &partitions {
        match found.get(tp) {
            Some(Ok(o)) if o.offset >= 0 => rows.push((tp.0.clone(), tp.1, o.offset)),
            Some(Ok(_)) => {}
            Some(Err(e)) => eprintln!(
                "Skip getting offsets for topic-partition {}-{} due to error: {e}",
                tp.0, tp.1
            ),
            None => {}
        }
    }
    rows.sort_by(|a, b| format!("{}-{}", a.0, a.1).cmp(&format!("{}-{}", b.0, b.1)));
    if args.format == OutputFormat::Json {
        let json: Vec<_> = rows
            .iter()
            .map(|(t, p, o)| serde_json::json!({"topic": t, "partition": p, "offset": o}))
            .collect();
        println!("{}", serde_json::Value::Array(json));
    } else {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for (t, p, o) in rows {
            writeln!(out, "{t}:{p}:{o}")?;
        }
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_patterns() {
        let rules = parse_rules("orders:1,logs:0-3,audit.*,:5-,x:-2").unwrap();
        assert_eq!(rules[0].partitions, (1, 2));
        assert_eq!(rules[1].partitions, (0, 3));
        assert!(rules[2].topic.is_match("audit-eu"));
        assert!(!rules[2].topic.is_match("xaudit"));
        assert_eq!(rules[3].partitions, (5, i32::MAX));
        assert_eq!(rules[4].partitions, (0, 2));
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_time("-2").unwrap(), OffsetSpec::Earliest);
    }
}
