//! Attributes handed to the pipeline with a span's end instead of being set
//! on the span one by one.
//!
//! A GenAI span buffers its twenty to a hundred attributes and applies them
//! when it ends. Through the OpenTelemetry API that is one `dyn` call and one
//! lock per attribute on the application's thread (about 2,000 instructions
//! for a chat call). When the span belongs to CoreSDK's own provider the
//! buffers can instead ride along with `Span::end`: the span's owner parks
//! them here, in a thread-local slot, ends the span, and the handoff's
//! `on_end`, which the SDK calls synchronously inside that `end` on the same
//! thread, moves them into the ended span's attribute list in one go, under
//! the same count limit the SDK applies.
//!
//! Whether a span will reach the handoff is known exactly: the handoff's
//! `on_start` notes the id of the span it saw start on this thread, and a span
//! whose start was not seen there (another provider, another `tracing`
//! OpenTelemetry layer) sets its attributes the ordinary way.

use std::cell::{Cell, RefCell};

use opentelemetry::KeyValue;
use opentelemetry::trace::SpanId;
use opentelemetry_sdk::trace::SpanData;

/// Attribute lists parked for the span `span_id` while it ends.
struct Parked {
    span_id: SpanId,
    lists: [Vec<KeyValue>; 2],
}

thread_local! {
    /// The span CoreSDK's handoff last saw start on this thread.
    static STARTED: Cell<SpanId> = const { Cell::new(SpanId::INVALID) };
    /// Lists parked by the span ending on this thread.
    static PARKED: RefCell<Option<Parked>> = const { RefCell::new(None) };
}

/// Notes that CoreSDK's handoff saw `span_id` start (from its `on_start`).
pub(crate) fn note_started(span_id: SpanId) {
    let _ = STARTED.try_with(|started| started.set(span_id));
}

/// Whether the span `span_id`, just started on this thread, was started by
/// CoreSDK's provider, so that its end reaches the handoff.
pub(crate) fn started_here(span_id: SpanId) -> bool {
    span_id != SpanId::INVALID && STARTED.try_with(Cell::get).is_ok_and(|id| id == span_id)
}

/// Ends a span with `lists` as its last attributes, in order: `end` must end
/// the span `span_id`, which [`started_here`] said reaches the handoff. The
/// lists come back emptied (their capacity kept); any the handoff did not
/// take (an unsampled span, a closed pipeline) are dropped, as the span is.
/// Should the lists not be parkable (the thread's locals already torn down at
/// thread exit), `set` is handed them to set the ordinary way before `end`.
pub(crate) fn end_with(
    span_id: SpanId,
    lists: &mut [Vec<KeyValue>; 2],
    set: impl FnOnce(&mut [Vec<KeyValue>; 2]),
    end: impl FnOnce(),
) {
    let parked = PARKED
        .try_with(|slot| {
            let mut slot = slot.try_borrow_mut().ok()?;
            *slot = Some(Parked {
                span_id,
                lists: std::mem::take(lists),
            });
            Some(())
        })
        .ok()
        .flatten()
        .is_some();
    if !parked {
        set(lists);
    }
    end();
    if parked
        && let Ok(Some(back)) =
            PARKED.try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut s| s.take()))
    {
        *lists = back.lists;
    }
    for list in lists.iter_mut() {
        list.clear();
    }
}

/// Moves the lists parked for `span` (if any) into its attributes, keeping
/// at most `limit` attributes and counting the rest as dropped, as the SDK's
/// `set_attribute` does. Called by the handoff's `on_end`.
pub(crate) fn append_parked(span: &mut SpanData, limit: usize) {
    let _ = PARKED.try_with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return;
        };
        let Some(parked) = slot.as_mut() else { return };
        if parked.span_id != span.span_context.span_id() {
            return;
        }
        for list in &mut parked.lists {
            let room = limit.saturating_sub(span.attributes.len());
            let kept = list.len().min(room);
            let dropped = list.len() - kept;
            if dropped == 0 {
                // One block copy instead of an element-by-element extend.
                span.attributes.append(list);
            } else {
                span.attributes.extend(list.drain(..kept));
                list.clear();
            }
            span.dropped_attributes_count = span
                .dropped_attributes_count
                .saturating_add(u32::try_from(dropped).unwrap_or(u32::MAX));
        }
    });
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::time::SystemTime;

    use opentelemetry::trace::{SpanContext, SpanKind, Status, TraceFlags, TraceId, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue};
    use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

    use super::*;

    fn span(id: u64, attributes: Vec<KeyValue>) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(1_u128),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: Cow::Borrowed("chat m"),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::UNIX_EPOCH,
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    fn keys(span: &SpanData) -> Vec<&str> {
        span.attributes.iter().map(|kv| kv.key.as_str()).collect()
    }

    /// Parks `lists` for span `id` and ends it as the handoff would: a span
    /// with one attribute of its own (`a`), then the parked ones under `limit`.
    fn end_through_handoff(id: u64, lists: &mut [Vec<KeyValue>; 2], limit: usize) -> SpanData {
        let mut ended = None;
        end_with(
            SpanId::from(id),
            lists,
            |_| panic!("the lists can be parked"),
            || {
                let mut data = span(id, vec![KeyValue::new("a", 0)]);
                append_parked(&mut data, limit);
                ended = Some(data);
            },
        );
        ended.expect("ended")
    }

    #[test]
    fn parked_lists_follow_the_span_attributes_in_order_and_come_back_empty() {
        let mut lists = [
            vec![KeyValue::new("b", 1), KeyValue::new("c", 2)],
            vec![KeyValue::new("d", 3)],
        ];
        let capacity = lists[0].capacity();
        let ended = end_through_handoff(7, &mut lists, 128);
        assert_eq!(keys(&ended), ["a", "b", "c", "d"]);
        assert_eq!(ended.dropped_attributes_count, 0);
        assert!(lists.iter().all(Vec::is_empty));
        assert_eq!(lists[0].capacity(), capacity);
    }

    #[test]
    fn the_limit_keeps_the_first_attributes_and_counts_the_rest() {
        let mut lists = [
            vec![KeyValue::new("b", 1), KeyValue::new("c", 2)],
            vec![KeyValue::new("d", 3), KeyValue::new("e", 4)],
        ];
        let ended = end_through_handoff(8, &mut lists, 2);
        assert_eq!(keys(&ended), ["a", "b"]);
        assert_eq!(ended.dropped_attributes_count, 3);
    }

    #[test]
    fn another_span_ending_inside_does_not_take_the_lists() {
        let mut lists = [vec![KeyValue::new("b", 1)], Vec::new()];
        let mut other = span(9, Vec::new());
        end_with(
            SpanId::from(10),
            &mut lists,
            |_| panic!("the lists can be parked"),
            || {
                append_parked(&mut other, 128);
            },
        );
        assert!(other.attributes.is_empty());
        // Not taken: dropped with the span, the buffer emptied all the same.
        assert!(lists[0].is_empty());
        // Nothing stays parked for a later span.
        let mut later = span(10, Vec::new());
        append_parked(&mut later, 128);
        assert!(later.attributes.is_empty());
    }

    #[test]
    fn lists_that_cannot_be_parked_are_set_the_ordinary_way_before_the_end() {
        let mut lists = [vec![KeyValue::new("b", 1)], vec![KeyValue::new("c", 2)]];
        let events = RefCell::new(Vec::new());
        // The slot busy (as it would be unusable at thread exit).
        PARKED.with(|slot| {
            let _busy = slot.borrow();
            end_with(
                SpanId::from(13),
                &mut lists,
                |lists| {
                    let n: usize = lists.iter_mut().map(|l| l.drain(..).count()).sum();
                    events.borrow_mut().push(format!("set {n}"));
                },
                || events.borrow_mut().push("end".to_owned()),
            );
        });
        assert_eq!(events.into_inner(), ["set 2", "end"]);
        assert!(lists.iter().all(Vec::is_empty));
    }

    #[test]
    fn only_the_span_seen_starting_here_is_claimed() {
        assert!(!started_here(SpanId::INVALID));
        note_started(SpanId::from(11));
        assert!(started_here(SpanId::from(11)));
        assert!(!started_here(SpanId::from(12)));
        // Another thread saw nothing start.
        std::thread::spawn(|| assert!(!started_here(SpanId::from(11))))
            .join()
            .expect("thread");
    }
}
