//! The one place that reads the system time, so tests and the UI can inject their own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_unix_millis(&self) -> u64;

    fn now_unix_secs(&self) -> u64 {
        self.now_unix_millis() / 1000
    }
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_millis(&self) -> u64 {
        // A clock set before 1970 reads as the epoch rather than panicking.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }
}

/// A clock that only moves when told to; clones share the same time.
#[derive(Debug, Default, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    pub fn at_secs(unix_secs: u64) -> Self {
        Self(Arc::new(AtomicU64::new(unix_secs * 1000)))
    }

    pub fn set_millis(&self, unix_millis: u64) {
        self.0.store(unix_millis, Ordering::SeqCst);
    }

    pub fn advance_millis(&self, millis: u64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix_millis(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_is_shared_and_moves_only_when_told() {
        let a = ManualClock::at_secs(59);
        let b = a.clone();
        a.advance_millis(1500);
        assert_eq!(b.now_unix_millis(), 60_500);
        assert_eq!(b.now_unix_secs(), 60);
        b.set_millis(0);
        assert_eq!(a.now_unix_secs(), 0);
        assert!(SystemClock.now_unix_secs() > 1_700_000_000);
    }
}
