//! The local socket between traced programs and the `core` CLI: who may
//! listen, where, how many at once, and what survives when nobody reads.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{Stack, builder, count, socket_in, wait_for};
use coresdk::egress::viewer::{LlmTail, TailOptions, TraceTail, Viewer};
use coresdk::egress::{SocketError, TYPE_LLM_DIAGNOSTIC, TYPE_TRACE_SPAN};
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

#[test]
fn a_world_writable_directory_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let err = Viewer::listen(&shared.join("core.sock")).expect_err("refused");
    assert!(matches!(err, SocketError::UnsafeDirectory { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("writable by group or others"), "{text}");
    assert!(text.contains("chmod 700"), "the fix is named: {text}");
    let mode = std::fs::metadata(&shared)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o777, "never chmod-ed behind the user's back");
    assert!(!shared.join("core.sock").exists());
}

#[test]
fn a_symlinked_directory_is_never_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("real");
    std::fs::create_dir(&real).expect("mkdir");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let err = Viewer::listen(&link.join("core.sock")).expect_err("refused");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!real.join("core.sock").exists());

    // Nor does a traced program write through it to a listener behind it.
    let viewer = Viewer::listen(&real.join("core.sock")).expect("listen in the real dir");
    let stack = Stack::new(builder(&link.join("core.sock"), "linked-service"));
    stack.run(|| ok_spans(2));
    stack.flush();
    let leaked = viewer.collect_until(Duration::from_millis(700), |_| false);
    assert!(leaked.is_empty(), "{leaked:#?}");
    stack.shutdown();
}

#[test]
fn two_listeners_side_by_side_receive_the_same_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let trace_viewer = Viewer::listen(&socket).expect("first listener");
    let llm_viewer = Viewer::listen(&socket).expect("second listener on the same socket");
    assert_eq!(trace_viewer.path(), socket);
    assert_ne!(llm_viewer.path(), socket);

    let stack = Stack::new(builder(&socket, "orders-service").with_llm_export(true));
    stack.run(|| {
        failing_trace();
        ok_spans(1);
    });
    stack.shutdown();

    let done = |evs: &[coresdk::egress::CloudEvent]| {
        count(evs, TYPE_TRACE_SPAN) >= 2 && count(evs, TYPE_LLM_DIAGNOSTIC) >= 1
    };
    let first = trace_viewer.collect_until(Duration::from_secs(10), done);
    let second = llm_viewer.collect_until(Duration::from_secs(10), done);
    for events in [&first, &second] {
        assert_eq!(count(events, TYPE_TRACE_SPAN), 2, "{events:#?}");
        assert_eq!(count(events, TYPE_LLM_DIAGNOSTIC), 1, "{events:#?}");
    }
    let ids = |evs: &[coresdk::egress::CloudEvent]| {
        let mut ids: Vec<String> = evs.iter().map(|e| e.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&first), ids(&second), "the same events, fanned out");

    let (mut trace_out, mut llm_out) = (Vec::new(), Vec::new());
    let mut trace_tail = TraceTail::new(TailOptions::new());
    let mut llm_tail = LlmTail::new(TailOptions::new());
    for ev in &first {
        trace_tail.handle(ev, &mut trace_out).expect("render");
    }
    for ev in &second {
        llm_tail.handle(ev, &mut llm_out).expect("render");
    }
    trace_tail.finish(&mut trace_out).expect("render");
    assert!(String::from_utf8_lossy(&trace_out).contains("create_order"));
    assert!(String::from_utf8_lossy(&llm_out).contains("diagnostic trace"));
}

#[test]
fn a_payload_survives_a_burst_of_spans_while_nobody_listens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let stack = Stack::new(builder(&socket, "busy-service").with_llm_export(true));
    stack.run(|| {
        failing_trace();
        ok_spans(2_000);
    });
    stack.flush();
    // The listener starts after the burst: span events beyond the backlog
    // are gone, the payload is not.
    let viewer = Viewer::listen(&socket).expect("listen");
    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    assert_eq!(count(&events, TYPE_LLM_DIAGNOSTIC), 1);
    stack.shutdown();
}

#[test]
fn a_stalled_reader_keeps_memory_bounded_and_counts_drops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen_bounded(&socket, 100).expect("listen");
    let stack = Stack::new(builder(&socket, "chatty-service"));
    stack.run(|| ok_spans(600));
    stack.shutdown();
    // Nobody reads while the events arrive.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while viewer.dropped() < 500 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let kept = viewer.collect_until(Duration::from_millis(300), |_| false);
    assert_eq!(kept.len(), 100, "the queue holds its capacity, no more");
    assert_eq!(viewer.dropped() + kept.len() as u64, 600);
}
