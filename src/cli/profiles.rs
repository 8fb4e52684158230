//! Client profiles, as rpk has them: named clusters with their client properties in one file, so
//! long TLS/SASL property lists are written once. `--profile NAME` (or `KBOX_PROFILE`) selects
//! one for any command; `-X key=value` adds a property on any command. Both feed
//! [`super::common::client_config`], which every client tool uses.
//!
//! The file is `$KBOX_PROFILES`, else `$XDG_CONFIG_HOME/kbox/profiles`, else
//! `~/.config/kbox/profiles`:
//!
//! ```text
//! # comments start with '#'
//! [prod]
//! bootstrap.servers=kafka-1.prod:9093,kafka-2.prod:9093
//! security.protocol=SASL_SSL
//! sasl.mechanism=SCRAM-SHA-512
//!
//! [local]
//! bootstrap.servers=127.0.0.1:9092
//! ```

use std::path::PathBuf;
use std::sync::RwLock;

use crate::{Error, Result};

/// What `--profile` and `-X` contribute to every client configuration of this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalClientSettings {
    /// The profile's properties: the lowest precedence.
    pub profile: Vec<(String, String)>,
    /// `-X key=value`: above files and tool flags, below `--bootstrap-server`.
    pub overrides: Vec<(String, String)>,
}

/// A named profile and its properties, in file order.
pub type Profile = (String, Vec<(String, String)>);

static GLOBAL: RwLock<Option<GlobalClientSettings>> = RwLock::new(None);

/// The settings in force (empty when neither flag was given).
pub fn global() -> GlobalClientSettings {
    GLOBAL
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default()
}

/// Sets the settings for the commands that follow (the shell keeps them across lines).
pub fn set_global(settings: GlobalClientSettings) {
    *GLOBAL.write().unwrap_or_else(|e| e.into_inner()) = Some(settings);
}

/// Whether `--profile` or `-X` supply `bootstrap.servers`, so tools that insist on
/// `--bootstrap-server` (as Apache's do) can do without it.
pub fn provides_bootstrap() -> bool {
    let g = global();
    g.profile
        .iter()
        .chain(&g.overrides)
        .any(|(k, _)| k == "bootstrap.servers")
}

/// Where profiles are read from.
pub fn profiles_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KBOX_PROFILES") {
        return Some(PathBuf::from(p));
    }
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME") {
        return Some(PathBuf::from(x).join("kbox").join("profiles"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/kbox/profiles"))
}

/// Every profile in `text`, in file order: (name, properties).
pub fn parse_profiles(text: &str) -> Result<Vec<Profile>> {
    let mut profiles: Vec<Profile> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            profiles.push((name.trim().to_string(), Vec::new()));
            continue;
        }
        let bad = || {
            Error::Message(format!(
                "profiles line {}: expected [name] or key=value: {raw}",
                n + 1
            ))
        };
        let (key, value) = line.split_once('=').ok_or_else(bad)?;
        let (_, props) = profiles.last_mut().ok_or_else(bad)?;
        props.push((key.trim().to_string(), value.trim().to_string()));
    }
    Ok(profiles)
}

/// The properties of profile `name` from the profiles file.
pub fn load_profile(name: &str) -> Result<Vec<(String, String)>> {
    let path = profiles_path()
        .ok_or_else(|| Error::Message("no profiles file: set KBOX_PROFILES or HOME".into()))?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Message(format!("cannot read profiles file {}: {e}", path.display()))
    })?;
    let profiles = parse_profiles(&text)?;
    let names: Vec<&str> = profiles.iter().map(|(n, _)| n.as_str()).collect();
    profiles
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, props)| props.clone())
        .ok_or_else(|| {
            Error::Message(format!(
                "no profile '{name}' in {} (profiles: {})",
                path.display(),
                names.join(", ")
            ))
        })
}

/// Parses `-X key=value` flags.
pub fn parse_overrides(pairs: &[String]) -> Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|p| super::common::parse_key_value(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_in_order() {
        let text = "# clusters\n[prod]\nbootstrap.servers = a:1,b:2\nsecurity.protocol=SASL_SSL\n\n[local]\nbootstrap.servers=127.0.0.1:9092\n";
        let p = parse_profiles(text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].0, "prod");
        assert_eq!(p[0].1[0], ("bootstrap.servers".into(), "a:1,b:2".into()));
        assert!(
            parse_profiles("key=value\n").is_err(),
            "a property outside a profile"
        );
        assert!(parse_profiles("[x]\nnot a property\n").is_err());
    }
}
