//! An `api/` handler written against the `wasi` crate alone, with no
//! Switchboard SDK: any wasi:http component serves as one.

use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Plain;

impl wasi::exports::http::incoming_handler::Guest for Plain {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let headers = Fields::from_list(&[("content-type".to_owned(), b"text/plain".to_vec())])
            .expect("a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body of a new response");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("the stream of a new body");
        stream
            .blocking_write_and_flush(b"hello from wasi")
            .expect("the host takes the body");
        drop(stream);
        OutgoingBody::finish(body, None).expect("the body finishes");
    }
}

wasi::http::proxy::export!(Plain);
