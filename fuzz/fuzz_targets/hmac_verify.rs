#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| partner_auth::fuzzing::hmac_verify(data));
