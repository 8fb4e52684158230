//! `kbox metadata-quorum` (kafka-metadata-quorum.sh): `describe --status` and
//! `describe --replication [--human-readable]`, `add-controller` and `remove-controller`
//! (KIP-853's dynamic quorum), in Apache's output format. `--bootstrap-controller` talks to the
//! controllers' CONTROLLER listener directly.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::common::client_config;
use super::ExitStatus;
use crate::client::admin::{Admin, QuorumInfo, QuorumReplica};
use crate::properties::Properties;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox metadata-quorum --bootstrap-server localhost:9092 describe --status
  kafka-metadata-quorum.sh --bootstrap-server localhost:9092 describe --replication --human-readable
  kbox metadata-quorum --bootstrap-controller localhost:9093 add-controller --command-config controller.properties
  kbox metadata-quorum --bootstrap-controller localhost:9093 remove-controller --controller-id 3 --controller-directory-id <id>")]
pub struct MetadataQuorumArgs {
    /// A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.
    #[arg(long = "bootstrap-server", conflicts_with = "bootstrap_controller")]
    pub bootstrap_server: Option<String>,
    /// A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.
    #[arg(long = "bootstrap-controller")]
    pub bootstrap_controller: Option<String>,
    /// Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well.
    #[arg(long = "command-config", visible_alias = "config", global = true)]
    pub command_config: Option<PathBuf>,
    #[command(subcommand)]
    pub action: QuorumAction,
}

#[derive(Debug, Subcommand)]
pub enum QuorumAction {
    /// Describe the metadata quorum info.
    Describe {
        /// A short summary of the quorum status.
        #[arg(long)]
        status: bool,
        /// Detailed information about the status of replication.
        #[arg(long)]
        replication: bool,
        /// Human-readable output (with --replication).
        #[arg(long = "human-readable")]
        human_readable: bool,
    },
    /// Add a controller to the KRaft controller cluster.
    AddController {
        /// True if we should print what would be done, but not do it.
        #[arg(long = "dry-run")]
        dry_run: bool,
    },
    /// Remove a controller from the KRaft controller cluster.
    RemoveController {
        /// The id of the controller to remove.
        #[arg(long = "controller-id", short = 'i', allow_negative_numbers = true)]
        controller_id: i32,
        /// The directory ID of the controller to remove.
        #[arg(long = "controller-directory-id", short = 'd')]
        controller_directory_id: String,
        /// True if we should print what would be done, but not do it.
        #[arg(long = "dry-run")]
        dry_run: bool,
    },
}

pub async fn run(args: MetadataQuorumArgs) -> Result<ExitStatus> {
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let bootstrap = args
        .bootstrap_server
        .as_deref()
        .or(args.bootstrap_controller.as_deref());
    let admin = || -> Result<Admin> {
        let config = client_config(bootstrap, &files, &[], &[])?;
        Admin::new(config)
    };
    match args.action {
        QuorumAction::Describe {
            status,
            replication,
            human_readable,
        } => {
            if status && replication {
                return Err(Error::Message(
                    "Only one of --status or --replication should be specified with describe sub-command".into(),
                ));
            }
            if status && human_readable {
                return Err(Error::Message(
                    "The option --human-readable is only supported along with --replication".into(),
                ));
            }
            if !status && !replication {
                return Err(Error::Message(
                    "One of --status or --replication must be specified with describe sub-command"
                        .into(),
                ));
            }
            let admin = admin()?;
            let info = admin.describe_metadata_quorum().await?;
            if replication {
                print!(
                    "{}",
                    replication_table(&info, human_readable, crate::broker::now_ms())
                );
            } else {
                let cluster_id = admin.describe_cluster().await?.cluster_id;
                print!("{}", status_text(&cluster_id, &info));
            }
        }
        QuorumAction::AddController { dry_run } => {
            let Some(file) = &args.command_config else {
                return Err(Error::Message(
                    "You must supply the configuration file of the controller you are adding when using add-controller.".into(),
                ));
            };
            let controller = ControllerToAdd::from_file(file)?;
            if !dry_run {
                admin()?
                    .add_raft_voter(
                        controller.id,
                        controller.directory_id,
                        &controller.endpoints,
                    )
                    .await
                    .map_err(|e| Error::Message(e.kafka_message()))?;
            }
            println!("{}", controller.added_line(dry_run));
        }
        QuorumAction::RemoveController {
            controller_id,
            controller_directory_id,
            dry_run,
        } => {
            if controller_id < 0 {
                return Err(Error::Message(format!(
                    "Invalid negative --controller-id: {controller_id}"
                )));
            }
            let directory_id =
                crate::broker::storage_format::uuid_from_kafka_string(&controller_directory_id)
                    .map_err(|e| {
                        Error::Message(format!("Failed to parse --controller-directory-id: {e}"))
                    })?;
            if !dry_run {
                admin()?
                    .remove_raft_voter(controller_id, directory_id)
                    .await
                    .map_err(|e| Error::Message(e.kafka_message()))?;
            }
            // Apache's format string puts two spaces after "Removed".
            println!(
                "{} KRaft controller {controller_id} with directory id {}",
                if dry_run {
                    "DRY RUN of removing "
                } else {
                    "Removed "
                },
                crate::broker::storage_format::uuid_to_kafka_string(directory_id)
            );
        }
    }
    Ok(ExitStatus::Success)
}

/// The controller `add-controller` adds, read from its configuration file as Apache's tool
/// reads it: node.id, the directory id in its metadata directory's meta.properties, and the
/// (advertised) endpoints of its controller listeners.
#[derive(Debug, PartialEq)]
struct ControllerToAdd {
    id: i32,
    directory_id: uuid::Uuid,
    /// (listener, host, port)
    endpoints: Vec<(String, String, u16)>,
}

impl ControllerToAdd {
    fn from_file(path: &Path) -> Result<ControllerToAdd> {
        if !path.exists() {
            return Err(Error::Message(format!(
                "Properties file {} does not exist.",
                path.display()
            )));
        }
        let props = Properties::load(path).map_err(|e| Error::Message(e.to_string()))?;
        let get = |k: &str| props.get(k).map(str::trim).filter(|v| !v.is_empty());
        let invalid = |m: String| {
            Error::Message(format!(
                "{m} Is this a valid controller configuration file?"
            ))
        };
        let id: i32 = get("node.id")
            .ok_or_else(|| invalid("node.id not found in configuration file.".into()))?
            .parse()
            .map_err(|_| invalid("node.id is not a number in configuration file.".into()))?;
        if id < 0 {
            return Err(invalid(
                "node.id was negative in configuration file.".into(),
            ));
        }
        if !get("process.roles").unwrap_or("").contains("controller") {
            return Err(invalid(
                "process.roles did not contain 'controller' in configuration file.".into(),
            ));
        }
        let dir = get("metadata.log.dir")
            .map(str::to_string)
            .or_else(|| {
                get("log.dirs")
                    .or_else(|| get("log.dir"))
                    .and_then(|d| d.split(',').next().map(|d| d.trim().to_string()))
            })
            .ok_or_else(|| invalid("Neither metadata.log.dir nor log.dirs were found.".into()))?;
        let meta = crate::broker::storage_format::MetaProperties::read(Path::new(&dir))
            .ok()
            .flatten()
            .ok_or_else(|| Error::Message(format!("Unable to read meta.properties from {dir}")))?;
        let directory_id = meta
            .directory_id
            .as_deref()
            .and_then(|d| crate::broker::storage_format::uuid_from_kafka_string(d).ok())
            .ok_or_else(|| Error::Message(format!("No directory id found in {dir}")))?;
        let names = get("controller.listener.names")
            .ok_or_else(|| invalid("controller.listener.names was not found.".into()))?;
        // Advertised listeners win over listeners of the same name.
        let mut listeners: Vec<(String, String, u16)> = Vec::new();
        for key in ["listeners", "advertised.listeners"] {
            for item in get(key)
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
            {
                let Some((name, address)) = item.split_once("://") else {
                    continue;
                };
                let Some((host, port)) = address.rsplit_once(':') else {
                    continue;
                };
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let host = if host.is_empty() { "localhost" } else { host };
                let Ok(port) = port.parse::<u16>() else {
                    continue;
                };
                listeners.retain(|(n, _, _)| !n.eq_ignore_ascii_case(name));
                listeners.push((name.to_uppercase(), host.to_string(), port));
            }
        }
        let mut endpoints = Vec::new();
        for name in names.split(',').map(str::trim) {
            let endpoint = listeners
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Error::Message(format!(
                        "Cannot find information about controller listener name: {name}"
                    ))
                })?;
            endpoints.push(endpoint.clone());
        }
        Ok(ControllerToAdd {
            id,
            directory_id,
            endpoints,
        })
    }

    /// Apache's line: `Added controller 4 with directory id X and endpoints: CONTROLLER://h:p`.
    fn added_line(&self, dry_run: bool) -> String {
        let endpoints: Vec<String> = self
            .endpoints
            .iter()
            .map(|(name, host, port)| {
                format!(
                    "{name}://{}",
                    crate::broker::config::format_host_port(host, *port)
                )
            })
            .collect();
        format!(
            "{} controller {} with directory id {} and endpoints: {}",
            if dry_run {
                "DRY RUN of adding"
            } else {
                "Added"
            },
            self.id,
            crate::broker::storage_format::uuid_to_kafka_string(self.directory_id),
            endpoints.join(", ")
        )
    }
}

fn leader(info: &QuorumInfo) -> Result<&QuorumReplica> {
    info.voters
        .iter()
        .find(|v| v.id == info.leader_id)
        .ok_or_else(|| {
            Error::Message(format!(
                "the quorum's leader {} is not among its voters",
                info.leader_id
            ))
        })
}

/// Apache's `describe --status` lines.
pub fn status_text(cluster_id: &str, info: &QuorumInfo) -> String {
    let Ok(leader) = leader(info) else {
        return format!(
            "ClusterId:              {cluster_id}\nLeaderId:               {}\n",
            info.leader_id
        );
    };
    let laggard = info
        .voters
        .iter()
        .min_by_key(|v| v.log_end_offset)
        .unwrap_or(leader);
    let max_lag = leader.log_end_offset - laggard.log_end_offset;
    let max_lag_ms = if laggard.id == leader.id {
        0
    } else {
        match (
            leader.last_caught_up_timestamp,
            laggard.last_caught_up_timestamp,
        ) {
            (Some(a), Some(b)) => a - b,
            _ => -1,
        }
    };
    let replicas = |list: &[QuorumReplica]| {
        let items: Vec<String> = list
            .iter()
            .map(|r| {
                let mut s = format!("{{\"id\": {}", r.id);
                if !r.directory_id.is_nil() {
                    s.push_str(&format!(
                        ", \"directoryId\": \"{}\"",
                        crate::broker::storage_format::uuid_to_kafka_string(r.directory_id)
                    ));
                }
                if let Some(eps) = info.endpoints.get(&r.id).filter(|e| !e.is_empty()) {
                    let quoted: Vec<String> = eps.iter().map(|e| format!("\"{e}\"")).collect();
                    s.push_str(&format!(", \"endpoints\": [{}]", quoted.join(", ")));
                }
                s.push('}');
                s
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    format!(
        "ClusterId:              {cluster_id}\nLeaderId:               {}\nLeaderEpoch:            {}\nHighWatermark:          {}\nMaxFollowerLag:         {max_lag}\nMaxFollowerLagTimeMs:   {max_lag_ms}\nCurrentVoters:          {}\nCurrentObservers:       {}\n",
        info.leader_id,
        info.leader_epoch,
        info.high_watermark,
        replicas(&info.voters),
        replicas(&info.observers),
    )
}

/// Apache's `describe --replication` table (ToolsUtils.prettyPrintTable: each cell padded to
/// its column and followed by a tab).
pub fn replication_table(info: &QuorumInfo, human_readable: bool, now_ms: i64) -> String {
    let leader_end = leader(info).map(|l| l.log_end_offset).unwrap_or(0);
    let stamp = |t: Option<i64>| match t {
        None => "-1".to_string(),
        Some(t) if human_readable => format!("{} ms ago", (now_ms - t).max(0)),
        Some(t) => t.to_string(),
    };
    let row = |r: &QuorumReplica, status: &str| {
        vec![
            r.id.to_string(),
            crate::broker::storage_format::uuid_to_kafka_string(r.directory_id),
            r.log_end_offset.to_string(),
            (leader_end - r.log_end_offset).to_string(),
            stamp(r.last_fetch_timestamp),
            stamp(r.last_caught_up_timestamp),
            status.to_string(),
        ]
    };
    let mut rows = Vec::new();
    rows.extend(
        info.voters
            .iter()
            .filter(|v| v.id == info.leader_id)
            .map(|v| row(v, "Leader")),
    );
    rows.extend(
        info.voters
            .iter()
            .filter(|v| v.id != info.leader_id)
            .map(|v| row(v, "Follower")),
    );
    rows.extend(info.observers.iter().map(|v| row(v, "Observer")));
    let headers: Vec<String> = [
        "NodeId",
        "DirectoryId",
        "LogEndOffset",
        "Lag",
        "LastFetchTimestamp",
        "LastCaughtUpTimestamp",
        "Status",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&headers).chain(rows.iter()) {
        for (cell, w) in r.iter().zip(&widths) {
            out.push_str(&format!("{cell:<w$}\t"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> QuorumInfo {
        let r = |id, end, caught: Option<i64>| QuorumReplica {
            id,
            directory_id: uuid::Uuid::nil(),
            log_end_offset: end,
            last_fetch_timestamp: caught,
            last_caught_up_timestamp: caught,
        };
        QuorumInfo {
            leader_id: 2,
            leader_epoch: 7,
            high_watermark: 40,
            voters: vec![r(1, 40, Some(1_000)), r(2, 42, Some(1_500)), r(3, 30, None)],
            observers: vec![],
            endpoints: [(2, vec!["CONTROLLER://127.0.0.1:9093".to_string()])]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn add_controller_reads_the_controller_config() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("controller.properties");
        let write = |extra: &str| {
            std::fs::write(
                &config,
                format!(
                    "process.roles=controller\nnode.id=4\nlog.dirs={}\ncontroller.listener.names=CONTROLLER\n\
                     listeners=CONTROLLER://0.0.0.0:9093\n{extra}",
                    data.display()
                ),
            )
            .unwrap();
        };
        write("advertised.listeners=CONTROLLER://c4.example:9093\n");
        let err = ControllerToAdd::from_file(&config).unwrap_err().to_string();
        assert!(err.contains("Unable to read meta.properties"), "{err}");
        std::fs::create_dir_all(&data).unwrap();
        let id = crate::broker::storage_format::random_uuid();
        crate::broker::storage_format::MetaProperties::new("c", 4, Some(id.clone()))
            .write(&data)
            .unwrap();
        let controller = ControllerToAdd::from_file(&config).unwrap();
        assert_eq!(
            controller.added_line(false),
            format!("Added controller 4 with directory id {id} and endpoints: CONTROLLER://c4.example:9093")
        );
        assert!(controller
            .added_line(true)
            .starts_with("DRY RUN of adding controller 4"));
        write("process.roles=broker\n");
        let err = ControllerToAdd::from_file(&config).unwrap_err().to_string();
        assert!(
            err.contains("process.roles did not contain 'controller'"),
            "{err}"
        );
    }

    #[test]
    fn status_and_replication_in_apache_format() {
        assert_eq!(
            status_text("abc", &info()),
            "ClusterId:              abc\nLeaderId:               2\nLeaderEpoch:            7\nHighWatermark:          40\n\
             MaxFollowerLag:         12\nMaxFollowerLagTimeMs:   -1\n\
             CurrentVoters:          [{\"id\": 1}, {\"id\": 2, \"endpoints\": [\"CONTROLLER://127.0.0.1:9093\"]}, {\"id\": 3}]\n\
             CurrentObservers:       []\n"
        );
        let table = replication_table(&info(), true, 2_000);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus  \t");
        assert_eq!(lines[1], "2     \tAAAAAAAAAAAAAAAAAAAAAA\t42          \t0  \t500 ms ago        \t500 ms ago           \tLeader  \t");
        assert_eq!(lines[3], "3     \tAAAAAAAAAAAAAAAAAAAAAA\t30          \t12 \t-1                \t-1                   \tFollower\t");
    }
}
