//! `kbox metadata-quorum` (kafka-metadata-quorum.sh): `describe --status` and
//! `describe --replication [--human-readable]`, in Apache's output format.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::client_config;
use super::ExitStatus;
use crate::client::admin::{Admin, QuorumInfo, QuorumReplica};
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox metadata-quorum --bootstrap-server localhost:9092 describe --status
  kafka-metadata-quorum.sh --bootstrap-server localhost:9092 describe --replication --human-readable")]
pub struct MetadataQuorumArgs {
    /// A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file containing configs to be passed to Admin Client.
    #[arg(long = "command-config", visible_alias = "config")]
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
}

pub async fn run(args: MetadataQuorumArgs) -> Result<ExitStatus> {
    let QuorumAction::Describe {
        status,
        replication,
        human_readable,
    } = args.action;
    if status && human_readable {
        return Err(Error::Message(
            "The option --human-readable is only supported along with --replication".into(),
        ));
    }
    if !status && !replication {
        return Err(Error::Message(
            "One of --status or --replication must be specified with describe sub-command".into(),
        ));
    }
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let admin = Admin::new(config)?;
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
    Ok(ExitStatus::Success)
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
