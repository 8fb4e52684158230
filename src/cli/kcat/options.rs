//! kcat's command line, parsed as kcat parses it: POSIX `getopt` with GNU's argument
//! permutation, so `-qe`, `-K:`, `-o -2` and options after the topic list all work, and options
//! take effect in the order given (`-Q` must come before its `-t topic:partition:ts`).

use std::path::{Path, PathBuf};

use super::config::KcatConfig;
use super::format::parse_delimiter;

/// kcat's single-letter options that take a value.
const WITH_VALUE: &str = "GtpbzoDKkHdFXcfsrm";
/// kcat's single-letter flags.
const FLAGS: &str = "PCLQeEOqvTuZlVhJU";

/// What kcat was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `-P`
    Produce,
    /// `-C`
    Consume,
    /// `-G group`: a balanced consumer group member.
    Group,
    /// `-L`
    Metadata,
    /// `-Q`
    Query,
}

/// `-o`: where consuming starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOffset {
    Beginning,
    End,
    /// The group's committed offset.
    Stored,
    Absolute(i64),
    /// `-N`: N messages before the end.
    Tail(i64),
}

/// Everything the command line (and config files) said.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub group: Option<String>,
    pub topic: Option<String>,
    /// `-p`; `None` for "every partition" / "let the partitioner choose" (`-p -1`).
    pub partition: Option<i32>,
    pub offset: Option<StartOffset>,
    /// `-o s@ts`
    pub start_timestamp: Option<i64>,
    /// `-o e@ts`
    pub stop_timestamp: Option<i64>,
    pub exit_at_end: bool,
    pub exit_on_error: bool,
    pub format: Option<String>,
    pub json: bool,
    pub delimiter: Vec<u8>,
    pub key_delimiter: Option<Vec<u8>>,
    pub fixed_key: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    pub line_mode: bool,
    pub tee: bool,
    pub null_mode: bool,
    /// `-c`: 0 (the default) means no limit.
    pub count: i64,
    /// `-m`: seconds to wait for the first metadata.
    pub metadata_timeout_secs: i64,
    pub verbosity: i32,
    pub unbuffered: bool,
    /// `-Q -t topic:partition:timestamp`, in the order given.
    pub queries: Vec<(String, i32, i64)>,
    pub config: KcatConfig,
    /// Files to produce, or topics to subscribe to with `-G`.
    pub positional: Vec<String>,
    /// `-s`/`-r` were given (not supported).
    pub serdes: bool,
}

/// The outcome of parsing.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Options>),
    /// Usage help on stdout (`-h`, or no mode at all after parsing).
    Help,
    /// The version banner (`-V`).
    Version,
    /// `-X list`.
    ListProperties,
    /// `-U` (kcat's built-in self-test): nothing to do, exit 0.
    SelfTest,
    /// `-X dump`: the configuration, then exit.
    Dump(Box<KcatConfig>),
    /// kcat's "Error: <reason>" followed by the usage, exit 1.
    Usage(String),
    /// A message printed as is on stderr, exit 1 (kcat's `-X name` without a value).
    Refused(String),
}

/// Environment the parser consults: `$KCAT_CONFIG`, `$HOME`, whether stdin is a terminal.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub kcat_config: Option<String>,
    pub kafkacat_config: Option<String>,
    pub home: Option<String>,
    pub stdin_is_terminal: bool,
}

impl Environment {
    pub fn from_process() -> Environment {
        use std::io::IsTerminal;
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Environment {
            kcat_config: var("KCAT_CONFIG"),
            kafkacat_config: var("KAFKACAT_CONFIG"),
            home: var("HOME"),
            stdin_is_terminal: std::io::stdin().is_terminal(),
        }
    }
}

/// One step of getopt: an option with its value, or an unknown/incomplete option.
enum Step {
    Option(char, Option<String>),
    Unknown,
}

/// POSIX getopt with GNU permutation: non-options are collected and scanning goes on; `--`
/// ends the options.
struct Getopt<'a> {
    args: &'a [String],
    index: usize,
    /// Position inside a cluster of short options (`-qe`).
    inner: usize,
    positional: Vec<String>,
}

impl<'a> Getopt<'a> {
    fn new(args: &'a [String]) -> Self {
        Getopt {
            args,
            index: 0,
            inner: 0,
            positional: Vec::new(),
        }
    }

    fn next(&mut self) -> Option<Step> {
        loop {
            let arg = self.args.get(self.index)?;
            if self.inner == 0 {
                if arg == "--" {
                    self.positional
                        .extend(self.args[self.index + 1..].iter().cloned());
                    self.index = self.args.len();
                    return None;
                }
                if !arg.starts_with('-') || arg.len() == 1 {
                    self.positional.push(arg.clone());
                    self.index += 1;
                    continue;
                }
                self.inner = 1;
            }
            let bytes = arg.as_bytes();
            let c = bytes[self.inner] as char;
            self.inner += 1;
            let at_end = self.inner >= bytes.len();
            if WITH_VALUE.contains(c) && c.is_ascii() {
                let value = if !at_end {
                    Some(arg[self.inner..].to_string())
                } else {
                    self.index += 1;
                    self.args.get(self.index).cloned()
                };
                self.index += 1;
                self.inner = 0;
                return Some(match value {
                    Some(v) => Step::Option(c, Some(v)),
                    None => Step::Unknown,
                });
            }
            if at_end {
                self.index += 1;
                self.inner = 0;
            }
            if FLAGS.contains(c) && c.is_ascii() {
                return Some(Step::Option(c, None));
            }
            return Some(Step::Unknown);
        }
    }
}

/// C's `strtoll` on a whole argument: leading blanks, a sign, digits; 0 when none.
pub fn strtoll(s: &str) -> i64 {
    let s = s.trim_start();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(10) else { break };
        value = value.saturating_mul(10).saturating_add(d as i64);
    }
    if negative {
        -value
    } else {
        value
    }
}

/// C's `atoi`.
fn atoi(s: &str) -> i32 {
    strtoll(s).clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// Reads a config file, announcing it as kcat does (`level`: 1 for files named by `-F` or
/// `$KCAT_CONFIG`, 3 for the default search), with the verbosity of the options seen so far.
fn read_config(
    config: &mut KcatConfig,
    path: &Path,
    required: bool,
    level: i32,
    verbosity: i32,
    notices: &mut Vec<String>,
) -> Result<bool, String> {
    config.read_file(path, required, || {
        if verbosity >= level {
            notices.push(format!(
                "% Reading configuration from file {}\n",
                path.display()
            ));
        }
    })
}

/// Parses kcat's argument list (without the program name). `notices` collects the lines kcat
/// writes to stderr while parsing (config files read, auto-selected mode...), in order, also
/// when parsing then fails.
pub fn parse(
    args: &[String],
    env: &Environment,
    notices: &mut Vec<String>,
) -> Result<Parsed, String> {
    let mut mode: Option<Mode> = None;
    let mut group = None;
    let mut topic = None;
    let mut partition = None;
    let mut brokers: Option<String> = None;
    let mut offset = None;
    let mut start_timestamp = None;
    let mut stop_timestamp = None;
    let mut exit_at_end = false;
    let mut exit_on_error = true;
    let mut format = None;
    let mut json = false;
    let mut delimiter = "\n".to_string();
    let mut key_delimiter: Option<String> = None;
    let mut fixed_key = None;
    let mut headers = Vec::new();
    let mut line_mode = false;
    let mut tee = false;
    let mut null_mode = false;
    let mut count = 0;
    let mut metadata_timeout_secs = 5;
    let mut verbosity = 1;
    let mut unbuffered = false;
    let mut queries = Vec::new();
    let mut config = KcatConfig::default();
    let mut serdes = false;
    let mut dump = false;
    let mut config_files_read = 0;
    let mut no_config_search = false;

    let mut getopt = Getopt::new(args);
    while let Some(step) = getopt.next() {
        let (c, value) = match step {
            Step::Option(c, v) => (c, v.unwrap_or_default()),
            Step::Unknown => return Ok(Parsed::Usage("unknown argument".into())),
        };
        match c {
            'P' => mode = Some(Mode::Produce),
            'C' => mode = Some(Mode::Consume),
            'L' => mode = Some(Mode::Metadata),
            'Q' => mode = Some(Mode::Query),
            'G' => {
                mode = Some(Mode::Group);
                config.client.set("group.id", value.clone());
                group = Some(value);
            }
            't' => {
                if mode == Some(Mode::Query) {
                    queries.push(parse_query(&value)?);
                } else {
                    topic = Some(value);
                }
            }
            'p' => {
                let p = atoi(&value);
                partition = (p != -1).then_some(p);
            }
            'b' => {
                brokers = Some(value);
                config.brokers_seen = true;
            }
            'z' => config.set("compression.codec", &value)?,
            'o' => match value.as_str() {
                "end" => offset = Some(StartOffset::End),
                "beginning" => offset = Some(StartOffset::Beginning),
                "stored" => offset = Some(StartOffset::Stored),
                v if v.starts_with("s@") => start_timestamp = Some(strtoll(&v[2..])),
                v if v.starts_with("e@") => stop_timestamp = Some(strtoll(&v[2..])),
                v => {
                    let n = strtoll(v);
                    offset = Some(if n < 0 {
                        StartOffset::Tail(-n)
                    } else {
                        StartOffset::Absolute(n)
                    });
                }
            },
            'e' => exit_at_end = true,
            'E' => exit_on_error = false,
            'f' => format = Some(value),
            'J' => json = true,
            's' | 'r' => serdes = true,
            'D' => delimiter = value,
            'K' => key_delimiter = Some(value),
            'k' => fixed_key = Some(value.into_bytes()),
            'H' => headers.push(parse_header(&value)?),
            'l' => line_mode = true,
            // kcat 1.7.1 accepts -O but prints nothing different for it.
            'O' => {}
            'c' => count = strtoll(&value),
            'm' => metadata_timeout_secs = strtoll(&value),
            'Z' => null_mode = true,
            // librdkafka debug contexts: kbox's own logs are RUST_LOG / --log-level.
            'd' => config.ignored.push(format!("debug={value}")),
            'q' => verbosity = 0,
            'v' => verbosity += 1,
            'T' => tee = true,
            'u' => unbuffered = true,
            'F' => {
                no_config_search = true;
                if value != "-" && value != "none" {
                    read_config(
                        &mut config,
                        &PathBuf::from(&value),
                        true,
                        1,
                        verbosity,
                        notices,
                    )?;
                    config_files_read += 1;
                }
            }
            'X' => {
                if value == "list" || value == "help" {
                    return Ok(Parsed::ListProperties);
                }
                if value == "dump" {
                    dump = true;
                    continue;
                }
                let Some((name, val)) = value.split_once('=') else {
                    return Ok(Parsed::Refused(format!(
                        "% Expected -X property=value, not {value}, use -X list to display available properties\n"
                    )));
                };
                config.set(name, val)?;
            }
            // kcat's self-test: kbox's unit tests cover the same ground.
            'U' => return Ok(Parsed::SelfTest),
            'V' => return Ok(Parsed::Version),
            'h' => return Ok(Parsed::Help),
            _ => return Ok(Parsed::Usage("unknown argument".into())),
        }
    }
    let positional = std::mem::take(&mut getopt.positional);

    if config_files_read == 0 {
        if let Some(path) = &env.kcat_config {
            no_config_search = true;
            read_config(
                &mut config,
                &PathBuf::from(path),
                true,
                1,
                verbosity,
                notices,
            )?;
        } else if let Some(path) = &env.kafkacat_config {
            if verbosity >= 1 {
                notices.push("% KAFKA_CONFIG is deprecated!\n".into());
                notices.push("% Rename KAFKA_CONFIG to KCAT_CONFIG\n".into());
            }
            no_config_search = true;
            read_config(
                &mut config,
                &PathBuf::from(path),
                true,
                1,
                verbosity,
                notices,
            )?;
        }
    }
    if !no_config_search {
        if let Some(home) = &env.home {
            let config_dir = PathBuf::from(home).join(".config");
            let kcat_conf = config_dir.join("kcat.conf");
            let kafkacat_conf = config_dir.join("kafkacat.conf");
            if !read_config(&mut config, &kcat_conf, false, 3, verbosity, notices)?
                && read_config(&mut config, &kafkacat_conf, false, 3, verbosity, notices)?
                && verbosity >= 1
            {
                notices.push("% Configuration filename kafkacat.conf is deprecated!\n".into());
                notices.push(format!(
                    "% Rename {} to {}\n",
                    config_dir.join("kafkacat.conf").display(),
                    config_dir.join("kcat.conf").display()
                ));
            }
        }
    }
    if dump {
        if let Some(b) = &brokers {
            config.client.set("bootstrap.servers", b.clone());
        }
        return Ok(Parsed::Dump(Box::new(config)));
    }
    if !config.brokers_seen {
        return Ok(Parsed::Usage("-b <broker,..> missing".into()));
    }
    let mode = match mode {
        Some(m) => m,
        None => {
            let m = if env.stdin_is_terminal {
                Mode::Consume
            } else {
                Mode::Produce
            };
            if verbosity >= 1 {
                notices.push(format!(
                    "% Auto-selecting {} mode (use -P or -C to override)\n",
                    if m == Mode::Consume {
                        "Consumer"
                    } else {
                        "Producer"
                    }
                ));
            }
            m
        }
    };
    if !matches!(mode, Mode::Group | Mode::Metadata | Mode::Query) && topic.is_none() {
        return Ok(Parsed::Usage("-t <topic> missing".into()));
    }
    if mode == Mode::Query && queries.is_empty() {
        return Ok(Parsed::Usage(
            "-t <topic>:<partition>:<offset_or_timestamp> missing".into(),
        ));
    }
    if let Some(b) = brokers {
        config.client.set("bootstrap.servers", b);
    }
    if serdes {
        return Err(
            "kbox kcat does not support -s deserializers or -r schema registries yet".into(),
        );
    }
    let key_delimiter = key_delimiter.map(|d| parse_delimiter(&d)).transpose()?;
    let delimiter = parse_delimiter(&delimiter)?;
    if mode == Mode::Produce && delimiter.is_empty() {
        return Err("Message delimiter -D must not be empty when producing".into());
    }
    if !positional.is_empty() {
        if !matches!(mode, Mode::Produce | Mode::Group) {
            return Ok(Parsed::Usage(
                "file/topic list only allowed in producer(-P)/kafkaconsumer(-G) mode".into(),
            ));
        }
        if line_mode && positional.len() > 1 {
            return Err("Only one file allowed for line mode (-l)".into());
        }
    }
    if mode == Mode::Group && (start_timestamp.is_some() || stop_timestamp.is_some()) {
        return Err("-o ..@ timestamps can't be used with -G mode\n".into());
    }
    Ok(Parsed::Run(Box::new(Options {
        mode,
        group,
        topic,
        partition,
        offset,
        start_timestamp,
        stop_timestamp,
        exit_at_end,
        exit_on_error,
        format,
        json,
        delimiter,
        key_delimiter,
        fixed_key,
        headers,
        line_mode,
        tee,
        null_mode,
        count,
        metadata_timeout_secs,
        verbosity,
        unbuffered,
        queries,
        config,
        positional,
        serdes,
    })))
}

/// `-Q -t topic:partition:timestamp` (numbers as C's `strtoul`/`strtoll` with base 0 read them;
/// plain decimal here).
fn parse_query(value: &str) -> Result<(String, i32, i64), String> {
    let bad = || "-t: expected \"topic:partition:offset_or_timestamp\"".to_string();
    let (topic, rest) = value.split_once(':').ok_or_else(bad)?;
    let (partition, timestamp) = rest.split_once(':').ok_or_else(bad)?;
    let leading_number = |s: &str| {
        let t = s.trim_start();
        let t = t.strip_prefix(['-', '+']).unwrap_or(t);
        t.starts_with(|c: char| c.is_ascii_digit())
    };
    if !leading_number(partition) || !leading_number(timestamp) {
        return Err(bad());
    }
    Ok((topic.to_string(), atoi(partition), strtoll(timestamp)))
}

/// `-H name=value` or `-H name` (a NULL value).
fn parse_header(value: &str) -> Result<(String, Option<Vec<u8>>), String> {
    if value.is_empty() || value.starts_with('=') {
        return Err("Expected -H \"name=value..\" or -H \"name\"".into());
    }
    Ok(match value.split_once('=') {
        Some((name, v)) => (name.to_string(), Some(v.as_bytes().to_vec())),
        None => (value.to_string(), None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn run(s: &[&str]) -> Options {
        match parse(&args(s), &Environment::default(), &mut Vec::new()).unwrap() {
            Parsed::Run(o) => *o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn getopt_clusters_values_and_permutation() {
        let o = run(&[
            "-b", "h:1", "-qeC", "-tT", "-K:", "-o", "-2", "-p", "3", "-X", "acks=1",
        ]);
        assert_eq!(o.mode, Mode::Consume);
        assert_eq!(o.verbosity, 0);
        assert!(o.exit_at_end);
        assert_eq!(o.topic.as_deref(), Some("T"));
        assert_eq!(o.key_delimiter.as_deref(), Some(&b":"[..]));
        assert_eq!(o.offset, Some(StartOffset::Tail(2)));
        assert_eq!(o.partition, Some(3));
        assert_eq!(o.config.client.get("acks"), Some("1"));
        assert_eq!(o.config.client.get("bootstrap.servers"), Some("h:1"));

        let o = run(&["-b", "h:1", "-G", "g", "t1", "-e", "^t.*", "--", "-x"]);
        assert_eq!(o.mode, Mode::Group);
        assert_eq!(o.positional, ["t1", "^t.*", "-x"]);
        assert!(o.exit_at_end);
        assert_eq!(o.config.client.get("group.id"), Some("g"));

        let o = run(&[
            "-b", "h:1", "-P", "-t", "t", "-p", "-1", "-H", "a=b=c", "-H", "n",
        ]);
        assert_eq!(o.partition, None);
        assert_eq!(
            o.headers,
            vec![("a".into(), Some(b"b=c".to_vec())), ("n".into(), None)]
        );
    }

    #[test]
    fn order_matters_for_query_topics() {
        let o = run(&["-b", "h:1", "-Q", "-t", "t:1:-2", "-t", "u:0:1000"]);
        assert_eq!(o.queries, vec![("t".into(), 1, -2), ("u".into(), 0, 1000)]);
        // -t before -Q is a topic, so -Q then has nothing to query.
        assert!(matches!(
            parse(
                &args(&["-b", "h:1", "-t", "t:1:2", "-Q"]),
                &Environment::default(),
                &mut Vec::new()
            )
            .unwrap(),
            Parsed::Usage(_)
        ));
        assert!(parse(
            &args(&["-b", "h:1", "-Q", "-t", "t:0"]),
            &Environment::default(),
            &mut Vec::new()
        )
        .is_err());
    }

    #[test]
    fn offsets() {
        let o = |v: &str| run(&["-b", "h:1", "-C", "-t", "t", "-o", v]);
        assert_eq!(o("end").offset, Some(StartOffset::End));
        assert_eq!(o("beginning").offset, Some(StartOffset::Beginning));
        assert_eq!(o("stored").offset, Some(StartOffset::Stored));
        assert_eq!(o("12").offset, Some(StartOffset::Absolute(12)));
        assert_eq!(o("junk").offset, Some(StartOffset::Absolute(0)));
        assert_eq!(o("s@1000").start_timestamp, Some(1000));
        assert_eq!(o("e@2000").stop_timestamp, Some(2000));
    }

    #[test]
    fn usage_errors() {
        let env = Environment::default();
        let usage = |s: &[&str]| match parse(&args(s), &env, &mut Vec::new()).unwrap() {
            Parsed::Usage(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(usage(&["-t", "x"]), "-b <broker,..> missing");
        assert_eq!(usage(&["-b", "h:1", "-C"]), "-t <topic> missing");
        assert_eq!(usage(&["-b", "h:1", "-C", "-t"]), "unknown argument");
        assert_eq!(usage(&["-b", "h:1", "-y"]), "unknown argument");
        assert_eq!(
            usage(&["-b", "h:1", "-C", "-t", "t", "file"]),
            "file/topic list only allowed in producer(-P)/kafkaconsumer(-G) mode"
        );
        assert!(matches!(
            parse(&args(&["-b", "h:1", "-X", "acks"]), &env, &mut Vec::new()).unwrap(),
            Parsed::Refused(_)
        ));
        assert!(parse(
            &args(&["-b", "h:1", "-P", "-t", "t", "-D", ""]),
            &env,
            &mut Vec::new()
        )
        .is_err());
        assert!(parse(
            &args(&["-b", "h:1", "-C", "-t", "t", "-s", "i"]),
            &env,
            &mut Vec::new()
        )
        .is_err());
        assert!(parse(
            &args(&["-b", "h:1", "-P", "-t", "t", "-H", "=v"]),
            &env,
            &mut Vec::new()
        )
        .is_err());
    }

    #[test]
    fn mode_is_chosen_from_stdin_when_missing() {
        let mut env = Environment::default();
        let mut notices = Vec::new();
        let o = match parse(&args(&["-b", "h:1", "-t", "t"]), &env, &mut notices).unwrap() {
            Parsed::Run(o) => o,
            other => panic!("{other:?}"),
        };
        assert_eq!(o.mode, Mode::Produce);
        assert_eq!(
            notices,
            ["% Auto-selecting Producer mode (use -P or -C to override)\n"]
        );
        env.stdin_is_terminal = true;
        let mut notices = Vec::new();
        match parse(&args(&["-b", "h:1", "-t", "t", "-q"]), &env, &mut notices).unwrap() {
            Parsed::Run(o) => {
                assert_eq!(o.mode, Mode::Consume);
                assert!(notices.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn config_file_from_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.conf");
        std::fs::write(&path, "bootstrap.servers=f:1\nclient.id=fromfile\n").unwrap();
        let env = Environment {
            kcat_config: Some(path.display().to_string()),
            ..Default::default()
        };
        let mut notices = Vec::new();
        match parse(&args(&["-L"]), &env, &mut notices).unwrap() {
            Parsed::Run(o) => {
                assert_eq!(
                    notices,
                    [format!(
                        "% Reading configuration from file {}\n",
                        path.display()
                    )]
                );
                assert_eq!(o.config.client.get("bootstrap.servers"), Some("f:1"));
                assert_eq!(o.config.client.get("client.id"), Some("fromfile"));
            }
            other => panic!("{other:?}"),
        }
        // "-F none" only turns off ~/.config/kcat.conf: kcat still reads $KCAT_CONFIG.
        assert!(matches!(
            parse(&args(&["-F", "none", "-L"]), &env, &mut Vec::new()).unwrap(),
            Parsed::Run(_)
        ));
        let other = dir.path().join("other.conf");
        std::fs::write(&other, "client.id=other\n").unwrap();
        match parse(
            &args(&["-F", other.to_str().unwrap(), "-L"]),
            &env,
            &mut Vec::new(),
        )
        .unwrap()
        {
            Parsed::Usage(reason) => assert_eq!(reason, "-b <broker,..> missing"),
            other => panic!("{other:?}"),
        }
    }
}
