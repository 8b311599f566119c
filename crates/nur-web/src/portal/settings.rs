//! Settings: entities and the catalog (registries, tables, columns; read-only), users
//! (create, disable, enable, reset the second factor) and API clients (create, rotate,
//! revoke; a secret is shown once). An Entity Admin manages its own entity's users and
//! clients; the Super Admin every entity's. Every change is audited.

use super::i18n::Lang;
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_core::account::{hash_password, NewAccount, Role};
use nur_core::Ident;
use nur_store::{AccountChange, ClientChange, Warehouse};

fn scope(v: &Visit) -> Option<String> {
    let a = v.account();
    match a.role {
        Role::SuperAdmin => None,
        _ => a.entity.clone(),
    }
}

fn tabs(lang: Lang, current: &str) -> Markup {
    html! {
        nav.tabs aria-label=(lang.t("menu-settings")) {
            @for (href, key) in [("/account", "account-title"), ("/settings/entity", "entity-title"), ("/settings/catalog", "catalog-title"), ("/settings/users", "users-title"), ("/settings/clients", "clients-title")] {
                a href=(href) aria-current=[(href == current).then_some("page")] { (lang.t(key)) }
            }
        }
    }
}

pub async fn catalog(State(s): State<AppState>, Extension(v): Extension<Visit>) -> Html<String> {
    let lang = v.lang;
    let c = &s.catalog;
    let title = lang.t("catalog-title");
    let pick = |en: &str, ar: &str| {
        if lang == Lang::Ar {
            ar.to_owned()
        } else {
            en.to_owned()
        }
    };
    let body = html! {
        (tabs(lang, "/settings/catalog"))
        h2 { (lang.t("entities-heading")) }
        div.grid { table {
            thead { tr { th scope="col" { (lang.t("col-code")) } th scope="col" { (lang.t("col-name")) } th scope="col" { (lang.t("count-tables")) } } }
            tbody { @for e in &c.entities {
                tr {
                    td { (e.code) }
                    td { (pick(&e.name_en, &e.name_ar)) }
                    td { (lang.number(c.tables.iter().filter(|t| t.custodian() == &e.code).count() as i64)) }
                }
            } }
        } }
        h2 { (lang.t("tables-heading")) }
        @for t in &c.tables {
            details {
                summary { bdi { (t.name) } " — " (pick(&t.label_en, &t.label_ar)) " (" (t.custodian()) ", " (t.registry) ")" }
                table {
                    thead { tr { th scope="col" { (lang.t("col-column")) } th scope="col" { (lang.t("col-label")) } th scope="col" { (lang.t("col-type")) } } }
                    tbody { @for col in &t.columns {
                        tr {
                            td { bdi { (col.name) } @if t.key.contains(&col.name) { " 🔑" } }
                            td { (pick(&col.label_en, &col.label_ar)) }
                            td { (col.ty.name()) @if col.required { " *" } }
                        }
                    } }
                }
            }
        }
    };
    Html(
        layout::page(
            &s,
            &v,
            &title,
            "/settings/catalog",
            &[
                (lang.t("menu-settings"), Some("/account".into())),
                (title.clone(), None),
            ],
            body,
        )
        .into_string(),
    )
}

pub async fn users(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Html<String>, ApiError> {
    render_users(s, v, None).await
}

async fn render_users(
    s: AppState,
    v: Visit,
    note: Option<(bool, String)>,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let st = s.clone();
    let sc = scope(&v);
    let list =
        blocking(move || st.store.account_list(sc.as_deref()).map_err(ApiError::from)).await?;
    let title = lang.t("users-title");
    let super_admin = v.account().role == Role::SuperAdmin;
    let body = html! {
        (tabs(lang, "/settings/users"))
        @if let Some((ok, text)) = &note { (layout::flash(Some(text), !ok)) }
        div.grid { table #users {
            thead { tr {
                @for h in ["label-username", "col-name", "label-group", "label-entity", "col-status", "col-actions"] { th scope="col" { (lang.t(h)) } }
            } }
            tbody { @for a in &list {
                tr {
                    td { bdi { (a.username) } }
                    td { (a.display_name) }
                    td { (lang.t(layout::role_key(a.role))) }
                    td { (a.entity.as_deref().unwrap_or("—")) }
                    td { (lang.t(if a.disabled { "status-disabled" } else { "status-active" })) @if a.totp_secret.is_some() { " · TOTP" } }
                    td {
                        @if a.username != v.account().username {
                            form.inline method="post" action="/settings/users" {
                                input type="hidden" name="csrf" value=(v.session.csrf);
                                input type="hidden" name="username" value=(a.username);
                                @if a.disabled {
                                    button type="submit" name="action" value="enable" { (lang.t("user-enable")) }
                                } @else {
                                    button type="submit" name="action" value="disable" { (lang.t("user-disable")) }
                                }
                                button type="submit" name="action" value="reset_factor" { (lang.t("user-reset-factor")) }
                            }
                        }
                    }
                }
            } }
        } }
        h2 { (lang.t("user-create")) }
        form.card method="post" action="/settings/users" {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="action" value="create";
            label for="u-username" { (lang.t("label-username")) }
            input #u-username name="username" type="text" pattern="[A-Za-z][A-Za-z0-9_.-]{2,39}" required;
            label for="u-display" { (lang.t("col-name")) }
            input #u-display name="display_name" type="text" required;
            label for="u-role" { (lang.t("label-group")) }
            select #u-role name="role" {
                option value="entity_user" { (lang.t("role-entity-user")) }
                option value="entity_admin" { (lang.t("role-entity-admin")) }
                @if super_admin { option value="super_admin" { (lang.t("role-super-admin")) } }
            }
            @if super_admin {
                label for="u-entity" { (lang.t("label-entity")) }
                select #u-entity name="entity" {
                    @for e in &s.catalog.entities { option value=(e.code) { (e.code) } }
                }
            }
            label for="u-contact" { (lang.t("user-contact")) }
            input #u-contact name="contact" type="text";
            button type="submit" { (lang.t("user-create")) }
        }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            "/settings/users",
            &[
                (lang.t("menu-settings"), Some("/account".into())),
                (title.clone(), None),
            ],
            body,
        )
        .into_string(),
    ))
}

pub async fn users_post(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let st = s.clone();
    let vv = v.clone();
    let note = blocking(move || {
        let v = vv;
        let lang = v.lang;
        let me = v.account().clone();
        let action = v.field("action").unwrap_or("");
        let username = v.field("username").unwrap_or("").trim().to_owned();
        let mut ev = v
            .caller()
            .event(&format!("account.{action}"), format!("account:{username}"));
        if action == "create" {
            let role = match (v.field("role"), me.role) {
                (Some("super_admin"), Role::SuperAdmin) => Role::SuperAdmin,
                (Some("entity_admin"), _) => Role::EntityAdmin,
                (Some("entity_user"), _) => Role::EntityUser,
                _ => return Ok((false, lang.t("error-forbidden"))),
            };
            let entity = match (role, me.role) {
                (Role::SuperAdmin, _) => None,
                (_, Role::SuperAdmin) => v
                    .field("entity")
                    .map(str::to_owned)
                    .filter(|e| st.catalog.entity(e).is_some()),
                _ => me.entity.clone(),
            };
            let valid = username.len() >= 3
                && username.len() <= 40
                && username
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !valid || (role != Role::SuperAdmin && entity.is_none()) {
                return Ok((false, lang.t("user-invalid")));
            }
            if st
                .store
                .account(&username)
                .map_err(ApiError::from)?
                .is_some()
            {
                return Ok((false, lang.t("user-exists")));
            }
            let password = crate::auth::random_password().map_err(|e| ApiError::internal(e.0))?;
            let mut salt = [0u8; 16];
            getrandom::fill(&mut salt)
                .map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
            st.store
                .put_account(&NewAccount {
                    username: username.clone(),
                    display_name: v.field("display_name").unwrap_or("").trim().to_owned(),
                    role,
                    entity: entity.clone(),
                    password_hash: hash_password(&password, &salt)
                        .map_err(|e| ApiError::internal(e.to_string()))?,
                })
                .map_err(ApiError::from)?;
            if let Some(c) = v.field("contact").map(str::trim).filter(|c| !c.is_empty()) {
                st.store
                    .change_account(&username, &AccountChange::Contact(Some(c.to_owned())))
                    .map_err(ApiError::from)?;
            }
            ev.entity = entity;
            st.store.audit(ev).map_err(ApiError::from)?;
            return Ok((
                true,
                lang.tf(
                    "user-created",
                    &[("username", &username), ("password", &password)],
                ),
            ));
        }
        let Some(target) = st.store.account(&username).map_err(ApiError::from)? else {
            return Ok((false, lang.t("user-invalid")));
        };
        let allowed = target.username != me.username
            && match me.role {
                Role::SuperAdmin => true,
                _ => target.role != Role::SuperAdmin && target.entity == me.entity,
            };
        if !allowed {
            return Ok((false, lang.t("error-forbidden")));
        }
        let change = match action {
            "disable" => AccountChange::Disabled(true),
            "enable" => AccountChange::Disabled(false),
            "reset_factor" => AccountChange::Totp { secret: None },
            _ => return Ok((false, lang.t("error-forbidden"))),
        };
        st.store
            .change_account(&username, &change)
            .map_err(ApiError::from)?;
        ev.entity = target.entity.clone();
        st.store.audit(ev).map_err(ApiError::from)?;
        Ok((true, lang.tf("user-changed", &[("username", &username)])))
    })
    .await?;
    Ok(render_users(s, v, Some(note)).await?.into_response())
}

pub async fn clients(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Html<String>, ApiError> {
    render_clients(s, v, None).await
}

async fn render_clients(
    s: AppState,
    v: Visit,
    note: Option<(bool, String)>,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let st = s.clone();
    let sc = scope(&v);
    let list = blocking(move || st.store.clients(sc.as_deref()).map_err(ApiError::from)).await?;
    let title = lang.t("clients-title");
    let super_admin = v.account().role == Role::SuperAdmin;
    let body = html! {
        (tabs(lang, "/settings/clients"))
        @if let Some((ok, text)) = &note { p class=(if *ok { "flash ok" } else { "flash error" }) role="status" #client-note { (text) } }
        div.grid { table #clients {
            thead { tr {
                @for h in ["client-id", "label-entity", "col-name", "col-status", "col-actions"] { th scope="col" { (lang.t(h)) } }
            } }
            tbody { @for c in &list {
                tr {
                    td { code { (c.client_id) } }
                    td { (c.entity) }
                    td { (c.name) }
                    td { @if c.revoked_at_ms.is_some() { (lang.t("status-revoked")) } @else { (lang.t("status-active")) " · v" (lang.number(c.generation)) } }
                    td {
                        @if c.revoked_at_ms.is_none() {
                            form.inline method="post" action="/settings/clients" {
                                input type="hidden" name="csrf" value=(v.session.csrf);
                                input type="hidden" name="client_id" value=(c.client_id);
                                button type="submit" name="action" value="rotate" { (lang.t("client-rotate")) }
                                button type="submit" name="action" value="revoke" { (lang.t("client-revoke")) }
                            }
                        }
                    }
                }
            } }
        } }
        h2 { (lang.t("client-create")) }
        form.card method="post" action="/settings/clients" {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="action" value="create";
            @if super_admin {
                label for="c-entity" { (lang.t("label-entity")) }
                select #c-entity name="entity" { @for e in &s.catalog.entities { option value=(e.code) { (e.code) } } }
            }
            label for="c-name" { (lang.t("col-name")) }
            input #c-name name="name" type="text" required;
            label for="c-allow" { (lang.t("client-allow")) }
            input #c-allow name="allow" type="text" placeholder="10.0.0.0/8, 192.168.1.7";
            button type="submit" { (lang.t("client-create")) }
        }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            "/settings/clients",
            &[
                (lang.t("menu-settings"), Some("/account".into())),
                (title.clone(), None),
            ],
            body,
        )
        .into_string(),
    ))
}

pub async fn clients_post(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let st = s.clone();
    let vv = v.clone();
    let note = blocking(move || {
        let v = vv;
        let lang = v.lang;
        let me = v.account().clone();
        let action = v.field("action").unwrap_or("");
        if action == "create" {
            let entity = match me.role {
                Role::SuperAdmin => v.field("entity").unwrap_or("").to_owned(),
                _ => me.entity.clone().unwrap_or_default(),
            };
            let Ok(entity) = Ident::parse(&entity) else {
                return Ok((false, lang.t("error-forbidden")));
            };
            if st.catalog.entity(entity.as_str()).is_none() {
                return Ok((false, lang.t("error-forbidden")));
            }
            let allow: Vec<String> = v
                .field("allow")
                .unwrap_or("")
                .split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect();
            let (row, secret) =
                match crate::auth::new_client(&entity, v.field("name").unwrap_or("").trim(), allow)
                {
                    Ok(x) => x,
                    Err(e) => return Ok((false, e.0)),
                };
            let mut ev = v.caller().event("client.create", row.client_id.clone());
            ev.entity = Some(entity.to_string());
            st.store.create_client(&row, ev).map_err(ApiError::from)?;
            return Ok((
                true,
                lang.tf(
                    "client-secret-once",
                    &[("id", &row.client_id), ("secret", &secret)],
                ),
            ));
        }
        let id = v.field("client_id").unwrap_or("").to_owned();
        let Some(c) = st.store.client(&id).map_err(ApiError::from)? else {
            return Ok((false, lang.t("error-forbidden")));
        };
        if me.role != Role::SuperAdmin && me.entity.as_deref() != Some(c.entity.as_str()) {
            return Ok((false, lang.t("error-forbidden")));
        }
        let mut ev = v.caller().event(&format!("client.{action}"), id.clone());
        ev.entity = Some(c.entity.clone());
        match action {
            "rotate" => {
                let (secret, hash) =
                    crate::auth::new_secret().map_err(|e| ApiError::internal(e.0))?;
                st.store
                    .change_client(&id, &ClientChange::Rotate { secret_hash: hash }, ev)
                    .map_err(ApiError::from)?;
                Ok((
                    true,
                    lang.tf("client-secret-once", &[("id", &id), ("secret", &secret)]),
                ))
            }
            "revoke" => {
                st.store
                    .change_client(&id, &ClientChange::Revoke, ev)
                    .map_err(ApiError::from)?;
                Ok((true, lang.tf("client-revoked", &[("id", &id)])))
            }
            _ => Ok((false, lang.t("error-forbidden"))),
        }
    })
    .await?;
    Ok(render_clients(s, v, Some(note)).await?.into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct EntityQuery {
    #[serde(default)]
    entity: Option<String>,
}

/// The entity whose settings are shown: the admin's own, or for the Super Admin the one asked.
fn settings_entity(v: &Visit, asked: Option<&str>, s: &AppState) -> Option<String> {
    match v.account().role {
        Role::SuperAdmin => asked
            .filter(|e| s.catalog.entity(e).is_some())
            .map(str::to_owned)
            .or_else(|| s.catalog.entities.first().map(|e| e.code.to_string())),
        _ => v.account().entity.clone(),
    }
}

pub async fn entity(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    axum::extract::Query(q): axum::extract::Query<EntityQuery>,
) -> Result<Html<String>, ApiError> {
    render_entity(
        s.clone(),
        v.clone(),
        settings_entity(&v, q.entity.as_deref(), &s),
        None,
    )
    .await
}

async fn render_entity(
    s: AppState,
    v: Visit,
    entity: Option<String>,
    note: Option<String>,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let Some(entity) = entity else {
        return Err(ApiError::forbidden("no_entity", "no entity"));
    };
    let st = s.clone();
    let e = entity.clone();
    let (settings, sources) = blocking(move || {
        let settings = st.store.entity_settings(&e).map_err(ApiError::from)?;
        let sources: Vec<_> = st
            .store
            .sources()
            .map_err(ApiError::from)?
            .into_iter()
            .filter(|x| x.entity == e)
            .collect();
        Ok((settings, sources))
    })
    .await?;
    let super_admin = v.account().role == Role::SuperAdmin;
    let title = lang.t("entity-title");
    let now = super::session::now_ms();
    let body = html! {
        (tabs(lang, "/settings/entity"))
        @if super_admin {
            form.filters method="get" action="/settings/entity" {
                label for="e-pick" { (lang.t("label-entity")) }
                select #e-pick name="entity" { @for x in &s.catalog.entities { option value=(x.code) selected[x.code.as_str() == entity] { (x.code) } } }
                button type="submit" { (lang.t("filter-apply")) }
            }
        }
        @if let Some(n) = &note { (layout::flash(Some(n), false)) }
        h2 { (entity) }
        form.card method="post" action="/settings/entity" {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="entity" value=(entity);
            label { input type="checkbox" name="purpose_required" value="1" checked[settings.purpose_required]; " " (lang.t("entity-purpose-required")) }
            label { input type="checkbox" name="access_withheld" value="1" checked[settings.access_withheld] disabled[!super_admin]; " " (lang.t("entity-access-withheld")) }
            button type="submit" { (lang.t("update")) }
        }
        h2 { (lang.t("sources-heading")) }
        @if sources.is_empty() { p { (lang.t("sources-none")) } }
        div.grid { table #sources {
            thead { tr { @for h in ["col-name", "col-type", "source-last-event", "source-lag", "source-counts", "col-status"] { th scope="col" { (lang.t(h)) } } } }
            tbody { @for x in &sources {
                tr {
                    td { bdi { (x.name) } }
                    td { (x.kind) }
                    td { (x.last_event_ms.map(|t| lang.datetime(t, &s.portal.time_zone)).unwrap_or_else(|| "—".into())) }
                    td { (x.lag_ms.map(|l| lang.ta("source-lag-value", &[("ms", l.into())])).unwrap_or_else(|| "—".into())) }
                    td { (lang.ta("source-counts-value", &[("events", x.events_total.into()), ("applied", x.applied_total.into()), ("dead", x.errors_total.into())])) }
                    td {
                        @match &x.last_error {
                            Some(err) => span.error { (err) },
                            None => (x.last_applied_ms.map(|t| lang.ta("source-applied-ago", &[("seconds", ((now - t) / 1000).into())])).unwrap_or_else(|| lang.t("source-waiting"))),
                        }
                    }
                }
            } }
        } }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            "/settings/entity",
            &[
                (lang.t("menu-settings"), Some("/account".into())),
                (title.clone(), None),
            ],
            body,
        )
        .into_string(),
    ))
}

pub async fn entity_post(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let Some(entity) = settings_entity(&v, v.field("entity"), &s) else {
        return Err(ApiError::forbidden("no_entity", "no entity"));
    };
    let st = s.clone();
    let vv = v.clone();
    let e = entity.clone();
    blocking(move || {
        let current = st.store.entity_settings(&e).map_err(ApiError::from)?;
        let next = nur_store::EntitySettings {
            purpose_required: vv.field("purpose_required") == Some("1"),
            // Hiding an entity's accesses from citizens is for the platform, not the entity.
            access_withheld: if vv.account().role == Role::SuperAdmin {
                vv.field("access_withheld") == Some("1")
            } else {
                current.access_withheld
            },
        };
        let mut ev = vv.caller().event("entity.settings", format!("entity:{e}"));
        ev.entity = Some(e.clone());
        ev.outcome = format!(
            "ok; purpose_required={}, access_withheld={}",
            next.purpose_required, next.access_withheld
        );
        st.store
            .set_entity_settings(&e, next, ev)
            .map_err(ApiError::from)
    })
    .await?;
    let note = v.lang.t("entity-saved");
    Ok(render_entity(s, v, Some(entity), Some(note))
        .await?
        .into_response())
}
