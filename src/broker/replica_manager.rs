//! The partitions this node hosts, spread over its log directories, and the background work on
//! them: Kafka's checkpoint files, retention, scheduled flushes and the clean-shutdown marker.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use indexmap::IndexMap;
use uuid::Uuid;

use crate::broker::log::{
    read_offset_checkpoint, write_offset_checkpoint, CheckpointEntry, Log, LogConfig,
};
use crate::broker::metadata::TopicMeta;
use crate::broker::now_ms;
use crate::protocol::TopicPartitionRef;
use crate::Result;

/// Kafka's marker of a clean shutdown, one per log directory.
pub const CLEAN_SHUTDOWN_FILE: &str = ".kafka_cleanshutdown";
const RECOVERY_POINT_FILE: &str = "recovery-point-offset-checkpoint";
const LOG_START_FILE: &str = "log-start-offset-checkpoint";
const HIGH_WATERMARK_FILE: &str = "replication-offset-checkpoint";
/// The cleaner's progress: where each compacted log's dirty part starts.
const CLEANER_OFFSET_FILE: &str = "cleaner-offset-checkpoint";

/// A partition's key.
pub type TopicPartition = (String, i32);

/// What a log directory told us at start-up.
#[derive(Debug, Default)]
struct DirState {
    clean_shutdown: bool,
    recovery_points: HashMap<TopicPartition, i64>,
    log_starts: HashMap<TopicPartition, i64>,
    high_watermarks: HashMap<TopicPartition, i64>,
    cleaner_offsets: HashMap<TopicPartition, i64>,
    /// Partition folders found on disk.
    existing: HashMap<TopicPartition, PathBuf>,
}

/// Owns every hosted partition.
#[derive(Debug)]
pub struct ReplicaManager {
    log_dirs: Vec<PathBuf>,
    partitions: RwLock<IndexMap<TopicPartition, Arc<crate::broker::partition::Partition>>>,
    startup: std::sync::Mutex<HashMap<PathBuf, DirState>>,
}

impl ReplicaManager {
    /// Reads each log dir's checkpoints and clean-shutdown marker (removing the marker: from
    /// now on a crash must be detectable).
    pub fn open(log_dirs: &[PathBuf]) -> Result<ReplicaManager> {
        let mut startup = HashMap::new();
        for dir in log_dirs {
            std::fs::create_dir_all(dir)?;
            let marker = dir.join(CLEAN_SHUTDOWN_FILE);
            let mut state = DirState {
                clean_shutdown: marker.exists(),
                ..DirState::default()
            };
            for e in read_offset_checkpoint(&dir.join(RECOVERY_POINT_FILE))? {
                state
                    .recovery_points
                    .insert((e.topic, e.partition), e.offset);
            }
            for e in read_offset_checkpoint(&dir.join(LOG_START_FILE))? {
                state.log_starts.insert((e.topic, e.partition), e.offset);
            }
            for e in read_offset_checkpoint(&dir.join(HIGH_WATERMARK_FILE))? {
                state
                    .high_watermarks
                    .insert((e.topic, e.partition), e.offset);
            }
            for e in read_offset_checkpoint(&dir.join(CLEANER_OFFSET_FILE))? {
                state
                    .cleaner_offsets
                    .insert((e.topic, e.partition), e.offset);
            }
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().to_string();
                if !entry.file_type()?.is_dir() {
                    continue;
                }
                if name.ends_with("-delete") {
                    // A topic deleted before a crash: finish the job.
                    let _ = std::fs::remove_dir_all(entry.path());
                    continue;
                }
                if let Some(tp) = parse_partition_dir(&name) {
                    state.existing.insert(tp, entry.path());
                }
            }
            if state.clean_shutdown {
                std::fs::remove_file(&marker)?;
            }
            startup.insert(dir.clone(), state);
        }
        Ok(ReplicaManager {
            log_dirs: log_dirs.to_vec(),
            partitions: RwLock::new(IndexMap::new()),
            startup: std::sync::Mutex::new(startup),
        })
    }

    /// Opens (or creates) the logs of a topic's partitions that this node hosts, and removes
    /// the ones a reassignment moved away from it (Kafka's StopReplica with deletion).
    pub fn ensure_topic(&self, topic: &TopicMeta, node_id: i32, config: &LogConfig) -> Result<()> {
        for p in &topic.partitions {
            if !p.replicas.contains(&node_id) {
                if self.get(&topic.name, p.partition).is_some() {
                    self.remove_partition(&topic.name, p.partition)?;
                }
                continue;
            }
            let tp = (topic.name.clone(), p.partition);
            if let Some(open) = self.get(&tp.0, tp.1) {
                open.update_from_metadata(p, node_id);
                continue;
            }
            let partition = self.open_partition(&tp, topic.id, config.clone(), p.leader_epoch)?;
            partition.update_from_metadata(p, node_id);
            self.partitions
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(tp, Arc::new(partition));
        }
        Ok(())
    }

    fn open_partition(
        &self,
        tp: &TopicPartition,
        topic_id: Uuid,
        config: LogConfig,
        epoch: i32,
    ) -> Result<crate::broker::partition::Partition> {
        let startup = self.startup.lock().unwrap_or_else(|e| e.into_inner());
        let found = startup.iter().find_map(|(root, s)| {
            s.existing
                .get(tp)
                .map(|path| (root.clone(), path.clone(), s))
        });
        let mut high_watermark = None;
        let (root, log) = match found {
            Some((root, path, state)) => {
                high_watermark = state.high_watermarks.get(tp).copied();
                let recovery_point = state.recovery_points.get(tp).copied().unwrap_or(0);
                let log_start = state.log_starts.get(tp).copied().unwrap_or(0);
                let mut log = Log::open(
                    &path,
                    config,
                    recovery_point,
                    log_start,
                    state.clean_shutdown,
                )?;
                if let Some(&offset) = state.cleaner_offsets.get(tp) {
                    log.set_first_dirty_offset(offset);
                }
                (root, log)
            }
            None => {
                drop(startup);
                let root = self.least_loaded_dir();
                let path = root.join(format!("{}-{}", tp.0, tp.1));
                std::fs::create_dir_all(&path)?;
                write_partition_metadata(&path, topic_id)?;
                (root, Log::create(&path, config)?)
            }
        };
        let partition = crate::broker::partition::Partition::new(
            tp.0.clone(),
            tp.1,
            topic_id,
            root,
            log,
            epoch,
        );
        // A restarted leader must not expose what its followers may not have: it starts from
        // the checkpointed high watermark and the ISR moves it on (a lone replica at once).
        if let Some(hw) = high_watermark {
            partition.restart_high_watermark_at(hw);
        }
        Ok(partition)
    }

    fn least_loaded_dir(&self) -> PathBuf {
        let parts = self.partitions.read().unwrap_or_else(|e| e.into_inner());
        self.log_dirs
            .iter()
            .min_by_key(|d| parts.values().filter(|p| &p.log_dir == *d).count())
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn get(
        &self,
        topic: &str,
        partition: i32,
    ) -> Option<Arc<crate::broker::partition::Partition>> {
        self.partitions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&TopicPartitionRef(topic, partition))
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<crate::broker::partition::Partition>> {
        self.partitions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Applies new topic-level settings to a topic's open logs.
    pub fn set_topic_config(&self, topic: &str, config: &LogConfig) {
        for p in self.all().into_iter().filter(|p| p.topic == topic) {
            p.log().set_config(config.clone());
        }
    }

    /// Stops hosting one partition: its folder is renamed `*-delete` and removed in the
    /// background.
    fn remove_partition(&self, topic: &str, partition: i32) -> Result<()> {
        let removed = self
            .partitions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .swap_remove(&TopicPartitionRef(topic, partition));
        if let Some(p) = removed {
            tracing::info!(
                topic,
                partition,
                "replica moved away: removing the local log"
            );
            Self::delete_partition_dir(&p)?;
        }
        Ok(())
    }

    fn delete_partition_dir(p: &crate::broker::partition::Partition) -> Result<()> {
        let dir = p.log().dir().to_path_buf();
        let target = p.log_dir.join(format!(
            "{}-{}.{}-delete",
            p.topic,
            p.index,
            Uuid::new_v4().simple()
        ));
        std::fs::rename(&dir, &target)?;
        tokio::task::spawn_blocking(move || std::fs::remove_dir_all(target));
        Ok(())
    }

    /// Stops hosting a topic: its folders are renamed `<topic>-<p>.<id>-delete` at once (so the
    /// name is reusable immediately) and removed in the background.
    pub fn delete_topic(&self, topic: &str) -> Result<()> {
        let removed: Vec<_> = {
            let mut parts = self.partitions.write().unwrap_or_else(|e| e.into_inner());
            let keys: Vec<_> = parts.keys().filter(|(t, _)| t == topic).cloned().collect();
            keys.into_iter()
                .filter_map(|k| parts.swap_remove(&k))
                .collect()
        };
        for p in removed {
            Self::delete_partition_dir(&p)?;
        }
        Ok(())
    }

    /// Writes Kafka's recovery-point, log-start and high-watermark checkpoints in every log dir.
    pub fn write_checkpoints(&self) -> Result<()> {
        let parts = self.all();
        for root in &self.log_dirs {
            let mut recovery = Vec::new();
            let mut starts = Vec::new();
            let mut hws = Vec::new();
            let mut cleaned = Vec::new();
            for p in parts.iter().filter(|p| &p.log_dir == root) {
                let log = p.log();
                let entry = |offset| CheckpointEntry {
                    topic: p.topic.clone(),
                    partition: p.index,
                    offset,
                };
                recovery.push(entry(log.recovery_point()));
                starts.push(entry(log.log_start_offset()));
                hws.push(entry(p.high_watermark()));
                if log.config().cleanup_compact {
                    cleaned.push(entry(log.first_dirty_offset()));
                }
            }
            write_offset_checkpoint(&root.join(RECOVERY_POINT_FILE), &recovery)?;
            write_offset_checkpoint(&root.join(LOG_START_FILE), &starts)?;
            write_offset_checkpoint(&root.join(HIGH_WATERMARK_FILE), &hws)?;
            write_offset_checkpoint(&root.join(CLEANER_OFFSET_FILE), &cleaned)?;
        }
        Ok(())
    }

    /// One retention pass over every log (`log.retention.check.interval.ms`).
    pub fn enforce_retention(&self) {
        for p in self.all() {
            let deleted = p.log().delete_old_segments(now_ms(), p.high_watermark());
            match deleted {
                Ok(d) if d.count > 0 => {
                    tracing::info!(topic = %p.topic, partition = p.index, segments = d.count, "retention deleted segments");
                    if let Err(e) = d.remove_files() {
                        tracing::warn!(error = %e, "could not remove deleted segments");
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(topic = %p.topic, partition = p.index, error = %e, "retention failed")
                }
            }
        }
    }

    /// One compaction pass (`log.cleaner.backoff.ms`): cleans every compacted log that is due,
    /// one at a time, holding each log's lock only to plan and to swap the cleaned segments
    /// in. Returns how many logs were cleaned.
    pub fn clean_logs(&self, dedupe_buffer_bytes: usize) -> usize {
        let mut cleaned_logs = 0;
        for p in self.all() {
            let Some(plan) = p.log().clean_plan(p.high_watermark(), now_ms()) else {
                continue;
            };
            let outcome = plan.clean(dedupe_buffer_bytes).and_then(|cleaned| {
                let stats = cleaned.stats.clone();
                let deleted = p.log().swap_cleaned(cleaned, now_ms())?;
                Ok((stats, deleted))
            });
            match outcome {
                Ok((stats, deleted)) => {
                    cleaned_logs += 1;
                    tracing::info!(
                        topic = %p.topic, partition = p.index,
                        dirty = %format!("{}..{}", stats.first_dirty, stats.next_dirty),
                        bytes_read = stats.bytes_read, bytes_written = stats.bytes_written,
                        records_kept = stats.records_kept, records_read = stats.records_read,
                        tombstones_removed = stats.tombstones_removed,
                        "log cleaned"
                    );
                    if let Err(e) = deleted.remove_files() {
                        tracing::warn!(error = %e, "could not remove cleaned-away segments");
                    }
                }
                Err(crate::broker::log::LogError::CleaningAborted) => {
                    tracing::debug!(topic = %p.topic, partition = p.index, "cleaning aborted: the log changed");
                }
                Err(e) => {
                    tracing::warn!(topic = %p.topic, partition = p.index, error = %e, "cleaning failed");
                }
            }
        }
        if cleaned_logs > 0 {
            if let Err(e) = self.write_checkpoints() {
                tracing::warn!(error = %e, "writing checkpoints failed");
            }
        }
        cleaned_logs
    }

    /// Flushes logs whose flush policy (`flush.ms`, rolled segments) says it is time.
    pub async fn flush_due(&self) {
        for p in self.all() {
            let due = p.log().flush_due(now_ms());
            if due {
                if let Err(e) = p.flush_everything().await {
                    tracing::warn!(topic = %p.topic, partition = p.index, error = %e, "flush failed");
                }
            }
        }
    }

    /// Clean shutdown: flush every log, write checkpoints, then the clean-shutdown markers.
    pub fn shutdown(&self) -> Result<()> {
        for p in self.all() {
            p.log().close(now_ms())?;
        }
        self.write_checkpoints()?;
        for root in &self.log_dirs {
            std::fs::write(root.join(CLEAN_SHUTDOWN_FILE), b"")?;
        }
        Ok(())
    }
}

/// `orders-3` -> ("orders", 3). Topic names may contain '-', the partition is after the last one.
fn parse_partition_dir(name: &str) -> Option<TopicPartition> {
    let (topic, partition) = name.rsplit_once('-')?;
    if topic.is_empty() || topic.starts_with("__cluster_metadata") {
        return None;
    }
    Some((topic.to_string(), partition.parse().ok()?))
}

/// Kafka's `partition.metadata` file: the topic id a partition folder belongs to.
fn write_partition_metadata(dir: &Path, topic_id: Uuid) -> Result<()> {
    let id = crate::broker::storage_format::uuid_to_kafka_string(topic_id);
    std::fs::write(
        dir.join("partition.metadata"),
        format!("version: 0\ntopic_id: {id}\n"),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_dir_names() {
        assert_eq!(parse_partition_dir("orders-3"), Some(("orders".into(), 3)));
        assert_eq!(
            parse_partition_dir("my-topic-12"),
            Some(("my-topic".into(), 12))
        );
        assert_eq!(parse_partition_dir("__cluster_metadata-0"), None);
        assert_eq!(parse_partition_dir("junk"), None);
    }
}
