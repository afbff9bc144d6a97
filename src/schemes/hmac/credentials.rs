//! Credentials: the client's API key and secret, and the verifier's key records
//! (secret, enabled flag, IP allow-list) by API key.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use super::Error;
use crate::Secret;

/// Checks an API key id: 1 to 256 visible ASCII characters.
pub(crate) fn check_api_key(api_key: &str) -> Result<(), Error> {
    if api_key.is_empty() || api_key.len() > 256 || !api_key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::MalformedApiKey);
    }
    Ok(())
}

/// One entry of a key's IP allow-list: an address, or a CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRule {
    net: IpAddr,
    prefix: u8,
}

impl IpRule {
    /// Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::1` or `2001:db8::/32`. Host
    /// bits set below the prefix are refused (a typo more often than an intent).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = || Error::MalformedIpRule {
            entry: text.to_owned(),
        };
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                (a, Some(p.parse::<u8>().map_err(|_| bad())?))
            }
            None => (text, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        let rule = Self { net, prefix };
        if rule.masked(net) != bits(net) {
            return Err(bad());
        }
        Ok(rule)
    }

    fn masked(&self, ip: IpAddr) -> u128 {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let shift = max - u32::from(self.prefix);
        if shift >= 128 {
            0
        } else {
            bits(ip) >> shift << shift
        }
    }

    /// True when `ip` is inside this rule (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.net.is_ipv4() && self.masked(ip) == bits(self.net)
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// What the verifier knows about one API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    secret: Secret,
    enabled: bool,
    allowed_ips: Vec<IpRule>,
}

impl KeyRecord {
    /// An enabled key with no IP restriction. The secret is used as the HMAC key, as
    /// its bytes (the vendor's quickstart does the same with the secret string).
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let secret = secret.into();
        if secret.is_empty() {
            return Err(Error::EmptySecret);
        }
        Ok(Self {
            secret,
            enabled: true,
            allowed_ips: Vec::new(),
        })
    }

    /// Sets whether the key is enabled (a disabled key answers GA2021).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Adds an allow-list entry. With no entry the key is usable from any address
    /// (H-IP); with one or more, only from the listed ones (GA2022 otherwise).
    pub fn allow(mut self, rule: IpRule) -> Self {
        self.allowed_ips.push(rule);
        self
    }

    /// Whether the key is enabled.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a request from `client_ip` may use this key. An unknown client address
    /// passes only when the key has no allow-list (fail closed).
    pub fn allows(&self, client_ip: Option<IpAddr>) -> bool {
        if self.allowed_ips.is_empty() {
            return true;
        }
        client_ip.is_some_and(|ip| self.allowed_ips.iter().any(|r| r.contains(ip)))
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}

/// The verifier's keys, by API key (the `X-Api-Key` value).
#[derive(Clone, Debug, Default)]
pub struct KeyDirectory {
    /// Shared key strings: a verified request names its key without copying it.
    keys: HashMap<Arc<str>, KeyRecord>,
}

impl KeyDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the record of `api_key`.
    pub fn insert(&mut self, api_key: impl Into<String>, record: KeyRecord) -> Result<(), Error> {
        let api_key = api_key.into();
        check_api_key(&api_key)?;
        self.keys.insert(api_key.into(), record);
        Ok(())
    }

    /// The record of `api_key`, when known.
    pub fn get(&self, api_key: &str) -> Option<&KeyRecord> {
        self.keys.get(api_key)
    }

    /// The stored key string and its record, when known.
    pub(crate) fn get_shared(&self, api_key: &str) -> Option<(&Arc<str>, &KeyRecord)> {
        self.keys.get_key_value(api_key)
    }
}

/// A client's credentials: the API key it sends and the secret it signs with.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The API key, sent as `X-Api-Key` (an identifier, not a secret).
    pub api_key: String,
    /// The API secret, never sent.
    pub secret: Secret,
}

impl Credentials {
    /// Checks both parts.
    pub fn new(api_key: impl Into<String>, secret: impl Into<Secret>) -> Result<Self, Error> {
        let api_key = api_key.into();
        check_api_key(&api_key)?;
        let secret = secret.into();
        if secret.is_empty() {
            return Err(Error::EmptySecret);
        }
        Ok(Self { api_key, secret })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_rules() {
        let r = IpRule::parse("203.0.113.0/24").unwrap();
        assert!(r.contains("203.0.113.200".parse().unwrap()));
        assert!(!r.contains("203.0.114.1".parse().unwrap()));
        assert!(r.contains("::ffff:203.0.113.9".parse().unwrap()));
        let one = IpRule::parse("2001:db8::1").unwrap();
        assert!(one.contains("2001:db8::1".parse().unwrap()));
        assert!(!one.contains("2001:db8::2".parse().unwrap()));
        assert!(
            IpRule::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        for bad in [
            "203.0.113.1/24",
            "1.2.3.4/33",
            "x",
            "1.2.3.4/",
            "::/129",
            "1.2.3.4/+1",
        ] {
            assert!(IpRule::parse(bad).is_err(), "{bad}");
        }
    }
}
