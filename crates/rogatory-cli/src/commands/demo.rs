//! `rogatory demo`: the whole story on this machine with the embedded
//! defaults. Three parties and a court: de.bka seals evidence with personal
//! data in it for fr.pnat and delivers it over QUIC on 127.0.0.1 to a
//! receiver in this process, against a verified receipt; fr.pnat opens what
//! it is cleared for, redacts the personal data by policy and forwards the
//! rest to nl.om within de.bka's onward consent, again over QUIC; nl.om
//! verifies signature, redaction and the whole chain of custody and opens
//! what is left to it; a court verifies an extract on its own. `--json` tells
//! the same story as one JSON document.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rogatory::core::custody::EventSummary;
use rogatory::core::fsutil::{AtomicFile, write_atomic};
use rogatory::core::identity::fingerprint;
use rogatory::core::ledger;
use rogatory::core::seal::{FieldSpec, PackageInfo, Recipient, Sealer};
use rogatory::core::time::format_rfc3339;
use rogatory::core::{CoreError, Identity, Package, Signer, TrustStore, system_rng};
use rogatory::redact::{
    Category, Extract, HeldPackage, Plan, Policy, Request, create_atomically, format_ranges,
    verify_extract,
};
use rogatory::transport::blocking::{self, BackgroundReceiver};
use rogatory::transport::{
    Delivery, DeliveryKey, Destination, DirStore, Limits, NoProgress, ReceiverConfig, SenderConfig,
};
use rogatory::wire::{
    OnwardConsent, PartyId, PartySet, Priority, SegmentSet, Tag, Text, Timestamp, encode,
};
use serde_json::{Value, json};

use super::redact::cli;
use super::{ledger_util, now, outln};
use crate::cli::DemoArgs;
use crate::error::{CliError, Result};

const DAY: u64 = 86_400;

/// The fields of the demo package: name, content, access tags. Text fields
/// are cut one segment per line, so a redaction can remove single lines.
const FIELDS: &[(&str, &str, &[&str])] = &[
    (
        "chat.txt",
        "2026-01-01 09:14 alice: meet at the harbour at 9\n\
         2026-01-01 09:15 bob: ok, call me on +33 6 12 34 56 78 if late\n\
         2026-01-01 09:16 alice: bring the USB stick\n\
         2026-01-01 09:20 bob: sent the photos to carol.dupont@example.org\n\
         2026-01-02 21:40 alice: it's done\n",
        &["category:content"],
    ),
    (
        "subscriber.csv",
        "msisdn,name,activated\n\
         +33 6 12 34 56 78,Bob Martin,2024-03-02\n",
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
    dir: PathBuf,
}

impl Party {
    fn name(&self) -> &str {
        self.identity.party().as_str()
    }
    fn ledger(&self) -> PathBuf {
        self.dir.join("ledger")
    }
}

/// Tells the story: lines on standard output, or, under `--json`, one
/// document of steps at the end.
struct Story<'a> {
    out: &'a mut dyn Write,
    json: bool,
    steps: Vec<Value>,
}

impl Story<'_> {
    fn say(&mut self, line: impl AsRef<str>) -> Result<()> {
        if !self.json {
            outln!(self.out, "{}", line.as_ref());
        }
        Ok(())
    }

    fn step(&mut self, step: &str, actor: &str, mut facts: Value) {
        if let Value::Object(m) = &mut facts {
            m.insert("step".into(), json!(step));
            m.insert("party".into(), json!(actor));
        }
        self.steps.push(facts);
    }
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
            "{} is not empty; the demo needs an empty directory (or none: --dir is optional)",
            dir.display()
        )));
    }
    let mut story = Story {
        out,
        json: args.json,
        steps: Vec::new(),
    };
    tell(&mut story, &dir, args.dir.is_some())?;
    if story.json {
        let doc = json!({
            "format": 1,
            "dir": args.dir.as_ref().map(|_| dir.display().to_string()),
            "steps": story.steps,
        });
        crate::json::print(story.out, &doc)?;
    }
    Ok(())
}

fn tell(story: &mut Story<'_>, dir: &Path, kept: bool) -> Result<()> {
    story.say(format!("Rogatory demo in {}", dir.display()))?;
    if !kept {
        story.say("(a temporary directory, removed at the end; keep it with --dir DIR)")?;
    }

    // 1. Parties and trust.
    story.say("")?;
    story.say("1. Three parties make their keys and self-signed party cards; a court keeps")?;
    story.say("   a trust store only:")?;
    let de = party(dir, "de.bka")?;
    let fr = party(dir, "fr.pnat")?;
    let nl = party(dir, "nl.om")?;
    // A fourth ally fr.pnat trusts, outside de.bka's onward consent.
    let be = party(dir, "be.fedpol")?;
    let mut parties = Vec::new();
    for p in [&de, &fr, &nl] {
        let fp = fingerprint(&p.identity.key_id());
        story.say(format!("   {:<8} fingerprint {fp}", p.name()))?;
        parties.push(json!({"party": p.name(), "fingerprint": fp}));
    }
    let content = ["category:content"];
    let de_trust = trust_store(
        &de.dir.join("trust"),
        &[
            (&de, &[]),
            (&fr, &["category:content", "category:subscriber"]),
        ],
    )?;
    let fr_trust = trust_store(
        &fr.dir.join("trust"),
        &[(&de, &[]), (&fr, &[]), (&nl, &content), (&be, &content)],
    )?;
    let nl_trust = trust_store(&nl.dir.join("trust"), &[(&de, &[]), (&fr, &[]), (&nl, &[])])?;
    let court_dir = dir.join("court");
    fs::create_dir_all(&court_dir).map_err(CliError::io_path("creating", &court_dir))?;
    let court_trust = trust_store(
        &court_dir.join("trust"),
        &[(&de, &[]), (&fr, &[]), (&nl, &[])],
    )?;
    story.say("   de.bka clears fr.pnat for category:content and category:subscriber;")?;
    story.say("   fr.pnat clears nl.om (and be.fedpol, a fourth ally) for category:content;")?;
    story.say("   each card is compared out of band by its fingerprint.")?;
    story.step(
        "parties",
        "all",
        json!({
            "parties": parties,
            "clearances": {
                "de.bka": {"fr.pnat": ["category:content", "category:subscriber"]},
                "fr.pnat": {"nl.om": content, "be.fedpol": content},
            },
        }),
    );

    // 2. Seal.
    story.say("")?;
    story.say("2. de.bka seals a package for fr.pnat, consenting to onward transfer to nl.om;")?;
    story.say("   each field is encrypted on its own, one segment per line:")?;
    let pkg = de.dir.join("evidence.rgt");
    seal(&de, &de_trust, &fr, &nl, &pkg)?;
    let de_entry = de_trust.require(&fr.identity.key_id())?;
    let mut sealed_fields = Vec::new();
    for (name, _, tags) in FIELDS {
        let cleared = tags.iter().all(|t| {
            de_entry
                .clearances
                .as_slice()
                .iter()
                .any(|c| c.as_str() == *t)
        });
        story.say(format!(
            "   {:<15} tags {:<40} {}",
            name,
            tags.join(","),
            if cleared {
                "fr.pnat gets its key"
            } else {
                "no recipient is cleared"
            }
        ))?;
        let readers: &[&str] = if cleared { &["fr.pnat"] } else { &[] };
        sealed_fields.push(json!({"name": name, "tags": tags, "readers": readers}));
    }
    let sealed_digest = Package::open(&pkg)?.digest();
    story.step(
        "seal",
        "de.bka",
        json!({
            "package": pkg,
            "package_digest": sealed_digest.to_string(),
            "recipients": ["fr.pnat"],
            "onward": ["nl.om"],
            "fields": sealed_fields,
        }),
    );

    // 3. Deliver to fr.pnat.
    story.say("")?;
    let d = deliver(&de, &de_trust, &fr, &fr_trust, &pkg)?;
    story.say(
        "3. de.bka delivers it over QUIC (TLS 1.3, both certificates pinned by the cards) to",
    )?;
    story.say(format!(
        "   fr.pnat's receiver on {}; it stores, verifies and answers with a signed receipt:",
        d.addr
    ))?;
    delivered(story, &d.delivery, "de.bka", "fr.pnat")?;
    story.say(format!(
        "   evidence.rgt stays as sealed; fr.pnat's copy is {}",
        file_name(&d.delivery.package)
    ))?;

    // 4. fr.pnat verifies and opens.
    story.say("")?;
    story.say("4. fr.pnat verifies what it stored and opens what it is cleared for:")?;
    let at_fr = d.stored;
    let opened = open_all(&fr, &fr_trust, &at_fr, &fr.dir.join("opened"))?;
    for (name, state) in &opened {
        story.say(format!("   {name:<15} {}", describe(state)))?;
    }
    story.step(
        "open",
        "fr.pnat",
        json!({"package": at_fr, "fields": opened_json(&opened)}),
    );

    // 5. fr.pnat redacts the personal data by policy.
    story.say("")?;
    story
        .say("5. fr.pnat redacts the personal data by policy (e-mail addresses, phone numbers)")?;
    story.say("   before anything goes further; the matched text is never shown:")?;
    let now = now()?;
    let redacted = fr.dir.join("redacted.rgt");
    let (plan, report) = {
        let mut held = HeldPackage::open(&at_fr, &fr.identity, &fr_trust, now).map_err(cli)?;
        let request = Request {
            policy: Policy::detect("personal data", &[Category::Email, Category::Phone])
                .map_err(cli)?,
            ..Request::default()
        };
        let plan = held.plan(&request).map_err(cli)?;
        let reason = text("personal data of third parties")?;
        let basis = text("Art. 12 MLA treaty; GDPR Art. 5(1)(c)")?;
        let report = create_atomically(&redacted, |w| {
            held.redact(&plan, &reason, &basis, w, &mut system_rng())
                .map(|x| x.report)
        })
        .map_err(cli)?;
        record(
            &fr,
            &held,
            rogatory::wire::LedgerAction::Redacted,
            report.package_digest,
            Some(report.event),
        )?;
        (plan, report)
    };
    say_plan(story, &plan)?;
    story.say(format!(
        "   wrote redacted.rgt: custody event {} (redacted), the sender's signature unchanged",
        report.event_sequence
    ))?;
    story.step(
        "redact",
        "fr.pnat",
        json!({"package": redacted, "plan": plan, "output": report}),
    );

    // 6. fr.pnat forwards to nl.om within the consent, over QUIC.
    story.say("")?;
    story.say("6. fr.pnat forwards the redacted package to nl.om, within de.bka's consent:")?;
    let forwarded = fr.dir.join("for-nl.om.rgt");
    let to_nl = PartyId::new("nl.om").map_err(CliError::wire("party id"))?;
    let fwd = {
        let mut held = HeldPackage::open(&redacted, &fr.identity, &fr_trust, now).map_err(cli)?;
        let basis = text("Art. 26 MLA treaty")?;
        let report = create_atomically(&forwarded, |w| {
            held.forward(&to_nl, None, Some(&basis), w, &mut system_rng())
                .map(|x| x.report)
        })
        .map_err(cli)?;
        record(
            &fr,
            &held,
            rogatory::wire::LedgerAction::Forwarded,
            report.package_digest,
            Some(report.event),
        )?;
        report
    };
    story.say(format!(
        "   custody event {} (forwarded to nl.om); nl.om will read: {}",
        fwd.event_sequence,
        fwd.receiver_reads.join(", ")
    ))?;
    let refused = {
        let mut held = HeldPackage::open(&redacted, &fr.identity, &fr_trust, now).map_err(cli)?;
        match held.forward(
            be.identity.party(),
            None,
            None,
            &mut Vec::new(),
            &mut system_rng(),
        ) {
            Ok(_) => {
                return Err(CliError::usage(
                    "a forward outside the consent was not refused",
                ));
            }
            Err(e) => e.to_string(),
        }
    };
    story.say(format!(
        "   fr.pnat trusts be.fedpol too, yet a forward to it is refused: {refused}"
    ))?;
    let d = deliver(&fr, &fr_trust, &nl, &nl_trust, &forwarded)?;
    delivered(story, &d.delivery, "fr.pnat", "nl.om")?;
    story.step(
        "forward",
        "fr.pnat",
        json!({"package": forwarded, "output": fwd, "refused": {"to": be.name(), "error": refused}}),
    );

    // 7. nl.om verifies everything and opens what is left to it.
    story.say("")?;
    story
        .say("7. nl.om verifies the package it stored: de.bka's signature over every leaf, the")?;
    story.say("   redaction (what went is declared; the rest still proves to the signed root)")?;
    story.say("   and the whole chain of custody, each event signed by its actor:")?;
    let at_nl = d.stored;
    let verified = Package::open(&at_nl)?.verify(&nl_trust)?;
    let report = verified.report().clone();
    drop(verified);
    story.say(format!(
        "   signature   de.bka ({}), {} leaves",
        fingerprint(&report.sender_key_id),
        report.leaves
    ))?;
    for e in &report.custody {
        story.say(format!("   {}", custody_line(e)))?;
    }
    let opened = open_all(&nl, &nl_trust, &at_nl, &nl.dir.join("opened"))?;
    for (name, state) in &opened {
        story.say(format!("   {name:<15} {}", describe(state)))?;
    }
    let chat = fs::read_to_string(nl.dir.join("opened").join("chat.txt")).unwrap_or_default();
    for line in chat.lines() {
        story.say(format!("     | {line}"))?;
    }
    story.step(
        "verify",
        "nl.om",
        json!({
            "package": at_nl,
            "sender": report.sender,
            "leaves": report.leaves,
            "custody": report.custody,
            "fields": opened_json(&opened),
        }),
    );

    // 8. A court verifies an extract.
    story.say("")?;
    story.say("8. nl.om gives a court an extract of chat.txt (first and last line); the court")?;
    story.say("   verifies it with the parties' cards alone, without any key:")?;
    let extract_path = nl.dir.join("court.rgx");
    let lines = SegmentSet::from_indices(vec![0, 4]).map_err(CliError::wire("segments"))?;
    let x = {
        let mut held = HeldPackage::open(&at_nl, &nl.identity, &nl_trust, now).map_err(cli)?;
        let x = held.extract("chat.txt", Some(&lines)).map_err(cli)?;
        record(
            &nl,
            &held,
            rogatory::wire::LedgerAction::Exported,
            x.package_digest().map_err(cli)?,
            None,
        )?;
        x
    };
    let bytes = x.to_bytes().map_err(cli)?;
    write_atomic(&extract_path, &bytes, false)?;
    let read = fs::read(&extract_path).map_err(CliError::io_path("reading", &extract_path))?;
    let r = verify_extract(&Extract::from_bytes(&read).map_err(cli)?, &court_trust).map_err(cli)?;
    story.say(format!(
        "   court.rgx ({} bytes): signature, metadata, custody ({} events), {} segment(s) {}",
        bytes.len(),
        r.custody.len(),
        r.segments.len(),
        format_ranges(&lines)
    ))?;
    for s in &r.segments {
        story.say(format!(
            "     segment {} of {}: {} bytes, sha256 {}, proof of {} nodes",
            s.segment, s.name, s.size, s.sha256, s.proof_len
        ))?;
    }
    story.step(
        "extract",
        "court",
        json!({"extract": extract_path, "verified": r}),
    );

    // 9. Ledgers.
    story.say("")?;
    story.say("9. Each party's ledger records what it did, signed and hash-linked:")?;
    let mut ledgers = Vec::new();
    for p in [&de, &fr, &nl] {
        let report = ledger::verify(&p.ledger())?;
        story.say(format!(
            "   {:<8} {} line(s), signed head verifies",
            p.name(),
            report.lines
        ))?;
        ledgers.push(json!({"party": p.name(), "lines": report.lines}));
    }
    story.step("ledgers", "all", json!({ "ledgers": ledgers }));
    story.say("")?;
    story.say("Done.")?;
    Ok(())
}

fn text(s: &str) -> Result<Text> {
    Text::new(s).map_err(CliError::wire("text"))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn custody_line(e: &EventSummary) -> String {
    let to = e
        .receiver_party
        .as_ref()
        .map(|p| format!(" to {p}"))
        .unwrap_or_default();
    format!(
        "{}  {:<9} by {:<8} {}{to}",
        e.sequence,
        e.kind,
        e.actor_party.as_str(),
        format_rfc3339(e.time)
    )
}

fn say_plan(story: &mut Story<'_>, plan: &Plan) -> Result<()> {
    for f in &plan.fields {
        let why: Vec<String> = f
            .segments
            .iter()
            .map(|s| {
                let r: Vec<String> = s.reasons.iter().map(|r| r.to_string()).collect();
                format!("line {} ({})", s.segment, r.join(", "))
            })
            .collect();
        story.say(format!(
            "   {:<15} removes {}; keeps lines {}",
            f.name,
            why.join(", "),
            format_ranges(&f.keeps)
        ))?;
    }
    for s in &plan.skipped {
        story.say(format!("   {:<15} not touched: {}", s.name, s.why))?;
    }
    Ok(())
}

/// What opening one field gave.
enum Opened {
    Bytes(u64),
    NotCleared,
    Removed,
}

fn describe(o: &Opened) -> String {
    match o {
        Opened::Bytes(n) => format!("opened, {n} bytes, every segment matched its signed leaf"),
        Opened::NotCleared => "not cleared: no key for it (its ciphertext still verified)".into(),
        Opened::Removed => "removed by a redaction".into(),
    }
}

fn opened_json(opened: &[(String, Opened)]) -> Value {
    Value::Array(
        opened
            .iter()
            .map(|(name, o)| match o {
                Opened::Bytes(n) => json!({"name": name, "state": "opened", "bytes": n}),
                Opened::NotCleared => json!({"name": name, "state": "not_cleared"}),
                Opened::Removed => json!({"name": name, "state": "removed"}),
            })
            .collect(),
    )
}

/// Verifies `pkg` and opens every field `p` can read into `out_dir`.
fn open_all(
    p: &Party,
    trust: &TrustStore,
    pkg: &Path,
    out_dir: &Path,
) -> Result<Vec<(String, Opened)>> {
    let mut unlocked = Package::open(pkg)?
        .verify(trust)?
        .unlock(&p.identity, now()?)?;
    fs::create_dir_all(out_dir).map_err(CliError::io_path("creating", out_dir))?;
    let removed: Vec<bool> = unlocked
        .package()
        .trailer()
        .fields
        .iter()
        .map(|f| matches!(f.body, rogatory::wire::FieldBody::Removed))
        .collect();
    let names: Vec<String> = unlocked
        .metadata()
        .fields
        .iter()
        .map(|f| f.name.to_string())
        .collect();
    let mut opened = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        if removed.get(i).copied().unwrap_or(false) {
            opened.push((name, Opened::Removed));
            continue;
        }
        let index = u32::try_from(i).map_err(|_| CliError::usage("field index"))?;
        match unlocked.open_field_to_dir(index, out_dir) {
            Ok(path) => {
                let len = fs::metadata(&path)
                    .map_err(CliError::io_path("reading", &path))?
                    .len();
                opened.push((name, Opened::Bytes(len)));
            }
            Err(CoreError::NotCleared { .. }) => opened.push((name, Opened::NotCleared)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(opened)
}

/// One delivery over QUIC on 127.0.0.1 to a receiver in this process.
struct Delivered {
    addr: std::net::SocketAddr,
    delivery: Delivery,
    /// The receiver's stored copy.
    stored: PathBuf,
}

fn deliver(
    from: &Party,
    from_trust: &Arc<TrustStore>,
    to: &Party,
    to_trust: &Arc<TrustStore>,
    pkg: &Path,
) -> Result<Delivered> {
    let store_dir = to.dir.join("store");
    let receiver = BackgroundReceiver::start(
        ReceiverConfig {
            identity: to.identity.clone(),
            trust: to_trust.clone(),
            store: Arc::new(DirStore::open(&store_dir)?),
            ledger_dir: to.ledger(),
            limits: Limits::default(),
        },
        "127.0.0.1:0"
            .parse()
            .map_err(|_| CliError::usage("address"))?,
    )?;
    let addr = receiver.local_addr();
    let dest = Destination {
        party: to.identity.party().clone(),
        addr,
    };
    let cfg = SenderConfig::new(from.identity.clone(), from_trust.clone(), from.ledger());
    let result = blocking::send(cfg, dest, &[pkg.to_owned()], Arc::new(NoProgress));
    let stats = receiver.stop()?;
    let delivery = result?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::usage("no delivery result"))??;
    if stats.receipts != 1 {
        return Err(CliError::usage(format!(
            "the receiver issued {} receipts, not one",
            stats.receipts
        )));
    }
    let stored = DirStore::open(&store_dir)?.package_file(&DeliveryKey {
        package_id: Package::open(&delivery.package)?.package_id(),
        bytes_digest: delivery.report.bytes_digest,
    });
    Ok(Delivered {
        addr,
        delivery,
        stored,
    })
}

fn delivered(story: &mut Story<'_>, d: &Delivery, from: &str, to: &str) -> Result<()> {
    story.say(format!(
        "   {} bytes in {} data frame(s); {from} verified {to}'s signed receipt:",
        d.bytes_sent, d.frames_sent
    ))?;
    story.say(format!(
        "     `received` at {}, event {}",
        format_rfc3339(d.report.time),
        d.report.receipt_hash
    ))?;
    story.say(format!(
        "     names BLAKE3 {} (the bytes sent) and {to}'s ledger head",
        d.report.bytes_digest
    ))?;
    story.step(
        "deliver",
        from,
        json!({
            "to": to,
            "package": d.package,
            "bytes": d.bytes_sent,
            "receipt": d.receipt_path,
            "received_at": format_rfc3339(d.report.time),
            "receipt_hash": d.report.receipt_hash.to_string(),
            "bytes_digest": d.report.bytes_digest.to_string(),
            "ledger_head": ledger::head_text(&d.report.ledger_head),
        }),
    );
    Ok(())
}

/// A ledger line for an action on a held package.
fn record<R: std::io::Read + std::io::Seek + Send>(
    p: &Party,
    held: &HeldPackage<'_, R>,
    action: rogatory::wire::LedgerAction,
    digest: rogatory::wire::Digest,
    event: Option<rogatory::wire::EventRef>,
) -> Result<()> {
    let mut line = ledger::Record::new(now()?, action, held.package_id(), digest);
    line.event = event;
    let m = held.metadata();
    line.partner = ledger_util::sender_partner(m, p.identity.party());
    let line = ledger_util::with_package(line, m);
    let mut ledger = ledger::Ledger::open(&p.ledger(), p.identity.as_ref())?;
    ledger.append(p.identity.as_ref(), line)?;
    Ok(())
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
    let pdir = dir.join(name);
    fs::create_dir_all(&pdir).map_err(CliError::io_path("creating", &pdir))?;
    write_atomic(
        &pdir.join(format!("{name}.key")),
        identity.to_key_file()?.expose_secret(),
        true,
    )?;
    let card = encode(identity.card()).map_err(CliError::wire("card"))?;
    write_atomic(&pdir.join(format!("{name}.card")), &card, false)?;
    Ok(Party {
        identity: Arc::new(identity),
        dir: pdir,
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

fn seal(sender: &Party, trust: &TrustStore, to: &Party, onward: &Party, out: &Path) -> Result<()> {
    let t = now()?;
    let recipients = vec![Recipient::from_trust(trust.require(&to.identity.key_id())?)];
    let consent = PartySet::from_unsorted(vec![onward.identity.party().clone()])
        .map_err(CliError::wire("onward consent"))?;
    let info = PackageInfo::new(
        "CASE-2026-0042",
        "Art. 18 Budapest Convention",
        Timestamp(t.0 + 365 * DAY),
    )?
    .with_request_reference("MLA/2026/117")?
    .with_issuing_authority("Bundeskriminalamt")?
    .with_purpose("criminal investigation")?
    .with_priority(Priority::Urgent)
    .with_data_categories(&["content", "subscriber"])?
    .with_not_before(Timestamp(t.0 - 60))
    .with_onward(OnwardConsent::Parties(consent));
    let mut sealer = Sealer::new(
        AtomicFile::create(out)?,
        sender.identity.as_ref(),
        recipients,
        info,
        t,
        system_rng(),
    )?;
    for (name, content, tags) in FIELDS {
        let spec = FieldSpec::text(name, tags)?.with_media_type(if name.ends_with(".csv") {
            "text/csv"
        } else {
            "text/plain"
        })?;
        sealer.add_field(spec, &mut content.as_bytes())?;
    }
    sealer.seal()?.writer.commit()?;
    Ok(())
}
