//! Turns frames into the `data` a handler asked for (the way back is
//! [`runtime::encode`](crate::runtime::encode)), and failures into
//! `{"error": ...}` replies.

use crate::backend::Outbound;
use crate::runtime::bindings::types::{Data, DataType};
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use serde_json::{Map, Value};

/// A data frame from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Text(Utf8Bytes),
    Binary(Bytes),
}

/// Why a frame could not be given to a handler. The text is sent to the
/// client as `{"error": ...}`.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("this handler takes text, and the binary frame is not UTF-8")]
    NotUtf8,
}

impl Frame {
    fn bytes(&self) -> &[u8] {
        match self {
            Frame::Text(text) => text.as_bytes(),
            Frame::Binary(bytes) => bytes,
        }
    }

    /// Parses the frame as JSON, for routing and for `json` handlers.
    pub fn parse_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(self.bytes())
    }
}

/// The top-level fields of a parsed message, if it is a JSON object.
pub fn fields(parsed: Option<&Result<Value, serde_json::Error>>) -> Option<&Map<String, Value>> {
    parsed?.as_ref().ok()?.as_object()
}

/// Decodes a frame for a handler. `parsed` is the frame already parsed
/// as JSON, when routing needed it.
pub fn decode(
    frame: Frame,
    data_type: DataType,
    parsed: Option<Result<Value, serde_json::Error>>,
) -> Result<Data, DecodeError> {
    match data_type {
        DataType::Json => {
            let text = match &frame {
                Frame::Text(text) => text.as_str().to_owned(),
                Frame::Binary(bytes) => {
                    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::NotUtf8)?
                }
            };
            match parsed {
                Some(result) => drop(result?),
                None => drop(serde_json::from_str::<serde::de::IgnoredAny>(&text)?),
            }
            Ok(Data::Json(text))
        }
        DataType::Text => match frame {
            Frame::Text(text) => Ok(Data::Text(text.as_str().to_owned())),
            Frame::Binary(bytes) => String::from_utf8(bytes.to_vec())
                .map(Data::Text)
                .map_err(|_| DecodeError::NotUtf8),
        },
        DataType::Binary => Ok(Data::Binary(frame.bytes().to_vec())),
        DataType::Frame => Ok(match frame {
            Frame::Text(text) => Data::Text(text.as_str().to_owned()),
            Frame::Binary(bytes) => Data::Binary(bytes.to_vec()),
        }),
    }
}

/// `{"error": reason}`, the reply to a message that failed.
pub fn error_reply(reason: &str) -> Outbound {
    Outbound::Text(serde_json::json!({ "error": reason }).to_string().into())
}
