//! Application context: who asked, in which session and conversation, from
//! which feature, with which prompt.
//!
//! Every span started inside [`scope`] (async) or while an [`enter`] guard is
//! alive (sync) carries `user.id`, `session.id`, `app.feature`,
//! `app.prompt.name`, `app.prompt.version` and `gen_ai.conversation.id` —
//! the request's own spans, the spans of libraries it calls and its GenAI
//! spans alike. Scopes nest: an inner scope's fields win, unset ones fall back
//! to the outer scope.
//!
//! The context is installed on the polling thread only while the scoped future
//! is being polled, so it never leaks into other tasks sharing the thread or
//! runtime worker.
//!
//! `user.id` is hashed by PII masking (with `CORESDK_PII_HASH_KEY` when set,
//! so the hash is the same in every process); `session.id` and
//! `gen_ai.conversation.id` are opaque ids and are exported as they are. To
//! carry the context to another service, list its keys under
//! `propagation.baggage_keys`: [`propagation::inject`](crate::propagation::inject)
//! then writes them as W3C baggage and
//! [`propagation::app_context`](crate::propagation::app_context) reads them back.
//!
//! ```
//! use coresdk::context::{self, AppContext};
//!
//! # async fn answer() {}
//! # async fn demo() {
//! let ctx = AppContext::new().with_user_id("u-42").with_prompt_version("faq-v3");
//! context::scope(ctx, async {
//!     answer().await; // every span in here carries user.id and app.prompt.version
//! })
//! .await;
//! # }
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use opentelemetry::KeyValue;

use crate::genai::attributes::{
    APP_FEATURE, APP_PROMPT_NAME, APP_PROMPT_VERSION, GEN_AI_CONVERSATION_ID, SESSION_ID, USER_ID,
};

/// The application facts recorded on every span of a request. Unset fields
/// are not recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppContext {
    /// The end user on whose behalf the work is done (`user.id`).
    pub user_id: Option<String>,
    /// The user's session (`session.id`).
    pub session_id: Option<String>,
    /// The application feature doing the work (`app.feature`).
    pub feature: Option<String>,
    /// Name of the prompt template in use (`app.prompt.name`).
    pub prompt_name: Option<String>,
    /// Version of the prompt template in use (`app.prompt.version`).
    pub prompt_version: Option<String>,
    /// The conversation (thread) of the request (`gen_ai.conversation.id`).
    pub conversation_id: Option<String>,
}

/// The attribute keys of an [`AppContext`], in the order they are recorded.
pub const KEYS: [&str; 6] = [
    USER_ID,
    SESSION_ID,
    APP_FEATURE,
    APP_PROMPT_NAME,
    APP_PROMPT_VERSION,
    GEN_AI_CONVERSATION_ID,
];

impl AppContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `user.id`.
    #[must_use]
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }
    /// Sets `session.id`.
    #[must_use]
    pub fn with_session_id(mut self, id: impl Into<String>) -> Self {
        self.session_id = Some(id.into());
        self
    }
    /// Sets `app.feature`.
    #[must_use]
    pub fn with_feature(mut self, feature: impl Into<String>) -> Self {
        self.feature = Some(feature.into());
        self
    }
    /// Sets `app.prompt.name`.
    #[must_use]
    pub fn with_prompt_name(mut self, name: impl Into<String>) -> Self {
        self.prompt_name = Some(name.into());
        self
    }
    /// Sets `app.prompt.version`.
    #[must_use]
    pub fn with_prompt_version(mut self, version: impl Into<String>) -> Self {
        self.prompt_version = Some(version.into());
        self
    }
    /// Sets `gen_ai.conversation.id`.
    #[must_use]
    pub fn with_conversation_id(mut self, id: impl Into<String>) -> Self {
        self.conversation_id = Some(id.into());
        self
    }

    /// The value of the field recorded under attribute `key` (one of [`KEYS`]).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.field(key).and_then(|f| f.as_deref())
    }

    /// Sets the field recorded under attribute `key`; other keys are ignored.
    /// Returns whether `key` names a field.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> bool {
        let slot = match key {
            USER_ID => &mut self.user_id,
            SESSION_ID => &mut self.session_id,
            APP_FEATURE => &mut self.feature,
            APP_PROMPT_NAME => &mut self.prompt_name,
            APP_PROMPT_VERSION => &mut self.prompt_version,
            GEN_AI_CONVERSATION_ID => &mut self.conversation_id,
            _ => return false,
        };
        *slot = Some(value.into());
        true
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        KEYS.iter().all(|k| self.get(k).is_none())
    }

    fn field(&self, key: &str) -> Option<&Option<String>> {
        Some(match key {
            USER_ID => &self.user_id,
            SESSION_ID => &self.session_id,
            APP_FEATURE => &self.feature,
            APP_PROMPT_NAME => &self.prompt_name,
            APP_PROMPT_VERSION => &self.prompt_version,
            GEN_AI_CONVERSATION_ID => &self.conversation_id,
            _ => return None,
        })
    }

    /// The set fields as attributes, in [`KEYS`] order. The values are
    /// reference-counted, so copying them onto each span is cheap.
    fn attributes(&self) -> Vec<KeyValue> {
        KEYS.iter()
            .filter_map(|&key| {
                let value: Arc<str> = Arc::from(self.get(key)?);
                Some(KeyValue::new(key, value))
            })
            .collect()
    }

    /// `self` with the fields it leaves unset taken from `outer`.
    fn over(&self, outer: &AppContext) -> AppContext {
        let pick = |inner: &Option<String>, outer: &Option<String>| {
            inner.clone().or_else(|| outer.clone())
        };
        AppContext {
            user_id: pick(&self.user_id, &outer.user_id),
            session_id: pick(&self.session_id, &outer.session_id),
            feature: pick(&self.feature, &outer.feature),
            prompt_name: pick(&self.prompt_name, &outer.prompt_name),
            prompt_version: pick(&self.prompt_version, &outer.prompt_version),
            conversation_id: pick(&self.conversation_id, &outer.conversation_id),
        }
    }
}

/// A context with its attributes built once, so the spans of a scope only
/// copy reference-counted values.
#[derive(Debug)]
struct Frame {
    ctx: AppContext,
    attributes: Vec<KeyValue>,
}

impl Frame {
    fn new(ctx: AppContext) -> Arc<Self> {
        let attributes = ctx.attributes();
        Arc::new(Self { ctx, attributes })
    }
}

thread_local! {
    /// The effective context of each active scope (already merged with the
    /// scopes around it), innermost last.
    static STACK: RefCell<Vec<Arc<Frame>>> = const { RefCell::new(Vec::new()) };
}

fn push(frame: &Arc<Frame>) {
    STACK.with(|s| {
        let mut stack = s.borrow_mut();
        let effective = match stack.last() {
            // Nested: merged per entry, as the outer scope may differ between polls.
            Some(outer) => Frame::new(frame.ctx.over(&outer.ctx)),
            None => Arc::clone(frame),
        };
        stack.push(effective);
    });
}

fn pop() {
    STACK.with(|s| {
        s.borrow_mut().pop();
    });
}

/// The effective context on this thread (inner scopes win field by field).
pub fn current() -> AppContext {
    STACK.with(|s| s.borrow().last().map(|f| f.ctx.clone()).unwrap_or_default())
}

/// Calls `f` with the current context's attributes, when a scope is active.
///
/// Runs for every span the layer records: without a scope it is one
/// thread-local read.
#[inline]
pub(crate) fn with_attributes(f: impl FnOnce(&[KeyValue])) {
    let _ = STACK.try_with(|s| {
        if let Some(frame) = s.borrow().last() {
            f(&frame.attributes);
        }
    });
}

/// Runs `future` with `ctx` as the application context of every span it starts.
pub fn scope<F: Future>(ctx: AppContext, future: F) -> Scoped<F> {
    Scoped {
        frame: Frame::new(ctx),
        future: Box::pin(future),
    }
}

/// The future returned by [`scope`].
#[must_use = "futures do nothing unless polled"]
pub struct Scoped<F> {
    frame: Arc<Frame>,
    future: Pin<Box<F>>,
}

impl<F> std::fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoped")
            .field("ctx", &self.frame.ctx)
            .finish_non_exhaustive()
    }
}

/// Pops the context even if the inner poll panics.
struct PopOnDrop;

impl Drop for PopOnDrop {
    fn drop(&mut self) {
        pop();
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        push(&this.frame);
        let _pop = PopOnDrop;
        this.future.as_mut().poll(cx)
    }
}

/// Sets `ctx` for synchronous code on this thread until the guard drops.
///
/// The guard is `!Send`; do not hold it across an `.await` (use [`scope`]).
pub fn enter(ctx: AppContext) -> ContextGuard {
    push(&Frame::new(ctx));
    ContextGuard {
        _not_send: PhantomData,
    }
}

/// Guard returned by [`enter`].
#[derive(Debug)]
#[must_use = "the context is removed when the guard is dropped"]
pub struct ContextGuard {
    _not_send: PhantomData<*const ()>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        pop();
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = Box::pin(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn sync_guard_nests_and_restores() {
        assert_eq!(current(), AppContext::default());
        let outer = enter(AppContext::new().with_user_id("u1").with_feature("faq"));
        {
            let _inner = enter(AppContext::new().with_feature("search"));
            let c = current();
            assert_eq!(c.user_id.as_deref(), Some("u1"));
            assert_eq!(c.feature.as_deref(), Some("search"));
        }
        assert_eq!(current().feature.as_deref(), Some("faq"));
        drop(outer);
        assert_eq!(current(), AppContext::default());
    }

    #[test]
    fn scope_is_active_only_while_polled() {
        let mut first = Box::pin(scope(AppContext::new().with_session_id("s1"), async {
            let seen = current().session_id;
            YieldOnce(false).await;
            (seen, current().session_id)
        }));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(first.as_mut().poll(&mut cx).is_pending());
        // Between polls another task on this thread sees nothing.
        assert_eq!(current(), AppContext::default());
        let Poll::Ready((a, b)) = first.as_mut().poll(&mut cx) else {
            panic!("scope did not finish");
        };
        assert_eq!(a.as_deref(), Some("s1"));
        assert_eq!(b.as_deref(), Some("s1"));
        assert_eq!(current(), AppContext::default());
    }

    fn current_keys() -> Vec<String> {
        let mut keys = Vec::new();
        with_attributes(|attrs| keys.extend(attrs.iter().map(|kv| kv.key.to_string())));
        keys
    }

    #[test]
    fn attributes_hold_set_fields_only_and_nest() {
        assert!(current_keys().is_empty());
        let keys = block_on(scope(
            AppContext::new()
                .with_user_id("u")
                .with_prompt_version("v3"),
            async {
                let outer = current_keys();
                let _inner = enter(AppContext::new().with_conversation_id("c1"));
                (outer, current_keys())
            },
        ));
        assert_eq!(keys.0, [USER_ID, APP_PROMPT_VERSION]);
        assert_eq!(
            keys.1,
            [USER_ID, APP_PROMPT_VERSION, GEN_AI_CONVERSATION_ID]
        );
        assert!(current_keys().is_empty());
    }

    #[test]
    fn fields_by_key() {
        let mut ctx = AppContext::new();
        assert!(ctx.is_empty());
        for key in KEYS {
            assert!(ctx.set(key, key));
            assert_eq!(ctx.get(key), Some(key));
        }
        assert!(!ctx.set("other", "x"));
        assert_eq!(ctx.session_id.as_deref(), Some(SESSION_ID));
    }

    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}
