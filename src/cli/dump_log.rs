//! `kbox dump-log`: Apache's kafka-dump-log.sh (DumpLogSegments), to look inside a partition's
//! files when something seems wrong with them.
//!
//! Output follows Apache's lines byte for byte: a `.log` (or KRaft `.checkpoint` snapshot) prints
//! one line per batch and, with `--deep-iteration` / `--print-data-log`, one `| offset: ...` line
//! per record; `.index` and `.timeindex` print their entries and check them against the log;
//! `.txnindex` prints aborted transactions. kbox also prints the checkpoint files,
//! `partition.metadata` and `meta.properties`, which Apache ignores. Problems found along the
//! way go to stderr at the end, as Apache prints them.
//!
//! The files are read with positional reads and every length is checked against the file
//! before anything is allocated: a torn or corrupt file ends with a message, never a panic.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::{Buf, Bytes};
use kafka_protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_protocol::protocol::Decodable;
use serde_json::{json, Map, Value};

use crate::broker::group::records::{self as offsets, OffsetsKey};
use crate::broker::log::checkpoint::read_checkpoint;
use crate::cli::common::OutputFormat;
use crate::cli::ExitStatus;
use crate::properties::Properties;
use crate::protocol::batch::{BatchHeader, HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2};
use crate::{Error, Result};

/// Java's `StringDecoder`, the default (and only) decoder class.
const STRING_DECODER: &str = "org.apache.kafka.tools.api.StringDecoder";
/// Bytes up to and including the magic byte: Kafka stops iterating when fewer remain.
const HEADER_SIZE_UP_TO_MAGIC: u64 = 17;
/// The smallest size field Kafka accepts before it calls a log corrupt (a v0 message).
const RECORD_OVERHEAD_V0: i32 = 14;
/// One aborted transaction in a `.txnindex`.
const ABORTED_TXN_SIZE: usize = 34;
/// Bit 6 of a batch's attributes: the base timestamp is the compaction delete horizon.
const DELETE_HORIZON_BIT: i16 = 1 << 6;

/// Arguments of `kbox dump-log` (Apache's kafka-dump-log.sh flags).
#[derive(Debug, clap::Args)]
pub struct DumpLogArgs {
    /// REQUIRED: The comma separated list of data and index log files to be dumped.
    #[arg(long, value_name = "file1, file2, ...")]
    pub files: String,
    /// Print the records' contents (implied by any decoder option).
    #[arg(long)]
    pub print_data_log: bool,
    /// Just verify the index against the log without printing its content.
    #[arg(long)]
    pub verify_index_only: bool,
    /// Just run the index sanity check the broker runs at start-up.
    #[arg(long)]
    pub index_sanity_check: bool,
    /// Size of the largest message (accepted for compatibility).
    #[arg(long, value_name = "size", default_value_t = 5 * 1024 * 1024)]
    pub max_message_size: i32,
    /// Read at most this many bytes of each .log file.
    #[arg(long, value_name = "size", default_value_t = i32::MAX)]
    pub max_bytes: i32,
    /// Iterate over the records of each batch, not only the batches.
    #[arg(long)]
    pub deep_iteration: bool,
    /// Value decoder class; only the string decoder exists in kbox (UTF-8, lossy).
    #[arg(long, value_name = "class", num_args = 0..=1, default_missing_value = STRING_DECODER)]
    pub value_decoder_class: Option<String>,
    /// Key decoder class; only the string decoder exists in kbox (UTF-8, lossy).
    #[arg(long, value_name = "class", num_args = 0..=1, default_missing_value = STRING_DECODER)]
    pub key_decoder_class: Option<String>,
    /// Decode records as `__consumer_offsets` keys and values.
    #[arg(long)]
    pub offsets_decoder: bool,
    /// Decode records as `__transaction_state` (not supported: kbox has no transactions).
    #[arg(long)]
    pub transaction_log_decoder: bool,
    /// Decode records as cluster metadata (not supported).
    #[arg(long)]
    pub cluster_metadata_decoder: bool,
    /// Decode records as remote log metadata (not supported).
    #[arg(long)]
    pub remote_log_metadata_decoder: bool,
    /// Decode records as share group state (not supported).
    #[arg(long)]
    pub share_group_state_decoder: bool,
    /// Print only the record contents, not each record's offset, timestamp and sizes.
    #[arg(long)]
    pub skip_record_metadata: bool,
    /// Output format: Apache's text, or one JSON object per line for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// What was asked, resolved as Apache resolves it (decoders imply printing, printing implies
/// deep iteration).
#[derive(Debug, Clone, Copy)]
struct Options {
    print_data: bool,
    deep: bool,
    verify_only: bool,
    sanity_only: bool,
    max_bytes: u64,
    skip_metadata: bool,
    offsets: bool,
    /// `--transaction-log-decoder`: `__transaction_state` keys and values as JSON.
    transactions: bool,
    /// `--cluster-metadata-decoder`: `__cluster_metadata` records as JSON payloads.
    cluster_metadata: bool,
    json: bool,
}

impl Options {
    fn from_args(args: &DumpLogArgs) -> Result<Options> {
        let unsupported = [
            (
                args.remote_log_metadata_decoder,
                "--remote-log-metadata-decoder",
            ),
            (
                args.share_group_state_decoder,
                "--share-group-state-decoder",
            ),
        ];
        if let Some((_, flag)) = unsupported.iter().find(|(set, _)| *set) {
            return Err(Error::Message(format!(
                "{flag} is not supported by kbox dump-log"
            )));
        }
        for class in [&args.key_decoder_class, &args.value_decoder_class]
            .into_iter()
            .flatten()
        {
            if !is_string_decoder(class) {
                return Err(Error::Message(format!(
                    "decoder class {class} is not available: kbox implements only {STRING_DECODER}"
                )));
            }
        }
        if args.max_bytes < 0 {
            return Err(Error::Message(format!(
                "--max-bytes must not be negative, got {}",
                args.max_bytes
            )));
        }
        let print_data = args.print_data_log
            || args.offsets_decoder
            || args.cluster_metadata_decoder
            || args.transaction_log_decoder
            || args.key_decoder_class.is_some()
            || args.value_decoder_class.is_some();
        Ok(Options {
            print_data,
            deep: args.deep_iteration || print_data,
            verify_only: args.verify_index_only,
            sanity_only: args.index_sanity_check,
            max_bytes: args.max_bytes as u64,
            skip_metadata: args.skip_record_metadata,
            offsets: args.offsets_decoder,
            transactions: args.transaction_log_decoder,
            cluster_metadata: args.cluster_metadata_decoder,
            json: args.format == OutputFormat::Json,
        })
    }
}

fn is_string_decoder(class: &str) -> bool {
    matches!(
        class,
        STRING_DECODER | "kafka.serializer.StringDecoder" | "StringDecoder"
    )
}

/// Runs `kbox dump-log`.
///
/// # Errors
///
/// A usage problem, an unreadable file, or a file too corrupt to walk (after what could be
/// printed was printed).
pub fn run(args: DumpLogArgs) -> Result<ExitStatus> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr().lock();
    let result = dump(&args, &mut out, &mut err);
    let flushed = out.flush();
    result?;
    flushed?;
    Ok(ExitStatus::Success)
}

/// Dumps every file of `args` to `out`, problems to `err`.
///
/// # Errors
///
/// See [`run`].
pub fn dump(args: &DumpLogArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let opts = Options::from_args(args)?;
    let mut findings = Findings::default();
    let mut w = Output {
        out,
        err,
        json: opts.json,
    };
    for name in args.files.split(',') {
        let path = Path::new(name);
        let shown = path.display().to_string();
        if !opts.json {
            writeln!(w.out, "Dumping {shown}")?;
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let result = match file_name.rfind('.').map(|i| &file_name[i..]) {
            Some(".log") => dump_log(path, &file_name, &opts, &mut w, &mut findings),
            Some(".checkpoint") => dump_log(path, &file_name, &opts, &mut w, &mut findings),
            Some(".index") => dump_index(path, &file_name, &opts, &mut w, &mut findings),
            Some(".timeindex") => dump_time_index(path, &file_name, &opts, &mut w, &mut findings),
            Some(".txnindex") => dump_txn_index(path, &mut w),
            Some(".snapshot") => dump_producer_snapshot(path, &mut w),
            _ if file_name == "partition.metadata" => dump_partition_metadata(path, &mut w),
            _ if file_name == "meta.properties" => dump_meta_properties(path, &mut w),
            None if file_name == "leader-epoch-checkpoint" => dump_epoch_checkpoint(path, &mut w),
            None if file_name.ends_with("-checkpoint") => dump_offset_checkpoint(path, &mut w),
            _ => {
                writeln!(w.err, "Ignoring unknown file {shown}")?;
                Ok(())
            }
        };
        if let Err(e) = result {
            // What was found so far is still worth seeing.
            w.out.flush()?;
            findings.print(w.err)?;
            return Err(e);
        }
    }
    w.out.flush()?;
    findings.print(w.err)
}

/// Where lines go: stdout for the dump, stderr for Apache's warnings.
struct Output<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    json: bool,
}

impl Output<'_> {
    fn json(&mut self, value: Value) -> Result<()> {
        writeln!(self.out, "{value}")?;
        Ok(())
    }

    /// A note Apache prints on stdout; a `{"file", "message"}` object in JSON.
    fn note(&mut self, path: &Path, message: String) -> Result<()> {
        if self.json {
            self.json(json!({"file": path.display().to_string(), "message": message}))
        } else {
            writeln!(self.out, "{message}")?;
            Ok(())
        }
    }
}

/// `(first, second)` pairs per file, in the order files were first seen.
type PairsByFile = Vec<(String, Vec<(i64, i64)>)>;

fn push_pair(map: &mut PairsByFile, file: &Path, pair: (i64, i64)) {
    let name = absolute(file);
    match map.iter_mut().find(|(f, _)| *f == name) {
        Some((_, pairs)) => pairs.push(pair),
        None => map.push((name, vec![pair])),
    }
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Problems collected while dumping, printed at the end as Apache prints them.
#[derive(Debug, Default)]
struct Findings {
    index_mismatches: PairsByFile,
    time_mismatches: PairsByFile,
    out_of_order: PairsByFile,
    not_found: PairsByFile,
    non_consecutive: PairsByFile,
}

impl Findings {
    fn print(&self, err: &mut dyn Write) -> Result<()> {
        // Apache prepends to a list for these two, so they come out newest first.
        for (file, pairs) in &self.index_mismatches {
            writeln!(err, "Mismatches in :{file}")?;
            for (index, log) in pairs.iter().rev() {
                writeln!(err, "  Index offset: {index}, log offset: {log}")?;
            }
        }
        for (file, pairs) in &self.time_mismatches {
            writeln!(err, "Found timestamp mismatch in :{file}")?;
            for (index, log) in pairs {
                writeln!(err, "  Index timestamp: {index}, log timestamp: {log}")?;
            }
        }
        for (file, pairs) in &self.out_of_order {
            writeln!(err, "Found out of order timestamp in :{file}")?;
            for (index, prev) in pairs {
                writeln!(
                    err,
                    "  Index timestamp: {index}, Previously indexed timestamp: {prev}"
                )?;
            }
        }
        for (_, pairs) in &self.not_found {
            writeln!(
                err,
                "The following indexed offsets are not found in the log."
            )?;
            for (index, log) in pairs {
                writeln!(err, "Indexed offset: {index}, found log offset: {log}")?;
            }
        }
        for (file, pairs) in &self.non_consecutive {
            writeln!(err, "Non-consecutive offsets in {file}")?;
            for (first, second) in pairs.iter().rev() {
                writeln!(err, "  {first} is followed by {second}")?;
            }
        }
        Ok(())
    }
}

fn open(path: &Path) -> Result<(File, u64)> {
    let file = File::open(path).map_err(|e| file_error(path, e))?;
    let len = file.metadata().map_err(|e| file_error(path, e))?.len();
    Ok((file, len))
}

fn file_error(path: &Path, e: io::Error) -> Error {
    Error::Message(format!("cannot read {}: {e}", path.display()))
}

fn read_at(file: &File, path: &Path, position: u64, len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0; len];
    file.read_exact_at(&mut buf, position)
        .map_err(|e| file_error(path, e))?;
    Ok(buf)
}

/// The base offset a segment file is named after (`00000000000000000042.index` -> 42).
fn base_offset_of(file_name: &str) -> Result<i64> {
    let stem = file_name.split('.').next().unwrap_or_default();
    stem.parse().map_err(|_| {
        Error::Message(format!(
            "cannot read a base offset from the file name {file_name}"
        ))
    })
}

/// The segment file next to `path` with the same base name and another suffix.
fn sibling(path: &Path, file_name: &str, suffix: &str) -> PathBuf {
    let stem = file_name.split('.').next().unwrap_or_default();
    path.with_file_name(format!("{stem}{suffix}"))
}

// ---------------------------------------------------------------------------------------------
// .log

/// The batches of a log file, walked as Kafka's `FileLogInputStream` walks them: it stops
/// quietly at a torn tail and fails on a size field no message can have.
struct LogReader<'a> {
    file: &'a File,
    path: &'a Path,
    position: u64,
    end: u64,
}

impl LogReader<'_> {
    /// The next whole batch and its position, `None` at the end or at a torn tail.
    fn next_batch(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        if self.position.saturating_add(HEADER_SIZE_UP_TO_MAGIC) >= self.end {
            return Ok(None);
        }
        let head = read_at(self.file, self.path, self.position, LOG_OVERHEAD)?;
        let size = i32::from_be_bytes([head[8], head[9], head[10], head[11]]);
        if size < RECORD_OVERHEAD_V0 {
            return Err(Error::Message(format!(
                "Found record size {size} smaller than minimum record overhead \
                 ({RECORD_OVERHEAD_V0}) in file {}.",
                self.path.display()
            )));
        }
        let total = LOG_OVERHEAD as u64 + size as u64;
        if self.position + total > self.end {
            return Ok(None);
        }
        let position = self.position;
        let bytes = read_at(self.file, self.path, position, total as usize)?;
        self.position += total;
        Ok(Some((position, bytes)))
    }
}

/// A batch as the dump sees it: its header and whether its CRC holds.
struct Batch<'a> {
    header: BatchHeader,
    position: u64,
    bytes: &'a [u8],
    valid: bool,
}

impl<'a> Batch<'a> {
    fn parse(path: &Path, position: u64, bytes: &'a [u8]) -> Result<Batch<'a>> {
        let magic = bytes[16] as i8;
        if magic != MAGIC_V2 {
            return Err(Error::Message(format!(
                "batch at position {position} in {} has magic {magic}: kbox reads only \
                 record batch format v2 (magic 2)",
                path.display()
            )));
        }
        let header = BatchHeader::parse(bytes).map_err(|e| {
            Error::Message(format!(
                "corrupt batch at position {position} in {}: {e}",
                path.display()
            ))
        })?;
        let valid = bytes.len() >= HEADER_SIZE
            && crate::protocol::batch::crc32c(&bytes[21..]) == header.crc;
        Ok(Batch {
            header,
            position,
            bytes,
            valid,
        })
    }

    fn last_sequence(&self) -> i32 {
        let base = self.header.base_sequence;
        if base == -1 {
            -1
        } else {
            increment_sequence(base, self.header.last_offset_delta)
        }
    }

    fn delete_horizon(&self) -> Option<i64> {
        (self.header.attributes & DELETE_HORIZON_BIT != 0).then_some(self.header.base_timestamp)
    }

    fn timestamp_type(&self) -> &'static str {
        match self.header.timestamp_type() {
            crate::protocol::batch::TimestampType::CreateTime => "CreateTime",
            crate::protocol::batch::TimestampType::LogAppendTime => "LogAppendTime",
        }
    }

    fn codec(&self) -> Result<&'static str> {
        codec_name(self.header.compression())
    }

    /// Apache's batch line.
    fn line(&self) -> Result<String> {
        let h = &self.header;
        let horizon = match self.delete_horizon() {
            Some(ms) => format!("OptionalLong[{ms}]"),
            None => "OptionalLong.empty".to_string(),
        };
        Ok(format!(
            "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {} \
             producerId: {} producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} \
             isControl: {} deleteHorizonMs: {horizon} position: {} {}: {} size: {} magic: {} \
             compresscodec: {} crc: {} isvalid: {}",
            h.base_offset,
            h.last_offset(),
            h.record_count,
            h.base_sequence,
            self.last_sequence(),
            h.producer_id,
            h.producer_epoch,
            h.partition_leader_epoch,
            h.is_transactional(),
            h.is_control(),
            self.position,
            self.timestamp_type(),
            h.max_timestamp,
            self.bytes.len(),
            h.magic,
            self.codec()?,
            h.crc,
            self.valid,
        ))
    }

    fn to_json(&self, file: &Path) -> Result<Map<String, Value>> {
        let h = &self.header;
        let mut m = Map::new();
        m.insert("file".into(), file.display().to_string().into());
        m.insert("baseOffset".into(), h.base_offset.into());
        m.insert("lastOffset".into(), h.last_offset().into());
        m.insert("count".into(), h.record_count.into());
        m.insert("baseSequence".into(), h.base_sequence.into());
        m.insert("lastSequence".into(), self.last_sequence().into());
        m.insert("producerId".into(), h.producer_id.into());
        m.insert("producerEpoch".into(), h.producer_epoch.into());
        m.insert(
            "partitionLeaderEpoch".into(),
            h.partition_leader_epoch.into(),
        );
        m.insert("isTransactional".into(), h.is_transactional().into());
        m.insert("isControl".into(), h.is_control().into());
        m.insert("deleteHorizonMs".into(), self.delete_horizon().into());
        m.insert("position".into(), self.position.into());
        m.insert("timestampType".into(), self.timestamp_type().into());
        m.insert("maxTimestamp".into(), h.max_timestamp.into());
        m.insert("size".into(), self.bytes.len().into());
        m.insert("magic".into(), h.magic.into());
        m.insert("compresscodec".into(), self.codec()?.into());
        m.insert("crc".into(), h.crc.into());
        m.insert("isvalid".into(), self.valid.into());
        Ok(m)
    }

    /// The batch's records, decompressed and parsed as Kafka's `DefaultRecord` reads them.
    fn records(&self) -> std::result::Result<Vec<Record>, String> {
        let h = &self.header;
        if h.record_count < 0 {
            return Err(format!("invalid record count {}", h.record_count));
        }
        let data = decompress(
            h.compression(),
            Bytes::copy_from_slice(&self.bytes[HEADER_SIZE..]),
        )?;
        let mut cursor = Cursor::new(&data);
        let mut records = Vec::new();
        for _ in 0..h.record_count {
            records.push(Record::read(&mut cursor, h)?);
        }
        if h.compression() == 0 && cursor.remaining() > 0 {
            return Err(format!(
                "{} bytes left after the batch's {} records",
                cursor.remaining(),
                h.record_count
            ));
        }
        Ok(records)
    }
}

fn codec_name(id: u8) -> Result<&'static str> {
    Ok(match id {
        0 => "none",
        1 => "gzip",
        2 => "snappy",
        3 => "lz4",
        4 => "zstd",
        other => {
            return Err(Error::Message(format!(
                "Unknown compression type id: {other}"
            )))
        }
    })
}

/// Kafka's `DefaultRecordBatch.incrementSequence`: sequences wrap to 0 after `i32::MAX`.
fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

fn decompress(codec: u8, mut data: Bytes) -> std::result::Result<Bytes, String> {
    use kafka_protocol::compression::{Decompressor, Gzip, Lz4, Snappy, Zstd};
    fn all(b: &mut Bytes) -> anyhow::Result<Bytes> {
        Ok(b.split_to(b.len()))
    }
    let buf = &mut data;
    // Third-party decompressors run on bytes read from disk: a panic is a corrupt batch.
    let result = catch_unwind(AssertUnwindSafe(|| match codec {
        0 => Ok(buf.split_to(buf.len())),
        1 => Gzip::decompress(buf, all),
        2 => Snappy::decompress(buf, all),
        3 => Lz4::decompress(buf, all),
        4 => Zstd::decompress(buf, all),
        other => Err(anyhow::anyhow!("Unknown compression type id: {other}")),
    }));
    match result {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(format!("cannot decompress the records: {e:#}")),
        Err(_) => Err("cannot decompress the records: the decompressor panicked".into()),
    }
}

/// Reads Kafka's varints from a record buffer, checking every length against what is left.
struct Cursor<'a> {
    buf: &'a Bytes,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(buf: &'a Bytes) -> Self {
        Cursor { buf, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn byte(&mut self) -> std::result::Result<u8, String> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| "record data ends early".to_string())?;
        self.pos += 1;
        Ok(b)
    }

    fn unsigned(&mut self, max_bytes: u32) -> std::result::Result<u64, String> {
        let mut value = 0u64;
        for i in 0..max_bytes {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint is too long".into())
    }

    fn varint(&mut self) -> std::result::Result<i32, String> {
        let v = self.unsigned(5)? as u32;
        Ok((v >> 1) as i32 ^ -((v & 1) as i32))
    }

    fn varlong(&mut self) -> std::result::Result<i64, String> {
        let v = self.unsigned(10)?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn take(&mut self, len: usize) -> std::result::Result<Bytes, String> {
        if len > self.remaining() {
            return Err(format!(
                "record data ends early: need {len} bytes, {} left",
                self.remaining()
            ));
        }
        let bytes = self.buf.slice(self.pos..self.pos + len);
        self.pos += len;
        Ok(bytes)
    }

    /// A varint length then that many bytes; a negative length is null.
    fn nullable(&mut self) -> std::result::Result<Option<Bytes>, String> {
        let len = self.varint()?;
        if len < 0 {
            return Ok(None);
        }
        self.take(len as usize).map(Some)
    }
}

/// One record, with what the dump prints.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    offset: i64,
    timestamp: i64,
    sequence: i32,
    key: Option<Bytes>,
    value: Option<Bytes>,
    headers: Vec<(String, Option<Bytes>)>,
}

impl Record {
    fn read(cursor: &mut Cursor<'_>, h: &BatchHeader) -> std::result::Result<Record, String> {
        let size = cursor.varint()?;
        if size < 0 {
            return Err(format!("invalid record size {size}"));
        }
        let body = cursor.take(size as usize)?;
        let mut c = Cursor::new(&body);
        let _attributes = c.byte()?;
        let timestamp_delta = c.varlong()?;
        let offset_delta = c.varint()?;
        let key = c.nullable()?;
        let value = c.nullable()?;
        let header_count = c.varint()?;
        if header_count < 0 {
            return Err(format!(
                "Found invalid number of record headers {header_count}"
            ));
        }
        let mut headers = Vec::new();
        for _ in 0..header_count {
            let key_len = c.varint()?;
            if key_len < 0 {
                return Err(format!("Invalid negative header key size {key_len}"));
            }
            let key = c.take(key_len as usize)?;
            let value = c.nullable()?;
            headers.push((String::from_utf8_lossy(&key).into_owned(), value));
        }
        if c.remaining() > 0 {
            return Err(format!(
                "Invalid record size: expected to read {size} bytes in record payload, but \
                 instead read {}",
                c.pos
            ));
        }
        let timestamp = match h.timestamp_type() {
            crate::protocol::batch::TimestampType::LogAppendTime => h.max_timestamp,
            crate::protocol::batch::TimestampType::CreateTime => {
                h.base_timestamp.wrapping_add(timestamp_delta)
            }
        };
        let sequence = if h.base_sequence >= 0 {
            increment_sequence(h.base_sequence, offset_delta)
        } else {
            -1
        };
        Ok(Record {
            offset: h.base_offset.wrapping_add(i64::from(offset_delta)),
            timestamp,
            sequence,
            key,
            value,
            headers,
        })
    }

    fn key_size(&self) -> i64 {
        self.key.as_ref().map_or(-1, |k| k.len() as i64)
    }

    fn value_size(&self) -> i64 {
        self.value.as_ref().map_or(-1, |v| v.len() as i64)
    }
}

/// The names Kafka's `ControlRecordType` gives control record types.
fn control_type_name(id: i16) -> &'static str {
    match id {
        0 => "ABORT",
        1 => "COMMIT",
        2 => "LEADER_CHANGE",
        3 => "SNAPSHOT_HEADER",
        4 => "SNAPSHOT_FOOTER",
        5 => "KRAFT_VERSION",
        6 => "KRAFT_VOTERS",
        _ => "UNKNOWN",
    }
}

/// What a control record says, as Apache prints it after the record metadata.
fn control_description(record: &Record) -> std::result::Result<String, String> {
    let key = record.key.as_deref().unwrap_or_default();
    if key.len() < 4 {
        return Err(format!(
            "Invalid value size found for end control record key. Must have at least 4 \
             bytes, but found only {}",
            key.len()
        ));
    }
    let type_id = i16::from_be_bytes([key[2], key[3]]);
    match type_id {
        0 | 1 => {
            let value = record.value.as_deref().unwrap_or_default();
            if value.len() < 6 {
                return Err("end transaction marker value is truncated".into());
            }
            let epoch = i32::from_be_bytes([value[2], value[3], value[4], value[5]]);
            Ok(format!(
                "endTxnMarker: {} coordinatorEpoch: {epoch}",
                control_type_name(type_id)
            ))
        }
        _ => Ok(format!(
            "controlType: {}({type_id})",
            control_type_name(type_id)
        )),
    }
}

/// A `__cluster_metadata` record's payload: kbox stores each metadata change as a JSON object
/// (`{"type":"Topic",...}`), printed as it is; anything else is reported as undecodable.
fn cluster_metadata_record(record: &Record) -> String {
    let value = record.value.as_deref().unwrap_or_default();
    match serde_json::from_slice::<crate::broker::metadata::MetadataRecord>(value) {
        Ok(r) => serde_json::to_string(&r).unwrap_or_default(),
        Err(e) => format!("<not a kbox metadata record: {e}>"),
    }
}

/// Decoded key and payload of a record, as the chosen decoder shows them.
fn parse_record(record: &Record, opts: &Options) -> Result<(Option<String>, Option<String>)> {
    if opts.transactions {
        return Ok(transaction_record(record));
    }
    if opts.offsets {
        return offsets_record(record);
    }
    if opts.cluster_metadata {
        return Ok((None, Some(cluster_metadata_record(record))));
    }
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    Ok((
        record.key.as_ref().map(text),
        record.value.as_ref().map(text),
    ))
}

/// Apache's `| offset: ...` line for one record.
fn record_line(
    batch: &Batch<'_>,
    record: &Record,
    opts: &Options,
) -> Result<std::result::Result<String, String>> {
    let mut line = String::new();
    let mut prefix = "| ";
    let control = batch.header.is_control();
    if !opts.skip_metadata {
        line.push_str(&format!(
            "{prefix}offset: {} {}: {} keySize: {} valueSize: {}",
            record.offset,
            batch.timestamp_type(),
            record.timestamp,
            record.key_size(),
            record.value_size()
        ));
        prefix = " ";
        let keys: Vec<&str> = record.headers.iter().map(|(k, _)| k.as_str()).collect();
        line.push_str(&format!(
            " sequence: {} headerKeys: [{}]",
            record.sequence,
            keys.join(",")
        ));
        if control {
            match control_description(record) {
                Ok(d) => {
                    line.push(' ');
                    line.push_str(&d);
                }
                Err(e) => return Ok(Err(e)),
            }
        }
    }
    if opts.print_data && !control {
        let (key, payload) = parse_record(record, opts)?;
        if let Some(key) = key {
            line.push_str(&format!("{prefix}key: {key}"));
        }
        if let Some(payload) = payload {
            line.push_str(&format!(" payload: {payload}"));
        }
    }
    Ok(Ok(line))
}

fn record_json(batch: &Batch<'_>, record: &Record, opts: &Options) -> Result<Value> {
    let mut m = Map::new();
    m.insert("offset".into(), record.offset.into());
    m.insert("timestamp".into(), record.timestamp.into());
    m.insert("keySize".into(), record.key_size().into());
    m.insert("valueSize".into(), record.value_size().into());
    m.insert("sequence".into(), record.sequence.into());
    let headers: Vec<Value> = record
        .headers
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v.as_ref().map(|v| String::from_utf8_lossy(v).into_owned())}))
        .collect();
    m.insert("headers".into(), headers.into());
    if batch.header.is_control() {
        let d = control_description(record).map_err(|e| corrupt(batch, &e))?;
        m.insert("control".into(), d.into());
    } else if opts.print_data {
        let (key, payload) = parse_record(record, opts)?;
        m.insert("key".into(), key.into());
        m.insert("payload".into(), payload.into());
    }
    Ok(Value::Object(m))
}

fn corrupt(batch: &Batch<'_>, reason: &str) -> Error {
    Error::Message(format!(
        "corrupt record batch at position {}: {reason}",
        batch.position
    ))
}

/// Dumps a `.log` segment or a KRaft `.checkpoint` snapshot.
fn dump_log(
    path: &Path,
    file_name: &str,
    opts: &Options,
    w: &mut Output<'_>,
    findings: &mut Findings,
) -> Result<()> {
    if file_name.ends_with(".log") {
        let base = base_offset_of(file_name)?;
        w.note(path, format!("Log starting offset: {base}"))?;
    } else if file_name == "bootstrap.checkpoint" {
        w.note(path, "KRaft bootstrap snapshot".into())?;
    } else {
        let (offset, epoch) = snapshot_id(file_name)?;
        w.note(
            path,
            format!("Snapshot end offset: {offset}, epoch: {epoch}"),
        )?;
    }
    let (file, len) = open(path)?;
    let end = len.min(opts.max_bytes);
    let mut reader = LogReader {
        file: &file,
        path,
        position: 0,
        end,
    };
    let mut last_offset = -1i64;
    while let Some((position, bytes)) = reader.next_batch()? {
        let batch = Batch::parse(path, position, &bytes)?;
        let records = if opts.deep {
            let records = batch.records();
            if let Err(e) = &records {
                // Show the batch before saying what is wrong inside it.
                if !opts.json {
                    writeln!(w.out, "{}", batch.line()?)?;
                }
                return Err(Error::Message(format!(
                    "corrupt record batch at position {position} in {}: {e}",
                    path.display()
                )));
            }
            records.unwrap_or_default()
        } else {
            Vec::new()
        };
        for record in &records {
            if last_offset != -1 && record.offset != last_offset + 1 {
                push_pair(
                    &mut findings.non_consecutive,
                    path,
                    (last_offset, record.offset),
                );
            }
            last_offset = record.offset;
        }
        if opts.json {
            let mut m = batch.to_json(path)?;
            if opts.deep {
                let list = records
                    .iter()
                    .map(|r| record_json(&batch, r, opts))
                    .collect::<Result<Vec<_>>>()
                    .map_err(|e| Error::Message(format!("{} in {}", e, path.display())))?;
                m.insert("records".into(), list.into());
            }
            w.json(Value::Object(m))?;
            continue;
        }
        writeln!(w.out, "{}", batch.line()?)?;
        for record in &records {
            match record_line(&batch, record, opts)? {
                Ok(line) => writeln!(w.out, "{line}")?,
                Err(e) => {
                    return Err(Error::Message(format!(
                        "corrupt control record at offset {} in {}: {e}",
                        record.offset,
                        path.display()
                    )))
                }
            }
        }
    }
    let trailing = end - reader.position;
    if trailing > 0 && opts.max_bytes == i32::MAX as u64 {
        w.note(
            path,
            format!("Found {trailing} invalid bytes at the end of {file_name}"),
        )?;
    }
    Ok(())
}

/// `00000000000000000100-0000000001.checkpoint` -> (100, 1).
fn snapshot_id(file_name: &str) -> Result<(i64, i32)> {
    let stem = file_name.trim_end_matches(".checkpoint");
    let parsed = stem
        .split_once('-')
        .and_then(|(o, e)| Some((o.parse().ok()?, e.parse().ok()?)));
    parsed.ok_or_else(|| {
        Error::Message(format!(
            "{file_name} is not a snapshot file name (<endOffset>-<epoch>.checkpoint)"
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// .index, .timeindex, .txnindex

/// The entries of a sparse index file, as Kafka maps them: the length rounded down to whole
/// entries.
fn read_entries(path: &Path, entry_size: usize) -> Result<(Vec<u8>, u64)> {
    let (file, len) = open(path)?;
    let whole = len - len % entry_size as u64;
    let len_usize = usize::try_from(whole)
        .map_err(|_| Error::Message(format!("{} is too large", path.display())))?;
    Ok((read_at(&file, path, 0, len_usize)?, len))
}

fn offset_entries(bytes: &[u8], base: i64) -> impl Iterator<Item = (i64, u32)> + '_ {
    bytes.chunks_exact(8).map(move |e| {
        let relative = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
        let position = u32::from_be_bytes([e[4], e[5], e[6], e[7]]);
        (base + i64::from(relative), position)
    })
}

fn time_entries(bytes: &[u8], base: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
    bytes.chunks_exact(12).map(move |e| {
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&e[..8]);
        let relative = u32::from_be_bytes([e[8], e[9], e[10], e[11]]);
        (i64::from_be_bytes(ts), base + i64::from(relative))
    })
}

fn dump_index(
    path: &Path,
    file_name: &str,
    opts: &Options,
    w: &mut Output<'_>,
    findings: &mut Findings,
) -> Result<()> {
    let base = base_offset_of(file_name)?;
    let log_path = sibling(path, file_name, ".log");
    let (log, log_len) = open(&log_path)?;
    let (bytes, len) = read_entries(path, 8)?;
    let entries: Vec<(i64, u32)> = offset_entries(&bytes, base).collect();
    if entries.is_empty() {
        return w.note(path, format!("{} is empty.", path.display()));
    }
    if opts.sanity_only {
        let last = entries.last().map_or(base, |e| e.0);
        if last < base {
            return Err(Error::Message(format!(
                "Corrupt index found, index file {} has non-zero size but the last offset is \
                 {last} which is less than the base offset {base}",
                absolute(path)
            )));
        }
        if len % 8 != 0 {
            return Err(Error::Message(format!(
                "Index file {} is corrupt, found {len} bytes which is neither positive nor a \
                 multiple of 8",
                absolute(path)
            )));
        }
        return w.note(path, format!("{} passed sanity check.", path.display()));
    }
    for (i, (offset, position)) in entries.into_iter().enumerate() {
        // A preallocated index ends in zero entries after a crash: stop at the first one.
        if offset == base && i > 0 {
            break;
        }
        let mut reader = LogReader {
            file: &log,
            path: &log_path,
            position: u64::from(position),
            end: log_len,
        };
        let Some((at, batch)) = reader.next_batch()? else {
            return Err(Error::Message(format!(
                "index entry offset: {offset} position: {position} of {} points past the \
                 last batch of {}",
                path.display(),
                log_path.display()
            )));
        };
        let batch = Batch::parse(&log_path, at, &batch)?;
        if batch.header.last_offset() != offset {
            push_pair(
                &mut findings.index_mismatches,
                path,
                (offset, batch.header.last_offset()),
            );
        }
        if !opts.verify_only {
            if w.json {
                w.json(json!({"file": path.display().to_string(), "offset": offset, "position": position}))?;
            } else {
                writeln!(w.out, "offset: {offset} position: {position}")?;
            }
        }
    }
    Ok(())
}

fn dump_time_index(
    path: &Path,
    file_name: &str,
    opts: &Options,
    w: &mut Output<'_>,
    findings: &mut Findings,
) -> Result<()> {
    let base = base_offset_of(file_name)?;
    let log_path = sibling(path, file_name, ".log");
    let (log, log_len) = open(&log_path)?;
    // A missing offset index reads as empty, as Kafka opens it.
    let index_path = sibling(path, file_name, ".index");
    let index_bytes = if index_path.exists() {
        read_entries(&index_path, 8)?.0
    } else {
        Vec::new()
    };
    let index: Vec<(i64, u32)> = offset_entries(&index_bytes, base).collect();
    let (bytes, len) = read_entries(path, 12)?;
    let entries: Vec<(i64, i64)> = time_entries(&bytes, base).collect();
    if opts.sanity_only {
        if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
            if last.0 < first.0 {
                return Err(Error::Message(format!(
                    "Corrupt time index found, time index file ({}) has non-zero size but the \
                     last timestamp is {} which is less than the first timestamp {}",
                    absolute(path),
                    last.0,
                    first.0
                )));
            }
            if last.1 < base {
                return Err(Error::Message(format!(
                    "Corrupt time index found, time index file ({}) has non-zero size but the \
                     last offset is {} which is less than the first offset {base}",
                    absolute(path),
                    last.1
                )));
            }
        }
        if len % 12 != 0 {
            return Err(Error::Message(format!(
                "Time index file {} is corrupt, found {len} bytes which is neither positive \
                 nor a multiple of 12",
                absolute(path)
            )));
        }
        return w.note(path, format!("{} passed sanity check.", path.display()));
    }
    let mut prev_timestamp = -1i64;
    for (i, (timestamp, offset)) in entries.into_iter().enumerate() {
        if offset == base && i > 0 {
            break;
        }
        // The greatest offset index entry at or below the offset, else the segment's start.
        let position = index
            .iter()
            .take_while(|(o, _)| *o <= offset)
            .last()
            .map_or(0, |(_, p)| u64::from(*p));
        let mut reader = LogReader {
            file: &log,
            path: &log_path,
            position,
            end: log_len,
        };
        let mut found = None;
        while let Some((at, bytes)) = reader.next_batch()? {
            let batch = Batch::parse(&log_path, at, &bytes)?;
            if batch.header.last_offset() >= offset {
                found = Some((batch.header, batch.records()));
                break;
            }
        }
        match found {
            None => push_pair(&mut findings.not_found, path, (offset, -1)),
            Some((h, _)) if h.last_offset() != offset => {
                push_pair(&mut findings.not_found, path, (offset, h.last_offset()))
            }
            Some((h, records)) => {
                let records = records.map_err(|e| {
                    Error::Message(format!(
                        "corrupt record batch ending at offset {} in {}: {e}",
                        h.last_offset(),
                        log_path.display()
                    ))
                })?;
                let max = records.iter().map(|r| r.timestamp).fold(-1, i64::max);
                if max != timestamp {
                    push_pair(&mut findings.time_mismatches, path, (timestamp, max));
                }
                if prev_timestamp >= timestamp {
                    push_pair(
                        &mut findings.out_of_order,
                        path,
                        (timestamp, prev_timestamp),
                    );
                }
            }
        }
        if !opts.verify_only {
            if w.json {
                w.json(json!({"file": path.display().to_string(), "timestamp": timestamp, "offset": offset}))?;
            } else {
                writeln!(w.out, "timestamp: {timestamp} offset: {offset}")?;
            }
        }
        prev_timestamp = timestamp;
    }
    Ok(())
}

fn dump_txn_index(path: &Path, w: &mut Output<'_>) -> Result<()> {
    let (file, len) = open(path)?;
    let len = usize::try_from(len)
        .map_err(|_| Error::Message(format!("{} is too large", path.display())))?;
    let bytes = read_at(&file, path, 0, len)?;
    let i64_at = |e: &[u8], at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&e[at..at + 8]);
        i64::from_be_bytes(b)
    };
    for entry in bytes.chunks(ABORTED_TXN_SIZE) {
        if entry.len() < ABORTED_TXN_SIZE {
            return Err(Error::Message(format!(
                "Unexpected end of transaction index {}: {} bytes left, an entry has {}",
                path.display(),
                entry.len(),
                ABORTED_TXN_SIZE
            )));
        }
        let version = i16::from_be_bytes([entry[0], entry[1]]);
        if version != 0 {
            return Err(Error::Message(format!(
                "Unexpected aborted transaction version {version} in transaction index {}, \
                 current version is 0",
                path.display()
            )));
        }
        let (pid, first, last, lso) = (
            i64_at(entry, 2),
            i64_at(entry, 10),
            i64_at(entry, 18),
            i64_at(entry, 26),
        );
        if w.json {
            w.json(
                json!({"file": path.display().to_string(), "version": version, "producerId": pid,
                "firstOffset": first, "lastOffset": last, "lastStableOffset": lso}),
            )?;
        } else {
            writeln!(
                w.out,
                "version: {version} producerId: {pid} firstOffset: {first} lastOffset: {last} \
                 lastStableOffset: {lso}"
            )?;
        }
    }
    Ok(())
}

/// A producer state `.snapshot`: one line per producer, as Apache prints them (the last batch's
/// sequence range and offsets when the producer has one). A corrupt snapshot is reported on
/// stderr, as Apache does.
fn dump_producer_snapshot(path: &Path, w: &mut Output<'_>) -> Result<()> {
    use crate::broker::log::producer_state::ProducerState;
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let mut state = ProducerState::default();
    if let Err(e) = state.load_snapshot(&bytes, path) {
        writeln!(w.err, "{e}")?;
        return Ok(());
    }
    let mut producers: Vec<_> = state.producers().collect();
    producers.sort_by_key(|p| p.producer_id);
    for p in producers {
        let last = p.batches.back();
        if w.json {
            let mut m = Map::new();
            m.insert("file".into(), path.display().to_string().into());
            m.insert("producerId".into(), p.producer_id.into());
            m.insert("producerEpoch".into(), p.epoch.into());
            m.insert("coordinatorEpoch".into(), p.coordinator_epoch.into());
            m.insert(
                "currentTxnFirstOffset".into(),
                p.txn_first_offset.map_or(Value::Null, Into::into),
            );
            m.insert("lastTimestamp".into(), p.last_timestamp.into());
            if let Some(b) = last {
                m.insert("firstSequence".into(), b.first_seq.into());
                m.insert("lastSequence".into(), b.last_seq.into());
                m.insert("lastOffset".into(), b.last_offset.into());
                m.insert(
                    "offsetDelta".into(),
                    (b.last_offset - b.first_offset).into(),
                );
                m.insert("timestamp".into(), b.timestamp.into());
            }
            w.json(Value::Object(m))?;
            continue;
        }
        let txn = match p.txn_first_offset {
            Some(o) => format!("OptionalLong[{o}]"),
            None => "OptionalLong.empty".to_string(),
        };
        write!(
            w.out,
            "producerId: {} producerEpoch: {} coordinatorEpoch: {} currentTxnFirstOffset: {txn} lastTimestamp: {} ",
            p.producer_id, p.epoch, p.coordinator_epoch, p.last_timestamp
        )?;
        if let Some(b) = last {
            write!(
                w.out,
                "firstSequence: {} lastSequence: {} lastOffset: {} offsetDelta: {} timestamp: {}",
                b.first_seq,
                b.last_seq,
                b.last_offset,
                b.last_offset - b.first_offset,
                b.timestamp
            )?;
        }
        writeln!(w.out)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Files Apache ignores: checkpoints, partition.metadata, meta.properties

/// `read_checkpoint` reads a missing file as empty; here a missing file is an error.
fn must_exist(path: &Path) -> Result<()> {
    std::fs::metadata(path).map_err(|e| file_error(path, e))?;
    Ok(())
}

fn dump_epoch_checkpoint(path: &Path, w: &mut Output<'_>) -> Result<()> {
    must_exist(path)?;
    let entries = read_checkpoint(path, |line| {
        let mut fields = line.split_whitespace();
        match (fields.next(), fields.next(), fields.next()) {
            (Some(epoch), Some(offset), None) => Ok((
                epoch
                    .parse::<i32>()
                    .map_err(|_| format!("bad epoch {epoch:?}"))?,
                offset
                    .parse::<i64>()
                    .map_err(|_| format!("bad offset {offset:?}"))?,
            )),
            _ => Err(format!("expected `epoch startOffset`, found {line:?}")),
        }
    })?;
    if w.json {
        let list: Vec<Value> = entries
            .iter()
            .map(|(e, o)| json!({"epoch": e, "startOffset": o}))
            .collect();
        return w.json(json!({"file": path.display().to_string(), "version": 0, "entries": list}));
    }
    writeln!(
        w.out,
        "Leader epoch checkpoint version: 0 entries: {}",
        entries.len()
    )?;
    for (epoch, offset) in entries {
        writeln!(w.out, "epoch: {epoch} startOffset: {offset}")?;
    }
    Ok(())
}

fn dump_offset_checkpoint(path: &Path, w: &mut Output<'_>) -> Result<()> {
    must_exist(path)?;
    let entries = crate::broker::log::read_offset_checkpoint(path)?;
    if w.json {
        let list: Vec<Value> = entries
            .iter()
            .map(|e| json!({"topic": e.topic, "partition": e.partition, "offset": e.offset}))
            .collect();
        return w.json(json!({"file": path.display().to_string(), "version": 0, "entries": list}));
    }
    writeln!(
        w.out,
        "Offset checkpoint version: 0 entries: {}",
        entries.len()
    )?;
    for e in entries {
        writeln!(
            w.out,
            "topic: {} partition: {} offset: {}",
            e.topic, e.partition, e.offset
        )?;
    }
    Ok(())
}

/// `partition.metadata`: `version: 0` and `topic_id: <id>` lines.
fn dump_partition_metadata(path: &Path, w: &mut Output<'_>) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let mut version = None;
    let mut topic_id = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_once(':').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("version", v)) => version = Some(v.to_string()),
            Some(("topic_id", v)) => topic_id = Some(v.to_string()),
            _ => {
                return Err(Error::Message(format!(
                    "{}: unexpected line {line:?}",
                    path.display()
                )))
            }
        }
    }
    let (Some(version), Some(topic_id)) = (version, topic_id) else {
        return Err(Error::Message(format!(
            "{}: expected `version` and `topic_id` lines",
            path.display()
        )));
    };
    if w.json {
        return w.json(
            json!({"file": path.display().to_string(), "version": version, "topicId": topic_id}),
        );
    }
    writeln!(w.out, "version: {version} topic_id: {topic_id}")?;
    Ok(())
}

fn dump_meta_properties(path: &Path, w: &mut Output<'_>) -> Result<()> {
    let props = Properties::load(path).map_err(|e| Error::Message(e.to_string()))?;
    if w.json {
        let map: Map<String, Value> = props
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(v)))
            .collect();
        return w.json(json!({"file": path.display().to_string(), "properties": map}));
    }
    for (k, v) in props.iter() {
        writeln!(w.out, "{k}: {v}")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// --transaction-log-decoder

/// Key and payload of a `__transaction_state` record as Apache's TransactionLogMessageParser
/// prints them.
fn transaction_record(record: &Record) -> (Option<String>, Option<String>) {
    use crate::broker::txn::records::{decode_key, decode_value};
    let offset = record.offset;
    let Some(key) = &record.key else {
        return (
            Some(format!(
                "Error at offset {offset}, skipping. The record has no key."
            )),
            None,
        );
    };
    let id = match decode_key(key.clone()) {
        Ok(id) => id,
        Err(e) => {
            return (
                Some(format!("Error at offset {offset}, skipping. {e}")),
                None,
            )
        }
    };
    let key_json = json!({"type": "0", "data": {"transactionalId": id}}).to_string();
    let value = match &record.value {
        None => "<DELETE>".to_string(),
        Some(v) => match decode_value(v.clone()) {
            Ok(t) => {
                let mut topics: Vec<serde_json::Value> = Vec::new();
                for (topic, p) in &t.partitions {
                    match topics.last_mut() {
                        Some(last) if last["topic"] == json!(topic) => {
                            if let Some(ids) = last["partitionIds"].as_array_mut() {
                                ids.push(json!(p));
                            }
                        }
                        _ => topics.push(json!({"topic": topic, "partitionIds": [p]})),
                    }
                }
                json!({"version": "0", "data": {
                    "producerId": t.producer_id,
                    "producerEpoch": t.producer_epoch,
                    "transactionTimeoutMs": t.timeout_ms,
                    "transactionStatus": t.status as i8,
                    "transactionPartitions": topics,
                    "transactionLastUpdateTimestampMs": t.last_update_ms,
                    "transactionStartTimestampMs": t.start_ms,
                }})
                .to_string()
            }
            Err(e) => format!("Error at offset {offset}, skipping. {e}"),
        },
    };
    (Some(key_json), Some(value))
}

// ---------------------------------------------------------------------------------------------
// --offsets-decoder

/// Key and payload of a `__consumer_offsets` record as Apache's `OffsetsMessageParser` prints
/// them: `{"type":"<key version>","data":{...}}` and `{"version":"<v>","data":{...}}`.
fn offsets_record(record: &Record) -> Result<(Option<String>, Option<String>)> {
    let Some(key) = &record.key else {
        return Err(Error::Message(format!(
            "Failed to decode message at offset {} using offset topic decoder (message had a \
             missing key)",
            record.offset
        )));
    };
    let offset = record.offset;
    if key.len() < 2 {
        return Ok((
            Some(format!(
                "Error at offset {offset}, skipping. Could not read version from key's buffer."
            )),
            None,
        ));
    }
    let key_version = i16::from_be_bytes([key[0], key[1]]);
    if !(0..=2).contains(&key_version) {
        return Ok((
            Some(format!(
                "Unknown record type {key_version} at offset {offset}, skipping."
            )),
            None,
        ));
    }
    let decoded = offsets::decode_key(key.clone())
        .map_err(|e| e.to_string())
        .and_then(|k| {
            let key_json = match &k {
                OffsetsKey::Offset {
                    group,
                    topic,
                    partition,
                } => json!({"group": group, "topic": topic, "partition": partition}),
                OffsetsKey::Group { group } => json!({"group": group}),
            };
            let value = match &record.value {
                None => "<DELETE>".to_string(),
                Some(v) => offsets_value(&k, v)?.to_string(),
            };
            Ok((
                json!({"type": key_version.to_string(), "data": key_json}).to_string(),
                value,
            ))
        });
    Ok(match decoded {
        Ok((k, v)) => (Some(k), Some(v)),
        Err(e) => (
            Some(format!("Error at offset {offset}, skipping. {e}")),
            None,
        ),
    })
}

fn offsets_value(key: &OffsetsKey, value: &Bytes) -> std::result::Result<Value, String> {
    if value.len() < 2 {
        return Err("Could not read version from value's buffer.".into());
    }
    let version = i16::from_be_bytes([value[0], value[1]]);
    let data = match key {
        OffsetsKey::Offset { .. } => {
            let v = offsets::decode_offset_value(value.clone()).map_err(|e| e.to_string())?;
            let mut m = Map::new();
            m.insert("offset".into(), v.offset.into());
            if version >= 3 {
                m.insert("leaderEpoch".into(), v.leader_epoch.into());
            }
            m.insert("metadata".into(), v.metadata.clone().into());
            m.insert("commitTimestamp".into(), v.commit_timestamp.into());
            if version == 1 {
                // v1 ends with an expire timestamp, which kbox's decoder does not keep.
                let at = 2 + 8 + 2 + v.metadata.len() + 8;
                let expire = value.get(at..at + 8).map_or(-1, |b| {
                    i64::from_be_bytes(b.try_into().unwrap_or([0xff; 8]))
                });
                m.insert("expireTimestamp".into(), expire.into());
            }
            Value::Object(m)
        }
        OffsetsKey::Group { .. } => {
            let g = offsets::decode_group_value(value.clone()).map_err(|e| e.to_string())?;
            let consumer = g.protocol_type == "consumer";
            let members: Vec<Value> = g
                .members
                .iter()
                .map(|m| {
                    let mut o = Map::new();
                    o.insert("memberId".into(), m.member_id.clone().into());
                    if version >= 3 {
                        o.insert("groupInstanceId".into(), m.group_instance_id.clone().into());
                    }
                    o.insert("clientId".into(), m.client_id.clone().into());
                    o.insert("clientHost".into(), m.client_host.clone().into());
                    if version >= 1 {
                        o.insert("rebalanceTimeout".into(), m.rebalance_timeout.into());
                    }
                    o.insert("sessionTimeout".into(), m.session_timeout.into());
                    let (sub, asg) = if consumer {
                        (
                            subscription_json(&m.subscription),
                            assignment_json(&m.assignment),
                        )
                    } else {
                        (base64_value(&m.subscription), base64_value(&m.assignment))
                    };
                    o.insert("subscription".into(), sub);
                    o.insert("assignment".into(), asg);
                    Value::Object(o)
                })
                .collect();
            let mut m = Map::new();
            m.insert("protocolType".into(), g.protocol_type.clone().into());
            m.insert("generation".into(), g.generation.into());
            m.insert("protocol".into(), g.protocol.clone().into());
            m.insert("leader".into(), g.leader.clone().into());
            if version >= 2 {
                m.insert("currentStateTimestamp".into(), g.state_timestamp.into());
            }
            m.insert("members".into(), members.into());
            Value::Object(m)
        }
    };
    Ok(json!({"version": version.to_string(), "data": data}))
}

/// Bytes as Jackson writes a binary node: standard base64.
fn base64_value(bytes: &[u8]) -> Value {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .into()
}

fn nullable_base64(bytes: &Option<Bytes>) -> Value {
    bytes.as_deref().map_or(Value::Null, base64_value)
}

/// Decodes a consumer-protocol blob: an i16 version (0 to 3) then the message; `None` when it
/// does not decode (the decoder runs on stored bytes, so a panic is caught too).
fn decode_versioned<T>(
    bytes: &Bytes,
    decode: impl FnOnce(&mut Bytes, i16) -> anyhow::Result<T>,
) -> Option<(i16, T)> {
    let mut buf = bytes.clone();
    if buf.remaining() < 2 {
        return None;
    }
    let version = buf.get_i16();
    if !(0..=3).contains(&version) {
        return None;
    }
    match catch_unwind(AssertUnwindSafe(|| decode(&mut buf, version))) {
        Ok(Ok(decoded)) => Some((version, decoded)),
        _ => None,
    }
}

/// A consumer subscription decoded, or its bytes when they do not decode (as Apache keeps them).
fn subscription_json(bytes: &Bytes) -> Value {
    let Some((version, s)) = decode_versioned(bytes, ConsumerProtocolSubscription::decode) else {
        return base64_value(bytes);
    };
    let mut m = Map::new();
    m.insert(
        "topics".into(),
        s.topics
            .iter()
            .map(|t| Value::from(t.to_string()))
            .collect::<Vec<_>>()
            .into(),
    );
    m.insert("userData".into(), nullable_base64(&s.user_data));
    if version >= 1 {
        let owned: Vec<Value> = s
            .owned_partitions
            .iter()
            .map(|t| json!({"topic": t.topic.0.to_string(), "partitions": t.partitions}))
            .collect();
        m.insert("ownedPartitions".into(), owned.into());
    }
    if version >= 2 {
        m.insert("generationId".into(), s.generation_id.into());
    }
    if version >= 3 {
        m.insert(
            "rackId".into(),
            s.rack_id.as_ref().map(|r| r.to_string()).into(),
        );
    }
    Value::Object(m)
}

/// A consumer assignment decoded, or its bytes when they do not decode.
fn assignment_json(bytes: &Bytes) -> Value {
    let Some((_, a)) = decode_versioned(bytes, ConsumerProtocolAssignment::decode) else {
        return base64_value(bytes);
    };
    let assigned: Vec<Value> = a
        .assigned_partitions
        .iter()
        .map(|t| json!({"topic": t.topic.0.to_string(), "partitions": t.partitions}))
        .collect();
    json!({"assignedPartitions": assigned, "userData": nullable_base64(&a.user_data)})
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> DumpLogArgs {
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            a: DumpLogArgs,
        }
        let mut argv = vec!["dump-log"];
        argv.extend_from_slice(extra);
        Wrap::try_parse_from(argv).unwrap().a
    }

    fn zigzag(v: i64, out: &mut Vec<u8>) {
        let mut u = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            let b = (u & 0x7f) as u8;
            u >>= 7;
            if u == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
    }

    /// One uncompressed record in Kafka's format.
    fn record(delta: i64, key: Option<&[u8]>, value: Option<&[u8]>, headers: &[&str]) -> Vec<u8> {
        let mut body = vec![0u8];
        zigzag(delta, &mut body); // timestamp delta
        zigzag(delta, &mut body); // offset delta
        for part in [key, value] {
            match part {
                Some(b) => {
                    zigzag(b.len() as i64, &mut body);
                    body.extend_from_slice(b);
                }
                None => zigzag(-1, &mut body),
            }
        }
        zigzag(headers.len() as i64, &mut body);
        for h in headers {
            zigzag(h.len() as i64, &mut body);
            body.extend_from_slice(h.as_bytes());
            zigzag(1, &mut body);
            body.push(b'v');
        }
        let mut out = Vec::new();
        zigzag(body.len() as i64, &mut out);
        out.extend_from_slice(&body);
        out
    }

    /// A v2 batch with a valid CRC.
    fn batch(base_offset: i64, attributes: i16, records: &[Vec<u8>]) -> Vec<u8> {
        let data: Vec<u8> = records.concat();
        let mut b = Vec::new();
        b.extend_from_slice(&base_offset.to_be_bytes());
        b.extend_from_slice(&((HEADER_SIZE - LOG_OVERHEAD + data.len()) as i32).to_be_bytes());
        b.extend_from_slice(&3i32.to_be_bytes()); // leader epoch
        b.push(2);
        b.extend_from_slice(&[0; 4]); // crc
        b.extend_from_slice(&attributes.to_be_bytes());
        b.extend_from_slice(&(records.len() as i32 - 1).to_be_bytes());
        b.extend_from_slice(&1_000i64.to_be_bytes());
        b.extend_from_slice(&(1_000 + records.len() as i64 - 1).to_be_bytes());
        b.extend_from_slice(&(-1i64).to_be_bytes());
        b.extend_from_slice(&(-1i16).to_be_bytes());
        b.extend_from_slice(&(-1i32).to_be_bytes());
        b.extend_from_slice(&(records.len() as i32).to_be_bytes());
        b.extend_from_slice(&data);
        let crc = crate::protocol::batch::crc32c(&b[21..]);
        b[17..21].copy_from_slice(&crc.to_be_bytes());
        b
    }

    fn run_dump(a: &DumpLogArgs) -> (Result<()>, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let r = dump(a, &mut out, &mut err);
        (
            r,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn batch_and_record_lines_match_apache() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("00000000000000000005.log");
        let first = batch(
            5,
            0,
            &[
                record(0, None, Some(b"hello"), &["a", "b"]),
                record(1, Some(b"k"), Some(b"world"), &[]),
            ],
        );
        let second = batch(7, 0, &[record(0, Some(b"k2"), None, &[])]);
        let mut bytes = [first.clone(), second.clone()].concat();
        bytes.extend_from_slice(&[0, 0, 0]); // a torn tail
        std::fs::write(&log, &bytes).unwrap();
        let crc = |b: &[u8]| u32::from_be_bytes([b[17], b[18], b[19], b[20]]);
        let p = log.display().to_string();

        let (r, out, err) = run_dump(&args(&["--files", &p, "--print-data-log"]));
        r.unwrap();
        assert_eq!(err, "");
        let expected = format!(
            "Dumping {p}\n\
             Log starting offset: 5\n\
             baseOffset: 5 lastOffset: 6 count: 2 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 3 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1001 size: {} magic: 2 compresscodec: none crc: {} isvalid: true\n\
             | offset: 5 CreateTime: 1000 keySize: -1 valueSize: 5 sequence: -1 headerKeys: [a,b] payload: hello\n\
             | offset: 6 CreateTime: 1001 keySize: 1 valueSize: 5 sequence: -1 headerKeys: [] key: k payload: world\n\
             baseOffset: 7 lastOffset: 7 count: 1 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 3 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: {} CreateTime: 1000 size: {} magic: 2 compresscodec: none crc: {} isvalid: true\n\
             | offset: 7 CreateTime: 1000 keySize: 2 valueSize: -1 sequence: -1 headerKeys: [] key: k2\n\
             Found 3 invalid bytes at the end of 00000000000000000005.log\n",
            first.len(),
            crc(&first),
            first.len(),
            second.len(),
            crc(&second),
        );
        assert_eq!(out, expected);

        // Shallow: batch lines only. Deep without printing: metadata only.
        let (_, out, _) = run_dump(&args(&["--files", &p]));
        assert_eq!(out.lines().filter(|l| l.starts_with('|')).count(), 0);
        let (_, out, _) = run_dump(&args(&["--files", &p, "--deep-iteration"]));
        assert!(out.contains(
            "| offset: 6 CreateTime: 1001 keySize: 1 valueSize: 5 sequence: -1 headerKeys: []\n"
        ));
        // Without metadata, Apache's prefix quirks: "| key:" when a key exists, else " payload:".
        let (_, out, _) = run_dump(&args(&[
            "--files",
            &p,
            "--print-data-log",
            "--skip-record-metadata",
        ]));
        assert!(
            out.contains("\n payload: hello\n| key: k payload: world\n"),
            "{out}"
        );
        assert!(out.contains("\n| key: k2\n"), "{out}");
        // --max-bytes stops early and does not report the rest as invalid.
        let (_, out, _) = run_dump(&args(&["--files", &p, "--max-bytes", "10"]));
        assert_eq!(out, format!("Dumping {p}\nLog starting offset: 5\n"));
    }

    #[test]
    fn log_append_time_compression_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("00000000000000000000.log");
        let b = batch(0, 1 << 3, &[record(0, None, Some(b"x"), &[])]);
        std::fs::write(&log, &b).unwrap();
        let p = log.display().to_string();
        let (_, out, _) = run_dump(&args(&["--files", &p, "--print-data-log"]));
        assert!(out.contains(" LogAppendTime: 1000 size: "), "{out}");
        assert!(
            out.contains("| offset: 0 LogAppendTime: 1000 keySize: -1"),
            "{out}"
        );

        // A flipped byte in the records: isvalid false, then a clear error for the record.
        let mut bad = b.clone();
        let last = bad.len() - 3;
        bad[last] = 0x7f;
        std::fs::write(&log, &bad).unwrap();
        let (r, out, _) = run_dump(&args(&["--files", &p]));
        r.unwrap();
        assert!(out.contains("isvalid: false"), "{out}");
        let (r, _, _) = run_dump(&args(&["--files", &p, "--print-data-log"]));
        let e = r.unwrap_err().to_string();
        assert!(e.contains("corrupt record batch at position 0"), "{e}");

        // A size field no batch can have.
        std::fs::write(&log, [0u8; 40]).unwrap();
        let (r, out, _) = run_dump(&args(&["--files", &p]));
        assert_eq!(
            r.unwrap_err().to_string(),
            format!("Found record size 0 smaller than minimum record overhead (14) in file {p}.")
        );
        assert!(out.ends_with("Log starting offset: 0\n"));
    }

    #[test]
    fn indexes_and_their_checks() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("00000000000000000010.log");
        let first = batch(10, 0, &[record(0, None, Some(b"a"), &[])]);
        let second = batch(
            11,
            0,
            &[
                record(0, None, Some(b"b"), &[]),
                record(1, None, Some(b"c"), &[]),
            ],
        );
        std::fs::write(&log, [first.clone(), second].concat()).unwrap();
        let index = dir.path().join("00000000000000000010.index");
        let mut entry = Vec::new();
        entry.extend_from_slice(&1u32.to_be_bytes()); // offset 11: the batch ends at 12
        entry.extend_from_slice(&(first.len() as u32).to_be_bytes());
        std::fs::write(&index, &entry).unwrap();
        let time = dir.path().join("00000000000000000010.timeindex");
        let mut t = Vec::new();
        t.extend_from_slice(&1_001i64.to_be_bytes());
        t.extend_from_slice(&2u32.to_be_bytes());
        std::fs::write(&time, &t).unwrap();
        let (i, ti) = (index.display().to_string(), time.display().to_string());

        let files = format!("{i},{ti}");
        let (r, out, err) = run_dump(&args(&["--files", &files]));
        r.unwrap();
        assert_eq!(
            out,
            format!(
                "Dumping {i}\noffset: 11 position: {}\nDumping {ti}\ntimestamp: 1001 offset: 12\n",
                first.len()
            )
        );
        assert_eq!(
            err,
            format!("Mismatches in :{i}\n  Index offset: 11, log offset: 12\n")
        );
        let (_, out, _) = run_dump(&args(&["--files", &files, "--verify-index-only"]));
        assert_eq!(out, format!("Dumping {i}\nDumping {ti}\n"));
        let (_, out, _) = run_dump(&args(&["--files", &files, "--index-sanity-check"]));
        assert_eq!(
            out,
            format!(
                "Dumping {i}\n{i} passed sanity check.\nDumping {ti}\n{ti} passed sanity check.\n"
            )
        );
        std::fs::write(&time, [t.clone(), vec![1]].concat()).unwrap();
        let (r, _, _) = run_dump(&args(&["--files", &ti, "--index-sanity-check"]));
        assert_eq!(
            r.unwrap_err().to_string(),
            format!("Time index file {ti} is corrupt, found 13 bytes which is neither positive nor a multiple of 12")
        );
        std::fs::write(&index, b"").unwrap();
        let (_, out, _) = run_dump(&args(&["--files", &i]));
        assert_eq!(out, format!("Dumping {i}\n{i} is empty.\n"));
    }

    #[test]
    fn checkpoints_metadata_and_unknown_files() {
        let dir = tempfile::tempdir().unwrap();
        let epochs = dir.path().join("leader-epoch-checkpoint");
        std::fs::write(&epochs, "0\n2\n0 0\n3 17\n").unwrap();
        let offsets = dir.path().join("recovery-point-offset-checkpoint");
        std::fs::write(&offsets, "0\n1\norders 2 99\n").unwrap();
        let meta = dir.path().join("partition.metadata");
        std::fs::write(&meta, "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n").unwrap();
        let other = dir.path().join("00000000000000000000.log.deleted");
        std::fs::write(&other, "").unwrap();
        let files = [&epochs, &offsets, &meta, &other]
            .map(|p| p.display().to_string())
            .join(",");
        let (r, out, err) = run_dump(&args(&["--files", &files]));
        r.unwrap();
        let [e, o, m, x] = [&epochs, &offsets, &meta, &other].map(|p| p.display().to_string());
        assert_eq!(
            out,
            format!(
                "Dumping {e}\nLeader epoch checkpoint version: 0 entries: 2\nepoch: 0 startOffset: 0\nepoch: 3 startOffset: 17\n\
                 Dumping {o}\nOffset checkpoint version: 0 entries: 1\ntopic: orders partition: 2 offset: 99\n\
                 Dumping {m}\nversion: 0 topic_id: AAAAAAAAAAAAAAAAAAAAAQ\n\
                 Dumping {x}\n"
            )
        );
        assert_eq!(err, format!("Ignoring unknown file {x}\n"));
    }

    #[test]
    fn offsets_decoder_prints_apaches_json() {
        let key = offsets::offset_key("g", "t", 3);
        let value = offsets::offset_value(&offsets::OffsetValue {
            offset: 42,
            leader_epoch: 7,
            metadata: "m".into(),
            commit_timestamp: 1000,
        });
        let r = Record {
            offset: 9,
            timestamp: 0,
            sequence: -1,
            key: Some(key.clone()),
            value: Some(value),
            headers: Vec::new(),
        };
        let (k, v) = offsets_record(&r).unwrap();
        assert_eq!(
            k.unwrap(),
            r#"{"type":"1","data":{"group":"g","topic":"t","partition":3}}"#
        );
        assert_eq!(
            v.unwrap(),
            r#"{"version":"3","data":{"offset":42,"leaderEpoch":7,"metadata":"m","commitTimestamp":1000}}"#
        );
        let tombstone = Record {
            value: None,
            ..r.clone()
        };
        assert_eq!(offsets_record(&tombstone).unwrap().1.unwrap(), "<DELETE>");
        let unknown = Record {
            key: Some(Bytes::from_static(&[0, 9, 0, 0])),
            ..r.clone()
        };
        assert_eq!(
            offsets_record(&unknown).unwrap(),
            (
                Some("Unknown record type 9 at offset 9, skipping.".into()),
                None
            )
        );
        let keyless = Record { key: None, ..r };
        assert!(offsets_record(&keyless).is_err());
    }

    #[test]
    fn unsupported_decoders_are_refused() {
        let e = Options::from_args(&args(&["--files", "x", "--remote-log-metadata-decoder"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--remote-log-metadata-decoder is not supported by kbox dump-log"
        );
        let o = Options::from_args(&args(&["--files", "x", "--cluster-metadata-decoder"])).unwrap();
        assert!(o.cluster_metadata && o.print_data && o.deep);
        assert!(
            Options::from_args(&args(&["--files", "x", "--value-decoder-class", "a.B"])).is_err()
        );
        let o = Options::from_args(&args(&["--files", "x", "--key-decoder-class"])).unwrap();
        assert!(o.print_data && o.deep);
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(5, 2), 7);
    }
}
