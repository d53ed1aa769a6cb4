//! Fargate task sizing rules.
//!
//! Codes: E3001 (cpu/memory pair not offered), E3002 (cpu or memory
//! missing), E3003 (pinned platform version too old for the size or the
//! storage), E3004 (ephemeral storage out of range), W3004 (ephemeral storage
//! on a task that does not run on Fargate).

use super::compute;
use super::facts::{
    EPHEMERAL_STORAGE_GIB, FARGATE_CPU_NEEDING_1_4, FARGATE_PLATFORM_1_4, FARGATE_SIZES,
    fargate_memory_options, fargate_pairs, platform_version,
};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::units::{format_cpu, format_memory};
use crate::types::{Obj, Typed, Value};

/// Task-bearing declarations that run on Fargate.
fn fargate_tasks(typed: &Typed) -> impl Iterator<Item = &Obj> {
    typed
        .decls
        .values()
        .filter(|obj| matches!(obj.kind.as_str(), "service" | "task"))
        .filter(|obj| super::compute::platform(typed, obj).is_fargate())
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

/// E3003: 8 and 16 vCPU tasks, and ephemeral storage, need Linux platform
/// version 1.4.0 or later; a pinned older version cannot run them.
pub fn platform_too_old(typed: &Typed, diags: &mut Diagnostics) {
    for obj in fargate_tasks(typed) {
        let Some(version) = obj.get("platform_version") else {
            continue;
        };
        let Value::Str(text) = &version.value else {
            continue;
        };
        if platform_version(text).is_none_or(|v| v >= FARGATE_PLATFORM_1_4) {
            continue;
        }
        let (major, minor, patch) = FARGATE_PLATFORM_1_4;
        let needed = format!("{major}.{minor}.{patch}");
        let cpu = obj.get("cpu").and_then(|v| match v.value {
            Value::Cpu(units) if FARGATE_CPU_NEEDING_1_4.contains(&units) => {
                Some((v.span, format!("{} tasks need", format_cpu(units))))
            }
            _ => None,
        });
        let storage = obj
            .get("ephemeral_storage")
            .map(|v| (v.span, "ephemeral storage needs".to_string()));
        for (span, what) in cpu.into_iter().chain(storage) {
            diags.push(
                Diagnostic::new(
                    Code::E3003,
                    version.span,
                    format!("{what} platform version {needed} or later, not {text}"),
                )
                .with_primary_label(format!("older than {needed}"))
                .with_label(span, format!("{what} {needed}"))
                .with_help(format!(
                    "use `platform_version = \"{needed}\"` or later, or remove it to run on `LATEST`"
                ))
                .with_suggestion(format!("use {needed}"), version.span, format!("\"{needed}\"")),
            );
        }
    }
}

/// E3004: Fargate ephemeral storage is a whole number of GiB, 21 to 200.
pub fn ephemeral_storage_size(typed: &Typed, diags: &mut Diagnostics) {
    let (low, high) = (*EPHEMERAL_STORAGE_GIB.start(), *EPHEMERAL_STORAGE_GIB.end());
    for obj in fargate_tasks(typed) {
        let Some(storage) = obj.get("ephemeral_storage") else {
            continue;
        };
        let Value::Memory(mib) = storage.value else {
            continue;
        };
        let written = format_memory(mib);
        let (message, label, fixed) = if mib < low * 1024 {
            (
                format!("{written} of ephemeral storage is less than Fargate's {low} GiB"),
                format!("tasks get 20 GiB without asking; more is {low} GiB to {high} GiB"),
                low,
            )
        } else if mib > high * 1024 {
            (
                format!("{written} of ephemeral storage is more than Fargate's {high} GiB"),
                format!("at most {high} GiB"),
                high,
            )
        } else if !mib.is_multiple_of(1024) {
            (
                format!("ephemeral storage must be whole GiB, not {written}"),
                "Fargate sizes it in GiB".to_string(),
                mib.div_ceil(1024),
            )
        } else {
            continue;
        };
        let fixed = format!("{fixed} GiB");
        diags.push(
            Diagnostic::new(Code::E3004, storage.span, message)
                .with_primary_label(label)
                .with_help(format!(
                    "use {low} GiB to {high} GiB, or remove `ephemeral_storage` for the default 20 GiB"
                ))
                .with_suggestion(format!("use {fixed}"), storage.span, fixed),
        );
    }
}

/// W3004: ephemeral storage is a Fargate setting; EC2 tasks use the disk of
/// their instance.
pub fn ephemeral_storage_not_fargate(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        if compute::platform(typed, obj).is_fargate() {
            continue;
        }
        let Some(storage) = obj.get("ephemeral_storage") else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                Code::W3004,
                storage.span,
                format!(
                    "`ephemeral_storage` is ignored: {} `{}` runs on EC2",
                    obj.kind,
                    obj.name()
                ),
            )
            .with_primary_label("only Fargate tasks get configurable ephemeral storage")
            .with_help(
                "remove `ephemeral_storage`; EC2 tasks use the disk of their instance \
                 (`disk` on the `capacity`)",
            ),
        );
    }
}
