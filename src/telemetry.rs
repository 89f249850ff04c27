//! Logging and tracing: the subscriber (pretty or JSON), the request id every log line and
//! audit event carries, and running blocking database work off the async workers with the
//! current span and request id carried along.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use tracing::Instrument;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::config::{LogFormat, LogSettings};

thread_local! {
    static REQUEST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
    /// When the blocking work running on this thread was handed over.
    static WORK_STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

tokio::task_local! {
    /// The id of the request the current async task serves (set by the request middleware).
    pub static TASK_REQUEST_ID: String;
}

/// Installs the global subscriber. `RUST_LOG`, when set, wins over the configured level.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    // A second init (tests start many apps in one process) is not an error worth reporting.
    let _ = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}

/// The request id of the request whose blocking work runs on this thread, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.with(|id| id.borrow().clone())
}

/// How long ago the blocking work running on this thread was handed over by `run_blocking`
/// (including any wait for a free blocking thread); `None` outside such work.
pub fn work_age() -> Option<Duration> {
    WORK_STARTED.get().map(|at| at.elapsed())
}

/// Makes this thread's work as old as `at` says (for tests of what `work_age` limits).
#[cfg(test)]
pub(crate) fn set_work_started(at: Option<Instant>) {
    WORK_STARTED.set(at);
}

/// Runs blocking work on the blocking pool, inside the caller's span and with its request id.
pub async fn run_blocking<F, T>(work: F) -> Result<T, BlockingFailed>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let request_id = TASK_REQUEST_ID.try_with(String::clone).ok();
    let span = tracing::Span::current();
    let handed_over = Instant::now();
    let task = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        REQUEST_ID.with(|id| *id.borrow_mut() = request_id);
        WORK_STARTED.set(Some(handed_over));
        let out = work();
        REQUEST_ID.with(|id| *id.borrow_mut() = None);
        WORK_STARTED.set(None);
        out
    });
    task.in_current_span().await.map_err(|e| {
        if e.is_panic() {
            BlockingFailed::Panicked(panic_message(e.into_panic()))
        } else {
            BlockingFailed::Cancelled
        }
    })
}

/// Why blocking work gave no result.
#[derive(Debug, thiserror::Error)]
pub enum BlockingFailed {
    /// A bug: the work panicked (the message is for the log).
    #[error("blocking task panicked: {0}")]
    Panicked(String),
    /// The runtime is shutting down.
    #[error("blocking task cancelled")]
    Cancelled,
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
