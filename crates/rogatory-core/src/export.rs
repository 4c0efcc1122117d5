//! Exporting the chain of custody (spec §10.6): as CASE/UCO JSON-LD for
//! case-management and forensic tools, as Rogatory's own documented JSON,
//! and as readable text.
//!
//! ```text
//! VerifiedPackage ──ChainExport::verified(trust)──┐   (no key: the clear parts)
//! UnlockedPackage ──ChainExport::unlocked(trust)──┤   (a key: + sealed details,
//!                                                 │    provenance, fields)
//!                                                 ▼
//!                 ChainExport ──serde──▶ JSON "rogatory-custody/1"
//!                             ──to_case()──▶ CASE 1.x / UCO 1.x JSON-LD
//!                             ──to_text()──▶ text
//! ```
//!
//! Only a verified chain is exported. The CASE graph maps each custody event
//! to a `case-investigation:InvestigativeAction` (performer: the actor's
//! `uco-identity:Organization`; instrument: the Rogatory tool; start and end:
//! the event's time; objects and results: the package and its fields), and
//! each acquisition provenance record of the sealed metadata to an
//! acquisition action whose result is a `case-investigation:ProvenanceRecord`.
//! Hash facets (`uco-types:Hash`) are made only for SHA-256 hashes of files:
//! the acquisition source hash. The package digest is not a file hash and
//! BLAKE3 is not in UCO's hash vocabulary: they, and everything else that
//! UCO has no term for, are plain properties in the `rogatory:` namespace.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Seek};

use rogatory_wire::{
    CustodyEvent, Digest, EventBody, FieldBody, KeyId, Metadata, PackageId, PartyId, Provenance,
    Timestamp,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::crypto::sha256;
use crate::custody::{EventSummary, open_details};
use crate::error::{CoreError, Result};
use crate::package::{UnlockedPackage, VerifiedPackage, VerifyReport};
use crate::time::format_rfc3339;
use crate::trust::TrustStore;

/// The `format` value of the JSON export.
pub const JSON_FORMAT: &str = "rogatory-custody/1";

/// The IRI of the `rogatory:` namespace: properties UCO has no term for.
pub const ROGATORY_NS: &str = "https://example.invalid/rogatory/ns/v1#";

/// The IRI of the `kb:` namespace of the exported nodes.
pub const KB_NS: &str = "https://example.invalid/rogatory/kb/";

/// The namespaces of the CASE export's `@context`, prefix first.
pub const CASE_CONTEXT: [(&str, &str); 10] = [
    ("kb", KB_NS),
    ("rogatory", ROGATORY_NS),
    (
        "case-investigation",
        "https://ontology.caseontology.org/case/investigation/",
    ),
    (
        "uco-action",
        "https://ontology.unifiedcyberontology.org/uco/action/",
    ),
    (
        "uco-core",
        "https://ontology.unifiedcyberontology.org/uco/core/",
    ),
    (
        "uco-identity",
        "https://ontology.unifiedcyberontology.org/uco/identity/",
    ),
    (
        "uco-observable",
        "https://ontology.unifiedcyberontology.org/uco/observable/",
    ),
    (
        "uco-tool",
        "https://ontology.unifiedcyberontology.org/uco/tool/",
    ),
    (
        "uco-types",
        "https://ontology.unifiedcyberontology.org/uco/types/",
    ),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// Domain-separation label of the SHA-256 that names an exported node
/// (spec §3.2, §10.6). Not a security use: it only makes the names stable.
pub use rogatory_wire::labels::CASE_NODE;

/// One custody event, as exported.
#[derive(Clone, Debug, Serialize)]
pub struct ExportEvent {
    /// Position in the chain, from 0.
    pub sequence: u64,
    /// `sealed`, `sent`, `received`, `redacted`, `forwarded` or `note`.
    pub kind: &'static str,
    /// The actor's party (from the trust store).
    pub actor_party: PartyId,
    /// The actor's key id.
    pub actor_key_id: KeyId,
    /// When the actor says it happened (RFC 3339, UTC).
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub time: Timestamp,
    /// The receiver a `sent` or `forwarded` names.
    pub receiver_key_id: Option<KeyId>,
    /// That receiver's party, if the trust store knows its key.
    pub receiver_party: Option<PartyId>,
    /// BLAKE3 of the bytes a `received` names.
    pub bytes_digest: Option<Digest>,
    /// The receiver's ledger head a `received` names.
    pub ledger_head: Option<Digest>,
    /// The segments a `redacted` removed, per field.
    pub removed: Vec<ExportRemoval>,
    /// The hash of the event before (zero for `sealed`).
    pub prev: Digest,
    /// This event's hash (what the next event's `prev` names).
    pub event_hash: Digest,
    /// The sealed details, when a key opened them.
    pub details: Option<ExportDetails>,
}

/// The segments one redaction removed from one field.
#[derive(Clone, Debug, Serialize)]
pub struct ExportRemoval {
    /// The field.
    pub field: u32,
    /// Half-open ranges `[start, end)` of segment indices.
    pub segments: Vec<[u32; 2]>,
}

/// The sealed details of an event.
#[derive(Clone, Debug, Serialize)]
pub struct ExportDetails {
    /// The other party: receiver of a send or forward, sender of a receipt.
    pub counterpart: Option<PartyId>,
    /// Reason (redactions); empty if none.
    pub reason: String,
    /// Legal basis; empty if none.
    pub legal_basis: String,
    /// Free text (notes); empty if none.
    pub text: String,
}

/// An acquisition provenance record of the sealed metadata.
#[derive(Clone, Debug, Serialize)]
pub struct ExportProvenance {
    /// Acquisition tool.
    pub tool: String,
    /// Its version.
    pub tool_version: String,
    /// Examiner.
    pub examiner: String,
    /// Source (device, account, ...).
    pub source: String,
    /// SHA-256 of the source as acquired.
    pub source_sha256: Digest,
    /// When it was acquired (RFC 3339, UTC).
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub acquired: Timestamp,
    /// The fields it produced.
    pub fields: Vec<u32>,
}

/// A field of the package, as the sealed metadata describes it.
#[derive(Clone, Debug, Serialize)]
pub struct ExportField {
    /// Index.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// Number of segments (leaves).
    pub segments: u32,
    /// Access tags.
    pub tags: Vec<String>,
    /// `present` or `removed` (by a redaction), as the envelope stands.
    pub state: &'static str,
}

/// A verified chain of custody, ready to export. Serialized with serde it is
/// the JSON export (`format` = [`JSON_FORMAT`]).
#[derive(Clone, Debug, Serialize)]
pub struct ChainExport {
    /// [`JSON_FORMAT`].
    pub format: &'static str,
    /// The package id.
    pub package_id: PackageId,
    /// The package digest (SHA-256, spec §8.4; not a hash of a file).
    pub package_digest: Digest,
    /// The sender (from the trust store).
    pub sender: PartyId,
    /// The sender's key id.
    pub sender_key_id: KeyId,
    /// Whether a key opened the sealed details and metadata.
    pub details_included: bool,
    /// The events, in chain order.
    pub events: Vec<ExportEvent>,
    /// Acquisition provenance (with a key; else empty).
    pub provenance: Vec<ExportProvenance>,
    /// The fields (with a key; else empty).
    pub fields: Vec<ExportField>,
}

fn event_of(ev: &CustodyEvent, summary: &EventSummary, trust: &TrustStore) -> ExportEvent {
    let c = &ev.clear;
    let (bytes_digest, ledger_head) = match c.body {
        EventBody::Received {
            bytes_digest,
            ledger_head,
        } => (Some(bytes_digest), Some(ledger_head)),
        _ => (None, None),
    };
    let removed = match &c.body {
        EventBody::Redacted { removed, .. } => removed
            .iter()
            .map(|r| ExportRemoval {
                field: r.field,
                segments: r
                    .segments
                    .ranges()
                    .iter()
                    .map(|s| [s.start, s.end])
                    .collect(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let receiver_key_id = c.body.receiver();
    ExportEvent {
        sequence: c.sequence,
        kind: summary.kind,
        actor_party: summary.actor_party.clone(),
        actor_key_id: c.actor,
        time: c.time,
        receiver_key_id,
        receiver_party: receiver_key_id
            .and_then(|k| trust.by_key_id(&k))
            .map(|e| e.party.clone()),
        bytes_digest,
        ledger_head,
        removed,
        prev: c.prev,
        event_hash: summary.hash,
        details: None,
    }
}

fn chain_of(
    events: &[CustodyEvent],
    report: &VerifyReport,
    trust: &TrustStore,
) -> Result<ChainExport> {
    if events.len() != report.custody.len() {
        return Err(CoreError::usage(
            "the custody events differ from the verified chain",
        ));
    }
    Ok(ChainExport {
        format: JSON_FORMAT,
        package_id: report.package_id,
        package_digest: report.package_digest,
        sender: report.sender.clone(),
        sender_key_id: report.sender_key_id,
        details_included: false,
        events: events
            .iter()
            .zip(&report.custody)
            .map(|(ev, s)| event_of(ev, s, trust))
            .collect(),
        provenance: Vec::new(),
        fields: Vec::new(),
    })
}

fn provenance_of(p: &Provenance) -> ExportProvenance {
    ExportProvenance {
        tool: p.tool.to_string(),
        tool_version: p.tool_version.to_string(),
        examiner: p.examiner.to_string(),
        source: p.source.to_string(),
        source_sha256: p.source_sha256,
        acquired: p.acquired,
        fields: p.fields.clone(),
    }
}

fn fields_of(m: &Metadata, envelope: &[rogatory_wire::EnvelopeDescriptor]) -> Vec<ExportField> {
    m.fields
        .iter()
        .map(|d| ExportField {
            index: d.index,
            name: d.name.to_string(),
            media_type: d.media_type.to_string(),
            size: d.size,
            segments: d.segment_count,
            tags: d.tags.as_slice().iter().map(|t| t.to_string()).collect(),
            state: match envelope.get(d.index as usize).map(|e| &e.body) {
                Some(FieldBody::Removed) => "removed",
                _ => "present",
            },
        })
        .collect()
}

impl ChainExport {
    /// The chain of a verified package, without a key: the clear parts
    /// only (no sealed details, provenance or fields).
    pub fn verified<R: Read + Seek>(v: &VerifiedPackage<R>, trust: &TrustStore) -> Result<Self> {
        chain_of(v.package().events(), v.report(), trust)
    }

    /// The chain of a package unlocked with a recipient's key: also every
    /// event's sealed details, the acquisition provenance and the fields.
    pub fn unlocked<R: Read + Seek + Send>(
        u: &UnlockedPackage<R>,
        trust: &TrustStore,
    ) -> Result<Self> {
        let pkg = u.package();
        let mut out = chain_of(pkg.events(), u.report(), trust)?;
        let id = pkg.package_id();
        for (e, ev) in out.events.iter_mut().zip(pkg.events()) {
            let d = open_details(ev, &u.bundle().metadata_key, &id)?;
            e.details = Some(ExportDetails {
                counterpart: d.counterpart,
                reason: d.reason.to_string(),
                legal_basis: d.legal_basis.to_string(),
                text: d.text.to_string(),
            });
        }
        let m = u.metadata();
        out.provenance = m.provenance.iter().map(provenance_of).collect();
        out.fields = fields_of(m, &pkg.trailer().fields);
        out.details_included = true;
        Ok(out)
    }

    /// The chain as readable text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "custody of package {}", self.package_id);
        let _ = writeln!(s, "digest:  {}", self.package_digest);
        let _ = writeln!(s, "sender:  {} (key {})", self.sender, self.sender_key_id);
        let _ = writeln!(s, "events:");
        for e in &self.events {
            let to = match (&e.receiver_party, &e.receiver_key_id) {
                (Some(p), _) => format!(" to {p}"),
                (None, Some(k)) => format!(" to key {k}"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                s,
                "  {:>3}  {:<9}  {}  {}{to}",
                e.sequence,
                e.kind,
                format_rfc3339(e.time),
                e.actor_party
            );
            let _ = writeln!(s, "       actor key     {}", e.actor_key_id);
            if let Some(d) = e.bytes_digest {
                let _ = writeln!(s, "       bytes blake3  {d}");
            }
            if let Some(h) = e.ledger_head {
                let _ = writeln!(s, "       ledger head   {h}");
            }
            for r in &e.removed {
                let _ = writeln!(
                    s,
                    "       removed       field {}: segments {}",
                    r.field,
                    ranges_text(&r.segments)
                );
            }
            let _ = writeln!(s, "       event hash    {}", e.event_hash);
            if let Some(d) = &e.details {
                if let Some(c) = &d.counterpart {
                    let _ = writeln!(s, "       counterpart   {c}");
                }
                for (label, value) in [
                    ("reason", &d.reason),
                    ("legal basis", &d.legal_basis),
                    ("text", &d.text),
                ] {
                    let value = one_line(value);
                    if !value.is_empty() {
                        let _ = writeln!(s, "       {label:<13} {value}");
                    }
                }
            }
        }
        if !self.details_included {
            let _ = writeln!(
                s,
                "(sealed details, provenance and fields need a recipient's key)"
            );
        }
        for p in &self.provenance {
            let _ = writeln!(s, "acquisition {}", format_rfc3339(p.acquired));
            for (label, value) in [
                ("tool", format!("{} {}", p.tool, p.tool_version)),
                ("examiner", p.examiner.clone()),
                ("source", p.source.clone()),
            ] {
                let value = one_line(&value);
                if !value.is_empty() {
                    let _ = writeln!(s, "       {label:<13} {value}");
                }
            }
            let _ = writeln!(s, "       source sha256 {}", p.source_sha256);
            let names: Vec<String> = p
                .fields
                .iter()
                .map(|i| match self.fields.get(*i as usize) {
                    Some(f) => format!("{i} {:?}", f.name),
                    None => i.to_string(),
                })
                .collect();
            let _ = writeln!(s, "       fields        {}", names.join(", "));
        }
        s
    }

    /// The chain as CASE 1.x / UCO 1.x JSON-LD (spec §10.6): a document with
    /// an `@context` and an `@graph`. Deterministic: the same chain (and
    /// key) always gives the same document, and every node's `@id` depends
    /// only on what it stands for, so graphs exported by different holders
    /// of one package merge on their common events, parties and package.
    pub fn to_case(&self) -> Value {
        let mut context = Map::new();
        for (prefix, iri) in CASE_CONTEXT {
            context.insert(prefix.to_owned(), Value::String(iri.to_owned()));
        }
        let pkg = self.package_id.to_hex();
        let tool = node_id("tool", "tool:rogatory/v1");
        let package = node_id("package", &format!("package:{pkg}"));
        let field_id = |i: u32| node_id("field", &format!("field:{pkg}:{i}"));
        let party_id = |p: &PartyId| node_id("party", &format!("party:{p}"));
        let event_id = |h: &Digest| node_id("event", &format!("event:{h}"));

        let mut graph = vec![json!({
            "@id": tool,
            "@type": "uco-tool:Tool",
            "uco-core:name": "Rogatory",
            "uco-tool:toolType": "cross-border evidence exchange",
            "uco-core:description":
                "An implementation of the Rogatory protocol, version 1, cipher suite 1.",
        })];

        let mut parties: BTreeSet<&PartyId> = BTreeSet::new();
        parties.insert(&self.sender);
        for e in &self.events {
            parties.insert(&e.actor_party);
            parties.extend(e.receiver_party.iter());
            parties.extend(e.details.iter().filter_map(|d| d.counterpart.as_ref()));
        }
        for p in &parties {
            graph.push(json!({
                "@id": party_id(p),
                "@type": "uco-identity:Organization",
                "uco-core:name": p.as_str(),
            }));
        }

        graph.push(json!({
            "@id": package,
            "@type": "uco-observable:ObservableObject",
            "uco-core:name": format!("Rogatory package {pkg}"),
            "rogatory:packageId": hex_value(self.package_id.as_bytes()),
            "rogatory:packageDigest": hex_value(self.package_digest.as_bytes()),
            "rogatory:sender": {"@id": party_id(&self.sender)},
        }));

        for f in &self.fields {
            let id = field_id(f.index);
            graph.push(json!({
                "@id": id,
                "@type": "uco-observable:File",
                "uco-core:name": f.name,
                "uco-core:tag": f.tags,
                "uco-core:hasFacet": [
                    {
                        "@id": node_id("facet", &format!("field:{pkg}:{}#file", f.index)),
                        "@type": "uco-observable:FileFacet",
                        "uco-observable:fileName": f.name,
                    },
                    {
                        "@id": node_id("facet", &format!("field:{pkg}:{}#content", f.index)),
                        "@type": "uco-observable:ContentDataFacet",
                        "uco-observable:mimeType": f.media_type,
                        "uco-observable:sizeInBytes": f.size,
                    },
                ],
                "rogatory:fieldIndex": f.index,
                "rogatory:segmentCount": f.segments,
                "rogatory:fieldState": f.state,
                "rogatory:package": {"@id": package},
            }));
        }

        let mut acquisitions = Vec::new();
        for (i, p) in self.provenance.iter().enumerate() {
            let name = |what: &str| format!("{what}:{pkg}:{i}");
            let source = node_id("source", &name("source"));
            let hash = node_id("hash", &format!("sha256:{}", p.source_sha256));
            let record = node_id("provenance", &name("provenance"));
            let action = node_id("acquisition", &name("acquisition"));
            graph.push(json!({
                "@id": source,
                "@type": "uco-observable:ObservableObject",
                "uco-core:description": p.source,
                "uco-core:hasFacet": [{
                    "@id": node_id("facet", &format!("{}#content", name("source"))),
                    "@type": "uco-observable:ContentDataFacet",
                    "uco-observable:hash": [{
                        "@id": hash,
                        "@type": "uco-types:Hash",
                        "uco-types:hashMethod": "SHA256",
                        "uco-types:hashValue": hex_value(p.source_sha256.as_bytes()),
                    }],
                }],
            }));
            graph.push(json!({
                "@id": record,
                "@type": "case-investigation:ProvenanceRecord",
                "uco-core:description": format!(
                    "Acquisition provenance record {i} of Rogatory package {pkg}"
                ),
                "uco-core:object": p.fields.iter()
                    .map(|f| json!({"@id": field_id(*f)}))
                    .collect::<Vec<_>>(),
            }));
            let mut a = Map::new();
            a.insert("@id".into(), json!(action));
            a.insert(
                "@type".into(),
                json!("case-investigation:InvestigativeAction"),
            );
            a.insert("uco-core:name".into(), json!("acquisition"));
            a.insert("uco-action:startTime".into(), date_time(p.acquired));
            a.insert("uco-action:endTime".into(), date_time(p.acquired));
            if !p.examiner.is_empty() {
                let examiner = node_id("examiner", &name("examiner"));
                graph.push(json!({
                    "@id": examiner,
                    "@type": "uco-identity:Identity",
                    "uco-core:name": p.examiner,
                }));
                a.insert("uco-action:performer".into(), json!({"@id": examiner}));
            }
            if !p.tool.is_empty() {
                let t = node_id("tool", &name("acquisition-tool"));
                let mut node = json!({
                    "@id": t,
                    "@type": "uco-tool:Tool",
                    "uco-core:name": p.tool,
                });
                if !p.tool_version.is_empty()
                    && let Some(o) = node.as_object_mut()
                {
                    o.insert("uco-tool:version".into(), json!(p.tool_version));
                }
                graph.push(node);
                a.insert("uco-action:instrument".into(), json!([{"@id": t}]));
            }
            a.insert("uco-action:object".into(), json!([{"@id": source}]));
            a.insert("uco-action:result".into(), json!([{"@id": record}]));
            graph.push(Value::Object(a));
            acquisitions.push(action);
        }

        let mut previous: Option<String> = None;
        for e in &self.events {
            let id = event_id(&e.event_hash);
            let mut a = Map::new();
            a.insert("@id".into(), json!(id));
            a.insert(
                "@type".into(),
                json!("case-investigation:InvestigativeAction"),
            );
            a.insert("uco-core:name".into(), json!(e.kind));
            a.insert("uco-core:description".into(), json!(describe(e)));
            a.insert("uco-action:startTime".into(), date_time(e.time));
            a.insert("uco-action:endTime".into(), date_time(e.time));
            a.insert(
                "uco-action:performer".into(),
                json!({"@id": party_id(&e.actor_party)}),
            );
            a.insert("uco-action:instrument".into(), json!([{"@id": tool}]));
            let (objects, results) = objects_and_results(e, &package, &self.fields, &field_id);
            if !objects.is_empty() {
                a.insert("uco-action:object".into(), json!(objects));
            }
            if !results.is_empty() {
                a.insert("uco-action:result".into(), json!(results));
            }
            let mut participants: BTreeSet<String> = BTreeSet::new();
            participants.extend(e.receiver_party.iter().map(party_id));
            participants.extend(
                e.details
                    .iter()
                    .filter_map(|d| d.counterpart.as_ref())
                    .map(party_id),
            );
            if !participants.is_empty() {
                let list: Vec<Value> = participants.iter().map(|p| json!({"@id": p})).collect();
                a.insert("uco-action:participant".into(), Value::Array(list));
            }
            let informed_by: Vec<Value> = match &previous {
                Some(p) => vec![json!({"@id": p})],
                None => acquisitions.iter().map(|p| json!({"@id": p})).collect(),
            };
            if !informed_by.is_empty() {
                a.insert(
                    "case-investigation:wasInformedBy".into(),
                    Value::Array(informed_by),
                );
            }
            a.insert("rogatory:sequence".into(), json!(e.sequence));
            a.insert("rogatory:eventKind".into(), json!(e.kind));
            a.insert(
                "rogatory:eventHash".into(),
                hex_value(e.event_hash.as_bytes()),
            );
            a.insert(
                "rogatory:previousEventHash".into(),
                hex_value(e.prev.as_bytes()),
            );
            a.insert(
                "rogatory:actorKeyId".into(),
                hex_value(e.actor_key_id.as_bytes()),
            );
            if let Some(k) = e.receiver_key_id {
                a.insert("rogatory:receiverKeyId".into(), hex_value(k.as_bytes()));
            }
            if let Some(d) = e.bytes_digest {
                a.insert("rogatory:bytesDigestBlake3".into(), hex_value(d.as_bytes()));
            }
            if let Some(h) = e.ledger_head {
                a.insert(
                    "rogatory:receiverLedgerHead".into(),
                    hex_value(h.as_bytes()),
                );
            }
            if !e.removed.is_empty() {
                let list: Vec<String> = e
                    .removed
                    .iter()
                    .map(|r| format!("{}:{}", r.field, ranges_text(&r.segments)))
                    .collect();
                a.insert("rogatory:removedSegments".into(), json!(list));
            }
            if let Some(d) = &e.details {
                for (key, value) in [
                    ("rogatory:reason", &d.reason),
                    ("rogatory:legalBasis", &d.legal_basis),
                    ("rogatory:text", &d.text),
                ] {
                    if !value.is_empty() {
                        a.insert(key.into(), json!(value));
                    }
                }
            }
            graph.push(Value::Object(a));
            previous = Some(id);
        }

        json!({
            "@context": Value::Object(context),
            "@graph": graph,
        })
    }
}

/// What an event acted on and what it produced.
fn objects_and_results(
    e: &ExportEvent,
    package: &str,
    fields: &[ExportField],
    field_id: &dyn Fn(u32) -> String,
) -> (Vec<Value>, Vec<Value>) {
    let package = json!({"@id": package});
    match e.kind {
        // Sealing turns the evidence fields into the package.
        "sealed" => (
            fields
                .iter()
                .map(|f| json!({"@id": field_id(f.index)}))
                .collect(),
            vec![package],
        ),
        // A redaction acts on the package and the fields it names.
        "redacted" => {
            let mut objects = vec![package.clone()];
            objects.extend(e.removed.iter().map(|r| json!({"@id": field_id(r.field)})));
            (objects, vec![package])
        }
        "forwarded" | "received" => (vec![package.clone()], vec![package]),
        _ => (vec![package], Vec::new()),
    }
}

/// One sentence for `uco-core:description`.
fn describe(e: &ExportEvent) -> String {
    let to = e
        .receiver_party
        .as_ref()
        .map(|p| p.to_string())
        .or_else(|| e.receiver_key_id.map(|k| format!("key {k}")))
        .unwrap_or_default();
    match e.kind {
        "sealed" => format!("{} sealed the package", e.actor_party),
        "sent" => format!("{} sent the package to {to}", e.actor_party),
        "received" => format!(
            "{} received the package and signed a receipt",
            e.actor_party
        ),
        "redacted" => format!("{} redacted the package", e.actor_party),
        "forwarded" => format!("{} forwarded the package to {to}", e.actor_party),
        _ => format!("{} appended a note", e.actor_party),
    }
}

/// `kb:rogatory-KIND-UUID`, the UUID formed from
/// `SHA-256("rogatory/v1 case-node" || name)` (spec §10.6).
pub fn node_id(kind: &str, name: &str) -> String {
    format!("kb:rogatory-{kind}-{}", node_uuid(name))
}

/// The UUID-formatted suffix of a node's IRI: the first 16 bytes of
/// `SHA-256("rogatory/v1 case-node" || name)`, with the RFC 9562 variant
/// bits and version nibble 4 set (the value is a hash, not a random draw;
/// the form meets UCO's advice that identifiers end in a UUID).
pub fn node_uuid(name: &str) -> String {
    let d = sha256(&[CASE_NODE, name.as_bytes()]);
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.0[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hex_value(bytes: &[u8]) -> Value {
    json!({"@type": "xsd:hexBinary", "@value": hex::encode(bytes)})
}

fn date_time(t: Timestamp) -> Value {
    json!({"@type": "xsd:dateTime", "@value": format_rfc3339(t)})
}

fn ranges_text(ranges: &[[u32; 2]]) -> String {
    ranges
        .iter()
        .map(|[a, b]| format!("{a}..{b}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use rogatory_wire::{
        CategorySet, FieldKind, FieldName, MediaType, OnwardConsent, Priority, Tag, TagSet, Text,
        Token,
    };
    use serde_json::Value;

    use super::*;
    use crate::actions::{Details, append_event, bytes_digest, receive};
    use crate::seal::{FieldSpec, PackageInfo, Recipient};
    use crate::{Identity, Key32, Package, Sealer, Signer};

    const NOW: Timestamp = Timestamp(1_800_000_000);
    const SOURCE_SHA256: Digest = Digest([0xab; 32]);

    fn party(name: &str, seed: u8) -> Identity {
        Identity::from_secrets(
            PartyId::new(name).unwrap(),
            &Key32::from_bytes([seed; 32]),
            &Key32::from_bytes([seed.wrapping_add(100); 32]),
            Digest([seed; 32]),
            None,
            Timestamp(1_700_000_000),
            Timestamp(1_900_000_000),
        )
        .unwrap()
    }

    fn text(s: &str) -> Text {
        Text::new(s).unwrap()
    }

    fn spec(name: &str, tag: &str) -> FieldSpec {
        FieldSpec {
            name: FieldName::new(name).unwrap(),
            media_type: MediaType::new("text/plain").unwrap(),
            kind: FieldKind::Text,
            tags: TagSet::from_unsorted(vec![Tag::new(tag).unwrap()]).unwrap(),
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        path: std::path::PathBuf,
        sender: Identity,
        receiver: Identity,
        trust: TrustStore,
    }

    /// de.bka seals two fields for fr.pnat, sends the package, fr.pnat
    /// receives it and appends a note: sealed, sent, received, note.
    fn fixture() -> Fixture {
        let sender = party("de.bka", 1);
        let receiver = party("fr.pnat", 2);
        let mut trust = TrustStore::new();
        trust.add(sender.card().clone(), vec![]).unwrap();
        trust
            .add(
                receiver.card().clone(),
                vec![Tag::new("category:content").unwrap()],
            )
            .unwrap();
        let info = PackageInfo {
            case_reference: text("CASE-2026-0042"),
            request_reference: None,
            legal_basis: text("Art. 18 Budapest Convention"),
            issuing_authority: text("Bundeskriminalamt"),
            priority: Priority::Urgent,
            deadline: None,
            purpose: text("criminal investigation"),
            data_categories: CategorySet::from_unsorted(vec![Token::new("content").unwrap()])
                .unwrap(),
            not_before: Timestamp(NOW.0 - 10),
            retain_until: Timestamp(NOW.0 + 86_400),
            onward: OnwardConsent::None,
            provenance: vec![Provenance {
                tool: text("acquire-tool"),
                tool_version: text("4.2"),
                examiner: text("examiner 17"),
                source: text("phone IMEI 350000000000001"),
                source_sha256: SOURCE_SHA256,
                acquired: Timestamp(NOW.0 - 3600),
                fields: vec![0, 1],
            }],
        };
        let recipients = vec![Recipient::from_trust(
            trust.require(&receiver.key_id()).unwrap(),
        )];
        let mut s = Sealer::new(
            Vec::new(),
            &sender,
            recipients,
            info,
            NOW,
            ChaCha20Rng::from_seed([7; 32]),
        )
        .unwrap();
        s.add_field(spec("chat.txt", "category:content"), &mut &b"a\nb\n"[..])
            .unwrap();
        s.add_field(spec("notes.txt", "category:content"), &mut &b"c\n"[..])
            .unwrap();
        let bytes = s.seal().unwrap().writer;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.rgp");
        std::fs::write(&path, bytes).unwrap();
        let mut rng = ChaCha20Rng::from_seed([8; 32]);
        append_event(
            &path,
            &sender,
            &trust,
            Timestamp(NOW.0 + 10),
            EventBody::Sent {
                receiver: receiver.key_id(),
            },
            Details {
                counterpart: Some(receiver.party().clone()),
                ..Details::default()
            },
            &mut rng,
        )
        .unwrap();
        let offered = bytes_digest(&path).unwrap();
        receive(
            &path,
            &receiver,
            &trust,
            Timestamp(NOW.0 + 20),
            offered,
            Digest([0x11; 32]),
            Some(sender.party().clone()),
            &mut rng,
        )
        .unwrap();
        append_event(
            &path,
            &receiver,
            &trust,
            Timestamp(NOW.0 + 30),
            EventBody::Note,
            Details {
                text: Some(text("checked the seals")),
                ..Details::default()
            },
            &mut rng,
        )
        .unwrap();
        Fixture {
            _dir: dir,
            path,
            sender,
            receiver,
            trust,
        }
    }

    fn with_key(f: &Fixture, who: &Identity) -> ChainExport {
        let v = Package::open(&f.path).unwrap().verify(&f.trust).unwrap();
        let u = v.unlock_for_verification(who).unwrap();
        ChainExport::unlocked(&u, &f.trust).unwrap()
    }

    fn without_key(f: &Fixture) -> ChainExport {
        let v = Package::open(&f.path).unwrap().verify(&f.trust).unwrap();
        ChainExport::verified(&v, &f.trust).unwrap()
    }

    /// Every node object (anything with `@id` and more than `@id`) in the
    /// document, nested ones included, by `@id`.
    fn nodes(v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(id)) = o.get("@id")
                    && o.len() > 1
                {
                    assert!(
                        out.insert(id.clone(), v.clone()).is_none(),
                        "node {id} defined twice"
                    );
                }
                o.values().for_each(|x| nodes(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| nodes(x, out)),
            _ => {}
        }
    }

    /// Every `{"@id": X}` reference in the document.
    fn references(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(o) => {
                if let (1, Some(Value::String(id))) = (o.len(), o.get("@id")) {
                    out.insert(id.clone());
                }
                o.values().for_each(|x| references(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| references(x, out)),
            _ => {}
        }
    }

    fn types(n: &Value) -> Vec<String> {
        match &n["@type"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
            _ => vec![],
        }
    }

    fn of_type<'a>(all: &'a BTreeMap<String, Value>, t: &str) -> Vec<&'a Value> {
        all.values()
            .filter(|n| types(n).iter().any(|x| x == t))
            .collect()
    }

    #[test]
    fn json_export_carries_the_chain_and_the_details() {
        let f = fixture();
        let e = with_key(&f, &f.receiver);
        assert_eq!(e.format, JSON_FORMAT);
        assert!(e.details_included);
        let kinds: Vec<&str> = e.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["sealed", "sent", "received", "note"]);
        assert_eq!(
            e.events[1].receiver_party.as_ref(),
            Some(f.receiver.party())
        );
        assert_eq!(e.events[2].ledger_head, Some(Digest([0x11; 32])));
        assert!(e.events[2].bytes_digest.is_some());
        for w in e.events.windows(2) {
            assert_eq!(w[1].prev, w[0].event_hash, "the chain links");
        }
        let d = e.events[3].details.as_ref().unwrap();
        assert_eq!(d.text, "checked the seals");
        let d = e.events[0].details.as_ref().unwrap();
        assert_eq!(d.legal_basis, "Art. 18 Budapest Convention");
        assert_eq!(e.provenance.len(), 1);
        assert_eq!(e.fields.len(), 2);

        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["events"][0]["time"], "2027-01-15T08:00:00Z");
        assert_eq!(v["events"][1]["receiver_party"], "fr.pnat");
        assert_eq!(v["events"][3]["details"]["text"], "checked the seals");
        assert_eq!(v["events"][0]["actor_key_id"], f.sender.key_id().to_hex());
        let text = e.to_text();
        assert!(text.contains("checked the seals"), "{text}");
        assert!(text.contains("  1  sent       "), "{text}");
        assert!(text.contains(" to fr.pnat"), "{text}");

        // Without a key: the clear parts only.
        let e = without_key(&f);
        assert!(!e.details_included);
        assert!(e.events.iter().all(|e| e.details.is_none()));
        assert!(e.provenance.is_empty() && e.fields.is_empty());
        assert!(
            !serde_json::to_string(&e)
                .unwrap()
                .contains("checked the seals")
        );
    }

    #[test]
    fn case_export_is_well_formed_json_ld_with_the_expected_types() {
        let f = fixture();
        let e = with_key(&f, &f.receiver);
        let doc = e.to_case();
        // It is JSON text a JSON-LD processor reads: an @context of
        // prefixes and an @graph of node objects.
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let ctx = doc["@context"].as_object().unwrap();
        for (prefix, iri) in CASE_CONTEXT {
            assert_eq!(ctx[prefix], iri);
        }
        assert_eq!(
            ctx["uco-core"],
            "https://ontology.unifiedcyberontology.org/uco/core/"
        );
        let graph = doc["@graph"].as_array().unwrap();
        assert!(
            graph
                .iter()
                .all(|n| n["@id"].is_string() && n["@type"].is_string())
        );

        let mut all = BTreeMap::new();
        nodes(&doc["@graph"], &mut all);
        // Every node is named, with a stable IRI ending in a UUID.
        for id in all.keys() {
            let rest = id.strip_prefix("kb:rogatory-").unwrap();
            let uuid = &rest[rest.len() - 36..];
            assert_eq!(uuid.len(), 36);
            assert_eq!(uuid.as_bytes()[14], b'4', "{id}");
            assert!(
                uuid.chars()
                    .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
        // Every reference names a node of the graph.
        let mut refs = BTreeSet::new();
        references(&doc, &mut refs);
        for r in &refs {
            assert!(all.contains_key(r), "dangling reference {r}");
        }

        let actions = of_type(&all, "case-investigation:InvestigativeAction");
        assert_eq!(actions.len(), 5, "four custody events and one acquisition");
        let events: Vec<&&Value> = actions
            .iter()
            .filter(|a| a["uco-core:name"] != "acquisition")
            .collect();
        let orgs = of_type(&all, "uco-identity:Organization");
        let names: BTreeSet<&str> = orgs
            .iter()
            .filter_map(|o| o["uco-core:name"].as_str())
            .collect();
        assert_eq!(names, BTreeSet::from(["de.bka", "fr.pnat"]));
        assert_eq!(
            of_type(&all, "case-investigation:ProvenanceRecord").len(),
            1
        );
        assert_eq!(of_type(&all, "uco-observable:File").len(), 2);
        assert!(!of_type(&all, "uco-tool:Tool").is_empty());
        for a in &events {
            let performer = a["uco-action:performer"]["@id"].as_str().unwrap();
            assert_eq!(types(&all[performer]), ["uco-identity:Organization"]);
            let tool = a["uco-action:instrument"][0]["@id"].as_str().unwrap();
            assert_eq!(types(&all[tool]), ["uco-tool:Tool"]);
            assert_eq!(a["uco-action:startTime"]["@type"], "xsd:dateTime");
            assert_eq!(a["uco-action:startTime"], a["uco-action:endTime"]);
            assert!(a["uco-action:object"].is_array());
        }
        let by_seq = |n: u64| *events.iter().find(|a| a["rogatory:sequence"] == n).unwrap();
        let sealed = by_seq(0);
        assert_eq!(sealed["uco-core:name"], "sealed");
        assert_eq!(sealed["uco-action:object"].as_array().unwrap().len(), 2);
        let acquisition = sealed["case-investigation:wasInformedBy"][0]["@id"]
            .as_str()
            .unwrap();
        assert_eq!(all[acquisition]["uco-core:name"], "acquisition");
        for n in 1..4 {
            assert_eq!(
                by_seq(n)["case-investigation:wasInformedBy"][0]["@id"],
                by_seq(n - 1)["@id"]
            );
        }
        assert_eq!(by_seq(3)["rogatory:text"], "checked the seals");
        let sent = by_seq(1);
        let receiver = sent["uco-action:participant"][0]["@id"].as_str().unwrap();
        assert_eq!(all[receiver]["uco-core:name"], "fr.pnat");

        // Hash facets only for SHA-256 file hashes: the source hash. The
        // package digest and the BLAKE3 bytes digest are plain properties.
        let hashes = of_type(&all, "uco-types:Hash");
        assert_eq!(hashes.len(), 1);
        assert_eq!(hashes[0]["uco-types:hashMethod"], "SHA256");
        assert_eq!(
            hashes[0]["uco-types:hashValue"]["@value"],
            SOURCE_SHA256.to_hex()
        );
        let package = &all[sealed["uco-action:result"][0]["@id"].as_str().unwrap()];
        assert_eq!(
            package["rogatory:packageDigest"]["@value"],
            e.package_digest.to_hex()
        );
        let received = by_seq(2);
        assert_eq!(
            received["rogatory:bytesDigestBlake3"]["@type"],
            "xsd:hexBinary"
        );
        assert!(!text.contains("\"BLAKE3\""));

        // Deterministic, and without a key still a valid graph (no
        // provenance, no fields).
        assert_eq!(e.to_case(), doc);
        let bare = without_key(&f).to_case();
        let mut all = BTreeMap::new();
        nodes(&bare, &mut all);
        assert!(of_type(&all, "case-investigation:ProvenanceRecord").is_empty());
        assert_eq!(
            of_type(&all, "case-investigation:InvestigativeAction").len(),
            4
        );
    }

    #[test]
    fn node_ids_are_stable_and_distinct() {
        // The example of spec §10.6.
        assert_eq!(
            node_id("party", "party:de.bka"),
            "kb:rogatory-party-5d8d49d9-2dd2-422b-bc7f-0fe9631c7c36"
        );
        assert_eq!(node_uuid("event:x"), node_uuid("event:x"));
        assert_ne!(node_uuid("event:x"), node_uuid("event:y"));
        let u = node_uuid("party:de.bka");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert!(node_id("party", "party:de.bka").starts_with("kb:rogatory-party-"));
    }

    /// Validates the CASE export against the published CASE ontology with
    /// `case_validate` (PyPI `case-utils`), if it is installed; CI installs
    /// it and sets `ROGATORY_REQUIRE_CASE_VALIDATE=1`, which makes its
    /// absence a failure.
    #[test]
    fn case_export_validates_against_the_case_ontology() {
        let installed = std::process::Command::new("case_validate")
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            installed || std::env::var_os("ROGATORY_REQUIRE_CASE_VALIDATE").is_none(),
            "ROGATORY_REQUIRE_CASE_VALIDATE is set but `case_validate` is not on PATH"
        );
        if !installed {
            eprintln!(
                "SKIPPED case_export_validates_against_the_case_ontology: `case_validate` is not \
                 installed (pip install case-utils)"
            );
            return;
        }
        let f = fixture();
        let dir = tempfile::tempdir().unwrap();
        for (name, doc) in [
            ("with-key.jsonld", with_key(&f, &f.receiver).to_case()),
            ("without-key.jsonld", without_key(&f).to_case()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
            validate(&path);
        }
    }

    fn validate(path: &Path) {
        let out = std::process::Command::new("case_validate")
            .arg(path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("Conforms: True"),
            "case_validate {}:\n{stdout}{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
