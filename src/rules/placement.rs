//! Placement rules.
//!
//! Codes: E3101 (placement on Fargate), E3111 (more than 5 strategies, more
//! than 10 constraints, or an expression longer than 2000 characters).
//!
//! Sources: `PlacementStrategy` and `PlacementConstraint` API references;
//! "Amazon ECS task placement" (Fargate tasks take neither).

use super::compute::{self, Platform};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::{Obj, Typed};

/// ECS limits (`CreateService`): strategies per service, constraints per task.
pub const MAX_STRATEGIES: usize = 5;
/// See [`MAX_STRATEGIES`].
pub const MAX_CONSTRAINTS: usize = 10;
/// Longest cluster query expression of a `memberOf` constraint.
pub const MAX_EXPRESSION: usize = 2000;

/// The strategies of a placement block in source order.
pub fn strategies(placement: &Obj) -> Vec<&Obj> {
    in_order(placement, &["spread", "binpack", "random"])
}

/// The constraints of a placement block in source order.
pub fn constraints(placement: &Obj) -> Vec<&Obj> {
    in_order(placement, &["distinct_instance", "member_of"])
}

fn in_order<'a>(placement: &'a Obj, kinds: &[&str]) -> Vec<&'a Obj> {
    let mut all: Vec<&Obj> = kinds
        .iter()
        .flat_map(|kind| placement.blocks(kind))
        .collect();
    all.sort_by_key(|obj| (obj.span.file.0, obj.span.start));
    all
}

/// E3101: Fargate places tasks itself.
pub fn not_on_fargate(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let Some(placement) = obj.block("placement") else {
            continue;
        };
        if compute::platform(typed, obj) != Platform::Fargate {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E3101,
                placement.head,
                "placement applies to EC2 tasks only",
            )
            .with_primary_label(format!("`{}` runs on Fargate", obj.name()))
            .with_help("Fargate spreads tasks over zones itself: remove `placement`, or run on EC2 capacity"),
        );
    }
}

/// E3111: at most 5 strategies, 10 constraints, 2000-character expressions.
pub fn limits(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let Some(placement) = obj.block("placement") else {
            continue;
        };
        let strategies = strategies(placement);
        if let Some(extra) = strategies.get(MAX_STRATEGIES) {
            diags.push(
                Diagnostic::new(
                    Code::E3111,
                    extra.head,
                    format!("at most {MAX_STRATEGIES} placement strategies"),
                )
                .with_primary_label(format!("strategy number {}", MAX_STRATEGIES + 1))
                .with_help("ECS applies strategies in order; later ones rarely change anything: remove some"),
            );
        }
        let constraints = constraints(placement);
        if let Some(extra) = constraints.get(MAX_CONSTRAINTS) {
            diags.push(
                Diagnostic::new(
                    Code::E3111,
                    extra.head,
                    format!("at most {MAX_CONSTRAINTS} placement constraints"),
                )
                .with_primary_label(format!("constraint number {}", MAX_CONSTRAINTS + 1))
                .with_help("combine `member_of` expressions with `and`"),
            );
        }
        for member in placement.blocks("member_of") {
            let expression = member.name();
            if expression.trim().is_empty() {
                diags.push(
                    Diagnostic::new(
                        Code::E3111,
                        member.head,
                        "an empty cluster query expression",
                    )
                    .with_primary_label("matches nothing")
                    .with_help(
                        "write an expression such as `\"attribute:ecs.instance-type =~ g5.*\"`",
                    ),
                );
            } else if expression.chars().count() > MAX_EXPRESSION {
                diags.push(
                    Diagnostic::new(
                        Code::E3111,
                        member.head,
                        format!(
                            "a cluster query expression is at most {MAX_EXPRESSION} characters"
                        ),
                    )
                    .with_primary_label(format!("{} characters", expression.chars().count())),
                );
            }
        }
    }
}
