//! The agents' dashboard: `/` sends people to `/app`, and every `/app` URL
//! answers the single-page app's shell (`assets/dashboard/index.html`), which
//! loads its fingerprinted scripts and styles and talks only to the public
//! API. The shell's headers forbid inline script and style and framing.
//! `dashboard/setup.rs` holds the first-run API the app uses before any
//! workspace exists.

mod setup;

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::api::{Access, Routes};

use crate::assets;

/// What the dashboard's pages may load: their own files, images from
/// attachments, blobs for previews of files about to be sent, and the
/// agent websocket.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; \
     frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn routes(api: &mut Routes) {
    api.tag("Dashboard")
        .get("/", to_app)
        .op("dashboardRoot", "Go to the dashboard")
        .about("Redirects to `/app`, signed in or not.")
        .access(Access::Public)
        .returns(302, "text/html", None)
        .unchecked("a redirect, not a 2xx");
    let page = "The agents' web app: a page that loads the app's fingerprinted scripts and \
                styles, under a strict Content-Security-Policy and X-Frame-Options: DENY.";
    api.get("/app", shell)
        .op("dashboardApp", "Open the dashboard")
        .about(page)
        .access(Access::Public)
        .returns(200, "text/html", None);
    api.get("/app/{tail:.*}", shell)
        .op("dashboardAppPage", "Open a page of the dashboard")
        .about(page)
        .access(Access::Public)
        .returns(200, "text/html", None)
        .example_path("/app/inbox");
    setup::routes(api);
}

/// Signed in or not, `/` is the dashboard: the app itself shows the sign-in
/// or first-run screen when it needs to.
async fn to_app() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/app"))
        .content_type("text/html; charset=utf-8")
        .body(r#"<a href="/app">Deskwoot</a>"#)
}

/// The shell is filled in once: the embedded files cannot change while the
/// process runs. It is revalidated on every load so an upgrade's new
/// fingerprints are picked up at once.
async fn shell() -> HttpResponse {
    static SHELL: OnceLock<String> = OnceLock::new();
    let page = SHELL.get_or_init(|| assets::page("dashboard/index.html").unwrap_or_default());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(page.clone())
}
