//! The signer against partner-auth's bundled `hmac-sha256` vectors.

use downstream_hmac_signer::{Request, sign};
use partner_auth::harness::{Refusal, hmac_sha256};

#[test]
fn the_signer_conforms_to_the_hmac_sha256_vectors() {
    let report = hmac_sha256::sign(|input| {
        let request = Request {
            method: &input.method,
            target: &input.target,
            timestamp: input.timestamp,
            nonce: &input.nonce,
            body: &input.body,
        };
        let signed =
            sign(&input.api_key, &input.secret, &request).map_err(|r| Refusal::new(r.code()))?;
        Ok(hmac_sha256::SignOutput {
            string_to_sign: signed.string_to_sign,
            signature: signed.signature,
            headers: signed.headers,
        })
    });
    report.assert_conformant();
    assert!(report.passed() > 0, "{report}");
}
