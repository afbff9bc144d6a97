//! # partner-auth
//!
//! A conformance kit for the partner-authentication schemes of real APIs: a reference
//! implementation of each scheme (the signer a client needs and the verifier a server
//! needs), machine-readable test vectors any implementation can run, and the machinery
//! that runs them (the `partner-auth` CLI is a thin layer over this library).
//!
//! It serves three kinds of reader, each with an example below:
//!
//! - **a client author** signs requests to one of these APIs with the reference signer,
//!   or checks a signer of their own against it;
//! - **a server author** verifies incoming requests with the reference verifier (the
//!   vendor's error codes and HTTP answers, a bounded replay store, constant-time
//!   compares), puts it in front of axum/tower routes as a layer (`layer`, feature
//!   `server`; nonces, tokens and sessions shared through Redis with feature `redis`),
//!   or emulates an API in tests with the sandbox (`serve`, feature `server`);
//! - **a CI user** runs the test vectors (`vectors/`, CC0) against an implementation in
//!   any language and fails the build when a case fails ([`vectors`], [`shim`]).
//!
//! | slug | scheme |
//! |---|---|
//! | `signupto-hash` | Sign-Up.to PMAPI Hash v1.2: SHA-1 over a CR LF canonical string, `SuTHash signature="…"` |
//! | `signupto-partner-hash` | Sign-Up.to PMAPI Partner Hash v1.2: the same with `X-SuT-PID`, `SuTPartner signature="…"` |
//! | `signupto-token` | Sign-Up.to PMAPI Token v1.2: `POST /v1/token`, then `SuTToken <token>` |
//! | `partners-portal` | three-level identification (`xClientID`/`xClientSecret`, `brokerID`, `username`) → bearer token, 30-minute sliding inactivity ([`schemes::portal`]) |
//! | `groupcall-customer`, `groupcall-partner` | Groupcall Messenger `SendMessage_V3`: credentials in the JSON body (`CustomerId` + `Password` per message; `PartnerKey` + `styleClass` at the root), one result per message |
//! | `hmac-sha256` | Partner API key + HMAC-SHA256: Base64 MAC of `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY`, ±60 s, single-use nonce, GA20xx codes ([`schemes::hmac`]) |
//! | `primitives/*` | the published vectors of SHA-1, SHA-256 (FIPS 180), HMAC-SHA1 (RFC 2202), HMAC-SHA256 (RFC 4231) and Base64 (RFC 4648) the schemes build on |
//!
//! Every slug is an entry of the [`registry`]: its ops, the reference's answer for them,
//! its probe and its fuzz seeds (`partner-auth schemes` prints it).
//!
//! ## Features
//!
//! Without default features this is the core: every scheme's signer, verifier and
//! parsers, the [`reference`](mod@reference), the [`vectors`] model, loader and runner
//! (with the vector files compiled in: [`vectors::bundled()`]) and the [`shim`] runner;
//! no HTTP, no async runtime. `client` adds the reqwest clients, `server` the sandbox
//! (`serve`), both together the prober (`probe`); `cli` builds the `partner-auth`
//! binary; `fuzzing` the fuzz targets' functions. The defaults are `cli` and `fuzzing`.
//!
//!
//! ## Client author: sign a request
//!
//! The HMAC-SHA256 scheme, with the request, key and secret of the vendor's own example
//! (case `hmac-sha256/verify/001` in `vectors/hmac-sha256.json`, whose signature was
//! computed by the stdlib-only Python generator, not by this crate):
//!
//! ```
//! use partner_auth::schemes::hmac::{SignRequest, Signer};
//!
//! let signer = Signer::new("pk_live_4f2a9c7e1b3d", "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b")?;
//! let signed = signer.sign(&SignRequest {
//!     method: "GET",
//!     target: "/api/v1/partner/constants/countries",
//!     timestamp: 1_709_337_600,
//!     nonce: "550e8400-e29b-41d4-a716-446655440000",
//!     body: b"",
//! })?;
//! assert_eq!(signed.signature, "idEjWyU2Z93R0sb/OaFY8dGXidJqGtI/c/QFShUMF+A=");
//! // X-Api-Key, X-Timestamp, X-Nonce and Authorization, ready to send.
//! for (name, value) in &signed.headers {
//!     println!("{name}: {value}");
//! }
//! # Ok::<(), partner_auth::schemes::hmac::Error>(())
//! ```
//!
//! In production, [`Signer::sign_now`](schemes::hmac::Signer::sign_now) takes the
//! current time and a fresh nonce.
//!
//! ### Borrowed: sign into an `http::HeaderMap`
//!
//! [`Signer::sign_into`](schemes::hmac::Signer::sign_into) signs a request described by
//! references into the headers of the request being built: the MAC absorbs the method,
//! path, timestamp, nonce and body where they lie (the body is not copied, no string to
//! sign is built), the Base64 is encoded on the stack and each header value is built
//! once. [`Signer::sign_request`](schemes::hmac::Signer::sign_request) does the same on
//! an `http::Request`; [`signupto::Signer::sign_into`](schemes::signupto::Signer::sign_into)
//! is the Sign-Up.to counterpart. The signature is the one `sign` returns:
//!
//! ```
//! use http::HeaderMap;
//! use partner_auth::schemes::hmac::{SignRequest, Signer};
//!
//! let signer = Signer::new("pk_live_4f2a9c7e1b3d", "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b")?;
//! let mut headers = HeaderMap::new();
//! headers.insert("accept", "application/json".parse().unwrap());
//! let signature = signer.sign_into(
//!     &SignRequest {
//!         method: "GET",
//!         target: "/api/v1/partner/constants/countries",
//!         timestamp: 1_709_337_600,
//!         nonce: "550e8400-e29b-41d4-a716-446655440000",
//!         body: b"",
//!     },
//!     &mut headers,
//! )?;
//! assert_eq!(signature.as_str(), "idEjWyU2Z93R0sb/OaFY8dGXidJqGtI/c/QFShUMF+A=");
//! assert_eq!(
//!     headers["authorization"],
//!     "HMAC-SHA256 idEjWyU2Z93R0sb/OaFY8dGXidJqGtI/c/QFShUMF+A="
//! );
//! assert_eq!(headers["x-timestamp"], "1709337600");
//! assert_eq!(headers.len(), 5); // accept, and the four the scheme adds
//!
//! // The same on an `http::Request`: method, target and body are read in place.
//! let mut request = http::Request::post("https://partner.example/api/v1/partner/orders")
//!     .body(br#"{"reference":"A-1"}"#.to_vec())
//!     .unwrap();
//! signer.sign_request(&mut request, 1_709_337_600, "a1c4a9d0-7f3e-4b8e-9d2a-6f1e0c3b5a77")?;
//! assert!(request.headers()["authorization"].to_str().unwrap().starts_with("HMAC-SHA256 "));
//! # Ok::<(), partner_auth::schemes::hmac::Error>(())
//! ```
//!
//! ## Server author: verify a request
//!
//! The same request as it arrives over the wire, verified against the key directory,
//! a clock and a replay store; a refusal carries the vendor's code and HTTP status:
//!
//! ```
//! use partner_auth::schemes::hmac::{KeyDirectory, KeyRecord, ShardedNonceStore, Verifier};
//! use partner_auth::{FixedClock, Request};
//!
//! let mut keys = KeyDirectory::new();
//! let secret = "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b";
//! keys.insert("pk_live_4f2a9c7e1b3d", KeyRecord::new(secret)?)?;
//! let clock = FixedClock::from_secs(1_709_337_630); // 30 s after X-Timestamp: within ±60 s
//! let verifier = Verifier::new(keys, clock, ShardedNonceStore::default());
//!
//! let mut request = Request::new("GET", "/api/v1/partner/constants/countries");
//! request.headers.append("X-Api-Key", "pk_live_4f2a9c7e1b3d");
//! request.headers.append("X-Timestamp", "1709337600");
//! request.headers.append("X-Nonce", "550e8400-e29b-41d4-a716-446655440000");
//! let authorization = "HMAC-SHA256 idEjWyU2Z93R0sb/OaFY8dGXidJqGtI/c/QFShUMF+A=";
//! request.headers.append("Authorization", authorization);
//!
//! assert_eq!(verifier.verify(&request, None)?.api_key(), "pk_live_4f2a9c7e1b3d");
//! // The same nonce again is a replay: GA2014, HTTP 401.
//! let replay = verifier.verify(&request, None).unwrap_err();
//! assert_eq!((replay.code(), replay.http_status()), ("GA2014", 401));
//! # Ok::<(), partner_auth::schemes::hmac::Error>(())
//! ```
//!
//! ## Both sides of one scheme
//!
//! Sign-Up.to Partner Hash, signed and verified in one go:
//!
//! ```
//! use partner_auth::schemes::signupto::{
//!     ApiKey, Identity, KeyDirectory, Signer, Variant, Verifier,
//! };
//! use partner_auth::{FixedClock, InMemoryNonceStore, Request};
//!
//! let key = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ";
//! let who = Identity { pid: Some(4567), cid: Some(12345), uid: None };
//! let clock = FixedClock::from_secs(1_700_000_000);
//!
//! // Client side: sign with the current time and a fresh nonce.
//! let signed = Signer::new(Variant::PartnerHash, who, key)?.sign_now("POST", "/v1/account", &clock)?;
//! println!("{:?}", signed.canonical); // CR LF shown as \r\n
//!
//! // Server side: verify against the key directory, the clock and a nonce store.
//! let mut keys = KeyDirectory::new();
//! keys.insert(4567, ApiKey::new(Variant::PartnerHash, key)?);
//! let verifier = Verifier::new(Variant::PartnerHash, keys, &clock, InMemoryNonceStore::default());
//! let mut request = Request::new("POST", "/v1/account");
//! for (name, value) in signed.headers {
//!     request.headers.append(name, value);
//! }
//! assert_eq!(verifier.verify(&request)?.identity(), who);
//! # Ok::<(), partner_auth::schemes::signupto::Error>(())
//! ```
//!
//! ## CI user: run the vectors against an implementation
//!
//! Anything that answers a case is an [`Implementation`](vectors::Implementation); the
//! runner grades its answers against each case's verdict. Here an implementation that
//! takes only `hmac-sha256` (answering through the reference, where yours would call
//! your own code) runs over the vector files; cases of other schemes are skipped:
//!
//! ```
//! use partner_auth::vectors::{self, Answer, Case, Implementation, Selection, Strictness};
//!
//! struct Mine;
//!
//! impl Implementation for Mine {
//!     fn name(&self) -> String {
//!         "my-hmac 1.0".into()
//!     }
//!     fn answer(&mut self, scheme: &str, case: &Case) -> Answer {
//!         if scheme != partner_auth::schemes::hmac::SLUG {
//!             return Answer::Unsupported(format!("no scheme `{scheme}`"));
//!         }
//!         partner_auth::reference::answer(scheme, &case.op, &case.input)
//!     }
//! }
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
//! let files = vectors::load_dir(&dir)?;
//! let report = vectors::run(
//!     &files,
//!     &mut Mine,
//!     Strictness::Conformance, // an `acceptable` case may go either way
//!     &Selection::default(),
//!     |_scheme, _case| {}, // progress
//! )?;
//! let hmac = report.schemes.iter().find(|s| s.scheme == partner_auth::schemes::hmac::SLUG).unwrap();
//! assert!(hmac.summary.passed > 0 && hmac.summary.skipped == 0);
//! assert!(report.conformant(), "failed: {:?}", report.failures().collect::<Vec<_>>());
//! # Ok::<(), partner_auth::vectors::LoadError>(())
//! ```
//!
//! An implementation in another language answers the same cases through the shim
//! protocol (examples/shims/PROTOCOL.md in the repository): one JSON line per case on
//! stdin and stdout. [`ShimProcess`](shim::ShimProcess) drives it as a child process,
//! and `partner-auth check --shim '<command>'` does the same from a CI script, exiting
//! non-zero when a case fails:
//!
//! ```no_run
//! use partner_auth::shim::{ShimOptions, ShimProcess};
//! use partner_auth::vectors::{self, Selection, Strictness};
//!
//! let files = vectors::load_dir(std::path::Path::new("vectors"))?;
//! let mut shim = ShimProcess::start("python3 my_shim.py", ShimOptions::default())?;
//! let all = Selection::default();
//! let report = vectors::run(&files, &mut shim, Strictness::Conformance, &all, |_, _| {})?;
//! std::process::exit(if report.conformant() { 0 } else { 1 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`vectors::run()`] grades under the `conformance` profile. The files' `hardened` cases
//! (security properties beyond what the vendors' pages decide; vectors/README.md,
//! "Profiles") are must-pass under [`vectors::Profile::Hardened`], through
//! [`vectors::run_profile`] (`partner-auth check --profile hardened`):
//!
//! ```no_run
//! use partner_auth::reference::Reference;
//! use partner_auth::vectors::{self, Profile, Selection, Strictness};
//!
//! let files = vectors::load_dir(std::path::Path::new("vectors"))?;
//! let report = vectors::run_profile(
//!     &files,
//!     &mut Reference,
//!     Strictness::Reference,
//!     Profile::Hardened,
//!     &Selection::default(),
//!     |_, _| {},
//! )?;
//! assert_eq!(report.profile, Profile::Hardened);
//! # Ok::<(), partner_auth::vectors::LoadError>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod canonical;
pub mod clock;
pub mod encoding;
#[cfg(feature = "fuzzing")]
#[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
#[doc(hidden)]
pub mod fuzzing;
pub mod harness;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod layer;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod middleware;
#[cfg(all(feature = "client", feature = "server"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "client", feature = "server"))))]
pub mod probe;
pub mod reference;
pub mod registry;
pub mod replay;
pub mod request;
pub mod schemes;
pub mod secret;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod serve;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod shared;
pub mod shim;
pub mod vectors;

pub use canonical::CanonicalString;
pub use clock::{Clock, FixedClock, SystemClock};
pub use replay::{InMemoryNonceStore, Insert, NonceStore, StoreFull, WindowOutOfRange};
pub use request::{Headers, Request};
pub use secret::Secret;
