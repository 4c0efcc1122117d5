//! `rogatory seal`: the request (manifest and command line) checked into the
//! library's types, streamed through the `Sealer`, written beside `-o` and
//! renamed into place only once sealed.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use rogatory::core::custody::event_ref;
use rogatory::core::fsutil::AtomicFile;
use rogatory::core::ledger::Record;
use rogatory::core::package::safe_file_name;
use rogatory::core::seal::SealedPackage;
use rogatory::core::time::{format_date, parse_date, parse_date_end};
use rogatory::core::{
    FieldSpec, Identity, PackageInfo, Recipient, Sealer, Signer, TrustStore, system_rng,
};
use rogatory::wire::{
    CategorySet, Digest, FieldKind, FieldName, LedgerAction, MediaType, OnwardConsent, PartyId,
    PartySet, Priority, Provenance, Tag, TagSet, Text, Timestamp, Token,
};
use sha2::{Digest as _, Sha256};

use super::manifest::{FieldRequest, Onward, ProvenanceRequest, Request};
use super::{ledger_util, load_identity, load_trust_for, now, occupied, outln, warn};
use crate::cli::{KindArg, PriorityArg, SealArgs};
use crate::error::{CliError, Result};
use crate::progress;

/// A field ready to seal: its spec and its open input.
struct Input {
    spec: FieldSpec,
    path: PathBuf,
    /// The bytes: a file, or standard input (`NAME=-`).
    file: Box<dyn Read + Send>,
    /// The size, if known before reading (not for standard input).
    size: u64,
}

/// `-` as a path: standard input or output.
fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

pub fn run(args: &SealArgs, out: &mut dyn Write) -> Result<()> {
    let request = Request::from_args(args)?;
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;

    let to_stdout = is_dash(&args.output);
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "-o -: refusing to write a package to a terminal; redirect standard output or give \
             -o FILE",
        ));
    }
    if !to_stdout && occupied(&args.output) {
        return Err(CliError::usage(format!(
            "refusing to overwrite {}",
            args.output.display()
        )));
    }
    let recipients = recipients(&request.to, &trust, now)?;
    let inputs = inputs(&request.fields)?;
    let info = package_info(&request, inputs.len(), now)?;
    let facts = LedgerFacts::of(&info);
    let mut ledger = ledger_util::open(
        &ledger_util::dir(&args.ledger, &args.key, &identity),
        &identity,
    )?;
    for input in &inputs {
        let readers: Vec<&str> = recipients
            .iter()
            .filter(|r| input.spec.tags.is_subset(r.clearances.as_slice()))
            .map(|r| r.party.party.as_str())
            .collect();
        if readers.is_empty() {
            warn(&format!(
                "no recipient is cleared for field {:?} (only the sealer can read it)",
                input.spec.name.as_str()
            ));
        }
    }

    let total: u64 = inputs.iter().map(|i| i.size).sum();
    let bar = progress::bytes(total, "sealing");
    let sealed = if to_stdout {
        // Streamed: the sealer writes front to back, nothing is read back.
        let w = BufWriter::with_capacity(1 << 20, std::io::stdout());
        let sealed = seal_to(w, &identity, recipients.clone(), info, now, inputs, &bar);
        bar.finish_and_clear();
        let (sealed, mut w) = sealed?;
        w.flush()
            .map_err(CliError::io("writing the package to standard output"))?;
        sealed
    } else {
        // Whole or not at all: on any error the package does not appear.
        let sealed = AtomicFile::create(&args.output)
            .map_err(CliError::from)
            .and_then(|f| {
                let (sealed, f) =
                    seal_to(f, &identity, recipients.clone(), info, now, inputs, &bar)?;
                f.commit()?;
                Ok(sealed)
            });
        bar.finish_and_clear();
        sealed?
    };
    // With the package on standard output, the account goes to standard
    // error.
    let mut stderr = std::io::stderr();
    let out: &mut dyn Write = if to_stdout { &mut stderr } else { out };

    // One ledger line per recipient, so that the report counts packages per
    // partner (spec §11.4).
    let sealed_event = Some(event_ref(&sealed.sealed_event)?);
    let done = format!("sealed {}", output_name(&args.output));
    let mut head = None;
    for r in &recipients {
        let mut line = Record::new(
            now,
            LedgerAction::Sealed,
            sealed.package_id,
            sealed.package_digest,
        );
        line.event = sealed_event;
        line.partner = Some(r.party.party.clone());
        head = Some(ledger.append(&identity, facts.fill(line), &done)?);
    }

    if args.json {
        let fields: Vec<serde_json::Value> = sealed
            .fields
            .iter()
            .zip(&sealed.specs)
            .map(|(f, spec)| {
                let readers: Vec<&str> = recipients
                    .iter()
                    .filter(|r| spec.tags.is_subset(r.clearances.as_slice()))
                    .map(|r| r.party.party.as_str())
                    .collect();
                serde_json::json!({
                    "index": f.index,
                    "name": spec.name,
                    "size": f.size,
                    "segments": f.segments,
                    "tags": spec.tags.as_slice().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "readers": readers,
                })
            })
            .collect();
        let to: Vec<serde_json::Value> = recipients
            .iter()
            .map(|r| serde_json::json!({"party": r.party.party, "key_id": r.party.key_id}))
            .collect();
        return crate::json::print(
            out,
            &serde_json::json!({
                "package": args.output,
                "package_id": sealed.package_id,
                "package_digest": sealed.package_digest,
                "size": sealed.size,
                "sender": identity.party(),
                "sender_key_id": identity.key_id(),
                "recipients": to,
                "ledger": ledger.dir(),
                "ledger_head": head,
                "fields": fields,
            }),
        );
    }
    outln!(out, "sealed:      {}", output_name(&args.output));
    outln!(out, "package id:  {}", sealed.package_id);
    outln!(out, "digest:      {}", sealed.package_digest);
    outln!(out, "size:        {} bytes", sealed.size);
    outln!(out, "sender:      {}", identity.party());
    let names: Vec<&str> = recipients.iter().map(|r| r.party.party.as_str()).collect();
    outln!(out, "recipients:  {}", names.join(", "));
    if let Some(head) = head {
        outln!(out, "ledger:      {} (head {head})", ledger.dir().display());
    }
    outln!(out, "fields:");
    for (f, spec) in sealed.fields.iter().zip(&sealed.specs) {
        let readers: Vec<&str> = recipients
            .iter()
            .filter(|r| spec.tags.is_subset(r.clearances.as_slice()))
            .map(|r| r.party.party.as_str())
            .collect();
        outln!(
            out,
            "  {:>3}  {:?}  {} bytes, {} segments, tags {}; readable by {}",
            f.index,
            spec.name.as_str(),
            f.size,
            f.segments,
            tag_list(&spec.tags),
            if readers.is_empty() {
                "the sealer only".to_owned()
            } else {
                readers.join(", ")
            }
        );
    }
    Ok(())
}

/// The package's facts for its ledger lines (never the case reference).
struct LedgerFacts {
    legal_basis: Text,
    categories: CategorySet,
    priority: Priority,
    retain_until: Timestamp,
}

impl LedgerFacts {
    fn of(info: &PackageInfo) -> Self {
        Self {
            legal_basis: info.legal_basis.clone(),
            categories: info.data_categories.clone(),
            priority: info.priority,
            retain_until: info.retain_until,
        }
    }

    fn fill(&self, mut line: Record) -> Record {
        line.legal_basis = Some(self.legal_basis.clone());
        line.categories = self.categories.clone();
        line.priority = Some(self.priority);
        line.retain_until = Some(self.retain_until);
        line
    }
}

/// What sealing produced, with the specs for the summary.
struct Sealed {
    package_id: rogatory::wire::PackageId,
    package_digest: Digest,
    size: u64,
    fields: Vec<rogatory::core::seal::FieldSummary>,
    specs: Vec<FieldSpec>,
    sealed_event: rogatory::wire::CustodyEvent,
}

fn seal_to<W: Write + Send>(
    writer: W,
    identity: &Identity,
    recipients: Vec<Recipient>,
    info: PackageInfo,
    now: Timestamp,
    inputs: Vec<Input>,
    bar: &indicatif::ProgressBar,
) -> Result<(Sealed, W)> {
    let mut sealer = Sealer::new(writer, identity, recipients, info, now, system_rng())?;
    let mut specs = Vec::with_capacity(inputs.len());
    for input in inputs {
        bar.set_message(input.spec.name.to_string());
        let mut reader = bar.wrap_read(input.file);
        sealer
            .add_field(input.spec.clone(), &mut reader)
            .map_err(|e| match e {
                rogatory::core::CoreError::Io { source, .. } => {
                    CliError::io_path("reading", &input.path)(source)
                }
                other => other.into(),
            })?;
        specs.push(input.spec);
    }
    let SealedPackage {
        writer,
        package_id,
        package_digest,
        size,
        fields,
        sealed_event,
    } = sealer.seal()?;
    Ok((
        Sealed {
            package_id,
            package_digest,
            size,
            fields,
            specs,
            sealed_event,
        },
        writer,
    ))
}

/// The output as the account names it.
fn output_name(p: &Path) -> String {
    if is_dash(p) {
        "standard output".into()
    } else {
        p.display().to_string()
    }
}

fn recipients(to: &[String], trust: &TrustStore, now: Timestamp) -> Result<Vec<Recipient>> {
    if to.is_empty() {
        return Err(CliError::usage("no recipients: give --to ID"));
    }
    to.iter()
        .map(|p| {
            let party = PartyId::new(p.as_str()).map_err(CliError::wire(format!("recipient {p:?}")))?;
            let entry = trust.current(&party, now).map_err(|_| {
                CliError::usage(format!(
                    "recipient {party} has no current card in the trust store (not trusted, retired or expired)"
                ))
            })?;
            Ok(Recipient::from_trust(entry))
        })
        .collect()
}

fn inputs(fields: &[FieldRequest]) -> Result<Vec<Input>> {
    if fields.is_empty() {
        return Err(CliError::usage("no fields: give --field NAME=PATH"));
    }
    if fields.iter().filter(|f| is_dash(&f.path)).count() > 1 {
        return Err(CliError::usage(
            "only one field can come from standard input (--field NAME=-)",
        ));
    }
    fields.iter().map(input).collect()
}

fn input(f: &FieldRequest) -> Result<Input> {
    let name = FieldName::new(f.name.as_str())
        .map_err(CliError::wire(format!("field name {:?}", f.name)))?;
    if f.tags.is_empty() {
        return Err(CliError::usage(format!(
            "field {:?} has no tags: give --tags {}=TAG,TAG",
            f.name, f.name
        )));
    }
    let tags = f
        .tags
        .iter()
        .map(|t| {
            Tag::new(t.as_str()).map_err(CliError::wire(format!("tag {t:?} of field {:?}", f.name)))
        })
        .collect::<Result<Vec<_>>>()?;
    let tags = TagSet::from_unsorted(tags)
        .map_err(CliError::wire(format!("tags of field {:?}", f.name)))?;
    let media_type = match &f.media_type {
        Some(m) => m.clone(),
        None => default_media_type(&f.name, &f.path).to_owned(),
    };
    let media_type = MediaType::new(media_type.as_str())
        .map_err(CliError::wire(format!("media type of field {:?}", f.name)))?;
    let kind = match f.kind {
        Some(KindArg::Text) => FieldKind::Text,
        Some(KindArg::Binary) => FieldKind::Binary,
        None if is_text(&f.name, &f.path, &media_type) => FieldKind::Text,
        None => FieldKind::Binary,
    };
    // One rule for names at both ends (spec §2.2): what `open` can write.
    safe_file_name(&f.name)?;
    let (file, size) = if is_dash(&f.path) {
        (Box::new(std::io::stdin()) as Box<dyn Read + Send>, 0)
    } else {
        let file = File::open(&f.path).map_err(CliError::io_path("opening", &f.path))?;
        let meta = file
            .metadata()
            .map_err(CliError::io_path("reading", &f.path))?;
        if !meta.is_file() {
            return Err(CliError::usage(format!(
                "{} is not a regular file",
                f.path.display()
            )));
        }
        (Box::new(file) as Box<dyn Read + Send>, meta.len())
    };
    Ok(Input {
        spec: FieldSpec {
            name,
            media_type,
            kind,
            tags,
        },
        path: f.path.clone(),
        file,
        size,
    })
}

const TEXT_EXTENSIONS: [&str; 7] = ["txt", "log", "csv", "json", "jsonl", "xml", "eml"];

fn extension(s: &Path) -> Option<String> {
    s.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Text for the text extensions (of the name or of the file) and for `text/*`.
fn is_text(name: &str, path: &Path, media_type: &MediaType) -> bool {
    let has_text_ext =
        |p: &Path| extension(p).is_some_and(|e| TEXT_EXTENSIONS.contains(&e.as_str()));
    has_text_ext(Path::new(name)) || has_text_ext(path) || media_type.as_str().starts_with("text/")
}

fn default_media_type(name: &str, path: &Path) -> &'static str {
    let ext = extension(Path::new(name)).or_else(|| extension(path));
    match ext.as_deref() {
        Some("txt" | "log") => "text/plain",
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("jsonl") => "application/jsonl",
        Some("xml") => "application/xml",
        Some("eml") => "message/rfc822",
        _ => "application/octet-stream",
    }
}

fn text(what: &str, s: &str) -> Result<Text> {
    Text::new(s).map_err(CliError::wire(what))
}

fn required<'a>(v: &'a Option<String>, option: &str) -> Result<&'a str> {
    v.as_deref().ok_or_else(|| {
        CliError::usage(format!(
            "missing {option} (on the command line or in the manifest)"
        ))
    })
}

fn package_info(r: &Request, field_count: usize, now: Timestamp) -> Result<PackageInfo> {
    let retain_until = parse_date_end(required(&r.retain_until, "--retain-until")?)?;
    let not_before = match &r.not_before {
        Some(d) => parse_date(d)?,
        None => parse_date(&format_date(now))?,
    };
    let categories = r
        .categories
        .iter()
        .map(|c| Token::new(c.as_str()).map_err(CliError::wire(format!("category {c:?}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(PackageInfo {
        case_reference: text("--case", required(&r.case, "--case")?)?,
        request_reference: r
            .request
            .as_deref()
            .map(|s| text("--request", s))
            .transpose()?,
        legal_basis: text("--legal-basis", required(&r.legal_basis, "--legal-basis")?)?,
        issuing_authority: text("--authority", r.authority.as_deref().unwrap_or(""))?,
        priority: match r.priority.unwrap_or(PriorityArg::Normal) {
            PriorityArg::Normal => Priority::Normal,
            PriorityArg::Urgent => Priority::Urgent,
            PriorityArg::Immediate => Priority::Immediate,
        },
        deadline: r.deadline.as_deref().map(parse_date_end).transpose()?,
        purpose: text("--purpose", r.purpose.as_deref().unwrap_or(""))?,
        data_categories: CategorySet::from_unsorted(categories)
            .map_err(CliError::wire("categories"))?,
        not_before,
        retain_until,
        onward: onward(r.onward.as_ref())?,
        provenance: provenance(&r.provenance, field_count, now)?,
    })
}

fn onward(o: Option<&Onward>) -> Result<OnwardConsent> {
    let ids: Vec<&str> = match o {
        None => return Ok(OnwardConsent::None),
        Some(Onward::Word(w)) if w == "none" => return Ok(OnwardConsent::None),
        Some(Onward::Word(w)) if w == "any" => return Ok(OnwardConsent::AnyWithNotice),
        Some(Onward::Word(w)) => w
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Onward::Parties(list)) => list.iter().map(String::as_str).collect(),
    };
    let parties = ids
        .iter()
        .map(|p| PartyId::new(*p).map_err(CliError::wire(format!("--onward party {p:?}"))))
        .collect::<Result<Vec<_>>>()?;
    let set = PartySet::from_unsorted(parties)
        .map_err(CliError::wire("--onward (none, any, or party ids)"))?;
    Ok(OnwardConsent::Parties(set))
}

fn provenance(
    p: &ProvenanceRequest,
    field_count: usize,
    now: Timestamp,
) -> Result<Vec<Provenance>> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let source_sha256 = match (&p.source_file, &p.source_sha256) {
        (Some(path), None) => sha256_file(path)?,
        (None, Some(hex)) => {
            Digest::from_hex(hex.trim()).map_err(CliError::wire("--source-sha256"))?
        }
        (Some(_), Some(_)) => {
            return Err(CliError::usage(
                "give --source-file or --source-sha256, not both",
            ));
        }
        (None, None) => {
            return Err(CliError::usage(
                "provenance needs the source's hash: give --source-file PATH or --source-sha256 HEX",
            ));
        }
    };
    let opt = |what: &str, v: &Option<String>| text(what, v.as_deref().unwrap_or(""));
    let fields = (0..field_count)
        .map(|i| u32::try_from(i).map_err(|_| CliError::usage("too many fields")))
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![Provenance {
        tool: opt("--tool", &p.tool)?,
        tool_version: opt("--tool-version", &p.tool_version)?,
        examiner: opt("--examiner", &p.examiner)?,
        source: opt("--source", &p.source)?,
        source_sha256,
        acquired: match &p.acquired {
            Some(d) => parse_date(d)?,
            None => now,
        },
        fields,
    }])
}

/// SHA-256 of a file, streamed.
fn sha256_file(path: &Path) -> Result<Digest> {
    let file = File::open(path).map_err(CliError::io_path("opening", path))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress::bytes(len, "hashing source");
    let mut reader = bar.wrap_read(file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CliError::io_path("reading", path)(e)),
        }
    }
    bar.finish_and_clear();
    let digest: [u8; 32] = hasher.finalize().into();
    Ok(Digest(digest))
}

fn tag_list(tags: &TagSet) -> String {
    tags.as_slice()
        .iter()
        .map(Tag::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_media_types_default_from_the_extension() {
        let mt = |s: &str| MediaType::new(s).unwrap();
        assert!(is_text(
            "chat.TXT",
            Path::new("x"),
            &mt("application/octet-stream")
        ));
        assert!(is_text(
            "chat",
            Path::new("/e/export.jsonl"),
            &mt("application/octet-stream")
        ));
        assert!(is_text("notes", Path::new("n"), &mt("text/markdown")));
        assert!(!is_text(
            "disk.img",
            Path::new("disk.img"),
            &mt("application/octet-stream")
        ));
        assert_eq!(
            default_media_type("mail.eml", Path::new("m")),
            "message/rfc822"
        );
        assert_eq!(
            default_media_type("disk.img", Path::new("d")),
            "application/octet-stream"
        );
    }

    #[test]
    fn onward_consent_forms() {
        assert_eq!(onward(None).unwrap(), OnwardConsent::None);
        assert_eq!(
            onward(Some(&Onward::Word("any".into()))).unwrap(),
            OnwardConsent::AnyWithNotice
        );
        let named = onward(Some(&Onward::Word("nl.om,fr.pnat".into()))).unwrap();
        assert!(matches!(named, OnwardConsent::Parties(ref s) if s.len() == 2));
        assert!(onward(Some(&Onward::Word("Not A Party".into()))).is_err());
        assert!(onward(Some(&Onward::Parties(vec![]))).is_err());
    }
}
