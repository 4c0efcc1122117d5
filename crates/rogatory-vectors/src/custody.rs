//! The custody vectors, `spec/vectors/custody/*.json`: a small sealed
//! package whose chain of custody (spec §10) is valid, and one edit of it per
//! chain rule, each named after what it breaks.
//!
//! Each file holds the parties' public cards, the verifier's trust store,
//! the package and the expected outcome of keyless verification: `ok`, or
//! the custody error with the position of the event and the identifier of
//! the rule (spec §10.4: `sequence`, `fork`, `time_back`, ...). The chain
//! rules need no key, so the files carry none.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::actions::Details;
use rogatory_core::container::Parts;
use rogatory_core::custody::{ChainHead, event_message, sign_event};
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory_core::{CoreError, Identity, Key32, Package, Sealer, Signer, TrustStore};
use rogatory_wire::{
    CategorySet, CustodyEvent, Digest, EventBody, FieldBody, FieldKind, FieldName, MediaType,
    OnwardConsent, PartyId, Priority, Tag, TagSet, Text, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::bytes::pseudo;
use crate::packages::card_hex;
use crate::samples::{T_CARD_FROM, T_CARD_UNTIL, T_LATER, T_RETAIN, T_SEALED};

/// Where the custody vectors live.
pub fn custody_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/custody")
}

/// One custody vector file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodyFile {
    /// The file name without `.json`.
    pub name: String,
    /// `positive` or `negative`.
    pub kind: String,
    /// What the vector tests.
    pub description: String,
    /// The parties' public cards.
    pub parties: Vec<CardJson>,
    /// The verifier's trust store: the key ids of the parties it accepts.
    pub trust: Vec<String>,
    /// The package bytes, hex.
    pub package: String,
    /// What keyless verification gives.
    pub expected: CustodyOutcome,
}

/// A party's public card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardJson {
    /// Party id.
    pub party: String,
    /// Key id, hex.
    pub key_id: String,
    /// The encoded card, hex.
    pub card: String,
}

/// The outcome of keyless verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodyOutcome {
    /// `ok`, `custody`, or another error class (see `core_error_class`).
    pub verify: String,
    /// For a custody error: the position of the event that breaks the rule.
    pub event: Option<u64>,
    /// For a custody error: the rule's identifier (spec §10.4).
    pub rule: Option<String>,
}

/// A generated custody vector.
#[derive(Clone, Debug)]
pub struct CustodyVector {
    /// Its name.
    pub name: String,
    /// Whether it is negative.
    pub negative: bool,
    /// The whole file, as written.
    pub file: String,
}

struct World {
    sender: Identity,
    alice: Identity,
    bob: Identity,
    stranger: Identity,
    trust: TrustStore,
}

fn identity(name: &str) -> Result<Identity, Error> {
    Identity::from_secrets(
        PartyId::new(name)?,
        &Key32::from_bytes(pseudo(&format!("custody vectors: {name} ed25519"))),
        &Key32::from_bytes(pseudo(&format!("custody vectors: {name} x25519"))),
        Digest(pseudo(&format!("custody vectors: {name} tls pin"))),
        None,
        Timestamp(T_CARD_FROM),
        Timestamp(T_CARD_UNTIL),
    )
    .map_err(core("identity"))
}

fn patch(vector: &str, detail: &str) -> Error {
    Error::Patch {
        vector: vector.to_owned(),
        detail: detail.to_owned(),
    }
}

fn core(what: &'static str) -> impl Fn(CoreError) -> Error {
    move |e| Error::Patch {
        vector: "custody vectors".to_owned(),
        detail: format!("{what}: {e}"),
    }
}

fn world() -> Result<World, Error> {
    let sender = identity("de.bka")?;
    let alice = identity("fr.pnat")?;
    let bob = identity("nl.om")?;
    let stranger = identity("zz.unknown")?;
    let mut trust = TrustStore::new();
    let content = vec![Tag::new("category:content")?];
    trust
        .add(sender.card().clone(), vec![])
        .map_err(core("trust"))?;
    trust
        .add(alice.card().clone(), content.clone())
        .map_err(core("trust"))?;
    trust
        .add(bob.card().clone(), content)
        .map_err(core("trust"))?;
    Ok(World {
        sender,
        alice,
        bob,
        stranger,
        trust,
    })
}

fn rng(label: &str) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(pseudo(&format!("custody vectors: rng {label}")))
}

fn text(s: &str) -> Result<Text, Error> {
    Ok(Text::new(s)?)
}

/// A package of one text field for alice and bob, and the sender's view of
/// it (metadata key, digest) to extend its chain.
struct Chain {
    parts: Parts,
    meta: Key32,
    digest: Digest,
}

fn sealed(w: &World, label: &str) -> Result<Chain, Error> {
    let info = PackageInfo {
        case_reference: text("CASE-2026-0042")?,
        request_reference: None,
        legal_basis: text("Art. 18 Budapest Convention")?,
        issuing_authority: text("Bundeskriminalamt")?,
        priority: Priority::Normal,
        deadline: None,
        purpose: text("criminal investigation")?,
        data_categories: CategorySet::default(),
        not_before: Timestamp(T_SEALED),
        retain_until: Timestamp(T_RETAIN),
        onward: OnwardConsent::None,
        provenance: vec![],
    };
    let recipients = [&w.alice, &w.bob]
        .iter()
        .map(|i| {
            Ok(Recipient::from_trust(
                w.trust.require(&i.key_id()).map_err(core("trust"))?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut s = Sealer::new(
        Vec::new(),
        &w.sender,
        recipients,
        info,
        Timestamp(T_SEALED),
        rng(label),
    )
    .map_err(core("seal"))?;
    let spec = FieldSpec {
        name: FieldName::new("chat.txt")?,
        media_type: MediaType::new("text/plain")?,
        kind: FieldKind::Text,
        tags: TagSet::from_unsorted(vec![Tag::new("category:content")?])?,
    };
    s.add_field(
        spec,
        &mut &b"2026-11-19 alice: meet at 9\n2026-11-19 bob: ok\n"[..],
    )
    .map_err(core("add_field"))?;
    let bytes = s.seal().map_err(core("seal"))?.writer;
    let u = Package::parse(Cursor::new(bytes.clone()))
        .and_then(|p| p.verify(&w.trust))
        .and_then(|v| v.unlock(&w.sender, Timestamp(T_LATER)))
        .map_err(core("unlock"))?;
    Ok(Chain {
        meta: u.bundle().metadata_key.duplicate(),
        digest: u.package().digest(),
        parts: Parts::read(Cursor::new(bytes)).map_err(core("parts"))?,
    })
}

impl Chain {
    fn head(&self) -> Result<ChainHead, Error> {
        let last = self.parts.events.last().ok_or_else(|| Error::Patch {
            vector: "custody vectors".into(),
            detail: "no events".into(),
        })?;
        ChainHead::of(last).map_err(core("head"))
    }

    fn sign(
        &self,
        who: &Identity,
        prev: Option<ChainHead>,
        dt: i64,
        body: EventBody,
        label: &str,
    ) -> Result<CustodyEvent, Error> {
        sign_event(
            who,
            &self.meta,
            &self.parts.prelude.package_id,
            self.digest,
            prev,
            Timestamp((T_SEALED as i64 + dt) as u64),
            body,
            &Details::default().for_actor(who.party()),
            &mut rng(label),
        )
        .map_err(core("sign"))
    }

    fn push(&mut self, who: &Identity, dt: i64, body: EventBody, label: &str) -> Result<(), Error> {
        let ev = self.sign(who, Some(self.head()?), dt, body, label)?;
        self.parts.events.push(ev);
        Ok(())
    }
}

/// sealed → sent to alice → received by alice → note by alice.
fn delivered(w: &World, label: &str) -> Result<Chain, Error> {
    let mut c = sealed(w, label)?;
    c.push(
        &w.sender,
        10,
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        &format!("{label} sent"),
    )?;
    c.push(
        &w.alice,
        20,
        EventBody::Received {
            bytes_digest: Digest(pseudo("custody vectors: bytes digest")),
            ledger_head: Digest::ZERO,
        },
        &format!("{label} received"),
    )?;
    c.push(&w.alice, 30, EventBody::Note, &format!("{label} note"))?;
    Ok(c)
}

struct Case {
    name: &'static str,
    description: &'static str,
    chain: Chain,
    /// `None`: verifies; else the event and the rule.
    expected: Option<(u64, &'static str)>,
}

fn cases(w: &World) -> Result<Vec<Case>, Error> {
    let mut out = Vec::new();
    out.push(Case {
        name: "custody_delivered",
        description: "A valid chain: sealed, sent to fr.pnat, received by fr.pnat (the receipt), and a note by fr.pnat.",
        chain: delivered(w, "delivered")?,
        expected: None,
    });
    let mut c = delivered(w, "reordered")?;
    c.parts.events.swap(2, 3);
    out.push(Case {
        name: "custody_reordered",
        description: "The receipt and the note swapped: event 2 carries sequence 3.",
        chain: c,
        expected: Some((2, "sequence")),
    });
    let mut c = delivered(w, "dropped")?;
    c.parts.events.remove(2);
    out.push(Case {
        name: "custody_dropped_middle",
        description: "The receipt (event 2) removed: the note now stands at position 2 with sequence 3.",
        chain: c,
        expected: Some((2, "sequence")),
    });
    let mut c = delivered(w, "moved")?;
    let other = delivered(w, "moved other")?;
    if let Some(ev) = other.parts.events.get(3) {
        c.parts.events[3] = ev.clone();
    }
    out.push(Case {
        name: "custody_moved_from_other_package",
        description: "The note replaced by the note at the same position of another package's chain, validly signed by its actor: it is bound to the other package.",
        chain: c,
        expected: Some((3, "other_package")),
    });
    let mut c = delivered(w, "forged")?;
    c.parts.events[3].signature.0[5] ^= 1;
    out.push(Case {
        name: "custody_forged_signature",
        description: "One bit of the note's signature flipped.",
        chain: c,
        expected: Some((3, "bad_signature")),
    });
    let mut c = delivered(w, "fork")?;
    let after_sent = ChainHead::of(&c.parts.events[1]).map_err(core("head"))?;
    let fork = c.sign(
        &w.bob,
        Some(ChainHead {
            sequence: 2,
            ..after_sent
        }),
        25,
        EventBody::Note,
        "fork note",
    )?;
    c.parts.events[3] = fork;
    out.push(Case {
        name: "custody_fork",
        description: "Event 3, signed by nl.om, names as its `prev` the `sent` event, as the receipt (event 2) does: two events in one file share one `prev`.",
        chain: c,
        expected: Some((3, "fork")),
    });
    let mut c = delivered(w, "unknown")?;
    c.push(&w.stranger, 40, EventBody::Note, "unknown note")?;
    out.push(Case {
        name: "custody_unknown_actor",
        description: "A note signed by zz.unknown, whose card the verifier does not hold.",
        chain: c,
        expected: Some((4, "unknown_actor")),
    });
    let mut c = delivered(w, "time")?;
    c.push(&w.alice, 30 - 301, EventBody::Note, "time note")?;
    out.push(Case {
        name: "custody_time_goes_back",
        description: "A note dated 301 s before the latest earlier event (the skew allows 300 s).",
        chain: c,
        expected: Some((4, "time_back")),
    });
    let mut c = sealed(w, "received")?;
    c.push(
        &w.bob,
        10,
        EventBody::Received {
            bytes_digest: Digest(pseudo("custody vectors: bytes digest")),
            ledger_head: Digest::ZERO,
        },
        "received no send",
    )?;
    out.push(Case {
        name: "custody_received_without_sent",
        description: "A receipt by nl.om right after `sealed`, with no `sent` or `forwarded` naming it.",
        chain: c,
        expected: Some((1, "received_without_sent")),
    });
    let mut c = sealed(w, "swapped")?;
    let mut env = match &c.parts.events[0].clear.body {
        EventBody::Sealed { envelope } => envelope.clone(),
        _ => return Err(patch("custody vectors", "no sealed envelope")),
    };
    if let FieldBody::Present {
        ciphertext_digest, ..
    } = &mut env.fields[0].body
    {
        ciphertext_digest.0[0] ^= 1;
    }
    env.recipients.truncate(2);
    c.push(
        &w.alice,
        10,
        EventBody::Forwarded {
            receiver: w.bob.key_id(),
            envelope: env,
        },
        "swapped fwd",
    )?;
    out.push(Case {
        name: "custody_envelope_swapped_without_redaction",
        description: "A `forwarded` event by fr.pnat whose envelope gives field 0 another ciphertext digest: only a `redacted` event naming the field may change it.",
        chain: c,
        expected: Some((1, "envelope_change")),
    });
    let mut c = delivered(w, "salt")?;
    let salt = c.parts.events[3].clear.details_salt;
    let mut ev = c.sign(&w.alice, Some(c.head()?), 40, EventBody::Note, "salt note")?;
    ev.clear.details_salt = salt;
    let msg = event_message(&ev.clear, ev.details.as_slice()).map_err(core("message"))?;
    ev.signature = w.alice.sign(&msg).map_err(core("sign"))?;
    c.parts.events.push(ev);
    out.push(Case {
        name: "custody_sealed_details_nonce_reused",
        description: "A second note by fr.pnat, validly signed, reusing the details salt of the first: the details key and nonce must never repeat.",
        chain: c,
        expected: Some((4, "salt_reused")),
    });
    Ok(out)
}

fn outcome(bytes: &[u8], trust: &TrustStore) -> CustodyOutcome {
    match Package::parse(Cursor::new(bytes)).and_then(|p| p.verify(trust)) {
        Ok(_) => CustodyOutcome {
            verify: crate::OK.to_owned(),
            event: None,
            rule: None,
        },
        Err(CoreError::Custody { sequence, rule, .. }) => CustodyOutcome {
            verify: "custody".to_owned(),
            event: Some(sequence),
            rule: Some(rule.to_owned()),
        },
        Err(e) => CustodyOutcome {
            verify: crate::packages::core_error_class(&e).to_owned(),
            event: None,
            rule: None,
        },
    }
}

/// Generates every custody vector, checking each against the core.
pub fn generate_custody() -> Result<Vec<CustodyVector>, Error> {
    let w = world()?;
    let parties = [&w.sender, &w.alice, &w.bob, &w.stranger]
        .iter()
        .map(|i| {
            Ok(CardJson {
                party: i.party().to_string(),
                key_id: i.key_id().to_hex(),
                card: card_hex(i.card())?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let trust: Vec<String> = [&w.sender, &w.alice, &w.bob]
        .iter()
        .map(|i| i.key_id().to_hex())
        .collect();
    let mut out = Vec::new();
    for c in cases(&w)? {
        let bytes = c.chain.parts.assemble().map_err(core("assemble"))?;
        let expected = match c.expected {
            None => CustodyOutcome {
                verify: crate::OK.to_owned(),
                event: None,
                rule: None,
            },
            Some((event, rule)) => CustodyOutcome {
                verify: "custody".to_owned(),
                event: Some(event),
                rule: Some(rule.to_owned()),
            },
        };
        let got = outcome(&bytes, &w.trust);
        if got != expected {
            return Err(patch(
                c.name,
                &format!("expected {expected:?}, the core gives {got:?}"),
            ));
        }
        let file = CustodyFile {
            name: c.name.to_owned(),
            kind: if c.expected.is_some() {
                "negative"
            } else {
                "positive"
            }
            .to_owned(),
            description: c.description.to_owned(),
            parties: parties.clone(),
            trust: trust.clone(),
            package: hex::encode(&bytes),
            expected,
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(|source| Error::Json {
            context: c.name.to_owned(),
            source,
        })?;
        text.push('\n');
        out.push(CustodyVector {
            name: c.name.to_owned(),
            negative: c.expected.is_some(),
            file: text,
        });
    }
    Ok(out)
}

/// Checks one custody vector file against the core: its package verified
/// with its trust store gives exactly its expected outcome.
pub fn check_custody_file(f: &CustodyFile) -> Result<(), String> {
    let mut trust = TrustStore::new();
    for p in &f.parties {
        if !f.trust.contains(&p.key_id) {
            continue;
        }
        let bytes = hex::decode(&p.card).map_err(|e| e.to_string())?;
        let card = rogatory_wire::decode(&bytes).map_err(|e| e.to_string())?;
        trust.add(card, vec![]).map_err(|e| e.to_string())?;
    }
    let bytes = hex::decode(&f.package).map_err(|e| e.to_string())?;
    let got = outcome(&bytes, &trust);
    if got == f.expected {
        Ok(())
    } else {
        Err(format!(
            "{}: expected {:?}, got {:?}",
            f.name, f.expected, got
        ))
    }
}

/// Writes the custody vectors to `dir`.
pub fn write_custody_dir(dir: &Path, vectors: &[CustodyVector]) -> Result<usize, Error> {
    let files: Vec<(String, &str)> = vectors
        .iter()
        .map(|v| (format!("{}.json", v.name), v.file.as_str()))
        .collect();
    crate::write_files(dir, &files)
}

/// Compares the custody vectors with the files in `dir`.
pub fn compare_custody_dir(dir: &Path, vectors: &[CustodyVector]) -> Result<Vec<String>, Error> {
    let files: Vec<(String, &str)> = vectors
        .iter()
        .map(|v| (format!("{}.json", v.name), v.file.as_str()))
        .collect();
    crate::compare_files(dir, &files)
}
