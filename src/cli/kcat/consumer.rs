//! `kcat -C` (chosen partitions of one topic) and `kcat -G group topics...` (a consumer group
//! member): records printed with `-f`, `-J` or the default `-K`/`-D` layout, "Reached end of
//! topic" notices on stderr, `-e`, `-c` and `-o e@ts` stops, rebalances logged as kcat logs them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::errors::{broker_error, describe, is_transport_failure, INVALID_ARGUMENT};
use super::format::{default_format, parse_format, write_record, write_record_json, Token};
use super::options::{Options, StartOffset};
use super::{info, metadata_deadline, Output, Stop};
use crate::cli::ExitStatus;
use crate::client::admin::{list_offsets, OffsetSpec};
use crate::client::cluster::ClusterMetadata;
use crate::client::consumer::TopicPartition;
use crate::client::group::protocol::{fetch_offsets, find_coordinator};
use crate::client::group::{RebalanceListener, Subscription};
use crate::client::{Client, ClientConfig, ConsumerRecord, GroupConsumer};
use crate::{Error, Result};

/// How long one poll waits before the loop looks at ends, stops and signals again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long leaving the group (final commit, LeaveGroup) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Turns records into kcat's output bytes.
pub struct RecordPrinter {
    tokens: Vec<Token>,
    json: bool,
    /// What follows each JSON envelope: the format's first piece when it is a literal (the
    /// `-D` delimiter unless `-f` was given), as kcat does.
    json_delimiter: Vec<u8>,
    null_mode: bool,
}

impl RecordPrinter {
    pub fn new(opts: &Options) -> Result<RecordPrinter> {
        let format = match &opts.format {
            Some(f) => f.as_bytes().to_vec(),
            None if opts.json => opts.delimiter.clone(),
            None => default_format(opts.key_delimiter.as_deref(), &opts.delimiter),
        };
        let tokens = parse_format(&format).map_err(Error::Message)?;
        let json_delimiter = match tokens.first() {
            Some(Token::Literal(l)) => l.clone(),
            _ => Vec::new(),
        };
        Ok(RecordPrinter {
            tokens,
            json: opts.json,
            json_delimiter,
            null_mode: opts.null_mode,
        })
    }

    pub fn print(&self, record: &ConsumerRecord, broker: i32, out: &mut Output) -> Result<()> {
        let mut bytes = Vec::with_capacity(64 + record.value.as_ref().map_or(0, |v| v.len()));
        if self.json {
            write_record_json(record, broker, &mut bytes);
            bytes.extend_from_slice(&self.json_delimiter);
        } else {
            write_record(&self.tokens, record, self.null_mode, &mut bytes);
        }
        out.write(&bytes)
    }
}

/// Where a partition stands for `-e` and the end-of-partition notices.
#[derive(Debug, Clone, Default)]
struct Progress {
    /// The partition's end when consuming started (so an already consumed partition is
    /// known to be at its end without waiting for a fetch).
    end_hint: i64,
    /// The offset of the last end-of-partition notice, so each end is announced once.
    announced_end: Option<i64>,
    /// Stopped by `-e` or `-o e@ts`: its remaining records are not printed.
    stopped: bool,
}

/// The newest end of a partition known to the consumer and `progress`, and whether `position`
/// is there and not yet announced.
fn newly_at_end(position: Option<i64>, high_watermark: i64, progress: &Progress) -> Option<i64> {
    let position = position?;
    let end = high_watermark.max(progress.end_hint);
    (end >= 0 && position == end && progress.announced_end != Some(position)).then_some(position)
}

/// Metadata for `topics`, retrying unreachable brokers until `deadline` (kcat's `-m`).
pub async fn metadata_until(
    client: &Client,
    topics: &[String],
    deadline: Instant,
) -> Result<Arc<ClusterMetadata>> {
    let mut last_failure = None;
    loop {
        let attempt = tokio::time::timeout_at(
            deadline.into(),
            client.refresh_metadata(Some(topics), false),
        )
        .await;
        match attempt {
            // Out of time: the last broker failure says more than "timed out".
            Err(_) => return Err(last_failure.unwrap_or(Error::Timeout("metadata".into()))),
            Ok(Ok(md)) => return Ok(md),
            Ok(Err(e)) if is_transport_failure(&e) && Instant::now() < deadline => {
                tracing::debug!("metadata: {e}");
                last_failure = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Err(e)) => return Err(e),
        }
    }
}

/// Each partition's end offset now, best effort (-1 when unknown).
async fn end_offsets(client: &Client, tps: &[TopicPartition]) -> HashMap<TopicPartition, i64> {
    let isolation = client
        .config()
        .isolation_level()
        .unwrap_or(crate::client::config::IsolationLevel::ReadUncommitted);
    match list_offsets(client, tps, OffsetSpec::Latest, isolation).await {
        Ok(found) => found
            .into_iter()
            .map(|(tp, r)| (tp, r.map_or(-1, |l| l.offset)))
            .collect(),
        Err(e) => {
            tracing::debug!("end offsets: {e}");
            HashMap::new()
        }
    }
}

/// The consumer's configuration with librdkafka's defaults where they differ from Java's.
fn client_config(opts: &Options) -> ClientConfig {
    let mut config = opts.config.client.clone();
    config.set_default("client.id", "rdkafka");
    config.set_default("isolation.level", "read_committed");
    config
}

/// `kcat -C`.
pub async fn run(opts: &Options, stop: &Stop) -> Result<ExitStatus> {
    let printer = RecordPrinter::new(opts)?;
    let topic = opts.topic.clone().unwrap_or_default();
    let client = Client::new(client_config(opts)).map_err(|e| Error::Message(describe(&e)))?;
    let metadata = metadata_until(
        &client,
        std::slice::from_ref(&topic),
        metadata_deadline(opts),
    )
    .await
    .map_err(|e| {
        Error::Message(format!(
            "Failed to query metadata for topic {topic}: {}",
            describe(&e)
        ))
    })?;
    let info_of_topic = metadata
        .topics
        .get(&topic)
        .ok_or_else(|| Error::Message(format!("No such topic in cluster: {topic}")))?;
    if info_of_topic.error_code != 0 {
        return Err(Error::Message(format!(
            "Topic {topic} error: {}",
            broker_error(info_of_topic.error_code)
        )));
    }
    let ids: Vec<i32> = info_of_topic
        .partitions
        .iter()
        .map(|p| p.partition)
        .collect();
    if ids.is_empty() {
        return Err(Error::Message(format!("Topic {topic} has no partitions")));
    }
    let partitions = match opts.partition {
        Some(p) if ids.contains(&p) => vec![p],
        Some(p) => {
            return Err(Error::Message(format!(
                "Topic {topic} (with partitions 0..{}): partition {p} does not exist",
                ids.len() - 1
            )))
        }
        None => ids,
    };
    let tps: Vec<TopicPartition> = partitions.iter().map(|p| (topic.clone(), *p)).collect();
    let mut consumer = crate::client::Consumer::with_client(client.clone())
        .map_err(|e| Error::Message(describe(&e)))?;
    consumer.assign(&tps);
    start_positions(opts, &client, &mut consumer, &tps).await?;

    let ends = end_offsets(&client, &tps).await;
    let mut progress: HashMap<TopicPartition, Progress> = tps
        .iter()
        .map(|tp| {
            let end_hint = ends.get(tp).copied().unwrap_or(-1);
            (
                tp.clone(),
                Progress {
                    end_hint,
                    ..Default::default()
                },
            )
        })
        .collect();
    // kcat stops when this many partitions are stopped: the one of -p, else all of them.
    let stop_threshold = tps.len();
    let mut stopped = 0;
    let mut printed: i64 = 0;
    let mut running = true;
    let mut out = Output::stdout(opts.unbuffered);
    while running {
        let records = tokio::select! {
            r = consumer.poll(POLL_INTERVAL) => r.map_err(|e| Error::Message(format!("Consumer error: {}", describe(&e))))?,
            _ = stop.wait() => break,
        };
        if records.is_empty() {
            out.flush()?;
        }
        let metadata = client.cached_metadata();
        for record in &records {
            if !running {
                break;
            }
            let tp = (record.topic.to_string(), record.partition);
            let Some(state) = progress.get_mut(&tp) else {
                continue;
            };
            if state.stopped {
                continue;
            }
            if let Some(stop_at) = opts.stop_timestamp {
                if record.timestamp >= stop_at {
                    state.stopped = true;
                    consumer.set_paused(&tp, true)?;
                    stopped += 1;
                    running = stopped < stop_threshold;
                    info(
                        opts,
                        1,
                        &format!(
                            "Reached stop timestamp for topic {} [{}] at offset {}{}\n",
                            tp.0,
                            tp.1,
                            record.offset,
                            exiting(running)
                        ),
                    );
                    continue;
                }
            }
            printer.print(record, metadata.leader(&tp.0, tp.1).unwrap_or(-1), &mut out)?;
            printed += 1;
            if printed == opts.count {
                running = false;
            }
        }
        if !running {
            break;
        }
        let positions = consumer.positions();
        for tp in &tps {
            let state = progress
                .get_mut(tp)
                .expect("every assigned partition is tracked");
            if state.stopped {
                continue;
            }
            let Some(end) = newly_at_end(
                positions.get(tp).copied(),
                consumer.high_watermark(tp),
                state,
            ) else {
                continue;
            };
            state.announced_end = Some(end);
            if opts.exit_at_end {
                state.stopped = true;
                consumer.set_paused(tp, true)?;
                stopped += 1;
                running = stopped < stop_threshold;
            }
            info(
                opts,
                1,
                &format!(
                    "Reached end of topic {} [{}] at offset {end}{}\n",
                    tp.0,
                    tp.1,
                    exiting(running)
                ),
            );
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}

fn exiting(running: bool) -> &'static str {
    if running {
        ""
    } else {
        ": exiting"
    }
}

/// `-o` for `-C`: beginning (the default), end, stored, an offset, N before the end, or the
/// first record at or after a time (`s@ts`).
async fn start_positions(
    opts: &Options,
    client: &Client,
    consumer: &mut crate::client::Consumer,
    tps: &[TopicPartition],
) -> Result<()> {
    if let Some(ts) = opts.start_timestamp {
        for tp in tps {
            consumer.seek_to(tp, OffsetSpec::Timestamp(ts))?;
        }
        return Ok(());
    }
    match opts.offset.unwrap_or(StartOffset::Beginning) {
        StartOffset::Stored => {
            let Some(group) = client.config().group_id() else {
                let (t, p) = &tps[0];
                return Err(Error::Message(format!(
                    "Failed to start consuming topic {t} [{p}]: {INVALID_ARGUMENT}"
                )));
            };
            let fail = |e: Error| {
                Error::Message(format!(
                    "Failed to fetch committed offsets: {}",
                    describe(&e)
                ))
            };
            let coordinator = find_coordinator(client, &group).await.map_err(fail)?;
            let committed = fetch_offsets(client, coordinator, &group, Some(tps))
                .await
                .map_err(fail)?;
            // Partitions without a commit start where auto.offset.reset says.
            for (tp, c) in committed {
                if c.offset >= 0 {
                    consumer.seek(&tp, c.offset)?;
                }
            }
        }
        other => seek_all(client, consumer, tps, other).await?,
    }
    Ok(())
}

/// Moves `tps` to a start offset (shared with `-G`, where `-o` overrides committed offsets).
async fn seek_all(
    client: &Client,
    consumer: &mut crate::client::Consumer,
    tps: &[TopicPartition],
    start: StartOffset,
) -> Result<()> {
    match start {
        StartOffset::Beginning => {
            for tp in tps {
                consumer.seek_to(tp, OffsetSpec::Earliest)?;
            }
        }
        StartOffset::End => {
            for tp in tps {
                consumer.seek_to(tp, OffsetSpec::Latest)?;
            }
        }
        StartOffset::Absolute(offset) => {
            for tp in tps {
                consumer.seek(tp, offset)?;
            }
        }
        StartOffset::Tail(count) => {
            // N before the end, but never before the log start (librdkafka would clamp to 0
            // and then reset to the end when 0 is gone; starting at the log start is the tail
            // the user asked for).
            let isolation = client.config().isolation_level()?;
            let latest = list_offsets(client, tps, OffsetSpec::Latest, isolation).await?;
            let earliest = list_offsets(client, tps, OffsetSpec::Earliest, isolation).await?;
            for tp in tps {
                let end = match latest.get(tp) {
                    Some(Ok(l)) => l.offset,
                    Some(Err(e)) => return Err(Error::Message(describe(e))),
                    None => continue,
                };
                let start = match earliest.get(tp) {
                    Some(Ok(l)) => l.offset,
                    _ => 0,
                };
                consumer.seek(tp, end.saturating_sub(count).max(start))?;
            }
        }
        StartOffset::Stored => {}
    }
    Ok(())
}

/// A rebalance, as the listener saw it.
#[derive(Debug, Clone)]
enum Rebalance {
    Assigned(Vec<TopicPartition>),
    Revoked {
        partitions: Vec<TopicPartition>,
        lost: bool,
    },
}

/// Hands rebalances to the consume loop, which prints them (it knows the member id) and
/// applies `-o` to new partitions.
struct RebalanceRecorder(Arc<Mutex<Vec<Rebalance>>>);

impl RebalanceRecorder {
    fn push(&self, event: Rebalance) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(event);
    }
}

impl RebalanceListener for RebalanceRecorder {
    fn on_partitions_revoked(&mut self, partitions: &[TopicPartition]) {
        self.push(Rebalance::Revoked {
            partitions: partitions.to_vec(),
            lost: false,
        });
    }
    fn on_partitions_assigned(&mut self, partitions: &[TopicPartition]) {
        self.push(Rebalance::Assigned(partitions.to_vec()));
    }
    fn on_partitions_lost(&mut self, partitions: &[TopicPartition]) {
        self.push(Rebalance::Revoked {
            partitions: partitions.to_vec(),
            lost: true,
        });
    }
}

/// `t [0], t [1]`, sorted as librdkafka lists assignments.
fn partition_list(partitions: &[TopicPartition]) -> String {
    let mut sorted = partitions.to_vec();
    sorted.sort();
    sorted
        .iter()
        .map(|(t, p)| format!("{t} [{p}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// kcat's rebalance line: eager protocols print `assigned:`/`revoked:` with the member id,
/// cooperative ones an "incremental assignment/revoke" line.
fn rebalance_line(
    group: &str,
    member_id: &str,
    cooperative: bool,
    assigned: bool,
    partitions: &[TopicPartition],
    lost: bool,
) -> String {
    let list = partition_list(partitions);
    if cooperative {
        format!(
            "% Group {group} rebalanced: incremental {} of {} partition(s) (memberid {member_id}{}, COOPERATIVE rebalance protocol): {list}\n",
            if assigned { "assignment" } else { "revoke" },
            partitions.len(),
            if lost { ", assignment lost" } else { "" },
        )
    } else {
        format!(
            "% Group {group} rebalanced (memberid {member_id}): {}: {list}\n",
            if assigned { "assigned" } else { "revoked" }
        )
    }
}

/// A subscription from kcat's topic list: names, and `^regex` patterns (matched from the
/// start of a name, as librdkafka's regex subscriptions are).
fn subscription(topics: &[String]) -> Result<Subscription> {
    if !topics.iter().any(|t| t.starts_with('^')) {
        return Ok(Subscription::Topics(topics.to_vec()));
    }
    let alternatives: Vec<String> = topics
        .iter()
        .map(|t| match t.strip_prefix('^') {
            Some(pattern) => format!("(?:{pattern}).*"),
            None => regex::escape(t),
        })
        .collect();
    let pattern = format!("^(?:{})$", alternatives.join("|"));
    regex::Regex::new(&pattern)
        .map(Subscription::Pattern)
        .map_err(|e| Error::Message(format!("Invalid topic regex: {e}")))
}

/// `kcat -G group topic...`.
pub async fn run_group(opts: &Options, stop: &Stop) -> Result<ExitStatus> {
    let printer = RecordPrinter::new(opts)?;
    let group = opts.group.clone().unwrap_or_default();
    if opts.positional.is_empty() {
        return Err(Error::Message(format!(
            "Failed to subscribe to 0 topics: {INVALID_ARGUMENT}\n"
        )));
    }
    let mut config = client_config(opts);
    // librdkafka's default assignors (both eager).
    config.set_default("partition.assignment.strategy", "range,roundrobin");
    let cooperative = config
        .get("partition.assignment.strategy")
        .and_then(|s| s.split(',').next())
        .is_some_and(|first| first.trim() == "cooperative-sticky");
    let mut consumer = GroupConsumer::subscribe(config, subscription(&opts.positional)?)
        .map_err(|e| Error::Message(describe(&e)))?;
    let events = Arc::new(Mutex::new(Vec::new()));
    consumer.set_listener(Box::new(RebalanceRecorder(events.clone())));
    info(opts, 1, "Waiting for group rebalance\n");

    let mut progress: HashMap<TopicPartition, Progress> = HashMap::new();
    let mut at_end: HashSet<TopicPartition> = HashSet::new();
    let mut printed: i64 = 0;
    let mut running = true;
    let mut out = Output::stdout(opts.unbuffered);
    let client = consumer.consumer().client().clone();
    while running {
        let records = tokio::select! {
            r = consumer.poll(POLL_INTERVAL) => r.map_err(|e| Error::Message(format!("Consumer error: {}", describe(&e))))?,
            _ = stop.wait() => break,
        };
        if records.is_empty() {
            out.flush()?;
        }
        // Rebalances that happened during this poll, in order.
        let happened: Vec<Rebalance> =
            std::mem::take(&mut *events.lock().unwrap_or_else(|p| p.into_inner()));
        let mut reseeked: HashSet<TopicPartition> = HashSet::new();
        for event in happened {
            let member = consumer.member_id();
            match event {
                Rebalance::Assigned(added) => {
                    if opts.verbosity >= 1 {
                        eprint!(
                            "{}",
                            rebalance_line(&group, &member, cooperative, true, &added, false)
                        );
                    }
                    if let Some(start) = opts.offset.filter(|o| *o != StartOffset::Stored) {
                        seek_all(&client, consumer.consumer(), &added, start).await?;
                        reseeked.extend(added.iter().cloned());
                    }
                    let ends = end_offsets(&client, &added).await;
                    for tp in added {
                        let end_hint = ends.get(&tp).copied().unwrap_or(-1);
                        at_end.remove(&tp);
                        progress.insert(
                            tp,
                            Progress {
                                end_hint,
                                ..Default::default()
                            },
                        );
                    }
                }
                Rebalance::Revoked { partitions, lost } => {
                    if partitions.is_empty() {
                        continue;
                    }
                    if opts.verbosity >= 1 {
                        eprint!(
                            "{}",
                            rebalance_line(&group, &member, cooperative, false, &partitions, lost)
                        );
                    }
                    for tp in &partitions {
                        progress.remove(tp);
                        at_end.remove(tp);
                    }
                }
            }
        }
        let metadata = client.cached_metadata();
        let mut unprinted: HashMap<TopicPartition, i64> = HashMap::new();
        for record in &records {
            let tp = (record.topic.to_string(), record.partition);
            // Fetched from the committed offset before -o moved the partition: not wanted.
            if reseeked.contains(&tp) {
                continue;
            }
            if !running {
                // Commit only what was printed: the rest is read again next time.
                unprinted.entry(tp).or_insert(record.offset);
                continue;
            }
            at_end.remove(&tp);
            printer.print(record, metadata.leader(&tp.0, tp.1).unwrap_or(-1), &mut out)?;
            printed += 1;
            if printed == opts.count {
                running = false;
            }
        }
        for (tp, offset) in unprinted {
            consumer.consumer().seek(&tp, offset)?;
        }
        if !running {
            break;
        }
        let assignment = {
            let mut a = consumer.assignment();
            a.sort();
            a
        };
        let positions = consumer.consumer().positions();
        for tp in &assignment {
            let high_watermark = consumer.consumer().high_watermark(tp);
            let Some(state) = progress.get_mut(tp) else {
                continue;
            };
            let Some(end) = newly_at_end(positions.get(tp).copied(), high_watermark, state) else {
                continue;
            };
            state.announced_end = Some(end);
            if opts.exit_at_end {
                at_end.insert(tp.clone());
                running = at_end.len() < assignment.len();
            }
            info(
                opts,
                1,
                &format!(
                    "Reached end of topic {} [{}] at offset {end}{}\n",
                    tp.0,
                    tp.1,
                    exiting(running)
                ),
            );
        }
    }
    out.flush()?;
    // Leaving the group revokes everything; kcat's rebalance callback says so.
    let assignment = consumer.assignment();
    if !assignment.is_empty() && opts.verbosity >= 1 {
        let member = consumer.member_id();
        eprint!(
            "{}",
            rebalance_line(&group, &member, cooperative, false, &assignment, false)
        );
    }
    // A coordinator that holds a JoinGroup (a rebalance in progress) must not keep kcat from
    // exiting; librdkafka gives up on leaving after a few seconds too.
    match tokio::time::timeout(CLOSE_TIMEOUT, consumer.close()).await {
        Ok(result) => result
            .map_err(|e| Error::Message(format!("Failed to close consumer: {}\n", describe(&e))))?,
        Err(_) => info(opts, 1, &format!("Leaving group {group} timed out\n")),
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_detection() {
        let mut p = Progress {
            end_hint: 5,
            ..Default::default()
        };
        assert_eq!(newly_at_end(None, -1, &p), None);
        assert_eq!(newly_at_end(Some(3), -1, &p), None);
        assert_eq!(newly_at_end(Some(5), -1, &p), Some(5));
        assert_eq!(newly_at_end(Some(5), 7, &p), None);
        p.announced_end = Some(5);
        assert_eq!(newly_at_end(Some(5), 5, &p), None);
        assert_eq!(newly_at_end(Some(7), 7, &p), Some(7));
        // Beyond the end (an offset that will be reset): not at the end yet.
        assert_eq!(newly_at_end(Some(100), 7, &p), None);
    }

    #[test]
    fn rebalance_lines() {
        let tps = vec![("t".to_string(), 1), ("t".to_string(), 0)];
        assert_eq!(
            rebalance_line("g", "m-1", false, true, &tps, false),
            "% Group g rebalanced (memberid m-1): assigned: t [0], t [1]\n"
        );
        assert_eq!(
            rebalance_line("g", "m-1", true, false, &tps, true),
            "% Group g rebalanced: incremental revoke of 2 partition(s) (memberid m-1, assignment lost, COOPERATIVE rebalance protocol): t [0], t [1]\n"
        );
    }

    #[test]
    fn regex_subscriptions() {
        let Subscription::Pattern(re) =
            subscription(&["^logs-\\d+".to_string(), "a.b".to_string()]).unwrap()
        else {
            panic!("a pattern was expected");
        };
        assert!(re.is_match("logs-12"));
        assert!(re.is_match("logs-12-old"));
        assert!(re.is_match("a.b"));
        assert!(!re.is_match("axb"));
        assert!(!re.is_match("xlogs-1"));
        assert!(matches!(
            subscription(&["t".to_string()]).unwrap(),
            Subscription::Topics(_)
        ));
    }
}
