//! Graceful shutdown (SIGTERM, SIGINT): the listener stops at once, idle sessions are
//! closed at once, running statements may finish within the grace period
//! (`--shutdown-grace`), and then are terminated: their backend queries are stopped (as a
//! cancel stops them) and the client gets FATAL 57P01 `terminating connection due to
//! administrator command`, as from PostgreSQL's fast shutdown.
//!
//! [`Connections`] tracks every accepted connection: its task, a second handle on its
//! socket, and once started up its [`CancelSlot`]. A session is terminated through its
//! slot, as `pg_terminate_backend` does: a running statement ends with the FATAL error
//! (pgwire sends it and closes the connection); an idle session is closed by its
//! connection's watcher (`server::watch_connection`), which writes the FATAL error on its
//! own handle of the socket (not on TLS, whose stream only pgwire can write). A connection
//! still starting up is stopped here and gets the error on the second handle.

use std::collections::HashMap;
use std::io::Write;
use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cancel::CancelSlot;

/// How often the shutdown looks for sessions whose statement has ended.
const POLL: Duration = Duration::from_millis(50);
/// How long terminated sessions get to send their error and close before their tasks are
/// stopped.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// PostgreSQL's default-like grace for running statements (`--shutdown-grace`).
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Every accepted connection, until its task ends.
#[derive(Debug, Default)]
pub struct Connections {
    next_id: AtomicU64,
    tracked: Mutex<HashMap<u64, Tracked>>,
}

#[derive(Debug)]
struct Tracked {
    /// A second handle on the socket, to say goodbye to an idle client.
    socket: Option<std::net::TcpStream>,
    task: Option<JoinHandle<()>>,
    session: Arc<SessionLink>,
}

/// What a connection's start-up learns: its slot, and whether it speaks TLS.
#[derive(Debug, Default)]
pub struct SessionLink {
    started: OnceLock<(Arc<CancelSlot>, bool)>,
}

impl SessionLink {
    /// The session started on `slot`; `secure`: over TLS.
    pub fn started(&self, slot: Arc<CancelSlot>, secure: bool) {
        let _ = self.started.set((slot, secure));
    }
}

/// A connection's place in [`Connections`]; removes it when dropped (the task ended).
#[derive(Debug)]
pub struct Tracking {
    id: u64,
    connections: Arc<Connections>,
}

impl Drop for Tracking {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
    }
}

impl Connections {
    /// Tracks `socket`'s connection: returns the socket, its tracking (held by its task)
    /// and the link its start-up fills.
    pub fn track(
        self: &Arc<Self>,
        socket: TcpStream,
    ) -> std::io::Result<(TcpStream, Tracking, Arc<SessionLink>)> {
        let socket = socket.into_std()?;
        let second = socket.try_clone().ok();
        let socket = TcpStream::from_std(socket)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let session = Arc::new(SessionLink::default());
        let tracked = Tracked {
            socket: second,
            task: None,
            session: session.clone(),
        };
        self.lock().insert(id, tracked);
        let tracking = Tracking {
            id,
            connections: self.clone(),
        };
        Ok((socket, tracking, session))
    }

    /// Hands the connection's task over (to stop it at shutdown).
    pub fn set_task(&self, tracking: &TrackingId, task: JoinHandle<()>) {
        if let Some(tracked) = self.lock().get_mut(&tracking.0) {
            tracked.task = Some(task);
        }
    }

    /// Closes every session: idle ones at once, running ones when their statement ends or
    /// at the latest after `grace`; `tls` tells whether connections still starting may be
    /// TLS. Returns when every connection is closed.
    pub async fn shut_down(&self, grace: Duration, tls: bool) {
        let deadline = Instant::now() + grace;
        loop {
            self.close_idle(tls).await;
            if self.is_empty() {
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let running = self.terminate_all(tls).await;
        tracing::info!(running, "shutdown grace period over: statements terminated");
        let closing = Instant::now() + CLOSE_WAIT;
        while !self.is_empty() && Instant::now() < closing {
            tokio::time::sleep(POLL).await;
        }
        for (_, task) in self.take_tasks() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Closes the connections whose session runs nothing, and those still starting up.
    async fn close_idle(&self, tls: bool) {
        let closing: Vec<_> = {
            let mut tracked = self.lock();
            tracked
                .values_mut()
                .filter_map(|t| match t.session.started.get() {
                    // A terminated session is closed by its connection's watcher
                    // (`server::watch_connection`), with its FATAL 57P01.
                    Some((slot, _)) => {
                        slot.terminate_if_idle();
                        None
                    }
                    None => Some((t.task.take()?, t.socket.take().filter(|_| !tls))),
                })
                .collect()
        };
        for (task, socket) in closing {
            close(socket, task).await;
        }
    }

    /// Terminates every session: running statements end with 57P01 (pgwire sends it and
    /// closes), the others are closed here. How many statements were running.
    async fn terminate_all(&self, tls: bool) -> usize {
        let mut running = 0;
        let closing: Vec<_> = {
            let mut tracked = self.lock();
            tracked
                .values_mut()
                .filter_map(|t| match t.session.started.get() {
                    Some((slot, _)) => {
                        if slot.terminate() {
                            running += 1;
                        }
                        None
                    }
                    None => Some((t.task.take()?, t.socket.take().filter(|_| !tls))),
                })
                .collect()
        };
        for (task, socket) in closing {
            close(socket, task).await;
        }
        running
    }

    fn take_tasks(&self) -> Vec<(u64, JoinHandle<()>)> {
        let mut tracked = self.lock();
        tracked
            .iter_mut()
            .filter_map(|(id, t)| Some((*id, t.task.take()?)))
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Tracked>> {
        self.tracked.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The id of a tracked connection, for [`Connections::set_task`].
#[derive(Debug, Clone, Copy)]
pub struct TrackingId(u64);

impl Tracking {
    pub fn id(&self) -> TrackingId {
        TrackingId(self.id)
    }
}

/// Stops a connection's task, then writes the FATAL error on `socket` (its second handle;
/// `None` on TLS) and closes it.
async fn close(socket: Option<std::net::TcpStream>, task: JoinHandle<()>) {
    task.abort();
    // The task (and pgwire's handle) is gone once it has ended.
    let _ = task.await;
    if let Some(mut socket) = socket {
        let _ = socket.write_all(&terminating_message());
        let _ = socket.shutdown(Shutdown::Both);
    }
}

/// PostgreSQL's ErrorResponse for a terminated session: FATAL 57P01.
fn terminating_message() -> Vec<u8> {
    let fields: [(u8, &str); 4] = [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', "57P01"),
        (b'M', "terminating connection due to administrator command"),
    ];
    let mut body = Vec::new();
    for (tag, text) in fields {
        body.push(tag);
        body.extend_from_slice(text.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut message = vec![b'E'];
    let length = u32::try_from(body.len() + 4).expect("a short message");
    message.extend_from_slice(&length.to_be_bytes());
    message.extend_from_slice(&body);
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use pgwire::messages::response::ErrorResponse;
    use pgwire::messages::Message;

    #[test]
    fn the_goodbye_is_a_fatal_error_response() {
        let mut bytes = BytesMut::from(&terminating_message()[..]);
        let decoded = ErrorResponse::decode(&mut bytes, &Default::default())
            .unwrap()
            .unwrap();
        let fields: HashMap<u8, String> = decoded.fields.into_iter().collect();
        assert_eq!(fields[&b'S'], "FATAL");
        assert_eq!(fields[&b'C'], "57P01");
        assert!(bytes.is_empty());
    }

    #[tokio::test]
    async fn idle_sessions_close_at_once_and_running_ones_after_the_grace() {
        let connections = Arc::new(Connections::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        let (reasons, mut terminated) = tokio::sync::mpsc::unbounded_channel();
        let mut slots = Vec::new();
        for running in [false, true] {
            clients.push(TcpStream::connect(address).await.unwrap());
            let (socket, _) = listener.accept().await.unwrap();
            let (socket, tracking, link) = connections.track(socket).unwrap();
            let slot = Arc::new(CancelSlot::default());
            link.started(slot.clone(), false);
            slots.push(slot.clone());
            let id = tracking.id();
            // A statement that never ends by itself; the task ends with it, as pgwire's
            // does after sending the FATAL error.
            let statement = running.then(|| crate::cancel::Interrupt::start(Some(&slot), None));
            let reasons = reasons.clone();
            let task = tokio::spawn(async move {
                let _tracking = tracking;
                let _socket = socket;
                match statement {
                    Some(statement) => reasons.send(statement.fired().await).unwrap(),
                    None => std::future::pending::<()>().await,
                }
            });
            connections.set_task(&id, task);
        }
        connections
            .shut_down(Duration::from_millis(100), false)
            .await;
        assert!(connections.is_empty());
        assert_eq!(
            terminated.recv().await,
            Some(crate::cancel::Interruption::Terminated)
        );
        // The idle session was terminated at once; its connection's watcher (not part of
        // this test) writes the FATAL error, and the connection is closed.
        assert_eq!(
            slots[0].ended().await,
            crate::cancel::Interruption::Terminated
        );
        let mut rest = Vec::new();
        let mut idle = clients.remove(0).into_std().unwrap();
        idle.set_nonblocking(false).unwrap();
        std::io::Read::read_to_end(&mut idle, &mut rest).unwrap();
        assert!(rest.is_empty());
    }
}
