//! `kcat -L` (brokers, topics, partitions, as text or `-J`) and `kcat -Q` (offsets for
//! timestamps), in kcat's layouts.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::consumer::metadata_until;
use super::errors::{broker_error, describe, is_transport_failure, UNKNOWN_PARTITION};
use super::format::json_string;
use super::options::Options;
use super::{metadata_deadline, Output};
use crate::cli::ExitStatus;
use crate::client::admin::{list_offsets, OffsetSpec};
use crate::client::Client;
use crate::{Error, Result};

/// The broker that answered: its id and librdkafka's name for it (`host:port/id`, or
/// `host:port/bootstrap` when the address is not one the cluster advertises).
struct Originating {
    id: i32,
    name: String,
}

/// One Metadata request to any broker, retrying unreachable ones until `deadline`. Topic
/// queries may auto-create the topic, as kcat's (a producer handle's) do.
async fn fetch(
    client: &Client,
    topic: Option<&str>,
    deadline: Instant,
) -> Result<(MetadataResponse, Originating)> {
    let mut request = MetadataRequest::default();
    request.topics = topic.map(|t| {
        let mut rt = MetadataRequestTopic::default();
        rt.name = Some(TopicName(StrBytes::from_string(t.to_string())));
        vec![rt]
    });
    let mut last_failure = None;
    loop {
        let attempt = tokio::time::timeout_at(deadline.into(), async {
            let conn = client.any_connection().await?;
            let version = conn.version_for::<MetadataRequest>()?;
            if version >= 4 {
                request.allow_auto_topic_creation = topic.is_some();
            }
            let response = conn
                .send_at(&request, version, client.request_timeout())
                .await?;
            Ok::<_, Error>((response, conn.addr().to_string()))
        })
        .await;
        match attempt {
            // Out of time: the last broker failure says more than "timed out".
            Err(_) => return Err(last_failure.unwrap_or(Error::Timeout("metadata".into()))),
            Ok(Ok((response, addr))) => {
                let originating = response
                    .brokers
                    .iter()
                    .find(|b| format!("{}:{}", b.host, b.port) == addr)
                    .map(|b| Originating {
                        id: b.node_id.0,
                        name: format!("{addr}/{}", b.node_id.0),
                    })
                    .unwrap_or(Originating {
                        id: -1,
                        name: format!("{addr}/bootstrap"),
                    });
                return Ok((response, originating));
            }
            Ok(Err(e)) if is_transport_failure(&e) && Instant::now() < deadline => {
                tracing::debug!("metadata: {e}");
                last_failure = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Err(e)) => return Err(e),
        }
    }
}

/// `kcat -L [-t topic] [-J]`.
pub async fn list(opts: &Options) -> Result<ExitStatus> {
    let client =
        Client::new(opts.config.client.clone()).map_err(|e| Error::Message(describe(&e)))?;
    let (response, originating) = fetch(&client, opts.topic.as_deref(), metadata_deadline(opts))
        .await
        .map_err(|e| {
            let hint = if is_transport_failure(&e) {
                " (Are the brokers reachable? Also try increasing the metadata timeout with -m <timeout>?)"
            } else {
                ""
            };
            Error::Message(format!("Failed to acquire metadata: {}{hint}", describe(&e)))
        })?;
    let text = if opts.json {
        metadata_json(&response, &originating, opts.topic.as_deref())
    } else {
        metadata_text(&response, &originating, opts.topic.as_deref())
    };
    let mut out = Output::stdout(false);
    out.write(&text)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// A topic's partitions sorted by id, as librdkafka hands them out.
fn sorted_partitions(
    topic: &kafka_protocol::messages::metadata_response::MetadataResponseTopic,
) -> Vec<&kafka_protocol::messages::metadata_response::MetadataResponsePartition> {
    let mut partitions: Vec<_> = topic.partitions.iter().collect();
    partitions.sort_by_key(|p| p.partition_index);
    partitions
}

fn id_list(ids: &[kafka_protocol::messages::BrokerId]) -> String {
    ids.iter()
        .map(|b| b.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn metadata_text(response: &MetadataResponse, from: &Originating, topic: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = writeln!(
        out,
        "Metadata for {} (from broker {}: {}):",
        topic.unwrap_or("all topics"),
        from.id,
        from.name
    );
    let _ = writeln!(out, " {} brokers:", response.brokers.len());
    for b in &response.brokers {
        let _ = writeln!(
            out,
            "  broker {} at {}:{}{}",
            b.node_id.0,
            b.host,
            b.port,
            if b.node_id == response.controller_id {
                " (controller)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out, " {} topics:", response.topics.len());
    for t in &response.topics {
        let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "  topic \"{name}\" with {} partitions:",
            t.partitions.len()
        );
        if t.error_code != 0 {
            let _ = write!(out, " {}", broker_error(t.error_code));
            if t.error_code == 5 {
                let _ = write!(out, " (try again)");
            }
        }
        out.push(b'\n');
        for p in sorted_partitions(t) {
            let _ = write!(
                out,
                "    partition {}, leader {}, replicas: {}, isrs: {}",
                p.partition_index,
                p.leader_id.0,
                id_list(&p.replica_nodes),
                id_list(&p.isr_nodes)
            );
            if p.error_code != 0 {
                let _ = write!(out, ", {}", broker_error(p.error_code));
            }
            out.push(b'\n');
        }
    }
    out
}

fn metadata_json(response: &MetadataResponse, from: &Originating, topic: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write!(
        out,
        "{{\"originating_broker\":{{\"id\":{},\"name\":",
        from.id
    );
    json_string(from.name.as_bytes(), &mut out);
    out.extend_from_slice(b"},\"query\":{\"topic\":");
    json_string(topic.unwrap_or("*").as_bytes(), &mut out);
    let _ = write!(
        out,
        "}},\"controllerid\":{},\"brokers\":[",
        response.controller_id.0
    );
    for (i, b) in response.brokers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = write!(out, "{{\"id\":{},\"name\":", b.node_id.0);
        json_string(format!("{}:{}", b.host, b.port).as_bytes(), &mut out);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"topics\":[");
    for (i, t) in response.topics.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"topic\":");
        let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
        json_string(name.as_bytes(), &mut out);
        if t.error_code != 0 {
            out.extend_from_slice(b",\"error\":");
            json_string(broker_error(t.error_code).as_bytes(), &mut out);
        }
        out.extend_from_slice(b",\"partitions\":[");
        for (j, p) in sorted_partitions(t).into_iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            let _ = write!(out, "{{\"partition\":{}", p.partition_index);
            if p.error_code != 0 {
                out.extend_from_slice(b",\"error\":");
                json_string(broker_error(p.error_code).as_bytes(), &mut out);
            }
            let _ = write!(out, ",\"leader\":{},\"replicas\":[", p.leader_id.0);
            for (k, r) in p.replica_nodes.iter().enumerate() {
                let _ = write!(out, "{}{{\"id\":{}}}", if k > 0 { "," } else { "" }, r.0);
            }
            out.extend_from_slice(b"],\"isrs\":[");
            for (k, r) in p.isr_nodes.iter().enumerate() {
                let _ = write!(out, "{}{{\"id\":{}}}", if k > 0 { "," } else { "" }, r.0);
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"]}");
    out
}

/// One `-Q` answer: the offset (the asked timestamp when there is an error) and the error.
type QueryAnswer = (i64, Option<String>);

/// `kcat -Q -t topic:partition:timestamp ...`.
pub async fn query(opts: &Options) -> Result<ExitStatus> {
    let fail = |why: String| Error::Message(format!("offsets_for_times failed: {why}"));
    let client =
        Client::new(opts.config.client.clone()).map_err(|e| Error::Message(describe(&e)))?;
    let mut topics: Vec<String> = opts.queries.iter().map(|(t, _, _)| t.clone()).collect();
    topics.sort();
    topics.dedup();
    let metadata = metadata_until(&client, &topics, metadata_deadline(opts))
        .await
        .map_err(|e| fail(describe(&e)))?;
    // A partition asked twice gets one answer: the later timestamp's.
    let mut wanted: IndexMap<(String, i32), i64> = IndexMap::new();
    for (t, p, ts) in &opts.queries {
        wanted.insert((t.clone(), *p), *ts);
    }
    let mut answers: HashMap<(String, i32), QueryAnswer> = HashMap::new();
    let mut by_timestamp: IndexMap<i64, Vec<(String, i32)>> = IndexMap::new();
    for ((t, p), ts) in &wanted {
        let error = match metadata.topics.get(t) {
            None => Some(broker_error(3)),
            Some(info) if info.error_code != 0 => Some(broker_error(info.error_code)),
            Some(info) if !info.partitions.iter().any(|x| x.partition == *p) => {
                Some(UNKNOWN_PARTITION.to_string())
            }
            Some(_) => None,
        };
        match error {
            Some(e) => {
                answers.insert((t.clone(), *p), (*ts, Some(e)));
            }
            None => by_timestamp.entry(*ts).or_default().push((t.clone(), *p)),
        }
    }
    if by_timestamp.is_empty() {
        return Err(fail(UNKNOWN_PARTITION.to_string()));
    }
    let isolation = client.config().isolation_level()?;
    for (ts, tps) in by_timestamp {
        let found = list_offsets(&client, &tps, OffsetSpec::Timestamp(ts), isolation)
            .await
            .map_err(|e| fail(describe(&e)))?;
        for tp in tps {
            let answer = match found.get(&tp) {
                Some(Ok(listed)) => (listed.offset, None),
                Some(Err(e)) => (ts, Some(describe(e))),
                None => (ts, Some(UNKNOWN_PARTITION.to_string())),
            };
            answers.insert(tp, answer);
        }
    }
    let mut entries: Vec<(String, i32)> = opts
        .queries
        .iter()
        .map(|(t, p, _)| (t.clone(), *p))
        .collect();
    entries.sort();
    let text = if opts.json {
        offsets_json(&entries, &answers)
    } else {
        let mut out = Vec::new();
        for tp in &entries {
            let (offset, error) = &answers[tp];
            let _ = write!(out, "{} [{}] offset {offset}", tp.0, tp.1);
            match error {
                Some(e) => {
                    let _ = writeln!(out, ": {e}");
                }
                None => out.push(b'\n'),
            }
        }
        out
    };
    let mut out = Output::stdout(false);
    out.write(&text)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// `{"t":{"topic":"t","0":{"partition":0,"offset":5}},...}` (kcat writes no newline after it).
fn offsets_json(
    entries: &[(String, i32)],
    answers: &HashMap<(String, i32), QueryAnswer>,
) -> Vec<u8> {
    let mut out = b"{".to_vec();
    let mut current: Option<&str> = None;
    for (i, tp) in entries.iter().enumerate() {
        if current != Some(tp.0.as_str()) {
            if current.is_some() {
                out.push(b'}');
            }
            if i > 0 {
                out.push(b',');
            }
            json_string(tp.0.as_bytes(), &mut out);
            out.extend_from_slice(b":{\"topic\":");
            json_string(tp.0.as_bytes(), &mut out);
            current = Some(tp.0.as_str());
        }
        let (offset, error) = &answers[tp];
        let _ = write!(
            out,
            ",\"{}\":{{\"partition\":{},\"offset\":{offset}",
            tp.1, tp.1
        );
        if let Some(e) = error {
            out.extend_from_slice(b",\"error\":");
            json_string(e.as_bytes(), &mut out);
        }
        out.push(b'}');
    }
    if current.is_some() {
        out.push(b'}');
    }
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_as_json() {
        let entries = vec![
            ("a".to_string(), 0),
            ("a".to_string(), 1),
            ("b".to_string(), 0),
        ];
        let mut answers = HashMap::new();
        answers.insert(("a".to_string(), 0), (5, None));
        answers.insert(("a".to_string(), 1), (-1, None));
        answers.insert(
            ("b".to_string(), 0),
            (7, Some("Broker: Unknown topic or partition".to_string())),
        );
        assert_eq!(
            String::from_utf8(offsets_json(&entries, &answers)).unwrap(),
            r#"{"a":{"topic":"a","0":{"partition":0,"offset":5},"1":{"partition":1,"offset":-1}},"b":{"topic":"b","0":{"partition":0,"offset":7,"error":"Broker: Unknown topic or partition"}}}"#
        );
        assert_eq!(offsets_json(&[], &HashMap::new()), b"{}");
    }
}
