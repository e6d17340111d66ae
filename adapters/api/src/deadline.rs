//! fedgate's own deadline on a remote part: a backend that is frozen (its process stopped,
//! or packets dropped without the socket closing) never sends its own statement-timeout
//! error, so the result stream ends with the adapter's error once the deadline passes, and
//! is dropped (which cancels the remote query and discards its connection).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::Result as DfResult;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use futures::stream::BoxStream;
use futures::{Future, Stream, StreamExt};
use tokio::time::{Instant, Sleep};

use crate::{AdapterError, Result};

/// Ends `stream` with `error` when it has not ended `limit` after it was first polled.
/// Without a limit the stream is returned as it is.
pub fn with_deadline(
    stream: SendableRecordBatchStream,
    limit: Option<Duration>,
    error: AdapterError,
) -> SendableRecordBatchStream {
    match limit {
        None => stream,
        Some(limit) => Box::pin(Deadline {
            schema: stream.schema(),
            inner: Some(stream),
            limit,
            timer: None,
            error: Some(error),
        }),
    }
}

/// Ends `items` with `error` at `deadline` if it has not ended by then (dropping it); for
/// streams that are not record batches (pass-through rows).
pub fn items_until<T: Send + 'static>(
    items: BoxStream<'static, Result<T>>,
    deadline: Instant,
    error: AdapterError,
) -> BoxStream<'static, Result<T>> {
    futures::stream::unfold(Some((items, error)), move |state| async move {
        let (mut items, error) = state?;
        match tokio::time::timeout_at(deadline, items.next()).await {
            Ok(Some(item)) => Some((item, Some((items, error)))),
            Ok(None) => None,
            Err(_) => Some((Err(error), None)),
        }
    })
    .boxed()
}

struct Deadline {
    schema: SchemaRef,
    inner: Option<SendableRecordBatchStream>,
    limit: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    error: Option<AdapterError>,
}

impl Stream for Deadline {
    type Item = DfResult<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(item) = inner.as_mut().poll_next(cx) {
            if item.is_none() {
                this.inner = None;
            }
            return Poll::Ready(item);
        }
        let limit = this.limit;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                this.inner = None;
                let error = this.error.take().expect("the deadline fires once");
                Poll::Ready(Some(Err(error.into_datafusion())))
            }
        }
    }
}

impl RecordBatchStream for Deadline {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Schema;
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use futures::StreamExt;
    use std::sync::Arc;

    fn stream(
        items: impl Stream<Item = DfResult<RecordBatch>> + Send + 'static,
    ) -> SendableRecordBatchStream {
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::new(Schema::empty()),
            items,
        ))
    }

    struct DropFlag(Arc<std::sync::atomic::AtomicBool>);
    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_silent_stream_ends_with_the_error_and_is_dropped() {
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        let silent = futures::stream::pending::<DfResult<RecordBatch>>().map(move |x| {
            let _ = &flag;
            x
        });
        let error = AdapterError::connection_failure("no answer").for_server("sales");
        let mut s = with_deadline(stream(silent), Some(Duration::from_millis(200)), error);
        let item = s.next().await.unwrap().unwrap_err();
        let found = AdapterError::find_in(&item).unwrap();
        assert_eq!(found.sqlstate, "08006");
        assert!(found.message.contains("sales"));
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn items_end_with_the_error_at_the_deadline() {
        let items = futures::stream::iter(vec![Ok(1)])
            .chain(futures::stream::pending())
            .boxed();
        let deadline = Instant::now() + Duration::from_millis(200);
        let error = AdapterError::connection_failure("no answer");
        let all: Vec<Result<i32>> = items_until(items, deadline, error).collect().await;
        assert_eq!(all.len(), 2);
        assert_eq!(*all[0].as_ref().unwrap(), 1);
        assert_eq!(all[1].as_ref().unwrap_err().sqlstate, "08006");
    }

    #[tokio::test]
    async fn a_stream_that_ends_in_time_is_untouched() {
        let batch = RecordBatch::new_empty(Arc::new(Schema::empty()));
        let items = futures::stream::iter(vec![Ok(batch.clone()), Ok(batch)]);
        let error = AdapterError::connection_failure("no answer");
        let s = with_deadline(stream(items), Some(Duration::from_millis(200)), error);
        let all: Vec<_> = s.collect().await;
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|r| r.is_ok()));
    }
}
