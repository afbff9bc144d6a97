//! insta snapshots of every canonical string the vectors pin, in the top-level
//! `snapshots/` folder, plus the stable error-code lists.
//!
//! insta turns CR LF into LF and trims trailing whitespace before comparing, so a raw
//! canonical string could not catch a line-ending bug. Each snapshot is the `visible`
//! form (every line end marked `␍␊` or `␊`), and beside it the test asserts the exact
//! bytes the reference produced against the vector (which an independent program
//! computed).

use std::path::Path;

use partner_auth::CanonicalString;
use partner_auth::reference;
use partner_auth::vectors::{self, Answer, Verdict};
use serde_json::Value;

/// Output fields that hold a canonical string / string-to-sign.
const CANONICAL_STAGES: &[&str] = &["canonical", "string_to_sign"];

#[test]
fn every_canonical_string() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut count = 0;
    for f in vectors::load_dir(&dir).unwrap() {
        for case in &f.file.cases {
            // What the reference produces is pinned whether the case binds everyone
            // (`valid`) or only the reference (`acceptable`, reference `valid`).
            let reference_valid = case.expect.result == Verdict::Valid
                || (case.expect.result == Verdict::Acceptable
                    && case.expect.reference == Some(Verdict::Valid)
                    && case.expect.output.is_some());
            if case.withdrawn || !reference_valid {
                continue;
            }
            let expected = case
                .expect
                .output
                .as_ref()
                .and_then(Value::as_object)
                .unwrap();
            for stage in CANONICAL_STAGES {
                let Some(Value::String(want)) = expected.get(*stage) else {
                    continue;
                };
                let Answer::Output(out) = reference::answer(&f.file.scheme, &case.op, &case.input)
                else {
                    panic!(
                        "{}: the reference refused a case it is pinned to accept",
                        case.id
                    );
                };
                let got = out[stage]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: no `{stage}` in the output", case.id));
                // Byte-exact, independent of insta's normalisation.
                assert_eq!(
                    got.as_bytes(),
                    want.as_bytes(),
                    "{}: `{stage}` bytes",
                    case.id
                );
                let name = format!("{}__{stage}", case.id.replace('/', "__"));
                insta::with_settings!({
                    snapshot_path => "../snapshots",
                    prepend_module_to_snapshot => false,
                    description => case.comment.clone(),
                    omit_expression => true,
                }, {
                    insta::assert_snapshot!(name, CanonicalString::from(got).visible());
                });
                count += 1;
            }
        }
    }
    assert!(
        count >= 10,
        "expected canonical strings in the vectors, found {count}"
    );
}

#[test]
fn signupto_error_codes() {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("signupto_error_codes", partner_auth::schemes::signupto::Error::CODES.join("\n"));
    });
}
