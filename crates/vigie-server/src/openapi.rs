//! The OpenAPI document, generated from the handlers' annotations (utoipa); served at
//! `/openapi.json`. No Swagger UI: nothing is loaded from elsewhere.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigie",
        description = "Trust-and-safety engine: items in, decisions out. Every endpoint but \
            /healthz, /readyz and /openapi.json needs `Authorization: Bearer <token>` with the \
            scope it names (`admin` allows everything). Errors are \
            `{\"error\": {\"code\", \"message\", \"limit\"?}}`."
    ),
    paths(
        crate::api::post_item,
        crate::api::post_batch,
        crate::api::post_search_check,
        crate::api::get_decision,
        crate::reports::post_report,
        crate::api::get_cases,
        crate::api::post_case_decision,
        crate::review::post_appeal,
        crate::evidence::post_media,
        crate::api::healthz,
        crate::api::readyz,
        crate::api::get_metrics,
        crate::banks::list,
        crate::banks::create,
        crate::banks::add_entry,
        crate::banks::remove_entry,
        crate::banks::import,
        crate::banks::export,
        crate::webhooks::dead_letters,
        crate::webhooks::replay,
        crate::hma::lookup,
        crate::hma::lookup_upload,
        crate::hma::compare,
        crate::hma::index_status,
        crate::hma::raw_lookup,
        crate::hma::hash_upload,
        crate::hma::list_banks,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "items", description = "Items and their decisions"),
        (name = "search", description = "Search deterrence"),
        (name = "reports", description = "User and trusted-flagger reports"),
        (name = "review", description = "Review cases and appeals (people use the console at /console)"),
        (name = "banks", description = "Hash banks"),
        (name = "webhooks", description = "Webhook dead letters"),
        (name = "ops", description = "Health and metrics"),
        (name = "hma", description = "HMA 2.0 (OpenMediaMatch) compatible hashing and matching"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON text (built once).
pub fn document_json() -> String {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
    .clone()
}
