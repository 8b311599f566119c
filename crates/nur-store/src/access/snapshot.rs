//! The reads of one access decision, made in one transaction.

use super::clients::{client, ClientRow};
use super::grants::grants_of;
use super::procedures::{procedure, ProcedureRow};
use super::settings::{entity_settings, EntitySettings};
use super::upstreams::{upstream, Upstream};
use crate::sql::Tx;
use crate::Result;
use nur_core::grant::Target;

/// Reads inside one transaction ([`Store::snapshot`](crate::Store::snapshot)): the pieces of
/// one access decision.
pub struct Snapshot<'a> {
    pub(crate) tx: &'a mut dyn Tx,
}

impl Snapshot<'_> {
    pub fn grants_of(&mut self, consumer: &str) -> Result<Vec<Target>> {
        grants_of(self.tx, consumer)
    }
    pub fn procedure(&mut self, entity: &str, name: &str) -> Result<Option<ProcedureRow>> {
        procedure(self.tx, entity, name)
    }
    pub fn client(&mut self, client_id: &str) -> Result<Option<ClientRow>> {
        client(self.tx, client_id)
    }
    pub fn entity_settings(&mut self, entity: &str) -> Result<EntitySettings> {
        entity_settings(self.tx, entity)
    }
    pub fn upstream(&mut self, service: &str) -> Result<Option<Upstream>> {
        upstream(self.tx, service)
    }
    pub fn account(&mut self, username: &str) -> Result<Option<crate::AccountRow>> {
        crate::portal::account(self.tx, username)
    }
}
