//! `kbox cluster-id` (kafka-cluster.sh cluster-id): the id of the cluster behind the bootstrap
//! servers.

use std::path::PathBuf;

use clap::Args;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::admin::Admin;
use crate::Result;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox cluster-id --bootstrap-server localhost:9092
  kafka-cluster.sh cluster-id --bootstrap-server localhost:9092")]
pub struct ClusterIdArgs {
    /// REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// Property file with configs for the admin client.
    #[arg(long = "config", visible_alias = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Output format: Apache's text or JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

pub async fn run(args: ClusterIdArgs) -> Result<ExitStatus> {
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(args.bootstrap_server.as_deref(), &files, &[], &[])?;
    let cluster = Admin::new(config)?.describe_cluster().await?;
    match args.format {
        OutputFormat::Text => println!("Cluster ID: {}", cluster.cluster_id),
        OutputFormat::Json => println!(
            "{}",
            serde_json::json!({ "cluster_id": cluster.cluster_id })
        ),
    }
    Ok(ExitStatus::Success)
}
