//! Query strings: `application/x-www-form-urlencoded` pairs.

/// The `name=value` pairs of a raw query string, percent-decoded, with
/// `+` as a space. A pair without `=` has an empty value; empty pairs
/// (`a=1&&b=2`) are skipped. Bytes that do not form UTF-8 after decoding
/// become U+FFFD.
pub(super) fn parse(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let digit = |at: usize| bytes.get(at).copied().and_then(hex);
                match (digit(i + 1), digit(i + 2)) {
                    (Some(high), Some(low)) => {
                        out.push(high << 4 | low);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::{decode, parse};

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(decode("a%20b+c"), "a b c");
        assert_eq!(decode("%e2%82%AC"), "€");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn splits_pairs() {
        assert_eq!(
            parse("a=1&&b&c=x%3Dy"),
            [("a", "1"), ("b", ""), ("c", "x=y")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(parse("").is_empty());
    }
}
