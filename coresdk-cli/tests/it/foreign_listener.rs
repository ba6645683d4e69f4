//! A local listener run by another user never receives our events, even when
//! its socket is disguised as ours: the `core` binary plays the foreign
//! listener.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::common::{CORE, Stack, builder};
use coresdk::genai::attributes::{CORESDK_INTENT, CORESDK_PROBLEM_STATUS};
use tracing::info_span;

fn failing_trace() {
    info_span!(
        "create_order",
        { CORESDK_INTENT } = "handle incoming order creation request",
        { CORESDK_PROBLEM_STATUS } = 503_i64,
        otel.status_code = "ERROR",
    )
    .in_scope(|| ());
}

fn ok_spans(n: usize) {
    for _ in 0..n {
        info_span!("tick", { CORESDK_INTENT } = "a busy loop").in_scope(|| ());
    }
}

/// A listener run by another user, whose socket is made to look like ours
/// (hard-linked into our directory and chown-ed to us): only the peer's
/// credentials after `connect()` give it away, and it receives nothing.
#[test]
fn a_foreign_listener_is_detected_by_its_peer_credentials() {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    const OTHER_UID: u32 = 54_321;
    let dir = tempfile::tempdir().expect("tempdir");
    let public = dir.path().join("public");
    std::fs::create_dir(&public).expect("mkdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let foreign = public.join("foreign").join("core.sock");
    let child = Command::new(CORE)
        .args(["trace", "tail", "--json", "--socket"])
        .arg(&foreign)
        .uid(OTHER_UID)
        .gid(OTHER_UID)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    // Only root may run a process as another user; elsewhere this is moot.
    let Ok(mut child) = child else { return };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !foreign.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !foreign.exists() {
        let _ = child.kill();
        let _ = child.wait();
        return;
    }
    let ours = dir.path().join("ours");
    std::fs::create_dir(&ours).expect("mkdir");
    std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let disguised = ours.join("core.sock");
    std::fs::hard_link(&foreign, &disguised).expect("link");
    let me = std::fs::metadata(&ours).map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    std::os::unix::fs::chown(&disguised, me.ok(), None).expect("chown");

    let stack = Stack::new(builder(&disguised, "private-service").with_llm_export(true));
    stack.run(|| {
        failing_trace();
        ok_spans(3);
    });
    stack.flush();
    std::thread::sleep(Duration::from_millis(700));
    stack.shutdown();
    let _ = child.kill();
    let _ = child.wait();
    let mut received = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut received);
    }
    assert!(received.is_empty(), "the foreign listener got: {received}");
}
