//! Whether the process is ready for clients: `/readyz` answers 200 once the catalog is
//! loaded and the PostgreSQL listener accepts, and 503 from the moment a shutdown starts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The process's readiness.
#[derive(Debug, Default)]
pub struct Health {
    accepting: AtomicBool,
    shutting_down: AtomicBool,
}

impl Health {
    /// The catalog is loaded and the PostgreSQL listener accepts connections.
    pub fn set_accepting(&self) {
        self.accepting.store(true, Ordering::SeqCst);
    }

    /// A shutdown started: not ready any more, for good.
    pub fn set_shutting_down(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Ready for new clients.
    pub fn is_ready(&self) -> bool {
        self.accepting.load(Ordering::SeqCst) && !self.is_shutting_down()
    }
}

/// The process's health.
pub fn health() -> &'static Health {
    static HEALTH: OnceLock<Health> = OnceLock::new();
    HEALTH.get_or_init(Health::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_between_accepting_and_shutdown() {
        let health = Health::default();
        assert!(!health.is_ready());
        health.set_accepting();
        assert!(health.is_ready());
        health.set_shutting_down();
        assert!(!health.is_ready());
        assert!(health.is_shutting_down());
    }
}
