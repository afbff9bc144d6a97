//! A reference async client for the customer routes (SMS, Email) and the partner route.

use std::time::Duration;

use super::{Batch, Error, Outcome, parse_response};

/// The production base URL.
pub const PRODUCTION: &str = "https://m5api.groupcall.com";
/// The isolated sandbox ("a parallel, fully isolated Messenger environment").
pub const SANDBOX: &str = "https://apitesting.groupcall.com";

/// How long [`Client::new`] waits for a whole exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// A client for `base_url` (e.g. [`PRODUCTION`]) with a 30-second timeout
    /// ([`DEFAULT_TIMEOUT`]) that never follows a redirect: the credentials travel in the
    /// body, which a 307 or 308 would re-send to wherever it points.
    pub fn new(base_url: impl Into<String>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(DEFAULT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Transport {
                reason: e.to_string(),
            })?;
        Ok(Self::with_http(base_url, http))
    }

    /// A client over an existing `reqwest::Client`. Give it a timeout and
    /// `redirect(reqwest::redirect::Policy::none())`: reqwest follows redirects by
    /// default and re-sends the body, credentials included. A 3xx answer is an
    /// [`Error::Transport`] naming the `Location` either way.
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
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map_or_else(
                    || "(no Location header)".to_owned(),
                    |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
                );
            return Err(Error::Transport {
                reason: format!(
                    "the server answered HTTP {status} redirecting to {location}; redirects are not followed (they would re-send the credentials): use the address that answers itself as the base URL"
                ),
            });
        }
        let body = response.bytes().await.map_err(|e| Error::Transport {
            reason: e.without_url().to_string(),
        })?;
        parse_response(status, &body, Some(batch.messages().len()))
    }
}
