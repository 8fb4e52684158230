//! `kbox broker-api-versions` (kafka-broker-api-versions.sh): every broker's API version ranges,
//! and the version kbox would use with each (`usable`).

use std::path::PathBuf;

use clap::Args;
use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::VersionRange;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::cluster::Client;
use crate::Result;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox broker-api-versions --bootstrap-server localhost:9092
  kbox broker-api-versions --bootstrap-server localhost:9092 --format json")]
pub struct BrokerApiVersionsArgs {
    /// REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// How kbox and a broker agree on one API.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Usable {
    Version(i16),
    NodeTooOld,
    NodeTooNew,
    /// An API kbox's codecs do not know.
    Unknown,
}

fn usable(key: i16, broker: VersionRange) -> Usable {
    let Ok(api) = ApiKey::try_from(key) else {
        return Usable::Unknown;
    };
    let ours = api.valid_versions();
    if broker.max < ours.min {
        Usable::NodeTooOld
    } else if broker.min > ours.max {
        Usable::NodeTooNew
    } else {
        Usable::Version(broker.max.min(ours.max))
    }
}

/// Apache's name and key: `Produce(0)`.
fn api_label(key: i16) -> String {
    match ApiKey::try_from(key) {
        Ok(api) => format!("{api:?}({key})"),
        Err(_) => format!("UNKNOWN({key})"),
    }
}

/// One API line as Apache's NodeApiVersions prints it.
fn describe(key: i16, broker: Option<VersionRange>) -> String {
    let Some(range) = broker else {
        return format!("{}: UNSUPPORTED", api_label(key));
    };
    let versions = if range.min == range.max {
        range.min.to_string()
    } else {
        format!("{} to {}", range.min, range.max)
    };
    let usable = match usable(key, range) {
        Usable::Version(v) => format!("[usable: {v}]"),
        Usable::NodeTooOld => "[unusable: node too old]".to_string(),
        Usable::NodeTooNew => "[unusable: node too new]".to_string(),
        Usable::Unknown => String::new(),
    };
    format!("{}: {versions} {usable}", api_label(key))
        .trim_end()
        .to_string()
}

pub async fn run(args: BrokerApiVersionsArgs) -> Result<ExitStatus> {
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let client = Client::new(config)?;
    let metadata = client.refresh_metadata(Some(&[]), false).await?;
    let mut brokers: Vec<_> = metadata.brokers.values().cloned().collect();
    brokers.sort_by_key(|b| b.node_id);
    let mut json = Vec::new();
    for broker in brokers {
        let conn = client.connection(broker.node_id).await?;
        let ranges = conn.broker_ranges();
        let rack = broker.rack.clone().unwrap_or_else(|| "null".into());
        if args.format == OutputFormat::Json {
            let apis: Vec<serde_json::Value> = ranges
                .iter()
                .map(|(key, range)| {
                    let usable = match usable(*key, *range) {
                        Usable::Version(v) => serde_json::json!(v),
                        _ => serde_json::Value::Null,
                    };
                    serde_json::json!({
                        "name": ApiKey::try_from(*key).map_or("UNKNOWN".to_string(), |a| format!("{a:?}")),
                        "key": key, "min_version": range.min, "max_version": range.max, "usable": usable,
                    })
                })
                .collect();
            json.push(serde_json::json!({
                "id": broker.node_id, "host": broker.host, "port": broker.port,
                "rack": broker.rack, "apis": apis,
            }));
            continue;
        }
        // Every API kbox knows, in key order, then any the broker has that kbox does not.
        let mut lines: Vec<(i16, String)> = ApiKey::iter()
            .map(|api| {
                let key = api as i16;
                let range = ranges.iter().find(|(k, _)| *k == key).map(|(_, r)| *r);
                (key, describe(key, range))
            })
            .filter(|(key, line)| {
                // Controller-only APIs would only add noise to a broker's list.
                !line.ends_with("UNSUPPORTED") || !is_controller_only(*key)
            })
            .collect();
        for (key, range) in &ranges {
            if ApiKey::try_from(*key).is_err() {
                lines.push((*key, describe(*key, Some(*range))));
            }
        }
        lines.sort_by_key(|(k, _)| *k);
        let body: Vec<String> = lines.into_iter().map(|(_, l)| l).collect();
        println!(
            "{}:{} (id: {} rack: {rack}) -> (\n\t{}\n)",
            broker.host,
            broker.port,
            broker.node_id,
            body.join(",\n\t")
        );
    }
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::Value::Array(json));
    }
    Ok(ExitStatus::Success)
}

/// KRaft and inter-controller APIs a client never sends to a broker.
fn is_controller_only(key: i16) -> bool {
    matches!(
        ApiKey::try_from(key),
        Ok(ApiKey::Vote
            | ApiKey::BeginQuorumEpoch
            | ApiKey::EndQuorumEpoch
            | ApiKey::DescribeQuorum
            | ApiKey::FetchSnapshot
            | ApiKey::BrokerRegistration
            | ApiKey::BrokerHeartbeat
            | ApiKey::UnregisterBroker
            | ApiKey::AllocateProducerIds
            | ApiKey::ControllerRegistration
            | ApiKey::AddRaftVoter
            | ApiKey::RemoveRaftVoter
            | ApiKey::UpdateRaftVoter
            | ApiKey::AssignReplicasToDirs
            | ApiKey::AlterPartition
            | ApiKey::Envelope
            | ApiKey::UpdateFeatures)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_apache() {
        let r = |min, max| VersionRange { min, max };
        assert_eq!(
            describe(0, Some(r(3, 11))),
            "Produce(0): 3 to 11 [usable: 11]"
        );
        assert_eq!(
            describe(18, Some(r(0, 0))),
            "ApiVersions(18): 0 [usable: 0]"
        );
        assert_eq!(describe(1, None), "Fetch(1): UNSUPPORTED");
        assert_eq!(describe(999, Some(r(0, 2))), "UNKNOWN(999): 0 to 2");
        let ours = ApiKey::Fetch.valid_versions();
        assert_eq!(
            describe(1, Some(r(ours.max + 1, ours.max + 3))),
            "Fetch(1): ".to_string()
                + &format!(
                    "{} to {} [unusable: node too new]",
                    ours.max + 1,
                    ours.max + 3
                )
        );
    }
}
