//! Every example's template passes `cfn-lint` with no error and no warning.
//!
//! cfn-lint is installed by `scripts/setup-cfn-lint.sh` into `.venv/` (a
//! pinned version); a `cfn-lint` on `PATH` is used otherwise. If neither
//! exists this test fails: it never passes without having run the linter.
//! Warnings can only be ignored in `.cfnlintrc.yaml`, each with its reason.

mod common;

use common::{compile_file, ecs_files, root};
use std::path::PathBuf;
use std::process::Command;

/// cfn-lint's exit code is a bit set (1.x): 2 errors, 4 warnings,
/// 8 informational; 1 means it could not run.
const ERRORS: i32 = 2;
const WARNINGS: i32 = 4;
const INFORMATIONAL: i32 = 8;

fn cfn_lint() -> PathBuf {
    let venv = root().join(".venv/bin/cfn-lint");
    if venv.is_file() {
        return venv;
    }
    let on_path = Command::new("cfn-lint")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if on_path {
        return PathBuf::from("cfn-lint");
    }
    panic!(
        "cfn-lint is not installed: run `scripts/setup-cfn-lint.sh` (it creates .venv/ with the \
         pinned cfn-lint), or put cfn-lint on PATH"
    );
}

#[test]
fn examples_pass_cfn_lint() {
    let linter = cfn_lint();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut templates = Vec::new();
    for example in ecs_files("examples") {
        let compiled = compile_file(&example);
        let template = compiled.template().unwrap_or_else(|| {
            panic!(
                "{} does not build:\n{}",
                example.display(),
                compiled.summary()
            )
        });
        let name = example
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("example");
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, template).expect("write template");
        templates.push(path);
    }
    assert!(!templates.is_empty(), "no examples");

    let output = Command::new(&linter)
        .arg("--config-file")
        .arg(root().join(".cfnlintrc.yaml"))
        .args(&templates)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", linter.display()));
    let code = output.status.code().unwrap_or(-1);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if code & INFORMATIONAL != 0 {
        println!("cfn-lint informational notes (not failures):\n{report}");
    }
    assert!(
        code >= 0 && code & !(ERRORS | WARNINGS | INFORMATIONAL) == 0,
        "cfn-lint did not run properly (exit {code}):\n{report}"
    );
    assert!(
        code & (ERRORS | WARNINGS) == 0,
        "cfn-lint found {} in the examples' templates (exit {code}); fix the lowering, or \
         ignore a warning in .cfnlintrc.yaml with the reason:\n{report}",
        match (code & ERRORS != 0, code & WARNINGS != 0) {
            (true, true) => "errors and warnings",
            (true, false) => "errors",
            _ => "warnings",
        }
    );
}

/// The test above would pass vacuously if cfn-lint accepted anything: make
/// sure it reports a broken template as an error.
#[test]
fn cfn_lint_reports_errors() {
    let linter = cfn_lint();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("broken.json");
    std::fs::write(
        &path,
        r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": 7, "Bogus": true}}}}"#,
    )
    .expect("write");
    let output = Command::new(&linter)
        .arg("--config-file")
        .arg(root().join(".cfnlintrc.yaml"))
        .arg(&path)
        .output()
        .expect("cfn-lint runs");
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code > 0 && code & ERRORS != 0,
        "cfn-lint did not flag a broken template (exit {code}): {}",
        String::from_utf8_lossy(&output.stdout)
    );
}
