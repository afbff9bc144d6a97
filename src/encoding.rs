//! Shared primitives: hex, Base64, SHA-1/SHA-256, HMAC, constant-time comparison and
//! HTTP dates. Every scheme uses these; none re-implements them.

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Lowercase hexadecimal.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Decodes hexadecimal in either case. `None` on an odd length or a non-hex digit.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let raw = text.as_bytes();
    if !raw.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    raw.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Decodes hexadecimal in either case into `out`, without allocating: `None` unless
/// the text is exactly `2 × out.len()` hex digits (as [`hex_decode`] with that length).
pub fn hex_decode_into(text: &str, out: &mut [u8]) -> Option<()> {
    let raw = text.as_bytes();
    if raw.len() != out.len() * 2 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    for (o, pair) in out.iter_mut().zip(raw.chunks_exact(2)) {
        *o = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(())
}

/// Standard Base64 (RFC 4648 §4) with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Strict standard Base64: the `+/` alphabet, `=` padding required, canonical trailing
/// bits (RFC 4648 §3.5). URL-safe characters, missing padding or stray characters fail.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// URL-safe Base64 (RFC 4648 §5) without padding, as bearer tokens use it.
pub fn base64url_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict standard Base64 (as [`base64_decode`]) into `out`, without allocating;
/// the number of bytes written, or `None` when the text is not strict Base64 or does
/// not fit.
pub fn base64_decode_into(text: &str, out: &mut [u8]) -> Option<usize> {
    base64::engine::general_purpose::STANDARD
        .decode_slice(text, out)
        .ok()
}

/// SHA-1 of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// SHA-1 of the concatenation of `parts`.
pub fn sha1_parts(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// HMAC-SHA1 (RFC 2104) of `data` under `key`.
pub fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut mac = <hmac::Hmac<Sha1> as KeyInit>::new_from_slice(key)
        .expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 (RFC 2104, RFC 4231) of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of the concatenation of `parts` under `key`, without copying them into
/// one buffer first.
pub fn hmac_sha256_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .expect("HMAC accepts keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The decimal digits of an unsigned integer, on the stack: what `to_string` gives,
/// without the allocation (header values and signed strings are built from it).
#[derive(Clone, Copy)]
pub(crate) struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    /// `n` in decimal, no sign, no leading zeros (`0` for zero).
    pub(crate) fn new(mut n: u64) -> Self {
        let mut digits = [b'0'; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    /// The digits as text.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits[self.start..]).expect("ASCII digits")
    }
}

impl std::fmt::Debug for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Equality of two secrets of any length that leaks neither length through timing:
/// compares the SHA-256 digests of both sides with [`ct_eq`] (32 bytes against 32).
///
/// [`ct_eq`] answers at once when the lengths differ, so comparing a presented password
/// with a stored one through it tells the caller, by timing, when the length is right.
/// Here the only length-dependent work is hashing each side, whose time grows in 64-byte
/// blocks of that side alone (every secret up to 55 bytes is one block): a caller learns
/// nothing from varying the length of what it presents. Use [`ct_eq`] for fixed-length
/// values (MACs, digests) and this for passwords, keys and tokens.
pub fn digest_eq(a: &[u8], b: &[u8]) -> bool {
    ct_eq(&sha256(a), &sha256(b))
}

/// Test support for [`digest_eq`]'s callers: how much the time `check` takes varies
/// with the length of what it is given, around `len`. Runs it on `make(len - 1)`,
/// `make(len)` and `make(len + 1)` (all wrong) in many short rounds and returns the
/// slowest of the three fastest times over the fastest: about 1 when the length does not
/// show, far above it (tens to hundreds) when a comparison answers at once on a length
/// mismatch.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
pub(crate) fn length_timing_spread<T>(
    len: usize,
    make: impl Fn(usize) -> T,
    check: impl Fn(&T) -> bool,
) -> f64 {
    let inputs: Vec<T> = [len - 1, len, len + 1].into_iter().map(make).collect();
    let mut best = [f64::MAX; 3];
    for _ in 0..300 {
        for (i, input) in inputs.iter().enumerate() {
            let started = std::time::Instant::now();
            let answer = check(std::hint::black_box(input));
            best[i] = best[i].min(started.elapsed().as_secs_f64());
            assert!(
                !answer,
                "the wrong input of {} bytes was accepted",
                i + len - 1
            );
        }
    }
    let max = best.iter().copied().fold(0.0, f64::max);
    let min = best.iter().copied().fold(f64::MAX, f64::min);
    max / min
}

/// Constant-time equality: the time taken depends on the lengths only, and it answers
/// at once when they differ; for variable-length secrets use [`digest_eq`].
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Eight bytes per step (a 32-byte MAC is four steps, not 32), then the tail.
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("8-byte chunk"));
    let mut equal = subtle::Choice::from(1);
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        equal &= word(x).ct_eq(&word(y));
    }
    let tail = a.len() - a.len() % 8;
    equal &= a[tail..].ct_eq(&b[tail..]);
    bool::from(equal)
}

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Formats Unix seconds as an IMF-fixdate (RFC 9110 §5.6.7): `Sat, 09 Sep 1989 11:00:00 GMT`.
pub fn format_http_date(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAY_NAMES[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses an IMF-fixdate (RFC 9110 §5.6.7) strictly: `Sun, 06 Nov 1994 08:49:37 GMT`,
/// fixed widths, English names, `GMT`. The obsolete RFC 850 and asctime forms are refused.
/// The day name must be one of the seven but is not cross-checked against the date
/// (RFC 9110 does not ask recipients to).
pub fn parse_http_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" {
        return None;
    }
    if !DAY_NAMES.iter().any(|n| n.as_bytes() == &b[..3]) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = &b[range];
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    let sep_ok = b[7] == b' ' && b[11] == b' ' && b[16] == b' ' && b[19] == b':' && b[22] == b':';
    if !sep_ok {
        return None;
    }
    let day = num(5..7)?;
    let month = MONTHS.iter().position(|n| n.as_bytes() == &b[8..11])? as u32 + 1;
    let year = i64::from(num(12..16)?);
    let (hh, mm, ss) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if day == 0 || day > days_in_month(year, month) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let ss = ss.min(59); // a leap second reads as the second before it
    Some(
        days_from_civil(year, month, day) * 86_400
            + i64::from(hh) * 3600
            + i64::from(mm) * 60
            + i64::from(ss),
    )
}

/// Fills `buf` from the operating system's random source.
///
/// # Panics
/// When the operating system has no randomness to give, which no supported platform does;
/// continuing with predictable nonces or tokens would be worse than stopping.
pub fn random_bytes(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

/// `bytes` as a UUID version 4 (RFC 9562 §5.4): the version and variant bits set, in the
/// lowercase hyphenated form `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`.
pub fn uuid_v4_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex_lower(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A random UUID version 4 in its lowercase hyphenated form.
pub fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    random_bytes(&mut bytes);
    uuid_v4_from_bytes(bytes)
}

/// Formats Unix time as an ISO 8601 UTC timestamp with seven fractional digits, the shape
/// .NET's round-trip format `o` gives: `2025-07-04T17:28:54.5859378Z`. `ticks` is the
/// fraction of the second in units of 100 ns (0 to 9 999 999).
pub fn format_iso8601_ticks(unix_secs: i64, ticks: u32) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:07}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        ticks.min(9_999_999)
    )
}

/// The calendar date of a Unix time, as `(year, month, day)` in UTC.
pub fn civil_date(unix_secs: i64) -> (i64, u32, u32) {
    civil_from_days(unix_secs.div_euclid(86_400))
}

/// An ISO 8601 timestamp read by [`parse_iso8601`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Iso8601 {
    /// Seconds since the Unix epoch (UTC, the offset applied).
    pub unix_seconds: i64,
    /// Nanoseconds within the second, from the fractional digits.
    pub nanos: u32,
    /// False when the text had no `Z` and no `±hh:mm` (a "local" time).
    pub has_zone: bool,
}

/// Parses `YYYY-MM-DDTHH:MM:SS` (years 0001 to 9999), then optionally `.` and 1 to `max_fraction_digits`
/// digits, then optionally `Z` (or `z`) or `±HH:MM`. Nothing else: no spaces, no
/// lowercase `t`, no leap seconds, no offset beyond ±23:59.
pub fn parse_iso8601(text: &str, max_fraction_digits: usize) -> Option<Iso8601> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(range)?;
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    let year = i64::from(num(0..4)?);
    let (month, day) = (num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > max_fraction_digits || digits > 9 {
            return None;
        }
        for (i, c) in frac[..digits].iter().enumerate() {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[digits..];
    }
    let (offset_secs, has_zone) = match rest {
        [] => (0, false),
        [b'Z'] | [b'z'] => (0, true),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| -> Option<i64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            (if *sign == b'-' { -off } else { off }, true)
        }
        _ => return None,
    };
    let local = days_from_civil(year, month, day) * 86_400
        + i64::from(hh) * 3600
        + i64::from(mm) * 60
        + i64::from(ss);
    Some(Iso8601 {
        unix_seconds: local - offset_secs,
        nanos,
        has_zone,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_v4_sets_version_and_variant_in_the_hyphenated_form() {
        let bytes: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_eq!(
            uuid_v4_from_bytes(bytes),
            "00010203-0405-4607-8809-0a0b0c0d0e0f"
        );
        assert_eq!(
            uuid_v4_from_bytes([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        let (a, b) = (uuid_v4(), uuid_v4());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    use super::*;

    #[test]
    fn digest_eq_is_byte_equality_whatever_the_lengths() {
        assert!(digest_eq(b"", b""));
        assert!(digest_eq(b"password", b"password"));
        assert!(!digest_eq(b"password", b"passwor"));
        assert!(!digest_eq(b"password", b"password\0"));
        assert!(!digest_eq(b"", b"\0"));
        let a: Vec<u8> = (0..200u8).collect();
        for i in 0..a.len() {
            let mut b = a.clone();
            b[i] ^= 1;
            assert!(!digest_eq(&a, &b), "byte {i}");
        }
        assert!(digest_eq(&a, &a.clone()));
    }

    #[test]
    fn ct_eq_is_byte_equality_at_every_length_and_position() {
        for len in 0..40 {
            let a: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            assert!(ct_eq(&a, &a.clone()), "len {len}");
            for i in 0..len {
                let mut b = a.clone();
                b[i] ^= 0x80;
                assert!(!ct_eq(&a, &b), "len {len}, byte {i}");
            }
            assert!(
                !ct_eq(&a, &[a.as_slice(), &[0]].concat()),
                "len {len} vs longer"
            );
        }
    }

    #[test]
    fn http_date_known_values() {
        // RFC 9110 §5.6.7 example.
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            format_http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            parse_http_date("Sat, 09 Sep 1989 11:00:00 GMT"),
            Some(621_342_000)
        );
    }

    #[test]
    fn http_date_refuses_other_forms() {
        for bad in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_round_trip_and_case() {
        assert_eq!(hex_lower(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(hex_decode("00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
        let mut two = [0u8; 2];
        assert_eq!(hex_decode_into("aBff", &mut two), Some(()));
        assert_eq!(two, [0xab, 0xff]);
        for bad in ["abc", "abcdef", "zz00", "ab"] {
            assert_eq!(hex_decode_into(bad, &mut two), None, "{bad:?}");
        }
    }

    #[test]
    fn decimal_matches_to_string() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            1_709_337_600,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            assert_eq!(Decimal::new(n).as_str(), n.to_string(), "{n}");
        }
    }
}
