//! One client connection's session: the PostgreSQL layer's session (its DataFusion context,
//! settings and search path, see [`fedgate_pgcompat::PgSession`]) plus what only the
//! protocol needs: the connection's open cursors and the NOTICEs it has still to send.

use std::ops::Deref;
use std::sync::Mutex;

use std::sync::Arc;

use fedgate_pgcompat::PgSession;

use crate::remote_activity::SessionParts;

/// A session's state.
#[derive(Debug)]
pub struct Session {
    pg: PgSession,
    /// Its remote parts and the statement running now (`fedgate_remote_activity`, the
    /// query log).
    pub parts: Arc<SessionParts>,
    /// Open SQL cursors (DECLARE ... CURSOR).
    pub cursors: crate::handler::cursors::Cursors,
    /// NOTICE messages raised by the running statement, not sent yet.
    notices: Mutex<Vec<String>>,
}

impl Session {
    pub fn new(pg: PgSession, parts: Arc<SessionParts>) -> Self {
        Self {
            pg,
            parts,
            cursors: Default::default(),
            notices: Mutex::default(),
        }
    }

    /// Queues a NOTICE for the client (e.g. `role "x" does not exist, skipping`).
    pub fn notice(&self, message: impl Into<String>) {
        self.notices_lock().push(message.into());
    }

    /// The queued NOTICE messages, oldest first; the queue is empty afterwards.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices_lock())
    }

    fn notices_lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.notices.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A connection's session is a PostgreSQL session with protocol state around it.
impl Deref for Session {
    type Target = PgSession;

    fn deref(&self) -> &PgSession {
        &self.pg
    }
}
