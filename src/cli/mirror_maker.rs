//! `kbox mirror-maker` (kafka-mirror-maker.sh): copy topics from one cluster to another.
//!
//! A consumer group on the source (from `--consumer.config`) reads the topics matching
//! `--include`; each record goes to the target (from `--producer.config`) with its key, value,
//! headers and timestamp, to the same partition number when the target topic has as many
//! partitions, else by key hash. Missing target topics are created with the source's partition
//! count and overridden configs. Delivery is at-least-once: source offsets are committed only
//! after the target acknowledged every record before them (the producer is flushed first), so
//! killing mirror-maker and starting it again loses nothing.
//!
//! `--sync-group-offsets` goes beyond the legacy tool, as MirrorMaker 2 does: the committed
//! offsets of the source's other consumer groups are translated to target offsets (from the
//! source -> target offset pairs seen as records are acknowledged) and committed to the same
//! groups on the target, so their consumers can fail over. Translation is conservative (a
//! consumer may re-read a few records, never skip one), only for topics mirrored partition for
//! partition, and never touches a target group that has members or is further ahead.

use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;

use super::ExitStatus;
use crate::client::admin::{Admin, NewTopic, ResourceType};
use crate::client::group::admin::GroupAdmin;
use crate::client::group::Subscription;
use crate::client::Client;
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
    /// Also translate the source's consumer-group offsets and commit them on the target at each
    /// offset commit (MirrorMaker 2's sync.group.offsets), so consumers can fail over.
    #[arg(long = "sync-group-offsets")]
    pub sync_group_offsets: bool,
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

    let own_group = source.group_id().unwrap_or_default();
    let group_sync = args.sync_group_offsets.then(|| -> Result<GroupSync> {
        Ok(GroupSync {
            source: GroupAdmin::new(Client::new(source.clone())?),
            target: GroupAdmin::new(Client::new(target.clone())?),
            own_group: own_group.clone(),
        })
    });
    let group_sync = group_sync.transpose()?;
    let syncs = Arc::new(OffsetSyncs::default());
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
    let bar = super::common::progress(None, false, false);
    if let Some(bar) = &bar {
        bar.set_message("records mirrored");
    }
    loop {
        let batch = tokio::select! {
            b = consumer.poll(Duration::from_millis(500)) => b?,
            _ = &mut interrupted => break,
        };
        let mut to_send = Vec::with_capacity(batch.len());
        // Source position of each record sent, for offset translation (same-partition topics).
        let mut origins: Vec<Option<(String, i32, i64)>> = Vec::with_capacity(batch.len());
        for r in batch {
            let counts = match known_topics.get(&*r.topic) {
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
                    known_topics.insert(r.topic.to_string(), c);
                    c
                }
            };
            let (source_partitions, target_partitions) = counts;
            bytes_total += r.value.as_ref().map_or(0, |v| v.len()) as u64
                + r.key.as_ref().map_or(0, |k| k.len()) as u64;
            window_bytes += r.value.as_ref().map_or(0, |v| v.len()) as u64;
            pending.insert((r.topic.to_string(), r.partition), r.offset + 1);
            let same_partition = source_partitions == target_partitions;
            origins.push(
                (group_sync.is_some() && same_partition)
                    .then(|| (r.topic.to_string(), r.partition, r.offset)),
            );
            to_send.push(ProducerRecord {
                topic: r.topic.to_string(),
                partition: (source_partitions == target_partitions).then_some(r.partition),
                key: r.key,
                value: r.value,
                headers: r.headers,
                timestamp: Some(r.timestamp),
            });
        }
        records_total += to_send.len() as u64;
        window_records += to_send.len() as u64;
        if let Some(bar) = &bar {
            bar.set_position(records_total);
        }
        if !to_send.is_empty() {
            let failures2 = failures.clone();
            let syncs2 = syncs.clone();
            producer
                .send_many(
                    to_send,
                    Arc::new(move |index, result| match result {
                        Ok(meta) => {
                            if let Some(Some((topic, partition, offset))) = origins.get(index) {
                                syncs2.record(topic, *partition, *offset, meta.offset);
                            }
                        }
                        Err(e) => {
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
            if let Some(sync) = &group_sync {
                sync.run(&syncs).await;
            }
            last_commit = Instant::now();
        }
        if args.stats_interval > 0
            && window_start.elapsed() >= Duration::from_secs(args.stats_interval)
        {
            let secs = window_start.elapsed().as_secs_f64();
            let line = format!(
                "mirror-maker: {:.1} records/sec ({:.2} MB/sec), {records_total} records mirrored in total",
                window_records as f64 / secs,
                window_bytes as f64 / secs / 1024.0 / 1024.0
            );
            match &bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
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
    if let Some(sync) = &group_sync {
        sync.run(&syncs).await;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    consumer.close().await?;
    producer.close().await?;
    eprintln!("mirror-maker: {records_total} records ({bytes_total} bytes) mirrored");
    Ok(ExitStatus::Success)
}

/// Source offset -> target offset pairs of acknowledged records, per source partition, newest
/// kept (a bounded number per partition: translation only needs recent ones).
#[derive(Debug, Default)]
struct OffsetSyncs {
    pairs: Mutex<HashMap<(String, i32), BTreeMap<i64, i64>>>,
}

/// Pairs kept per partition.
const SYNCS_PER_PARTITION: usize = 4096;

impl OffsetSyncs {
    fn record(&self, topic: &str, partition: i32, source: i64, target: i64) {
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        let map = pairs.entry((topic.to_string(), partition)).or_default();
        map.insert(source, target);
        if map.len() > SYNCS_PER_PARTITION {
            map.pop_first();
        }
    }

    /// The target offset a consumer committed at source offset `committed` may resume from:
    /// just after the target copy of the last mirrored record before `committed`. `None`
    /// when no such record is known.
    fn translate(&self, topic: &str, partition: i32, committed: i64) -> Option<i64> {
        let pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        let map = pairs.get(&(topic.to_string(), partition))?;
        map.range(..committed).next_back().map(|(_, t)| t + 1)
    }

    fn partitions(&self) -> Vec<(String, i32)> {
        let pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        pairs.keys().cloned().collect()
    }
}

/// `--sync-group-offsets`: copies translated consumer-group offsets to the target.
struct GroupSync {
    source: GroupAdmin,
    target: GroupAdmin,
    own_group: String,
}

impl GroupSync {
    /// One pass over the source's groups. Failures are reported and retried next time: offset
    /// syncing must never stop the mirroring itself.
    async fn run(&self, syncs: &OffsetSyncs) {
        if let Err(e) = self.sync(syncs).await {
            eprintln!("mirror-maker: syncing group offsets failed (will retry): {e}");
        }
    }

    async fn sync(&self, syncs: &OffsetSyncs) -> Result<()> {
        let mirrored = syncs.partitions();
        if mirrored.is_empty() {
            return Ok(());
        }
        for group in self.source.list_groups(&[]).await? {
            if group.group_id == self.own_group
                || !(group.protocol_type.is_empty() || group.protocol_type == "consumer")
            {
                continue;
            }
            let committed = self
                .source
                .committed_offsets(&group.group_id, Some(&mirrored))
                .await?;
            let mut translated: HashMap<(String, i32), i64> = HashMap::new();
            for (tp, c) in committed {
                if c.offset < 0 {
                    continue;
                }
                if let Some(t) = syncs.translate(&tp.0, tp.1, c.offset) {
                    translated.insert(tp, t);
                }
            }
            if translated.is_empty() {
                continue;
            }
            // Never move a live group, nor one that is already further ahead on the target.
            let described = self
                .target
                .describe_groups(std::slice::from_ref(&group.group_id))
                .await?;
            if described.iter().any(|d| !d.members.is_empty()) {
                continue;
            }
            let keys: Vec<(String, i32)> = translated.keys().cloned().collect();
            let existing = self
                .target
                .committed_offsets(&group.group_id, Some(&keys))
                .await?;
            translated.retain(|tp, t| existing.get(tp).is_none_or(|e| e.offset < *t));
            if !translated.is_empty() {
                self.target
                    .alter_offsets(&group.group_id, &translated)
                    .await?;
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_is_conservative() {
        let syncs = OffsetSyncs::default();
        // Source offsets 10..=12 landed at target 100..=102; 13 not mirrored yet.
        for (s, t) in [(10, 100), (11, 101), (12, 102)] {
            syncs.record("t", 0, s, t);
        }
        assert_eq!(syncs.translate("t", 0, 12), Some(102), "exact after 11");
        assert_eq!(syncs.translate("t", 0, 13), Some(103));
        assert_eq!(
            syncs.translate("t", 0, 50),
            Some(103),
            "never past what was mirrored"
        );
        assert_eq!(
            syncs.translate("t", 0, 10),
            None,
            "nothing before offset 10 is known"
        );
        assert_eq!(syncs.translate("t", 1, 5), None);
        for s in 0..(SYNCS_PER_PARTITION as i64 + 10) {
            syncs.record("u", 0, s, s);
        }
        assert_eq!(
            syncs.pairs.lock().unwrap()[&("u".to_string(), 0)].len(),
            SYNCS_PER_PARTITION
        );
    }
}
