//! A forensic tool seals what it acquired: one field per artefact, each with
//! its access tags, for the recipients of a request, with the acquisition
//! provenance. Nothing is readable in the package but what the sender lets
//! each recipient read.
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::BufWriter;
use std::time::{SystemTime, UNIX_EPOCH};

use rogatory::core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory::core::{Identity, Sealer, Signer, TrustStore, system_rng};
use rogatory::wire::{
    CategorySet, Digest, FieldKind, FieldName, MediaType, OnwardConsent, PartyId, Priority,
    Provenance, Tag, TagSet, Text, Timestamp, Token,
};

type Error = Box<dyn std::error::Error>;

fn now() -> Result<Timestamp, Error> {
    Ok(Timestamp(
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs(),
    ))
}

fn tags(list: &[&str]) -> Result<TagSet, Error> {
    Ok(TagSet::from_unsorted(
        list.iter()
            .map(|t| Tag::new(*t))
            .collect::<Result<_, _>>()?,
    )?)
}

fn main() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let now = now()?;
    let year = 365 * 86_400;
    let mut rng = system_rng();

    // Each jurisdiction has its keys; cards are exchanged out of band and
    // compared by fingerprint. Here all three live in one process.
    let bka = Identity::generate(
        PartyId::new("de.bka")?,
        now,
        Timestamp(now.0 + 2 * year),
        &mut rng,
    )?;
    let pnat = Identity::generate(
        PartyId::new("fr.pnat")?,
        now,
        Timestamp(now.0 + 2 * year),
        &mut rng,
    )?;
    let om = Identity::generate(
        PartyId::new("nl.om")?,
        now,
        Timestamp(now.0 + 2 * year),
        &mut rng,
    )?;

    // The sender's trust store grants each partner its clearances.
    let mut trust = TrustStore::new();
    trust.add(bka.card().clone(), vec![])?;
    trust.add(
        pnat.card().clone(),
        vec![
            Tag::new("category:content")?,
            Tag::new("category:subscriber")?,
        ],
    )?;
    trust.add(om.card().clone(), vec![Tag::new("category:subscriber")?])?;
    let recipients = [&pnat, &om]
        .iter()
        .map(|p| Ok(Recipient::from_trust(trust.current(p.party(), now)?)))
        .collect::<Result<Vec<_>, Error>>()?;

    let chat = b"2026-11-19 21:04 alice: meet at 9\n2026-11-19 21:05 bob: ok\n";
    let subscriber = b"name,msisdn\nJohn Doe,+49151000000\n";
    let info = PackageInfo {
        case_reference: Text::new("CASE-2026-0042")?,
        request_reference: Some(Text::new("EIO/2026/117")?),
        legal_basis: Text::new("Directive 2014/41/EU, Art. 31")?,
        issuing_authority: Text::new("Bundeskriminalamt")?,
        priority: Priority::Urgent,
        deadline: Some(Timestamp(now.0 + 14 * 86_400)),
        purpose: Text::new("criminal investigation")?,
        data_categories: CategorySet::from_unsorted(vec![
            Token::new("content")?,
            Token::new("subscriber")?,
        ])?,
        not_before: now,
        retain_until: Timestamp(now.0 + year),
        onward: OnwardConsent::None,
        provenance: vec![Provenance {
            tool: Text::new("acquire-tool")?,
            tool_version: Text::new("4.2")?,
            examiner: Text::new("examiner 17")?,
            source: Text::new("phone, IMEI 350000000000001")?,
            source_sha256: Digest([0xab; 32]),
            acquired: now,
            fields: vec![0, 1],
        }],
    };

    // Sealing streams: each field from any reader, of any size, in one pass.
    let path = dir.path().join("evidence.rgt");
    let mut sealer = Sealer::new(
        BufWriter::new(File::create(&path)?),
        &bka,
        recipients,
        info,
        now,
        system_rng(),
    )?;
    sealer.add_field(
        FieldSpec {
            name: FieldName::new("chat.txt")?,
            media_type: MediaType::new("text/plain")?,
            kind: FieldKind::Text, // one segment per message: redactable line by line
            tags: tags(&["category:content"])?,
        },
        &mut &chat[..],
    )?;
    sealer.add_field(
        FieldSpec {
            name: FieldName::new("subscriber.csv")?,
            media_type: MediaType::new("text/csv")?,
            kind: FieldKind::Text,
            tags: tags(&["category:subscriber"])?,
        },
        &mut &subscriber[..],
    )?;
    let sealed = sealer.seal()?;
    println!("sealed {} ({} bytes)", path.display(), sealed.size);
    println!(
        "package id {}, digest {}",
        sealed.package_id, sealed.package_digest
    );
    println!("fr.pnat reads both fields; nl.om reads subscriber.csv only");
    Ok(())
}
