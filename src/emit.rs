//! Emit: the template as pretty JSON text, byte-for-byte deterministic.

use serde_json::Value;

/// Serialises a template: two-space indentation, keys in insertion order
/// (resources sorted by logical ID), a final newline.
pub fn emit(template: &Value) -> String {
    let mut text = serde_json::to_string_pretty(template).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
