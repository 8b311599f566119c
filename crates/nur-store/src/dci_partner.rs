//! DCI partner registries (migration 0012): their configuration and the answers kept for
//! their time to live.

use crate::access::append;
use crate::sql::{Cell, Tx};
use crate::{Result, Store};
use nur_core::audit::NewEvent;

/// A partner registry NUR asks as a DCI client.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartnerRow {
    pub name: String,
    /// `crvs`, `sr`, `dr` (disability), … (what it is to NUR; the path is DCI's).
    pub registry: String,
    /// Where its `/registry/…` endpoints are (`https://partner/dci/crvs`).
    pub base_url: String,
    pub token_url: String,
    pub client_id: String,
    #[serde(skip_serializing)]
    pub client_secret: String,
    /// NUR's `sender_id` with this partner.
    pub sender_id: String,
    pub scheme: String,
    /// The partner's public key (a JWK): its notifications are applied only when they verify.
    pub public_key: Option<String>,
    /// The identifier type NUR's national number is at the partner (`UIN`, `NIN`, …).
    pub id_type: String,
    pub reg_type: String,
    pub ttl_secs: i64,
    pub timeout_ms: i64,
    /// Whether intake verification asks it about each member.
    pub verify: bool,
    pub created_by: String,
    pub created_at_ms: i64,
}

const PARTNER: &str = "SELECT name, registry, base_url, token_url, client_id, client_secret, sender_id, \
     scheme, id_type, reg_type, ttl_secs, timeout_ms, verify, created_by, created_at, public_key FROM dci_partner";

fn partner(r: &[Cell]) -> PartnerRow {
    PartnerRow {
        name: r[0].text(),
        registry: r[1].text(),
        base_url: r[2].text(),
        token_url: r[3].text(),
        client_id: r[4].text(),
        client_secret: r[5].text(),
        sender_id: r[6].text(),
        scheme: r[7].text(),
        id_type: r[8].text(),
        reg_type: r[9].text(),
        ttl_secs: r[10].int(),
        timeout_ms: r[11].int(),
        verify: r[12].int() != 0,
        created_by: r[13].text(),
        created_at_ms: r[14].int(),
        public_key: r[15].opt_text(),
    }
}

fn insert(tx: &mut dyn Tx, p: &PartnerRow) -> Result<()> {
    tx.exec(
        "DELETE FROM dci_partner WHERE name = $1",
        &[(&p.name).into()],
    )?;
    tx.exec(
        "INSERT INTO dci_partner (name, registry, base_url, token_url, client_id, client_secret, sender_id, scheme, id_type, reg_type, ttl_secs, timeout_ms, verify, created_by, created_at, public_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        &[(&p.name).into(), (&p.registry).into(), (&p.base_url).into(), (&p.token_url).into(), (&p.client_id).into(),
          (&p.client_secret).into(), (&p.sender_id).into(), (&p.scheme).into(), (&p.id_type).into(), (&p.reg_type).into(),
          p.ttl_secs.into(), p.timeout_ms.into(), i64::from(p.verify).into(), (&p.created_by).into(), p.created_at_ms.into(),
          p.public_key.as_deref().into()],
    )?;
    // What was kept from the partner as it was configured before is not trusted after.
    tx.exec(
        "DELETE FROM dci_partner_answer WHERE partner = $1",
        &[(&p.name).into()],
    )?;
    Ok(())
}

impl Store {
    /// Configures (or replaces) a partner, with its audit event.
    pub fn dci_put_partner(&self, p: &PartnerRow, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            insert(tx, p)?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// Removes a partner and what was kept from it, with its audit event.
    pub fn dci_remove_partner(&self, name: &str, event: NewEvent) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec("DELETE FROM dci_partner WHERE name = $1", &[name.into()])?;
            tx.exec(
                "DELETE FROM dci_partner_answer WHERE partner = $1",
                &[name.into()],
            )?;
            append(tx, event)?;
            Ok(n > 0)
        })
    }

    pub fn dci_partners(&self) -> Result<Vec<PartnerRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(&format!("{PARTNER} ORDER BY name"), &[])?
                .iter()
                .map(|r| partner(r))
                .collect())
        })
    }

    pub fn dci_partner(&self, name: &str) -> Result<Option<PartnerRow>> {
        self.read(|tx| {
            Ok(tx
                .row(&format!("{PARTNER} WHERE name = $1"), &[name.into()])?
                .map(|r| partner(&r)))
        })
    }

    /// A kept answer (its records as JSON, and when it was fetched).
    pub fn dci_partner_answer(
        &self,
        partner: &str,
        id_type: &str,
        id_value: &str,
    ) -> Result<Option<(String, i64)>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT records, fetched_at FROM dci_partner_answer WHERE partner = $1 AND id_type = $2 AND id_value = $3",
                    &[partner.into(), id_type.into(), id_value.into()],
                )?
                .map(|r| (r[0].text(), r[1].int())))
        })
    }

    /// Keeps an answer, with the audit event of the fetch.
    pub fn dci_keep_partner_answer(
        &self,
        partner: &str,
        id_type: &str,
        id_value: &str,
        records: &str,
        fetched_at_ms: i64,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO dci_partner_answer (partner, id_type, id_value, records, fetched_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (partner, id_type, id_value) DO UPDATE SET records = excluded.records, fetched_at = excluded.fetched_at",
                &[partner.into(), id_type.into(), id_value.into(), records.into(), fetched_at_ms.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }
}

/// NUR's subscription to a partner's events.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartnerSubscriptionRow {
    pub partner: String,
    pub event: String,
    /// The HTTP change source whose mapping applies the notified records.
    pub source: String,
    /// The partner's subscription code, once it answered.
    pub code: Option<String>,
    /// `requested`, `subscribed` or `refused`.
    pub status: String,
    pub created_at_ms: i64,
}

impl Store {
    /// Records a subscription asked for (replacing an earlier one of the same event).
    pub fn dci_put_partner_subscription(
        &self,
        s: &PartnerSubscriptionRow,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "DELETE FROM dci_partner_subscription WHERE partner = $1 AND event = $2",
                &[(&s.partner).into(), (&s.event).into()],
            )?;
            tx.exec(
                "INSERT INTO dci_partner_subscription (partner, event, source, code, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[(&s.partner).into(), (&s.event).into(), (&s.source).into(), s.code.as_deref().into(), (&s.status).into(), s.created_at_ms.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// The partner's answer to a subscription: its code, or its refusal.
    pub fn dci_partner_subscribed(
        &self,
        partner: &str,
        event: &str,
        code: Option<&str>,
    ) -> Result<bool> {
        self.write(|tx| {
            let status = if code.is_some() { "subscribed" } else { "refused" };
            Ok(tx.exec(
                "UPDATE dci_partner_subscription SET code = $3, status = $4 WHERE partner = $1 AND lower(event) = lower($2)",
                &[partner.into(), event.into(), code.into(), status.into()],
            )? > 0)
        })
    }

    pub fn dci_partner_subscriptions(&self, partner: &str) -> Result<Vec<PartnerSubscriptionRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT partner, event, source, code, status, created_at FROM dci_partner_subscription WHERE partner = $1 ORDER BY event",
                    &[partner.into()],
                )?
                .iter()
                .map(|r| PartnerSubscriptionRow {
                    partner: r[0].text(),
                    event: r[1].text(),
                    source: r[2].text(),
                    code: r[3].opt_text(),
                    status: r[4].text(),
                    created_at_ms: r[5].int(),
                })
                .collect())
        })
    }
}
