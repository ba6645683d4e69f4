//! The lifecycle both provider servers share: bind 127.0.0.1, serve on a
//! dedicated thread with its own runtime, answer from a queue of scripted
//! responses (then a default), record requests, stop on drop.
//!
//! Only the wire shapes differ between OpenAI and Bedrock; they live in the
//! servers' own modules as the `respond` function passed to
//! [`ScriptedServer::serve`].

use std::collections::VecDeque;
use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};

/// The script of one server: queued responses, a default, and what came in.
#[derive(Debug)]
pub struct Script<C, R> {
    queue: VecDeque<C>,
    default: Option<C>,
    requests: Vec<R>,
    record: bool,
}

impl<C: Clone, R> Script<C, R> {
    /// Records `request` (unless recording is off) and hands out the next
    /// queued response, or the default once the queue is empty.
    pub fn answer(&mut self, request: R) -> Option<C> {
        if self.record {
            self.requests.push(request);
        }
        self.queue.pop_front().or_else(|| self.default.clone())
    }

    /// Records `request` (unless recording is off) without consuming a
    /// response: for requests the server refuses on its own.
    pub fn record_only(&mut self, request: R) {
        if self.record {
            self.requests.push(request);
        }
    }
}

/// A server thread answering from a shared [`Script`]; stops when dropped.
#[derive(Debug)]
pub struct ScriptedServer<C, R> {
    addr: SocketAddr,
    script: Arc<Mutex<Script<C, R>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<C, R> ScriptedServer<C, R>
where
    C: Clone + Send + 'static,
    R: Clone + Send + 'static,
{
    /// Binds 127.0.0.1 on a free port and answers every request with
    /// `respond(script, request)` on a thread named `thread_name`.
    pub fn serve<F, Fut>(thread_name: &str, respond: F) -> std::io::Result<Self>
    where
        F: Fn(Arc<Mutex<Script<C, R>>>, Request<Body>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response<Body>> + Send + 'static,
    {
        let listener = StdListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let script = Arc::new(Mutex::new(Script {
            queue: VecDeque::new(),
            default: None,
            requests: Vec::new(),
            record: true,
        }));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let app_script = Arc::clone(&script);
        let thread = std::thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let app = axum::Router::new()
                        .fallback(move |req: Request<Body>| respond(Arc::clone(&app_script), req));
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime cancels connections left hanging.
                runtime.shutdown_background();
            })?;
        Ok(Self {
            addr,
            script,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a response for the next request.
    pub fn push(&self, canned: C) {
        self.lock().queue.push_back(canned);
    }

    /// Answers every request with `canned` once the queue is empty.
    pub fn set_default(&self, canned: C) {
        self.lock().default = Some(canned);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<R> {
        self.lock().requests.clone()
    }

    /// Whether requests are kept for [`requests`](Self::requests) (default
    /// `true`; benches turn it off so memory stays flat).
    pub fn set_record_requests(&self, record: bool) {
        self.lock().record = record;
    }

    /// Forgets recorded requests (for long-running benches).
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    fn lock(&self) -> MutexGuard<'_, Script<C, R>> {
        lock(&self.script)
    }
}

/// Locks a script, also after a panic in another handler (the script stays
/// usable: it is plain data).
pub fn lock<C, R>(script: &Mutex<Script<C, R>>) -> MutexGuard<'_, Script<C, R>> {
    script.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<C, R> Drop for ScriptedServer<C, R> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `chunks` as a streamed body, one HTTP chunk each, `delay` apart; with
/// `hang_after`, the stream stalls (never ends) after that many chunks.
pub fn paced_body(chunks: Vec<Bytes>, delay: Duration, hang_after: Option<usize>) -> Body {
    let limit = hang_after.unwrap_or(chunks.len());
    let chunks = Arc::new(chunks);
    let stream = futures_util::stream::unfold(0usize, move |i| {
        let chunks = Arc::clone(&chunks);
        async move {
            if i >= limit {
                if hang_after.is_some() {
                    std::future::pending::<()>().await;
                }
                return None;
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let chunk = chunks.get(i)?.clone();
            Some((Ok::<_, Infallible>(chunk), i + 1))
        }
    });
    Body::from_stream(stream)
}

/// A response with `status` (200 if invalid) and `headers` (invalid ones
/// skipped: scripts may carry recorded headers verbatim).
pub fn response(body: Body, status: u16, headers: &[(String, String)]) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
