//! `kbox reassign-partitions` (kafka-reassign-partitions.sh): propose (--generate), start
//! (--execute), check (--verify), cancel (--cancel) and list (--list) partition
//! reassignments, with Apache's JSON files and output lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clap::Args;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::admin::{AlterOp, ResourceType};
use crate::client::Admin;
use crate::{Error, Result};

const CANNOT_EXECUTE_BECAUSE_OF_EXISTING: &str = "Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.";
const LEADER_RATE: &str = "leader.replication.throttled.rate";
const FOLLOWER_RATE: &str = "follower.replication.throttled.rate";
const LEADER_REPLICAS: &str = "leader.replication.throttled.replicas";
const FOLLOWER_REPLICAS: &str = "follower.replication.throttled.replicas";
const RUN_VERIFY_PERIODICALLY: &str = "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.";

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  echo '{\"topics\":[{\"topic\":\"orders\"}],\"version\":1}' > move.json
  kbox reassign-partitions --bootstrap-server localhost:9092 --generate --topics-to-move-json-file move.json --broker-list 2,3
  kbox reassign-partitions --bootstrap-server localhost:9092 --execute --reassignment-json-file plan.json
  kbox reassign-partitions --bootstrap-server localhost:9092 --verify --reassignment-json-file plan.json")]
pub struct ReassignPartitionsArgs {
    /// The server(s) to use for bootstrapping.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file containing configs to be passed to the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Generate a candidate reassignment moving the topics of --topics-to-move-json-file to
    /// the brokers of --broker-list. Prints it; changes nothing.
    #[arg(long)]
    pub generate: bool,
    /// Start the reassignment of --reassignment-json-file.
    #[arg(long)]
    pub execute: bool,
    /// Check whether the reassignment of --reassignment-json-file completed.
    #[arg(long)]
    pub verify: bool,
    /// Cancel the active reassignment of --reassignment-json-file's partitions.
    #[arg(long)]
    pub cancel: bool,
    /// List every active partition reassignment.
    #[arg(long)]
    pub list: bool,
    /// {"partitions":[{"topic":"foo","partition":1,"replicas":[1,2,3],"log_dirs":["any","any","any"]}],"version":1}
    #[arg(long = "reassignment-json-file")]
    pub reassignment_json_file: Option<PathBuf>,
    /// {"topics":[{"topic":"foo"},{"topic":"foo1"}],"version":1}
    #[arg(long = "topics-to-move-json-file")]
    pub topics_to_move_json_file: Option<PathBuf>,
    /// Brokers to move the partitions to, as "0,1,2" (with --generate).
    #[arg(long = "broker-list")]
    pub broker_list: Option<String>,
    /// Ignore broker racks when generating.
    #[arg(long = "disable-rack-aware")]
    pub disable_rack_aware: bool,
    /// Inter-broker throttle in bytes/sec while the partitions move (followers' fetches of
    /// the moving replicas are held to it); --verify removes it once done.
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    pub throttle: i64,
    /// Log-dir move throttle in bytes/sec (accepted; kbox does not move replicas between log
    /// dirs).
    #[arg(long = "replica-alter-log-dirs-throttle", default_value_t = -1, allow_hyphen_values = true)]
    pub replica_alter_log_dirs_throttle: i64,
    /// Maximum time in ms to wait for log-dir moves to begin.
    #[arg(long, default_value_t = 10000)]
    pub timeout: i64,
    /// Execute in addition to reassignments already running.
    #[arg(long)]
    pub additional: bool,
    /// Do not modify broker or topic throttles.
    #[arg(long = "preserve-throttles")]
    pub preserve_throttles: bool,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

type Plan = Vec<((String, i32), Vec<i32>)>;
/// Partitions and their new replicas (None cancels).
type Changes = Vec<((String, i32), Option<Vec<i32>>)>;

/// A reassignment JSON file: partitions and their target replicas (log dirs must be "any").
/// The plan in `--reassignment-json-file`.
fn plan_of(args: &ReassignPartitionsArgs) -> Result<Plan> {
    parse_plan(&read(
        &args.reassignment_json_file,
        "reassignment-json-file",
    )?)
}

fn parse_plan(text: &str) -> Result<Plan> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::Message(format!("The reassignment JSON is not valid JSON: {e}")))?;
    let list = json
        .get("partitions")
        .and_then(|p| p.as_array())
        .ok_or_else(|| Error::Message("Partition reassignment list cannot be empty".into()))?;
    if list.is_empty() {
        return Err(Error::Message(
            "Partition reassignment list cannot be empty".into(),
        ));
    }
    let mut plan: Plan = Vec::new();
    for entry in list {
        let topic = entry.get("topic").and_then(|t| t.as_str());
        let partition = entry.get("partition").and_then(|p| p.as_i64());
        let replicas: Option<Vec<i32>> = entry.get("replicas").and_then(|r| {
            r.as_array()?
                .iter()
                .map(|v| v.as_i64().map(|n| n as i32))
                .collect()
        });
        let (Some(topic), Some(partition), Some(replicas)) = (topic, partition, replicas) else {
            return Err(Error::Message(format!(
                "Invalid partition entry in the reassignment JSON: {entry}"
            )));
        };
        let name = format!("{topic}-{partition}");
        if let Some(dirs) = entry.get("log_dirs").and_then(|d| d.as_array()) {
            if dirs.len() != replicas.len() {
                return Err(Error::Message(format!(
                    "Size of replicas list {replicas:?} is different from size of log dirs list {dirs:?} for partition {name}"
                )));
            }
            if dirs.iter().any(|d| d.as_str() != Some("any")) {
                return Err(Error::Message(format!(
                    "{name}: kbox does not move replicas between log directories; use \"any\" in log_dirs"
                )));
            }
        }
        let distinct: BTreeSet<i32> = replicas.iter().copied().collect();
        if distinct.len() != replicas.len() {
            return Err(Error::Message(format!(
                "Partition replica lists may not contain duplicate entries: {name} contains multiple entries for {}",
                replicas
                    .iter()
                    .find(|r| replicas.iter().filter(|x| x == r).count() > 1)
                    .copied()
                    .unwrap_or_default()
            )));
        }
        let tp = (topic.to_string(), partition as i32);
        if plan.iter().any(|(p, _)| *p == tp) {
            return Err(Error::Message(format!(
                "Partition reassignment contains duplicate topic partitions: {name}"
            )));
        }
        plan.push((tp, replicas));
    }
    plan.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(plan)
}

/// Apache's reassignment JSON (Jackson's compact form, keys in Apache's order).
fn plan_json(plan: &[((String, i32), Vec<i32>)]) -> String {
    let parts: Vec<String> = plan
        .iter()
        .map(|((t, p), replicas)| {
            let list = |items: Vec<String>| items.join(",");
            format!(
                "{{\"topic\":{},\"partition\":{p},\"replicas\":[{}],\"log_dirs\":[{}]}}",
                serde_json::Value::String(t.clone()),
                list(replicas.iter().map(|r| r.to_string()).collect()),
                list(replicas.iter().map(|_| "\"any\"".to_string()).collect())
            )
        })
        .collect();
    format!("{{\"version\":1,\"partitions\":[{}]}}", parts.join(","))
}

fn read(path: &Option<PathBuf>, option: &str) -> Result<String> {
    let path = path
        .as_ref()
        .ok_or_else(|| Error::Message(format!("Missing required argument \"[{option}]\"")))?;
    std::fs::read_to_string(path)
        .map_err(|e| Error::Message(format!("cannot read {}: {e}", path.display())))
}

/// The current replicas of `topics`' partitions.
async fn current_assignment(admin: &Admin, topics: &[String]) -> Result<Plan> {
    let mut out = Vec::new();
    for t in admin.describe_topics(topics).await? {
        if let Some(e) = Error::from_code(t.error_code, None) {
            return Err(Error::Message(format!(
                "Topic {}: {}",
                t.name,
                e.kafka_message()
            )));
        }
        for p in &t.partitions {
            out.push(((t.name.clone(), p.partition), p.replicas.clone()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

pub async fn run(args: ReassignPartitionsArgs) -> Result<ExitStatus> {
    let actions = [
        args.generate,
        args.execute,
        args.verify,
        args.cancel,
        args.list,
    ];
    if actions.iter().filter(|a| **a).count() != 1 {
        return Err(Error::Message(
            "Command must include exactly one action: --execute, --generate, --verify, --cancel, --list".into(),
        ));
    }
    if args.bootstrap_server.is_none() {
        return Err(Error::Message("Please specify --bootstrap-server".into()));
    }
    let config = client_config(
        args.bootstrap_server.as_deref(),
        &args.command_config.iter().collect::<Vec<_>>(),
        &[],
        &[],
    )?;
    let admin = Admin::new(config)?;
    let json = args.format == OutputFormat::Json;
    if args.generate {
        generate(&admin, &args, json).await
    } else if args.execute {
        execute(&admin, &args, json).await
    } else if args.verify {
        verify(&admin, &args, json).await
    } else if args.cancel {
        cancel(&admin, &args, json).await
    } else {
        list(&admin, json).await
    }
}

async fn generate(admin: &Admin, args: &ReassignPartitionsArgs, json: bool) -> Result<ExitStatus> {
    let text = read(&args.topics_to_move_json_file, "topics-to-move-json-file")?;
    let brokers_text = args
        .broker_list
        .as_deref()
        .ok_or_else(|| Error::Message("Missing required argument \"[broker-list]\"".into()))?;
    let brokers: Vec<i32> = brokers_text
        .split(',')
        .map(|b| {
            b.trim()
                .parse()
                .map_err(|_| Error::Message(format!("Invalid broker id in --broker-list: {b}")))
        })
        .collect::<Result<_>>()?;
    let distinct: BTreeSet<i32> = brokers.iter().copied().collect();
    if distinct.len() != brokers.len() {
        return Err(Error::Message(format!(
            "Broker list contains duplicate entries: {brokers_text}"
        )));
    }
    let topics_json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::Message(format!("The topics JSON is not valid JSON: {e}")))?;
    let topics: Vec<String> = topics_json
        .get("topics")
        .and_then(|t| t.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|t| t.get("topic").and_then(|n| n.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if topics.is_empty() {
        return Err(Error::Message("The topics JSON lists no topic".into()));
    }
    let current = current_assignment(admin, &topics).await?;
    let cluster = admin.describe_cluster().await?;
    // Kafka's placement over exactly the listed brokers (with their racks unless disabled).
    let mut image = crate::broker::metadata::MetadataImage::default();
    for id in &brokers {
        let rack = cluster
            .brokers
            .iter()
            .find(|b| b.node_id == *id)
            .and_then(|b| b.rack.clone())
            .filter(|_| !args.disable_rack_aware);
        image.brokers.insert(
            *id,
            crate::broker::metadata::BrokerRegistration {
                id: *id,
                endpoints: vec![],
                rack,
                fenced: false,
            },
        );
    }
    let mut proposed: Plan = Vec::new();
    for topic in &topics {
        let parts: Vec<&((String, i32), Vec<i32>)> =
            current.iter().filter(|(tp, _)| &tp.0 == topic).collect();
        let rf = parts.first().map(|(_, r)| r.len()).unwrap_or(1);
        let start = (uuid::Uuid::new_v4().as_u128() % 1_000_003) as usize;
        let placed = crate::broker::quorum::controller::place_replicas(
            &image,
            brokers[0],
            parts.len() as i32,
            rf,
            0,
            start,
        )
        .map_err(Error::Message)?;
        for ((tp, _), replicas) in parts.into_iter().zip(placed) {
            proposed.push((tp.clone(), replicas));
        }
    }
    if json {
        println!(
            "{{\"current\":{},\"proposed\":{}}}",
            plan_json(&current),
            plan_json(&proposed)
        );
    } else {
        println!(
            "Current partition replica assignment\n{}\n",
            plan_json(&current)
        );
        println!(
            "Proposed partition reassignment configuration\n{}",
            plan_json(&proposed)
        );
    }
    Ok(ExitStatus::Success)
}

async fn execute(admin: &Admin, args: &ReassignPartitionsArgs, json: bool) -> Result<ExitStatus> {
    let plan = plan_of(args)?;
    let running = admin.list_partition_reassignments().await?;
    if !args.additional && !running.is_empty() {
        return Err(Error::Message(CANNOT_EXECUTE_BECAUSE_OF_EXISTING.into()));
    }
    let known: BTreeSet<i32> = admin
        .describe_cluster()
        .await?
        .brokers
        .iter()
        .map(|b| b.node_id)
        .collect();
    if let Some(unknown) = plan
        .iter()
        .flat_map(|(_, r)| r)
        .find(|b| !known.contains(b))
    {
        return Err(Error::Message(format!("Unknown broker id {unknown}")));
    }
    let topics: Vec<String> = plan
        .iter()
        .map(|((t, _), _)| t.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let current: Plan = current_assignment(admin, &topics)
        .await?
        .into_iter()
        .filter(|(tp, _)| plan.iter().any(|(p, _)| p == tp))
        .collect();
    if !json {
        println!(
            "Current partition replica assignment\n\n{}\n\nSave this to use as the --reassignment-json-file option during rollback",
            plan_json(&current)
        );
        if args.throttle >= 0 || args.replica_alter_log_dirs_throttle >= 0 {
            println!("{RUN_VERIFY_PERIODICALLY}");
        }
    }
    if args.throttle >= 0 {
        set_throttles(admin, &plan, &current, args.throttle).await?;
        if !json {
            println!(
                "The inter-broker throttle limit was set to {} B/s",
                args.throttle
            );
        }
    }
    let changes: Changes = plan
        .iter()
        .map(|(tp, r)| (tp.clone(), Some(r.clone())))
        .collect();
    let results = admin.alter_partition_reassignments(&changes).await?;
    let mut errors: Vec<(String, String)> = results
        .iter()
        .filter_map(|((t, p), r)| {
            r.as_ref()
                .err()
                .map(|e| (format!("{t}-{p}"), e.kafka_message()))
        })
        .collect();
    errors.sort();
    let started: Vec<String> = plan.iter().map(|((t, p), _)| format!("{t}-{p}")).collect();
    if json {
        let errors: BTreeMap<&String, &String> = errors.iter().map(|(k, v)| (k, v)).collect();
        println!(
            "{}",
            serde_json::json!({"current": serde_json::from_str::<serde_json::Value>(&plan_json(&current)).unwrap_or_default(),
                "started": if errors.is_empty() { started.clone() } else { Vec::new() }, "errors": errors})
        );
    }
    if !errors.is_empty() {
        let lines: Vec<String> = errors.iter().map(|(p, e)| format!("{p}: {e}")).collect();
        return Err(Error::Message(format!(
            "Error reassigning partition(s):\n{}",
            lines.join("\n")
        )));
    }
    if !json {
        println!(
            "Successfully started partition reassignment{} for {}",
            if plan.len() == 1 { "" } else { "s" },
            started.join(",")
        );
    }
    Ok(ExitStatus::Success)
}

async fn verify(admin: &Admin, args: &ReassignPartitionsArgs, json: bool) -> Result<ExitStatus> {
    let plan = plan_of(args)?;
    let running = admin.list_partition_reassignments().await?;
    let topics: Vec<String> = plan
        .iter()
        .map(|((t, _), _)| t.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let current = current_assignment(admin, &topics).await.unwrap_or_default();
    let mut lines = vec!["Status of partition reassignment:".to_string()];
    let mut rows = Vec::new();
    for ((t, p), target) in &plan {
        let name = format!("{t}-{p}");
        let (state, line) = if running.iter().any(|(tp, ..)| tp.0 == *t && tp.1 == *p) {
            (
                "in_progress",
                format!("Reassignment of partition {name} is still in progress."),
            )
        } else {
            let replicas = current
                .iter()
                .find(|(tp, _)| tp.0 == *t && tp.1 == *p)
                .map(|(_, r)| r.clone())
                .unwrap_or_default();
            if &replicas == target {
                (
                    "completed",
                    format!("Reassignment of partition {name} is completed."),
                )
            } else {
                let join = |l: &[i32]| {
                    l.iter()
                        .map(|r| r.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                (
                    "differs",
                    format!(
                        "There is no active reassignment of partition {name}, but replica set is {} rather than {}.",
                        join(&replicas),
                        join(target)
                    ),
                )
            }
        };
        rows.push(serde_json::json!({"topic": t, "partition": p, "state": state}));
        lines.push(line);
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"partitions": rows, "ongoing": !running.is_empty()})
        );
        if running.is_empty() && !args.preserve_throttles {
            clear_throttles(admin, &plan, false).await?;
        }
        return Ok(ExitStatus::Success);
    }
    println!("{}", lines.join("\n"));
    // Apache then prints the (empty) log-dir move states.
    println!();
    if running.is_empty() && !args.preserve_throttles {
        clear_throttles(admin, &plan, true).await?;
    }
    Ok(ExitStatus::Success)
}

/// Removes the replication throttles (Apache's clearAllThrottles): the rates on every broker
/// of the cluster and of the plan, the throttled-replica lists of the plan's topics.
async fn clear_throttles(admin: &Admin, plan: &Plan, print: bool) -> Result<()> {
    let mut brokers: BTreeSet<i32> = admin
        .describe_cluster()
        .await?
        .brokers
        .iter()
        .map(|b| b.node_id)
        .collect();
    brokers.extend(plan.iter().flat_map(|(_, r)| r.iter().copied()));
    let topics: BTreeSet<&String> = plan.iter().map(|((t, _), _)| t).collect();
    let join = |items: Vec<String>| items.join(",");
    let say = |line: String| {
        if print {
            println!("{line}");
        }
    };
    say(format!(
        "Clearing broker-level throttles on broker{} {}",
        if brokers.len() == 1 { "" } else { "s" },
        join(brokers.iter().map(|b| b.to_string()).collect())
    ));
    let delete = |keys: &[&str]| -> Vec<AlterOp> {
        keys.iter()
            .map(|k| AlterOp::Delete(k.to_string()))
            .collect()
    };
    for b in &brokers {
        // A broker that is down cannot be reached for its own config: not an error here.
        let _ = admin
            .incremental_alter_configs(
                ResourceType::Broker,
                &b.to_string(),
                &delete(&[
                    LEADER_RATE,
                    FOLLOWER_RATE,
                    "replica.alter.log.dirs.io.max.bytes.per.second",
                ]),
                false,
            )
            .await;
    }
    say(format!(
        "Clearing topic-level throttles on topic{} {}",
        if topics.len() == 1 { "" } else { "s" },
        join(topics.iter().map(|t| t.to_string()).collect())
    ));
    for t in topics {
        admin
            .incremental_alter_configs(
                ResourceType::Topic,
                t,
                &delete(&[LEADER_REPLICAS, FOLLOWER_REPLICAS]),
                false,
            )
            .await?;
    }
    Ok(())
}

/// Apache's throttle for --execute --throttle: leader throttles on the current replicas of
/// the moving partitions, follower throttles on the replicas being added, and the rate on
/// every broker involved.
async fn set_throttles(admin: &Admin, plan: &Plan, current: &Plan, rate: i64) -> Result<()> {
    let mut leader: BTreeMap<&String, Vec<String>> = BTreeMap::new();
    let mut follower: BTreeMap<&String, Vec<String>> = BTreeMap::new();
    let mut brokers = BTreeSet::new();
    for ((t, p), target) in plan {
        let now = current
            .iter()
            .find(|(tp, _)| tp.0 == *t && tp.1 == *p)
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        if now == *target {
            continue;
        }
        leader
            .entry(t)
            .or_default()
            .extend(now.iter().map(|b| format!("{p}:{b}")));
        follower.entry(t).or_default().extend(
            target
                .iter()
                .filter(|b| !now.contains(b))
                .map(|b| format!("{p}:{b}")),
        );
        brokers.extend(now.iter().chain(target.iter()).copied());
    }
    for (t, list) in &leader {
        let mut ops = vec![AlterOp::Set(LEADER_REPLICAS.into(), list.join(","))];
        if let Some(f) = follower.get(t).filter(|f| !f.is_empty()) {
            ops.push(AlterOp::Set(FOLLOWER_REPLICAS.into(), f.join(",")));
        }
        admin
            .incremental_alter_configs(ResourceType::Topic, t, &ops, false)
            .await?;
    }
    for b in brokers {
        let ops = [
            AlterOp::Set(LEADER_RATE.into(), rate.to_string()),
            AlterOp::Set(FOLLOWER_RATE.into(), rate.to_string()),
        ];
        admin
            .incremental_alter_configs(ResourceType::Broker, &b.to_string(), &ops, false)
            .await?;
    }
    Ok(())
}

async fn cancel(admin: &Admin, args: &ReassignPartitionsArgs, json: bool) -> Result<ExitStatus> {
    let plan = plan_of(args)?;
    let running = admin.list_partition_reassignments().await?;
    let active: Vec<(String, i32)> = plan
        .iter()
        .map(|(tp, _)| tp.clone())
        .filter(|tp| running.iter().any(|(r, ..)| r == tp))
        .collect();
    let mut cancelled = Vec::new();
    if !active.is_empty() {
        let changes: Changes = active.iter().map(|tp| (tp.clone(), None)).collect();
        let results = admin.alter_partition_reassignments(&changes).await?;
        let mut errors: Vec<String> = results
            .iter()
            .filter_map(|((t, p), r)| {
                r.as_ref()
                    .err()
                    .map(|e| format!("{t}-{p}: {}", e.kafka_message()))
            })
            .collect();
        errors.sort();
        if !errors.is_empty() {
            return Err(Error::Message(format!(
                "Error cancelling partition reassignment{} for:\n{}",
                if errors.len() == 1 { "" } else { "s" },
                errors.join("\n")
            )));
        }
        cancelled = active.iter().map(|(t, p)| format!("{t}-{p}")).collect();
    }
    if json {
        println!("{}", serde_json::json!({"cancelled": cancelled}));
        if !args.preserve_throttles {
            clear_throttles(admin, &plan, false).await?;
        }
        return Ok(ExitStatus::Success);
    }
    if cancelled.is_empty() {
        println!("None of the specified partition reassignments are active.");
    } else {
        println!(
            "Successfully cancelled partition reassignment{} for: {}",
            if cancelled.len() == 1 { "" } else { "s" },
            cancelled.join(",")
        );
    }
    // Apache prints this without a line end.
    print!("None of the specified partition moves are active.");
    if !args.preserve_throttles {
        clear_throttles(admin, &plan, true).await?;
    } else {
        println!();
    }
    Ok(ExitStatus::Success)
}

async fn list(admin: &Admin, json: bool) -> Result<ExitStatus> {
    let running = admin.list_partition_reassignments().await?;
    let join = |l: &[i32]| {
        l.iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    if json {
        let rows: Vec<serde_json::Value> = running
            .iter()
            .map(|((t, p), replicas, adding, removing)| {
                serde_json::json!({"topic": t, "partition": p, "replicas": replicas, "adding": adding, "removing": removing})
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(ExitStatus::Success);
    }
    if running.is_empty() {
        println!("No partition reassignments found.");
        return Ok(ExitStatus::Success);
    }
    println!("Current partition reassignments:");
    for ((t, p), replicas, adding, removing) in &running {
        let mut line = format!("{t}-{p}: replicas: {}.", join(replicas));
        if !adding.is_empty() {
            line.push_str(&format!(" adding: {}.", join(adding)));
        }
        if !removing.is_empty() {
            line.push_str(&format!(" removing: {}.", join(removing)));
        }
        println!("{line}");
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassignment_files_read_and_print_as_apache_does() {
        let text = r#"{"version":1,"partitions":[{"topic":"b","partition":0,"replicas":[2,3],"log_dirs":["any","any"]},{"topic":"a","partition":1,"replicas":[1]}]}"#;
        let plan = parse_plan(text).unwrap();
        assert_eq!(
            plan,
            vec![
                (("a".to_string(), 1), vec![1]),
                (("b".to_string(), 0), vec![2, 3])
            ]
        );
        assert_eq!(
            plan_json(&plan),
            r#"{"version":1,"partitions":[{"topic":"a","partition":1,"replicas":[1],"log_dirs":["any"]},{"topic":"b","partition":0,"replicas":[2,3],"log_dirs":["any","any"]}]}"#
        );
        assert!(
            parse_plan(r#"{"partitions":[{"topic":"a","partition":0,"replicas":[1,1]}]}"#)
                .unwrap_err()
                .to_string()
                .contains("duplicate entries")
        );
        assert!(parse_plan(r#"{"partitions":[]}"#).is_err());
        assert!(parse_plan(
            r#"{"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":["/d"]}]}"#
        )
        .is_err());
    }
}
