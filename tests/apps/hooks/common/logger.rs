// A logging middleware that reports each hook call to the user
// "observer", labelled with LABEL. PANIC makes on-message-received trap.
use switchboard_guest::{Data, Logging, Request, SentMessage, Value, json, socket};

struct Log;

fn data(data: &Data) -> Value {
    match data {
        Data::Json(value) => value.clone(),
        Data::Text(text) => json!({ "text": text }),
        Data::Binary(bytes) => json!({ "binary": bytes.len() }),
    }
}

fn report(event: Value) {
    let _ = socket::to(&["observer"]).send(event);
}

impl Logging for Log {
    fn hooks() -> switchboard_guest::HookModes {
        MODES
    }

    fn on_message_received(req: &Request) {
        if PANIC {
            panic!("logger broke");
        }
        report(json!({ "hook": "received", "by": LABEL, "request": req.request_id, "data": data(&req.data) }));
    }

    /// One event per message, each saying where it sat in the hook
    /// call's list (`index` of `of`), so tests see the batching.
    fn on_messages_sent(messages: &[SentMessage]) {
        for (index, message) in messages.iter().enumerate() {
            report(json!({
                "hook": "sent",
                "by": LABEL,
                "user": message.user,
                "connection": message.connection,
                "data": data(&message.data),
                "index": index,
                "of": messages.len(),
            }));
        }
    }

    fn on_error(error: &str, req: Option<&Request>) {
        report(json!({ "hook": "error", "by": LABEL, "error": error, "request": req.map(|r| r.request_id.clone()) }));
    }
}

switchboard_guest::export_logging!(Log);
