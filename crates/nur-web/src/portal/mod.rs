//! The portal: server-rendered, bilingual (Arabic right-to-left, English) pages for the
//! people who run NUR. It calls the same code as the APIs (grants, query plans, procedures,
//! audit) and re-implements none of it.
//!
//! Every route is declared once in [`ROUTES`] with what it needs (public, signed in, an
//! admin, a reader of the audit trail, the super admin); the router is built from that table and wraps every handler in
//! [`guard`], which loads the server-side session, enforces timeouts and the role, and checks
//! the CSRF token of every POST before the handler runs. A test walks the table.

mod actions;
mod appeals;
mod assets;
mod builder;
mod charts;
mod citizen;
mod citizen_sp;
mod confirm;
mod cycle_files;
mod cycles;
pub mod delivery;
pub(crate) mod errors;
mod freshness;
mod home;
pub mod i18n;
mod intake;
mod kept;
mod labels;
mod layout;
mod login;
mod pay_accounts;
mod procedures;
mod queries;
mod reasons;
mod records;
mod security;
mod session;
mod settings;
mod targeting;
mod upload;
mod versions;
mod words;

use crate::error::ApiError;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use i18n::Lang;
use nur_core::account::Role;
use nur_store::{AccountRow, SessionRow};
use std::net::{IpAddr, SocketAddr};

pub use delivery::{Delivery, Outbox, Smtp, SmtpTls};
pub use i18n::UnknownTimeZone;
pub use kept::KeptResults;
pub use session::{PortalConfig, DEFAULT_TIME_ZONE};

/// What a route needs from its visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone (the sign-in pages): no session until the password is right; the forms' CSRF
    /// token is a cookie of its own (double submit).
    Public,
    /// The binary's assets and the language switch: no session is read or made for them.
    Static,
    SignedIn,
    /// An Entity Admin or the Super Admin.
    Admin,
    /// Who reads the audit trail: an Entity Admin (its entity's), an Auditor or the Super
    /// Admin (everyone's).
    Audit,
    SuperAdmin,
    /// A citizen signed in to their own household's applications (no account, no role).
    Citizen,
}

pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub need: Need,
}

macro_rules! routes {
    ($($m:ident $p:literal $n:ident),* $(,)?) => {
        /// Every portal route and what it needs.
        pub const ROUTES: &[RouteSpec] = &[$(RouteSpec { method: stringify!($m), path: $p, need: Need::$n }),*];
    };
}

routes!(
    GET "/login" Public,
    POST "/login" Public,
    GET "/login/code" Public,
    POST "/login/code" Public,
    POST "/login/resend" Public,
    GET "/password/forgot" Public,
    POST "/password/forgot" Public,
    GET "/password/reset" Public,
    POST "/password/reset" Public,
    GET "/lang" Static,
    GET "/assets/app.css" Static,
    GET "/assets/app.js" Static,
    GET "/assets/logo.svg" Static,
    GET "/" SignedIn,
    POST "/logout" SignedIn,
    GET "/contact" SignedIn,
    GET "/account" SignedIn,
    POST "/account/totp" SignedIn,
    GET "/persons" SignedIn,
    GET "/procedures" SignedIn,
    POST "/procedures" SignedIn,
    GET "/settings/entity" Admin,
    POST "/settings/entity" Admin,
    GET "/settings/catalog" Admin,
    GET "/settings/users" Admin,
    POST "/settings/users" Admin,
    GET "/settings/clients" Admin,
    POST "/settings/clients" Admin,
    GET "/audit" Audit,
    GET "/sources" Admin,
    GET "/sources/{name}/dead-letters" Admin,
    GET "/security" Admin,
    GET "/security/{matrix}" Admin,
    POST "/security/{matrix}" Admin,
    GET "/queries" Admin,
    POST "/queries" Admin,
    // A kept result as a file: `csv` or `xlsx`.
    GET "/results/{id}/{format}" SignedIn,
    GET "/sp" SignedIn,
    GET "/sp/new" SignedIn,
    POST "/sp/applications" SignedIn,
    GET "/sp/applications/{id}" SignedIn,
    POST "/sp/applications/{id}" SignedIn,
    GET "/sp/programs" SignedIn,
    POST "/sp/programs" SignedIn,
    GET "/sp/programs/new" SignedIn,
    GET "/sp/programs/{code}" SignedIn,
    POST "/sp/programs/{code}/edit" SignedIn,
    POST "/sp/programs/{code}/simulate" SignedIn,
    POST "/sp/programs/{code}/publish" SignedIn,
    GET "/sp/runs/{id}" SignedIn,
    GET "/sp/households/{id}/decisions" SignedIn,
    POST "/sp/households/{id}/appeals" SignedIn,
    GET "/sp/cycles" SignedIn,
    POST "/sp/cycles" SignedIn,
    // A cycle's dashboard; `{id}.csv` its figures as CSV (a path parameter takes no suffix).
    GET "/sp/cycles/{id}" SignedIn,
    POST "/sp/cycles/{id}/approve" SignedIn,
    POST "/sp/cycles/{id}/close" SignedIn,
    POST "/sp/cycles/{id}/members/{household}" SignedIn,
    // `{provider}.xml` (pain.001) or `{provider}.csv`.
    GET "/sp/cycles/{id}/files/{file}" SignedIn,
    POST "/sp/cycles/{id}/statuses" SignedIn,
    GET "/sp/rejections" SignedIn,
    GET "/sp/accounts/{nn}" SignedIn,
    POST "/sp/accounts/{nn}" SignedIn,
    GET "/sp/appeals" SignedIn,
    GET "/sp/appeals/{id}" SignedIn,
    POST "/sp/appeals/{id}/step" SignedIn,
    GET "/sp/appeals/{id}/documents/{seq}" SignedIn,
    GET "/citizen" Public,
    POST "/citizen" Public,
    GET "/citizen/code" Public,
    POST "/citizen/code" Public,
    POST "/citizen/resend" Public,
    GET "/citizen/home" Citizen,
    GET "/citizen/access" Citizen,
    GET "/citizen/decisions" Citizen,
    GET "/citizen/account" Citizen,
    POST "/citizen/account" Citizen,
    POST "/citizen/appeals" Citizen,
    GET "/citizen/appeals/{id}" Citizen,
    GET "/citizen/appeals/{id}/documents/{seq}" Citizen,
    GET "/citizen/new" Citizen,
    POST "/citizen/applications" Citizen,
    GET "/citizen/applications/{id}" Citizen,
    POST "/citizen/applications/{id}" Citizen,
    POST "/citizen/logout" Citizen,
);

fn handler(method: &str, path: &str) -> MethodRouter<AppState> {
    match (method, path) {
        ("GET", "/login") => get(login::form),
        ("POST", "/login") => post(login::submit),
        ("GET", "/login/code") => get(login::code_form),
        ("POST", "/login/code") => post(login::code_submit),
        ("POST", "/login/resend") => post(login::resend),
        ("GET", "/password/forgot") => get(login::forgot_form),
        ("POST", "/password/forgot") => post(login::forgot_submit),
        ("GET", "/password/reset") => get(login::reset_form),
        ("POST", "/password/reset") => post(login::reset_submit),
        ("GET", "/lang") => get(session::switch_lang),
        ("GET", "/assets/app.css") => get(assets::css),
        ("GET", "/assets/app.js") => get(assets::js),
        ("GET", "/assets/logo.svg") => get(assets::logo),
        ("GET", "/") => get(home::page),
        ("POST", "/logout") => post(login::logout),
        ("GET", "/contact") => get(home::contact),
        ("GET", "/account") => get(login::account),
        ("POST", "/account/totp") => post(login::enrol_totp),
        ("GET", "/persons") => get(records::persons),
        ("GET", "/procedures") => get(procedures::page),
        ("POST", "/procedures") => post(procedures::run),
        ("GET", "/settings/entity") => get(settings::entity),
        ("POST", "/settings/entity") => post(settings::entity_post),
        ("GET", "/settings/catalog") => get(settings::catalog),
        ("GET", "/settings/users") => get(settings::users),
        ("POST", "/settings/users") => post(settings::users_post),
        ("GET", "/settings/clients") => get(settings::clients),
        ("POST", "/settings/clients") => post(settings::clients_post),
        ("GET", "/audit") => get(records::audit),
        ("GET", "/sources") => get(freshness::page),
        ("GET", "/sources/{name}/dead-letters") => get(freshness::dead_letters),
        ("GET", "/security") => get(security::index),
        ("GET", "/security/{matrix}") => get(security::matrix),
        ("POST", "/security/{matrix}") => post(security::update),
        ("GET", "/queries") => get(queries::page),
        ("POST", "/queries") => post(queries::submit),
        ("GET", "/results/{id}/{format}") => get(kept::export),
        ("GET", "/sp") => get(intake::list),
        ("GET", "/sp/new") => get(intake::new),
        ("POST", "/sp/applications") => post(intake::save_new),
        ("GET", "/sp/applications/{id}") => get(intake::show),
        ("POST", "/sp/applications/{id}") => post(intake::save_draft),
        ("GET", "/sp/programs") => get(targeting::programs),
        ("POST", "/sp/programs") => post(targeting::save_new),
        ("GET", "/sp/programs/new") => get(targeting::new_program),
        ("GET", "/sp/programs/{code}") => get(targeting::program),
        ("POST", "/sp/programs/{code}/edit") => post(targeting::edit),
        ("POST", "/sp/programs/{code}/simulate") => post(targeting::simulate),
        ("POST", "/sp/programs/{code}/publish") => post(targeting::publish),
        ("GET", "/sp/runs/{id}") => get(targeting::run),
        ("GET", "/sp/households/{id}/decisions") => get(targeting::decisions),
        ("POST", "/sp/households/{id}/appeals") => post(appeals::household_appeal),
        ("GET", "/sp/cycles") => get(cycles::list),
        ("POST", "/sp/cycles") => post(cycles::create),
        ("GET", "/sp/cycles/{id}") => get(cycles::show),
        ("POST", "/sp/cycles/{id}/approve") => post(cycles::approve),
        ("POST", "/sp/cycles/{id}/close") => post(cycles::close),
        ("POST", "/sp/cycles/{id}/members/{household}") => post(cycles::member),
        ("GET", "/sp/cycles/{id}/files/{file}") => get(cycle_files::file),
        ("POST", "/sp/cycles/{id}/statuses") => post(cycle_files::statuses),
        ("GET", "/sp/rejections") => get(cycle_files::rejections),
        ("GET", "/sp/accounts/{nn}") => get(pay_accounts::page),
        ("POST", "/sp/accounts/{nn}") => post(pay_accounts::save),
        ("GET", "/sp/appeals") => get(appeals::list),
        ("GET", "/sp/appeals/{id}") => get(appeals::show),
        ("POST", "/sp/appeals/{id}/step") => post(appeals::step),
        ("GET", "/sp/appeals/{id}/documents/{seq}") => get(appeals::document),
        ("GET", "/citizen") => get(citizen::form),
        ("POST", "/citizen") => post(citizen::submit),
        ("GET", "/citizen/code") => get(citizen::code_form),
        ("POST", "/citizen/code") => post(citizen::code_submit),
        ("POST", "/citizen/resend") => post(citizen::resend),
        ("GET", "/citizen/home") => get(citizen::home),
        ("GET", "/citizen/access") => get(citizen::access),
        ("GET", "/citizen/decisions") => get(citizen::decisions),
        ("GET", "/citizen/account") => get(citizen_sp::account),
        ("POST", "/citizen/account") => post(citizen_sp::account_post),
        ("POST", "/citizen/appeals") => post(citizen_sp::appeal_post),
        ("GET", "/citizen/appeals/{id}") => get(citizen_sp::appeal),
        ("GET", "/citizen/appeals/{id}/documents/{seq}") => get(citizen_sp::document),
        ("GET", "/citizen/new") => get(citizen::new),
        ("POST", "/citizen/applications") => post(citizen::save_new),
        ("GET", "/citizen/applications/{id}") => get(citizen::show),
        ("POST", "/citizen/applications/{id}") => post(citizen::save_draft),
        ("POST", "/citizen/logout") => post(citizen::logout),
        _ => panic!("portal route {method} {path} has no handler"),
    }
}

/// The portal's routes, each behind its guard, with the security headers.
pub fn router(state: AppState) -> Router<AppState> {
    let mut r = Router::new();
    for spec in ROUTES {
        let need = spec.need;
        let h = handler(spec.method, spec.path)
            .route_layer(middleware::from_fn_with_state((state.clone(), need), guard));
        r = r.route(spec.path, h);
    }
    r
}

/// The visitor of a portal page, as the guard found them.
#[derive(Clone)]
pub struct Visit {
    /// The visitor's session (for a visitor not signed in, an unstored one holding the CSRF
    /// token of the sign-in forms).
    pub session: SessionRow,
    pub account: Option<AccountRow>,
    pub lang: Lang,
    pub ip: IpAddr,
    /// The submitted form, for POST requests (already checked for its CSRF token).
    pub form: Vec<(String, String)>,
    /// The files sent with it (a `multipart/form-data` form).
    pub files: Vec<upload::Upload>,
}

impl Visit {
    /// A visitor with no form: the frame of a page that is not a handler's (an error page).
    pub fn bare(session: SessionRow, account: Option<AccountRow>, lang: Lang, ip: IpAddr) -> Visit {
        Visit {
            session,
            account,
            lang,
            ip,
            form: Vec::new(),
            files: Vec::new(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn fields<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.form
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn files<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a upload::Upload> + 'a {
        self.files.iter().filter(move |f| f.field == name)
    }
    pub fn account(&self) -> &AccountRow {
        self.account.as_ref().expect("guarded route")
    }
    /// The signed-in person as the use cases know them: an officer's account, or a citizen.
    pub fn caller(&self) -> nur_app::Caller {
        let actor = match (&self.account, nur_app::citizen_of(&self.session)) {
            (None, Some(nn)) if self.session.stage == nur_app::CITIZEN => {
                nur_core::grant::Actor::Citizen {
                    national_number: nn.to_owned(),
                }
            }
            _ => actor(self.account()),
        };
        nur_app::Caller {
            actor,
            on_behalf_of: None,
            purpose: Some("portal".into()),
            ip: Some(self.ip),
        }
    }
}

impl Visit {
    /// Whether the visitor's entity asks a purpose of every data access.
    pub fn purpose_required(&self, s: &AppState) -> bool {
        self.account
            .as_ref()
            .and_then(|a| a.entity.as_deref())
            .is_some_and(|e| s.store.entity_settings(e).is_ok_and(|x| x.purpose_required))
    }

    /// The caller of a data access (a lookup, a run) with the purpose the visitor gave; the
    /// page's sentence when their entity requires one (`required`, from
    /// [`Visit::purpose_required`]) and none was given, or it is too long.
    /// None given where none is required, the access is recorded as the portal's.
    pub fn data_caller(
        &self,
        required: bool,
        given: Option<&str>,
    ) -> Result<nur_app::Caller, String> {
        let given = given.map(str::trim).filter(|p| !p.is_empty());
        if given.is_some_and(|p| p.chars().count() > nur_app::MAX_HEADER_TEXT) {
            return Err(self.lang.ta(
                "purpose-too-long",
                &[("max", (nur_app::MAX_HEADER_TEXT as i64).into())],
            ));
        }
        if given.is_none() && required {
            return Err(self.lang.t("purpose-required"));
        }
        let mut c = self.caller();
        if let Some(p) = given {
            c.purpose = Some(p.to_owned());
        }
        Ok(c)
    }
}

/// The purpose field of a data access's form, required when the entity requires it.
pub fn purpose_field(v: &Visit, id: &str, value: &str, required: bool) -> maud::Markup {
    maud::html! {
        label for=(id) { (v.lang.t(if required { "purpose-label-required" } else { "purpose-label" })) }
        input id=(id) name="purpose" type="text" maxlength=(nur_app::MAX_HEADER_TEXT) value=(value) required[required];
    }
}

pub fn actor(a: &AccountRow) -> nur_core::grant::Actor {
    nur_core::grant::Actor::User {
        username: a.username.clone(),
        role: a.role,
        entity: a
            .entity
            .as_deref()
            .and_then(|e| nur_core::Ident::parse(e).ok()),
    }
}

/// Largest form the portal accepts.
const MAX_FORM: usize = 256 * 1024;
/// Largest form with files: a provider's status report, or an appeal's three documents of
/// 2 MB each.
const MAX_UPLOAD: usize = 16 << 20;

async fn guard(
    State((state, need)): State<(AppState, Need)>,
    req: Request,
    next: Next,
) -> Response {
    if need == Need::Static {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    // A citizen's pages speak Arabic unless the visitor chose otherwise.
    let lang = if path.starts_with("/citizen") {
        session::chosen_lang(&parts.headers).unwrap_or(Lang::Ar)
    } else {
        session::lang_of(&parts.headers)
    };
    let cookie = session::cookie(&parts.headers, session::SESSION_COOKIE);
    let st = state.clone();
    let found = crate::blocking(move || Ok(st.app.session(cookie.as_deref())?)).await;
    let (session, account) = match found {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let is_post = parts.method == Method::POST;
    let refuse = |actor: Option<String>, status: StatusCode, key: &'static str, why: &str| {
        let (st, why) = (state.clone(), why.to_owned());
        let path = path.clone();
        async move {
            let _ = crate::blocking(move || {
                st.app
                    .door_refused(actor.as_deref(), ip, "portal.refused", &path, &why);
                Ok(())
            })
            .await;
            page_error(lang, status, key)
        }
    };
    // A visitor without a session gets none: the CSRF token of the sign-in forms lives in a
    // cookie of its own (double submit), so a first visit writes nothing.
    let mut new_csrf = None;
    let (session, account) = match (session, need) {
        (Some(s), _) => (s, account),
        (None, Need::Public) => {
            let token = session::cookie(&parts.headers, session::CSRF_COOKIE)
                .filter(|t| session::token_shaped(t));
            let token = match token {
                Some(t) => t,
                None => match nur_app::signin::random_token() {
                    Ok(t) => {
                        new_csrf = Some(t.clone());
                        t
                    }
                    Err(e) => return ApiError::from(e).into_response(),
                },
            };
            (nur_app::signin::visitor(token), None)
        }
        (None, _) if is_post => {
            return refuse(
                None,
                StatusCode::FORBIDDEN,
                "error-signed-out",
                "not signed in",
            )
            .await;
        }
        (None, Need::Citizen) => return Redirect::to("/citizen").into_response(),
        (None, _) => return Redirect::to("/login").into_response(),
    };
    if need != Need::Public {
        // A citizen's pages want a signed-in citizen, every other page a signed-in officer.
        let (ok, door) = if need == Need::Citizen {
            let citizen =
                session.stage == nur_app::CITIZEN && nur_app::citizen_of(&session).is_some();
            (citizen, "/citizen")
        } else {
            let officer = session.stage == session::SIGNED_IN
                && account.as_ref().is_some_and(|a| !a.disabled);
            (officer, "/login")
        };
        if !ok {
            return if is_post {
                refuse(
                    None,
                    StatusCode::FORBIDDEN,
                    "error-signed-out",
                    "not signed in",
                )
                .await
            } else {
                Redirect::to(door).into_response()
            };
        }
        let role = account.as_ref().map(|a| a.role);
        let allowed = match need {
            Need::Admin => matches!(role, Some(Role::SuperAdmin | Role::EntityAdmin)),
            Need::Audit => matches!(
                role,
                Some(Role::SuperAdmin | Role::EntityAdmin | Role::Auditor)
            ),
            Need::SuperAdmin => role == Some(Role::SuperAdmin),
            _ => true,
        };
        if !allowed {
            let who = account.as_ref().map(|a| a.username.clone());
            let (st, p) = (state.clone(), path.clone());
            let _ = crate::blocking(move || {
                st.app
                    .door_refused(who.as_deref(), ip, "portal.refused", &p, "role");
                Ok(())
            })
            .await;
            let v = Visit::bare(session, account, lang, ip);
            return errors::page(
                &state,
                &v,
                StatusCode::FORBIDDEN,
                "",
                &lang.t("error-forbidden-page"),
            );
        }
    }
    let mut form = Vec::new();
    let mut files = Vec::new();
    let body = if is_post {
        // Files come only from signed-in visitors: the sign-in forms take no more than text.
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|_| need != Need::Public)
            .and_then(upload::boundary);
        let limit = if multipart.is_some() {
            MAX_UPLOAD
        } else {
            MAX_FORM
        };
        let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => return page_error(lang, StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
        };
        match &multipart {
            Some(b) => match upload::parse(&bytes, b) {
                Ok((f, u)) => (form, files) = (f, u),
                Err(_) => return page_error(lang, StatusCode::BAD_REQUEST, "error-bad-upload"),
            },
            None => form = form_urlencoded(&bytes),
        }
        let token = form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if new_csrf.is_some()
            || !nur_core::totp::constant_time_eq(token.as_bytes(), session.csrf.as_bytes())
        {
            let who = account.as_ref().map(|a| a.username.clone());
            return refuse(
                who,
                StatusCode::FORBIDDEN,
                "error-csrf",
                "missing or wrong CSRF token",
            )
            .await;
        }
        Body::from(bytes)
    } else {
        body
    };
    // The visitor without the form, to frame an error page.
    let framed = Visit::bare(session.clone(), account.clone(), lang, ip);
    parts.extensions.insert(Visit {
        session,
        account,
        lang,
        ip,
        form,
        files,
    });
    let resp = next.run(Request::from_parts(parts, body)).await;
    let mut resp = errors::as_page(&state, &framed, resp);
    if let Some(t) = new_csrf {
        if let Ok(v) = HeaderValue::from_str(&session::csrf_cookie(&state, &t)) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// `application/x-www-form-urlencoded` pairs (lossy on bad UTF-8 or escapes: a form never
/// fails to parse, its fields are checked one by one).
fn form_urlencoded(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// A small error page in the visitor's language.
pub fn page_error(lang: Lang, status: StatusCode, key: &str) -> Response {
    (
        status,
        layout::bare(
            lang,
            &lang.t(errors::title_key(status)),
            layout::message(lang, key),
        ),
    )
        .into_response()
}

/// Headers on every portal and API response: nothing from another origin, no framing, no
/// sniffing, no referrer; nothing kept in a cache (answers carry personal data; only the
/// binary's assets say otherwise); HSTS when NUR is served behind TLS.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.portal.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'");
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cross-origin-opener-policy", "same-origin");
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler_and_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            let _ = handler(r.method, r.path);
            assert!(
                seen.insert((r.method, r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn forms_decode() {
        let f = form_urlencoded(b"a=1+2&b=%D8%B9%D8%B1%D8%A8%D9%8A&c=&d=%zz&e=50%25");
        assert_eq!(f[0], ("a".into(), "1 2".into()));
        assert_eq!(f[1].1, "عربي");
        assert_eq!(f[2], ("c".into(), "".into()));
        assert_eq!(f[3].1, "%zz");
        assert_eq!(f[4].1, "50%");
    }
}
