//! [`Request`]: a framework-free HTTP request, as a verifier receives it.

use std::fmt;

/// Ordered header fields. Duplicates are kept, names keep their wire spelling, and
/// look-ups are case-insensitive (RFC 9110 §5.1).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, String)>,
}

/// A header that was expected at most once appeared several times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateHeader {
    /// The header name, as the caller asked for it.
    pub name: String,
    /// How many times it appeared.
    pub count: usize,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a field, keeping any earlier one of the same name.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Every field, in order, as `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Every value of `name` (any case), in order.
    pub fn get_all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The single value of `name`, with surrounding spaces and tabs removed (HTTP's
    /// optional whitespace). `Ok(None)` when absent, an error when it appears twice.
    pub fn get_one<'a>(&'a self, name: &str) -> Result<Option<&'a str>, DuplicateHeader> {
        let mut values = self.get_all(name);
        let first = values.next();
        let extra = values.count();
        if extra > 0 {
            return Err(DuplicateHeader {
                name: name.to_owned(),
                count: extra + 1,
            });
        }
        Ok(first.map(|v| v.trim_matches([' ', '\t'])))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Self {
            fields: iter
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        }
    }
}

/// Header values may carry credentials (`Authorization`, `xClientSecret`), so `Debug`
/// shows names only.
impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.fields
                    .iter()
                    .map(|(n, v)| format!("{n}: <{} bytes>", v.len())),
            )
            .finish()
    }
}

/// An HTTP request as received: method, request target (path and optional query, as
/// sent), ordered headers and the raw body bytes.
///
/// ```
/// use partner_auth::Request;
/// let req = Request::new("GET", "/v1/list?page=2")
///     .header("Date", "Sat, 09 Sep 1989 11:00:00 GMT");
/// assert_eq!(req.path(), "/v1/list");
/// assert_eq!(req.query(), Some("page=2"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The method, as sent.
    pub method: String,
    /// The request target in origin form: path, optionally `?query`.
    pub target: String,
    /// The header fields, in order.
    pub headers: Headers,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// A request with no headers and an empty body.
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            target: target.into(),
            ..Self::default()
        }
    }

    /// Adds a header (builder style).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets the body (builder style).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The path: the target up to the first `?` (and without a `#fragment`).
    pub fn path(&self) -> &str {
        split_target(&self.target).0
    }

    /// The query, without its `?`, when there is one.
    pub fn query(&self) -> Option<&str> {
        split_target(&self.target).1
    }
}

/// Splits a request target into path and query (a fragment, never sent on the wire,
/// is dropped if present).
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    // One byte scan: verifiers call this on every request.
    let end = target.bytes().position(|b| b == b'?' || b == b'#');
    match end {
        Some(i) if target.as_bytes()[i] == b'?' => {
            let rest = &target[i + 1..];
            let query = rest.split('#').next().unwrap_or("");
            (&target[..i], Some(query))
        }
        Some(i) => (&target[..i], None),
        None => (target, None),
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// Why an `http::Request` could not become a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FromHttpError {
    /// A header value is not UTF-8 text.
    #[error("header `{name}` has a value that is not UTF-8 text; send it as ASCII")]
    HeaderNotUtf8 {
        /// The header's name.
        name: String,
    },
}

impl<B: AsRef<[u8]>> TryFrom<&http::Request<B>> for Request {
    type Error = FromHttpError;

    fn try_from(req: &http::Request<B>) -> Result<Self, Self::Error> {
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let mut headers = Headers::new();
        for (name, value) in req.headers() {
            let value = std::str::from_utf8(value.as_bytes()).map_err(|_| {
                FromHttpError::HeaderNotUtf8 {
                    name: name.as_str().to_owned(),
                }
            })?;
            headers.append(name.as_str(), value);
        }
        Ok(Self {
            method: req.method().as_str().to_owned(),
            target,
            headers,
            body: req.body().as_ref().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_target_cuts_at_the_first_question_mark_and_drops_fragments() {
        for (target, path, query) in [
            ("/a", "/a", None),
            ("/a?b", "/a", Some("b")),
            ("/a#f", "/a", None),
            ("/a?b#f", "/a", Some("b")),
            ("/a#f?b", "/a", None),
            ("/a?b?c", "/a", Some("b?c")),
            ("/?", "/", Some("")),
            ("/#", "/", None),
            ("/é?q=ü", "/é", Some("q=ü")),
            ("", "", None),
        ] {
            assert_eq!(split_target(target), (path, query), "{target}");
        }
    }

    #[test]
    fn from_http_keeps_order_duplicates_and_query() {
        let req = http::Request::builder()
            .method("POST")
            .uri("https://api.sign-up.to/v1/account?x=1")
            .header("X-SuT-Nonce", "a")
            .header("x-sut-nonce", "b")
            .header("Date", "d")
            .body(b"{}".to_vec())
            .unwrap();
        let r = Request::try_from(&req).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, "/v1/account?x=1");
        assert_eq!(
            r.headers.get_all("X-SUT-NONCE").collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(r.headers.get_one("x-sut-nonce").is_err());
        assert_eq!(r.headers.get_one("date").unwrap(), Some("d"));
        assert_eq!(r.body, b"{}");
    }

    #[test]
    fn get_one_trims_optional_whitespace() {
        let h: Headers = [("A", " \tv \t")].into_iter().collect();
        assert_eq!(h.get_one("a").unwrap(), Some("v"));
    }

    #[test]
    fn debug_hides_values() {
        let r = Request::new("GET", "/").header("Authorization", "SuTToken sekrit");
        assert!(!format!("{r:?}").contains("sekrit"));
    }
}
