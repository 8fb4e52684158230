//! `kbox mirror-maker` (kafka-mirror-maker.sh): copy topics from one cluster to another.
//!
//! A consumer group on the source (from `--consumer.config`) reads the topics matching
//! `--include`; each record goes to the target (from `--producer.config`) with its key, value,
//! headers and timestamp, to the same partition number when the target topic has as many
//! partitions, else by key hash. Missing target topics are created with the source's partition
//! count and overridden configs. Delivery is at-least-once: source offsets are committed only
//! after the target acknowledged every record before them (the producer is flushed first), so
//! killing mirror-maker and starting it again loses nothing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::ExitStatus;
use crate::client::admin::{Admin, NewTopic, ResourceType};
use crate::client::group::Subscription;
use crate::client::{ClientConfig, GroupConsumer, Producer, ProducerRecord};
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Example:
  kbox mirror-maker --consumer.config source.properties --producer.config target.properties --include 'orders|audit.*'
  (source.properties holds bootstrap.servers and group.id; target.properties holds bootstrap.servers)")]
pub struct MirrorMakerArgs {
    /// REQUIRED: consumer properties for the source cluster (bootstrap.servers, group.id, ...).
    #[arg(long = "consumer.config")]
    pub consumer_config: Option<PathBuf>,
    /// REQUIRED: producer properties for the target cluster (bootstrap.servers, ...).
    #[arg(long = "producer.config")]
    pub producer_config: Option<PathBuf>,
    /// Regular expression of the topics to mirror.
    #[arg(long, alias = "whitelist")]
    pub include: Option<String>,
    /// Number of consumption streams (kbox uses one consumer and pipelines fetches instead).
    #[arg(long = "num.streams", default_value_t = 1)]
    pub num_streams: u32,
    /// How often source offsets are committed (after the target acknowledged everything).
    #[arg(long = "offset.commit.interval.ms", default_value_t = 60000)]
    pub offset_commit_interval_ms: u64,
    /// Stop on the first record the target refuses (true), or log it and go on (false).
    #[arg(long = "abort.on.send.failure", default_value = "true")]
    pub abort_on_send_failure: String,
    /// Do not create missing topics on the target.
    #[arg(long = "no-create-topics")]
    pub no_create_topics: bool,
    /// Seconds between stats lines on stderr (0: none).
    #[arg(long = "stats-interval", default_value_t = 10)]
    pub stats_interval: u64,
}

fn load(path: &Option<PathBuf>, flag: &str) -> Result<ClientConfig> {
    let path = path
        .as_ref()
        .ok_or_else(|| Error::Message(format!("Missing required argument \"[{flag}]\"")))?;
    let mut c = ClientConfig::new();
    c.load_file(path)?;
    Ok(c)
}

pub async fn run(args: MirrorMakerArgs) -> Result<ExitStatus> {
    let mut source = load(&args.consumer_config, "consumer.config")?;
    let mut target = load(&args.producer_config, "producer.config")?;
    let include = args
        .include
        .as_deref()
        .ok_or_else(|| Error::Message("Missing required argument \"[include]\"".into()))?;
    let pattern = regex::Regex::new(&format!("^(?:{include})$"))
        .map_err(|e| Error::Message(format!("Invalid regular expression {include}: {e}")))?;
    if source.group_id().is_none() {
        source.set("group.id", "kbox-mirror-maker");
    }
    source.set("enable.auto.commit", "false");
    source.set_default("auto.offset.reset", "earliest");
    target.set_default("acks", "all");
    target.set_default("linger.ms", "20");
    target.set_default("client.id", "kbox-mirror-maker");
    let abort_on_failure = !args
        .abort_on_send_failure
        .trim()
        .eq_ignore_ascii_case("false");

    let source_admin = Admin::new(source.clone())?;
    let target_admin = Admin::new(target.clone())?;
    let producer = Producer::new(target)?;
    let mut consumer = GroupConsumer::subscribe(source, Subscription::Pattern(pattern))?;

    let failures = Arc::new(AtomicU64::new(0));
    let mut known_topics: HashMap<String, (usize, usize)> = HashMap::new();
    let mut created: HashSet<String> = HashSet::new();
    let commit_every = Duration::from_millis(args.offset_commit_interval_ms.max(100));
    let mut last_commit = Instant::now();
    let mut pending: HashMap<(String, i32), i64> = HashMap::new();
    let (mut records_total, mut bytes_total) = (0u64, 0u64);
    let (mut window_records, mut window_bytes, mut window_start) = (0u64, 0u64, Instant::now());
    let mut interrupted = Box::pin(super::common::interrupted());
    loop {
        let batch = tokio::select! {
            b = consumer.poll(Duration::from_millis(500)) => b?,
            _ = &mut interrupted => break,
        };
        let mut to_send = Vec::with_capacity(batch.len());
        for r in batch {
            let counts = match known_topics.get(&r.topic) {
                Some(c) => *c,
                None => {
                    let c = prepare_topic(
                        &source_admin,
                        &target_admin,
                        &r.topic,
                        !args.no_create_topics,
                        &mut created,
                    )
                    .await?;
                    known_topics.insert(r.topic.clone(), c);
                    c
                }
            };
            let (source_partitions, target_partitions) = counts;
            bytes_total += r.value.as_ref().map_or(0, |v| v.len()) as u64
                + r.key.as_ref().map_or(0, |k| k.len()) as u64;
            window_bytes += r.value.as_ref().map_or(0, |v| v.len()) as u64;
            pending.insert((r.topic.clone(), r.partition), r.offset + 1);
            to_send.push(ProducerRecord {
                topic: r.topic,
                partition: (source_partitions == target_partitions).then_some(r.partition),
                key: r.key,
                value: r.value,
                headers: r.headers,
                timestamp: Some(r.timestamp),
            });
        }
        records_total += to_send.len() as u64;
        window_records += to_send.len() as u64;
        if !to_send.is_empty() {
            let failures2 = failures.clone();
            producer
                .send_many(
                    to_send,
                    Arc::new(move |_, result| {
                        if let Err(e) = result {
                            if failures2.fetch_add(1, Ordering::Relaxed) < 10 {
                                eprintln!("Error when sending a mirrored record: {e}");
                            }
                        }
                    }),
                )
                .await?;
        }
        if last_commit.elapsed() >= commit_every && !pending.is_empty() {
            checkpoint(
                &producer,
                &mut consumer,
                &mut pending,
                &failures,
                abort_on_failure,
            )
            .await?;
            last_commit = Instant::now();
        }
        if args.stats_interval > 0
            && window_start.elapsed() >= Duration::from_secs(args.stats_interval)
        {
            let secs = window_start.elapsed().as_secs_f64();
            eprintln!(
                "mirror-maker: {:.1} records/sec ({:.2} MB/sec), {records_total} records mirrored in total",
                window_records as f64 / secs,
                window_bytes as f64 / secs / 1024.0 / 1024.0
            );
            (window_records, window_bytes, window_start) = (0, 0, Instant::now());
        }
    }
    checkpoint(
        &producer,
        &mut consumer,
        &mut pending,
        &failures,
        abort_on_failure,
    )
    .await?;
    consumer.close().await?;
    producer.close().await?;
    eprintln!("mirror-maker: {records_total} records ({bytes_total} bytes) mirrored");
    Ok(ExitStatus::Success)
}

/// Flushes the target, then commits the source positions of everything sent so far.
async fn checkpoint(
    producer: &Producer,
    consumer: &mut GroupConsumer,
    pending: &mut HashMap<(String, i32), i64>,
    failures: &AtomicU64,
    abort_on_failure: bool,
) -> Result<()> {
    producer.flush().await?;
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 && abort_on_failure {
        // Nothing after the failure is committed: a restart mirrors it again.
        return Err(Error::Message(format!(
            "{failed} records could not be written to the target; stopping (abort.on.send.failure=true)"
        )));
    }
    consumer.commit_offsets(pending).await?;
    pending.clear();
    Ok(())
}

/// Partition counts `(source, target)` of a topic, creating it on the target when missing.
async fn prepare_topic(
    source: &Admin,
    target: &Admin,
    topic: &str,
    create: bool,
    created: &mut HashSet<String>,
) -> Result<(usize, usize)> {
    let names = [topic.to_string()];
    let source_info = source.describe_topics(&names).await?;
    let source_count = source_info.first().map_or(0, |t| t.partitions.len());
    let target_info = target.describe_topics(&names).await?;
    let mut target_count = target_info
        .first()
        .filter(|t| t.error_code == 0)
        .map_or(0, |t| t.partitions.len());
    if target_count == 0 && create && created.insert(topic.to_string()) {
        let configs = source
            .describe_configs(&[(ResourceType::Topic, topic.to_string())], false)
            .await?;
        let overrides: Vec<(String, String)> = configs
            .into_iter()
            .flat_map(|(_, _, entries)| entries.unwrap_or_default())
            .filter(|e| e.source == 1)
            .filter_map(|e| Some((e.name, e.value?)))
            .collect();
        let new = NewTopic {
            name: topic.to_string(),
            partitions: source_count as i32,
            replication_factor: -1,
            configs: overrides,
            ..Default::default()
        };
        for (_, result) in target.create_topics(&[new], false).await? {
            match result {
                Ok(()) => eprintln!("mirror-maker: created topic {topic} on the target with {source_count} partitions"),
                Err(Error::Kafka { code: crate::protocol::ResponseError::TopicAlreadyExists, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        target_count = source_count;
    }
    Ok((source_count, target_count))
}
