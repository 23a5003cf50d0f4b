//! Decides who a request belongs to, from its HTTP head: by the app's
//! `authenticate` export, or the built-in JWT check ([`jwt`]). Sockets
//! use it on the upgrade request.
//!
//! Depends on `app` (the authenticating component and its hooks),
//! `runtime`, `settings`, and `edge` for the refusal it answers with.

pub mod jwt;

use crate::app::{App, logging};
use crate::edge::Refused;
use crate::runtime::bindings::types::{HttpRequest, User};
use crate::runtime::{CallError, CallScope, Runtime};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use jwt::JwtVerifier;

/// The connection's user, `None` for anonymous. An `authenticate`
/// component decides if the app has one; else the built-in JWT check if
/// configured; else every connection is anonymous. A failing
/// `authenticate` is reported to the app's `on-error`.
pub async fn authenticate(
    runtime: &Runtime,
    jwt: Option<&JwtVerifier>,
    scope: CallScope,
    app: &App,
    request: HttpRequest,
) -> Result<Option<User>, Refused> {
    let Some(component) = &app.authenticator else {
        return match jwt {
            Some(jwt) => jwt
                .authenticate(&request)
                .await
                .map_err(|reason| Refused::new(StatusCode::UNAUTHORIZED, reason)),
            None => Ok(None),
        };
    };
    match runtime
        .authenticate(component, scope.clone(), &request)
        .await
    {
        Ok(user) => Ok(user),
        Err(CallError::Guest(reason)) => Err(Refused::new(StatusCode::UNAUTHORIZED, reason)),
        Err(err) => {
            let error = format!("authenticate in {} failed: {err}", component.name);
            logging::error(runtime, &app.root_hooks, &scope, &error, None).await;
            Err(Refused::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("authentication failed: {err}"),
            ))
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
