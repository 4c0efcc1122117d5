//! `rogatory demo`: a whole exchange on this machine with the embedded
//! defaults. Three parties, one package with fields under different access
//! tags, a delivery over QUIC on 127.0.0.1 to a receiver running in this
//! process, the receipt verified, the fields opened at the receiver.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rogatory::core::fsutil::write_atomic;
use rogatory::core::identity::fingerprint;
use rogatory::core::seal::{FieldSpec, PackageInfo, Recipient, Sealer};
use rogatory::core::time::format_rfc3339;
use rogatory::core::{CoreError, Identity, Package, Signer, TrustStore, system_rng};
use rogatory::transport::blocking::{self, BackgroundReceiver};
use rogatory::transport::{
    DeliveryKey, Destination, DirStore, Limits, NoProgress, ReceiverConfig, SenderConfig,
};
use rogatory::wire::{
    CategorySet, FieldKind, FieldName, MediaType, OnwardConsent, PartyId, Priority, Tag, TagSet,
    Text, Timestamp, Token, encode,
};

use super::{now, outln};
use crate::cli::DemoArgs;
use crate::error::{CliError, Result};

const DAY: u64 = 86_400;

/// The fields of the demo package: name, content, access tags.
const FIELDS: &[(&str, &str, &[&str])] = &[
    (
        "chat.txt",
        "2026-01-01 09:14 alice: meet at the harbour at 9\n\
         2026-01-01 09:15 bob: ok, bring the USB stick\n\
         2026-01-02 21:40 alice: it's done\n",
        &["category:content"],
    ),
    (
        "subscriber.csv",
        "msisdn,name,activated\n+33600000001,Alice Martin,2024-03-02\n",
        &["category:subscriber"],
    ),
    (
        "informant.txt",
        "Source 17 reported the meeting on 2025-12-30.\n",
        &["category:content", "sensitivity:secret"],
    ),
];

struct Party {
    identity: Arc<Identity>,
    key_file: PathBuf,
}

pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    let temp;
    let dir: PathBuf = match &args.dir {
        Some(d) => {
            fs::create_dir_all(d).map_err(CliError::io_path("creating", d))?;
            d.clone()
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("rogatory-demo-")
                .tempdir()
                .map_err(CliError::io("creating a temporary directory"))?;
            temp.path().to_owned()
        }
    };
    if fs::read_dir(&dir)
        .map_err(CliError::io_path("reading", &dir))?
        .next()
        .is_some()
    {
        return Err(CliError::usage(format!(
            "{} is not empty; the demo needs an empty directory",
            dir.display()
        )));
    }
    outln!(out, "Rogatory demo in {}", dir.display());
    if args.dir.is_none() {
        outln!(
            out,
            "(a temporary directory, removed at the end; keep it with --dir DIR)"
        );
    }

    // 1. Parties and trust.
    outln!(out);
    outln!(
        out,
        "1. Three parties make their keys and self-signed party cards:"
    );
    let de = party(&dir, "de.bka")?;
    let fr = party(&dir, "fr.pnat")?;
    let nl = party(&dir, "nl.om")?;
    for p in [&de, &fr, &nl] {
        outln!(
            out,
            "   {:<8} fingerprint {}",
            p.identity.party().as_str(),
            fingerprint(&p.identity.key_id())
        );
    }
    let de_trust = trust_store(
        &dir.join("de.bka.trust"),
        &[
            (&de, &[]),
            (&fr, &["category:content", "category:subscriber"]),
            (&nl, &["category:subscriber"]),
        ],
    )?;
    let fr_trust = trust_store(
        &dir.join("fr.pnat.trust"),
        &[(&de, &[]), (&fr, &[]), (&nl, &[])],
    )?;
    outln!(
        out,
        "   de.bka trusts fr.pnat (cleared for category:content, category:subscriber)"
    );
    outln!(
        out,
        "   and nl.om (category:subscriber); fr.pnat trusts de.bka."
    );

    // 2. Seal.
    outln!(out);
    outln!(
        out,
        "2. de.bka seals a package for fr.pnat and nl.om; each field is encrypted on its own:"
    );
    let pkg = dir.join("de.bka").join("evidence.rgt");
    fs::create_dir_all(dir.join("de.bka")).map_err(CliError::io("creating de.bka/"))?;
    seal(&de, &de_trust, &[&fr, &nl], &pkg)?;
    for (name, _, tags) in FIELDS {
        let readers: Vec<&str> = [("fr.pnat", &fr), ("nl.om", &nl)]
            .iter()
            .filter(|(_, p)| {
                let entry = de_trust.by_key_id(&p.identity.key_id());
                entry.is_some_and(|e| {
                    tags.iter()
                        .all(|t| e.clearances.as_slice().iter().any(|c| c.as_str() == *t))
                })
            })
            .map(|(n, _)| *n)
            .collect();
        outln!(
            out,
            "   {:<15} tags {:<40} readable by {}",
            name,
            tags.join(","),
            if readers.is_empty() {
                "the sealer only".to_owned()
            } else {
                readers.join(", ")
            }
        );
    }

    // 3. Deliver.
    outln!(out);
    let store_dir = dir.join("fr.pnat").join("store");
    let receiver = BackgroundReceiver::start(
        ReceiverConfig {
            identity: fr.identity.clone(),
            trust: fr_trust.clone(),
            store: Arc::new(DirStore::open(&store_dir)?),
            ledger_dir: ledger_dir(&fr),
            limits: Limits::default(),
        },
        "127.0.0.1:0"
            .parse()
            .map_err(|_| CliError::usage("address"))?,
    )?;
    let addr = receiver.local_addr();
    outln!(
        out,
        "3. fr.pnat's receiver listens on {addr} (QUIC, TLS 1.3, both certificates pinned"
    );
    outln!(out, "   by the party cards); de.bka delivers the package:");
    let dest = Destination {
        party: fr.identity.party().clone(),
        addr,
    };
    let cfg = SenderConfig::new(de.identity.clone(), de_trust.clone(), ledger_dir(&de));
    let delivered = blocking::send(cfg, dest, std::slice::from_ref(&pkg), Arc::new(NoProgress))?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::usage("no delivery result"))?;
    let stats = receiver.stop()?;
    let d = delivered?;
    outln!(
        out,
        "   {} bytes in {} data frame(s); the receiver stored, verified and renamed it",
        d.bytes_sent,
        d.frames_sent
    );
    outln!(
        out,
        "   receipt verified: fr.pnat's signed `received` event at {}",
        format_rfc3339(d.report.time)
    );
    outln!(out, "     event   {}", d.report.receipt_hash);
    outln!(
        out,
        "     names   BLAKE3 {} (the bytes sent)",
        d.report.bytes_digest
    );
    outln!(
        out,
        "     and     fr.pnat's ledger head {}",
        rogatory::core::ledger::head_text(&d.report.ledger_head)
    );
    outln!(
        out,
        "   stored beside the package as {}",
        d.receipt_path.display()
    );

    // 4. Open at the receiver.
    outln!(out);
    outln!(
        out,
        "4. fr.pnat verifies the stored package and opens what it is cleared for:"
    );
    let stored = DirStore::open(&store_dir)?.package_file(&DeliveryKey {
        package_id: Package::open(&pkg)?.package_id(),
        bytes_digest: d.report.bytes_digest,
    });
    let verified = Package::open(&stored)?.verify(&fr_trust)?;
    let custody = verified.report().custody.clone();
    let mut unlocked = verified.unlock(&fr.identity, now()?)?;
    let opened_dir = dir.join("fr.pnat").join("opened");
    fs::create_dir_all(&opened_dir).map_err(CliError::io_path("creating", &opened_dir))?;
    let names: Vec<String> = unlocked
        .metadata()
        .fields
        .iter()
        .map(|f| f.name.to_string())
        .collect();
    outln!(out, "   legal basis: {}", unlocked.metadata().legal_basis);
    for (i, name) in names.iter().enumerate() {
        let index = u32::try_from(i).map_err(|_| CliError::usage("field index"))?;
        match unlocked.open_field_to_dir(index, &opened_dir) {
            Ok(path) => {
                let len = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                outln!(
                    out,
                    "   {name:<15} opened, {len} bytes, every segment matched its signed leaf"
                );
            }
            Err(CoreError::NotCleared { .. }) => outln!(
                out,
                "   {name:<15} not cleared: no key for it (its ciphertext still verified)"
            ),
            Err(e) => return Err(e.into()),
        }
    }
    let chat = fs::read_to_string(opened_dir.join("chat.txt")).unwrap_or_default();
    if let Some(line) = chat.lines().next() {
        outln!(out, "   chat.txt starts: {line}");
    }

    // 5. Custody and ledgers.
    outln!(out);
    outln!(
        out,
        "5. The chain of custody fr.pnat holds, each event signed by its actor (the last is the"
    );
    outln!(
        out,
        "   receipt), and the ledgers that record the exchange:"
    );
    for e in &custody {
        outln!(
            out,
            "   {}  {:<9} by {:<8} {}",
            e.sequence,
            e.kind,
            e.actor_party.as_str(),
            format_rfc3339(e.time)
        );
    }
    for p in [&de, &fr] {
        let report = rogatory::core::ledger::verify(&ledger_dir(p))?;
        outln!(
            out,
            "   {:<8} ledger: {} line(s), signed head verifies",
            p.identity.party().as_str(),
            report.lines
        );
    }
    outln!(
        out,
        "   receiver: {} receipt(s) issued, {} rejected",
        stats.receipts,
        stats.rejected
    );
    outln!(out);
    outln!(out, "Done.");
    Ok(())
}

fn ledger_dir(p: &Party) -> PathBuf {
    p.key_file
        .parent()
        .unwrap_or(Path::new("."))
        .join("ledger")
        .join(p.identity.party().as_str())
}

fn party(dir: &Path, name: &str) -> Result<Party> {
    let t = now()?.0;
    let party = PartyId::new(name).map_err(CliError::wire("party id"))?;
    let identity = Identity::generate(
        party,
        Timestamp(t - DAY),
        Timestamp(t + 730 * DAY),
        &mut system_rng(),
    )?;
    let keys = dir.join("keys");
    fs::create_dir_all(&keys).map_err(CliError::io_path("creating", &keys))?;
    let key_file = keys.join(format!("{name}.key"));
    write_atomic(&key_file, identity.to_key_file()?.expose_secret(), true)?;
    let card = encode(identity.card()).map_err(CliError::wire("card"))?;
    write_atomic(&keys.join(format!("{name}.card")), &card, false)?;
    Ok(Party {
        identity: Arc::new(identity),
        key_file,
    })
}

fn trust_store(path: &Path, cards: &[(&Party, &[&str])]) -> Result<Arc<TrustStore>> {
    let mut t = TrustStore::new();
    for (p, clearances) in cards {
        let tags = clearances
            .iter()
            .map(|c| Tag::new(*c).map_err(CliError::wire("clearance")))
            .collect::<Result<Vec<_>>>()?;
        t.add(p.identity.card().clone(), tags)?;
    }
    t.save(path)?;
    Ok(Arc::new(t))
}

fn seal(sender: &Party, trust: &TrustStore, to: &[&Party], out: &Path) -> Result<()> {
    let t = now()?.0;
    let recipients = to
        .iter()
        .map(|p| Ok(Recipient::from_trust(trust.require(&p.identity.key_id())?)))
        .collect::<Result<Vec<_>>>()?;
    let text = |s: &str| Text::new(s).map_err(CliError::wire("text"));
    let info = PackageInfo {
        case_reference: text("CASE-2026-0042")?,
        request_reference: Some(text("MLA/2026/117")?),
        legal_basis: text("Art. 18 Budapest Convention")?,
        issuing_authority: text("Bundeskriminalamt")?,
        priority: Priority::Urgent,
        deadline: None,
        purpose: text("criminal investigation")?,
        data_categories: CategorySet::from_unsorted(vec![
            Token::new("content").map_err(CliError::wire("category"))?,
            Token::new("subscriber").map_err(CliError::wire("category"))?,
        ])
        .map_err(CliError::wire("categories"))?,
        not_before: Timestamp(t - 60),
        retain_until: Timestamp(t + 365 * DAY),
        onward: OnwardConsent::None,
        provenance: Vec::new(),
    };
    let file = fs::File::create(out).map_err(CliError::io_path("creating", out))?;
    let mut sealer = Sealer::new(
        BufWriter::new(file),
        sender.identity.as_ref(),
        recipients,
        info,
        now()?,
        system_rng(),
    )?;
    for (name, content, tags) in FIELDS {
        let tags = tags
            .iter()
            .map(|t| Tag::new(*t).map_err(CliError::wire("tag")))
            .collect::<Result<Vec<_>>>()?;
        let spec = FieldSpec {
            name: FieldName::new(*name).map_err(CliError::wire("field name"))?,
            media_type: MediaType::new(if name.ends_with(".csv") {
                "text/csv"
            } else {
                "text/plain"
            })
            .map_err(CliError::wire("media type"))?,
            kind: FieldKind::Text,
            tags: TagSet::from_unsorted(tags).map_err(CliError::wire("tags"))?,
        };
        sealer.add_field(spec, &mut content.as_bytes())?;
    }
    let sealed = sealer.seal()?;
    let file = sealed
        .writer
        .into_inner()
        .map_err(|e| CliError::io_path("writing", out)(e.into_error()))?;
    file.sync_all().map_err(CliError::io_path("writing", out))?;
    Ok(())
}
