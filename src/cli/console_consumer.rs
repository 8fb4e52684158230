//! `kbox console-consumer` (kafka-console-consumer.sh): records to stdout, in Apache's
//! DefaultMessageFormatter layout, as JSON lines (`--format json`) or a kcat-style
//! `--print-format` string. Ends after --max-messages, after --timeout-ms without records,
//! on Ctrl-C, or when stdout closes (`| head`), printing `Processed a total of N messages`.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use clap::Args;

use super::common::{client_config, OutputFormat};
use super::ExitStatus;
use crate::client::group::Subscription;
use crate::client::records::TimestampKind;
use crate::client::{ConsumerRecord, GroupConsumer, OffsetSpec};
use crate::properties::Properties;
use crate::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kbox console-consumer --bootstrap-server localhost:9092 --topic orders --from-beginning
  kbox console-consumer --bootstrap-server localhost:9092 --topic orders --partition 0 --offset 42 --max-messages 10
  kbox console-consumer --bootstrap-server localhost:9092 --topic orders --from-beginning \\
      --property print.key=true --property print.timestamp=true
  kbox console-consumer --bootstrap-server localhost:9092 --topic orders --format json")]
pub struct ConsoleConsumerArgs {
    /// REQUIRED: The server(s) to connect to.
    #[arg(long = "bootstrap-server")]
    pub bootstrap_server: Option<String>,
    /// The topic to consume on.
    #[arg(long)]
    pub topic: Option<String>,
    /// Regular expression of the topics to consume (instead of --topic).
    #[arg(long, alias = "whitelist")]
    pub include: Option<String>,
    /// The partition to consume from (starts at the end unless --offset is given).
    #[arg(long)]
    pub partition: Option<i32>,
    /// earliest, latest, or an offset; needs --partition.
    #[arg(long)]
    pub offset: Option<String>,
    /// Start with the earliest message when there is no committed offset.
    #[arg(long = "from-beginning")]
    pub from_beginning: bool,
    /// The consumer group id.
    #[arg(long)]
    pub group: Option<String>,
    /// Exit after this many messages.
    #[arg(long = "max-messages")]
    pub max_messages: Option<u64>,
    /// Exit when no message arrived for this long (ms).
    #[arg(long = "timeout-ms")]
    pub timeout_ms: Option<u64>,
    /// Skip a message that cannot be printed instead of stopping.
    #[arg(long = "skip-message-on-error")]
    pub skip_message_on_error: bool,
    /// read_committed or read_uncommitted.
    #[arg(long = "isolation-level")]
    pub isolation_level: Option<String>,
    /// Consumer config properties (key=value), repeatable.
    #[arg(long = "consumer-property")]
    pub consumer_property: Vec<String>,
    /// Consumer config properties (key=value), repeatable.
    #[arg(long = "command-property")]
    pub command_property: Vec<String>,
    /// Consumer config properties file.
    #[arg(long = "consumer.config")]
    pub consumer_config: Option<PathBuf>,
    /// Consumer config properties file.
    #[arg(long = "command-config")]
    pub command_config: Option<PathBuf>,
    /// Formatter properties (print.key=true, key.separator=..., ...), repeatable.
    #[arg(long = "property")]
    pub property: Vec<String>,
    /// Formatter properties, repeatable (new name of --property).
    #[arg(long = "formatter-property")]
    pub formatter_property: Vec<String>,
    /// Formatter properties file.
    #[arg(long = "formatter-config")]
    pub formatter_config: Option<PathBuf>,
    /// The formatter class: DefaultMessageFormatter, LoggingMessageFormatter or NoOpMessageFormatter.
    #[arg(long)]
    pub formatter: Option<String>,
    /// Key deserializer class.
    #[arg(long = "key-deserializer")]
    pub key_deserializer: Option<String>,
    /// Value deserializer class.
    #[arg(long = "value-deserializer")]
    pub value_deserializer: Option<String>,
    /// Log lifecycle events of the consumer (accepted for compatibility).
    #[arg(long = "enable-systest-events")]
    pub enable_systest_events: bool,
    /// A kcat-style format string: %t %p %o %k %s %K %S %T %h, with \n \t escapes.
    #[arg(long = "print-format")]
    pub print_format: Option<String>,
    /// Output format: Apache's text or one JSON object per record.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// How a key, value or header value is turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deserializer {
    String,
    ByteArray,
    Integer,
    Long,
    Short,
    Double,
    Float,
    Uuid,
}

impl Deserializer {
    fn parse(class: &str) -> std::result::Result<Deserializer, String> {
        let short = class.rsplit('.').next().unwrap_or(class);
        Ok(match short {
            "StringDeserializer" => Deserializer::String,
            "ByteArrayDeserializer" | "BytesDeserializer" | "ByteBufferDeserializer" => {
                Deserializer::ByteArray
            }
            "IntegerDeserializer" => Deserializer::Integer,
            "LongDeserializer" => Deserializer::Long,
            "ShortDeserializer" => Deserializer::Short,
            "DoubleDeserializer" => Deserializer::Double,
            "FloatDeserializer" => Deserializer::Float,
            "UUIDDeserializer" => Deserializer::Uuid,
            _ => return Err(format!("deserializer {class} is not built into kbox")),
        })
    }

    fn render(self, bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let exact = |n: usize, what: &str| {
            if bytes.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "Size of data received by {what}Deserializer is not {n}"
                ))
            }
        };
        Ok(match self {
            Deserializer::String | Deserializer::ByteArray | Deserializer::Uuid => bytes.to_vec(),
            Deserializer::Integer => {
                exact(4, "Integer")?;
                i32::from_be_bytes(bytes.try_into().expect("4 bytes"))
                    .to_string()
                    .into_bytes()
            }
            Deserializer::Long => {
                exact(8, "Long")?;
                i64::from_be_bytes(bytes.try_into().expect("8 bytes"))
                    .to_string()
                    .into_bytes()
            }
            Deserializer::Short => {
                exact(2, "Short")?;
                i16::from_be_bytes(bytes.try_into().expect("2 bytes"))
                    .to_string()
                    .into_bytes()
            }
            Deserializer::Double => {
                exact(8, "Double")?;
                java_double(f64::from_be_bytes(bytes.try_into().expect("8 bytes"))).into_bytes()
            }
            Deserializer::Float => {
                exact(4, "Float")?;
                java_double(f32::from_be_bytes(bytes.try_into().expect("4 bytes")) as f64)
                    .into_bytes()
            }
        })
    }
}

/// Java's `Double.toString` for the common cases (always a decimal point).
fn java_double(d: f64) -> String {
    if d.is_finite() && d == d.trunc() && d.abs() < 1e7 {
        format!("{d:.1}")
    } else {
        format!("{d}")
    }
}

/// DefaultMessageFormatter's settings.
#[derive(Debug, Clone)]
struct Formatter {
    print_timestamp: bool,
    print_key: bool,
    print_value: bool,
    print_partition: bool,
    print_offset: bool,
    print_headers: bool,
    print_delivery: bool,
    print_epoch: bool,
    key_separator: Vec<u8>,
    line_separator: Vec<u8>,
    headers_separator: Vec<u8>,
    null_literal: Vec<u8>,
    key: Deserializer,
    value: Deserializer,
    headers: Deserializer,
}

impl Formatter {
    fn from_properties(
        p: &Properties,
        key: Option<&str>,
        value: Option<&str>,
    ) -> std::result::Result<Formatter, String> {
        let flag = |k: &str, d: bool| {
            p.get(k)
                .map_or(d, |v| v.trim().eq_ignore_ascii_case("true"))
        };
        let text = |k: &str, d: &str| unescape(p.get(k).unwrap_or(d)).into_bytes();
        let deser = |k: &str, given: Option<&str>| match given.or(p.get(k)) {
            Some(c) => Deserializer::parse(c),
            None => Ok(Deserializer::String),
        };
        Ok(Formatter {
            print_timestamp: flag("print.timestamp", false),
            print_key: flag("print.key", false),
            print_value: flag("print.value", true),
            print_partition: flag("print.partition", false),
            print_offset: flag("print.offset", false),
            print_headers: flag("print.headers", false),
            print_delivery: flag("print.delivery", false),
            print_epoch: flag("print.epoch", false),
            key_separator: text("key.separator", "\t"),
            line_separator: text("line.separator", "\n"),
            headers_separator: text("headers.separator", ","),
            null_literal: text("null.literal", "null"),
            key: deser("key.deserializer", key)?,
            value: deser("value.deserializer", value)?,
            headers: deser("headers.deserializer", None)?,
        })
    }

    /// Appends a field as its deserializer prints it (`null.literal` for a null).
    fn field(
        &self,
        d: Deserializer,
        bytes: Option<&[u8]>,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
        match bytes {
            None => out.extend_from_slice(&self.null_literal),
            // The bytes as they are: appended without a copy of their own first.
            Some(b)
                if matches!(
                    d,
                    Deserializer::String | Deserializer::ByteArray | Deserializer::Uuid
                ) =>
            {
                out.extend_from_slice(b)
            }
            Some(b) => out.extend_from_slice(&d.render(b)?),
        }
        Ok(())
    }

    /// One record in Apache's layout; separators only between printed fields.
    fn write(&self, r: &ConsumerRecord, out: &mut Vec<u8>) -> std::result::Result<(), String> {
        let fields_after = |i: usize| {
            let later = [
                self.print_partition,
                self.print_offset,
                self.print_delivery,
                self.print_epoch,
                self.print_headers,
                self.print_key,
                self.print_value,
            ];
            later[i..].iter().any(|x| *x)
        };
        let sep = |out: &mut Vec<u8>, more: bool| {
            if more {
                out.extend_from_slice(&self.key_separator);
            }
        };
        if self.print_timestamp {
            if r.timestamp < 0 {
                out.extend_from_slice(b"NO_TIMESTAMP");
            } else {
                out.extend_from_slice(
                    format!("{}:{}", r.timestamp_type.name(), r.timestamp).as_bytes(),
                );
            }
            sep(out, fields_after(0));
        }
        if self.print_partition {
            out.extend_from_slice(format!("Partition:{}", r.partition).as_bytes());
            sep(out, fields_after(1));
        }
        if self.print_offset {
            out.extend_from_slice(format!("Offset:{}", r.offset).as_bytes());
            sep(out, fields_after(2));
        }
        if self.print_delivery {
            out.extend_from_slice(b"Delivery:NOT_PRESENT");
            sep(out, fields_after(3));
        }
        if self.print_epoch {
            if r.leader_epoch >= 0 {
                out.extend_from_slice(format!("Epoch:{}", r.leader_epoch).as_bytes());
            } else {
                out.extend_from_slice(b"Epoch:NOT_PRESENT");
            }
            sep(out, fields_after(4));
        }
        if self.print_headers {
            if r.headers.is_empty() {
                out.extend_from_slice(b"NO_HEADERS");
            } else {
                for (i, (k, v)) in r.headers.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(&self.headers_separator);
                    }
                    out.extend_from_slice(k.as_bytes());
                    out.push(b':');
                    self.field(self.headers, v.as_deref(), out)?;
                }
            }
            sep(out, fields_after(5));
        }
        if self.print_key {
            self.field(self.key, r.key.as_deref(), out)?;
            sep(out, self.print_value);
        }
        if self.print_value {
            self.field(self.value, r.value.as_deref(), out)?;
            out.extend_from_slice(&self.line_separator);
        }
        Ok(())
    }
}

/// `\t`, `\n`, `\r` and `\\` in property values, as users type them on a shell.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A kcat-style format string.
fn write_print_format(fmt: &str, r: &ConsumerRecord, out: &mut Vec<u8>) {
    let fmt = unescape(fmt);
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('t') => out.extend_from_slice(r.topic.as_bytes()),
            Some('p') => out.extend_from_slice(r.partition.to_string().as_bytes()),
            Some('o') => out.extend_from_slice(r.offset.to_string().as_bytes()),
            Some('k') => out.extend_from_slice(r.key.as_deref().unwrap_or(b"")),
            Some('s') => out.extend_from_slice(r.value.as_deref().unwrap_or(b"")),
            Some('K') => out.extend_from_slice(
                r.key
                    .as_ref()
                    .map_or(-1, |k| k.len() as i64)
                    .to_string()
                    .as_bytes(),
            ),
            Some('S') => out.extend_from_slice(
                r.value
                    .as_ref()
                    .map_or(-1, |v| v.len() as i64)
                    .to_string()
                    .as_bytes(),
            ),
            Some('T') => out.extend_from_slice(r.timestamp.to_string().as_bytes()),
            Some('h') => {
                let parts: Vec<String> = r
                    .headers
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_ref()
                                .map(|v| String::from_utf8_lossy(v).into_owned())
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                out.extend_from_slice(parts.join(",").as_bytes());
            }
            Some('%') => out.push(b'%'),
            Some(other) => {
                out.push(b'%');
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
            None => out.push(b'%'),
        }
    }
}

/// Bytes as JSON: a string when UTF-8, else `{"base64": "..."}`.
fn json_bytes(b: Option<&[u8]>) -> serde_json::Value {
    match b {
        None => serde_json::Value::Null,
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => s.into(),
            Err(_) => {
                serde_json::json!({"base64": base64::engine::general_purpose::STANDARD.encode(b)})
            }
        },
    }
}

fn write_json(r: &ConsumerRecord, out: &mut Vec<u8>) {
    let headers: Vec<serde_json::Value> = r
        .headers
        .iter()
        .map(|(k, v)| serde_json::json!({"key": k, "value": json_bytes(v.as_deref())}))
        .collect();
    let value = serde_json::json!({
        "topic": &*r.topic,
        "partition": r.partition,
        "offset": r.offset,
        "timestamp": r.timestamp,
        "timestampType": match r.timestamp_type { TimestampKind::CreateTime => "CreateTime", TimestampKind::LogAppendTime => "LogAppendTime" },
        "key": json_bytes(r.key.as_deref()),
        "value": json_bytes(r.value.as_deref()),
        "headers": headers,
    });
    out.extend_from_slice(value.to_string().as_bytes());
    out.push(b'\n');
}

/// Apache's option checks; `Err` is the message for stderr (exit 1).
fn check_args(args: &ConsoleConsumerArgs) -> std::result::Result<(), String> {
    if args.bootstrap_server.is_none() && !super::profiles::provides_bootstrap() {
        return Err("Missing required argument \"[bootstrap-server]\"".into());
    }
    if args.topic.is_some() == args.include.is_some() {
        return Err("Exactly one of include/topic is required.".into());
    }
    if args.partition.is_some() && args.topic.is_none() {
        return Err("The topic is required when partition is specified.".into());
    }
    if args.partition.is_some() && args.group.is_some() {
        return Err("Options group and partition cannot be specified together.".into());
    }
    if args.from_beginning && args.offset.is_some() {
        return Err("Options from-beginning and offset cannot be specified together.".into());
    }
    if args.offset.is_some() && args.partition.is_none() {
        return Err("The partition is required when offset is specified.".into());
    }
    if let Some(o) = &args.offset {
        if o != "earliest" && o != "latest" && o.parse::<i64>().is_err() {
            return Err(format!("The provided offset value '{o}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."));
        }
    }
    Ok(())
}

enum Source {
    Group(Box<GroupConsumer>),
    Assigned(Box<crate::client::Consumer>),
}

impl Source {
    async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumerRecord>> {
        match self {
            Source::Group(g) => g.poll(timeout).await,
            Source::Assigned(c) => c.poll(timeout).await,
        }
    }
}

pub async fn run(args: ConsoleConsumerArgs) -> Result<ExitStatus> {
    if let Err(message) = check_args(&args) {
        eprintln!("{message}");
        return Ok(ExitStatus::Failure);
    }
    let mut formatter_props = match &args.formatter_config {
        Some(path) => Properties::load(path)
            .map_err(|e| Error::Message(format!("cannot read {}: {e}", path.display())))?,
        None => Properties::new(),
    };
    for pair in args.property.iter().chain(&args.formatter_property) {
        let (k, v) = super::common::parse_key_value(pair)?;
        formatter_props.set(k, v);
    }
    let formatter_class = args
        .formatter
        .clone()
        .unwrap_or_else(|| "DefaultMessageFormatter".into());
    let short = formatter_class.rsplit('.').next().unwrap_or("").to_string();
    if !matches!(
        short.as_str(),
        "DefaultMessageFormatter" | "LoggingMessageFormatter" | "NoOpMessageFormatter"
    ) {
        return Err(Error::Message(format!("formatter {formatter_class} is not built into kbox (DefaultMessageFormatter, LoggingMessageFormatter, NoOpMessageFormatter are)")));
    }
    let formatter = Formatter::from_properties(
        &formatter_props,
        args.key_deserializer.as_deref(),
        args.value_deserializer.as_deref(),
    )
    .map_err(Error::Message)?;

    let files: Vec<&PathBuf> = args
        .consumer_config
        .iter()
        .chain(args.command_config.iter())
        .collect();
    let pairs: Vec<String> = args
        .consumer_property
        .iter()
        .chain(&args.command_property)
        .cloned()
        .collect();
    let mut config = client_config(args.bootstrap_server.as_deref(), &files, &pairs, &[])?;
    config.set_default("client.id", "console-consumer");
    if args.from_beginning {
        config.set("auto.offset.reset", "earliest");
    } else {
        config.set_default("auto.offset.reset", "latest");
    }
    if let Some(level) = &args.isolation_level {
        config.set("isolation.level", level);
    }
    let mut source = match args.partition {
        Some(partition) => {
            let topic = args
                .topic
                .clone()
                .expect("checked: --partition needs --topic");
            let mut consumer = crate::client::Consumer::new(config)?;
            let tp = (topic.clone(), partition);
            let metadata = consumer
                .client()
                .refresh_metadata(Some(std::slice::from_ref(&topic)), false)
                .await?;
            let exists = metadata
                .topics
                .get(&topic)
                .is_some_and(|t| t.partitions.iter().any(|p| p.partition == partition));
            if !exists {
                return Err(Error::Message(format!(
                    "Partition {topic}-{partition} does not exist"
                )));
            }
            consumer.assign(std::slice::from_ref(&tp));
            match args.offset.as_deref() {
                Some("earliest") => consumer.seek_to(&tp, OffsetSpec::Earliest)?,
                Some("latest") | None if !args.from_beginning => {
                    consumer.seek_to(&tp, OffsetSpec::Latest)?
                }
                Some(n) if n != "latest" => consumer.seek(&tp, n.parse().unwrap_or(0))?,
                _ => consumer.seek_to(&tp, OffsetSpec::Earliest)?,
            }
            Source::Assigned(Box::new(consumer))
        }
        None => {
            match &args.group {
                Some(g) => {
                    config.set("group.id", g);
                }
                None if config.group_id().is_none() => {
                    // Apache: a throwaway group that commits nothing.
                    let n = std::process::id() % 100_000;
                    config.set("group.id", format!("console-consumer-{n}"));
                    config.set("enable.auto.commit", "false");
                }
                None => {}
            }
            let subscription = match (&args.topic, &args.include) {
                (Some(t), _) => Subscription::Topics(vec![t.clone()]),
                (None, Some(pattern)) => {
                    Subscription::Pattern(regex::Regex::new(pattern).map_err(|e| {
                        Error::Message(format!("Invalid regular expression {pattern}: {e}"))
                    })?)
                }
                _ => unreachable!("checked: exactly one of topic/include"),
            };
            Source::Group(Box::new(GroupConsumer::subscribe(config, subscription)?))
        }
    };

    let mut count: u64 = 0;
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut buf = Vec::with_capacity(1 << 16);
    let idle_limit = args.timeout_ms.map(Duration::from_millis);
    let mut last_record = Instant::now();
    let mut interrupted = Box::pin(super::common::interrupted());
    // A bar towards --max-messages when the records go to a file or pipe and a person watches.
    let bar = args
        .max_messages
        .and_then(|m| super::common::progress(Some(m), false, true));
    let outcome: Result<()> = 'consume: loop {
        if args.max_messages.is_some_and(|m| count >= m) {
            break Ok(());
        }
        let wait = match idle_limit {
            Some(limit) => {
                let left = limit.saturating_sub(last_record.elapsed());
                if left.is_zero() {
                    eprintln!("Timed out after {} ms without messages", limit.as_millis());
                    break Ok(());
                }
                left.min(Duration::from_millis(500))
            }
            None => Duration::from_millis(500),
        };
        let records = tokio::select! {
            r = source.poll(wait) => r,
            _ = &mut interrupted => break Ok(()),
        };
        let records = match records {
            Ok(r) => r,
            Err(e) => break Err(e),
        };
        if records.is_empty() {
            continue;
        }
        last_record = Instant::now();
        // The whole poll's output is formatted into `buf` and written at once: a write that
        // large passes BufWriter by, so each value is copied once on its way to stdout.
        buf.clear();
        for r in records {
            if args.max_messages.is_some_and(|m| count >= m) {
                break;
            }
            let record_start = buf.len();
            if args.format == OutputFormat::Json {
                write_json(&r, &mut buf);
            } else if let Some(fmt) = &args.print_format {
                write_print_format(fmt, &r, &mut buf);
            } else if short == "NoOpMessageFormatter" {
            } else if short == "LoggingMessageFormatter" {
                // Apache logs each record's value; the value alone is what remains visible.
                let _ = formatter.write(&r, &mut buf);
            } else if let Err(e) = formatter.write(&r, &mut buf) {
                buf.truncate(record_start);
                if args.skip_message_on_error {
                    eprintln!("Error processing message, skipping this message: {e}");
                    count += 1;
                    continue;
                }
                // The records before this one are printed first, as Apache's would have been.
                let _ = stdout.write_all(&buf);
                break 'consume Err(Error::Message(format!(
                    "Error processing message, terminating consumer process: {e}"
                )));
            }
            count += 1;
        }
        if let Err(e) = stdout.write_all(&buf) {
            break Err(e.into());
        }
        if let Err(e) = stdout.flush() {
            break Err(e.into());
        }
        if let Some(bar) = &bar {
            bar.set_position(count);
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let _ = stdout.flush();
    drop(stdout);
    if let Source::Group(g) = source {
        let _ = g.close().await;
    }
    eprintln!("Processed a total of {count} messages");
    match outcome {
        Ok(()) => Ok(ExitStatus::Success),
        Err(e) if e.is_broken_pipe() => Ok(ExitStatus::Success),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn record() -> ConsumerRecord {
        ConsumerRecord {
            topic: "t".into(),
            partition: 2,
            offset: 7,
            timestamp: 1000,
            timestamp_type: TimestampKind::CreateTime,
            key: Some(Bytes::from_static(b"k")),
            value: None,
            headers: vec![("h".into(), Some(Bytes::from_static(b"v")))],
            leader_epoch: 0,
        }
    }

    fn formatter(pairs: &[(&str, &str)]) -> Formatter {
        let mut p = Properties::new();
        for (k, v) in pairs {
            p.set(*k, *v);
        }
        Formatter::from_properties(&p, None, None).unwrap()
    }

    #[test]
    fn default_formatter_layouts() {
        let mut out = Vec::new();
        formatter(&[]).write(&record(), &mut out).unwrap();
        assert_eq!(out, b"null\n");
        out.clear();
        let all = [
            ("print.timestamp", "true"),
            ("print.partition", "true"),
            ("print.offset", "true"),
            ("print.headers", "true"),
            ("print.key", "true"),
            ("null.literal", "NULL"),
        ];
        formatter(&all).write(&record(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "CreateTime:1000\tPartition:2\tOffset:7\th:v\tk\tNULL\n"
        );
        out.clear();
        formatter(&[
            ("print.key", "true"),
            ("print.value", "false"),
            ("key.separator", "|"),
        ])
        .write(&record(), &mut out)
        .unwrap();
        assert_eq!(
            out, b"k",
            "no separator after the last field, no line separator without the value"
        );
        out.clear();
        let mut r = record();
        r.headers.clear();
        formatter(&[("print.headers", "true"), ("key.separator", ",")])
            .write(&r, &mut out)
            .unwrap();
        assert_eq!(out, b"NO_HEADERS,null\n");
    }

    #[test]
    fn deserializers_and_print_formats() {
        assert_eq!(
            Deserializer::Long.render(&7i64.to_be_bytes()).unwrap(),
            b"7"
        );
        assert!(Deserializer::Integer.render(b"abc").is_err());
        assert_eq!(
            Deserializer::Double.render(&1.5f64.to_be_bytes()).unwrap(),
            b"1.5"
        );
        let mut out = Vec::new();
        write_print_format("%t/%p/%o %k=%s (%S) %h\\n", &record(), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "t/2/7 k= (-1) h=v\n");
    }
}
