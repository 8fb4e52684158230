//! `kbox configs --entity-type users|clients|ips`: client quotas (and users' SCRAM
//! credentials), as kafka-configs.sh manages them through AlterClientQuotas,
//! DescribeClientQuotas and the SCRAM credential APIs.
//!
//! Entities: `--entity-type users --entity-name alice`, `--entity-type clients --entity-default`,
//! users and clients together for the quotas of one user's client, or the shorthands `--user`,
//! `--client`, `--ip`, `--user-defaults`, `--client-defaults`, `--ip-defaults`. Names are paired
//! with entity types in order; `--entity-default` stands for the types left without a name.

use super::common::OutputFormat;
use super::configs::{parse_add_config, ConfigsArgs};
use super::configs_users::{describe_scram, is_scram_key, scram_alterations};
use super::ExitStatus;
use crate::client::admin::{Admin, QuotaEntity, QuotaMatch};
use crate::{Error, Result};

/// One entity component: Kafka's entity type (`user`, `client-id`, `ip`) and a name, `None`
/// for the default entity, or no name at all (describe every entity of the type).
#[derive(Debug, Clone, PartialEq)]
struct Component {
    entity_type: &'static str,
    name: Name,
}

#[derive(Debug, Clone, PartialEq)]
enum Name {
    Named(String),
    Default,
    Unnamed,
}

fn quota_type(plural: &str) -> Option<&'static str> {
    match plural {
        "users" => Some("user"),
        "clients" => Some("client-id"),
        "ips" => Some("ip"),
        _ => None,
    }
}

/// Does the command address users, clients or IPs?
pub fn is_quota_entity(args: &ConfigsArgs) -> bool {
    args.user.is_some()
        || args.client.is_some()
        || args.ip.is_some()
        || args.user_defaults
        || args.client_defaults
        || args.ip_defaults
        || args
            .entity_type
            .first()
            .is_some_and(|t| quota_type(t).is_some())
}

fn components(args: &ConfigsArgs) -> Result<Vec<Component>> {
    let mut out = Vec::new();
    let shorthands = [
        ("user", &args.user, args.user_defaults),
        ("client-id", &args.client, args.client_defaults),
        ("ip", &args.ip, args.ip_defaults),
    ];
    for (entity_type, name, default) in shorthands {
        match (name, default) {
            (Some(n), _) => out.push(Component {
                entity_type,
                name: Name::Named(n.clone()),
            }),
            (None, true) => out.push(Component {
                entity_type,
                name: Name::Default,
            }),
            _ => {}
        }
    }
    if !out.is_empty() && !args.entity_type.is_empty() {
        return Err(Error::Message(
            "--entity-type cannot be combined with --user, --client or --ip".into(),
        ));
    }
    let mut names = args.entity_name.iter();
    for t in &args.entity_type {
        let entity_type = quota_type(t).ok_or_else(|| {
            Error::Message(
                "Only 'users' and 'clients' entity types may be specified together".into(),
            )
        })?;
        let name = match names.next() {
            Some(n) => Name::Named(n.clone()),
            None if args.entity_default => Name::Default,
            None => Name::Unnamed,
        };
        out.push(Component { entity_type, name });
    }
    if names.next().is_some() {
        return Err(Error::Message(
            "More --entity-name values than --entity-type values".into(),
        ));
    }
    let types: Vec<&str> = out.iter().map(|c| c.entity_type).collect();
    let valid = matches!(
        types.as_slice(),
        [_] | ["user", "client-id"] | ["client-id", "user"]
    );
    if !valid {
        return Err(Error::Message(
            "Only 'users' and 'clients' entity types may be specified together".into(),
        ));
    }
    // Kafka names user before client.
    out.sort_by_key(|c| c.entity_type != "user");
    Ok(out)
}

/// `user-principal 'alice', client-id 'app'` or `the default user-principal`, as Kafka prints.
fn describe_entity(entity: &QuotaEntity) -> String {
    let mut parts = Vec::new();
    for wanted in ["user", "client-id", "ip"] {
        if let Some((_, name)) = entity.iter().find(|(t, _)| t == wanted) {
            let label = if wanted == "user" {
                "user-principal"
            } else {
                wanted
            };
            parts.push(match name {
                Some(n) => format!("{label} '{n}'"),
                None => format!("the default {label}"),
            });
        }
    }
    parts.join(", ")
}

/// A Java double as `Double.toString` prints the quota values Kafka's tool shows (`1024.0`).
fn java_double(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

pub async fn run(args: &ConfigsArgs, admin: Admin) -> Result<ExitStatus> {
    let components = components(args)?;
    if args.alter {
        alter(args, &admin, &components).await
    } else {
        describe(args, &admin, &components).await
    }
}

async fn alter(args: &ConfigsArgs, admin: &Admin, components: &[Component]) -> Result<ExitStatus> {
    if components.iter().any(|c| c.name == Name::Unnamed) {
        return Err(Error::Message(
            "--entity-name or --entity-default must be specified with each --entity-type for --alter".into(),
        ));
    }
    let added = match &args.add_config {
        Some(spec) => parse_add_config(spec)?,
        None => Vec::new(),
    };
    let deleted: Vec<String> = args
        .delete_config
        .iter()
        .flat_map(|s| s.split(','))
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    if added.is_empty() && deleted.is_empty() {
        return Err(Error::Message(
            "At least one of --add-config or --delete-config must be specified with --alter".into(),
        ));
    }
    let (scram_add, quota_add): (Vec<_>, Vec<_>) =
        added.into_iter().partition(|(k, _)| is_scram_key(k));
    let (scram_delete, quota_delete): (Vec<_>, Vec<_>) =
        deleted.into_iter().partition(|k| is_scram_key(k));

    let entity: QuotaEntity = components
        .iter()
        .map(|c| {
            let name = match &c.name {
                Name::Named(n) => Some(n.clone()),
                _ => None,
            };
            (c.entity_type.to_string(), name)
        })
        .collect();
    if !scram_add.is_empty() || !scram_delete.is_empty() {
        let user = match components {
            [Component { entity_type: "user", name: Name::Named(u) }] => u.clone(),
            _ => {
                return Err(Error::Message(
                    "SCRAM credentials belong to one named user: --entity-type users --entity-name <user>".into(),
                ))
            }
        };
        for (_, result) in admin
            .alter_user_scram_credentials(&scram_alterations(&user, &scram_add, &scram_delete)?)
            .await?
        {
            result?;
        }
    }
    let mut ops: Vec<(String, Option<f64>)> = Vec::new();
    for (key, value) in quota_add {
        let v: f64 = value.trim().parse().map_err(|_| {
            Error::Message(format!(
                "Invalid value {value} for configuration {key}: Not a number of type DOUBLE"
            ))
        })?;
        ops.push((key, Some(v)));
    }
    ops.extend(quota_delete.into_iter().map(|k| (k, None)));
    if !ops.is_empty() {
        admin.alter_client_quotas(&entity, &ops, false).await?;
    }
    let first = &components[0];
    let plural = match first.entity_type {
        "user" => "users",
        "client-id" => "clients",
        _ => "ips",
    };
    match &first.name {
        Name::Named(n) => println!(
            "Completed updating config for {} {n}.",
            &plural[..plural.len() - 1]
        ),
        _ => println!("Completed updating default config for {plural} in the cluster."),
    }
    Ok(ExitStatus::Success)
}

async fn describe(
    args: &ConfigsArgs,
    admin: &Admin,
    components: &[Component],
) -> Result<ExitStatus> {
    let filter: Vec<(String, QuotaMatch)> = components
        .iter()
        .map(|c| {
            let m = match &c.name {
                Name::Named(n) => QuotaMatch::Exact(n.clone()),
                Name::Default => QuotaMatch::Default,
                Name::Unnamed => QuotaMatch::Any,
            };
            (c.entity_type.to_string(), m)
        })
        .collect();
    let mut quotas = admin.describe_client_quotas(&filter, true).await?;
    quotas.sort_by(|a, b| a.0.cmp(&b.0));
    // A lone users entity also shows SCRAM credentials, as kafka-configs.sh does.
    let scram = match components {
        [Component {
            entity_type: "user",
            name,
        }] if *name != Name::Default => {
            let user = match name {
                Name::Named(n) => Some(n.as_str()),
                _ => None,
            };
            describe_scram(admin, user).await?
        }
        _ => Vec::new(),
    };
    if args.format == OutputFormat::Json {
        let quotas: Vec<serde_json::Value> = quotas
            .iter()
            .map(|(entity, values)| {
                let entity: serde_json::Map<String, serde_json::Value> = entity
                    .iter()
                    .map(|(t, n)| {
                        (
                            t.clone(),
                            n.clone().map_or(serde_json::Value::Null, Into::into),
                        )
                    })
                    .collect();
                let values: serde_json::Map<String, serde_json::Value> = values
                    .iter()
                    .map(|(k, v)| (k.clone(), (*v).into()))
                    .collect();
                serde_json::json!({ "entity": entity, "quotas": values })
            })
            .collect();
        let scram: Vec<serde_json::Value> = scram
            .iter()
            .map(|(user, creds)| serde_json::json!({ "user": user, "credentials": creds }))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "quotas": quotas, "scram_credentials": scram })
        );
        return Ok(ExitStatus::Success);
    }
    for (entity, values) in &quotas {
        let list: Vec<String> = values
            .iter()
            .map(|(k, v)| format!("{k}={}", java_double(*v)))
            .collect();
        println!(
            "Quota configs for {} are {}",
            describe_entity(entity),
            list.join(", ")
        );
    }
    for (user, credentials) in &scram {
        println!(
            "SCRAM credential configs for user-principal '{user}' are {}",
            credentials.join(", ")
        );
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_print_as_kafka_prints_them() {
        let e = vec![
            ("client-id".to_string(), Some("app".to_string())),
            ("user".to_string(), Some("alice".to_string())),
        ];
        assert_eq!(
            describe_entity(&e),
            "user-principal 'alice', client-id 'app'"
        );
        assert_eq!(
            describe_entity(&vec![("user".to_string(), None)]),
            "the default user-principal"
        );
        assert_eq!(
            describe_entity(&vec![("ip".to_string(), Some("10.0.0.1".to_string()))]),
            "ip '10.0.0.1'"
        );
        assert_eq!(java_double(1024.0), "1024.0");
        assert_eq!(java_double(12.5), "12.5");
    }
}
