//! Agent presence follows open sockets: an agent with a socket open is shown
//! with their chosen availability (online or busy); one whose last socket
//! closed is shown offline after a grace period, so a page reload does not
//! flicker them offline.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub struct Presence {
    grace: Duration,
    sockets: Mutex<HashMap<i64, usize>>,
}

impl Presence {
    pub fn new(grace: Duration) -> Presence {
        Presence {
            grace,
            sockets: Mutex::new(HashMap::new()),
        }
    }

    fn sockets(&self) -> std::sync::MutexGuard<'_, HashMap<i64, usize>> {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a new socket of `user_id`; true when it is their first.
    pub fn connected(&self, user_id: i64) -> bool {
        let mut sockets = self.sockets();
        let count = sockets.entry(user_id).or_insert(0);
        *count += 1;
        *count == 1
    }

    /// Counts a closed socket; true when it was their last.
    pub fn disconnected(&self, user_id: i64) -> bool {
        let mut sockets = self.sockets();
        match sockets.get_mut(&user_id) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                sockets.remove(&user_id);
                true
            }
            None => false,
        }
    }

    pub fn is_online(&self, user_id: i64) -> bool {
        self.sockets().contains_key(&user_id)
    }

    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// What others see of an agent with `availability`.
    pub fn status(&self, user_id: i64, availability: &str) -> &'static str {
        match (self.is_online(user_id), availability) {
            (true, "busy") => "busy",
            (true, "online") => "online",
            _ => "offline",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_follows_the_first_and_last_socket() {
        let p = Presence::new(Duration::from_secs(1));
        assert!(p.connected(7));
        assert!(!p.connected(7));
        assert_eq!(p.status(7, "busy"), "busy");
        assert!(!p.disconnected(7));
        assert!(p.disconnected(7));
        assert_eq!(p.status(7, "online"), "offline");
        assert!(!p.disconnected(7));
    }
}
