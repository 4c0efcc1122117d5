//! Redaction policies (spec §12.3): a TOML file of rules, each dropping
//! fields whole or dropping the segments in which detectors find personal
//! data.
//!
//! ```toml
//! [[rule]]
//! name = "no subscriber data"          # optional, shown in reports
//! drop_fields = ["subscriber.csv"]
//!
//! [[rule]]
//! name = "personal data in chats"
//! detect = ["email", "phone", "iban", "ip", "card"]
//! fields = ["chat.txt"]                # optional: default every text field the key reads
//! patterns = [{ name = "case-ref", regex = "CASE-[0-9]{4}-[0-9]{4}" }]
//! ```
//!
//! A policy comes from a person or a partner and is parsed as untrusted
//! input: its size, the number of rules, fields and patterns are bounded,
//! unknown keys are refused, and every pattern is compiled with the size
//! limits of [`crate::detect`].

use std::path::Path;

use rogatory_wire::FieldName;
use serde::Deserialize;

use crate::detect::{Category, Detector};
use crate::error::{RedactError, Result};

/// Largest policy file (bytes).
pub const POLICY_MAX: usize = 1 << 20;
/// Most rules in a policy.
pub const RULES_MAX: usize = 256;
/// Most field names in one rule.
pub const RULE_FIELDS_MAX: usize = rogatory_wire::limits::FIELDS_MAX;
/// Most user patterns in one rule.
pub const RULE_PATTERNS_MAX: usize = 64;
/// Longest rule name (bytes).
pub const RULE_NAME_MAX: usize = 128;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default, rename = "rule")]
    rules: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: Option<String>,
    #[serde(default)]
    drop_fields: Vec<String>,
    #[serde(default)]
    detect: Vec<String>,
    fields: Option<Vec<String>>,
    #[serde(default)]
    patterns: Vec<PatternFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    name: String,
    regex: String,
}

/// Which fields a scanning rule looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every present text field the redactor can read.
    ReadableText,
    /// These fields (each must be readable).
    Fields(Vec<FieldName>),
}

/// One rule of a policy.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The rule's name, for reports.
    pub name: String,
    /// Fields dropped whole.
    pub drop_fields: Vec<FieldName>,
    /// Where the detectors look.
    pub scope: Scope,
    /// The detectors; a segment in which any of them finds something goes.
    pub detectors: Vec<Detector>,
}

/// A parsed, compiled redaction policy.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    rules: Vec<Rule>,
}

fn field_name(rule: &str, s: &str) -> Result<FieldName> {
    FieldName::new(s).map_err(|e| RedactError::Policy(format!("rule {rule}: field name: {e}")))
}

impl Policy {
    /// The empty policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses and compiles a policy from its TOML text.
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > POLICY_MAX {
            return Err(RedactError::Policy(format!(
                "{} bytes, limit {POLICY_MAX}",
                text.len()
            )));
        }
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| RedactError::Policy(one_line(&e.to_string())))?;
        if file.rules.len() > RULES_MAX {
            return Err(RedactError::Policy(format!(
                "{} rules, limit {RULES_MAX}",
                file.rules.len()
            )));
        }
        let mut policy = Policy::new();
        for (i, r) in file.rules.into_iter().enumerate() {
            let name = match r.name {
                Some(n) => {
                    if n.is_empty() || n.len() > RULE_NAME_MAX || n.chars().any(char::is_control) {
                        return Err(RedactError::Policy(format!(
                            "rule {}: a name is 1 to {RULE_NAME_MAX} bytes without control characters",
                            i + 1
                        )));
                    }
                    n
                }
                None => format!("rule {}", i + 1),
            };
            if r.drop_fields.len() > RULE_FIELDS_MAX
                || r.fields.as_ref().is_some_and(|f| f.len() > RULE_FIELDS_MAX)
            {
                return Err(RedactError::Policy(format!(
                    "{name}: more than {RULE_FIELDS_MAX} field names"
                )));
            }
            if r.patterns.len() > RULE_PATTERNS_MAX {
                return Err(RedactError::Policy(format!(
                    "{name}: more than {RULE_PATTERNS_MAX} patterns"
                )));
            }
            if r.detect.len() > Category::ALL.len() * 4 {
                return Err(RedactError::Policy(format!("{name}: too many detectors")));
            }
            let drop_fields = r
                .drop_fields
                .iter()
                .map(|f| field_name(&name, f))
                .collect::<Result<Vec<_>>>()?;
            let mut categories: Vec<Category> = r
                .detect
                .iter()
                .map(|d| d.parse::<Category>())
                .collect::<Result<_>>()
                .map_err(|e| RedactError::Policy(format!("{name}: {e}")))?;
            categories.sort_unstable();
            categories.dedup();
            let mut detectors = categories
                .into_iter()
                .map(Detector::builtin)
                .collect::<Result<Vec<_>>>()?;
            for p in &r.patterns {
                detectors.push(
                    Detector::pattern(&p.name, &p.regex)
                        .map_err(|e| RedactError::Policy(format!("{name}: {e}")))?,
                );
            }
            let scope = match &r.fields {
                None => Scope::ReadableText,
                Some(list) => {
                    if detectors.is_empty() {
                        return Err(RedactError::Policy(format!(
                            "{name}: `fields` names where detectors look, but the rule has none"
                        )));
                    }
                    Scope::Fields(
                        list.iter()
                            .map(|f| field_name(&name, f))
                            .collect::<Result<Vec<_>>>()?,
                    )
                }
            };
            if drop_fields.is_empty() && detectors.is_empty() {
                return Err(RedactError::Policy(format!(
                    "{name}: the rule neither drops fields nor detects anything"
                )));
            }
            policy.rules.push(Rule {
                name,
                drop_fields,
                scope,
                detectors,
            });
        }
        Ok(policy)
    }

    /// Reads and parses a policy file.
    pub fn load(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path)
            .map_err(RedactError::io(format!("reading {}", path.display())))?;
        if meta.len() > POLICY_MAX as u64 {
            return Err(RedactError::Policy(format!(
                "{}: {} bytes, limit {POLICY_MAX}",
                path.display(),
                meta.len()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(RedactError::io(format!("reading {}", path.display())))?;
        Self::parse(&text).map_err(|e| match e {
            RedactError::Policy(d) => RedactError::Policy(format!("{}: {d}", path.display())),
            other => other,
        })
    }

    /// A policy of one rule that runs these detectors over every readable
    /// text field: what `--detect` stands for.
    pub fn detect(name: &str, categories: &[Category]) -> Result<Self> {
        let mut cats = categories.to_vec();
        cats.sort_unstable();
        cats.dedup();
        let detectors = cats
            .into_iter()
            .map(Detector::builtin)
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            rules: vec![Rule {
                name: name.to_owned(),
                drop_fields: Vec::new(),
                scope: Scope::ReadableText,
                detectors,
            }],
        })
    }

    /// Adds the rules of `other`.
    pub fn extend(&mut self, other: Policy) {
        self.rules.extend(other.rules);
    }

    /// Adds one rule.
    pub fn push(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EXAMPLE: &str = r#"
[[rule]]
name = "no subscriber data"
drop_fields = ["subscriber.csv"]

[[rule]]
name = "personal data in chats"
detect = ["email", "phone", "email"]
fields = ["chat.txt"]
patterns = [{ name = "case-ref", regex = "CASE-[0-9]{4}-[0-9]{4}" }]

[[rule]]
detect = ["iban", "card", "ip"]
"#;

    #[test]
    fn the_documented_example_parses() {
        let p = Policy::parse(EXAMPLE).unwrap();
        assert_eq!(p.rules().len(), 3);
        assert_eq!(p.rules()[0].drop_fields[0].as_str(), "subscriber.csv");
        assert!(p.rules()[0].detectors.is_empty());
        let r = &p.rules()[1];
        assert_eq!(r.detectors.len(), 3, "duplicates merged, the pattern added");
        assert_eq!(
            r.scope,
            Scope::Fields(vec![FieldName::new("chat.txt").unwrap()])
        );
        assert_eq!(p.rules()[2].name, "rule 3");
        assert_eq!(p.rules()[2].scope, Scope::ReadableText);
    }

    #[test]
    fn malformed_policies_are_refused() {
        for bad in [
            "rule = 3",
            "[[rule]]\nname = \"empty\"",
            "[[rule]]\ndetect = [\"mail\"]",
            "[[rule]]\ndetect = [\"email\"]\nunknown = 1",
            "[[rule]]\ndrop_fields = [\"\"]",
            "[[rule]]\ndrop_fields = [\"a\\u0001b\"]",
            "[[rule]]\npatterns = [{ name = \"x\", regex = \"(\" }]",
            "[[rule]]\npatterns = [{ name = \"Bad\", regex = \"x\" }]",
            "[[rule]]\ndrop_fields = [\"a\"]\nfields = [\"b\"]",
            "[[rule]]\nname = \"\"\ndrop_fields = [\"a\"]",
            "[[rule]\n",
            "version = 2",
        ] {
            assert!(Policy::parse(bad).is_err(), "{bad:?}");
        }
        let many = "[[rule]]\ndrop_fields = [\"a\"]\n".repeat(RULES_MAX + 1);
        assert!(Policy::parse(&many).is_err());
        let huge = format!("# {}\n", "x".repeat(POLICY_MAX));
        assert!(Policy::parse(&huge).is_err());
        assert!(Policy::parse("").unwrap().is_empty());
    }
}
