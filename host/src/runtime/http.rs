//! Calls to `wasi:http/incoming-handler`: one request into a fresh
//! instance, and its response read back whole, under the call's limits
//! and a cap on the response body.

use super::Runtime;
use super::call::{CallError, CallRecord};
use super::component::Component;
use super::scope::CallScope;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};

/// What the host got back from an `api/` handler.
pub type HttpResponse = http::Response<Bytes>;

impl Runtime {
    /// Runs `request` through the component's incoming handler. The
    /// response body is read while the handler runs; past
    /// `max_response_bytes` the call is stopped and fails. A handler that
    /// returns without setting a response, or sets an error, fails too.
    pub async fn serve_http(
        &self,
        component: &Component,
        scope: CallScope,
        request: http::Request<Bytes>,
        max_response_bytes: usize,
    ) -> (Result<HttpResponse, CallError>, CallRecord) {
        let timeout = self.limits.default_timeout();
        let export = component.http();
        self.call_export(component, export, scope, timeout, async |store, proxy| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let request = request.map(|body| {
                Full::new(body).map_err(|never| -> wasmtime_wasi_http::Error { match never {} })
            });
            let mut http = store.data_mut().http();
            let request = http.new_incoming_request(Scheme::Http, request)?;
            let outparam = http.new_response_outparam(tx)?;
            let call =
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut *store, request, outparam);
            let read = read_response(rx, max_response_bytes);
            tokio::pin!(call, read);
            let mut returned = false;
            let response = loop {
                tokio::select! {
                    called = &mut call, if !returned => {
                        called?;
                        returned = true;
                    }
                    response = &mut read => break response,
                }
            };
            // A response read in full while the handler still runs: let it
            // finish (it may still send); a failed read stops it here.
            if response.is_ok() && !returned {
                call.await?;
            }
            Ok(response)
        })
        .await
    }
}

/// Waits for the response head and reads the body, up to `max` bytes.
async fn read_response(
    head: tokio::sync::oneshot::Receiver<
        Result<http::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>, ErrorCode>,
    >,
    max: usize,
) -> Result<HttpResponse, String> {
    let response = head
        .await
        .map_err(|_| "the handler returned without setting a response".to_owned())?
        .map_err(|code| format!("the handler answered with an error: {code:?}"))?;
    let (parts, mut body) = response.into_parts();
    let mut bytes = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|code| format!("the response body failed: {code:?}"))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > max {
                return Err(format!(
                    "the response body is larger than the server's cap of {max} bytes (max-response-bytes)"
                ));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(http::Response::from_parts(parts, bytes.freeze()))
}
