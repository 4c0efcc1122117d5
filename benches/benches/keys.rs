//! Protected key files (spec §3.5): unlocking a protected key costs what its
//! scrypt parameters say and no more. In one run: the derivation alone
//! (`kdf_scrypt`), and a whole `open` of a small package with the key read
//! from a protected file (`open_with_protected_key`) beside the same with
//! an unprotected file (`open_with_plain_key`): the difference is the KDF.
//!
//! `cargo bench -p rogatory-benches --bench keys` (figures in
//! benches/README.md). `ROGATORY_BENCH_LOG_N` sets `log2 N` (default 17,
//! what `keygen` writes).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rogatory_benches::*;
use rogatory_core::keyfile::{KdfParams, Passphrase, derive};
use rogatory_core::{Identity, Package};
use rogatory_wire::FieldKind;

fn log_n() -> u8 {
    std::env::var("ROGATORY_BENCH_LOG_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(KdfParams::DEFAULT.log_n)
}

fn open(pkg: &[u8], p: &Parties, who: &Identity) -> u64 {
    let v = Package::parse(Cursor::new(pkg))
        .unwrap()
        .verify_lazily(&p.trust)
        .unwrap();
    let mut u = v.unlock(who, NOW).unwrap();
    let n = u.open_field(0, &mut std::io::sink()).unwrap();
    u.finish_verification().unwrap();
    n
}

fn keys(c: &mut Criterion) {
    let params = KdfParams {
        log_n: log_n(),
        ..KdfParams::DEFAULT
    };
    let p = parties(1);
    let pkg = seal(&p, &[("chat.txt", FieldKind::Text, b"hello\n")], Vec::new());
    let who = &p.recipients[0];
    let pass = Passphrase::new(b"correct horse battery staple".to_vec());
    let dir = tempfile_dir();
    let protected = dir.join("protected.key");
    let plain = dir.join("plain.key");
    write_private(
        &protected,
        who.to_protected_key_file(&pass, params, &mut rng(3))
            .unwrap()
            .expose_secret(),
    );
    write_private(&plain, who.to_key_file().unwrap().expose_secret());

    let mut g = c.benchmark_group(format!("protected_key_log_n_{}", params.log_n));
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("kdf_scrypt", |b| {
        b.iter(|| black_box(derive(&pass, &[7; 32], params).unwrap()))
    });
    g.bench_function("open_with_protected_key", |b| {
        b.iter(|| {
            let id = Identity::load_with(&protected, || {
                Ok::<_, rogatory_core::CoreError>(Passphrase::new(pass.expose_secret().to_vec()))
            })
            .unwrap();
            open(&pkg, &p, &id)
        })
    });
    g.bench_function("open_with_plain_key", |b| {
        b.iter(|| {
            let id = Identity::load(&plain).unwrap();
            open(&pkg, &p, &id)
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rogatory-bench-keys-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_private(path: &std::path::Path, bytes: &[u8]) {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).unwrap().write_all(bytes).unwrap();
}

criterion_group!(benches, keys);
criterion_main!(benches);
