//! `kbox completions <shell>`: shell completion scripts, and the checked-in completions/ and
//! man/ files, all generated from the one clap tree so they never drift from the flags.
//!
//! `kbox completions bash > /etc/bash_completion.d/kbox` installs completions by hand;
//! `kbox completions --generate-files .` rewrites completions/ and man/ in a checkout (a test
//! fails when the checked-in files are stale).

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, ExitStatus};
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
#[command(about = "Print a shell completion script (bash, zsh, fish, powershell, elvish)")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, required_unless_present = "generate_files")]
    pub shell: Option<Shell>,
    /// Write every shell's script into DIR/completions and a man page per command into
    /// DIR/man (the checked-in files of a kbox checkout).
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub generate_files: Option<PathBuf>,
}

pub fn run(args: CompletionsArgs) -> Result<ExitStatus> {
    if let Some(dir) = args.generate_files {
        for (path, bytes) in generated_files()? {
            let target = dir.join(&path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, bytes)?;
        }
        return Ok(ExitStatus::Success);
    }
    let shell = args
        .shell
        .expect("clap requires a shell without --generate-files");
    print!("{}", String::from_utf8_lossy(&completion_script(shell)));
    Ok(ExitStatus::Success)
}

/// The completion script for one shell.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "kbox", &mut out);
    out
}

/// Every generated file, as (path relative to the checkout, contents): one completion script
/// per shell, and a man page for kbox and for each subcommand (`kbox-topics.1`, ...).
pub fn generated_files() -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "kbox.bash"),
        (Shell::Zsh, "_kbox"),
        (Shell::Fish, "kbox.fish"),
        (Shell::PowerShell, "_kbox.ps1"),
        (Shell::Elvish, "kbox.elv"),
    ] {
        files.push((
            Path::new("completions").join(name),
            completion_script(shell),
        ));
    }
    let mut root = Cli::command();
    root.build();
    files.push((Path::new("man").join("kbox.1"), man_page(root.clone())?));
    for sub in root.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let name = format!("kbox-{}", sub.get_name());
        let page = man_page(sub.clone().name(name.clone()))?;
        files.push((Path::new("man").join(format!("{name}.1")), page));
    }
    Ok(files)
}

fn man_page(command: clap::Command) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut out)
        .map_err(|e| Error::Message(format!("cannot render a man page: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_pages_name_every_command() {
        let bash = String::from_utf8(completion_script(Shell::Bash)).unwrap();
        for word in [
            "topics",
            "console-consumer",
            "perf-test",
            "--bootstrap-server",
        ] {
            assert!(bash.contains(word), "bash completion lacks {word}");
        }
        let files = generated_files().unwrap();
        let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        assert!(
            names.contains(&"man/kbox-topics.1".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"completions/_kbox".to_string()),
            "{names:?}"
        );
    }
}
