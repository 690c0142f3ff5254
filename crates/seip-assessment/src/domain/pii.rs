//! Personal data at rest: encrypted with ChaCha20-Poly1305, looked up by a keyed blind index.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Encrypts and decrypts personal data, and computes blind indexes for equality lookups.
#[derive(Clone)]
pub struct PiiCipher {
    aead: ChaCha20Poly1305,
    index_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

impl PiiCipher {
    /// From a 32-byte key given as base64.
    pub fn from_base64(key: &str) -> anyhow::Result<Self> {
        let bytes = B64.decode(key.trim())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("pii_key must be 32 bytes, base64-encoded"))?;
        Ok(Self::from_key(key))
    }

    /// From raw key bytes. The index key is derived, so one secret serves both purposes.
    pub fn from_key(key: [u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(b"seip blind index v1");
        h.update(key);
        Self {
            aead: ChaCha20Poly1305::new(Key::from_slice(&key)),
            index_key: h.finalize().into(),
        }
    }

    /// A new random key, base64 (the demo writes one to its data dir).
    pub fn generate_key() -> String {
        B64.encode(ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// `nonce ‖ ciphertext`.
    pub fn encrypt(&self, plain: &str) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce only fails for inputs beyond 2^38 bytes.
        let mut out = nonce.to_vec();
        out.extend(
            self.aead
                .encrypt(&nonce, plain.as_bytes())
                .expect("ChaCha20-Poly1305 encrypts any input below 256 GiB"),
        );
        out
    }

    /// Reverse of [`PiiCipher::encrypt`]; `None` when the data was not made with this key.
    pub fn decrypt(&self, data: &[u8]) -> Option<String> {
        if data.len() < 12 {
            return None;
        }
        let (nonce, ct) = data.split_at(12);
        let plain = self.aead.decrypt(Nonce::from_slice(nonce), ct).ok()?;
        String::from_utf8(plain).ok()
    }

    /// Keyed hash of a request's bytes, for the idempotency log of a request that carries
    /// personal data: no plain hash of a resident number is ever stored.
    pub fn request_fingerprint(&self, bytes: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        // Domain-separated from the blind index.
        mac.update(b"seip request fingerprint v1\0");
        mac.update(bytes);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Keyed hash of `value` for equality lookups without decrypting.
    pub fn blind_index(&self, value: &str) -> String {
        // HMAC accepts keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(value.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_index() {
        let c = PiiCipher::from_base64(&PiiCipher::generate_key()).unwrap();
        let ct = c.encrypt("홍길동");
        assert!(!ct.windows(3).any(|w| w == "홍".as_bytes()));
        assert_eq!(c.decrypt(&ct).as_deref(), Some("홍길동"));
        assert_eq!(c.blind_index("a"), c.blind_index("a"));
        assert_ne!(c.blind_index("a"), c.blind_index("b"));
        let other = PiiCipher::from_key([7; 32]);
        assert_eq!(other.decrypt(&ct), None);
    }
}
