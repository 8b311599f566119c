//! Settings: entities and the catalog (registries, tables, columns; read-only), users
//! (create, disable, enable, reset the second factor) and API clients (create, rotate,
//! revoke; a secret is shown once). An Entity Admin manages its own entity's users and
//! clients; the Super Admin every entity's. Every change is audited.

use super::i18n::Lang;
use super::{confirm, layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{NewUser, SettingsChange, UserChange};
use nur_core::account::Role;

/// The message key a refused change shows.
fn refusal_key(e: &nur_app::AppError) -> &'static str {
    match e.code {
        "invalid_username" | "unknown_entity" | "account_not_found" => "user-invalid",
        "account_exists" => "user-exists",
        _ => "error-forbidden",
    }
}

fn tabs(lang: Lang, current: &str) -> Markup {
    html! {
        nav.tabs aria-label=(lang.t("menu-settings")) {
            // Users first, where the menu's Settings opens; one's own second factor last.
            @for (href, key) in [("/settings/users", "users-title"), ("/settings/clients", "clients-title"), ("/settings/entity", "entity-title"), ("/settings/catalog", "catalog-title"), ("/account", "account-title")] {
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
        div.grid tabindex="0" role="region" aria-label=(lang.t("catalog-title")) { table {
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
                summary { bdi { (t.name) } " — " (pick(&t.label_en, &t.label_ar)) " (" (t.custodian()) ", " (c.registries.iter().find(|r| r.code == t.registry).map_or(t.registry.clone(), |r| pick(&r.name_en, &r.name_ar))) ")" }
                table {
                    thead { tr { th scope="col" { (lang.t("col-column")) } th scope="col" { (lang.t("col-label")) } th scope="col" { (lang.t("col-type")) } } }
                    tbody { @for col in &t.columns {
                        tr {
                            td { bdi { (col.name) } @if t.key.contains(&col.name) { " 🔑" } }
                            td { (pick(&col.label_en, &col.label_ar)) }
                            td { (super::reasons::type_word(lang, col.ty.name())) @if col.required { " *" } }
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
                (lang.t("menu-settings"), Some("/settings/users".into())),
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
    let (st, caller) = (s.clone(), v.caller());
    let list = blocking(move || Ok(st.app.users(&caller)?)).await?;
    let title = lang.t("users-title");
    let super_admin = v.account().role == Role::SuperAdmin;
    let body = html! {
        (tabs(lang, "/settings/users"))
        @if let Some((ok, text)) = &note { (layout::flash(Some(text), !ok)) }
        div.grid tabindex="0" role="region" aria-label=(lang.t("users-title")) { table #users {
            thead { tr {
                @for h in ["label-username", "col-name", "label-group", "label-entity", "col-status", "col-actions"] { th scope="col" { (lang.t(h)) } }
            } }
            tbody { @for a in &list {
                tr {
                    td { bdi { (a.username) } }
                    td { bdi { (a.display_name) } }
                    td { (lang.t(layout::role_key(a.role))) }
                    td { (a.entity.as_deref().unwrap_or("—")) }
                    td { (lang.t(if a.disabled { "status-disabled" } else { "status-active" })) @if a.totp_secret.is_some() { " · " (lang.t("status-authenticator")) } }
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
                @if super_admin {
                    option value="super_admin" { (lang.t("role-super-admin")) }
                    option value="auditor" { (lang.t("role-auditor")) }
                }
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
                (lang.t("menu-settings"), Some("/settings/users".into())),
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
    let action = v.field("action").unwrap_or("");
    if matches!(action, "disable" | "reset_factor") && confirm::needed(&v) {
        let username = v.field("username").unwrap_or("").trim();
        let lang = v.lang;
        let question = lang.tf(&format!("confirm-user-{action}"), &[("username", username)]);
        let button = lang.t(&format!("user-{}", action.replace('_', "-")));
        let fields = [("action", action), ("username", username)];
        return Ok(
            confirm::page(&s, &v, "/settings/users", &question, &fields, &button).into_response(),
        );
    }
    let st = s.clone();
    let vv = v.clone();
    let note = blocking(move || {
        let v = vv;
        let lang = v.lang;
        let caller = v.caller();
        let action = v.field("action").unwrap_or("");
        let username = v.field("username").unwrap_or("").trim().to_owned();
        if action == "create" {
            let role = match v.field("role") {
                Some("super_admin") => Role::SuperAdmin,
                Some("entity_admin") => Role::EntityAdmin,
                Some("entity_user") => Role::EntityUser,
                Some("auditor") => Role::Auditor,
                _ => return Ok((false, lang.t("error-forbidden"))),
            };
            let created = st.app.create_user(
                &caller,
                NewUser {
                    username: username.clone(),
                    display_name: v.field("display_name").unwrap_or("").to_owned(),
                    role,
                    // Only the Super Admin's form names an entity (for the roles that have
                    // one); an Entity Admin's users are of the admin's own entity.
                    entity: (v.account().role == Role::SuperAdmin
                        && !matches!(role, Role::SuperAdmin | Role::Auditor))
                    .then(|| v.field("entity").map(str::to_owned))
                    .flatten(),
                    contact: v.field("contact").map(str::to_owned),
                    password: None,
                    replace: false,
                },
            );
            return Ok(match created {
                Ok(password) => (
                    true,
                    lang.tf(
                        "user-created",
                        &[("username", &username), ("password", &password)],
                    ),
                ),
                Err(e) => (false, lang.t(refusal_key(&e))),
            });
        }
        let Some(change) = UserChange::parse(action) else {
            return Ok((false, lang.t("error-forbidden")));
        };

        Ok(match st.app.change_user(&caller, &username, change) {
            Ok(()) => (true, lang.tf("user-changed", &[("username", &username)])),
            Err(e) => (false, lang.t(refusal_key(&e))),
        })
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
    let (st, caller) = (s.clone(), v.caller());
    let list = blocking(move || Ok(st.app.clients(&caller, None)?)).await?;
    let title = lang.t("clients-title");
    let super_admin = v.account().role == Role::SuperAdmin;
    let body = html! {
        (tabs(lang, "/settings/clients"))
        @if let Some((ok, text)) = &note { p class=(if *ok { "flash ok" } else { "flash error" }) role="status" #client-note { (text) } }
        div.grid tabindex="0" role="region" aria-label=(lang.t("clients-title")) { table #clients {
            thead { tr {
                @for h in ["client-id", "label-entity", "col-name", "col-status", "col-actions"] { th scope="col" { (lang.t(h)) } }
            } }
            tbody { @for c in &list {
                tr {
                    td { code { (c.client_id) } }
                    td { bdi { (c.entity) } }
                    td { bdi { (c.name) } }
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
                (lang.t("menu-settings"), Some("/settings/users".into())),
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
    let action = v.field("action").unwrap_or("");
    if matches!(action, "rotate" | "revoke") && confirm::needed(&v) {
        let id = v.field("client_id").unwrap_or("");
        let lang = v.lang;
        let question = lang.tf(&format!("confirm-client-{action}"), &[("id", id)]);
        let button = lang.t(&format!("client-{action}"));
        let fields = [("action", action), ("client_id", id)];
        return Ok(
            confirm::page(&s, &v, "/settings/clients", &question, &fields, &button).into_response(),
        );
    }
    let st = s.clone();
    let vv = v.clone();
    let note = blocking(move || {
        let v = vv;
        let lang = v.lang;
        let caller = v.caller();
        let action = v.field("action").unwrap_or("");
        if action == "create" {
            let entity = match v.account().role {
                Role::SuperAdmin => v.field("entity").unwrap_or("").to_owned(),
                _ => v.account().entity.clone().unwrap_or_default(),
            };
            let allow: Vec<String> = v
                .field("allow")
                .unwrap_or("")
                .split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect();
            let name = v.field("name").unwrap_or("");
            return Ok(match st.app.create_client(&caller, &entity, name, allow) {
                Ok(c) => (
                    true,
                    lang.tf(
                        "client-secret-once",
                        &[("id", &c.client.client_id), ("secret", &c.secret)],
                    ),
                ),
                Err(e) if e.code == "invalid_allowlist" => (false, e.message),
                Err(_) => (false, lang.t("error-forbidden")),
            });
        }
        let id = v.field("client_id").unwrap_or("").to_owned();
        Ok(match action {
            "rotate" => match st.app.rotate_client(&caller, &id) {
                Ok(c) => (
                    true,
                    lang.tf("client-secret-once", &[("id", &id), ("secret", &c.secret)]),
                ),
                Err(_) => (false, lang.t("error-forbidden")),
            },
            "revoke" => match st.app.revoke_client(&caller, &id) {
                Ok(_) => (true, lang.tf("client-revoked", &[("id", &id)])),
                Err(_) => (false, lang.t("error-forbidden")),
            },
            _ => (false, lang.t("error-forbidden")),
        })
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
    let (st, caller) = (s.clone(), v.caller());
    let e = entity.clone();
    let (settings, sources) = blocking(move || {
        Ok((
            st.app.entity_settings(&caller, &e)?,
            st.app.entity_sources(&caller, &e)?,
        ))
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
        div.grid tabindex="0" role="region" aria-label=(lang.t("sources-heading")) { table #sources {
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
                (lang.t("menu-settings"), Some("/settings/users".into())),
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
        let super_admin = vv.account().role == Role::SuperAdmin;
        let change = SettingsChange {
            purpose_required: Some(vv.field("purpose_required") == Some("1")),
            // The checkbox is the Super Admin's alone (disabled for everyone else).
            access_withheld: super_admin.then(|| vv.field("access_withheld") == Some("1")),
        };
        st.app.set_entity_settings(&vv.caller(), &e, change)?;
        Ok(())
    })
    .await?;
    let note = v.lang.t("entity-saved");
    Ok(render_entity(s, v, Some(entity), Some(note))
        .await?
        .into_response())
}
