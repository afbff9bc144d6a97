//! [`CanonicalString`]: the exact bytes a scheme signs, shown so CR and LF are visible.

use std::fmt;

/// The exact bytes a scheme hashes or MACs (without any secret part).
///
/// `Display` writes the bytes as they are (lossily for non-UTF-8 bytes); `Debug` writes a
/// quoted, escaped form in which CR and LF show as `\r` and `\n`, so a snapshot or a test
/// failure shows the line endings that matter. [`CanonicalString::visible`] gives a
/// multi-line form with a `␍␊` / `␊` marker at each line end.
///
/// ```
/// use partner_auth::CanonicalString;
/// let c = CanonicalString::from("GET /v1/list\r\nDate: x");
/// assert_eq!(format!("{c:?}"), r#""GET /v1/list\r\nDate: x""#);
/// assert_eq!(c.visible(), "GET /v1/list␍␊\nDate: x");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct CanonicalString {
    bytes: Vec<u8>,
}

impl CanonicalString {
    /// Wraps bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// The exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes as text, when they are UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// Consumes the value, returning its bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// One escaped string: `\r`, `\n`, `\t`, `\\`, `"` and non-printable or non-UTF-8
    /// bytes escaped (`\xNN`); printable Unicode kept.
    pub fn escaped(&self) -> String {
        escape_bytes(&self.bytes)
    }

    /// A multi-line form for people and snapshots: every CR LF becomes `␍␊` followed by
    /// a real newline, a bare LF `␊` + newline, a bare CR `␍`; other control and
    /// non-UTF-8 bytes are escaped as `\xNN`.
    pub fn visible(&self) -> String {
        let mut out = String::with_capacity(self.bytes.len() + 16);
        let mut rest = &self.bytes[..];
        while !rest.is_empty() {
            match rest {
                [b'\r', b'\n', tail @ ..] => {
                    out.push_str("␍␊\n");
                    rest = tail;
                }
                [b'\n', tail @ ..] => {
                    out.push_str("␊\n");
                    rest = tail;
                }
                [b'\r', tail @ ..] => {
                    out.push('␍');
                    rest = tail;
                }
                _ => {
                    let (ch, len) = next_char(rest);
                    match ch {
                        Some(c) if !c.is_control() || c == '\t' => out.push(c),
                        _ => {
                            for b in &rest[..len] {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                        }
                    }
                    rest = &rest[len..];
                }
            }
        }
        out
    }
}

/// Decodes one UTF-8 character at the start of `bytes`; `(None, 1)` for an invalid byte.
fn next_char(bytes: &[u8]) -> (Option<char>, usize) {
    let width = match bytes[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return (None, 1),
    };
    match bytes.get(..width).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next(), width),
        None => (None, 1),
    }
}

/// Escapes bytes as a double-quoted string with `\r`, `\n` and friends visible.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    let mut rest = bytes;
    while !rest.is_empty() {
        let (ch, len) = next_char(rest);
        match ch {
            Some('\r') => out.push_str("\\r"),
            Some('\n') => out.push_str("\\n"),
            Some('\t') => out.push_str("\\t"),
            Some('\\') => out.push_str("\\\\"),
            Some('"') => out.push_str("\\\""),
            Some(c) if !c.is_control() => out.push(c),
            _ => {
                for b in &rest[..len] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
        rest = &rest[len..];
    }
    out.push('"');
    out
}

impl fmt::Debug for CanonicalString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.escaped())
    }
}

impl fmt::Display for CanonicalString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.bytes))
    }
}

impl From<&str> for CanonicalString {
    fn from(s: &str) -> Self {
        Self::new(s.as_bytes().to_vec())
    }
}

impl From<String> for CanonicalString {
    fn from(s: String) -> Self {
        Self::new(s.into_bytes())
    }
}

impl From<Vec<u8>> for CanonicalString {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_marks_each_line_ending() {
        let c = CanonicalString::new(b"a\r\nb\nc\rd\xffe\x01".to_vec());
        assert_eq!(c.visible(), "a␍␊\nb␊\nc␍d\\xffe\\x01");
        assert_eq!(c.escaped(), r#""a\r\nb\nc\rd\xffe\x01""#);
    }

    #[test]
    fn unicode_is_kept() {
        let c = CanonicalString::from("GET /v1/café");
        assert_eq!(c.escaped(), "\"GET /v1/café\"");
    }
}
