//! The container (spec §9): one file, written in one pass, readable field by
//! field, appendable.
//!
//! ```text
//! prelude | field bodies | trailer | custody records | footer (68 bytes)
//! ```
//!
//! Each custody record is `u32le(length) || encode(CustodyEvent)`. The footer
//! locates the trailer and the records. Appending a record overwrites the
//! old footer with the record and a new footer; a journal beside the file
//! makes the append all-or-nothing (spec §9.4).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rogatory_wire::limits::{EVENT_MAX, EVENTS_MAX, TRAILER_MAX};
use rogatory_wire::package::FOOTER_MAGIC;
use rogatory_wire::{CustodyEvent, Digest, Footer, Prelude, Trailer, decode, encode, labels};

use crate::crypto::sha256;
use crate::error::{CoreError, Place, Result};
use crate::fsutil::sync_dir;

/// The footer for a layout, with its check value.
pub fn make_footer(
    trailer_offset: u64,
    trailer_len: u64,
    records_len: u64,
    record_count: u32,
) -> Result<Footer> {
    let mut f = Footer {
        trailer_offset,
        trailer_len,
        records_len,
        record_count,
        check: Digest::ZERO,
        magic: FOOTER_MAGIC,
    };
    f.check = footer_check(&f)?;
    Ok(f)
}

fn footer_check(f: &Footer) -> Result<Digest> {
    let bytes = encode(f).map_err(CoreError::malformed(Place::Footer))?;
    Ok(sha256(&[
        labels::HASH_FOOTER,
        &bytes[..Footer::CHECKED_PREFIX],
    ]))
}

/// `u32le(length) || encode(event)`.
pub fn record_frame(ev: &CustodyEvent) -> Result<Vec<u8>> {
    let bytes = encode(ev).map_err(CoreError::malformed(Place::Custody(ev.clear.sequence)))?;
    let mut out = Vec::with_capacity(4 + bytes.len());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(out)
}

/// A parsed container: prelude, trailer, footer and where each body lies.
#[derive(Debug)]
pub struct Container<R> {
    src: R,
    /// The prelude.
    pub prelude: Prelude,
    /// The trailer.
    pub trailer: Trailer,
    /// The footer.
    pub footer: Footer,
    /// Per field, the absolute offset and length of its ciphertext.
    pub bodies: Vec<Option<(u64, u64)>>,
    /// Length of the file.
    pub file_len: u64,
}

fn read_exact_at<R: Read + Seek>(r: &mut R, at: u64, buf: &mut [u8], place: Place) -> Result<()> {
    r.seek(SeekFrom::Start(at))
        .and_then(|_| r.read_exact(buf))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => CoreError::tampered(place, "file ends early"),
            _ => CoreError::io("reading package")(e),
        })
}

impl<R: Read + Seek> Container<R> {
    /// Parses the structure: prelude, footer, trailer, layout. Reads no
    /// field body.
    pub fn parse(mut src: R) -> Result<Self> {
        let file_len = src
            .seek(SeekFrom::End(0))
            .map_err(CoreError::io("reading package"))?;
        let min = (Prelude::LEN + Footer::LEN) as u64;
        if file_len < min {
            return Err(CoreError::tampered(
                Place::Layout,
                format!("{file_len} bytes is too short for a package"),
            ));
        }
        let mut pre = [0u8; Prelude::LEN];
        read_exact_at(&mut src, 0, &mut pre, Place::Prelude)?;
        let prelude: Prelude = decode(&pre).map_err(CoreError::malformed(Place::Prelude))?;
        let mut foot = [0u8; Footer::LEN];
        read_exact_at(
            &mut src,
            file_len - Footer::LEN as u64,
            &mut foot,
            Place::Footer,
        )?;
        let footer: Footer = decode(&foot).map_err(CoreError::malformed(Place::Footer))?;
        if footer.check != footer_check(&footer)? {
            return Err(CoreError::tampered(
                Place::Footer,
                "check value does not match (torn or edited footer)",
            ));
        }
        let end = footer
            .trailer_offset
            .checked_add(footer.trailer_len)
            .and_then(|x| x.checked_add(footer.records_len))
            .and_then(|x| x.checked_add(Footer::LEN as u64));
        if end != Some(file_len) || footer.trailer_offset < Prelude::LEN as u64 {
            return Err(CoreError::tampered(
                Place::Layout,
                "footer offsets do not match the file length",
            ));
        }
        if footer.trailer_len > TRAILER_MAX as u64 {
            return Err(CoreError::Malformed {
                place: Place::Trailer,
                source: rogatory_wire::WireError::OverLimit {
                    what: "trailer",
                    detail: format!("{} bytes", footer.trailer_len),
                },
            });
        }
        let mut tb = vec![0u8; footer.trailer_len as usize];
        read_exact_at(&mut src, footer.trailer_offset, &mut tb, Place::Trailer)?;
        let trailer: Trailer = decode(&tb).map_err(CoreError::malformed(Place::Trailer))?;
        let (rel, total) = trailer.body_layout();
        if (Prelude::LEN as u64).checked_add(total) != Some(footer.trailer_offset) {
            return Err(CoreError::tampered(
                Place::Layout,
                "field bodies do not end where the trailer starts",
            ));
        }
        let bodies = rel
            .into_iter()
            .map(|b| b.map(|(off, len)| (Prelude::LEN as u64 + off, len)))
            .collect();
        Ok(Self {
            src,
            prelude,
            trailer,
            footer,
            bodies,
            file_len,
        })
    }

    /// Reads every custody record.
    pub fn read_events(&mut self) -> Result<Vec<CustodyEvent>> {
        let count = self.footer.record_count as usize;
        if count > EVENTS_MAX {
            return Err(CoreError::tampered(
                Place::Footer,
                "too many custody records",
            ));
        }
        let start = self.footer.trailer_offset + self.footer.trailer_len;
        let end = start + self.footer.records_len;
        self.src
            .seek(SeekFrom::Start(start))
            .map_err(CoreError::io("reading package"))?;
        let mut at = start;
        let mut events = Vec::with_capacity(count.min(1024));
        for i in 0..count {
            let place = Place::Custody(i as u64);
            let mut len = [0u8; 4];
            if at + 4 > end {
                return Err(CoreError::tampered(place, "custody records end early"));
            }
            self.src
                .read_exact(&mut len)
                .map_err(CoreError::io("reading package"))?;
            let len = u32::from_le_bytes(len) as u64;
            if len > EVENT_MAX as u64 || at + 4 + len > end {
                return Err(CoreError::tampered(
                    place,
                    "custody record length out of bounds",
                ));
            }
            let mut buf = vec![0u8; len as usize];
            self.src
                .read_exact(&mut buf)
                .map_err(CoreError::io("reading package"))?;
            events.push(decode(&buf).map_err(CoreError::malformed(place))?);
            at += 4 + len;
        }
        if at != end {
            return Err(CoreError::tampered(
                Place::Layout,
                "bytes after the last custody record",
            ));
        }
        Ok(events)
    }

    /// A reader over one field's ciphertext, and its length.
    pub fn body_reader(&mut self, index: u32) -> Result<(std::io::Take<&mut R>, u64)> {
        let (r, _) = self.body_and_trailer(index)?;
        let len = r.limit();
        Ok((r, len))
    }

    /// A reader over one field's ciphertext, beside the trailer.
    pub fn body_and_trailer(&mut self, index: u32) -> Result<(std::io::Take<&mut R>, &Trailer)> {
        let (off, len) = self
            .bodies
            .get(index as usize)
            .copied()
            .flatten()
            .ok_or_else(|| CoreError::usage(format!("field {index} has no ciphertext")))?;
        self.src
            .seek(SeekFrom::Start(off))
            .map_err(CoreError::io("reading package"))?;
        Ok(((&mut self.src).take(len), &self.trailer))
    }

    /// The underlying reader.
    pub fn source(&mut self) -> &mut R {
        &mut self.src
    }
}

/// The journal beside a package while a custody record is appended.
pub fn journal_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".journal");
    path.with_file_name(name)
}

const JOURNAL_MAGIC: &[u8; 8] = b"RGTRYJNL";

/// What [`recover`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// No interrupted append.
    Clean,
    /// A complete journal was applied: the new state.
    RolledForward,
    /// A torn journal was discarded: the old state, untouched.
    RolledBack,
}

fn still_ends_with(path: &Path, file_len: u64, footer: &Footer) -> Result<()> {
    let mut f = File::open(path).map_err(CoreError::io(format!("opening {}", path.display())))?;
    let len = f
        .seek(SeekFrom::End(0))
        .map_err(CoreError::io("reading package"))?;
    let mut tail = [0u8; Footer::LEN];
    if len == file_len {
        read_exact_at(&mut f, len - Footer::LEN as u64, &mut tail, Place::Footer)?;
        if tail[..] == encode(footer).map_err(CoreError::malformed(Place::Footer))?[..] {
            return Ok(());
        }
    }
    Err(CoreError::usage(
        "the package changed while the event was prepared; try again",
    ))
}

/// Finishes or discards an interrupted append (spec §9.4).
pub fn recover(path: &Path) -> Result<Recovery> {
    let jp = journal_path(path);
    let bytes = match std::fs::read(&jp) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Recovery::Clean),
        Err(e) => return Err(CoreError::io(format!("reading {}", jp.display()))(e)),
    };
    let len = std::fs::metadata(path)
        .map_err(CoreError::io(format!("reading {}", path.display())))?
        .len();
    // A journal applies at or before the old footer of this very file.
    let parsed = parse_journal(&bytes).filter(|(off, tail)| {
        let lo = off.checked_add(Footer::LEN as u64);
        let hi = off.checked_add(tail.len() as u64);
        matches!((lo, hi), (Some(lo), Some(hi)) if lo <= len && len <= hi)
    });
    let outcome = match parsed {
        Some((offset, tail)) => {
            apply_tail(path, offset, tail)?;
            Recovery::RolledForward
        }
        None => Recovery::RolledBack,
    };
    std::fs::remove_file(&jp).map_err(CoreError::io(format!("removing {}", jp.display())))?;
    sync_dir(&jp)?;
    Ok(outcome)
}

fn parse_journal(b: &[u8]) -> Option<(u64, &[u8])> {
    let (body, check) = b.split_at_checked(b.len().checked_sub(32)?)?;
    if sha256(&[body]).0 != check {
        return None;
    }
    let rest = body.strip_prefix(JOURNAL_MAGIC)?;
    let (off, rest) = rest.split_first_chunk::<8>()?;
    let (len, tail) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*len) != tail.len() as u64 {
        return None;
    }
    Some((u64::from_le_bytes(*off), tail))
}

fn apply_tail(path: &Path, offset: u64, tail: &[u8]) -> Result<()> {
    let ctx = || format!("appending to {}", path.display());
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(CoreError::io(ctx()))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(CoreError::io(ctx()))?;
    f.write_all(tail).map_err(CoreError::io(ctx()))?;
    f.set_len(offset + tail.len() as u64)
        .map_err(CoreError::io(ctx()))?;
    f.sync_all().map_err(CoreError::io(ctx()))
}

/// Appends one custody record in place: the body is never rewritten. The new
/// record and footer are first written to a journal (created exclusively, so
/// two appenders cannot both proceed) and fsynced, then written over the old
/// footer, fsynced, and the journal removed. The event must follow the last
/// one in the file.
pub fn append_record(path: &Path, ev: &CustodyEvent) -> Result<()> {
    if journal_path(path).exists() {
        return Err(CoreError::InterruptedAppend {
            path: path.to_owned(),
        });
    }
    let file = File::open(path).map_err(CoreError::io(format!("opening {}", path.display())))?;
    let mut c = Container::parse(file)?;
    let events = c.read_events()?;
    let last = events
        .last()
        .ok_or_else(|| CoreError::tampered(Place::Custody(0), "no custody records"))?;
    append_after(path, &c.footer, c.file_len, last, ev)
}

/// [`append_record`] for a caller that has just parsed the package: the
/// footer it read and the last event. After taking the journal (created
/// exclusively) it checks that the file still ends with that footer, so a
/// change in between is refused rather than overwritten.
pub(crate) fn append_after(
    path: &Path,
    footer: &Footer,
    file_len: u64,
    last: &CustodyEvent,
    ev: &CustodyEvent,
) -> Result<()> {
    let head = crate::custody::event_hash(last)?;
    if ev.clear.sequence != last.clear.sequence + 1 || ev.clear.prev != head {
        return Err(CoreError::usage(
            "the event does not follow the package's last custody event",
        ));
    }
    let footer = *footer;
    if footer.record_count as usize >= EVENTS_MAX {
        return Err(CoreError::usage(
            "the package holds the maximum number of custody records",
        ));
    }
    let frame = record_frame(ev)?;
    let new_footer = make_footer(
        footer.trailer_offset,
        footer.trailer_len,
        footer.records_len + frame.len() as u64,
        footer.record_count + 1,
    )?;
    let mut tail = frame;
    tail.extend_from_slice(&encode(&new_footer).map_err(CoreError::malformed(Place::Footer))?);
    let offset = file_len - Footer::LEN as u64;

    let mut journal = Vec::with_capacity(tail.len() + 56);
    journal.extend_from_slice(JOURNAL_MAGIC);
    journal.extend_from_slice(&offset.to_le_bytes());
    journal.extend_from_slice(&(tail.len() as u64).to_le_bytes());
    journal.extend_from_slice(&tail);
    let check = sha256(&[&journal]);
    journal.extend_from_slice(&check.0);
    let jp = journal_path(path);
    {
        let ctx = || format!("writing {}", jp.display());
        let mut j = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&jp)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => CoreError::InterruptedAppend {
                    path: path.to_owned(),
                },
                _ => CoreError::io(ctx())(e),
            })?;
        // Holding the journal: the package must still end as it was read.
        if let Err(e) = still_ends_with(path, file_len, &footer) {
            let _ = std::fs::remove_file(&jp);
            return Err(e);
        }
        j.write_all(&journal).map_err(CoreError::io(ctx()))?;
        j.sync_all().map_err(CoreError::io(ctx()))?;
    }
    sync_dir(&jp)?;
    apply_tail(path, offset, &tail)?;
    std::fs::remove_file(&jp).map_err(CoreError::io(format!("removing {}", jp.display())))?;
    sync_dir(&jp)
}

/// A package taken apart: its prelude, each field's ciphertext (empty for a
/// removed field), its trailer and custody events. For tools that rewrite a
/// package (redaction, tests, vectors); sealing streams instead.
#[derive(Clone, Debug)]
pub struct Parts {
    /// The prelude.
    pub prelude: Prelude,
    /// Per field, its ciphertext.
    pub bodies: Vec<Vec<u8>>,
    /// The trailer.
    pub trailer: Trailer,
    /// The custody events.
    pub events: Vec<CustodyEvent>,
}

impl Parts {
    /// Takes a package apart (structure checks only).
    pub fn read<R: Read + Seek>(src: R) -> Result<Self> {
        let mut c = Container::parse(src)?;
        let events = c.read_events()?;
        let mut bodies = Vec::with_capacity(c.bodies.len());
        for i in 0..c.bodies.len() {
            if c.bodies[i].is_some() {
                let (mut r, len) = c.body_reader(i as u32)?;
                let mut b = Vec::with_capacity(len as usize);
                r.read_to_end(&mut b)
                    .map_err(CoreError::io("reading package"))?;
                bodies.push(b);
            } else {
                bodies.push(Vec::new());
            }
        }
        Ok(Self {
            prelude: c.prelude,
            bodies,
            trailer: c.trailer,
            events,
        })
    }

    /// Puts the package together again: prelude, the bodies of present
    /// fields in order, trailer, records, footer.
    pub fn assemble(&self) -> Result<Vec<u8>> {
        let mut out = encode(&self.prelude).map_err(CoreError::malformed(Place::Prelude))?;
        for (b, d) in self.bodies.iter().zip(&self.trailer.fields) {
            if matches!(d.body, rogatory_wire::FieldBody::Present { .. }) {
                out.extend_from_slice(b);
            }
        }
        let trailer = encode(&self.trailer).map_err(CoreError::malformed(Place::Trailer))?;
        let trailer_offset = out.len() as u64;
        out.extend_from_slice(&trailer);
        let mut records = 0u64;
        for ev in &self.events {
            let f = record_frame(ev)?;
            records += f.len() as u64;
            out.extend_from_slice(&f);
        }
        let footer = make_footer(
            trailer_offset,
            trailer.len() as u64,
            records,
            self.events.len() as u32,
        )?;
        out.extend_from_slice(&encode(&footer).map_err(CoreError::malformed(Place::Footer))?);
        Ok(out)
    }
}
