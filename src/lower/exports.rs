//! Export names of outputs (`output x = { value = ..., export = ... }`).

use crate::cfn;
use crate::types::{Output, Typed, Value};
use serde_json::{Value as Json, json};

/// The `Export.Name` of an output: `export = "name"` as written (with
/// `${param}` and `${AWS::StackName}` substitutions), `export = true` as
/// `<stack name>-<output-name>`.
pub fn export_name(typed: &Typed, output: &Output) -> Option<Json> {
    match &output.export.as_ref()?.value {
        Value::Bool(true) => Some(cfn::sub(&format!(
            "${{AWS::StackName}}-{}",
            output.name.replace('_', "-")
        ))),
        Value::Str(name) if name.contains("${") => Some(cfn::sub(&substitute(typed, name))),
        Value::Str(name) => Some(json!(name)),
        Value::Param(name) => Some(cfn::reference(&cfn::pascal(name))),
        _ => None,
    }
}

/// Rewrites `${param}` to the parameter's logical name (`${env}` -> `${Env}`).
fn substitute(typed: &Typed, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let (variable, tail) = after.split_at(end);
        let name = variable.trim_start_matches("${");
        if typed.params.contains_key(name) {
            out.push_str(&format!("${{{}", cfn::pascal(name)));
        } else {
            out.push_str(variable);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}
