//! `kbox server-start` (kafka-server-start.sh) and `kbox server-stop` (kafka-server-stop.sh).
//!
//! With a config file it runs that node; without one it runs the embedded default: one node
//! that is broker and controller, on 127.0.0.1:9092, with data in a directory it formats itself
//! on first start and reuses after.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;

use super::ExitStatus;
use crate::broker::config::BrokerConfig;
use crate::broker::storage_format;
use crate::{Error, Result};

#[derive(Debug, Args)]
pub struct ServerStartArgs {
    /// The server.properties file. Without it: the embedded single-node default.
    pub config: Option<PathBuf>,
    /// Override a property of the config file: --override key=value (repeatable).
    #[arg(long = "override", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Run in the background, logging to $LOG_DIR/kafkaServer.out (Apache's -daemon).
    #[arg(long)]
    pub daemon: bool,
    /// Embedded default only: the address to listen on.
    #[arg(long, default_value = "127.0.0.1:9092", value_name = "HOST:PORT")]
    pub listen: SocketAddr,
    /// Embedded default only: where data lives [default: $KBOX_DATA_DIR, else ~/.local/share/kbox/data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServerStopArgs {
    /// Stop only the node with this node.id.
    #[arg(long = "node-id")]
    pub node_id: Option<i32>,
    /// Stop only nodes with this role (broker or controller).
    #[arg(long = "process-role")]
    pub process_role: Option<String>,
}

fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KBOX_DATA_DIR") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kbox").join("data")
}

/// The config to run: the file given, or the embedded default (formatted on first use).
pub fn resolve_config(args: &ServerStartArgs) -> Result<BrokerConfig> {
    match &args.config {
        Some(path) => {
            let cfg = BrokerConfig::load(path, &args.overrides)?;
            storage_format::check_formatted(&cfg).map_err(|e| e.with_config_path(path))?;
            Ok(cfg)
        }
        None => {
            let dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
            std::fs::create_dir_all(&dir)?;
            let cfg = BrokerConfig::embedded(&dir, args.listen)?;
            let cfg = if args.overrides.is_empty() {
                cfg
            } else {
                let pairs: Vec<(String, String)> = args
                    .overrides
                    .iter()
                    .map(|o| crate::broker::config::parse_override(o))
                    .collect::<std::result::Result<_, _>>()?;
                cfg.with_overrides(&pairs)?
            };
            if storage_format::check_formatted(&cfg).is_err() {
                let id = storage_format::random_uuid();
                for line in
                    storage_format::format(&cfg, &id, true, &storage_format::InitialQuorum::Static)?
                {
                    tracing::info!("{line}");
                }
            }
            Ok(cfg)
        }
    }
}

pub async fn run(args: ServerStartArgs) -> Result<ExitStatus> {
    if args.daemon {
        return daemonize();
    }
    let cfg = resolve_config(&args)?;
    for key in cfg.unknown_keys() {
        tracing::warn!(key = %key, "unknown configuration key ignored");
    }
    // Signal handlers go in before the listeners open, so a SIGTERM that arrives as soon as
    // the broker is reachable already means a clean shutdown.
    let signals = shutdown_signals()?;
    let broker = crate::broker::start(cfg).await?;
    let stop = broker.shutdown_handle();
    tokio::spawn(async move {
        signals.await;
        let _ = stop.send(true);
    });
    broker.wait().await?;
    Ok(ExitStatus::Success)
}

/// A future that completes on SIGTERM or SIGINT; registered at once.
fn shutdown_signals() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Re-runs this command in the background with output in `$LOG_DIR/kafkaServer.out`.
fn daemonize() -> Result<ExitStatus> {
    let log_dir = std::env::var_os("LOG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("logs"));
    std::fs::create_dir_all(&log_dir)?;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_dir.join("kafkaServer.out"))?;
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--daemon" && a != "-daemon")
        .collect();
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    if super::tool_for_program_name(&std::env::args().next().unwrap_or_default()).is_some() {
        cmd.arg("server-start");
    }
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    cmd.spawn()?;
    Ok(ExitStatus::Success)
}

/// Finds running `kbox server-start` processes through /proc and sends them SIGTERM.
pub fn stop(args: ServerStopArgs) -> Result<ExitStatus> {
    let me = std::process::id();
    let mut stopped = 0;
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let argv: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !is_server_process(&argv) {
            continue;
        }
        if (args.node_id.is_some() || args.process_role.is_some()) && !matches_filter(&argv, &args)
        {
            continue;
        }
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()?;
        if status.success() {
            stopped += 1;
        }
    }
    if stopped == 0 {
        return Err(Error::Message("No kafka server to stop".into()));
    }
    Ok(ExitStatus::Success)
}

fn is_server_process(argv: &[String]) -> bool {
    let Some(program) = argv.first() else {
        return false;
    };
    let base = Path::new(program)
        .file_name()
        .and_then(|b| b.to_str())
        .unwrap_or("");
    (base == "kbox" && argv.iter().any(|a| a == "server-start"))
        || base.starts_with("kafka-server-start")
}

fn matches_filter(argv: &[String], args: &ServerStopArgs) -> bool {
    let Some(config) = argv.iter().skip(1).find(|a| a.ends_with(".properties")) else {
        return false;
    };
    let Ok(cfg) = BrokerConfig::load(Path::new(config), &[]) else {
        return false;
    };
    let node_ok = args.node_id.is_none_or(|id| cfg.node_id == id);
    let role_ok = args.process_role.as_deref().is_none_or(|r| match r {
        "broker" => cfg.is_broker(),
        "controller" => cfg.is_controller(),
        _ => false,
    });
    node_ok && role_ok
}
