//! The package vectors: what is sealed, the edits that make the negative
//! ones, and the outcome each step must give (see [`crate::packages`]).
//!
//! Every package is sealed by `rogatory-core` from fixed identities, fixed
//! plaintexts, a fixed time and a ChaCha20 generator seeded from the
//! vector's label, so the bytes are the same on every run. Each expected
//! outcome is written down here from the protocol's rules (the access rule,
//! spec §4.2; the checks of §14), and generation fails unless the core gives
//! exactly that outcome.

use std::io::Cursor;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::container::Parts;
use rogatory_core::crypto::field_keys;
use rogatory_core::custody::{ChainHead, sign_event};
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient, envelope_record, stanzas_digest};
use rogatory_core::stream::{
    BatchSealer, CHUNK, ChunkBatch, StreamDecryptor, StreamEncryptor, field_aad,
};
use rogatory_core::wrap::{KeyBundle, try_unwrap, wrap};
use rogatory_core::{Identity, Key32, Package, Sealer, Signer, TrustStore};
use rogatory_wire::{
    CategorySet, Digest, EnvelopeRecord, EventBody, EventDetails, FieldBody, FieldKind, FieldName,
    KeyId, MediaType, OnwardConsent, PackageId, PartyId, Priority, Provenance, PublicKey, Stanza,
    Tag, TagSet, Text, Timestamp, Token,
};

use crate::bytes::pseudo;
use crate::packages::{
    Expected, FieldJson, OpenJson, PackageFile, PackageVector, PartyJson, SecretsJson, TrustJson,
    UnlockJson, blake3, card_hex, compare_outcomes, duplicates, evaluate_bytes, tag_strings,
};
use crate::samples::{
    T_ACQUIRED, T_CARD_FROM, T_CARD_UNTIL, T_DEADLINE, T_LATER, T_RETAIN, T_SEALED,
};
use crate::{Error, OK};

/// The parties, by their position in [`World::parties`].
const SENDER: usize = 0;
const ALICE: usize = 1;
const BOB: usize = 2;
const OUTSIDER: usize = 3;

/// Bytes of a chunk's ciphertext (plaintext and tag).
const CHUNK_CT: usize = CHUNK + 16;

struct Party {
    name: &'static str,
    identity: Identity,
    seed: [u8; 32],
    x25519: [u8; 32],
    xwing: Option<[u8; 32]>,
    clearances: &'static [&'static str],
}

struct World {
    parties: Vec<Party>,
    /// The sender's trust store, also the verifiers' (all four parties).
    trust: TrustStore,
}

fn world() -> Result<World, Error> {
    let specs: [(&str, &[&str]); 4] = [
        ("de.bka", &[]),
        (
            "fr.pnat",
            &[
                "category:content",
                "category:subscriber",
                "sensitivity:restricted",
            ],
        ),
        ("nl.om", &["category:subscriber"]),
        ("xx.none", &["category:subscriber"]),
    ];
    let mut parties = Vec::new();
    let mut trust = TrustStore::new();
    for (name, clearances) in specs {
        let seed: [u8; 32] = pseudo(&format!("package vectors: {name} ed25519 seed"));
        let x25519: [u8; 32] = pseudo(&format!("package vectors: {name} x25519 secret"));
        let pin: [u8; 32] = pseudo(&format!("package vectors: {name} tls pin"));
        // nl.om has a hybrid card: its stanzas are X-Wing, the others' X25519.
        let xwing: Option<[u8; 32]> =
            (name == "nl.om").then(|| pseudo(&format!("package vectors: {name} x-wing seed")));
        let identity = Identity::from_secrets_with_hybrid(
            PartyId::new(name)?,
            &Key32::from_bytes(seed),
            &Key32::from_bytes(x25519),
            xwing.map(Key32::from_bytes).as_ref(),
            Digest(pin),
            None,
            Timestamp(T_CARD_FROM),
            Timestamp(T_CARD_UNTIL),
        )
        .map_err(core("identity"))?;
        let tags = clearances
            .iter()
            .map(|c| Tag::new(*c))
            .collect::<Result<Vec<_>, _>>()?;
        trust
            .add(identity.card().clone(), tags)
            .map_err(core("trust store"))?;
        parties.push(Party {
            name,
            identity,
            seed,
            x25519,
            xwing,
            clearances,
        });
    }
    Ok(World { parties, trust })
}

fn core(what: &'static str) -> impl Fn(rogatory_core::CoreError) -> Error {
    move |e| Error::Patch {
        vector: "package vectors".to_owned(),
        detail: format!("{what}: {e}"),
    }
}

fn patch(vector: &str, detail: impl Into<String>) -> Error {
    Error::Patch {
        vector: vector.to_owned(),
        detail: detail.into(),
    }
}

/// A field to seal.
#[derive(Clone)]
struct FieldIn {
    name: &'static str,
    media_type: &'static str,
    kind: FieldKind,
    tags: &'static [&'static str],
    data: Vec<u8>,
}

impl FieldIn {
    fn readable_by(&self, w: &World, party: usize) -> bool {
        party == SENDER
            || self
                .tags
                .iter()
                .all(|t| w.parties[party].clearances.contains(t))
    }
}

const CHAT: &[u8] = b"2026-11-19 21:04 alice: meet at 9\n\
2026-11-19 21:05 bob: ok, bring the USB stick\n\
2026-11-19 21:07 alice: not over this channel\n";
const SUBSCRIBER: &[u8] = b"name,msisdn,activated\nJohn Doe,+49151000000,2024-03-01\n";
const FORGED_SUBSCRIBER: &[u8] = b"name,msisdn,activated\nJane Roe,+49151999999,2024-03-01\n";

fn chat() -> FieldIn {
    FieldIn {
        name: "chat.txt",
        media_type: "text/plain",
        kind: FieldKind::Text,
        tags: &["category:content", "sensitivity:restricted"],
        data: CHAT.to_vec(),
    }
}

fn subscriber() -> FieldIn {
    FieldIn {
        name: "subscriber.csv",
        media_type: "text/csv",
        kind: FieldKind::Text,
        tags: &["category:subscriber"],
        data: SUBSCRIBER.to_vec(),
    }
}

fn blob(name: &'static str, len: usize) -> FieldIn {
    FieldIn {
        name,
        media_type: "application/octet-stream",
        kind: FieldKind::Binary,
        tags: &["category:content"],
        data: crate::bytes::pseudo_vec(&format!("package vectors: {name}"), len),
    }
}

/// Three small fields: text lines, a CSV, a short binary.
fn small_fields() -> Vec<FieldIn> {
    vec![chat(), subscriber(), blob("photo.bin", 300)]
}

/// Plaintext bytes of the blob that crosses a chunk boundary: its field's
/// plaintext (one segment record, 40 bytes of header) is two STREAM chunks,
/// 65 536 and 140 bytes.
const BLOB_LEN: usize = CHUNK + 100;

/// Text lines, a CSV, and a binary blob whose field crosses the 64 KiB chunk
/// boundary.
fn three_fields() -> Vec<FieldIn> {
    vec![chat(), subscriber(), blob("disk.img", BLOB_LEN)]
}

fn empty_fields() -> Vec<FieldIn> {
    vec![
        FieldIn {
            name: "empty.txt",
            media_type: "text/plain",
            kind: FieldKind::Text,
            tags: &["category:subscriber"],
            data: Vec::new(),
        },
        FieldIn {
            name: "empty.bin",
            media_type: "application/octet-stream",
            kind: FieldKind::Binary,
            tags: &["category:content"],
            data: Vec::new(),
        },
    ]
}

fn info() -> Result<PackageInfo, Error> {
    Ok(PackageInfo {
        case_reference: Text::new("CASE-2026-0042")?,
        request_reference: Some(Text::new("MLA/2026/117")?),
        legal_basis: Text::new("Art. 18 Budapest Convention")?,
        issuing_authority: Text::new("Bundeskriminalamt")?,
        priority: Priority::Urgent,
        deadline: Some(Timestamp(T_DEADLINE)),
        purpose: Text::new("criminal investigation")?,
        data_categories: CategorySet::from_unsorted(vec![
            Token::new("content")?,
            Token::new("subscriber")?,
        ])?,
        not_before: Timestamp(T_SEALED),
        retain_until: Timestamp(T_RETAIN),
        onward: OnwardConsent::None,
        provenance: vec![Provenance {
            tool: Text::new("acquire-tool")?,
            tool_version: Text::new("4.2")?,
            examiner: Text::new("examiner 17")?,
            source: Text::new("phone IMEI 350000000000001")?,
            source_sha256: Digest(pseudo("package vectors: source sha256")),
            acquired: Timestamp(T_ACQUIRED),
            fields: vec![0, 1],
        }],
    })
}

fn rng(label: &str) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(pseudo(&format!("package vectors: rng {label}")))
}

/// Seals `fields` from the sender to alice and bob at `T_SEALED`.
fn seal(w: &World, fields: &[FieldIn], label: &str) -> Result<Vec<u8>, Error> {
    let recipients = [ALICE, BOB]
        .iter()
        .map(|&i| {
            let entry = w
                .trust
                .require(&w.parties[i].identity.key_id())
                .map_err(core("recipient"))?;
            Ok(Recipient::from_trust(entry))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut s = Sealer::new(
        Vec::new(),
        &w.parties[SENDER].identity,
        recipients,
        info()?,
        Timestamp(T_SEALED),
        rng(label),
    )
    .map_err(core("sealer"))?;
    for f in fields {
        let tags = f
            .tags
            .iter()
            .map(|t| Tag::new(*t))
            .collect::<Result<Vec<_>, _>>()?;
        let spec = FieldSpec {
            name: FieldName::new(f.name)?,
            media_type: MediaType::new(f.media_type)?,
            kind: f.kind,
            tags: TagSet::from_unsorted(tags)?,
        };
        s.add_field(spec, &mut &f.data[..])
            .map_err(core("add_field"))?;
    }
    Ok(s.seal().map_err(core("seal"))?.writer)
}

/// What each step must give.
enum Exp {
    /// The structure is refused.
    Read(&'static str),
    /// Reading passes, verifying fails.
    Verify(&'static str),
    /// Verifying passes; then, per unlocking party, its outcome.
    Unlock(Vec<(usize, UnlockExp)>),
}

enum UnlockExp {
    /// Unlocking fails with this class.
    Fails(&'static str),
    /// Unlocking passes; the access rule decides each field, except the
    /// listed (field, class) overrides.
    Opens(Vec<(u32, &'static str)>),
}

/// Unlocks as each party, every field as the access rule says.
fn by_access(parties: &[usize]) -> Exp {
    Exp::Unlock(
        parties
            .iter()
            .map(|&p| (p, UnlockExp::Opens(Vec::new())))
            .collect(),
    )
}

struct Case {
    name: &'static str,
    description: String,
    negative: bool,
    now: u64,
    /// Parties in the verifier's trust store.
    trust: Vec<usize>,
    fields: Vec<FieldIn>,
    package: Vec<u8>,
    expected: Exp,
}

impl Case {
    fn positive(name: &'static str, description: &str, fields: Vec<FieldIn>, pkg: Vec<u8>) -> Self {
        Self {
            name,
            description: description.to_owned(),
            negative: false,
            now: T_LATER,
            trust: vec![SENDER, ALICE, BOB, OUTSIDER],
            fields,
            package: pkg,
            expected: by_access(&[ALICE, BOB, SENDER]),
        }
    }

    fn negative(
        name: &'static str,
        description: &str,
        fields: Vec<FieldIn>,
        pkg: Vec<u8>,
        expected: Exp,
    ) -> Self {
        Self {
            name,
            description: description.to_owned(),
            negative: true,
            now: T_LATER,
            trust: vec![SENDER, ALICE, BOB, OUTSIDER],
            fields,
            package: pkg,
            expected,
        }
    }
}

fn kind_name(k: FieldKind) -> &'static str {
    match k {
        FieldKind::Binary => "Binary",
        FieldKind::Text => "Text",
    }
}

/// Builds the file of a case and checks that the core gives exactly the
/// expected outcomes, reading everything back from the file itself.
fn emit(w: &World, c: Case) -> Result<PackageVector, Error> {
    let n = c.fields.len() as u32;
    let expected = match &c.expected {
        Exp::Read(class) => Expected {
            read: (*class).to_owned(),
            verify: None,
            unlock: Vec::new(),
        },
        Exp::Verify(class) => Expected {
            read: OK.to_owned(),
            verify: Some((*class).to_owned()),
            unlock: Vec::new(),
        },
        Exp::Unlock(list) => Expected {
            read: OK.to_owned(),
            verify: Some(OK.to_owned()),
            unlock: list
                .iter()
                .map(|(p, u)| UnlockJson {
                    party: w.parties[*p].name.to_owned(),
                    outcome: match u {
                        UnlockExp::Fails(class) => (*class).to_owned(),
                        UnlockExp::Opens(_) => OK.to_owned(),
                    },
                    open: match u {
                        UnlockExp::Fails(_) => Vec::new(),
                        UnlockExp::Opens(overrides) => (0..n)
                            .map(|i| {
                                let access = if c.fields[i as usize].readable_by(w, *p) {
                                    OK
                                } else {
                                    "not_cleared"
                                };
                                let outcome = overrides
                                    .iter()
                                    .find(|(f, _)| *f == i)
                                    .map_or(access, |(_, class)| class);
                                OpenJson {
                                    field: i,
                                    outcome: outcome.to_owned(),
                                }
                            })
                            .collect(),
                    },
                })
                .collect(),
        },
    };
    let opened = |i: u32| {
        expected
            .unlock
            .iter()
            .any(|u| u.open.iter().any(|o| o.field == i && o.outcome == OK))
    };
    let recipients = [ALICE, BOB];
    let file = PackageFile {
        name: c.name.to_owned(),
        kind: if c.negative { "negative" } else { "positive" }.to_owned(),
        description: c.description,
        now: c.now,
        parties: w
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(PartyJson {
                    party: p.name.to_owned(),
                    role: if i == SENDER {
                        "sender"
                    } else if recipients.contains(&i) {
                        "recipient"
                    } else {
                        "not a recipient"
                    }
                    .to_owned(),
                    key_id: p.identity.key_id().to_hex(),
                    card: card_hex(p.identity.card())?,
                    test_secrets: SecretsJson {
                        ed25519_seed: hex::encode(p.seed),
                        x25519_secret: hex::encode(p.x25519),
                        xwing_seed: p.xwing.map(hex::encode),
                    },
                })
            })
            .collect::<Result<Vec<_>, Error>>()?,
        trust: c
            .trust
            .iter()
            .map(|&i| TrustJson {
                party: w.parties[i].name.to_owned(),
                key_id: w.parties[i].identity.key_id().to_hex(),
                clearances: w.parties[i]
                    .clearances
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            })
            .collect(),
        fields: c
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let tags = f
                    .tags
                    .iter()
                    .map(|t| Tag::new(*t))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(FieldJson {
                    index: i as u32,
                    name: f.name.to_owned(),
                    media_type: f.media_type.to_owned(),
                    kind: kind_name(f.kind).to_owned(),
                    tags: tag_strings(TagSet::from_unsorted(tags)?.as_slice()),
                    size: f.data.len() as u64,
                    plaintext: opened(i as u32).then(|| hex::encode(&f.data)),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?,
        package: hex::encode(&c.package),
        expected,
    };
    check(&file)?;
    PackageVector::new(&file)
}

/// Runs the steps over a vector file, built from the file alone.
fn check(file: &PackageFile) -> Result<(), Error> {
    let trust = file.trust_store()?;
    let ids = file
        .expected
        .unlock
        .iter()
        .map(|u| Ok((u.party.as_str(), file.identity(&u.party)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let unlockers: Vec<(&str, &Identity)> = ids.iter().map(|(p, i)| (*p, i)).collect();
    let got = evaluate_bytes(
        &file.package_bytes()?,
        &trust,
        Timestamp(file.now),
        &unlockers,
    );
    let diffs = compare_outcomes(file, &got)?;
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(Error::WrongOutcome {
            name: file.name.clone(),
            expected: "the outcomes the vector states".to_owned(),
            got: diffs.join("; "),
        })
    }
}

// ---- edits ------------------------------------------------------------------

fn parts(name: &str, bytes: &[u8]) -> Result<Parts, Error> {
    Parts::read(Cursor::new(bytes)).map_err(|e| patch(name, format!("reading the parts: {e}")))
}

fn assemble(name: &str, p: &Parts) -> Result<Vec<u8>, Error> {
    p.assemble()
        .map_err(|e| patch(name, format!("assembling: {e}")))
}

/// Flips one bit.
fn flip(name: &str, bytes: &[u8], at: usize, bit: u8) -> Result<Vec<u8>, Error> {
    let mut out = bytes.to_vec();
    let b = out
        .get_mut(at)
        .ok_or_else(|| patch(name, format!("no byte {at}")))?;
    *b ^= 1 << bit;
    Ok(out)
}

/// Where `needle` occurs in `hay`; it must occur exactly once.
fn find_unique(name: &str, hay: &[u8], needle: &[u8]) -> Result<usize, Error> {
    let mut hits = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i);
    match (hits.next(), hits.next()) {
        (Some(i), None) => Ok(i),
        _ => Err(patch(name, "the bytes to edit are not found exactly once")),
    }
}

/// What the sender, unlocking its own stanza, holds.
struct SenderView {
    package_id: PackageId,
    digest: Digest,
    metadata_key: Key32,
    field_keys: Vec<Option<Key32>>,
}

fn sender_view(w: &World, name: &str, bytes: &[u8]) -> Result<SenderView, Error> {
    let fail = |e: rogatory_core::CoreError| patch(name, format!("sender unlock: {e}"));
    let u = Package::parse(Cursor::new(bytes))
        .map_err(fail)?
        .verify(&w.trust)
        .map_err(fail)?
        .unlock(&w.parties[SENDER].identity, Timestamp(T_LATER))
        .map_err(fail)?;
    let b = u.bundle();
    Ok(SenderView {
        package_id: u.package().package_id(),
        digest: u.package().digest(),
        metadata_key: b.metadata_key.duplicate(),
        field_keys: b
            .field_keys
            .iter()
            .map(|k| k.as_ref().map(Key32::duplicate))
            .collect(),
    })
}

/// Re-signs the `sealed` event over the package's current envelope, as the
/// sender would: the edits it is used for are made by a party who can sign
/// an envelope, so that only the rule under test can catch them.
fn resign(w: &World, name: &str, p: &mut Parts, v: &SenderView) -> Result<(), Error> {
    let sender = &w.parties[SENDER].identity;
    let fail = |e: rogatory_core::CoreError| patch(name, format!("re-signing: {e}"));
    // The sender knows whose each stanza is: with the stanzas in place, the
    // sealed record's commitments stay; otherwise each stanza is committed to
    // the party whose key opens it (one that no party opens, to a key id of
    // nobody's).
    let sealed = match p.events.first().map(|e| &e.clear.body) {
        Some(EventBody::Sealed { envelope }) => envelope.clone(),
        _ => return Err(patch(name, "no sealed event")),
    };
    let envelope = if sealed.stanza_count() == p.trailer.stanzas.len() {
        EnvelopeRecord {
            fields: p.trailer.fields.clone(),
            stanzas_digest: stanzas_digest(&p.trailer.stanzas).map_err(fail)?,
            ..sealed
        }
    } else {
        let n = p.trailer.fields.len();
        let holders: Vec<KeyId> = p
            .trailer
            .stanzas
            .iter()
            .enumerate()
            .map(|(i, st)| {
                w.parties
                    .iter()
                    .find(|q| try_unwrap(st, &q.identity, &v.package_id, n).is_some())
                    .map_or(KeyId([0xf0 ^ i as u8; 32]), |q| q.identity.key_id())
            })
            .collect();
        envelope_record(
            p.trailer.fields.clone(),
            &p.trailer.stanzas,
            &holders,
            &v.metadata_key,
            &v.package_id,
            &mut rng(&format!("{name} recipients")),
        )
        .map_err(fail)?
    };
    let event = sign_event(
        sender,
        &v.metadata_key,
        &v.package_id,
        v.digest,
        None::<ChainHead>,
        Timestamp(T_SEALED),
        EventBody::Sealed { envelope },
        &EventDetails {
            actor: sender.party().clone(),
            counterpart: None,
            reason: Text::empty(),
            legal_basis: Text::new("Art. 18 Budapest Convention")?,
            text: Text::empty(),
        },
        &mut rng(&format!("{name} re-sign")),
    )
    .map_err(fail)?;
    let first = p
        .events
        .first_mut()
        .ok_or_else(|| patch(name, "no custody event"))?;
    *first = event;
    Ok(())
}

/// Replaces field `f`'s ciphertext, fixing its length and digest in the
/// envelope.
fn set_body(name: &str, p: &mut Parts, f: usize, body: Vec<u8>) -> Result<(), Error> {
    let d = p
        .trailer
        .fields
        .get_mut(f)
        .ok_or_else(|| patch(name, format!("no field {f}")))?;
    match &mut d.body {
        FieldBody::Present {
            ciphertext_len,
            ciphertext_digest,
            ..
        } => {
            *ciphertext_len = body.len() as u64;
            *ciphertext_digest = blake3(&body);
        }
        FieldBody::Removed => return Err(patch(name, "field removed")),
    }
    p.bodies[f] = body;
    Ok(())
}

fn field_key<'a>(name: &str, v: &'a SenderView, f: usize) -> Result<&'a Key32, Error> {
    v.field_keys
        .get(f)
        .and_then(Option::as_ref)
        .ok_or_else(|| patch(name, format!("the sender holds no key for field {f}")))
}

/// Decrypts field `f`'s whole plaintext (its segment records).
fn field_plaintext(name: &str, p: &Parts, v: &SenderView, f: usize) -> Result<Vec<u8>, Error> {
    let keys = field_keys(field_key(name, v, f)?, &v.package_id, f as u32);
    let ct = &p.bodies[f];
    let fail = |e: rogatory_core::CoreError| patch(name, format!("decrypting: {e}"));
    let mut d = StreamDecryptor::new(
        &keys.aead,
        field_aad(&v.package_id, f as u32),
        ct.len() as u64,
        format!("field {f}"),
    )
    .map_err(fail)?;
    let mut out = Vec::new();
    let mut at = 0;
    while !d.is_done() {
        let len = d.next_batch_len();
        let mut buf = ct[at..at + len].to_vec();
        at += len;
        let m = d.decrypt_batch(&mut buf).map_err(fail)?;
        out.extend_from_slice(&buf[..m]);
    }
    Ok(out)
}

/// Seals the vectors in a fixed order.
pub fn generate_packages() -> Result<Vec<PackageVector>, Error> {
    let w = world()?;
    let mut cases = Vec::new();
    positive(&w, &mut cases)?;
    bit_flips(&w, &mut cases)?;
    stream(&w, &mut cases)?;
    keys_and_signatures(&w, &mut cases)?;
    trust_and_time(&w, &mut cases)?;
    let dup = duplicates(cases.iter().map(|c| c.name));
    if let Some(d) = dup.first() {
        return Err(Error::BadName((*d).to_owned()));
    }
    cases.into_iter().map(|c| emit(&w, c)).collect()
}

fn positive(w: &World, cases: &mut Vec<Case>) -> Result<(), Error> {
    let f = three_fields();
    let pkg = seal(w, &f, "package_three_fields")?;
    cases.push(Case::positive(
        "package_three_fields",
        "A package of three fields sealed by de.bka to fr.pnat (cleared for content, subscriber \
         and restricted data) and nl.om (subscriber data only): chat lines, a CSV, and a \
         65 636-byte binary blob whose field crosses the 64 KiB STREAM chunk boundary. Each \
         recipient opens exactly the fields whose every tag it is cleared for; the sender's own \
         stanza opens every field.",
        f,
        pkg,
    ));
    let f = small_fields();
    let pkg = seal(w, &f, "package_small_fields")?;
    cases.push(Case::positive(
        "package_small_fields",
        "The package most negative vectors start from: chat lines, a CSV and a 300-byte binary \
         for fr.pnat and nl.om, each field one STREAM chunk.",
        f.clone(),
        pkg.clone(),
    ));
    let mut c = Case::positive(
        "opened_at_retain_until",
        "The small package unlocked at exactly its retain-until second, which is inclusive \
         (spec §4.4, §14.2).",
        f,
        pkg,
    );
    c.now = T_RETAIN;
    c.expected = by_access(&[ALICE, BOB]);
    cases.push(c);
    let f = empty_fields();
    let pkg = seal(w, &f, "empty_fields")?;
    cases.push(Case::positive(
        "empty_fields",
        "Two fields with empty content, one text and one binary: no segments, no leaves, a \
         ciphertext of one empty final chunk (16 bytes); opening gives zero bytes.",
        f,
        pkg,
    ));
    Ok(())
}

fn bit_flips(w: &World, cases: &mut Vec<Case>) -> Result<(), Error> {
    let f = small_fields();
    let pkg = seal(w, &f, "package_small_fields")?;
    let p = parts("bit flips", &pkg)?;
    let flips: [(&str, &str, usize, u8, Exp); 8] = [
        (
            "prelude_bit_flip",
            "The small package with one bit of the package id in the prelude flipped: the \
             structure still reads, but the package digest changes, so the sender's signature \
             fails.",
            12,
            0,
            Exp::Verify("bad_signature"),
        ),
        (
            "field_body_bit_flip",
            "The small package with one bit of field 0's ciphertext flipped: a verifier with no \
             key finds that the ciphertext no longer matches its BLAKE3 digest in the signed \
             envelope.",
            28 + 5,
            3,
            Exp::Verify("tampered"),
        ),
        (
            "trailer_metadata_bit_flip",
            "The small package with one bit of the sealed metadata ciphertext in the trailer \
             flipped: the package digest covers its SHA-256, so the sender's signature fails.",
            find_unique(
                "trailer_metadata_bit_flip",
                &pkg,
                p.trailer.metadata_ciphertext.as_slice(),
            )? + 10,
            1,
            Exp::Verify("bad_signature"),
        ),
        (
            "trailer_leaf_bit_flip",
            "The small package with one bit of a leaf (field 1, segment 0) in the leaf table \
             flipped: the Merkle root changes, so the sender's signature fails.",
            find_unique(
                "trailer_leaf_bit_flip",
                &pkg,
                &p.trailer.leaves.fields[1].leaves[0].0,
            )?,
            7,
            Exp::Verify("bad_signature"),
        ),
        (
            "trailer_stanza_bit_flip",
            "The small package with one bit of a recipient stanza's ciphertext flipped: the \
             current envelope differs from the one the `sealed` event signed.",
            find_unique(
                "trailer_stanza_bit_flip",
                &pkg,
                p.trailer.stanzas[0].ciphertext().as_slice(),
            )? + 20,
            2,
            Exp::Verify("tampered"),
        ),
        (
            "trailer_signature_bit_flip",
            "The small package with one bit of the sender's Ed25519 signature (its S half) \
             flipped.",
            find_unique(
                "trailer_signature_bit_flip",
                &pkg,
                &p.trailer.signature.signature.0,
            )? + 40,
            4,
            Exp::Verify("bad_signature"),
        ),
        (
            "custody_record_bit_flip",
            "The small package with one bit of the `sealed` custody event's signature flipped: \
             custody rule, the event's signature does not verify.",
            find_unique("custody_record_bit_flip", &pkg, &p.events[0].signature.0)? + 5,
            0,
            Exp::Verify("custody"),
        ),
        (
            "footer_bit_flip",
            "The small package with one bit of the footer's trailer offset flipped: the \
             footer's check value no longer matches, so the file is refused before any offset \
             is used.",
            pkg.len() - 68,
            3,
            Exp::Read("tampered"),
        ),
    ];
    for (name, description, at, bit, exp) in flips {
        let bad = flip(name, &pkg, at, bit)?;
        cases.push(Case::negative(name, description, f.clone(), bad, exp));
    }
    let name = "prelude_unknown_suite";
    cases.push(Case::negative(
        name,
        "The small package with its prelude's suite changed from 1 to 3: no suite is \
         negotiated inside a package, the prelude does not decode.",
        f.clone(),
        flip(name, &pkg, 10, 1)?,
        Exp::Read("malformed"),
    ));
    let mut garbage = pkg.clone();
    garbage.extend_from_slice(&[0u8; 17]);
    cases.push(Case::negative(
        "trailing_garbage",
        "The small package followed by 17 zero bytes: the last 68 bytes are no longer a footer \
         (bad magic).",
        f,
        garbage,
        Exp::Read("malformed"),
    ));
    Ok(())
}

fn stream(w: &World, cases: &mut Vec<Case>) -> Result<(), Error> {
    let f = three_fields();
    let pkg = seal(w, &f, "package_three_fields")?;
    let v = sender_view(w, "stream", &pkg)?;
    let who = |over: Vec<(u32, &'static str)>| {
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Opens(over.clone())),
            (BOB, UnlockExp::Opens(Vec::new())),
            (SENDER, UnlockExp::Opens(over)),
        ])
    };

    let name = "field_truncated_chunk";
    let mut p = parts(name, &pkg)?;
    let mut body = p.bodies[2].clone();
    body.pop();
    set_body(name, &mut p, 2, body)?;
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "The package of three fields with the last byte of the blob's final chunk cut off, \
         and the envelope re-signed by the sender over the shorter ciphertext: it verifies, \
         and the final chunk's tag fails (cannot decrypt field 2).",
        f.clone(),
        assemble(name, &p)?,
        who(vec![(2, "decryption")]),
    ));

    let name = "field_missing_final_chunk";
    let mut p = parts(name, &pkg)?;
    let mut body = p.bodies[2].clone();
    body.truncate(CHUNK_CT);
    set_body(name, &mut p, 2, body)?;
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "The package of three fields with the blob's final chunk dropped, and the envelope \
         re-signed by the sender over the shorter ciphertext: it verifies, and only the STREAM \
         rule catches it: the chunk that is now last was not encrypted as final.",
        f.clone(),
        assemble(name, &p)?,
        who(vec![(2, "decryption")]),
    ));

    let name = "field_two_final_chunks";
    let mut p = parts(name, &pkg)?;
    let plain = field_plaintext(name, &p, &v, 2)?;
    if plain.len() <= CHUNK {
        return Err(patch(name, "the blob's field is a single chunk"));
    }
    let keys = field_keys(field_key(name, &v, 2)?, &v.package_id, 2);
    let mut sealer = BatchSealer::new(&keys.aead, field_aad(&v.package_id, 2));
    let mut body = Vec::new();
    for piece in [&plain[..CHUNK], &plain[CHUNK..]] {
        let mut batch = ChunkBatch::new();
        batch.push(piece);
        let ct = sealer
            .seal(&mut batch, true)
            .map_err(|e| patch(name, e.to_string()))?;
        body.extend_from_slice(ct);
    }
    set_body(name, &mut p, 2, body)?;
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "The package of three fields with the blob's plaintext re-encrypted under its own \
         field key so that both chunks carry the final flag (same length, same records), and \
         the envelope re-signed: the first chunk fails, since only the last may be final.",
        f,
        assemble(name, &p)?,
        who(vec![(2, "decryption")]),
    ));
    Ok(())
}

fn keys_and_signatures(w: &World, cases: &mut Vec<Case>) -> Result<(), Error> {
    let f = small_fields();
    let pkg = seal(w, &f, "package_small_fields")?;
    let v = sender_view(w, "keys", &pkg)?;
    let n = f.len();

    cases.push(Case::negative(
        "wrong_recipient",
        "The small package unlocked by xx.none, a party in the trust store that is not a \
         recipient: no stanza opens, the uniform error.",
        f.clone(),
        pkg.clone(),
        Exp::Unlock(vec![(OUTSIDER, UnlockExp::Fails("not_a_recipient"))]),
    ));

    let name = "low_order_stanza_key";
    let mut p = parts(name, &pkg)?;
    let alice = &w.parties[ALICE].identity;
    let at = p
        .trailer
        .stanzas
        .iter()
        .position(|s| try_unwrap(s, alice, &v.package_id, n).is_some())
        .ok_or_else(|| patch(name, "no stanza of fr.pnat"))?;
    match &mut p.trailer.stanzas[at] {
        Stanza::X25519 { enc, .. } => *enc = PublicKey([0; 32]),
        Stanza::XWing { .. } => return Err(patch(name, "fr.pnat's stanza is not X25519")),
    }
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "The small package with fr.pnat's stanza given the all-zero X25519 point (low order) \
         as its encapsulated key, and the envelope re-signed by the sender: the shared secret \
         is all zero, so the stanza does not open and fr.pnat is not a recipient (the uniform \
         error); nl.om still opens its fields.",
        f.clone(),
        assemble(name, &p)?,
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Fails("not_a_recipient")),
            (BOB, UnlockExp::Opens(Vec::new())),
        ]),
    ));

    let name = "hybrid_stanza_tampered";
    let mut p = parts(name, &pkg)?;
    let bob = &w.parties[BOB].identity;
    let at = p
        .trailer
        .stanzas
        .iter()
        .position(|s| try_unwrap(s, bob, &v.package_id, n).is_some())
        .ok_or_else(|| patch(name, "no stanza of nl.om"))?;
    match &mut p.trailer.stanzas[at] {
        // A bit of the ML-KEM-768 ciphertext: ML-KEM's implicit rejection
        // gives another shared secret, so the AEAD tag fails.
        Stanza::XWing { enc, .. } => enc.0[100] ^= 0x01,
        Stanza::X25519 { .. } => return Err(patch(name, "nl.om's stanza is not X-Wing")),
    }
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "The small package with one bit of nl.om's X-Wing stanza flipped (byte 100 of the \
         encapsulated key, inside the ML-KEM-768 ciphertext), and the envelope re-signed by \
         the sender: ML-KEM decapsulation implicitly rejects, the AEAD tag fails, and nl.om \
         is not a recipient (the uniform error); fr.pnat still opens its fields.",
        f.clone(),
        assemble(name, &p)?,
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Opens(Vec::new())),
            (BOB, UnlockExp::Fails("not_a_recipient")),
        ]),
    ));

    let name = "hybrid_stanza_downgraded";
    let mut p = parts(name, &pkg)?;
    let at = p
        .trailer
        .stanzas
        .iter()
        .position(|s| try_unwrap(s, bob, &v.package_id, n).is_some())
        .ok_or_else(|| patch(name, "no stanza of nl.om"))?;
    let classical = KeyBundle {
        metadata_key: v.metadata_key.duplicate(),
        field_keys: v
            .field_keys
            .iter()
            .enumerate()
            .map(|(i, k)| k.as_ref().filter(|_| i == 1).map(Key32::duplicate))
            .collect(),
    };
    p.trailer.stanzas[at] = wrap(
        &classical,
        &bob.card().body.agreement_key,
        None,
        &bob.key_id(),
        &v.package_id,
        &mut rng(name),
    )
    .map_err(|e| patch(name, e.to_string()))?;
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "A sender that wraps nl.om's bundle with DHKEM(X25519) to its card's X25519 key, \
         although the card has an X-Wing key, and signs the envelope honestly: the stanza is \
         a downgrade, so it does not open for nl.om (not a recipient, the uniform error); \
         fr.pnat still opens its fields.",
        f.clone(),
        assemble(name, &p)?,
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Opens(Vec::new())),
            (BOB, UnlockExp::Fails("not_a_recipient")),
        ]),
    ));

    let name = "non_canonical_signature";
    let mut p = parts(name, &pkg)?;
    // S + L: the same signature in a second encoding (malleability).
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let sig = &mut p.trailer.signature.signature.0;
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = s as u8;
        carry = s >> 8;
    }
    if carry != 0 {
        return Err(patch(name, "S + L overflows 256 bits"));
    }
    cases.push(Case::negative(
        name,
        "The small package with the sender's signature's S replaced by S + L (the group \
         order): the same signature in a second encoding, which strict verification refuses.",
        f.clone(),
        assemble(name, &p)?,
        Exp::Verify("bad_signature"),
    ));

    let name = "recipients_given_different_keys";
    let mut p = parts(name, &pkg)?;
    let bob = &w.parties[BOB].identity;
    let at = p
        .trailer
        .stanzas
        .iter()
        .position(|s| try_unwrap(s, bob, &v.package_id, n).is_some())
        .ok_or_else(|| patch(name, "no stanza of nl.om"))?;
    let evil = KeyBundle {
        metadata_key: v.metadata_key.duplicate(),
        field_keys: vec![
            None,
            Some(Key32::from_bytes(pseudo(
                "package vectors: uncommitted key",
            ))),
            None,
        ],
    };
    p.trailer.stanzas[at] = wrap(
        &evil,
        &bob.card().body.agreement_key,
        bob.card().body.hybrid_key.as_ref(),
        &bob.key_id(),
        &v.package_id,
        &mut rng(name),
    )
    .map_err(|e| patch(name, e.to_string()))?;
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "A malicious sender gives nl.om another key for field 1 (the CSV) than fr.pnat, and \
         signs everything honestly over that envelope: it verifies; nl.om, given the key that \
         does not match the field's key commitment, fails with the uniform decryption error; \
         fr.pnat gets exactly the signed plaintext.",
        f.clone(),
        assemble(name, &p)?,
        Exp::Unlock(vec![
            (BOB, UnlockExp::Opens(vec![(1, "decryption")])),
            (ALICE, UnlockExp::Opens(Vec::new())),
        ]),
    ));

    let name = "segment_forged_with_field_key";
    let mut p = parts(name, &pkg)?;
    let keys = field_keys(field_key(name, &v, 1)?, &v.package_id, 1);
    let mut plain = Vec::new();
    for (i, line) in FORGED_SUBSCRIBER
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
    {
        let salt: [u8; 32] = pseudo(&format!("package vectors: forged salt {i}"));
        rogatory_core::segment::put_record_header(&mut plain, i as u32, &salt, line.len());
        plain.extend_from_slice(line);
    }
    let mut enc = StreamEncryptor::new(&keys.aead, field_aad(&v.package_id, 1), Vec::new());
    enc.write_all(&plain)
        .map_err(|e| patch(name, e.to_string()))?;
    let (body, _, _) = enc.finish().map_err(|e| patch(name, e.to_string()))?;
    set_body(name, &mut p, 1, body)?;
    resign(w, name, &mut p, &v)?;
    cases.push(Case::negative(
        name,
        "Field 1 (the CSV) replaced by other records written under its own field key (which \
         every recipient cleared for it holds), with the envelope re-signed: the AEAD accepts \
         it, but its first segment does not match its signed leaf, and no byte is released.",
        f,
        assemble(name, &p)?,
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Opens(vec![(1, "tampered")])),
            (BOB, UnlockExp::Opens(vec![(1, "tampered")])),
        ]),
    ));
    Ok(())
}

fn trust_and_time(w: &World, cases: &mut Vec<Case>) -> Result<(), Error> {
    let f = small_fields();
    let pkg = seal(w, &f, "package_small_fields")?;
    let mut c = Case::negative(
        "unknown_signer",
        "The small package verified with a trust store that lacks the sender's card: the \
         signer is unknown.",
        f.clone(),
        pkg.clone(),
        Exp::Verify("unknown_party"),
    );
    c.trust = vec![ALICE, BOB, OUTSIDER];
    cases.push(c);
    let mut c = Case::negative(
        "opened_after_retain_until",
        "The small package unlocked one second after its retain-until: expired.",
        f.clone(),
        pkg.clone(),
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Fails("expired")),
            (BOB, UnlockExp::Fails("expired")),
        ]),
    );
    c.now = T_RETAIN + 1;
    cases.push(c);
    let mut c = Case::negative(
        "opened_before_not_before",
        "The small package unlocked one second before its not-before: not yet valid.",
        f,
        pkg,
        Exp::Unlock(vec![
            (ALICE, UnlockExp::Fails("not_yet_valid")),
            (BOB, UnlockExp::Fails("not_yet_valid")),
        ]),
    );
    c.now = T_SEALED - 1;
    cases.push(c);
    Ok(())
}
