//! Container rules: what ECS refuses when it registers a task definition or
//! starts a task, checked on the `container` blocks of services and tasks.
//!
//! Codes: E3201 too many containers, E3202 no essential container, E3203
//! unknown `depends_on` target, E3204 waiting for an essential container to
//! exit, E3205 `healthy` without a health check, E3206 dependency cycle,
//! E3207 health check out of range, E3208 memory below reservation, E3209
//! containers larger than the task, E3210 duplicate port, E3211 invalid
//! port, E3212 `tag` without a repository, E3213 stop timeout too long,
//! E3214 invalid log retention, E3226 invalid ulimit, W3201 image not
//! pinned to a version.
//! (No container at all is E3005; EC2 containers without memory E3109; GPUs
//! E3121.)
//!
//! Container names need no rule: a label is a name (letters, digits, `_`,
//! which ECS accepts) and two containers with one name are E2007.

use super::compute;
use super::facts::{
    FARGATE_MAX_STOP_TIMEOUT, HEALTH_CHECK_LIMITS, LOG_RETENTION_DAYS, MAX_CONTAINERS,
};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::lower::container::parse_port;
use crate::resolve::did_you_mean;
use crate::span::Span;
use crate::types::units::{format_cpu, format_memory};
use crate::types::{Obj, Typed, Val, Value};
use indexmap::IndexMap;

/// Declarations that run containers (services and scheduled tasks).
pub fn tasks(typed: &Typed) -> impl Iterator<Item = &Obj> {
    compute::task_bearing(typed)
}

/// True when the task runs on Fargate.
pub fn on_fargate(typed: &Typed, task: &Obj) -> bool {
    compute::platform(typed, task) == compute::Platform::Fargate
}

fn containers(task: &Obj) -> &[Obj] {
    task.blocks("container")
}

/// E3201: at most 10 containers per task definition.
pub fn too_many_containers(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        if let Some(extra) = containers(task).get(MAX_CONTAINERS) {
            diags.push(
                Diagnostic::new(
                    Code::E3201,
                    extra.head,
                    format!(
                        "{} `{}` has {} containers",
                        task.kind,
                        task.name(),
                        containers(task).len()
                    ),
                )
                .with_primary_label(format!(
                    "container {} of at most {MAX_CONTAINERS}",
                    MAX_CONTAINERS + 1
                ))
                .with_label(task.head, "in this task")
                .with_help(
                    "a task definition holds at most 10 containers; move some into another service",
                ),
            );
        }
    }
}

/// E3202: one container of a task at least is essential (a task without
/// containers is E3005).
pub fn essential_container(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let all = containers(task);
        if all.is_empty() {
            continue;
        }
        if all.iter().any(|c| c.bool("essential") != Some(false)) {
            continue;
        }
        let mut diag = Diagnostic::new(
            Code::E3202,
            task.head,
            format!(
                "no container of {} `{}` is essential",
                task.kind,
                task.name()
            ),
        )
        .with_primary_label("ECS needs at least one essential container");
        for container in all {
            if let Some(val) = container.get("essential") {
                diag =
                    diag.with_label(val.span, format!("`{}` is not essential", container.name()));
            }
        }
        diags.push(diag.with_help(
            "remove `essential = false` from the main container: the task stops when it stops",
        ));
    }
}

/// The `depends_on` entries of a container as (target, condition word, span).
fn dependencies(container: &Obj) -> Vec<(&str, &str, Span)> {
    match container.get("depends_on").map(|v| &v.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|(target, val)| match &val.value {
                Value::Enum(word) => Some((target.as_str(), word.as_str(), val.span)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// E3203, E3204, E3205: `depends_on` names a container of the same task, does
/// not wait for an essential container to exit, and waits for `healthy`
/// only on a container with a health check.
pub fn dependency_targets(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let all = containers(task);
        for container in all {
            for (target_name, condition, span) in dependencies(container) {
                let Some(target) = all.iter().find(|c| c.name() == target_name) else {
                    let mut diag = Diagnostic::new(
                        Code::E3203,
                        span,
                        format!(
                            "`{target_name}` is not a container of {} `{}`",
                            task.kind,
                            task.name()
                        ),
                    )
                    .with_primary_label(format!(
                        "`{}` waits for `{target_name}`",
                        container.name()
                    ));
                    let names = all.iter().map(Obj::name).filter(|n| *n != container.name());
                    diag = match did_you_mean(target_name, names) {
                        Some(best) => diag.with_help(format!("did you mean `{best}`?")),
                        None => diag
                            .with_help("a container can only wait for containers of its own task"),
                    };
                    diags.push(diag);
                    continue;
                };
                let essential = target.bool("essential") != Some(false);
                if matches!(condition, "complete" | "success") && essential {
                    diags.push(
                        Diagnostic::new(
                            Code::E3204,
                            span,
                            format!("`{}` waits for `{target_name}` to exit, but `{target_name}` is essential", container.name()),
                        )
                        .with_primary_label(format!("`{condition}` means: after `{target_name}` exits"))
                        .with_label(target.head, "essential: when it exits, the whole task stops")
                        .with_help(format!("add `essential = false` to `{target_name}`, or wait for `start` or `healthy`")),
                    );
                }
                if condition == "healthy" && target.block("health_check").is_none() {
                    diags.push(
                        Diagnostic::new(
                            Code::E3205,
                            span,
                            format!("`{target_name}` has no health check to become healthy"),
                        )
                        .with_primary_label("`healthy` needs a health check")
                        .with_label(target.head, "no `health_check` here")
                        .with_help(format!("add `health_check {{ command = \"...\" }}` to `{target_name}`, or wait for `start`")),
                    );
                }
            }
        }
    }
}

/// E3206: containers must not wait for each other in a cycle.
pub fn dependency_cycles(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let all = containers(task);
        let edges: IndexMap<&str, Vec<(&str, Span)>> = all
            .iter()
            .map(|c| {
                let targets = dependencies(c)
                    .into_iter()
                    .filter(|(target, ..)| all.iter().any(|o| o.name() == *target))
                    .map(|(target, _, span)| (target, span))
                    .collect();
                (c.name(), targets)
            })
            .collect();
        let mut reported: Vec<&str> = Vec::new();
        for start in edges.keys() {
            if reported.contains(start) {
                continue;
            }
            if let Some(cycle) = find_cycle(&edges, start) {
                let names: Vec<&str> = cycle.iter().map(|(name, _)| *name).collect();
                let mut path = names.clone();
                path.push(start);
                let Some((_, first_span)) = cycle.first() else {
                    continue;
                };
                let mut diag = Diagnostic::new(
                    Code::E3206,
                    *first_span,
                    format!(
                        "containers wait for each other: {}",
                        path.iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                )
                .with_primary_label(format!(
                    "`{start}` waits for `{}`",
                    names.get(1).unwrap_or(start)
                ));
                for (index, (name, span)) in cycle.iter().enumerate().skip(1) {
                    let next = names.get(index + 1).unwrap_or(start);
                    diag = diag.with_label(*span, format!("`{name}` waits for `{next}`"));
                }
                diags.push(diag.with_help(
                    "no container of the cycle can ever start; remove one of these dependencies",
                ));
                reported.extend(names);
            }
        }
    }
}

/// A cycle through `start`: each container with the span of its dependency
/// on the next one.
fn find_cycle<'a>(
    edges: &IndexMap<&'a str, Vec<(&'a str, Span)>>,
    start: &'a str,
) -> Option<Vec<(&'a str, Span)>> {
    let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
    let mut path: Vec<(&str, Span)> = Vec::new();
    let mut visited: Vec<&str> = vec![start];
    while let Some((node, index)) = stack.pop() {
        let targets = edges.get(node).map_or(&[][..], Vec::as_slice);
        let Some((target, span)) = targets.get(index) else {
            path.pop();
            continue;
        };
        stack.push((node, index + 1));
        path.push((node, *span));
        if *target == start {
            return Some(path);
        }
        if visited.contains(target) {
            path.pop();
            continue;
        }
        visited.push(target);
        stack.push((target, 0));
    }
    None
}

/// E3207: health check values within what ECS accepts.
pub fn health_check_ranges(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        for container in containers(task) {
            let Some(check) = container.block("health_check") else {
                continue;
            };
            for (field, low, high) in HEALTH_CHECK_LIMITS {
                let Some(val) = check.get(field) else {
                    continue;
                };
                let (number, text) = match &val.value {
                    Value::Duration(seconds) => (*seconds, format!("{seconds}s")),
                    Value::Int(count) => (u64::try_from(*count).unwrap_or(0), count.to_string()),
                    _ => continue,
                };
                if (*low..=*high).contains(&number) {
                    continue;
                }
                let unit = if *field == "retries" { "" } else { "s" };
                diags.push(
                    Diagnostic::new(
                        Code::E3207,
                        val.span,
                        format!("health check `{field}` is {text}"),
                    )
                    .with_primary_label(format!("must be {low}{unit} to {high}{unit}"))
                    .with_help(format!(
                        "ECS accepts a health check `{field}` from {low}{unit} to {high}{unit}"
                    )),
                );
            }
            let empty = match check.get("command").map(|v| &v.value) {
                Some(Value::Str(line)) => line.trim().is_empty(),
                Some(Value::List(items)) => items.is_empty(),
                _ => false,
            };
            if let (true, Some(val)) = (empty, check.get("command")) {
                diags.push(
                    Diagnostic::new(Code::E3207, val.span, "the health check command is empty")
                        .with_primary_label("nothing to run")
                        .with_help("write the check, e.g. `command = \"curl -f http://localhost/ || exit 1\"`"),
                );
            }
        }
    }
}

/// E3208: a container's hard memory limit is at least its reservation (and 6 MiB).
pub fn memory_reservation(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        for container in containers(task) {
            let Some(memory) = container.get("memory") else {
                continue;
            };
            let Value::Memory(limit) = memory.value else {
                continue;
            };
            if limit < 6 {
                diags.push(
                    Diagnostic::new(
                        Code::E3208,
                        memory.span,
                        format!(
                            "container `{}` has {} of memory",
                            container.name(),
                            format_memory(limit)
                        ),
                    )
                    .with_primary_label("Docker needs at least 6 MiB")
                    .with_help("give the container at least `6 MiB` (most need far more)"),
                );
                continue;
            }
            if let Some(reservation) = container.get("memory_reservation")
                && let Value::Memory(reserved) = reservation.value
                && reserved > limit
            {
                diags.push(
                    Diagnostic::new(
                        Code::E3208,
                        reservation.span,
                        format!(
                            "container `{}` reserves more memory than its limit",
                            container.name()
                        ),
                    )
                    .with_primary_label(format!("reserves {}", format_memory(reserved)))
                    .with_label(
                        memory.span,
                        format!("but is killed above {}", format_memory(limit)),
                    )
                    .with_help(
                        "the reservation (soft limit) must not exceed `memory` (hard limit)",
                    ),
                );
            }
        }
    }
}

/// E3209: containers fit in the task: the sum of their CPU, and of the
/// memory ECS reserves for each (`memory_reservation`, else `memory`), is
/// at most the task's; no container's hard limit exceeds the task memory.
pub fn containers_fit_task(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let all = containers(task);
        if let Some(Val {
            value: Value::Cpu(task_cpu),
            span,
            ..
        }) = task.get("cpu")
        {
            let total: u64 = all
                .iter()
                .filter_map(|c| match c.get("cpu").map(|v| &v.value) {
                    Some(Value::Cpu(units)) => Some(*units),
                    _ => None,
                })
                .sum();
            if total > *task_cpu {
                let mut diag = Diagnostic::new(
                    Code::E3209,
                    *span,
                    format!(
                        "the containers need {} but the task has {}",
                        format_cpu(total),
                        format_cpu(*task_cpu)
                    ),
                )
                .with_primary_label("task CPU");
                for container in all {
                    if let Some(val) = container.get("cpu") {
                        diag = diag.with_label(val.span, format!("`{}`", container.name()));
                    }
                }
                diags.push(diag.with_help("raise the task `cpu`, or lower the containers' `cpu`"));
            }
        }
        let Some(Val {
            value: Value::Memory(task_memory),
            span,
            ..
        }) = task.get("memory")
        else {
            continue;
        };
        let reserved = |c: &Obj| -> Option<(u64, Span)> {
            ["memory_reservation", "memory"]
                .iter()
                .find_map(|field| match c.get(field) {
                    Some(Val {
                        value: Value::Memory(mib),
                        span,
                        ..
                    }) => Some((*mib, *span)),
                    _ => None,
                })
        };
        let total: u64 = all.iter().filter_map(|c| reserved(c).map(|(m, _)| m)).sum();
        let too_big = all.iter().find_map(|c| match c.get("memory") {
            Some(Val {
                value: Value::Memory(mib),
                span,
                ..
            }) if mib > task_memory => Some((c, *mib, *span)),
            _ => None,
        });
        if let Some((container, mib, limit_span)) = too_big {
            diags.push(
                Diagnostic::new(
                    Code::E3209,
                    limit_span,
                    format!(
                        "container `{}` may use {} but the task has {}",
                        container.name(),
                        format_memory(mib),
                        format_memory(*task_memory)
                    ),
                )
                .with_primary_label("more than the whole task")
                .with_label(*span, "task memory")
                .with_help("lower the container's `memory`, or raise the task `memory`"),
            );
        } else if total > *task_memory {
            let mut diag = Diagnostic::new(
                Code::E3209,
                *span,
                format!(
                    "the containers reserve {} but the task has {}",
                    format_memory(total),
                    format_memory(*task_memory)
                ),
            )
            .with_primary_label("task memory");
            for container in all {
                if let Some((_, span)) = reserved(container) {
                    diag = diag.with_label(span, format!("`{}`", container.name()));
                }
            }
            diags.push(diag.with_help("raise the task `memory`, or lower the containers' `memory_reservation` or `memory`"));
        }
    }
}

/// E3210 and E3211: ports are valid, and unique in a task (containers of an
/// `awsvpc` or `host` task share one network interface).
pub fn container_ports(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let shared = task.str("network_mode") != Some("bridge");
        let mut seen: Vec<(i64, &str, Span, &str)> = Vec::new();
        for container in containers(task) {
            let mut own: Vec<(i64, &str, Span)> = Vec::new();
            if let Some(val) = container.get("port")
                && let Value::Int(port) = val.value
            {
                own.push((port, "tcp", val.span));
            }
            if let Some(Value::List(items)) = container.get("ports").map(|v| &v.value) {
                for item in items {
                    match parse_port(&item.value) {
                        Some((port, protocol)) => own.push((port, protocol, item.span)),
                        None if matches!(item.value, Value::Str(_)) => diags.push(
                            Diagnostic::new(Code::E3211, item.span, "not a port")
                                .with_primary_label("expected a port (1 to 65535), optionally with `/tcp` or `/udp`")
                                .with_help("write `8080`, `\"8080/tcp\"` or `\"53/udp\"`"),
                        ),
                        None => {}
                    }
                }
            }
            for (index, (port, protocol, span)) in own.iter().enumerate() {
                let earlier_own = own
                    .iter()
                    .take(index)
                    .find(|(p, pr, _)| p == port && pr == protocol);
                let earlier = earlier_own
                    .map(|(_, _, s)| (*s, container.name()))
                    .or_else(|| {
                        seen.iter()
                            .find(|(p, pr, _, _)| shared && p == port && pr == protocol)
                            .map(|(_, _, s, name)| (*s, *name))
                    });
                if let Some((first, owner)) = earlier {
                    diags.push(
                        Diagnostic::new(Code::E3210, *span, format!("port {port}/{protocol} is exposed twice"))
                            .with_primary_label(format!("exposed again by `{}`", container.name()))
                            .with_label(first, format!("first exposed by `{owner}`"))
                            .with_help("containers of a task share one network interface; give each port to one container"),
                    );
                }
            }
            seen.extend(
                own.into_iter()
                    .map(|(p, pr, s)| (p, pr, s, container.name())),
            );
        }
    }
}

/// E3212: `tag` applies to a `repository` image only.
pub fn tag_needs_repository(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        for container in containers(task) {
            let (Some(tag), Some(image)) = (container.get("tag"), container.get("image")) else {
                continue;
            };
            if let Value::Str(uri) = &image.value {
                diags.push(
                    Diagnostic::new(
                        Code::E3212,
                        tag.span,
                        "`tag` applies to a `repository` image only",
                    )
                    .with_primary_label("this tag would be ignored")
                    .with_label(image.span, "the image is a literal reference")
                    .with_help(format!(
                        "write the tag in the image: `image = \"{}:<tag>\"`",
                        uri.split('@').next().unwrap_or(uri)
                    )),
                );
            }
        }
    }
}

/// E3213: Fargate stops a container at most 120 seconds after SIGTERM.
pub fn stop_timeout(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        if !on_fargate(typed, task) {
            continue;
        }
        for container in containers(task) {
            if let Some(Val {
                value: Value::Duration(seconds),
                span,
                ..
            }) = container.get("stop_timeout")
                && *seconds > FARGATE_MAX_STOP_TIMEOUT
            {
                diags.push(
                    Diagnostic::new(
                        Code::E3213,
                        *span,
                        format!("a stop timeout of {seconds}s is too long on Fargate"),
                    )
                    .with_primary_label(format!("at most {FARGATE_MAX_STOP_TIMEOUT}s"))
                    .with_label(task.head, "runs on Fargate")
                    .with_help(format!(
                        "use `stop_timeout = {FARGATE_MAX_STOP_TIMEOUT}s` or less"
                    )),
                );
            }
        }
    }
}

/// E3214: the log retention is one CloudWatch Logs accepts.
pub fn log_retention(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let Some(Val {
            value: Value::Duration(seconds),
            span,
            defaulted,
        }) = task.get("log_retention")
        else {
            continue;
        };
        if *defaulted {
            continue;
        }
        let days = seconds / 86_400;
        if seconds % 86_400 == 0 && LOG_RETENTION_DAYS.contains(&days) {
            continue;
        }
        let nearest = LOG_RETENTION_DAYS
            .iter()
            .copied()
            .min_by_key(|d| (d * 86_400).abs_diff(*seconds))
            .unwrap_or(30);
        diags.push(
            Diagnostic::new(
                Code::E3214,
                *span,
                "CloudWatch Logs does not offer this log retention",
            )
            .with_primary_label(if seconds % 86_400 == 0 {
                format!("{days} days is not a retention CloudWatch offers")
            } else {
                "retention is a whole number of days".to_string()
            })
            .with_help(format!(
                "the nearest valid retention is `{nearest}d`; valid days are {}",
                LOG_RETENTION_DAYS
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with_suggestion(format!("use `{nearest}d`"), *span, format!("{nearest}d")),
        );
    }
}

/// W3201: images should be pinned to a version, not `latest` or untagged.
pub fn pinned_images(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        for container in containers(task) {
            let Some(image) = container.get("image") else {
                continue;
            };
            let problem = match &image.value {
                Value::Str(_) if container.get("tag").is_some() => None, // E3212
                Value::Str(uri) => literal_tag(uri).map(|tag| (image.span, tag)),
                Value::Ref { name, .. } => match container.get("tag") {
                    None => Some((
                        image.span,
                        format!("repository `{name}` without a `tag` runs `latest`"),
                    )),
                    Some(Val {
                        value: Value::Str(tag),
                        span,
                        ..
                    }) if tag == "latest" => Some((*span, "the `latest` tag moves".into())),
                    _ => None,
                },
                _ => None,
            };
            if let Some((span, what)) = problem {
                diags.push(
                    Diagnostic::new(Code::W3201, span, format!("the image of `{}` is not pinned to a version", container.name()))
                        .with_primary_label(what)
                        .with_help("name a version tag or digest, so every task of a deployment runs the same image and rollbacks work"),
                );
            }
        }
    }
}

/// What is wrong with a literal image's tag, if anything.
fn literal_tag(uri: &str) -> Option<String> {
    if uri.contains('@') {
        return None;
    }
    let last = uri.rsplit('/').next().unwrap_or(uri);
    match last.split_once(':') {
        None => Some("no tag: Docker pulls `latest`".into()),
        Some((_, "latest")) => Some("the `latest` tag moves".into()),
        Some(_) => None,
    }
}

/// E3226: a ulimit's soft limit is at most its hard limit, and on Fargate
/// only `nofile` can be changed.
pub fn ulimits(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let fargate = on_fargate(typed, task);
        for container in containers(task) {
            for limit in container.blocks("ulimit") {
                if fargate && limit.name() != "nofile" {
                    diags.push(
                        Diagnostic::new(
                            Code::E3226,
                            limit.head,
                            format!(
                                "Fargate does not let tasks change the `{}` limit",
                                limit.name()
                            ),
                        )
                        .with_primary_label("only `nofile` can be changed on Fargate")
                        .with_label(task.head, "runs on Fargate")
                        .with_help("remove it, or run the task on EC2"),
                    );
                }
                let (Some(soft), Some(hard)) = (limit.get("soft"), limit.get("hard")) else {
                    continue;
                };
                let (Value::Int(low), Value::Int(high)) = (&soft.value, &hard.value) else {
                    continue;
                };
                if *low < 0 || *high < 0 {
                    let span = if *low < 0 { soft.span } else { hard.span };
                    diags.push(
                        Diagnostic::new(Code::E3226, span, "a ulimit cannot be negative")
                            .with_primary_label("0 or more")
                            .with_help("write the limit as a number of files, processes, bytes..."),
                    );
                } else if low > high {
                    diags.push(
                        Diagnostic::new(
                            Code::E3226,
                            soft.span,
                            format!("the soft `{}` limit is above the hard limit", limit.name()),
                        )
                        .with_primary_label(format!("soft limit {low}"))
                        .with_label(hard.span, format!("hard limit {high}"))
                        .with_help("the soft limit can be at most the hard limit"),
                    );
                }
            }
        }
    }
}
