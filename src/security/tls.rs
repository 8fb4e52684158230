//! TLS material under Kafka's property names (and librdkafka's), for both ends of a
//! connection: PEM or PKCS#12 key stores and trust stores (PEM also inline), encrypted PKCS#8 keys
//! (`ssl.key.password`), `ssl.client.auth`, hostname verification, and the principal Kafka
//! derives from a client certificate (its subject in RFC 2253 form, `User:CN=alice,O=kbox`).

use std::sync::Arc;

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::SecurityError;

/// Looks a property up (already resolved for listener prefixes by the caller).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn config_err(message: impl Into<String>) -> SecurityError {
    SecurityError::Config(message.into())
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_file(key: &str, path: &str) -> Result<String, SecurityError> {
    std::fs::read_to_string(path).map_err(|e| config_err(format!("cannot read {key}={path}: {e}")))
}

/// Certificates from PEM text.
pub fn certificates(
    pem: &str,
    source: &str,
) -> Result<Vec<CertificateDer<'static>>, SecurityError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| config_err(format!("{source}: bad PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(config_err(format!("{source}: no PEM certificate found")));
    }
    Ok(certs)
}

/// The private key in PEM text: PKCS#8, PKCS#1 or SEC1; an `ENCRYPTED PRIVATE KEY` needs the
/// password (`ssl.key.password`).
pub fn private_key(
    pem: &str,
    password: Option<&str>,
    source: &str,
) -> Result<PrivateKeyDer<'static>, SecurityError> {
    const BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    const END: &str = "-----END ENCRYPTED PRIVATE KEY-----";
    if let Some(start) = pem.find(BEGIN) {
        let body = &pem[start + BEGIN.len()..];
        let body = &body[..body
            .find(END)
            .ok_or_else(|| config_err(format!("{source}: unterminated encrypted key")))?];
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .map_err(|_| config_err(format!("{source}: encrypted key is not base64")))?;
        let password = password.ok_or_else(|| {
            config_err(format!(
                "{source}: the private key is encrypted and ssl.key.password is not set"
            ))
        })?;
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
            .map_err(|e| config_err(format!("{source}: bad encrypted PKCS#8 key: {e}")))?;
        let plain = info.decrypt(password).map_err(|_| {
            config_err(format!(
                "{source}: cannot decrypt the private key (wrong ssl.key.password?)"
            ))
        })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            plain.as_bytes().to_vec(),
        )));
    }
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| config_err(format!("{source}: no usable PEM private key: {e}")))
}

/// A certificate chain and its key.
pub struct KeyPair {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// The own certificate and key, from Kafka's `ssl.keystore.*` or librdkafka's
/// `ssl.certificate.*` / `ssl.key.*`. `None` when nothing is configured.
pub fn key_pair(get: Lookup<'_>) -> Result<Option<KeyPair>, SecurityError> {
    let password = get("ssl.key.password");
    let password = password.as_deref().filter(|p| !p.is_empty());
    let store_type = get("ssl.keystore.type").map(|t| t.trim().to_ascii_uppercase());
    if let (Some(key), Some(chain)) = (
        get("ssl.keystore.key"),
        get("ssl.keystore.certificate.chain"),
    ) {
        return Ok(Some(KeyPair {
            chain: certificates(&chain, "ssl.keystore.certificate.chain")?,
            key: private_key(&key, password, "ssl.keystore.key")?,
        }));
    }
    if let Some(location) = get("ssl.keystore.location").filter(|l| !l.trim().is_empty()) {
        let location = location.trim();
        let bytes = std::fs::read(location).map_err(|e| {
            config_err(format!("cannot read ssl.keystore.location={location}: {e}"))
        })?;
        // PEM when it says so or looks so; else PKCS#12 (librdkafka's key stores are PKCS#12).
        let is_pem = store_type.as_deref() == Some("PEM")
            || (store_type.as_deref() != Some("PKCS12")
                && String::from_utf8_lossy(&bytes).contains("-----BEGIN"));
        if !is_pem {
            let store = pkcs12_store(
                &bytes,
                get("ssl.keystore.password"),
                "ssl.keystore.location",
                store_type.as_deref(),
                p12_keystore::Pkcs12ImportPolicy::Relaxed,
            )?;
            let (_, chain) = store.private_key_chain().ok_or_else(|| {
                config_err(format!(
                    "ssl.keystore.location={location}: no private key with its certificate in the PKCS#12 store"
                ))
            })?;
            return Ok(Some(KeyPair {
                chain: chain
                    .certs()
                    .iter()
                    .map(|c| CertificateDer::from(c.as_der().to_vec()))
                    .collect(),
                key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().as_der().to_vec())),
            }));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        return Ok(Some(KeyPair {
            chain: certificates(&text, "ssl.keystore.location")?,
            key: private_key(&text, password, "ssl.keystore.location")?,
        }));
    }
    let cert = match (get("ssl.certificate.pem"), get("ssl.certificate.location")) {
        (Some(pem), _) => Some((pem, "ssl.certificate.pem")),
        (None, Some(path)) => Some((
            read_file("ssl.certificate.location", &path)?,
            "ssl.certificate.location",
        )),
        _ => None,
    };
    let key = match (get("ssl.key.pem"), get("ssl.key.location")) {
        (Some(pem), _) => Some((pem, "ssl.key.pem")),
        (None, Some(path)) => Some((read_file("ssl.key.location", &path)?, "ssl.key.location")),
        _ => None,
    };
    match (cert, key) {
        (Some((cert, cs)), Some((key, ks))) => Ok(Some(KeyPair {
            chain: certificates(&cert, cs)?,
            key: private_key(&key, password, ks)?,
        })),
        (None, None) => Ok(None),
        _ => Err(config_err(
            "ssl.certificate.location and ssl.key.location must be given together",
        )),
    }
}

/// CA certificates from `ssl.truststore.*` or librdkafka's `ssl.ca.*`; `None` when unset.
pub fn trusted_certificates(
    get: Lookup<'_>,
) -> Result<Option<Vec<CertificateDer<'static>>>, SecurityError> {
    if let Some(pem) = get("ssl.truststore.certificates") {
        return certificates(&pem, "ssl.truststore.certificates").map(Some);
    }
    if let Some(pem) = get("ssl.ca.pem") {
        return certificates(&pem, "ssl.ca.pem").map(Some);
    }
    for key in ["ssl.truststore.location", "ssl.ca.location"] {
        if let Some(location) = get(key).filter(|l| !l.trim().is_empty()) {
            let store_type = get("ssl.truststore.type").map(|t| t.trim().to_ascii_uppercase());
            let bytes = std::fs::read(location.trim())
                .map_err(|e| config_err(format!("cannot read {key}={location}: {e}")))?;
            let is_pem = store_type.as_deref() == Some("PEM")
                || (store_type.as_deref() != Some("PKCS12")
                    && String::from_utf8_lossy(&bytes).contains("-----BEGIN"));
            if is_pem || key == "ssl.ca.location" {
                return certificates(&String::from_utf8_lossy(&bytes), key).map(Some);
            }
            let store = pkcs12_store(
                &bytes,
                get("ssl.truststore.password"),
                key,
                store_type.as_deref(),
                p12_keystore::Pkcs12ImportPolicy::Raw,
            )?;
            let certs: Vec<CertificateDer<'static>> = store
                .entries()
                .flat_map(|(_, entry)| match entry {
                    p12_keystore::KeyStoreEntry::Certificate(c) => {
                        vec![CertificateDer::from(c.as_der().to_vec())]
                    }
                    p12_keystore::KeyStoreEntry::PrivateKeyChain(chain) => chain
                        .certs()
                        .iter()
                        .map(|c| CertificateDer::from(c.as_der().to_vec()))
                        .collect(),
                    _ => Vec::new(),
                })
                .collect();
            if certs.is_empty() {
                return Err(config_err(format!(
                    "{key}={location}: no certificate in the PKCS#12 store"
                )));
            }
            return Ok(Some(certs));
        }
    }
    Ok(None)
}

/// Opens a PKCS#12 store. Trust stores are read in `Raw` mode: openssl's carry no trust flags.
/// JKS, Java's old format, is not PKCS#12 and is refused with a way out.
fn pkcs12_store(
    bytes: &[u8],
    password: Option<String>,
    source: &str,
    store_type: Option<&str>,
    policy: p12_keystore::Pkcs12ImportPolicy,
) -> Result<p12_keystore::KeyStore, SecurityError> {
    if store_type == Some("JKS") || bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        return Err(config_err(format!(
            "{source}: JKS stores are not supported by kbox; convert with keytool -importkeystore -deststoretype PKCS12, or use PEM"
        )));
    }
    let password = password.unwrap_or_default();
    p12_keystore::KeyStore::from_pkcs12(bytes, &password, policy).map_err(|e| {
        config_err(format!(
            "{source}: cannot open the PKCS#12 store (wrong password?): {e}"
        ))
    })
}

fn root_store(
    certs: Vec<CertificateDer<'static>>,
    source: &str,
) -> Result<RootCertStore, SecurityError> {
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| config_err(format!("{source}: unusable CA certificate: {e}")))?;
    }
    Ok(roots)
}

/// `ssl.client.auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    None,
    Requested,
    Required,
}

impl ClientAuth {
    pub fn parse(value: Option<&str>) -> Result<Self, SecurityError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("none") | Some("") => Ok(ClientAuth::None),
            Some("requested") => Ok(ClientAuth::Requested),
            Some("required") => Ok(ClientAuth::Required),
            Some(other) => Err(config_err(format!(
                "Invalid value {other} for configuration ssl.client.auth: String must be one of: required, requested, none"
            ))),
        }
    }
}

/// The broker's TLS configuration for one listener.
pub fn server_config(
    get: Lookup<'_>,
    listener: &str,
) -> Result<Arc<rustls::ServerConfig>, SecurityError> {
    let pair = key_pair(get)?.ok_or_else(|| {
        config_err(format!(
            "listener {listener} uses TLS but has no key store: set ssl.keystore.location (PEM) or ssl.keystore.key and ssl.keystore.certificate.chain (optionally as listener.name.{}.ssl.*)",
            listener.to_ascii_lowercase()
        ))
    })?;
    let client_auth = ClientAuth::parse(get("ssl.client.auth").as_deref())?;
    let provider = provider();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| config_err(e.to_string()))?;
    let builder = if client_auth == ClientAuth::None {
        builder.with_no_client_auth()
    } else {
        let cas = trusted_certificates(get)?.ok_or_else(|| {
            config_err(format!("listener {listener}: ssl.client.auth needs ssl.truststore.location (PEM CA certificates)"))
        })?;
        let roots = Arc::new(root_store(cas, "ssl.truststore")?);
        let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
        let verifier = if client_auth == ClientAuth::Requested {
            verifier.allow_unauthenticated()
        } else {
            verifier
        };
        builder.with_client_cert_verifier(verifier.build().map_err(|e| config_err(e.to_string()))?)
    };
    let config = builder
        .with_single_cert(pair.chain, pair.key)
        .map_err(|e| {
            config_err(format!(
                "listener {listener}: the key does not fit the certificate: {e}"
            ))
        })?;
    Ok(Arc::new(config))
}

/// The client's TLS configuration: trust store (else the system's CAs), optional client
/// certificate, and `ssl.endpoint.identification.algorithm` (`https`, the default, checks the
/// host name; empty does not).
pub fn client_config(get: Lookup<'_>) -> Result<Arc<rustls::ClientConfig>, SecurityError> {
    let provider = provider();
    let roots = match trusted_certificates(get)? {
        Some(cas) => root_store(cas, "ssl.truststore")?,
        None => {
            let mut roots = RootCertStore::empty();
            let native = rustls_native_certs::load_native_certs();
            for cert in native.certs {
                let _ = roots.add(cert);
            }
            roots
        }
    };
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| config_err(format!("no usable CA certificates: {e}")))?;
    let check_host = get("ssl.endpoint.identification.algorithm")
        .map(|v| !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("none"))
        .unwrap_or(true);
    let verify = get("enable.ssl.certificate.verification")
        .map(|v| !v.trim().eq_ignore_ascii_case("false"))
        .unwrap_or(true);
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_err(e.to_string()))?;
    let builder = if check_host && verify {
        builder.with_webpki_verifier(verifier)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Lenient {
                inner: verifier,
                verify,
            }))
    };
    let config = match key_pair(get)? {
        Some(pair) => builder
            .with_client_auth_cert(pair.chain, pair.key)
            .map_err(|e| config_err(format!("the client key does not fit its certificate: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// A verifier that checks the chain but not the host name (`ssl.endpoint.identification.algorithm=`),
/// or nothing at all (librdkafka's `enable.ssl.certificate.verification=false`).
#[derive(Debug)]
struct Lenient {
    inner: Arc<WebPkiServerVerifier>,
    verify: bool,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.verify {
            return Ok(ServerCertVerified::assertion());
        }
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Kafka's default principal for a TLS peer: `User:` and the certificate subject as Java's
/// `X500Principal.getName()` prints it (RFC 2253: last RDN first, `CN=alice,OU=eng,O=kbox`).
pub fn principal_from_certificate(der: &[u8]) -> Result<String, SecurityError> {
    Ok(format!("User:{}", certificate_subject(der)?))
}

/// A certificate's subject in RFC 2253 form, as Java's `X500Principal.getName()` prints it.
pub fn certificate_subject(der: &[u8]) -> Result<String, SecurityError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| config_err(format!("unreadable client certificate: {e}")))?;
    let mut rdns = Vec::new();
    for rdn in cert.subject().iter() {
        let mut parts = Vec::new();
        for attr in rdn.iter() {
            let oid = attr.attr_type().to_id_string();
            let keyword = match oid.as_str() {
                "2.5.4.3" => Some("CN"),
                "2.5.4.6" => Some("C"),
                "2.5.4.7" => Some("L"),
                "2.5.4.8" => Some("ST"),
                "2.5.4.9" => Some("STREET"),
                "2.5.4.10" => Some("O"),
                "2.5.4.11" => Some("OU"),
                "0.9.2342.19200300.100.1.25" => Some("DC"),
                "0.9.2342.19200300.100.1.1" => Some("UID"),
                _ => None,
            };
            match (keyword, attr.as_str()) {
                (Some(k), Ok(value)) => parts.push(format!("{k}={}", escape_rfc2253(value))),
                _ => {
                    // Unknown attributes are printed as OID=#hex of their DER value, as Java does.
                    let hex: String =
                        x509_parser::der_parser::asn1_rs::ToDer::to_der_vec(attr.attr_value())
                            .unwrap_or_default()
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect();
                    parts.push(format!("{oid}=#{hex}"));
                }
            }
        }
        rdns.push(parts.join("+"));
    }
    rdns.reverse();
    Ok(rdns.join(","))
}

/// `ssl.principal.mapping.rules`: Kafka's rules from a certificate subject to a principal name,
/// `RULE:pattern/replacement/[LU]` (the pattern must match the whole subject) or `DEFAULT`
/// (the subject itself), tried in order.
#[derive(Debug, Clone)]
pub struct PrincipalRules {
    rules: Vec<PrincipalRule>,
}

#[derive(Debug, Clone)]
enum PrincipalRule {
    Default,
    Rule {
        pattern: regex::Regex,
        replacement: String,
        case: Option<char>,
    },
}

impl Default for PrincipalRules {
    fn default() -> Self {
        PrincipalRules {
            rules: vec![PrincipalRule::Default],
        }
    }
}

impl PrincipalRules {
    /// Parses the rules as Kafka writes them (comma-separated, regexes may hold commas).
    pub fn parse(text: &str) -> Result<Self, SecurityError> {
        let bad = |why: &str| {
            config_err(format!(
                "Invalid value {text} for configuration ssl.principal.mapping.rules: {why}"
            ))
        };
        let java_groups = regex::Regex::new(r"\$(\d+)").map_err(|e| bad(&e.to_string()))?;
        let mut rules = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("DEFAULT") {
                rules.push(PrincipalRule::Default);
                rest = after;
            } else if let Some(after) = rest.strip_prefix("RULE:") {
                let (pattern, after) =
                    until_slash(after).ok_or_else(|| bad("a RULE needs pattern/replacement/"))?;
                let (replacement, after) =
                    until_slash(after).ok_or_else(|| bad("a RULE needs pattern/replacement/"))?;
                let (case, after) = match after.chars().next() {
                    Some(c @ ('L' | 'U')) => (Some(c), &after[1..]),
                    _ => (None, after),
                };
                let pattern = regex::Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| bad(&format!("bad pattern: {e}")))?;
                // Java writes groups as $1; the regex crate wants ${1} when letters follow.
                let replacement = java_groups.replace_all(&replacement, "$${$1}").into_owned();
                rules.push(PrincipalRule::Rule {
                    pattern,
                    replacement,
                    case,
                });
                rest = after;
            } else {
                return Err(bad("expected DEFAULT or RULE:pattern/replacement/"));
            }
            rest = rest.trim_start().trim_start_matches(',').trim_start();
        }
        if rules.is_empty() {
            rules.push(PrincipalRule::Default);
        }
        Ok(PrincipalRules { rules })
    }

    /// The principal name for a subject; `None` when no rule applies (Kafka then refuses the
    /// connection).
    pub fn apply(&self, subject: &str) -> Option<String> {
        self.rules.iter().find_map(|rule| match rule {
            PrincipalRule::Default => Some(subject.to_string()),
            PrincipalRule::Rule {
                pattern,
                replacement,
                case,
            } => {
                if !pattern.is_match(subject) {
                    return None;
                }
                let name = pattern.replace(subject, replacement.as_str()).into_owned();
                Some(match case {
                    Some('L') => name.to_lowercase(),
                    Some('U') => name.to_uppercase(),
                    _ => name,
                })
            }
        })
    }
}

/// Splits at the first `/` not escaped by a backslash; `\/` becomes `/`.
fn until_slash(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '/')) => out.push('/'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '/' => return Some((out, &text[i + 1..])),
            other => out.push(other),
        }
    }
    None
}

fn escape_rfc2253(value: &str) -> String {
    let mut out = String::new();
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_mapping_rules_as_kafka_documents_them() {
        let rules = PrincipalRules::parse(
            "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=([a-z]+)x,O=(.*)$/$1@$2/, DEFAULT",
        )
        .unwrap();
        assert_eq!(
            rules
                .apply("CN=Kafka-Broker,OU=ServiceUsers,O=Corp")
                .as_deref(),
            Some("kafka-broker")
        );
        assert_eq!(rules.apply("CN=bobx,O=kbox").as_deref(), Some("bob@kbox"));
        assert_eq!(
            rules.apply("CN=alice,O=kbox").as_deref(),
            Some("CN=alice,O=kbox")
        );
        let strict = PrincipalRules::parse("RULE:^CN=(.*),O=kbox$/$1/U").unwrap();
        assert_eq!(strict.apply("CN=alice,O=kbox").as_deref(), Some("ALICE"));
        assert_eq!(strict.apply("CN=alice,O=other"), None);
        assert_eq!(
            PrincipalRules::parse("DEFAULT")
                .unwrap()
                .apply("CN=x")
                .as_deref(),
            Some("CN=x")
        );
        assert!(PrincipalRules::parse("RULE:oops").is_err());
        assert!(PrincipalRules::parse("something").is_err());
    }

    #[test]
    fn principal_is_the_subject_in_rfc2253_order() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CountryName, "US");
        dn.push(rcgen::DnType::OrganizationName, "kbox, inc");
        dn.push(rcgen::DnType::CommonName, "alice");
        params.distinguished_name = dn;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(
            principal_from_certificate(cert.der()).unwrap(),
            "User:CN=alice,O=kbox\\, inc,C=US"
        );
    }

    #[test]
    fn key_stores_load_from_pem_and_encrypted_keys_need_the_password() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let both = format!("{}{}", key.serialize_pem(), cert.pem());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ks.pem");
        std::fs::write(&path, &both).unwrap();
        let p = path.display().to_string();
        let lookup = move |k: &str| match k {
            "ssl.keystore.location" => Some(p.clone()),
            "ssl.keystore.type" => Some("PEM".to_string()),
            _ => None,
        };
        let pair = key_pair(&lookup).unwrap().unwrap();
        assert_eq!(pair.chain.len(), 1);
        assert!(server_config(&lookup, "SSL").is_ok());
        let none = |_: &str| None;
        assert!(key_pair(&none).unwrap().is_none());
        assert!(private_key(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            None,
            "x"
        )
        .is_err());
    }
}
