//! One partition hosted by this node: its log, leader epoch and high watermark, plus what the
//! request handlers need around the log: long-poll wake-ups and group-committed fsyncs.
//!
//! Replication: the leader records each follower's fetch offset (its log end) and moves the
//! high watermark to the minimum log end over the ISR (the log end itself while the ISR is only
//! the leader). A follower appends the leader's batches as they are and takes the leader's high
//! watermark, capped by its own log end.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::broker::log::{AppendInfo, FlushScope, Log, LogError};
use crate::broker::metadata::PartitionRecord;
use crate::broker::now_ms;

/// What the leader knows of one follower.
#[derive(Debug, Clone, Copy)]
struct Follower {
    /// The offset of its last fetch: its log end (-1 before its first fetch this epoch).
    log_end: i64,
    /// The leader's log end when that fetch came, and when it came.
    leader_end_at_fetch: i64,
    last_fetch_ms: i64,
    /// The last time it had everything the leader had (Kafka's lastCaughtUpTimeMs).
    caught_up_ms: i64,
}

/// Leadership and ISR as the metadata names them, and the leader's view of its followers.
#[derive(Debug, Default)]
struct Replication {
    /// Whether the metadata has been applied yet.
    known: bool,
    /// This node's id.
    me: i32,
    leader: i32,
    replicas: Vec<i32>,
    isr: Vec<i32>,
    followers: HashMap<i32, Follower>,
}

/// Why an acks=all write could not be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckWait {
    TimedOut,
    NotLeader,
    /// Replicated to the whole ISR, but the ISR shrank below min.insync.replicas meanwhile.
    NotEnoughReplicasAfterAppend,
}

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
    replication: Mutex<Replication>,
    /// Woken after every append and high-watermark advance so waiting fetches re-read at once.
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
            replication: Mutex::new(Replication::default()),
            appended: Notify::new(),
            flush_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Sets the high watermark found in `replication-offset-checkpoint` at start-up (capped by
    /// the log end).
    pub fn restart_high_watermark_at(&self, checkpointed: i64) {
        let end = self.log().log_end_offset();
        self.high_watermark
            .store(checkpointed.clamp(0, end), Ordering::Release);
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

    fn replication(&self) -> MutexGuard<'_, Replication> {
        self.replication.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes leadership, replicas and ISR from the metadata. A new leader epoch where this
    /// node leads starts the followers afresh: none counts until it fetches again.
    pub fn update_from_metadata(&self, record: &PartitionRecord, me: i32) {
        let new_epoch = record.leader_epoch != self.leader_epoch();
        {
            let mut r = self.replication();
            let became = new_epoch || !r.known || r.leader != record.leader || r.me != me;
            r.known = true;
            r.me = me;
            r.leader = record.leader;
            r.replicas = record.replicas.clone();
            r.isr = record.isr.clone();
            if became {
                let now = now_ms();
                r.followers = record
                    .replicas
                    .iter()
                    .filter(|&&id| id != me)
                    .map(|&id| {
                        (
                            id,
                            Follower {
                                log_end: -1,
                                leader_end_at_fetch: 0,
                                last_fetch_ms: now,
                                caught_up_ms: now,
                            },
                        )
                    })
                    .collect();
            }
        }
        self.leader_epoch
            .store(record.leader_epoch, Ordering::Release);
        let log = self.log();
        self.advance_high_watermark(&log);
        drop(log);
        // Waiting writes and fetches re-check leadership.
        self.appended.notify_waiters();
    }

    /// Whether this node leads the partition (a partition never told otherwise is its own
    /// leader: a single node before the metadata names one).
    pub fn is_leader(&self) -> bool {
        let r = self.replication();
        r.leader == r.me
    }

    /// The leader the metadata names.
    pub fn leader(&self) -> i32 {
        self.replication().leader
    }

    pub fn isr(&self) -> Vec<i32> {
        self.replication().isr.clone()
    }

    /// At the leader: the high watermark becomes the minimum log end over the ISR (never
    /// moving back). Wakes waiters when it moves.
    fn advance_high_watermark(&self, log: &Log) -> bool {
        let end = log.log_end_offset();
        let candidate = {
            let r = self.replication();
            if r.leader != r.me {
                return false;
            }
            r.isr
                .iter()
                .filter(|&&id| id != r.me)
                .map(|id| r.followers.get(id).map_or(-1, |f| f.log_end))
                .fold(end, i64::min)
        };
        let previous = self.high_watermark.fetch_max(candidate, Ordering::AcqRel);
        if candidate > previous {
            self.appended.notify_waiters();
            true
        } else {
            false
        }
    }

    /// Where a follower's log leaves this leader's (KIP-320): `Some((epoch, end))` when the
    /// follower's last fetched epoch ends here before its fetch offset, or is not known here.
    pub fn diverging_epoch(
        &self,
        last_fetched_epoch: i32,
        fetch_offset: i64,
    ) -> Option<(i32, i64)> {
        diverging_epoch_in(&self.log(), last_fetched_epoch, fetch_offset)
    }

    /// At the leader: a follower fetched from `fetch_offset`, so it holds everything below;
    /// unless its log diverged from ours, in which case its offset says nothing about what it
    /// holds of our log (it is about to truncate) and is not counted.
    pub fn record_follower_fetch(&self, id: i32, fetch_offset: i64, last_fetched_epoch: i32) {
        let log = self.log();
        if diverging_epoch_in(&log, last_fetched_epoch, fetch_offset).is_some() {
            return;
        }
        let end = log.log_end_offset();
        let now = now_ms();
        {
            let mut r = self.replication();
            if r.leader != r.me {
                return;
            }
            let f = r.followers.entry(id).or_insert(Follower {
                log_end: -1,
                leader_end_at_fetch: 0,
                last_fetch_ms: now,
                caught_up_ms: now,
            });
            // Kafka's rule: caught up now if it has the whole log, else as of its previous
            // fetch if it now has what the leader had then.
            if fetch_offset >= end {
                f.caught_up_ms = now;
            } else if fetch_offset >= f.leader_end_at_fetch && f.log_end >= 0 {
                f.caught_up_ms = f.caught_up_ms.max(f.last_fetch_ms);
            }
            f.last_fetch_ms = now;
            f.log_end = fetch_offset.min(end);
            f.leader_end_at_fetch = end;
        }
        self.advance_high_watermark(&log);
    }

    /// At the leader: the ISR it should ask the controller for, if different: followers not
    /// caught up within `lag_ms` leave, live followers holding everything below the high
    /// watermark join.
    pub fn wanted_isr(&self, lag_ms: i64, live: &dyn Fn(i32) -> bool) -> Option<Vec<i32>> {
        let hw = self.high_watermark();
        let now = now_ms();
        let r = self.replication();
        if r.leader != r.me || r.leader < 0 {
            return None;
        }
        let mut isr: Vec<i32> = r
            .replicas
            .iter()
            .copied()
            .filter(|id| {
                if *id == r.me {
                    return true;
                }
                let Some(f) = r.followers.get(id) else {
                    return false;
                };
                let fresh = now - f.caught_up_ms <= lag_ms;
                if r.isr.contains(id) {
                    fresh
                } else {
                    fresh && live(*id) && f.log_end >= 0 && f.log_end >= hw
                }
            })
            .collect();
        isr.sort_unstable();
        let mut current = r.isr.clone();
        current.sort_unstable();
        (isr != current).then_some(isr)
    }

    /// At the leader, for acks=all: waits until the high watermark passes `offset` (every
    /// ISR member has it), or the deadline, or leadership is lost. `epoch` is the leader epoch
    /// read before the append: once it is no longer ours, the records may have been truncated
    /// and replaced (a follower's high watermark then counts other records), so leadership is
    /// checked before the high watermark. Replicated, the records count as acknowledged only
    /// if the ISR still has `min_isr` members (Kafka's NOT_ENOUGH_REPLICAS_AFTER_APPEND): the
    /// ISR may shrink while the request waits, after the check made before appending.
    pub async fn wait_for_high_watermark(
        &self,
        offset: i64,
        epoch: i32,
        min_isr: usize,
        deadline: tokio::time::Instant,
    ) -> Result<(), AckWait> {
        let outcome = || {
            if !self.is_leader() || self.leader_epoch() != epoch {
                Some(Err(AckWait::NotLeader))
            } else if self.high_watermark() <= offset {
                None
            } else if self.isr().len() < min_isr {
                Some(Err(AckWait::NotEnoughReplicasAfterAppend))
            } else {
                Some(Ok(()))
            }
        };
        loop {
            let notified = self.appended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(outcome) = outcome() {
                return outcome;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return outcome().unwrap_or(Err(AckWait::TimedOut));
            }
        }
    }

    /// At a follower: appends the leader's batches as they are (offsets and epochs kept) and
    /// takes the leader's high watermark, capped by the log end.
    pub fn append_as_follower(
        &self,
        records: Bytes,
        leader_high_watermark: i64,
    ) -> Result<AppendInfo, LogError> {
        let info = {
            let mut log = self.log();
            let info = log.append_as_follower(records, now_ms())?;
            self.high_watermark.store(
                leader_high_watermark.min(log.log_end_offset()),
                Ordering::Release,
            );
            info
        };
        self.appended.notify_waiters();
        Ok(info)
    }

    /// At a follower: takes the leader's high watermark when no records came.
    pub fn follow_high_watermark(&self, leader_high_watermark: i64) {
        let end = self.log().log_end_offset();
        self.high_watermark
            .store(leader_high_watermark.min(end), Ordering::Release);
    }

    /// At a follower: removes everything from `offset` on (its log diverged from the
    /// leader's). Returns the new log end.
    pub fn truncate_to(&self, offset: i64) -> Result<i64, LogError> {
        let mut log = self.log();
        let start = log.log_start_offset();
        log.truncate_to(offset.max(start))?;
        let end = log.log_end_offset();
        self.high_watermark.fetch_min(end, Ordering::AcqRel);
        Ok(end)
    }

    /// At a follower behind the leader's log start: empties the log and starts it at `offset`.
    pub fn restart_log_at(&self, offset: i64) -> Result<(), LogError> {
        self.log().truncate_fully_and_start_at(offset)?;
        self.high_watermark.store(offset, Ordering::Release);
        Ok(())
    }

    /// Appends a producer's batches as leader and, when `flush.messages` asks for it
    /// (`flush.messages=1` makes every write durable before its ack), fsyncs before returning.
    pub async fn append_as_leader(&self, records: Bytes) -> Result<AppendInfo, LogError> {
        let (info, flush_due) = self.append_as_leader_unflushed(records)?;
        if flush_due {
            self.flush().await?;
        }
        Ok(info)
    }

    /// Appends like [`Self::append_as_leader`] but leaves the fsync to the caller: true when
    /// `flush.messages` asks for one before the ack ([`Self::flush`]).
    pub fn append_as_leader_unflushed(
        &self,
        records: Bytes,
    ) -> Result<(AppendInfo, bool), LogError> {
        let (info, flush_due) = {
            let mut log = self.log();
            let info = log.append_as_leader(records, self.leader_epoch(), now_ms())?;
            self.advance_high_watermark(&log);
            // Only `flush.messages` makes the producer wait for the fsync; a rolled segment or
            // `flush.ms` is flushed by the background task, off the produce path (as Kafka does).
            (info, flush_messages_due(&log))
        };
        self.appended.notify_waiters();
        Ok((info, flush_due))
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
            self.advance_high_watermark(&log);
            (info, flush_messages_due(&log))
        };
        self.appended.notify_waiters();
        if flush_due {
            self.flush().await?;
        }
        Ok(info)
    }

    /// Fsyncs the records appended so far: what an acknowledgement waits for. Whoever holds
    /// the flush lock syncs for all the writers queued behind it; they then find nothing left
    /// to sync. Indexes follow in the background ([`Self::flush_everything`]).
    pub async fn flush(&self) -> Result<(), LogError> {
        self.flush_scope(FlushScope::Records).await
    }

    /// Fsyncs records, indexes and leader epochs, which moves the recovery point.
    pub async fn flush_everything(&self) -> Result<(), LogError> {
        self.flush_scope(FlushScope::Everything).await
    }

    async fn flush_scope(&self, scope: FlushScope) -> Result<(), LogError> {
        let _turn = self.flush_lock.lock().await;
        let target = self.log().flush_target(scope)?;
        if target.is_empty() {
            return Ok(());
        }
        let path = self.log_dir.clone();
        let target = tokio::task::spawn_blocking(move || target.sync().map(|_| target))
            .await
            .map_err(|e| LogError::InvalidRecord(format!("flush task failed: {e}")))?
            .map_err(|source| LogError::Io { path, source })?;
        let flushed_offset = {
            let mut log = self.log();
            log.mark_flushed(&target, now_ms());
            log.flushed_offset()
        };
        // Where this log's records are known durable, as it happens (the recovery-point
        // checkpoint is only written every log.flush.offset.checkpoint.interval.ms): the
        // power-loss fault tests cut the log past it.
        tracing::debug!(target: "kbox::fsync", topic = %self.topic, partition = self.index, flushed_offset, "log flushed");
        Ok(())
    }

    /// At a follower, after an append: fsyncs when `flush.messages` asks for it, as Kafka does
    /// for every append. The fetcher calls it before its next fetch, which is what lets the
    /// leader count these records towards the high watermark, so with `flush.messages=1` an
    /// acks=all write is acknowledged only once it is on disk on every in-sync replica.
    pub async fn flush_if_messages_due(&self) -> Result<(), LogError> {
        let due = flush_messages_due(&self.log());
        if due {
            self.flush().await?;
        }
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

fn diverging_epoch_in(log: &Log, last_fetched_epoch: i32, fetch_offset: i64) -> Option<(i32, i64)> {
    if last_fetched_epoch < 0 {
        return None;
    }
    let (epoch, end) = log.end_offset_for_epoch(last_fetched_epoch);
    (epoch >= 0 && (epoch < last_fetched_epoch || end < fetch_offset)).then_some((epoch, end))
}

/// Whether `flush.messages` asks for an fsync now (Kafka's unflushedMessages >= flushInterval).
fn flush_messages_due(log: &Log) -> bool {
    let unflushed = log.unflushed_messages();
    unflushed > 0 && unflushed >= log.config().flush_messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::log::LogConfig;

    fn batch(n: usize) -> Bytes {
        crate::protocol::batch::test_batches::batch(n, 0, 1)
    }

    /// Partition 0 on brokers 1, 2, 3 with this ISR, leader and epoch.
    fn of_three(isr: &[i32], leader: i32, leader_epoch: i32) -> PartitionRecord {
        PartitionRecord {
            partition: 0,
            replicas: vec![1, 2, 3],
            isr: isr.to_vec(),
            leader,
            leader_epoch,
        }
    }

    fn leader_of_three(dir: &std::path::Path) -> Partition {
        let log = Log::create(dir, LogConfig::default()).unwrap();
        let p = Partition::new("t".into(), 0, Uuid::new_v4(), dir.to_path_buf(), log, 0);
        p.update_from_metadata(&of_three(&[1, 2, 3], 1, 0), 1);
        p
    }

    /// A deposed leader resumed (SIGSTOP, SIGCONT) fetches from its log end, past where our
    /// logs agree: that offset must not count towards the high watermark (nor the ISR).
    #[tokio::test]
    async fn a_diverged_follower_fetch_does_not_move_the_high_watermark() {
        let dir = tempfile::tempdir().unwrap();
        let p = leader_of_three(dir.path());
        p.append_as_leader(batch(10)).await.unwrap();
        p.record_follower_fetch(2, 10, 0);
        p.record_follower_fetch(3, 10, 0);
        assert_eq!(p.high_watermark(), 10);
        // Leader again in epoch 1 with five more records; follower 2 still ends in epoch 0, at
        // 12 (two records its old leader appended and never committed).
        p.update_from_metadata(&of_three(&[1, 2, 3], 1, 1), 1);
        p.append_as_leader(batch(5)).await.unwrap();
        p.record_follower_fetch(3, 15, 1);
        assert_eq!(p.diverging_epoch(0, 12), Some((0, 10)));
        p.record_follower_fetch(2, 12, 0);
        assert_eq!(
            p.high_watermark(),
            10,
            "offsets 10 and 11 are not on follower 2"
        );
        // Truncated to 10, it fetches in agreement and counts again.
        assert_eq!(p.diverging_epoch(0, 10), None);
        p.record_follower_fetch(2, 10, 0);
        p.record_follower_fetch(2, 15, 1);
        assert_eq!(p.high_watermark(), 15);
    }

    /// With flush.messages=1 a follower's append is fsynced before its next fetch can let the
    /// leader acknowledge it (all replicas losing power at once must keep every ack); with the
    /// default flush.messages it is left to the background flush.
    #[tokio::test]
    async fn a_follower_fsyncs_its_appends_when_flush_messages_asks() {
        for (flush_messages, durable) in [(1, 10), (i64::MAX, 0)] {
            let dir = tempfile::tempdir().unwrap();
            let config = LogConfig {
                flush_messages,
                ..LogConfig::default()
            };
            let log = Log::create(dir.path(), config).unwrap();
            let p = Partition::new(
                "t".into(),
                0,
                Uuid::new_v4(),
                dir.path().to_path_buf(),
                log,
                0,
            );
            p.update_from_metadata(&of_three(&[1, 2, 3], 1, 0), 2);
            p.append_as_follower(batch(10), 0).unwrap();
            assert_eq!(p.log().flushed_offset(), 0);
            p.flush_if_messages_due().await.unwrap();
            assert_eq!(
                p.log().flushed_offset(),
                durable,
                "flush.messages={flush_messages}"
            );
        }
    }

    #[tokio::test]
    async fn the_high_watermark_is_the_lowest_log_end_in_the_isr() {
        let dir = tempfile::tempdir().unwrap();
        let p = leader_of_three(dir.path());
        p.append_as_leader(batch(10)).await.unwrap();
        assert_eq!(p.high_watermark(), 0, "no follower has fetched");
        p.record_follower_fetch(2, 10, 0);
        assert_eq!(p.high_watermark(), 0, "follower 3 has nothing yet");
        p.record_follower_fetch(3, 4, 0);
        assert_eq!(p.high_watermark(), 4);
        p.record_follower_fetch(3, 10, 0);
        assert_eq!(p.high_watermark(), 10);
        // Out of the ISR, a follower no longer holds the high watermark back.
        p.update_from_metadata(&of_three(&[1, 2], 1, 0), 1);
        p.append_as_leader(batch(5)).await.unwrap();
        assert_eq!(p.high_watermark(), 10);
        p.record_follower_fetch(2, 15, 0);
        assert_eq!(p.high_watermark(), 15);
    }

    #[tokio::test]
    async fn acks_all_waits_for_the_isr_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let p = std::sync::Arc::new(leader_of_three(dir.path()));
        let info = p.append_as_leader(batch(3)).await.unwrap();
        let soon = tokio::time::Instant::now() + std::time::Duration::from_millis(50);
        assert_eq!(
            p.wait_for_high_watermark(info.last_offset, 0, 2, soon)
                .await,
            Err(AckWait::TimedOut)
        );
        let waiter = {
            let p = p.clone();
            let later = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
            tokio::spawn(async move {
                p.wait_for_high_watermark(info.last_offset, 0, 2, later)
                    .await
            })
        };
        p.record_follower_fetch(2, 3, 0);
        p.record_follower_fetch(3, 3, 0);
        assert_eq!(waiter.await.unwrap(), Ok(()));
    }

    /// acks=all checks the ISR against min.insync.replicas before appending; if the ISR then
    /// shrinks below it, the records replicated to the smaller ISR are not acknowledged.
    #[tokio::test]
    async fn acks_all_answers_not_enough_replicas_after_append_when_the_isr_shrank() {
        let dir = tempfile::tempdir().unwrap();
        let p = leader_of_three(dir.path());
        let info = p.append_as_leader(batch(3)).await.unwrap();
        let later = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        let waiter = p.wait_for_high_watermark(info.last_offset, 0, 3, later);
        // Follower 3 is fenced: the ISR shrinks to two, then follower 2 replicates.
        p.update_from_metadata(&of_three(&[1, 2], 1, 0), 1);
        p.record_follower_fetch(2, 3, 0);
        assert_eq!(p.high_watermark(), 3);
        assert_eq!(waiter.await, Err(AckWait::NotEnoughReplicasAfterAppend));
    }

    /// A deposed leader (SIGSTOP past the session timeout, then SIGCONT) must not acknowledge
    /// what it appended in its old epoch, even once, as a follower, its high watermark passes
    /// those offsets, which hold the new leader's records by then.
    #[tokio::test]
    async fn a_deposed_leader_never_acknowledges_its_old_epochs_appends() {
        let dir = tempfile::tempdir().unwrap();
        let p = leader_of_three(dir.path());
        let epoch = p.leader_epoch();
        let info = p.append_as_leader(batch(10)).await.unwrap();
        let later = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        // Not polled until the end: the waiting request's task runs late on a busy broker.
        let waiter = p.wait_for_high_watermark(info.last_offset, epoch, 2, later);
        p.update_from_metadata(&of_three(&[2, 3], 2, 1), 1);
        // Truncated to where the logs agree, then the new leader's records at 5..15.
        p.truncate_to(5).unwrap();
        let mut theirs = batch(10).to_vec();
        theirs[0..8].copy_from_slice(&5i64.to_be_bytes());
        theirs[12..16].copy_from_slice(&1i32.to_be_bytes());
        p.append_as_follower(Bytes::from(theirs), 15).unwrap();
        assert!(p.high_watermark() > info.last_offset);
        assert_eq!(waiter.await, Err(AckWait::NotLeader));
    }

    #[test]
    fn a_lagging_follower_leaves_the_isr_and_a_caught_up_one_joins() {
        let dir = tempfile::tempdir().unwrap();
        let p = leader_of_three(dir.path());
        p.record_follower_fetch(2, 0, 0);
        assert_eq!(p.wanted_isr(60_000, &|_| true), None);
        // With no lag allowed, both followers are behind (3 never fetched at all after 0 ms).
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(p.wanted_isr(0, &|_| true), Some(vec![1]));
        p.update_from_metadata(&of_three(&[1], 1, 0), 1);
        p.record_follower_fetch(2, 0, 0);
        assert_eq!(
            p.wanted_isr(60_000, &|_| true),
            Some(vec![1, 2]),
            "3 has not fetched since"
        );
        p.record_follower_fetch(3, 0, 0);
        assert_eq!(
            p.wanted_isr(60_000, &|_| true),
            Some(vec![1, 2, 3]),
            "both fetched the whole (empty) log"
        );
        assert_eq!(
            p.wanted_isr(60_000, &|id| id != 3),
            Some(vec![1, 2]),
            "a fenced broker does not join"
        );
    }
}
