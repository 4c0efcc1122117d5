//! The package vectors in `spec/vectors/package` are current, and every
//! decode path gives exactly the outcome each vector states: the package
//! read from memory, from a reader that returns a few bytes at a time, from
//! a file; taken apart with `Parts::read` (and put together again byte for
//! byte); and every field opened both into memory and into a directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};

use rogatory_core::container::Parts;
use rogatory_core::{Identity, Package, TrustStore};
use rogatory_vectors::packages::{
    MIN_PACKAGE_NEGATIVE, MIN_PACKAGE_VECTORS, Outcomes, compare_outcomes, evaluate,
};
use rogatory_vectors::{
    CORE_CLASSES, OK, PackageFile, compare_package_dir, core_error_class, generate_packages,
    json_files, package_dir, read_package_file,
};
use rogatory_wire::Timestamp;

#[test]
fn package_vectors_are_current() {
    let vectors = generate_packages().expect("the generator refuses its own vectors");
    let diffs = compare_package_dir(&package_dir(), &vectors).unwrap();
    assert!(
        diffs.is_empty(),
        "the package vectors in {} are not current; run `cargo run -p rogatory-vectors`:\n{}",
        package_dir().display(),
        diffs.join("\n")
    );
}

#[test]
fn package_generation_is_deterministic() {
    assert_eq!(generate_packages().unwrap(), generate_packages().unwrap());
}

fn files() -> Vec<PackageFile> {
    let dir = package_dir();
    let files: Vec<PackageFile> = json_files(&dir)
        .unwrap()
        .iter()
        .map(|name| read_package_file(&dir.join(name)).unwrap())
        .collect();
    assert!(!files.is_empty(), "no vectors in {}", dir.display());
    files
}

/// A reader that returns at most 7 bytes per call: the streaming decode path.
struct Trickle<R>(R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(7);
        self.0.read(&mut buf[..n])
    }
}

impl<R: Seek> Seek for Trickle<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

struct Setup {
    bytes: Vec<u8>,
    trust: TrustStore,
    ids: Vec<(String, Identity)>,
}

fn setup(f: &PackageFile) -> Setup {
    let ids = f
        .expected
        .unlock
        .iter()
        .map(|u| (u.party.clone(), f.identity(&u.party).unwrap()))
        .collect();
    Setup {
        bytes: f.package_bytes().unwrap(),
        trust: f.trust_store().unwrap(),
        ids,
    }
}

fn check(f: &PackageFile, path: &str, got: &Outcomes) {
    let diffs = compare_outcomes(f, got).unwrap();
    assert!(
        diffs.is_empty(),
        "{} ({path}):\n{}",
        f.name,
        diffs.join("\n")
    );
}

/// Runs a decode path; a panic inside it fails the test naming the vector
/// and the path (an assertion about its result is made outside).
fn guarded<T>(name: &str, path: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| panic!("{name}: the {path} decode path panicked"))
}

#[test]
fn every_decode_path_over_every_package_vector() {
    let tmp = tempfile::tempdir().unwrap();
    for f in files() {
        let s = setup(&f);
        let unlockers: Vec<(&str, &Identity)> =
            s.ids.iter().map(|(p, i)| (p.as_str(), i)).collect();
        let now = Timestamp(f.now);
        let got = guarded(&f.name, "in-memory", || {
            evaluate(
                || Package::parse(Cursor::new(&s.bytes[..])),
                &s.trust,
                now,
                &unlockers,
            )
        });
        check(&f, "in-memory", &got);
        let got = guarded(&f.name, "streaming", || {
            evaluate(
                || Package::parse(Trickle(Cursor::new(&s.bytes[..]))),
                &s.trust,
                now,
                &unlockers,
            )
        });
        check(&f, "streaming, 7 bytes per read", &got);
        let path = tmp.path().join(format!("{}.rgt", f.name));
        std::fs::write(&path, &s.bytes).unwrap();
        let got = guarded(&f.name, "file", || {
            evaluate(|| Package::open(&path), &s.trust, now, &unlockers)
        });
        check(&f, "file", &got);
        match guarded(&f.name, "Parts::read", || {
            Parts::read(Cursor::new(&s.bytes[..]))
        }) {
            Ok(parts) => {
                assert_eq!(f.expected.read, OK, "{}: Parts::read accepted it", f.name);
                // One accepted encoding: taken apart and put together, the
                // same bytes.
                let again = guarded(&f.name, "Parts::assemble", || parts.assemble()).unwrap();
                assert_eq!(
                    again, s.bytes,
                    "{}: Parts::assemble changes the bytes",
                    f.name
                );
            }
            Err(e) => assert_eq!(
                core_error_class(&e),
                f.expected.read,
                "{}: Parts::read: {e}",
                f.name
            ),
        }
        open_to_dirs(&f, &s, tmp.path());
    }
}

/// Opens every field into its own empty directory: a field that opens
/// appears under its name with exactly its plaintext; one that fails
/// leaves the directory empty (no partial file, no name).
fn open_to_dirs(f: &PackageFile, s: &Setup, tmp: &std::path::Path) {
    for (u, (_, id)) in f.expected.unlock.iter().zip(&s.ids) {
        for o in &u.open {
            let dir = tmp.join(format!("{}-{}-{}", f.name, u.party, o.field));
            std::fs::create_dir(&dir).unwrap();
            let res = guarded(&f.name, "open to a directory", || {
                Package::parse(Cursor::new(&s.bytes[..]))
                    .and_then(|p| p.verify(&s.trust))
                    .and_then(|v| v.unlock(id, Timestamp(f.now)))
                    .and_then(|mut up| up.open_field_to_dir(o.field, &dir))
            });
            let listing: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let place = format!(
                "{}: open field {} as {} to a directory",
                f.name, o.field, u.party
            );
            match res {
                Ok(path) => {
                    assert_eq!(o.outcome, OK, "{place}: opened");
                    let want = f.plaintext(o.field).unwrap().unwrap();
                    assert_eq!(std::fs::read(&path).unwrap(), want, "{place}");
                    let name = &f.fields[o.field as usize].name;
                    assert_eq!(listing, vec![name.clone()], "{place}");
                }
                Err(e) => {
                    assert_eq!(core_error_class(&e), o.outcome, "{place}: {e}");
                    assert!(listing.is_empty(), "{place}: left {listing:?}");
                }
            }
        }
    }
}

#[test]
fn outcomes_are_known_classes_and_kinds_agree() {
    for f in files() {
        let e = &f.expected;
        let mut all: Vec<&str> = vec![e.read.as_str()];
        all.extend(e.verify.as_deref());
        for u in &e.unlock {
            all.push(&u.outcome);
            all.extend(u.open.iter().map(|o| o.outcome.as_str()));
        }
        for o in &all {
            assert!(
                *o == OK || CORE_CLASSES.contains(o),
                "{}: unknown outcome {o:?}",
                f.name
            );
        }
        // Positive: nothing fails but the access rule. Negative: something
        // else fails.
        let failure = all.iter().any(|o| *o != OK && *o != "not_cleared");
        assert!(
            f.kind == "positive" || f.kind == "negative",
            "{}: kind {:?}",
            f.name,
            f.kind
        );
        assert_eq!(f.is_negative(), failure, "{}: kind {}", f.name, f.kind);
        assert!(!f.description.is_empty(), "{}: no description", f.name);
        // Steps after a failure are not listed.
        if e.read != OK {
            assert!(e.verify.is_none() && e.unlock.is_empty(), "{}", f.name);
        }
        if e.verify.as_deref() != Some(OK) {
            assert!(e.unlock.is_empty(), "{}", f.name);
        }
        for u in &e.unlock {
            let n = if u.outcome == OK { f.fields.len() } else { 0 };
            assert_eq!(u.open.len(), n, "{}: opens as {}", f.name, u.party);
        }
        // Every plaintext given is one that some step releases, and the
        // sizes agree.
        for field in &f.fields {
            if let Some(p) = f.plaintext(field.index).unwrap() {
                assert_eq!(
                    p.len() as u64,
                    field.size,
                    "{}: field {}",
                    f.name,
                    field.index
                );
            }
        }
    }
}

#[test]
fn package_vector_counts_and_names() {
    let files = files();
    let negative = files.iter().filter(|f| f.is_negative()).count();
    assert!(
        files.len() >= MIN_PACKAGE_VECTORS,
        "{} vectors",
        files.len()
    );
    assert!(negative >= MIN_PACKAGE_NEGATIVE, "{negative} negative");
    let required = [
        ("package_three_fields", false),
        ("empty_fields", false),
        ("prelude_bit_flip", true),
        ("field_body_bit_flip", true),
        ("trailer_metadata_bit_flip", true),
        ("trailer_leaf_bit_flip", true),
        ("trailer_stanza_bit_flip", true),
        ("trailer_signature_bit_flip", true),
        ("custody_record_bit_flip", true),
        ("footer_bit_flip", true),
        ("field_truncated_chunk", true),
        ("field_missing_final_chunk", true),
        ("trailing_garbage", true),
        ("wrong_recipient", true),
        ("low_order_stanza_key", true),
        ("non_canonical_signature", true),
        ("recipients_given_different_keys", true),
    ];
    for (name, negative) in required {
        let f = files
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no vector {name}"));
        assert_eq!(f.is_negative(), negative, "{name}");
    }
    // Small files: the contract is read by people too.
    let dir = package_dir();
    for name in json_files(&dir).unwrap() {
        let len = std::fs::metadata(dir.join(&name)).unwrap().len();
        assert!(len < 512 << 10, "{name}: {len} bytes");
    }
}

/// The one plaintext per field promise over the vector where the sender
/// gives two recipients different keys: whoever accepts gets exactly the
/// signed plaintext, the other the uniform error.
#[test]
fn different_keys_give_one_plaintext_or_the_uniform_error() {
    let f = read_package_file(&package_dir().join("recipients_given_different_keys.json")).unwrap();
    let s = setup(&f);
    let unlockers: Vec<(&str, &Identity)> = s.ids.iter().map(|(p, i)| (p.as_str(), i)).collect();
    let got = evaluate(
        || Package::parse(Cursor::new(&s.bytes[..])),
        &s.trust,
        Timestamp(f.now),
        &unlockers,
    );
    let want = f.plaintext(1).unwrap().unwrap();
    let mut accepted = 0;
    for u in &got.unlock {
        match &u.open[1].1 {
            Ok(p) => {
                assert_eq!(*p, want, "{}", u.party);
                accepted += 1;
            }
            Err(class) => assert_eq!(class, "decryption", "{}", u.party),
        }
    }
    assert_eq!(accepted, 1);
}
