//! A recipient verifies a package it received (the sender's signature, every
//! leaf, every field's ciphertext, the chain of custody: also the fields it
//! cannot read), opens the fields it is cleared for, records a note in the
//! chain of custody, and exports the chain for the court file.
#![forbid(unsafe_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use rogatory::core::actions::{Details, append_event};
use rogatory::core::export::ChainExport;
use rogatory::core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory::core::{CoreError, Identity, Package, Sealer, Signer, TrustStore, system_rng};
use rogatory::wire::{
    CategorySet, EventBody, FieldKind, FieldName, MediaType, OnwardConsent, PartyId, Priority, Tag,
    TagSet, Text, Timestamp,
};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let now = Timestamp(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs());
    let until = Timestamp(now.0 + 2 * 365 * 86_400);
    let mut rng = system_rng();
    let sender = Identity::generate(PartyId::new("de.bka")?, now, until, &mut rng)?;
    let me = Identity::generate(PartyId::new("nl.om")?, now, until, &mut rng)?;

    // Both sides' trust stores; a party lists its own card too, so that its
    // own custody events verify.
    let mut trust = TrustStore::new();
    trust.add(sender.card().clone(), vec![])?;
    trust.add(me.card().clone(), vec![Tag::new("category:subscriber")?])?;

    // A package for us, with one field we are not cleared for.
    let path = dir.path().join("received.rgt");
    let info = PackageInfo {
        case_reference: Text::new("CASE-2026-0042")?,
        request_reference: None,
        legal_basis: Text::new("Art. 18 Budapest Convention")?,
        issuing_authority: Text::new("Bundeskriminalamt")?,
        priority: Priority::Normal,
        deadline: None,
        purpose: Text::new("criminal investigation")?,
        data_categories: CategorySet::default(),
        not_before: now,
        retain_until: until,
        onward: OnwardConsent::None,
        provenance: vec![],
    };
    let me_as_recipient = Recipient::from_trust(trust.require(&me.key_id())?);
    let mut s = Sealer::new(
        std::fs::File::create(&path)?,
        &sender,
        vec![me_as_recipient],
        info,
        now,
        system_rng(),
    )?;
    for (name, tag, data) in [
        ("chat.txt", "category:content", &b"alice: meet at 9\n"[..]),
        (
            "subscriber.csv",
            "category:subscriber",
            &b"name,msisdn\nJohn Doe,+4915100\n"[..],
        ),
    ] {
        s.add_field(
            FieldSpec {
                name: FieldName::new(name)?,
                media_type: MediaType::new("text/plain")?,
                kind: FieldKind::Text,
                tags: TagSet::from_unsorted(vec![Tag::new(tag)?])?,
            },
            &mut &data[..],
        )?;
    }
    s.seal()?;

    // Verify with no key, then unlock with ours: an unverified package
    // cannot be opened (the types do not allow it).
    let verified = Package::open(&path)?.verify(&trust)?;
    println!(
        "verified: sender {}, {} leaves",
        verified.report().sender,
        verified.report().leaves
    );
    let mut unlocked = verified.unlock(&me, now)?;
    println!("case {}", unlocked.metadata().case_reference);
    for i in 0..unlocked.metadata().fields.len() as u32 {
        let name = unlocked.metadata().fields[i as usize].name.to_string();
        let mut out = Vec::new();
        match unlocked.open_field(i, &mut out) {
            Ok(n) => println!("{name}: {n} bytes, every segment matched its signed leaf"),
            Err(CoreError::NotCleared { .. }) => {
                println!("{name}: not cleared (its ciphertext still verified)")
            }
            Err(e) => return Err(e.into()),
        }
    }

    // A note in the chain of custody: appended in place, the body untouched.
    let note = append_event(
        &path,
        &me,
        &trust,
        Timestamp(now.0 + 1),
        EventBody::Note,
        Details {
            text: Some(Text::new("checked against the request")?),
            ..Details::default()
        },
        &mut rng,
    )?;
    println!("custody event {} appended", note.clear.sequence);

    // The chain as CASE/UCO JSON-LD, for the court file.
    let unlocked = Package::open(&path)?
        .verify(&trust)?
        .unlock(&me, Timestamp(now.0 + 2))?;
    let export = ChainExport::unlocked(&unlocked, &trust)?;
    let case = serde_json::to_string_pretty(&export.to_case())?;
    println!("CASE export: {} bytes of JSON-LD", case.len());
    Ok(())
}
