//! `kbox log-dirs --describe` (kafka-log-dirs.sh): every broker's log directories with the size
//! and lag of each partition, as Apache's JSON line.

use std::path::PathBuf;

use clap::Args;
use kafka_protocol::messages::DescribeLogDirsRequest;

use super::common::client_config;
use super::ExitStatus;
use crate::client::cluster::Client;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox log-dirs --bootstrap-server localhost:9092 --describe
  kbox log-dirs --bootstrap-server localhost:9092 --describe --topic-list orders,audit")]
pub struct LogDirsArgs {
    /// REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Describe the log directories (the only action).
    #[arg(long)]
    pub describe: bool,
    /// Comma separated broker ids to query; all brokers when absent.
    #[arg(long = "broker-list", value_name = "Broker list")]
    pub broker_list: Option<String>,
    /// Comma separated topics to show; all topics when absent.
    #[arg(long = "topic-list", value_name = "Topic list")]
    pub topic_list: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
}

pub async fn run(args: LogDirsArgs) -> Result<ExitStatus> {
    if !args.describe {
        return Err(Error::Message(
            "Exactly one of the following actions must be specified: [describe]".into(),
        ));
    }
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let client = Client::new(config)?;
    let metadata = client.refresh_metadata(Some(&[]), false).await?;
    let mut brokers: Vec<i32> = match &args.broker_list {
        Some(list) => list
            .split(',')
            .map(|b| {
                b.trim()
                    .parse::<i32>()
                    .map_err(|_| Error::Message(format!("Invalid broker id '{b}'")))
            })
            .collect::<Result<_>>()?,
        None => metadata.brokers.keys().copied().collect(),
    };
    brokers.sort_unstable();
    let topics: Option<Vec<&str>> = args.topic_list.as_deref().map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    });

    println!("Querying brokers for log directories information");
    let mut out = Vec::new();
    for broker in &brokers {
        // No topic list (null) asks for every partition.
        let mut request = DescribeLogDirsRequest::default();
        request.topics = None;
        let response = client.send_to(*broker, &request).await?;
        if let Some(e) = Error::from_code(response.error_code, None) {
            return Err(e);
        }
        let dirs: Vec<serde_json::Value> = response
            .results
            .iter()
            .map(|dir| {
                let mut partitions = Vec::new();
                for topic in &dir.topics {
                    let name = topic.name.0.as_str();
                    if topics.as_ref().is_some_and(|t| !t.contains(&name)) {
                        continue;
                    }
                    for p in &topic.partitions {
                        partitions.push(serde_json::json!({
                            "partition": format!("{name}-{}", p.partition_index),
                            "size": p.partition_size,
                            "offsetLag": p.offset_lag,
                            "isFuture": p.is_future_key,
                        }));
                    }
                }
                let error = Error::from_code(dir.error_code, None).map(|e| e.to_string());
                serde_json::json!({
                    "partitions": partitions,
                    "error": error,
                    "logDir": dir.log_dir.as_str(),
                })
            })
            .collect();
        out.push(serde_json::json!({ "broker": broker, "logDirs": dirs }));
    }
    let ids: Vec<String> = brokers.iter().map(i32::to_string).collect();
    println!(
        "Received log directory information from brokers {}",
        ids.join(",")
    );
    println!("{}", serde_json::json!({ "brokers": out, "version": 1 }));
    Ok(ExitStatus::Success)
}
