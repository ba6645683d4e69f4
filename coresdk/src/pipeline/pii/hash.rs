//! Keyed hashing for the `hash` action: HMAC-SHA256 (RustCrypto `hmac` +
//! `sha2`), so equal values give equal tokens within a deployment without the
//! value being recoverable by anyone who lacks the key.

use std::fmt;
use std::fmt::Write as _;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// Where the HMAC key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeySource {
    /// `pii.hash_key` / `CORESDK_PII_HASH_KEY`: stable across processes.
    Configured,
    /// 32 random bytes from the OS (`getrandom`), new for every process.
    Random,
}

/// An HMAC-SHA256 keyed once; cloned per value.
#[derive(Clone)]
pub(crate) struct Hasher {
    mac: Hmac<Sha256>,
    source: KeySource,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("key", &"<redacted>")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Hasher {
    /// Keys with `key` when configured and non-empty, else with a random key.
    pub(crate) fn new(key: Option<&[u8]>) -> Self {
        match key.filter(|k| !k.is_empty()) {
            Some(key) => Self::keyed(key, KeySource::Configured),
            None => Self::keyed(&random_key(), KeySource::Random),
        }
    }

    fn keyed(key: &[u8], source: KeySource) -> Self {
        // HMAC accepts keys of any length; the fallback is unreachable but
        // keeps this path free of panics.
        let mac = Hmac::<Sha256>::new_from_slice(key)
            .unwrap_or_else(|_| Hmac::<Sha256>::new(&hmac::digest::Key::<Hmac<Sha256>>::default()));
        Self { mac, source }
    }

    /// Where the key came from.
    pub(crate) fn source(&self) -> KeySource {
        self.source
    }

    /// Appends the first `bytes` bytes (at most 32) of HMAC(key, value) to
    /// `out` as lower-case hex.
    pub(crate) fn write_hex(&self, value: &[u8], bytes: usize, out: &mut String) {
        let mut mac = self.mac.clone();
        mac.update(value);
        let digest = mac.finalize().into_bytes();
        for b in digest.iter().take(bytes) {
            let _ = write!(out, "{b:02x}");
        }
    }
}

/// 32 bytes from the OS CSPRNG; if the OS refuses, std's per-process
/// `RandomState` seeds (themselves OS-seeded) mixed with the clock.
fn random_key() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher as _};

    let mut key = [0u8; 32];
    if getrandom::fill(&mut key).is_ok() {
        return key;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for (i, chunk) in key.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(now);
        h.write_usize(i);
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &Hasher, v: &str, n: usize) -> String {
        let mut s = String::new();
        h.write_hex(v.as_bytes(), n, &mut s);
        s
    }

    #[test]
    fn matches_rfc4231_test_case_2() {
        let h = Hasher::new(Some(b"Jefe"));
        assert_eq!(h.source(), KeySource::Configured);
        assert_eq!(
            hex(&h, "what do ya want for nothing?", 32),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn configured_keys_are_stable_random_keys_differ() {
        let a = Hasher::new(Some(b"k"));
        let b = Hasher::new(Some(b"k"));
        assert_eq!(hex(&a, "alice", 8), hex(&b, "alice", 8));
        assert_ne!(hex(&a, "alice", 8), hex(&a, "bob", 8));
        let r1 = Hasher::new(None);
        let r2 = Hasher::new(Some(b""));
        assert_eq!(r1.source(), KeySource::Random);
        assert_ne!(hex(&r1, "alice", 16), hex(&r2, "alice", 16));
        assert!(format!("{a:?}").contains("<redacted>"));
    }
}
