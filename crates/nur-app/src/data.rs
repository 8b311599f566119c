//! Data under grants: query specs (their SQL, their rows), procedure calls, and what a caller
//! may query. Every access is checked against the caller's grants at the moment of the call
//! (read in one snapshot with the procedure it calls) and leaves one audit event — refusals
//! too — committed before any row is handed back.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Grants;
use nur_core::query::{self, Plan, QueryError, QuerySpec, RevokePolicy};
use nur_core::{Ident, Value};
use nur_store::{GrantFilter, GrantRow, ProcedureRow};
use serde_json::{Map, Value as Json};

/// Arguments of a query's parameters: a JSON object (API bodies), or text pairs (query
/// strings, forms), typed by the parameters' declared types.
#[derive(Debug, Clone)]
pub enum Args {
    Json(Map<String, Json>),
    Text(Vec<(String, String)>),
}

impl Default for Args {
    fn default() -> Args {
        Args::Json(Map::new())
    }
}

/// The procedure a result came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureRef {
    pub entity: String,
    pub name: String,
    pub version: i64,
}

/// What one query run returns: the plan (its output columns, limit, dropped columns) and
/// the rows, in the plan's output order.
#[derive(Debug, Clone)]
pub struct Output {
    pub plan: Plan,
    pub rows: Vec<Vec<Value>>,
    pub procedure: Option<ProcedureRef>,
    /// Who the answer is about, as its audit event recorded them (an export of it records
    /// them again).
    pub persons: Vec<String>,
    /// The audit event's target (`query.run` or `procedure.call`): what an export names.
    pub target: String,
}

/// The SQL a spec compiles to for review (values are placeholders).
#[derive(Debug, Clone)]
pub struct QuerySql {
    pub dialect: &'static str,
    pub sql: String,
    /// The same query in the catalog's names, clause by clause, for a person to review.
    pub review: query::ReviewSql,
    pub parameters: Vec<query::Parameter>,
}

/// A table a caller may query, with the columns it may select or filter on.
#[derive(Debug, Clone)]
pub struct QueryableTable {
    pub table: Ident,
    pub columns: Vec<Ident>,
}

impl App {
    /// The grants the caller's entity holds right now.
    pub(crate) fn grants_now(&self, entity: &Ident) -> Result<Grants> {
        Ok(Grants::new(
            entity.clone(),
            self.store.grants_of(entity.as_str())?,
        ))
    }

    /// Records a refusal; a failure to record it is logged, and the refusal still stands.
    pub(crate) fn audit_refusal(&self, caller: &Caller, action: &str, target: &str, e: &AppError) {
        let mut ev = caller.event(action, target);
        ev.outcome = format!("refused: {}", e.message);
        if let Err(err) = self.store.audit(ev) {
            tracing::error!(%err, "could not audit a refusal");
        }
    }

    /// The SQL `spec` compiles to for this caller (refused as a run would be).
    pub fn query_sql(&self, caller: &Caller, spec: &QuerySpec) -> Result<QuerySql> {
        let grants = self.grants_now(caller.consumer()?)?;
        let plan = query::plan(
            &self.catalog,
            &grants,
            spec,
            self.limits,
            RevokePolicy::Refuse,
        )?;
        Ok(QuerySql {
            dialect: self.store.backend(),
            sql: self.store.query_sql(&plan),
            review: query::review(&plan),
            parameters: plan.parameters,
        })
    }

    /// Runs an ad hoc query spec (`origin` names where it was built, for the audit trail).
    pub fn run_query(
        &self,
        caller: &Caller,
        spec: &QuerySpec,
        args: Args,
        origin: &str,
    ) -> Result<Output> {
        let entity = caller.consumer()?.clone();
        let grants = self.grants_now(&entity)?;
        self.execute(
            caller,
            &grants,
            spec,
            RevokePolicy::Refuse,
            args,
            ("query.run", origin),
            None,
        )
    }

    /// Calls a saved procedure of the caller's own entity.
    pub fn call_procedure(
        &self,
        caller: &Caller,
        entity: &str,
        name: &str,
        args: Args,
    ) -> Result<Output> {
        let mine = caller.consumer()?.clone();
        if mine.as_str() != entity {
            return Err(AppError::forbidden(
                "not_owner",
                format!(
                    "procedure {entity}/{name} belongs to {entity}; {mine} may call only its own procedures"
                ),
            ));
        }
        let target = format!("{entity}/{name}");
        // The grants and the procedure are read at one moment.
        let (held, p) = self
            .store
            .snapshot(|s| Ok((s.grants_of(entity)?, s.procedure(entity, name)?)))?;
        let p = p.ok_or_else(|| {
            AppError::not_found("procedure_not_found", format!("no procedure {target}"))
        })?;
        let spec = QuerySpec::from_json(&p.spec)?;
        let grants = Grants::new(mine, held);
        self.execute(
            caller,
            &grants,
            &spec,
            p.on_revoke,
            args,
            ("procedure.call", &format!("{target}@v{}", p.version)),
            Some(ProcedureRef {
                entity: p.entity,
                name: p.name,
                version: p.version,
            }),
        )
    }

    /// Plans, binds, runs and audits one query.
    #[allow(clippy::too_many_arguments)]
    fn execute(
        &self,
        caller: &Caller,
        grants: &Grants,
        spec: &QuerySpec,
        policy: RevokePolicy,
        args: Args,
        (action, target): (&str, &str),
        procedure: Option<ProcedureRef>,
    ) -> Result<Output> {
        let plan = match query::plan(&self.catalog, grants, spec, self.limits, policy) {
            Ok(p) => p,
            Err(e) => {
                let forbidden = matches!(e, QueryError::Forbidden(_));
                let e = AppError::from(e);
                if forbidden {
                    self.audit_refusal(caller, action, target, &e);
                }
                return Err(e);
            }
        };
        let args = match args {
            Args::Json(m) => plan.bind(&self.catalog.identity, &m)?,
            Args::Text(pairs) => plan.bind_text(&self.catalog.identity, &pairs)?,
        };
        let got = self.store.run_query(&plan, &args)?;
        let rows = got.rows;
        let mut ev = caller.event(action, target);
        ev.columns = plan.output.iter().map(|o| o.qualified.clone()).collect();
        // Every person the answer is about: those its rows name (selected or not), and those
        // the call asked about.
        let ids = plan.identity_outputs();
        ev.persons = rows
            .iter()
            .flat_map(|r| ids.iter().map(|&i| r[i].to_string()))
            .chain(got.subjects.iter().flatten().map(|v| v.to_string()))
            .chain(plan.named_persons())
            .chain(args.named_persons(&plan))
            .filter(|s| !s.is_empty())
            .collect();
        if !plan.dropped.is_empty() {
            ev.outcome = format!("ok; dropped {}", plan.dropped.join(", "));
        }
        let persons = ev.persons.clone();
        self.store.audit(ev)?;
        Ok(Output {
            plan,
            rows,
            procedure,
            persons,
            target: target.to_owned(),
        })
    }

    /// Records that a result already shown to `caller` left NUR as a file (`format`: csv,
    /// xlsx): one audit event naming the same columns and persons as the run that made it.
    pub fn record_export(&self, caller: &Caller, out: &Output, format: &str) -> Result<()> {
        let mut ev = caller.event("data.export", format!("{} as {format}", out.target));
        ev.columns = out
            .plan
            .output
            .iter()
            .map(|o| o.qualified.clone())
            .collect();
        ev.persons = out.persons.clone();
        self.store.audit(ev)?;
        Ok(())
    }

    /// The saved procedures of the caller's entity (none for an actor of no entity).
    pub fn procedures_of(&self, caller: &Caller) -> Result<Vec<ProcedureRow>> {
        let Some(entity) = caller.entity() else {
            return Ok(Vec::new());
        };
        Ok(self.store.procedures(Some(entity.as_str()))?)
    }

    /// The caller's procedures it may call right now, each with its plan (parameters and
    /// output columns) under today's grants; those it can no longer run are left out.
    pub fn callable_procedures(&self, caller: &Caller) -> Result<Vec<(ProcedureRow, Plan)>> {
        let entity = caller.consumer()?;
        let grants = self.grants_now(entity)?;
        Ok(self
            .store
            .procedures(Some(entity.as_str()))?
            .into_iter()
            .filter_map(|p| {
                let spec = QuerySpec::from_json(&p.spec).ok()?;
                let plan =
                    query::plan(&self.catalog, &grants, &spec, self.limits, p.on_revoke).ok()?;
                Some((p, plan))
            })
            .collect())
    }

    /// The grants the caller's entity holds, as stored.
    pub fn grants_held(&self, caller: &Caller) -> Result<Vec<GrantRow>> {
        let entity = caller.consumer()?;
        Ok(self.store.grants(&GrantFilter {
            consumer: Some(entity.to_string()),
            custodian: None,
        })?)
    }

    /// The tables the caller may query, each with the columns it may select or filter on,
    /// in catalog order (none for an actor of no entity).
    pub fn queryable_tables(&self, caller: &Caller) -> Result<Vec<QueryableTable>> {
        let Some(entity) = caller.entity() else {
            return Ok(Vec::new());
        };
        let grants = self.grants_now(entity)?;
        Ok(self
            .catalog
            .tables
            .iter()
            .filter(|t| grants.table(&self.catalog, &t.name))
            .map(|t| QueryableTable {
                table: t.name.clone(),
                columns: t
                    .columns
                    .iter()
                    .filter(|c| grants.column(&self.catalog, &t.name, &c.name))
                    .map(|c| c.name.clone())
                    .collect(),
            })
            .collect())
    }
}
