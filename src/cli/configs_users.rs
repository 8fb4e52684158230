//! SCRAM credentials for `kbox configs --entity-type users`, as kafka-configs.sh manages them
//! (the quotas of users, clients and IPs are in `configs_quotas.rs`).
//!
//! `--add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'` sets a credential
//! (iterations default to 4096), `--delete-config SCRAM-SHA-256` removes it, `--describe` lists
//! each user's mechanisms and iterations.

use crate::client::admin::Admin;
use crate::client::scram_admin::ScramAlteration;
use crate::security::scram::{ScramMechanism, MIN_ITERATIONS};
use crate::{Error, Result};

pub(super) fn mechanism(name: &str) -> Result<ScramMechanism> {
    ScramMechanism::from_name(name.trim()).ok_or_else(|| {
        Error::Message(format!(
            "Invalid config(s): {name} (SCRAM credentials are SCRAM-SHA-256 and SCRAM-SHA-512)"
        ))
    })
}

/// `iterations=8192,password=secret` (Kafka's bracketed SCRAM value).
pub(super) fn parse_scram_value(mechanism: ScramMechanism, value: &str) -> Result<(i32, String)> {
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

/// Is `key` a SCRAM mechanism (a credential) rather than a quota?
pub(super) fn is_scram_key(key: &str) -> bool {
    key.trim().to_ascii_uppercase().starts_with("SCRAM-")
}

/// The credential changes `--add-config` / `--delete-config` ask for on `user`.
pub(super) fn scram_alterations(
    user: &str,
    add: &[(String, String)],
    delete: &[String],
) -> Result<Vec<ScramAlteration>> {
    let mut alterations = Vec::new();
    for (key, value) in add {
        let m = mechanism(key)?;
        let (iterations, password) = parse_scram_value(m, value)?;
        alterations.push(ScramAlteration::Upsert {
            user: user.to_string(),
            mechanism: m,
            iterations,
            password,
        });
    }
    for key in delete {
        alterations.push(ScramAlteration::Delete {
            user: user.to_string(),
            mechanism: mechanism(key)?,
        });
    }
    Ok(alterations)
}

/// Each user's SCRAM credentials as `(user, ["SCRAM-SHA-256=iterations=4096", ...])`; users
/// without credentials are left out, as in kafka-configs.sh.
pub(super) async fn describe_scram(
    admin: &Admin,
    user: Option<&str>,
) -> Result<Vec<(String, Vec<String>)>> {
    let users = user.map(|u| vec![u.to_string()]);
    let mut out = Vec::new();
    for (user, result) in admin
        .describe_user_scram_credentials(users.as_deref())
        .await?
    {
        match result {
            Ok(credentials) if !credentials.is_empty() => {
                let list = credentials
                    .iter()
                    .map(|c| format!("{}=iterations={}", c.mechanism.name(), c.iterations))
                    .collect();
                out.push((user, list));
            }
            Ok(_)
            | Err(Error::Kafka {
                code: crate::protocol::ResponseError::ResourceNotFound,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
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
