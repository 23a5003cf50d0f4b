//! Write [Switchboard](https://example.invalid) WebSocket and HTTP handlers in Rust.
//!
//! A handler is a plain function. The `#[handler]` attribute exports it as
//! the component's `handle`, and declares how frames are decoded:
//!
//! ```no_run
//! use switchboard_guest::{Error, Request, handler, json, socket, store};
//!
//! #[handler(data = "json", timeout = 5)]
//! fn handle(req: Request) -> Result<(), Error> {
//!     let name = req.json()["name"].as_str().ok_or("who are you?")?;
//!     store::set_add("visitors", name)?;
//!     socket::send(json!({ "hello": name }))?;
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! Every fallible host call returns [`Error`], which carries the host's
//! reason unchanged and converts to and from `String` and `&str`, into
//! `anyhow::Error`, and from it with the `anyhow` feature, so `?` works
//! throughout. A handler may return any error type that is `Display`; its
//! text is what the client receives as `{"error": ...}`.
//!
//! `#[authenticate]` exports a function that decides who a new connection
//! belongs to, from the HTTP upgrade request:
//!
//! ```no_run
//! use switchboard_guest::{authenticate, HttpRequest, User};
//!
//! #[authenticate]
//! fn who(req: HttpRequest) -> Result<Option<User>, String> {
//!     match req.query_param("token") {
//!         Some("let-me-in") => Ok(Some(User::new("alice"))),
//!         Some(_) => Err("bad token".into()),
//!         None => Ok(None),
//!     }
//! }
//! # fn main() {}
//! ```
//!
//! `#[http_handler]` exports a function from [`http::Request`] to
//! [`http::Response`] as an `api/` handler, a standard
//! `wasi:http/incoming-handler` component; [`http::fetch`] makes outbound
//! requests:
//!
//! ```no_run
//! use switchboard_guest::http::{self, Request, Response};
//! use switchboard_guest::{Error, context, http_handler, json};
//!
//! #[http_handler]
//! fn handle(req: Request) -> Result<Response, Error> {
//!     let upstream = http::get("http://127.0.0.1:8000/status")?;
//!     Ok(Response::json(&json!({
//!         "path": req.path(),
//!         "user": context::user().map(|u| u.id),
//!         "upstream": upstream.status,
//!     })))
//! }
//! # fn main() {}
//! ```
//!
//! [`context`] tells any kind of component, socket handlers included, the
//! user the call acts for and the route's params.
//!
//! `#[job]` exports a function that runs the jobs of a queue
//! (`queues/<name>.wasm`), which any component fills with
//! [`queue::push`]; `#[schedule]` exports one that runs on a cron
//! schedule (`schedules/<name>.wasm`):
//!
//! ```no_run
//! use switchboard_guest::{Error, Tick, json, schedule, socket};
//!
//! #[schedule(cron = "*/10 * * * * *", timezone = "Europe/Paris")]
//! fn heartbeat(tick: Tick) -> Result<(), Error> {
//!     socket::to(&["ops"]).send(json!({ "alive": tick.scheduled_at }))?;
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! Build the crate as a `cdylib` for `wasm32-wasip2`; `switchboard build`
//! does this for every guest crate of an app.

pub mod context;
mod error;
mod hooks;
pub mod http;
mod message;
pub mod queue;
pub mod socket;
pub mod store;

pub use error::Error;
pub use hooks::{HookMode, HookModes, Logging, Presence, SentMessage};
pub use message::{Data, HttpRequest, Message, Request, User};
pub use queue::{Job, Tick};
pub use serde_json::{self, Value, json};
pub use switchboard_guest_macros::{
    authenticate, export_logging, export_presence, handler, http_handler, job, schedule,
};

/// The raw WIT bindings of the host's imports. Most code never needs them.
pub mod wit {
    mod bindings {
        wit_bindgen::generate!({
            path: "../../wit",
            world: "switchboard:socket/imports",
        });
    }
    pub use bindings::switchboard::socket::{context, queue, socket, store, types};
}

#[doc(hidden)]
pub mod __private {
    pub use wasip2;
    pub use wit_bindgen;

    /// Serves one `wasi:http` request with an `#[http_handler]` function.
    pub fn serve_http<R: crate::http::IntoResponse>(
        request: wasip2::http::types::IncomingRequest,
        response_out: wasip2::http::types::ResponseOutparam,
        handler: impl FnOnce(crate::http::Request) -> R,
    ) {
        crate::http::serve(request, response_out, |req| handler(req).into_response())
    }

    use crate::{HttpRequest, Logging, Request, SentMessage, User, wit};
    use std::fmt::Display;

    pub fn call_handler<E: Display>(
        req: wit::types::Request,
        handler: impl FnOnce(Request) -> Result<(), E>,
    ) -> Result<(), String> {
        handler(Request::from_wit(req)).map_err(|e| e.to_string())
    }

    pub fn on_message_received<L: Logging>(req: wit::types::Request) {
        L::on_message_received(&Request::from_wit(req))
    }

    pub fn on_messages_sent<L: Logging>(messages: Vec<wit::types::SentMessage>) {
        let messages: Vec<SentMessage> = messages
            .into_iter()
            .map(|message| SentMessage {
                connection: message.connection,
                user: message.user,
                data: crate::message::data_from_wit(message.data),
            })
            .collect();
        L::on_messages_sent(&messages)
    }

    pub fn on_error<L: Logging>(error: String, req: Option<wit::types::Request>) {
        L::on_error(&error, req.map(Request::from_wit).as_ref())
    }

    pub fn call_job<E: Display>(
        id: String,
        payload: String,
        user: Option<wit::types::User>,
        attempt: u32,
        run: impl FnOnce(crate::Job) -> Result<(), E>,
    ) -> Result<(), String> {
        let payload = serde_json::from_str(&payload)
            .map_err(|err| format!("the job's payload is not JSON: {err}"))?;
        let job = crate::Job {
            id,
            payload,
            user: user.map(User::from_wit),
            attempt,
        };
        run(job).map_err(|e| e.to_string())
    }

    pub fn call_schedule<E: Display>(
        scheduled_at: u64,
        catch_up: bool,
        run: impl FnOnce(crate::Tick) -> Result<(), E>,
    ) -> Result<(), String> {
        run(crate::Tick {
            scheduled_at,
            catch_up,
        })
        .map_err(|e| e.to_string())
    }

    pub fn call_authenticate<E: Display>(
        req: wit::types::HttpRequest,
        authenticate: impl FnOnce(HttpRequest) -> Result<Option<User>, E>,
    ) -> Result<Option<wit::types::User>, String> {
        match authenticate(HttpRequest::from_wit(req)) {
            Ok(user) => Ok(user.map(User::into_wit)),
            Err(e) => Err(e.to_string()),
        }
    }
}
