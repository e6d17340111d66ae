//! What the gateway lends the catalog about its work ([`ActivitySource`]): the sessions
//! and their cancel slots ([`CancelRegistry`]), the remote parts running now
//! ([`RemoteActivity`]) and the last statements ([`QueryLog`]).

use std::sync::Arc;

use fedgate_pgcompat::catalog::activity::{
    ActivitySource, QueryLogEntry, RemotePartActivity, SessionActivity,
};

use crate::cancel::CancelRegistry;
use crate::query_log::QueryLog;
use crate::remote_activity::RemoteActivity;

/// The gateway's sessions, remote parts and query log.
#[derive(Debug)]
pub struct GatewayActivity {
    pub registry: Arc<CancelRegistry>,
    pub remote: Arc<RemoteActivity>,
    pub log: Arc<QueryLog>,
}

impl ActivitySource for GatewayActivity {
    fn sessions(&self) -> Vec<SessionActivity> {
        let mut sessions = self.registry.sessions();
        for session in &mut sessions {
            session.waiting_on_backend = session.active && self.remote.waiting(session.pid);
        }
        sessions
    }

    fn cancel(&self, pid: i32) -> bool {
        ActivitySource::cancel(&*self.registry, pid)
    }

    fn terminate(&self, pid: i32) -> bool {
        self.registry.terminate(pid)
    }

    fn remote_parts(&self) -> Vec<RemotePartActivity> {
        self.remote.parts()
    }

    fn query_log(&self) -> Vec<QueryLogEntry> {
        self.log.entries()
    }
}
