//! The bodies of the fuzz targets under `fuzz/`, so that `cargo test` runs
//! every target over its seed corpus (THREATS #14): a regression in a
//! decoder fails the test suite, not only the fuzz smoke run. Each
//! `fuzz/fuzz_targets/NAME.rs` is one call to the function of the same name
//! here; [`TARGETS`] lists them all, and a test checks the list against the
//! fuzz crate's manifest.
//!
//! Every target asserts what must hold for any input: the decoders accept
//! only bytes that encode back to themselves (one accepted encoding), the
//! frame reader yields only frames that encode back to the bytes read, and
//! the policy parser's detectors run on whatever compiles. A failed assertion
//! is the finding: these functions panic on purpose, as libFuzzer expects.

use std::path::Path;

use rogatory_redact::{Extract, Policy};
use rogatory_transport::{FrameDecoder, encode_frame};
use rogatory_wire::{
    CustodyEvent, EventDetails, Footer, Frame, LedgerEntry, Metadata, PartyCard, Prelude,
    Revocation, Rotation, Trailer, TrustEntry, Wire, decode, encode,
};

use crate::{Error, SEED_MAX, json_files, read_file};

/// A fuzz target: arbitrary bytes in, a panic if a property breaks.
pub type Target = fn(&[u8]);

/// Every fuzz target of `fuzz/`, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("decode_prelude", decode_prelude),
    ("decode_metadata", decode_metadata),
    ("decode_trailer", decode_trailer),
    ("decode_footer", decode_footer),
    ("decode_custody_event", decode_custody_event),
    ("decode_event_details", decode_event_details),
    ("decode_party_card", decode_party_card),
    ("decode_trust_entry", decode_trust_entry),
    ("decode_ledger_entry", decode_ledger_entry),
    ("decode_frame", decode_frame),
    ("decode_rotation", decode_rotation),
    ("decode_revocation", decode_revocation),
    ("decode_extract", decode_extract),
    ("parse_policy", parse_policy),
    ("session_stream", session_stream),
    ("read_key_file", read_key_file),
];

/// Whatever decodes as `T` encodes back to exactly the input.
fn roundtrip<T: Wire>(data: &[u8]) {
    if let Ok(value) = decode::<T>(data) {
        let again = encode(&value);
        assert!(again.is_ok(), "{}: a decoded value must encode", T::NAME);
        assert_eq!(
            again.unwrap_or_default().as_slice(),
            data,
            "{}: decode then encode changed the bytes",
            T::NAME
        );
    }
}

/// `decode::<Prelude>` round trip.
pub fn decode_prelude(data: &[u8]) {
    roundtrip::<Prelude>(data);
}
/// `decode::<Metadata>` round trip.
pub fn decode_metadata(data: &[u8]) {
    roundtrip::<Metadata>(data);
}
/// `decode::<Trailer>` round trip.
pub fn decode_trailer(data: &[u8]) {
    roundtrip::<Trailer>(data);
}
/// `decode::<Footer>` round trip.
pub fn decode_footer(data: &[u8]) {
    roundtrip::<Footer>(data);
}
/// `decode::<CustodyEvent>` round trip.
pub fn decode_custody_event(data: &[u8]) {
    roundtrip::<CustodyEvent>(data);
}
/// `decode::<EventDetails>` round trip.
pub fn decode_event_details(data: &[u8]) {
    roundtrip::<EventDetails>(data);
}
/// `decode::<PartyCard>` round trip.
pub fn decode_party_card(data: &[u8]) {
    roundtrip::<PartyCard>(data);
}
/// `decode::<TrustEntry>` round trip.
pub fn decode_trust_entry(data: &[u8]) {
    roundtrip::<TrustEntry>(data);
}
/// `decode::<LedgerEntry>` round trip.
pub fn decode_ledger_entry(data: &[u8]) {
    roundtrip::<LedgerEntry>(data);
}
/// `decode::<Frame>` round trip.
pub fn decode_frame(data: &[u8]) {
    roundtrip::<Frame>(data);
}

/// `decode::<Rotation>` round trip.
pub fn decode_rotation(data: &[u8]) {
    roundtrip::<Rotation>(data);
}
/// `decode::<Revocation>` round trip.
pub fn decode_revocation(data: &[u8]) {
    roundtrip::<Revocation>(data);
}

/// The extract decoder of rogatory-redact (spec §12.7): a round trip.
pub fn decode_extract(data: &[u8]) {
    if let Ok(value) = Extract::from_bytes(data) {
        let again = value.to_bytes();
        assert!(again.is_ok(), "Extract: a decoded extract must encode");
        assert_eq!(
            again.unwrap_or_default().as_slice(),
            data,
            "Extract: decode then encode changed the bytes"
        );
    }
}

/// A redaction policy (spec §12.3): never a panic, and whatever compiles
/// runs its detectors over the input.
pub fn parse_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = Policy::parse(text) {
        for rule in policy.rules() {
            for d in &rule.detectors {
                let _ = d.matches(data);
            }
        }
    }
}

/// A peer's QUIC stream as the session's frame reader sees it (spec §13.2),
/// in chunks of the size the first byte chooses: every frame it yields
/// encodes back to exactly the bytes it was read from.
pub fn session_stream(data: &[u8]) {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let mut decoder = FrameDecoder::new();
    let mut consumed = 0;
    let mut boundary = 0;
    let mut again = Vec::new();
    'stream: for chunk in stream.chunks(step) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let Ok(n) = decoder.push(rest) else {
                break 'stream;
            };
            consumed += n;
            rest = &rest[n..];
            match decoder.frame() {
                Ok(Some(frame)) => {
                    let bytes = encode_frame(&frame);
                    assert!(bytes.is_ok(), "session stream: a decoded frame must encode");
                    again.extend(bytes.unwrap_or_default());
                    boundary = consumed;
                }
                Ok(None) => {}
                Err(_) => break 'stream,
            }
        }
    }
    assert_eq!(
        again.as_slice(),
        &stream[..boundary],
        "session stream: decode then encode changed the bytes"
    );
}

/// The key file readers of the core (spec §3.4, §3.8), which read a file
/// from disk before anything is checked: any bytes give a key or a typed
/// error, never a panic; a key that opens re-encodes to exactly the input
/// (one accepted encoding). A token key file is read against a simulated
/// token (the key file vectors' test token), so the checks after the token
/// is opened run too. (The protected form of §3.5 is left out: its cost
/// parameters make each input a key derivation.)
pub fn read_key_file(data: &[u8]) {
    use rogatory_core::token::{ExternalSigner, TOKEN_KEY_FILE_MAGIC};
    let opened = if data.starts_with(TOKEN_KEY_FILE_MAGIC) {
        rogatory_core::Identity::from_token_key_file(data, |r| {
            let t = crate::keys::TestToken::new(&crate::keys::TokenVector {
                module: r.module.clone(),
                token: r.token.clone(),
                object_id: hex::encode(&r.object_id),
                test_ed25519_seed: hex::encode([0x55; 32]),
            })
            .map_err(|e| rogatory_core::CoreError::Usage(e.to_string()))?;
            Ok::<Box<dyn ExternalSigner>, rogatory_core::CoreError>(Box::new(t))
        })
    } else {
        rogatory_core::Identity::from_key_file(data)
    };
    if let Ok(id) = opened {
        let again = id.to_key_file();
        assert!(again.is_ok(), "key file: an identity read must encode");
        assert_eq!(
            again
                .map(|b| b.expose_secret().to_vec())
                .unwrap_or_default(),
            data,
            "key file: read then write changed the bytes"
        );
    }
}

/// The seed corpus of `target`, from the vectors under `spec` (the
/// `spec/vectors` directory): named inputs of at most [`SEED_MAX`] bytes.
/// Every target gets every wire vector (those of its own structure are the
/// seeds proper; the others, prefixed `x-`, are extra coverage); the extract
/// decoder also the extracts of the redaction vectors; the session stream
/// each frame vector as it travels, length-prefixed, read in chunks of 1, 7
/// and 255 bytes; the policy parser the policies of `spec` §12.3.
pub fn seeds(target: &str, spec: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let wire = spec.join("wire");
    let mut out = Vec::new();
    for name in json_files(&wire)? {
        let f = read_file(&wire.join(name))?;
        let own = crate::fuzz_target(&f.structure) == target;
        out.push((
            format!("{}{}", if own { "" } else { "x-" }, f.name),
            f.hex.clone(),
        ));
        if target == "session_stream" && f.structure == Frame::NAME && f.outcome == crate::OK {
            for step in [1u8, 7, 255] {
                let mut b = vec![step];
                b.extend((f.hex.len() as u32).to_le_bytes());
                b.extend(&f.hex);
                out.push((format!("{}-step{step}", f.name), b));
            }
        }
    }
    if target == "decode_extract" {
        let dir = spec.join("redaction");
        for name in json_files(&dir)? {
            let f = crate::redaction::read_redaction_file(&dir.join(&name))?;
            if f.input == "extract" {
                out.push((f.name.clone(), hex::decode(&f.bytes).unwrap_or_default()));
            }
        }
    }
    if target == "read_key_file" {
        let dir = spec.join("keys");
        for name in json_files(&dir)? {
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let v: crate::keys::KeyFileVector =
                serde_json::from_str(&text).map_err(|source| Error::Json {
                    context: name.clone(),
                    source,
                })?;
            // The unprotected key files: as given, or inside a protected one.
            let plain = v.expected.key_file.as_deref().unwrap_or(&v.file);
            out.push((v.name.clone(), hex::decode(plain).unwrap_or_default()));
        }
    }
    if target == "parse_policy" {
        for (name, text) in POLICIES {
            out.push(((*name).to_owned(), text.as_bytes().to_vec()));
        }
    }
    out.retain(|(_, b)| b.len() <= SEED_MAX);
    Ok(out)
}

/// Policies for the parser's corpus: the example of spec §12.3 and edges.
const POLICIES: &[(&str, &str)] = &[
    (
        "policy_spec_example",
        "[[rule]]\nname = \"no subscriber data\"\ndrop_fields = [\"subscriber.csv\"]\n\n\
         [[rule]]\nname = \"personal data in chats\"\n\
         detect = [\"email\", \"phone\", \"iban\", \"ip\", \"card\"]\nfields = [\"chat.txt\"]\n\
         patterns = [{ name = \"case-ref\", regex = \"CASE-[0-9]{4}-[0-9]{4}\" }]\n",
    ),
    ("policy_empty", ""),
    ("policy_unknown_key", "[[rule]]\nname = \"x\"\nfoo = 1\n"),
    (
        "policy_pattern_too_big",
        "[[rule]]\nname = \"x\"\npatterns = [{ name = \"p\", regex = \"(a{1000}){1000}\" }]\n",
    ),
];

/// Fills `corpus/<target>/` with the seeds of every target (see [`seeds`]).
/// Returns the number of files written.
pub fn seed_corpus(spec: &Path, corpus: &Path) -> Result<usize, Error> {
    let mut written = 0;
    for (target, _) in TARGETS {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        for (name, bytes) in seeds(target, spec)? {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|source| Error::Io { path, source })?;
            written += 1;
        }
    }
    Ok(written)
}
