//! What a redaction asks for ([`Request`]) and what it will remove
//! ([`Plan`]): by field and segment, each with the reasons it goes (a
//! command-line selector, a rule, a detector's category). A plan never holds
//! the text a detector matched.

use std::collections::BTreeMap;

use rogatory_wire::SegmentSet;
use serde::{Serialize, Serializer};

use crate::detect::Finding;
use crate::policy::Policy;
use crate::range::format_ranges;

/// What to remove.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Fields to drop whole, by name.
    pub drop_fields: Vec<String>,
    /// Segments to drop, by field name.
    pub drop_segments: Vec<(String, SegmentSet)>,
    /// Rules: fields dropped by name, segments in which detectors find
    /// something.
    pub policy: Policy,
}

/// Why something goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// `--drop-field`.
    DropField,
    /// `--drop-segments`.
    DropSegments,
    /// A policy rule that drops the field, by the rule's name.
    Rule(String),
    /// A detector found something in the segment (rule, finding).
    Detected {
        /// The rule's name.
        rule: String,
        /// The category or pattern.
        finding: Finding,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::DropField => f.write_str("drop-field"),
            Reason::DropSegments => f.write_str("drop-segments"),
            Reason::Rule(r) => write!(f, "rule {r:?}"),
            Reason::Detected { finding, .. } => write!(f, "{finding}"),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn ranges<S: Serializer>(set: &SegmentSet, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_ranges(set))
}

/// One segment that goes, and why.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentPlan {
    /// The segment index (never renumbered).
    pub segment: u32,
    /// Why it goes: selectors and detector categories, never the match.
    pub reasons: Vec<Reason>,
}

/// What goes from one field.
#[derive(Clone, Debug, Serialize)]
pub struct FieldPlan {
    /// Field index.
    pub index: u32,
    /// Field name.
    pub name: String,
    /// The field's number of segments (leaves).
    pub segment_count: u32,
    /// Whether the whole field goes (every present segment, and the field
    /// becomes `Removed`).
    pub whole: bool,
    /// Why the whole field goes, when it does.
    pub whole_reasons: Vec<Reason>,
    /// The segments that go, in the range syntax.
    #[serde(serialize_with = "ranges")]
    pub removes: SegmentSet,
    /// The segments that stay, in the range syntax.
    #[serde(serialize_with = "ranges")]
    pub keeps: SegmentSet,
    /// The segments `--drop-segments` selected (those still present).
    #[serde(serialize_with = "ranges")]
    pub selected: SegmentSet,
    /// Per segment in which a detector found something, why.
    pub segments: Vec<SegmentPlan>,
}

/// A field the plan could not look into, and why (for reports).
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    /// Field index.
    pub index: u32,
    /// Field name.
    pub name: String,
    /// Why.
    pub why: String,
}

/// What a redaction will remove, field by field in index order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    /// The fields that lose segments or go whole.
    pub fields: Vec<FieldPlan>,
    /// Fields not scanned or not touched, with the reason.
    pub skipped: Vec<Skipped>,
}

impl Plan {
    /// Whether the plan removes nothing.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Segments removed in all.
    pub fn segments_removed(&self) -> u64 {
        self.fields.iter().map(|f| f.removes.count()).sum()
    }
}

/// Collects reasons per field and segment while a plan is made.
#[derive(Default)]
pub(crate) struct Collector {
    pub(crate) whole: BTreeMap<u32, Vec<Reason>>,
    pub(crate) selected: BTreeMap<u32, SegmentSet>,
    pub(crate) segments: BTreeMap<u32, BTreeMap<u32, Vec<Reason>>>,
}

impl Collector {
    pub(crate) fn whole(&mut self, field: u32, reason: Reason) {
        let v = self.whole.entry(field).or_default();
        if !v.contains(&reason) {
            v.push(reason);
        }
    }

    pub(crate) fn select(&mut self, field: u32, set: &SegmentSet) {
        let e = self.selected.entry(field).or_default();
        *e = crate::range::union(e, set);
    }

    pub(crate) fn segment(&mut self, field: u32, segment: u32, reason: Reason) {
        let v = self
            .segments
            .entry(field)
            .or_default()
            .entry(segment)
            .or_default();
        if !v.contains(&reason) {
            v.push(reason);
        }
    }
}
