//! The records of `__transaction_state`, in Kafka's key and value schemas (key v0, value v0),
//! so Apache's tools can decode what kbox writes, and kbox reloads what it wrote.
//!
//! - Key v0: version i16, transactional id (string).
//! - Value v0: version i16, producer id i64, producer epoch i16, timeout ms i32, status i8,
//!   partitions (array of topic string + array of i32), last update ms i64, start ms i64.
//! - A null value (tombstone) removes the transactional id.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Kafka's TransactionState, with its stored codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
    PrepareEpochFence = 7,
}

impl TxnStatus {
    pub fn from_code(code: i8) -> Option<TxnStatus> {
        use TxnStatus::*;
        Some(match code {
            0 => Empty,
            1 => Ongoing,
            2 => PrepareCommit,
            3 => PrepareAbort,
            4 => CompleteCommit,
            5 => CompleteAbort,
            6 => Dead,
            7 => PrepareEpochFence,
            _ => return None,
        })
    }

    /// The name DescribeTransactions and ListTransactions use.
    pub fn name(self) -> &'static str {
        use TxnStatus::*;
        match self {
            Empty => "Empty",
            Ongoing => "Ongoing",
            PrepareCommit => "PrepareCommit",
            PrepareAbort => "PrepareAbort",
            CompleteCommit => "CompleteCommit",
            CompleteAbort => "CompleteAbort",
            Dead => "Dead",
            PrepareEpochFence => "PrepareEpochFence",
        }
    }
}

/// One transactional id's stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnValue {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub timeout_ms: i32,
    pub status: TxnStatus,
    /// Sorted by topic then partition.
    pub partitions: Vec<(String, i32)>,
    pub last_update_ms: i64,
    pub start_ms: i64,
}

fn put_string(buf: &mut BytesMut, s: &str) {
    buf.put_i16(s.len() as i16);
    buf.put_slice(s.as_bytes());
}

fn get_string(buf: &mut Bytes) -> Result<String, String> {
    if buf.remaining() < 2 {
        return Err("truncated string".into());
    }
    let len = buf.get_i16();
    let len = usize::try_from(len).map_err(|_| "negative string length".to_string())?;
    if buf.remaining() < len {
        return Err("truncated string".into());
    }
    String::from_utf8(buf.split_to(len).to_vec()).map_err(|e| e.to_string())
}

fn need(buf: &Bytes, n: usize) -> Result<(), String> {
    if buf.remaining() < n {
        Err("truncated __transaction_state value".into())
    } else {
        Ok(())
    }
}

/// The key of a transactional id.
pub fn txn_key(transactional_id: &str) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    put_string(&mut buf, transactional_id);
    buf.freeze()
}

/// Decodes a key; returns the transactional id.
pub fn decode_key(mut key: Bytes) -> Result<String, String> {
    need(&key, 2)?;
    let version = key.get_i16();
    if version != 0 {
        return Err(format!("unknown __transaction_state key version {version}"));
    }
    get_string(&mut key)
}

/// The value of a transactional id's state.
pub fn txn_value(v: &TxnValue) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    buf.put_i64(v.producer_id);
    buf.put_i16(v.producer_epoch);
    buf.put_i32(v.timeout_ms);
    buf.put_i8(v.status as i8);
    let mut topics: Vec<(&str, Vec<i32>)> = Vec::new();
    for (t, p) in &v.partitions {
        match topics.last_mut() {
            Some((name, ps)) if name == t => ps.push(*p),
            _ => topics.push((t, vec![*p])),
        }
    }
    buf.put_i32(topics.len() as i32);
    for (t, ps) in topics {
        put_string(&mut buf, t);
        buf.put_i32(ps.len() as i32);
        for p in ps {
            buf.put_i32(p);
        }
    }
    buf.put_i64(v.last_update_ms);
    buf.put_i64(v.start_ms);
    buf.freeze()
}

/// Decodes a value (v0; later versions are read for the v0 fields they start with).
pub fn decode_value(mut buf: Bytes) -> Result<TxnValue, String> {
    need(&buf, 2 + 8 + 2 + 4 + 1 + 4)?;
    let _version = buf.get_i16();
    let producer_id = buf.get_i64();
    let producer_epoch = buf.get_i16();
    let timeout_ms = buf.get_i32();
    let code = buf.get_i8();
    let status = TxnStatus::from_code(code).ok_or(format!("unknown transaction status {code}"))?;
    let topics = buf.get_i32();
    let mut partitions = Vec::new();
    for _ in 0..topics.max(0) {
        let topic = get_string(&mut buf)?;
        need(&buf, 4)?;
        let n = buf.get_i32();
        need(&buf, 4 * n.max(0) as usize)?;
        for _ in 0..n.max(0) {
            partitions.push((topic.clone(), buf.get_i32()));
        }
    }
    need(&buf, 16)?;
    Ok(TxnValue {
        producer_id,
        producer_epoch,
        timeout_ms,
        status,
        partitions,
        last_update_ms: buf.get_i64(),
        start_ms: buf.get_i64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_value_round_trip() {
        assert_eq!(decode_key(txn_key("tx-1")).unwrap(), "tx-1");
        let v = TxnValue {
            producer_id: 7,
            producer_epoch: 3,
            timeout_ms: 60000,
            status: TxnStatus::Ongoing,
            partitions: vec![("a".into(), 0), ("a".into(), 2), ("b".into(), 1)],
            last_update_ms: 10,
            start_ms: 5,
        };
        let bytes = txn_value(&v);
        // version, pid, epoch, timeout, status, 2 topics: "a" [0, 2] and "b" [1], two times.
        assert_eq!(
            bytes.len(),
            2 + 8 + 2 + 4 + 1 + 4 + (3 + 4 + 8) + (3 + 4 + 4) + 16
        );
        assert_eq!(decode_value(bytes).unwrap(), v);
        assert!(decode_value(Bytes::from_static(&[0, 0, 1])).is_err());
    }
}
