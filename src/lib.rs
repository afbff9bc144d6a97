//! # partner-auth
//!
//! A conformance kit for the partner-authentication schemes of real APIs: a reference
//! implementation of each scheme (the signer a client needs and the verifier a server
//! needs), machine-readable test vectors any implementation can run, and the machinery
//! that runs them (the `partner-auth` CLI is a thin layer over this library).
//!
//! | slug | scheme |
//! |---|---|
//! | `signupto-hash` | Sign-Up.to PMAPI Hash v1.2: SHA-1 over a CR LF canonical string, `SuTHash signature="…"` |
//! | `signupto-partner-hash` | Sign-Up.to PMAPI Partner Hash v1.2: the same with `X-SuT-PID`, `SuTPartner signature="…"` |
//! | `signupto-token` | Sign-Up.to PMAPI Token v1.2: `POST /v1/token`, then `SuTToken <token>` |
//! | `partners-portal` | three-level identification (`xClientID`/`xClientSecret`, `brokerID`, `username`) → bearer token, 30-minute sliding inactivity ([`schemes::portal`]) |
//! | `groupcall-customer`, `groupcall-partner` | Groupcall Messenger `SendMessage_V3`: credentials in the JSON body (`CustomerId` + `Password` per message; `PartnerKey` + `styleClass` at the root), one result per message |
//! | `hmac-sha256` | Partner API key + HMAC-SHA256: Base64 MAC of `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY`, ±60 s, single-use nonce, GA20xx codes ([`schemes::hmac`]) |
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
//! ## Sign and verify
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
#[cfg(all(feature = "client", feature = "server"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "client", feature = "server"))))]
pub mod probe;
pub mod reference;
pub mod replay;
pub mod request;
pub mod schemes;
pub mod secret;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod serve;
pub mod shim;
pub mod vectors;

pub use canonical::CanonicalString;
pub use clock::{Clock, FixedClock, SystemClock};
pub use replay::{InMemoryNonceStore, Insert, NonceStore, StoreFull, WindowOutOfRange};
pub use request::{Headers, Request};
pub use secret::Secret;
