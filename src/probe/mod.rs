//! Black-box checks of a live verifier (`partner-auth probe`): a scheme's verify cases —
//! a valid request, a replay, a stale date, a tampered signature, each missing header, an
//! unknown key — sent as real HTTP requests, and each answer graded against what the
//! spec requires.
//!
//! Every case belongs to a [`Profile`]: `conformance` cases check what the vendor's page
//! requires, `hardened` ones the security properties it leaves unsaid (a forged request
//! must not burn a nonce, a signature is compared in its exact case, an empty id line is
//! not an absent one). The caller decides which fail a run ([`CaseResult::fails_under`]).
//!
//! Each scheme is one module with one `probe` function that builds its requests with the
//! reference signer, sends them through a [`Prober`] and grades the answers in its
//! vendor's terms; a new scheme adds `src/probe/<api>.rs` with a [`ProbeModule`] constant
//! per slug, named by the slug's [`crate::registry`] entry. Credentials have the shape of the sandbox's
//! ([`crate::serve::Credentials`]), so a probe of the sandbox needs no flags.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::serve::Credentials;

pub mod groupcall;
pub mod hmac;
pub mod portal;
pub mod signupto;

/// The future a [`ProbeFn`] returns.
pub type ProbeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<CaseResult>, ProbeError>> + Send + 'a>>;

/// Runs the cases of one scheme: `(slug, prober, path, credentials)`.
pub type ProbeFn = for<'a> fn(&'a str, &'a Prober, &'a str, &'a Credentials) -> ProbeFuture<'a>;

/// One scheme's probe, as its module declares it and its [`crate::registry`] entry
/// names it.
#[derive(Clone, Copy)]
pub struct ProbeModule {
    /// The endpoint the cases go to when `--path` is not given.
    pub default_path: &'static str,
    /// Runs the cases.
    pub run: ProbeFn,
    /// What a server that accepts every request must get: the cases that pass against it
    /// anyway (the genuine request) and the cases it must fail (at least one, so that a
    /// probe of it is non-conformant). Tests take "every scheme's" expectations from here.
    pub accept_everything: AcceptEverything,
}

impl std::fmt::Debug for ProbeModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeModule")
            .field("default_path", &self.default_path)
            .field("accept_everything", &self.accept_everything)
            .finish_non_exhaustive()
    }
}

/// The cases of one scheme graded against a server that answers every request with its
/// API's success shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptEverything {
    /// Cases such a server passes (a genuine request is accepted, as it should be).
    pub pass: &'static [&'static str],
    /// Cases such a server fails (a forged, replayed or stale request is accepted).
    pub fail: &'static [&'static str],
}

/// The schemes `partner-auth probe` can check: the [`crate::registry`] entries with a
/// probe module, in registry order.
pub fn schemes() -> impl Iterator<Item = &'static str> {
    crate::registry::SCHEMES
        .iter()
        .filter(|e| e.probe.is_some())
        .map(|e| e.slug)
}

/// The probe module of `slug`, when it has one.
pub fn module(slug: &str) -> Option<ProbeModule> {
    crate::registry::get(slug).and_then(|e| e.probe)
}

/// The endpoint `slug`'s cases go to when none is given; `None` when probe does not
/// support `slug`.
pub fn default_path(slug: &str) -> Option<&'static str> {
    module(slug).map(|m| m.default_path)
}

/// What the spec requires of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The request must be accepted.
    Accept,
    /// The request must be refused; `code` is the reference's error code for it (for
    /// Groupcall, whose refusals carry no code, the vendor's error text).
    Reject {
        /// The stable error code (compared only when the server names one), or the
        /// vendor's error text where that is what the answer carries.
        code: &'static str,
    },
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Accept => f.write_str("accepted"),
            Expect::Reject { code } => write!(f, "refused ({code})"),
        }
    }
}

/// Which set of cases a run must pass (the type `check --profile` uses): `conformance`
/// (the default: what the vendor's page requires) or `hardened` (also the security
/// properties the page leaves unsaid, such as an exact-case signature comparison or a
/// nonce recorded only once the signature verified). Under `conformance` a failing
/// hardened case is reported as informational and does not fail the run.
pub use crate::vectors::Profile;

/// One case's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// A short stable name, e.g. `replay` or `missing-date`.
    pub name: String,
    /// What the spec requires.
    pub expect: Expect,
    /// What the server answered, for people: status, error code, message (secrets redacted).
    pub got: String,
    /// Whether the answer conforms.
    pub pass: bool,
    /// Why it does not, when it does not.
    pub reason: Option<String>,
    /// The profile the case belongs to: a failing [`Profile::Hardened`] case fails only
    /// a hardened run.
    pub profile: Profile,
}

impl CaseResult {
    /// Whether this result fails a run under `profile`.
    pub fn fails_under(&self, profile: Profile) -> bool {
        !self.pass && (self.profile == Profile::Conformance || profile == Profile::Hardened)
    }

    /// The same result, as a case of the hardened profile.
    pub fn hardened(mut self) -> Self {
        self.profile = Profile::Hardened;
        self
    }
}

/// Why a probe could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The server did not answer (connection refused, timeout, TLS, bad URL).
    #[error("no answer from {url} (case `{case}`): {reason}")]
    NoAnswer {
        /// The URL the request went to.
        url: String,
        /// The case being sent.
        case: String,
        /// What went wrong.
        reason: String,
    },
    /// Bad arguments or credentials.
    #[error("{0}")]
    Usage(String),
}

/// One request to send: everything but the base URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    /// The method.
    pub method: String,
    /// Path and optional query, appended to the base URL.
    pub target: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &names)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The [`crate::serve::ERROR_HEADER`] value, when the server names a code.
    pub code: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// The `Location` header of a 3xx answer (never followed).
    pub location: Option<String>,
    /// The `Date` header, when the server sent one.
    pub date: Option<String>,
    /// This machine's clock, in Unix milliseconds, when the request was sent.
    pub sent_ms: i64,
    /// This machine's clock, in Unix milliseconds, when the whole answer was read.
    pub received_ms: i64,
}

impl Reply {
    /// Whether the server answered with a redirection (3xx).
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }
}

/// Grades a redirection as a failure whatever the case expected, naming where it
/// pointed: the probe never follows one, since following would send the case's
/// credentials (`xClientSecret`, `X-Api-Key`, a Groupcall `Password`) to wherever the
/// `Location` says, and a verifier that redirects a protected request has not judged
/// it. Any other answer passes `result` through unchanged.
pub(crate) fn fail_redirect(
    mut result: CaseResult,
    reply: &Reply,
    secrets: &[String],
) -> CaseResult {
    if !reply.is_redirect() {
        return result;
    }
    let mut location = reply
        .location
        .clone()
        .unwrap_or_else(|| "(no Location header)".to_owned());
    for s in secrets {
        location = location.replace(s.as_str(), "<redacted>");
    }
    result.got = format!("{} redirect to {location}", reply.status);
    result.pass = false;
    result.reason = Some(format!(
        "the server answered HTTP {} redirecting to {location}; the probe does not follow redirects (they would carry the credentials along): give --url the address that answers itself",
        reply.status
    ));
    result
}

/// Sends requests to one server with a per-request timeout.
#[derive(Debug, Clone)]
pub struct Prober {
    client: reqwest::Client,
    base: String,
}

impl Prober {
    /// A prober for `base` (scheme, host, port and an optional path prefix).
    pub fn new(base: &str, timeout: Duration) -> Result<Self, ProbeError> {
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| ProbeError::Usage(format!("--url {base}: not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ProbeError::Usage(format!(
                "--url {base}: use an http:// or https:// URL"
            )));
        }
        // Never follow a redirect: reqwest strips only `Authorization` on the way, so a
        // 3xx to another origin would take `xClientSecret`, `X-Api-Key` or a `Password`
        // body with it. A 3xx is graded instead (see `fail_redirect`).
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProbeError::Usage(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The path prefix of the base URL (empty or `/prefix`), which is part of the path
    /// the server sees and so of what is signed.
    pub fn prefix(&self) -> String {
        reqwest::Url::parse(&self.base)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default()
    }

    /// Sends one request for case `case`.
    pub async fn send(&self, case: &str, out: &Outgoing) -> Result<Reply, ProbeError> {
        let origin = match reqwest::Url::parse(&self.base) {
            Ok(u) => u.origin().ascii_serialization(),
            Err(_) => self.base.clone(),
        };
        let url = format!("{origin}{}", out.target);
        let no_answer = |reason: String| ProbeError::NoAnswer {
            url: url.clone(),
            case: case.to_owned(),
            reason,
        };
        let method = reqwest::Method::from_bytes(out.method.as_bytes())
            .map_err(|_| no_answer(format!("`{}` is not a method", out.method)))?;
        let mut request = self.client.request(method, &url).body(out.body.clone());
        let clock = crate::SystemClock;
        let sent_ms = crate::Clock::now_millis(&clock);
        for (name, value) in &out.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| no_answer(chain(&e)))?;
        let status = response.status().as_u16();
        let code = response
            .headers()
            .get(crate::serve::ERROR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| no_answer(chain(&e)))?
            .to_vec();
        Ok(Reply {
            status,
            code,
            body,
            location,
            date,
            sent_ms,
            received_ms: crate::Clock::now_millis(&clock),
        })
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Probes `slug` at `base` (`path`: the protected endpoint to use) with `credentials`.
pub async fn run(
    slug: &str,
    base: &str,
    path: &str,
    credentials: &Credentials,
    timeout: Duration,
) -> Result<Vec<CaseResult>, ProbeError> {
    let prober = Prober::new(base, timeout)?;
    let Some(module) = module(slug) else {
        return Err(ProbeError::Usage(format!(
            "unknown scheme `{slug}`; probe supports {}",
            schemes().collect::<Vec<_>>().join(", ")
        )));
    };
    (module.run)(slug, &prober, path, credentials).await
}
