//! Maps the files under `api/` to URL paths, and each request path to the
//! most specific route that matches it.
//!
//! | file under `api/`         | serves                   |
//! |---------------------------|--------------------------|
//! | `index.wasm`              | `/api`                   |
//! | `users.wasm`              | `/api/users`             |
//! | `users/index.wasm`        | `/api/users` (same)      |
//! | `users/[id].wasm`         | `/api/users/:id`         |
//! | `users/[id]/posts.wasm`   | `/api/users/:id/posts`   |
//!
//! A route matches a path with as many segments, each fixed segment equal
//! and each `[param]` taking the segment's percent-decoded text. Of the
//! routes that match, the one whose first differing segment is fixed
//! wins: `/api/users/me` picks `users/me.wasm` over `users/[id].wasm`.
//! A trailing `/` is ignored. Files starting with `_` are not routes.

use std::cmp::Ordering;
use std::path::Path;

use super::routing::{Params, RouteError};

/// The URL prefix of every route.
pub const PREFIX: &str = "/api";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Fixed(String),
    Param(String),
}

/// A route parsed from a path relative to `api/`, such as
/// `users/[id].wasm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRoute {
    /// The file's path without `.wasm`: `users/[id]`.
    pub name: String,
    segments: Vec<Segment>,
}

impl PathRoute {
    /// Parses a path relative to `api/`; `Ok(None)` for files that are not
    /// routes (not `.wasm`, or named `_*`).
    pub fn parse(relative: &Path) -> Result<Option<PathRoute>, RouteError> {
        if relative.extension().is_none_or(|ext| ext != "wasm") {
            return Ok(None);
        }
        let stem = relative.with_extension("");
        let names: Vec<String> = stem
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if names.last().is_some_and(|file| file.starts_with('_')) {
            return Ok(None);
        }
        let error = |reason: String| RouteError {
            path: relative.display().to_string(),
            reason,
        };
        let last = names.len() - 1;
        let mut segments = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if i == last && name == "index" {
                continue;
            }
            let segment = match name.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(param) if valid_param(param) => Segment::Param(param.to_owned()),
                Some(_) => {
                    return Err(error(format!(
                        "`{name}` is not a valid param; name it `[letters_digits_or_dashes]`"
                    )));
                }
                None if name.contains(['[', ']']) => {
                    return Err(error(format!(
                        "`{name}`: a segment is either fixed text or a whole `[param]`"
                    )));
                }
                None => Segment::Fixed(name.clone()),
            };
            if let Segment::Param(param) = &segment
                && segments.contains(&segment)
            {
                return Err(error(format!("param `{param}` appears twice")));
            }
            segments.push(segment);
        }
        Ok(Some(PathRoute {
            name: names.join("/"),
            segments,
        }))
    }

    /// The URL path this route serves, with `:param` for params.
    pub fn pattern(&self) -> String {
        let mut pattern = PREFIX.to_owned();
        for segment in &self.segments {
            pattern.push('/');
            match segment {
                Segment::Fixed(text) => pattern.push_str(text),
                Segment::Param(name) => {
                    pattern.push(':');
                    pattern.push_str(name);
                }
            }
        }
        pattern
    }

    /// The params if the path's segments (after `/api`) match.
    fn matches(&self, segments: &[&str]) -> Option<Params> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, text) in self.segments.iter().zip(segments) {
            match segment {
                Segment::Fixed(fixed) => {
                    if fixed != text {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    if text.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), decode(text)));
                }
            }
        }
        Some(params)
    }

    /// Fixed segments before params: `Less` when `self` is more specific.
    fn precedence(&self, other: &PathRoute) -> Ordering {
        for (a, b) in self.segments.iter().zip(&other.segments) {
            match (a, b) {
                (Segment::Fixed(_), Segment::Param(_)) => return Ordering::Less,
                (Segment::Param(_), Segment::Fixed(_)) => return Ordering::Greater,
                _ => {}
            }
        }
        self.segments.len().cmp(&other.segments.len())
    }

    /// True when both serve the same paths (`users.wasm` and
    /// `users/index.wasm`, or `[a].wasm` and `[b].wasm`).
    pub fn overlaps(&self, other: &PathRoute) -> bool {
        self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|pair| match pair {
                    (Segment::Fixed(a), Segment::Fixed(b)) => a == b,
                    (Segment::Param(_), Segment::Param(_)) => true,
                    _ => false,
                })
    }
}

fn valid_param(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Percent-decodes a path segment (invalid UTF-8 is replaced).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The route a request resolved to.
#[derive(Debug)]
pub struct Matched<'a, T> {
    pub route: &'a PathRoute,
    pub target: &'a T,
    pub params: Params,
}

/// Routes in match order, each with its target.
#[derive(Debug, Clone)]
pub struct PathTable<T> {
    routes: Vec<(PathRoute, T)>,
}

impl<T> PathTable<T> {
    pub fn new(mut routes: Vec<(PathRoute, T)>) -> Self {
        routes.sort_by(|(a, _), (b, _)| a.precedence(b).then_with(|| a.name.cmp(&b.name)));
        PathTable { routes }
    }

    /// The most specific route for a URL path, if it is under `/api`.
    pub fn resolve(&self, path: &str) -> Option<Matched<'_, T>> {
        let rest = path.strip_prefix(PREFIX)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let rest = rest.trim_start_matches('/');
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let segments: Vec<&str> = match rest {
            "" => Vec::new(),
            rest => rest.split('/').collect(),
        };
        self.routes.iter().find_map(|(route, target)| {
            Some(Matched {
                route,
                target,
                params: route.matches(&segments)?,
            })
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PathRoute, &T)> {
        self.routes.iter().map(|(route, target)| (route, target))
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(paths: &[&str]) -> PathTable<String> {
        PathTable::new(
            paths
                .iter()
                .filter_map(|p| PathRoute::parse(Path::new(p)).unwrap())
                .map(|r| {
                    let name = r.name.clone();
                    (r, name)
                })
                .collect(),
        )
    }

    fn resolve(t: &PathTable<String>, path: &str) -> Option<(String, Params)> {
        t.resolve(path).map(|m| (m.target.clone(), m.params))
    }

    #[test]
    fn the_documented_examples() {
        let t = table(&[
            "index.wasm",
            "users/index.wasm",
            "users/[id].wasm",
            "users/me.wasm",
            "users/[id]/posts.wasm",
            "_middleware.wasm",
        ]);
        let p = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        assert_eq!(resolve(&t, "/api"), Some(("index".into(), vec![])));
        assert_eq!(resolve(&t, "/api/"), Some(("index".into(), vec![])));
        assert_eq!(
            resolve(&t, "/api/users"),
            Some(("users/index".into(), vec![]))
        );
        assert_eq!(
            resolve(&t, "/api/users/42"),
            Some(("users/[id]".into(), p("id", "42")))
        );
        assert_eq!(
            resolve(&t, "/api/users/me"),
            Some(("users/me".into(), vec![]))
        );
        assert_eq!(
            resolve(&t, "/api/users/a%20b/posts/"),
            Some(("users/[id]/posts".into(), p("id", "a b")))
        );
        assert_eq!(resolve(&t, "/api/users/42/other"), None);
        assert_eq!(resolve(&t, "/apix"), None);
        assert_eq!(resolve(&t, "/socket"), None);
    }

    #[test]
    fn patterns_and_overlaps() {
        let parse = |p: &str| PathRoute::parse(Path::new(p)).unwrap().unwrap();
        assert_eq!(
            parse("users/[id]/posts.wasm").pattern(),
            "/api/users/:id/posts"
        );
        assert_eq!(parse("index.wasm").pattern(), "/api");
        assert!(parse("users.wasm").overlaps(&parse("users/index.wasm")));
        assert!(parse("[a].wasm").overlaps(&parse("[b].wasm")));
        assert!(!parse("[a].wasm").overlaps(&parse("me.wasm")));
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(PathRoute::parse(Path::new("[].wasm")).is_err());
        assert!(PathRoute::parse(Path::new("a[id].wasm")).is_err());
        assert!(PathRoute::parse(Path::new("[id]/[id].wasm")).is_err());
        assert!(PathRoute::parse(Path::new("notes.txt")).unwrap().is_none());
    }
}
