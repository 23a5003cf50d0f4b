//! Who the client is: the peer's address, or, when the peer is one of
//! the `trusted-proxies`, the address its `X-Forwarded-For` names. Only
//! what trusted hops say is believed: the header is read from the right,
//! and the first address not added by a trusted proxy is the client.

use super::EdgeError;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The `trusted-proxies`, as address blocks.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads `trusted-proxies`: addresses (`10.0.0.7`) or blocks
    /// (`10.0.0.0/8`).
    pub fn new(proxies: &[String]) -> Result<TrustedProxies, EdgeError> {
        let parse = |text: &String| {
            text.parse::<IpNet>()
                .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| EdgeError::Proxy(text.clone()))
        };
        Ok(TrustedProxies(
            proxies.iter().map(parse).collect::<Result<_, _>>()?,
        ))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer`.
    ///
    /// ```ignore
    /// let proxies = TrustedProxies::new(&["10.0.0.0/8".into()])?;
    /// headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.3".parse()?);
    /// assert_eq!(proxies.client_ip("10.0.0.2".parse()?, &headers), "203.0.113.9".parse::<IpAddr>()?);
    /// ```
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => client = ip.to_canonical(),
                Err(_) => break,
            }
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxies = TrustedProxies::new(&["10.0.0.0/8".into(), "192.0.2.1".into()]).unwrap();
        let chain = forwarded("198.51.100.4, 203.0.113.9, 10.0.0.3");
        assert_eq!(proxies.client_ip(ip("10.0.0.2"), &chain), ip("203.0.113.9"));
        assert_eq!(
            proxies.client_ip(ip("192.0.2.1"), &chain),
            ip("203.0.113.9")
        );
        assert_eq!(proxies.client_ip(ip("192.0.2.2"), &chain), ip("192.0.2.2"));
        let all_trusted = forwarded("10.1.1.1");
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), &all_trusted),
            ip("10.1.1.1")
        );
        let garbage = forwarded("nonsense, 10.0.0.3");
        assert_eq!(proxies.client_ip(ip("10.0.0.2"), &garbage), ip("10.0.0.3"));
        assert_eq!(
            proxies.client_ip(ip("::ffff:10.0.0.2"), &chain),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn bad_proxies_are_refused() {
        assert!(TrustedProxies::new(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::new(&["proxy.local".into()]).is_err());
    }
}
