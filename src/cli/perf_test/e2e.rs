//! `kbox perf-test e2e` (kafka-e2e-latency.sh, `EndToEndLatency`).
//!
//! Produces one record, waits until the consumer has it, and repeats: the time from send to
//! receipt is the end-to-end latency. Prints `i<TAB>latency_ms` every 1000 records, then
//! Apache's average and percentile lines.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;

use super::FastRng;
use crate::cli::common::{client_config, OutputFormat};
use crate::cli::ExitStatus;
use crate::client::admin::{Admin, NewTopic, OffsetSpec};
use crate::client::{Consumer, Producer, ProducerRecord};
use crate::protocol::ResponseError;
use crate::{Error, Result};

/// How long one record may take before the run is declared failed (Apache: 60 s).
const RECORD_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, clap::Args)]
#[command(
    override_usage = "kbox perf-test e2e <broker_list> <topic> <num_messages> <producer_acks> <message_size_bytes> [properties_file]"
)]
pub struct E2eArgs {
    /// Bootstrap servers, host:port[,host:port...].
    pub broker_list: String,
    /// The topic (created with one partition if missing).
    pub topic: String,
    /// How many records to send, one at a time.
    pub num_messages: u64,
    /// The producer's acks: 1 or all.
    pub producer_acks: String,
    /// The size of each record's value.
    pub message_size_bytes: usize,
    /// Client properties for both the producer and the consumer.
    pub properties_file: Option<PathBuf>,
    /// `json` prints one summary object instead of Apache's lines.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

pub async fn run(args: E2eArgs) -> Result<ExitStatus> {
    if args.producer_acks != "1" && args.producer_acks != "all" && args.producer_acks != "-1" {
        return Err(Error::Message(
            "Latency testing requires synchronous acknowledgement. Please use 1 or all".into(),
        ));
    }
    let files: Vec<&PathBuf> = args.properties_file.iter().collect();
    let base = client_config(Some(&args.broker_list), &files, &[], &[])?;

    // Apache creates the topic when it does not exist: one partition, one replica.
    let admin = Admin::new(base.clone())?;
    let topic = NewTopic {
        name: args.topic.clone(),
        partitions: 1,
        replication_factor: 1,
        assignments: Vec::new(),
        configs: Vec::new(),
    };
    for (_, result) in admin.create_topics(&[topic], false).await? {
        match result {
            Ok(()) => {}
            Err(Error::Kafka {
                code: ResponseError::TopicAlreadyExists,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }

    let mut producer_config = base.clone();
    producer_config.set("acks", args.producer_acks.as_str());
    producer_config.set("linger.ms", "0");
    let producer = Producer::new(producer_config)?;
    let mut consumer_config = base;
    consumer_config.set("fetch.max.wait.ms", "0");
    let mut consumer = Consumer::new(consumer_config)?;
    let tp = (args.topic.clone(), 0);
    consumer.assign(std::slice::from_ref(&tp));
    consumer.seek_to(&tp, OffsetSpec::Latest)?;
    // Resolve the starting position before the clock starts.
    consumer.position(&tp).await?;

    let mut rng = FastRng::seeded();
    let mut histogram: Histogram<u64> =
        Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
    let mut total_us = 0u64;
    let json = args.format == OutputFormat::Json;
    for i in 0..args.num_messages {
        let value: Vec<u8> = (0..args.message_size_bytes)
            .map(|_| b'A' + rng.below(26) as u8)
            .collect();
        let value = Bytes::from(value);
        let begin = Instant::now();
        producer
            .send(ProducerRecord::new(args.topic.clone(), value.clone()))
            .await?
            .await?;
        let received = loop {
            let records = consumer.poll(Duration::from_millis(100)).await?;
            if let Some(first) = records.into_iter().next() {
                break first;
            }
            if begin.elapsed() > RECORD_TIMEOUT {
                return Err(Error::Timeout(format!(
                    "poll: the record sent {} ms ago never arrived",
                    RECORD_TIMEOUT.as_millis()
                )));
            }
        };
        let elapsed = begin.elapsed();
        if received.value.as_ref() != Some(&value) {
            return Err(Error::Message(
                "The message read back differs from the one sent".into(),
            ));
        }
        let us = elapsed.as_micros() as u64;
        total_us += us;
        let _ = histogram.record(us.max(1));
        if i % 1000 == 0 && !json {
            println!("{i}\t{}", us as f64 / 1000.0);
        }
    }
    producer.close().await?;

    let n = args.num_messages.max(1);
    let avg_ms = total_us as f64 / n as f64 / 1000.0;
    let pct = |q: f64| histogram.value_at_quantile(q) / 1000;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "records": args.num_messages,
                "avg_latency_ms": avg_ms,
                "p50_ms": histogram.value_at_quantile(0.5) as f64 / 1000.0,
                "p99_ms": histogram.value_at_quantile(0.99) as f64 / 1000.0,
                "p999_ms": histogram.value_at_quantile(0.999) as f64 / 1000.0,
                "max_ms": histogram.max() as f64 / 1000.0,
            })
        );
    } else {
        println!("Avg latency: {avg_ms:.4} ms");
        println!(
            "Percentiles: 50th = {}, 99th = {}, 99.9th = {}",
            pct(0.5),
            pct(0.99),
            pct(0.999)
        );
    }
    Ok(ExitStatus::Success)
}
