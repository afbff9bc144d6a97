//! One module per vendor; every scheme module has the same parts in the same order:
//! credentials, canonical, sign, verify, wire (parsers), error.

pub mod groupcall;
pub mod hmac;
pub mod portal;
pub mod signupto;
