//! The kbox binary: parse, run on a tokio runtime, print any error, pick the exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use kbox::cli::{self, Cli, ExitStatus};

fn main() -> ExitCode {
    let args = cli::normalize_args(std::env::args().collect());
    let cli = Cli::parse_from(args); // usage errors exit 2 here, as clap does
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kbox: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Failure) => ExitCode::FAILURE,
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kbox: error: {err}");
            ExitCode::FAILURE
        }
    }
}
