//! Settings: what each entity must do or is spared (`nur_entity_setting`), and
//! deployment-wide values created on first use (`nur_setting`).

use super::append;
use crate::sql::Tx;
use crate::{Result, Store};
use nur_core::audit::NewEvent;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EntitySettings {
    /// Data requests from this entity must say why (`X-NUR-Purpose`).
    pub purpose_required: bool,
    /// This entity's accesses are left out of citizens' access reports.
    pub access_withheld: bool,
}

fn flag(b: bool) -> i64 {
    b as i64
}

pub(super) fn entity_settings(tx: &mut dyn Tx, entity: &str) -> Result<EntitySettings> {
    Ok(tx
        .row(
            "SELECT purpose_required, access_withheld FROM nur_entity_setting WHERE entity = $1",
            &[entity.into()],
        )?
        .map(|r| EntitySettings {
            purpose_required: r[0].int() != 0,
            access_withheld: r[1].int() != 0,
        })
        .unwrap_or_default())
}

impl Store {
    pub fn entity_settings(&self, entity: &str) -> Result<EntitySettings> {
        self.read(|tx| entity_settings(tx, entity))
    }

    pub fn set_entity_settings(
        &self,
        entity: &str,
        s: EntitySettings,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_entity_setting (entity, purpose_required, access_withheld) VALUES ($1, $2, $3) ON CONFLICT (entity) DO UPDATE SET purpose_required = excluded.purpose_required, access_withheld = excluded.access_withheld",
                &[entity.into(), flag(s.purpose_required).into(), flag(s.access_withheld).into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// A deployment-wide setting, if it was ever made.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT value FROM nur_setting WHERE key = $1",
                    &[key.into()],
                )?
                .map(|r| r[0].text()))
        })
    }

    /// A setting, created with `make()` on first use (the first writer wins, so concurrent
    /// servers agree on one value).
    pub fn setting_or_init(&self, key: &str, make: impl FnOnce() -> String) -> Result<String> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[key.into(), (&make()).into()],
            )?;
            Ok(tx
                .row(
                    "SELECT value FROM nur_setting WHERE key = $1",
                    &[key.into()],
                )?
                .map(|r| r[0].text())
                .unwrap_or_default())
        })
    }
}
