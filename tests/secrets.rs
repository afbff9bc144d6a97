//! A planted marker secret never shows in Debug output or error messages.

use partner_auth::schemes::signupto::{
    self as sut, ApiKey, Identity, IssuedToken, KeyDirectory, SignRequest, Signer, Token,
    TokenVerifier, Variant, Verifier, token_request,
};
use partner_auth::{FixedClock, InMemoryNonceStore, Request, Secret};

/// Valid as a partner key (40 letters) and unmistakable in any output.
const MARKER_KEY: &str = "ZqXwVuTsRqPoNmLkJiHgFeDcBaZyXwVuTsRqPoNm";
/// Valid as a token (96 Base64-alphabet characters).
fn marker_token() -> String {
    "Zq".repeat(48)
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(MARKER_KEY), "{what} shows the key: {text}");
    assert!(
        !text.contains(&marker_token()),
        "{what} shows the token: {text}"
    );
    assert!(
        !text.contains("marker-password"),
        "{what} shows the password: {text}"
    );
}

#[test]
fn debug_and_errors_never_show_key_material() {
    let who = Identity {
        pid: Some(4567),
        cid: None,
        uid: None,
    };
    let signer = Signer::new(Variant::PartnerHash, who, MARKER_KEY).unwrap();
    assert_clean("Signer Debug", &format!("{signer:?} {signer:#?}"));
    let signed = signer
        .sign(&SignRequest {
            method: "POST",
            target: "/v1/account",
            date: "Sat, 09 Sep 1989 11:00:00 GMT",
            nonce: "abc",
        })
        .unwrap();
    assert_clean("Signed Debug", &format!("{signed:?}"));
    assert_clean("canonical Display", &signed.canonical.to_string());

    let key = ApiKey::new(Variant::PartnerHash, MARKER_KEY).unwrap();
    assert_clean("ApiKey Debug", &format!("{key:?}"));
    let mut keys = KeyDirectory::new();
    keys.insert(4567, key);
    assert_clean("KeyDirectory Debug", &format!("{keys:?}"));
    let verifier = Verifier::new(
        Variant::PartnerHash,
        keys,
        FixedClock::from_secs(621_342_000),
        InMemoryNonceStore::default(),
    );
    assert_clean("Verifier Debug", &format!("{verifier:?}"));

    // Every error a verifier can give, for a request signed with another key.
    let mut req = Request::new("POST", "/v1/account");
    for (n, v) in &signed.headers {
        req.headers
            .append(n.clone(), v.replace(&signed.signature, &"0".repeat(40)));
    }
    let err = verifier.verify(&req).unwrap_err();
    assert_eq!(err.code(), "SIGNATURE_MISMATCH");
    assert_clean("SignatureMismatch", &format!("{err} {err:?}"));
    assert!(
        !format!("{err} {err:?}").contains(&signed.signature),
        "the error leaks the expected signature"
    );

    // Malformed keys are refused without echoing them.
    let bad = format!("{MARKER_KEY}1");
    let err = ApiKey::new(Variant::PartnerHash, bad.as_str()).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(&bad));

    // Tokens and passwords.
    let token = Token::parse(&marker_token()).unwrap();
    assert_clean("Token Debug", &format!("{token:?}"));
    let mut tv = TokenVerifier::new(
        FixedClock::from_secs(621_342_000),
        InMemoryNonceStore::default(),
    );
    tv.insert(IssuedToken {
        token: token.clone(),
        expiry: 0,
        identity: Identity::default(),
    });
    assert_clean("TokenVerifier Debug", &format!("{tv:?}"));
    let req = Request::new("GET", "/v1/folder")
        .header("Authorization", format!("SuTToken {}", marker_token()))
        .header("Date", "Sat, 09 Sep 1989 11:00:00 GMT")
        .header("X-SuT-Nonce", "n1");
    assert_clean("Request Debug", &format!("{req:?}"));
    let err = tv.verify(&req).unwrap_err();
    assert_eq!(err.code(), "TOKEN_EXPIRED");
    assert_clean("token error", &format!("{err} {err:?}"));
    let auth = sut::parse_authorization(&format!("SuTToken {}", marker_token())).unwrap();
    assert_clean("Authorization Debug", &format!("{auth:?}"));
    let tr = token_request("someone", &Secret::from("marker-password")).unwrap();
    assert_clean("TokenRequest Debug", &format!("{tr:?}"));
    assert!(
        String::from_utf8(tr.body)
            .unwrap()
            .contains("marker-password"),
        "the body itself carries it"
    );
}
