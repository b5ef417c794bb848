//! Definition JSON → model, with the position of any error.

use crate::error::{Error, Result};
use crate::model::Definition;

pub fn definition_json(text: &str) -> Result<Definition> {
    serde_json::from_str(text).map_err(|e| {
        Error::parser(format!(
            "invalid semantic view definition JSON at line {}, column {}: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        ))
    })
}

/// serde_json appends " at line L column C"; we already lead with the position.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_unknown_keys_with_position() {
        let e = definition_json(r#"{"tables": [], "dimension": []}"#).unwrap_err();
        assert!(e.message.contains("unknown field `dimension`"), "{}", e.message);
        assert!(e.message.contains("line 1, column"), "{}", e.message);
    }

    #[test]
    fn reports_malformed_json() {
        let e = definition_json("{\"tables\": [").unwrap_err();
        assert!(e.message.starts_with("invalid semantic view definition JSON at line 1"), "{}", e.message);
    }
}
