//! `kbox acls` (kafka-acls.sh): add, remove and list ACLs, with Apache's flags and output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clap::Args;

use super::common::{client_config, confirm, OutputFormat};
use super::ExitStatus;
use crate::acl::{
    AclBinding, AclFilter, AclOperation, PatternType, PermissionType, ResourceType, CLUSTER_NAME,
    WILDCARD,
};
use crate::client::admin::Admin;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox acls --bootstrap-server localhost:9092 --add --allow-principal User:alice --operation Read --topic orders
  kbox acls --bootstrap-server localhost:9092 --add --allow-principal User:bob --producer --topic logs- --resource-pattern-type prefixed
  kbox acls --bootstrap-server localhost:9092 --add --allow-principal User:carol --consumer --topic orders --group billing
  kbox acls --bootstrap-server localhost:9092 --list --topic orders
  kbox acls --bootstrap-server localhost:9092 --remove --force --allow-principal User:alice --operation Read --topic orders")]
pub struct AclsArgs {
    /// REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// A property file containing configs to be passed to the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Indicates you are trying to add ACLs.
    #[arg(long, conflicts_with_all = ["remove", "list"])]
    pub add: bool,
    /// Indicates you are trying to remove ACLs.
    #[arg(long, conflicts_with = "list")]
    pub remove: bool,
    /// List ACLs for the specified resource (all ACLs when none is given).
    #[arg(long)]
    pub list: bool,
    /// Topic to which ACLs should be added or removed; '*' means all topics (repeatable).
    #[arg(long)]
    pub topic: Vec<String>,
    /// Add/Remove cluster ACLs.
    #[arg(long)]
    pub cluster: bool,
    /// Consumer group to which ACLs should be added or removed; '*' means all groups (repeatable).
    #[arg(long)]
    pub group: Vec<String>,
    /// Transactional id to which ACLs should be added or removed (repeatable).
    #[arg(long = "transactional-id")]
    pub transactional_id: Vec<String>,
    /// Delegation token to which ACLs should be added or removed (repeatable).
    #[arg(long = "delegation-token")]
    pub delegation_token: Vec<String>,
    /// A user principal as a resource, for CreateTokens/DescribeTokens (repeatable).
    #[arg(long = "user-principal")]
    pub user_principal: Vec<String>,
    /// Pattern type: literal or prefixed when adding; also any or match when listing or
    /// removing [default: literal; any for --list].
    #[arg(long = "resource-pattern-type")]
    pub resource_pattern_type: Option<String>,
    /// Operation being allowed or denied: Read, Write, Create, Delete, Alter, Describe,
    /// ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens,
    /// DescribeTokens, All (repeatable) [default: All].
    #[arg(long)]
    pub operation: Vec<String>,
    /// Principal in principalType:name form, e.g. User:alice, or User:'*' (repeatable).
    #[arg(long = "allow-principal")]
    pub allow_principal: Vec<String>,
    /// Principal to deny; deny rules take precedence over allow rules (repeatable).
    #[arg(long = "deny-principal")]
    pub deny_principal: Vec<String>,
    /// With --list: only the ACLs of this principal (repeatable).
    #[arg(long)]
    pub principal: Vec<String>,
    /// Host the allowed principals may connect from [default: * when --allow-principal].
    #[arg(long = "allow-host")]
    pub allow_host: Vec<String>,
    /// Host the denied principals are denied from [default: * when --deny-principal].
    #[arg(long = "deny-host")]
    pub deny_host: Vec<String>,
    /// Producer role: WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on
    /// transactional ids; IDEMPOTENT_WRITE on the cluster with --idempotent).
    #[arg(long)]
    pub producer: bool,
    /// Consumer role: READ, DESCRIBE on the topics and READ on the groups.
    #[arg(long)]
    pub consumer: bool,
    /// With --producer: also IDEMPOTENT_WRITE on the cluster.
    #[arg(long)]
    pub idempotent: bool,
    /// Assume yes to all queries and do not prompt.
    #[arg(long)]
    pub force: bool,
    /// Output format for --list: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// A resource pattern (or, for --list and --remove, a pattern filter).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Resource {
    resource_type: ResourceType,
    name: String,
    pattern: PatternType,
}

/// An access control entry: who, from where, what, allow or deny.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    principal: String,
    host: String,
    operation: AclOperation,
    permission: PermissionType,
}

const USAGE_RESOURCE: &str =
    "You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>";

pub async fn run(args: AclsArgs) -> Result<ExitStatus> {
    let actions = [args.add, args.remove, args.list]
        .iter()
        .filter(|a| **a)
        .count();
    if actions != 1 {
        return Err(Error::Message(
            "Command must include exactly one action: --list, --add, --remove.".into(),
        ));
    }
    if args.bootstrap_server.is_none()
        && args.command_config.is_none()
        && super::profiles::global().profile.is_empty()
    {
        return Err(Error::Message(
            "Missing required argument \"[bootstrap-server]\"".into(),
        ));
    }
    if (args.producer || args.consumer) && !args.operation.is_empty() {
        return Err(Error::Message(
            "Option \"[producer]\" can't be used with option \"[operation]\"".into(),
        ));
    }
    if args.idempotent && !args.producer {
        return Err(Error::Message(
            "The --idempotent option is only available if --producer is set".into(),
        ));
    }
    if args.consumer && (args.topic.is_empty() || args.group.is_empty()) {
        return Err(Error::Message(
            "With --consumer you must specify a --topic and a --group".into(),
        ));
    }
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let admin = Admin::new(config)?;
    if args.add {
        add(&admin, &args).await?;
    } else if args.remove {
        remove(&admin, &args).await?;
    } else {
        list(&admin, &args).await?;
    }
    Ok(ExitStatus::Success)
}

fn pattern_type(args: &AclsArgs, default: PatternType) -> Result<PatternType> {
    match &args.resource_pattern_type {
        None => Ok(default),
        Some(text) => PatternType::parse(text).ok_or_else(|| {
            Error::Message(format!(
                "Invalid resource-pattern-type '{text}': expected literal, prefixed, any or match"
            ))
        }),
    }
}

/// Every resource the flags name, with the pattern type.
fn resources(args: &AclsArgs, pattern: PatternType, must_have: bool) -> Result<Vec<Resource>> {
    let mut out = Vec::new();
    let mut push = |resource_type, names: &[String]| {
        for n in names {
            out.push(Resource {
                resource_type,
                name: n.trim().to_string(),
                pattern,
            });
        }
    };
    push(ResourceType::Topic, &args.topic);
    push(ResourceType::Group, &args.group);
    push(ResourceType::TransactionalId, &args.transactional_id);
    push(ResourceType::DelegationToken, &args.delegation_token);
    push(ResourceType::User, &args.user_principal);
    if pattern == PatternType::Literal && (args.cluster || args.idempotent) {
        out.push(Resource {
            resource_type: ResourceType::Cluster,
            name: CLUSTER_NAME.into(),
            pattern,
        });
    }
    if out.is_empty() && must_have {
        return Err(Error::Message(USAGE_RESOURCE.into()));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn principals(list: &[String]) -> Result<Vec<String>> {
    list.iter()
        .map(|p| {
            let p = p.trim();
            match p.split_once(':') {
                Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok(p.to_string()),
                _ => Err(Error::Message(format!(
                    "Could not parse principal from `{p}` (no colon is found)."
                ))),
            }
        })
        .collect()
}

/// The entries for `operations`, for every allowed and denied principal and host.
fn entries(args: &AclsArgs, operations: &[AclOperation]) -> Result<Vec<Entry>> {
    let hosts = |given: &[String], principals: &[String]| -> Vec<String> {
        if !given.is_empty() {
            given.iter().map(|h| h.trim().to_string()).collect()
        } else if !principals.is_empty() {
            vec![WILDCARD.to_string()]
        } else {
            Vec::new()
        }
    };
    let mut out = BTreeSet::new();
    for (people, host_flags, permission) in [
        (
            &args.allow_principal,
            &args.allow_host,
            PermissionType::Allow,
        ),
        (&args.deny_principal, &args.deny_host, PermissionType::Deny),
    ] {
        let people = principals(people)?;
        for principal in &people {
            for host in hosts(host_flags, &people) {
                for operation in operations {
                    out.insert(Entry {
                        principal: principal.clone(),
                        host: host.clone(),
                        operation: *operation,
                        permission,
                    });
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn operations(args: &AclsArgs) -> Result<Vec<AclOperation>> {
    if args.operation.is_empty() {
        return Ok(vec![AclOperation::All]);
    }
    args.operation
        .iter()
        .map(|o| {
            AclOperation::parse(o)
                .filter(|op| *op != AclOperation::Any)
                .ok_or_else(|| Error::Message(format!("Invalid operation '{o}'")))
        })
        .collect()
}

/// Resource -> entries, as the flags ask (with the --producer and --consumer shortcuts).
fn wanted(args: &AclsArgs, pattern: PatternType) -> Result<BTreeMap<Resource, Vec<Entry>>> {
    use AclOperation::*;
    let resources = resources(args, pattern, true)?;
    let mut map: BTreeMap<Resource, Vec<Entry>> = BTreeMap::new();
    let mut add = |r: &Resource, e: Vec<Entry>| map.entry(r.clone()).or_default().extend(e);
    if !args.producer && !args.consumer {
        let e = entries(args, &operations(args)?)?;
        for r in &resources {
            add(r, e.clone());
        }
    }
    if args.producer {
        for r in &resources {
            match r.resource_type {
                ResourceType::Topic => add(r, entries(args, &[Write, Describe, Create])?),
                ResourceType::TransactionalId => add(r, entries(args, &[Write, Describe])?),
                ResourceType::Cluster if args.idempotent => {
                    add(r, entries(args, &[IdempotentWrite])?)
                }
                _ => {}
            }
        }
    }
    if args.consumer {
        for r in &resources {
            match r.resource_type {
                ResourceType::Topic => add(r, entries(args, &[Read, Describe])?),
                ResourceType::Group => add(r, entries(args, &[Read])?),
                _ => {}
            }
        }
    }
    for (resource, entries) in map.iter_mut() {
        entries.sort();
        entries.dedup();
        if let Some(bad) = entries.iter().find(|e| {
            e.operation != All
                && !resource
                    .resource_type
                    .supported_operations()
                    .contains(&e.operation)
        }) {
            let _ = bad;
            let ops: Vec<&str> = resource
                .resource_type
                .supported_operations()
                .iter()
                .map(|o| o.name())
                .chain(["ALL"])
                .collect();
            return Err(Error::Message(format!(
                "ResourceType {} only supports operations {}",
                resource.resource_type,
                ops.join(",")
            )));
        }
    }
    Ok(map)
}

fn binding(r: &Resource, e: &Entry) -> AclBinding {
    AclBinding {
        resource_type: r.resource_type,
        resource_name: r.name.clone(),
        pattern_type: r.pattern,
        principal: e.principal.clone(),
        host: e.host.clone(),
        operation: e.operation,
        permission: e.permission,
    }
}

fn pattern_filter(r: &Resource) -> AclFilter {
    AclFilter {
        resource_type: r.resource_type,
        resource_name: Some(r.name.clone()),
        pattern_type: r.pattern,
        principal: None,
        host: None,
        operation: AclOperation::Any,
        permission: PermissionType::Any,
    }
}

fn resource_text(r: &Resource, filter: bool) -> String {
    format!(
        "{}(resourceType={}, name={}, patternType={})",
        if filter {
            "ResourcePatternFilter"
        } else {
            "ResourcePattern"
        },
        r.resource_type,
        r.name,
        r.pattern
    )
}

fn entry_text(e: &Entry) -> String {
    format!(
        "(principal={}, host={}, operation={}, permissionType={})",
        e.principal, e.host, e.operation, e.permission
    )
}

async fn add(admin: &Admin, args: &AclsArgs) -> Result<()> {
    let pattern = pattern_type(args, PatternType::Literal)?;
    if !matches!(pattern, PatternType::Literal | PatternType::Prefixed) {
        return Err(Error::Message(format!(
            "A '--resource-pattern-type' value of '{pattern}' is not valid when adding acls."
        )));
    }
    let wanted = wanted(args, pattern)?;
    if wanted.values().any(Vec::is_empty) {
        return Err(Error::Message(
            "You must specify one of: --allow-principal, --deny-principal when trying to add ACLs."
                .into(),
        ));
    }
    for (resource, entries) in &wanted {
        let existing = admin.describe_acls(&pattern_filter(resource)).await?;
        let mut new = Vec::new();
        for e in entries {
            let b = binding(resource, e);
            if existing.contains(&b) {
                println!(
                    "Acl (pattern={}, entry={}) already exists.",
                    b.pattern_text(),
                    b.entry_text()
                );
            } else {
                new.push(b);
            }
        }
        if new.is_empty() {
            continue;
        }
        let lines: Vec<String> = new
            .iter()
            .map(|b| format!("\t{}", b.entry_text()))
            .collect();
        println!(
            "Adding ACLs for resource `{}`: \n {}\n",
            resource_text(resource, false),
            lines.join("\n")
        );
        for result in admin.create_acls(&new).await? {
            result?;
        }
    }
    Ok(())
}

async fn remove(admin: &Admin, args: &AclsArgs) -> Result<()> {
    let pattern = pattern_type(args, PatternType::Literal)?;
    let wanted = wanted(args, pattern)?;
    for (resource, entries) in &wanted {
        let question = if entries.is_empty() {
            format!(
                "Are you sure you want to delete all ACLs for resource filter `{}`? (y/n)",
                resource_text(resource, true)
            )
        } else {
            let lines: Vec<String> = entries
                .iter()
                .map(|e| format!("\t{}", entry_text(e)))
                .collect();
            format!(
                "Are you sure you want to remove ACLs: \n {}\n from resource filter `{}`? (y/n)",
                lines.join("\n"),
                resource_text(resource, true)
            )
        };
        if !confirm(args.force, &question)? {
            continue;
        }
        let filters: Vec<AclFilter> = if entries.is_empty() {
            vec![pattern_filter(resource)]
        } else {
            entries
                .iter()
                .map(|e| AclFilter {
                    principal: Some(e.principal.clone()),
                    host: Some(e.host.clone()),
                    operation: e.operation,
                    permission: e.permission,
                    ..pattern_filter(resource)
                })
                .collect()
        };
        for result in admin.delete_acls(&filters).await? {
            result?;
        }
    }
    Ok(())
}

async fn list(admin: &Admin, args: &AclsArgs) -> Result<()> {
    let pattern = pattern_type(args, PatternType::Any)?;
    let filters: Vec<AclFilter> = match resources(args, pattern, false)? {
        r if r.is_empty() => vec![AclFilter {
            resource_type: ResourceType::Any,
            resource_name: None,
            pattern_type: PatternType::Any,
            principal: None,
            host: None,
            operation: AclOperation::Any,
            permission: PermissionType::Any,
        }],
        r => r.iter().map(pattern_filter).collect(),
    };
    let mut found: BTreeMap<Resource, BTreeSet<Entry>> = BTreeMap::new();
    for filter in &filters {
        for b in admin.describe_acls(filter).await? {
            let resource = Resource {
                resource_type: b.resource_type,
                name: b.resource_name.clone(),
                pattern: b.pattern_type,
            };
            let entry = Entry {
                principal: b.principal,
                host: b.host,
                operation: b.operation,
                permission: b.permission,
            };
            found.entry(resource).or_default().insert(entry);
        }
    }
    let only = principals(&args.principal)?;
    if args.format == OutputFormat::Json {
        let acls: Vec<serde_json::Value> = found
            .iter()
            .flat_map(|(r, entries)| entries.iter().map(move |e| (r, e)))
            .filter(|(_, e)| only.is_empty() || only.contains(&e.principal))
            .map(|(r, e)| {
                serde_json::json!({
                    "resource_type": r.resource_type.name(), "resource_name": r.name, "pattern_type": r.pattern.name(),
                    "principal": e.principal, "host": e.host, "operation": e.operation.name(), "permission": e.permission.name(),
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "acls": acls }));
        return Ok(());
    }
    let print = |found: &BTreeMap<Resource, BTreeSet<Entry>>, who: Option<&str>| {
        for (resource, entries) in found {
            let lines: Vec<String> = entries
                .iter()
                .filter(|e| who.is_none_or(|p| e.principal == p))
                .map(|e| format!("\t{}", entry_text(e)))
                .collect();
            if !lines.is_empty() {
                println!(
                    "Current ACLs for resource `{}`:\n{}\n",
                    resource_text(resource, false),
                    lines.join("\n")
                );
            }
        }
    };
    if only.is_empty() {
        print(&found, None);
    } else {
        for p in &only {
            println!("ACLs for principal `{p}`");
            print(&found, Some(p));
        }
    }
    Ok(())
}
