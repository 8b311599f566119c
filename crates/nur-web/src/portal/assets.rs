//! Every asset the portal uses, served by the binary (closed networks have no CDN).

use axum::http::header;
use axum::response::IntoResponse;

const CACHE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=3600");

pub async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), CACHE],
        include_str!("../../assets/app.css"),
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            CACHE,
        ],
        include_str!("../../assets/app.js"),
    )
}

pub async fn logo() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), CACHE],
        include_str!("../../assets/logo.svg"),
    )
}
