//! Read-only admin routes, served on their own listener (off unless
//! `--admin ADDR` is given; bind it to a loopback address).
//!
//! `GET /_switchboard/components` lists the loaded components (an `api/`
//! handler's route is its URL path, such as `/api/users/:id`):
//!
//! ```json
//! [{"file": "index.wasm", "route": "index", "hash": "…", "loadedAt": 1764240000.5,
//!   "exports": ["handler"], "config": {"dataType": "json", "timeoutSeconds": null}}]
//! ```

use crate::app::paths::PathRoute;
use crate::app::routing::Route;
use crate::context::Services;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// Every admin route.
pub fn router(services: Arc<Services>) -> Router {
    Router::new()
        .route("/_switchboard/components", get(components))
        .with_state(services)
}

async fn components(State(services): State<Arc<Services>>) -> Json<Value> {
    let app = services.app.load();
    let list: Vec<Value> = app
        .components
        .iter()
        .map(|(file, component)| {
            let route = match file.strip_prefix("api/") {
                Some(relative) => PathRoute::parse(Path::new(relative))
                    .ok()
                    .flatten()
                    .map(|r| r.pattern()),
                None => Route::parse(Path::new(file)).ok().flatten().map(|r| r.name),
            };
            let loaded_at = component
                .loaded_at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            json!({
                "file": file,
                "route": route,
                "hash": component.hash,
                "loadedAt": loaded_at,
                "exports": component.exports.names(),
                "config": {
                    "dataType": component.options.data_type_name(),
                    "timeoutSeconds": component.options.timeout.map(|t| t.as_secs()),
                },
            })
        })
        .collect();
    Json(Value::Array(list))
}
