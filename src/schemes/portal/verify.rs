//! The verifier: login (`POST /API/partnersPortal/authentication`) and protected
//! requests, over a [`Directory`], a [`SessionStore`] and a [`Clock`].

use super::headers::{BROKER_ID, CLIENT_ID, CLIENT_SECRET, USERNAME};
use super::wire::{
    FORBIDDEN_BODY, UNAUTHORIZED_BODY, UNAVAILABLE_BODY, login_response_body, parse_bearer,
    parse_broker_id,
};
use super::{Directory, Identity, Reason, SessionConfig, SessionStore, SessionToken};
use crate::{Clock, Request};

/// An HTTP response the verifier answers with.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The status.
    pub status: u16,
    /// `Content-Type: application/json`.
    pub headers: Vec<(String, String)>,
    /// The body (a login's holds the token).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl Response {
    fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.into(),
        }
    }

    /// The response for a refusal: one fixed body per status, so a 401 never says which
    /// level failed (P2).
    pub fn refusal(reason: Reason) -> Self {
        let body = match reason.status() {
            403 => FORBIDDEN_BODY,
            503 => UNAVAILABLE_BODY,
            _ => UNAUTHORIZED_BODY,
        };
        Self::json(reason.status(), body)
    }
}

/// Proof that a login succeeded. Only the verifier builds one.
#[derive(Debug)]
pub struct LoggedIn {
    token: SessionToken,
    identity: Identity,
}

impl LoggedIn {
    /// The new session's token.
    pub fn token(&self) -> &SessionToken {
        &self.token
    }

    /// Who logged in.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

/// Proof that a protected request passed all three levels, carried a live token bound
/// to them, and that the user holds the permission. Only the verifier builds one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    identity: Identity,
}

impl Authenticated {
    /// Who made the request.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

/// The partners-portal verifier.
pub struct Portal<C: Clock> {
    directory: Directory,
    sessions: SessionStore,
    clock: C,
}

impl<C: Clock> std::fmt::Debug for Portal<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("directory", &self.directory)
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

fn one<'r>(req: &'r Request, header: &'static str) -> Result<Option<&'r str>, Reason> {
    req.headers
        .get_one(header)
        .map(|v| v.filter(|v| !v.is_empty()))
        .map_err(|_| Reason::DuplicateHeader(header))
}

fn required<'r>(req: &'r Request, header: &'static str) -> Result<&'r str, Reason> {
    one(req, header)?.ok_or(Reason::MissingHeader(header))
}

/// Reads the three levels from the headers (names case-insensitive, P1): the identity
/// and the presented secret.
fn read_levels(req: &Request) -> Result<(Identity, &str), Reason> {
    let client_id = required(req, CLIENT_ID)?;
    let secret = required(req, CLIENT_SECRET)?;
    let broker = required(req, BROKER_ID)?;
    let username = required(req, USERNAME)?;
    let broker_id = parse_broker_id(broker).ok_or(Reason::MalformedBrokerId)?;
    Ok((
        Identity {
            client_id: client_id.to_owned(),
            broker_id,
            username: username.to_owned(),
        },
        secret,
    ))
}

impl<C: Clock> Portal<C> {
    /// A verifier with the default session limits.
    pub fn new(directory: Directory, clock: C) -> Self {
        Self::with_sessions(directory, clock, SessionConfig::default())
    }

    /// A verifier with these session limits.
    pub fn with_sessions(directory: Directory, clock: C, config: SessionConfig) -> Self {
        Self {
            directory,
            sessions: SessionStore::new(config),
            clock,
        }
    }

    /// The session store (to purge it from a timer, or inspect it).
    pub fn sessions(&self) -> &SessionStore {
        &self.sessions
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Verifies the three levels and their headers.
    fn levels(&self, req: &Request) -> Result<Identity, Reason> {
        let (identity, secret) = read_levels(req)?;
        self.directory.check_levels(&identity, secret.as_bytes())?;
        Ok(identity)
    }

    /// The check step of a login for a server that keeps sessions in another store:
    /// the three levels (P2). The caller then opens the session (for example with
    /// [`SessionToken::generate`] and a shared store) and answers with
    /// [`super::login_response_body`].
    pub fn check_login(&self, req: &Request) -> Result<Identity, Reason> {
        self.levels(req)
    }

    /// The check step of a protected request for a server that keeps sessions in
    /// another store: the three levels, then `Authorization: Bearer <token>` parsed.
    /// The caller must then find the token live and bound to exactly this identity in
    /// its store (P3, P4) before calling [`Portal::authorize`].
    pub fn check_bearer<'r>(&self, req: &'r Request) -> Result<(Identity, &'r str), Reason> {
        let identity = self.levels(req)?;
        let auth = one(req, "Authorization")?.ok_or(Reason::MissingAuthorization)?;
        let token = parse_bearer(auth).ok_or(Reason::MalformedAuthorization)?;
        Ok((identity, token))
    }

    /// The last step after [`Portal::check_bearer`] and the caller's session check:
    /// the permission (403 when the user lacks it). Call it only once the token was
    /// found live for `identity`: the proof it returns says so.
    pub fn authorize(&self, identity: Identity, permission: &str) -> Result<Authenticated, Reason> {
        if !self.directory.has_permission(&identity, permission) {
            return Err(Reason::PermissionDenied);
        }
        Ok(Authenticated { identity })
    }

    /// A login: checks the three levels and opens a session (P2). A refusal's
    /// [`Reason`] is for diagnostics; the response never shows it.
    pub fn login(&self, req: &Request) -> Result<LoggedIn, Reason> {
        let identity = self.levels(req)?;
        let token = self
            .sessions
            .open(identity.clone(), self.clock.now_millis())?;
        Ok(LoggedIn { token, identity })
    }

    /// A protected request needing `permission`: the three levels, then
    /// `Authorization: Bearer <token>` with a live token bound to exactly those levels
    /// (P4), which resets the inactivity timer (P3), then the permission (403 when the
    /// user lacks it; the timer was reset all the same).
    pub fn authenticate(&self, req: &Request, permission: &str) -> Result<Authenticated, Reason> {
        let identity = self.levels(req)?;
        let auth = one(req, "Authorization")?.ok_or(Reason::MissingAuthorization)?;
        let token = parse_bearer(auth).ok_or(Reason::MalformedAuthorization)?;
        self.sessions
            .touch(token, &identity, self.clock.now_millis())?;
        if !self.directory.has_permission(&identity, permission) {
            return Err(Reason::PermissionDenied);
        }
        Ok(Authenticated { identity })
    }

    /// [`Portal::login`] as an HTTP answer: 200 with the token as a bare JSON string,
    /// or the refusal's response; the reason is returned beside it for logging.
    pub fn handle_login(&self, req: &Request) -> (Response, Option<Reason>) {
        match self.login(req) {
            Ok(l) => (
                Response::json(200, login_response_body(l.token.expose())),
                None,
            ),
            Err(r) => (Response::refusal(r), Some(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;

    fn portal() -> Portal<FixedClock> {
        let mut d = Directory::new();
        d.add_master("m1", "s1").unwrap();
        d.add_master("m2", "s2").unwrap();
        d.add_broker("m1", 10, true).unwrap();
        d.add_broker("m1", 11, false).unwrap();
        d.add_broker("m2", 20, true).unwrap();
        d.add_user(10, "ana", true, ["read"]).unwrap();
        d.add_user(10, "off", false, ["read"]).unwrap();
        d.add_user(20, "rui", true, ["read"]).unwrap();
        Portal::new(d, FixedClock::from_secs(1_000))
    }

    fn login(m: &str, s: &str, b: &str, u: &str) -> Request {
        Request::new("POST", "/API/partnersPortal/authentication")
            .header("xClientID", m)
            .header("xClientSecret", s)
            .header("brokerID", b)
            .header("username", u)
    }

    #[test]
    fn each_level_fails_with_its_reason_and_the_same_body() {
        let p = portal();
        let cases = [
            (login("mX", "s1", "10", "ana"), Reason::MasterUnknown),
            (login("m1", "s2", "10", "ana"), Reason::MasterSecretMismatch),
            (login("m1", "s1", "99", "ana"), Reason::BrokerUnknown),
            (login("m1", "s1", "20", "rui"), Reason::BrokerOfOtherMaster),
            (login("m1", "s1", "11", "ana"), Reason::BrokerApiAccessOff),
            (login("m1", "s1", "10", "zoe"), Reason::UserUnknown),
            (login("m1", "s1", "10", "rui"), Reason::UserOfOtherBroker),
            (login("m1", "s1", "10", "off"), Reason::UserApiAccessOff),
            (login("m1", "s1", "1O", "ana"), Reason::MalformedBrokerId),
            (
                Request::new("POST", "/").header("xClientID", "m1"),
                Reason::MissingHeader("xClientSecret"),
            ),
            (
                login("m1", "s1", "10", "ana").header("USERNAME", "ana"),
                Reason::DuplicateHeader("username"),
            ),
        ];
        for (req, want) in cases {
            let (resp, why) = p.handle_login(&req);
            assert_eq!(why, Some(want));
            assert_eq!(resp.status, 401);
            assert_eq!(resp.body, UNAUTHORIZED_BODY.as_bytes());
        }
        assert!(p.sessions().is_empty());
    }

    #[test]
    fn login_then_protected_request() {
        let p = portal();
        let logged = p
            .login(&login("m1", "s1", "010", "ana").header("XCLIENTID", "m1"))
            .unwrap_err();
        assert_eq!(logged, Reason::DuplicateHeader("xClientID"));
        let l = p.login(&login("m1", "s1", "10", "ana")).unwrap();
        let bearer = format!("Bearer {}", l.token().expose());
        let req = login("m1", "s1", "10", "ana").header("authorization", &bearer);
        assert_eq!(
            p.authenticate(&req, "read").unwrap().identity().username,
            "ana"
        );
        assert_eq!(p.authenticate(&req, "write"), Err(Reason::PermissionDenied));
        let other = login("m2", "s2", "20", "rui").header("Authorization", &bearer);
        assert_eq!(
            p.authenticate(&other, "read"),
            Err(Reason::TokenIdentityMismatch)
        );
        let plain = login("m1", "s1", "10", "ana");
        assert_eq!(
            p.authenticate(&plain, "read"),
            Err(Reason::MissingAuthorization)
        );
        let basic = login("m1", "s1", "10", "ana").header("Authorization", "Basic abc");
        assert_eq!(
            p.authenticate(&basic, "read"),
            Err(Reason::MalformedAuthorization)
        );
        p.clock().advance_secs(1800);
        assert_eq!(p.authenticate(&req, "read"), Err(Reason::TokenExpired));
    }
}
