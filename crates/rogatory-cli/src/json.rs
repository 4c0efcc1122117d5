//! The JSON the `rogatory` command prints under `--json`: one document on
//! standard output per command, an object, always with the same
//! conventions (the README's "For scripts"):
//!
//! - `format`: `1`, the version of these conventions (a document with a
//!   format of its own, such as the custody export's `rogatory-custody/1`,
//!   keeps it);
//! - every time is RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SSZ`, also where a
//!   wire structure (the sealed metadata, a card) holds it as seconds;
//! - a key id is always named `..._key_id` (64 hex digits), a party id
//!   `...` or `..._party`; digests are 64 hex digits;
//! - a list is under a named key (`cards`, `deliveries`, ...), never the
//!   document itself;
//! - an error is `{"format":1,"error":{"class","exit_code","message"}}`.

use std::io::Write;

use rogatory::core::time::format_rfc3339;
use rogatory::wire::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{CliError, Result};

/// The version of the conventions.
pub const FORMAT: u64 = 1;

/// The keys that hold a time wherever they appear (the names of every
/// `Timestamp` in the wire structures and reports).
const TIME_KEYS: &[&str] = &[
    "time",
    "not_before",
    "not_after",
    "retain_until",
    "deadline",
    "acquired",
    "created",
    "compromised",
    "issued",
    "effective",
    "since",
    "first",
    "last",
    "now",
    "valid_from",
    "valid_until",
    "received_at",
    "receipted",
];

/// Seconds under a time key become RFC 3339, everywhere in the value.
fn normalize(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if TIME_KEYS.contains(&k.as_str())
                    && let Some(secs) = x.as_u64()
                {
                    *x = Value::String(format_rfc3339(Timestamp(secs)));
                } else {
                    normalize(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// `value` as a document: normalized, with its `format`.
pub fn document(value: &impl Serialize) -> Result<Value> {
    let mut v = serde_json::to_value(value)?;
    normalize(&mut v);
    match v {
        Value::Object(mut m) => {
            m.entry("format").or_insert(Value::from(FORMAT));
            Ok(Value::Object(m))
        }
        other => Err(CliError::usage(format!(
            "internal: a JSON document must be an object, not {other}"
        ))),
    }
}

/// Prints `value` (an object) as the command's document.
pub fn print(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    let doc = document(value)?;
    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)
        .map_err(CliError::io("writing standard output"))
}

/// Prints a list as the document `{"format":1, KEY: [...]}`.
pub fn print_list(out: &mut dyn Write, key: &str, items: &impl Serialize) -> Result<()> {
    let mut m = Map::new();
    m.insert(key.to_owned(), serde_json::to_value(items)?);
    print(out, &Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_become_rfc3339_and_the_format_is_added() {
        let v = serde_json::json!({
            "metadata": {"retain_until": 1_858_896_000u64, "created": "2026-01-01T00:00:00Z"},
            "events": [{"time": 0, "sequence": 3}],
        });
        let d = document(&v).unwrap();
        assert_eq!(d["format"], 1);
        assert_eq!(d["metadata"]["retain_until"], "2028-11-27T00:00:00Z");
        assert_eq!(d["metadata"]["created"], "2026-01-01T00:00:00Z");
        assert_eq!(d["events"][0]["time"], "1970-01-01T00:00:00Z");
        assert_eq!(d["events"][0]["sequence"], 3);
        let own = document(&serde_json::json!({"format": "rogatory-custody/1"})).unwrap();
        assert_eq!(own["format"], "rogatory-custody/1");
        assert!(document(&serde_json::json!([1, 2])).is_err());
    }
}
