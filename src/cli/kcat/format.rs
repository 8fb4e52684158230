//! kcat's output formats, byte for byte as kcat 1.7.1 writes them: `-f` format strings,
//! `-D`/`-K` delimiters, and the `-J` JSON envelopes (messages, `-L` metadata, `-Q` offsets).
//!
//! kcat treats delimiters and format literals with two different escape dialects (`-D` knows
//! `\n \t \xNN`; a format literal also knows `\r`, decimal and octal escapes); both are kept,
//! quirks included, so that scripts written for kcat see the same bytes.

use crate::client::records::{ConsumerRecord, TimestampKind};

/// kcat refuses formats with more pieces than this (`KC_FMT_MAX_SIZE`).
const MAX_TOKENS: usize = 128;

/// One piece of a parsed `-f` format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Literal(Vec<u8>),
    /// `%o`
    Offset,
    /// `%k`
    Key,
    /// `%K`: key length, -1 for a NULL key.
    KeyLength,
    /// `%s`
    Payload,
    /// `%S`: payload length, -1 for NULL.
    PayloadLength,
    /// `%R`: payload length as a big-endian 32-bit integer.
    PayloadLengthBinary,
    /// `%t`
    Topic,
    /// `%p`
    Partition,
    /// `%T`: timestamp in ms.
    Timestamp,
    /// `%h`: headers as `n=v` CSV.
    Headers,
}

/// Parses a `-f` format; `Err` carries kcat's fatal message.
pub fn parse_format(format: &[u8]) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut push = |token: Token| {
        if tokens.len() == MAX_TOKENS {
            return Err(format!(
                "Too many formatters & strings (KC_FMT_MAX_SIZE={MAX_TOKENS})"
            ));
        }
        tokens.push(token);
        Ok(())
    };
    let mut rest = format;
    while !rest.is_empty() {
        let Some(percent) = rest.iter().position(|&b| b == b'%') else {
            push(Token::Literal(unescape_literal(rest)))?;
            break;
        };
        if percent > 0 {
            push(Token::Literal(unescape_literal(&rest[..percent])))?;
        }
        let token = match rest.get(percent + 1) {
            None => return Err("Empty formatter".into()),
            Some(b'o') => Token::Offset,
            Some(b'k') => Token::Key,
            Some(b'K') => Token::KeyLength,
            Some(b's') => Token::Payload,
            Some(b'S') => Token::PayloadLength,
            Some(b'R') => Token::PayloadLengthBinary,
            Some(b't') => Token::Topic,
            Some(b'p') => Token::Partition,
            Some(b'T') => Token::Timestamp,
            Some(b'h') => Token::Headers,
            Some(b'%') => Token::Literal(b"%".to_vec()),
            Some(&other) => {
                return Err(format!("Unsupported formatter: %{}", other as char));
            }
        };
        push(token)?;
        rest = &rest[percent + 2..];
    }
    Ok(tokens)
}

/// The format kcat builds when no `-f` is given: `%k<key delim>%s<delim>` or `%s<delim>`,
/// cut to the 63 bytes of kcat's buffer and then parsed like any `-f`.
pub fn default_format(key_delim: Option<&[u8]>, delim: &[u8]) -> Vec<u8> {
    let mut format = Vec::new();
    if let Some(key_delim) = key_delim {
        format.extend_from_slice(b"%k");
        format.extend_from_slice(key_delim);
    }
    format.extend_from_slice(b"%s");
    format.extend_from_slice(delim);
    format.truncate(63);
    format
}

/// Escapes inside a format literal: `\t \n \r`, `\xHH..` (hex), `\NNN` (C's `strtoul` with
/// base 0: decimal, `0`-octal, `0x`-hex), any other escaped character stands for itself. The
/// literal ends at a NUL byte, as the C string it was.
fn unescape_literal(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            i += 1;
            match raw[i] {
                b't' => out.push(b'\t'),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                c => {
                    let (start, base) = if c == b'x' { (i + 1, 16) } else { (i, 0) };
                    match raw.get(start) {
                        Some(d) if d.is_ascii_digit() => {
                            let (value, used) = strtoul(&raw[start..], base);
                            out.push(value as u8);
                            i = start + used.max(1) - 1;
                        }
                        Some(&other) => {
                            out.push(other);
                            i = start;
                        }
                        None => break,
                    }
                }
            }
        } else {
            out.push(raw[i]);
        }
        i += 1;
    }
    if let Some(nul) = out.iter().position(|&b| b == 0) {
        out.truncate(nul);
    }
    out
}

/// A `-D`/`-K` delimiter: `\n`, `\t` and `\xNN` escapes, replaced one at a time in kcat's
/// order (every `\n` first, then `\t`, then `\x`). `\r` is not an escape here. Cut at NUL.
pub fn parse_delimiter(raw: &str) -> Result<Vec<u8>, String> {
    let mut s = raw.as_bytes().to_vec();
    loop {
        if let Some(at) = find(&s, b"\\n") {
            s.splice(at..at + 2, [b'\n']);
        } else if let Some(at) = find(&s, b"\\t") {
            s.splice(at..at + 2, [b'\t']);
        } else if let Some(at) = find(&s, b"\\x") {
            let (value, used) = strtoul(&s[at + 2..], 16);
            if used == 0 {
                return Err(format!(
                    "Delimiter {} expects hex number",
                    String::from_utf8_lossy(&s[at..])
                ));
            }
            s.splice(at..at + 2 + used, [value as u8]);
        } else {
            break;
        }
    }
    if let Some(nul) = s.iter().position(|&b| b == 0) {
        s.truncate(nul);
    }
    Ok(s)
}

/// The position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    match needle {
        [] => None,
        [byte] => haystack.iter().position(|b| b == byte),
        [first, rest @ ..] => {
            let mut from = 0;
            while let Some(at) = haystack[from..].iter().position(|b| b == first) {
                let candidate = from + at;
                if haystack[candidate + 1..].starts_with(rest) {
                    return Some(candidate);
                }
                from = candidate + 1;
            }
            None
        }
    }
}

/// C's `strtoul`: optional blanks and sign, a `0x` prefix for base 16 (and base 0), octal for
/// a leading `0` with base 0; saturates on overflow. Returns the value and the bytes used
/// (0 when no digit was read).
fn strtoul(s: &[u8], base: u32) -> (u64, usize) {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let hex_prefix = s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x') | Some(b'X'))
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit());
    let base = match base {
        0 if hex_prefix => 16,
        0 if s.get(i) == Some(&b'0') => 8,
        0 => 10,
        b => b,
    };
    if base == 16 && hex_prefix {
        i += 2;
    }
    let start = i;
    let mut value: u64 = 0;
    while let Some(d) = s.get(i).and_then(|c| (*c as char).to_digit(base)) {
        value = value.saturating_mul(base as u64).saturating_add(d as u64);
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (
        if negative {
            value.wrapping_neg()
        } else {
            value
        },
        i,
    )
}

/// What `-Z` prints for empty and NULL keys and values.
const NULL_STRING: &[u8] = b"NULL";

/// Appends one record as the `-f` tokens say.
pub fn write_record(tokens: &[Token], record: &ConsumerRecord, null_mode: bool, out: &mut Vec<u8>) {
    use std::io::Write;
    for token in tokens {
        match token {
            Token::Literal(bytes) => out.extend_from_slice(bytes),
            Token::Offset => {
                let _ = write!(out, "{}", record.offset);
            }
            // kcat prints a key or payload only when it has bytes; -Z turns "nothing" into NULL.
            Token::Key => match record.key.as_deref() {
                Some(k) if !k.is_empty() => out.extend_from_slice(k),
                _ if null_mode => out.extend_from_slice(NULL_STRING),
                _ => {}
            },
            Token::KeyLength => {
                let _ = write!(out, "{}", length_or_minus_one(record.key.as_deref()));
            }
            Token::Payload => match record.value.as_deref() {
                Some(v) if !v.is_empty() => out.extend_from_slice(v),
                _ if null_mode => out.extend_from_slice(NULL_STRING),
                _ => {}
            },
            Token::PayloadLength => {
                let _ = write!(out, "{}", length_or_minus_one(record.value.as_deref()));
            }
            Token::PayloadLengthBinary => {
                let len = length_or_minus_one(record.value.as_deref()) as i32;
                out.extend_from_slice(&len.to_be_bytes());
            }
            Token::Topic => out.extend_from_slice(record.topic.as_bytes()),
            Token::Partition => {
                let _ = write!(out, "{}", record.partition);
            }
            Token::Timestamp => {
                let _ = write!(out, "{}", record.timestamp);
            }
            Token::Headers => {
                for (i, (name, value)) in record.headers.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(name.as_bytes());
                    out.push(b'=');
                    match value {
                        Some(v) => out.extend_from_slice(v),
                        None => out.extend_from_slice(NULL_STRING),
                    }
                }
            }
        }
    }
}

fn length_or_minus_one(bytes: Option<&[u8]>) -> i64 {
    bytes.map_or(-1, |b| b.len() as i64)
}

/// Appends one record's `-J` envelope (no delimiter): kcat's field order, `headers` only when
/// the record has some (as a flat `[name, value, ...]` array), `null` for NULL key/payload.
pub fn write_record_json(record: &ConsumerRecord, broker: i32, out: &mut Vec<u8>) {
    use std::io::Write;
    out.extend_from_slice(b"{\"topic\":");
    json_string(record.topic.as_bytes(), out);
    let tstype = match record.timestamp_type {
        TimestampKind::CreateTime => "create",
        TimestampKind::LogAppendTime => "logappend",
    };
    let _ = write!(
        out,
        ",\"partition\":{},\"offset\":{},\"tstype\":\"{tstype}\",\"ts\":{},\"broker\":{broker}",
        record.partition, record.offset, record.timestamp
    );
    if !record.headers.is_empty() {
        out.extend_from_slice(b",\"headers\":[");
        for (i, (name, value)) in record.headers.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_string(name.as_bytes(), out);
            out.push(b',');
            json_bytes_or_null(value.as_deref(), out);
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"key\":");
    json_bytes_or_null(record.key.as_deref(), out);
    out.extend_from_slice(b",\"payload\":");
    json_bytes_or_null(record.value.as_deref(), out);
    out.push(b'}');
}

fn json_bytes_or_null(bytes: Option<&[u8]>, out: &mut Vec<u8>) {
    match bytes {
        Some(b) => json_string(b, out),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string as yajl writes it: `"` `\` and the named control characters escaped, other
/// control characters as `\u00XX` (upper-case hex), `/` and every byte >= 0x20 (invalid UTF-8
/// included) passed through untouched.
pub fn json_string(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 0xf) as usize]);
            }
            c => out.push(c),
        }
    }
    out.push(b'"');
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
            timestamp: 1234,
            timestamp_type: TimestampKind::CreateTime,
            key: Some(Bytes::from_static(b"k1")),
            value: Some(Bytes::from_static(b"v\"1")),
            headers: vec![
                ("a".into(), Some(Bytes::from_static(b"x"))),
                ("b".into(), None),
                ("c".into(), Some(Bytes::new())),
            ],
            leader_epoch: 0,
        }
    }

    fn render(format: &str, record: &ConsumerRecord, null_mode: bool) -> Vec<u8> {
        let tokens = parse_format(format.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_record(&tokens, record, null_mode, &mut out);
        out
    }

    #[test]
    fn every_token() {
        let r = record();
        assert_eq!(
            render("%t|%p|%o|%k|%K|%s|%S|%T|%h|%%\\n", &r, false),
            b"t|2|7|k1|2|v\"1|3|1234|a=x,b=NULL,c=|%\n"
        );
        assert_eq!(render("%R", &r, false), [0, 0, 0, 3]);
        let mut null = r.clone();
        null.key = None;
        null.value = Some(Bytes::new());
        null.headers.clear();
        assert_eq!(render("%k|%K|%s|%S|%h", &null, false), b"|-1||0|");
        assert_eq!(render("%k|%K|%s|%S", &null, true), b"NULL|-1|NULL|0");
        null.value = None;
        assert_eq!(render("%R", &null, false), [0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn format_errors_are_kcats() {
        assert_eq!(parse_format(b"abc%").unwrap_err(), "Empty formatter");
        assert_eq!(
            parse_format(b"%Q").unwrap_err(),
            "Unsupported formatter: %Q"
        );
        assert!(parse_format("%s".repeat(129).as_bytes()).is_err());
    }

    #[test]
    fn literal_escapes() {
        assert_eq!(unescape_literal(b"a\\tb\\r\\n"), b"a\tb\r\n");
        assert_eq!(unescape_literal(b"\\x41\\x7e!"), b"A~!");
        assert_eq!(unescape_literal(b"\\65\\012\\0x41"), b"A\nA");
        // \x followed by a letter keeps the letter: C's strtoul is only tried after a digit.
        assert_eq!(unescape_literal(b"\\xff"), b"ff");
        assert_eq!(unescape_literal(b"\\\\ \\q"), b"\\ q");
        // strtoul takes every hex digit: \x00cd is one byte, 0xcd; \0 ends the literal.
        assert_eq!(unescape_literal(b"ab\\x00cd"), b"ab\xcd");
        assert_eq!(unescape_literal(b"ab\\0cd"), b"ab");
        assert_eq!(unescape_literal(b"end\\"), b"end\\");
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter("").unwrap(), b"");
        assert_eq!(parse_delimiter("\\n").unwrap(), b"\n");
        assert_eq!(parse_delimiter("\\t\\n\\n").unwrap(), b"\t\n\n");
        assert_eq!(parse_delimiter("\\x54!\\x45\\x53T").unwrap(), b"T!EST");
        assert_eq!(parse_delimiter("\\x30").unwrap(), b"0");
        assert_eq!(parse_delimiter("\\r").unwrap(), b"\\r");
        assert_eq!(parse_delimiter(";;").unwrap(), b";;");
        assert_eq!(
            parse_delimiter("a\\xZ").unwrap_err(),
            "Delimiter \\xZ expects hex number"
        );
    }

    #[test]
    fn default_formats() {
        assert_eq!(default_format(None, b"\n"), b"%s\n");
        assert_eq!(default_format(Some(b":"), b"\n"), b"%k:%s\n");
        assert_eq!(default_format(Some(&[b'x'; 100]), b"\n").len(), 63);
    }

    #[test]
    fn json_like_yajl() {
        let mut out = Vec::new();
        write_record_json(&record(), 1, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"topic":"t","partition":2,"offset":7,"tstype":"create","ts":1234,"broker":1,"headers":["a","x","b",null,"c",""],"key":"k1","payload":"v\"1"}"#
        );
        let mut out = Vec::new();
        json_string(b"a\x01\x1b\x0b\x08\x0c\r\n\t\\/\x7f\xff", &mut out);
        assert_eq!(
            out,
            b"\"a\\u0001\\u001B\\u000B\\b\\f\\r\\n\\t\\\\/\x7f\xff\""
        );
        let mut bare = record();
        bare.headers.clear();
        bare.key = None;
        bare.value = None;
        bare.timestamp_type = TimestampKind::LogAppendTime;
        let mut out = Vec::new();
        write_record_json(&bare, -1, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"topic":"t","partition":2,"offset":7,"tstype":"logappend","ts":1234,"broker":-1,"key":null,"payload":null}"#
        );
    }
}
