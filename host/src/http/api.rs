//! `/api/...`: finds the `api/` handler for the path, applies the edge's
//! rules for browsers (CORS, cross-site requests with cookies), caps the
//! body, authenticates the request as sockets are, and runs the handler
//! with the request's user and path params in its call context.

use super::error;
use crate::auth;
use crate::context::Services;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::Instrument;

/// Answers one request under `/api`.
pub async fn serve(services: Arc<Services>, peer: SocketAddr, request: Request) -> Response {
    let client = services.edge.client_ip(peer.ip(), request.headers());
    let span = tracing::info_span!(
        "http",
        ip = %client,
        method = %request.method(),
        path = %request.uri().path()
    );
    let cors = services.edge.cors_headers(request.headers());
    let response = answer(&services, request).instrument(span).await;
    let mut response = response;
    response.headers_mut().extend(cors);
    response
}

async fn answer(services: &Services, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    if parts.method == Method::OPTIONS
        && parts
            .headers
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return services.edge.preflight(&parts.headers);
    }
    if let Err(refused) = services.edge.check_request(&parts.method, &parts.headers) {
        tracing::info!("request refused: {}", refused.reason);
        return refused.into_response();
    }
    let app = services.app.load_full();
    let Some(matched) = app.api.resolve(parts.uri.path()) else {
        let reason = format!("no api/ handler serves {}", parts.uri.path());
        return error(StatusCode::NOT_FOUND, reason);
    };
    let max = services.settings.http.max_body_bytes;
    let too_large = || {
        let reason = format!("request body is larger than the server's cap of {max} bytes");
        error(StatusCode::PAYLOAD_TOO_LARGE, reason)
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return too_large();
    }
    let body = match axum::body::to_bytes(body, max).await {
        Ok(body) => body,
        Err(err) if is_length_limit(&err) => return too_large(),
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {err}"),
            );
        }
    };

    let head = auth::http_request(&parts.method, &parts.uri, &parts.headers);
    let jwt = services.jwt.as_ref();
    let user = match auth::authenticate(&services.runtime, jwt, services.scope(), &app, head).await
    {
        Ok(user) => user,
        Err(refused) => {
            tracing::info!(status = %refused.status, "request refused: {}", refused.reason);
            return refused.into_response();
        }
    };
    // wasi:http needs an authority; HTTP/1.0 clients may send no Host.
    if !parts.headers.contains_key(header::HOST) {
        parts
            .headers
            .insert(header::HOST, HeaderValue::from_static("localhost"));
    }
    let component = matched.target.clone();
    let scope = services
        .scope()
        .for_request(user)
        .with_params(matched.params);
    let request = axum::http::Request::from_parts(parts, body);
    let max_response = services.settings.http.max_response_bytes;
    let (result, _record) = services
        .runtime
        .serve_http(&component, scope, request, max_response)
        .await;
    match result {
        Ok(response) => response.map(Body::from),
        Err(err) => {
            tracing::warn!(route = %matched.route.name, "api/ handler failed: {err}");
            error(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
        }
    }
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}
