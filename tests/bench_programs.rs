//! The programs the benchmarks compile (`benches/support/programs.rs`) are
//! valid: small ones build and pass schema validation; large ones are clean
//! up to CloudFormation's per-stack limits, which they exceed by design.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../benches/support/programs.rs"]
#[allow(dead_code)]
mod programs;

use ecsc::diagnostics::Code;
use ecsc::driver;
use std::collections::BTreeSet;
use std::path::Path;

fn codes(diagnostics: &ecsc::diagnostics::Diagnostics) -> BTreeSet<String> {
    diagnostics
        .iter()
        .map(|diagnostic| format!("{:?}", diagnostic.code))
        .collect()
}

/// Builds the program of `n` services; panics on any error.
fn build(n: usize) -> ecsc::driver::Artifact {
    let text = programs::program(n);
    let analysis = driver::analyze_text(Path::new("bench.ecs"), &text);
    assert!(
        analysis.diagnostics.is_empty(),
        "N={n}: unexpected diagnostics {:?}",
        codes(&analysis.diagnostics)
    );
    match driver::build(&analysis) {
        Ok(artifact) => artifact,
        Err(diagnostics) => panic!("N={n} does not build: {:?}", codes(&diagnostics)),
    }
}

#[test]
fn one_service_builds_and_passes_schema_validation() {
    let artifact = build(1);
    assert!(
        artifact.warnings.is_empty(),
        "{:?}",
        codes(&artifact.warnings)
    );
    let types: BTreeSet<&str> = artifact
        .template
        .resources
        .values()
        .map(|resource| resource.resource_type.as_str())
        .collect();
    for expected in [
        "AWS::ECS::Service",
        "AWS::ECS::CapacityProvider",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::EFS::AccessPoint",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
    ] {
        assert!(types.contains(expected), "no {expected} in {types:?}");
    }
}

#[test]
fn ten_services_build_and_pass_schema_validation() {
    let artifact = build(10);
    // Only the note that a template this size is deployed from S3.
    let warnings = codes(&artifact.warnings);
    assert!(warnings.iter().all(|code| code == "W5001"), "{warnings:?}");
    let scaling_policies = artifact
        .template
        .resources
        .values()
        .filter(|r| r.resource_type == "AWS::ApplicationAutoScaling::ScalingPolicy")
        .count();
    assert_eq!(scaling_policies, 20);
}

/// Fifty services make more than 500 resources: the program is clean, and
/// the only errors are CloudFormation's stack limits, found after every
/// other check of the template has run.
#[test]
fn fifty_services_only_exceed_stack_limits() {
    let text = programs::program(50);
    let analysis = driver::analyze_text(Path::new("bench.ecs"), &text);
    assert!(analysis.diagnostics.is_empty());
    let Err(diagnostics) = driver::build(&analysis) else {
        panic!("50 services fit in one stack: update docs/performance.md");
    };
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .collect();
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|diagnostic| diagnostic.code == Code::E5003),
        "{:?}",
        codes(&diagnostics)
    );
}

#[test]
fn routes_are_spread_over_load_balancers_with_distinct_priorities() {
    let text = programs::program(200);
    assert_eq!(programs::load_balancer_count(200), 2);
    assert!(text.contains("load_balancer web1 {"));
    assert!(text.contains("load_balancer web2 {"));
    assert!(!text.contains("load_balancer web3 {"));
    let priorities: Vec<&str> = text
        .lines()
        .filter(|line| line.trim_start().starts_with("priority"))
        .collect();
    assert_eq!(priorities.len(), 200);
    let per_lb: BTreeSet<&str> = priorities.iter().copied().collect();
    assert_eq!(per_lb.len(), programs::ROUTES_PER_LOAD_BALANCER);
}

#[test]
fn lsp_program_has_five_thousand_lines() {
    let (n, text) = programs::program_with_lines(programs::LSP_LINES);
    let lines = text.lines().count();
    assert!(lines >= programs::LSP_LINES, "{lines}");
    assert!(programs::program(n - 1).lines().count() < programs::LSP_LINES);
}
