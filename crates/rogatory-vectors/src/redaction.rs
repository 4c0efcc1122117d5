//! Redaction vectors (`spec/vectors/redaction/*.json`): packages sealed,
//! redacted and forwarded by `rogatory-core` and `rogatory-redact` from fixed
//! identities, extracts of them, and edits of both, each with the outcome
//! that checking it must give (spec §12).
//!
//! ```text
//!   de.bka seals ──▶ fr.pnat redacts ──▶ fr.pnat forwards to nl.om ──▶ nl.om extracts
//!        (seeded ChaCha20Rng, fixed `now`)      │
//!                one edit, re-signed by a trusted party where the attack needs it
//!                                               ▼
//!   package: check_without_key ─▶ verify(trust) ─▶ unlock(holder, now)
//!            (stanza recipients, holders, onward consent) ─▶ open every field the holder reads
//!   extract: decode ─▶ verify_extract(trust)
//! ```
//!
//! ## The vector files
//!
//! One JSON object per file, `<name>.json`, with the keys
//! - `name`, `kind` (`positive` or `negative`, the negative ones named after
//!   what they break), `description`;
//! - `now`: the time (POSIX seconds, UTC) at which the holder unlocks;
//! - `parties`: `party`, `key_id`, `card` (hex) and `test_secrets` (its
//!   Ed25519 seed and X25519 secret, hex). **Test keys, published so that
//!   anyone can check the vectors: never use them for anything else.**
//! - `trust`: the verifier's trust store: `party`, `key_id`, `clearances`;
//! - `input`: `package` or `extract`, and `bytes`: the file, hex;
//! - `holder`: for a package, the party whose key unlocks it;
//! - `expected`: `outcome` (`ok` or the class of the first failure, see
//!   [`rogatory_redact::RedactError::class`]) and, for a positive package,
//!   `readable`: each field the holder opens, with its present segments (in
//!   the range syntax of spec §12.2) and the exact plaintext (hex).
//!
//! The negative vectors are the attacks of THREATS.md #4 and #10:
//! `redaction_forged_content_in_slot`, `redaction_missing_leaf`,
//! `redaction_unsigned_removal`, `redaction_event_lists_other_leaves`,
//! `redaction_stanza_count`, `forward_outside_consent`,
//! `extract_proof_for_other_root`, `extract_segment_changed`.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::container::Parts;
use rogatory_core::crypto::field_keys;
use rogatory_core::custody::{ChainHead, key_proof_message, sign_event};
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient, envelope_record};
use rogatory_core::segment::{RecordParser, SegmentRecord, put_record_header};
use rogatory_core::stream::{StreamDecryptor, StreamEncryptor, field_aad};
use rogatory_core::wrap::{KeyBundle, try_unwrap, wrap};
use rogatory_core::{Identity, Key32, Package, Sealer, Signer, TrustStore};
use rogatory_redact::{
    Extract, HeldPackage, Policy, RedactError, Request, check_without_key, format_ranges,
    parse_ranges, verify_extract,
};
use rogatory_wire::{
    CategorySet, Digest, EnvelopeRecord, EventBody, EventDetails, FieldBody, FieldKind, FieldName,
    KeyId, MediaType, OnwardConsent, PartyId, PartySet, Priority, Removal, SegmentSet, Signature,
    Stanza, Tag, TagSet, Text, Timestamp, decode, encode, labels,
};
use serde::{Deserialize, Serialize};

use crate::{Error, OK, compare_files, write_files};

/// The default directory of the redaction vectors, in this source tree.
pub fn redaction_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/redaction")
}

/// A redaction vector file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactionFile {
    /// The file name without `.json`.
    pub name: String,
    /// `positive` or `negative`.
    pub kind: String,
    /// What the vector tests.
    pub description: String,
    /// The time at which the holder unlocks, POSIX seconds.
    pub now: u64,
    /// The parties, with their test keys.
    pub parties: Vec<Party>,
    /// The verifier's trust store.
    pub trust: Vec<TrustLine>,
    /// `package` or `extract`.
    pub input: String,
    /// The file, hex.
    pub bytes: String,
    /// For a package: who unlocks it.
    pub holder: Option<String>,
    /// What checking must give.
    pub expected: ExpectedOutcome,
}

/// A party of a vector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Party id.
    pub party: String,
    /// Key id of its card, hex.
    pub key_id: String,
    /// Its encoded card, hex.
    pub card: String,
    /// Its secret keys: test keys.
    pub test_secrets: Secrets,
}

/// Test secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// Ed25519 seed, hex.
    pub ed25519_seed: String,
    /// X25519 secret, hex.
    pub x25519_secret: String,
}

/// A trust-store entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustLine {
    /// Party id.
    pub party: String,
    /// Key id, hex.
    pub key_id: String,
    /// Clearances.
    pub clearances: Vec<String>,
}

/// The expected outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedOutcome {
    /// `ok` or an error class.
    pub outcome: String,
    /// For a positive package: what the holder reads.
    pub readable: Vec<Readable>,
}

/// A field the holder reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readable {
    /// Field name.
    pub field: String,
    /// Its present segments.
    pub segments: String,
    /// The plaintext of those segments, hex.
    pub plaintext: String,
}

/// One generated vector: its name and file contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactionVector {
    /// The name.
    pub name: String,
    /// Whether it expects a failure.
    pub negative: bool,
    /// The file, as written.
    pub file: String,
}

fn bad(name: &str, detail: impl Into<String>) -> Error {
    Error::Patch {
        vector: name.to_owned(),
        detail: detail.into(),
    }
}

// ---------------------------------------------------------------- fixtures

const NOW: Timestamp = Timestamp(1_800_000_000);
const PARTIES: [(&str, u8); 4] = [("de.bka", 1), ("fr.pnat", 2), ("nl.om", 3), ("xx.none", 4)];
const CHAT: [&str; 6] = [
    "2026-01-01 alice: meet at 9\n",
    "2026-01-01 bob: write to bob.smith@example.org\n",
    "2026-01-02 alice: bring the USB stick\n",
    "2026-01-02 bob: call me on +49 151 23456789\n",
    "2026-01-03 alice: done\n",
    "2026-01-03 bob: ok\n",
];
const SUBSCRIBER: &[u8] = b"name,msisdn\nJohn Doe,+49151000000\n";

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn secrets(seed: u8) -> ([u8; 32], [u8; 32]) {
    ([seed; 32], [seed.wrapping_add(100); 32])
}

fn identity(name: &str, seed: u8) -> Result<Identity, Error> {
    let (s, x) = secrets(seed);
    Identity::from_secrets(
        PartyId::new(name)?,
        &Key32::from_bytes(s),
        &Key32::from_bytes(x),
        Digest([seed; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .map_err(|e| bad(name, e.to_string()))
}

fn clearances(party: &str) -> Vec<&'static str> {
    match party {
        "fr.pnat" => vec![
            "category:content",
            "category:subscriber",
            "sensitivity:restricted",
        ],
        "nl.om" => vec!["category:content", "category:subscriber"],
        "xx.none" => vec!["category:subscriber"],
        _ => vec![],
    }
}

struct World {
    ids: Vec<Identity>,
    trust: TrustStore,
}

impl World {
    fn new() -> Result<Self, Error> {
        let mut ids = Vec::new();
        let mut trust = TrustStore::new();
        for (name, seed) in PARTIES {
            let id = identity(name, seed)?;
            let c = clearances(name)
                .into_iter()
                .map(Tag::new)
                .collect::<Result<Vec<_>, _>>()?;
            trust
                .add(id.card().clone(), c)
                .map_err(|e| bad(name, e.to_string()))?;
            ids.push(id);
        }
        Ok(Self { ids, trust })
    }

    fn id(&self, i: usize) -> &Identity {
        &self.ids[i]
    }
}

const SENDER: usize = 0;
const REDACTOR: usize = 1;
const THIRD: usize = 2;
const OUTSIDER: usize = 3;

fn text(s: &str) -> Result<Text, Error> {
    Ok(Text::new(s)?)
}

fn field(name: &str, kind: FieldKind, media: &str, tags: &[&str]) -> Result<FieldSpec, Error> {
    Ok(FieldSpec {
        name: FieldName::new(name)?,
        media_type: MediaType::new(media)?,
        kind,
        tags: TagSet::from_unsorted(
            tags.iter()
                .map(|t| Tag::new(*t))
                .collect::<Result<_, _>>()?,
        )?,
    })
}

fn disk() -> Vec<u8> {
    (0..3000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

fn core(name: &str) -> impl Fn(rogatory_core::CoreError) -> Error + '_ {
    move |e| bad(name, e.to_string())
}

fn redact_err(name: &str) -> impl Fn(RedactError) -> Error + '_ {
    move |e| bad(name, e.to_string())
}

/// de.bka seals chat.txt (6 lines), subscriber.csv and disk.img (3000 bytes)
/// for fr.pnat, with consent to onward transfer to nl.om only.
fn sealed(w: &World, seed: u8, chat: &[u8]) -> Result<Vec<u8>, Error> {
    let onward = OnwardConsent::Parties(PartySet::from_unsorted(vec![PartyId::new("nl.om")?])?);
    let info = PackageInfo {
        case_reference: text("CASE-2026-0042")?,
        request_reference: None,
        legal_basis: text("Art. 18 Budapest Convention")?,
        issuing_authority: text("Bundeskriminalamt")?,
        priority: Priority::Normal,
        deadline: None,
        purpose: text("criminal investigation")?,
        data_categories: CategorySet::default(),
        not_before: Timestamp(NOW.0 - 10),
        retain_until: Timestamp(NOW.0 + 86_400 * 365),
        onward,
        provenance: vec![],
    };
    let recipients = vec![Recipient::from_trust(
        w.trust
            .require(&w.id(REDACTOR).key_id())
            .map_err(core("seal"))?,
    )];
    let mut s = Sealer::new(Vec::new(), w.id(SENDER), recipients, info, NOW, rng(seed))
        .map_err(core("seal"))?;
    s.add_field(
        field(
            "chat.txt",
            FieldKind::Text,
            "text/plain",
            &["category:content"],
        )?,
        &mut &chat[..],
    )
    .map_err(core("seal"))?;
    s.add_field(
        field(
            "subscriber.csv",
            FieldKind::Text,
            "text/csv",
            &["category:subscriber"],
        )?,
        &mut &SUBSCRIBER[..],
    )
    .map_err(core("seal"))?;
    s.add_field(
        field(
            "disk.img",
            FieldKind::Binary,
            "application/octet-stream",
            &["category:content", "sensitivity:restricted"],
        )?,
        &mut &disk()[..],
    )
    .map_err(core("seal"))?;
    Ok(s.seal().map_err(core("seal"))?.writer)
}

/// fr.pnat removes chat segments 1 and 3 (an e-mail address, a phone number)
/// and subscriber.csv.
fn redacted(w: &World, pkg: &[u8], seed: u8) -> Result<Vec<u8>, Error> {
    let mut h = HeldPackage::from_bytes(pkg.to_vec(), w.id(REDACTOR), &w.trust, NOW)
        .map_err(redact_err("redact"))?;
    let request = Request {
        drop_fields: vec!["subscriber.csv".into()],
        drop_segments: vec![(
            "chat.txt".into(),
            parse_ranges("1,3").map_err(redact_err("redact"))?,
        )],
        policy: Policy::new(),
    };
    let plan = h.plan(&request).map_err(redact_err("redact"))?;
    Ok(h.redact(
        &plan,
        &text("personal data of a third party")?,
        &text("Art. 12 MLA treaty")?,
        Vec::new(),
        &mut rng(seed),
    )
    .map_err(redact_err("redact"))?
    .writer)
}

fn forwarded(w: &World, pkg: &[u8], seed: u8) -> Result<Vec<u8>, Error> {
    let mut h = HeldPackage::from_bytes(pkg.to_vec(), w.id(REDACTOR), &w.trust, NOW)
        .map_err(redact_err("forward"))?;
    Ok(h.forward(
        &PartyId::new("nl.om")?,
        None,
        Some(&text("Art. 26 MLA treaty")?),
        Vec::new(),
        &mut rng(seed),
    )
    .map_err(redact_err("forward"))?
    .writer)
}

fn extract(w: &World, pkg: &[u8], segments: &str) -> Result<Extract, Error> {
    let mut h = HeldPackage::from_bytes(pkg.to_vec(), w.id(THIRD), &w.trust, NOW)
        .map_err(redact_err("extract"))?;
    h.extract(
        "chat.txt",
        Some(&parse_ranges(segments).map_err(redact_err("extract"))?),
    )
    .map_err(redact_err("extract"))
}

fn parts(bytes: &[u8]) -> Result<Parts, Error> {
    Parts::read(Cursor::new(bytes.to_vec())).map_err(core("parts"))
}

/// The keys `who` holds in a package, and its digest.
fn keys_of(w: &World, bytes: &[u8], who: usize) -> Result<(KeyBundle, Digest), Error> {
    let u = Package::parse(Cursor::new(bytes.to_vec()))
        .and_then(|p| p.verify(&w.trust))
        .and_then(|v| v.unlock(w.id(who), NOW))
        .map_err(core("keys"))?;
    let b = u.bundle();
    let bundle = KeyBundle {
        metadata_key: b.metadata_key.duplicate(),
        field_keys: b
            .field_keys
            .iter()
            .map(|k| k.as_ref().map(Key32::duplicate))
            .collect(),
    };
    Ok((bundle, u.package().digest()))
}

/// The segment records of a field: index, salt, bytes.
type Records = Vec<(u32, [u8; 32], Vec<u8>)>;

fn records(p: &Parts, key: &Key32, field: u32) -> Result<Records, Error> {
    let id = p.prelude.package_id;
    let keys = field_keys(key, &id, field);
    let ct = &p.bodies[field as usize];
    let mut dec = StreamDecryptor::new(
        &keys.aead,
        field_aad(&id, field),
        ct.len() as u64,
        "f".into(),
    )
    .map_err(core("records"))?;
    let mut out = Vec::new();
    let mut parser = RecordParser::default();
    let mut at = 0;
    while !dec.is_done() {
        let n = dec.next_batch_len();
        let mut buf = ct[at..at + n].to_vec();
        at += n;
        let m = dec.decrypt_batch(&mut buf).map_err(core("records"))?;
        parser
            .push(
                &buf[..m],
                &mut |r: SegmentRecord<'_>| -> Result<(), rogatory_core::CoreError> {
                    out.push((r.index, r.salt, r.data.to_vec()));
                    Ok(())
                },
            )
            .map_err(core("records"))?;
    }
    Ok(out)
}

/// Re-signs event `at` of `p` (and drops the events after it) as `who`,
/// with `body`; details name `who`.
#[allow(clippy::too_many_arguments)]
fn resign(
    p: &mut Parts,
    at: usize,
    who: &Identity,
    meta: &Key32,
    digest: Digest,
    body: EventBody,
    counterpart: Option<PartyId>,
    seed: u8,
) -> Result<(), Error> {
    let head = ChainHead::of(&p.events[at - 1]).map_err(core("resign"))?;
    let ev = sign_event(
        who,
        meta,
        &p.prelude.package_id,
        digest,
        Some(head),
        NOW,
        body,
        &EventDetails {
            actor: who.party().clone(),
            counterpart,
            reason: text("")?,
            legal_basis: text("")?,
            text: text("")?,
        },
        &mut rng(seed),
    )
    .map_err(core("resign"))?;
    p.events.truncate(at);
    p.events.push(ev);
    Ok(())
}

/// Per stanza of `p`, the party of `w` whose key opens it.
fn holders_of(w: &World, p: &Parts) -> Result<Vec<KeyId>, Error> {
    let id = p.prelude.package_id;
    let n = p.trailer.fields.len();
    p.trailer
        .stanzas
        .iter()
        .map(|s| {
            w.ids
                .iter()
                .find(|i| try_unwrap(s, i, &id, n).is_some())
                .map(|i| i.key_id())
                .ok_or_else(|| bad("envelope", "a stanza no party opens"))
        })
        .collect()
}

/// The envelope record of `p` as it stands, each stanza committed to the
/// party of `w` whose key opens it.
fn envelope(w: &World, p: &Parts, meta: &Key32, seed: u8) -> Result<EnvelopeRecord, Error> {
    envelope_committed(p, &holders_of(w, p)?, meta, seed)
}

/// The envelope record of `p`, stanza `i` committed to `holders[i]`, whoever
/// it is wrapped to: what a party that lies about its stanzas signs.
fn envelope_committed(
    p: &Parts,
    holders: &[KeyId],
    meta: &Key32,
    seed: u8,
) -> Result<EnvelopeRecord, Error> {
    envelope_record(
        p.trailer.fields.clone(),
        &p.trailer.stanzas,
        holders,
        meta,
        &p.prelude.package_id,
        &mut rng(seed),
    )
    .map_err(core("envelope"))
}

/// The key proof for field `field`'s new descriptor in `p`, by the holder
/// of its previous key, for a `redacted` event at position `at`.
fn key_proof(p: &Parts, at: usize, old: &Key32, field: u32) -> Result<Signature, Error> {
    let id = p.prelude.package_id;
    let head = ChainHead::of(&p.events[at - 1]).map_err(core("key proof"))?;
    let m = key_proof_message(
        &id,
        field,
        head.sequence + 1,
        &head.hash,
        &p.trailer.fields[field as usize],
    )
    .map_err(core("key proof"))?;
    Ok(field_keys(old, &id, field).sign_proof(labels::SIG_FIELD_KEY, &[&m]))
}

fn assemble(p: &Parts) -> Result<Vec<u8>, Error> {
    p.assemble().map_err(core("assemble"))
}

// ---------------------------------------------------------------- attacks

/// A trusted party (the redactor) signs a second `redacted` event that
/// removes segment 4 but puts forged content into the slot of segment 1.
fn forged_content_in_slot(w: &World, red: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, red, REDACTOR)?;
    let mut p = parts(red)?;
    let old = bundle.field_keys[0]
        .as_ref()
        .ok_or_else(|| bad("forged", "no key"))?;
    let mut recs = records(&p, old, 0)?;
    recs.retain(|r| r.0 != 4);
    recs.insert(
        1,
        (
            1,
            [0x5a; 32],
            b"2026-01-01 bob: nothing to see here\n".to_vec(),
        ),
    );
    let id = p.prelude.package_id;
    let new_key = Key32::from_bytes([0x77; 32]);
    let keys = field_keys(&new_key, &id, 0);
    let mut enc = StreamEncryptor::new(&keys.aead, field_aad(&id, 0), Vec::new());
    let mut header = Vec::new();
    for (i, salt, data) in &recs {
        header.clear();
        put_record_header(&mut header, *i, salt, data.len());
        enc.write_all(&header).map_err(core("forged"))?;
        enc.write_all(data).map_err(core("forged"))?;
    }
    let (ct, len, ct_digest) = enc.finish().map_err(core("forged"))?;
    p.bodies[0] = ct;
    p.trailer.fields[0].body = FieldBody::Present {
        ciphertext_len: len,
        chunk_size: rogatory_wire::limits::CHUNK_SIZE,
        key_commitment: keys.commitment,
        ciphertext_digest: ct_digest,
        segments: SegmentSet::from_indices(recs.iter().map(|r| r.0).collect())?,
    };
    let proof = key_proof(&p, p.events.len(), old, 0)?;
    let mut held = bundle.field_keys;
    held[0] = Some(new_key);
    let me = w.id(REDACTOR);
    p.trailer.stanzas = vec![
        wrap(
            &KeyBundle {
                metadata_key: bundle.metadata_key.duplicate(),
                field_keys: held,
            },
            &me.card().body.agreement_key,
            me.card().body.hybrid_key.as_ref(),
            &me.key_id(),
            &id,
            &mut rng(90),
        )
        .map_err(core("forged"))?,
    ];
    let at = p.events.len();
    let body = EventBody::Redacted {
        removed: vec![Removal {
            field: 0,
            segments: SegmentSet::from_indices(vec![4])?,
            key_proof: Some(proof),
        }],
        envelope: envelope(w, &p, &bundle.metadata_key, 89)?,
    };
    resign(&mut p, at, me, &bundle.metadata_key, digest, body, None, 91)?;
    assemble(&p)
}

/// The removals of event 1 (the redaction) with field 0's replaced.
fn removals_with(p: &Parts, field0: SegmentSet) -> Result<Vec<Removal>, Error> {
    let Some(EventBody::Redacted { removed, .. }) = p.events.get(1).map(|e| &e.clear.body) else {
        return Err(bad("removals", "event 1 is not a redaction"));
    };
    Ok(removed
        .iter()
        .map(|r| Removal {
            field: r.field,
            segments: if r.field == 0 {
                field0.clone()
            } else {
                r.segments.clone()
            },
            key_proof: r.key_proof,
        })
        .collect())
}

/// The leaf of a removed segment dropped from the leaf table instead of
/// kept; the redactor signs an envelope that matches the shortened table.
fn missing_leaf(w: &World, red: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, red, REDACTOR)?;
    let mut p = parts(red)?;
    p.trailer.leaves.fields[0].leaves.remove(1);
    if let FieldBody::Present { segments, .. } = &mut p.trailer.fields[0].body {
        // The naive redactor renumbers what is left: 0, 2, 4, 5 -> 0, 1, 3, 4.
        *segments = SegmentSet::from_indices(vec![0, 1, 3, 4])?;
    }
    let body = EventBody::Redacted {
        removed: removals_with(&p, SegmentSet::from_indices(vec![2, 5])?)?,
        envelope: envelope(w, &p, &bundle.metadata_key, 88)?,
    };
    resign(
        &mut p,
        1,
        w.id(REDACTOR),
        &bundle.metadata_key,
        digest,
        body,
        None,
        92,
    )?;
    assemble(&p)
}

/// The disk image's ciphertext removed from a forwarded package with no
/// event at all.
fn unsigned_removal(fwd: &[u8]) -> Result<Vec<u8>, Error> {
    let mut p = parts(fwd)?;
    p.trailer.fields[2].body = FieldBody::Removed;
    p.bodies[2].clear();
    assemble(&p)
}

/// The redactor's event removes segments 1 and 3 of chat.txt but lists 1
/// and 2.
fn event_lists_other_leaves(w: &World, red: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, red, REDACTOR)?;
    let mut p = parts(red)?;
    let body = EventBody::Redacted {
        removed: removals_with(&p, SegmentSet::from_indices(vec![1, 2])?)?,
        envelope: envelope(w, &p, &bundle.metadata_key, 87)?,
    };
    resign(
        &mut p,
        1,
        w.id(REDACTOR),
        &bundle.metadata_key,
        digest,
        body,
        None,
        93,
    )?;
    assemble(&p)
}

/// The redactor keeps the sealed stanzas beside its own and signs that
/// envelope: a `redacted` envelope must hold exactly one stanza.
fn stanza_count(w: &World, sealed: &[u8], red: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, red, REDACTOR)?;
    let mut p = parts(red)?;
    let orig = parts(sealed)?;
    p.trailer
        .stanzas
        .extend(orig.trailer.stanzas.iter().take(1).cloned());
    if let Some(EventBody::Redacted { removed, .. }) = p.events.get(1).map(|e| e.clear.body.clone())
    {
        let body = EventBody::Redacted {
            removed,
            envelope: envelope(w, &p, &bundle.metadata_key, 86)?,
        };
        resign(
            &mut p,
            1,
            w.id(REDACTOR),
            &bundle.metadata_key,
            digest,
            body,
            None,
            94,
        )?;
    }
    assemble(&p)
}

/// The forwarder re-signs its `forwarded` event to name xx.none, whom the
/// sender's consent does not name.
fn forward_outside_consent(w: &World, fwd: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, fwd, THIRD)?;
    let mut p = parts(fwd)?;
    let at = p.events.len() - 1;
    let body = EventBody::Forwarded {
        receiver: w.id(OUTSIDER).key_id(),
        envelope: envelope_committed(
            &p,
            &holders_of(w, &p)?
                .iter()
                .map(|&k| {
                    if k == w.id(THIRD).key_id() {
                        w.id(OUTSIDER).key_id()
                    } else {
                        k
                    }
                })
                .collect::<Vec<_>>(),
            &bundle.metadata_key,
            85,
        )?,
    };
    resign(
        &mut p,
        at,
        w.id(REDACTOR),
        &bundle.metadata_key,
        digest,
        body,
        Some(PartyId::new("xx.none")?),
        95,
    )?;
    assemble(&p)
}

/// `bundle` wrapped to party `to` of `w`.
fn stanza_for(
    w: &World,
    p: &Parts,
    bundle: &KeyBundle,
    to: usize,
    seed: u8,
) -> Result<Stanza, Error> {
    let them = w.id(to);
    wrap(
        &KeyBundle {
            metadata_key: bundle.metadata_key.duplicate(),
            field_keys: bundle
                .field_keys
                .iter()
                .map(|k| k.as_ref().map(Key32::duplicate))
                .collect(),
        },
        &them.card().body.agreement_key,
        them.card().body.hybrid_key.as_ref(),
        &them.key_id(),
        &p.prelude.package_id,
        &mut rng(seed),
    )
    .map_err(core("stanza"))
}

/// The redactor, after a legitimate redaction, replaces its own stanza with
/// one wrapped to xx.none (trusted, named nowhere) and re-signs its
/// `redacted` event. With `honest`, the record commits the stanza to
/// xx.none; otherwise it claims the stanza is the redactor's own.
fn rewrapped_in_redaction(w: &World, red: &[u8], honest: bool) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, red, REDACTOR)?;
    let mut p = parts(red)?;
    p.trailer.stanzas = vec![stanza_for(w, &p, &bundle, OUTSIDER, 100)?];
    let claimed = if honest { OUTSIDER } else { REDACTOR };
    let Some(EventBody::Redacted { removed, .. }) = p.events.get(1).map(|e| e.clear.body.clone())
    else {
        return Err(bad("rewrapped", "event 1 is not a redaction"));
    };
    let body = EventBody::Redacted {
        removed,
        envelope: envelope_committed(&p, &[w.id(claimed).key_id()], &bundle.metadata_key, 101)?,
    };
    resign(
        &mut p,
        1,
        w.id(REDACTOR),
        &bundle.metadata_key,
        digest,
        body,
        None,
        102,
    )?;
    assemble(&p)
}

/// The forwarder forwards to nl.om (within consent) but puts, in place of
/// its own stanza, one wrapped to xx.none, which it claims as its own.
fn smuggled_in_forward(w: &World, fwd: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, fwd, REDACTOR)?;
    let mut p = parts(fwd)?;
    let me = w.id(REDACTOR).key_id();
    let holders = holders_of(w, &p)?;
    let mine = holders
        .iter()
        .position(|k| *k == me)
        .ok_or_else(|| bad("smuggled", "no stanza of the forwarder"))?;
    p.trailer.stanzas[mine] = stanza_for(w, &p, &bundle, OUTSIDER, 103)?;
    let at = p.events.len() - 1;
    let body = EventBody::Forwarded {
        receiver: w.id(THIRD).key_id(),
        // The record still names the forwarder for the replaced stanza.
        envelope: envelope_committed(&p, &holders, &bundle.metadata_key, 104)?,
    };
    resign(
        &mut p,
        at,
        w.id(REDACTOR),
        &bundle.metadata_key,
        digest,
        body,
        Some(PartyId::new("nl.om")?),
        105,
    )?;
    assemble(&p)
}

/// fr.pnat appends a `sent` to xx.none, whom the sender's consent does not
/// name: a transfer by a recipient is judged as a forward.
fn sent_outside_consent(w: &World, pkg: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, pkg, REDACTOR)?;
    let mut p = parts(pkg)?;
    let at = p.events.len();
    let body = EventBody::Sent {
        receiver: w.id(OUTSIDER).key_id(),
    };
    resign(
        &mut p,
        at,
        w.id(REDACTOR),
        &bundle.metadata_key,
        digest,
        body,
        Some(PartyId::new("xx.none")?),
        106,
    )?;
    assemble(&p)
}

/// nl.om, not cleared for disk.img, "cuts" it: keeps the field present under
/// a key of its own, its one segment gone and 64 random bytes in its place,
/// and signs a `redacted` event whose key proof it can only make with the
/// new key.
fn cut_without_key(w: &World, fwd: &[u8]) -> Result<Vec<u8>, Error> {
    let (bundle, digest) = keys_of(w, fwd, THIRD)?;
    let mut p = parts(fwd)?;
    let id = p.prelude.package_id;
    let new_key = Key32::from_bytes([0x66; 32]);
    let keys = field_keys(&new_key, &id, 2);
    let mut enc = StreamEncryptor::new(&keys.aead, field_aad(&id, 2), Vec::new());
    enc.write_all(&[0xa5; 64]).map_err(core("cut"))?;
    let (ct, len, ct_digest) = enc.finish().map_err(core("cut"))?;
    p.bodies[2] = ct;
    p.trailer.fields[2].body = FieldBody::Present {
        ciphertext_len: len,
        chunk_size: rogatory_wire::limits::CHUNK_SIZE,
        key_commitment: keys.commitment,
        ciphertext_digest: ct_digest,
        segments: SegmentSet::empty(),
    };
    let mut held: Vec<Option<Key32>> = bundle
        .field_keys
        .iter()
        .map(|k| k.as_ref().map(Key32::duplicate))
        .collect();
    held[2] = Some(new_key.duplicate());
    let mine = KeyBundle {
        metadata_key: bundle.metadata_key.duplicate(),
        field_keys: held,
    };
    p.trailer.stanzas = vec![stanza_for(w, &p, &mine, THIRD, 107)?];
    let at = p.events.len();
    let body = EventBody::Redacted {
        removed: vec![Removal {
            field: 2,
            segments: SegmentSet::full(1),
            key_proof: Some(key_proof(&p, at, &new_key, 2)?),
        }],
        envelope: envelope_committed(&p, &[w.id(THIRD).key_id()], &bundle.metadata_key, 108)?,
    };
    resign(
        &mut p,
        at,
        w.id(THIRD),
        &bundle.metadata_key,
        digest,
        body,
        None,
        109,
    )?;
    assemble(&p)
}

// ---------------------------------------------------------------- files

fn party_lines(w: &World) -> Result<Vec<Party>, Error> {
    PARTIES
        .iter()
        .zip(&w.ids)
        .map(|((_, seed), id)| {
            let (s, x) = secrets(*seed);
            Ok(Party {
                party: id.party().to_string(),
                key_id: id.key_id().to_hex(),
                card: hex::encode(encode(id.card())?),
                test_secrets: Secrets {
                    ed25519_seed: hex::encode(s),
                    x25519_secret: hex::encode(x),
                },
            })
        })
        .collect()
}

fn trust_lines(w: &World) -> Vec<TrustLine> {
    w.ids
        .iter()
        .map(|id| TrustLine {
            party: id.party().to_string(),
            key_id: id.key_id().to_hex(),
            clearances: clearances(id.party().as_str())
                .into_iter()
                .map(str::to_owned)
                .collect(),
        })
        .collect()
}

struct Case {
    name: &'static str,
    description: &'static str,
    input: &'static str,
    bytes: Vec<u8>,
    holder: Option<&'static str>,
    outcome: &'static str,
    readable: Vec<Readable>,
}

fn readable(field: &str, segments: &[usize]) -> Readable {
    let plain: String = segments.iter().map(|&i| CHAT[i]).collect();
    Readable {
        field: field.to_owned(),
        segments: format_ranges(
            &SegmentSet::from_indices(segments.iter().map(|&i| i as u32).collect())
                .unwrap_or_default(),
        ),
        plaintext: hex::encode(plain),
    }
}

fn cases(w: &World) -> Result<Vec<Case>, Error> {
    let chat: String = CHAT.concat();
    let pkg = sealed(w, 7, chat.as_bytes())?;
    let red = redacted(w, &pkg, 8)?;
    let fwd = forwarded(w, &red, 9)?;
    let ex = extract(w, &fwd, "0,2,5")?;
    let other_pkg = sealed(w, 17, chat.as_bytes())?;
    let other = extract(
        w,
        &forwarded(w, &redacted(w, &other_pkg, 18)?, 19)?,
        "0,2,5",
    )?;

    let mut wrong_root = ex.clone();
    wrong_root.segments[1].proof = other.segments[1].proof.clone();
    let mut changed = ex.clone();
    changed.segments[0].data =
        rogatory_wire::Bytes::new(b"2026-01-01 alice: meet at 10\n".to_vec())?;

    let enc = |x: &Extract| x.to_bytes().map_err(redact_err("extract"));
    Ok(vec![
        Case {
            name: "redaction_redacted_package_verifies",
            description: "de.bka sealed three fields for fr.pnat; fr.pnat removed segments 1 and 3 of \
                chat.txt (under a fresh field key) and the whole of subscriber.csv, kept every leaf, \
                and signed a `redacted` event with one stanza, its own. It verifies, and fr.pnat \
                reads the segments left.",
            input: "package",
            bytes: red.clone(),
            holder: Some("fr.pnat"),
            outcome: OK,
            readable: vec![
                readable("chat.txt", &[0, 2, 4, 5]),
                Readable {
                    field: "disk.img".into(),
                    segments: "0".into(),
                    plaintext: hex::encode(disk()),
                },
            ],
        },
        Case {
            name: "redaction_forwarded_package_verifies",
            description: "The redacted package, forwarded by fr.pnat to nl.om (named in the sender's \
                onward consent): field bodies unchanged, two stanzas, a signed `forwarded` event. \
                It verifies at nl.om, which reads exactly the chat segments left (it is not cleared \
                for disk.img).",
            input: "package",
            bytes: fwd.clone(),
            holder: Some("nl.om"),
            outcome: OK,
            readable: vec![readable("chat.txt", &[0, 2, 4, 5])],
        },
        Case {
            name: "extract_verifies",
            description: "An extract by nl.om of chat.txt segments 0, 2 and 5 of the forwarded \
                package: salts, inclusion proofs, the sender's signature, the metadata and its key, \
                the leaf counts and the custody chain. It verifies standalone.",
            input: "extract",
            bytes: enc(&ex)?,
            holder: None,
            outcome: OK,
            readable: vec![],
        },
        Case {
            name: "redaction_forged_content_in_slot",
            description: "fr.pnat signs a second `redacted` event that removes segment 4 of chat.txt \
                but puts new content into the slot of segment 1, which the first redaction removed. \
                Segments never come back.",
            input: "package",
            bytes: forged_content_in_slot(w, &red)?,
            holder: Some("fr.pnat"),
            outcome: "segments_come_back",
            readable: vec![],
        },
        Case {
            name: "redaction_missing_leaf",
            description: "The leaf of removed segment 1 of chat.txt is dropped from the leaf table \
                instead of kept (the rest renumbered, the redactor's envelope re-signed to match): \
                the `sealed` envelope covered six segments, the table holds five leaves.",
            input: "package",
            bytes: missing_leaf(w, &red)?,
            holder: Some("fr.pnat"),
            outcome: "leaf_missing",
            readable: vec![],
        },
        Case {
            name: "redaction_unsigned_removal",
            description: "The ciphertext of disk.img is removed from the forwarded package (the \
                field marked removed) with no `redacted` event: the last envelope event still \
                carries it.",
            input: "package",
            bytes: unsigned_removal(&fwd)?,
            holder: Some("nl.om"),
            outcome: "unsigned_removal",
            readable: vec![],
        },
        Case {
            name: "redaction_event_lists_other_leaves",
            description: "fr.pnat's `redacted` event, re-signed, lists segments 1 and 2 of chat.txt \
                while its envelope removed 1 and 3.",
            input: "package",
            bytes: event_lists_other_leaves(w, &red)?,
            holder: Some("fr.pnat"),
            outcome: "removal_list_mismatch",
            readable: vec![],
        },
        Case {
            name: "redaction_stanza_count",
            description: "The redactor keeps one of the sealed stanzas beside its own and signs that \
                envelope: a `redacted` envelope holds exactly one stanza, the redactor's.",
            input: "package",
            bytes: stanza_count(w, &pkg, &red)?,
            holder: Some("fr.pnat"),
            outcome: "stanza_count",
            readable: vec![],
        },
        Case {
            name: "forward_outside_consent",
            description: "fr.pnat's `forwarded` event, re-signed, names xx.none as the receiver; the \
                sender consented to onward transfer to nl.om only.",
            input: "package",
            bytes: forward_outside_consent(w, &fwd)?,
            holder: Some("nl.om"),
            outcome: "onward_consent",
            readable: vec![],
        },
        Case {
            name: "redaction_stanza_rewrapped_to_third_party",
            description: "fr.pnat redacts legitimately, then replaces its own stanza with one \
                wrapped to xx.none (trusted, named nowhere; the consent names nl.om only) and \
                re-signs its `redacted` event, whose record still commits the stanza to fr.pnat. \
                Keyless verification passes; xx.none, whose key opens the stanza, finds it \
                committed to another party and refuses it.",
            input: "package",
            bytes: rewrapped_in_redaction(w, &red, false)?,
            holder: Some("xx.none"),
            outcome: "stanza_not_yours",
            readable: vec![],
        },
        Case {
            name: "redaction_stanza_committed_to_third_party",
            description: "As `redaction_stanza_rewrapped_to_third_party`, but the record commits \
                the stanza to xx.none: a `redacted` envelope may give a stanza to its redactor \
                only, which every holder of the metadata key sees.",
            input: "package",
            bytes: rewrapped_in_redaction(w, &red, true)?,
            holder: Some("xx.none"),
            outcome: "stanza_recipients",
            readable: vec![],
        },
        Case {
            name: "forward_stanza_smuggled_to_third_party",
            description: "fr.pnat forwards to nl.om (within consent) with two stanzas, nl.om's and, \
                in place of its own, one wrapped to xx.none that the record claims for fr.pnat. \
                nl.om's copy verifies for nl.om; xx.none refuses the stanza its key opens.",
            input: "package",
            bytes: smuggled_in_forward(w, &fwd)?,
            holder: Some("xx.none"),
            outcome: "stanza_not_yours",
            readable: vec![],
        },
        Case {
            name: "sent_outside_consent",
            description: "fr.pnat, a recipient, appends a `sent` to xx.none, whom the sender's \
                consent does not name: a transfer by anyone but the sender is judged as a forward.",
            input: "package",
            bytes: sent_outside_consent(w, &pkg)?,
            holder: Some("fr.pnat"),
            outcome: "onward_consent",
            readable: vec![],
        },
        Case {
            name: "redaction_cut_without_key",
            description: "nl.om, not cleared for disk.img, keeps it present under a key of its own \
                with its one segment gone and random bytes in its place, and signs a `redacted` \
                event whose key proof is made with the new key: only a holder of a field's key may \
                cut into it (it may drop it whole).",
            input: "package",
            bytes: cut_without_key(w, &fwd)?,
            holder: Some("nl.om"),
            outcome: "cut_without_key",
            readable: vec![],
        },
        Case {
            name: "extract_proof_for_other_root",
            description: "The extract of `extract_verifies` with the inclusion proof of segment 2 \
                taken from an extract of another package (same fields, same positions): it does not \
                lead to the signed root.",
            input: "extract",
            bytes: enc(&wrong_root)?,
            holder: None,
            outcome: "inclusion_proof",
            readable: vec![],
        },
        Case {
            name: "extract_segment_changed",
            description: "The extract of `extract_verifies` with the text of segment 0 changed: its \
                leaf, and so its path, no longer lead to the signed root.",
            input: "extract",
            bytes: enc(&changed)?,
            holder: None,
            outcome: "inclusion_proof",
            readable: vec![],
        },
    ])
}

/// Generates every redaction vector, checking each one's outcome first.
pub fn generate_redaction() -> Result<Vec<RedactionVector>, Error> {
    let w = World::new()?;
    let parties = party_lines(&w)?;
    let trust = trust_lines(&w);
    let mut out = Vec::new();
    for c in cases(&w)? {
        let file = RedactionFile {
            name: c.name.to_owned(),
            kind: if c.outcome == OK {
                "positive"
            } else {
                "negative"
            }
            .to_owned(),
            description: c
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            now: NOW.0,
            parties: parties.clone(),
            trust: trust.clone(),
            input: c.input.to_owned(),
            bytes: hex::encode(&c.bytes),
            holder: c.holder.map(str::to_owned),
            expected: ExpectedOutcome {
                outcome: c.outcome.to_owned(),
                readable: c.readable,
            },
        };
        let got = check_file(&file)?;
        if got.outcome != file.expected.outcome {
            return Err(Error::WrongOutcome {
                name: file.name.clone(),
                expected: file.expected.outcome.clone(),
                got: format!("{}: {}", got.outcome, got.detail),
            });
        }
        let mut text = serde_json::to_string_pretty(&file).map_err(|source| Error::Json {
            context: file.name.clone(),
            source,
        })?;
        text.push('\n');
        out.push(RedactionVector {
            name: file.name,
            negative: c.outcome != OK,
            file: text,
        });
    }
    Ok(out)
}

/// What checking a vector gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// `ok` or the error class.
    pub outcome: String,
    /// The error's message (empty for `ok`).
    pub detail: String,
}

impl RedactionFile {
    fn unhex(&self, what: &str, h: &str) -> Result<Vec<u8>, Error> {
        hex::decode(h).map_err(|e| bad(&self.name, format!("{what}: {e}")))
    }

    /// The identity of `party`, rebuilt from its test secrets and checked
    /// against its card.
    pub fn identity(&self, party: &str) -> Result<Identity, Error> {
        let p = self
            .parties
            .iter()
            .find(|p| p.party == party)
            .ok_or_else(|| bad(&self.name, format!("no party {party}")))?;
        let card: rogatory_wire::PartyCard = decode(&self.unhex("card", &p.card)?)?;
        let key = |h: &str| -> Result<Key32, Error> {
            let v = self.unhex("secret", h)?;
            let a: [u8; 32] = v
                .try_into()
                .map_err(|_| bad(&self.name, "a secret is not 32 bytes"))?;
            Ok(Key32::from_bytes(a))
        };
        let b = &card.body;
        let id = Identity::from_secrets(
            b.party.clone(),
            &key(&p.test_secrets.ed25519_seed)?,
            &key(&p.test_secrets.x25519_secret)?,
            b.tls_spki_sha256,
            None,
            b.not_before,
            b.not_after,
        )
        .map_err(|e| bad(&self.name, e.to_string()))?;
        if id.card() != &card || id.key_id().to_hex() != p.key_id {
            return Err(bad(
                &self.name,
                format!("the secrets of {party} do not give its card"),
            ));
        }
        Ok(id)
    }

    /// The verifier's trust store.
    pub fn trust_store(&self) -> Result<TrustStore, Error> {
        let mut store = TrustStore::new();
        for t in &self.trust {
            let id = self.identity(&t.party)?;
            let c = t
                .clearances
                .iter()
                .map(|c| Tag::new(c.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            store
                .add(id.card().clone(), c)
                .map_err(|e| bad(&self.name, e.to_string()))?;
        }
        Ok(store)
    }
}

fn class_of(e: &RedactError) -> Checked {
    Checked {
        outcome: e.class().to_owned(),
        detail: e.to_string(),
    }
}

/// Checks one vector as spec §12 says, and returns the outcome. Whether it
/// is the expected one is for the caller to compare; a positive vector's
/// readable plaintext that differs is reported as outcome `plaintext`.
pub fn check_file(f: &RedactionFile) -> Result<Checked, Error> {
    let trust = f.trust_store()?;
    let bytes = f.unhex("bytes", &f.bytes)?;
    let now = Timestamp(f.now);
    match f.input.as_str() {
        "extract" => {
            let res = Extract::from_bytes(&bytes).and_then(|x| verify_extract(&x, &trust));
            Ok(match res {
                Ok(_) => Checked {
                    outcome: OK.to_owned(),
                    detail: String::new(),
                },
                Err(e) => class_of(&e),
            })
        }
        "package" => {
            let holder = f
                .holder
                .as_deref()
                .ok_or_else(|| bad(&f.name, "a package vector names its holder"))?;
            let who = f.identity(holder)?;
            let run = || -> Result<Vec<(String, String, Vec<u8>)>, RedactError> {
                let pkg = Package::parse(Cursor::new(bytes.clone()))?;
                check_without_key(&pkg)?;
                let mut u = pkg.verify(&trust)?.unlock(&who, now)?;
                let readable = u
                    .report()
                    .metadata
                    .as_ref()
                    .map(|m| m.readable.clone())
                    .unwrap_or_default();
                let mut out = Vec::new();
                for i in readable {
                    let mut plain = Vec::new();
                    u.open_field(i, &mut plain)?;
                    let name = u.metadata().fields[i as usize].name.to_string();
                    let segs = match &u.package().trailer().fields[i as usize].body {
                        FieldBody::Present { segments, .. } => format_ranges(segments),
                        FieldBody::Removed => "-".into(),
                    };
                    out.push((name, segs, plain));
                }
                Ok(out)
            };
            Ok(match run() {
                Err(e) => class_of(&e),
                Ok(read) => {
                    let want: Vec<(String, String, Vec<u8>)> = f
                        .expected
                        .readable
                        .iter()
                        .map(|r| {
                            Ok((
                                r.field.clone(),
                                r.segments.clone(),
                                f.unhex("plaintext", &r.plaintext)?,
                            ))
                        })
                        .collect::<Result<_, Error>>()?;
                    if f.expected.outcome == OK && read != want {
                        Checked {
                            outcome: "plaintext".to_owned(),
                            detail: "the holder reads other fields or bytes than the vector says"
                                .to_owned(),
                        }
                    } else {
                        Checked {
                            outcome: OK.to_owned(),
                            detail: String::new(),
                        }
                    }
                }
            })
        }
        other => Err(bad(&f.name, format!("unknown input {other:?}"))),
    }
}

/// Reads one redaction vector file.
pub fn read_redaction_file(path: &Path) -> Result<RedactionFile, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let f: RedactionFile = serde_json::from_str(&text).map_err(|source| Error::Json {
        context: path.display().to_string(),
        source,
    })?;
    if path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .as_deref()
        != Some(f.name.as_str())
    {
        return Err(bad(&f.name, "the name is not the file name"));
    }
    Ok(f)
}

fn files(vectors: &[RedactionVector]) -> Vec<(String, &str)> {
    vectors
        .iter()
        .map(|v| (format!("{}.json", v.name), v.file.as_str()))
        .collect()
}

/// Writes the redaction vectors to `dir`, removing stale `.json` files.
pub fn write_redaction_dir(dir: &Path, vectors: &[RedactionVector]) -> Result<usize, Error> {
    write_files(dir, &files(vectors))
}

/// Compares the redaction vectors with the files in `dir`.
pub fn compare_redaction_dir(
    dir: &Path,
    vectors: &[RedactionVector],
) -> Result<Vec<String>, Error> {
    compare_files(dir, &files(vectors))
}
