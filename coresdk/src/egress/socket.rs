//! The local Unix-domain socket: CloudEvents JSON lines from traced programs
//! (clients) to the `core` CLI (the listener).
//!
//! The listener creates the socket's directory with mode 0700 and the socket
//! with mode 0600. A traced program that finds no listener keeps a bounded
//! backlog (oldest events dropped first) and replays it when one appears; it
//! never blocks the pipeline.

use std::collections::VecDeque;
use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream as StdUnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SpanData;

use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

use super::cloudevent::{CloudEvent, TYPE_TRACE_SPAN};
use super::span_record::SpanRecord;

/// File name of the socket inside its directory.
pub const SOCKET_FILE_NAME: &str = "core.sock";
/// Events kept while no listener is connected.
pub const DEFAULT_BACKLOG_EVENTS: usize = 1024;
/// How often a disconnected writer looks for a listener.
pub const RECONNECT_INTERVAL: Duration = Duration::from_millis(250);
/// Longest a single write to a slow listener may take before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// A problem creating the listening socket.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// Creating or securing the socket's directory failed.
    #[error("cannot create socket directory {}: {source}", path.display())]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
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
}

/// The per-user default socket: `$XDG_RUNTIME_DIR/coresdk/core.sock`, else
/// `<temp dir>/coresdk-<uid>/core.sock`.
pub fn default_socket_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("coresdk").join(SOCKET_FILE_NAME);
    }
    let user = current_uid().map_or_else(
        || std::env::var("USER").unwrap_or_else(|_| "user".to_owned()),
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
fn current_uid() -> Option<u32> {
    static UID: OnceLock<Option<u32>> = OnceLock::new();
    *UID.get_or_init(|| fs::metadata("/proc/self").ok().map(|m| m.uid()))
}

/// Whether `path` is a socket bound by this user (when the uid is unknown,
/// e.g. without `/proc`, any socket is accepted).
pub(crate) fn owned_by_current_user(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    meta.file_type().is_socket() && current_uid().is_none_or(|uid| meta.uid() == uid)
}

/// Binds the listening socket at `path`: creates its directory (0700) if
/// missing, replaces a stale socket file, and sets the socket's mode to 0600.
pub fn bind_listener(path: &Path) -> Result<UnixListener, SocketError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| SocketError::Directory {
                    path: dir.to_owned(),
                    source,
                })?;
            // `mode` is filtered by the umask; make sure it is exactly 0700.
            fs::set_permissions(dir, Permissions::from_mode(0o700)).map_err(|source| {
                SocketError::Directory {
                    path: dir.to_owned(),
                    source,
                }
            })?;
        } else if path == default_socket_path() {
            fs::set_permissions(dir, Permissions::from_mode(0o700)).map_err(|source| {
                SocketError::Directory {
                    path: dir.to_owned(),
                    source,
                }
            })?;
        }
    }
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

/// One queued event: spans are kept unserialized while nobody listens.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A ready JSON line.
    Line(String),
    /// A finished span, serialized as a `dev.coresdk.trace.span` event only when written.
    Span {
        span: Box<SpanData>,
        service: Arc<str>,
    },
}

impl Outgoing {
    fn into_line(self) -> String {
        match self {
            Outgoing::Line(l) => l,
            Outgoing::Span { span, service } => {
                let record = SpanRecord::from_span(&span);
                let subject = Some(record.trace_id.clone());
                CloudEvent::new(TYPE_TRACE_SPAN, &service, subject, record).to_json_line()
            }
        }
    }
}

/// The client side, on the egress thread: writes events to the listener, or
/// to a bounded backlog while there is none.
#[derive(Debug)]
pub(crate) struct SocketWriter {
    path: PathBuf,
    stream: Option<UnixStream>,
    backlog: VecDeque<Outgoing>,
    capacity: usize,
    last_attempt: Option<Instant>,
    warned_untrusted: bool,
    pub(crate) dropped: u64,
    pub(crate) written: u64,
}

impl SocketWriter {
    pub(crate) fn new(path: PathBuf, capacity: usize) -> Self {
        Self {
            path,
            stream: None,
            backlog: VecDeque::new(),
            capacity: capacity.max(1),
            last_attempt: None,
            warned_untrusted: false,
            dropped: 0,
            written: 0,
        }
    }

    /// Queues an event and writes what can be written.
    pub(crate) async fn send(&mut self, event: Outgoing) {
        if self.backlog.len() >= self.capacity {
            self.backlog.pop_front();
            self.dropped += 1;
        }
        self.backlog.push_back(event);
        self.pump().await;
    }

    /// Connects if due and writes the backlog.
    pub(crate) async fn pump(&mut self) {
        if self.stream.is_none() {
            let due = self
                .last_attempt
                .is_none_or(|t| t.elapsed() >= RECONNECT_INTERVAL);
            if !due {
                return;
            }
            self.last_attempt = Some(Instant::now());
            // Span data is only for a listener of the same user: a socket
            // bound by someone else (e.g. in a shared temp dir) is ignored.
            if !owned_by_current_user(&self.path) {
                if !self.warned_untrusted && self.path.exists() {
                    self.warned_untrusted = true;
                    tracing::warn!(
                        target: "coresdk::egress",
                        socket = %self.path.display(),
                        "not connecting to a local socket owned by another user"
                    );
                }
                return;
            }
            match UnixStream::connect(&self.path).await {
                Ok(s) => self.stream = Some(s),
                Err(_) => return,
            }
        }
        while let Some(event) = self.backlog.pop_front() {
            let Some(stream) = self.stream.as_mut() else {
                break;
            };
            let line = event.into_line();
            let written =
                tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(line.as_bytes())).await;
            if matches!(written, Ok(Ok(()))) {
                self.written += 1;
            } else {
                // The listener went away (or stalls): keep the event for the next one.
                self.stream = None;
                self.last_attempt = Some(Instant::now());
                self.backlog.push_front(Outgoing::Line(line));
                break;
            }
        }
    }

    /// Tries hard (within `deadline`) to deliver the backlog, e.g. at shutdown.
    pub(crate) async fn drain(&mut self, deadline: Instant) {
        self.last_attempt = None;
        self.pump().await;
        if let Some(stream) = self.stream.as_mut() {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = tokio::time::timeout(left, stream.flush()).await;
        }
    }
}

#[cfg(test)]
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
