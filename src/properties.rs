//! Java `.properties` files, read and written the way `java.util.Properties` does it, because
//! Kafka reads `server.properties` and writes `meta.properties` with that class.
//!
//! # Reading ([`Properties::parse`], [`Properties::load`])
//!
//! ```text
//! # comment            ! also a comment        (leading whitespace is ignored everywhere)
//! key=value            key: value              key value        (first `=`, `:` or blank ends the key)
//! log.dirs=/a,\        a backslash at the end of a line continues the value on the next line,
//!          /b          whose leading whitespace is skipped
//! path=C:\\data        escapes: \t \n \r \f \uXXXX, and `\x` is `x` for any other x (\= \: \# \  \\)
//! ```
//!
//! Lines end with `\n`, `\r\n` or `\r`. A key given twice keeps its last value but its first
//! position: the map is ordered by first appearance, so a file reads back in the order it was
//! written. A comment line never continues, even when it ends with a backslash. A malformed
//! `\uXXXX` escape is an error naming the line, as Java's `IllegalArgumentException` would be;
//! so is a `\uXXXX` that leaves half of a UTF-16 surrogate pair alone (Java would keep it, Rust
//! strings cannot).
//!
//! Java reads `InputStream`s as ISO-8859-1. [`Properties::load`] reads UTF-8, which is what
//! people write today, and falls back to ISO-8859-1 when the bytes are not valid UTF-8.
//!
//! # Writing ([`Properties::store`])
//!
//! The output matches `Properties.store(Writer, comments)`: an optional `#comments` header, a
//! `#<date>` line in `Date.toString()` form (always UTC here), then `key=value` lines with
//! Java's escapes (`\\`, `\t`, `\n`, `\r`, `\f`, `\=`, `\:`, `\#`, `\!`, a backslash before
//! every space in a key and before a leading space in a value). Non-ASCII characters are written
//! as UTF-8, as Kafka's `PropertiesUtils.writePropertiesFile` (a UTF-8 `Writer`) does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use indexmap::IndexMap;

/// Why a `.properties` text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The text is malformed at a line (1-based, the first line of a continued logical line).
    #[error("{}line {line}: {message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Syntax {
        /// The file, when the text came from one.
        path: Option<PathBuf>,
        /// 1-based line number.
        line: usize,
        /// What is wrong, in Java's words where Java has some.
        message: String,
    },
}

impl PropertiesError {
    /// The line number of a syntax error.
    pub fn line(&self) -> Option<usize> {
        match self {
            PropertiesError::Syntax { line, .. } => Some(*line),
            PropertiesError::Io { .. } => None,
        }
    }

    fn with_path(self, p: &Path) -> Self {
        match self {
            PropertiesError::Syntax { line, message, .. } => PropertiesError::Syntax {
                path: Some(p.to_path_buf()),
                line,
                message,
            },
            other => other,
        }
    }
}

/// An ordered `key → value` map read from or written as a Java `.properties` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    map: IndexMap<String, String>,
}

impl Properties {
    /// An empty map.
    pub fn new() -> Self {
        Properties::default()
    }

    /// Parses `.properties` text.
    ///
    /// # Errors
    ///
    /// [`PropertiesError::Syntax`] for a malformed `\uXXXX` escape or a lone UTF-16 surrogate.
    pub fn parse(text: &str) -> Result<Self, PropertiesError> {
        let mut props = Properties::new();
        for (line, logical) in logical_lines(text) {
            let (key, value) = split_key_value(&logical);
            let key = unescape(key, line)?;
            let value = unescape(value, line)?;
            props.set(key, value);
        }
        Ok(props)
    }

    /// Parses bytes: UTF-8 when valid, ISO-8859-1 (Java's reading) otherwise.
    ///
    /// # Errors
    ///
    /// As [`Properties::parse`].
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, PropertiesError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Properties::parse(text),
            Err(_) => Properties::parse(&bytes.iter().map(|&b| char::from(b)).collect::<String>()),
        }
    }

    /// Reads and parses a file.
    ///
    /// # Errors
    ///
    /// [`PropertiesError::Io`] when the file cannot be read; [`PropertiesError::Syntax`] (with the
    /// path) when it is malformed.
    pub fn load(path: &Path) -> Result<Self, PropertiesError> {
        let bytes = std::fs::read(path).map_err(|source| PropertiesError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Properties::parse_bytes(&bytes).map_err(|e| e.with_path(path))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// Sets `key`; an existing key keeps its position. Returns the previous value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.map.insert(key.into(), value.into())
    }

    /// Removes `key`, keeping the order of the others. Returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.map.shift_remove(key)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.map.keys().map(String::as_str)
    }

    /// The underlying ordered map.
    pub fn as_map(&self) -> &IndexMap<String, String> {
        &self.map
    }

    /// Consumes the properties into the ordered map.
    pub fn into_map(self) -> IndexMap<String, String> {
        self.map
    }

    /// The text `Properties.store(writer, comments)` would write: `#comments` (when given), then
    /// `#<date>` (when given; Java always writes it), then one `key=value` line per entry in
    /// order, each line ending with `\n`.
    pub fn store(&self, comments: Option<&str>, date: Option<SystemTime>) -> String {
        let mut out = String::new();
        if let Some(comments) = comments {
            write_comments(&mut out, comments);
        }
        if let Some(date) = date {
            out.push('#');
            out.push_str(&java_date_string(date));
            out.push('\n');
        }
        for (key, value) in &self.map {
            out.push_str(&escape_key(key));
            out.push('=');
            out.push_str(&escape_value(value));
            out.push('\n');
        }
        out
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Properties {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut props = Properties::new();
        props.extend(iter);
        props
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for Properties {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.set(k, v);
        }
    }
}

impl IntoIterator for Properties {
    type Item = (String, String);
    type IntoIter = indexmap::map::IntoIter<String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter()
    }
}

impl From<IndexMap<String, String>> for Properties {
    fn from(map: IndexMap<String, String>) -> Self {
        Properties { map }
    }
}

/// Whitespace as `Properties` sees it between tokens: space, tab, form feed.
fn is_prop_ws(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\x0c'
}

/// Splits text into natural lines (`\n`, `\r\n`, `\r`), numbered from 1.
fn natural_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut i, mut number) = (0, 0, 1);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push((number, &text[start..i]));
                i += 1;
                start = i;
                number += 1;
            }
            b'\r' => {
                lines.push((number, &text[start..i]));
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
                number += 1;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        lines.push((number, &text[start..]));
    }
    lines
}

/// Joins natural lines into logical lines as `java.util.Properties.LineReader` does: skips blank
/// and comment lines, strips leading whitespace, and follows odd trailing backslashes onto the
/// next line. Escapes are left in place. Each logical line carries its first line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in natural_lines(text) {
        let part = line.trim_start_matches(is_prop_ws);
        let (start, mut buf) = match current.take() {
            Some((start, mut buf)) => {
                buf.push_str(part);
                (start, buf)
            }
            None => {
                if part.is_empty() || part.starts_with('#') || part.starts_with('!') {
                    continue;
                }
                (number, part.to_string())
            }
        };
        // Parity of the backslash run that ends *this* natural line decides continuation.
        let trailing = part.chars().rev().take_while(|&c| c == '\\').count();
        if trailing % 2 == 1 {
            buf.pop();
            current = Some((start, buf));
        } else {
            out.push((start, buf));
        }
    }
    // A continuation at end of input: Java drops the backslash and keeps the line.
    if let Some(last) = current {
        out.push(last);
    }
    out
}

/// Splits a logical line into its raw (still escaped) key and value.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut preceding_backslash = false;
    let mut key_end = line.len();
    let mut value_start = line.len();
    let mut has_sep = false;
    for (i, c) in line.char_indices() {
        if !preceding_backslash && (c == '=' || c == ':') {
            key_end = i;
            value_start = i + 1;
            has_sep = true;
            break;
        }
        if !preceding_backslash && is_prop_ws(c) {
            key_end = i;
            value_start = i + c.len_utf8();
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
    }
    // Skip blanks and at most one `=`/`:` (unless the key already ended at one).
    let rest = &line[value_start..];
    let mut skip = rest.len();
    for (i, c) in rest.char_indices() {
        if is_prop_ws(c) {
            continue;
        }
        if !has_sep && (c == '=' || c == ':') {
            has_sep = true;
            continue;
        }
        skip = i;
        break;
    }
    (&line[..key_end], &rest[skip..])
}

/// Resolves Java escapes. Works in UTF-16 units so `\uD83D\uDE00` pairs into one character.
fn unescape(raw: &str, line: usize) -> Result<String, PropertiesError> {
    let malformed = |message: &str| PropertiesError::Syntax {
        path: None,
        line,
        message: message.to_string(),
    };
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
            continue;
        }
        // A lone backslash at the very end cannot survive the line reader; drop it as Java would.
        let Some(e) = chars.next() else { break };
        let resolved = match e {
            'u' => {
                let mut value: u16 = 0;
                for _ in 0..4 {
                    let digit = chars
                        .next()
                        .and_then(|d| d.to_digit(16))
                        .ok_or_else(|| malformed("Malformed \\uxxxx encoding."))?;
                    value = (value << 4) | digit as u16;
                }
                units.push(value);
                continue;
            }
            't' => '\t',
            'r' => '\r',
            'n' => '\n',
            'f' => '\x0c',
            other => other,
        };
        let mut buf = [0u16; 2];
        units.extend_from_slice(resolved.encode_utf16(&mut buf));
    }
    String::from_utf16(&units)
        .map_err(|_| malformed("a \\uXXXX escape leaves half of a UTF-16 surrogate pair unpaired"))
}

/// Escapes a key as `Properties.store` does (every space escaped).
pub fn escape_key(key: &str) -> String {
    save_convert(key, true)
}

/// Escapes a value as `Properties.store` does (only a leading space escaped).
pub fn escape_value(value: &str) -> String {
    save_convert(value, false)
}

fn save_convert(s: &str, escape_space: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' ' => {
                if i == 0 || escape_space {
                    out.push('\\');
                }
                out.push(' ');
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes a comment block as `Properties.writeComments` does: `#` before the first line and
/// before every following line that does not already start with `#` or `!`; characters above
/// U+00FF as `\uXXXX`.
fn write_comments(out: &mut String, comments: &str) {
    out.push('#');
    let units: Vec<u16> = comments.encode_utf16().collect();
    let mut i = 0;
    while i < units.len() {
        let u = units[i];
        if u == u16::from(b'\n') || u == u16::from(b'\r') {
            out.push('\n');
            if u == u16::from(b'\r') && units.get(i + 1) == Some(&u16::from(b'\n')) {
                i += 1;
            }
            let next = units.get(i + 1).copied();
            if next != Some(u16::from(b'#')) && next != Some(u16::from(b'!')) {
                out.push('#');
            }
        } else if u > 0xff {
            let _ = write!(out, "\\u{u:04X}");
        } else {
            out.push(char::from(u as u8));
        }
        i += 1;
    }
    out.push('\n');
}

/// `java.util.Date.toString()` of `time` in UTC: `Wed Mar 13 10:26:01 UTC 2024`.
pub fn java_date_string(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        year
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn parse(text: &str) -> Vec<(String, String)> {
        Properties::parse(text)
            .expect("parses")
            .into_iter()
            .collect()
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn separators() {
        assert_eq!(
            parse("a=1\nb: 2\nc 3\nd\t=\t4\ne   :5\nf = = 6\ng\n"),
            kv(&[
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("d", "4"),
                ("e", "5"),
                ("f", "= 6"),
                ("g", "")
            ])
        );
    }

    #[test]
    fn separator_rules_follow_java() {
        // Whitespace then `=` counts as one separator; a second `=` belongs to the value.
        assert_eq!(parse("k  =  v"), kv(&[("k", "v")]));
        assert_eq!(parse("k==v"), kv(&[("k", "=v")]));
        assert_eq!(parse("k ::v"), kv(&[("k", ":v")]));
        assert_eq!(parse("=v"), kv(&[("", "v")]));
        assert_eq!(
            parse("k=v  "),
            kv(&[("k", "v  ")]),
            "trailing whitespace is kept"
        );
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# comment\n! bang comment\n   # indented comment\n\n   \n\t\x0c\nkey=value # not a comment\n";
        assert_eq!(parse(text), kv(&[("key", "value # not a comment")]));
    }

    #[test]
    fn comment_lines_do_not_continue() {
        assert_eq!(parse("# comment \\\nkey=value"), kv(&[("key", "value")]));
    }

    #[test]
    fn leading_whitespace_ignored() {
        assert_eq!(parse("   \t key = value"), kv(&[("key", "value")]));
    }

    #[test]
    fn continuation_lines() {
        assert_eq!(
            parse("log.dirs=/a,\\\n    /b,\\\n\t/c\nnext=1"),
            kv(&[("log.dirs", "/a,/b,/c"), ("next", "1")])
        );
        // An even number of backslashes is an escaped backslash, not a continuation.
        assert_eq!(parse("a=x\\\\\nb=y"), kv(&[("a", "x\\"), ("b", "y")]));
        // Three: one escaped backslash plus a continuation.
        assert_eq!(parse("a=x\\\\\\\n  y"), kv(&[("a", "x\\y")]));
        // A continued line that starts with `#` is data, not a comment.
        assert_eq!(parse("a=1\\\n#2"), kv(&[("a", "1#2")]));
        // An empty continuation line ends the logical line.
        assert_eq!(parse("a=1\\\n\nb=2"), kv(&[("a", "1"), ("b", "2")]));
        // The key itself may continue.
        assert_eq!(parse("lo\\\n  ng=1"), kv(&[("long", "1")]));
    }

    #[test]
    fn continuation_at_end_of_input_drops_backslash() {
        assert_eq!(parse("a=1\\"), kv(&[("a", "1")]));
    }

    #[test]
    fn line_endings() {
        assert_eq!(
            parse("a=1\r\nb=2\rc=3\n"),
            kv(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
        assert_eq!(parse("a=1\\\r\n  2\r\nb=3"), kv(&[("a", "12"), ("b", "3")]));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse(r"k=tab\tnl\ncr\rff\fbs\\eq\=colon\:hash\#x\y"),
            kv(&[("k", "tab\tnl\ncr\rff\x0cbs\\eq=colon:hash#xy")])
        );
        assert_eq!(parse(r"k=\u0041\u00e9\u20AC"), kv(&[("k", "Aé€")]));
        assert_eq!(parse(r"k=\uD83D\uDE00"), kv(&[("k", "😀")]));
        assert_eq!(
            parse("k=é€😀"),
            kv(&[("k", "é€😀")]),
            "raw UTF-8 passes through"
        );
    }

    #[test]
    fn escaped_separators_in_keys() {
        assert_eq!(parse(r"a\=b=c"), kv(&[("a=b", "c")]));
        assert_eq!(parse(r"a\:b:c"), kv(&[("a:b", "c")]));
        assert_eq!(parse(r"a\ b c"), kv(&[("a b", "c")]));
        assert_eq!(parse(r"C\:\\dir=x"), kv(&[("C:\\dir", "x")]));
    }

    #[test]
    fn malformed_unicode_escape_names_the_line() {
        let err = Properties::parse("a=1\n\nb=\\u12G4\n").unwrap_err();
        assert_eq!(err.line(), Some(3));
        assert_eq!(err.to_string(), "line 3: Malformed \\uxxxx encoding.");
        assert!(Properties::parse("b=\\u12").is_err());
        assert!(Properties::parse("b=\\uD83D").is_err(), "lone surrogate");
    }

    #[test]
    fn last_duplicate_wins_first_position_kept() {
        let p = Properties::parse("a=1\nb=2\na=3\n").unwrap();
        assert_eq!(p.get("a"), Some("3"));
        assert_eq!(p.keys().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn latin1_fallback() {
        let p = Properties::parse_bytes(b"k=caf\xe9").unwrap();
        assert_eq!(p.get("k"), Some("café"));
        let p = Properties::parse_bytes("k=café".as_bytes()).unwrap();
        assert_eq!(p.get("k"), Some("café"));
    }

    #[test]
    fn load_reports_path_and_io_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.properties");
        std::fs::write(&path, "ok=1\nbad=\\uZZZZ\n").unwrap();
        let err = Properties::load(&path).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("bad.properties: line 2: Malformed \\uxxxx encoding."),
            "{err}"
        );
        let err = Properties::load(&dir.path().join("missing")).unwrap_err();
        assert!(matches!(err, PropertiesError::Io { .. }));
    }

    #[test]
    fn store_escapes_like_java() {
        let p: Properties = [
            ("key with space", " leading space, inner space"),
            ("a=b:c", "x=y:z#!"),
            ("#hash", "tab\tnl\ncr\rff\x0cbs\\"),
            ("unicode", "é€"),
        ]
        .into_iter()
        .collect();
        let text = p.store(None, None);
        assert_eq!(
            text,
            "key\\ with\\ space=\\ leading space, inner space\n\
             a\\=b\\:c=x\\=y\\:z\\#\\!\n\
             \\#hash=tab\\tnl\\ncr\\rff\\fbs\\\\\n\
             unicode=é€\n"
        );
        assert_eq!(Properties::parse(&text).unwrap(), p, "round trip");
    }

    #[test]
    fn store_header() {
        let p: Properties = [("node.id", "1")].into_iter().collect();
        let date = UNIX_EPOCH + Duration::from_secs(1_710_325_561); // 2024-03-13 10:26:01 UTC
        assert_eq!(
            p.store(Some(""), Some(date)),
            "#\n#Wed Mar 13 10:26:01 UTC 2024\nnode.id=1\n"
        );
        assert_eq!(
            p.store(Some("one\ntwo\n#three\r\n!four"), None),
            "#one\n#two\n#three\n!four\nnode.id=1\n"
        );
        assert_eq!(p.store(Some("euro €"), None), "#euro \\u20AC\nnode.id=1\n");
    }

    #[test]
    fn java_dates() {
        assert_eq!(java_date_string(UNIX_EPOCH), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(
            java_date_string(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        assert_eq!(
            java_date_string(UNIX_EPOCH + Duration::from_secs(4_102_444_799)),
            "Thu Dec 31 23:59:59 UTC 2099"
        );
    }

    #[test]
    fn map_operations_keep_order() {
        let mut p = Properties::new();
        p.set("b", "1");
        p.set("a", "2");
        p.set("c", "3");
        assert_eq!(p.remove("a"), Some("2".to_string()));
        assert_eq!(p.iter().collect::<Vec<_>>(), vec![("b", "1"), ("c", "3")]);
        assert!(p.contains_key("c") && !p.contains_key("a"));
        assert_eq!(p.len(), 2);
    }
}
