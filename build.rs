//! Build script: bundles the CloudFormation resource schemas.
//!
//! For every `stdlib/schemas/<name>.json` (cfn-lint's registry schemas, kept
//! in the repository as they come), writes three files to `OUT_DIR/schemas/`,
//! which `src/schema/embedded.rs` embeds:
//!
//! * `<name>.json`: the schema reduced to what validation reads, its regular
//!   expressions and `$ref`s fixed for the `jsonschema` crate (a fifth of the
//!   size: parsing it is a fixed cost of every build), without its
//!   definitions;
//! * `<name>.json.definitions`: the definitions, one a line: the name, a tab,
//!   the schema (each is parsed only if a template needs it);
//! * `<name>.json.attributes`: the attributes `Fn::GetAtt` may read, one a
//!   line (empty when the schema names none).
//!
//! The work itself is in `src/schema/bundle.rs`, shared with the crate's tests.

use std::error::Error;
use std::fs;
use std::path::PathBuf;

use serde_json::Value;

#[path = "src/schema/bundle.rs"]
mod bundle;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=stdlib/schemas");
    println!("cargo:rerun-if-changed=src/schema/bundle.rs");
    let source = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("stdlib/schemas");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("schemas");
    fs::create_dir_all(&out)?;
    let mut paths = Vec::new();
    for entry in fs::read_dir(&source)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            paths.push(path);
        }
    }
    paths.sort();
    for path in paths {
        let name = path.file_name().ok_or("a schema file without a name")?;
        let name = name.to_string_lossy();
        let schema: Value = serde_json::from_str(&fs::read_to_string(&path)?)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        let type_name = schema
            .get("typeName")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{}: no typeName", path.display()))?;
        let mut minified = bundle::minify(&schema);
        let mut definitions = String::new();
        if let Some(Value::Object(all)) = minified
            .as_object_mut()
            .and_then(|root| root.shift_remove("definitions"))
        {
            for (definition, body) in all {
                // Compact JSON has no line breaks, and names no tabs.
                definitions.push_str(&format!(
                    "{definition}\t{}\n",
                    serde_json::to_string(&body)?
                ));
            }
        }
        fs::write(out.join(&*name), serde_json::to_string(&minified)?)?;
        fs::write(out.join(format!("{name}.definitions")), definitions)?;
        let attributes: String = bundle::attributes(type_name, &schema)
            .unwrap_or_default()
            .into_iter()
            .map(|attribute| attribute + "\n")
            .collect();
        fs::write(out.join(format!("{name}.attributes")), attributes)?;
    }
    Ok(())
}
