//! Reading config.json's fields, shared by config.json's top level and the
//! presets: a string field, and the message for a field that is not one of
//! the known ones.

use serde_json::{Map, Value};

/// A string field: absent or `null` is `None`, otherwise a string that is
/// not blank, trimmed. The error is the problem to report under the field's
/// name.
pub fn optional_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, &'static str> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err("must not be empty"),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err("must be a string"),
    }
}

/// The problem with an unknown field: the nearest known one when it looks
/// like a typo of it, and the list of known ones.
pub fn not_a_field(unknown: &str, known: &[&str], what: &str) -> String {
    let list = known.join(", ");
    match known.iter().map(|k| (edit_distance(unknown, k), k)).filter(|(d, _)| *d <= 2).min() {
        Some((_, near)) => format!("is not {what}; did you mean `{near}`? (fields: {list})"),
        None => format!("is not {what} (fields: {list})"),
    }
}

/// Levenshtein distance, over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("regoin", "region"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("scope", "scope"), 0);
    }

    #[test]
    fn a_near_field_is_named() {
        assert!(not_a_field("scopes", &["scope", "issuer"], "a known field").contains("did you mean `scope`?"));
        assert!(!not_a_field("colour", &["scope"], "a known field").contains("did you mean"));
    }
}
