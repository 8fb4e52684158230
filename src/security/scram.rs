//! SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka uses them: credentials
//! (salt, stored key, server key, iterations), the server's and the client's side of the
//! exchange, and SASL PLAIN's one message.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::{digest, hmac, pbkdf2, rand::SecureRandom};

use super::SecurityError;

/// A SCRAM mechanism, numbered as Kafka's `ScramMechanism` (1 and 2; 0 is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScramMechanism {
    Sha256,
    Sha512,
}

/// Kafka's bounds on iterations (`ScramMechanism.minIterations`, and the controller's maximum).
pub const MIN_ITERATIONS: i32 = 4096;
pub const MAX_ITERATIONS: i32 = 16384;

impl ScramMechanism {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SCRAM-SHA-256" => Some(ScramMechanism::Sha256),
            "SCRAM-SHA-512" => Some(ScramMechanism::Sha512),
            _ => None,
        }
    }

    pub fn from_type(t: i8) -> Option<Self> {
        match t {
            1 => Some(ScramMechanism::Sha256),
            2 => Some(ScramMechanism::Sha512),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ScramMechanism::Sha256 => "SCRAM-SHA-256",
            ScramMechanism::Sha512 => "SCRAM-SHA-512",
        }
    }

    /// Kafka's wire number for the mechanism.
    pub fn type_id(self) -> i8 {
        match self {
            ScramMechanism::Sha256 => 1,
            ScramMechanism::Sha512 => 2,
        }
    }

    fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            ScramMechanism::Sha256 => hmac::HMAC_SHA256,
            ScramMechanism::Sha512 => hmac::HMAC_SHA512,
        }
    }

    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        hmac::sign(&hmac::Key::new(self.hmac_algorithm(), key), data)
            .as_ref()
            .to_vec()
    }

    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        let algorithm = match self {
            ScramMechanism::Sha256 => &digest::SHA256,
            ScramMechanism::Sha512 => &digest::SHA512,
        };
        digest::digest(algorithm, data).as_ref().to_vec()
    }

    /// `Hi(password, salt, i)`: PBKDF2 with this mechanism's HMAC.
    pub fn salted_password(self, password: &[u8], salt: &[u8], iterations: i32) -> Vec<u8> {
        let (algorithm, len) = match self {
            ScramMechanism::Sha256 => (pbkdf2::PBKDF2_HMAC_SHA256, 32),
            ScramMechanism::Sha512 => (pbkdf2::PBKDF2_HMAC_SHA512, 64),
        };
        let iterations = std::num::NonZeroU32::new(iterations.max(1) as u32)
            .unwrap_or(std::num::NonZeroU32::MIN);
        let mut out = vec![0u8; len];
        pbkdf2::derive(algorithm, iterations, salt, password, &mut out);
        out
    }

    /// The stored form of a password: what the server keeps, from which the password cannot
    /// be recovered.
    pub fn credential(
        self,
        salted_password: &[u8],
        salt: &[u8],
        iterations: i32,
    ) -> ScramCredential {
        let client_key = self.hmac(salted_password, b"Client Key");
        ScramCredential {
            salt: salt.to_vec(),
            stored_key: self.hash(&client_key),
            server_key: self.hmac(salted_password, b"Server Key"),
            iterations,
        }
    }

    /// A new credential for a password, with a random salt.
    pub fn new_credential(self, password: &str, iterations: i32) -> ScramCredential {
        let salt = random_bytes(32);
        let salted = self.salted_password(password.as_bytes(), &salt, iterations);
        self.credential(&salted, &salt, iterations)
    }
}

/// What the server stores per user and mechanism (Kafka's `ScramCredential`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramCredential {
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
    pub iterations: i32,
}

/// Random bytes from the system's secure generator.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    // SystemRandom fails only when the OS has no entropy source at all.
    let _ = ring::rand::SystemRandom::new().fill(&mut out);
    out
}

/// A printable nonce (no ','), as RFC 5802 asks.
pub fn nonce() -> String {
    random_bytes(18)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SCRAM's `saslname` escaping: ',' is `=2C` and '=' is `=3D`.
fn escape_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

fn unescape_name(name: &str) -> Result<String, SecurityError> {
    let out = name.replace("=2C", ",").replace("=3D", "=");
    if out.matches('=').count() != name.matches("=3D").count() {
        return Err(SecurityError::Protocol(format!("Invalid username: {name}")));
    }
    Ok(out)
}

/// Splits `k=v,k=v` into pairs, in order.
fn attributes(message: &str) -> Vec<(char, &str)> {
    message
        .split(',')
        .filter_map(|part| {
            let mut chars = part.chars();
            let key = chars.next()?;
            (chars.next() == Some('=')).then(|| (key, &part[2..]))
        })
        .collect()
}

fn attribute<'a>(attrs: &[(char, &'a str)], key: char) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn protocol(message: &str) -> SecurityError {
    SecurityError::Protocol(message.to_string())
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// Compares without stopping at the first difference, so timing tells nothing.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The first client message, parsed.
#[derive(Debug, Clone)]
pub struct ClientFirst {
    /// The username (unescaped).
    pub username: String,
    /// `a=` in the GS2 header, when given.
    pub authorization_id: Option<String>,
    pub nonce: String,
    /// The GS2 header (`n,,` or `n,a=...,`), as sent.
    gs2_header: String,
    /// The message without its GS2 header.
    bare: String,
    /// SCRAM extensions Kafka defines (`tokenauth=true`).
    pub extensions: Vec<(String, String)>,
}

impl ClientFirst {
    pub fn parse(message: &[u8]) -> Result<ClientFirst, SecurityError> {
        let text = std::str::from_utf8(message)
            .map_err(|_| protocol("Invalid SCRAM client first message: not UTF-8"))?;
        let mut parts = text.splitn(3, ',');
        let (cb, authz, bare) = match (parts.next(), parts.next(), parts.next()) {
            (Some(cb), Some(authz), Some(bare)) => (cb, authz, bare),
            _ => return Err(protocol("Invalid SCRAM client first message")),
        };
        if cb != "n" && cb != "y" {
            return Err(protocol(
                "Invalid SCRAM client first message: channel binding is not supported",
            ));
        }
        let authorization_id = match authz {
            "" => None,
            a => Some(unescape_name(a.strip_prefix("a=").ok_or_else(|| {
                protocol("Invalid SCRAM client first message: bad authorization id")
            })?)?),
        };
        let attrs = attributes(bare);
        let username = match attrs.first() {
            Some(('n', name)) => unescape_name(name)?,
            _ => return Err(protocol("Invalid SCRAM client first message: no username")),
        };
        let nonce = match attrs.get(1) {
            Some(('r', n)) if !n.is_empty() => n.to_string(),
            _ => return Err(protocol("Invalid SCRAM client first message: no nonce")),
        };
        let extensions = bare
            .split(',')
            .skip(2)
            .filter_map(|e| {
                e.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        Ok(ClientFirst {
            username,
            authorization_id,
            nonce,
            gs2_header: format!("{cb},{authz},"),
            bare: bare.to_string(),
            extensions,
        })
    }
}

/// The server side of one SCRAM exchange.
#[derive(Debug)]
pub struct ScramServer {
    mechanism: ScramMechanism,
    state: ServerState,
}

#[derive(Debug)]
enum ServerState {
    ExpectFirst,
    ExpectFinal(Box<Pending>),
    Done,
}

/// What the server remembers between its challenge and the client's proof.
#[derive(Debug)]
struct Pending {
    first: ClientFirst,
    server_first: String,
    nonce: String,
    credential: ScramCredential,
}

/// What a SCRAM step produced: a challenge for the client, or success with the final message.
#[derive(Debug)]
pub enum ServerStep {
    Challenge(Vec<u8>),
    Success { username: String, message: Vec<u8> },
}

/// Kafka's answer when a SCRAM proof or user is wrong.
pub fn invalid_credentials(mechanism: &str) -> SecurityError {
    SecurityError::AuthenticationFailed(format!(
        "Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}"
    ))
}

impl ScramServer {
    pub fn new(mechanism: ScramMechanism) -> Self {
        ScramServer {
            mechanism,
            state: ServerState::ExpectFirst,
        }
    }

    /// Handles one client message. `lookup` finds a user's credential for this mechanism.
    pub fn step(
        &mut self,
        message: &[u8],
        lookup: impl FnOnce(&str) -> Option<ScramCredential>,
    ) -> Result<ServerStep, SecurityError> {
        match std::mem::replace(&mut self.state, ServerState::Done) {
            ServerState::ExpectFirst => {
                let first = ClientFirst::parse(message)?;
                if first
                    .extensions
                    .iter()
                    .any(|(k, v)| k == "tokenauth" && v == "true")
                {
                    return Err(SecurityError::AuthenticationFailed(
                        "Authentication failed: delegation tokens are not supported".into(),
                    ));
                }
                if let Some(authz) = &first.authorization_id {
                    if authz != &first.username {
                        return Err(SecurityError::AuthenticationFailed(
                            "Authentication failed: Client requested an authorization id that is different from username".into(),
                        ));
                    }
                }
                let credential = lookup(&first.username).ok_or_else(|| {
                    SecurityError::AuthenticationFailed(
                        "Authentication failed: Invalid user credentials".into(),
                    )
                })?;
                let nonce = format!("{}{}", first.nonce, self::nonce());
                let server_first = format!(
                    "r={nonce},s={},i={}",
                    B64.encode(&credential.salt),
                    credential.iterations
                );
                let challenge = server_first.clone().into_bytes();
                self.state = ServerState::ExpectFinal(Box::new(Pending {
                    first,
                    server_first,
                    nonce,
                    credential,
                }));
                Ok(ServerStep::Challenge(challenge))
            }
            ServerState::ExpectFinal(pending) => {
                let Pending {
                    first,
                    server_first,
                    nonce,
                    credential,
                } = *pending;
                let text = std::str::from_utf8(message)
                    .map_err(|_| protocol("Invalid SCRAM client final message: not UTF-8"))?;
                let (without_proof, proof) = text
                    .rsplit_once(",p=")
                    .ok_or_else(|| protocol("Invalid SCRAM client final message: no proof"))?;
                let attrs = attributes(without_proof);
                let binding = attribute(&attrs, 'c').unwrap_or_default();
                if B64.decode(binding).ok().as_deref() != Some(first.gs2_header.as_bytes()) {
                    return Err(protocol(
                        "Invalid SCRAM client final message: channel binding does not match",
                    ));
                }
                // Kafka checks that the nonce ends with ours (librdkafka before 2.1 repeats the
                // client part), so the same is accepted here.
                if !attribute(&attrs, 'r').is_some_and(|r| r.ends_with(nonce.as_str())) {
                    return Err(protocol(
                        "Invalid SCRAM client final message: nonce does not match",
                    ));
                }
                let proof = B64.decode(proof).map_err(|_| {
                    protocol("Invalid SCRAM client final message: proof is not base64")
                })?;
                let auth_message = format!("{},{server_first},{without_proof}", first.bare);
                let m = self.mechanism;
                let client_signature = m.hmac(&credential.stored_key, auth_message.as_bytes());
                if proof.len() != client_signature.len()
                    || !same_bytes(
                        &m.hash(&xor(&proof, &client_signature)),
                        &credential.stored_key,
                    )
                {
                    return Err(invalid_credentials(m.name()));
                }
                let server_signature = m.hmac(&credential.server_key, auth_message.as_bytes());
                Ok(ServerStep::Success {
                    username: first.username,
                    message: format!("v={}", B64.encode(server_signature)).into_bytes(),
                })
            }
            ServerState::Done => Err(protocol("SCRAM exchange already complete")),
        }
    }
}

/// The client side of one SCRAM exchange.
#[derive(Debug)]
pub struct ScramClient {
    mechanism: ScramMechanism,
    username: String,
    password: String,
    nonce: String,
    server_signature: Option<Vec<u8>>,
}

impl ScramClient {
    pub fn new(mechanism: ScramMechanism, username: &str, password: &str) -> Self {
        ScramClient {
            mechanism,
            username: username.to_string(),
            password: password.to_string(),
            nonce: nonce(),
            server_signature: None,
        }
    }

    fn first_bare(&self) -> String {
        format!("n={},r={}", escape_name(&self.username), self.nonce)
    }

    /// `n,,n=user,r=nonce`.
    pub fn first_message(&self) -> Vec<u8> {
        format!("n,,{}", self.first_bare()).into_bytes()
    }

    /// Answers the server's first message with the proof.
    pub fn final_message(&mut self, server_first: &[u8]) -> Result<Vec<u8>, SecurityError> {
        let text = std::str::from_utf8(server_first)
            .map_err(|_| protocol("Invalid SCRAM server first message"))?;
        let attrs = attributes(text);
        if let Some(e) = attribute(&attrs, 'e') {
            return Err(SecurityError::AuthenticationFailed(format!(
                "SCRAM server error: {e}"
            )));
        }
        let nonce = attribute(&attrs, 'r')
            .ok_or_else(|| protocol("Invalid SCRAM server first message: no nonce"))?;
        if !nonce.starts_with(&self.nonce) {
            return Err(protocol(
                "Invalid SCRAM server first message: nonce does not extend ours",
            ));
        }
        let salt = attribute(&attrs, 's')
            .and_then(|s| B64.decode(s).ok())
            .ok_or_else(|| protocol("Invalid SCRAM server first message: no salt"))?;
        let iterations: i32 = attribute(&attrs, 'i')
            .and_then(|i| i.parse().ok())
            .filter(|i| *i > 0 && *i <= 1_000_000)
            .ok_or_else(|| protocol("Invalid SCRAM server first message: bad iteration count"))?;
        let m = self.mechanism;
        let salted = m.salted_password(self.password.as_bytes(), &salt, iterations);
        let client_key = m.hmac(&salted, b"Client Key");
        let stored_key = m.hash(&client_key);
        let without_proof = format!("c={},r={nonce}", B64.encode("n,,"));
        let auth_message = format!("{},{text},{without_proof}", self.first_bare());
        let client_signature = m.hmac(&stored_key, auth_message.as_bytes());
        let proof = xor(&client_key, &client_signature);
        let server_key = m.hmac(&salted, b"Server Key");
        self.server_signature = Some(m.hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)).into_bytes())
    }

    /// Checks the server's signature: a server that does not know the password cannot forge it.
    pub fn verify_server_final(&self, server_final: &[u8]) -> Result<(), SecurityError> {
        let text = std::str::from_utf8(server_final)
            .map_err(|_| protocol("Invalid SCRAM server final message"))?;
        let attrs = attributes(text);
        if let Some(e) = attribute(&attrs, 'e') {
            return Err(SecurityError::AuthenticationFailed(format!(
                "SCRAM server error: {e}"
            )));
        }
        let signature = attribute(&attrs, 'v').and_then(|v| B64.decode(v).ok());
        match (&self.server_signature, signature) {
            (Some(ours), Some(theirs)) if same_bytes(ours, &theirs) => Ok(()),
            _ => Err(SecurityError::AuthenticationFailed(
                "Invalid server signature in SCRAM server final message".into(),
            )),
        }
    }
}

/// SASL PLAIN's message: `authzid NUL username NUL password`.
pub fn plain_message(username: &str, password: &str) -> Vec<u8> {
    format!("\0{username}\0{password}").into_bytes()
}

/// Reads a PLAIN message into (username, password), with Kafka's error wording.
pub fn parse_plain(message: &[u8]) -> Result<(String, String), SecurityError> {
    let text = std::str::from_utf8(message).map_err(|_| {
        SecurityError::AuthenticationFailed(
            "Authentication failed: Invalid SASL/PLAIN response".into(),
        )
    })?;
    let parts: Vec<&str> = text.split('\0').collect();
    let [authzid, username, password] = parts[..] else {
        return Err(SecurityError::AuthenticationFailed(format!(
            "Invalid SASL/PLAIN response: expected 3 tokens, got {}",
            parts.len()
        )));
    };
    if username.is_empty() {
        return Err(SecurityError::AuthenticationFailed(
            "Authentication failed: username not specified".into(),
        ));
    }
    if password.is_empty() {
        return Err(SecurityError::AuthenticationFailed(
            "Authentication failed: password not specified".into(),
        ));
    }
    if !authzid.is_empty() && authzid != username {
        return Err(SecurityError::AuthenticationFailed(
            "Authentication failed: Client requested an authorization id that is different from username".into(),
        ));
    }
    Ok((username.to_string(), password.to_string()))
}

/// Compares a PLAIN password with the configured one without early exit.
pub fn password_matches(given: &str, expected: &str) -> bool {
    same_bytes(given.as_bytes(), expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(mechanism: ScramMechanism, stored: &str, given: &str) -> Result<(), SecurityError> {
        let credential = mechanism.new_credential(stored, 4096);
        let mut server = ScramServer::new(mechanism);
        let mut client = ScramClient::new(mechanism, "al,ice", given);
        let challenge = match server.step(&client.first_message(), |u| {
            assert_eq!(u, "al,ice");
            Some(credential.clone())
        })? {
            ServerStep::Challenge(c) => c,
            other => panic!("{other:?}"),
        };
        let last = client.final_message(&challenge)?;
        match server.step(&last, |_| None)? {
            ServerStep::Success { username, message } => {
                assert_eq!(username, "al,ice");
                client.verify_server_final(&message)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scram_accepts_the_password_and_refuses_others() {
        for m in [ScramMechanism::Sha256, ScramMechanism::Sha512] {
            exchange(m, "secret", "secret").unwrap();
            let err = exchange(m, "secret", "wrong").unwrap_err();
            assert!(err.to_string().contains("invalid credentials"), "{err}");
        }
    }

    #[test]
    fn rfc7677_test_vector() {
        // RFC 7677 section 3: user, password "pencil", the given salt and nonces.
        let m = ScramMechanism::Sha256;
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let salted = m.salted_password(b"pencil", &salt, 4096);
        let auth = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let client_key = m.hmac(&salted, b"Client Key");
        let signature = m.hmac(&m.hash(&client_key), auth.as_bytes());
        assert_eq!(
            B64.encode(xor(&client_key, &signature)),
            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        let server_key = m.hmac(&salted, b"Server Key");
        assert_eq!(
            B64.encode(m.hmac(&server_key, auth.as_bytes())),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
    }

    #[test]
    fn malformed_messages_are_refused() {
        let mut server = ScramServer::new(ScramMechanism::Sha256);
        assert!(server.step(b"garbage", |_| None).is_err());
        let mut server = ScramServer::new(ScramMechanism::Sha256);
        assert!(server.step(b"p=tls,,n=a,r=x", |_| None).is_err());
        let mut server = ScramServer::new(ScramMechanism::Sha256);
        assert!(matches!(
            server.step(b"n,,n=nobody,r=abc", |_| None),
            Err(SecurityError::AuthenticationFailed(_))
        ));
        assert_eq!(
            parse_plain(b"\0alice\0pw").unwrap(),
            ("alice".into(), "pw".into())
        );
        assert!(parse_plain(b"bob\0alice\0pw").is_err());
        assert!(parse_plain(b"alice\0pw").is_err());
    }
}
