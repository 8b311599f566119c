//! Minimum-viable-data grants: what a custodian entity lets a consumer entity see.
//!
//! Deny by default. The one precedence rule (also in ARCHITECTURE.md):
//! - a **column** is visible to a consumer only with both the table grant and the column grant;
//! - an output **property** only with both the operation grant and the property grant;
//! - a custodian always sees its own tables and operations in full.
//!
//! Revoking a table (or an operation) therefore hides every column (property) under it at
//! once, while the finer grants stay recorded and come back if the table is granted again.

use crate::account::Role;
use crate::catalog::{Catalog, Ident, Service};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// What a grant is on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Table {
        table: Ident,
    },
    Column {
        table: Ident,
        column: Ident,
    },
    Operation {
        service: Ident,
        operation: Ident,
    },
    Property {
        service: Ident,
        operation: Ident,
        property: Ident,
    },
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Table { .. } => "table",
            Target::Column { .. } => "column",
            Target::Operation { .. } => "operation",
            Target::Property { .. } => "property",
        }
    }

    /// The stored form: (kind, object, item). The object is a table or `service.operation`;
    /// the item a column or property ("" for table and operation grants).
    pub fn parts(&self) -> (&'static str, String, String) {
        match self {
            Target::Table { table } => ("table", table.to_string(), String::new()),
            Target::Column { table, column } => ("column", table.to_string(), column.to_string()),
            Target::Operation { service, operation } => {
                ("operation", format!("{service}.{operation}"), String::new())
            }
            Target::Property {
                service,
                operation,
                property,
            } => (
                "property",
                format!("{service}.{operation}"),
                property.to_string(),
            ),
        }
    }

    /// The inverse of [`Target::parts`].
    pub fn from_parts(kind: &str, object: &str, item: &str) -> Result<Target, String> {
        let id = |s: &str| Ident::parse(s);
        let op = || {
            let (s, o) = object
                .split_once('.')
                .ok_or_else(|| format!("operation {object:?} is not service.operation"))?;
            Ok::<_, String>((id(s)?, id(o)?))
        };
        Ok(match kind {
            "table" => Target::Table { table: id(object)? },
            "column" => Target::Column {
                table: id(object)?,
                column: id(item)?,
            },
            "operation" => {
                let (service, operation) = op()?;
                Target::Operation { service, operation }
            }
            "property" => {
                let (service, operation) = op()?;
                Target::Property {
                    service,
                    operation,
                    property: id(item)?,
                }
            }
            other => return Err(format!("unknown grant kind {other:?}")),
        })
    }

    /// The custodian entity that owns the target, checking that the target exists.
    pub fn custodian<'c>(&self, catalog: &'c Catalog) -> Result<&'c Ident, String> {
        match self {
            Target::Table { table } => catalog
                .table(table.as_str())
                .map(|t| t.custodian())
                .ok_or_else(|| format!("unknown table {table}")),
            Target::Column { table, column } => {
                let t = catalog
                    .table(table.as_str())
                    .ok_or_else(|| format!("unknown table {table}"))?;
                t.column(column.as_str())
                    .ok_or_else(|| format!("table {table} has no column {column}"))?;
                Ok(t.custodian())
            }
            Target::Operation { service, operation } => {
                Ok(&find_service(catalog, service, operation)?.custodian)
            }
            Target::Property {
                service,
                operation,
                property,
            } => {
                let s = find_service(catalog, service, operation)?;
                if !s.properties.iter().any(|p| p.name == *property) {
                    return Err(format!(
                        "operation {service}.{operation} has no output property {property}"
                    ));
                }
                Ok(&s.custodian)
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Table { table } => write!(f, "table {table}"),
            Target::Column { table, column } => write!(f, "column {table}.{column}"),
            Target::Operation { service, operation } => {
                write!(f, "operation {service}.{operation}")
            }
            Target::Property {
                service,
                operation,
                property,
            } => write!(f, "property {service}.{operation}.{property}"),
        }
    }
}

pub fn find_service<'c>(
    catalog: &'c Catalog,
    service: &Ident,
    operation: &Ident,
) -> Result<&'c Service, String> {
    catalog
        .services
        .iter()
        .find(|s| s.service == *service && s.operation == *operation)
        .ok_or_else(|| format!("unknown operation {service}.{operation}"))
}

/// Who is acting: a portal user, a machine client, or the operator at the command line (who
/// holds the database credentials and so acts as a super admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        username: String,
        role: Role,
        entity: Option<Ident>,
    },
    Client {
        client_id: String,
        entity: Ident,
    },
    Operator {
        name: String,
    },
    /// A citizen signed in to the social registry with their national number, ID card and a
    /// code sent to their mobile: they reach their own household's application and nothing
    /// else (no entity, no grants).
    Citizen {
        national_number: String,
    },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::Client { .. } => "client",
            Actor::Operator { .. } => "operator",
            Actor::Citizen { .. } => "citizen",
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Actor::User { username, .. } => username,
            Actor::Client { client_id, .. } => client_id,
            Actor::Operator { name } => name,
            Actor::Citizen { national_number } => national_number,
        }
    }
    /// The entity the actor acts for (none for operators and super admins).
    pub fn entity(&self) -> Option<&Ident> {
        match self {
            Actor::User { entity, .. } => entity.as_ref(),
            Actor::Client { entity, .. } => Some(entity),
            Actor::Operator { .. } | Actor::Citizen { .. } => None,
        }
    }
    /// Whether the actor administers every entity (the operator and the Super Admin).
    pub fn administers_all(&self) -> bool {
        matches!(
            self,
            Actor::Operator { .. }
                | Actor::User {
                    role: Role::SuperAdmin,
                    ..
                }
        )
    }

    /// Whether the actor may administer `entity` (its grants as custodian, its clients and
    /// procedures as consumer).
    pub fn administers(&self, entity: &Ident) -> bool {
        match self {
            Actor::Operator { .. } => true,
            Actor::User {
                role: Role::SuperAdmin,
                ..
            } => true,
            Actor::User {
                role: Role::EntityAdmin,
                entity: Some(e),
                ..
            } => e == entity,
            _ => false,
        }
    }
}

/// A request to grant or revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantChange {
    pub consumer: Ident,
    pub target: Target,
}

impl GrantChange {
    /// Checks the change against the catalog and the actor's rights; returns the custodian.
    pub fn check<'c>(&self, catalog: &'c Catalog, actor: &Actor) -> Result<&'c Ident, GrantError> {
        let custodian = self
            .target
            .custodian(catalog)
            .map_err(GrantError::Unknown)?;
        if catalog.entity(self.consumer.as_str()).is_none() {
            return Err(GrantError::Unknown(format!(
                "unknown entity {}",
                self.consumer
            )));
        }
        if self.consumer == *custodian {
            return Err(GrantError::Unknown(format!(
                "{} is the custodian of {}; a custodian always sees its own data",
                custodian, self.target
            )));
        }
        if !actor.administers(custodian) {
            return Err(GrantError::Forbidden(format!(
                "only an admin of {custodian} (or a super admin) may change grants on {}",
                self.target
            )));
        }
        Ok(custodian)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    Unknown(String),
    #[error("{0}")]
    Forbidden(String),
}

/// The grants one consumer entity holds, with the precedence rule applied.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    entity: Option<Ident>,
    held: HashSet<Target>,
}

impl Grants {
    pub fn new(entity: Ident, held: impl IntoIterator<Item = Target>) -> Grants {
        Grants {
            entity: Some(entity),
            held: held.into_iter().collect(),
        }
    }

    pub fn entity(&self) -> Option<&Ident> {
        self.entity.as_ref()
    }

    fn owns(&self, custodian: &Ident) -> bool {
        self.entity.as_ref() == Some(custodian)
    }

    pub fn table(&self, catalog: &Catalog, table: &Ident) -> bool {
        match catalog.table(table.as_str()) {
            Some(t) if self.owns(t.custodian()) => true,
            Some(_) => self.held.contains(&Target::Table {
                table: table.clone(),
            }),
            None => false,
        }
    }

    pub fn column(&self, catalog: &Catalog, table: &Ident, column: &Ident) -> bool {
        let Some(t) = catalog.table(table.as_str()) else {
            return false;
        };
        if t.column(column.as_str()).is_none() {
            return false;
        }
        self.owns(t.custodian())
            || (self.table(catalog, table)
                && self.held.contains(&Target::Column {
                    table: table.clone(),
                    column: column.clone(),
                }))
    }

    pub fn operation(&self, catalog: &Catalog, service: &Ident, operation: &Ident) -> bool {
        match find_service(catalog, service, operation) {
            Ok(s) if self.owns(&s.custodian) => true,
            Ok(_) => self.held.contains(&Target::Operation {
                service: service.clone(),
                operation: operation.clone(),
            }),
            Err(_) => false,
        }
    }

    pub fn property(
        &self,
        catalog: &Catalog,
        service: &Ident,
        operation: &Ident,
        property: &Ident,
    ) -> bool {
        let Ok(s) = find_service(catalog, service, operation) else {
            return false;
        };
        if !s.properties.iter().any(|p| p.name == *property) {
            return false;
        }
        self.owns(&s.custodian)
            || (self.operation(catalog, service, operation)
                && self.held.contains(&Target::Property {
                    service: service.clone(),
                    operation: operation.clone(),
                    property: property.clone(),
                }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }
    fn column(t: &str, c: &str) -> Target {
        Target::Column {
            table: id(t),
            column: id(c),
        }
    }
    fn table(t: &str) -> Target {
        Target::Table { table: id(t) }
    }

    #[test]
    fn a_column_needs_both_the_table_and_the_column_grant() {
        let c = Catalog::jordan();
        let (t, col) = (id("DVLD_Car_Info"), id("Vehicle_Type"));
        let only_column = Grants::new(id("NAF"), [column("DVLD_Car_Info", "Vehicle_Type")]);
        assert!(!only_column.column(&c, &t, &col));
        let only_table = Grants::new(id("NAF"), [table("DVLD_Car_Info")]);
        assert!(only_table.table(&c, &t) && !only_table.column(&c, &t, &col));
        let both = Grants::new(
            id("NAF"),
            [
                table("DVLD_Car_Info"),
                column("DVLD_Car_Info", "Vehicle_Type"),
            ],
        );
        assert!(both.column(&c, &t, &col));
        assert!(!both.column(&c, &t, &id("Model_Year")));
        let owner = Grants::new(id("DVLD"), []);
        assert!(
            owner.column(&c, &t, &col),
            "a custodian sees its own tables"
        );
    }

    #[test]
    fn a_property_needs_both_the_operation_and_the_property_grant() {
        let c = Catalog::jordan();
        let (s, o, p) = (id("CSPD"), id("getDeath_ACTIONs"), id("Death_Date"));
        let prop = Target::Property {
            service: s.clone(),
            operation: o.clone(),
            property: p.clone(),
        };
        let op = Target::Operation {
            service: s.clone(),
            operation: o.clone(),
        };
        assert!(!Grants::new(id("NAF"), [prop.clone()]).property(&c, &s, &o, &p));
        assert!(!Grants::new(id("NAF"), [op.clone()]).property(&c, &s, &o, &p));
        assert!(Grants::new(id("NAF"), [op, prop]).property(&c, &s, &o, &p));
    }

    #[test]
    fn only_the_custodians_admin_changes_its_grants() {
        let c = Catalog::jordan();
        let change = GrantChange {
            consumer: id("NAF"),
            target: table("DVLD_Car_Info"),
        };
        let admin = |e: &str| Actor::User {
            username: "a".into(),
            role: Role::EntityAdmin,
            entity: Some(id(e)),
        };
        assert_eq!(change.check(&c, &admin("DVLD")).unwrap().as_str(), "DVLD");
        assert!(matches!(
            change.check(&c, &admin("NAF")),
            Err(GrantError::Forbidden(_))
        ));
        let user = Actor::User {
            username: "u".into(),
            role: Role::EntityUser,
            entity: Some(id("DVLD")),
        };
        assert!(matches!(
            change.check(&c, &user),
            Err(GrantError::Forbidden(_))
        ));
        let op = Actor::Operator { name: "ops".into() };
        assert!(change.check(&c, &op).is_ok());
        let unknown = GrantChange {
            consumer: id("NAF"),
            target: column("DVLD_Car_Info", "Nope"),
        };
        assert!(unknown
            .check(&c, &op)
            .unwrap_err()
            .to_string()
            .contains("no column Nope"));
    }

    #[test]
    fn parts_round_trip() {
        for t in [
            table("A"),
            column("A", "B"),
            Target::Operation {
                service: id("S"),
                operation: id("O"),
            },
            Target::Property {
                service: id("S"),
                operation: id("O"),
                property: id("P"),
            },
        ] {
            let (k, o, i) = t.parts();
            assert_eq!(Target::from_parts(k, &o, &i).unwrap(), t);
        }
        assert!(Target::from_parts("table", "x; DROP", "").is_err());
    }
}
