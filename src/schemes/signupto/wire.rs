//! Wire parsers: the `Authorization` header and the PMAPI response envelope.

use serde_json::Value;

use super::{Error, Variant};
use crate::encoding::{civil_date, parse_http_date};

/// The three Sign-Up.to `Authorization` schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `SuTHash signature="<hex>"`.
    Hash,
    /// `SuTPartner signature="<hex>"`.
    Partner,
    /// `SuTToken <token>`.
    Token,
}

impl AuthScheme {
    /// The scheme token, as the vendor spells it.
    pub fn token(self) -> &'static str {
        match self {
            AuthScheme::Hash => "SuTHash",
            AuthScheme::Partner => "SuTPartner",
            AuthScheme::Token => "SuTToken",
        }
    }
}

impl From<Variant> for AuthScheme {
    fn from(v: Variant) -> Self {
        match v {
            Variant::Hash => AuthScheme::Hash,
            Variant::PartnerHash => AuthScheme::Partner,
        }
    }
}

/// A parsed `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Which scheme.
    pub scheme: AuthScheme,
    /// The signature (hash schemes) or the token (token scheme), as sent.
    pub credentials: String,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: &dyn std::fmt::Debug = match self.scheme {
            AuthScheme::Token => &"<redacted token>",
            _ => &self.credentials,
        };
        f.debug_struct("Authorization")
            .field("scheme", &self.scheme)
            .field("credentials", shown)
            .finish()
    }
}

/// Parses an `Authorization` value (S-AUTH): exactly `<Scheme> signature="<value>"` for
/// the hash schemes, `SuTToken <token>` for the token scheme, one space after the scheme
/// token. The scheme token is matched case-insensitively (RFC 9110 §11.1); the parameter
/// must be the quoted form the vendor documents.
pub fn parse_authorization(value: &str) -> Result<Authorization, Error> {
    let malformed = |reason| Err(Error::MalformedAuthorization { reason });
    let Some((token, rest)) = value.split_once(' ') else {
        return malformed("expected `<Scheme> signature=\"<hex>\"` or `SuTToken <token>`");
    };
    let scheme = [AuthScheme::Hash, AuthScheme::Partner, AuthScheme::Token]
        .into_iter()
        .find(|s| s.token().eq_ignore_ascii_case(token));
    let Some(scheme) = scheme else {
        return malformed("the scheme must be `SuTHash`, `SuTPartner` or `SuTToken`");
    };
    if rest.starts_with([' ', '\t']) {
        return malformed("exactly one space must follow the scheme");
    }
    if scheme == AuthScheme::Token {
        if rest.is_empty() || rest.contains([' ', '\t', '"']) {
            return malformed("expected `SuTToken <token>`, the token alone after one space");
        }
        return Ok(Authorization {
            scheme,
            credentials: rest.to_owned(),
        });
    }
    let Some(quoted) = rest.strip_prefix("signature=") else {
        return malformed("expected `signature=\"<hex>\"` after the scheme");
    };
    let Some(inner) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) else {
        return malformed("the signature must be in double quotes: signature=\"<hex>\"");
    };
    if inner.is_empty() || inner.contains(['"', '\\', ' ']) {
        return malformed(
            "the quoted signature must be non-empty hex with nothing else inside the quotes",
        );
    }
    Ok(Authorization {
        scheme,
        credentials: inner.to_owned(),
    })
}

/// A PMAPI response envelope: `{"status":"ok"|"error","response":{...}}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Envelope {
    /// `"status":"ok"`.
    Ok {
        /// `response.data` (an array on list endpoints, an object on some).
        data: Value,
        /// `response.count`, when present.
        count: Option<i64>,
        /// `response.next`: the key of the next page, or null.
        next: Value,
    },
    /// `"status":"error"`.
    Error {
        /// `response.code`, which mirrors the HTTP status.
        code: i64,
        /// `response.message`.
        message: String,
        /// `response.subcode`.
        subcode: Value,
        /// `response.additional_information`; on a bad signature the real server puts
        /// its canonical string (without the key line) here.
        additional_information: Option<String>,
    },
}

fn bad(reason: impl Into<String>) -> Error {
    Error::MalformedResponse {
        reason: reason.into(),
    }
}

/// Parses a response body into an [`Envelope`]. `status` is the HTTP status, used to
/// fill a missing `code` of an error envelope. Never panics on any input.
pub fn parse_response(status: u16, body: &[u8]) -> Result<Envelope, Error> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON ({e})")))?;
    let Value::Object(root) = root else {
        return Err(bad(
            "the body must be a JSON object with `status` and `response`",
        ));
    };
    let status_field = match root.get("status") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(bad("`status` must be the string \"ok\" or \"error\"")),
        None => return Err(bad("no `status` field")),
    };
    let response = match root.get("response") {
        Some(Value::Object(r)) => r,
        Some(_) => return Err(bad("`response` must be an object")),
        None => return Err(bad("no `response` field")),
    };
    match status_field {
        "ok" => {
            let count = match response.get("count") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_i64()
                        .ok_or_else(|| bad("`response.count` must be an integer"))?,
                ),
            };
            Ok(Envelope::Ok {
                data: response.get("data").cloned().unwrap_or(Value::Null),
                count,
                next: response.get("next").cloned().unwrap_or(Value::Null),
            })
        }
        "error" => {
            let code = match response.get("code") {
                None | Some(Value::Null) => i64::from(status),
                Some(v) => v
                    .as_i64()
                    .ok_or_else(|| bad("`response.code` must be an integer"))?,
            };
            let message = match response.get("message") {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => String::new(),
                Some(_) => return Err(bad("`response.message` must be a string")),
            };
            let additional_information = match response.get("additional_information") {
                Some(Value::String(s)) => Some(s.clone()),
                None | Some(Value::Null) => None,
                Some(_) => {
                    return Err(bad(
                        "`response.additional_information` must be a string or null",
                    ));
                }
            };
            Ok(Envelope::Error {
                code,
                message,
                subcode: response.get("subcode").cloned().unwrap_or(Value::Null),
                additional_information,
            })
        }
        _ => Err(bad("`status` must be \"ok\" or \"error\"")),
    }
}

const FULL_DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Parses a `Date` value in any of the three HTTP-date forms of RFC 9110 §5.6.7, which
/// a recipient "MUST accept" (S6): IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the
/// obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`). Returns Unix seconds.
///
/// The RFC 850 two-digit year is read as RFC 9110 says: the year in the century of
/// `now_secs` (the verifier's clock), unless that is more than 50 years in the future,
/// then the most recent past year with those two digits. Day names are checked to be
/// day names but not cross-checked against the date, as for IMF-fixdate. Signers never
/// use this: they emit IMF-fixdate only.
pub fn parse_date_any_form(text: &str, now_secs: i64) -> Option<i64> {
    if let Some(ts) = parse_http_date(text) {
        return Some(ts);
    }
    // Both obsolete forms are rewritten as the IMF-fixdate they denote, so one parser
    // checks the calendar and the clock fields.
    let fixdate = if let Some((day_name, rest)) = text.split_once(", ") {
        // rfc850-date = day-name-l "," SP DD "-" Mon "-" YY SP time-of-day SP "GMT"
        let short = FULL_DAY_NAMES.iter().find(|n| **n == day_name)?.get(..3)?;
        let b = rest.as_bytes();
        if b.len() != 22 || b[2] != b'-' || b[6] != b'-' || b[9] != b' ' {
            return None;
        }
        let yy = rest.get(7..9)?;
        if !yy.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let yy = i64::from(yy.parse::<u8>().ok()?);
        let (now_year, _, _) = civil_date(now_secs);
        let mut year = now_year - now_year.rem_euclid(100) + yy;
        if year > now_year + 50 {
            year -= 100;
        }
        if !(0..=9999).contains(&year) {
            return None;
        }
        format!(
            "{short}, {} {} {year:04} {}",
            rest.get(0..2)?,
            rest.get(3..6)?,
            rest.get(10..)?
        )
    } else {
        // asctime-date = day-name SP Mon SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP 4DIGIT
        let b = text.as_bytes();
        if b.len() != 24 || b[3] != b' ' || b[7] != b' ' || b[10] != b' ' || b[19] != b' ' {
            return None;
        }
        let day = match (b[8], b[9]) {
            (b' ', d) if d.is_ascii_digit() => format!("0{}", char::from(d)),
            (a, d) if a.is_ascii_digit() && d.is_ascii_digit() => text.get(8..10)?.to_owned(),
            _ => return None,
        };
        format!(
            "{}, {day} {} {} {} GMT",
            text.get(0..3)?,
            text.get(4..7)?,
            text.get(20..24)?,
            text.get(11..19)?
        )
    };
    parse_http_date(&fixdate)
}

#[cfg(test)]
mod date_tests {
    use super::parse_date_any_form;

    // 1994-11-06T08:49:37Z, the example of RFC 9110 §5.6.7 in its three forms.
    const T: i64 = 784_111_777;

    #[test]
    fn the_three_forms_of_rfc9110_denote_the_same_instant() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_date_any_form(text, T), Some(T), "{text:?}");
        }
        // Sign-Up.to's example date.
        assert_eq!(
            parse_date_any_form("Saturday, 09-Sep-89 11:00:00 GMT", 621_342_060),
            Some(621_342_000)
        );
        assert_eq!(
            parse_date_any_form("Sat Sep  9 11:00:00 1989", 621_342_060),
            Some(621_342_000)
        );
    }

    #[test]
    fn rfc850_two_digit_year_is_read_relative_to_the_clock() {
        // In 2026, "26" is 2026 and "76" (50 years ahead) is 2076; "77" is 1977.
        let now_2026 = 1_780_000_000;
        let y = |text: &str| {
            parse_date_any_form(text, now_2026).map(|t| crate::encoding::civil_date(t).0)
        };
        assert_eq!(y("Monday, 05-Jan-26 00:00:00 GMT"), Some(2026));
        assert_eq!(y("Tuesday, 05-Jan-76 00:00:00 GMT"), Some(2076));
        assert_eq!(y("Wednesday, 05-Jan-77 00:00:00 GMT"), Some(1977));
    }

    #[test]
    fn other_shapes_are_refused() {
        for bad in [
            "1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 UTC",
            "Sunday, 31-Nov-94 08:49:37 GMT",
            "Sunday, 06-nov-94 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 24:00:00 1994",
            "Sun Nov 31 08:49:37 1994",
            "Sun Nov  6 08:49:37 1994 ",
            "Sunday, 06-Nov-9x 08:49:37 GMT",
            "Sunday, é6-Nov-94 08:49:37 GMT",
            "Sun Nové 6 08:49:37 199",
            "",
        ] {
            assert_eq!(parse_date_any_form(bad, T), None, "{bad:?}");
        }
    }
}
