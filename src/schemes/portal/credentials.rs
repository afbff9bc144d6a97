//! Credentials: what a client holds ([`LoginCredentials`]), who a session stands for
//! ([`Identity`]), and the server's three-level [`Directory`] of masters, brokers and
//! users.

use std::collections::{BTreeSet, HashMap};

use super::{Error, Reason};
use crate::Secret;
use crate::encoding::digest_eq;

/// The three levels a request identifies itself with, minus the secret: the master's
/// `xClientID`, the `brokerID` and the `username`. A session is bound to one (P4).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    /// Level 1: the master's client id (`xClientID`).
    pub client_id: String,
    /// Level 2: the calling broker (`brokerID`, an integer).
    pub broker_id: u64,
    /// Level 3: the user, "usually the user's email" (`username`).
    pub username: String,
}

/// What a client needs to log in: the four headers of
/// `POST /API/partnersPortal/authentication`.
///
/// `Debug` shows the secret redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginCredentials {
    /// `xClientID`.
    pub client_id: String,
    /// `xClientSecret`.
    pub client_secret: Secret,
    /// `brokerID`.
    pub broker_id: u64,
    /// `username`.
    pub username: String,
}

impl LoginCredentials {
    /// Credentials from their four parts.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        broker_id: u64,
        username: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            broker_id,
            username: username.into(),
        }
    }

    /// The identity a session opened with these credentials is bound to.
    pub fn identity(&self) -> Identity {
        Identity {
            client_id: self.client_id.clone(),
            broker_id: self.broker_id,
            username: self.username.clone(),
        }
    }
}

struct Master {
    client_secret: Secret,
}

struct Broker {
    master: String,
    api_access: bool,
}

struct User {
    api_access: bool,
    permissions: BTreeSet<String>,
}

/// The server's view of who may call: masters (client id + secret), brokers under a
/// master with an API-access flag, users under a broker with an API-access flag and a
/// set of permissions.
///
/// Broker ids are unique across the directory (a broker belongs to exactly one master);
/// a username is unique within its broker and may recur under other brokers.
///
/// ```
/// use partner_auth::schemes::portal::Directory;
/// let mut dir = Directory::new();
/// dir.add_master("network_abc123", "secret_xyz789")?;
/// dir.add_broker("network_abc123", 12345, true)?;
/// dir.add_user(12345, "ana@example.pt", true, ["simulations.read"])?;
/// # Ok::<(), partner_auth::schemes::portal::Error>(())
/// ```
#[derive(Default)]
pub struct Directory {
    masters: HashMap<String, Master>,
    brokers: HashMap<u64, Broker>,
    users: HashMap<(u64, String), User>,
    /// How many brokers hold a user of each name (tells "unknown" from "another broker's").
    usernames: HashMap<String, usize>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("masters", &self.masters.len())
            .field("brokers", &self.brokers.len())
            .field("users", &self.users.len())
            .finish()
    }
}

/// A secret no master has, compared against when the client id is unknown so that the
/// time taken does not tell a known client id from an unknown one.
const DUMMY_SECRET: &[u8] = b"no-master-has-this-secret-0000000000000000000000";

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a master.
    pub fn add_master(
        &mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Result<(), Error> {
        let client_id = client_id.into();
        if self.masters.contains_key(&client_id) {
            return Err(Error::DuplicateEntry {
                what: format!("master `{client_id}`"),
            });
        }
        self.masters.insert(
            client_id,
            Master {
                client_secret: client_secret.into(),
            },
        );
        Ok(())
    }

    /// Adds a broker under a master.
    pub fn add_broker(
        &mut self,
        client_id: &str,
        broker_id: u64,
        api_access: bool,
    ) -> Result<(), Error> {
        if !self.masters.contains_key(client_id) {
            return Err(Error::UnknownParent {
                what: format!("master `{client_id}`"),
            });
        }
        if self.brokers.contains_key(&broker_id) {
            return Err(Error::DuplicateEntry {
                what: format!("broker {broker_id}"),
            });
        }
        self.brokers.insert(
            broker_id,
            Broker {
                master: client_id.to_owned(),
                api_access,
            },
        );
        Ok(())
    }

    /// Adds a user under a broker, with its permissions.
    pub fn add_user<P: Into<String>>(
        &mut self,
        broker_id: u64,
        username: impl Into<String>,
        api_access: bool,
        permissions: impl IntoIterator<Item = P>,
    ) -> Result<(), Error> {
        let username = username.into();
        if !self.brokers.contains_key(&broker_id) {
            return Err(Error::UnknownParent {
                what: format!("broker {broker_id}"),
            });
        }
        let key = (broker_id, username);
        if self.users.contains_key(&key) {
            return Err(Error::DuplicateEntry {
                what: format!("user `{}` under broker {broker_id}", key.1),
            });
        }
        *self.usernames.entry(key.1.clone()).or_default() += 1;
        self.users.insert(
            key,
            User {
                api_access,
                permissions: permissions.into_iter().map(Into::into).collect(),
            },
        );
        Ok(())
    }

    /// Checks the three levels in order: master (client id, then secret: digests
    /// compared in constant time), broker (exists, belongs to the master, API access), user (exists, belongs
    /// to the broker, API access).
    pub(crate) fn check_levels(
        &self,
        identity: &Identity,
        client_secret: &[u8],
    ) -> Result<(), Reason> {
        match self.masters.get(&identity.client_id) {
            None => {
                let _ = digest_eq(client_secret, DUMMY_SECRET);
                return Err(Reason::MasterUnknown);
            }
            // Digests, so that the time taken says nothing of the secret's length.
            Some(m) if !digest_eq(m.client_secret.expose(), client_secret) => {
                return Err(Reason::MasterSecretMismatch);
            }
            Some(_) => {}
        }
        let broker = self
            .brokers
            .get(&identity.broker_id)
            .ok_or(Reason::BrokerUnknown)?;
        if broker.master != identity.client_id {
            return Err(Reason::BrokerOfOtherMaster);
        }
        if !broker.api_access {
            return Err(Reason::BrokerApiAccessOff);
        }
        let Some(user) = self
            .users
            .get(&(identity.broker_id, identity.username.clone()))
        else {
            return Err(if self.usernames.contains_key(&identity.username) {
                Reason::UserOfOtherBroker
            } else {
                Reason::UserUnknown
            });
        };
        if !user.api_access {
            return Err(Reason::UserApiAccessOff);
        }
        Ok(())
    }

    /// True when the user holds `permission` (a user that does not exist holds none).
    pub fn has_permission(&self, identity: &Identity, permission: &str) -> bool {
        self.users
            .get(&(identity.broker_id, identity.username.clone()))
            .is_some_and(|u| u.permissions.contains(permission))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::length_timing_spread;

    #[test]
    fn the_client_secret_compare_does_not_show_its_length() {
        const LEN: usize = 1024;
        let mut dir = Directory::new();
        dir.add_master("m", Secret::new(vec![b's'; LEN])).unwrap();
        let identity = Identity {
            client_id: "m".into(),
            broker_id: 1,
            username: "u".into(),
        };
        let spread = length_timing_spread(
            LEN,
            |n| vec![b'x'; n],
            |secret| dir.check_levels(&identity, secret).is_ok(),
        );
        // Before (ct_eq on the secrets): tens of times slower at the right length.
        assert!(
            spread < 1.5,
            "time at the secret's length stands out: {spread:.1}×"
        );
    }
}
