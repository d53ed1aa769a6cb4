//! Rules on what a task runs.
//!
//! Codes: E3005 (a service or task without a container).

use super::compute;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::Typed;

/// E3005: a task definition needs at least one container.
pub fn has_container(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        if !obj.blocks("container").is_empty() {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E3005,
                obj.head,
                format!("{} `{}` has no container", obj.kind, obj.name()),
            )
            .with_primary_label("a task runs 1 to 10 containers")
            .with_help("add one: `container app { image = \"public.ecr.aws/nginx/nginx:1.27\" }`"),
        );
    }
}
