//! One partition hosted by this node: its log, leader epoch and high watermark, plus what the
//! request handlers need around the log: long-poll wake-ups and group-committed fsyncs.
//!
//! Today every partition has one replica (this node), so the high watermark is the log end
//! after each append. Replication (a later issue) makes the leader advance it from followers'
//! fetch positions; nothing else here changes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::broker::log::{AppendInfo, Log, LogError};
use crate::broker::now_ms;

/// A hosted partition. Shared by handlers through `Arc<Partition>`.
#[derive(Debug)]
pub struct Partition {
    pub topic: String,
    pub index: i32,
    pub topic_id: Uuid,
    /// The log directory (root) that holds this partition's folder.
    pub log_dir: PathBuf,
    log: Mutex<Log>,
    leader_epoch: AtomicI32,
    high_watermark: AtomicI64,
    /// Woken after every append so waiting fetches re-read at once.
    pub appended: Notify,
    /// Serialises fsyncs: concurrent writers share one fsync (group commit).
    flush_lock: tokio::sync::Mutex<()>,
}

impl Partition {
    pub fn new(
        topic: String,
        index: i32,
        topic_id: Uuid,
        log_dir: PathBuf,
        log: Log,
        leader_epoch: i32,
    ) -> Partition {
        let hw = log.log_end_offset();
        Partition {
            topic,
            index,
            topic_id,
            log_dir,
            log: Mutex::new(log),
            leader_epoch: AtomicI32::new(leader_epoch),
            high_watermark: AtomicI64::new(hw),
            appended: Notify::new(),
            flush_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The log, locked. Never held across an `.await`.
    pub fn log(&self) -> MutexGuard<'_, Log> {
        // A poisoned lock means a panic mid-append; the log's own state is still consistent
        // (appends write before they advance offsets), so keep serving.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn leader_epoch(&self) -> i32 {
        self.leader_epoch.load(Ordering::Acquire)
    }

    /// Kafka's check of a client's `current_leader_epoch` (-1 = not given): an older epoch is
    /// fenced, a newer one is not known here yet. Returns our epoch.
    pub fn check_leader_epoch(&self, current: i32) -> Result<i32, crate::protocol::ResponseError> {
        let epoch = self.leader_epoch();
        if current >= 0 && current < epoch {
            Err(crate::protocol::ResponseError::FencedLeaderEpoch)
        } else if current > epoch {
            Err(crate::protocol::ResponseError::UnknownLeaderEpoch)
        } else {
            Ok(epoch)
        }
    }

    pub fn high_watermark(&self) -> i64 {
        self.high_watermark.load(Ordering::Acquire)
    }

    /// Appends a producer's batches as leader and, when `flush.messages` asks for it
    /// (`flush.messages=1` makes every write durable before its ack), fsyncs before returning.
    pub async fn append_as_leader(&self, records: Bytes) -> Result<AppendInfo, LogError> {
        let (info, flush_due) = {
            let mut log = self.log();
            let info = log.append_as_leader(records, self.leader_epoch(), now_ms())?;
            self.high_watermark
                .store(log.log_end_offset(), Ordering::Release);
            // Only `flush.messages` makes the producer wait for the fsync; a rolled segment or
            // `flush.ms` is flushed by the background task, off the produce path (as Kafka does).
            let unflushed = log.unflushed_messages();
            (
                info,
                unflushed > 0 && unflushed >= log.config().flush_messages,
            )
        };
        self.appended.notify_waiters();
        if flush_due {
            self.flush().await?;
        }
        Ok(info)
    }

    /// The last stable offset: below it every transaction is decided. read_committed fetches
    /// stop here.
    pub fn last_stable_offset(&self) -> i64 {
        let hw = self.high_watermark();
        self.log()
            .first_unstable_offset()
            .map_or(hw, |first| first.min(hw))
    }

    /// Appends batches written by the broker itself (transaction markers, transactional offset
    /// commits): control batches are allowed, client checks skipped. Fsyncs like a produce.
    pub async fn append_as_coordinator(&self, records: Bytes) -> Result<AppendInfo, LogError> {
        let (info, flush_due) = {
            let mut log = self.log();
            let info = log.append_as_coordinator(records, self.leader_epoch(), now_ms())?;
            self.high_watermark
                .store(log.log_end_offset(), Ordering::Release);
            let unflushed = log.unflushed_messages();
            (
                info,
                unflushed > 0 && unflushed >= log.config().flush_messages,
            )
        };
        self.appended.notify_waiters();
        if flush_due {
            self.flush().await?;
        }
        Ok(info)
    }

    /// Fsyncs everything appended so far. Whoever holds the flush lock syncs for all the
    /// writers queued behind it; they then find nothing left to sync.
    pub async fn flush(&self) -> Result<(), LogError> {
        let _turn = self.flush_lock.lock().await;
        let target = self.log().flush_target()?;
        if target.is_empty() {
            return Ok(());
        }
        let path = self.log_dir.clone();
        let target = tokio::task::spawn_blocking(move || target.sync().map(|_| target))
            .await
            .map_err(|e| LogError::InvalidRecord(format!("flush task failed: {e}")))?
            .map_err(|source| LogError::Io { path, source })?;
        self.log().mark_flushed(&target, now_ms());
        Ok(())
    }

    /// Moves the log start offset up (DeleteRecords). Returns the new log start offset.
    pub fn delete_records_before(&self, offset: i64) -> Result<i64, LogError> {
        let mut log = self.log();
        let deleted = log.delete_records_before(offset, self.high_watermark(), now_ms())?;
        let start = log.log_start_offset();
        drop(log);
        if let Err(e) = deleted.remove_files() {
            tracing::warn!(error = %e, "could not remove deleted segments");
        }
        Ok(start)
    }
}
