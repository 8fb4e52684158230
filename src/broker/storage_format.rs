//! Kafka's `meta.properties` and the logic behind `kbox storage random-uuid | format | info`,
//! plus the start-up check that every storage directory is formatted.
//!
//! Every log directory and the metadata log directory hold a `meta.properties`, byte-compatible
//! with Kafka 3.7+ (written by Java's `Properties.store` through a UTF-8 writer):
//!
//! ```text
//! #
//! #Thu Mar 14 09:30:12 UTC 2024
//! node.id=1
//! directory.id=3ysMTX9wQGiCxLMgRF1Wfw
//! version=1
//! cluster.id=MkU3OEVBNTcwNTJENDM2Qk
//! ```
//!
//! It is written atomically: `meta.properties.tmp`, fsync, rename, fsync of the directory.
//!
//! # Format
//!
//! [`format()`] follows Kafka 4.1's `Formatter`: it checks the cluster id (base64url of 16
//! bytes), refuses an already formatted directory unless told to ignore it, and writes
//! `meta.properties` (with a fresh random `directory.id` each) into every empty directory,
//! creating it, in sorted order. The lines it returns are Kafka's:
//!
//! ```text
//! Formatting data directory /data/a with metadata.version 4.1-IV1.
//! Formatting metadata directory /data/meta with metadata.version 4.1-IV1.
//! All of the log directories are already formatted.
//! ```
//!
//! The metadata version printed is [`METADATA_VERSION`], `4.1-IV1`, Kafka 4.1's latest
//! production version (what `kafka-storage.sh format` prints without `--release-version`).
//! Kafka also writes `bootstrap.checkpoint` (feature levels) into the metadata directory, and with
//! `--standalone` / `--initial-controllers` a first quorum snapshot holding the VotersRecord;
//! kbox keeps its metadata in its own log (`broker::metadata`) and writes the initial voters
//! (ids, directory ids, CONTROLLER endpoints) as that log's first entry instead. It gives the
//! metadata directory of an initial voter the voter's directory id, as Kafka does.
//!
//! # Info
//!
//! [`info()`] produces `kafka-storage.sh info` output (`Found log directory:` ..., `Found metadata:
//! {...}`, `Found problem(s):` ...); [`InfoReport::problems_found`] is the exit status.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::broker::config::{format_host_port, BrokerConfig};
use crate::properties::{Properties, PropertiesError};

/// The file name.
pub const META_PROPERTIES: &str = "meta.properties";

/// The `metadata.version` kbox formats with and prints (Kafka 4.1's latest production version).
pub const METADATA_VERSION: &str = "4.1-IV1";

/// A storage problem, in Kafka's words where Kafka has some.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file system operation failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// `format` found a formatted directory and was not told to ignore it.
    #[error("Log directory {} is already formatted. Use --ignore-formatted to ignore this directory and format the others.", dir.display())]
    AlreadyFormatted {
        /// The directory.
        dir: PathBuf,
    },
    /// Every directory failed to read, so nothing can be formatted.
    #[error("No available log directories to format.")]
    NoDirectories,
    /// The cluster id is not a base64url UUID.
    #[error("Cluster ID string {id} does not appear to be a valid UUID: {reason}")]
    InvalidClusterId {
        /// The id given.
        id: String,
        /// Why.
        reason: String,
    },
    /// A storage directory was never formatted (server start). The caller fills in `config`.
    #[error(
        "No readable meta.properties files found in {}. Format the storage first: kbox storage format -t $(kbox storage random-uuid) -c {}",
        dir.display(),
        config.as_ref().map_or_else(|| "<config>".to_string(), |c| c.display().to_string())
    )]
    NotFormatted {
        /// The directory without `meta.properties`.
        dir: PathBuf,
        /// The configuration file to name in the hint.
        config: Option<PathBuf>,
    },
    /// Two directories belong to different clusters.
    #[error("Invalid cluster.id in: {}. Expected {expected}, but read {found}", path.display())]
    ClusterIdMismatch {
        /// The `meta.properties` that disagrees.
        path: PathBuf,
        /// The cluster id of the directories before it.
        expected: String,
        /// Its cluster id.
        found: String,
    },
    /// A directory belongs to another node.
    #[error(
        "Stored node id {stored} doesn't match previous node id {expected} in {}. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.",
        path.display()
    )]
    NodeIdMismatch {
        /// The `meta.properties` that disagrees.
        path: PathBuf,
        /// Its node id.
        stored: i32,
        /// The configured `node.id`.
        expected: i32,
    },
    /// Two directories have the same `directory.id`.
    #[error("Duplicate directory ID {id} found. It was the ID of {}, but also of {}", first.display(), second.display())]
    DuplicateDirectoryId {
        /// The id.
        id: String,
        /// The first directory.
        first: PathBuf,
        /// The second directory.
        second: PathBuf,
    },
    /// A bad `--add-scram` argument, or the metadata log could not take its records.
    #[error("{0}")]
    Bootstrap(String),
    /// A `meta.properties` that cannot be understood.
    #[error("Error loading {}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A version-0 `meta.properties`: the directory belongs to a ZooKeeper-mode broker.
    #[error("{} was written by a ZooKeeper-mode broker (meta.properties version 0); kbox runs in KRaft mode only", path.display())]
    LegacyFormat {
        /// The file.
        path: PathBuf,
    },
    /// The quorum options do not fit the configuration (`--standalone`, `--initial-controllers`).
    #[error("{0}")]
    Quorum(String),
    /// The file could not be parsed.
    #[error(transparent)]
    Properties(#[from] PropertiesError),
}

impl StorageError {
    /// Fills in the configuration path of a [`StorageError::NotFormatted`] hint.
    pub fn with_config_path(self, config: &Path) -> Self {
        match self {
            StorageError::NotFormatted { dir, .. } => StorageError::NotFormatted {
                dir,
                config: Some(config.to_path_buf()),
            },
            other => other,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Kafka UUIDs
// ---------------------------------------------------------------------------------------------

fn uuid_engine() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

/// Kafka reserves the UUIDs whose high 64 bits are zero and low 64 bits below 100 (the zero
/// UUID, the metadata topic id, and the special directory ids).
fn is_reserved(bytes: &[u8; 16]) -> bool {
    bytes[..8].iter().all(|&b| b == 0)
        && u64::from_be_bytes([
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
        ]) < 100
}

/// Kafka's text form of a UUID (topic ids, directory ids): base64 URL-safe without padding.
pub fn uuid_to_kafka_string(id: uuid::Uuid) -> String {
    uuid_engine().encode(id.as_bytes())
}

/// Parses Kafka's text form of a UUID (22 characters of base64url).
pub fn uuid_from_kafka_string(text: &str) -> std::result::Result<uuid::Uuid, String> {
    let bytes = uuid_engine()
        .decode(text.trim())
        .map_err(|e| format!("invalid UUID {text}: {e}"))?;
    let bytes: [u8; 16] = bytes
        .try_into()
        .map_err(|_| format!("invalid UUID {text}: not 16 bytes"))?;
    Ok(uuid::Uuid::from_bytes(bytes))
}

/// Kafka's `Uuid.randomUuid().toString()`: 16 random bytes in base64url without padding
/// (22 characters), never starting with `-` (it would read as a command-line option) and never
/// a reserved id.
pub fn random_uuid() -> String {
    let engine = uuid_engine();
    loop {
        let bytes = *uuid::Uuid::new_v4().as_bytes();
        let text = engine.encode(bytes);
        if !text.starts_with('-') && !is_reserved(&bytes) {
            return text;
        }
    }
}

/// Kafka's `Uuid.fromString`: base64url (padding optional) of exactly 16 bytes.
///
/// # Errors
///
/// Kafka's `IllegalArgumentException` messages, as text.
pub fn parse_uuid(text: &str) -> Result<[u8; 16], String> {
    if text.chars().count() > 24 {
        let prefix: String = text.chars().take(24).collect();
        return Err(format!(
            "Input string with prefix `{prefix}` is too long to be decoded as a base64 UUID"
        ));
    }
    let bytes = uuid_engine()
        .decode(text)
        .map_err(|e| format!("Input string `{text}` is not valid base64url: {e}"))?;
    <[u8; 16]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "Input string `{text}` decoded as {} bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID",
            bytes.len()
        )
    })
}

/// Checks a cluster id for `format`.
///
/// # Errors
///
/// [`StorageError::InvalidClusterId`].
pub fn validate_cluster_id(id: &str) -> Result<(), StorageError> {
    let bytes = parse_uuid(id).map_err(|reason| StorageError::InvalidClusterId {
        id: id.to_string(),
        reason,
    })?;
    if is_reserved(&bytes) {
        return Err(StorageError::InvalidClusterId {
            id: id.to_string(),
            reason: "it is a reserved UUID".into(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// meta.properties
// ---------------------------------------------------------------------------------------------

/// The content of a (version 1) `meta.properties`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaProperties {
    /// Always 1 (KRaft).
    pub version: u32,
    /// `cluster.id`.
    pub cluster_id: String,
    /// `node.id`.
    pub node_id: i32,
    /// `directory.id` (absent in files written before Kafka 3.7).
    pub directory_id: Option<String>,
}

impl MetaProperties {
    /// A version-1 record.
    pub fn new(cluster_id: impl Into<String>, node_id: i32, directory_id: Option<String>) -> Self {
        MetaProperties {
            version: 1,
            cluster_id: cluster_id.into(),
            node_id,
            directory_id,
        }
    }

    /// Reads the fields from parsed properties; `path` only shapes errors.
    ///
    /// # Errors
    ///
    /// [`StorageError::LegacyFormat`] for version 0, [`StorageError::Malformed`] otherwise.
    pub fn from_properties(props: &Properties, path: &Path) -> Result<Self, StorageError> {
        let malformed = |message: String| StorageError::Malformed {
            path: path.to_path_buf(),
            message,
        };
        match props.get("version").map(str::trim).unwrap_or("0") {
            "1" => {}
            "0" => {
                return Err(StorageError::LegacyFormat {
                    path: path.to_path_buf(),
                })
            }
            other => {
                return Err(malformed(format!(
                    "Unknown meta.properties version number {other}"
                )))
            }
        }
        let node_id = props
            .get("node.id")
            .ok_or_else(|| malformed("Failed to find required property node.id.".into()))?;
        let node_id: i32 = node_id
            .trim()
            .parse()
            .map_err(|_| malformed("Unable to read node.id as a base-10 number.".into()))?;
        let cluster_id = props
            .get("cluster.id")
            .ok_or_else(|| {
                malformed("cluster.id was not specified in the v1 meta.properties file.".into())
            })?
            .to_string();
        let directory_id = match props.get("directory.id") {
            None => None,
            Some(d) => {
                parse_uuid(d).map_err(|e| {
                    malformed(format!("Unable to read directory.id as a Uuid: {e}"))
                })?;
                Some(d.to_string())
            }
        };
        Ok(MetaProperties {
            version: 1,
            cluster_id,
            node_id,
            directory_id,
        })
    }

    /// The properties, in the order Kafka's files show them.
    pub fn to_properties(&self) -> Properties {
        let mut props = Properties::new();
        props.set("node.id", self.node_id.to_string());
        if let Some(d) = &self.directory_id {
            props.set("directory.id", d.clone());
        }
        props.set("version", self.version.to_string());
        props.set("cluster.id", self.cluster_id.clone());
        props
    }

    /// `{cluster.id=…, directory.id=…, node.id=…, version=1}`: Java's `TreeMap.toString`, as
    /// `kafka-storage.sh info` prints it.
    pub fn to_sorted_string(&self) -> String {
        let mut entries: Vec<(String, String)> = self.to_properties().into_iter().collect();
        entries.sort();
        let inner: Vec<String> = entries
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{{{}}}", inner.join(", "))
    }

    /// Reads `dir/meta.properties`; `Ok(None)` when the directory or the file does not exist.
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`] when it cannot be read, [`StorageError::Malformed`] /
    /// [`StorageError::LegacyFormat`] when it cannot be understood.
    pub fn read(dir: &Path) -> Result<Option<Self>, StorageError> {
        let path = dir.join(META_PROPERTIES);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let props = Properties::parse_bytes(&bytes).map_err(|e| StorageError::Malformed {
            path: path.clone(),
            message: e.to_string(),
        })?;
        MetaProperties::from_properties(&props, &path).map(Some)
    }

    /// Writes `dir/meta.properties` atomically (the directory must exist).
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`]; the previous file, if any, is then intact.
    pub fn write(&self, dir: &Path) -> Result<(), StorageError> {
        let text = self
            .to_properties()
            .store(Some(""), Some(SystemTime::now()));
        write_atomically(&dir.join(META_PROPERTIES), text.as_bytes())
    }
}

fn write_atomically(path: &Path, content: &[u8]) -> Result<(), StorageError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    {
        let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(content).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err(path))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io_err(parent))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// format
// ---------------------------------------------------------------------------------------------

/// One initial controller of a dynamic quorum: `id@host:port:directoryId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialController {
    /// Its node id.
    pub node_id: i32,
    /// Host (no brackets).
    pub host: String,
    /// Controller listener port.
    pub port: u16,
    /// The directory id of its metadata directory.
    pub directory_id: String,
}

impl InitialController {
    /// Parses `--initial-controllers`: `id@host:port:directoryId,...` (`[v6]` hosts allowed), with
    /// Kafka's `DynamicVoters.parse` messages.
    ///
    /// # Errors
    ///
    /// [`StorageError::Quorum`].
    pub fn parse_list(text: &str) -> Result<Vec<InitialController>, StorageError> {
        let mut out: Vec<InitialController> = Vec::new();
        for item in text.split(',') {
            let voter = InitialController::parse(item).map_err(|m| {
                StorageError::Quorum(format!("Failed to parse --initial-controllers: {m}"))
            })?;
            if out.iter().any(|v| v.node_id == voter.node_id) {
                return Err(StorageError::Quorum(format!(
                    "Failed to parse --initial-controllers: Node id {} was specified more than once.",
                    voter.node_id
                )));
            }
            out.push(voter);
        }
        Ok(out)
    }

    fn parse(input: &str) -> Result<InitialController, String> {
        let input = input.trim();
        let (id, rest) = input
            .split_once('@')
            .ok_or("No @ found in dynamic voter string.")?;
        if id.is_empty() {
            return Err("Invalid @ at beginning of dynamic voter string.".into());
        }
        let node_id: i32 = id
            .parse()
            .map_err(|_| "Failed to parse node id in dynamic voter string.")?;
        if node_id < 0 {
            return Err(format!(
                "Invalid negative node id {node_id} in dynamic voter string."
            ));
        }
        if rest.is_empty() {
            return Err("No hostname found after node id.".into());
        }
        let (host, rest) = if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or("Hostname began with left bracket, but no right bracket was found.")?;
            (&r[..end], &r[end + 1..])
        } else {
            let end = rest
                .find(':')
                .ok_or("No colon following hostname could be found.")?;
            (&rest[..end], &rest[end..])
        };
        let rest = rest
            .strip_prefix(':')
            .ok_or("Port section must start with a colon.")?;
        let (port, dir) = rest
            .split_once(':')
            .ok_or("No colon following port could be found.")?;
        let port: i64 = port
            .parse()
            .map_err(|_| "Failed to parse port in dynamic voter string.")?;
        let port = u16::try_from(port)
            .map_err(|_| format!("Invalid port {port} in dynamic voter string."))?;
        let bytes = parse_uuid(dir)
            .map_err(|e| format!("Failed to parse directory ID in dynamic voter string: {e}"))?;
        if is_reserved(&bytes) {
            return Err(format!(
                "Invalid reserved directory ID {dir} in dynamic voter string."
            ));
        }
        Ok(InitialController {
            node_id,
            host: host.to_string(),
            port,
            directory_id: dir.to_string(),
        })
    }
}

/// How the first controller quorum is set up (`kafka-storage.sh format` options).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum InitialQuorum {
    /// No option: a static quorum from `controller.quorum.voters` (required on a controller).
    #[default]
    Static,
    /// `--standalone`: this controller alone forms a dynamic quorum.
    Standalone,
    /// `--initial-controllers id@host:port:dirId,...`.
    InitialControllers(Vec<InitialController>),
    /// `--no-initial-controllers`: join an existing dynamic quorum later.
    NoInitialControllers,
}

const QUORUM_CONFLICT: &str = "You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone. If you want to use dynamic quorum, please remove controller.quorum.voters and specify controller.quorum.bootstrap.servers instead.";

/// The dynamic voters to format with, per Kafka's `StorageTool` rules.
fn initial_voters(
    cfg: &BrokerConfig,
    quorum: &InitialQuorum,
) -> Result<Option<Vec<InitialController>>, StorageError> {
    let static_voters = !cfg.controller_quorum_voters.is_empty();
    match quorum {
        InitialQuorum::Static => {
            if cfg.is_controller() && !static_voters {
                return Err(StorageError::Quorum(
                    "Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.".into(),
                ));
            }
            Ok(None)
        }
        InitialQuorum::NoInitialControllers => Ok(None),
        InitialQuorum::Standalone => {
            if static_voters {
                return Err(StorageError::Quorum(QUORUM_CONFLICT.into()));
            }
            if !cfg.is_controller() {
                return Err(StorageError::Quorum(
                    "You can only use --standalone on a controller.".into(),
                ));
            }
            let listener = cfg
                .advertised_controller_listeners
                .first()
                .ok_or_else(|| StorageError::Quorum("No controller listeners found.".into()))?;
            Ok(Some(vec![InitialController {
                node_id: cfg.node_id,
                host: listener.host.clone().unwrap_or_else(|| "localhost".into()),
                port: listener.port,
                directory_id: random_uuid(),
            }]))
        }
        InitialQuorum::InitialControllers(list) => {
            if static_voters {
                return Err(StorageError::Quorum(QUORUM_CONFLICT.into()));
            }
            Ok(Some(list.clone()))
        }
    }
}

/// `kbox storage format`: writes `meta.properties` into every log directory and the metadata log
/// directory that lacks one, and returns the lines to print.
///
/// # Errors
///
/// [`StorageError::InvalidClusterId`], [`StorageError::Quorum`],
/// [`StorageError::AlreadyFormatted`] (without `ignore_formatted`),
/// [`StorageError::NoDirectories`], [`StorageError::Io`].
pub fn format(
    cfg: &BrokerConfig,
    cluster_id: &str,
    ignore_formatted: bool,
    quorum: &InitialQuorum,
) -> Result<Vec<String>, StorageError> {
    format_with_records(cfg, cluster_id, ignore_formatted, quorum, &[])
}

/// As [`format`], and writes `records` (e.g. `--add-scram` credentials) into the metadata log
/// of a newly formatted metadata directory, as Kafka puts them in its bootstrap checkpoint.
///
/// # Errors
///
/// As [`format`], and [`StorageError::Bootstrap`] when the records cannot be written.
pub fn format_with_records(
    cfg: &BrokerConfig,
    cluster_id: &str,
    ignore_formatted: bool,
    quorum: &InitialQuorum,
    records: &[crate::broker::metadata::MetadataRecord],
) -> Result<Vec<String>, StorageError> {
    validate_cluster_id(cluster_id)?;
    let voters = initial_voters(cfg, quorum)?;
    let mut lines = Vec::new();
    let mut formatted: Vec<(PathBuf, MetaProperties)> = Vec::new();
    let mut empty: Vec<PathBuf> = Vec::new();
    let mut failed: Vec<PathBuf> = Vec::new();
    for dir in cfg.storage_dirs() {
        match MetaProperties::read(&dir) {
            Ok(Some(meta)) => formatted.push((dir, meta)),
            Ok(None) => empty.push(dir),
            Err(_) => failed.push(dir),
        }
    }
    if !ignore_formatted {
        if let Some((dir, _)) = formatted.first() {
            return Err(StorageError::AlreadyFormatted { dir: dir.clone() });
        }
    }
    for dir in &failed {
        lines.push(format!(
            "I/O error trying to read log directory {}. Ignoring...",
            dir.display()
        ));
    }
    if empty.is_empty() {
        if formatted.is_empty() {
            return Err(StorageError::NoDirectories);
        }
        lines.push("All of the log directories are already formatted.".into());
        return Ok(lines);
    }
    let mut used_ids: Vec<String> = formatted
        .iter()
        .filter_map(|(_, m)| m.directory_id.clone())
        .collect();
    for dir in empty {
        let (kind, directory_id) = if dir != cfg.metadata_log_dir {
            ("data directory", None)
        } else {
            match voters
                .as_ref()
                .map(|v| v.iter().find(|c| c.node_id == cfg.node_id))
            {
                None => ("metadata directory", None),
                Some(None) => ("dynamic metadata directory", None),
                Some(Some(me)) => (
                    "dynamic metadata voter directory",
                    Some(me.directory_id.clone()),
                ),
            }
        };
        let directory_id = directory_id.unwrap_or_else(|| loop {
            let id = random_uuid();
            if !used_ids.contains(&id) {
                break id;
            }
        });
        used_ids.push(directory_id.clone());
        lines.push(format!(
            "Formatting {kind} {} with metadata.version {METADATA_VERSION}.",
            dir.display()
        ));
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        MetaProperties::new(cluster_id, cfg.node_id, Some(directory_id)).write(&dir)?;
        // A dynamic quorum's first entry names its initial voters (Kafka's bootstrap snapshot
        // holds its VotersRecord): every initial controller formats the same one.
        let mut first_entry: Vec<crate::broker::metadata::MetadataRecord> = Vec::new();
        if let Some(voters) = voters.as_ref().filter(|_| dir == cfg.metadata_log_dir) {
            first_entry.push(crate::broker::metadata::MetadataRecord::Voters {
                voters: voters.iter().map(|v| v.node_id).collect(),
                endpoints: voters
                    .iter()
                    .map(|v| crate::broker::metadata::VoterEndpoint {
                        id: v.node_id,
                        directory_id: v.directory_id.clone(),
                        host: v.host.clone(),
                        port: v.port,
                    })
                    .collect(),
            });
        }
        first_entry.extend(records.iter().cloned());
        let records = &first_entry[..];
        if dir == cfg.metadata_log_dir && !records.is_empty() {
            let bootstrap = |e: crate::Error| {
                StorageError::Bootstrap(format!("cannot write the initial metadata records: {e}"))
            };
            let (mut log, _) = crate::broker::metadata::MetadataLog::open(&dir, true, 1 << 30)
                .map_err(bootstrap)?;
            // Term 0: written before any controller was elected (every node formatted with
            // the same --add-scram holds the same first entry).
            log.append(0, records).map_err(bootstrap)?;
            log.close().map_err(bootstrap)?;
        }
    }
    Ok(lines)
}

/// Parses one `--add-scram` argument as kafka-storage.sh does:
/// `SCRAM-SHA-256=[name=alice,password=alice-secret]`, or with `iterations=`, or a
/// `salt=` and `saltedpassword=` (base64) instead of the password.
///
/// # Errors
///
/// [`StorageError::Bootstrap`] naming what is wrong.
pub fn parse_add_scram(arg: &str) -> Result<crate::broker::metadata::MetadataRecord, StorageError> {
    use crate::security::scram::{ScramMechanism, MAX_ITERATIONS, MIN_ITERATIONS};
    use base64::Engine;
    let bad = |m: String| StorageError::Bootstrap(m);
    let (mechanism, body) = arg.split_once('=').ok_or_else(|| {
        bad(format!(
            "Invalid --add-scram argument {arg}: expected MECHANISM=[name=...,password=...]"
        ))
    })?;
    let mechanism = ScramMechanism::from_name(mechanism.trim()).ok_or_else(|| {
        bad(format!(
            "The add-scram mechanism {mechanism} is not supported."
        ))
    })?;
    let body = body
        .trim()
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .ok_or_else(|| {
            bad(format!(
                "Expected configuration string to start with [ and end with ]: {body}"
            ))
        })?;
    let mut fields = std::collections::HashMap::new();
    for item in body.split(',').filter(|i| !i.trim().is_empty()) {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| bad(format!("Unable to find an equals sign in {item}")))?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .unwrap_or(v);
        fields.insert(k.trim().to_ascii_lowercase(), v.to_string());
    }
    let name = fields
        .remove("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("You must supply 'name' to add-scram".into()))?;
    let iterations: i32 = match fields.remove("iterations") {
        None => MIN_ITERATIONS,
        Some(i) => i
            .parse()
            .map_err(|_| bad(format!("Invalid iterations {i}")))?,
    };
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(bad(format!(
            "The 'iterations' value must be >= {MIN_ITERATIONS} and <= {MAX_ITERATIONS} for add-scram using {}",
            mechanism.name()
        )));
    }
    let b64 = |key: &str, v: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(v)
            .map_err(|_| bad(format!("The '{key}' value is not base64: {v}")))
    };
    let credential = match (fields.remove("password"), fields.remove("saltedpassword")) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "You may not supply both 'password' and 'saltedpassword' to add-scram".into(),
            ))
        }
        (Some(password), None) => match fields.remove("salt") {
            Some(salt) => {
                let salt = b64("salt", &salt)?;
                let salted = mechanism.salted_password(password.as_bytes(), &salt, iterations);
                mechanism.credential(&salted, &salt, iterations)
            }
            None => mechanism.new_credential(&password, iterations),
        },
        (None, Some(salted)) => {
            let salt = fields.remove("salt").ok_or_else(|| {
                bad("You must supply 'salt' with 'saltedpassword' to add-scram".into())
            })?;
            mechanism.credential(
                &b64("saltedpassword", &salted)?,
                &b64("salt", &salt)?,
                iterations,
            )
        }
        (None, None) => {
            return Err(bad(
                "You must supply one of 'password' or 'saltedpassword' to add-scram".into(),
            ))
        }
    };
    if let Some(other) = fields.keys().next() {
        return Err(bad(format!("Unknown add-scram field {other}")));
    }
    Ok(crate::broker::metadata::MetadataRecord::scram_credential(
        &name,
        mechanism,
        &credential,
    ))
}

// ---------------------------------------------------------------------------------------------
// info
// ---------------------------------------------------------------------------------------------

/// What `kbox storage info` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoReport {
    /// The directories that exist, sorted.
    pub directories: Vec<PathBuf>,
    /// The first readable `meta.properties`.
    pub metadata: Option<MetaProperties>,
    /// The problems, as Kafka words them.
    pub problems: Vec<String>,
    /// The output, line by line (blank lines included), as `kafka-storage.sh info` prints it.
    pub lines: Vec<String>,
}

impl InfoReport {
    /// True when a problem was found (the command exits with 1).
    pub fn problems_found(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// `kbox storage info`: the storage directories, their `meta.properties`, and any problems.
pub fn info(cfg: &BrokerConfig) -> InfoReport {
    let mut directories = Vec::new();
    let mut problems = Vec::new();
    let mut metadata: Option<MetaProperties> = None;
    let mut legacy = false;
    for dir in cfg.storage_dirs() {
        if !dir.is_dir() {
            problems.push(if dir.exists() {
                format!("{} is not a directory", dir.display())
            } else {
                format!("{} does not exist", dir.display())
            });
            continue;
        }
        directories.push(dir.clone());
        let path = dir.join(META_PROPERTIES);
        if !path.exists() {
            problems.push(format!("{} is not formatted.", dir.display()));
            continue;
        }
        match MetaProperties::read(&dir) {
            Ok(Some(meta)) => match &metadata {
                None => metadata = Some(meta),
                Some(prev) if prev.cluster_id != meta.cluster_id => {
                    problems.push("Mismatched cluster IDs between storage directories.".into());
                }
                Some(prev) if prev.node_id != meta.node_id => {
                    problems.push("Mismatched node IDs between storage directories.".into());
                }
                Some(_) => {}
            },
            Ok(None) => problems.push(format!("{} is not formatted.", dir.display())),
            Err(StorageError::LegacyFormat { .. }) => legacy = true,
            Err(StorageError::Malformed { message, .. }) => {
                problems.push(format!("Error loading {}: {message}", path.display()))
            }
            Err(e) => problems.push(format!("Error loading {}: {e}", path.display())),
        }
    }
    if legacy {
        problems.push(
            "The kafka configuration file appears to be for a cluster in KRaft mode, but the directories are formatted for legacy mode.".into(),
        );
    }
    let mut lines = Vec::new();
    if !directories.is_empty() {
        lines.push(
            if directories.len() == 1 {
                "Found log directory:"
            } else {
                "Found log directories:"
            }
            .to_string(),
        );
        lines.extend(directories.iter().map(|d| format!("  {}", d.display())));
        lines.push(String::new());
    }
    if let Some(meta) = &metadata {
        lines.push(format!("Found metadata: {}", meta.to_sorted_string()));
        lines.push(String::new());
    }
    if !problems.is_empty() {
        lines.push(
            if problems.len() == 1 {
                "Found problem:"
            } else {
                "Found problems:"
            }
            .to_string(),
        );
        lines.extend(problems.iter().map(|p| format!("  {p}")));
        lines.push(String::new());
    }
    InfoReport {
        directories,
        metadata,
        problems,
        lines,
    }
}

// ---------------------------------------------------------------------------------------------
// Start-up check
// ---------------------------------------------------------------------------------------------

/// Checks, before the server starts, that every storage directory is formatted for this node and
/// one cluster, as Kafka's `MetaPropertiesEnsemble.verify` does. A directory formatted before
/// Kafka 3.7 (no `directory.id`) gets one written, as Kafka does at start-up.
///
/// Returns the metadata log directory's `meta.properties`.
///
/// # Errors
///
/// [`StorageError::NotFormatted`] (call [`StorageError::with_config_path`] to name the config
/// file in the hint), [`StorageError::ClusterIdMismatch`], [`StorageError::NodeIdMismatch`],
/// [`StorageError::DuplicateDirectoryId`], [`StorageError::Malformed`],
/// [`StorageError::LegacyFormat`], [`StorageError::Io`].
pub fn check_formatted(cfg: &BrokerConfig) -> Result<MetaProperties, StorageError> {
    let mut metas: Vec<(PathBuf, MetaProperties)> = Vec::new();
    for dir in cfg.storage_dirs() {
        match MetaProperties::read(&dir)? {
            Some(meta) => metas.push((dir, meta)),
            None => return Err(StorageError::NotFormatted { dir, config: None }),
        }
    }
    let mut cluster: Option<String> = None;
    let mut seen: Vec<(String, PathBuf)> = Vec::new();
    for (dir, meta) in &metas {
        let path = dir.join(META_PROPERTIES);
        match &cluster {
            None => cluster = Some(meta.cluster_id.clone()),
            Some(expected) if *expected != meta.cluster_id => {
                return Err(StorageError::ClusterIdMismatch {
                    path,
                    expected: expected.clone(),
                    found: meta.cluster_id.clone(),
                });
            }
            Some(_) => {}
        }
        if meta.node_id != cfg.node_id {
            return Err(StorageError::NodeIdMismatch {
                path,
                stored: meta.node_id,
                expected: cfg.node_id,
            });
        }
        if let Some(id) = &meta.directory_id {
            if parse_uuid(id).map(|b| is_reserved(&b)).unwrap_or(true) {
                return Err(StorageError::Malformed {
                    path,
                    message: format!("Invalid reserved directory ID {id}"),
                });
            }
            if let Some((_, first)) = seen.iter().find(|(seen_id, _)| seen_id == id) {
                return Err(StorageError::DuplicateDirectoryId {
                    id: id.clone(),
                    first: first.clone(),
                    second: dir.clone(),
                });
            }
            seen.push((id.clone(), dir.clone()));
        }
    }
    for (dir, meta) in &mut metas {
        if meta.directory_id.is_none() {
            let id = loop {
                let id = random_uuid();
                if !seen.iter().any(|(s, _)| *s == id) {
                    break id;
                }
            };
            seen.push((id.clone(), dir.clone()));
            meta.directory_id = Some(id);
            meta.write(dir)?;
        }
    }
    let metadata_dir = &cfg.metadata_log_dir;
    metas
        .into_iter()
        .find(|(d, _)| d == metadata_dir)
        .map(|(_, m)| m)
        .ok_or_else(|| StorageError::NotFormatted {
            dir: metadata_dir.clone(),
            config: None,
        })
}

/// The host:port a standalone controller would register (for messages), or `None`.
pub fn standalone_controller_endpoint(cfg: &BrokerConfig) -> Option<String> {
    cfg.advertised_controller_listeners
        .first()
        .map(|l| format_host_port(l.host.as_deref().unwrap_or("localhost"), l.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg_for(dirs: &[&Path], meta: Option<&Path>, extra: &[(&str, &str)]) -> BrokerConfig {
        let log_dirs = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(",");
        let mut pairs: Vec<(String, String)> = vec![
            ("process.roles".into(), "broker,controller".into()),
            ("node.id".into(), "1".into()),
            ("controller.quorum.voters".into(), "1@localhost:9093".into()),
            (
                "listeners".into(),
                "PLAINTEXT://:9092,CONTROLLER://:9093".into(),
            ),
            ("controller.listener.names".into(), "CONTROLLER".into()),
            ("log.dirs".into(), log_dirs),
        ];
        if let Some(m) = meta {
            pairs.push(("metadata.log.dir".into(), m.display().to_string()));
        }
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        BrokerConfig::from_pairs(pairs).expect("valid config")
    }

    #[test]
    fn random_uuids() {
        for _ in 0..2000 {
            let id = random_uuid();
            assert_eq!(id.len(), 22);
            assert!(!id.starts_with('-'));
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{id}"
            );
            assert!(validate_cluster_id(&id).is_ok());
        }
        assert_ne!(random_uuid(), random_uuid());
    }

    #[test]
    fn uuid_parsing() {
        assert!(parse_uuid("q1Sh-9_ISia_zwGINzRvyQ").is_ok());
        assert!(
            parse_uuid("q1Sh-9_ISia_zwGINzRvyQ==").is_ok(),
            "padding is optional"
        );
        assert_eq!(
            parse_uuid("abc").unwrap_err(),
            "Input string `abc` decoded as 2 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID"
        );
        assert!(parse_uuid("0123456789012345678901234")
            .unwrap_err()
            .contains("is too long"));
        assert!(
            parse_uuid("q1Sh+9/ISia/zwGINzRvyQ").is_err(),
            "standard alphabet is refused"
        );
        assert_eq!(
            validate_cluster_id("not a uuid").unwrap_err().to_string(),
            "Cluster ID string not a uuid does not appear to be a valid UUID: Input string `not a uuid` is not valid base64url: Invalid symbol 32, offset 3."
        );
        assert!(
            validate_cluster_id("AAAAAAAAAAAAAAAAAAAAAA").is_err(),
            "zero uuid is reserved"
        );
        assert!(
            validate_cluster_id("AAAAAAAAAAAAAAAAAAAAAQ").is_err(),
            "metadata topic id is reserved"
        );
    }

    #[test]
    fn meta_properties_file_format() {
        let dir = tempfile::tempdir().unwrap();
        let meta = MetaProperties::new(
            "MkU3OEVBNTcwNTJENDM2Qk",
            1,
            Some("3ysMTX9wQGiCxLMgRF1Wfw".into()),
        );
        meta.write(dir.path()).unwrap();
        let text = fs::read_to_string(dir.path().join(META_PROPERTIES)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "#");
        assert!(
            lines[1].starts_with('#') && lines[1].contains(" UTC "),
            "{}",
            lines[1]
        );
        assert_eq!(
            &lines[2..],
            &[
                "node.id=1",
                "directory.id=3ysMTX9wQGiCxLMgRF1Wfw",
                "version=1",
                "cluster.id=MkU3OEVBNTcwNTJENDM2Qk"
            ]
        );
        assert!(!dir.path().join("meta.properties.tmp").exists());
        assert_eq!(
            MetaProperties::read(dir.path()).unwrap(),
            Some(meta.clone())
        );
        assert_eq!(
            meta.to_sorted_string(),
            "{cluster.id=MkU3OEVBNTcwNTJENDM2Qk, directory.id=3ysMTX9wQGiCxLMgRF1Wfw, node.id=1, version=1}"
        );
        assert_eq!(
            MetaProperties::read(&dir.path().join("missing")).unwrap(),
            None
        );
    }

    #[test]
    fn meta_properties_errors() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| fs::write(dir.path().join(META_PROPERTIES), text).unwrap();
        write("version=1\ncluster.id=x\n");
        assert!(MetaProperties::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("Failed to find required property node.id."));
        write("version=1\nnode.id=x\ncluster.id=x\n");
        assert!(MetaProperties::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("Unable to read node.id"));
        write("version=1\nnode.id=1\n");
        assert!(MetaProperties::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("cluster.id was not specified"));
        write("version=7\nnode.id=1\n");
        assert!(MetaProperties::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("Unknown meta.properties version number 7"));
        write("broker.id=0\ncluster.id=x\n");
        assert!(matches!(
            MetaProperties::read(dir.path()),
            Err(StorageError::LegacyFormat { .. })
        ));
        write("version=1\nnode.id=1\ncluster.id=x\ndirectory.id=bad\n");
        assert!(MetaProperties::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("Unable to read directory.id as a Uuid"));
        // Written by Kafka before 3.7: no directory.id.
        write("#\n#Tue Jan 02 10:00:00 UTC 2024\nnode.id=1\nversion=1\ncluster.id=x\n");
        assert_eq!(
            MetaProperties::read(dir.path()).unwrap(),
            Some(MetaProperties::new("x", 1, None))
        );
    }

    #[test]
    fn format_then_info_round_trip() {
        let root = tempfile::tempdir().unwrap();
        let (a, b, m) = (
            root.path().join("a"),
            root.path().join("b"),
            root.path().join("meta"),
        );
        let cfg = cfg_for(&[&a, &b], Some(&m), &[]);
        let cluster = random_uuid();
        let lines = format(&cfg, &cluster, false, &InitialQuorum::Static).unwrap();
        assert_eq!(
            lines,
            vec![
                format!(
                    "Formatting data directory {} with metadata.version 4.1-IV1.",
                    a.display()
                ),
                format!(
                    "Formatting data directory {} with metadata.version 4.1-IV1.",
                    b.display()
                ),
                format!(
                    "Formatting metadata directory {} with metadata.version 4.1-IV1.",
                    m.display()
                ),
            ]
        );
        let metas: Vec<MetaProperties> = [&a, &b, &m]
            .iter()
            .map(|d| MetaProperties::read(d).unwrap().unwrap())
            .collect();
        assert!(metas
            .iter()
            .all(|x| x.cluster_id == cluster && x.node_id == 1 && x.version == 1));
        let ids: Vec<&String> = metas
            .iter()
            .map(|x| x.directory_id.as_ref().unwrap())
            .collect();
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
        assert!(ids.iter().all(|id| id.len() == 22));

        let report = info(&cfg);
        assert!(!report.problems_found());
        assert_eq!(report.directories, vec![a.clone(), b.clone(), m.clone()]);
        assert_eq!(
            report.lines,
            vec![
                "Found log directories:".to_string(),
                format!("  {}", a.display()),
                format!("  {}", b.display()),
                format!("  {}", m.display()),
                String::new(),
                format!("Found metadata: {{cluster.id={cluster}, directory.id={}, node.id=1, version=1}}", ids[0]),
                String::new(),
            ]
        );

        let meta = check_formatted(&cfg).unwrap();
        assert_eq!(
            meta.directory_id.as_ref(),
            Some(ids[2]),
            "the metadata dir's meta.properties"
        );
    }

    #[test]
    fn single_directory_wording() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("data");
        let cfg = cfg_for(&[&d], None, &[]);
        let lines = format(&cfg, &random_uuid(), false, &InitialQuorum::Static).unwrap();
        assert_eq!(
            lines,
            vec![format!(
                "Formatting metadata directory {} with metadata.version 4.1-IV1.",
                d.display()
            )]
        );
        let report = info(&cfg);
        assert_eq!(report.lines[0], "Found log directory:");
    }

    #[test]
    fn already_formatted_and_ignore_formatted() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        let cluster = random_uuid();
        format(
            &cfg_for(&[&a], None, &[]),
            &cluster,
            false,
            &InitialQuorum::Static,
        )
        .unwrap();
        let cfg = cfg_for(&[&a, &b], None, &[]);
        let err = format(&cfg, &cluster, false, &InitialQuorum::Static).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("Log directory {} is already formatted. Use --ignore-formatted to ignore this directory and format the others.", a.display())
        );
        assert!(!b.exists(), "nothing is written when refusing");
        let lines = format(&cfg, &cluster, true, &InitialQuorum::Static).unwrap();
        assert_eq!(
            lines,
            vec![format!(
                "Formatting data directory {} with metadata.version 4.1-IV1.",
                b.display()
            )]
        );
        let lines = format(&cfg, &cluster, true, &InitialQuorum::Static).unwrap();
        assert_eq!(
            lines,
            vec!["All of the log directories are already formatted.".to_string()]
        );
        let ids: Vec<String> = [&a, &b]
            .iter()
            .map(|d| {
                MetaProperties::read(d)
                    .unwrap()
                    .unwrap()
                    .directory_id
                    .unwrap()
            })
            .collect();
        assert_ne!(ids[0], ids[1]);
    }

    #[test]
    fn format_rejects_bad_cluster_id() {
        let root = tempfile::tempdir().unwrap();
        let cfg = cfg_for(&[&root.path().join("a")], None, &[]);
        assert!(matches!(
            format(&cfg, "short", false, &InitialQuorum::Static),
            Err(StorageError::InvalidClusterId { .. })
        ));
        assert!(!root.path().join("a").exists());
    }

    #[test]
    fn info_reports_problems() {
        let root = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            root.path().join("a"),
            root.path().join("b"),
            root.path().join("c"),
        );
        let cfg = cfg_for(&[&a, &b, &c], None, &[]);
        let report = info(&cfg);
        assert!(report.problems_found());
        assert_eq!(
            report.lines,
            vec![
                "Found problems:".to_string(),
                format!("  {} does not exist", a.display()),
                format!("  {} does not exist", b.display()),
                format!("  {} does not exist", c.display()),
                String::new(),
            ]
        );
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::write(&c, "a file").unwrap();
        MetaProperties::new("clusterA", 1, Some(random_uuid()))
            .write(&a)
            .unwrap();
        let report = info(&cfg);
        assert_eq!(
            report.problems,
            vec![
                format!("{} is not formatted.", b.display()),
                format!("{} is not a directory", c.display())
            ]
        );
        fs::remove_file(&c).unwrap();
        fs::create_dir_all(&c).unwrap();
        MetaProperties::new("clusterB", 1, Some(random_uuid()))
            .write(&b)
            .unwrap();
        MetaProperties::new("clusterA", 2, Some(random_uuid()))
            .write(&c)
            .unwrap();
        let report = info(&cfg);
        assert_eq!(
            report.problems,
            vec![
                "Mismatched cluster IDs between storage directories.".to_string(),
                "Mismatched node IDs between storage directories.".to_string()
            ]
        );
        assert!(report.lines.contains(&"Found problems:".to_string()));
        assert!(report
            .lines
            .iter()
            .any(|l| l.starts_with("Found metadata: {cluster.id=clusterA,")));
        fs::write(
            c.join(META_PROPERTIES),
            "version=1\nnode.id=x\ncluster.id=clusterA\n",
        )
        .unwrap();
        let report = info(&cfg);
        assert!(report.problems.iter().any(|p| p.starts_with(&format!(
            "Error loading {}",
            c.join(META_PROPERTIES).display()
        ))));
    }

    #[test]
    fn check_formatted_refuses_unformatted_and_mismatches() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        let cfg = cfg_for(&[&a, &b], None, &[]);
        let err = check_formatted(&cfg).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("No readable meta.properties files found in {}. Format the storage first: kbox storage format -t $(kbox storage random-uuid) -c <config>", a.display())
        );
        let err = err.with_config_path(Path::new("/etc/kbox/server.properties"));
        assert!(err.to_string().ends_with("-c /etc/kbox/server.properties"));

        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        let a_id = random_uuid();
        MetaProperties::new("c1", 1, Some(a_id.clone()))
            .write(&a)
            .unwrap();
        MetaProperties::new("c2", 1, Some(random_uuid()))
            .write(&b)
            .unwrap();
        assert_eq!(
            check_formatted(&cfg).unwrap_err().to_string(),
            format!(
                "Invalid cluster.id in: {}. Expected c1, but read c2",
                b.join(META_PROPERTIES).display()
            )
        );
        MetaProperties::new("c1", 7, Some(random_uuid()))
            .write(&b)
            .unwrap();
        assert_eq!(
            check_formatted(&cfg).unwrap_err().to_string(),
            format!(
                "Stored node id 7 doesn't match previous node id 1 in {}. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.",
                b.join(META_PROPERTIES).display()
            )
        );
        MetaProperties::new("c1", 1, Some(a_id.clone()))
            .write(&b)
            .unwrap();
        assert!(matches!(
            check_formatted(&cfg),
            Err(StorageError::DuplicateDirectoryId { .. })
        ));
        // A pre-3.7 directory gets a directory.id written.
        MetaProperties::new("c1", 1, None).write(&b).unwrap();
        let meta = check_formatted(&cfg).unwrap();
        assert_eq!(
            meta.directory_id,
            Some(a_id),
            "metadata dir is the first log dir"
        );
        assert!(MetaProperties::read(&b)
            .unwrap()
            .unwrap()
            .directory_id
            .is_some());
    }

    #[test]
    fn quorum_options() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("d");
        let dynamic_pairs: &[(&str, &str)] = &[
            ("controller.quorum.voters", ""),
            ("controller.quorum.bootstrap.servers", "localhost:9093"),
        ];
        let cfg = cfg_for(&[&d], None, dynamic_pairs);
        let cluster = random_uuid();
        assert!(format(&cfg, &cluster, false, &InitialQuorum::Static)
            .unwrap_err()
            .to_string()
            .starts_with("Because controller.quorum.voters is not set on this controller"));
        let lines = format(&cfg, &cluster, false, &InitialQuorum::Standalone).unwrap();
        assert_eq!(
            lines,
            vec![format!(
                "Formatting dynamic metadata voter directory {} with metadata.version 4.1-IV1.",
                d.display()
            )]
        );
        assert_eq!(
            standalone_controller_endpoint(&cfg).as_deref(),
            Some("localhost:9093")
        );

        let static_cfg = cfg_for(&[&root.path().join("e")], None, &[]);
        assert!(
            format(&static_cfg, &cluster, false, &InitialQuorum::Standalone)
                .unwrap_err()
                .to_string()
                .starts_with("You cannot specify controller.quorum.voters")
        );

        let voter_dir = random_uuid();
        let list = InitialController::parse_list(&format!(
            "1@localhost:9093:{voter_dir},2@[::1]:9094:{}",
            random_uuid()
        ))
        .unwrap();
        assert_eq!(list[1].host, "::1");
        let d2 = root.path().join("d2");
        let cfg2 = cfg_for(&[&d2], None, dynamic_pairs);
        format(
            &cfg2,
            &cluster,
            false,
            &InitialQuorum::InitialControllers(list),
        )
        .unwrap();
        assert_eq!(
            MetaProperties::read(&d2).unwrap().unwrap().directory_id,
            Some(voter_dir.clone()),
            "voter's directory id is used"
        );
        // The initial voters are the metadata log's first entry (Kafka's VotersRecord).
        let (_, stored) =
            crate::broker::metadata::MetadataLog::open(&cfg2.metadata_log_dir, true, 1 << 30)
                .unwrap();
        match &stored.entries[0].payload[0] {
            crate::broker::metadata::MetadataRecord::Voters { voters, endpoints } => {
                assert_eq!(voters, &[1, 2]);
                assert_eq!(endpoints[0].directory_id, voter_dir);
                assert_eq!(endpoints[1].address(), "[::1]:9094");
            }
            other => panic!("first entry: {other:?}"),
        }

        let d3 = root.path().join("d3");
        let cfg3 = cfg_for(&[&d3], None, dynamic_pairs);
        let lines = format(&cfg3, &cluster, false, &InitialQuorum::NoInitialControllers).unwrap();
        assert!(lines[0].starts_with("Formatting metadata directory"));

        let others = InitialController::parse_list(&format!("5@h:1:{}", random_uuid())).unwrap();
        let d4 = root.path().join("d4");
        let cfg4 = cfg_for(&[&d4], None, dynamic_pairs);
        let lines = format(
            &cfg4,
            &cluster,
            false,
            &InitialQuorum::InitialControllers(others),
        )
        .unwrap();
        assert!(lines[0].starts_with("Formatting dynamic metadata directory"));

        let bad = |s: &str| InitialController::parse_list(s).unwrap_err().to_string();
        assert!(bad("localhost:9093").contains("No @ found"));
        assert!(bad("x@h:1:abc").contains("Failed to parse node id"));
        assert!(bad("1@h:99999:AAAAAAAAAAAAAAAAAAAAAA").contains("Invalid port 99999"));
        assert!(bad("1@h:1:zz").contains("Failed to parse directory ID"));
        let id = random_uuid();
        assert!(bad(&format!("1@h:1:{id},1@g:2:{id}")).contains("specified more than once"));
    }

    #[test]
    fn broker_only_formats_without_quorum_options() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("d");
        let cfg = BrokerConfig::from_pairs([
            ("process.roles", "broker"),
            ("node.id", "2"),
            ("controller.quorum.bootstrap.servers", "localhost:9093"),
            ("listeners", "PLAINTEXT://:9092"),
            ("controller.listener.names", "CONTROLLER"),
            ("log.dirs", &d.display().to_string()),
        ])
        .unwrap();
        format(&cfg, &random_uuid(), false, &InitialQuorum::Static).unwrap();
        assert!(
            format(&cfg, &random_uuid(), true, &InitialQuorum::Standalone)
                .unwrap_err()
                .to_string()
                .contains("only use --standalone on a controller")
        );
    }
}
