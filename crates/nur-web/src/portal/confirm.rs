//! A confirmation step before an action that cannot be taken back (revoking or rotating a
//! client's secret, disabling a user, resetting a second factor): the first press shows what
//! will happen and a form that repeats the action with `confirmed=yes`; Cancel goes back.
//! It is a page and a form, so it works without JavaScript.

use super::{layout, Visit};
use crate::AppState;
use axum::response::Html;
use maud::html;

/// Whether the posted action still needs its confirmation.
pub fn needed(v: &Visit) -> bool {
    v.field("confirmed") != Some("yes")
}

/// The confirmation page: `question` (what will happen), the action's fields again, the
/// button that does it and the way back to `back`.
pub fn page(
    s: &AppState,
    v: &Visit,
    back: &str,
    question: &str,
    fields: &[(&str, &str)],
    button: &str,
) -> Html<String> {
    let lang = v.lang;
    let title = lang.t("confirm-title");
    let body = html! {
        form.card.confirm #confirm-action method="post" action=(back) {
            input type="hidden" name="csrf" value=(v.session.csrf);
            @for (k, val) in fields { input type="hidden" name=(k) value=(val); }
            input type="hidden" name="confirmed" value="yes";
            p role="alert" { (question) }
            div.actions {
                button #confirm type="submit" { (button) }
                " "
                a href=(back) { (lang.t("cancel")) }
            }
        }
    };
    Html(layout::page(s, v, &title, back, &[(title.clone(), None)], body).into_string())
}
