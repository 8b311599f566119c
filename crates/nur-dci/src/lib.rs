//! DCI (Digital Convergence Initiative) interoperability: the CRVS registry over the
//! civil-status tables and the Social Registry over NUR-SP's households (`sr`), served with
//! sync and async search, subscriptions fed by ingestion and intake, and transaction status. Messages are read liberally and written exactly (`envelope`),
//! criteria are told apart by their shape (`criteria`), a search becomes a query spec and a
//! person's granted rows a `CRVSPerson` (`crvs`), signatures follow each partner's scheme
//! (`sign`), `service` answers each endpoint through `nur-app`'s use cases (a DCI sender is an
//! API client of a consumer entity and sees what that entity was granted), and `worker`
//! sends what the outbox holds. No SQL and no HTTP routing here: the store keeps the
//! messages, `nur-web` mounts the routes.

pub mod client;
pub mod criteria;
pub mod crvs;
pub mod envelope;
pub mod partner_in;
pub mod service;
pub mod sign;
pub mod sr;
pub mod worker;

pub use crvs::CrvsDef;
pub use service::{join_uri, Dci, Endpoint, Registry, Reply};
pub use worker::Backoff;
