//! Machine clients of an entity: create (the secret is shown once and stored as an argon2id
//! hash), rotate (older tokens stop at once), revoke, list. Managed by the entity's admin,
//! the Super Admin or the operator; every change is audited with it.

use crate::caller::Caller;
use crate::error::{no_randomness, AppError, Result};
use crate::App;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use nur_core::Ident;
use nur_store::{ClientChange, ClientRow};
use std::net::IpAddr;

/// A client and its secret, which exists only here and in what is shown once.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client: ClientRow,
    pub secret: String,
}

/// An allowlist entry: an address or a CIDR network.
pub(crate) fn parse_net(s: &str) -> std::result::Result<(IpAddr, u8), String> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b
            .parse::<u8>()
            .ok()
            .filter(|b| *b <= max)
            .ok_or_else(|| format!("{s:?}: prefix length must be 0 to {max}"))?,
        None => max,
    };
    Ok((ip, bits))
}

/// Whether `ip` is on the allowlist (an empty list allows every address).
pub(crate) fn ip_allowed(allowlist: &[String], ip: IpAddr) -> bool {
    if allowlist.is_empty() {
        return true;
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    allowlist
        .iter()
        .filter_map(|s| parse_net(s).ok())
        .any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
}

/// A fresh secret and its argon2id hash (the hash is what is stored).
pub fn new_secret() -> Result<(String, String)> {
    let mut secret = [0u8; 32];
    let mut salt = [0u8; 16];
    getrandom::fill(&mut secret).map_err(no_randomness)?;
    getrandom::fill(&mut salt).map_err(no_randomness)?;
    let secret = B64.encode(secret);
    let hash = nur_core::account::hash_password(&secret, &salt).map_err(AppError::internal)?;
    Ok((secret, hash))
}

/// A new client's row (with the secret's hash) and its secret; nothing is stored.
pub fn new_client(
    entity: &Ident,
    name: &str,
    ip_allowlist: Vec<String>,
) -> Result<(ClientRow, String)> {
    let c = credentials(entity, name, ip_allowlist)?;
    Ok((c.client, c.secret))
}

fn credentials(entity: &Ident, name: &str, ip_allowlist: Vec<String>) -> Result<Credentials> {
    for ip in &ip_allowlist {
        parse_net(ip).map_err(|e| AppError::invalid("invalid_allowlist", e))?;
    }
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).map_err(no_randomness)?;
    let client_id = format!(
        "{}-{}",
        entity.as_str().to_ascii_lowercase(),
        nur_core::audit::hex(&id)
    );
    let (secret, hash) = new_secret()?;
    Ok(Credentials {
        client: ClientRow {
            client_id,
            entity: entity.to_string(),
            name: name.to_owned(),
            secret_hash: hash,
            generation: 1,
            ip_allowlist,
            created_at_ms: nur_store::now_ms(),
            rotated_at_ms: None,
            revoked_at_ms: None,
        },
        secret,
    })
}

impl App {
    fn entity_of_catalog(&self, entity: &str) -> Result<Ident> {
        let id = Ident::parse(entity).map_err(|e| AppError::invalid("unknown_entity", e))?;
        if self.catalog.entity(id.as_str()).is_none() {
            return Err(AppError::invalid(
                "unknown_entity",
                format!("unknown entity {entity}"),
            ));
        }
        Ok(id)
    }

    /// Refuses unless the caller administers `entity`.
    pub(crate) fn must_administer(&self, caller: &Caller, entity: &Ident) -> Result<()> {
        if caller.actor.administers(entity) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "not_entity_admin",
                format!(
                    "only an admin of {entity} (or the Super Admin) may do this; {} may not",
                    caller.actor.name()
                ),
            ))
        }
    }

    /// Creates an API client of `entity`; the secret is in the answer and nowhere else.
    pub fn create_client(
        &self,
        caller: &Caller,
        entity: &str,
        name: &str,
        ip_allowlist: Vec<String>,
    ) -> Result<Credentials> {
        let entity = self.entity_of_catalog(entity)?;
        self.must_administer(caller, &entity)?;
        let creds = credentials(&entity, name.trim(), ip_allowlist)?;
        let mut ev = caller.event("client.create", creds.client.client_id.clone());
        ev.entity = Some(entity.to_string());
        self.store.create_client(&creds.client, ev)?;
        Ok(creds)
    }

    fn client_to_change(&self, caller: &Caller, client_id: &str) -> Result<ClientRow> {
        let c = self.store.client(client_id)?.ok_or_else(|| {
            AppError::not_found("client_not_found", format!("no client {client_id}"))
        })?;
        let entity = Ident::parse(&c.entity).map_err(AppError::internal)?;
        self.must_administer(caller, &entity)?;
        Ok(c)
    }

    /// Issues a new secret; tokens of the old one stop working at once.
    pub fn rotate_client(&self, caller: &Caller, client_id: &str) -> Result<Credentials> {
        let c = self.client_to_change(caller, client_id)?;
        let (secret, hash) = new_secret()?;
        let mut ev = caller.event("client.rotate", client_id);
        ev.entity = Some(c.entity.clone());
        let client =
            self.store
                .change_client(client_id, &ClientChange::Rotate { secret_hash: hash }, ev)?;
        Ok(Credentials { client, secret })
    }

    /// Revokes a client for good.
    pub fn revoke_client(&self, caller: &Caller, client_id: &str) -> Result<ClientRow> {
        let c = self.client_to_change(caller, client_id)?;
        let mut ev = caller.event("client.revoke", client_id);
        ev.entity = Some(c.entity.clone());
        Ok(self
            .store
            .change_client(client_id, &ClientChange::Revoke, ev)?)
    }

    /// The clients the caller manages (of `entity`, or of every entity for the Super Admin
    /// and the operator when none is named).
    pub fn clients(&self, caller: &Caller, entity: Option<&str>) -> Result<Vec<ClientRow>> {
        let scope = match (caller.entity(), entity) {
            (_, Some(e)) => {
                self.must_administer(caller, &self.entity_of_catalog(e)?)?;
                Some(e.to_owned())
            }
            (Some(mine), None) if !caller.actor.administers_all() => {
                self.must_administer(caller, mine)?;
                Some(mine.to_string())
            }
            (None, None) if !caller.actor.administers_all() => {
                return Err(AppError::forbidden(
                    "not_admin",
                    "no entity to list clients of",
                ))
            }
            _ => None,
        };
        Ok(self.store.clients(scope.as_deref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlists_match_addresses_and_networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let list = vec!["10.1.0.0/16".to_string(), "192.168.1.7".to_string()];
        assert!(ip_allowed(&list, ip("10.1.200.3")));
        assert!(ip_allowed(&list, ip("192.168.1.7")));
        assert!(ip_allowed(&list, ip("::ffff:10.1.0.1")));
        assert!(!ip_allowed(&list, ip("10.2.0.1")));
        assert!(!ip_allowed(&list, ip("192.168.1.8")));
        assert!(ip_allowed(&[], ip("8.8.8.8")));
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("example.org").is_err());
    }
}
