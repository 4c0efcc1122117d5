//! Detectors of personal data in a segment's bytes (spec §12.3).
//!
//! Each built-in detector finds candidates with a regular expression and
//! then checks each candidate with the rule that real values obey, so that
//! near misses (a date that looks like a phone number, a mistyped IBAN, a
//! 16-digit order number) are not taken:
//!
//! | category | candidates | check |
//! |---|---|---|
//! | `email` | `local@domain.tld` | no leading, trailing or doubled dot in the local part; domain labels of letters, digits and inner hyphens; a TLD of 2 to 24 letters |
//! | `phone` | `+`, `00` or `0` and 7 to 24 digits and separators (` ().-/`) | international (`+`, `00`): 8 to 15 digits after the prefix; national (`0`): 9 to 12 digits, first group at most 5 digits; not a date; at most two separators in a row |
//! | `iban` | two letters, two digits, 11 to 30 letters or digits, single spaces allowed | a known country with its IBAN length, and the ISO 7064 mod-97 check equal to 1 |
//! | `ip` | dotted quads; colon groups | IPv4: four decimal octets up to 255 without leading zeros, not part of a longer dotted number; IPv6: parses as an address, holds a decimal digit and stands alone |
//! | `card` | 13 to 19 digits, single spaces or hyphens allowed | a card network's prefix and length, and the Luhn check |
//!
//! A user's own patterns are regular expressions of the `regex` crate, which
//! matches in time linear in the input (no backtracking): a policy cannot make
//! a scan run away. Detectors look at one segment at a time; a value cut
//! across two segments is not seen (text fields are cut at line ends).

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

use regex::bytes::{Regex, RegexBuilder};

use crate::error::{RedactError, Result};

/// The built-in categories of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// E-mail addresses.
    Email,
    /// Telephone numbers.
    Phone,
    /// International bank account numbers, mod-97 checked.
    Iban,
    /// IPv4 and IPv6 addresses.
    Ip,
    /// Payment card numbers, Luhn checked.
    Card,
}

impl Category {
    /// Every category, in the order of the spec.
    pub const ALL: [Category; 5] = [
        Category::Email,
        Category::Phone,
        Category::Iban,
        Category::Ip,
        Category::Card,
    ];

    /// The name used in policies, on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::Email => "email",
            Category::Phone => "phone",
            Category::Iban => "iban",
            Category::Ip => "ip",
            Category::Card => "card",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Category {
    type Err = RedactError;

    fn from_str(s: &str) -> Result<Self> {
        Category::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                RedactError::Policy(format!(
                    "unknown detector {s:?} (one of email, phone, iban, ip, card)"
                ))
            })
    }
}

/// Largest compiled size of a user's pattern (bytes of the regex program).
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// Deepest nesting of a user's pattern.
pub const PATTERN_NEST_LIMIT: u32 = 64;
/// Longest source text of a user's pattern.
pub const PATTERN_LEN_MAX: usize = 4096;

/// What a detector is: a built-in category or a named user pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// A built-in category.
    Builtin(Category),
    /// A user's pattern, by its name.
    Pattern(String),
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Builtin(c) => f.write_str(c.name()),
            Finding::Pattern(name) => write!(f, "pattern:{name}"),
        }
    }
}

impl serde::Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A compiled detector.
#[derive(Clone, Debug)]
pub struct Detector {
    finding: Finding,
    regex: Regex,
    aux: Option<Regex>,
}

fn compile(src: &str) -> Result<Regex> {
    RegexBuilder::new(src)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_SIZE_LIMIT)
        .nest_limit(PATTERN_NEST_LIMIT)
        .build()
        .map_err(|e| RedactError::Policy(format!("pattern {src:?}: {e}")))
}

const EMAIL: &str = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}";
const PHONE: &str = r"(?:\+|\(0|0)[0-9 ().\-/]{6,24}[0-9]";
const IBAN: &str = r"(?i)[a-z]{2}[0-9]{2}(?: ?[a-z0-9]){11,30}";
const IPV4: &str = r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}";
const IPV6: &str =
    r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|[0-9a-f]{0,4})";
const CARD: &str = r"[0-9](?:[ \-]?[0-9]){12,18}";

impl Detector {
    /// A built-in detector.
    pub fn builtin(category: Category) -> Result<Self> {
        let (src, aux) = match category {
            Category::Email => (EMAIL, None),
            Category::Phone => (PHONE, None),
            Category::Iban => (IBAN, None),
            Category::Ip => (IPV4, Some(compile(IPV6)?)),
            Category::Card => (CARD, None),
        };
        Ok(Self {
            finding: Finding::Builtin(category),
            regex: compile(src)?,
            aux,
        })
    }

    /// A user's pattern under a name (a token of `[a-z0-9._-]`).
    pub fn pattern(name: &str, regex: &str) -> Result<Self> {
        let token_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !token_ok {
            return Err(RedactError::Policy(format!(
                "pattern name {name:?}: 1 to 64 characters of a-z, 0-9, '.', '_', '-'"
            )));
        }
        if regex.len() > PATTERN_LEN_MAX {
            return Err(RedactError::Policy(format!(
                "pattern {name}: longer than {PATTERN_LEN_MAX} bytes"
            )));
        }
        Ok(Self {
            finding: Finding::Pattern(name.to_owned()),
            regex: compile(regex)?,
            aux: None,
        })
    }

    /// What this detector reports.
    pub fn finding(&self) -> &Finding {
        &self.finding
    }

    /// Whether `data` holds at least one value this detector takes.
    pub fn matches(&self, data: &[u8]) -> bool {
        match &self.finding {
            Finding::Pattern(_) => self.regex.is_match(data),
            Finding::Builtin(c) => match c {
                Category::Email => self.candidates(data, email_ok),
                Category::Phone => self.candidates_shrinking(data, phone_ok),
                Category::Iban => self.candidates_shrinking(data, iban_ok),
                Category::Ip => {
                    self.candidates(data, ipv4_ok)
                        || self.aux.as_ref().is_some_and(|r| {
                            r.find_iter(data).any(|m| ipv6_ok(data, m.start(), m.end()))
                        })
                }
                Category::Card => self.candidates_shrinking(data, card_ok),
            },
        }
    }

    fn candidates(&self, data: &[u8], ok: impl Fn(&[u8], usize, usize) -> bool) -> bool {
        self.regex
            .find_iter(data)
            .any(|m| ok(data, m.start(), m.end()))
    }

    /// Like [`Self::candidates`], but a candidate that fails is also tried
    /// cut short before each separator, from the right: a greedy match may
    /// have swallowed the next word.
    fn candidates_shrinking(&self, data: &[u8], ok: impl Fn(&[u8], usize, usize) -> bool) -> bool {
        self.regex.find_iter(data).any(|m| {
            let (s, e) = (m.start(), m.end());
            if ok(data, s, e) {
                return true;
            }
            (s + 1..e)
                .rev()
                .filter(|&i| {
                    !data[i].is_ascii_alphanumeric() && data[i - 1].is_ascii_alphanumeric()
                })
                .any(|i| ok(data, s, i))
        })
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn before(data: &[u8], s: usize) -> Option<u8> {
    s.checked_sub(1).and_then(|i| data.get(i).copied())
}

fn email_ok(data: &[u8], s: usize, e: usize) -> bool {
    let m = &data[s..e];
    let Some(at) = m.iter().position(|&b| b == b'@') else {
        return false;
    };
    // A run of dots before the address is punctuation, not part of it.
    let local = &m[..at];
    let local = &local[local.iter().take_while(|&&b| b == b'.').count()..];
    let domain = &m[at + 1..];
    !local.is_empty()
        && local.len() <= 64
        && !local.ends_with(b".")
        && !local.windows(2).any(|w| w == b"..")
        && domain.len() <= 253
        && !data
            .get(e)
            .copied()
            .is_some_and(|b| is_word(b) || b == b'@')
}

/// Whether `m` starts with a date: day, month, year (`1.2.26`, `01/02/2026`)
/// or year, month, day (`2026-01-02`), one kind of separator.
fn starts_with_date(m: &[u8]) -> bool {
    let mut groups: Vec<(usize, u32)> = Vec::with_capacity(3);
    let mut seps: Vec<u8> = Vec::with_capacity(2);
    let mut rest = m;
    while groups.len() < 3 {
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 4 {
            return false;
        }
        let value = rest[..n]
            .iter()
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
        groups.push((n, value));
        rest = &rest[n..];
        if groups.len() < 3 {
            match rest.split_first() {
                Some((&sep, tail)) if b"./-".contains(&sep) => {
                    seps.push(sep);
                    rest = tail;
                }
                _ => return false,
            }
        }
    }
    if seps.first() != seps.get(1) {
        return false;
    }
    match groups.as_slice() {
        [(1..=2, d), (1..=2, mo), (2 | 4, _)] => (1..=31).contains(d) && (1..=12).contains(mo),
        [(4, _), (1..=2, mo), (1..=2, d)] => (1..=31).contains(d) && (1..=12).contains(mo),
        _ => false,
    }
}

fn phone_ok(data: &[u8], s: usize, e: usize) -> bool {
    let m = &data[s..e];
    // Not inside a word, a longer number, a decimal or a date ("3,0151...",
    // "12-030..."); a separator after a word is fine ("Doe,+49...").
    let prev = before(data, s);
    let prev2 = s.checked_sub(2).and_then(|i| data.get(i).copied());
    if prev.is_some_and(|b| is_word(b) || b == b'+')
        || (prev.is_some_and(|b| b".,-/".contains(&b)) && prev2.is_some_and(|b| b.is_ascii_digit()))
    {
        return false;
    }
    if data.get(e).copied().is_some_and(is_word) {
        return false;
    }
    // At most two separators in a row, one pair of parentheses at most.
    let mut run = 0;
    for &b in m {
        if b.is_ascii_digit() {
            run = 0;
        } else {
            run += 1;
            if run > 2 {
                return false;
            }
        }
    }
    let opens = m.iter().filter(|&&b| b == b'(').count();
    let closes = m.iter().filter(|&&b| b == b')').count();
    if opens > 1 || opens != closes {
        return false;
    }
    let digits: Vec<u8> = m.iter().copied().filter(u8::is_ascii_digit).collect();
    if let Some(rest) = m.strip_prefix(b"+") {
        // E.164: a country code and number, 8 to 15 digits.
        rest.first().is_some_and(|&b| (b'1'..=b'9').contains(&b))
            && (8..=15).contains(&digits.len())
    } else if digits.starts_with(b"00") {
        m.starts_with(b"00") && (10..=17).contains(&digits.len()) && digits.get(2) != Some(&b'0')
    } else {
        // National: a trunk 0, an area code, a subscriber number.
        let first_group = m
            .iter()
            .skip_while(|b| !b.is_ascii_digit())
            .take_while(|b| b.is_ascii_digit())
            .count();
        let digits_from = m.iter().position(u8::is_ascii_digit).unwrap_or(0);
        let is_date = starts_with_date(&m[digits_from..]);
        (9..=12).contains(&digits.len())
            && digits.get(1).is_some_and(|&b| b != b'0')
            && (first_group <= 5 || first_group == digits.len())
            && !is_date
    }
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// The ISO 7064 MOD 97-10 remainder of an IBAN (letters as 10..35, the first
/// four characters moved to the end).
fn iban_mod97(iban: &[u8]) -> Option<u32> {
    let (head, tail) = iban.split_at_checked(4)?;
    let mut r: u32 = 0;
    for &b in tail.iter().chain(head) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    Some(r)
}

fn iban_ok(data: &[u8], s: usize, e: usize) -> bool {
    if before(data, s).is_some_and(is_word) || data.get(e).copied().is_some_and(is_word) {
        return false;
    }
    let m = &data[s..e];
    if m.ends_with(b" ") {
        return false;
    }
    let iban: Vec<u8> = m
        .iter()
        .filter(|&&b| b != b' ')
        .map(u8::to_ascii_uppercase)
        .collect();
    let Some(country) = iban.first_chunk::<2>() else {
        return false;
    };
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country) else {
        return false;
    };
    iban.len() == len && iban_mod97(&iban) == Some(1)
}

fn ipv4_ok(data: &[u8], s: usize, e: usize) -> bool {
    // Not part of a longer dotted number or a word.
    if before(data, s).is_some_and(|b| is_word(b) || b == b'.') {
        return false;
    }
    match data.get(e) {
        Some(b) if is_word(*b) => return false,
        Some(b'.') if data.get(e + 1).is_some_and(u8::is_ascii_digit) => return false,
        _ => {}
    }
    data[s..e].split(|&b| b == b'.').all(|octet| {
        let leading_zero = octet.len() > 1 && octet.first() == Some(&b'0');
        let value = octet
            .iter()
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
        !leading_zero && value <= 255
    })
}

fn ipv6_ok(data: &[u8], s: usize, e: usize) -> bool {
    if before(data, s).is_some_and(|b| is_word(b) || b == b':' || b == b'.') {
        return false;
    }
    if data
        .get(e)
        .copied()
        .is_some_and(|b| is_word(b) || b == b':')
    {
        return false;
    }
    let m = &data[s..e];
    let Ok(text) = std::str::from_utf8(m) else {
        return false;
    };
    m.iter().any(u8::is_ascii_digit) && Ipv6Addr::from_str(text).is_ok()
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a card number's prefix and length are those of a card network.
fn card_network(d: &[u8]) -> bool {
    let n = d.len();
    let prefix = |k: usize| -> u32 {
        d.iter()
            .take(k)
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'))
    };
    let p2 = prefix(2);
    let p3 = prefix(3);
    let p4 = prefix(4);
    (d.first() == Some(&b'4') && matches!(n, 13 | 16 | 19)) // Visa
        || (((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && n == 16) // Mastercard
        || (matches!(p2, 34 | 37) && n == 15) // American Express
        || ((p4 == 6011 || p2 == 65 || (644..=649).contains(&p3)) && (16..=19).contains(&n)) // Discover
        || ((3528..=3589).contains(&p4) && (16..=19).contains(&n)) // JCB
        || (((300..=305).contains(&p3) || matches!(p2, 36 | 38)) && (14..=16).contains(&n)) // Diners
        || (p2 == 62 && (16..=19).contains(&n)) // UnionPay
        || ((p2 == 50 || (56..=58).contains(&p2) || p2 == 67) && (13..=19).contains(&n)) // Maestro
}

fn card_ok(data: &[u8], s: usize, e: usize) -> bool {
    if before(data, s).is_some_and(|b| is_word(b) || b"+.,".contains(&b)) {
        return false;
    }
    if data
        .get(e)
        .copied()
        .is_some_and(|b| is_word(b) || b == b'.')
    {
        return false;
    }
    let m = &data[s..e];
    // One kind of separator at most.
    let spaces = m.contains(&b' ');
    let hyphens = m.contains(&b'-');
    if spaces && hyphens {
        return false;
    }
    let digits: Vec<u8> = m.iter().copied().filter(u8::is_ascii_digit).collect();
    (13..=19).contains(&digits.len()) && card_network(&digits) && luhn(&digits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn check(c: Category, yes: &[&str], no: &[&str]) {
        let d = Detector::builtin(c).unwrap();
        for s in yes {
            assert!(d.matches(s.as_bytes()), "{c}: should find {s:?}");
        }
        for s in no {
            assert!(!d.matches(s.as_bytes()), "{c}: should not find {s:?}");
        }
    }

    #[test]
    fn email() {
        check(
            Category::Email,
            &[
                "alice@example.com",
                "write to John.Doe+case@mail.example.co.uk, please",
                "<a.b-c_d@sub-domain.example.org>",
                "mailto:x@y.io",
                "...bob@example.net",
            ],
            &[
                "alice@localhost",
                "alice@example",
                "@example.com",
                "alice@.example.com",
                "alice@-example.com",
                "alice@example.c",
                "alice..bob@example.com",
                "alice.@example.com",
                "alice@@example.com",
                "2026-01-01 alice: meet at 9",
                "user at example dot com",
            ],
        );
    }

    #[test]
    fn phone() {
        check(
            Category::Phone,
            &[
                "+49 151 23456789",
                "call +49151000000 now",
                "0049 30 1234567",
                "Tel. 030 1234567",
                "(030) 123 4567",
                "0151-2345-6789",
                "01 23 45 67 89",
                "01.23.45.67.89",
                "+33 1 23 45 67 89, then 2026",
                "+1 (202) 555-0143",
                "John Doe,+49151000000",
                "Doe;0151 2345678",
            ],
            &[
                "2026-01-01",
                "01.02.2026",
                "01.02.2026 12:30",
                "12345",
                "+49 12",
                "+0 123 456 789",
                "ISBN 978-3-16-148410-0",
                "order 0000",
                "v0.12.3",
                "0.0151234567",
                "3,0151234567",
                "12-0301234567",
                "00000000000",
                "030---1234567",
                "id:0301234567x",
                "0 1",
            ],
        );
    }

    #[test]
    fn iban() {
        check(
            Category::Iban,
            &[
                "DE89370400440532013000",
                "IBAN: DE89 3704 0044 0532 0130 00 is the account",
                "GB82 WEST 1234 5698 7654 32",
                "fr1420041010050500013m02606",
                "NL91ABNA0417164300",
                "BE68539007547034.",
            ],
            &[
                "DE89370400440532013001",
                "DE89 3704 0044 0532 0130 0",
                "XX89370400440532013000",
                "DE8937040044053201300012",
                "GB82WEST1234569876543",
                "DE00 0000 0000 0000 0000 00",
                "NL91ABNA04171643001",
                "the words ab12 cdef ghij klmn op",
                "XDE89370400440532013000",
            ],
        );
        // Mod-97 on the example of ISO 13616.
        assert_eq!(iban_mod97(b"GB82WEST12345698765432"), Some(1));
    }

    #[test]
    fn ip() {
        check(
            Category::Ip,
            &[
                "from 192.168.1.10 at 9",
                "10.0.0.1",
                "255.255.255.255",
                "0.0.0.0",
                "2001:db8::ff00:42:8329",
                "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:443",
                "fe80::1",
                "::1",
                "::ffff:192.0.2.128",
            ],
            &[
                "256.1.1.1",
                "1.2.3",
                "1.2.3.4.5",
                "version 1.2.3.4.5 released",
                "01.02.03.04",
                "192.168.1.300",
                "v1.2.3.4",
                "12:30:45",
                "std::vector",
                "a::b",
                "dead::beef",
                "00:1a:2b:3c:4d:5e",
                "2001:db8:::1",
                "10:30",
            ],
        );
    }

    #[test]
    fn card() {
        check(
            Category::Card,
            &[
                "4111 1111 1111 1111",
                "card 4111-1111-1111-1111 exp 12/28",
                "5555555555554444",
                "378282246310005",
                "6011111111111117",
                "3530111333300000",
                "2223003122003222",
            ],
            &[
                "4111 1111 1111 1112",
                "4111-1111 1111-1111",
                "411111111111",
                "9111111111111111",
                "1234567812345670",
                "+4111111111111111",
                "41111111111111111111",
                "0000 0000 0000 0000",
                "DE89370400440532013000",
            ],
        );
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"79927398710"));
    }

    #[test]
    fn user_patterns() {
        let d = Detector::pattern("case-ref", r"CASE-[0-9]{4}-[0-9]{4}").unwrap();
        assert!(d.matches(b"see CASE-2026-0042"));
        assert!(!d.matches(b"see CASE-26-42"));
        assert_eq!(d.finding().to_string(), "pattern:case-ref");
        assert!(Detector::pattern("Bad Name", "x").is_err());
        assert!(Detector::pattern("x", "(").is_err());
        assert!(Detector::pattern("x", &"a".repeat(PATTERN_LEN_MAX + 1)).is_err());
        // A pattern whose program is too large is refused, not compiled.
        assert!(Detector::pattern("big", r"\w{1000}\w{1000}\w{1000}").is_err());
        // Matching works on bytes that are not UTF-8.
        let d = Detector::pattern("x", "ab").unwrap();
        assert!(d.matches(b"\xff\xfeab"));
    }

    #[test]
    fn categories_parse_by_name() {
        for c in Category::ALL {
            assert_eq!(c.name().parse::<Category>().unwrap(), c);
        }
        assert!("mail".parse::<Category>().is_err());
    }
}
