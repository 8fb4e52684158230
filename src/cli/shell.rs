//! `kbox shell`: an interactive prompt that runs kbox's commands against one cluster.
//!
//! Each line is a kbox command line without the `kbox` (`topics --list`, `console-consumer
//! --topic t --max-messages 5`); `--bootstrap-server` (or kcat's `-b`) is filled in from the
//! shell's own when the command takes one and the line has none. Commands run on the shell's
//! runtime and share clients (connections, metadata) by configuration, so nothing starts a
//! process and nothing reconnects between commands. Tab completes commands, flags of the command being
//! typed, and live topic and group names after `--topic`/`-t`/`--group`/`-G`. Ctrl-C cancels the
//! running command, not the shell; Ctrl-D or `exit` leaves. History is saved to
//! `$KBOX_HISTORY`, else `~/.kbox_history`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::{Context, Helper, Highlighter, Hinter, Validator};

use super::common::client_config;
use super::{Cli, ExitStatus};
use crate::client::admin::Admin;
use crate::client::cluster::Client;
use crate::client::group::admin::GroupAdmin;
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  kbox shell --bootstrap-server localhost:9092
  kbox [localhost:9092]> topics --list
  kbox [localhost:9092]> console-consumer --topic orders --from-beginning --max-messages 5")]
pub struct ShellArgs {
    /// The cluster every command talks to (HOST1:PORT1,HOST2:PORT2).
    #[arg(long = "bootstrap-server", default_value = "127.0.0.1:9092")]
    pub bootstrap_server: String,
    /// Client properties for the shell's own lookups (completion of topics and groups).
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
}

/// Words the shell itself answers.
const BUILTINS: &[&str] = &["help", "exit", "quit"];
/// Commands that make no sense inside the shell.
const NOT_IN_SHELL: &[&str] = &["shell", "server-start", "server-stop", "install-links"];

/// Tab completion from the clap tree and the cluster's topics and groups.
#[derive(Helper, Hinter, Highlighter, Validator)]
struct ShellHelper {
    runtime: tokio::runtime::Handle,
    client: Client,
}

impl ShellHelper {
    /// Live names, looked up when asked (bounded, so a dead cluster never hangs the prompt).
    fn live_names(&self, groups: bool) -> Vec<String> {
        let client = self.client.clone();
        let lookup = async move {
            if groups {
                GroupAdmin::new(client)
                    .list_groups(&[])
                    .await
                    .map(|g| g.into_iter().map(|g| g.group_id).collect::<Vec<_>>())
            } else {
                Admin::with_client(client)
                    .list_topics(true)
                    .await
                    .map(|t| t.into_iter().map(|t| t.name).collect::<Vec<_>>())
            }
        };
        self.runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(2), lookup).await })
            .ok()
            .and_then(|r| r.ok())
            .unwrap_or_default()
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let words: Vec<&str> = before[..start].split_whitespace().collect();
        let candidates = candidates(&words, word, |groups| self.live_names(groups));
        let pairs = candidates
            .into_iter()
            .filter(|c| c.starts_with(word))
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// What may come next after `words`, before filtering by the word being typed.
fn candidates(words: &[&str], word: &str, live: impl Fn(bool) -> Vec<String>) -> Vec<String> {
    let root = Cli::command();
    let Some(first) = words.first() else {
        let mut names: Vec<String> = root
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .filter(|n| !NOT_IN_SHELL.contains(&n.as_str()))
            .collect();
        names.extend(BUILTINS.iter().map(|s| s.to_string()));
        names.sort();
        return names;
    };
    let Some(mut command) = root.find_subcommand(first).cloned() else {
        return Vec::new();
    };
    // Descend into nested subcommands (perf-test producer).
    for w in &words[1..] {
        match command.find_subcommand(w) {
            Some(sub) => command = sub.clone(),
            None => break,
        }
    }
    match words.last().copied() {
        Some("--topic" | "-t" | "--include" | "--topic-list") => return live(false),
        Some("--group" | "-G") => return live(true),
        _ => {}
    }
    if !word.starts_with('-') && command.has_subcommands() {
        return command
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
    }
    let mut flags: Vec<String> = command
        .get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    flags.sort();
    flags
}

/// A command line with the shell's bootstrap servers added when the command takes them.
fn with_bootstrap(mut words: Vec<String>, bootstrap: &str) -> Vec<String> {
    let Some(first) = words.first().cloned() else {
        return words;
    };
    if first == "kcat" {
        if !words.iter().any(|w| w == "-b" || w.starts_with("-b")) {
            words.splice(1..1, ["-b".to_string(), bootstrap.to_string()]);
        }
        return words;
    }
    let root = Cli::command();
    let mut command = root.find_subcommand(&first).cloned();
    let mut at = 1;
    while let Some(sub) = words
        .get(at)
        .and_then(|w| command.as_ref().and_then(|c| c.find_subcommand(w)).cloned())
    {
        command = Some(sub);
        at += 1;
    }
    let takes_bootstrap = command.is_some_and(|c| {
        c.get_arguments()
            .any(|a| a.get_long() == Some("bootstrap-server"))
    });
    let given = words
        .iter()
        .any(|w| w == "--bootstrap-server" || w.starts_with("--bootstrap-server="));
    if takes_bootstrap && !given {
        words.splice(
            at..at,
            ["--bootstrap-server".to_string(), bootstrap.to_string()],
        );
    }
    words
}

fn help_text() -> String {
    let mut out = String::from(
        "Type a kbox command without `kbox`, e.g. `topics --list` or `console-consumer --topic t --max-messages 5`.\n\
         --bootstrap-server is filled in. Tab completes commands, flags, topics and groups.\n\
         Ctrl-C cancels a running command; Ctrl-D or `exit` leaves.\n\nCommands:\n",
    );
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name();
        if NOT_IN_SHELL.contains(&name) {
            continue;
        }
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        out.push_str(&format!("  {name:<22} {about}\n"));
    }
    out.push_str("  help                   this text; `<command> --help` for a command's flags\n");
    out.push_str("  exit                   leave the shell\n");
    out
}

fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KBOX_HISTORY") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kbox_history"))
}

pub async fn run(args: ShellArgs) -> Result<ExitStatus> {
    // Commands run here reuse the connections (and metadata) of the commands before them.
    Client::share_by_config();
    let files: Vec<&PathBuf> = args.command_config.iter().collect();
    let config = client_config(Some(&args.bootstrap_server), &files, &[], &[])?;
    let client = Client::new(config)?;
    let helper = ShellHelper {
        runtime: tokio::runtime::Handle::current(),
        client,
    };
    let rl_config = rustyline::Config::builder()
        .auto_add_history(true)
        .history_ignore_space(true)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor: rustyline::Editor<ShellHelper, rustyline::history::FileHistory> =
        rustyline::Editor::with_config(rl_config)
            .map_err(|e| Error::Message(format!("cannot start the shell: {e}")))?;
    editor.set_helper(Some(helper));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    // Installed once, before any command: a Ctrl-C that lands before a command starts waiting
    // still cancels that command instead of killing the shell.
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let prompt = format!("kbox [{}]> ", args.bootstrap_server);
    let bootstrap = args.bootstrap_server.clone();
    loop {
        // The editor blocks on the terminal: keep it off the runtime's worker threads (tab
        // completion runs lookups on the runtime from there).
        let p = prompt.clone();
        let (returned, line) = tokio::task::spawn_blocking(move || {
            let line = editor.readline(&p);
            (editor, line)
        })
        .await
        .map_err(|e| Error::Message(format!("shell prompt failed: {e}")))?;
        editor = returned;
        let line = match line {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::Message(format!("reading the prompt: {e}"))),
        };
        let Some(words) = shlex::split(&line) else {
            eprintln!("kbox: unbalanced quotes");
            continue;
        };
        match words.first().map(String::as_str) {
            None => continue,
            Some("exit" | "quit") => break,
            Some("help") => {
                print!("{}", help_text());
                continue;
            }
            Some(cmd) if NOT_IN_SHELL.contains(&cmd) => {
                eprintln!("kbox: `{cmd}` is not available inside the shell");
                continue;
            }
            _ => {}
        }
        let argv: Vec<String> = std::iter::once("kbox".to_string())
            .chain(with_bootstrap(words, &bootstrap))
            .collect();
        let cli = match Cli::try_parse_from(&argv) {
            Ok(cli) => cli,
            Err(e) => {
                // Usage errors and --help print as on the command line; the shell goes on.
                let _ = e.print();
                continue;
            }
        };
        // Ctrl-C cancels the command (dropping it closes its connections), not the shell.
        let outcome = tokio::select! {
            r = Box::pin(super::run(cli)) => Some(r),
            _ = interrupts.recv() => None,
        };
        match outcome {
            Some(Ok(_)) => {}
            Some(Err(e)) if e.is_broken_pipe() => {}
            Some(Err(e)) => eprintln!("kbox: error: {e}"),
            None => eprintln!("^C (cancelled)"),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bootstrap_is_added_only_where_it_belongs() {
        assert_eq!(
            with_bootstrap(words(&["topics", "--list"]), "h:1"),
            words(&["topics", "--bootstrap-server", "h:1", "--list"])
        );
        assert_eq!(
            with_bootstrap(
                words(&["topics", "--bootstrap-server", "x:2", "--list"]),
                "h:1"
            ),
            words(&["topics", "--bootstrap-server", "x:2", "--list"])
        );
        assert_eq!(
            with_bootstrap(words(&["perf-test", "consumer", "--topic", "t"]), "h:1"),
            words(&[
                "perf-test",
                "consumer",
                "--bootstrap-server",
                "h:1",
                "--topic",
                "t"
            ])
        );
        assert_eq!(
            with_bootstrap(words(&["kcat", "-L"]), "h:1"),
            words(&["kcat", "-b", "h:1", "-L"])
        );
        assert_eq!(
            with_bootstrap(words(&["storage", "random-uuid"]), "h:1"),
            words(&["storage", "random-uuid"])
        );
    }

    #[test]
    fn completion_offers_commands_flags_and_live_names() {
        let none = |_: bool| Vec::new();
        let first = candidates(&[], "", none);
        assert!(first.contains(&"topics".to_string()));
        assert!(first.contains(&"exit".to_string()));
        assert!(!first.contains(&"server-start".to_string()));
        let flags = candidates(&["topics"], "--", none);
        assert!(flags.contains(&"--describe".to_string()));
        let subs = candidates(&["perf-test"], "", none);
        assert!(subs.contains(&"producer".to_string()));
        let live = |groups: bool| vec![if groups { "g1" } else { "orders" }.to_string()];
        assert_eq!(candidates(&["topics", "--topic"], "", live), ["orders"]);
        assert_eq!(
            candidates(&["consumer-groups", "--group"], "", live),
            ["g1"]
        );
    }
}
