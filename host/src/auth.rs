//! Decides who a new connection belongs to, by calling the app's
//! `authenticate` export with the HTTP upgrade request.

use crate::app::App;
use crate::hub::Hub;
use crate::runtime::bindings::types::{HttpRequest, User};
use crate::runtime::{CallError, CallScope, Runtime};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use std::sync::Arc;

/// Why an upgrade was refused; answered as `{"error": reason}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: String,
}

/// The connection's user, `None` for anonymous. Without an
/// authenticating component every connection is anonymous.
pub async fn authenticate(
    runtime: &Runtime,
    app: &App,
    hub: Arc<dyn Hub>,
    request: HttpRequest,
) -> Result<Option<User>, Refusal> {
    let Some(component) = &app.authenticator else {
        return Ok(None);
    };
    let scope = CallScope {
        hub,
        connection: None,
        user: None,
    };
    match runtime.authenticate(component, scope, &request).await {
        Ok(user) => Ok(user),
        Err(CallError::Guest(reason)) => Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            reason,
        }),
        Err(err) => {
            tracing::error!(component = %component.name, "authenticate failed: {err}");
            Err(Refusal {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                reason: format!("authentication failed: {err}"),
            })
        }
    }
}

/// The WIT view of an upgrade request: lower-case headers, decoded query
/// parameters and cookies.
pub fn http_request(method: &Method, uri: &Uri, headers: &HeaderMap) -> HttpRequest {
    let query = uri.query().unwrap_or_default().to_owned();
    let query_params = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect();
    let headers = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    HttpRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query,
        query_params,
        headers,
        cookies,
    }
}
