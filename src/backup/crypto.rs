//! The primitives the foreign formats use, each with limits on its cost parameters so that a hostile
//! file cannot make an import hang or exhaust memory: AES-256-GCM, scrypt, PBKDF2, Argon2id and
//! libsodium's `crypto_secretstream_xchacha20poly1305` (single-message pull and push).

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

pub type Key = Zeroizing<[u8; 32]>;

/// Largest scrypt memory (128·N·r bytes) accepted: 1 GiB. Aegis uses 32 MiB.
const SCRYPT_MAX_MEMORY: u64 = 1 << 30;
/// Largest scrypt work (N·r·p) accepted: 2^25, about 64× Aegis' own.
const SCRYPT_MAX_WORK: u64 = 1 << 25;
/// Largest Argon2 memory accepted: 1 GiB (libsodium's "sensitive" preset, the most any app uses).
pub const ARGON2_MAX_KIB: u32 = 1 << 20;
const ARGON2_MAX_ITERATIONS: u32 = 16;
const ARGON2_MAX_LANES: u32 = 16;
/// PBKDF2 rounds above this are refused (andOTP uses 140,000–160,000).
pub const PBKDF2_MAX_ROUNDS: u32 = 10_000_000;

/// Why a key derivation was refused; the caller words it for its format.
#[derive(Debug)]
pub struct KdfRefused(pub String);

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

pub fn scrypt(password: &[u8], salt: &[u8], n: u64, r: u32, p: u32) -> Result<Key, KdfRefused> {
    if n < 2 || !n.is_power_of_two() {
        return Err(KdfRefused(format!("scrypt N={n} is not a power of two")));
    }
    let log_n = n.trailing_zeros();
    let memory = 128u64.saturating_mul(n).saturating_mul(u64::from(r));
    let work = n.saturating_mul(u64::from(r)).saturating_mul(u64::from(p));
    if r == 0 || p == 0 || memory > SCRYPT_MAX_MEMORY || work > SCRYPT_MAX_WORK || log_n > 30 {
        return Err(KdfRefused(format!("scrypt N=2^{log_n}, r={r}, p={p}")));
    }
    let params = scrypt::Params::new(log_n as u8, r, p, 32)
        .map_err(|_| KdfRefused(format!("scrypt N=2^{log_n}, r={r}, p={p}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut())
        .map_err(|_| KdfRefused("scrypt output length".into()))?;
    Ok(key)
}

pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> Result<Key, KdfRefused> {
    if rounds == 0 || rounds > PBKDF2_MAX_ROUNDS {
        return Err(KdfRefused(format!("PBKDF2 with {rounds} rounds")));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2_pbkdf2::Sha256>(password, salt, rounds, key.as_mut());
    Ok(key)
}

pub fn pbkdf2_sha1(password: &[u8], salt: &[u8], rounds: u32) -> Result<Key, KdfRefused> {
    if rounds == 0 || rounds > PBKDF2_MAX_ROUNDS {
        return Err(KdfRefused(format!("PBKDF2 with {rounds} rounds")));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1_pbkdf2::Sha1>(password, salt, rounds, key.as_mut());
    Ok(key)
}

/// Argon2id (version 0x13) with `memory_kib` KiB, `iterations` passes and `lanes` lanes.
pub fn argon2id(
    password: &[u8],
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
    lanes: u32,
) -> Result<Key, KdfRefused> {
    let shown = || format!("Argon2id with {memory_kib} KiB, {iterations} passes, {lanes} lanes");
    if memory_kib > ARGON2_MAX_KIB
        || iterations == 0
        || iterations > ARGON2_MAX_ITERATIONS
        || lanes == 0
        || lanes > ARGON2_MAX_LANES
    {
        return Err(KdfRefused(shown()));
    }
    let params = argon2::Params::new(memory_kib, iterations, lanes, Some(32))
        .map_err(|_| KdfRefused(shown()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password, salt, key.as_mut())
        .map_err(|_| KdfRefused(shown()))?;
    Ok(key)
}

/// AES-256-GCM open of `ciphertext ‖ tag`; `None` when the key is wrong or the data was altered.
pub fn aes_gcm_open(
    key: &[u8; 32],
    nonce: &[u8],
    ciphertext_and_tag: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if nonce.len() != 12 {
        return None;
    }
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext_and_tag,
                aad: b"",
            },
        )
        .ok()
        .map(Zeroizing::new)
}

/// AES-256-GCM seal; returns `ciphertext ‖ tag`.
pub fn aes_gcm_seal(key: &[u8; 32], nonce: &[u8; 12], plaintext: &[u8]) -> Vec<u8> {
    Aes256Gcm::new(key.into())
        .encrypt(Nonce::from_slice(nonce), plaintext)
        .expect("AES-GCM encrypts any message under 64 GiB")
}

/// libsodium `crypto_secretstream_xchacha20poly1305`, as Ente Auth uses it: one message, read with
/// the 24-byte header its exports call `encryptionNonce`.
pub mod secretstream {
    use chacha20::ChaCha20;
    use chacha20::cipher::consts::U10;
    use chacha20::cipher::generic_array::GenericArray;
    use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
    use poly1305::Poly1305;
    use poly1305::universal_hash::KeyInit;
    use zeroize::Zeroizing;

    pub const HEADER_BYTES: usize = 24;
    pub const ABYTES: usize = 17;
    pub const TAG_FINAL: u8 = 3;

    struct State {
        key: Zeroizing<[u8; 32]>,
        nonce: [u8; 12],
    }

    fn init(key: &[u8; 32], header: &[u8; HEADER_BYTES]) -> State {
        let sub = chacha20::hchacha::<U10>(
            GenericArray::from_slice(key),
            GenericArray::from_slice(&header[..16]),
        );
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&sub);
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&1u32.to_le_bytes());
        nonce[4..].copy_from_slice(&header[16..]);
        State { key: k, nonce }
    }

    fn cipher_at(state: &State, block: u32) -> ChaCha20 {
        let mut c = ChaCha20::new(
            GenericArray::from_slice(state.key.as_ref()),
            GenericArray::from_slice(&state.nonce),
        );
        c.seek(u64::from(block) * 64);
        c
    }

    /// The MAC libsodium computes: over the encrypted tag block, the ciphertext, its (quirky) padding
    /// `mlen & 0xf` and the two lengths. No additional data.
    fn mac(state: &State, block: &[u8; 64], ciphertext: &[u8]) -> [u8; 16] {
        let mut poly_key = Zeroizing::new([0u8; 64]);
        cipher_at(state, 0).apply_keystream(poly_key.as_mut());
        let mut data = Vec::with_capacity(64 + ciphertext.len() + 16 + 16);
        data.extend_from_slice(block);
        data.extend_from_slice(ciphertext);
        data.extend(std::iter::repeat_n(0u8, ciphertext.len() & 0xf));
        data.extend_from_slice(&0u64.to_le_bytes());
        data.extend_from_slice(&((64 + ciphertext.len()) as u64).to_le_bytes());
        let poly = Poly1305::new(GenericArray::from_slice(&poly_key[..32]));
        poly.compute_unpadded(&data).into()
    }

    /// Opens the first message of a stream; returns its plaintext and tag. `None`: wrong key or altered.
    pub fn pull(
        key: &[u8; 32],
        header: &[u8; HEADER_BYTES],
        message: &[u8],
    ) -> Option<(Zeroizing<Vec<u8>>, u8)> {
        if message.len() < ABYTES {
            return None;
        }
        let state = init(key, header);
        let mlen = message.len() - ABYTES;
        let mut block = [0u8; 64];
        block[0] = message[0];
        cipher_at(&state, 1).apply_keystream(&mut block);
        let tag = block[0];
        block[0] = message[0];
        let ciphertext = &message[1..1 + mlen];
        let expected = mac(&state, &block, ciphertext);
        let stored = &message[1 + mlen..];
        let mut diff = 0u8;
        for (a, b) in expected.iter().zip(stored) {
            diff |= a ^ b;
        }
        if diff != 0 {
            return None;
        }
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        cipher_at(&state, 2).apply_keystream(&mut plain);
        Some((plain, tag))
    }

    /// Writes a one-message stream (the counterpart of [`pull`]), as libsodium's push does.
    pub fn push(key: &[u8; 32], header: &[u8; HEADER_BYTES], plain: &[u8], tag: u8) -> Vec<u8> {
        let state = init(key, header);
        let mut block = [0u8; 64];
        block[0] = tag;
        cipher_at(&state, 1).apply_keystream(&mut block);
        let mut out = Vec::with_capacity(plain.len() + ABYTES);
        out.push(block[0]);
        let mut ciphertext = plain.to_vec();
        cipher_at(&state, 2).apply_keystream(&mut ciphertext);
        let m = mac(&state, &block, &ciphertext);
        out.extend_from_slice(&ciphertext);
        out.extend_from_slice(&m);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrypt_limits() {
        assert!(scrypt(b"p", b"s", 1 << 40, 8, 1).is_err());
        assert!(scrypt(b"p", b"s", 1000, 8, 1).is_err());
        assert!(scrypt(b"p", b"s", 1 << 20, 8, 1).is_ok() || cfg!(miri));
        assert!(scrypt(b"p", b"s", 1 << 15, 8, 100_000).is_err());
    }

    #[test]
    fn pbkdf2_rfc6070_sha1() {
        // RFC 6070 test vector 2 (first 20 bytes).
        let key = pbkdf2_sha1(b"password", b"salt", 2).unwrap();
        assert_eq!(
            data_encoding::HEXLOWER.encode(&key[..20]),
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"
        );
        assert!(pbkdf2_sha1(b"p", b"s", PBKDF2_MAX_ROUNDS + 1).is_err());
    }

    #[test]
    fn argon2_limits() {
        assert!(argon2id(b"p", b"saltsalt", ARGON2_MAX_KIB * 4, 1, 1).is_err());
        assert!(argon2id(b"p", b"saltsalt", 64, 1_000, 1).is_err());
    }

    #[test]
    fn secretstream_round_trip_and_tamper() {
        let key = [7u8; 32];
        let header = [9u8; 24];
        for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 300] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = secretstream::push(&key, &header, &plain, secretstream::TAG_FINAL);
            let (opened, tag) = secretstream::pull(&key, &header, &sealed).unwrap();
            assert_eq!(&*opened, &plain);
            assert_eq!(tag, secretstream::TAG_FINAL);
            let mut bad = sealed.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(secretstream::pull(&key, &header, &bad).is_none());
            assert!(secretstream::pull(&[8u8; 32], &header, &sealed).is_none());
        }
    }
}
