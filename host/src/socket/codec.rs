//! Turns frames into the `data` a handler asked for (the way back is
//! [`runtime::encode`](crate::runtime::encode)), and failures into
//! `{"error": ...}` replies.

use crate::app::routing::Fields;
use crate::backend::Outbound;
use crate::runtime::bindings::types::{Data, DataType};
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;

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

/// A frame checked as JSON: its top-level fields if it is an object,
/// `None` for other valid JSON.
pub type Parsed<'a> = Result<Option<Fields<'a>>, serde_json::Error>;

impl Frame {
    fn bytes(&self) -> &[u8] {
        match self {
            Frame::Text(text) => text.as_bytes(),
            Frame::Binary(bytes) => bytes,
        }
    }

    /// Parses the frame as JSON, for routing and for `json` handlers,
    /// borrowing the fields' text from the frame.
    pub fn parse_json(&self) -> Parsed<'_> {
        let bytes = self.bytes();
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => serde_json::from_slice(bytes).map(Some),
            _ => serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map(|_| None),
        }
    }
}

/// The top-level fields of a parsed message, if it is a JSON object.
pub fn fields<'a>(parsed: Option<&'a Parsed<'_>>) -> Option<&'a Fields<'a>> {
    parsed?.as_ref().ok()?.as_ref()
}

/// Decodes a frame for a handler. `checked` is the outcome of parsing
/// the frame as JSON, when routing did.
pub fn decode(
    frame: Frame,
    data_type: DataType,
    checked: Option<Result<(), serde_json::Error>>,
) -> Result<Data, DecodeError> {
    match data_type {
        DataType::Json => {
            let text = match &frame {
                Frame::Text(text) => text.as_str().to_owned(),
                Frame::Binary(bytes) => {
                    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::NotUtf8)?
                }
            };
            match checked {
                Some(result) => result?,
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
