//! Protected secret key files (spec §3.5): the key file of §3.4 encrypted
//! under a key derived from a passphrase with scrypt (RFC 7914), as age does,
//! and ChaCha20-Poly1305.
//!
//! ```text
//! RGTRYPKY | u16le(1) | kdf = 1 (scrypt) | log2 N | u32le(r) | u32le(p) | salt (32)
//!          | u64le(n) | ChaCha20-Poly1305(scrypt(passphrase, salt), nonce 0,
//!                                         aad = the 60 bytes before, key file)
//! ```
//!
//! A reader checks the cost parameters against fixed bounds before it
//! derives anything, so that a file cannot make it spend more than
//! [`MEMORY_MAX`] of memory; a wrong passphrase and a changed file are the
//! same error.

use rand_core::CryptoRng;

use crate::crypto::{aead_open_once, aead_seal_once};
use crate::error::{CoreError, Result};
use crate::secret::{Key32, SecretBytes};

/// The magic bytes of a protected key file.
pub const PROTECTED_MAGIC: &[u8; 8] = b"RGTRYPKY";
/// The magic bytes of an unprotected key file (spec §3.4).
pub const PLAIN_MAGIC: &[u8; 8] = b"RGTRYKEY";
/// The length of the header the AEAD binds: magic to ciphertext length.
pub const HEADER_LEN: usize = 60;
/// The most memory a reader lets a key file's parameters ask for: 1 GiB.
pub const MEMORY_MAX: u64 = 1 << 30;
/// The longest key file a protected file may hold.
const PLAIN_MAX: u64 = 128 << 10;

/// The cost of the passphrase derivation: scrypt's `N = 2^log_n`, `r` and
/// `p`. Memory is `128 · r · N` bytes; time grows with `N · r · p`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// `log2 N`.
    pub log_n: u8,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
}

impl KdfParams {
    /// What `keygen` writes by default: `N = 2^17`, `r = 8`, `p = 1`
    /// (128 MiB, about half a second here).
    pub const DEFAULT: Self = Self {
        log_n: 17,
        r: 8,
        p: 1,
    };

    /// The bounds a reader accepts (spec §3.5): `log_n` 10 to 20, `r` 1 to
    /// 32, `p` 1 to 16, and at most [`MEMORY_MAX`] of memory.
    pub fn check(&self) -> Result<()> {
        let ok = (10..=20).contains(&self.log_n)
            && (1..=32).contains(&self.r)
            && (1..=16).contains(&self.p)
            && self.memory() <= MEMORY_MAX;
        if ok {
            Ok(())
        } else {
            Err(bad(format!(
                "scrypt parameters log2 N = {}, r = {}, p = {} are outside the accepted bounds \
                 (log2 N 10 to 20, r 1 to 32, p 1 to 16, at most 1 GiB of memory)",
                self.log_n, self.r, self.p
            )))
        }
    }

    /// The memory the derivation takes, in bytes.
    pub fn memory(&self) -> u64 {
        (128 * u64::from(self.r)) << self.log_n
    }
}

/// A passphrase: zeroized on drop, printed as redacted.
#[derive(Default)]
pub struct Passphrase(SecretBytes);

impl Passphrase {
    /// Takes ownership of the passphrase's bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(SecretBytes::new(bytes))
    }

    /// The bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

fn bad(detail: impl Into<String>) -> CoreError {
    CoreError::BadFile {
        what: "key",
        detail: detail.into(),
    }
}

/// Whether `bytes` are a protected key file (by its magic).
pub fn is_protected(bytes: &[u8]) -> bool {
    bytes.starts_with(PROTECTED_MAGIC)
}

/// The key scrypt derives from `passphrase` and `salt` with `params`,
/// checked against the reader's bounds first.
pub fn derive(passphrase: &Passphrase, salt: &[u8; 32], params: KdfParams) -> Result<Key32> {
    params.check()?;
    let p = scrypt::Params::new(params.log_n, params.r, params.p)
        .map_err(|e| bad(format!("scrypt parameters: {e}")))?;
    let mut out = [0u8; 32];
    scrypt::scrypt(passphrase.expose_secret(), salt, &p, &mut out)
        .map_err(|e| bad(format!("scrypt: {e}")))?;
    let k = Key32::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    Ok(k)
}

fn header(params: KdfParams, salt: &[u8; 32], len: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(PROTECTED_MAGIC);
    h[8..10].copy_from_slice(&1u16.to_le_bytes());
    h[10] = 1;
    h[11] = params.log_n;
    h[12..16].copy_from_slice(&params.r.to_le_bytes());
    h[16..20].copy_from_slice(&params.p.to_le_bytes());
    h[20..52].copy_from_slice(salt);
    h[52..60].copy_from_slice(&len.to_le_bytes());
    h
}

/// Encrypts a key file (spec §3.4) under `passphrase` with a fresh salt.
pub fn protect(
    key_file: &[u8],
    passphrase: &Passphrase,
    params: KdfParams,
    rng: &mut impl CryptoRng,
) -> Result<SecretBytes> {
    if passphrase.expose_secret().is_empty() {
        return Err(CoreError::usage(
            "an empty passphrase protects nothing: give one, or write the key unprotected",
        ));
    }
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let key = derive(passphrase, &salt, params)?;
    let h = header(params, &salt, key_file.len() as u64 + 16);
    let ct = aead_seal_once(&key, &h, key_file)?;
    let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
    out.extend_from_slice(&h);
    out.extend_from_slice(&ct);
    Ok(SecretBytes::new(out))
}

/// The parameters a protected key file names (checked against the bounds).
pub fn params_of(file: &[u8]) -> Result<KdfParams> {
    let h: &[u8; HEADER_LEN] = file
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| bad("truncated protected key file"))?;
    if &h[..8] != PROTECTED_MAGIC {
        return Err(bad("not a protected Rogatory key file"));
    }
    if h[8..10] != 1u16.to_le_bytes() {
        return Err(bad("unknown protected key file version"));
    }
    if h[10] != 1 {
        return Err(bad("unknown key derivation (only scrypt, 1, is defined)"));
    }
    let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let params = KdfParams {
        log_n: h[11],
        r: u32_at(12),
        p: u32_at(16),
    };
    params.check()?;
    Ok(params)
}

/// Decrypts a protected key file: the key file of spec §3.4 inside. A
/// wrong passphrase and a changed file give the same
/// [`CoreError::WrongPassphrase`].
pub fn unprotect(file: &[u8], passphrase: &Passphrase) -> Result<SecretBytes> {
    let params = params_of(file)?;
    let salt: [u8; 32] = file[20..52]
        .try_into()
        .map_err(|_| bad("truncated protected key file"))?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&file[52..60]);
    let len = u64::from_le_bytes(len);
    if !(16..=PLAIN_MAX + 16).contains(&len) || len != (file.len() - HEADER_LEN) as u64 {
        return Err(bad(
            "the ciphertext length is not the rest of the file (truncated or extended)",
        ));
    }
    let key = derive(passphrase, &salt, params)?;
    let plain = aead_open_once(&key, &file[..HEADER_LEN], &file[HEADER_LEN..], "key file")
        .map_err(|_| CoreError::WrongPassphrase)?;
    Ok(SecretBytes::new(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        log_n: 10,
        r: 8,
        p: 1,
    };

    #[test]
    fn a_protected_file_opens_with_its_passphrase_only() {
        let mut rng = crate::system_rng();
        let pass = Passphrase::new(b"correct horse battery staple".to_vec());
        let f = protect(b"RGTRYKEY...", &pass, FAST, &mut rng).unwrap();
        assert!(is_protected(f.expose_secret()));
        assert_eq!(params_of(f.expose_secret()).unwrap(), FAST);
        assert_eq!(
            unprotect(f.expose_secret(), &pass).unwrap().expose_secret(),
            b"RGTRYKEY..."
        );
        let wrong = Passphrase::new(b"correct horse battery stapler".to_vec());
        assert!(matches!(
            unprotect(f.expose_secret(), &wrong),
            Err(CoreError::WrongPassphrase)
        ));
        // Every changed byte of the header or the ciphertext is refused; a
        // flipped ciphertext byte like a wrong passphrase.
        for i in 0..f.expose_secret().len() {
            let mut g = f.expose_secret().to_vec();
            g[i] ^= 1;
            assert!(unprotect(&g, &pass).is_err(), "byte {i}");
        }
        let mut g = f.expose_secret().to_vec();
        g.push(0);
        assert!(unprotect(&g, &pass).is_err());
        assert!(unprotect(&g[..40], &pass).is_err());
    }

    #[test]
    fn costs_beyond_the_bounds_are_refused_before_any_work() {
        for (log_n, r, p) in [(21, 8, 1), (9, 8, 1), (20, 9, 1), (14, 0, 1), (14, 8, 17)] {
            let params = KdfParams { log_n, r, p };
            assert!(params.check().is_err(), "{params:?}");
            let h = header(params, &[0; 32], 16);
            let mut file = h.to_vec();
            file.extend([0u8; 16]);
            assert!(matches!(
                unprotect(&file, &Passphrase::new(b"x".to_vec())),
                Err(CoreError::BadFile { .. })
            ));
        }
        assert_eq!(KdfParams::DEFAULT.memory(), 128 << 20);
        assert!(protect(b"k", &Passphrase::default(), FAST, &mut crate::system_rng()).is_err());
    }
}
