//! [`EventStream`]: the event stream of a traced streaming call, carrying
//! the call.

use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver;
use aws_smithy_types::event_stream::RawMessage;
use coresdk::genai::{StreamCall, StreamMapping};

/// The events of a traced streaming call; its span ends with them.
///
/// [`recv`](Self::recv) yields exactly what the SDK's `EventReceiver` yields.
/// When the stream ends the span gets the accumulated completion, stop reason,
/// usage and time to first token; on an in-stream exception it gets the
/// error; dropped before the end it records what arrived and
/// `coresdk.cancelled = true`.
pub struct EventStream<T, E, M: StreamMapping> {
    inner: EventReceiver<T, E>,
    call: StreamCall<M>,
}

impl<T, E, M: StreamMapping> std::fmt::Debug for EventStream<T, E, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl<T, E, M> EventStream<T, E, M>
where
    M: StreamMapping<Event = T, Error = SdkError<E, RawMessage>>,
{
    pub(crate) fn new(inner: EventReceiver<T, E>, call: StreamCall<M>) -> Self {
        Self { inner, call }
    }

    /// Receives the next event; `Ok(None)` at the end of the stream.
    pub async fn recv(&mut self) -> Result<Option<T>, SdkError<E, RawMessage>> {
        let result = self.inner.recv().await;
        self.call.item(match &result {
            Ok(event) => event.as_ref().map(Ok),
            Err(error) => Some(Err(error)),
        });
        result
    }
}
