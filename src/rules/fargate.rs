//! Fargate task sizing rules.
//!
//! Codes: E3001 (cpu/memory pair not offered), E3002 (cpu or memory missing).

use super::facts::{FARGATE_SIZES, fargate_memory_options, fargate_pairs};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::units::{format_cpu, format_memory};
use crate::types::{Obj, Typed, Value};

/// Task-bearing declarations that run on Fargate.
fn fargate_tasks(typed: &Typed) -> impl Iterator<Item = &Obj> {
    typed
        .decls
        .values()
        .filter(|obj| matches!(obj.kind.as_str(), "service" | "task"))
        .filter(|obj| obj.str("launch").is_none_or(|launch| launch == "fargate"))
}

/// E3002: a Fargate task needs task-level cpu and memory.
pub fn size_required(typed: &Typed, diags: &mut Diagnostics) {
    for obj in fargate_tasks(typed) {
        for field in ["cpu", "memory"] {
            if obj.fields.get(field).is_none() {
                let example = if field == "cpu" {
                    "cpu = 0.25 vcpu"
                } else {
                    "memory = 512 MiB"
                };
                diags.push(
                    Diagnostic::new(
                        Code::E3002,
                        obj.head,
                        format!("a Fargate task needs a task `{field}`"),
                    )
                    .with_primary_label(format!(
                        "`{}` runs on Fargate without `{field}`",
                        obj.name()
                    ))
                    .with_help(format!(
                        "add `{example}` (Fargate bills and places by task size)"
                    )),
                );
            }
        }
    }
}

/// E3001: the cpu/memory pair must be one of the 74 Fargate offers.
pub fn cpu_memory_pair(typed: &Typed, diags: &mut Diagnostics) {
    for obj in fargate_tasks(typed) {
        let (Some(cpu), Some(memory)) = (obj.get("cpu"), obj.get("memory")) else {
            continue;
        };
        let (Value::Cpu(units), Value::Memory(mib)) = (&cpu.value, &memory.value) else {
            continue;
        };
        let (units, mib) = (*units, *mib);
        if fargate_pairs().contains(&(units, mib)) {
            continue;
        }
        let cpu_text = format_cpu(units);
        let options = fargate_memory_options(units);
        let diag = if options.is_empty() {
            let valid: Vec<String> = FARGATE_SIZES.iter().map(|(c, ..)| format_cpu(*c)).collect();
            Diagnostic::new(
                Code::E3001,
                cpu.span,
                format!("Fargate does not offer {cpu_text}"),
            )
            .with_primary_label("not a Fargate task size")
            .with_label(memory.span, "with this memory")
            .with_help(format!("Fargate tasks have {}", valid.join(", ")))
        } else {
            let range = match (options.first(), options.last()) {
                (Some(low), Some(high)) if options.len() > 3 => {
                    format!("{} to {}", format_memory(*low), format_memory(*high))
                }
                _ => options
                    .iter()
                    .map(|m| format_memory(*m))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let (near_cpu, near_memory) = nearest(units, mib);
            Diagnostic::new(
                Code::E3001,
                memory.span,
                format!(
                    "Fargate does not offer {cpu_text} with {}",
                    format_memory(mib)
                ),
            )
            .with_primary_label(format!("{cpu_text} takes {range}"))
            .with_label(cpu.span, format!("{cpu_text}, set here"))
            .with_help(format!(
                "the nearest valid size is cpu = {}, memory = {}",
                format_cpu(near_cpu),
                format_memory(near_memory)
            ))
        };
        diags.push(diag);
    }
}

/// The valid pair closest to (cpu, memory), preferring to keep the memory.
fn nearest(cpu: u64, memory: u64) -> (u64, u64) {
    fargate_pairs()
        .into_iter()
        .min_by_key(|(c, m)| (c.abs_diff(cpu) / 256 + m.abs_diff(memory) / 512, *c, *m))
        .unwrap_or((256, 512))
}
