//! Java JAAS configuration strings, as `sasl.jaas.config` holds them:
//! `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s";`

use indexmap::IndexMap;

use super::SecurityError;

/// One login module entry: its class and options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JaasEntry {
    pub login_module: String,
    pub options: IndexMap<String, String>,
}

impl JaasEntry {
    /// The short name of the login module class (`PlainLoginModule`).
    pub fn module_name(&self) -> &str {
        self.login_module
            .rsplit('.')
            .next()
            .unwrap_or(&self.login_module)
    }

    /// PLAIN users declared as `user_<name>="<password>"` options (broker side).
    pub fn plain_users(&self) -> IndexMap<String, String> {
        self.options
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("user_").map(|u| (u.to_string(), v.clone())))
            .collect()
    }
}

/// Parses a JAAS configuration: one or more `Class flag key=value ...;` entries. Values may be
/// quoted (`"..."`, with `\"` and `\\` escapes) or bare words.
pub fn parse(text: &str) -> Result<Vec<JaasEntry>, SecurityError> {
    let tokens = tokenize(text)?;
    let mut entries = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        let Token::Word(login_module) = &tokens[at] else {
            return Err(bad(text, "expected a login module class"));
        };
        let flag = match tokens.get(at + 1) {
            Some(Token::Word(f)) => f.to_ascii_lowercase(),
            _ => return Err(bad(text, "expected a control flag after the login module")),
        };
        if !matches!(
            flag.as_str(),
            "required" | "requisite" | "sufficient" | "optional"
        ) {
            return Err(bad(text, &format!("invalid control flag {flag}")));
        }
        at += 2;
        let mut options = IndexMap::new();
        loop {
            match tokens.get(at) {
                Some(Token::Semicolon) => {
                    at += 1;
                    break;
                }
                Some(Token::Word(key)) => match (tokens.get(at + 1), tokens.get(at + 2)) {
                    (Some(Token::Equals), Some(Token::Word(value) | Token::Quoted(value))) => {
                        options.insert(key.clone(), value.clone());
                        at += 3;
                    }
                    _ => return Err(bad(text, &format!("expected a value for option {key}"))),
                },
                _ => return Err(bad(text, "expected ';' at the end of the entry")),
            }
        }
        entries.push(JaasEntry {
            login_module: login_module.clone(),
            options,
        });
    }
    if entries.is_empty() {
        return Err(bad(text, "no login module"));
    }
    Ok(entries)
}

fn bad(text: &str, why: &str) -> SecurityError {
    // The text may hold passwords: name the problem, not the value.
    let _ = text;
    SecurityError::Config(format!(
        "Invalid JAAS configuration (sasl.jaas.config): {why}"
    ))
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Equals,
    Semicolon,
}

fn tokenize(text: &str) -> Result<Vec<Token>, SecurityError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '=' => {
                chars.next();
                tokens.push(Token::Equals);
            }
            ';' => {
                chars.next();
                tokens.push(Token::Semicolon);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e) => value.push(e),
                            None => return Err(bad(text, "unterminated quoted value")),
                        },
                        Some(ch) => value.push(ch),
                        None => return Err(bad(text, "unterminated quoted value")),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '=' || ch == ';' || ch == '"' {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_scram_entries() {
        let e = parse(r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a\"b" user_admin="admin-secret" user_alice=alice-secret;"#).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].module_name(), "PlainLoginModule");
        assert_eq!(e[0].options["password"], "a\"b");
        let users = e[0].plain_users();
        assert_eq!(users["alice"], "alice-secret");
        assert_eq!(users["admin"], "admin-secret");
        let s = parse("org.apache.kafka.common.security.scram.ScramLoginModule required\n username=\"bob\"\n password=\"x\";").unwrap();
        assert_eq!(s[0].options["username"], "bob");
        assert!(parse("PlainLoginModule username=x;").is_err());
        assert!(parse("PlainLoginModule required username=\"x;").is_err());
        assert!(parse("PlainLoginModule required username=x").is_err());
        assert!(parse("").is_err());
    }
}
