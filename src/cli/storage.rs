//! `kbox storage` (kafka-storage.sh): random-uuid, format, info.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::ExitStatus;
use crate::broker::config::BrokerConfig;
use crate::broker::storage_format::{self, InitialController, InitialQuorum};
use crate::Result;

#[derive(Debug, Args)]
pub struct StorageArgs {
    #[command(subcommand)]
    pub action: StorageAction,
}

#[derive(Debug, Subcommand)]
pub enum StorageAction {
    /// Print a new random cluster id (22 base64 characters).
    RandomUuid,
    /// Write meta.properties into every log directory of a config.
    Format {
        /// The server.properties of the node.
        #[arg(short = 'c', long = "config")]
        config: PathBuf,
        /// The cluster id (from `kbox storage random-uuid`).
        #[arg(short = 't', long = "cluster-id")]
        cluster_id: String,
        /// Skip directories that are already formatted instead of failing.
        #[arg(short = 'g', long = "ignore-formatted")]
        ignore_formatted: bool,
        /// Format a single-node dynamic controller quorum with this node as its voter.
        #[arg(short = 's', long, conflicts_with_all = ["initial_controllers", "no_initial_controllers"])]
        standalone: bool,
        /// The initial controllers of a dynamic quorum: id@host:port:directory-id,...
        #[arg(short = 'I', long = "initial-controllers")]
        initial_controllers: Option<String>,
        /// Do not write initial controllers (a controller joining an existing quorum).
        #[arg(short = 'N', long = "no-initial-controllers")]
        no_initial_controllers: bool,
        /// A SCRAM credential to create: 'SCRAM-SHA-256=[name=alice,password=alice-secret]'
        /// (also iterations=, or salt= and saltedpassword= in base64). May be repeated.
        #[arg(short = 'S', long = "add-scram", value_name = "CREDENTIAL")]
        add_scram: Vec<String>,
    },
    /// Show the log directories of a config and any problem with them.
    Info {
        #[arg(short = 'c', long = "config")]
        config: PathBuf,
        /// Output format: Apache's text or JSON.
        #[arg(long, value_enum, default_value_t)]
        format: super::common::OutputFormat,
    },
}

pub fn run(args: StorageArgs) -> Result<ExitStatus> {
    match args.action {
        StorageAction::RandomUuid => {
            println!("{}", storage_format::random_uuid());
            Ok(ExitStatus::Success)
        }
        StorageAction::Format {
            config,
            cluster_id,
            ignore_formatted,
            standalone,
            initial_controllers,
            no_initial_controllers,
            add_scram,
        } => {
            let cfg = BrokerConfig::load(&config, &[])?;
            let quorum = if standalone {
                InitialQuorum::Standalone
            } else if let Some(list) = initial_controllers {
                InitialQuorum::InitialControllers(InitialController::parse_list(&list)?)
            } else if no_initial_controllers {
                InitialQuorum::NoInitialControllers
            } else {
                InitialQuorum::Static
            };
            let records = add_scram
                .iter()
                .map(|arg| storage_format::parse_add_scram(arg))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            for line in storage_format::format_with_records(
                &cfg,
                &cluster_id,
                ignore_formatted,
                &quorum,
                &records,
            )? {
                println!("{line}");
            }
            Ok(ExitStatus::Success)
        }
        StorageAction::Info { config, format } => {
            let cfg = BrokerConfig::load(&config, &[])?;
            let report = storage_format::info(&cfg);
            if format == super::common::OutputFormat::Json {
                let meta = report.metadata.as_ref().map(|m| {
                    serde_json::json!({
                        "version": m.version, "cluster_id": m.cluster_id,
                        "node_id": m.node_id, "directory_id": m.directory_id,
                    })
                });
                let dirs: Vec<String> = report
                    .directories
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({"log_directories": dirs, "metadata": meta, "problems": report.problems})
                );
            } else {
                for line in &report.lines {
                    println!("{line}");
                }
            }
            Ok(if report.problems_found() {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            })
        }
    }
}
