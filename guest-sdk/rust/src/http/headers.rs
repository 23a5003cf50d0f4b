//! Header fields.

/// Header fields, in order, with case-insensitive names.
///
/// Names are kept as given (the host gives incoming ones in lower case);
/// lookups ignore case. Values are text: bytes that are not UTF-8 in an
/// incoming header become U+FFFD.
///
/// ```
/// use switchboard_guest::http::Headers;
///
/// let mut headers = Headers::new();
/// headers.append("Set-Cookie", "a=1");
/// headers.append("set-cookie", "b=2");
/// headers.set("Content-Type", "text/plain");
/// assert_eq!(headers.get("content-type"), Some("text/plain"));
/// assert_eq!(headers.get_all("SET-COOKIE").collect::<Vec<_>>(), ["a=1", "b=2"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// The first value of this header, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of this header, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets the header to this one value, replacing any it had.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.remove(&name);
        self.0.push((name, value.into()));
    }

    /// Adds a value, after any the header has.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Removes every value of the header; true if it had any.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(key, _)| !key.eq_ignore_ascii_case(name));
        self.0.len() != before
    }

    /// `(name, value)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// Fields, counting each value of a repeated header.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Headers(
            pairs
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Headers {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Headers;

    #[test]
    fn set_replaces_in_any_case_and_remove_reports() {
        let mut headers: Headers = [("X-A", "1"), ("x-a", "2"), ("b", "3")]
            .into_iter()
            .collect();
        headers.set("X-a", "9");
        assert_eq!(headers.get_all("x-A").collect::<Vec<_>>(), ["9"]);
        assert_eq!(headers.len(), 2);
        assert!(headers.remove("B"));
        assert!(!headers.remove("b"));
        assert_eq!(headers.iter().collect::<Vec<_>>(), [("X-a", "9")]);
    }
}
