//! Addresses: the API and metrics listeners, CORS origins, and the proxies whose
//! `X-Forwarded-For` is believed (address blocks, [`IpNet`]).

use std::net::SocketAddr;

use super::env::{ConfigError, Env};

/// An address block such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        match (self.addr, ip) {
            (V4(net), V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (V6(net), V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: std::net::IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix must be 0 to {max}"))?,
        };
        Ok(Self { addr, prefix })
    }
}

/// `ACUPRESS_TRUSTED_PROXIES`: address blocks, comma-separated.
pub(super) fn trusted_proxies(env: &Env<'_>) -> Result<Vec<IpNet>, ConfigError> {
    env.list("ACUPRESS_TRUSTED_PROXIES")
        .iter()
        .map(|s| s.parse())
        .collect::<Result<Vec<IpNet>, String>>()
        .map_err(|message| ConfigError {
            variable: "ACUPRESS_TRUSTED_PROXIES",
            message,
        })
}

/// `ACUPRESS_CORS_ORIGINS`: origins such as `https://app.example.com`, or `*`.
pub(super) fn cors_origins(env: &Env<'_>) -> Result<Vec<String>, ConfigError> {
    let origins = env.list("ACUPRESS_CORS_ORIGINS");
    if let Some(bad) = origins
        .iter()
        .find(|o| *o != "*" && url::Url::parse(o).is_err())
    {
        return Err(ConfigError {
            variable: "ACUPRESS_CORS_ORIGINS",
            message: format!("`{bad}` is not an origin such as https://app.example.com"),
        });
    }
    Ok(origins)
}

/// `ACUPRESS_METRICS_LISTEN`: an address and port other than the API's `listen`, or
/// unset (metrics on the API port).
pub(super) fn metrics_listen(
    env: &Env<'_>,
    listen: SocketAddr,
) -> Result<Option<SocketAddr>, ConfigError> {
    let raw = env.string("ACUPRESS_METRICS_LISTEN", "");
    if raw.is_empty() {
        return Ok(None);
    }
    let address: SocketAddr = env.parse("ACUPRESS_METRICS_LISTEN", &raw)?;
    if address == listen && listen.port() != 0 {
        return Err(ConfigError {
            variable: "ACUPRESS_METRICS_LISTEN",
            message: format!(
                "{listen} is ACUPRESS_LISTEN too; give metrics an address of their own"
            ),
        });
    }
    Ok(Some(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_blocks_contain_their_addresses() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
    }
}
