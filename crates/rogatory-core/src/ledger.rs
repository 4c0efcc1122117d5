//! A party's local custody ledger (spec §11).
//!
//! ```text
//! DIR/ledger.log   one line per action: hex(encode(LedgerEntry)) + "\n"
//! DIR/head         the signed head after the last append (hex, one line)
//! DIR/owner.card   the owner's party card (canonical bytes)
//! ```
//!
//! Each line names the hash of the line before it (`prev`), and carries the
//! owner's Ed25519 signature over its own hash: every append signs the new
//! head. An edited, dropped or reordered line breaks the chain or a
//! signature; a cut tail disagrees with `head`; a re-chained ledger cannot be
//! signed without the owner's key. Lines hold the cleartext facts the
//! transparency report counts, never case references or content: the ledger
//! is sensitive local data all the same.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use rogatory_wire::{
    CategorySet, Digest, EventRef, KeyId, LedgerAction, LedgerEntry, LedgerLine, PackageId,
    PartyCard, PartyId, Priority, Rotation, Text, Timestamp, decode, encode, labels,
};

use crate::crypto::{sha256, signed_message, verify_signature};
use crate::error::{CoreError, Place, Result};
use crate::identity::{Signer, verify_card};

/// What one ledger line records; the ledger adds sequence, prev and actor.
#[derive(Clone, Debug)]
pub struct Record {
    /// When.
    pub time: Timestamp,
    /// What.
    pub action: LedgerAction,
    /// Which package.
    pub package_id: PackageId,
    /// Its digest.
    pub package_digest: Digest,
    /// The custody event recorded, if any ([`crate::custody::event_ref`]).
    pub event: Option<EventRef>,
    /// The partner jurisdiction.
    pub partner: Option<PartyId>,
    /// The legal basis.
    pub legal_basis: Option<Text>,
    /// The package's data categories.
    pub categories: CategorySet,
    /// The package's priority.
    pub priority: Option<Priority>,
    /// The package's retain-until.
    pub retain_until: Option<Timestamp>,
    /// How many fields the action concerned (opened, removed).
    pub fields: u32,
    /// Reason (redactions).
    pub reason: Option<Text>,
}

impl Record {
    /// A record with only the package named; fill in the rest.
    pub fn new(
        time: Timestamp,
        action: LedgerAction,
        package_id: PackageId,
        package_digest: Digest,
    ) -> Self {
        Self {
            time,
            action,
            package_id,
            package_digest,
            event: None,
            partner: None,
            legal_basis: None,
            categories: CategorySet::default(),
            priority: None,
            retain_until: None,
            fields: 0,
            reason: None,
        }
    }
}

/// The hash of a ledger line: `SHA-256(HASH_LEDGER || encode(line))`.
pub fn line_hash(line: &LedgerLine) -> Result<Digest> {
    let b = encode(line).map_err(CoreError::malformed(Place::Layout))?;
    Ok(sha256(&[labels::HASH_LEDGER, &b]))
}

fn bad(detail: impl Into<String>) -> CoreError {
    CoreError::BadFile {
        what: "ledger",
        detail: detail.into(),
    }
}

/// An open ledger, ready to append.
#[derive(Debug)]
pub struct Ledger {
    dir: PathBuf,
    next: u64,
    head: Digest,
}

/// The paths of a ledger directory.
fn paths(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        dir.join("ledger.log"),
        dir.join("head"),
        dir.join("owner.card"),
    )
}

impl Ledger {
    /// Opens (or creates) the ledger of `owner` in `dir`. Refuses a ledger
    /// kept by another key.
    pub fn open(dir: &Path, owner: &dyn Signer) -> Result<Self> {
        // The ledger is sensitive local data: its owner's alone.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .map_err(CoreError::io(format!("creating {}", dir.display())))?;
        let (log, _, card_path) = paths(dir);
        let card = encode(owner.card()).map_err(CoreError::malformed(Place::Layout))?;
        match std::fs::read(&card_path) {
            Ok(_) => {
                // The ledger's owner now: its first card, rotated as its
                // rotation statements say (spec §11.2).
                let (current, _) = owners(dir)?;
                if &current != owner.card() {
                    return Err(bad(
                        "this ledger belongs to another key (or to a key this one was rotated \
                         out for)",
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::fsutil::write_atomic(&card_path, &card, true)?;
            }
            Err(e) => return Err(CoreError::io(format!("reading {}", card_path.display()))(e)),
        }
        let (next, head) = match last_entry(&log)? {
            Some(e) => (e.line.sequence + 1, line_hash(&e.line)?),
            None => (0, Digest::ZERO),
        };
        Ok(Self {
            dir: dir.to_owned(),
            next,
            head,
        })
    }

    /// The hash of the last line (zero for an empty ledger).
    pub fn head(&self) -> Digest {
        self.head
    }

    /// The number of lines.
    pub fn len(&self) -> u64 {
        self.next
    }

    /// Whether the ledger has no line yet.
    pub fn is_empty(&self) -> bool {
        self.next == 0
    }

    /// Appends one signed line (fsynced) and the new signed head; returns
    /// the new head. Appenders in several processes take turns: the log is
    /// locked and its head re-read before the line is built.
    pub fn append(&mut self, owner: &dyn Signer, r: Record) -> Result<Digest> {
        let (log, head_path, _) = paths(&self.dir);
        let ctx = || format!("appending to {}", log.display());
        let mut f = open_private_append(&log)?;
        f.lock().map_err(CoreError::io(ctx()))?;
        let (next, head) = match last_entry(&log)? {
            Some(e) => (e.line.sequence + 1, line_hash(&e.line)?),
            None => (0, Digest::ZERO),
        };
        let line = LedgerLine {
            sequence: next,
            prev: head,
            time: r.time,
            actor: owner.key_id(),
            action: r.action,
            package_id: r.package_id,
            package_digest: r.package_digest,
            event: r.event,
            partner: r.partner,
            legal_basis: r.legal_basis,
            categories: r.categories,
            priority: r.priority,
            retain_until: r.retain_until,
            fields: r.fields,
            reason: r.reason,
        };
        let hash = line_hash(&line)?;
        let signature = owner.sign(&signed_message(labels::SIG_LEDGER, &[&hash.0]))?;
        let entry = LedgerEntry { line, signature };
        let bytes = encode(&entry).map_err(CoreError::malformed(Place::Layout))?;
        let mut text = hex::encode(&bytes);
        text.push('\n');
        f.write_all(text.as_bytes()).map_err(CoreError::io(ctx()))?;
        f.sync_all().map_err(CoreError::io(ctx()))?;
        crate::fsutil::sync_dir(&log)?;
        crate::fsutil::write_atomic(&head_path, text.as_bytes(), true)?;
        // The lock goes with the file.
        drop(f);
        self.next = next + 1;
        self.head = hash;
        Ok(hash)
    }
}

/// The first card of a ledger and the rotation statements that followed it
/// (`owner.card`, then `rotations`, spec §11.2): the owner now, and every
/// card the ledger was kept by, in order.
fn owners(dir: &Path) -> Result<(PartyCard, Vec<PartyCard>)> {
    let (_, _, card_path) = paths(dir);
    let card_bytes = std::fs::read(&card_path)
        .map_err(CoreError::io(format!("reading {}", card_path.display())))?;
    let first: PartyCard = decode(&card_bytes).map_err(|e| bad(format!("owner card: {e}")))?;
    verify_card(&first)?;
    let mut cards = vec![first];
    let path = dir.join("rotations");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(CoreError::io(format!("reading {}", path.display()))(e)),
    };
    for (n, line) in text.lines().enumerate() {
        let bytes =
            hex::decode(line.trim_end()).map_err(|_| bad(format!("rotation {n}: not hex")))?;
        let r: Rotation = decode(&bytes).map_err(|e| bad(format!("rotation {n}: {e}")))?;
        let current = cards.last().ok_or_else(|| bad("no owner card"))?;
        crate::lifecycle::verify_rotation(&r, current)
            .map_err(|e| bad(format!("rotation {n}: {e}")))?;
        cards.push(r.body.successor);
    }
    let current = cards.last().cloned().ok_or_else(|| bad("no owner card"))?;
    Ok((current, cards))
}

/// Records in the ledger `dir` that its owner's key was rotated: the
/// statement is checked against the current owner and appended to
/// `rotations`; from then on the successor keeps the ledger, and
/// verification accepts its lines after the old key's (spec §11.2).
pub fn rotate(dir: &Path, rotation: &Rotation) -> Result<()> {
    let (current, _) = owners(dir)?;
    crate::lifecycle::verify_rotation(rotation, &current).map_err(|e| {
        bad(format!(
            "the rotation does not follow this ledger's owner: {e}"
        ))
    })?;
    let path = dir.join("rotations");
    let ctx = || format!("appending to {}", path.display());
    let mut f = open_private_append(&path)?;
    let mut line = hex::encode(encode(rotation).map_err(CoreError::malformed(Place::Layout))?);
    line.push('\n');
    f.write_all(line.as_bytes()).map_err(CoreError::io(ctx()))?;
    f.sync_all().map_err(CoreError::io(ctx()))?;
    crate::fsutil::sync_dir(&path)
}

/// Opens a ledger file for appending, created readable by its owner only
/// (the ledger is sensitive local data, spec §11.2).
fn open_private_append(path: &Path) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map_err(CoreError::io(format!("appending to {}", path.display())))
}

/// Where a ledger line is read from, for messages.
#[derive(Clone, Copy)]
enum Source {
    Line(u64),
    Head,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Line(n) => write!(f, "line {n}"),
            Source::Head => f.write_str("the head file"),
        }
    }
}

fn parse_at(at: Source, text: &str) -> Result<LedgerEntry> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let bytes = hex::decode(text).map_err(|_| bad(format!("{at}: not hex")))?;
    // One spelling only: lowercase hex of the canonical encoding.
    if hex::encode(&bytes) != text {
        return Err(bad(format!("{at}: not lowercase hex")));
    }
    decode(&bytes).map_err(|e| bad(format!("{at}: {e}")))
}

fn parse_line(n: u64, text: &str) -> Result<LedgerEntry> {
    parse_at(Source::Line(n), text)
}

/// The last line of the log, read from the end: the cost of opening or
/// appending does not grow with the ledger.
fn last_entry(log: &Path) -> Result<Option<LedgerEntry>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = match File::open(log) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CoreError::io(format!("reading {}", log.display()))(e)),
    };
    let ctx = || format!("reading {}", log.display());
    let len = f.seek(SeekFrom::End(0)).map_err(CoreError::io(ctx()))?;
    if len == 0 {
        return Ok(None);
    }
    // A line is at most 2 × LEDGER_LINE_MAX + 1 bytes of hex.
    let window = len.min(2 * rogatory_wire::limits::LEDGER_LINE_MAX as u64 + 2);
    f.seek(SeekFrom::Start(len - window))
        .map_err(CoreError::io(ctx()))?;
    let mut tail = Vec::with_capacity(window as usize);
    f.take(window)
        .read_to_end(&mut tail)
        .map_err(CoreError::io(ctx()))?;
    let text = std::str::from_utf8(&tail).map_err(|_| bad("the last line is not text"))?;
    let body = text
        .strip_suffix('\n')
        .ok_or_else(|| bad("the last line is not terminated (torn append)"))?;
    let line = body.rsplit('\n').next().unwrap_or(body);
    parse_at(Source::Line(u64::MAX), line)
        .map(Some)
        .map_err(|_| bad("the last line does not decode"))
}

/// Reads every entry of a ledger (without verifying).
pub fn entries(dir: &Path) -> Result<Vec<LedgerEntry>> {
    let (log, _, _) = paths(dir);
    let f = match File::open(&log) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CoreError::io(format!("reading {}", log.display()))(e)),
    };
    BufReader::new(f)
        .lines()
        .enumerate()
        .map(|(n, l)| parse_line(n as u64, &l.map_err(CoreError::io("reading the ledger"))?))
        .collect()
}

/// Whether a verified ledger holds a line whose hash is `head` (a head named
/// in a receipt or a published report): a ledger cut or rolled back to
/// before that line does not, whatever its own head file says.
pub fn contains(dir: &Path, head: &Digest) -> Result<bool> {
    verify(dir)?;
    Ok(head == &Digest::ZERO || position_of(dir, head)?.is_some())
}

/// A ledger head as a person reads it: the zero head of an empty ledger is
/// said to be one, so that the first receipt of a new receiver (which names
/// the head before the line that records it, spec §10.5) does not read as
/// a fault.
pub fn head_text(head: &Digest) -> String {
    if head == &Digest::ZERO {
        format!("{head} (empty: the first line records this receipt)")
    } else {
        head.to_string()
    }
}

/// The position of the line whose hash is `head` in a ledger (already
/// verified), or `None`: a ledger cut or rolled back to before that line,
/// or rewritten since, has none (spec §11.3). The zero head (an empty
/// ledger) is position `None` and never an error: every ledger extends it.
pub fn position_of(dir: &Path, head: &Digest) -> Result<Option<u64>> {
    for e in entries(dir)? {
        if &line_hash(&e.line)? == head {
            return Ok(Some(e.line.sequence));
        }
    }
    Ok(None)
}

/// Checks a verified ledger against a head recorded outside it (a receipt's
/// `ledger_head`, a published report's head): the ledger must hold that
/// line. Returns its position (`None` for the zero head).
pub fn check_head(dir: &Path, head: &Digest) -> Result<Option<u64>> {
    if head == &Digest::ZERO {
        return Ok(None);
    }
    match position_of(dir, head)? {
        Some(n) => Ok(Some(n)),
        None => Err(bad(format!(
            "no line has the head {head}: the ledger was rolled back before it, or rewritten \
             since"
        ))),
    }
}

/// Checks a verified ledger against a receipt its owner signed: the receipt
/// is a `received` event signed with the owner's card, and the ledger holds
/// the head it names. Returns that head's position.
pub fn check_receipt(
    dir: &Path,
    report: &LedgerReport,
    receipt: &rogatory_wire::CustodyEvent,
) -> Result<Option<u64>> {
    let rogatory_wire::EventBody::Received { ledger_head, .. } = &receipt.clear.body else {
        return Err(bad("the receipt is not a `received` event"));
    };
    let Some(card) = report
        .owner_cards
        .iter()
        .find(|c| crate::identity::key_id(&c.body) == receipt.clear.actor)
    else {
        return Err(bad(format!(
            "the receipt is signed by key {}, not by this ledger's owner",
            receipt.clear.actor
        )));
    };
    crate::custody::verify_event_signature_by(receipt, &card.body.signing_key)?;
    check_head(dir, ledger_head)
}

/// What a verified ledger holds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LedgerReport {
    /// The owner.
    pub owner: PartyId,
    /// The key id of the owner's card now (its fingerprint, spec §3.1): the
    /// key that signs new lines. Compare it with a card you trust.
    pub owner_key_id: KeyId,
    /// The owner's card now (`owner.card`, or the last successor its
    /// rotations name).
    #[serde(skip)]
    pub owner_card: PartyCard,
    /// Every card that kept the ledger, first to last.
    #[serde(skip)]
    pub owner_cards: Vec<PartyCard>,
    /// Number of lines.
    pub lines: u64,
    /// The head (hash of the last line).
    pub head: Digest,
}

/// Verifies a whole ledger: the owner's card, every line's sequence, link
/// and signature, and that the signed head names the last line. Names the
/// first line that breaks a rule.
pub fn verify(dir: &Path) -> Result<LedgerReport> {
    let (_, head_path, _) = paths(dir);
    let (current, cards) = owners(dir)?;
    let all = entries(dir)?;
    let mut prev = Digest::ZERO;
    // The key that signs now; a line by the next card of the chain moves it
    // on (a rotation), never back.
    let mut at = 0usize;
    for (i, e) in all.iter().enumerate() {
        let n = i as u64;
        if e.line.sequence != n {
            return Err(bad(format!(
                "line {n}: sequence {} (a line was dropped or moved)",
                e.line.sequence
            )));
        }
        if e.line.prev != prev {
            return Err(bad(format!(
                "line {n}: does not link to the line before it"
            )));
        }
        let key_of = |c: &PartyCard| crate::identity::key_id(&c.body);
        if e.line.actor != key_of(&cards[at]) {
            if cards.get(at + 1).map(key_of) == Some(e.line.actor) {
                at += 1;
            } else {
                return Err(bad(format!("line {n}: signed by another key")));
            }
        }
        let card = &cards[at];
        let h = line_hash(&e.line)?;
        verify_signature(
            &card.body.signing_key,
            labels::SIG_LEDGER,
            &[&h.0],
            &e.signature,
            &format!("ledger line {n}"),
        )
        .map_err(|_| {
            bad(format!(
                "line {n}: signature does not verify (edited or re-chained)"
            ))
        })?;
        prev = h;
    }
    let head_text = match std::fs::read_to_string(&head_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CoreError::io(format!("reading {}", head_path.display()))(e)),
    };
    match (head_text, all.last()) {
        (None, None) => {}
        (Some(t), Some(last)) => {
            let head = parse_at(Source::Head, &t)?;
            if &head != last {
                return Err(bad(format!(
                    "the signed head is line {}, the log ends at line {} (cut or rolled back)",
                    head.line.sequence, last.line.sequence
                )));
            }
        }
        (Some(_), None) => return Err(bad("the log is empty but a signed head exists (cut)")),
        (None, Some(_)) => return Err(bad("no signed head")),
    }
    Ok(LedgerReport {
        owner: current.body.party.clone(),
        owner_key_id: crate::identity::key_id(&current.body),
        owner_card: current,
        owner_cards: cards,
        lines: all.len() as u64,
        head: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;
    use crate::secret::Key32;

    fn owner() -> Identity {
        Identity::from_secrets(
            PartyId::new("de.bka").unwrap(),
            &Key32::from_bytes([1; 32]),
            &Key32::from_bytes([2; 32]),
            Digest([3; 32]),
            None,
            Timestamp(0),
            Timestamp(u64::MAX / 2),
        )
        .unwrap()
    }

    fn rec(t: u64) -> Record {
        Record::new(
            Timestamp(t),
            LedgerAction::Note,
            PackageId([t as u8; 16]),
            Digest([9; 32]),
        )
    }

    #[test]
    fn two_handles_take_turns_and_heads_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let id = owner();
        let mut a = Ledger::open(dir.path(), &id).unwrap();
        let mut b = Ledger::open(dir.path(), &id).unwrap();
        let h0 = a.append(&id, rec(1)).unwrap();
        // b was opened before a appended: it must not reuse sequence 0.
        let h1 = b.append(&id, rec(2)).unwrap();
        a.append(&id, rec(3)).unwrap();
        let report = verify(dir.path()).unwrap();
        assert_eq!(report.lines, 3);
        assert!(contains(dir.path(), &h0).unwrap());
        assert!(contains(dir.path(), &h1).unwrap());
        assert!(!contains(dir.path(), &Digest([5; 32])).unwrap());
    }

    #[test]
    fn a_cut_tail_or_an_uppercase_line_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let id = owner();
        let mut l = Ledger::open(dir.path(), &id).unwrap();
        let mut heads = Vec::new();
        for t in 1..=3 {
            heads.push(l.append(&id, rec(t)).unwrap());
        }
        let log = dir.path().join("ledger.log");
        let text = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&log, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
        assert!(verify(dir.path()).is_err(), "the head file names line 2");
        // Cut and head rolled back together: verify cannot tell, but a
        // receipt's head can.
        std::fs::write(dir.path().join("head"), format!("{}\n", lines[1])).unwrap();
        assert!(verify(dir.path()).is_ok());
        assert!(!contains(dir.path(), &heads[2]).unwrap());
        std::fs::write(&log, format!("{}\n{}\n", lines[0], lines[1].to_uppercase())).unwrap();
        assert!(verify(dir.path()).is_err());
    }

    #[test]
    fn the_ledger_continues_across_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let old = owner();
        let new = Identity::from_secrets(
            PartyId::new("de.bka").unwrap(),
            &Key32::from_bytes([4; 32]),
            &Key32::from_bytes([5; 32]),
            Digest([6; 32]),
            None,
            Timestamp(0),
            Timestamp(u64::MAX / 2),
        )
        .unwrap();
        let mut l = Ledger::open(dir.path(), &old).unwrap();
        l.append(&old, rec(1)).unwrap();
        // Before the rotation the new key is another key.
        assert!(Ledger::open(dir.path(), &new).is_err());
        let r = crate::lifecycle::sign_rotation(&old, new.card(), Timestamp(2)).unwrap();
        rotate(dir.path(), &r).unwrap();
        // After it, the new key keeps the ledger and the old one no longer.
        assert!(Ledger::open(dir.path(), &old).is_err());
        let mut l = Ledger::open(dir.path(), &new).unwrap();
        l.append(&new, rec(3)).unwrap();
        let report = verify(dir.path()).unwrap();
        assert_eq!(report.lines, 2);
        assert_eq!(report.owner_key_id, new.key_id());
        assert_eq!(report.owner_cards.len(), 2);
        // A rotation that does not follow the owner is refused.
        let stray = crate::lifecycle::sign_rotation(&old, new.card(), Timestamp(4)).unwrap();
        assert!(rotate(dir.path(), &stray).is_err());
        // Without the statement, the new key's line is another key's.
        std::fs::remove_file(dir.path().join("rotations")).unwrap();
        assert!(verify(dir.path()).is_err());
    }
}
