//! The form of a request: which headers carry the key, the signature, the timestamp and
//! the nonce, the `Authorization`-style scheme token, and the string to sign.
//!
//! A vendor may publish several forms of the same HMAC-SHA256 scheme (other header
//! names, another order of the signed parts). Each is a zero-sized type implementing
//! [`Form`]; [`Signer`](super::Signer) and [`Verifier`](super::Verifier) take it as a type
//! parameter (default [`PartnerApi`]) and run the same checks, in the same order, for
//! every form. Everything a form gives is a constant or a monomorphised function: no
//! form costs an allocation or an indirect call.

use http::HeaderName;

use super::canonical::Parts;

/// One form of the HMAC-SHA256 scheme: header names, scheme token, string to sign.
///
/// The signature is always standard padded Base64 of HMAC-SHA256 under the secret's
/// bytes, sent in the signature header as `<AUTH_SCHEME> <Base64>`; the checks
/// (their order, the codes GA2001…GA2022, the window, the replay store) are the
/// verifier's and do not depend on the form.
///
/// Every header name is given twice: as an [`http::HeaderName`] the signer writes
/// (lowercase, as `http` stores names) and, in [`Form::HEADERS`], as written in
/// documentation, [`Signed::headers`](super::Signed::headers) and error messages (the
/// verifier matches it case-insensitively). The two must name the same header:
/// [`Form::names_agree`] says whether they do, and a test of every form should assert it.
///
/// # A second form
///
/// A form that sends `X-Key`, `X-Signature: ACME-HMAC <Base64>`, `X-Time` and
/// `X-Request-Id`, and signs `TIMESTAMP|NONCE|METHOD|PATH|BODY`:
///
/// ```
/// use http::HeaderName;
/// use partner_auth::schemes::hmac::{
///     Form, KeyDirectory, KeyRecord, Parts, ShardedNonceStore, SignRequest, Signer, Verifier,
/// };
/// use partner_auth::{FixedClock, Request};
///
/// #[derive(Clone, Copy, Debug, Default)]
/// struct Acme;
///
/// impl Form for Acme {
///     const AUTH_SCHEME: &'static str = "ACME-HMAC";
///     const HEADERS: [&'static str; 4] = ["X-Key", "X-Signature", "X-Time", "X-Request-Id"];
///     const API_KEY: HeaderName = HeaderName::from_static("x-key");
///     const SIGNATURE: HeaderName = HeaderName::from_static("x-signature");
///     const TIMESTAMP: HeaderName = HeaderName::from_static("x-time");
///     const NONCE: HeaderName = HeaderName::from_static("x-request-id");
///     type Pieces<'a> = [&'a [u8]; 9];
///     fn pieces<'a>(p: &Parts<'a>) -> [&'a [u8]; 9] {
///         let bar: &[u8] = b"|";
///         [p.timestamp.as_bytes(), bar, p.nonce.as_bytes(), bar, p.method.as_bytes(), bar,
///          p.path.as_bytes(), bar, p.body]
///     }
/// }
/// assert!(Acme::names_agree());
///
/// let signer = Signer::with_form(Acme, "k1", "s3cret")?;
/// let signed = signer.sign(&SignRequest {
///     method: "GET",
///     target: "/v2/items",
///     timestamp: 1_709_337_600,
///     nonce: "r-1",
///     body: b"",
/// })?;
/// assert_eq!(signed.string_to_sign.as_bytes(), b"1709337600|r-1|GET|/v2/items|");
/// assert_eq!(signed.headers[3].0, "X-Signature");
///
/// let mut keys = KeyDirectory::new();
/// keys.insert("k1", KeyRecord::new("s3cret")?)?;
/// let clock = FixedClock::from_secs(1_709_337_600);
/// let verifier = Verifier::with_form(Acme, keys, clock, ShardedNonceStore::default());
/// let mut request = Request::new("GET", "/v2/items");
/// for (name, value) in &signed.headers {
///     request.headers.append(*name, value.clone());
/// }
/// assert_eq!(verifier.verify(&request, None)?.api_key(), "k1");
/// # Ok::<(), partner_auth::schemes::hmac::Error>(())
/// ```
///
/// A scheme token that is not an HTTP token is refused when the form is used:
///
/// ```compile_fail
/// # use http::HeaderName;
/// # use partner_auth::schemes::hmac::{Form, Parts, PartnerApi, Signer};
/// #[derive(Clone, Copy, Debug, Default)]
/// struct Spaced;
/// impl Form for Spaced {
///     const AUTH_SCHEME: &'static str = "HMAC SHA256";
///     const HEADERS: [&'static str; 4] = PartnerApi::HEADERS;
///     const API_KEY: HeaderName = PartnerApi::API_KEY;
///     const SIGNATURE: HeaderName = PartnerApi::SIGNATURE;
///     const TIMESTAMP: HeaderName = PartnerApi::TIMESTAMP;
///     const NONCE: HeaderName = PartnerApi::NONCE;
///     type Pieces<'a> = [&'a [u8]; 9];
///     fn pieces<'a>(p: &Parts<'a>) -> [&'a [u8]; 9] {
///         p.pieces()
///     }
/// }
/// let signer = Signer::with_form(Spaced, "k1", "s3cret");
/// ```
///
/// Adding such a form to the kit (a slug, its registry line, its vectors) is described
/// in README.md, "Adding a scheme".
pub trait Form: Copy + Default + std::fmt::Debug + Send + Sync + 'static {
    /// The scheme token before the Base64 signature (`HMAC-SHA256`): 1 to
    /// [`MAX_AUTH_SCHEME_LEN`] HTTP token characters, matched case-sensitively (H6).
    /// A form with any other value does not compile into a signer or verifier.
    const AUTH_SCHEME: &'static str;

    /// The four headers as written, in the verifier's check order: API key, signature,
    /// timestamp, nonce (GA2001, GA2002, GA2003, GA2004). Matched case-insensitively.
    const HEADERS: [&'static str; 4];

    /// The API key header the signer writes (`HEADERS[0]`, lowercase).
    const API_KEY: HeaderName;
    /// The signature header the signer writes (`HEADERS[1]`, lowercase).
    const SIGNATURE: HeaderName;
    /// The timestamp header the signer writes (`HEADERS[2]`, lowercase).
    const TIMESTAMP: HeaderName;
    /// The nonce header the signer writes (`HEADERS[3]`, lowercase).
    const NONCE: HeaderName;

    /// The pieces [`Form::pieces`] returns: usually `[&'a [u8]; N]`.
    type Pieces<'a>: AsRef<[&'a [u8]]>;

    /// The string to sign as pieces in order, separators included: the MAC absorbs
    /// them one after the other, and [`string_to_sign_with`](super::string_to_sign_with)
    /// concatenates them. Every piece must come from `parts` or be a constant; the
    /// separators must keep the parts apart unambiguously (the verifier refuses a
    /// method or path holding control characters, and a nonce is visible ASCII).
    fn pieces<'a>(parts: &Parts<'a>) -> Self::Pieces<'a>;

    /// Whether [`Form::HEADERS`] and the four [`http::HeaderName`]s name the same
    /// headers, and [`Form::AUTH_SCHEME`] is a usable token. A form whose names differ
    /// signs requests its own verifier refuses.
    fn names_agree() -> bool {
        let names = [Self::API_KEY, Self::SIGNATURE, Self::TIMESTAMP, Self::NONCE];
        names
            .iter()
            .zip(Self::HEADERS)
            .all(|(n, h)| n.as_str().eq_ignore_ascii_case(h))
            && is_scheme_token(Self::AUTH_SCHEME)
    }
}

/// The longest [`Form::AUTH_SCHEME`] a form may use, in bytes.
pub const MAX_AUTH_SCHEME_LEN: usize = 64;

/// Whether `scheme` is 1 to [`MAX_AUTH_SCHEME_LEN`] HTTP token characters (RFC 9110
/// §5.6.2). Evaluated at compile time by [`Signer::with_form`](super::Signer::with_form)
/// and [`Verifier::with_form`](super::Verifier::with_form), so a form with another
/// token does not build.
pub(crate) const fn is_scheme_token(scheme: &str) -> bool {
    let bytes = scheme.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_AUTH_SCHEME_LEN {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let tchar = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        if !tchar {
            return false;
        }
        i += 1;
    }
    true
}

/// The partner API's form, the one the vendor's page describes: `X-Api-Key`,
/// `Authorization: HMAC-SHA256 <signature>`, `X-Timestamp`, `X-Nonce`, and
/// `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY`. The default of [`Signer`](super::Signer)
/// and [`Verifier`](super::Verifier).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartnerApi;

impl Form for PartnerApi {
    const AUTH_SCHEME: &'static str = super::AUTH_SCHEME;
    const HEADERS: [&'static str; 4] = ["X-Api-Key", "Authorization", "X-Timestamp", "X-Nonce"];
    const API_KEY: HeaderName = HeaderName::from_static("x-api-key");
    const SIGNATURE: HeaderName = http::header::AUTHORIZATION;
    const TIMESTAMP: HeaderName = HeaderName::from_static("x-timestamp");
    const NONCE: HeaderName = HeaderName::from_static("x-nonce");
    type Pieces<'a> = [&'a [u8]; 9];

    fn pieces<'a>(parts: &Parts<'a>) -> [&'a [u8]; 9] {
        parts.pieces()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partner_api_form_names_agree() {
        assert!(PartnerApi::names_agree());
    }

    #[derive(Clone, Copy, Debug, Default)]
    struct Mismatched;

    impl Form for Mismatched {
        const AUTH_SCHEME: &'static str = "HMAC-SHA256";
        const HEADERS: [&'static str; 4] = ["X-Api-Key", "Authorization", "X-Timestamp", "X-N"];
        const API_KEY: HeaderName = HeaderName::from_static("x-api-key");
        const SIGNATURE: HeaderName = http::header::AUTHORIZATION;
        const TIMESTAMP: HeaderName = HeaderName::from_static("x-timestamp");
        const NONCE: HeaderName = HeaderName::from_static("x-nonce");
        type Pieces<'a> = [&'a [u8]; 1];
        fn pieces<'a>(parts: &Parts<'a>) -> [&'a [u8]; 1] {
            [parts.body]
        }
    }

    #[derive(Clone, Copy, Debug, Default)]
    struct BadScheme;

    impl Form for BadScheme {
        const AUTH_SCHEME: &'static str = "HMAC SHA256";
        const HEADERS: [&'static str; 4] = PartnerApi::HEADERS;
        const API_KEY: HeaderName = PartnerApi::API_KEY;
        const SIGNATURE: HeaderName = PartnerApi::SIGNATURE;
        const TIMESTAMP: HeaderName = PartnerApi::TIMESTAMP;
        const NONCE: HeaderName = PartnerApi::NONCE;
        type Pieces<'a> = [&'a [u8]; 1];
        fn pieces<'a>(parts: &Parts<'a>) -> [&'a [u8]; 1] {
            [parts.body]
        }
    }

    #[test]
    fn a_form_whose_names_differ_or_whose_token_has_a_space_does_not_agree() {
        assert!(!Mismatched::names_agree());
        assert!(!BadScheme::names_agree());
    }

    #[test]
    fn scheme_tokens() {
        assert!(is_scheme_token("HMAC-SHA256"));
        assert!(is_scheme_token("a"));
        assert!(is_scheme_token(&"A".repeat(MAX_AUTH_SCHEME_LEN)));
        for bad in ["", "HMAC SHA256", "HMAC\nX", "Bearer:", "é"] {
            assert!(!is_scheme_token(bad), "{bad:?}");
        }
        assert!(!is_scheme_token(&"A".repeat(MAX_AUTH_SCHEME_LEN + 1)));
    }

    use super::super::{KeyDirectory, KeyRecord, ShardedNonceStore, SignRequest, Signer, Verifier};
    use crate::{FixedClock, Request};
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};

    /// A second form: other header names, another scheme token, and the parts in
    /// another order with another separator.
    #[derive(Clone, Copy, Debug, Default)]
    struct Acme;

    impl Form for Acme {
        const AUTH_SCHEME: &'static str = "ACME-HMAC";
        const HEADERS: [&'static str; 4] = ["X-Key", "X-Signature", "X-Time", "X-Request-Id"];
        const API_KEY: HeaderName = HeaderName::from_static("x-key");
        const SIGNATURE: HeaderName = HeaderName::from_static("x-signature");
        const TIMESTAMP: HeaderName = HeaderName::from_static("x-time");
        const NONCE: HeaderName = HeaderName::from_static("x-request-id");
        type Pieces<'a> = [&'a [u8]; 9];
        fn pieces<'a>(p: &Parts<'a>) -> [&'a [u8]; 9] {
            let bar: &[u8] = b"|";
            [
                p.timestamp.as_bytes(),
                bar,
                p.nonce.as_bytes(),
                bar,
                p.method.as_bytes(),
                bar,
                p.path.as_bytes(),
                bar,
                p.body,
            ]
        }
    }

    /// The partner API's headers and token, but the nonce signed before the timestamp.
    #[derive(Clone, Copy, Debug, Default)]
    struct Swapped;

    impl Form for Swapped {
        const AUTH_SCHEME: &'static str = PartnerApi::AUTH_SCHEME;
        const HEADERS: [&'static str; 4] = PartnerApi::HEADERS;
        const API_KEY: HeaderName = PartnerApi::API_KEY;
        const SIGNATURE: HeaderName = PartnerApi::SIGNATURE;
        const TIMESTAMP: HeaderName = PartnerApi::TIMESTAMP;
        const NONCE: HeaderName = PartnerApi::NONCE;
        type Pieces<'a> = [&'a [u8]; 9];
        fn pieces<'a>(p: &Parts<'a>) -> [&'a [u8]; 9] {
            let [m, s1, path, s2, ts, s3, nonce, s4, body] = p.pieces();
            [m, s1, path, s2, nonce, s3, ts, s4, body]
        }
    }

    const KEY: &str = "k_acme_1";
    const SECRET: &str = "acme-secret";
    const TS: i64 = 1_709_337_600;
    const BODY: &[u8] = br#"{"a":1}"#;

    fn req() -> SignRequest<'static> {
        SignRequest {
            method: "POST",
            target: "/v2/items?page=2",
            timestamp: TS,
            nonce: "r-1",
            body: BODY,
        }
    }

    /// Base64 of HMAC-SHA256 over `text`, by the `hmac` and `base64` crates alone.
    fn independent_signature(text: &[u8]) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(text);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    fn verifier<F: Form>(form: F, now: i64) -> Verifier<FixedClock, ShardedNonceStore, F> {
        let mut keys = KeyDirectory::new();
        keys.insert(KEY, KeyRecord::new(SECRET).unwrap()).unwrap();
        Verifier::with_form(
            form,
            keys,
            FixedClock::from_secs(now),
            ShardedNonceStore::new(100),
        )
    }

    /// The request as received: the signed headers of `sign_into`, the body.
    fn received(headers: &http::HeaderMap, body: &[u8]) -> Request {
        let mut request = Request::new("POST", "/v2/items?page=2").body(body.to_vec());
        for (name, value) in headers {
            request
                .headers
                .append(name.as_str(), value.to_str().unwrap().to_owned());
        }
        request
    }

    #[test]
    fn a_second_form_signs_its_own_headers_over_its_own_string() {
        // Written out by hand: TIMESTAMP|NONCE|METHOD|PATH|BODY, the query unsigned.
        let text = br#"1709337600|r-1|POST|/v2/items|{"a":1}"#;
        // printf '%s' '1709337600|r-1|POST|/v2/items|{"a":1}' \
        //   | openssl dgst -sha256 -hmac 'acme-secret' -binary | base64
        let openssl = "Tecv3opsG8CcXg1oojRJatMruyb3qOBv9nt9638sGMU=";
        assert_eq!(independent_signature(text), openssl);

        let signer = Signer::with_form(Acme, KEY, SECRET).unwrap();
        let mut headers = http::HeaderMap::new();
        let signature = signer.sign_into(&req(), &mut headers).unwrap();
        assert_eq!(signature.as_str(), openssl);
        assert_eq!(headers.len(), 4, "{headers:?}");
        assert_eq!(headers["x-key"], KEY);
        assert_eq!(headers["x-time"], "1709337600");
        assert_eq!(headers["x-request-id"], "r-1");
        assert_eq!(headers["x-signature"], format!("ACME-HMAC {openssl}"));

        let signed = signer.sign(&req()).unwrap();
        assert_eq!(signed.string_to_sign.as_bytes(), text);
        assert_eq!(signed.signature, openssl);
        assert_eq!(
            signed.headers.clone().map(|(n, _)| n),
            ["X-Key", "X-Time", "X-Request-Id", "X-Signature"]
        );
        assert_eq!(signed.headers[3].1, format!("ACME-HMAC {openssl}"));
    }

    /// The reference answers a second form's vector ops through `answer_form`: what a
    /// second form's registry line names.
    #[test]
    fn the_reference_answers_a_second_forms_sign_and_verify_ops() {
        use crate::vectors::Answer;
        use serde_json::json;
        let answer = |op: &str, input: serde_json::Value| {
            crate::reference::hmac::answer_form::<Acme>("acme-hmac", op, &input)
                .unwrap_or_else(|a| a)
        };
        // The openssl value of the test above, over `1709337600|r-1|POST|/v2/items|{"a":1}`.
        let openssl = "Tecv3opsG8CcXg1oojRJatMruyb3qOBv9nt9638sGMU=";
        let signed = answer(
            "sign",
            json!({ "method": "POST", "target": "/v2/items?page=2", "timestamp": TS,
                    "nonce": "r-1", "body": r#"{"a":1}"#, "api_key": KEY, "secret": SECRET }),
        );
        let Answer::Output(out) = signed else {
            panic!("{signed:?}")
        };
        assert_eq!(out["signature"], openssl, "{out}");
        assert_eq!(
            out["string_to_sign"],
            r#"1709337600|r-1|POST|/v2/items|{"a":1}"#
        );
        assert_eq!(
            out["headers"][3],
            json!(["X-Signature", format!("ACME-HMAC {openssl}")])
        );

        let request = |signature: &str| {
            json!({ "now": TS, "keys": [{ "api_key": KEY, "secret": SECRET }],
                    "request": { "method": "POST", "target": "/v2/items", "body": r#"{"a":1}"#,
                                 "headers": [["X-Key", KEY], ["X-Time", "1709337600"],
                                             ["X-Request-Id", "r-1"],
                                             ["X-Signature", format!("ACME-HMAC {signature}")]] } })
        };
        let verified = answer("verify", request(openssl));
        assert!(
            matches!(&verified, Answer::Output(o) if o["api_key"] == KEY),
            "{verified:?}"
        );
        let tampered = answer("verify", request(&openssl.replace('T', "U")));
        assert!(
            matches!(&tampered, Answer::Error { code, .. } if code == "GA2012"),
            "{tampered:?}"
        );
    }

    #[test]
    fn the_partner_api_form_signs_as_before() {
        // The vendor's string, by hand; its MAC by the `hmac` crate alone.
        let text = b"POST\n/v2/items\n1709337600\nr-1\n{\"a\":1}";
        // printf 'POST\n/v2/items\n1709337600\nr-1\n{"a":1}' \
        //   | openssl dgst -sha256 -hmac 'acme-secret' -binary | base64
        let openssl = "HFJIwwDCx1bFDjnf4Z6SIXkprVTCn6f/yjvqIAUeATg=";
        assert_eq!(independent_signature(text), openssl);
        let mut headers = http::HeaderMap::new();
        let signer = Signer::new(KEY, SECRET).unwrap();
        signer.sign_into(&req(), &mut headers).unwrap();
        assert_eq!(headers.len(), 4, "{headers:?}");
        assert_eq!(headers["x-api-key"], KEY);
        assert_eq!(headers["x-timestamp"], "1709337600");
        assert_eq!(headers["x-nonce"], "r-1");
        assert_eq!(headers["authorization"], format!("HMAC-SHA256 {openssl}"));
    }

    #[test]
    fn a_second_form_runs_the_verifiers_checks() {
        let signer = Signer::with_form(Acme, KEY, SECRET).unwrap();
        let mut headers = http::HeaderMap::new();
        signer.sign_into(&req(), &mut headers).unwrap();

        let v = verifier(Acme, TS + 60);
        assert_eq!(
            v.verify(&received(&headers, BODY), None).unwrap().api_key(),
            KEY
        );
        let code = |r: Result<_, super::super::Error>| r.unwrap_err().code();
        // Each refusal's text names the header as the form names it.
        let replay = v.verify(&received(&headers, BODY), None).unwrap_err();
        assert_eq!(replay.code(), "GA2014");
        assert!(replay.to_string().contains("`X-Request-Id`"), "{replay}");
        assert_eq!(
            code(verifier(Acme, TS).verify(&received(&headers, b"{}"), None)),
            "GA2012"
        );
        let stale = verifier(Acme, TS + 61)
            .verify(&received(&headers, BODY), None)
            .unwrap_err();
        assert_eq!(stale.code(), "GA2013");
        assert!(stale.to_string().contains("`X-Time`"), "{stale}");
        let mut unknown_key = headers.clone();
        unknown_key.insert("x-key", "k_unknown".parse().unwrap());
        let unknown = verifier(Acme, TS)
            .verify(&received(&unknown_key, BODY), None)
            .unwrap_err();
        assert_eq!(unknown.code(), "GA2011");
        assert!(unknown.to_string().contains("`X-Key`"), "{unknown}");
        // A header missing is named as the form names it.
        let mut without_time = headers.clone();
        without_time.remove("x-time");
        let err = verifier(Acme, TS)
            .verify(&received(&without_time, BODY), None)
            .unwrap_err();
        assert_eq!(err.code(), "GA2003");
        assert!(err.to_string().contains("`X-Time`"), "{err}");
        // The scheme token is the form's, case-sensitively.
        let mut lower = headers.clone();
        let sig = lower["x-signature"]
            .to_str()
            .unwrap()
            .replace("ACME", "acme");
        lower.insert("x-signature", sig.parse().unwrap());
        assert_eq!(
            code(verifier(Acme, TS).verify(&received(&lower, BODY), None)),
            "GA2012"
        );
    }

    #[test]
    fn a_request_signed_in_one_form_is_refused_in_another() {
        let mut acme = http::HeaderMap::new();
        Signer::with_form(Acme, KEY, SECRET)
            .unwrap()
            .sign_into(&req(), &mut acme)
            .unwrap();
        let mut partner = http::HeaderMap::new();
        Signer::new(KEY, SECRET)
            .unwrap()
            .sign_into(&req(), &mut partner)
            .unwrap();

        // Other header names: the key header is the first one missing.
        let e = verifier(PartnerApi, TS)
            .verify(&received(&acme, BODY), None)
            .unwrap_err();
        assert_eq!(e.code(), "GA2001", "{e}");
        assert!(e.to_string().contains("`X-Api-Key`"), "{e}");
        let e = verifier(Acme, TS)
            .verify(&received(&partner, BODY), None)
            .unwrap_err();
        assert_eq!(e.code(), "GA2001", "{e}");
        assert!(e.to_string().contains("`X-Key`"), "{e}");

        // Same headers, another string to sign: the signature does not verify, both ways.
        let mut swapped = http::HeaderMap::new();
        Signer::with_form(Swapped, KEY, SECRET)
            .unwrap()
            .sign_into(&req(), &mut swapped)
            .unwrap();
        assert_ne!(swapped["authorization"], partner["authorization"]);
        let e = verifier(Swapped, TS)
            .verify(&received(&partner, BODY), None)
            .unwrap_err();
        assert_eq!(e.code(), "GA2012", "{e}");
        let e = verifier(PartnerApi, TS)
            .verify(&received(&swapped, BODY), None)
            .unwrap_err();
        assert_eq!(e.code(), "GA2012", "{e}");
        // Each verifies in its own form.
        verifier(Swapped, TS)
            .verify(&received(&swapped, BODY), None)
            .unwrap();
        verifier(PartnerApi, TS)
            .verify(&received(&partner, BODY), None)
            .unwrap();
    }

    #[test]
    fn the_test_forms_names_agree() {
        assert!(Acme::names_agree());
        assert!(Swapped::names_agree());
    }
}
