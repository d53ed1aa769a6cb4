//! Domain rules: what ECS or CloudFormation would reject, checked on the
//! typed program before anything is lowered.
//!
//! Each rule is a small function `fn(&Typed, &mut Diagnostics)` with its own
//! code, registered in [`RULES`]. Facts the rules use (the Fargate size
//! table, quotas, valid retention values) live as data in [`facts`], each
//! with its source.

pub mod facts;
mod fargate;

use crate::diagnostics::Diagnostics;
use crate::types::Typed;

/// A domain rule.
pub type Rule = fn(&Typed, &mut Diagnostics);

/// Every rule, in the order they run.
pub const RULES: &[(&str, Rule)] = &[
    ("fargate-size-required", fargate::size_required),
    ("fargate-cpu-memory", fargate::cpu_memory_pair),
];

/// Runs every rule.
pub fn check(typed: &Typed, diags: &mut Diagnostics) {
    for (_, rule) in RULES {
        rule(typed, diags);
    }
}
