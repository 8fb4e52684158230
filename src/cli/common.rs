//! What every client tool shares: building a client configuration from Apache's flags, and
//! the `--format` switch between Apache's text and JSON for scripts.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::client::ClientConfig;
use crate::{Error, Result};

/// `--format`: Apache's text (the default, byte for byte) or JSON for scripts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Builds a client configuration the way Apache's tools do: the `--profile` properties, then
/// properties files (in the order given), then `key=value` flags, then `-X` properties, then
/// `bootstrap.servers` from `--bootstrap-server` (each wins over the ones before), then tool
/// defaults for keys still unset.
pub fn client_config(
    bootstrap_server: Option<&str>,
    files: &[&PathBuf],
    pairs: &[String],
    defaults: &[(&str, &str)],
) -> Result<ClientConfig> {
    let global = super::profiles::global();
    let mut config = ClientConfig::new();
    for (k, v) in &global.profile {
        config.set(k.as_str(), v.as_str());
    }
    for file in files {
        config.load_file(file)?;
    }
    for pair in pairs {
        config.set_pair(pair)?;
    }
    for (k, v) in &global.overrides {
        config.set(k.as_str(), v.as_str());
    }
    if let Some(servers) = bootstrap_server {
        config.set("bootstrap.servers", servers);
    }
    if config.get("bootstrap.servers").is_none() {
        return Err(Error::Message(
            "Missing required argument \"[bootstrap-server]\"".into(),
        ));
    }
    for (k, v) in defaults {
        config.set_default(k, *v);
    }
    Ok(config)
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM, so long-running tools stop cleanly on either.
pub async fn interrupted() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Splits `key=value` (the value may itself contain `=`).
pub fn parse_key_value(pair: &str) -> Result<(String, String)> {
    match pair.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(Error::Message(format!(
            "Invalid property '{pair}': expected key=value"
        ))),
    }
}

/// Asks before destructive work when a person is at the terminal (dialoguer); `--yes`, or
/// stdin not being a terminal (scripts, pipes), means yes without asking.
pub fn confirm(yes: bool, question: &str) -> Result<bool> {
    if yes || !std::io::stdin().is_terminal() {
        return Ok(true);
    }
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| Error::Message(format!("cannot ask for confirmation: {e}")))
}

/// A progress display on stderr for long work, only when a person watches: stderr is a
/// terminal, the output is not JSON, and (when `streams_stdout`: records are written while the
/// bar runs) stdout is not the same terminal. `total` gives a bar, `None` a spinner with a
/// count and rate.
pub fn progress(
    total: Option<u64>,
    json: bool,
    streams_stdout: bool,
) -> Option<indicatif::ProgressBar> {
    let stdout_busy = streams_stdout && std::io::stdout().is_terminal();
    if json || !std::io::stderr().is_terminal() || stdout_busy {
        return None;
    }
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} {per_sec} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_files_and_defaults_fill_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.properties");
        std::fs::write(
            &file,
            "acks=1\nclient.id=from-file\nbootstrap.servers=x:1\n",
        )
        .unwrap();
        let c = client_config(
            Some("a:9092"),
            &[&file],
            &["acks=0".to_string()],
            &[("client.id", "tool"), ("linger.ms", "1000")],
        )
        .unwrap();
        assert_eq!(c.get("acks"), Some("0"));
        assert_eq!(c.get("client.id"), Some("from-file"));
        assert_eq!(c.get("linger.ms"), Some("1000"));
        assert_eq!(c.get("bootstrap.servers"), Some("a:9092"));
        assert!(client_config(None, &[], &[], &[]).is_err());
        assert_eq!(
            parse_key_value("a=b=c").unwrap(),
            ("a".into(), "b=c".into())
        );
    }
}
