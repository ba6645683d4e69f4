//! The local Unix-domain socket: CloudEvents JSON lines from traced programs
//! (clients) to the `core` CLI (the listeners).
//!
//! Several listeners may run at once (`core trace tail` beside `core llm
//! tail`): the first binds the configured path, the others `<path>.<pid>`,
//! `<path>.<pid>-<n>`, and a traced program writes every event to each
//! listener it finds in the directory.
//!
//! Trust: the socket's directory must be a real directory (never a
//! symlink), owned by this user and writable by nobody else; a listener
//! creates a missing one with mode 0700 and binds its socket with mode 0600.
//! A traced program connects only to sockets in such a directory, and after
//! `connect()` checks the listening process's uid (`SO_PEERCRED`): a socket
//! served by another user gets nothing.
//!
//! A traced program that finds no listener keeps bounded backlogs and
//! replays them when one appears; payload events (diagnostics, denials,
//! analyses) have their own backlog, so a burst of span events never evicts
//! them. Nothing here blocks the pipeline.
//!
//! Unix-domain sockets and their trust checks exist on Unix only: elsewhere
//! the paths and errors stay available, a listener cannot bind
//! ([`SocketError::Unsupported`]) and a traced program writes no local events.

#[cfg(unix)]
use std::collections::VecDeque;
#[cfg(unix)]
use std::fs::{self, DirBuilder, Permissions};
use std::io;
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
#[cfg(unix)]
use std::os::unix::net::{UnixListener, UnixStream as StdUnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
#[cfg(unix)]
use std::sync::OnceLock;
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

use opentelemetry_sdk::trace::SpanData;

#[cfg(unix)]
use tokio::io::AsyncWriteExt;
#[cfg(unix)]
use tokio::net::UnixStream;

use super::cloudevent::{CloudEvent, TYPE_TRACE_SPAN};
use super::span_record::SpanRecord;

/// File name of the socket inside its directory.
pub const SOCKET_FILE_NAME: &str = "core.sock";
/// Span events kept while no listener is connected.
pub const DEFAULT_BACKLOG_EVENTS: usize = 1024;
/// Payload events (diagnostics, denials, analyses) kept while no listener is
/// connected, apart from span events.
pub const DEFAULT_PAYLOAD_BACKLOG: usize = 256;
/// How often a writer looks for (new) listeners.
pub const RECONNECT_INTERVAL: Duration = Duration::from_millis(250);
/// Longest a single write to a slow listener may take before the connection is dropped.
#[cfg(unix)]
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// Most listeners bound beside the configured path.
#[cfg(unix)]
const MAX_LISTENERS: usize = 64;

/// A problem creating the listening socket.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// Creating or reading the socket's directory failed.
    #[error("cannot create socket directory {}: {source}", path.display())]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The socket's directory is not safe for span data: a symlink, not
    /// owned by this user, or writable by others.
    #[error(
        "refusing socket directory {}: it {reason}; use a directory only you can write \
         (`chmod 700 {}` on a directory you own), or unset CORESDK_SOCKET to use the per-user default",
        path.display(),
        path.display()
    )]
    UnsafeDirectory {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Another listener is already serving this socket.
    #[error("{} is already served by another listener", path.display())]
    InUse {
        /// The socket path.
        path: PathBuf,
    },
    /// Binding the socket or setting its mode failed.
    #[error("cannot listen on {}: {source}", path.display())]
    Bind {
        /// The socket path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// This platform has no Unix-domain sockets, so there is no local
    /// socket to listen on.
    #[error(
        "cannot listen on {}: the local socket needs Unix-domain sockets, which this platform lacks",
        path.display()
    )]
    Unsupported {
        /// The socket path asked for.
        path: PathBuf,
    },
}

/// The per-user default socket: `$XDG_RUNTIME_DIR/coresdk/core.sock`, else
/// `<temp dir>/coresdk-<uid>/core.sock`.
pub fn default_socket_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("coresdk").join(SOCKET_FILE_NAME);
    }
    let user = current_uid().map_or_else(
        || {
            std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "user".to_owned())
        },
        |uid| uid.to_string(),
    );
    std::env::temp_dir()
        .join(format!("coresdk-{user}"))
        .join(SOCKET_FILE_NAME)
}

/// The configured socket (`socket` / `CORESDK_SOCKET`), or the default.
pub fn resolve_socket_path(configured: Option<&Path>) -> PathBuf {
    configured.map_or_else(default_socket_path, Path::to_path_buf)
}

/// The uid of this process (Linux: the owner of `/proc/self`).
#[cfg(unix)]
fn current_uid() -> Option<u32> {
    static UID: OnceLock<Option<u32>> = OnceLock::new();
    *UID.get_or_init(|| fs::metadata("/proc/self").ok().map(|m| m.uid()))
}

/// No uids off Unix: the default path is named for the user instead.
#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

/// Whether `path` is a socket (not a symlink to one) bound by this user
/// (when the uid is unknown, e.g. without `/proc`, any socket is accepted).
#[cfg(unix)]
pub(crate) fn owned_by_current_user(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    meta.file_type().is_socket() && current_uid().is_none_or(|uid| meta.uid() == uid)
}

/// The socket's directory (`.` for a bare file name).
#[cfg(unix)]
fn socket_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Checks that `dir` is a real directory (never following a symlink), owned
/// by this user and not writable by group or others; with `create`, a
/// missing one is created with mode 0700 first.
#[cfg(unix)]
pub(crate) fn check_socket_dir(dir: &Path, create: bool) -> Result<(), SocketError> {
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
            // The mode is filtered by the umask, which can only remove bits.
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| SocketError::Directory {
                    path: dir.to_owned(),
                    source,
                })?;
            fs::symlink_metadata(dir)
        }
        other => other,
    }
    .map_err(|source| SocketError::Directory {
        path: dir.to_owned(),
        source,
    })?;
    let unsafe_dir = |reason: String| {
        Err(SocketError::UnsafeDirectory {
            path: dir.to_owned(),
            reason,
        })
    };
    if meta.file_type().is_symlink() {
        return unsafe_dir("is a symbolic link".to_owned());
    }
    if !meta.is_dir() {
        return unsafe_dir("is not a directory".to_owned());
    }
    if let Some(uid) = current_uid()
        && meta.uid() != uid
    {
        return unsafe_dir(format!(
            "is owned by uid {}, not by you (uid {uid})",
            meta.uid()
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return unsafe_dir(format!("is writable by group or others (mode {mode:o})"));
    }
    Ok(())
}

/// Binds the listening socket at exactly `path`: checks (or creates, 0700)
/// its directory, replaces a stale socket file, and sets the socket's mode
/// to 0600. A live socket there is [`SocketError::InUse`]. Unix only.
#[cfg(unix)]
pub fn bind_listener(path: &Path) -> Result<UnixListener, SocketError> {
    check_socket_dir(socket_dir(path), true)?;
    bind_in_checked_dir(path)
}

#[cfg(unix)]
fn bind_in_checked_dir(path: &Path) -> Result<UnixListener, SocketError> {
    if let Ok(meta) = fs::symlink_metadata(path)
        && meta.file_type().is_socket()
    {
        if StdUnixStream::connect(path).is_ok() {
            return Err(SocketError::InUse {
                path: path.to_owned(),
            });
        }
        let _ = fs::remove_file(path);
    }
    let bind_err = |source| SocketError::Bind {
        path: path.to_owned(),
        source,
    };
    let listener = UnixListener::bind(path).map_err(bind_err)?;
    fs::set_permissions(path, Permissions::from_mode(0o600)).map_err(bind_err)?;
    Ok(listener)
}

/// Binds `path` or, when another listener serves it, `<path>.<pid>` (then
/// `<path>.<pid>-<n>`): the socket every traced program writing to `path`
/// also writes to. Returns the listener and the path bound. Unix only.
#[cfg(unix)]
pub fn bind_shared_listener(path: &Path) -> Result<(UnixListener, PathBuf), SocketError> {
    check_socket_dir(socket_dir(path), true)?;
    match bind_in_checked_dir(path) {
        Err(SocketError::InUse { .. }) => {}
        other => return other.map(|l| (l, path.to_owned())),
    }
    let pid = std::process::id();
    for n in 0..MAX_LISTENERS {
        let mut name = path.as_os_str().to_owned();
        if n == 0 {
            name.push(format!(".{pid}"));
        } else {
            name.push(format!(".{pid}-{n}"));
        }
        let candidate = PathBuf::from(name);
        match bind_in_checked_dir(&candidate) {
            Err(SocketError::InUse { .. }) => {}
            other => return other.map(|l| (l, candidate)),
        }
    }
    Err(SocketError::InUse {
        path: path.to_owned(),
    })
}

/// Whether `name` is a listener of the socket called `base`: `base`,
/// `base.<pid>` or `base.<pid>-<n>`.
#[cfg(unix)]
fn is_listener_name(name: &str, base: &str) -> bool {
    if name == base {
        return true;
    }
    name.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|tail| {
            !tail.is_empty() && tail.bytes().all(|c| c.is_ascii_digit() || c == b'-')
        })
}

/// The listener sockets of `path` in its directory, sockets only (a symlink
/// is never followed).
#[cfg(unix)]
fn listener_paths(path: &Path) -> Vec<PathBuf> {
    let Some(base) = path.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir(socket_dir(path)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| is_listener_name(n, base))
        })
        .map(|e| e.path())
        .filter(|p| owned_by_current_user(p))
        .take(MAX_LISTENERS)
        .collect();
    found.sort();
    found
}

/// One queued event: spans are kept unserialized while nobody listens.
#[derive(Debug)]
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) enum Outgoing {
    /// A ready payload-class JSON line (diagnostic, denial, analysis).
    Line(String),
    /// A finished span, serialized as a `dev.coresdk.trace.span` event only when written.
    Span {
        span: Box<SpanData>,
        service: Arc<str>,
    },
    /// A span event already serialized (kept after a failed write).
    SpanLine(String),
}

impl Outgoing {
    #[cfg_attr(not(unix), allow(dead_code))]
    fn into_line(self) -> String {
        match self {
            Outgoing::Line(l) | Outgoing::SpanLine(l) => l,
            Outgoing::Span { span, service } => {
                let record = SpanRecord::from_span(&span);
                let subject = Some(record.trace_id.clone());
                CloudEvent::new(TYPE_TRACE_SPAN, &service, subject, record).to_json_line()
            }
        }
    }
}

/// A connected, verified listener.
#[cfg(unix)]
#[derive(Debug)]
struct Listener {
    path: PathBuf,
    stream: UnixStream,
}

/// The client side, on the egress thread: writes every event to every
/// listener, or to bounded backlogs while there is none.
#[cfg(unix)]
#[derive(Debug)]
pub(crate) struct SocketWriter {
    path: PathBuf,
    listeners: Vec<Listener>,
    spans: VecDeque<Outgoing>,
    payloads: VecDeque<String>,
    span_capacity: usize,
    payload_capacity: usize,
    last_scan: Option<Instant>,
    warned_dir: bool,
    warned_peer: bool,
    pub(crate) dropped: u64,
    pub(crate) payloads_dropped: u64,
    pub(crate) written: u64,
    pub(crate) untrusted: u64,
}

#[cfg(unix)]
impl SocketWriter {
    pub(crate) fn new(path: PathBuf, capacity: usize) -> Self {
        Self {
            path,
            listeners: Vec::new(),
            spans: VecDeque::new(),
            payloads: VecDeque::new(),
            span_capacity: capacity.max(1),
            payload_capacity: DEFAULT_PAYLOAD_BACKLOG,
            last_scan: None,
            warned_dir: false,
            warned_peer: false,
            dropped: 0,
            payloads_dropped: 0,
            written: 0,
            untrusted: 0,
        }
    }

    /// The payload backlog's capacity.
    pub(crate) fn with_payload_capacity(mut self, capacity: usize) -> Self {
        self.payload_capacity = capacity.max(1);
        self
    }

    /// Queues an event and writes what can be written.
    pub(crate) async fn send(&mut self, event: Outgoing) {
        self.queue(event);
        self.pump().await;
    }

    /// Adds an event to its backlog (the oldest goes when it is full);
    /// written by the next [`pump`](Self::pump).
    pub(crate) fn queue(&mut self, event: Outgoing) {
        match event {
            Outgoing::Line(line) => {
                if self.payloads.len() >= self.payload_capacity {
                    self.payloads.pop_front();
                    self.payloads_dropped += 1;
                }
                self.payloads.push_back(line);
            }
            span => {
                if self.spans.len() >= self.span_capacity {
                    self.spans.pop_front();
                    self.dropped += 1;
                }
                self.spans.push_back(span);
            }
        }
    }

    /// Looks for listeners if due and writes the backlogs.
    pub(crate) async fn pump(&mut self) {
        let due = self
            .last_scan
            .is_none_or(|t| t.elapsed() >= RECONNECT_INTERVAL);
        if due {
            self.last_scan = Some(Instant::now());
            self.discover().await;
        }
        if self.listeners.is_empty() {
            return;
        }
        // Payloads first: they are few, and what `core llm tail` exists for.
        while let Some(line) = self.payloads.pop_front() {
            if !self.write_everywhere(&line).await {
                self.payloads.push_front(line);
                return;
            }
        }
        while let Some(event) = self.spans.pop_front() {
            let line = event.into_line();
            if !self.write_everywhere(&line).await {
                self.spans.push_front(Outgoing::SpanLine(line));
                return;
            }
        }
    }

    /// Connects to every listener not connected yet, in a safe directory,
    /// whose process runs as this user.
    async fn discover(&mut self) {
        if let Err(err) = check_socket_dir(socket_dir(&self.path), false) {
            // A missing directory just means no listener yet.
            if !matches!(err, SocketError::Directory { .. }) && !self.warned_dir {
                self.warned_dir = true;
                tracing::warn!(
                    target: "coresdk::egress",
                    error = %err,
                    "not connecting to the local socket"
                );
            }
            self.listeners.clear();
            return;
        }
        for path in listener_paths(&self.path) {
            if self.listeners.iter().any(|l| l.path == path) {
                continue;
            }
            let Ok(stream) = UnixStream::connect(&path).await else {
                continue;
            };
            // The file's owner says nothing about who listens now: ask the
            // kernel for the listening process's uid.
            let peer = stream.peer_cred().map(|c| c.uid());
            let trusted = match (peer, current_uid()) {
                (Ok(peer), Some(uid)) => peer == uid,
                (Ok(_), None) => true,
                (Err(_), _) => false,
            };
            if !trusted {
                self.untrusted += 1;
                if !self.warned_peer {
                    self.warned_peer = true;
                    tracing::warn!(
                        target: "coresdk::egress",
                        socket = %path.display(),
                        "not writing to a local socket served by another user"
                    );
                }
                continue;
            }
            self.listeners.push(Listener { path, stream });
        }
    }

    /// Writes `line` to every listener, dropping those that fail or stall;
    /// true when at least one took it.
    async fn write_everywhere(&mut self, line: &str) -> bool {
        let mut delivered = false;
        let mut i = 0;
        while i < self.listeners.len() {
            let stream = &mut self.listeners[i].stream;
            let written =
                tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(line.as_bytes())).await;
            if matches!(written, Ok(Ok(()))) {
                delivered = true;
                i += 1;
            } else {
                self.listeners.swap_remove(i);
            }
        }
        if delivered {
            self.written += 1;
        }
        delivered
    }

    /// Tries hard (within `deadline`) to deliver the backlog, e.g. at shutdown.
    pub(crate) async fn drain(&mut self, deadline: Instant) {
        self.last_scan = None;
        self.pump().await;
        for listener in &mut self.listeners {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = tokio::time::timeout(left, listener.stream.flush()).await;
        }
    }
}

/// Off Unix there is no local socket: events are discarded, nothing is
/// written or backlogged.
#[cfg(not(unix))]
#[derive(Debug)]
pub(crate) struct SocketWriter {
    pub(crate) dropped: u64,
    pub(crate) payloads_dropped: u64,
    pub(crate) written: u64,
    pub(crate) untrusted: u64,
}

#[cfg(not(unix))]
impl SocketWriter {
    pub(crate) fn new(_path: PathBuf, _capacity: usize) -> Self {
        Self {
            dropped: 0,
            payloads_dropped: 0,
            written: 0,
            untrusted: 0,
        }
    }

    /// The payload backlog's capacity (there is none).
    pub(crate) fn with_payload_capacity(self, _capacity: usize) -> Self {
        self
    }

    /// Discards the event: no listener can exist.
    #[allow(clippy::unused_async)]
    pub(crate) async fn send(&mut self, event: Outgoing) {
        drop(event);
    }

    /// Nothing to keep: the event is discarded.
    #[allow(clippy::unused_self)]
    pub(crate) fn queue(&mut self, event: Outgoing) {
        drop(event);
    }

    /// Nothing to write.
    #[allow(clippy::unused_async)]
    pub(crate) async fn pump(&mut self) {}

    /// Nothing to deliver.
    #[allow(clippy::unused_async)]
    pub(crate) async fn drain(&mut self, _deadline: std::time::Instant) {}
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn listener_secures_directory_and_socket() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("nested").join("core.sock");
        let listener = bind_listener(&path).expect("bind");
        let dir_mode = fs::metadata(path.parent().expect("dir"))
            .expect("dir meta")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let sock_mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(sock_mode & 0o777, 0o600);
        // A second listener on a live socket is refused.
        let err = bind_listener(&path).expect_err("in use");
        assert!(matches!(err, SocketError::InUse { .. }), "{err}");
        drop(listener);
        // A stale socket file is replaced.
        bind_listener(&path).expect("rebind over a stale socket");
    }

    #[test]
    fn only_sockets_of_this_user_are_trusted() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("core.sock");
        assert!(!owned_by_current_user(&path), "missing");
        let _listener = bind_listener(&path).expect("bind");
        assert!(owned_by_current_user(&path));
        let plain = tmp.path().join("file");
        fs::write(&plain, b"x").expect("write");
        assert!(!owned_by_current_user(&plain), "not a socket");
        // Only root can hand the socket to another user; elsewhere this part is moot.
        if std::os::unix::fs::chown(&path, Some(54_321), None).is_ok() {
            assert!(!owned_by_current_user(&path), "another user's socket");
        }
    }

    #[test]
    fn default_path_is_per_user() {
        let p = default_socket_path();
        assert!(p.ends_with(SOCKET_FILE_NAME));
        assert!(
            p.parent()
                .is_some_and(|d| { d.to_string_lossy().contains("coresdk") })
        );
    }
}
