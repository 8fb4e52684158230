//! The records of `__consumer_offsets`, in Kafka's own key and value schemas, so Apache's tools
//! (kafka-console-consumer with the offsets formatter, kafka-dump-log --offsets-decoder) read
//! what kbox writes, and kbox reloads what it wrote.
//!
//! - Offset commit: key v1 `(group, topic, partition)`, value v3 `(offset, leader epoch,
//!   metadata, commit timestamp)`.
//! - Group metadata: key v2 `(group)`, value v3 `(protocol type, generation, protocol, leader,
//!   state timestamp, members)`.
//! - A null value (tombstone) deletes the key.
//!
//! These are storage formats, not Kafka API messages, so they are written here.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// A decoded key of `__consumer_offsets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OffsetsKey {
    Offset {
        group: String,
        topic: String,
        partition: i32,
    },
    Group {
        group: String,
    },
}

/// A committed offset as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetValue {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp: i64,
}

/// One member in a stored group snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout: i32,
    pub session_timeout: i32,
    pub subscription: Bytes,
    pub assignment: Bytes,
}

/// A stored group snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupValue {
    pub protocol_type: String,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub state_timestamp: i64,
    pub members: Vec<StoredMember>,
}

fn put_string(buf: &mut BytesMut, s: &str) {
    buf.put_i16(s.len() as i16);
    buf.put_slice(s.as_bytes());
}

fn put_nullable_string(buf: &mut BytesMut, s: Option<&str>) {
    match s {
        Some(s) => put_string(buf, s),
        None => buf.put_i16(-1),
    }
}

fn put_bytes(buf: &mut BytesMut, b: &[u8]) {
    buf.put_i32(b.len() as i32);
    buf.put_slice(b);
}

/// The key of an offset commit.
pub fn offset_key(group: &str, topic: &str, partition: i32) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(1);
    put_string(&mut buf, group);
    put_string(&mut buf, topic);
    buf.put_i32(partition);
    buf.freeze()
}

/// The value of an offset commit (schema v3).
pub fn offset_value(v: &OffsetValue) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(3);
    buf.put_i64(v.offset);
    buf.put_i32(v.leader_epoch);
    put_string(&mut buf, &v.metadata);
    buf.put_i64(v.commit_timestamp);
    buf.freeze()
}

/// The key of a group snapshot.
pub fn group_key(group: &str) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(2);
    put_string(&mut buf, group);
    buf.freeze()
}

/// The value of a group snapshot (schema v3).
pub fn group_value(v: &GroupValue) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(3);
    put_string(&mut buf, &v.protocol_type);
    buf.put_i32(v.generation);
    put_nullable_string(&mut buf, v.protocol.as_deref());
    put_nullable_string(&mut buf, v.leader.as_deref());
    buf.put_i64(v.state_timestamp);
    buf.put_i32(v.members.len() as i32);
    for m in &v.members {
        put_string(&mut buf, &m.member_id);
        put_nullable_string(&mut buf, m.group_instance_id.as_deref());
        put_string(&mut buf, &m.client_id);
        put_string(&mut buf, &m.client_host);
        buf.put_i32(m.rebalance_timeout);
        buf.put_i32(m.session_timeout);
        put_bytes(&mut buf, &m.subscription);
        put_bytes(&mut buf, &m.assignment);
    }
    buf.freeze()
}

/// Why a stored record could not be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed __consumer_offsets record: {0}")]
pub struct RecordError(String);

fn need(buf: &Bytes, n: usize, what: &str) -> Result<(), RecordError> {
    if buf.remaining() < n {
        return Err(RecordError(format!("truncated {what}")));
    }
    Ok(())
}

fn get_string(buf: &mut Bytes) -> Result<String, RecordError> {
    need(buf, 2, "string length")?;
    let len = buf.get_i16();
    if len < 0 {
        return Err(RecordError("null where a string is required".into()));
    }
    need(buf, len as usize, "string")?;
    let raw = buf.split_to(len as usize);
    String::from_utf8(raw.to_vec()).map_err(|_| RecordError("string is not UTF-8".into()))
}

fn get_nullable_string(buf: &mut Bytes) -> Result<Option<String>, RecordError> {
    need(buf, 2, "string length")?;
    if i16::from_be_bytes([buf[0], buf[1]]) < 0 {
        buf.advance(2);
        return Ok(None);
    }
    get_string(buf).map(Some)
}

fn get_bytes(buf: &mut Bytes) -> Result<Bytes, RecordError> {
    need(buf, 4, "bytes length")?;
    let len = buf.get_i32();
    if len < 0 {
        return Ok(Bytes::new());
    }
    need(buf, len as usize, "bytes")?;
    Ok(buf.split_to(len as usize))
}

/// Reads a key (offset keys v0/v1, group keys v2).
pub fn decode_key(mut buf: Bytes) -> Result<OffsetsKey, RecordError> {
    need(&buf, 2, "key version")?;
    match buf.get_i16() {
        0 | 1 => {
            let group = get_string(&mut buf)?;
            let topic = get_string(&mut buf)?;
            need(&buf, 4, "partition")?;
            Ok(OffsetsKey::Offset {
                group,
                topic,
                partition: buf.get_i32(),
            })
        }
        2 => Ok(OffsetsKey::Group {
            group: get_string(&mut buf)?,
        }),
        v => Err(RecordError(format!("unknown key version {v}"))),
    }
}

/// Reads an offset value of any version Kafka has written (0 to 4).
pub fn decode_offset_value(mut buf: Bytes) -> Result<OffsetValue, RecordError> {
    need(&buf, 10, "offset value")?;
    let version = buf.get_i16();
    let offset = buf.get_i64();
    let leader_epoch = if version >= 3 {
        need(&buf, 4, "leader epoch")?;
        buf.get_i32()
    } else {
        -1
    };
    if version >= 4 {
        return Err(RecordError(
            "offset value v4 (flexible) is not read by kbox yet".into(),
        ));
    }
    let metadata = get_string(&mut buf)?;
    need(&buf, 8, "commit timestamp")?;
    let commit_timestamp = buf.get_i64();
    Ok(OffsetValue {
        offset,
        leader_epoch,
        metadata,
        commit_timestamp,
    })
}

/// Reads a group value of versions 0 to 3.
pub fn decode_group_value(mut buf: Bytes) -> Result<GroupValue, RecordError> {
    need(&buf, 2, "group value version")?;
    let version = buf.get_i16();
    if !(0..=3).contains(&version) {
        return Err(RecordError(format!(
            "group value v{version} is not read by kbox"
        )));
    }
    let protocol_type = get_string(&mut buf)?;
    need(&buf, 4, "generation")?;
    let generation = buf.get_i32();
    let protocol = get_nullable_string(&mut buf)?;
    let leader = get_nullable_string(&mut buf)?;
    let state_timestamp = if version >= 2 {
        need(&buf, 8, "state timestamp")?;
        buf.get_i64()
    } else {
        -1
    };
    need(&buf, 4, "member count")?;
    let count = buf.get_i32().max(0) as usize;
    let mut members = Vec::with_capacity(count.min(buf.remaining()));
    for _ in 0..count {
        let member_id = get_string(&mut buf)?;
        let group_instance_id = if version >= 3 {
            get_nullable_string(&mut buf)?
        } else {
            None
        };
        let client_id = get_string(&mut buf)?;
        let client_host = get_string(&mut buf)?;
        need(&buf, 4, "timeouts")?;
        let rebalance_timeout = if version >= 1 { buf.get_i32() } else { 0 };
        need(&buf, 4, "session timeout")?;
        let session_timeout = buf.get_i32();
        let subscription = get_bytes(&mut buf)?;
        let assignment = get_bytes(&mut buf)?;
        members.push(StoredMember {
            member_id,
            group_instance_id,
            client_id,
            client_host,
            rebalance_timeout,
            session_timeout,
            subscription,
            assignment,
        });
    }
    Ok(GroupValue {
        protocol_type,
        generation,
        protocol,
        leader,
        state_timestamp,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_records_have_kafkas_bytes() {
        // Key v1: version, group "g", topic "t", partition 3.
        assert_eq!(
            offset_key("g", "t", 3).as_ref(),
            &[0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3]
        );
        let v = OffsetValue {
            offset: 42,
            leader_epoch: 7,
            metadata: "m".into(),
            commit_timestamp: 1000,
        };
        // Value v3: version, offset, epoch, metadata, timestamp.
        assert_eq!(
            offset_value(&v).as_ref(),
            &[0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 7, 0, 1, b'm', 0, 0, 0, 0, 0, 0, 3, 0xe8]
        );
        assert_eq!(decode_offset_value(offset_value(&v)).unwrap(), v);
        assert_eq!(
            decode_key(offset_key("g", "t", 3)).unwrap(),
            OffsetsKey::Offset {
                group: "g".into(),
                topic: "t".into(),
                partition: 3
            }
        );
    }

    #[test]
    fn group_records_round_trip() {
        let g = GroupValue {
            protocol_type: "consumer".into(),
            generation: 4,
            protocol: Some("range".into()),
            leader: Some("m1".into()),
            state_timestamp: 99,
            members: vec![StoredMember {
                member_id: "m1".into(),
                group_instance_id: None,
                client_id: "c".into(),
                client_host: "/127.0.0.1".into(),
                rebalance_timeout: 300000,
                session_timeout: 45000,
                subscription: Bytes::from_static(b"sub"),
                assignment: Bytes::from_static(b"asg"),
            }],
        };
        let bytes = group_value(&g);
        assert_eq!(&bytes[..2], &[0, 3]);
        assert_eq!(decode_group_value(bytes).unwrap(), g);
        assert_eq!(
            decode_key(group_key("grp")).unwrap(),
            OffsetsKey::Group {
                group: "grp".into()
            }
        );
        assert!(decode_key(Bytes::from_static(&[0, 9])).is_err());
        assert!(decode_group_value(Bytes::from_static(&[0, 3, 0, 5])).is_err());
    }
}
