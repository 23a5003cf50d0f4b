//! Maps the files under `socket/` to routes, and each message to the most
//! specific route that matches it.
//!
//! Every path segment (folder or file stem) is a rule on the message's
//! top-level JSON fields:
//!
//! | segment        | matches when                         |
//! |----------------|--------------------------------------|
//! | `index`        | always                               |
//! | `action_join`  | field `action` equals `"join"`       |
//! | `[room]`       | field `room` is present; its value becomes param `room` |
//!
//! The route with the most rules wins; on a tie, the one with more
//! `field_value` rules, then the path that sorts first. Frames that are
//! not a JSON object only match routes without rules (`socket/index.wasm`).
//!
//! Matching reads [`Fields`], the message's top-level fields borrowed
//! from the frame, so that a message is routed without building a
//! `serde_json::Value` and a rule is tried without allocating.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// One rule of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Equals { field: String, value: String },
    Present { field: String },
}

/// A route parsed from a path relative to `socket/`, such as
/// `[room]/action_enter.wasm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The path without `.wasm`, with `/` separators: `[room]/action_enter`.
    pub name: String,
    rules: Vec<Rule>,
}

/// Why a file under `socket/` cannot be a route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct RouteError {
    pub path: String,
    pub reason: String,
}

impl Route {
    /// Parses a path relative to `socket/`. Returns `Ok(None)` for files
    /// that are not handlers: anything but `.wasm`, and names starting with
    /// `_` (middleware).
    pub fn parse(relative: &Path) -> Result<Option<Route>, RouteError> {
        if relative.extension().is_none_or(|ext| ext != "wasm") {
            return Ok(None);
        }
        let stem = relative.with_extension("");
        let segments: Vec<String> = stem
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if segments.last().is_some_and(|file| file.starts_with('_')) {
            return Ok(None);
        }
        let name = segments.join("/");
        let last = segments.len() - 1;
        let mut rules = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            if i == last && segment == "index" {
                continue;
            }
            let rule = parse_segment(segment).ok_or_else(|| RouteError {
                path: relative.display().to_string(),
                reason: format!(
                    "cannot route on `{segment}`; name files and folders `index`, `field_value` or `[field]`"
                ),
            })?;
            if rules.contains(&rule) {
                return Err(RouteError {
                    path: relative.display().to_string(),
                    reason: format!("`{segment}` appears twice"),
                });
            }
            rules.push(rule);
        }
        Ok(Some(Route { name, rules }))
    }

    /// The route parameters if the message matches, else `None`.
    pub fn matches(&self, message: Option<&Fields<'_>>) -> Option<Params> {
        let mut params = Vec::new();
        for rule in &self.rules {
            let fields = message?;
            match rule {
                Rule::Equals { field, value } => {
                    if fields
                        .get(field)
                        .is_none_or(|v| field_text(v) != value.as_str())
                    {
                        return None;
                    }
                }
                Rule::Present { field } => {
                    let value = fields.get(field).filter(|v| v.get() != "null")?;
                    params.push((field.clone(), field_text(value).into_owned()));
                }
            }
        }
        Some(params)
    }

    /// Higher is more specific.
    fn specificity(&self) -> (usize, usize) {
        let exact = self
            .rules
            .iter()
            .filter(|r| matches!(r, Rule::Equals { .. }))
            .count();
        (self.rules.len(), exact)
    }

    /// True if any rule needs a field, so messages must be parsed.
    pub fn needs_fields(&self) -> bool {
        !self.rules.is_empty()
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

fn parse_segment(segment: &str) -> Option<Rule> {
    if let Some(field) = segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return valid_field(field).then(|| Rule::Present {
            field: field.to_owned(),
        });
    }
    let (field, value) = segment.split_once('_')?;
    (valid_field(field) && !value.is_empty()).then(|| Rule::Equals {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

fn valid_field(field: &str) -> bool {
    !field.is_empty() && !field.contains(['[', ']', '_'])
}

/// Strings match and become params as they are; other values as compact
/// JSON. Borrows the frame unless the string has escapes or the value is
/// a number, an array or an object.
fn field_text(value: &RawValue) -> Cow<'_, str> {
    let text = value.get();
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        if !inner.contains('\\') {
            return Cow::Borrowed(inner);
        }
    } else if matches!(text, "true" | "false") {
        return Cow::Borrowed(text);
    }
    // serde_json refuses a few texts its parser skips over (numbers out
    // of range, lone surrogates); those match as they are written.
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(s)) => Cow::Owned(s),
        Ok(other) => Cow::Owned(other.to_string()),
        Err(_) => Cow::Borrowed(text),
    }
}

/// A message's top-level JSON fields, each value still its JSON text,
/// borrowed from the frame where the key has no escapes. Parsing one
/// checks the whole frame is valid JSON.
#[derive(Debug, Default)]
pub struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Fields<'a> {
    /// The field's value; as in `serde_json`, the last of repeated keys.
    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| *value)
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Vec::new();
                while let Some((Key(key), value)) = map.next_entry()? {
                    fields.push((key, value));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Object)
    }
}

/// An object key, borrowed when it has no escapes (serde's own `Cow`
/// always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// Values of a route's `[field]` segments, by field name.
pub type Params = Vec<(String, String)>;

/// The route a message resolved to.
#[derive(Debug)]
pub struct Resolved<'a, T> {
    pub route: &'a Route,
    pub target: &'a T,
    pub params: Params,
}

/// Routes in match order, each with its target.
#[derive(Debug, Clone)]
pub struct RouteTable<T> {
    routes: Vec<(Route, T)>,
    needs_fields: bool,
}

impl<T> RouteTable<T> {
    pub fn new(mut routes: Vec<(Route, T)>) -> Self {
        routes.sort_by(|(a, _), (b, _)| {
            b.specificity()
                .cmp(&a.specificity())
                .then_with(|| a.name.cmp(&b.name))
        });
        let needs_fields = routes.iter().any(|(route, _)| route.needs_fields());
        RouteTable {
            routes,
            needs_fields,
        }
    }

    /// The most specific route matching the message, with its params.
    /// `message` is the frame's JSON object, if it is one.
    pub fn resolve(&self, message: Option<&Fields<'_>>) -> Option<Resolved<'_, T>> {
        self.routes.iter().find_map(|(route, target)| {
            Some(Resolved {
                route,
                target,
                params: route.matches(message)?,
            })
        })
    }

    /// True if some route looks at message fields.
    pub fn needs_fields(&self) -> bool {
        self.needs_fields
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Route, &T)> {
        self.routes.iter().map(|(route, target)| (route, target))
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn table(paths: &[&str]) -> RouteTable<String> {
        RouteTable::new(
            paths
                .iter()
                .filter_map(|p| Route::parse(Path::new(p)).unwrap())
                .map(|r| {
                    let name = r.name.clone();
                    (r, name)
                })
                .collect(),
        )
    }

    fn resolve(t: &RouteTable<String>, msg: Value) -> Option<(String, Vec<(String, String)>)> {
        resolve_text(t, &msg.to_string())
    }

    fn resolve_text(t: &RouteTable<String>, text: &str) -> Option<(String, Vec<(String, String)>)> {
        let fields = serde_json::from_str::<Fields>(text).ok();
        t.resolve(fields.as_ref())
            .map(|r| (r.target.clone(), r.params))
    }

    #[test]
    fn most_specific_route_wins() {
        let t = table(&[
            "index.wasm",
            "action_join.wasm",
            "action_enter.wasm",
            "[room]/action_enter.wasm",
            "[room]/index.wasm",
            "_middleware.wasm",
        ]);
        let r = |m| resolve(&t, m).unwrap().0;
        assert_eq!(r(json!({"action": "join", "room": "a"})), "action_join");
        assert_eq!(
            r(json!({"action": "enter", "room": "a"})),
            "[room]/action_enter"
        );
        assert_eq!(r(json!({"action": "enter"})), "action_enter");
        assert_eq!(r(json!({"room": "a"})), "[room]/index");
        assert_eq!(r(json!({"action": "other"})), "index");
        assert_eq!(r(json!([1, 2])), "index");
        assert_eq!(
            resolve(&t, json!({"action": "enter", "room": 7}))
                .unwrap()
                .1,
            vec![("room".to_string(), "7".to_string())]
        );
    }

    #[test]
    fn fields_read_as_json_does() {
        let t = table(&["action_join.wasm", "[room]/index.wasm"]);
        let r = |text| resolve_text(&t, text);
        let room = |value: &str| {
            Some((
                "[room]/index".to_string(),
                vec![("room".into(), value.into())],
            ))
        };
        // Escaped strings are decoded, as serde_json decodes them.
        assert_eq!(
            r(r#"{"act\u0069on": "jo\u0069n"}"#).unwrap().0,
            "action_join"
        );
        assert_eq!(r(r#"{"room": "a\"b"}"#), room("a\"b"));
        // Other values become compact JSON.
        assert_eq!(r(r#"{"room": [1, 2]}"#), room("[1,2]"));
        assert_eq!(r(r#"{"room": {"a" : true}}"#), room(r#"{"a":true}"#));
        assert_eq!(r(r#"{"room": 1.50}"#), room("1.5"));
        assert_eq!(r(r#"{"room": false}"#), room("false"));
        // Null is absent; the last of repeated keys counts.
        assert_eq!(r(r#"{"room": null}"#), None);
        assert_eq!(r(r#"{"room": "a", "room": "b"}"#), room("b"));
        // Invalid JSON is no object at all.
        assert!(serde_json::from_str::<Fields>(r#"{"room": "a""#).is_err());
        assert!(serde_json::from_str::<Fields>(r#"{"room": [1,}"#).is_err());
        assert!(serde_json::from_str::<Fields>(r#"{"room": 1} x"#).is_err());
    }

    #[test]
    fn no_index_means_no_match() {
        let t = table(&["action_join.wasm"]);
        assert!(resolve(&t, json!({"action": "leave"})).is_none());
        assert!(resolve(&t, json!("text")).is_none());
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(Route::parse(Path::new("chat.wasm")).is_err());
        assert!(Route::parse(Path::new("[]/index.wasm")).is_err());
        assert!(
            Route::parse(Path::new("_middleware.wasm"))
                .unwrap()
                .is_none()
        );
        assert!(Route::parse(Path::new("notes.txt")).unwrap().is_none());
    }
}
