//! `kbox install-links <dir>`: a symlink for every tool name kbox answers to
//! (`kafka-topics.sh`, `kafka-topics`, `kcat`, ...), pointing at this executable.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{ExitStatus, TOOL_LINKS};
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Example:
  kbox install-links ~/.local/bin && kafka-topics.sh --bootstrap-server localhost:9092 --list")]
pub struct InstallLinksArgs {
    /// The directory to create the links in (created if missing).
    pub dir: PathBuf,
    /// Replace files or links that already exist under those names.
    #[arg(long)]
    pub force: bool,
}

/// Every name: each Apache tool with and without `.sh`, and kcat's names as they are.
pub fn link_names() -> Vec<String> {
    let mut names = Vec::new();
    for (link, _) in TOOL_LINKS {
        names.push(link.to_string());
        if link.starts_with("kafka-") {
            names.push(format!("{link}.sh"));
        }
    }
    names
}

pub fn run(args: InstallLinksArgs) -> Result<ExitStatus> {
    let exe = std::env::current_exe()?;
    std::fs::create_dir_all(&args.dir)?;
    let mut created = 0;
    for name in link_names() {
        let path = args.dir.join(&name);
        if points_to(&path, &exe) {
            continue; // already there: running twice changes nothing
        }
        if path.symlink_metadata().is_ok() {
            if !args.force {
                return Err(Error::Message(format!(
                    "{} exists and is not a link to {}; use --force to replace it",
                    path.display(),
                    exe.display()
                )));
            }
            std::fs::remove_file(&path)?;
        }
        std::os::unix::fs::symlink(&exe, &path)?;
        created += 1;
    }
    println!("{created} links created in {}", args.dir.display());
    Ok(ExitStatus::Success)
}

fn points_to(link: &Path, exe: &Path) -> bool {
    std::fs::read_link(link).is_ok_and(|target| target == exe)
}
