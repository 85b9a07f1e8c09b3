//! The sign-in and registration rate limit: a fixed-window counter per
//! client address for the unauthenticated endpoints (invite codes and
//! passkey ceremonies), so codes cannot be guessed and the ceremony table
//! cannot be flooded. Behind trusted proxies the client is read from
//! `X-Forwarded-For`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{ApiError, ApiResult};

/// Attempts per client address per window.
pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// Above this many tracked addresses, stale windows are swept.
    const SWEEP_ABOVE: usize = 10_000;

    pub fn per_minute(per_window: u32) -> Self {
        RateLimiter {
            per_window,
            window: Duration::from_secs(60),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt; `Err(seconds)` says how long until the next is allowed.
    pub fn check(&self, addr: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > Self::SWEEP_ABOVE {
            let window = self.window;
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_window {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// 429 when the client behind `req` (seen through `trusted_proxies`) has
/// used up its window.
pub fn rate_limit(
    limiter: &RateLimiter,
    trusted_proxies: &[ipnet::IpNet],
    req: &poem::Request,
) -> ApiResult<()> {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let addr = client_addr(peer, &forwarded, trusted_proxies).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    limiter.check(addr).map_err(ApiError::too_many_requests)
}

/// The address a request comes from, for the rate limit. The TCP peer,
/// unless the peer is one of our trusted proxies: then `X-Forwarded-For`
/// (every instance of the header, in order) is read from the right, skipping
/// addresses that are themselves trusted proxies; the first one that is not
/// is the client. Anything to its left was written by the client and is not
/// believed. A header that cannot be read (or names only proxies) leaves the
/// nearest address we could trust: the right-most readable one, else the peer.
pub fn client_addr(
    peer: Option<IpAddr>,
    forwarded_for: &str,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?.to_canonical();
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut nearest = peer;
    for hop in forwarded_for.rsplit(',') {
        let hop = hop.trim();
        if hop.is_empty() {
            continue;
        }
        let Some(ip) = parse_hop(hop) else {
            // An unreadable entry: nothing further left can be trusted.
            return Some(nearest);
        };
        if !is_trusted(&ip) {
            return Some(ip);
        }
        nearest = ip;
    }
    Some(nearest)
}

/// One `X-Forwarded-For` entry: an IP address, possibly with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_refuses_past_the_budget_per_address() {
        let limiter = RateLimiter::per_minute(3);
        let a = IpAddr::from([127, 0, 0, 1]);
        let b = IpAddr::from([127, 0, 0, 2]);
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(b).is_ok());
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_addr(Some(ip("203.0.113.7")), "198.51.100.1", &trusted),
            Some(ip("203.0.113.7"))
        );
        // No proxies configured: the header is never read.
        assert_eq!(
            client_addr(Some(ip("10.0.0.2")), "198.51.100.1", &[]),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "192.0.2.10/32"]);
        let peer = Some(ip("10.1.2.3"));
        assert_eq!(
            client_addr(peer, "198.51.100.1", &trusted),
            Some(ip("198.51.100.1"))
        );
        // The client may prepend anything; only the hop our proxy appended counts.
        assert_eq!(
            client_addr(peer, "6.6.6.6, 198.51.100.1", &trusted),
            Some(ip("198.51.100.1"))
        );
        // Chained trusted proxies are skipped, in one header or several.
        assert_eq!(
            client_addr(peer, "6.6.6.6, 198.51.100.1, 192.0.2.10,10.9.9.9", &trusted),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            client_addr(peer, "198.51.100.1:4711", &trusted),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            client_addr(peer, "[2001:db8::1]:443", &trusted),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn a_missing_or_unreadable_header_leaves_the_nearest_trusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let peer = Some(ip("10.1.2.3"));
        assert_eq!(client_addr(peer, "", &trusted), peer);
        assert_eq!(
            client_addr(peer, "10.5.5.5", &trusted),
            Some(ip("10.5.5.5"))
        );
        // Garbage is not skipped over to reach a spoofed address further left.
        assert_eq!(client_addr(peer, "6.6.6.6, not-an-ip", &trusted), peer);
        assert_eq!(
            client_addr(peer, "6.6.6.6, unknown, 10.5.5.5", &trusted),
            Some(ip("10.5.5.5"))
        );
    }
}
