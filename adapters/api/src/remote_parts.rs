//! Remote parts in flight: what each running remote part (a pushed SQL query, a MongoDB
//! pipeline) tells the session that runs it.
//!
//! The protocol layer puts a [`RemotePartTracker`] into each session's DataFusion
//! `SessionConfig` (an extension); a remote scan operator finds it in its `TaskContext` and
//! wraps its stream with [`track`]. The tracker's [`RemotePartObserver`] hears when the part
//! starts (its server, text and start time, then rows and bytes as they arrive) and when it
//! ends, with its outcome. Without a tracker (unit tests, tools), [`track`] returns the stream
//! as it is.

use std::fmt::Debug;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::Result;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream, TaskContext};
use futures::Stream;

use crate::{AdapterError, SqlState};

/// Hears about the remote parts of one session.
pub trait RemotePartObserver: Send + Sync + Debug {
    /// `part` starts now.
    fn started(&self, part: &Arc<RemotePart>);
    /// `part` ended: its rows all read, failed, or dropped before its end.
    fn finished(&self, part: &Arc<RemotePart>, outcome: &PartOutcome);
}

/// The session's observer, as a `SessionConfig` extension.
#[derive(Debug, Clone)]
pub struct RemotePartTracker(pub Arc<dyn RemotePartObserver>);

/// How a remote part ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartOutcome {
    /// Every row was read.
    Done,
    /// The backend or the reading failed (the SQLSTATE when one is known).
    Failed(Option<SqlState>),
    /// The statement stopped reading first (LIMIT reached, cancel, error elsewhere).
    Stopped,
}

static NEXT_PART: AtomicU64 = AtomicU64::new(1);

/// One remote part while it runs.
#[derive(Debug)]
pub struct RemotePart {
    /// Unique in this process.
    pub id: u64,
    pub server: String,
    /// The SQL or pipeline sent.
    pub text: String,
    pub started: SystemTime,
    start: Instant,
    rows: AtomicU64,
    bytes: AtomicU64,
    waiting: AtomicBool,
}

impl RemotePart {
    pub fn new(server: &str, text: String) -> Self {
        Self {
            id: NEXT_PART.fetch_add(1, Ordering::Relaxed),
            server: server.to_string(),
            text,
            started: SystemTime::now(),
            start: Instant::now(),
            rows: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            waiting: AtomicBool::new(true),
        }
    }

    /// Rows received so far.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// Bytes received so far, as Arrow arrays in memory.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Whether the part waits for the backend now (asked, nothing received yet).
    pub fn waiting(&self) -> bool {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Time since it started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn received(&self, rows: usize, bytes: usize) {
        self.waiting.store(false, Ordering::Relaxed);
        self.rows.fetch_add(rows as u64, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// A running part reported to its observer: started when made, finished once (by
/// [`PartGuard::finish`], or as [`PartOutcome::Stopped`] when dropped first). For remote
/// work whose rows are not record batches (a statement passed through whole).
#[derive(Debug)]
pub struct PartGuard {
    part: Arc<RemotePart>,
    /// Taken when the part is reported finished.
    observer: Option<Arc<dyn RemotePartObserver>>,
}

impl PartGuard {
    /// A part on `server` running `text`, starting now.
    pub fn start(observer: Arc<dyn RemotePartObserver>, server: &str, text: String) -> Self {
        let part = Arc::new(RemotePart::new(server, text));
        observer.started(&part);
        Self {
            part,
            observer: Some(observer),
        }
    }

    /// `rows` rows of `bytes` bytes arrived.
    pub fn received(&self, rows: usize, bytes: usize) {
        self.part.received(rows, bytes);
    }

    /// The part waits for the backend now.
    pub fn waiting(&self) {
        self.part.waiting.store(true, Ordering::Relaxed);
    }

    /// The part ended so.
    pub fn finish(&mut self, outcome: PartOutcome) {
        if let Some(observer) = self.observer.take() {
            self.part.waiting.store(false, Ordering::Relaxed);
            observer.finished(&self.part, &outcome);
        }
    }
}

impl Drop for PartGuard {
    fn drop(&mut self) {
        self.finish(PartOutcome::Stopped);
    }
}

/// `stream`, the rows of a remote part on `server` running `text`, reported to the session's
/// tracker in `context` (unchanged when there is none).
pub fn track(
    context: &TaskContext,
    server: &str,
    text: impl FnOnce() -> String,
    stream: SendableRecordBatchStream,
) -> SendableRecordBatchStream {
    let Some(tracker) = context
        .session_config()
        .get_extension::<RemotePartTracker>()
    else {
        return stream;
    };
    track_with(tracker.0.clone(), server, text(), stream)
}

/// `stream` reported to `observer` as a part on `server` running `text`.
pub fn track_with(
    observer: Arc<dyn RemotePartObserver>,
    server: &str,
    text: String,
    stream: SendableRecordBatchStream,
) -> SendableRecordBatchStream {
    Box::pin(Tracked {
        inner: stream,
        guard: PartGuard::start(observer, server, text),
    })
}

struct Tracked {
    inner: SendableRecordBatchStream,
    guard: PartGuard,
}

impl Stream for Tracked {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Pending => self.guard.waiting(),
            Poll::Ready(Some(Ok(batch))) => self
                .guard
                .received(batch.num_rows(), batch.get_array_memory_size()),
            Poll::Ready(Some(Err(error))) => {
                let code = AdapterError::find_in(error).map(|e| e.sqlstate);
                self.guard.finish(PartOutcome::Failed(code));
            }
            Poll::Ready(None) => self.guard.finish(PartOutcome::Done),
        }
        polled
    }
}

impl RecordBatchStream for Tracked {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int32Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use futures::StreamExt;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Heard(Mutex<Vec<(String, Option<PartOutcome>, u64)>>);

    impl RemotePartObserver for Heard {
        fn started(&self, part: &Arc<RemotePart>) {
            self.0.lock().unwrap().push((part.text.clone(), None, 0));
        }
        fn finished(&self, part: &Arc<RemotePart>, outcome: &PartOutcome) {
            let rows = part.rows();
            self.0
                .lock()
                .unwrap()
                .push((part.text.clone(), Some(outcome.clone()), rows));
        }
    }

    fn batches(n: usize) -> SendableRecordBatchStream {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, false)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int32Array::from(vec![1, 2, 3]))],
        )
        .unwrap();
        let items = (0..n).map(move |_| Ok(batch.clone()));
        Box::pin(RecordBatchStreamAdapter::new(
            schema,
            futures::stream::iter(items.collect::<Vec<_>>()),
        ))
    }

    #[tokio::test]
    async fn a_read_part_reports_its_rows_once() {
        let heard = Arc::new(Heard::default());
        let mut stream = track_with(heard.clone(), "pg", "SELECT a".to_string(), batches(2));
        while stream.next().await.is_some() {}
        drop(stream);
        let heard = heard.0.lock().unwrap().clone();
        assert_eq!(
            heard,
            vec![
                ("SELECT a".to_string(), None, 0),
                ("SELECT a".to_string(), Some(PartOutcome::Done), 6)
            ]
        );
    }

    #[tokio::test]
    async fn a_part_dropped_early_is_stopped() {
        let heard = Arc::new(Heard::default());
        let mut stream = track_with(heard.clone(), "pg", "SELECT a".to_string(), batches(5));
        assert!(stream.next().await.is_some());
        drop(stream);
        let last = heard.0.lock().unwrap().last().cloned().unwrap();
        assert_eq!(last.1, Some(PartOutcome::Stopped));
        assert_eq!(last.2, 3);
    }

    #[test]
    fn without_a_tracker_nothing_changes() {
        let context = TaskContext::default();
        let stream = track(&context, "pg", || unreachable!(), batches(1));
        assert_eq!(stream.schema().fields().len(), 1);
    }
}
