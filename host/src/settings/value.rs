//! How a flag's or variable's text becomes a config-file value, for
//! each type a setting can have.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How a flag's text becomes a config value of each setting type.
pub(super) trait Value {
    const SWITCH: bool = false;
    fn parse(text: &str) -> Result<toml::Value, String>;
}

macro_rules! integer_value {
    ($($ty:ty),*) => {$(
        impl Value for $ty {
            fn parse(text: &str) -> Result<toml::Value, String> {
                let n: $ty = text.replace('_', "").parse().map_err(|err| format!("{err}"))?;
                i64::try_from(n).map(toml::Value::Integer).map_err(|err| err.to_string())
            }
        }
    )*};
}

integer_value!(u32, u64, usize);

impl Value for f64 {
    fn parse(text: &str) -> Result<toml::Value, String> {
        let n: f64 = text
            .parse()
            .map_err(|_| format!("`{text}` is not a number"))?;
        Ok(toml::Value::Float(n))
    }
}

impl Value for bool {
    const SWITCH: bool = true;
    fn parse(text: &str) -> Result<toml::Value, String> {
        text.parse()
            .map(toml::Value::Boolean)
            .map_err(|_| "expected true or false".to_owned())
    }
}

impl Value for String {
    fn parse(text: &str) -> Result<toml::Value, String> {
        Ok(toml::Value::String(text.to_owned()))
    }
}

impl Value for PathBuf {
    fn parse(text: &str) -> Result<toml::Value, String> {
        Ok(toml::Value::String(text.to_owned()))
    }
}

impl Value for SocketAddr {
    fn parse(text: &str) -> Result<toml::Value, String> {
        let addr: SocketAddr = text
            .parse()
            .map_err(|_| format!("`{text}` is not an address such as 127.0.0.1:8080"))?;
        Ok(toml::Value::String(addr.to_string()))
    }
}

/// A comma-separated list: `a,b` → `["a", "b"]`.
impl Value for Vec<String> {
    fn parse(text: &str) -> Result<toml::Value, String> {
        let items = text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty());
        Ok(toml::Value::Array(
            items
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        ))
    }
}

impl<T: Value> Value for Option<T> {
    const SWITCH: bool = T::SWITCH;
    fn parse(text: &str) -> Result<toml::Value, String> {
        T::parse(text)
    }
}
