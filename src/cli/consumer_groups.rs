//! `kbox consumer-groups` (kafka-consumer-groups.sh): list, describe, delete groups, reset and
//! delete their offsets, with Apache's flags and column layouts, on any Kafka cluster.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::admin::{list_offsets, OffsetSpec};
use crate::client::config::IsolationLevel;
use crate::client::group::admin::{GroupAdmin, GroupDescription};
use crate::client::group::assignor::TopicPartition;
use crate::client::Client;
use crate::{Error, Result};

const MISSING: &str = "-";

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox consumer-groups --bootstrap-server localhost:9092 --list
  kbox consumer-groups --bootstrap-server localhost:9092 --describe --group my-group
  kbox consumer-groups --bootstrap-server localhost:9092 --describe --group my-group --members --verbose
  kbox consumer-groups --bootstrap-server localhost:9092 --reset-offsets --group my-group --topic t --to-earliest --execute")]
pub struct ConsumerGroupsArgs {
    /// REQUIRED: the server(s) to connect to.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// List all consumer groups.
    #[arg(long)]
    pub list: bool,
    /// Describe consumer group(s) and list offset lag (number of messages not yet processed).
    #[arg(long)]
    pub describe: bool,
    /// Delete consumer group(s).
    #[arg(long)]
    pub delete: bool,
    /// Reset offsets of a consumer group (one group at a time; the group must be inactive).
    #[arg(long = "reset-offsets")]
    pub reset_offsets: bool,
    /// Delete offsets of a consumer group for some topics or partitions.
    #[arg(long = "delete-offsets")]
    pub delete_offsets: bool,
    /// The consumer group(s) to act on.
    #[arg(long = "group")]
    pub group: Vec<String>,
    /// Apply to all consumer groups.
    #[arg(long = "all-groups")]
    pub all_groups: bool,
    /// Topic scope: `topic` or `topic:0,1` (repeatable).
    #[arg(long = "topic")]
    pub topic: Vec<String>,
    /// Reset offsets of all topics the group has committed offsets for.
    #[arg(long = "all-topics")]
    pub all_topics: bool,
    /// With --describe: the offsets view (the default).
    #[arg(long)]
    pub offsets: bool,
    /// With --describe: the members view.
    #[arg(long)]
    pub members: bool,
    /// With --describe: the group state; with --list: a STATE column, optionally filtered
    /// (comma-separated states).
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    pub state: Option<String>,
    /// With --list: a TYPE column, optionally filtered (classic, consumer).
    #[arg(long = "type", num_args = 0..=1, default_missing_value = "")]
    pub group_type: Option<String>,
    /// More detail in --describe views.
    #[arg(long)]
    pub verbose: bool,
    /// Timeout (ms) for some calls.
    #[arg(long, default_value_t = 5000)]
    pub timeout: u64,
    /// Only show what a reset would do (the default).
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Apply the reset.
    #[arg(long)]
    pub execute: bool,
    /// Print the reset plan as CSV.
    #[arg(long)]
    pub export: bool,
    /// Reset to this offset.
    #[arg(long = "to-offset")]
    pub to_offset: Option<i64>,
    /// Reset to the earliest offset.
    #[arg(long = "to-earliest")]
    pub to_earliest: bool,
    /// Reset to the latest offset.
    #[arg(long = "to-latest")]
    pub to_latest: bool,
    /// Reset to the current committed offset.
    #[arg(long = "to-current")]
    pub to_current: bool,
    /// Shift the committed offset by n (may be negative).
    #[arg(long = "shift-by", allow_hyphen_values = true)]
    pub shift_by: Option<i64>,
    /// Reset to the first offset at or after a time: YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm].
    #[arg(long = "to-datetime")]
    pub to_datetime: Option<String>,
    /// Reset to the first offset at or after now minus a duration: PnDTnHnMnS.
    #[arg(long = "by-duration")]
    pub by_duration: Option<String>,
    /// Reset to the offsets in a CSV file (topic,partition,offset or group,topic,partition,offset).
    #[arg(long = "from-file")]
    pub from_file: Option<PathBuf>,
    /// Do not ask for confirmation at a terminal before --execute or --delete.
    #[arg(long)]
    pub yes: bool,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

fn usage(message: &str) -> Error {
    Error::Message(message.to_string())
}

pub async fn run(args: ConsumerGroupsArgs) -> Result<ExitStatus> {
    let actions = [
        args.list,
        args.describe,
        args.delete,
        args.reset_offsets,
        args.delete_offsets,
    ];
    if actions.iter().filter(|a| **a).count() != 1 {
        return Err(usage(
            "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets",
        ));
    }
    if (args.describe || args.delete || args.reset_offsets)
        && args.group.is_empty()
        && !args.all_groups
    {
        return Err(usage(
            "Option [describe] takes one of these options: [all-groups], [group]",
        ));
    }
    let mut config = client_config(
        args.bootstrap_server.as_deref(),
        &args.command_config.iter().collect::<Vec<_>>(),
        &[],
        &[],
    )?;
    config.set_default("default.api.timeout.ms", args.timeout.to_string());
    let client = Client::new(config)?;
    let admin = GroupAdmin::new(client.clone());
    if args.list {
        return list(&admin, &args).await;
    }
    let groups = if args.all_groups {
        admin
            .list_groups(&[])
            .await?
            .into_iter()
            .map(|g| g.group_id)
            .collect()
    } else {
        args.group.clone()
    };
    if args.describe {
        describe(&admin, &client, &args, &groups).await
    } else if args.delete {
        delete(&admin, &args, &groups).await
    } else if args.delete_offsets {
        delete_offsets(&admin, &client, &args).await
    } else {
        reset(&admin, &client, &args, &groups).await
    }
}

async fn list(admin: &GroupAdmin, args: &ConsumerGroupsArgs) -> Result<ExitStatus> {
    let states: Vec<String> = match &args.state {
        Some(s) if !s.is_empty() => s
            .split(',')
            .map(|x| canonical_state(x.trim()))
            .collect::<Result<_>>()?,
        _ => Vec::new(),
    };
    let groups = admin.list_groups(&states).await?;
    let groups: Vec<_> = groups
        .into_iter()
        .filter(|g| g.protocol_type == "consumer" || g.protocol_type.is_empty())
        .collect();
    if args.format == OutputFormat::Json {
        let rows: Vec<_> = groups
            .iter()
            .map(|g| serde_json::json!({"group": g.group_id, "state": g.state, "type": group_type(&g.group_type)}))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(ExitStatus::Success);
    }
    let mut out = std::io::stdout().lock();
    if args.state.is_none() && args.group_type.is_none() {
        for g in &groups {
            writeln!(out, "{}", g.group_id)?;
        }
        return Ok(ExitStatus::Success);
    }
    let width = groups
        .iter()
        .map(|g| g.group_id.len().max(15))
        .max()
        .unwrap_or(15)
        + 10;
    let mut header = format!("{:<width$}", "GROUP");
    if args.group_type.is_some() {
        header.push_str(&format!(" {:<20}", "TYPE"));
    }
    if args.state.is_some() {
        header.push_str(&format!(" {:<20}", "STATE"));
    }
    writeln!(out, "{header}")?;
    for g in &groups {
        let mut line = format!("{:<width$}", g.group_id);
        if args.group_type.is_some() {
            line.push_str(&format!(" {:<20}", group_type(&g.group_type)));
        }
        if args.state.is_some() {
            let state = if g.state.is_empty() {
                "Unknown"
            } else {
                &g.state
            };
            line.push_str(&format!(" {state:<20}"));
        }
        writeln!(out, "{line}")?;
    }
    Ok(ExitStatus::Success)
}

fn group_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "" | "classic" => "Classic".into(),
        "consumer" => "Consumer".into(),
        other => other.to_string(),
    }
}

/// Kafka's state names, accepted case-insensitively as Apache's tool does.
fn canonical_state(s: &str) -> Result<String> {
    const STATES: [&str; 7] = [
        "PreparingRebalance",
        "CompletingRebalance",
        "Stable",
        "Dead",
        "Empty",
        "Assigning",
        "Reconciling",
    ];
    STATES
        .iter()
        .find(|x| x.eq_ignore_ascii_case(s))
        .map(|x| x.to_string())
        .ok_or_else(|| {
            usage(&format!(
                "Invalid state list '{s}'. Valid states are: {}",
                STATES.join(", ")
            ))
        })
}

/// Prints the state message Apache prints before a group's rows; false when nothing follows.
fn state_banner(group: &GroupDescription, rows: usize) -> bool {
    match group.state.as_str() {
        "Dead" => {
            println!(
                "\nError: Consumer group '{}' does not exist.",
                group.group_id
            );
            false
        }
        "Empty" => {
            eprintln!(
                "\nConsumer group '{}' has no active members.",
                group.group_id
            );
            rows > 0
        }
        "PreparingRebalance" | "CompletingRebalance" | "Assigning" | "Reconciling" => {
            eprintln!(
                "\nWarning: Consumer group '{}' is rebalancing.",
                group.group_id
            );
            rows > 0
        }
        _ => rows > 0,
    }
}

/// One row of the offsets view.
#[derive(Debug, Clone, serde::Serialize)]
struct OffsetRow {
    group: String,
    topic: String,
    partition: i32,
    current_offset: Option<i64>,
    log_end_offset: Option<i64>,
    lag: Option<i64>,
    consumer_id: String,
    host: String,
    client_id: String,
}

fn opt(v: Option<i64>) -> String {
    v.map_or(MISSING.to_string(), |x| x.to_string())
}

async fn describe(
    admin: &GroupAdmin,
    client: &Client,
    args: &ConsumerGroupsArgs,
    groups: &[String],
) -> Result<ExitStatus> {
    let views = [args.offsets, args.members, args.state.is_some()];
    if views.iter().filter(|v| **v).count() > 1 {
        return Err(usage(
            "Option [describe] takes at most one of these options: [members], [offsets], [state]",
        ));
    }
    let mut sorted = groups.to_vec();
    sorted.sort();
    sorted.dedup();
    let described = admin.describe_groups(&sorted).await?;
    let mut json_out = Vec::new();
    for group in &described {
        if let Some(e) =
            Error::from_code(group.error_code, Some(format!("group {}", group.group_id)))
        {
            return Err(e);
        }
        if args.members {
            json_out.push(print_members(group, args)?);
        } else if args.state.is_some() {
            json_out.push(print_state(group, args)?);
        } else {
            let rows = offset_rows(admin, client, group).await?;
            if args.format == OutputFormat::Json {
                json_out.push(serde_json::json!({"group": group.group_id, "state": group.state, "offsets": rows}));
                continue;
            }
            if !state_banner(group, rows.len()) {
                continue;
            }
            print_offset_rows(&rows)?;
        }
    }
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::Value::Array(json_out));
    }
    Ok(ExitStatus::Success)
}

async fn offset_rows(
    admin: &GroupAdmin,
    client: &Client,
    group: &GroupDescription,
) -> Result<Vec<OffsetRow>> {
    let committed = admin.committed_offsets(&group.group_id, None).await?;
    let mut rows = Vec::new();
    let mut assigned: Vec<TopicPartition> = Vec::new();
    // Members with the most partitions first, as Apache orders them.
    let mut members: Vec<_> = group
        .members
        .iter()
        .filter(|m| !m.assignment.is_empty())
        .collect();
    members.sort_by_key(|m| std::cmp::Reverse(m.assignment.len()));
    let mut plan: Vec<(Vec<TopicPartition>, String, String, String)> = Vec::new();
    for m in members {
        assigned.extend(m.assignment.iter().cloned());
        plan.push((
            m.assignment.clone(),
            m.member_id.clone(),
            m.host.clone(),
            m.client_id.clone(),
        ));
    }
    let mut unassigned: Vec<TopicPartition> = committed
        .keys()
        .filter(|tp| !assigned.contains(tp))
        .cloned()
        .collect();
    unassigned.sort();
    if !unassigned.is_empty() {
        plan.push((unassigned, MISSING.into(), MISSING.into(), MISSING.into()));
    }
    for (mut partitions, consumer_id, host, client_id) in plan {
        partitions.sort();
        let ends = list_offsets(
            client,
            &partitions,
            OffsetSpec::Latest,
            IsolationLevel::ReadUncommitted,
        )
        .await?;
        for tp in partitions {
            let end = ends
                .get(&tp)
                .and_then(|r| r.as_ref().ok())
                .map(|o| o.offset);
            let current = committed.get(&tp).map(|c| c.offset);
            let lag = match (current, end) {
                (Some(c), Some(e)) if c != -1 => Some(e - c),
                _ => None,
            };
            rows.push(OffsetRow {
                group: group.group_id.clone(),
                topic: tp.0.clone(),
                partition: tp.1,
                current_offset: current,
                log_end_offset: end,
                lag,
                consumer_id: consumer_id.clone(),
                host: host.clone(),
                client_id: client_id.clone(),
            });
        }
    }
    Ok(rows)
}

fn print_offset_rows(rows: &[OffsetRow]) -> Result<()> {
    let g = rows
        .iter()
        .map(|r| r.group.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let t = rows
        .iter()
        .map(|r| r.topic.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let c = rows
        .iter()
        .map(|r| r.consumer_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let h = rows.iter().map(|r| r.host.len()).max().unwrap_or(0).max(15);
    let mut out = std::io::stdout().lock();
    write!(
        out,
        "\n{:<g$} {:<t$} {:<10} {:<15} {:<15} {:<15} {:<c$} {:<h$} CLIENT-ID",
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST"
    )?;
    for r in rows {
        write!(
            out,
            "\n{:<g$} {:<t$} {:<10} {:<15} {:<15} {:<15} {:<c$} {:<h$} {}",
            r.group,
            r.topic,
            r.partition,
            opt(r.current_offset),
            opt(r.log_end_offset),
            opt(r.lag),
            r.consumer_id,
            r.host,
            r.client_id
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// `topic:0,1,2;other:3` as Apache 4.x prints an assignment.
fn assignment_string(parts: &[TopicPartition]) -> String {
    if parts.is_empty() {
        return MISSING.into();
    }
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (t, p) in parts {
        by_topic.entry(t).or_default().push(*p);
    }
    by_topic
        .into_iter()
        .map(|(t, mut ps)| {
            ps.sort();
            format!(
                "{t}:{}",
                ps.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn print_members(group: &GroupDescription, args: &ConsumerGroupsArgs) -> Result<serde_json::Value> {
    if args.format == OutputFormat::Json {
        let members: Vec<_> = group
            .members
            .iter()
            .map(|m| serde_json::json!({
                "consumer_id": m.member_id, "group_instance_id": m.group_instance_id,
                "host": m.host, "client_id": m.client_id, "partitions": m.assignment.len(),
                "assignment": m.assignment.iter().map(|(t, p)| serde_json::json!({"topic": t, "partition": p})).collect::<Vec<_>>(),
            }))
            .collect();
        return Ok(
            serde_json::json!({"group": group.group_id, "state": group.state, "members": members}),
        );
    }
    if !state_banner(group, group.members.len()) && group.state == "Dead" {
        return Ok(serde_json::Value::Null);
    }
    let g = group.group_id.len().max(15);
    let c = group
        .members
        .iter()
        .map(|m| m.member_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let i = group
        .members
        .iter()
        .map(|m| m.group_instance_id.as_deref().unwrap_or("").len())
        .max()
        .unwrap_or(0)
        .max(17);
    let h = group
        .members
        .iter()
        .map(|m| m.host.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let cl = group
        .members
        .iter()
        .map(|m| m.client_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let with_instance = group.members.iter().any(|m| {
        m.group_instance_id
            .as_deref()
            .is_some_and(|s| !s.is_empty())
    });
    let a = group
        .members
        .iter()
        .map(|m| assignment_string(&m.assignment).len())
        .max()
        .unwrap_or(0)
        .max(20);
    let mut out = std::io::stdout().lock();
    let head = |out: &mut dyn Write, cols: [&str; 6]| -> std::io::Result<()> {
        if with_instance {
            write!(
                out,
                "{:<g$} {:<c$} {:<i$} {:<h$} {:<cl$} {:<15} ",
                cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]
            )
        } else {
            write!(
                out,
                "{:<g$} {:<c$} {:<h$} {:<cl$} {:<15} ",
                cols[0], cols[1], cols[3], cols[4], cols[5]
            )
        }
    };
    writeln!(out)?;
    head(
        &mut out,
        [
            "GROUP",
            "CONSUMER-ID",
            "GROUP-INSTANCE-ID",
            "HOST",
            "CLIENT-ID",
            "#PARTITIONS",
        ],
    )?;
    if args.verbose {
        write!(
            out,
            "{:<15} {:<a$} {:<15} {:<20}",
            "CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT"
        )?;
    }
    writeln!(out)?;
    for m in &group.members {
        let n = m.assignment.len().to_string();
        head(
            &mut out,
            [
                &group.group_id,
                &m.member_id,
                m.group_instance_id.as_deref().unwrap_or(""),
                &m.host,
                &m.client_id,
                &n,
            ],
        )?;
        if args.verbose {
            write!(
                out,
                "{:<15} {:<a$} {:<15} {:<20}",
                MISSING,
                assignment_string(&m.assignment),
                MISSING,
                MISSING
            )?;
        }
        writeln!(out)?;
    }
    Ok(serde_json::Value::Null)
}

fn print_state(group: &GroupDescription, args: &ConsumerGroupsArgs) -> Result<serde_json::Value> {
    let coordinator = format!(
        "{}:{}  ({})",
        group.coordinator.host, group.coordinator.port, group.coordinator.node_id
    );
    let strategy = if group.protocol.is_empty() {
        MISSING.to_string()
    } else {
        group.protocol.clone()
    };
    if args.format == OutputFormat::Json {
        return Ok(serde_json::json!({
            "group": group.group_id, "coordinator": {"id": group.coordinator.node_id, "host": group.coordinator.host, "port": group.coordinator.port},
            "assignment_strategy": strategy, "state": group.state, "members": group.members.len(),
        }));
    }
    if !state_banner(group, 1) {
        return Ok(serde_json::Value::Null);
    }
    let cw = coordinator.len().max(25);
    let gw = group.group_id.len().max(15);
    let n = group.members.len();
    if args.verbose {
        print!(
            "\n{:<gw$} {:<cw$} {:<20} {:<20} {:<15} {:<25} #MEMBERS",
            "GROUP",
            "COORDINATOR (ID)",
            "ASSIGNMENT-STRATEGY",
            "STATE",
            "GROUP-EPOCH",
            "TARGET-ASSIGNMENT-EPOCH"
        );
        print!(
            "\n{:<gw$} {:<cw$} {:<20} {:<20} {:<15} {:<25} {}",
            group.group_id, coordinator, strategy, group.state, MISSING, MISSING, n
        );
    } else {
        print!(
            "\n{:<gw$} {:<cw$} {:<20} {:<20} #MEMBERS",
            "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE"
        );
        print!(
            "\n{:<gw$} {:<cw$} {:<20} {:<20} {}",
            group.group_id, coordinator, strategy, group.state, n
        );
    }
    println!();
    Ok(serde_json::Value::Null)
}

/// Asks at a terminal before a destructive step; never asks when stdin is not a terminal.
fn confirm(args: &ConsumerGroupsArgs, what: &str) -> Result<bool> {
    super::common::confirm(args.yes, what)
}

async fn delete(
    admin: &GroupAdmin,
    args: &ConsumerGroupsArgs,
    groups: &[String],
) -> Result<ExitStatus> {
    if !confirm(
        args,
        &format!("Delete consumer group(s) {}?", groups.join(", ")),
    )? {
        eprintln!("Aborted.");
        return Ok(ExitStatus::Failure);
    }
    let results = admin.delete_groups(groups).await?;
    let ok: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(g, _)| format!("'{g}'"))
        .collect();
    let failed: Vec<(&String, String)> = results
        .iter()
        .filter_map(|(g, r)| r.as_ref().err().map(|e| (g, describe_error(e))))
        .collect();
    if args.format == OutputFormat::Json {
        let rows: Vec<_> = results
            .iter()
            .map(|(g, r)| serde_json::json!({"group": g, "deleted": r.is_ok(), "error": r.as_ref().err().map(describe_error)}))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if failed.is_empty() {
        println!(
            "Deletion of requested consumer groups ({}) was successful.",
            ok.join(", ")
        );
    } else {
        println!("\nError: Deletion of some consumer groups failed:");
        for (g, e) in &failed {
            println!("* Group '{g}' could not be deleted due to: {e}");
        }
        if !ok.is_empty() {
            println!(
                "\nThese consumer groups were deleted successfully: {}",
                ok.join(", ")
            );
        }
    }
    Ok(if failed.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Java's exception text for the errors deletion meets most.
fn describe_error(e: &Error) -> String {
    use crate::protocol::ResponseError as R;
    match e {
        Error::Kafka {
            code: R::NonEmptyGroup,
            ..
        } => {
            "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.".into()
        }
        Error::Kafka {
            code: R::GroupIdNotFound,
            ..
        } => {
            "org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist."
                .into()
        }
        other => other.to_string(),
    }
}

/// `t` or `t:0,1` into partitions (`t` alone: every partition of t).
async fn parse_topic_scope(client: &Client, topics: &[String]) -> Result<Vec<TopicPartition>> {
    let mut out = Vec::new();
    for spec in topics {
        match spec.split_once(':') {
            Some((t, ps)) => {
                for p in ps.split(',').filter(|p| !p.trim().is_empty()) {
                    let p: i32 = p
                        .trim()
                        .parse()
                        .map_err(|_| usage(&format!("Invalid partition in --topic {spec}")))?;
                    out.push((t.to_string(), p));
                }
            }
            None => {
                let metadata = client
                    .refresh_metadata(Some(std::slice::from_ref(spec)), false)
                    .await?;
                let info = metadata.topics.get(spec).filter(|i| i.error_code == 0);
                match info {
                    Some(info) => {
                        out.extend(info.partitions.iter().map(|p| (spec.clone(), p.partition)))
                    }
                    None => return Err(Error::Message(format!("Topic '{spec}' does not exist"))),
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn delete_offsets(
    admin: &GroupAdmin,
    client: &Client,
    args: &ConsumerGroupsArgs,
) -> Result<ExitStatus> {
    let [group] = args.group.as_slice() else {
        return Err(usage("Option [delete-offsets] takes exactly one [group]"));
    };
    if args.topic.is_empty() {
        return Err(usage(
            "Option [delete-offsets] takes the following options: [topic], [group]",
        ));
    }
    let partitions = parse_topic_scope(client, &args.topic).await?;
    let (top, results) = match admin.delete_offsets(group, &partitions).await {
        Ok(r) => (None, r),
        Err(e) => (
            Some(e),
            partitions
                .iter()
                .map(|tp| (tp.clone(), Err(Error::Message("not deleted".into()))))
                .collect(),
        ),
    };
    match &top {
        None => println!("Request succeeded for deleting offsets from group {group}."),
        Some(Error::Kafka {
            code:
                crate::protocol::ResponseError::GroupSubscribedToTopic
                | crate::protocol::ResponseError::UnknownTopicOrPartition,
            ..
        }) => {
            println!("\nError: Encountered some partition-level error, see the follow-up details.")
        }
        Some(e) => println!("\nError: {e}"),
    }
    let width = results
        .iter()
        .map(|((t, _), _)| t.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let mut rows: Vec<_> = results.iter().collect();
    rows.sort_by(|a, b| format!("{}{}", a.0 .0, a.0 .1).cmp(&format!("{}{}", b.0 .0, b.0 .1)));
    print!("\n{:<width$} {:<10} {:<15}", "TOPIC", "PARTITION", "STATUS");
    for ((t, p), r) in rows {
        let status = match r {
            Ok(()) => "Successful".to_string(),
            Err(e) => format!("Error: {e}"),
        };
        print!("\n{t:<width$} {p:<10} {status:<15}");
    }
    println!();
    Ok(if top.is_none() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

async fn reset(
    admin: &GroupAdmin,
    client: &Client,
    args: &ConsumerGroupsArgs,
    groups: &[String],
) -> Result<ExitStatus> {
    let specs = [
        args.to_offset.is_some(),
        args.to_earliest,
        args.to_latest,
        args.to_current,
        args.shift_by.is_some(),
        args.to_datetime.is_some(),
        args.by_duration.is_some(),
        args.from_file.is_some(),
    ];
    if specs.iter().filter(|s| **s).count() != 1 {
        return Err(usage("Option [reset-offsets] takes exactly one of these options: [to-offset], [to-earliest], [to-latest], [to-current], [shift-by], [to-datetime], [by-duration], [from-file]"));
    }
    if args.from_file.is_none() && !args.all_topics && args.topic.is_empty() {
        return Err(usage(
            "One of the reset scopes should be defined: --all-topics, --topic.",
        ));
    }
    if !args.dry_run && !args.execute && args.format == OutputFormat::Text && !args.export {
        eprintln!("WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.");
    }
    let execute = args.execute && !args.dry_run;
    let file_plan = match &args.from_file {
        Some(path) => Some(read_reset_file(path, groups)?),
        None => None,
    };
    let described = admin.describe_groups(groups).await?;
    // A bar over many groups (--all-groups), unless a confirmation prompt will need the screen.
    let asks = execute && !args.yes && std::io::stdin().is_terminal();
    let bar = (described.len() > 1 && !asks)
        .then(|| {
            super::common::progress(
                Some(described.len() as u64),
                args.format == OutputFormat::Json,
                false,
            )
        })
        .flatten();
    let mut plans: BTreeMap<String, BTreeMap<TopicPartition, i64>> = BTreeMap::new();
    let mut failed = false;
    for group in &described {
        if !matches!(group.state.as_str(), "Empty" | "Dead") {
            println!(
                "\nError: Assignments can only be reset if the group '{}' is inactive, but the current state is {}.",
                group.group_id, group.state
            );
            plans.insert(group.group_id.clone(), BTreeMap::new());
            failed = true;
            continue;
        }
        let committed = admin.committed_offsets(&group.group_id, None).await?;
        let partitions: Vec<TopicPartition> = if let Some(plan) = &file_plan {
            plan.get(&group.group_id)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        } else if args.all_topics {
            let mut p: Vec<_> = committed.keys().cloned().collect();
            p.sort();
            p
        } else {
            parse_topic_scope(client, &args.topic).await?
        };
        let earliest = list_offsets(
            client,
            &partitions,
            OffsetSpec::Earliest,
            IsolationLevel::ReadUncommitted,
        )
        .await?;
        let latest = list_offsets(
            client,
            &partitions,
            OffsetSpec::Latest,
            IsolationLevel::ReadUncommitted,
        )
        .await?;
        let bounds = |tp: &TopicPartition| -> Result<(i64, i64)> {
            let lo = earliest
                .get(tp)
                .ok_or_else(|| usage("no offsets"))?
                .as_ref()
                .map_err(|e| Error::Message(e.to_string()))?
                .offset;
            let hi = latest
                .get(tp)
                .ok_or_else(|| usage("no offsets"))?
                .as_ref()
                .map_err(|e| Error::Message(e.to_string()))?
                .offset;
            Ok((lo, hi))
        };
        let target_time = match (&args.to_datetime, &args.by_duration) {
            (Some(dt), _) => Some(parse_datetime(dt)?),
            (_, Some(d)) => Some(crate::client::now_ms() - parse_duration(d)?),
            _ => None,
        };
        let by_time = match target_time {
            Some(t) => Some(
                list_offsets(
                    client,
                    &partitions,
                    OffsetSpec::Timestamp(t),
                    IsolationLevel::ReadUncommitted,
                )
                .await?,
            ),
            None => None,
        };
        let mut plan = BTreeMap::new();
        for tp in &partitions {
            let (lo, hi) = bounds(tp)?;
            let current = committed.get(tp).map(|c| c.offset);
            let wanted = if let Some(o) = args.to_offset {
                o
            } else if args.to_earliest {
                lo
            } else if args.to_latest {
                hi
            } else if args.to_current {
                current.unwrap_or(hi)
            } else if let Some(n) = args.shift_by {
                current.unwrap_or(hi) + n
            } else if let Some(found) = &by_time {
                match found.get(tp).and_then(|r| r.as_ref().ok()) {
                    Some(o) if o.offset >= 0 => o.offset,
                    _ => hi,
                }
            } else if let Some(file) = &file_plan {
                file[&group.group_id][tp]
            } else {
                unreachable!("one reset spec was checked above")
            };
            plan.insert(tp.clone(), wanted.clamp(lo, hi));
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        if execute {
            if !confirm(
                args,
                &format!(
                    "Reset offsets of group '{}' ({} partitions)?",
                    group.group_id,
                    plan.len()
                ),
            )? {
                eprintln!("Aborted.");
                return Ok(ExitStatus::Failure);
            }
            let offsets: HashMap<TopicPartition, i64> =
                plan.iter().map(|(k, v)| (k.clone(), *v)).collect();
            admin.alter_offsets(&group.group_id, &offsets).await?;
        }
        plans.insert(group.group_id.clone(), plan);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.format == OutputFormat::Json {
        let rows: Vec<_> = plans
            .iter()
            .flat_map(|(g, p)| p.iter().map(move |((t, part), o)| serde_json::json!({"group": g, "topic": t, "partition": part, "new_offset": o})))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if args.export {
        let single = args.group.len() == 1;
        let mut csv = String::new();
        for (g, plan) in &plans {
            for ((t, p), o) in plan {
                if single {
                    csv.push_str(&format!("{t},{p},{o}\n"));
                } else {
                    csv.push_str(&format!("{g},{t},{p},{o}\n"));
                }
            }
        }
        println!("{csv}");
    } else {
        for (g, plan) in &plans {
            if plan.is_empty() {
                continue;
            }
            print!(
                "\n{:<30} {:<30} {:<10} {:<15}",
                "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"
            );
            for ((t, p), o) in plan {
                print!("\n{g:<30} {t:<30} {p:<10} {o:<15}");
            }
            println!();
        }
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Reads a reset plan: rows of `topic,partition,offset` (for the one group given) or
/// `group,topic,partition,offset`.
fn read_reset_file(
    path: &PathBuf,
    groups: &[String],
) -> Result<BTreeMap<String, BTreeMap<TopicPartition, i64>>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Message(format!("cannot read {}: {e}", path.display())))?;
    let mut out: BTreeMap<String, BTreeMap<TopicPartition, i64>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = || {
            Error::Message(format!(
                "{}:{}: expected topic,partition,offset or group,topic,partition,offset",
                path.display(),
                n + 1
            ))
        };
        let (group, topic, p, o) = match cols.as_slice() {
            [t, p, o] if groups.len() == 1 => (groups[0].clone(), *t, *p, *o),
            [g, t, p, o] => (g.to_string(), *t, *p, *o),
            _ => return Err(bad()),
        };
        let p: i32 = p.parse().map_err(|_| bad())?;
        let o: i64 = o.parse().map_err(|_| bad())?;
        out.entry(group)
            .or_default()
            .insert((topic.to_string(), p), o);
    }
    Ok(out)
}

/// `YYYY-MM-DDTHH:mm:SS.sss` with an optional `Z` or `±hh:mm` (UTC when absent), in ms.
pub fn parse_datetime(s: &str) -> Result<i64> {
    let bad = || {
        usage(&format!(
            "Error parsing timestamp '{s}': expected YYYY-MM-DDTHH:mm:SS.sss"
        ))
    };
    let (date, rest) = s.split_once('T').ok_or_else(bad)?;
    let (time, offset_ms) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, zone) = rest.split_at(i);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (zh, zm) = zone[1..].split_once(':').ok_or_else(bad)?;
        let zh: i64 = zh.parse().map_err(|_| bad())?;
        let zm: i64 = zm.parse().map_err(|_| bad())?;
        (t, sign * (zh * 3600 + zm * 60) * 1000)
    } else {
        (rest, 0)
    };
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_>>()?;
    let (hms, millis) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms
        .split(':')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_>>()?;
    let [y, mo, day] = d.as_slice() else {
        return Err(bad());
    };
    let [h, mi, sec] = t.as_slice() else {
        return Err(bad());
    };
    let ms: i64 = format!("{millis:0<3}")[..3].parse().map_err(|_| bad())?;
    let days = days_from_civil(*y, *mo, *day);
    Ok(((days * 24 + h) * 3600 + mi * 60 + sec) * 1000 + ms - offset_ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO-8601 `PnDTnHnMnS` in ms.
pub fn parse_duration(s: &str) -> Result<i64> {
    let bad = || {
        usage(&format!(
            "Error parsing duration '{s}': expected PnDTnHnMnS"
        ))
    };
    let body = s
        .strip_prefix('P')
        .or_else(|| s.strip_prefix('p'))
        .ok_or_else(bad)?;
    let mut ms = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    for c in body.chars() {
        match c {
            'T' | 't' => in_time = true,
            '0'..='9' | '.' | '-' => number.push(c),
            unit => {
                let n: f64 = number.parse().map_err(|_| bad())?;
                number.clear();
                ms += n * match (unit.to_ascii_uppercase(), in_time) {
                    ('D', false) => 86_400_000.0,
                    ('H', true) => 3_600_000.0,
                    ('M', true) => 60_000.0,
                    ('S', true) => 1_000.0,
                    _ => return Err(bad()),
                };
            }
        }
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_and_durations() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00.000").unwrap(), 0);
        assert_eq!(
            parse_datetime("2024-02-29T12:30:15.5Z").unwrap(),
            1_709_209_815_500
        );
        assert_eq!(
            parse_datetime("2024-02-29T13:30:15.500+01:00").unwrap(),
            1_709_209_815_500
        );
        assert!(parse_datetime("yesterday").is_err());
        assert_eq!(parse_duration("PT1H").unwrap(), 3_600_000);
        assert_eq!(parse_duration("P1DT2M3S").unwrap(), 86_400_000 + 123_000);
        assert!(parse_duration("1H").is_err());
    }

    #[test]
    fn assignment_strings_as_apache_4() {
        let parts = vec![
            ("b".to_string(), 2),
            ("a".to_string(), 1),
            ("a".to_string(), 0),
        ];
        assert_eq!(assignment_string(&parts), "a:0,1;b:2");
        assert_eq!(assignment_string(&[]), "-");
    }
}
