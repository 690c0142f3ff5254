//! Personal data at rest: encrypted with ChaCha20-Poly1305, each ciphertext bound to the
//! field and row it belongs to, and looked up by a keyed blind index.
//!
//! A ciphertext is `2 ‖ key id (4) ‖ nonce (12) ‖ sealed`, sealed with the associated data
//! `table.column:row` ([`Field`]): moved to another row or column it no longer opens. The key
//! id names the key it was sealed with, so keys can be rotated — the new key encrypts, the
//! old ones still open what they sealed until `seip ops rekey-pii` has moved every field to
//! the new one. Ciphertexts of the first version (`nonce ‖ sealed`, no binding) still open.
//!
//! The blind index (equality lookups of resident numbers) has a key of its own
//! (`pii_index_key`): rotating the encryption key leaves every index valid. Where none is
//! configured the index key is derived from the encryption key, as before it existed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The version byte of a bound ciphertext.
const BOUND: u8 = 2;
/// Key id, nonce and tag lengths.
const ID_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Where a ciphertext belongs: its table, column and row.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The table.
    pub table: &'a str,
    /// The column.
    pub column: &'a str,
    /// The row's id.
    pub row: uuid::Uuid,
}

impl Field<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!("{}.{}:{}", self.table, self.column, self.row).into_bytes()
    }
}

#[derive(Clone)]
struct SealingKey {
    id: [u8; ID_LEN],
    aead: ChaCha20Poly1305,
}

impl SealingKey {
    fn new(key: [u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(b"seip pii key id v1");
        h.update(key);
        let digest = h.finalize();
        let mut id = [0; ID_LEN];
        id.copy_from_slice(&digest[..ID_LEN]);
        Self {
            id,
            aead: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }
}

/// Encrypts and decrypts personal data, and computes blind indexes for equality lookups.
#[derive(Clone)]
pub struct PiiCipher {
    current: SealingKey,
    previous: Vec<SealingKey>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

/// A 32-byte key given as base64; `what` names it in the error.
pub fn key_from_base64(key: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = B64.decode(key.trim())?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what} must be 32 bytes, base64-encoded"))
}

impl PiiCipher {
    /// From a 32-byte key given as base64, the index key derived from it.
    pub fn from_base64(key: &str) -> anyhow::Result<Self> {
        Ok(Self::from_key(key_from_base64(key, "pii_key")?))
    }

    /// From raw key bytes, the index key derived from it (one secret for both, as before
    /// the index had a key of its own).
    pub fn from_key(key: [u8; 32]) -> Self {
        Self::new(key, Vec::new(), Self::derived_index_key(key))
    }

    /// The index key derived from encryption key `key`, for stores made before the index
    /// had a key of its own.
    pub fn derived_index_key(key: [u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"seip blind index v1");
        h.update(key);
        h.finalize().into()
    }

    /// `current` seals; `previous` keys still open what they sealed; `index_key` keys the
    /// blind index.
    pub fn new(current: [u8; 32], previous: Vec<[u8; 32]>, index_key: [u8; 32]) -> Self {
        Self {
            current: SealingKey::new(current),
            previous: previous.into_iter().map(SealingKey::new).collect(),
            index_key,
        }
    }

    /// A new random key, base64 (the demo writes one to its data dir).
    pub fn generate_key() -> String {
        B64.encode(ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// `plain` sealed under the current key, bound to `field`.
    pub fn encrypt(&self, plain: &str, field: Field<'_>) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ad = field.associated_data();
        let mut out = Vec::with_capacity(1 + ID_LEN + NONCE_LEN + plain.len() + TAG_LEN);
        out.push(BOUND);
        out.extend(self.current.id);
        out.extend(nonce.as_slice());
        // Encryption with a valid key and nonce only fails for inputs beyond 2^38 bytes.
        out.extend(
            self.current
                .aead
                .encrypt(
                    &nonce,
                    Payload {
                        msg: plain.as_bytes(),
                        aad: &ad,
                    },
                )
                .expect("ChaCha20-Poly1305 encrypts any input below 256 GiB"),
        );
        out
    }

    /// Reverse of [`PiiCipher::encrypt`] for the ciphertext of `field`; `None` when it was
    /// not sealed by one of these keys, or belongs to another field or row.
    pub fn decrypt(&self, data: &[u8], field: Field<'_>) -> Option<String> {
        if let Some(plain) = self.open_bound(data, field) {
            return Some(plain);
        }
        // The first version: no version byte, no key id, no binding.
        if data.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, sealed) = data.split_at(NONCE_LEN);
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find_map(|k| k.aead.decrypt(Nonce::from_slice(nonce), sealed).ok())
            .and_then(|p| String::from_utf8(p).ok())
    }

    fn open_bound(&self, data: &[u8], field: Field<'_>) -> Option<String> {
        let (&version, rest) = data.split_first()?;
        if version != BOUND || rest.len() < ID_LEN + NONCE_LEN + TAG_LEN {
            return None;
        }
        let (id, rest) = rest.split_at(ID_LEN);
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)?;
        let ad = field.associated_data();
        let plain = key
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &ad,
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }

    /// Whether `data` is sealed, bound, under the current key (nothing to rekey).
    pub fn is_current(&self, data: &[u8]) -> bool {
        data.first() == Some(&BOUND) && data.get(1..=ID_LEN) == Some(&self.current.id[..])
    }

    /// Keyed hash of a request's bytes, for the idempotency log of a request that carries
    /// personal data: no plain hash of a resident number is ever stored.
    pub fn request_fingerprint(&self, bytes: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        // Domain-separated from the blind index.
        mac.update(b"seip request fingerprint v1\0");
        mac.update(bytes);
        hex(&mac.finalize().into_bytes())
    }

    /// Keyed hash of `value` for equality lookups without decrypting.
    pub fn blind_index(&self, value: &str) -> String {
        // HMAC accepts keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(column: &str, row: u128) -> Field<'_> {
        Field {
            table: "taxpayer",
            column,
            row: uuid::Uuid::from_u128(row),
        }
    }

    #[test]
    fn round_trip_and_index() {
        let c = PiiCipher::from_base64(&PiiCipher::generate_key()).unwrap();
        let ct = c.encrypt("홍길동", field("name_encrypted", 1));
        assert!(!ct.windows(3).any(|w| w == "홍".as_bytes()));
        assert_eq!(
            c.decrypt(&ct, field("name_encrypted", 1)).as_deref(),
            Some("홍길동")
        );
        assert!(c.is_current(&ct));
        assert_eq!(c.blind_index("a"), c.blind_index("a"));
        assert_ne!(c.blind_index("a"), c.blind_index("b"));
        let other = PiiCipher::from_key([7; 32]);
        assert_eq!(other.decrypt(&ct, field("name_encrypted", 1)), None);
    }

    #[test]
    fn a_ciphertext_opens_only_in_its_own_field_and_row() {
        let c = PiiCipher::from_key([1; 32]);
        let ct = c.encrypt("900101-1000001", field("rrn_encrypted", 1));
        assert_eq!(
            c.decrypt(&ct, field("rrn_encrypted", 2)),
            None,
            "another row"
        );
        assert_eq!(
            c.decrypt(&ct, field("name_encrypted", 1)),
            None,
            "another column"
        );
    }

    #[test]
    fn rotated_keys_still_open_what_they_sealed_and_the_index_stays() {
        let (old, new, index) = ([1; 32], [2; 32], [3; 32]);
        let before = PiiCipher::new(old, Vec::new(), index);
        let ct = before.encrypt("홍길동", field("name_encrypted", 1));
        let after = PiiCipher::new(new, vec![old], index);
        assert_eq!(
            after.decrypt(&ct, field("name_encrypted", 1)).as_deref(),
            Some("홍길동")
        );
        assert!(!after.is_current(&ct), "sealed under the old key: to rekey");
        assert_eq!(before.blind_index("x"), after.blind_index("x"));
        // Without the old key it no longer opens.
        let forgot = PiiCipher::new(new, Vec::new(), index);
        assert_eq!(forgot.decrypt(&ct, field("name_encrypted", 1)), None);
    }

    #[test]
    fn the_first_version_still_opens() {
        let key = [9; 32];
        let aead = ChaCha20Poly1305::new(Key::from_slice(&key));
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut legacy = nonce.to_vec();
        legacy.extend(aead.encrypt(&nonce, "서울".as_bytes()).unwrap());
        let c = PiiCipher::from_key(key);
        assert_eq!(
            c.decrypt(&legacy, field("address_encrypted", 1)).as_deref(),
            Some("서울")
        );
        assert!(!c.is_current(&legacy));
    }
}
