//! The one error type of the SDK.

use std::fmt;

/// Why a host call or a handler failed, as text.
///
/// Every fallible function of [`socket`](crate::socket) and
/// [`store`](crate::store) returns it, carrying the host's reason
/// unchanged. It converts from `String`, `&str` and `serde_json::Error`
/// (and `anyhow::Error` with the `anyhow` feature), and into `String` and
/// `anyhow::Error`, so `?` works in handlers that return
/// `Result<(), Error>`, `Result<(), String>` or `anyhow::Result<()>`:
///
/// ```no_run
/// use switchboard_guest::{Error, Request, handler, json, socket, store};
///
/// #[handler]
/// fn handle(req: Request) -> Result<(), Error> {
///     let room = req.param("room").ok_or("no room")?;
///     if store::get(&format!("closed:{room}"))?.is_some() {
///         return Err(format!("{room} is closed").into());
///     }
///     socket::send(json!({ "room": room }))?;
///     Ok(())
/// }
/// # fn main() {}
/// ```
///
/// A handler's error text is what the client receives as
/// `{"error": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Error(String);

impl Error {
    /// An error with this text. Takes anything `Display`, so
    /// `.map_err(Error::new)` turns any error into this one.
    pub fn new(message: impl fmt::Display) -> Self {
        Error(message.to_string())
    }

    /// The text of the error.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error(message.to_owned())
    }
}

impl From<Error> for String {
    fn from(error: Error) -> Self {
        error.0
    }
}

impl AsRef<str> for Error {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Error {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Error {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::new(error)
    }
}

/// Keeps the whole chain of context, outermost first:
/// `"loading room: key is longer than 256 bytes"`. The reverse
/// conversion, `Error` into `anyhow::Error`, is anyhow's own for every
/// `std::error::Error`.
#[cfg(feature = "anyhow")]
impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Error(format!("{error:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn converts_to_and_from_strings() {
        let from_str: Error = "nope".into();
        let from_string: Error = String::from("nope").into();
        assert_eq!(from_str, from_string);
        assert_eq!(from_str, "nope");
        assert_eq!(from_str.to_string(), "nope");
        assert_eq!(from_str.as_str(), "nope");
        assert_eq!(String::from(from_str), "nope");
    }

    #[test]
    fn question_mark_into_string_and_from_str() {
        fn host_call() -> Result<(), Error> {
            Err("key is longer than 256 bytes".into())
        }
        fn string_handler() -> Result<(), String> {
            host_call()?;
            Ok(())
        }
        fn error_handler(key: Option<&str>) -> Result<(), Error> {
            key.ok_or("no key")?;
            host_call()?;
            Ok(())
        }
        assert_eq!(
            string_handler().unwrap_err(),
            "key is longer than 256 bytes"
        );
        assert_eq!(error_handler(None).unwrap_err(), "no key");
        assert_eq!(
            error_handler(Some("k")).unwrap_err(),
            "key is longer than 256 bytes"
        );
    }

    #[test]
    fn new_takes_any_display() {
        let parse = "x".parse::<u32>().unwrap_err();
        assert_eq!(Error::new(&parse), parse.to_string().as_str());
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let text = json.to_string();
        assert_eq!(Error::from(json), text.as_str());
    }

    #[test]
    fn is_a_std_error() {
        fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            Err(Error::from("boxed"))?
        }
        assert_eq!(boxed().unwrap_err().to_string(), "boxed");
    }

    #[cfg(feature = "anyhow")]
    #[test]
    fn converts_to_and_from_anyhow() {
        use anyhow::Context;
        fn host_call() -> Result<(), Error> {
            Err("key is longer than 256 bytes".into())
        }
        fn anyhow_handler() -> anyhow::Result<()> {
            host_call().context("loading room")?;
            Ok(())
        }
        fn error_handler() -> Result<(), Error> {
            anyhow_handler()?;
            Ok(())
        }
        assert_eq!(
            error_handler().unwrap_err(),
            "loading room: key is longer than 256 bytes"
        );
        let back: anyhow::Error = Error::from("plain").into();
        assert_eq!(back.to_string(), "plain");
        assert_eq!(back.downcast_ref::<Error>(), Some(&Error::from("plain")));
    }
}
