//! The seal request, as read from a `--manifest` TOML file and the command
//! line, merged: the command line overrides the manifest. The format is
//! documented in `rogatory seal --help` and `examples/manifest.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{KindArg, PriorityArg, SealArgs};
use crate::error::{CliError, Result};

/// The manifest file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    to: Vec<String>,
    case: Option<String>,
    request: Option<String>,
    legal_basis: Option<String>,
    authority: Option<String>,
    priority: Option<String>,
    deadline: Option<String>,
    purpose: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    not_before: Option<String>,
    retain_until: Option<String>,
    onward: Option<Onward>,
    provenance: Option<ManifestProvenance>,
    #[serde(default, rename = "field")]
    fields: Vec<ManifestField>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestProvenance {
    tool: Option<String>,
    tool_version: Option<String>,
    examiner: Option<String>,
    source: Option<String>,
    source_file: Option<PathBuf>,
    source_sha256: Option<String>,
    acquired: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestField {
    name: String,
    path: PathBuf,
    #[serde(default)]
    tags: Vec<String>,
    media_type: Option<String>,
    kind: Option<String>,
}

/// Onward-transfer consent as written: `none`, `any`, `ID,ID`, or a list of
/// party ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Onward {
    /// `none`, `any` or comma-separated party ids.
    Word(String),
    /// Party ids.
    Parties(Vec<String>),
}

/// One field of the request.
#[derive(Debug, Clone)]
pub struct FieldRequest {
    /// The field's name.
    pub name: String,
    /// The file to read.
    pub path: PathBuf,
    /// Access tags, as written.
    pub tags: Vec<String>,
    /// Media type, if given.
    pub media_type: Option<String>,
    /// Segmenting rule, if given.
    pub kind: Option<KindArg>,
}

/// The acquisition provenance of the request.
#[derive(Debug, Clone, Default)]
pub struct ProvenanceRequest {
    /// Tool.
    pub tool: Option<String>,
    /// Tool version.
    pub tool_version: Option<String>,
    /// Examiner.
    pub examiner: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// A file to hash for the source's SHA-256.
    pub source_file: Option<PathBuf>,
    /// The source's SHA-256, hex.
    pub source_sha256: Option<String>,
    /// Acquisition date.
    pub acquired: Option<String>,
}

impl ProvenanceRequest {
    /// Whether any provenance was given.
    pub fn is_empty(&self) -> bool {
        self.tool.is_none()
            && self.tool_version.is_none()
            && self.examiner.is_none()
            && self.source.is_none()
            && self.source_file.is_none()
            && self.source_sha256.is_none()
            && self.acquired.is_none()
    }
}

/// The whole request, merged; still as text, checked by the seal command.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Recipients.
    pub to: Vec<String>,
    /// Fields, in package order.
    pub fields: Vec<FieldRequest>,
    /// Case reference.
    pub case: Option<String>,
    /// Request reference.
    pub request: Option<String>,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// Issuing authority.
    pub authority: Option<String>,
    /// Priority.
    pub priority: Option<PriorityArg>,
    /// Deadline.
    pub deadline: Option<String>,
    /// Purpose.
    pub purpose: Option<String>,
    /// Data categories.
    pub categories: Vec<String>,
    /// Not before.
    pub not_before: Option<String>,
    /// Retain until.
    pub retain_until: Option<String>,
    /// Onward consent.
    pub onward: Option<Onward>,
    /// Provenance.
    pub provenance: ProvenanceRequest,
}

fn parse_kind(s: &str) -> Option<KindArg> {
    match s {
        "text" => Some(KindArg::Text),
        "binary" => Some(KindArg::Binary),
        _ => None,
    }
}

fn parse_priority(s: &str) -> Option<PriorityArg> {
    match s {
        "normal" => Some(PriorityArg::Normal),
        "urgent" => Some(PriorityArg::Urgent),
        "immediate" => Some(PriorityArg::Immediate),
        _ => None,
    }
}

/// Splits `NAME=VALUE` of the option `--option`.
fn split_pair<'a>(option: &str, s: &'a str) -> Result<(&'a str, &'a str)> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name, value)),
        _ => Err(CliError::usage(format!(
            "{option} {s:?}: expected NAME=VALUE"
        ))),
    }
}

impl Request {
    /// Reads a manifest; its relative paths are taken from its directory.
    fn from_manifest(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(CliError::io_path("reading manifest", path))?;
        let bad = |detail: String| CliError::Manifest {
            path: path.display().to_string(),
            detail,
        };
        let m: Manifest = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let mut fields = Vec::with_capacity(m.fields.len());
        for f in m.fields {
            let kind = match &f.kind {
                Some(k) => Some(parse_kind(k).ok_or_else(|| {
                    bad(format!(
                        "field {:?}: kind {k:?} is neither text nor binary",
                        f.name
                    ))
                })?),
                None => None,
            };
            if fields.iter().any(|g: &FieldRequest| g.name == f.name) {
                return Err(bad(format!("two fields named {:?}", f.name)));
            }
            fields.push(FieldRequest {
                name: f.name,
                path: base.join(f.path),
                tags: f.tags,
                media_type: f.media_type,
                kind,
            });
        }
        let priority = match &m.priority {
            Some(p) => Some(parse_priority(p).ok_or_else(|| {
                bad(format!("priority {p:?} is not normal, urgent or immediate"))
            })?),
            None => None,
        };
        let p = m.provenance.unwrap_or_default();
        Ok(Self {
            to: m.to,
            fields,
            case: m.case,
            request: m.request,
            legal_basis: m.legal_basis,
            authority: m.authority,
            priority,
            deadline: m.deadline,
            purpose: m.purpose,
            categories: m.categories,
            not_before: m.not_before,
            retain_until: m.retain_until,
            onward: m.onward,
            provenance: ProvenanceRequest {
                tool: p.tool,
                tool_version: p.tool_version,
                examiner: p.examiner,
                source: p.source,
                source_file: p.source_file.map(|f| base.join(f)),
                source_sha256: p.source_sha256,
                acquired: p.acquired,
            },
        })
    }

    /// The manifest (if any) with the command line laid over it.
    pub fn from_args(args: &SealArgs) -> Result<Self> {
        let mut r = match &args.manifest {
            Some(path) => Self::from_manifest(path)?,
            None => Self::default(),
        };
        let set = |slot: &mut Option<String>, v: &Option<String>| {
            if v.is_some() {
                slot.clone_from(v);
            }
        };
        if !args.to.is_empty() {
            r.to.clone_from(&args.to);
        }
        if !args.categories.is_empty() {
            r.categories.clone_from(&args.categories);
        }
        set(&mut r.case, &args.case);
        set(&mut r.request, &args.request);
        set(&mut r.legal_basis, &args.legal_basis);
        set(&mut r.authority, &args.authority);
        set(&mut r.deadline, &args.deadline);
        set(&mut r.purpose, &args.purpose);
        set(&mut r.not_before, &args.not_before);
        set(&mut r.retain_until, &args.retain_until);
        if let Some(p) = args.priority {
            r.priority = Some(p);
        }
        if let Some(o) = &args.onward {
            r.onward = Some(Onward::Word(o.clone()));
        }
        let p = &mut r.provenance;
        set(&mut p.tool, &args.tool);
        set(&mut p.tool_version, &args.tool_version);
        set(&mut p.examiner, &args.examiner);
        set(&mut p.source, &args.source);
        set(&mut p.acquired, &args.acquired);
        if args.source_file.is_some() || args.source_sha256.is_some() {
            p.source_file.clone_from(&args.source_file);
            p.source_sha256.clone_from(&args.source_sha256);
        }

        // Per-field options, keyed by name: override the manifest's field of
        // that name, or add a field.
        let mut cli_tags: Vec<(String, Vec<String>)> = Vec::new();
        for s in &args.fields {
            let (name, path) = split_pair("--field", s)?;
            if path.is_empty() {
                return Err(CliError::usage(format!("--field {s:?}: empty path")));
            }
            match r.fields.iter_mut().find(|f| f.name == name) {
                Some(f) => f.path = PathBuf::from(path),
                None => r.fields.push(FieldRequest {
                    name: name.to_owned(),
                    path: PathBuf::from(path),
                    tags: Vec::new(),
                    media_type: None,
                    kind: None,
                }),
            }
        }
        for s in &args.tags {
            let (name, tags) = split_pair("--tags", s)?;
            let tags = tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match cli_tags.iter_mut().find(|(n, _)| n == name) {
                Some((_, list)) => list.extend(tags),
                None => cli_tags.push((name.to_owned(), tags.collect())),
            }
        }
        for (name, tags) in cli_tags {
            r.field_mut("--tags", &name)?.tags = tags;
        }
        for s in &args.media_types {
            let (name, media_type) = split_pair("--media-type", s)?;
            r.field_mut("--media-type", name)?.media_type = Some(media_type.to_owned());
        }
        for s in &args.kinds {
            let (name, kind) = split_pair("--kind", s)?;
            let kind = parse_kind(kind).ok_or_else(|| {
                CliError::usage(format!("--kind {s:?}: {kind:?} is neither text nor binary"))
            })?;
            r.field_mut("--kind", name)?.kind = Some(kind);
        }
        Ok(r)
    }

    fn field_mut(&mut self, option: &str, name: &str) -> Result<&mut FieldRequest> {
        self.fields
            .iter_mut()
            .find(|f| f.name == name)
            .ok_or_else(|| {
                CliError::usage(format!(
                    "{option} names {name:?}, which is not a field (give --field {name}=PATH)"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> SealArgs {
        let mut argv = vec!["rogatory", "seal", "--key", "k", "--trust", "t", "-o", "p"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Seal(a) => *a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn example_manifest_parses_and_the_command_line_overrides_it() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifest.toml");
        let a = args(&[
            "--manifest",
            path.to_str().unwrap(),
            "--case",
            "OTHER-1",
            "--tags",
            "chat.txt=category:content",
            "--field",
            "extra.bin=/tmp/x",
            "--tags",
            "extra.bin=category:content,sensitivity:restricted",
        ]);
        let r = Request::from_args(&a).unwrap();
        assert_eq!(r.case.as_deref(), Some("OTHER-1"));
        assert_eq!(
            r.legal_basis.as_deref(),
            Some("Art. 18 Budapest Convention")
        );
        assert_eq!(r.to, ["fr.pnat", "nl.om"]);
        let chat = r.fields.iter().find(|f| f.name == "chat.txt").unwrap();
        assert_eq!(chat.tags, ["category:content"]);
        assert_eq!(chat.path, path.parent().unwrap().join("evidence/chat.txt"));
        let extra = r.fields.last().unwrap();
        assert_eq!(extra.name, "extra.bin");
        assert_eq!(extra.tags.len(), 2);
        assert_eq!(r.priority, Some(PriorityArg::Urgent));
    }

    #[test]
    fn per_field_options_need_a_field() {
        let a = args(&["--tags", "nope=category:content"]);
        assert!(Request::from_args(&a).is_err());
        let a = args(&["--field", "noequals"]);
        assert!(Request::from_args(&a).is_err());
    }
}
