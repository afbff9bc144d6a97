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

/// A header line's two pieces (`\r\n<label>: `, the value), or two empty pieces.
fn line<'a>(label: &'static [u8], value: Option<&'a str>) -> [&'a [u8]; 2] {
    match value {
        Some(v) => [label, v.as_bytes()],
        None => [b"", b""],
    }
}

impl<'a> Parts<'a> {
    /// The canonical string's pieces in order, line labels and CR LF separators
    /// included, an absent line as empty pieces (and `X-SuT-PID` only for Partner Hash):
    /// hashing them one after the other gives the same digest as hashing
    /// [`canonical_string`], with no string built. The key line is not among them.
    pub fn pieces(&self, variant: Variant) -> [&'a [u8]; 13] {
        let pid = if variant == Variant::PartnerHash {
            self.pid
        } else {
            None
        };
        let [pid_label, pid] = line(b"\r\nX-SuT-PID: ", pid);
        let [cid_label, cid] = line(b"\r\nX-SuT-CID: ", self.cid);
        let [uid_label, uid] = line(b"\r\nX-SuT-UID: ", self.uid);
        [
            self.method.as_bytes(),
            b" ",
            self.path.as_bytes(),
            b"\r\nDate: ",
            self.date.as_bytes(),
            pid_label,
            pid,
            cid_label,
            cid,
            uid_label,
            uid,
            b"\r\nX-SuT-Nonce: ",
            self.nonce.as_bytes(),
        ]
    }
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
    let pieces = parts.pieces(variant);
    let mut bytes = Vec::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for p in pieces {
        bytes.extend_from_slice(p);
    }
    CanonicalString::new(bytes)
}

/// SHA-1 of `canonical`, CR LF, `key`: the 20 bytes whose lowercase hex is the signature.
pub fn digest(canonical: &CanonicalString, key: &[u8]) -> [u8; 20] {
    crate::encoding::sha1_parts(&[canonical.as_bytes(), b"\r\n", key])
}

/// The same digest as [`digest`] over [`canonical_string`], with SHA-1 absorbing
/// [`Parts::pieces`], CR LF and the key in place: no canonical string is built. The
/// signer and the verifier both sign through this function.
pub fn digest_parts(variant: Variant, parts: &Parts<'_>, key: &[u8]) -> [u8; 20] {
    let pieces = parts.pieces(variant);
    let mut all = [b"".as_slice(); 15];
    all[..13].copy_from_slice(&pieces);
    all[13] = b"\r\n";
    all[14] = key;
    crate::encoding::sha1_parts(&all)
}
