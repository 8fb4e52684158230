//! The client's side of TLS and SASL, from the same properties Apache's tools read
//! (`security.protocol`, `ssl.truststore.location`, `ssl.keystore.*`, `sasl.mechanism`,
//! `sasl.jaas.config`) and librdkafka's (`ssl.ca.location`, `ssl.certificate.location`,
//! `ssl.key.location`, `sasl.username`, `sasl.password`).

use std::sync::Arc;

use super::config::ClientConfig;
use crate::security::{jaas, tls, SUPPORTED_MECHANISMS};
use crate::{Error, Result};

/// A SASL login: the mechanism and the user's credentials.
#[derive(Clone)]
pub struct SaslLogin {
    pub mechanism: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SaslLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("SaslLogin")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish()
    }
}

/// How a client secures its connections; the default is plaintext without login.
#[derive(Clone, Default)]
pub struct ClientSecurity {
    /// `security.protocol` as given (upper case).
    pub protocol: String,
    pub tls: Option<tokio_rustls::TlsConnector>,
    pub sasl: Option<SaslLogin>,
}

impl std::fmt::Debug for ClientSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecurity")
            .field("protocol", &self.protocol)
            .field("tls", &self.tls.is_some())
            .field("sasl", &self.sasl)
            .finish()
    }
}

impl ClientSecurity {
    /// Reads and checks the security properties (certificate files are read now, so a wrong
    /// path fails before any connection is tried).
    pub fn from_config(config: &ClientConfig) -> Result<Arc<ClientSecurity>> {
        let protocol = config
            .get("security.protocol")
            .unwrap_or("PLAINTEXT")
            .trim()
            .to_ascii_uppercase();
        let (use_tls, use_sasl) = match protocol.as_str() {
            "PLAINTEXT" => (false, false),
            "SSL" => (true, false),
            "SASL_PLAINTEXT" => (false, true),
            "SASL_SSL" => (true, true),
            other => {
                return Err(Error::Message(format!(
                    "Invalid value {other} for configuration security.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"
                )))
            }
        };
        let get = |key: &str| config.get(key).map(str::to_string);
        let tls = if use_tls {
            let client = tls::client_config(&get).map_err(|e| Error::Message(e.to_string()))?;
            Some(tokio_rustls::TlsConnector::from(client))
        } else {
            None
        };
        let sasl = if use_sasl {
            Some(sasl_login(config)?)
        } else {
            None
        };
        Ok(Arc::new(ClientSecurity {
            protocol,
            tls,
            sasl,
        }))
    }
}

fn sasl_login(config: &ClientConfig) -> Result<SaslLogin> {
    let mechanism = config
        .get("sasl.mechanism")
        .or_else(|| config.get("sasl.mechanisms"))
        .unwrap_or("GSSAPI")
        .trim()
        .to_ascii_uppercase();
    if !SUPPORTED_MECHANISMS.contains(&mechanism.as_str()) {
        return Err(Error::Message(format!(
            "sasl.mechanism={mechanism} is not supported by kbox; use one of {}",
            SUPPORTED_MECHANISMS.join(", ")
        )));
    }
    let (mut username, mut password) = (
        config.get("sasl.username").map(str::to_string),
        config.get("sasl.password").map(str::to_string),
    );
    if let Some(text) = config.get("sasl.jaas.config") {
        let entries = jaas::parse(text).map_err(|e| Error::Message(e.to_string()))?;
        let expected = if mechanism == "PLAIN" {
            "PlainLoginModule"
        } else {
            "ScramLoginModule"
        };
        let entry = entries
            .iter()
            .find(|e| e.module_name() == expected)
            .ok_or_else(|| {
                Error::Message(format!(
                "sasl.jaas.config has no {expected} entry, which sasl.mechanism={mechanism} needs"
            ))
            })?;
        username = entry.options.get("username").cloned().or(username);
        password = entry.options.get("password").cloned().or(password);
    }
    match (username, password) {
        (Some(username), Some(password)) => Ok(SaslLogin {
            mechanism,
            username,
            password,
        }),
        _ => Err(Error::Message(format!(
            "sasl.mechanism={mechanism} needs a user name and password: set sasl.jaas.config (username=\"...\" password=\"...\") or sasl.username and sasl.password"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_come_from_jaas_or_librdkafka_names() {
        let mut c = ClientConfig::with_bootstrap("localhost:9092");
        assert!(ClientSecurity::from_config(&c).unwrap().sasl.is_none());
        c.set("security.protocol", "sasl_plaintext");
        c.set("sasl.mechanism", "SCRAM-SHA-512");
        assert!(ClientSecurity::from_config(&c).is_err());
        c.set(
            "sasl.jaas.config",
            r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";"#,
        );
        let login = ClientSecurity::from_config(&c)
            .unwrap()
            .sasl
            .clone()
            .unwrap();
        assert_eq!(
            (login.username.as_str(), login.password.as_str()),
            ("alice", "alice-secret")
        );
        assert!(!format!("{login:?}").contains("alice-secret"));
        let mut r = ClientConfig::with_bootstrap("localhost:9092");
        r.set("security.protocol", "SASL_PLAINTEXT");
        r.set("sasl.mechanisms", "PLAIN");
        r.set("sasl.username", "bob");
        r.set("sasl.password", "pw");
        assert_eq!(
            ClientSecurity::from_config(&r)
                .unwrap()
                .sasl
                .clone()
                .unwrap()
                .username,
            "bob"
        );
        r.set("sasl.mechanism", "GSSAPI");
        assert!(ClientSecurity::from_config(&r).is_err());
        r.set("security.protocol", "TLS");
        assert!(ClientSecurity::from_config(&r).is_err());
    }
}
