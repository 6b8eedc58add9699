//! SSRF protection: a delivery goes only to `https` URLs that resolve to public addresses,
//! checked at every delivery; the address checked is the address connected to (the HTTP
//! client resolves through [`GuardedResolver`], so a DNS answer that changes between a check
//! and the connection cannot reach an internal host). With `allow_private`
//! (`AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS`) loopback and private addresses and plain `http`
//! are allowed; other schemes never are.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a target URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the URL is not valid")]
    Malformed,
    #[error("the URL must use https")]
    Scheme,
    #[error("the URL must not carry a user name or password")]
    Credentials,
    #[error("the target address {0} is not public")]
    NotPublic(IpAddr),
}

/// Checks a URL's shape: absolute, `https` (or `http` when private targets are allowed),
/// no credentials. Used when a subscription is written and before every delivery.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, Refused> {
    let parsed = reqwest::Url::parse(url).map_err(|_| Refused::Malformed)?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(Refused::Scheme),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refused::Credentials);
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Refused::Malformed);
    }
    Ok(parsed)
}

/// The IP address a URL names literally, if it does.
pub fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
}

/// Whether an address is reachable from the public internet (not loopback, private,
/// link-local, shared, documentation, multicast or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b)) // NAT64 to anything
                && v6 != Ipv6Addr::LOCALHOST
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1])) // shared (CGNAT)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (18..20).contains(&o[1])) // benchmarking
        || o[0] >= 240)
}

/// The check of an address the delivery would connect to.
pub fn check_ip(ip: IpAddr, allow_private: bool) -> Result<(), Refused> {
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(Refused::NotPublic(ip))
    }
}

/// The HTTP client's resolver: resolves once and hands the client only addresses that pass
/// [`check_ip`], so the client connects to an address that was checked.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| check_ip(a.ip(), allow_private).is_ok())
                .collect();
            if allowed.is_empty() {
                let refused = addrs
                    .first()
                    .map(|a| Refused::NotPublic(a.ip()))
                    .unwrap_or(Refused::Malformed);
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "114.114.114.114", "2400:3200::1", "223.5.5.5"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_https_unless_private_targets_are_allowed() {
        assert!(check_url("https://erp.example.cn/hooks", false).is_ok());
        assert_eq!(
            check_url("http://erp.example.cn/hooks", false),
            Err(Refused::Scheme)
        );
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        for bad in [
            "ftp://x.cn/a",
            "file:///etc/passwd",
            "gopher://x.cn",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
        assert_eq!(
            check_url("https://u:p@erp.example.cn/", false),
            Err(Refused::Credentials)
        );
        let url = check_url("https://127.0.0.1/", false).unwrap();
        assert!(check_ip(literal_ip(&url).unwrap(), false).is_err());
    }
}
