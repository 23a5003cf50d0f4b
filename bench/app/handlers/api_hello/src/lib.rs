//! The HTTP scenario's hello world: a `wasi:http/incoming-handler`
//! written against the `wasi` crate alone, so that `wasmtime serve` runs
//! the very same file. Answers every request with 200 `text/plain` `hello`.

use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl wasi::exports::http::incoming_handler::Guest for Hello {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let headers = Fields::from_list(&[("content-type".to_owned(), b"text/plain".to_vec())])
            .expect("a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body of a new response");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("the stream of a new body");
        stream
            .blocking_write_and_flush(b"hello")
            .expect("the host takes the body");
        drop(stream);
        OutgoingBody::finish(body, None).expect("the body finishes");
    }
}

wasi::http::proxy::export!(Hello);
