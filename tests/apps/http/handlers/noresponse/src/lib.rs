//! Returns without setting the response outparam.

use wasi::http::types::{IncomingRequest, ResponseOutparam};

struct NoResponse;

impl wasi::exports::http::incoming_handler::Guest for NoResponse {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {}
}

wasi::http::proxy::export!(NoResponse);
