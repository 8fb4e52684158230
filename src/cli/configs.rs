//! `kbox configs` (kafka-configs.sh): describe and alter topic, broker and group configs.

use std::path::PathBuf;

use clap::Args;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::admin::{config_source_name, Admin, AlterOp, ConfigEntry, ResourceType};
use crate::properties::Properties;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox configs --bootstrap-server localhost:9092 --describe --entity-type topics --entity-name orders
  kbox configs --bootstrap-server localhost:9092 --alter --topic orders --add-config retention.ms=86400000,cleanup.policy=[compact,delete]
  kbox configs --bootstrap-server localhost:9092 --describe --all --broker 1
  kbox configs --bootstrap-server localhost:9092 --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'")]
pub struct ConfigsArgs {
    /// The Kafka server(s) to connect to.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// List configs for the given entity.
    #[arg(long)]
    pub describe: bool,
    /// Alter the configuration of the entity.
    #[arg(long)]
    pub alter: bool,
    /// With --describe: every config, not only the overrides.
    #[arg(long)]
    pub all: bool,
    /// topics, brokers, broker-loggers, groups, users, clients or ips; users and clients may be
    /// given together (quotas of a user's client).
    #[arg(long = "entity-type")]
    pub entity_type: Vec<String>,
    /// Name of the entity (topic name, broker id, group id, user name).
    #[arg(long = "entity-name")]
    pub entity_name: Vec<String>,
    /// The cluster-wide default (brokers only).
    #[arg(long = "entity-default")]
    pub entity_default: bool,
    /// Shorthand for --entity-type topics --entity-name <topic>.
    #[arg(long)]
    pub topic: Option<String>,
    /// Shorthand for --entity-type brokers --entity-name <id>.
    #[arg(long)]
    pub broker: Option<String>,
    /// Shorthand for --entity-type brokers --entity-default.
    #[arg(long = "broker-defaults")]
    pub broker_defaults: bool,
    /// Shorthand for --entity-type broker-loggers --entity-name <id>.
    #[arg(long = "broker-logger")]
    pub broker_logger: Option<String>,
    /// Shorthand for --entity-type groups --entity-name <group>.
    #[arg(long)]
    pub group: Option<String>,
    /// Shorthand for --entity-type users --entity-name <user> (quotas, SCRAM credentials).
    #[arg(long)]
    pub user: Option<String>,
    /// Shorthand for --entity-type users --entity-default.
    #[arg(long = "user-defaults")]
    pub user_defaults: bool,
    /// Shorthand for --entity-type clients --entity-name <client id>.
    #[arg(long)]
    pub client: Option<String>,
    /// Shorthand for --entity-type clients --entity-default.
    #[arg(long = "client-defaults")]
    pub client_defaults: bool,
    /// Shorthand for --entity-type ips --entity-name <ip>.
    #[arg(long)]
    pub ip: Option<String>,
    /// Shorthand for --entity-type ips --entity-default.
    #[arg(long = "ip-defaults")]
    pub ip_defaults: bool,
    /// Configs to set: 'k1=v1,k2=[v1,v2,v2],k3=v3'.
    #[arg(long = "add-config")]
    pub add_config: Option<String>,
    /// A properties file of configs to set.
    #[arg(long = "add-config-file")]
    pub add_config_file: Option<PathBuf>,
    /// Config names to remove: 'k1,k2'.
    #[arg(long = "delete-config")]
    pub delete_config: Option<String>,
    /// Suppress console prompts.
    #[arg(long)]
    pub force: bool,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// The entity a command is about: type and name (`None` = the cluster default).
fn entity(args: &ConfigsArgs) -> Result<(ResourceType, &'static str, Option<String>)> {
    let shorthand = [
        args.topic.as_ref().map(|t| ("topics", Some(t.clone()))),
        args.broker.as_ref().map(|b| ("brokers", Some(b.clone()))),
        args.broker_defaults.then_some(("brokers", None)),
        args.broker_logger
            .as_ref()
            .map(|b| ("broker-loggers", Some(b.clone()))),
        args.group.as_ref().map(|g| ("groups", Some(g.clone()))),
    ];
    let chosen: Vec<_> = shorthand.into_iter().flatten().collect();
    if args.entity_type.len() > 1 || args.entity_name.len() > 1 {
        return Err(Error::Message(
            "Only 'users' and 'clients' entity types may be specified together".into(),
        ));
    }
    let (kind, name) = match (chosen.as_slice(), args.entity_type.first()) {
        ([one], None) => one.clone(),
        ([], Some(t)) => (
            match t.as_str() {
                "topics" => "topics",
                "brokers" => "brokers",
                "broker-loggers" => "broker-loggers",
                "groups" => "groups",
                other => {
                    return Err(Error::Message(format!(
                        "Invalid entity type {other}, the entity type must be one of topics, brokers, broker-loggers, groups, users, clients, ips (client-metrics is not supported by kbox yet)"
                    )))
                }
            },
            if args.entity_default { None } else { args.entity_name.first().cloned() },
        ),
        _ => return Err(Error::Message("Exactly one entity type (via --entity-type or a shorthand such as --topic) must be given".into())),
    };
    let resource = match kind {
        "topics" => ResourceType::Topic,
        "brokers" => ResourceType::Broker,
        "broker-loggers" => ResourceType::BrokerLogger,
        _ => ResourceType::Group,
    };
    Ok((resource, kind, name))
}

/// Splits `k1=v1,k2=[a,b]` into pairs, keeping commas inside brackets.
pub(super) fn parse_add_config(spec: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    let mut items = Vec::new();
    for c in spec.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    for item in items.into_iter().filter(|i| !i.trim().is_empty()) {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            Error::Message(format!("Invalid entity config: all configs to be added must be in the format \"key=val\". Found: {item}"))
        })?;
        let v = v.trim();
        let v = v
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(v);
        pairs.push((k.trim().to_string(), v.to_string()));
    }
    Ok(pairs)
}

fn entity_label(kind: &str, name: &Option<String>) -> String {
    let singular = match kind {
        "topics" => "topic",
        "brokers" => "broker",
        "broker-loggers" => "broker-logger",
        _ => "group",
    };
    match name {
        Some(n) => format!("{singular} {n}"),
        None => format!("default {singular}"),
    }
}

pub async fn run(args: ConfigsArgs) -> Result<ExitStatus> {
    if args.describe == args.alter {
        return Err(Error::Message(
            "Command must include exactly one action: --describe, --alter".into(),
        ));
    }
    let config = client_config(
        args.bootstrap_server.as_deref(),
        &args.command_config.iter().collect::<Vec<_>>(),
        &[],
        &[],
    )?;
    if super::configs_quotas::is_quota_entity(&args) {
        return super::configs_quotas::run(&args, Admin::new(config)?).await;
    }
    let (resource, kind, name) = entity(&args)?;
    let admin = Admin::new(config)?;
    if args.alter {
        let mut ops: Vec<AlterOp> = Vec::new();
        if let Some(spec) = &args.add_config {
            ops.extend(
                parse_add_config(spec)?
                    .into_iter()
                    .map(|(k, v)| AlterOp::Set(k, v)),
            );
        }
        if let Some(file) = &args.add_config_file {
            let props = Properties::load(file)
                .map_err(|e| Error::Message(format!("cannot read {}: {e}", file.display())))?;
            ops.extend(
                props
                    .iter()
                    .map(|(k, v)| AlterOp::Set(k.to_string(), v.to_string())),
            );
        }
        if let Some(spec) = &args.delete_config {
            ops.extend(
                spec.split(',')
                    .filter(|k| !k.trim().is_empty())
                    .map(|k| AlterOp::Delete(k.trim().to_string())),
            );
        }
        if ops.is_empty() {
            return Err(Error::Message("At least one of --add-config, --add-config-file or --delete-config must be specified with --alter".into()));
        }
        let target = name.clone().unwrap_or_default();
        admin
            .incremental_alter_configs(resource, &target, &ops, false)
            .await?;
        match &name {
            Some(_) => println!(
                "Completed updating config for {}.",
                entity_label(kind, &name)
            ),
            None => println!("Completed updating default config for {kind} in the cluster."),
        }
        return Ok(ExitStatus::Success);
    }
    // Describe: one entity, or every topic / broker when no name is given.
    let names: Vec<String> = match (&name, kind) {
        (Some(n), _) => vec![n.clone()],
        (None, "topics") => admin
            .list_topics(true)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        (None, "brokers") => {
            let mut ids: Vec<String> = admin
                .describe_cluster()
                .await?
                .brokers
                .iter()
                .map(|b| b.node_id.to_string())
                .collect();
            ids.push(String::new());
            ids
        }
        (None, _) => {
            return Err(Error::Message(format!(
                "--entity-name must be specified with --describe of {kind}"
            )))
        }
    };
    let described = admin
        .describe_configs(
            &names
                .iter()
                .map(|n| (resource, n.clone()))
                .collect::<Vec<_>>(),
            true,
        )
        .await?;
    let mut json = Vec::new();
    for (_, n, result) in described {
        let mut entries: Vec<ConfigEntry> = result?;
        entries.retain(|e| args.all || is_dynamic_for(kind, &n, e));
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        if args.format == OutputFormat::Json {
            json.push(serde_json::json!({
                "entity_type": kind, "entity_name": if n.is_empty() { serde_json::Value::Null } else { n.clone().into() },
                "configs": entries.iter().map(|e| serde_json::json!({
                    "name": e.name, "value": if e.is_sensitive { None } else { e.value.clone() },
                    "source": e.source_name(), "sensitive": e.is_sensitive, "read_only": e.read_only,
                })).collect::<Vec<_>>(),
            }));
            continue;
        }
        let label = if n.is_empty() {
            format!("Default configs for {kind} in the cluster are:")
        } else {
            format!(
                "{} configs for {} are:",
                if args.all { "All" } else { "Dynamic" },
                entity_label(kind, &Some(n.clone()))
            )
        };
        println!("{label}");
        for e in &entries {
            let value = if e.is_sensitive {
                "null".to_string()
            } else {
                e.value.clone().unwrap_or_else(|| "null".into())
            };
            let synonyms: Vec<String> = e
                .synonyms
                .iter()
                .map(|(k, v, s)| {
                    format!(
                        "{}:{k}={}",
                        config_source_name(*s),
                        v.as_deref().unwrap_or("null")
                    )
                })
                .collect();
            println!(
                "  {}={value} sensitive={} synonyms={{{}}}",
                e.name,
                e.is_sensitive,
                synonyms.join(", ")
            );
        }
    }
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::Value::Array(json));
    }
    Ok(ExitStatus::Success)
}

/// Without --all, Apache shows only what was set for this very entity.
fn is_dynamic_for(kind: &str, name: &str, e: &ConfigEntry) -> bool {
    match kind {
        "topics" => e.source == 1,
        "brokers" if name.is_empty() => e.source == 3,
        "brokers" => e.source == 2,
        "broker-loggers" => e.source == 6,
        _ => e.source == 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_config_keeps_bracketed_lists() {
        let pairs =
            parse_add_config("retention.ms=1000,cleanup.policy=[compact,delete],x=y").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("retention.ms".to_string(), "1000".to_string()),
                ("cleanup.policy".to_string(), "compact,delete".to_string()),
                ("x".to_string(), "y".to_string())
            ]
        );
        assert!(parse_add_config("novalue").is_err());
    }
}
