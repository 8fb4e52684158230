//! Authentication on the broker: each listener's security (TLS acceptor, SASL mechanisms, PLAIN
//! users from its JAAS config) and each connection's SASL state.
//!
//! A SASL listener lets a connection send only ApiVersions, SaslHandshake and SaslAuthenticate
//! until it has logged in; anything else closes it, as Kafka does. SaslHandshake v1 is followed
//! by SaslAuthenticate requests; v0 (old clients) by raw SASL tokens framed by a length, which
//! [`ConnectionAuth::expects_raw_token`] tells the connection loop to hand to
//! [`raw_token`]. A failed login is answered after `connection.failed.authentication.delay.ms`
//! and the connection is then closed. With `connections.max.reauth.ms` > 0 a session lasts that
//! long: the client re-authenticates (KIP-368) on the same connection, else the next request
//! after the deadline closes it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use indexmap::IndexMap;

use super::config::{BrokerConfig, Listener, SecurityProtocol};
use super::network::ANONYMOUS;
use super::BrokerState;
use crate::protocol::{ApiKey, ResponseError};
use crate::security::scram::{self, ScramMechanism, ScramServer, ServerStep};
use crate::security::{jaas, tls, SecurityError, SUPPORTED_MECHANISMS};
use crate::{Error, Result};

/// How one listener secures its connections.
pub struct ListenerSecurity {
    /// Upper-case listener name.
    pub name: String,
    pub protocol: SecurityProtocol,
    /// Set for SSL and SASL_SSL.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// `ssl.principal.mapping.rules`, for client certificates.
    pub principal_rules: tls::PrincipalRules,
    /// Enabled SASL mechanisms kbox implements (SASL listeners only).
    pub mechanisms: Vec<String>,
    /// PLAIN users and passwords from the listener's JAAS config.
    plain_users: IndexMap<String, String>,
    /// `connections.max.reauth.ms` (0: sessions do not expire).
    pub reauth_ms: i64,
    /// `connection.failed.authentication.delay.ms`.
    pub failed_auth_delay: Duration,
    /// `sasl.server.max.receive.size`: the largest frame before login, so a peer that has not
    /// logged in cannot make the broker reserve `socket.request.max.bytes`.
    pub sasl_max_receive: usize,
}

impl std::fmt::Debug for ListenerSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenerSecurity")
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("mechanisms", &self.mechanisms)
            .finish()
    }
}

/// A listener's setting: `listener.name.<name>.<key>` first, then `<key>`, as Kafka looks them up.
pub fn listener_value(config: &BrokerConfig, listener: &str, key: &str) -> Option<String> {
    let prefixed = format!("listener.name.{}.{key}", listener.to_ascii_lowercase());
    config
        .given(&prefixed)
        .or_else(|| config.given(key))
        .map(str::to_string)
}

/// A listener's JAAS config for one SASL mechanism: the key Kafka reads first
/// (`listener.name.<l>.<mechanism>.sasl.jaas.config`) and its value, else the listener's
/// `sasl.jaas.config`.
fn listener_jaas(
    config: &BrokerConfig,
    listener: &str,
    mechanism: &str,
) -> (String, Option<String>) {
    let key = format!(
        "listener.name.{}.{}.sasl.jaas.config",
        listener.to_ascii_lowercase(),
        mechanism.to_ascii_lowercase()
    );
    let text = config
        .given(&key)
        .map(str::to_string)
        .or_else(|| listener_value(config, listener, "sasl.jaas.config"));
    (key, text)
}

/// How this broker connects to the others (follower fetches): the security protocol of
/// `inter.broker.listener.name`, that listener's `ssl.*` settings for TLS (its trust store
/// verifies the leader; its key store answers a client-certificate request), and for SASL the
/// mechanism `sasl.mechanism.inter.broker.protocol` with the `username`/`password` of the
/// listener's JAAS entry for it (`listener.name.<l>.<mechanism>.sasl.jaas.config`, else
/// `sasl.jaas.config`), as Kafka's brokers log in to each other.
pub fn inter_broker_client_security(
    config: &BrokerConfig,
) -> Result<crate::client::security::ClientSecurity> {
    use crate::client::security::{ClientSecurity, SaslLogin};
    let name = config.inter_broker_listener_name.clone();
    let Some(listener) = config.listener(&name) else {
        return Ok(ClientSecurity::default());
    };
    let get = |key: &str| listener_value(config, &name, key);
    let fail = |e: SecurityError| Error::Message(format!("inter-broker listener {name}: {e}"));
    let protocol = listener.security_protocol;
    let tls = match protocol {
        SecurityProtocol::Ssl | SecurityProtocol::SaslSsl => {
            let client = tls::client_config(&get).map_err(fail)?;
            Some(tokio_rustls::TlsConnector::from(client))
        }
        _ => None,
    };
    let sasl = match protocol {
        SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl => {
            let mechanism = config
                .given("sasl.mechanism.inter.broker.protocol")
                .unwrap_or("GSSAPI")
                .trim()
                .to_ascii_uppercase();
            if !SUPPORTED_MECHANISMS.contains(&mechanism.as_str()) {
                return Err(Error::Message(format!(
                    "sasl.mechanism.inter.broker.protocol={mechanism} is not implemented by kbox; use one of {}",
                    SUPPORTED_MECHANISMS.join(", ")
                )));
            }
            let (key, text) = listener_jaas(config, &name, &mechanism);
            let text = text.ok_or_else(|| {
                    Error::Message(format!(
                        "the inter-broker listener {name} uses SASL but has no JAAS config with this broker's login: set {key} with username=\"...\" password=\"...\""
                    ))
                })?;
            let entries = jaas::parse(&text).map_err(fail)?;
            let login = entries.iter().find_map(|e| {
                Some((
                    e.options.get("username")?.clone(),
                    e.options.get("password")?.clone(),
                ))
            });
            let Some((username, password)) = login else {
                return Err(Error::Message(format!(
                    "{key} has no username=\"...\" password=\"...\" for this broker's inter-broker login"
                )));
            };
            Some(SaslLogin {
                mechanism,
                username,
                password,
            })
        }
        _ => None,
    };
    Ok(ClientSecurity {
        protocol: protocol.name().to_string(),
        tls,
        sasl,
    })
}

impl ListenerSecurity {
    /// A listener without TLS or SASL (tests and plaintext listeners).
    pub fn plaintext(name: &str) -> Self {
        ListenerSecurity {
            name: name.to_string(),
            protocol: SecurityProtocol::Plaintext,
            tls: None,
            principal_rules: tls::PrincipalRules::default(),
            mechanisms: Vec::new(),
            plain_users: IndexMap::new(),
            reauth_ms: 0,
            failed_auth_delay: Duration::from_millis(100),
            sasl_max_receive: 524_288,
        }
    }

    /// Reads a listener's security settings, failing on anything unusable (a missing key store,
    /// no mechanism kbox implements, a PLAIN mechanism without users).
    pub fn from_config(config: &BrokerConfig, listener: &Listener) -> Result<Self> {
        let name = listener.name.clone();
        let get = |key: &str| listener_value(config, &name, key);
        let fail = |e: SecurityError| Error::Message(format!("listener {name}: {e}"));
        let mut security = ListenerSecurity::plaintext(&name);
        security.protocol = listener.security_protocol;
        let number = |key: &str, default: i64| -> Result<i64> {
            match get(key) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| {
                    Error::Message(format!(
                        "Invalid value {v} for configuration {key}: Not a number of type LONG"
                    ))
                }),
            }
        };
        security.reauth_ms = number("connections.max.reauth.ms", 0)?.max(0);
        security.failed_auth_delay = Duration::from_millis(
            number("connection.failed.authentication.delay.ms", 100)?.max(0) as u64,
        );
        security.sasl_max_receive =
            number("sasl.server.max.receive.size", 524_288)?.clamp(1, i32::MAX as i64) as usize;
        if matches!(
            listener.security_protocol,
            SecurityProtocol::Ssl | SecurityProtocol::SaslSsl
        ) {
            let server = tls::server_config(&get, &name).map_err(fail)?;
            security.tls = Some(tokio_rustls::TlsAcceptor::from(server));
            if let Some(rules) = get("ssl.principal.mapping.rules") {
                security.principal_rules = tls::PrincipalRules::parse(&rules).map_err(fail)?;
            }
        }
        if matches!(
            listener.security_protocol,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        ) {
            let enabled: Vec<String> = get("sasl.enabled.mechanisms")
                .unwrap_or_else(|| "GSSAPI".into())
                .split(',')
                .map(|m| m.trim().to_ascii_uppercase())
                .filter(|m| !m.is_empty())
                .collect();
            for m in enabled
                .iter()
                .filter(|m| !SUPPORTED_MECHANISMS.contains(&m.as_str()))
            {
                tracing::warn!(listener = %name, mechanism = %m, "SASL mechanism not implemented by kbox; not offered");
            }
            security.mechanisms = enabled
                .into_iter()
                .filter(|m| SUPPORTED_MECHANISMS.contains(&m.as_str()))
                .collect();
            if security.mechanisms.is_empty() {
                return Err(Error::Message(format!(
                    "listener {name} is {} but sasl.enabled.mechanisms names none of the mechanisms kbox implements ({})",
                    listener.security_protocol,
                    SUPPORTED_MECHANISMS.join(", ")
                )));
            }
            if security.mechanisms.iter().any(|m| m == "PLAIN") {
                let (key, text) = listener_jaas(config, &name, "PLAIN");
                let text = text.ok_or_else(|| {
                        Error::Message(format!(
                            "listener {name} enables PLAIN but has no JAAS config: set {key}=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\";"
                        ))
                    })?;
                let entries = jaas::parse(&text).map_err(fail)?;
                security.plain_users = entries
                    .iter()
                    .filter(|e| e.module_name() == "PlainLoginModule")
                    .flat_map(|e| e.plain_users())
                    .collect();
            }
        }
        Ok(security)
    }

    fn is_sasl(&self) -> bool {
        matches!(
            self.protocol,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        )
    }
}

/// Where a connection is in its SASL exchange.
#[derive(Debug)]
enum Stage {
    /// The listener does not use SASL (PLAINTEXT, SSL): the principal is fixed.
    NoSasl,
    /// A SASL listener waiting for SaslHandshake (first login or re-authentication).
    Handshake,
    /// After the handshake: tokens for `mechanism`, raw (v0) or in SaslAuthenticate (v1).
    Tokens {
        mechanism: String,
        raw: bool,
        scram: Option<Box<ScramServer>>,
    },
    /// Logged in.
    Authenticated,
}

/// One connection's authentication state.
#[derive(Debug)]
pub struct ConnectionAuth {
    pub security: Arc<ListenerSecurity>,
    stage: Stage,
    /// `User:...` once known (TLS certificate subject, or the SASL user).
    pub principal: String,
    /// True once some login succeeded (re-authentication keeps serving meanwhile).
    logged_in: bool,
    /// When the session ends (`connections.max.reauth.ms`).
    expires_at: Option<Instant>,
    /// Set after a failed login or a broken exchange: close once the answer is written.
    pub close_after_response: bool,
    peer: std::net::SocketAddr,
}

/// The shared state the SASL handlers reach through [`with_connection`].
pub type SharedAuth = Arc<Mutex<ConnectionAuth>>;

tokio::task_local! {
    static CONNECTION: SharedAuth;
}

/// Runs `f` (a request's handling) with the connection's authentication state reachable.
pub async fn scope<F: std::future::Future>(auth: SharedAuth, f: F) -> F::Output {
    CONNECTION.scope(auth, f).await
}

/// The connection's authentication state, when the request came through a connection.
pub fn current() -> Option<SharedAuth> {
    CONNECTION.try_with(Arc::clone).ok()
}

fn lock(auth: &SharedAuth) -> std::sync::MutexGuard<'_, ConnectionAuth> {
    auth.lock().unwrap_or_else(|e| e.into_inner())
}

impl ConnectionAuth {
    pub fn new(
        security: Arc<ListenerSecurity>,
        peer: std::net::SocketAddr,
        tls_principal: Option<String>,
    ) -> Self {
        let stage = if security.is_sasl() {
            Stage::Handshake
        } else {
            Stage::NoSasl
        };
        ConnectionAuth {
            security,
            stage,
            principal: tls_principal.unwrap_or_else(|| ANONYMOUS.to_string()),
            logged_in: false,
            expires_at: None,
            close_after_response: false,
            peer,
        }
    }

    /// True after a SaslHandshake v0: the next frames are raw SASL tokens.
    pub fn expects_raw_token(&self) -> bool {
        matches!(self.stage, Stage::Tokens { raw: true, .. })
    }

    /// Why a request of this API must close the connection instead of being served: before
    /// login only ApiVersions, SaslHandshake and SaslAuthenticate are allowed, and an expired
    /// session must re-authenticate first.
    pub fn refusal(&self, api: ApiKey) -> Option<String> {
        let sasl_api = matches!(
            api,
            ApiKey::ApiVersions | ApiKey::SaslHandshake | ApiKey::SaslAuthenticate
        );
        if matches!(self.stage, Stage::NoSasl) || sasl_api {
            return None;
        }
        if !self.logged_in {
            return Some(format!(
                "Unexpected Kafka request of type {api:?} during SASL handshake"
            ));
        }
        if self.expires_at.is_some_and(|at| Instant::now() >= at) {
            return Some(
                "session expired (connections.max.reauth.ms) without re-authentication".into(),
            );
        }
        None
    }

    /// SaslHandshake: picks the mechanism; v0 switches to raw tokens.
    pub fn handshake(
        &mut self,
        mechanism: &str,
        version: i16,
    ) -> (Option<ResponseError>, Vec<String>) {
        let mechanisms = self.security.mechanisms.clone();
        let can_start = match self.stage {
            Stage::Handshake => true,
            Stage::Authenticated => self.security.reauth_ms > 0 && version >= 1,
            _ => false,
        };
        if !can_start {
            self.close_after_response = !matches!(self.stage, Stage::NoSasl | Stage::Authenticated);
            return (Some(ResponseError::IllegalSaslState), mechanisms);
        }
        if !mechanisms.iter().any(|m| m == mechanism) {
            self.close_after_response = true;
            return (Some(ResponseError::UnsupportedSaslMechanism), mechanisms);
        }
        let scram = ScramMechanism::from_name(mechanism).map(|m| Box::new(ScramServer::new(m)));
        self.stage = Stage::Tokens {
            mechanism: mechanism.to_string(),
            raw: version == 0,
            scram,
        };
        (None, mechanisms)
    }

    /// One SASL token. `Ok(reply)` carries the bytes for the client (a challenge, or the final
    /// message on success); `Err` is a failed login.
    fn token(
        &mut self,
        state: &BrokerState,
        token: &[u8],
    ) -> std::result::Result<Vec<u8>, SecurityError> {
        let Stage::Tokens {
            mechanism, scram, ..
        } = &mut self.stage
        else {
            return Err(SecurityError::Protocol(
                "SaslAuthenticate before SaslHandshake".into(),
            ));
        };
        let mechanism = mechanism.clone();
        let (user, reply) = match scram {
            None => {
                let (user, password) = scram::parse_plain(token)?;
                let ok = self
                    .security
                    .plain_users
                    .get(&user)
                    .is_some_and(|expected| scram::password_matches(&password, expected));
                if !ok {
                    return Err(SecurityError::AuthenticationFailed(
                        "Authentication failed: Invalid username or password".into(),
                    ));
                }
                (user, Vec::new())
            }
            Some(server) => {
                let m = ScramMechanism::from_name(&mechanism).unwrap_or(ScramMechanism::Sha256);
                let step = server.step(token, |user| state.image().scram_credential(user, m))?;
                match step {
                    ServerStep::Challenge(challenge) => return Ok(challenge),
                    ServerStep::Success { username, message } => (username, message),
                }
            }
        };
        let principal = format!("User:{user}");
        if self.logged_in && principal != self.principal {
            return Err(SecurityError::AuthenticationFailed(format!(
                "Cannot change principals during re-authentication from {}: {principal}",
                self.principal
            )));
        }
        self.principal = principal;
        self.logged_in = true;
        self.stage = Stage::Authenticated;
        self.expires_at = (self.security.reauth_ms > 0)
            .then(|| Instant::now() + Duration::from_millis(self.security.reauth_ms as u64));
        tracing::debug!(peer = %self.peer, principal = %self.principal, %mechanism, "authenticated");
        Ok(reply)
    }

    fn mechanism(&self) -> String {
        match &self.stage {
            Stage::Tokens { mechanism, .. } => mechanism.clone(),
            _ => String::new(),
        }
    }

    /// True while a SASL login is in progress or done (not for plaintext/SSL listeners).
    pub fn is_sasl(&self) -> bool {
        !matches!(self.stage, Stage::NoSasl)
    }
}

/// The outcome of one SaslAuthenticate: what to answer.
pub struct Authenticated {
    /// `None` on success.
    pub error: Option<ResponseError>,
    pub message: Option<String>,
    pub auth_bytes: Bytes,
    pub session_lifetime_ms: i64,
}

/// Handles a SaslAuthenticate token for the current connection (the delay after a failure is
/// waited here, outside the lock).
pub async fn authenticate(state: &BrokerState, token: &[u8]) -> Authenticated {
    let Some(auth) = current() else {
        return Authenticated {
            error: Some(ResponseError::IllegalSaslState),
            message: Some("SaslAuthenticate outside a connection".into()),
            auth_bytes: Bytes::new(),
            session_lifetime_ms: 0,
        };
    };
    let (result, delay, reauth_ms, peer, mechanism) = {
        let mut a = lock(&auth);
        if !a.is_sasl() || matches!(a.stage, Stage::Authenticated) {
            return Authenticated {
                error: Some(ResponseError::IllegalSaslState),
                message: Some(
                    "SaslAuthenticate request received after successful authentication".into(),
                ),
                auth_bytes: Bytes::new(),
                session_lifetime_ms: 0,
            };
        }
        if matches!(a.stage, Stage::Handshake) {
            a.close_after_response = true;
            return Authenticated {
                error: Some(ResponseError::IllegalSaslState),
                message: Some(
                    "Unexpected Kafka request of type SASL_AUTHENTICATE during SASL handshake"
                        .into(),
                ),
                auth_bytes: Bytes::new(),
                session_lifetime_ms: 0,
            };
        }
        let mechanism = a.mechanism();
        let result = a.token(state, token);
        let done = matches!(a.stage, Stage::Authenticated);
        if result.is_err() {
            a.close_after_response = true;
        }
        (
            result.map(|r| (r, done)),
            a.security.failed_auth_delay,
            a.security.reauth_ms,
            a.peer,
            mechanism,
        )
    };
    match result {
        Ok((reply, done)) => Authenticated {
            error: None,
            message: None,
            auth_bytes: Bytes::from(reply),
            session_lifetime_ms: if done { reauth_ms } else { 0 },
        },
        Err(e) => {
            let message = failure_message(&e, &mechanism);
            tracing::info!(%peer, %mechanism, reason = %e, "Failed authentication with /{} ({message})", peer.ip());
            tokio::time::sleep(delay).await;
            Authenticated {
                error: Some(ResponseError::SaslAuthenticationFailed),
                message: Some(message),
                auth_bytes: Bytes::new(),
                session_lifetime_ms: 0,
            }
        }
    }
}

/// Kafka's wording: its own message for a refused login, a generic one for a broken exchange.
fn failure_message(error: &SecurityError, mechanism: &str) -> String {
    match error {
        SecurityError::AuthenticationFailed(m) => m.clone(),
        _ => format!(
            "Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}"
        ),
    }
}

/// A raw SASL token after SaslHandshake v0. `Some(reply)` is written back framed by its length;
/// `None` means the login failed (after the delay) and the connection must close.
pub async fn raw_token(state: &BrokerState, auth: &SharedAuth, token: &[u8]) -> Option<Vec<u8>> {
    let (result, delay, peer, mechanism) = {
        let mut a = lock(auth);
        let mechanism = a.mechanism();
        (
            a.token(state, token),
            a.security.failed_auth_delay,
            a.peer,
            mechanism,
        )
    };
    match result {
        Ok(reply) => Some(reply),
        Err(e) => {
            let message = failure_message(&e, &mechanism);
            tracing::info!(%peer, %mechanism, reason = %e, "Failed authentication with /{} ({message})", peer.ip());
            tokio::time::sleep(delay).await;
            None
        }
    }
}

/// The connection's principal, mutations and close flag, read by the connection loop.
pub fn snapshot(auth: &SharedAuth) -> (String, bool) {
    let a = lock(auth);
    (a.principal.clone(), a.close_after_response)
}

/// Lets the connection loop check a request against the login state.
pub fn refusal(auth: &SharedAuth, api: ApiKey) -> Option<String> {
    lock(auth).refusal(api)
}

/// The largest frame to accept next: `sasl.server.max.receive.size` until a SASL login.
pub fn frame_limit(auth: &SharedAuth, max: usize) -> usize {
    let a = lock(auth);
    if a.is_sasl() && !a.logged_in {
        max.min(a.security.sasl_max_receive)
    } else {
        max
    }
}

/// True when the next frame is a raw v0 token.
pub fn expects_raw_token(auth: &SharedAuth) -> bool {
    lock(auth).expects_raw_token()
}

/// SaslHandshake for the current connection.
pub fn handshake(mechanism: &str, version: i16) -> (Option<ResponseError>, Vec<String>) {
    match current() {
        Some(auth) => lock(&auth).handshake(mechanism, version),
        None => (Some(ResponseError::IllegalSaslState), Vec::new()),
    }
}
