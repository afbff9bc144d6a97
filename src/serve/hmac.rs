//! The partner API's HMAC-SHA256 scheme under `/api/v1/partner/`, answered by the
//! reference [`Verifier`] with a bounded [`ShardedNonceStore`] (with `--redis`, a
//! [`DeferredNonceStore`] whose nonce is then recorded in Redis: 503
//! `STORE_UNAVAILABLE` when Redis does not answer in time).
//!
//! - `GET /api/v1/partner/constants/countries` and `POST /api/v1/partner/leads` (any
//!   JSON body) answer 200 `{"version":"2.0.0","timestamp":<ms>,"success":true,
//!   "data":…}` once the request verifies.
//! - A refusal is the vendor's envelope `{"version":"2.0.0","timestamp":<ms>,
//!   "success":false,"code":"GA2012","message":"Signature verification failed",
//!   "data":null}` with 401 (GA200x, GA201x) or 403 (GA2021, GA2022), as
//!   [`error_response`] writes it (H7).
//! - With `--explain`, a GA2012's `data` holds the string to sign the server built
//!   (`string_to_sign`, newlines escaped as `\n`) and, when the presented signature is
//!   the one of a common mistake (query signed, method case, body left out or changed,
//!   URL-safe or unpadded Base64, hex, …), that mistake and the first component it
//!   changes. The secret is only used to test the mistakes; it never appears. A string
//!   to sign longer than [`EXPLAIN_ECHO_MAX`] bytes (a large body) is shown clipped,
//!   `…` and `(N bytes in all)` after its first [`EXPLAIN_ECHO_MAX`] bytes, and
//!   `string_to_sign_bytes` (`client_string_to_sign_bytes`) gives its whole length, so
//!   that the answer stays under 64 KiB whatever the body (three strings shown, each
//!   at most 4 KiB escaped to at most four characters a byte, then JSON-escaped).
//!
//! The window is the vendor's ±60 s ([`DEFAULT_WINDOW_SECS`]), whatever `--window`
//! says (that flag is the Sign-Up.to `Date` window).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{
    Api, Credentials, CredentialsError, Recorded, STORE_UNAVAILABLE, Settings, Unreadable,
    json_body, read_body, record, tag,
};
use crate::encoding::{ct_eq, hex_decode, hmac_sha256};
use crate::layer::VerifyLayer;
use crate::replay::{AsyncNonceStore, DeferredNonceStore, NonceStore, defer};
use crate::schemes::hmac::{
    DEFAULT_WINDOW_SECS, ENVELOPE_VERSION, Error, Form, KeyDirectory, KeyRecord, PartnerApi,
    ShardedNonceStore, Verified, Verifier, error_response,
};
use crate::{CanonicalString, Clock, Request, Secret};

/// The scheme slug.
pub const SLUG: &str = crate::schemes::hmac::SLUG;

/// The GET route the probe uses by default.
pub const DEFAULT_PATH: &str = "/api/v1/partner/constants/countries";

/// The POST route.
pub const POST_PATH: &str = "/api/v1/partner/leads";

/// The HMAC API: the `sandbox` of its schemes' entries in [`crate::registry::SCHEMES`].
pub static API: Api = Api {
    mount: "/api/v1/partner/",
    demo,
    router,
};

/// `hmac-sha256` credentials: the provisioned API key and its secret, and optionally a
/// disabled key (requests with it are refused with GA2021; the probe checks that only
/// when the credentials name one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HmacCredentials {
    /// `X-Api-Key`.
    pub api_key: String,
    /// The API secret: the HMAC key.
    #[serde(deserialize_with = "secret")]
    pub secret: Secret,
    /// A key that exists but is disabled (the sandbox gives it the same secret).
    #[serde(default)]
    pub disabled_api_key: Option<String>,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::from)
}

fn demo() -> Vec<(&'static str, Value)> {
    vec![(
        SLUG,
        json!({
            "api_key": "pk_demo_4f1c2b7e",
            "secret": "sk_demo_9a8b7c6d5e4f3a2b1c0d",
            "disabled_api_key": "pk_demo_disabled"
        }),
    )]
}

/// The HMAC-SHA256 reference [`Verifier`] as a [`VerifyLayer`]'s step
/// ([`crate::layer::Authenticate`]): the proof is [`Verified`]; a refusal is the
/// vendor's envelope with 401 (GA200x, GA201x) or 403 (GA2021, GA2022), or 503
/// [`STORE_UNAVAILABLE`] when a shared nonce store does not answer.
///
/// ```
/// use std::sync::Arc;
/// use partner_auth::layer::{HmacSha256, VerifyLayer};
/// use partner_auth::replay::NonceStore;
/// use partner_auth::schemes::hmac::{KeyDirectory, KeyRecord, ShardedNonceStore, Verifier};
/// use partner_auth::{Clock, SystemClock};
///
/// let mut keys = KeyDirectory::new();
/// keys.insert("pk_demo", KeyRecord::new("demo-secret")?)?;
/// let clock: Arc<dyn Clock> = Arc::new(SystemClock);
/// let nonces: Arc<dyn NonceStore> = Arc::new(ShardedNonceStore::default());
/// let layer = VerifyLayer::new(HmacSha256::new(Verifier::new(keys, clock, nonces)).explain(true));
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A second form of the scheme ([`Form`]: other header names or string to sign) goes
/// behind the same layer with [`HmacSha256::with_form`]; `explain` is the default
/// form's only.
pub struct HmacSha256<F: Form = PartnerApi> {
    verifier: Verifier<Arc<dyn Clock>, Arc<dyn NonceStore>, F>,
    /// Where nonces are recorded after the verifier's check (its store is then a
    /// [`DeferredNonceStore`]).
    shared: Option<Arc<dyn AsyncNonceStore>>,
    explain: bool,
}

impl<F: Form> std::fmt::Debug for HmacSha256<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HmacSha256")
            .field("verifier", &self.verifier)
            .field("shared", &self.shared.is_some())
            .field("explain", &self.explain)
            .finish()
    }
}

impl HmacSha256 {
    /// Verifies with `verifier`, its nonces recorded in its own store.
    pub fn new(verifier: Verifier<Arc<dyn Clock>, Arc<dyn NonceStore>>) -> Self {
        Self::with_form(verifier)
    }

    /// On GA2012, put the string to sign the server built in the envelope's `data`
    /// and name the likely mistake (see the module docs); the secret never appears. For
    /// development: it tells a client how its signature differs.
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }
}

impl<F: Form> HmacSha256<F> {
    /// Verifies requests of the form `F` with `verifier` (built by
    /// [`Verifier::with_form`]), its nonces recorded in its own store.
    pub fn with_form(verifier: Verifier<Arc<dyn Clock>, Arc<dyn NonceStore>, F>) -> Self {
        Self {
            verifier,
            shared: None,
            explain: false,
        }
    }

    /// Records each accepted nonce in `store` (shared by several instances, e.g. the
    /// Redis store of feature `redis`) once the verifier's checks passed: a nonce seen
    /// by any instance is then GA2014 on every one, and when `store` does not answer the
    /// request is refused with 503 [`STORE_UNAVAILABLE`], never accepted unrecorded.
    /// Give the verifier a [`DeferredNonceStore`] so that it leaves the recording to
    /// `store`.
    pub fn record_in(mut self, store: Arc<dyn AsyncNonceStore>) -> Self {
        self.shared = Some(store);
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier<Arc<dyn Clock>, Arc<dyn NonceStore>, F> {
        &self.verifier
    }

    fn now_millis(&self) -> i64 {
        self.verifier.clock().now_millis()
    }
}

impl<F: Form> crate::layer::Authenticate for HmacSha256<F> {
    type Proof = Verified;

    async fn authenticate(
        &self,
        req: &Request,
        peer: Option<IpAddr>,
    ) -> Result<Verified, Response> {
        let (verified, pending) = defer(|| self.verifier.verify(req, peer));
        match verified {
            Ok(v) => match record(self.shared.as_ref(), SLUG, pending).await {
                Recorded::Fresh => Ok(v),
                Recorded::Replayed => Err(refuse(
                    self.now_millis(),
                    &Error::NonceReused {
                        header: F::HEADERS[3],
                    },
                    Value::Null,
                    None,
                )),
                Recorded::Full => Err(refuse(
                    self.now_millis(),
                    &Error::ReplayStoreFull,
                    Value::Null,
                    None,
                )),
                Recorded::Unavailable(u) => Err(plain(
                    self.now_millis(),
                    StatusCode::SERVICE_UNAVAILABLE,
                    STORE_UNAVAILABLE,
                    u.to_string(),
                )),
            },
            Err(e @ Error::SignatureMismatch { .. }) if self.explain => {
                let (data, hint) = explain(req, self.verifier.keys());
                Err(refuse(self.now_millis(), &e, data, Some(hint)))
            }
            Err(e) => Err(refuse(self.now_millis(), &e, Value::Null, None)),
        }
    }

    fn unreadable(&self, why: Unreadable) -> Response {
        plain(self.now_millis(), why.status, why.code, why.message)
    }
}

/// What the sandbox's routes hold besides the verifier.
struct Sandbox {
    max_body: usize,
    clock: Arc<dyn Clock>,
    leads: AtomicU64,
}

fn router(settings: &Settings, creds: &Credentials) -> Result<Router, CredentialsError> {
    let c: HmacCredentials = creds.entry(SLUG)?;
    // The scheme's messages name the rule broken, never the value.
    let bad = |field: &str, e: Error| creds.error(SLUG, &Value::Null, format!("`{field}`: {e}"));
    let mut keys = KeyDirectory::new();
    let record = KeyRecord::new(c.secret.clone()).map_err(|e| bad("secret", e))?;
    keys.insert(c.api_key.clone(), record.clone())
        .map_err(|e| bad("api_key", e))?;
    if let Some(disabled) = &c.disabled_api_key {
        if *disabled == c.api_key {
            return Err(creds.error(
                SLUG,
                &Value::Null,
                "`disabled_api_key` must differ from `api_key`",
            ));
        }
        keys.insert(disabled.clone(), record.enabled(false))
            .map_err(|e| bad("disabled_api_key", e))?;
    }
    let shared = settings.shared_nonces();
    let store: Arc<dyn NonceStore> = if shared.is_some() {
        Arc::new(DeferredNonceStore)
    } else {
        Arc::new(
            ShardedNonceStore::new(settings.replay_capacity)
                .with_scope_quota(settings.replay_scope_quota),
        )
    };
    let verifier = Verifier::new(keys, settings.clock.clone(), store)
        .with_window_secs(DEFAULT_WINDOW_SECS)
        .map_err(|e| CredentialsError(format!("{SLUG}: {e}")))?;
    let mut auth = HmacSha256::new(verifier).explain(settings.explain);
    if let Some(shared) = shared {
        auth = auth.record_in(shared);
    }
    let state = Sandbox {
        max_body: settings.max_body,
        clock: settings.clock.clone(),
        leads: AtomicU64::new(0),
    };
    let routes = Router::new()
        .route("/api/v1/partner/{*rest}", any(partner))
        .with_state(Arc::new(state));
    Ok(if settings.skip_auth {
        routes
    } else {
        routes.layer(VerifyLayer::new(auth).max_body(settings.max_body))
    })
}

/// The vendor's envelope for a refusal; `data` is null unless explained.
fn refuse(now: i64, e: &Error, data: Value, extra: Option<String>) -> Response {
    let (status, body) = match error_response(e, now) {
        Some((status, body)) => (status, body),
        // Not a vendor code (a full replay store): the same envelope shape.
        None => (
            e.http_status(),
            json!({
                "version": ENVELOPE_VERSION, "timestamp": now, "success": false,
                "code": e.code(), "message": e.to_string(), "data": null,
            })
            .to_string(),
        ),
    };
    let mut value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if !data.is_null() {
        value["data"] = data;
    }
    if let Some(extra) = extra
        && let Some(m) = value["message"].as_str()
    {
        value["message"] = Value::from(format!("{m}. {extra}"));
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut response = (status, json_body(&value)).into_response();
    tag(&mut response, SLUG, Some(e.code()));
    response
}

fn plain(now: i64, status: StatusCode, code: &'static str, message: String) -> Response {
    let body = json!({
        "version": ENVELOPE_VERSION, "timestamp": now, "success": false,
        "code": code, "message": message, "data": null,
    });
    let mut response = (status, json_body(&body)).into_response();
    tag(&mut response, SLUG, Some(code));
    response
}

/// A request the verifier let through (or, with `skip_auth`, any request).
async fn partner(State(s): State<Arc<Sandbox>>, req: HttpRequest) -> Response {
    let now = || s.clock.now_millis();
    let (parts, body) = req.into_parts();
    let (method, path) = (parts.method.as_str(), parts.uri.path());
    let data = match (method, path) {
        ("GET", DEFAULT_PATH) => json!([
            { "code": "PT", "name": "Portugal" },
            { "code": "ES", "name": "Spain" },
            { "code": "GB", "name": "United Kingdom" },
        ]),
        ("POST", POST_PATH) => {
            let body = match read_body(body, s.max_body).await {
                Ok(b) => b,
                Err(u) => return plain(now(), u.status, u.code, u.message),
            };
            let Ok(lead) = serde_json::from_slice::<Value>(&body) else {
                return plain(
                    now(),
                    StatusCode::BAD_REQUEST,
                    "MALFORMED_BODY",
                    "the body of POST /api/v1/partner/leads must be JSON".into(),
                );
            };
            let id = s.leads.fetch_add(1, Ordering::Relaxed) + 1;
            json!({ "id": id, "received": lead })
        }
        (method, path) => {
            return plain(
                now(),
                if path == DEFAULT_PATH || path == POST_PATH {
                    StatusCode::METHOD_NOT_ALLOWED
                } else {
                    StatusCode::NOT_FOUND
                },
                "NOT_FOUND",
                format!(
                    "no route `{method} {path}`; the sandbox serves GET {DEFAULT_PATH} and POST {POST_PATH}"
                ),
            );
        }
    };
    let body = json!({
        "version": ENVELOPE_VERSION,
        "timestamp": now(),
        "success": true,
        "data": data,
    });
    let mut response = (StatusCode::OK, json_body(&body)).into_response();
    tag(&mut response, SLUG, None);
    response
}

/// The five components, in signing order.
const COMPONENTS: [&str; 5] = ["METHOD", "PATH", "TIMESTAMP", "NONCE", "BODY"];

/// A string to sign as a client might have built it.
struct Candidate {
    what: String,
    parts: [Vec<u8>; 5],
    sep: &'static [u8],
    /// The separator between NONCE and BODY left out.
    no_body_separator: bool,
}

impl Candidate {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 && !(i == 4 && self.no_body_separator) {
                out.extend_from_slice(self.sep);
            }
            out.extend_from_slice(p);
        }
        out
    }
}

/// Most bytes of a string to sign an explained refusal shows (before escaping); the
/// rest is left out and the whole length stated. Without a clip, a 1 MiB body came back
/// about ten times over (escaped, in `data`, in the message, in the client's version).
pub const EXPLAIN_ECHO_MAX: usize = 4096;

/// [`escaped`], clipped to its first [`EXPLAIN_ECHO_MAX`] bytes followed by
/// `… (N bytes in all)` when longer.
fn clipped(mut bytes: Vec<u8>) -> String {
    let total = bytes.len();
    if total <= EXPLAIN_ECHO_MAX {
        return escaped(bytes);
    }
    bytes.truncate(EXPLAIN_ECHO_MAX);
    format!("{}… ({total} bytes in all)", escaped(bytes))
}

/// The bytes with `\n`, `\r`, `\\`, `"` and unprintable bytes escaped, without the
/// surrounding quotes.
fn escaped(bytes: Vec<u8>) -> String {
    let quoted = CanonicalString::from(bytes).escaped();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .map_or(quoted.clone(), str::to_owned)
}

/// How the signature in `Authorization` was encoded, when it is not standard padded
/// Base64 of 32 bytes: the bytes it decodes to and the mistake's name.
fn lenient_signature(value: &str) -> Option<(Vec<u8>, Option<&'static str>)> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let sig = value
        .strip_prefix("HMAC-SHA256")
        .or_else(|| {
            value
                .get(..11)
                .filter(|p| p.eq_ignore_ascii_case("HMAC-SHA256"))
                .map(|_| &value[11..])
        })
        .unwrap_or(value)
        .trim();
    if let Ok(b) = STANDARD.decode(sig)
        && b.len() == 32
    {
        return Some((b, None));
    }
    let tries: &[(&base64::engine::GeneralPurpose, &'static str)] = if sig.contains(['-', '_']) {
        &[
            (
                &URL_SAFE,
                "the signature was Base64 URL-safe (`-_`); the spec's Base64 is the standard `+/` alphabet with `=` padding",
            ),
            (
                &URL_SAFE_NO_PAD,
                "the signature was Base64 URL-safe (`-_`) without padding; the spec's Base64 is the standard `+/` alphabet with `=` padding",
            ),
        ]
    } else {
        &[(
            &STANDARD_NO_PAD,
            "the signature's `=` padding was stripped; send standard padded Base64",
        )]
    };
    for (engine, what) in tries {
        if let Ok(b) = engine.decode(sig)
            && b.len() == 32
        {
            return Some((b, Some(*what)));
        }
    }
    if sig.len() == 64
        && let Some(b) = hex_decode(sig)
    {
        return Some((
            b,
            Some("the signature was hex-encoded; the spec says Base64 of the binary digest"),
        ));
    }
    None
}

/// `data` and the message addition of an explained GA2012: the string to sign the
/// server built, and which common mistake, if any, the presented signature matches,
/// naming the first component it changes.
fn explain(req: &Request, keys: &KeyDirectory) -> (Value, String) {
    let header = |name: &str| req.headers.get_one(name).ok().flatten().unwrap_or("");
    let server = Candidate {
        what: String::new(),
        parts: [
            req.method.as_bytes().to_vec(),
            req.path().as_bytes().to_vec(),
            header("X-Timestamp").as_bytes().to_vec(),
            header("X-Nonce").as_bytes().to_vec(),
            req.body.clone(),
        ],
        sep: b"\n",
        no_body_separator: false,
    };
    let server_bytes = server.bytes();
    let total = server_bytes.len();
    let shown = clipped(server_bytes);
    let mut data = json!({ "string_to_sign": shown, "string_to_sign_bytes": total });
    let mut hint = format!("The string to sign for this request is \"{shown}\"");
    let key = keys.get(header("X-Api-Key"));
    let presented = lenient_signature(header("Authorization"));
    let (Some(key), Some((presented, encoding))) = (key, presented) else {
        return (data, hint);
    };
    let secret = key.secret().expose();
    let expected = hmac_sha256(secret, &server.bytes());
    if let Some(encoding) = encoding
        && ct_eq(&expected, &presented)
    {
        data["mistake"] = Value::from(encoding);
        data["first_difference"] = Value::from("signature encoding");
        hint.push_str(&format!("; the string to sign was right, but {encoding}"));
        return (data, hint);
    }
    let tried = mistakes(req, &server);
    let found = tried
        .iter()
        .find(|c| ct_eq(&hmac_sha256(secret, &c.bytes()), &presented));
    match found {
        Some(c) => {
            let first = (0..5)
                .find(|&i| c.parts[i] != server.parts[i])
                .map_or("the separators", |i| COMPONENTS[i]);
            let first = if c.no_body_separator {
                "the separator between NONCE and BODY"
            } else {
                first
            };
            data["mistake"] = Value::from(c.what.as_str());
            data["first_difference"] = Value::from(first);
            let client = c.bytes();
            data["client_string_to_sign_bytes"] = Value::from(client.len());
            data["client_string_to_sign"] = Value::from(clipped(client));
            hint.push_str(&format!(
                "; the signature sent is the one for this request with a mistake: {}; first differing component: {first}",
                c.what
            ));
        }
        None => {
            let names: Vec<&str> = tried.iter().map(|c| c.what.as_str()).collect();
            hint.push_str(&format!(
                "; the signature matches none of the common mistakes tried ({}): check the secret, then compare the client's string to sign component by component",
                names.join("; ")
            ));
        }
    }
    (data, hint)
}

fn mistakes(req: &Request, server: &Candidate) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut add = |what: &str, change: &dyn Fn(&mut [Vec<u8>; 5]), sep: &'static [u8]| {
        let mut parts = server.parts.clone();
        change(&mut parts);
        out.push(Candidate {
            what: what.to_owned(),
            parts,
            sep,
            no_body_separator: false,
        });
    };
    let method = req.method.clone();
    let path = req.path().to_owned();
    if req.query().is_some() {
        let target = req.target.clone();
        add(
            "the query string was signed (PATH is the path without the query)",
            &|p| p[1] = target.clone().into_bytes(),
            b"\n",
        );
    }
    if method != method.to_ascii_uppercase() {
        add(
            "the method was signed upper-cased but sent otherwise (it is signed as sent)",
            &|p| p[0] = method.to_ascii_uppercase().into_bytes(),
            b"\n",
        );
    }
    if method != method.to_ascii_lowercase() {
        add(
            "the method was signed in lower case",
            &|p| p[0] = method.to_ascii_lowercase().into_bytes(),
            b"\n",
        );
    }
    if path.len() > 1 && path.ends_with('/') {
        add(
            "the path was signed without its trailing slash",
            &|p| p[1] = path.trim_end_matches('/').as_bytes().to_vec(),
            b"\n",
        );
    } else {
        add(
            "the path was signed with a trailing slash",
            &|p| p[1] = format!("{path}/").into_bytes(),
            b"\n",
        );
    }
    if let Some(host) = req.headers.get_one("Host").ok().flatten() {
        for scheme in ["https", "http"] {
            let url = format!("{scheme}://{host}{path}");
            add(
                &format!("the full URL ({scheme}://host/path) was signed instead of the path"),
                &|p| p[1] = url.clone().into_bytes(),
                b"\n",
            );
        }
    }
    if let Some(ms) = req
        .headers
        .get_one("X-Timestamp")
        .ok()
        .flatten()
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|t| t.checked_mul(1000))
    {
        add(
            "the timestamp was signed in milliseconds (X-Timestamp is seconds)",
            &|p| p[2] = ms.to_string().into_bytes(),
            b"\n",
        );
    }
    if !req.body.is_empty() {
        add(
            "the body was left out of the string to sign (BODY is the raw body sent)",
            &|p| p[4].clear(),
            b"\n",
        );
        if req.body.ends_with(b"\n") {
            add(
                "the body was signed without its final newline",
                &|p| {
                    p[4].pop();
                },
                b"\n",
            );
        }
        if let Ok(v) = serde_json::from_slice::<Value>(&req.body) {
            let compact = v.to_string().into_bytes();
            if compact != req.body {
                add(
                    "the body was signed as compact JSON but sent formatted otherwise (sign the exact bytes sent)",
                    &|p| p[4] = compact.clone(),
                    b"\n",
                );
            }
            if let Ok(pretty) = serde_json::to_vec_pretty(&v)
                && pretty != req.body
            {
                add(
                    "the body was signed pretty-printed but sent otherwise (sign the exact bytes sent)",
                    &|p| p[4] = pretty.clone(),
                    b"\n",
                );
            }
        }
    }
    add(
        "a newline was added after the body",
        &|p| p[4].push(b'\n'),
        b"\n",
    );
    if req.body.is_empty() {
        out.push(Candidate {
            what: "the separator before the empty body was left out (with no body the string ends with NONCE + \"\\n\")".into(),
            parts: server.parts.clone(),
            sep: b"\n",
            no_body_separator: true,
        });
    }
    out.push(Candidate {
        what: "the components were joined with CR LF instead of \\n".into(),
        parts: server.parts.clone(),
        sep: b"\r\n",
        no_body_separator: false,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{base64_encode, hmac_sha256};

    const SECRET: &str = "sk_test_secret";
    const TS: &str = "1709337600";

    fn keys() -> KeyDirectory {
        let mut k = KeyDirectory::new();
        k.insert("pk", KeyRecord::new(SECRET).unwrap()).unwrap();
        k
    }

    /// Method, target, body sent, bytes signed, words of the mistake, component.
    type Case<'a> = (&'a str, &'a str, &'a [u8], Vec<u8>, &'a str, &'a str);

    /// A request to `target` sent as `method` with `body`, signed over `signed` (written
    /// out by hand).
    fn request(method: &str, target: &str, body: &[u8], signed: &[u8]) -> Request {
        let sig = base64_encode(&hmac_sha256(SECRET.as_bytes(), signed));
        Request::new(method, target)
            .header("Host", "api.example.com")
            .header("X-Api-Key", "pk")
            .header("X-Timestamp", TS)
            .header("X-Nonce", "n1")
            .header("Authorization", format!("HMAC-SHA256 {sig}"))
            .body(body.to_vec())
    }

    #[test]
    fn each_mistake_is_named_with_its_component_and_the_secret_never_shown() {
        let pretty = b"{\n  \"a\": 1\n}";
        let cases: Vec<Case<'_>> = vec![
            (
                "GET",
                "/api/v1/partner/x/",
                b"",
                format!("GET\n/api/v1/partner/x\n{TS}\nn1\n").into_bytes(),
                "without its trailing slash",
                "PATH",
            ),
            (
                "GET",
                "/api/v1/partner/x",
                b"",
                format!("GET\nhttps://api.example.com/api/v1/partner/x\n{TS}\nn1\n").into_bytes(),
                "full URL (https",
                "PATH",
            ),
            (
                "GET",
                "/api/v1/partner/x",
                b"",
                format!("GET\n/api/v1/partner/x\n{TS}000\nn1\n").into_bytes(),
                "milliseconds",
                "TIMESTAMP",
            ),
            (
                "POST",
                "/api/v1/partner/x",
                pretty,
                format!("POST\n/api/v1/partner/x\n{TS}\nn1\n{{\"a\":1}}").into_bytes(),
                "compact JSON",
                "BODY",
            ),
            (
                "POST",
                "/api/v1/partner/x",
                b"{\"a\":1}\n",
                format!("POST\n/api/v1/partner/x\n{TS}\nn1\n{{\"a\":1}}").into_bytes(),
                "without its final newline",
                "BODY",
            ),
            (
                "POST",
                "/api/v1/partner/x",
                b"{\"a\":1}",
                format!("POST\n/api/v1/partner/x\n{TS}\nn1\n{{\"a\":1}}\n").into_bytes(),
                "a newline was added after the body",
                "BODY",
            ),
            (
                "Get",
                "/api/v1/partner/x",
                b"",
                format!("GET\n/api/v1/partner/x\n{TS}\nn1\n").into_bytes(),
                "signed upper-cased",
                "METHOD",
            ),
        ];
        for (method, target, body, signed, words, component) in cases {
            let req = request(method, target, body, &signed);
            let (data, hint) = explain(&req, &keys());
            let mistake = data["mistake"].as_str().unwrap_or("");
            assert!(mistake.contains(words), "{words}: {data}");
            assert_eq!(data["first_difference"], component, "{words}: {data}");
            assert!(hint.contains(component), "{hint}");
            let all = format!("{data}{hint}");
            assert!(!all.contains(SECRET), "{all}");
        }
    }

    #[test]
    fn a_large_body_is_shown_clipped_with_its_whole_length() {
        let body = vec![b'a'; 1 << 20];
        let head = format!("POST\n/api/v1/partner/x\n{TS}\nn1\n");
        // Signed without the body: the mistake is found, its string to sign shown too.
        let req = request("POST", "/api/v1/partner/x", &body, head.as_bytes());
        let (data, hint) = explain(&req, &keys());
        let total = head.len() + body.len();
        assert_eq!(data["string_to_sign_bytes"], total);
        assert_eq!(data["client_string_to_sign_bytes"], head.len());
        let shown = data["string_to_sign"].as_str().unwrap();
        assert!(shown.starts_with("POST\\n/api/v1/partner/x"), "{shown:.80}");
        assert!(
            shown.ends_with(&format!("a… ({total} bytes in all)")),
            "{}",
            &shown[shown.len() - 40..]
        );
        assert!(
            shown.len() < EXPLAIN_ECHO_MAX + 100,
            "{} bytes",
            shown.len()
        );
        let all = format!("{data}{hint}");
        assert!(all.len() < 4 * EXPLAIN_ECHO_MAX, "{} bytes", all.len());
    }

    #[test]
    fn unpadded_standard_base64_is_named() {
        let signed = format!("GET\n/api/v1/partner/x\n{TS}\nn1\n");
        let sig = base64_encode(&hmac_sha256(SECRET.as_bytes(), signed.as_bytes()));
        let req = Request::new("GET", "/api/v1/partner/x")
            .header("X-Api-Key", "pk")
            .header("X-Timestamp", TS)
            .header("X-Nonce", "n1")
            .header(
                "Authorization",
                format!("HMAC-SHA256 {}", sig.trim_end_matches('=')),
            );
        let (data, _) = explain(&req, &keys());
        assert!(
            data["mistake"]
                .as_str()
                .unwrap()
                .contains("padding was stripped"),
            "{data}"
        );
        assert_eq!(data["string_to_sign"], signed.replace('\n', "\\n"));
    }
}
