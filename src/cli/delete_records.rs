//! `kbox delete-records` (kafka-delete-records.sh): move log start offsets forward.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::Args;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::Admin;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Example:
  echo '{\"partitions\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":100}],\"version\":1}' > del.json
  kbox delete-records --bootstrap-server localhost:9092 --offset-json-file del.json")]
pub struct DeleteRecordsArgs {
    /// REQUIRED: the server to connect to.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// REQUIRED: {"partitions":[{"topic":"foo","partition":1,"offset":1}],"version":1}; offset -1
    /// means the high watermark.
    #[arg(long = "offset-json-file")]
    pub offset_json_file: Option<PathBuf>,
    /// Do not ask for confirmation at a terminal.
    #[arg(long)]
    pub yes: bool,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

fn parse_plan(text: &str) -> Result<Vec<((String, i32), i64)>> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::Message(format!("The offset JSON file is not valid JSON: {e}")))?;
    let partitions = json
        .get("partitions")
        .and_then(|p| p.as_array())
        .ok_or_else(|| Error::Message("The offset JSON file has no \"partitions\" array".into()))?;
    let mut seen = HashSet::new();
    let mut plan = Vec::new();
    for p in partitions {
        let topic = p.get("topic").and_then(|t| t.as_str());
        let partition = p.get("partition").and_then(|t| t.as_i64());
        let offset = p.get("offset").and_then(|t| t.as_i64());
        let (Some(topic), Some(partition), Some(offset)) = (topic, partition, offset) else {
            return Err(Error::Message(format!(
                "Invalid partition entry in the offset JSON file: {p}"
            )));
        };
        let tp = (topic.to_string(), partition as i32);
        if !seen.insert(tp.clone()) {
            return Err(Error::Message(format!(
                "Offset json file contains duplicate topic partitions: {topic}-{partition}"
            )));
        }
        plan.push((tp, offset));
    }
    Ok(plan)
}

pub async fn run(args: DeleteRecordsArgs) -> Result<ExitStatus> {
    let file = args
        .offset_json_file
        .as_ref()
        .ok_or_else(|| Error::Message("Missing required argument \"[offset-json-file]\"".into()))?;
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::Message(format!("cannot read {}: {e}", file.display())))?;
    let plan = parse_plan(&text)?;
    let question = format!("Delete records in {} partition(s)?", plan.len());
    if !super::common::confirm(args.yes, &question)? {
        eprintln!("Aborted.");
        return Ok(ExitStatus::Failure);
    }
    let config = client_config(
        args.bootstrap_server.as_deref(),
        &args.command_config.iter().collect::<Vec<_>>(),
        &[],
        &[],
    )?;
    let admin = Admin::new(config)?;
    if args.format == OutputFormat::Text {
        println!("Executing records delete operation");
    }
    let mut results = admin.delete_records(&plan).await?;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let failed = results.iter().any(|(_, r)| r.is_err());
    if args.format == OutputFormat::Json {
        let rows: Vec<_> = results
            .iter()
            .map(|((t, p), r)| match r {
                Ok(lw) => serde_json::json!({"topic": t, "partition": p, "low_watermark": lw}),
                Err(e) => serde_json::json!({"topic": t, "partition": p, "error": e.to_string()}),
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        println!("Records delete operation completed:");
        for ((t, p), r) in &results {
            match r {
                Ok(lw) => println!("partition: {t}-{p}\tlow_watermark: {lw}"),
                Err(e) => println!("partition: {t}-{p}\terror: {e}"),
            }
        }
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_reject_duplicates_and_bad_entries() {
        let plan =
            parse_plan(r#"{"partitions":[{"topic":"a","partition":1,"offset":5}],"version":1}"#)
                .unwrap();
        assert_eq!(plan, vec![(("a".to_string(), 1), 5)]);
        assert!(parse_plan(r#"{"partitions":[{"topic":"a","partition":1,"offset":5},{"topic":"a","partition":1,"offset":6}]}"#)
            .unwrap_err()
            .to_string()
            .contains("duplicate"));
        assert!(parse_plan(r#"{"partitions":[{"topic":"a"}]}"#).is_err());
        assert!(parse_plan("nope").is_err());
    }
}
