//! Where a JWKS may be fetched from. A connection's `jwks_url` is typed by an admin, so without
//! a check it is a server-side request forgery primitive: gatehouse would GET any address its
//! network can reach (cloud metadata at 169.254.169.254, databases and admin ports on loopback
//! or the private network). One parser and one rule serve both moments: when the URL is saved
//! (`check_jwks_url`, plus `check_resolved` on its DNS answer) and when keys are fetched
//! (`check_jwks_url` again, and `CheckedResolver`, through which the HTTP client resolves the
//! host, so the addresses it connects to are the ones that were checked: a DNS answer that
//! changes between save and fetch, "DNS rebinding", gains nothing).
//!
//! The rule: `https` only, and no host that is, or resolves to, a loopback, private,
//! link-local, unspecified, CGNAT, unique-local, multicast or otherwise reserved address,
//! unless the operator sets `[idp] jwks_allow_private_networks` (an IdP inside the network,
//! tests), which also allows plain `http`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::Url;

/// The operator's choice of which networks a JWKS may be fetched from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwksNetworkPolicy {
    /// Allow loopback and private addresses, and plain http (off by default).
    pub allow_private_networks: bool,
}

/// How long a save-time DNS lookup may take before the URL is accepted on its syntax alone
/// (the fetch checks the addresses again in any case).
const SAVE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// Parses a JWKS URL and checks its scheme and host; the reason is meant for an admin.
pub fn check_jwks_url(raw: &str, policy: JwksNetworkPolicy) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|_| "jwks_url is not a valid URL".to_owned())?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_private_networks => {}
        _ => return Err("jwks_url must be an https:// URL".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("jwks_url must not carry credentials".into());
    }
    if policy.allow_private_networks {
        return match url.host_str() {
            Some(_) => Ok(url),
            None => Err("jwks_url has no host".into()),
        };
    }
    let host = url.host_str().ok_or("jwks_url has no host")?;
    // The URL parser has already normalised numeric forms (`2130706433`, `0x7f.1`) to dotted
    // IPv4; IPv6 literals keep their brackets.
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => refuse_address(ip)?,
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            // RFC 6761 §6.3: localhost names resolve to loopback by definition.
            if name == "localhost" || name.ends_with(".localhost") {
                return Err("jwks_url must not point at this machine".into());
            }
        }
    }
    Ok(url)
}

/// `check_jwks_url`, then the addresses the host resolves to now (at save time). A name that
/// does not resolve is accepted: the IdP may not be reachable from here yet, and every fetch
/// checks its addresses again.
pub async fn check_resolved(raw: &str, policy: JwksNetworkPolicy) -> Result<Url, String> {
    let url = check_jwks_url(raw, policy)?;
    if policy.allow_private_networks {
        return Ok(url);
    }
    let name = url.host_str().unwrap_or_default();
    if url.domain().is_some() {
        let port = url.port_or_known_default().unwrap_or(443);
        let lookup = tokio::net::lookup_host((name, port));
        if let Ok(Ok(addrs)) = tokio::time::timeout(SAVE_LOOKUP_TIMEOUT, lookup).await {
            for addr in addrs {
                refuse_address(addr.ip()).map_err(|e| format!("{e} (resolved from {name})"))?;
            }
        }
    }
    Ok(url)
}

fn refuse_address(ip: IpAddr) -> Result<(), String> {
    match forbidden_class(ip) {
        Some(class) => Err(format!("jwks_url must not reach a {class} address")),
        None => Ok(()),
    }
}

/// The class of a non-public address, or None for a public one.
pub fn forbidden_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified",
        (127, _, _) => "loopback",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "private",
        (169, 254, _) => "link-local",
        (100, 64..=127, _) => "shared (CGNAT)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        // RFC 6890: protocol assignments, documentation and benchmarking ranges.
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => {
            "reserved"
        }
        _ => return None,
    })
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    let s = ip.segments();
    // Addresses that carry an IPv4 address take its class: IPv4-mapped (::ffff:0:0/96),
    // IPv4-compatible (::/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] => {
            return v4_class(embedded(hi, lo))
        }
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return v4_class(embedded(hi, lo)),
        [0x2002, hi, lo, ..] => return v4_class(embedded(hi, lo)),
        _ => {}
    }
    Some(match s[0] {
        x if x & 0xfe00 == 0xfc00 => "unique-local",
        x if x & 0xffc0 == 0xfe80 => "link-local",
        x if x & 0xffc0 == 0xfec0 => "site-local",
        x if x & 0xff00 == 0xff00 => "multicast",
        // Documentation (2001:db8::/32) and Teredo (2001::/32), whose real peer is hidden.
        0x2001 if s[1] == 0x0db8 || s[1] == 0 => "reserved",
        _ => return None,
    })
}

/// The HTTP client's DNS resolver for JWKS fetches: resolves with the system resolver and
/// refuses the whole answer if any address is not public (unless the policy allows it), so the
/// client connects only to checked addresses.
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    pub policy: JwksNetworkPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allow = self.policy.allow_private_networks;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow {
                if let Some(class) = addrs.iter().find_map(|a| forbidden_class(a.ip())) {
                    let refused: Box<dyn std::error::Error + Send + Sync> =
                        format!("{host} resolves to a {class} address").into();
                    return Err(refused);
                }
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const STRICT: JwksNetworkPolicy = JwksNetworkPolicy {
        allow_private_networks: false,
    };
    const OPEN: JwksNetworkPolicy = JwksNetworkPolicy {
        allow_private_networks: true,
    };

    #[test]
    fn address_classes_are_recognised() {
        let cases = [
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("shared (CGNAT)")),
            ("100.127.255.255", Some("shared (CGNAT)")),
            ("224.0.0.1", Some("multicast")),
            ("255.255.255.255", Some("reserved")),
            ("198.18.0.1", Some("reserved")),
            ("::", Some("unspecified")),
            ("::1", Some("loopback")),
            ("fc00::1", Some("unique-local")),
            ("fd12:3456::1", Some("unique-local")),
            ("fe80::1", Some("link-local")),
            ("fec0::1", Some("site-local")),
            ("ff02::1", Some("multicast")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("2002:7f00:1::", Some("loopback")),
            ("2001:db8::1", Some("reserved")),
            // Public addresses, including neighbours of the ranges above.
            ("8.8.8.8", None),
            ("172.15.255.255", None),
            ("172.32.0.1", None),
            ("100.63.255.255", None),
            ("100.128.0.1", None),
            ("169.253.0.1", None),
            ("20.190.128.1", None),
            ("2606:4700::1111", None),
            ("::ffff:8.8.8.8", None),
            ("2002:0808:0808::", None),
        ];
        for (ip, class) in cases {
            assert_eq!(forbidden_class(ip.parse().unwrap()), class, "{ip}");
        }
    }

    #[test]
    fn urls_are_parsed_once_and_refused_by_scheme_host_and_address() {
        for ok in [
            "https://login.microsoftonline.com/t/discovery/v2.0/keys",
            "https://8.8.8.8/keys",
            "https://[2606:4700::1111]/keys",
            "  https://idp.example.com/keys  ",
        ] {
            assert!(check_jwks_url(ok, STRICT).is_ok(), "{ok}");
        }
        for bad in [
            "http://idp.example.com/keys",
            "ftp://idp.example.com/keys",
            "file:///etc/passwd",
            "keys",
            "https://127.0.0.1/keys",
            "https://localhost/keys",
            "https://api.LOCALHOST./keys",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/keys",
            "https://[::ffff:7f00:1]/keys",
            "https://[fd00::1]/keys",
            "https://10.0.0.5:8443/keys",
            "https://2130706433/keys",
            "https://0x7f.1/keys",
            "https://user:pw@idp.example.com/keys",
        ] {
            assert!(check_jwks_url(bad, STRICT).is_err(), "{bad}");
        }
        // The operator's opt-in reaches loopback, over plain http too; other schemes never.
        assert!(check_jwks_url("http://127.0.0.1:8080/keys", OPEN).is_ok());
        assert!(check_jwks_url("https://10.0.0.5/keys", OPEN).is_ok());
        assert!(check_jwks_url("ftp://127.0.0.1/keys", OPEN).is_err());
    }

    #[tokio::test]
    async fn names_are_checked_by_what_they_resolve_to() {
        use reqwest::dns::Resolve;
        // "localhost" resolves without a network; its answer is loopback.
        let strict = CheckedResolver { policy: STRICT };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(strict.resolve(name).await.is_err());
        let open = CheckedResolver { policy: OPEN };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(open.resolve(name).await.unwrap().next().is_some());
        // A literal loopback name that slipped past the host check is caught by its answer.
        assert!(check_resolved("https://127.0.0.1/k", STRICT).await.is_err());
        assert!(check_resolved("http://127.0.0.1/k", OPEN).await.is_ok());
    }
}
