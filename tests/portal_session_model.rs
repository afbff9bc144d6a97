//! Model-based property test of the partners-portal sessions: for any sequence of
//! logins, protected requests (right or wrong identity, with or without permission, with
//! a live, tampered or missing token), clock moves (boundary values included, and small
//! steps back) and purges, the verifier answers exactly what a few lines of the rules
//! (P3, P4 and the per-identity bound) predict.

use partner_auth::schemes::portal::{
    Directory, LoginCredentials, Portal, SessionConfig, identity_headers, protected_headers,
};
use partner_auth::{Clock, FixedClock, Request};
use proptest::prelude::*;

const IDLE_MS: i64 = 30 * 60 * 1000;
const PER_IDENTITY: usize = 3;
/// Users 0..3 exist under broker 7; user 2 lacks the `read` permission; user 3 exists
/// nowhere.
const USERS: [&str; 4] = ["a@x.pt", "b@x.pt", "c@x.pt", "nobody@x.pt"];

#[derive(Clone, Debug)]
enum Op {
    Advance(i64),
    Login(usize),
    Use {
        token: usize,
        as_user: usize,
        wrong_secret: bool,
        auth: Auth,
    },
    Purge,
}

#[derive(Clone, Copy, Debug)]
enum Auth {
    Token,
    Tampered,
    Missing,
}

fn op() -> impl Strategy<Value = Op> {
    let advance = prop_oneof![
        Just(0i64),
        Just(1),
        Just(IDLE_MS - 1),
        Just(IDLE_MS),
        Just(IDLE_MS + 1),
        Just(-1_000),
        0..2 * IDLE_MS,
    ];
    prop_oneof![
        3 => advance.prop_map(Op::Advance),
        2 => (0..3usize).prop_map(Op::Login),
        5 => (
            any::<usize>(),
            prop_oneof![4 => Just(None), 1 => (0..4usize).prop_map(Some)],
            prop::bool::weighted(0.1),
            prop_oneof![8 => Just(Auth::Token), 1 => Just(Auth::Tampered), 1 => Just(Auth::Missing)],
        )
            .prop_map(|(token, as_user, wrong_secret, auth)| Op::Use {
                token,
                as_user: as_user.unwrap_or(usize::MAX),
                wrong_secret,
                auth,
            }),
        1 => Just(Op::Purge),
    ]
}

/// The model: what each token is bound to, when it was last active, whether it lives.
struct ModelToken {
    user: usize,
    last_ms: i64,
    alive: bool,
}

fn creds(user: usize, wrong_secret: bool) -> LoginCredentials {
    let secret = if wrong_secret { "wrong" } else { "s3cret" };
    LoginCredentials::new("master", secret, 7, USERS[user])
}

fn portal(clock: &FixedClock) -> Portal<&FixedClock> {
    let mut d = Directory::new();
    d.add_master("master", "s3cret").unwrap();
    d.add_broker("master", 7, true).unwrap();
    d.add_user(7, USERS[0], true, ["read"]).unwrap();
    d.add_user(7, USERS[1], true, ["read"]).unwrap();
    d.add_user(7, USERS[2], true, ["write"]).unwrap();
    Portal::with_sessions(
        d,
        clock,
        SessionConfig {
            idle_timeout_ms: IDLE_MS,
            max_sessions: 10_000,
            max_sessions_per_identity: PER_IDENTITY,
        },
    )
}

fn request(headers: Vec<(String, String)>) -> Request {
    let mut r = Request::new("GET", "/API/partnersPortal/simulations");
    for (n, v) in headers {
        r.headers.append(n, v);
    }
    r
}

fn expired(t: &ModelToken, now: i64) -> bool {
    now - t.last_ms >= IDLE_MS
}

proptest! {
    // Counterexamples are kept in the top-level proptest-regressions/ and replayed first.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/portal_session_model.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_store_accepts_exactly_when_the_model_does(ops in prop::collection::vec(op(), 1..60)) {
        let clock = FixedClock::from_millis(1_700_000_000_000);
        let p = portal(&clock);
        let mut tokens: Vec<(String, ModelToken)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let now = clock.now_millis();
            match op {
                Op::Advance(ms) => clock.advance_millis(*ms),
                Op::Login(user) => {
                    let req = request(identity_headers(&creds(*user, false)).unwrap());
                    let logged = p.login(&req);
                    prop_assert!(logged.is_ok(), "step {i}: login refused: {logged:?}");
                    // Model: this user's expired sessions end, then its least recently
                    // active live ones (first issued on a tie) until one slot is free.
                    for (_, t) in tokens.iter_mut().filter(|(_, t)| t.user == *user && t.alive) {
                        if expired(t, now) {
                            t.alive = false;
                        }
                    }
                    while tokens.iter().filter(|(_, t)| t.user == *user && t.alive).count() >= PER_IDENTITY {
                        let oldest = tokens
                            .iter_mut()
                            .filter(|(_, t)| t.user == *user && t.alive)
                            .min_by_key(|(_, t)| t.last_ms)
                            .unwrap();
                        oldest.1.alive = false;
                    }
                    let token = logged.unwrap().token().expose().to_owned();
                    tokens.push((token, ModelToken { user: *user, last_ms: now, alive: true }));
                }
                Op::Use { token, as_user, wrong_secret, auth } => {
                    if tokens.is_empty() {
                        continue;
                    }
                    let k = token % tokens.len();
                    let owner = tokens[k].1.user;
                    let as_user = if *as_user == usize::MAX { owner } else { *as_user };
                    let presented = match auth {
                        Auth::Token => tokens[k].0.clone(),
                        Auth::Tampered => format!("{}A", tokens[k].0),
                        Auth::Missing => String::new(),
                    };
                    let c = creds(as_user, *wrong_secret);
                    let headers = match auth {
                        Auth::Missing => identity_headers(&c).unwrap(),
                        _ => protected_headers(&c, &presented).unwrap(),
                    };
                    let got = match p.authenticate(&request(headers), "read") {
                        Ok(_) => 200,
                        Err(reason) => reason.status(),
                    };
                    // Model (P3, P4): the levels, then a live token bound to them, which
                    // resets the timer, then the permission.
                    let t = &mut tokens[k].1;
                    let levels_ok = !*wrong_secret && as_user < 3;
                    let want = if !levels_ok || !matches!(auth, Auth::Token) || !t.alive {
                        401
                    } else if expired(t, now) {
                        t.alive = false;
                        401
                    } else if as_user != t.user {
                        401
                    } else {
                        t.last_ms = t.last_ms.max(now);
                        if as_user == 2 { 403 } else { 200 }
                    };
                    prop_assert_eq!(got, want, "step {} ({:?}) at +{} ms", i, op, now - 1_700_000_000_000);
                }
                Op::Purge => {
                    let purged = p.sessions().purge_expired(now);
                    let mut want = 0;
                    for (_, t) in tokens.iter_mut().filter(|(_, t)| t.alive) {
                        if expired(t, now) {
                            t.alive = false;
                            want += 1;
                        }
                    }
                    prop_assert_eq!(purged, want, "step {}: purge", i);
                }
            }
            let live = tokens.iter().filter(|(_, t)| t.alive).count();
            prop_assert!(p.sessions().len() >= live, "step {i}: the store lost a live session");
        }
    }
}
