//! `kbox configs --entity-type users`: SCRAM credentials, as kafka-configs.sh manages them.
//!
//! `--add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'` sets a credential
//! (iterations default to 4096), `--delete-config SCRAM-SHA-256` removes it, `--describe` lists
//! each user's mechanisms and iterations.

use super::configs::{parse_add_config, ConfigsArgs};
use super::ExitStatus;
use crate::client::admin::Admin;
use crate::client::scram_admin::ScramAlteration;
use crate::security::scram::{ScramMechanism, MIN_ITERATIONS};
use crate::{Error, Result};

fn mechanism(name: &str) -> Result<ScramMechanism> {
    ScramMechanism::from_name(name.trim()).ok_or_else(|| {
        Error::Message(format!(
            "Invalid config(s): {name} (kbox manages SCRAM-SHA-256 and SCRAM-SHA-512 credentials for users; quotas are not supported yet)"
        ))
    })
}

/// `iterations=8192,password=secret` (Kafka's bracketed SCRAM value).
fn parse_scram_value(mechanism: ScramMechanism, value: &str) -> Result<(i32, String)> {
    let mut iterations = MIN_ITERATIONS;
    let mut password = None;
    // The password may itself hold commas: everything after `password=` belongs to it.
    let mut rest = value;
    while !rest.is_empty() {
        if let Some(p) = rest.strip_prefix("password=") {
            password = Some(p.to_string());
            break;
        }
        let (item, tail) = rest.split_once(',').unwrap_or((rest, ""));
        match item.split_once('=') {
            Some(("iterations", n)) => {
                iterations = n.trim().parse().map_err(|_| {
                    Error::Message(format!("Invalid iterations {n} for {}", mechanism.name()))
                })?
            }
            _ => {
                return Err(Error::Message(format!(
                    "Invalid {} credential '{item}': expected [iterations=N,]password=...",
                    mechanism.name()
                )))
            }
        }
        rest = tail;
    }
    let password = password.filter(|p| !p.is_empty()).ok_or_else(|| {
        Error::Message(format!(
            "{} needs a password: {}=[password=...]",
            mechanism.name(),
            mechanism.name()
        ))
    })?;
    Ok((iterations, password))
}

pub async fn run(args: &ConfigsArgs, admin: Admin) -> Result<ExitStatus> {
    let user = args.entity_name.clone();
    if args.alter {
        let user = user.ok_or_else(|| {
            Error::Message("--entity-name must be specified with --alter of users".into())
        })?;
        let mut alterations = Vec::new();
        if let Some(spec) = &args.add_config {
            for (key, value) in parse_add_config(spec)? {
                let m = mechanism(&key)?;
                let (iterations, password) = parse_scram_value(m, &value)?;
                alterations.push(ScramAlteration::Upsert {
                    user: user.clone(),
                    mechanism: m,
                    iterations,
                    password,
                });
            }
        }
        if let Some(spec) = &args.delete_config {
            for key in spec.split(',').filter(|k| !k.trim().is_empty()) {
                alterations.push(ScramAlteration::Delete {
                    user: user.clone(),
                    mechanism: mechanism(key)?,
                });
            }
        }
        if alterations.is_empty() {
            return Err(Error::Message(
                "At least one of --add-config or --delete-config must be specified with --alter"
                    .into(),
            ));
        }
        for (_, result) in admin.alter_user_scram_credentials(&alterations).await? {
            result?;
        }
        println!("Completed updating config for user {user}.");
        return Ok(ExitStatus::Success);
    }
    let users = user.map(|u| vec![u]);
    let described = admin
        .describe_user_scram_credentials(users.as_deref())
        .await?;
    for (user, result) in described {
        match result {
            Ok(credentials) if !credentials.is_empty() => {
                let list: Vec<String> = credentials
                    .iter()
                    .map(|c| format!("{}=iterations={}", c.mechanism.name(), c.iterations))
                    .collect();
                println!(
                    "SCRAM credential configs for user-principal '{user}' are {}",
                    list.join(", ")
                );
            }
            // A user without credentials has nothing to show, as in kafka-configs.sh.
            Ok(_)
            | Err(Error::Kafka {
                code: crate::protocol::ResponseError::ResourceNotFound,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_values_parse_as_kafka_configs_writes_them() {
        let m = ScramMechanism::Sha256;
        assert_eq!(
            parse_scram_value(m, "iterations=8192,password=a,b").unwrap(),
            (8192, "a,b".to_string())
        );
        assert_eq!(
            parse_scram_value(m, "password=secret").unwrap(),
            (4096, "secret".to_string())
        );
        assert!(parse_scram_value(m, "iterations=x,password=p").is_err());
        assert!(parse_scram_value(m, "iterations=8192").is_err());
        assert!(mechanism("producer_byte_rate").is_err());
    }
}
