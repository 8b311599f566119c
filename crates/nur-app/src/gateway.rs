//! The service-bus gateway's rules: a consumer calls a custodian's live operation through
//! NUR. NUR checks the operation grant, validates the input, finds the registered upstream,
//! and afterwards removes every output property the caller is not granted and audits the
//! call (refusals and upstream failures too). The HTTP exchange with the upstream is the web
//! layer's; it runs between [`App::prepare_operation`] and [`App::finish_operation`].

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::catalog::Service;
use nur_core::grant::{find_service, Grants};
use nur_core::{ColumnType, Ident, Value};
use serde_json::{Map, Value as Json};
use std::collections::BTreeSet;

/// A checked call, ready to be sent upstream.
#[derive(Debug, Clone)]
pub struct PreparedCall {
    /// Where to POST the input.
    pub url: String,
    pub timeout_ms: i64,
    /// The validated input, typed by the operation's declared inputs.
    pub input: Json,
    service: Service,
    grants: Grants,
    target: String,
}

/// What the caller receives: the granted properties of each record.
#[derive(Debug, Clone)]
pub struct OperationResult {
    pub entity: Ident,
    pub service: Ident,
    pub operation: Ident,
    pub records: Vec<Map<String, Json>>,
}

fn ident(kind: &str, s: &str) -> Result<Ident> {
    Ident::parse(s).map_err(|e| AppError::invalid("invalid_name", format!("{kind}: {e}")))
}

impl App {
    /// Checks a call of `entity`'s `service.operation` with `input`.
    pub fn prepare_operation(
        &self,
        caller: &Caller,
        entity: &str,
        (service, operation): (&str, &str),
        input: &Map<String, Json>,
    ) -> Result<PreparedCall> {
        let (service, operation) = (ident("service", service)?, ident("operation", operation)?);
        let svc = find_service(&self.catalog, &service, &operation)
            .ok()
            .filter(|svc| svc.custodian.as_str() == entity)
            .ok_or_else(|| {
                AppError::not_found(
                    "operation_not_found",
                    format!("{entity} has no operation {service}.{operation}"),
                )
            })?
            .clone();
        let target = format!("{entity}/{service}.{operation}");
        let consumer = caller.consumer()?.clone();
        // The grants and the upstream address are read at one moment.
        let (held, upstream) = self.store.snapshot(|s| {
            Ok((
                s.grants_of(consumer.as_str())?,
                s.upstream(service.as_str())?,
            ))
        })?;
        let grants = Grants::new(consumer.clone(), held);
        if !grants.operation(&self.catalog, &service, &operation) {
            let e = AppError::forbidden(
                "not_granted",
                format!("operation {service}.{operation} is not granted to {consumer}"),
            );
            let mut ev = caller.event("operation.call", target);
            ev.outcome = format!("refused: {}", e.message);
            self.store.audit(ev)?;
            return Err(e);
        }
        for k in input.keys() {
            if !svc.input.iter().any(|i| i.name.as_str() == k) {
                return Err(AppError::invalid(
                    "invalid_parameter",
                    format!(
                        "operation {}.{} takes no input {k:?}",
                        svc.service, svc.operation
                    ),
                ));
            }
        }
        let mut args = Map::new();
        for i in &svc.input {
            let v = input.get(i.name.as_str()).ok_or_else(|| {
                AppError::invalid("invalid_parameter", format!("input {} is required", i.name))
            })?;
            let parsed = Value::from_json(&self.catalog.identity, i.ty, v).map_err(|e| {
                AppError::invalid("invalid_parameter", format!("input {}: {e}", i.name))
            })?;
            args.insert(i.name.to_string(), parsed.to_json());
        }
        let upstream = upstream.ok_or_else(|| {
            AppError::upstream(
                "upstream_not_registered",
                format!(
                    "no upstream address is registered for service {}",
                    svc.service
                ),
            )
        })?;
        Ok(PreparedCall {
            url: format!(
                "{}/{}/{}",
                upstream.base_url.trim_end_matches('/'),
                svc.service,
                svc.operation
            ),
            timeout_ms: upstream.timeout_ms,
            input: Json::Object(args),
            service: svc,
            grants,
            target,
        })
    }

    /// Filters the upstream's answer to the granted properties and audits the call (a
    /// failed exchange is audited as failed and returned as it was).
    pub fn finish_operation(
        &self,
        caller: &Caller,
        call: PreparedCall,
        answer: Result<Vec<Map<String, Json>>>,
    ) -> Result<OperationResult> {
        let svc = &call.service;
        let records = match answer {
            Ok(r) => r,
            Err(e) => {
                let mut ev = caller.event("operation.call", call.target);
                ev.outcome = format!("failed: {}", e.message);
                self.store.audit(ev)?;
                return Err(e);
            }
        };
        let mut returned = BTreeSet::new();
        let mut persons = Vec::new();
        let filtered: Vec<Map<String, Json>> = records
            .into_iter()
            .map(|r| {
                let kept: Map<String, Json> = r
                    .into_iter()
                    .filter(|(k, _)| {
                        svc.properties.iter().any(|p| {
                            p.name.as_str() == k
                                && call.grants.property(
                                    &self.catalog,
                                    &svc.service,
                                    &svc.operation,
                                    &p.name,
                                )
                        })
                    })
                    .collect();
                for (k, v) in &kept {
                    returned.insert(k.clone());
                    let is_nn = svc
                        .properties
                        .iter()
                        .any(|p| p.name.as_str() == k && p.ty == ColumnType::NationalNumber);
                    if let (true, Some(nn)) = (is_nn, v.as_str()) {
                        persons.push(nn.to_owned());
                    }
                }
                kept
            })
            .collect();
        let mut ev = caller.event("operation.call", call.target);
        ev.columns = returned.into_iter().collect();
        ev.persons = persons;
        // The person the call was about, if its input names one.
        let asked = svc
            .input
            .iter()
            .find(|i| i.ty == ColumnType::NationalNumber)
            .and_then(|i| call.input.get(i.name.as_str()))
            .and_then(|v| v.as_str());
        if let Some(nn) = asked {
            ev.persons.push(nn.to_owned());
        }
        self.store.audit(ev)?;
        Ok(OperationResult {
            entity: svc.custodian.clone(),
            service: svc.service.clone(),
            operation: svc.operation.clone(),
            records: filtered,
        })
    }
}
