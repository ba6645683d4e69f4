//! [`Labels`]: the per-callsite constants of a `#[trace]` span, and the
//! process-wide table through which CoreSDK's pipeline finds them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{PoisonError, RwLock};

use opentelemetry::KeyValue;

use super::span_fields::fields;

/// The per-callsite constants of a `#[trace]` span, `coresdk.intent` and
/// `code.function.name`, in a `static` of the expansion.
///
/// Given as `tracing` fields when the span opens, `tracing-opentelemetry`
/// would copy each into a new `String`, plus a `Vec` to collect them: over a
/// tenth of a `#[trace]` call's cost on the application thread. Under
/// CoreSDK's layer the span therefore carries neither: its name is a `static`
/// of the callsite, so the name's address identifies the callsite, and the
/// pipeline's worker adds the two `&'static str` attributes to the ended span
/// before any processor sees it ([`resolve`]), off the application thread.
/// Under any other subscriber they are ordinary fields.
#[derive(Debug)]
pub struct Labels {
    pub(crate) intent: &'static str,
    pub(crate) function: &'static str,
    /// [`UNREGISTERED`], [`KEYED`] or [`FIELDS`].
    state: AtomicU8,
}

/// Not yet looked up in [`REGISTRY`].
const UNREGISTERED: u8 = 0;
/// Registered under the span name's address: CoreSDK's pipeline adds the labels.
const KEYED: u8 = 1;
/// Another callsite's name has the same address (a zero-length name, or a
/// linker folding identical data): the labels go in as fields.
const FIELDS: u8 = 2;

/// The callsites registered so far, by the address of their span name;
/// `None` where two callsites share one. Bounded by the number of `#[trace]`
/// callsites in the program.
static REGISTRY: RwLock<Registry> = RwLock::new(HashMap::with_hasher(BuildHasherDefault::new()));

type Registry = HashMap<usize, Option<&'static Labels>, BuildHasherDefault<AddressHasher>>;

impl Labels {
    /// The labels of one callsite.
    #[inline]
    pub const fn new(intent: &'static str, function: &'static str) -> Self {
        Self {
            intent,
            function,
            state: AtomicU8::new(UNREGISTERED),
        }
    }

    /// Whether CoreSDK's pipeline will find these labels by the address of
    /// `name`, this callsite's span name. One relaxed load after the first
    /// call.
    #[inline]
    pub(crate) fn keyed_by(&'static self, name: &'static str) -> bool {
        match self.state.load(Ordering::Relaxed) {
            KEYED => true,
            FIELDS => false,
            _ => self.register(name),
        }
    }

    #[cold]
    fn register(&'static self, name: &'static str) -> bool {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have registered this callsite meanwhile.
        match self.state.load(Ordering::Relaxed) {
            KEYED => return true,
            FIELDS => return false,
            _ => {}
        }
        let entry = registry.entry(address(name)).or_insert(Some(self));
        match *entry {
            Some(labels) if std::ptr::eq(labels, self) => {
                self.state.store(KEYED, Ordering::Relaxed);
                true
            }
            other => {
                // Shared address: neither callsite can be told apart by it.
                // The other one's spans opened before this see no labels;
                // that needs two callsites whose names the linker folded.
                if let Some(labels) = other {
                    labels.state.store(FIELDS, Ordering::Relaxed);
                }
                *entry = None;
                self.state.store(FIELDS, Ordering::Relaxed);
                false
            }
        }
    }

    fn lookup(name: &'static str) -> Option<&'static Self> {
        let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        registry.get(&address(name)).copied().flatten()
    }
}

fn address(name: &'static str) -> usize {
    name.as_ptr().addr()
}

/// Adds `coresdk.intent` and `code.function.name` to the attributes of an
/// ended span if its name is a registered `#[trace]` callsite's.
#[allow(clippy::ptr_arg)] // whether the name is borrowed is the point
pub(crate) fn resolve(name: &Cow<'static, str>, attributes: &mut Vec<KeyValue>) {
    // Names set at run time (`otel.name`, GenAI spans) are never a callsite's.
    let Cow::Borrowed(name) = name else {
        return;
    };
    let Some(labels) = Labels::lookup(name) else {
        return;
    };
    attributes.push(KeyValue::new(fields::INTENT, labels.intent));
    attributes.push(KeyValue::new(fields::FUNCTION, labels.function));
}

/// Hashes a registry key, an address: the default SipHash would cost more
/// than the rest of the lookup.
#[derive(Debug, Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing; the high bits, which hashbrown uses for its
        // control bytes, depend on every bit of the address.
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(name: &'static str) -> Vec<KeyValue> {
        let mut attributes = Vec::new();
        resolve(&Cow::Borrowed(name), &mut attributes);
        attributes
    }

    #[test]
    fn a_registered_name_resolves_to_its_labels() {
        static NAME: [u8; 4] = *b"work";
        static LABELS: Labels = Labels::new("do the work", "labels::tests::work");
        let name = crate::__private::static_str(&NAME);
        assert!(resolved(name).is_empty(), "not registered yet");
        assert!(LABELS.keyed_by(name));
        assert!(LABELS.keyed_by(name), "the second call reads the state");
        assert_eq!(
            resolved(name),
            [
                KeyValue::new(fields::INTENT, "do the work"),
                KeyValue::new(fields::FUNCTION, "labels::tests::work"),
            ]
        );
        // The same text at another address is another callsite's name.
        assert!(resolved("work").is_empty());
        assert!(Labels::lookup(name).is_some());
        let mut owned = Vec::new();
        resolve(&Cow::Owned("work".to_owned()), &mut owned);
        assert!(owned.is_empty(), "run-time names are never a callsite's");
    }

    #[test]
    fn callsites_sharing_a_name_address_fall_back_to_fields() {
        static NAME: [u8; 6] = *b"shared";
        static FIRST: Labels = Labels::new("first", "labels::tests::first");
        static SECOND: Labels = Labels::new("second", "labels::tests::second");
        let name = crate::__private::static_str(&NAME);
        assert!(FIRST.keyed_by(name));
        assert!(!SECOND.keyed_by(name), "the address is taken");
        assert!(!FIRST.keyed_by(name), "and no longer identifies the first");
        assert!(resolved(name).is_empty(), "neither is resolved");
    }
}
