//! The transparency report (spec §11.5): what a party's ledger says it did,
//! as counts an oversight body can publish.
//!
//! ```text
//! DIR/ledger.log ──ledger::verify──▶ verified lines ──summarize(now, since)──▶ TransparencyReport
//! ```
//!
//! Only counts leave the ledger: packages per partner jurisdiction, per legal
//! basis, per data category and per priority, redactions and their reasons,
//! fields opened, packages past their retain-until. Never a package id, a
//! package digest, a case reference or any content. The maps are
//! `BTreeMap`s, so the same ledger always gives the same serialized report.
//!
//! Two kinds of count:
//! - [`TransparencyReport::actions`] counts ledger lines: one per action the
//!   party took (a package sealed for two recipients is two `sealed` lines,
//!   one per partner, spec §11.4);
//! - the breakdowns (`by_partner`, `by_legal_basis`, `by_category`,
//!   `by_priority`) count distinct packages: a cell is the number of packages
//!   with at least one line of that action and that partner, legal basis,
//!   category or priority in the period.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rogatory_wire::{LedgerAction, LedgerLine, PackageId, Priority, Timestamp};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ledger::{self, LedgerReport, line_hash};

/// Per action, a count (lines or distinct packages, as the position says).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ActionCounts {
    /// Sealed.
    pub sealed: u64,
    /// Sent.
    pub sent: u64,
    /// Received (with a receipt).
    pub received: u64,
    /// Redacted.
    pub redacted: u64,
    /// Forwarded.
    pub forwarded: u64,
    /// Notes appended.
    pub note: u64,
    /// Opened (ledger only).
    pub opened: u64,
    /// Exported (ledger only).
    pub exported: u64,
}

impl ActionCounts {
    /// The count of one action.
    pub fn get(&self, action: LedgerAction) -> u64 {
        match action {
            LedgerAction::Sealed => self.sealed,
            LedgerAction::Sent => self.sent,
            LedgerAction::Received => self.received,
            LedgerAction::Redacted => self.redacted,
            LedgerAction::Forwarded => self.forwarded,
            LedgerAction::Note => self.note,
            LedgerAction::Opened => self.opened,
            LedgerAction::Exported => self.exported,
        }
    }

    fn slot(&mut self, action: LedgerAction) -> &mut u64 {
        match action {
            LedgerAction::Sealed => &mut self.sealed,
            LedgerAction::Sent => &mut self.sent,
            LedgerAction::Received => &mut self.received,
            LedgerAction::Redacted => &mut self.redacted,
            LedgerAction::Forwarded => &mut self.forwarded,
            LedgerAction::Note => &mut self.note,
            LedgerAction::Opened => &mut self.opened,
            LedgerAction::Exported => &mut self.exported,
        }
    }

    /// The sum over all actions.
    pub fn total(&self) -> u64 {
        ALL_ACTIONS.iter().map(|a| self.get(*a)).sum()
    }
}

/// Every ledger action, in tag order: the columns of a report.
pub const ALL_ACTIONS: [LedgerAction; 8] = [
    LedgerAction::Sealed,
    LedgerAction::Sent,
    LedgerAction::Received,
    LedgerAction::Redacted,
    LedgerAction::Forwarded,
    LedgerAction::Note,
    LedgerAction::Opened,
    LedgerAction::Exported,
];

/// Redactions in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RedactionCounts {
    /// Redactions (ledger lines).
    pub redactions: u64,
    /// Distinct packages redacted.
    pub packages: u64,
    /// Fields touched, summed over the redactions.
    pub fields: u64,
    /// Redactions per stated reason.
    pub by_reason: BTreeMap<String, u64>,
    /// Redactions that state no reason.
    pub without_reason: u64,
}

/// Openings in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OpenedCounts {
    /// Times a package was opened (ledger lines).
    pub openings: u64,
    /// Distinct packages opened.
    pub packages: u64,
    /// Fields opened, summed over the openings.
    pub fields: u64,
}

/// Retention as it stands at `now`, over the whole ledger (not only the
/// period: a package sealed before `since` may still be held past its date).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RetentionCounts {
    /// Distinct packages whose retain-until the ledger records.
    pub packages: u64,
    /// Of those, packages whose retain-until (inclusive, as last recorded)
    /// is before `now`.
    pub past_retain_until: u64,
}

/// The transparency report of one ledger.
#[derive(Clone, Debug, Serialize)]
pub struct TransparencyReport {
    /// The verified ledger: owner, number of lines, head. Absent when the
    /// report was made from lines the caller passed in.
    pub ledger: Option<LedgerReport>,
    /// The time the report was made at (retention is judged against it).
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub now: Timestamp,
    /// The period starts here (inclusive); absent: the whole ledger.
    #[serde(serialize_with = "crate::time::rfc3339_opt")]
    pub since: Option<Timestamp>,
    /// Time of the first line counted.
    #[serde(serialize_with = "crate::time::rfc3339_opt")]
    pub first: Option<Timestamp>,
    /// Time of the last line counted.
    #[serde(serialize_with = "crate::time::rfc3339_opt")]
    pub last: Option<Timestamp>,
    /// Lines counted (those in the period).
    pub lines: u64,
    /// Distinct packages those lines concern.
    pub packages: u64,
    /// Lines per action.
    pub actions: ActionCounts,
    /// Per partner jurisdiction, distinct packages per action.
    pub by_partner: BTreeMap<String, ActionCounts>,
    /// Per legal basis, distinct packages per action.
    pub by_legal_basis: BTreeMap<String, ActionCounts>,
    /// Per data category, distinct packages per action.
    pub by_category: BTreeMap<String, ActionCounts>,
    /// Per priority, distinct packages per action.
    pub by_priority: BTreeMap<String, ActionCounts>,
    /// Redactions and their reasons.
    pub redactions: RedactionCounts,
    /// Fields opened.
    pub opened: OpenedCounts,
    /// Packages past their retain-until at `now`.
    pub retention: RetentionCounts,
}

/// The name of a priority, as the report shows it.
pub fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Normal => "normal",
        Priority::Urgent => "urgent",
        Priority::Immediate => "immediate",
    }
}

/// Distinct packages per key and action, before they become counts.
#[derive(Default)]
struct Breakdown(BTreeMap<String, BTreeMap<LedgerAction, BTreeSet<PackageId>>>);

impl Breakdown {
    fn add(&mut self, key: &str, action: LedgerAction, package: PackageId) {
        self.0
            .entry(key.to_owned())
            .or_default()
            .entry(action)
            .or_default()
            .insert(package);
    }

    fn counts(self) -> BTreeMap<String, ActionCounts> {
        self.0
            .into_iter()
            .map(|(key, per_action)| {
                let mut c = ActionCounts::default();
                for (action, packages) in per_action {
                    *c.slot(action) = packages.len() as u64;
                }
                (key, c)
            })
            .collect()
    }
}

/// Counts `lines` (a ledger's lines, in order): those at or after `since`
/// for the period's counts, all of them for retention, judged at `now`.
pub fn summarize<'a>(
    lines: impl IntoIterator<Item = &'a LedgerLine>,
    now: Timestamp,
    since: Option<Timestamp>,
) -> TransparencyReport {
    let mut actions = ActionCounts::default();
    let mut packages = BTreeSet::new();
    let mut partner = Breakdown::default();
    let mut legal_basis = Breakdown::default();
    let mut category = Breakdown::default();
    let mut priority = Breakdown::default();
    let mut redactions = RedactionCounts::default();
    let mut redacted = BTreeSet::new();
    let mut opened = OpenedCounts::default();
    let mut opened_packages = BTreeSet::new();
    let mut retain: BTreeMap<PackageId, Timestamp> = BTreeMap::new();
    let (mut first, mut last) = (None, None);
    let mut counted = 0u64;

    for l in lines {
        if let Some(t) = l.retain_until {
            // The last line that records it wins (lines are in order).
            retain.insert(l.package_id, t);
        }
        if since.is_some_and(|s| l.time < s) {
            continue;
        }
        counted += 1;
        first = Some(first.map_or(l.time, |f: Timestamp| f.min(l.time)));
        last = Some(last.map_or(l.time, |f: Timestamp| f.max(l.time)));
        packages.insert(l.package_id);
        *actions.slot(l.action) += 1;
        if let Some(p) = &l.partner {
            partner.add(p.as_str(), l.action, l.package_id);
        }
        if let Some(b) = l.legal_basis.as_ref().filter(|b| !b.as_str().is_empty()) {
            legal_basis.add(b.as_str(), l.action, l.package_id);
        }
        for c in &l.categories {
            category.add(c.as_str(), l.action, l.package_id);
        }
        if let Some(p) = l.priority {
            priority.add(priority_name(p), l.action, l.package_id);
        }
        match l.action {
            LedgerAction::Redacted => {
                redactions.redactions += 1;
                redactions.fields += u64::from(l.fields);
                redacted.insert(l.package_id);
                match l.reason.as_ref().filter(|r| !r.as_str().is_empty()) {
                    Some(r) => *redactions.by_reason.entry(r.to_string()).or_default() += 1,
                    None => redactions.without_reason += 1,
                }
            }
            LedgerAction::Opened => {
                opened.openings += 1;
                opened.fields += u64::from(l.fields);
                opened_packages.insert(l.package_id);
            }
            _ => {}
        }
    }
    redactions.packages = redacted.len() as u64;
    opened.packages = opened_packages.len() as u64;
    let retention = RetentionCounts {
        packages: retain.len() as u64,
        past_retain_until: retain.values().filter(|t| now > **t).count() as u64,
    };
    TransparencyReport {
        ledger: None,
        now,
        since,
        first,
        last,
        lines: counted,
        packages: packages.len() as u64,
        actions,
        by_partner: partner.counts(),
        by_legal_basis: legal_basis.counts(),
        by_category: category.counts(),
        by_priority: priority.counts(),
        redactions,
        opened,
        retention,
    }
}

/// Verifies the ledger in `dir` ([`ledger::verify`]) and reports on it.
/// Refuses a ledger that does not verify.
pub fn from_ledger(
    dir: &Path,
    now: Timestamp,
    since: Option<Timestamp>,
) -> Result<TransparencyReport> {
    let verified = ledger::verify(dir)?;
    let all = ledger::entries(dir)?;
    // Count exactly the lines that verified, even if one was appended since.
    let n = usize::try_from(verified.lines).map_err(|_| CoreError::BadFile {
        what: "ledger",
        detail: "too many lines".into(),
    })?;
    let lines = all.get(..n).ok_or_else(|| CoreError::BadFile {
        what: "ledger",
        detail: "the log changed while it was read".into(),
    })?;
    if let Some(last) = lines.last()
        && line_hash(&last.line)? != verified.head
    {
        return Err(CoreError::BadFile {
            what: "ledger",
            detail: "the log changed while it was read".into(),
        });
    }
    let mut report = summarize(lines.iter().map(|e| &e.line), now, since);
    report.ledger = Some(verified);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rogatory_wire::{CategorySet, Digest, KeyId, PartyId, Text, Token};

    fn line(
        seq: u64,
        time: u64,
        action: LedgerAction,
        package: u8,
        partner: Option<&str>,
    ) -> LedgerLine {
        LedgerLine {
            sequence: seq,
            prev: Digest::ZERO,
            time: Timestamp(time),
            actor: KeyId([1; 32]),
            action,
            package_id: PackageId([package; 16]),
            package_digest: Digest([package; 32]),
            event: None,
            partner: partner.map(|p| PartyId::new(p).unwrap()),
            legal_basis: None,
            categories: CategorySet::default(),
            priority: None,
            retain_until: None,
            fields: 0,
            reason: None,
        }
    }

    fn sealed(seq: u64, time: u64, package: u8, partner: &str, retain: u64) -> LedgerLine {
        LedgerLine {
            legal_basis: Some(Text::new("Art. 18 Budapest Convention").unwrap()),
            categories: CategorySet::from_unsorted(vec![
                Token::new("content").unwrap(),
                Token::new("subscriber").unwrap(),
            ])
            .unwrap(),
            priority: Some(Priority::Urgent),
            retain_until: Some(Timestamp(retain)),
            ..line(seq, time, LedgerAction::Sealed, package, Some(partner))
        }
    }

    fn sample() -> Vec<LedgerLine> {
        let mut redact = line(5, 150, LedgerAction::Redacted, 1, None);
        redact.fields = 2;
        redact.reason = Some(Text::new("third-party data").unwrap());
        let mut redact_again = line(6, 160, LedgerAction::Redacted, 1, None);
        redact_again.fields = 1;
        let mut opened = line(7, 170, LedgerAction::Opened, 2, Some("fr.pnat"));
        opened.fields = 3;
        opened.retain_until = Some(Timestamp(1_000));
        vec![
            // Package 1 sealed for two partners: two lines, one package.
            sealed(0, 100, 1, "fr.pnat", 500),
            sealed(1, 100, 1, "nl.om", 500),
            line(2, 110, LedgerAction::Sent, 1, Some("fr.pnat")),
            line(3, 120, LedgerAction::Sent, 1, Some("nl.om")),
            line(4, 130, LedgerAction::Note, 1, None),
            redact,
            redact_again,
            opened,
        ]
    }

    #[test]
    fn counts_lines_and_distinct_packages() {
        let r = summarize(&sample(), Timestamp(200), None);
        assert_eq!(r.lines, 8);
        assert_eq!(r.packages, 2);
        assert_eq!(r.actions.sealed, 2, "one line per recipient");
        assert_eq!(r.actions.sent, 2);
        assert_eq!(r.actions.total(), 8);
        assert_eq!(r.by_partner["fr.pnat"].sealed, 1);
        assert_eq!(r.by_partner["fr.pnat"].sent, 1);
        assert_eq!(r.by_partner["fr.pnat"].opened, 1);
        assert_eq!(r.by_partner["nl.om"].sealed, 1);
        assert_eq!(
            r.by_category["content"].sealed, 1,
            "distinct packages, not lines"
        );
        assert_eq!(r.by_legal_basis["Art. 18 Budapest Convention"].sealed, 1);
        assert_eq!(r.by_priority["urgent"].sealed, 1);
        assert_eq!(r.redactions.redactions, 2);
        assert_eq!(r.redactions.packages, 1);
        assert_eq!(r.redactions.fields, 3);
        assert_eq!(r.redactions.by_reason["third-party data"], 1);
        assert_eq!(r.redactions.without_reason, 1);
        assert_eq!(r.opened.openings, 1);
        assert_eq!(r.opened.fields, 3);
        assert_eq!(r.first, Some(Timestamp(100)));
        assert_eq!(r.last, Some(Timestamp(170)));
    }

    #[test]
    fn retention_is_judged_at_now_over_the_whole_ledger() {
        let lines = sample();
        // retain-until is inclusive: at 500 package 1 is not past it yet.
        let r = summarize(&lines, Timestamp(500), None);
        assert_eq!(r.retention.packages, 2);
        assert_eq!(r.retention.past_retain_until, 0);
        let r = summarize(&lines, Timestamp(501), None);
        assert_eq!(r.retention.past_retain_until, 1);
        // A period that leaves package 1's lines out still counts it here.
        let r = summarize(&lines, Timestamp(501), Some(Timestamp(165)));
        assert_eq!(r.lines, 1);
        assert_eq!(r.retention.past_retain_until, 1);
        let r = summarize(&lines, Timestamp(2_000), None);
        assert_eq!(r.retention.past_retain_until, 2);
    }

    #[test]
    fn since_filters_the_period() {
        let r = summarize(&sample(), Timestamp(200), Some(Timestamp(115)));
        assert_eq!(r.lines, 5);
        assert_eq!(r.actions.sealed, 0);
        assert_eq!(r.actions.sent, 1);
        assert_eq!(r.by_partner["fr.pnat"].sent, 0);
        assert_eq!(r.by_partner["fr.pnat"].opened, 1);
        assert_eq!(r.by_partner["nl.om"].sent, 1);
        assert!(r.by_category.is_empty());
        let r = summarize(&sample(), Timestamp(200), Some(Timestamp(1_000)));
        assert_eq!(r.lines, 0);
        assert_eq!(r.first, None);
    }

    #[test]
    fn the_report_holds_counts_only() {
        let r = summarize(&sample(), Timestamp(200), None);
        let json = serde_json::to_string(&r).unwrap();
        // No package id nor package digest (0x01.. / 0x02..) leaks.
        assert!(!json.contains(&"01".repeat(16)), "{json}");
        assert!(!json.contains(&"02".repeat(16)), "{json}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["now"], "1970-01-01T00:03:20Z");
        assert_eq!(v["by_partner"]["nl.om"]["sealed"], 1);
        assert!(v["ledger"].is_null());
        // Stable: the same lines give the same bytes.
        assert_eq!(
            json,
            serde_json::to_string(&summarize(&sample(), Timestamp(200), None)).unwrap()
        );
    }
}
