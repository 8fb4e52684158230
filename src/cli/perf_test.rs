//! `kbox perf-test`: Apache's three performance tools, with their flags and output lines.
//!
//! - `producer` = kafka-producer-perf-test.sh ([`producer`])
//! - `consumer` = kafka-consumer-perf-test.sh ([`consumer`])
//! - `e2e` = kafka-e2e-latency.sh ([`e2e`])
//!
//! Latencies go into HDR histograms; `--format json` prints one summary object for CI, and a
//! live line is drawn on stderr when it is a terminal.

pub mod consumer;
pub mod e2e;
pub mod producer;

use clap::Subcommand;

use super::ExitStatus;
use crate::Result;

/// `kbox perf-test ...`.
#[derive(Debug, clap::Args)]
#[command(about = "Measure producer, consumer and end-to-end performance (Apache's perf tools)")]
pub struct PerfTestArgs {
    #[command(subcommand)]
    pub tool: PerfTool,
}

#[derive(Debug, Subcommand)]
pub enum PerfTool {
    /// kafka-producer-perf-test.sh: produce a fixed number of records and report throughput
    /// and latency.
    Producer(producer::ProducerPerfArgs),
    /// kafka-consumer-perf-test.sh: consume a number of records through a group.
    Consumer(consumer::ConsumerPerfArgs),
    /// kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer.
    E2e(e2e::E2eArgs),
}

pub async fn run(args: PerfTestArgs) -> Result<ExitStatus> {
    match args.tool {
        PerfTool::Producer(a) => producer::run(a).await,
        PerfTool::Consumer(a) => consumer::run(a).await,
        PerfTool::E2e(a) => e2e::run(a).await,
    }
}

/// Bytes to Apache's MB (2^20).
pub(crate) fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A per-second rate; 0 over an empty interval.
pub(crate) fn per_sec(amount: f64, elapsed: std::time::Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        amount / secs
    } else {
        0.0
    }
}

/// A small, fast pseudo-random generator (xorshift64*): payloads and names, not secrets.
#[derive(Debug, Clone)]
pub(crate) struct FastRng(u64);

impl FastRng {
    pub(crate) fn seeded() -> FastRng {
        let seed = uuid::Uuid::new_v4().as_u64_pair().0 | 1;
        FastRng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Formats a time with a Java `SimpleDateFormat` pattern (the letters Apache's tools use:
/// y M d H h m s S a E z Z, quotes for literals), in local time.
pub(crate) fn java_date(pattern: &str, time: chrono::DateTime<chrono::Local>) -> String {
    use chrono::{Datelike, Timelike};
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // 'literal' ('' is a quote).
            let mut j = i + 1;
            if chars.get(j) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            while j < chars.len() && chars[j] != '\'' {
                out.push(chars[j]);
                j += 1;
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let pad = |v: i64, width: usize| format!("{v:0width$}");
        match c {
            'y' if n == 2 => out.push_str(&pad(i64::from(time.year() % 100), 2)),
            'y' => out.push_str(&pad(i64::from(time.year()), n)),
            'M' if n >= 4 => out.push_str(&time.format("%B").to_string()),
            'M' if n == 3 => out.push_str(&time.format("%b").to_string()),
            'M' => out.push_str(&pad(i64::from(time.month()), n)),
            'd' => out.push_str(&pad(i64::from(time.day()), n)),
            'H' => out.push_str(&pad(i64::from(time.hour()), n)),
            'h' => out.push_str(&pad(i64::from(time.hour12().1), n)),
            'm' => out.push_str(&pad(i64::from(time.minute()), n)),
            's' => out.push_str(&pad(i64::from(time.second()), n)),
            'S' => out.push_str(&pad(i64::from(time.timestamp_subsec_millis()), n)),
            'a' => out.push_str(if time.hour12().0 { "PM" } else { "AM" }),
            'E' if n >= 4 => out.push_str(&time.format("%A").to_string()),
            'E' => out.push_str(&time.format("%a").to_string()),
            'z' => out.push_str(&time.format("%Z").to_string()),
            'Z' => out.push_str(&time.format("%z").to_string()),
            other => out.extend(std::iter::repeat_n(other, n)),
        }
        i += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn java_date_patterns() {
        let t = chrono::Local
            .with_ymd_and_hms(2026, 3, 7, 14, 5, 9)
            .unwrap()
            .checked_add_signed(chrono::Duration::milliseconds(42))
            .unwrap();
        assert_eq!(
            java_date("yyyy-MM-dd HH:mm:ss:SSS", t),
            "2026-03-07 14:05:09:042"
        );
        assert_eq!(java_date("yy/M/d h 'at' a", t), "26/3/7 2 at PM");
    }

    #[test]
    fn rng_spreads() {
        let mut rng = FastRng::seeded();
        let mut seen = [false; 26];
        for _ in 0..1000 {
            seen[rng.below(26) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
