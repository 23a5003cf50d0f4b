//! The `wasi:http` side: reading and writing bodies over `wasi:io`
//! streams, serving `incoming-handler`, and `outgoing-handler` calls.

use super::{BodyKind, Headers, Request, Response};
use crate::Error;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, IncomingRequest, Method, OutgoingBody,
    OutgoingRequest, OutgoingResponse, ResponseOutparam, Scheme,
};
use wasip2::io::streams::{OutputStream, StreamError};

/// The most bytes one `blocking-write-and-flush` may take (wasi:io's
/// limit for it).
const WRITE_CHUNK: usize = 4096;

/// How many bytes to ask for per read of an incoming body.
const READ_CHUNK: u64 = 64 * 1024;

/// Writes a streamed response body; see
/// [`Response::stream`](super::Response::stream). It also implements
/// [`std::io::Write`], for `write!` and `std::io::copy`.
pub struct BodyWriter {
    stream: OutputStream,
}

impl BodyWriter {
    /// Sends these bytes, waiting while the receiver is slow. An error
    /// means the body cannot go on (the client went away, or the host
    /// stopped it).
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        write_all(&self.stream, bytes)
    }
}

impl std::io::Write for BodyWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        BodyWriter::write(self, bytes).map_err(std::io::Error::other)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Every write is flushed already.
        Ok(())
    }
}

/// Serves one incoming request with `handler`: reads the body, calls the
/// handler, and sends what it returns.
pub(crate) fn serve(
    incoming: IncomingRequest,
    out: ResponseOutparam,
    handler: impl FnOnce(Request) -> Response,
) {
    let response = match read_request(&incoming) {
        Ok(request) => handler(request),
        Err(err) => Response::error(400, format!("cannot read the request: {err}")),
    };
    send_response(out, response);
}

fn read_request(incoming: &IncomingRequest) -> Result<Request, Error> {
    let body = incoming
        .consume()
        .map_err(|()| Error::from("the request body was taken already"))?;
    Ok(Request {
        method: method_name(incoming.method()),
        scheme: incoming.scheme().map(scheme_name),
        authority: incoming.authority(),
        path_with_query: incoming.path_with_query().unwrap_or_else(|| "/".into()),
        headers: headers_from(&incoming.headers()),
        body: read_body(body)?,
    })
}

/// Sets the response outparam and writes the body. A response the host
/// cannot take (a bad header, a status out of range) is replaced by a 500
/// that says why, so the author sees the mistake.
fn send_response(out: ResponseOutparam, response: Response) {
    let Response {
        status,
        headers,
        body,
    } = response;
    let (outgoing, body) = match outgoing_response(status, &headers) {
        Ok(outgoing) => (outgoing, body),
        Err(err) => {
            let fallback = Response::error(500, err);
            let outgoing = outgoing_response(fallback.status, &fallback.headers)
                .expect("the error response is valid");
            (outgoing, fallback.body)
        }
    };
    let outgoing_body = outgoing.body().expect("the body of a new response");
    ResponseOutparam::set(out, Ok(outgoing));
    let written = {
        let mut writer = BodyWriter {
            stream: outgoing_body.write().expect("the stream of a new body"),
        };
        match body.0 {
            BodyKind::Empty => Ok(()),
            BodyKind::Bytes(bytes) => writer.write(&bytes),
            BodyKind::Stream(write) => write(&mut writer),
        }
        // The stream is a child of the body: it goes before `finish`.
    };
    match written {
        Ok(()) => {
            if let Err(err) = OutgoingBody::finish(outgoing_body, None) {
                eprintln!(
                    "switchboard-guest: finishing the response body: {}",
                    describe(&err)
                );
            }
        }
        // Dropping the body unfinished tells the host the response broke,
        // so the client does not take a short body for a whole one.
        Err(err) => eprintln!("switchboard-guest: writing the response body: {err}"),
    }
}

fn outgoing_response(status: u16, headers: &Headers) -> Result<OutgoingResponse, Error> {
    let outgoing = OutgoingResponse::new(fields(headers)?);
    outgoing
        .set_status_code(status)
        .map_err(|()| Error::new(format!("{status} is not an HTTP status code")))?;
    Ok(outgoing)
}

/// Sends `request` through `wasi:http/outgoing-handler` and reads the
/// whole response. Any status is `Ok`, as with the Fetch API; an `Err`
/// means no response: the host denied the request (it is not in
/// `allowed-outbound-hosts`), the connection failed or timed out, or the
/// request was malformed. Its text names the method and URL:
///
/// ```text
/// GET http://10.0.0.1/ was denied by the host: 10.0.0.1 is not in its allowed outbound hosts, or the call made too many requests
/// GET http://127.0.0.1:9/ failed: connection refused
/// ```
pub fn fetch(request: Request) -> Result<Response, Error> {
    let what = format!("{} {}", request.method, request.url());
    send(request).map_err(|failure| match failure {
        Failure::Denied(authority) => Error::new(format!(
            "{what} was denied by the host: {authority} is not in its allowed outbound hosts, \
             or the call made too many requests"
        )),
        Failure::Other(reason) => Error::new(format!("{what} failed: {reason}")),
    })
}

/// `GET url`, with [`fetch`].
pub fn get(url: &str) -> Result<Response, Error> {
    fetch(Request::get(url))
}

enum Failure {
    /// The host refused the request (`HTTP-request-denied`), for this
    /// authority.
    Denied(String),
    Other(String),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Other(err.into())
    }
}

fn send(request: Request) -> Result<Response, Failure> {
    let (Some(scheme), Some(authority)) = (&request.scheme, &request.authority) else {
        return Err(Failure::Other(
            "an outbound request needs an absolute URL, such as http://host/path".into(),
        ));
    };
    if authority.is_empty() {
        return Err(Failure::Other("the URL has no host".into()));
    }
    let code = |code: ErrorCode| match code {
        ErrorCode::HttpRequestDenied => Failure::Denied(authority.clone()),
        other => Failure::Other(describe(&other)),
    };
    let outgoing = OutgoingRequest::new(fields(&request.headers)?);
    outgoing
        .set_method(&method_value(&request.method))
        .map_err(|()| Error::new(format!("{:?} is not a valid method", request.method)))?;
    outgoing
        .set_scheme(Some(&scheme_value(scheme)))
        .map_err(|()| Error::new(format!("{scheme:?} is not a valid scheme")))?;
    outgoing
        .set_authority(Some(authority))
        .map_err(|()| Error::new(format!("{authority:?} is not a valid host")))?;
    outgoing
        .set_path_with_query(Some(&request.path_with_query))
        .map_err(|()| Error::new(format!("{:?} is not a valid path", request.path_with_query)))?;
    let body = outgoing.body().expect("the body of a new request");
    // The request goes out first and its body after, so a body larger
    // than the host's buffer streams instead of blocking.
    let future = outgoing_handler::handle(outgoing, None).map_err(code)?;
    {
        let stream = body.write().expect("the stream of a new body");
        write_all(&stream, &request.body)?;
    }
    OutgoingBody::finish(body, None).map_err(code)?;

    let incoming = wait(&future)?.map_err(code)?;
    let status = incoming.status();
    let headers = headers_from(&incoming.headers());
    let body = incoming
        .consume()
        .map_err(|()| Error::from("the response body was taken already"))?;
    let bytes =
        read_body(body).map_err(|err| Error::new(format!("reading the response: {err}")))?;
    Ok(Response {
        status,
        headers,
        body: bytes.into(),
    })
}

/// Blocks until the response's head has arrived.
fn wait(
    future: &FutureIncomingResponse,
) -> Result<Result<wasip2::http::types::IncomingResponse, ErrorCode>, Error> {
    loop {
        match future.get() {
            Some(Ok(result)) => return Ok(result),
            Some(Err(())) => return Err("the response was taken already".into()),
            None => future.subscribe().block(),
        }
    }
}

/// Reads a body to its end, then finishes it (ignoring trailers).
fn read_body(body: IncomingBody) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    {
        let stream = body
            .stream()
            .map_err(|()| Error::from("the body stream was taken already"))?;
        loop {
            match stream.blocking_read(READ_CHUNK) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(err)) => return Err(stream_error(err)),
            }
        }
        // The stream is a child of the body: it must go first.
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

/// Writes all of `bytes` in chunks that `blocking-write-and-flush` takes.
fn write_all(stream: &OutputStream, bytes: &[u8]) -> Result<(), Error> {
    for chunk in bytes.chunks(WRITE_CHUNK) {
        stream
            .blocking_write_and_flush(chunk)
            .map_err(|err| match err {
                StreamError::Closed => Error::from("the receiver closed the stream"),
                StreamError::LastOperationFailed(err) => stream_error(err),
            })?;
    }
    Ok(())
}

fn stream_error(err: wasip2::io::error::Error) -> Error {
    match wasip2::http::types::http_error_code(&err) {
        Some(code) => Error::new(describe(&code)),
        None => Error::new(err.to_debug_string()),
    }
}

fn fields(headers: &Headers) -> Result<Fields, Error> {
    let fields = Fields::new();
    for (name, value) in headers.iter() {
        fields
            .append(name, value.as_bytes())
            .map_err(|err| Error::new(format!("header {name:?}: {}", header_error(err))))?;
    }
    Ok(fields)
}

fn header_error(err: wasip2::http::types::HeaderError) -> &'static str {
    use wasip2::http::types::HeaderError;
    match err {
        HeaderError::InvalidSyntax => "invalid name or value",
        HeaderError::Forbidden => "set by the host, not by components",
        HeaderError::Immutable => "the headers cannot change any more",
    }
}

fn headers_from(fields: &Fields) -> Headers {
    fields
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect()
}

fn method_name(method: Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(name) => name,
    }
}

fn method_value(name: &str) -> Method {
    match name {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_owned()),
    }
}

fn scheme_name(scheme: Scheme) -> String {
    match scheme {
        Scheme::Http => "http".into(),
        Scheme::Https => "https".into(),
        Scheme::Other(name) => name,
    }
}

fn scheme_value(name: &str) -> Scheme {
    match name {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_owned()),
    }
}

/// Words for a `wasi:http` error code.
fn describe(code: &ErrorCode) -> String {
    let text = match code {
        ErrorCode::HttpRequestDenied => "the host denied the request",
        ErrorCode::DnsTimeout => "DNS lookup timed out",
        ErrorCode::DnsError(payload) => {
            return match &payload.rcode {
                Some(rcode) => format!("DNS error: {rcode}"),
                None => "DNS error".into(),
            };
        }
        ErrorCode::DestinationNotFound => "host not found",
        ErrorCode::DestinationUnavailable => "destination unavailable",
        ErrorCode::DestinationIpProhibited => "destination IP prohibited",
        ErrorCode::DestinationIpUnroutable => "destination IP unroutable",
        ErrorCode::ConnectionRefused => "connection refused",
        ErrorCode::ConnectionTerminated => "connection closed early",
        ErrorCode::ConnectionTimeout => "connection timed out",
        ErrorCode::ConnectionReadTimeout => "timed out reading the response",
        ErrorCode::ConnectionWriteTimeout => "timed out sending the request",
        ErrorCode::ConnectionLimitReached => "connection limit reached",
        ErrorCode::TlsProtocolError => "TLS protocol error",
        ErrorCode::TlsCertificateError => "TLS certificate error",
        ErrorCode::HttpRequestMethodInvalid => "invalid method",
        ErrorCode::HttpRequestUriInvalid => "invalid URL",
        ErrorCode::HttpRequestUriTooLong => "URL too long",
        ErrorCode::HttpResponseIncomplete => "incomplete response",
        ErrorCode::HttpResponseTimeout => "timed out waiting for the response",
        ErrorCode::HttpProtocolError => "HTTP protocol error",
        ErrorCode::LoopDetected => "loop detected",
        ErrorCode::InternalError(Some(message)) => return format!("internal error: {message}"),
        other => {
            // The rest are rare; their variant name says enough.
            let name = format!("{other:?}");
            return name.trim_start_matches("ErrorCode::").to_owned();
        }
    };
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{ErrorCode, describe, method_name, method_value, scheme_name, scheme_value};

    #[test]
    fn error_codes_read_as_words() {
        assert_eq!(
            describe(&ErrorCode::ConnectionRefused),
            "connection refused"
        );
        assert_eq!(
            describe(&ErrorCode::InternalError(Some("boom".into()))),
            "internal error: boom"
        );
        assert_eq!(
            describe(&ErrorCode::HttpResponseBodySize(Some(9))),
            "HttpResponseBodySize(Some(9))"
        );
    }

    #[test]
    fn methods_and_schemes_round_trip() {
        for name in ["GET", "POST", "PATCH", "PURGE"] {
            assert_eq!(method_name(method_value(name)), name);
        }
        for name in ["http", "https", "ws"] {
            assert_eq!(scheme_name(scheme_value(name)), name);
        }
    }
}
