//! The token signer against a real SoftHSM2 token (Debian `softhsm2`, which
//! `.ci/run` installs): a fresh token in a temporary directory, initialised
//! with `softhsm2-util`, then every path an operator and an insider meet.
//!
//! SoftHSM reads its configuration from `SOFTHSM2_CONF` when the module is
//! initialised, so `softhsm` runs the checks in a child process of this test
//! binary with that variable set (a test may not change its own
//! environment). Without SoftHSM2 installed the test says so and passes,
//! unless `ROGATORY_REQUIRE_SOFTHSM=1` (set by `.ci/run`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::crypto::verify_signature;
use rogatory_core::identity::verify_card;
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory_core::{CoreError, Identity, Key32, Package, Sealer, Signer, TrustStore};
use rogatory_pkcs11::{Pin, Pkcs11Error, Token, open_signer};
use rogatory_wire::*;

const LABEL: &str = "rogatory-test";
const PIN: &str = "1234";
const SO_PIN: &str = "0000";
const CHILD: &str = "ROGATORY_TEST_PKCS11_MODULE";
const NOW: Timestamp = Timestamp(1_800_000_000);

fn module() -> Option<String> {
    let m = std::env::var("ROGATORY_PKCS11_MODULE")
        .unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".into());
    if Path::new(&m).exists()
        && Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok()
    {
        return Some(m);
    }
    assert!(
        std::env::var("ROGATORY_REQUIRE_SOFTHSM").as_deref() != Ok("1"),
        "ROGATORY_REQUIRE_SOFTHSM=1 but SoftHSM2 ({m}, softhsm2-util) is not installed"
    );
    eprintln!("skipped: SoftHSM2 is not installed ({m}); apt-get install softhsm2");
    None
}

#[test]
fn softhsm() {
    let Some(module) = module() else { return };
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("tokens")).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.path().join("tokens").display()
        ),
    )
    .unwrap();
    let init = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            LABEL,
            "--so-pin",
            SO_PIN,
        ])
        .args(["--pin", PIN])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "in_token", "--include-ignored", "--nocapture"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, &module)
        .env("ROGATORY_TEST_WORK", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{stderr}"
    );
}

fn party(name: &str, seed: u8) -> Identity {
    Identity::from_secrets_with_hybrid(
        PartyId::new(name).unwrap(),
        &Key32::from_bytes([seed; 32]),
        &Key32::from_bytes([seed.wrapping_add(100); 32]),
        Some(&Key32::from_bytes([seed.wrapping_add(200); 32])),
        Digest([seed; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .unwrap()
}

fn info() -> PackageInfo {
    let text = |s: &str| Text::new(s).unwrap();
    PackageInfo {
        case_reference: text("CASE-1"),
        request_reference: None,
        legal_basis: text("Art. 18"),
        issuing_authority: text("BKA"),
        priority: Priority::Normal,
        deadline: None,
        purpose: text("investigation"),
        data_categories: CategorySet::from_unsorted(vec![]).unwrap(),
        not_before: Timestamp(NOW.0 - 10),
        retain_until: Timestamp(NOW.0 + 86_400),
        onward: OnwardConsent::None,
        provenance: vec![],
    }
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn load(path: &Path, pin: &str) -> Result<Identity, CoreError> {
    let pin = Pin::new(pin.into());
    Identity::load_with_token(
        path,
        || Err(CoreError::Usage("no passphrase".into())),
        |r| open_signer(r, &pin).map_err(CoreError::from),
    )
}

/// The checks, in the child process that has `SOFTHSM2_CONF`.
#[test]
#[ignore = "run by `softhsm`, in a child process with the token configured"]
fn in_token() {
    let Ok(module) = std::env::var(CHILD) else {
        return;
    };
    let work = std::path::PathBuf::from(std::env::var("ROGATORY_TEST_WORK").unwrap());

    // An operator's mistakes: a wrong PIN, a token that is not there.
    let e = Token::open(&module, LABEL, &Pin::new("9999".into())).unwrap_err();
    assert!(matches!(e, Pkcs11Error::WrongPin { .. }), "{e}");
    let e = Token::open(&module, "other", &Pin::new(PIN.into())).unwrap_err();
    assert!(matches!(e, Pkcs11Error::NoToken { .. }), "{e}");
    assert!(
        e.to_string().contains(LABEL),
        "names the tokens present: {e}"
    );

    // The token makes an Ed25519 key and signs; the signature verifies
    // strictly under the public key it reports.
    let token = Arc::new(Token::open(&module, LABEL, &Pin::new(PIN.into())).unwrap());
    let signer = token.generate_ed25519("de.bka").unwrap();
    let sig = signer.sign_raw(b"rogatory/v1 test message").unwrap();
    let public = rogatory_core::token::ExternalSigner::public_key(&signer);
    verify_signature(
        &public,
        b"",
        &[b"rogatory/v1 test message"],
        &Signature(sig),
        "t",
    )
    .unwrap();
    let reference = signer.token_ref().clone();
    assert_eq!(reference.token, LABEL);
    assert_eq!(reference.object_id.len(), 16);

    // X25519 on the token: SoftHSM2 2.6 has no CKK_EC_MONTGOMERY keys, so the
    // answer is the typed refusal (and the X25519 secret stays in the file).
    match token.x25519_derive() {
        Ok(()) => eprintln!("this token offers X25519 derivation"),
        Err(e) => {
            assert!(matches!(e, Pkcs11Error::Unsupported { .. }), "{e}");
            assert!(e.to_string().contains("CKM_ECDH1_DERIVE"), "{e}");
            let core: CoreError = e.into();
            assert!(
                matches!(core, CoreError::TokenUnsupported { .. }),
                "{core:?}"
            );
        }
    }

    // An identity whose card the token signed; its token key file.
    let id = Identity::generate_with_signer(
        PartyId::new("de.bka").unwrap(),
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
        true,
        Box::new(signer),
        &mut ChaCha20Rng::from_seed([1; 32]),
    )
    .unwrap();
    assert_eq!(verify_card(id.card()).unwrap(), id.key_id());
    assert_eq!(id.card().body.signing_key, public);
    assert_eq!(id.token(), Some(&reference));
    let file = id.to_key_file().unwrap();
    assert!(file.expose_secret().starts_with(b"RGTRYTOK"));
    let key_path = work.join("de.bka.key");
    write_private(&key_path, file.expose_secret());
    drop(id);

    // A wrong PIN is the typed error. (Login is per application in PKCS#11:
    // with no session of this process left open, the PIN is asked afresh.)
    drop(token);
    let e = load(&key_path, "0001").unwrap_err();
    assert!(e.to_string().contains("PIN was refused"), "{e}");
    // Loaded again, through the token; a build without PKCS#11 says why it
    // cannot.
    let id = load(&key_path, PIN).unwrap();
    assert_eq!(id.token(), Some(&reference));
    let e = Identity::load(&key_path).unwrap_err();
    assert!(matches!(e, CoreError::Token { .. }), "{e}");
    assert!(e.to_string().contains("PKCS#11"), "{e}");

    // A package sealed with the token's key: verifies, opens for the
    // recipient and for the sealer (whose X-Wing seed is in the file).
    let fr = party("fr.pnat", 2);
    let mut trust = TrustStore::new();
    trust.add(id.card().clone(), vec![]).unwrap();
    let tag = Tag::new("category:subscriber").unwrap();
    trust.add(fr.card().clone(), vec![tag.clone()]).unwrap();
    let mut s = Sealer::new(
        Vec::new(),
        &id,
        vec![Recipient::from_trust(trust.require(&fr.key_id()).unwrap())],
        info(),
        NOW,
        ChaCha20Rng::from_seed([2; 32]),
    )
    .unwrap();
    s.add_field(
        FieldSpec {
            name: FieldName::new("subscriber.csv").unwrap(),
            media_type: MediaType::new("text/csv").unwrap(),
            kind: FieldKind::Text,
            tags: TagSet::from_unsorted(vec![tag]).unwrap(),
        },
        &mut &b"name,msisdn\nJohn Doe,+49151000000\n"[..],
    )
    .unwrap();
    let pkg = s.seal().unwrap().writer;
    for who in [&fr, &id] {
        let v = Package::parse(Cursor::new(pkg.clone()))
            .unwrap()
            .verify(&trust)
            .unwrap();
        let mut u = v.unlock(who, NOW).unwrap();
        let mut out = Vec::new();
        u.open_field(0, &mut out).unwrap();
        assert_eq!(out, b"name,msisdn\nJohn Doe,+49151000000\n");
    }

    // An insider puts another party's card into the token key file (to sign
    // as that party with this token): refused, naming the mismatch.
    let mut other = file.expose_secret().to_vec();
    let c = usize::try_from(u64::from_le_bytes(other[10..18].try_into().unwrap())).unwrap();
    let fr_card = encode(fr.card()).unwrap();
    other.splice(
        10..18 + c,
        [&(fr_card.len() as u64).to_le_bytes()[..], &fr_card].concat(),
    );
    let swapped = work.join("swapped.key");
    write_private(&swapped, &other);
    let e = load(&swapped, PIN).unwrap_err();
    assert!(
        matches!(e, CoreError::Token { .. } | CoreError::BadFile { .. }),
        "{e}"
    );

    // The key is gone from the token (deleted by its officer): typed error.
    let mut gone = file.expose_secret().to_vec();
    let n = gone.len();
    gone[n - 1] ^= 0xff; // the last byte of the CKA_ID
    let gone_path = work.join("gone.key");
    write_private(&gone_path, &gone);
    let e = load(&gone_path, PIN).unwrap_err();
    assert!(e.to_string().contains("holds no Ed25519 key pair"), "{e}");

    // Every byte cut from the end of the token key file is a typed error.
    for cut in [1, 10, 40] {
        let p = work.join("cut.key");
        write_private(&p, &file.expose_secret()[..n - cut]);
        assert!(matches!(load(&p, PIN), Err(CoreError::BadFile { .. })));
    }
}
