//! External test suites, run against the primitives as our code uses them:
//! Wycheproof (ChaCha20-Poly1305, X25519, Ed25519, HKDF-SHA256), RFC 9180
//! (HPKE base mode, our suite) and the RFC 9162 / Certificate Transparency
//! Merkle tree vectors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use rogatory_core::merkle::{inclusion_proof, leaf_hash, root_of_hashes, verify_inclusion};
use rogatory_wire::{Digest, PublicKey, Signature};
use wycheproof::TestResult;

#[test]
fn wycheproof_chacha20_poly1305() {
    let set =
        wycheproof::aead::TestSet::load(wycheproof::aead::TestName::ChaCha20Poly1305).unwrap();
    let mut checked = 0;
    for g in &set.test_groups {
        // Our field and metadata AEAD: 256-bit key, 96-bit nonce, 128-bit tag.
        if g.key_size != 256 || g.nonce_size != 96 || g.tag_size != 128 {
            continue;
        }
        for t in &g.tests {
            let cipher = ChaCha20Poly1305::new(t.key.as_slice().try_into().unwrap());
            let nonce = Nonce::try_from(t.nonce.as_slice()).unwrap();
            let mut buf = t.ct.to_vec();
            let tag = Tag::try_from(t.tag.as_slice()).unwrap();
            let opened =
                cipher.decrypt_inout_detached(&nonce, &t.aad, buf.as_mut_slice().into(), &tag);
            match t.result {
                TestResult::Valid => {
                    assert!(opened.is_ok(), "tc {}", t.tc_id);
                    assert_eq!(buf, t.pt.as_slice(), "tc {}", t.tc_id);
                    let mut enc = t.pt.to_vec();
                    let tag2 = cipher
                        .encrypt_inout_detached(&nonce, &t.aad, enc.as_mut_slice().into())
                        .unwrap();
                    assert_eq!(
                        (enc.as_slice(), tag2.as_slice()),
                        (t.ct.as_slice(), t.tag.as_slice())
                    );
                }
                TestResult::Invalid => assert!(opened.is_err(), "tc {} must fail", t.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 50);
}

#[test]
fn wycheproof_x25519_and_our_contributory_check() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let mut low_order = 0;
    for g in &set.test_groups {
        for t in &g.tests {
            let (Ok(sk), Ok(pk)) = (
                <[u8; 32]>::try_from(t.private_key.as_slice()),
                <[u8; 32]>::try_from(t.public_key.as_slice()),
            ) else {
                continue;
            };
            let secret = x25519_dalek::StaticSecret::from(sk);
            let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(pk));
            let zero = t.shared_secret.iter().all(|b| *b == 0);
            if t.result != TestResult::Invalid {
                assert_eq!(
                    shared.as_bytes(),
                    t.shared_secret.as_slice(),
                    "tc {}",
                    t.tc_id
                );
            }
            let flagged = t.flags.iter().any(|f| {
                matches!(
                    f,
                    wycheproof::xdh::TestFlag::LowOrderPublic
                        | wycheproof::xdh::TestFlag::ZeroSharedSecret
                )
            });
            if zero {
                // We refuse such a key at sealing and the HPKE step refuses the
                // all-zero secret.
                assert!(
                    !rogatory_core::wrap::is_contributory(&PublicKey(pk)),
                    "tc {}",
                    t.tc_id
                );
                low_order += 1;
            } else if !flagged {
                assert!(
                    rogatory_core::wrap::is_contributory(&PublicKey(pk)),
                    "tc {}",
                    t.tc_id
                );
            }
        }
    }
    assert!(low_order >= 10, "{low_order}");
}

#[test]
fn wycheproof_ed25519_with_verify_strict() {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        let Ok(pk) = <[u8; 32]>::try_from(g.key.pk.as_slice()) else {
            continue;
        };
        for t in &g.tests {
            let ok = match <[u8; 64]>::try_from(t.sig.as_slice()) {
                Ok(sig) => rogatory_core::crypto::verify_strict_raw(
                    &PublicKey(pk),
                    &t.msg,
                    &Signature(sig),
                ),
                Err(_) => false,
            };
            match t.result {
                TestResult::Valid => assert!(ok, "tc {} must verify", t.tc_id),
                TestResult::Invalid => assert!(!ok, "tc {} must be refused", t.tc_id),
                TestResult::Acceptable => {}
            }
            n += 1;
        }
    }
    assert!(n > 100);
}

#[test]
fn wycheproof_hkdf_sha256() {
    let set = wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256).unwrap();
    for g in &set.test_groups {
        for t in &g.tests {
            let salt = (!t.salt.is_empty()).then_some(t.salt.as_slice());
            let hk = hkdf::Hkdf::<sha2::Sha256>::new(salt, &t.ikm);
            let mut okm = vec![0u8; t.size];
            let res = hk.expand(&t.info, &mut okm);
            match t.result {
                TestResult::Valid => {
                    res.unwrap();
                    assert_eq!(okm, t.okm.as_slice(), "tc {}", t.tc_id);
                }
                TestResult::Invalid => assert!(res.is_err(), "tc {}", t.tc_id),
                TestResult::Acceptable => {}
            }
        }
    }
    // Our derivations use exactly this HKDF with 32-byte outputs.
    let k = rogatory_core::Key32::from_bytes([0x0b; 32]);
    let ours = rogatory_core::crypto::hkdf32(None, &k, b"label", &[b"ctx"]);
    let mut okm = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(None, &[0x0b; 32])
        .expand(b"labelctx", &mut okm)
        .unwrap();
    assert_eq!(ours.expose_secret(), &okm);
}

/// RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
/// ChaCha20Poly1305, base mode, first encryption.
#[test]
fn rfc9180_a_2_1_base_mode() {
    use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
    type Kem = hpke::kem::X25519HkdfSha256;
    type Kdf = hpke::kdf::HkdfSha256;
    type Aead = hpke::aead::ChaCha20Poly1305;
    let h = |s: &str| hex::decode(s).unwrap();
    let info = h("4f6465206f6e2061204772656369616e2055726e");
    let ikm_e = h("909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b");
    let pk_rm = h("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a");
    let sk_rm = h("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb");
    let enc_expected = h("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a");
    let pt = h("4265617574792069732074727574682c20747275746820626561757479");
    let aad = h("436f756e742d30");
    let ct_expected = h(
        "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
    );

    /// Yields the RFC's ikmE as the ephemeral key material.
    struct Fixed(Vec<u8>);
    impl rand_core::TryRng for Fixed {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            let n = dst.len();
            dst.copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Fixed {}

    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk_rm).unwrap();
    let (enc, ct) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &pk,
        &info,
        &pt,
        &aad,
        &mut Fixed(ikm_e),
    )
    .unwrap();
    assert_eq!(enc.to_bytes().as_slice(), enc_expected.as_slice());
    assert_eq!(ct, ct_expected);
    let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&sk_rm).unwrap();
    let back =
        hpke::single_shot_open::<Aead, Kdf, Kem>(&OpModeR::Base, &sk, &enc, &info, &ct, &aad)
            .unwrap();
    assert_eq!(back, pt);
    // A low-order encapsulated key is refused (all-zero shared secret).
    let zero = <Kem as hpke::Kem>::EncappedKey::from_bytes(&[0u8; 32]).unwrap();
    assert!(
        hpke::single_shot_open::<Aead, Kdf, Kem>(&OpModeR::Base, &sk, &zero, &info, &ct, &aad)
            .is_err()
    );
}

/// The Certificate Transparency reference tree (RFC 6962 / RFC 9162).
#[test]
fn rfc9162_reference_tree() {
    let entries: Vec<Vec<u8>> = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| hex::decode(s).unwrap())
    .collect();
    let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let hashes: Vec<Digest> = entries.iter().map(|e| leaf_hash(e)).collect();
    for (n, want) in roots.iter().enumerate() {
        assert_eq!(
            root_of_hashes(hashes[..n].iter().copied()).to_hex(),
            *want,
            "size {n}"
        );
    }
    let root8 = Digest::from_hex(roots[8]).unwrap();
    for (index, path) in [
        (
            0usize,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ] {
        let want: Vec<Digest> = path.iter().map(|h| Digest::from_hex(h).unwrap()).collect();
        assert_eq!(
            inclusion_proof(&hashes, index).unwrap(),
            want,
            "proof of {index}"
        );
        assert!(verify_inclusion(
            &hashes[index],
            index as u64,
            8,
            &want,
            &root8
        ));
    }
    // An inner node presented as a leaf gives another root (second preimage).
    let inner = rogatory_core::merkle::node_hash(&hashes[0], &hashes[1]);
    assert_ne!(
        root_of_hashes([leaf_hash(&inner.0)]),
        root_of_hashes(hashes[..2].iter().copied())
    );
    // A duplicated last leaf gives another root (no CVE-2012-2459 style duplication).
    let mut dup = hashes[..3].to_vec();
    dup.push(hashes[2]);
    assert_ne!(
        root_of_hashes(dup.iter().copied()),
        root_of_hashes(hashes[..3].iter().copied())
    );
}

/// The published X-Wing KEM vectors (draft-connolly-cfrg-xwing-kem, as
/// shipped in `spec/vectors/external/xwing_kem.json`), run through the
/// `hpke` crate's X-Wing as our stanzas use it: the 32-byte seed gives the
/// public key, the 64 bytes of `eseed` give the ciphertext and shared
/// secret, and decapsulation gives the same secret.
#[test]
fn xwing_kem_published_vectors() {
    use hpke::{Deserializable, Kem as _, Serializable};
    type Kem = hpke::kem::XWing;
    struct Fixed(Vec<u8>);
    impl rand_core::TryRng for Fixed {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            let n = dst.len();
            dst.copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Fixed {}

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/vectors/external/xwing_kem.json"
    );
    let tvs: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(tvs.len(), 3);
    let h = |v: &serde_json::Value, k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
    for tv in &tvs {
        let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&h(tv, "sk")).unwrap();
        let pk = Kem::sk_to_pk(&sk);
        assert_eq!(pk.to_bytes().as_slice(), h(tv, "pk").as_slice());
        let (ss, ct) = Kem::encap_with_rng(&pk, None, &mut Fixed(h(tv, "eseed"))).unwrap();
        assert_eq!(ct.to_bytes().as_slice(), h(tv, "ct").as_slice());
        assert_eq!(ss.0.as_slice(), h(tv, "ss").as_slice());
        let back = Kem::decap(&sk, None, &ct).unwrap();
        assert_eq!(back.0.as_slice(), h(tv, "ss").as_slice());
    }
}
