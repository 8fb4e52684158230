//! `kbox kcat` (also run as `kcat` through a link): kcat 1.7.1's modes, flags and output on
//! kbox's client, so scripts written for kcat keep working byte for byte.
//!
//! - [`options`]: kcat's getopt command line (`-b -t -p -P -C -G -L -Q ...`).
//! - [`config`]: `-X`/`-F` librdkafka properties mapped to Kafka's names.
//! - [`format`]: `-f` tokens, `-D`/`-K` delimiters, `-J` JSON.
//! - [`producer`], [`consumer`] (`-C` and `-G`), [`metadata`] (`-L` and `-Q`).
//! - [`errors`]: librdkafka's wording for errors.
//!
//! kcat reports failures on stderr as `% ERROR: <what>` (and usage problems as `Error: <why>`
//! followed by the usage) and exits 1; [`run`] renders the modes' errors that way, so kbox's
//! `main` only sees the exit status.

pub mod config;
pub mod consumer;
pub mod errors;
pub mod format;
pub mod metadata;
pub mod options;
pub mod producer;

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;
use tokio::sync::watch;

use self::options::{Environment, Mode, Options, Parsed};
use super::ExitStatus;
use crate::{Error, Result};

/// kcat's arguments, passed through untouched to kcat's own parser.
#[derive(Debug, Args)]
#[command(
    disable_help_flag = true,
    disable_version_flag = true,
    about = "kcat-compatible producer, consumer, metadata lister and offset query (run `kbox kcat -h`)"
)]
pub struct KcatArgs {
    /// kcat's options, e.g. `-b localhost:9092 -C -t topic -e` (see `kbox kcat -h`).
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// The version kbox's kcat mode follows.
const KCAT_VERSION: &str = "1.7.1";

/// Runs kcat; every failure is reported on stderr in kcat's words.
pub async fn run(args: KcatArgs) -> Result<ExitStatus> {
    let mut argv = args.args;
    // kcat drops a leading "kcat" (container images pass it as the first argument).
    if matches!(argv.first().map(String::as_str), Some("kcat" | "kafkacat")) {
        argv.remove(0);
    }
    let mut notices = Vec::new();
    let parsed = options::parse(&argv, &Environment::from_process(), &mut notices);
    for notice in &notices {
        eprint!("{notice}");
    }
    let parsed = match parsed {
        Ok(p) => p,
        Err(message) => return report(Error::Message(message)),
    };
    let opts = match parsed {
        Parsed::Run(opts) => opts,
        Parsed::Help => {
            print!("{}", usage());
            return Ok(ExitStatus::Success);
        }
        Parsed::Version => {
            print!("{}", version_banner());
            return Ok(ExitStatus::Success);
        }
        Parsed::SelfTest => return Ok(ExitStatus::Success),
        Parsed::ListProperties => {
            print!("{}", config::property_list());
            return Ok(ExitStatus::Success);
        }
        Parsed::Dump(config) => {
            print!("{}", config.dump());
            return Ok(ExitStatus::Success);
        }
        Parsed::Usage(reason) => {
            eprint!("Error: {reason}\n\n{}", usage());
            return Ok(ExitStatus::Failure);
        }
        Parsed::Refused(message) => {
            eprint!("{message}");
            return Ok(ExitStatus::Failure);
        }
    };
    for ignored in &opts.config.ignored {
        info(
            &opts,
            1,
            &format!("kbox: ignoring librdkafka property {ignored} (no kbox equivalent)\n"),
        );
    }
    let stop = Stop::install();
    let outcome = match opts.mode {
        Mode::Produce => producer::run(&opts, &stop).await,
        Mode::Consume => consumer::run(&opts, &stop).await,
        Mode::Group => consumer::run_group(&opts, &stop).await,
        // Nothing to finish gracefully: a signal just ends the wait for brokers.
        Mode::Metadata => tokio::select! {
            r = metadata::list(&opts) => r,
            _ = stop.wait() => Ok(ExitStatus::Failure),
        },
        Mode::Query => tokio::select! {
            r = metadata::query(&opts) => r,
            _ = stop.wait() => Ok(ExitStatus::Failure),
        },
    };
    match outcome {
        Ok(status) => Ok(status),
        Err(e) => report(e),
    }
}

/// Prints a failure as kcat does. A closed stdout (`kbox kcat ... | head`) ends kcat quietly.
fn report(error: Error) -> Result<ExitStatus> {
    if error.is_broken_pipe() {
        return Ok(ExitStatus::Success);
    }
    eprintln!("% ERROR: {error}");
    Ok(ExitStatus::Failure)
}

/// kcat's informational lines: `% ...` on stderr at or above a verbosity (`-q` is 0, each
/// `-v` adds one; 1 by default).
pub fn info(opts: &Options, level: i32, message: &str) {
    if opts.verbosity >= level {
        eprint!("% {message}");
    }
}

/// When the first metadata must have arrived (`-m` seconds, 5 by default).
pub fn metadata_deadline(opts: &Options) -> Instant {
    Instant::now() + Duration::from_secs(opts.metadata_timeout_secs.max(1) as u64)
}

/// Stdout, block-buffered unless `-u`, as kcat's stdio is.
pub struct Output {
    out: std::io::BufWriter<std::io::Stdout>,
    unbuffered: bool,
}

impl Output {
    pub fn stdout(unbuffered: bool) -> Output {
        Output {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            unbuffered,
        }
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes)?;
        if self.unbuffered {
            self.out.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// SIGINT and SIGTERM end kcat gracefully: consumers leave their group and commit, producers
/// deliver what they queued.
#[derive(Clone)]
pub struct Stop {
    stopped: watch::Receiver<bool>,
}

impl Stop {
    pub fn install() -> Stop {
        let (tx, stopped) = watch::channel(false);
        tokio::spawn(async move {
            if wait_for_signal().await {
                let _ = tx.send(true);
            }
            // Keep the sender alive: a dropped sender would look like a stop.
            std::future::pending::<()>().await;
        });
        Stop { stopped }
    }

    pub fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Resolves once a stop signal arrived (at once if one already did).
    pub async fn wait(&self) {
        let mut rx = self.stopped.clone();
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// Waits for SIGINT or SIGTERM; false when they cannot be watched.
async fn wait_for_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return false;
        };
        tokio::select! {
            _ = int.recv() => true,
            _ = term.recv() => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

fn version_banner() -> String {
    format!(
        "kbox kcat - kcat-compatible Apache Kafka producer and consumer tool\n\
         kbox {} (kcat {KCAT_VERSION} compatible: JSON, IncrementalAssign; no Avro, no transactions)\n\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The usage text (`-h`, and after a usage error).
fn usage() -> String {
    format!(
        "Usage: kcat <options> [file1 file2 .. | topic1 topic2 ..]]\n{}{}",
        version_banner(),
        USAGE_BODY
    )
}

const USAGE_BODY: &str = r#"General options:
  -C | -P | -L | -Q  Mode: consume, produce, list metadata, query offsets by time
  -G <group-id>      Mode: consumer group member; the topics to subscribe to
                     follow the options (a topic starting with ^ is a regex)
  -t <topic>         Topic to consume from, produce to, or list
  -p <partition>     Partition (-1: let the partitioner choose)
  -b <brokers,..>    Bootstrap broker(s) (host:port)
  -D <delim>         Message delimiter: a-z | \n | \t | \xNN .. (default \n)
  -K <delim>         Key delimiter (same format as -D)
  -c <cnt>           Stop after this many messages
  -m <seconds>       How long to wait for the first metadata (default 5)
  -F <config-file>   Read property=value lines from a file ($KCAT_CONFIG also
                     works; -F takes precedence; default ~/.config/kcat.conf)
  -X list            List the properties kbox kcat accepts
  -X prop=val        Set a property: Kafka names, or librdkafka names with a
                     Kafka equivalent ("topic." prefixes allowed); other
                     librdkafka properties are ignored with a warning
  -X dump            Print the configuration and exit
  -d <dbg1,...>      librdkafka debug contexts (ignored: use RUST_LOG=debug)
  -q                 Quiet (verbosity 0)
  -v                 More verbose
  -E                 Do not exit on non-fatal errors
  -V                 Print the version
  -h                 Print this help

Producer options:
  -z snappy|gzip|lz4|zstd  Compression (default none)
  -p -1              Use the partitioner (default: librdkafka's
                     consistent_random; -X partitioner=murmur2_random for
                     Java's choice of partition)
  -D <delim>         Delimiter splitting the input into messages
  -K <delim>         Delimiter splitting a message into key and value
  -k <str>           Fixed key for messages without a -K key
  -H <header=value>  Add a header (repeatable; -H name for a NULL value)
  -l                 Read delimited messages from one file, as from stdin
  -T                 Echo produced messages to stdout
  -c <cnt>           Stop after producing this many messages
  -Z                 Send empty keys and values (with -K) as NULL
  file1 file2..      Each file is one message (with -l: one delimited file)

Consumer options:
  -o <offset>        Where to start: beginning | end | stored |
                     <value> (absolute offset) | -<value> (from the end) |
                     s@<value> (timestamp in ms to start at) |
                     e@<value> (timestamp in ms to stop at, not included)
  -e                 Exit when the end of every partition is reached
  -f <fmt..>         Output format (see below); overrides -D and -K
  -J                 JSON envelope per message
  -D <delim>         Delimiter after each message
  -K <delim>         Print keys before values, followed by this delimiter
  -O                 Accepted, as kcat 1.7.1 (no effect)
  -c <cnt>           Stop after this many messages
  -Z                 Print empty or NULL keys and values as "NULL"
  -u                 Unbuffered output
  -s, -r             Deserializers and schema registries are not supported

Metadata options (-L):
  -t <topic>         Only this topic

Query options (-Q):
  -t <t>:<p>:<ts>    Offset of the first message at or after <ts> (ms) in
                     topic <t> partition <p>; repeatable (after -Q)

Format string tokens:
  %s  payload          %S  payload length (-1 for NULL)
  %R  payload length as a big-endian 32-bit integer
  %k  key              %K  key length (-1 for NULL)
  %T  timestamp (ms)   %h  headers (n=v CSV)
  %t  topic            %p  partition          %o  offset
  %%  a percent sign   \n \r \t  newline, carriage return, tab
  \xXX  any byte
 Example:
  -f 'Topic %t [%p] at offset %o: key %k: %s\n'

JSON message envelope (one line per message with -J):
 {"topic": str, "partition": int, "offset": int, "tstype": "create|logappend",
  "ts": int, "broker": int, "headers": [name, value, ..] (when present),
  "key": str|null, "payload": str|null}

Examples:
  kcat -b <broker> -C -t <topic> -e
  ... | kcat -b <broker> -P -t <topic> -K:
  kcat -b <broker> -G <group-id> topic1 ^regex.*
  kcat -b <broker> -L [-t <topic>] [-J]
  kcat -b <broker> -Q -t <topic>:<partition>:<timestamp>
"#;
