//! Rate limits: fixed one-minute windows per credential (or per IP address for
//! requests without one), kept in memory. The middleware picks the policy for
//! each request and writes the limit state on every API response.

mod middleware;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use middleware::{CredentialKind, LIMITED_PREFIXES, Policy, enforce, policy_for};

pub const WINDOW: Duration = Duration::from_secs(60);
/// Windows are swept once the table holds this many keys.
const SWEEP_AT: usize = 10_000;

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets (at least 1).
    pub reset_after: u64,
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

struct Window {
    started: Instant,
    count: u32,
}

impl RateLimiter {
    /// Counts one request for `key` against `limit` per minute.
    pub fn check(&self, key: &str, limit: u32) -> Decision {
        self.check_at(key, limit, Instant::now())
    }

    fn check_at(&self, key: &str, limit: u32, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
        }
        let window = windows.entry(key.to_string()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        let allowed = window.count < limit;
        if allowed {
            window.count += 1;
        }
        let elapsed = now.duration_since(window.started);
        Decision {
            allowed,
            limit,
            remaining: limit - window.count.min(limit),
            reset_after: WINDOW.saturating_sub(elapsed).as_secs().max(1),
        }
    }

    /// Looks at the state of `key` without counting a request.
    pub fn is_exhausted(&self, key: &str, limit: u32) -> bool {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .get(key)
            .is_some_and(|w| w.started.elapsed() < WINDOW && w.count >= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_is_refused_until_the_window_ends() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for i in 0..3 {
            let d = limiter.check_at("k", 3, start);
            assert!(d.allowed);
            assert_eq!(d.remaining, 2 - i);
        }
        let refused = limiter.check_at("k", 3, start + Duration::from_secs(20));
        assert!(!refused.allowed);
        assert_eq!(refused.reset_after, 40);
        assert!(limiter.check_at("other", 3, start).allowed);
        assert!(limiter.check_at("k", 3, start + WINDOW).allowed);
    }
}
