//! Upstream operations: where the gateway reaches each custodian service, and how long it
//! waits.

use super::append;
use crate::sql::Tx;
use crate::{Result, Store};
use nur_core::audit::NewEvent;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upstream {
    pub service: String,
    pub base_url: String,
    pub timeout_ms: i64,
}

pub(super) fn upstream(tx: &mut dyn Tx, service: &str) -> Result<Option<Upstream>> {
    Ok(tx
        .row(
            "SELECT service, base_url, timeout_ms FROM nur_upstream WHERE service = $1",
            &[service.into()],
        )?
        .map(|r| Upstream {
            service: r[0].text(),
            base_url: r[1].text(),
            timeout_ms: r[2].int(),
        }))
}

impl Store {
    pub fn put_upstream(&self, u: &Upstream, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_upstream (service, base_url, timeout_ms) VALUES ($1, $2, $3) ON CONFLICT (service) DO UPDATE SET base_url = excluded.base_url, timeout_ms = excluded.timeout_ms",
                &[(&u.service).into(), (&u.base_url).into(), u.timeout_ms.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    pub fn upstream(&self, service: &str) -> Result<Option<Upstream>> {
        self.read(|tx| upstream(tx, service))
    }
}
