//! Answers for `primitives/*` cases (published RFC / FIPS vectors).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{error, parse_input, unknown_op};
use crate::encoding::{
    base64_decode, base64_encode, hex_decode, hex_lower, hmac_sha1, hmac_sha256, sha1, sha256,
};
use crate::registry::primitives::{BASE64, HMAC_SHA1, HMAC_SHA256, SHA1, SHA256};
use crate::vectors::Answer;

fn hex(field: &str, text: &str) -> Result<Vec<u8>, Answer> {
    hex_decode(text).ok_or_else(|| Answer::BadInput {
        field: field.into(),
        message: "not hexadecimal".into(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DigestInput {
    data_hex: String,
    #[serde(default)]
    repeat: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MacInput {
    key_hex: String,
    data_hex: String,
    #[serde(default)]
    truncate_bytes: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EncodeInput {
    data_hex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecodeInput {
    text: String,
}

pub(crate) fn answer(slug: &str, op: &str, input: &Value) -> Result<Answer, Answer> {
    let out = match (slug, op) {
        (SHA1 | SHA256, "digest") => {
            let i: DigestInput = parse_input(input)?;
            let data = hex("data_hex", &i.data_hex)?.repeat(i.repeat.unwrap_or(1));
            let digest = if slug == SHA1 {
                sha1(&data).to_vec()
            } else {
                sha256(&data).to_vec()
            };
            json!({ "digest_hex": hex_lower(&digest) })
        }
        (HMAC_SHA1 | HMAC_SHA256, "mac") => {
            let i: MacInput = parse_input(input)?;
            let (key, data) = (hex("key_hex", &i.key_hex)?, hex("data_hex", &i.data_hex)?);
            let mut mac = if slug == HMAC_SHA1 {
                hmac_sha1(&key, &data).to_vec()
            } else {
                hmac_sha256(&key, &data).to_vec()
            };
            if let Some(n) = i.truncate_bytes {
                mac.truncate(n);
            }
            json!({ "mac_hex": hex_lower(&mac) })
        }
        (BASE64, "encode") => {
            let i: EncodeInput = parse_input(input)?;
            json!({ "text": base64_encode(&hex("data_hex", &i.data_hex)?) })
        }
        (BASE64, "decode") => {
            let i: DecodeInput = parse_input(input)?;
            match base64_decode(&i.text) {
                Some(bytes) => json!({ "data_hex": hex_lower(&bytes) }),
                None => {
                    return Ok(error(
                        "MALFORMED_BASE64",
                        "not canonical standard Base64 (RFC 4648 §4)",
                    ));
                }
            }
        }
        _ => return Err(unknown_op(slug, op)),
    };
    Ok(Answer::Output(out))
}
