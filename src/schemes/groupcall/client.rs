//! A reference async client for the customer routes (SMS, Email) and the partner route.

use std::time::Duration;

use super::{Batch, Error, Outcome, parse_response};

/// The production base URL.
pub const PRODUCTION: &str = "https://m5api.groupcall.com";
/// The isolated sandbox ("a parallel, fully isolated Messenger environment").
pub const SANDBOX: &str = "https://apitesting.groupcall.com";

/// Sends [`Batch`]es and reads every element of the answer.
///
/// ```no_run
/// use partner_auth::schemes::groupcall::{Batch, Client, Message, Recipient, SANDBOX};
/// # async fn demo() -> Result<(), partner_auth::schemes::groupcall::Error> {
/// let msg = Message::sms("1469", std::env::var("CUSTOMER_API_KEY").unwrap_or_default())
///     .text("Hello")
///     .recipient(Recipient::mobile("+447700900123"))
///     .build()?;
/// for outcome in Client::new(SANDBOX)?.send(&Batch::sms(vec![msg])?).await? {
///     println!("{}", outcome.is_success());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for `base_url` (e.g. [`PRODUCTION`]) with a 30 s timeout.
    pub fn new(base_url: impl Into<String>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Transport {
                reason: e.to_string(),
            })?;
        Ok(Self::with_http(base_url, http))
    }

    /// A client over an existing `reqwest::Client`.
    pub fn with_http(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        Self {
            http,
            base: base_url.into().trim_end_matches('/').to_owned(),
        }
    }

    /// Posts the batch to its route and returns one [`Outcome`] per message, in order.
    ///
    /// A refused message is an [`Outcome::Refused`], not an error: most refusals come
    /// back as HTTP 200 (G4). Errors are for an answer that says nothing per message
    /// (a non-2xx status, a body that is not the documented array, a count that does
    /// not match) or a failed exchange; in those cases whether anything was queued is
    /// unknown.
    pub async fn send(&self, batch: &Batch) -> Result<Vec<Outcome>, Error> {
        let request = batch.request();
        let mut call = self.http.post(format!("{}{}", self.base, request.target));
        for (name, value) in &request.headers {
            call = call.header(name, value);
        }
        let response = call
            .body(request.body.into_bytes())
            .send()
            .await
            .map_err(|e| Error::Transport {
                reason: e.without_url().to_string(),
            })?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| Error::Transport {
            reason: e.without_url().to_string(),
        })?;
        parse_response(status, &body, Some(batch.messages().len()))
    }
}
