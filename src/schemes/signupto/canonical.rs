//! The canonical string: a pure function of the signed request parts.

use super::Variant;
use crate::CanonicalString;

/// The request parts a canonical string is made of, as text exactly as sent.
#[derive(Clone, Copy, Debug)]
pub struct Parts<'a> {
    /// The method.
    pub method: &'a str,
    /// The path (no query string, S1).
    pub path: &'a str,
    /// The `Date` value.
    pub date: &'a str,
    /// The `X-SuT-PID` value (Partner Hash).
    pub pid: Option<&'a str>,
    /// The `X-SuT-CID` value, when sent.
    pub cid: Option<&'a str>,
    /// The `X-SuT-UID` value, when sent.
    pub uid: Option<&'a str>,
    /// The `X-SuT-Nonce` value.
    pub nonce: &'a str,
}

/// The canonical string **without its key line**: what the real server echoes in
/// `additional_information`, and what holds no secret.
///
/// ```text
/// POST /v1/account␍␊
/// Date: Sat, 09 Sep 1989 11:00:00 GMT␍␊
/// X-SuT-PID: 4567␍␊            (Partner Hash only)
/// X-SuT-CID: 12345␍␊           (omitted when absent)
/// X-SuT-UID: 678␍␊             (omitted when absent)
/// X-SuT-Nonce: 0123…4567
/// ```
///
/// The signed bytes are this string, `\r\n`, then the key, with no terminator (S2).
pub fn canonical_string(variant: Variant, parts: &Parts<'_>) -> CanonicalString {
    let mut lines: Vec<String> = Vec::with_capacity(6);
    lines.push(format!("{} {}", parts.method, parts.path));
    lines.push(format!("Date: {}", parts.date));
    if variant == Variant::PartnerHash
        && let Some(pid) = parts.pid
    {
        lines.push(format!("X-SuT-PID: {pid}"));
    }
    if let Some(cid) = parts.cid {
        lines.push(format!("X-SuT-CID: {cid}"));
    }
    if let Some(uid) = parts.uid {
        lines.push(format!("X-SuT-UID: {uid}"));
    }
    lines.push(format!("X-SuT-Nonce: {}", parts.nonce));
    CanonicalString::from(lines.join("\r\n"))
}

/// SHA-1 of `canonical`, CR LF, `key`: the 20 bytes whose lowercase hex is the signature.
pub fn digest(canonical: &CanonicalString, key: &[u8]) -> [u8; 20] {
    crate::encoding::sha1_parts(&[canonical.as_bytes(), b"\r\n", key])
}
