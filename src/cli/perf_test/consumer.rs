//! `kbox perf-test consumer` (kafka-consumer-perf-test.sh, `ConsumerPerformance`).
//!
//! Joins a group (`perf-consumer-<n>` unless `--group`), reads `--messages` records and prints
//! Apache's header and row: start and end time, MB and records consumed with their rates, the
//! time spent joining the group (rebalance) and the fetch figures without it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{java_date, mb, per_sec};
use crate::cli::common::{client_config, interrupted, OutputFormat};
use crate::cli::ExitStatus;
use crate::client::group::{GroupConsumer, Subscription};
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct ConsumerPerfArgs {
    /// The broker list.
    #[arg(long = "bootstrap-server", value_name = "server to connect to")]
    pub bootstrap_server: Option<String>,
    /// The topic to consume from.
    #[arg(long, value_name = "topic")]
    pub topic: Option<String>,
    /// A regular expression of topics to consume (instead of --topic).
    #[arg(long, value_name = "include", conflicts_with = "topic")]
    pub include: Option<String>,
    /// The number of records to consume.
    #[arg(long = "messages", visible_alias = "num-records", value_name = "count")]
    pub messages: u64,
    /// The group id to consume on.
    #[arg(long, value_name = "gid")]
    pub group: Option<String>,
    /// Start from the end of the topic when the group has no committed offset.
    #[arg(long = "from-latest")]
    pub from_latest: bool,
    /// Bytes to fetch per partition per request (max.partition.fetch.bytes).
    #[arg(long = "fetch-size", value_name = "size", default_value_t = 1_048_576)]
    pub fetch_size: i32,
    /// Socket receive buffer (accepted for compatibility; the OS tunes it).
    #[arg(
        long = "socket-buffer-size",
        value_name = "size",
        default_value_t = 2_097_152
    )]
    pub socket_buffer_size: i32,
    /// Consumer properties file.
    #[arg(long = "consumer.config", value_name = "config file")]
    pub consumer_config: Option<PathBuf>,
    /// Consumer properties file (KIP-1147 name of --consumer.config).
    #[arg(long = "command-config", value_name = "config file")]
    pub command_config: Option<PathBuf>,
    /// A consumer property, key=value; repeatable.
    #[arg(long = "command-property", value_name = "prop")]
    pub command_property: Vec<String>,
    /// Print the client's metrics at the end.
    #[arg(long = "print-metrics")]
    pub print_metrics: bool,
    /// A row per reporting interval instead of one summary row.
    #[arg(long = "show-detailed-stats")]
    pub show_detailed_stats: bool,
    /// Interval between detailed rows, ms.
    #[arg(
        long = "reporting-interval",
        value_name = "interval_ms",
        default_value_t = 5000
    )]
    pub reporting_interval: u64,
    /// Give up when no record arrives for this long, ms.
    #[arg(long, value_name = "milliseconds", default_value_t = 10_000)]
    pub timeout: u64,
    /// Java SimpleDateFormat pattern for the time columns.
    #[arg(
        long = "date-format",
        value_name = "date format",
        default_value = "yyyy-MM-dd HH:mm:ss:SSS"
    )]
    pub date_format: String,
    /// Leave out the header line.
    #[arg(long = "hide-header")]
    pub hide_header: bool,
    /// `json` prints one summary object instead of Apache's lines.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

const HEADER: &str = "data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

pub async fn run(args: ConsumerPerfArgs) -> Result<ExitStatus> {
    let files: Vec<&PathBuf> = args
        .consumer_config
        .iter()
        .chain(args.command_config.iter())
        .collect();
    let mut config = client_config(
        args.bootstrap_server.as_deref(),
        &files,
        &args.command_property,
        &[],
    )?;
    let group = args
        .group
        .clone()
        .or_else(|| config.get("group.id").map(str::to_owned))
        .unwrap_or_else(|| format!("perf-consumer-{}", super::FastRng::seeded().below(100_000)));
    config.set("group.id", group);
    config.set(
        "auto.offset.reset",
        if args.from_latest {
            "latest"
        } else {
            "earliest"
        },
    );
    config.set("max.partition.fetch.bytes", args.fetch_size.to_string());
    config.set_default("enable.auto.commit", "true");
    let subscription = match (&args.topic, &args.include) {
        (Some(t), _) => Subscription::Topics(vec![t.clone()]),
        (None, Some(p)) => Subscription::Pattern(
            regex::Regex::new(p)
                .map_err(|e| Error::Message(format!("Invalid regular expression {p}: {e}")))?,
        ),
        (None, None) => {
            return Err(Error::Message(
                "Exactly one of the following arguments is required: [topic], [include]".into(),
            ))
        }
    };
    let json = args.format == OutputFormat::Json;
    if !args.hide_header && !json {
        let prefix = if args.show_detailed_stats {
            "time, threadId"
        } else {
            "start.time, end.time"
        };
        println!("{prefix}, {HEADER}");
    }

    let start_wall = chrono::Local::now();
    let start = Instant::now();
    let mut consumer = GroupConsumer::subscribe(config, subscription)?;
    let bar = crate::cli::common::progress(Some(args.messages), json, true);
    let (mut records, mut bytes) = (0u64, 0u64);
    let mut joined_at: Option<Instant> = None;
    let mut last_record = Instant::now();
    let mut timed_out = false;
    let interval = Duration::from_millis(args.reporting_interval.max(1));
    let mut report = Report::new(start);
    let mut stop = Box::pin(interrupted());
    while records < args.messages {
        let polled = tokio::select! {
            r = consumer.poll(Duration::from_millis(100)) => r?,
            _ = &mut stop => break,
        };
        let now = Instant::now();
        if joined_at.is_none() && !consumer.assignment().is_empty() {
            joined_at = Some(now);
        }
        if polled.is_empty() {
            if now.duration_since(last_record) > Duration::from_millis(args.timeout) {
                timed_out = true;
                break;
            }
        } else {
            last_record = now;
        }
        for record in polled {
            if records >= args.messages {
                break;
            }
            records += 1;
            bytes += record.key.as_ref().map_or(0, |k| k.len() as u64)
                + record.value.as_ref().map_or(0, |v| v.len() as u64);
        }
        if let Some(bar) = &bar {
            bar.set_position(records);
        }
        if args.show_detailed_stats && !json && now.duration_since(report.at) >= interval {
            report.print(&args.date_format, now, records, bytes, joined_at, start);
        }
    }
    let end = Instant::now();
    let end_wall = chrono::Local::now();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Committing on close, as Apache's tool does (auto-commit).
    consumer.close().await?;
    if timed_out {
        println!(
            "WARNING: Exiting before consuming the expected number of messages: timeout ({} ms) exceeded. You can use the --timeout option to increase the timeout.",
            args.timeout
        );
    }

    let elapsed = end.duration_since(start);
    let rebalance = joined_at.map_or(elapsed, |j| j.duration_since(start));
    let fetch = elapsed.saturating_sub(rebalance);
    let mbs = mb(bytes);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "records": records,
                "bytes": bytes,
                "seconds": elapsed.as_secs_f64(),
                "mb": mbs,
                "mb_per_sec": per_sec(mbs, elapsed),
                "records_per_sec": per_sec(records as f64, elapsed),
                "rebalance_time_ms": rebalance.as_millis() as u64,
                "fetch_time_ms": fetch.as_millis() as u64,
                "fetch_mb_per_sec": per_sec(mbs, fetch),
                "fetch_records_per_sec": per_sec(records as f64, fetch),
                "timed_out": timed_out,
            })
        );
    } else if !args.show_detailed_stats {
        println!(
            "{}, {}, {:.4}, {:.4}, {}, {:.4}, {}, {}, {:.4}, {:.4}",
            java_date(&args.date_format, start_wall),
            java_date(&args.date_format, end_wall),
            mbs,
            per_sec(mbs, elapsed),
            records,
            per_sec(records as f64, elapsed),
            rebalance.as_millis(),
            fetch.as_millis(),
            per_sec(mbs, fetch),
            per_sec(records as f64, fetch),
        );
    }
    if args.print_metrics {
        let tag = format!("{{client-id={}}}", "perf-consumer");
        let metrics = [
            ("records-consumed-total", records as f64),
            ("records-consumed-rate", per_sec(records as f64, elapsed)),
            ("bytes-consumed-total", bytes as f64),
            ("bytes-consumed-rate", per_sec(bytes as f64, elapsed)),
        ];
        let names: Vec<String> = metrics
            .iter()
            .map(|(n, _)| format!("consumer-fetch-manager-metrics:{n}:{tag}"))
            .collect();
        let width = names.iter().map(String::len).max().unwrap_or(0);
        println!("\n{:<width$}   Value", "Metric Name");
        for (name, (_, value)) in names.iter().zip(metrics) {
            println!("{name:<width$} : {value:.3}");
        }
    }
    Ok(if records >= args.messages {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The state between two `--show-detailed-stats` rows.
struct Report {
    at: Instant,
    records: u64,
    bytes: u64,
}

impl Report {
    fn new(start: Instant) -> Report {
        Report {
            at: start,
            records: 0,
            bytes: 0,
        }
    }

    /// Apache's detailed row: cumulative MB and records, rates over the interval.
    fn print(
        &mut self,
        date_format: &str,
        now: Instant,
        records: u64,
        bytes: u64,
        joined_at: Option<Instant>,
        start: Instant,
    ) {
        let interval = now.duration_since(self.at);
        let rebalance = joined_at.map_or(Duration::ZERO, |j| {
            if j > self.at {
                j.duration_since(self.at.max(start))
            } else {
                Duration::ZERO
            }
        });
        let fetch = interval.saturating_sub(rebalance);
        let (d_mb, d_records) = (mb(bytes - self.bytes), (records - self.records) as f64);
        println!(
            "{}, 0, {:.4}, {:.4}, {}, {:.4}, {}, {}, {:.4}, {:.4}",
            java_date(date_format, chrono::Local::now()),
            mb(bytes),
            per_sec(d_mb, interval),
            records,
            per_sec(d_records, interval),
            rebalance.as_millis(),
            fetch.as_millis(),
            per_sec(d_mb, fetch),
            per_sec(d_records, fetch),
        );
        *self = Report {
            at: now,
            records,
            bytes,
        };
    }
}
