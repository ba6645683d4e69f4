//! Application context: who asked, in which session, from which feature, with
//! which prompt version.
//!
//! Every GenAI span started inside [`scope`] (async) or while an [`enter`]
//! guard is alive (sync) carries `user.id`, `session.id`, `app.feature` and
//! `app.prompt.version`. Scopes nest: an inner scope's fields win, unset ones
//! fall back to the outer scope.
//!
//! The context is installed on the polling thread only while the scoped future
//! is being polled, so it never leaks into other tasks sharing the thread or
//! runtime worker.
//!
//! ```
//! use coresdk::context::{self, AppContext};
//!
//! # async fn answer() {}
//! # async fn demo() {
//! let ctx = AppContext::new().with_user_id("u-42").with_prompt_version("faq-v3");
//! context::scope(ctx, async {
//!     answer().await; // GenAI spans in here carry user.id and app.prompt.version
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

use crate::genai::attributes::{APP_FEATURE, APP_PROMPT_VERSION, SESSION_ID, USER_ID};

/// The application facts recorded on GenAI spans. Unset fields are not recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppContext {
    /// The end user on whose behalf the call is made (`user.id`).
    pub user_id: Option<String>,
    /// The user's session or conversation (`session.id`).
    pub session_id: Option<String>,
    /// The application feature making the call (`app.feature`).
    pub feature: Option<String>,
    /// Version of the prompt template in use (`app.prompt.version`).
    pub prompt_version: Option<String>,
}

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
    /// Sets `app.prompt.version`.
    #[must_use]
    pub fn with_prompt_version(mut self, version: impl Into<String>) -> Self {
        self.prompt_version = Some(version.into());
        self
    }
}

thread_local! {
    /// Innermost last.
    static STACK: RefCell<Vec<Arc<AppContext>>> = const { RefCell::new(Vec::new()) };
}

fn push(ctx: &Arc<AppContext>) {
    STACK.with(|s| s.borrow_mut().push(Arc::clone(ctx)));
}

fn pop() {
    STACK.with(|s| {
        s.borrow_mut().pop();
    });
}

/// The effective context on this thread (inner scopes win field by field).
pub fn current() -> AppContext {
    STACK.with(|s| {
        let stack = s.borrow();
        let mut out = AppContext::default();
        for ctx in stack.iter().rev() {
            if out.user_id.is_none() {
                out.user_id.clone_from(&ctx.user_id);
            }
            if out.session_id.is_none() {
                out.session_id.clone_from(&ctx.session_id);
            }
            if out.feature.is_none() {
                out.feature.clone_from(&ctx.feature);
            }
            if out.prompt_version.is_none() {
                out.prompt_version.clone_from(&ctx.prompt_version);
            }
        }
        out
    })
}

/// Appends the current context's attributes to `out` (nothing when no scope is active).
pub(crate) fn record_current(out: &mut Vec<KeyValue>) {
    let empty = STACK.with(|s| s.borrow().is_empty());
    if empty {
        return;
    }
    let ctx = current();
    for (key, value) in [
        (USER_ID, ctx.user_id),
        (SESSION_ID, ctx.session_id),
        (APP_FEATURE, ctx.feature),
        (APP_PROMPT_VERSION, ctx.prompt_version),
    ] {
        if let Some(value) = value {
            out.push(KeyValue::new(key, value));
        }
    }
}

/// Runs `future` with `ctx` as the application context of every GenAI span it starts.
pub fn scope<F: Future>(ctx: AppContext, future: F) -> Scoped<F> {
    Scoped {
        ctx: Arc::new(ctx),
        future: Box::pin(future),
    }
}

/// The future returned by [`scope`].
#[must_use = "futures do nothing unless polled"]
pub struct Scoped<F> {
    ctx: Arc<AppContext>,
    future: Pin<Box<F>>,
}

impl<F> std::fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoped")
            .field("ctx", &self.ctx)
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
        push(&this.ctx);
        let _pop = PopOnDrop;
        this.future.as_mut().poll(cx)
    }
}

/// Sets `ctx` for synchronous code on this thread until the guard drops.
///
/// The guard is `!Send`; do not hold it across an `.await` (use [`scope`]).
pub fn enter(ctx: AppContext) -> ContextGuard {
    push(&Arc::new(ctx));
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

    #[test]
    fn record_current_writes_set_fields_only() {
        let mut out = Vec::new();
        record_current(&mut out);
        assert!(out.is_empty());
        block_on(scope(
            AppContext::new()
                .with_user_id("u")
                .with_prompt_version("v3"),
            async {
                record_current(&mut out);
            },
        ));
        let keys: Vec<&str> = out.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(keys, [USER_ID, APP_PROMPT_VERSION]);
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
