//! Capacity rules: capacity provider strategies (of clusters, services and
//! scheduled tasks) and EC2 `capacity` declarations.
//!
//! Codes: E3104 (daemon with a strategy), E3105 (`launch` and a strategy),
//! E3106 (two bases), E3107 (Fargate and EC2 providers mixed), E3108 (an EC2
//! capacity of another cluster), E3114 (AMI and instance architecture),
//! E3115 (weights and bases), E3116 (capacity settings), E3117 (a capacity
//! named like a Fargate provider), W3104 (Spot with one instance type).
//!
//! Sources: the `CapacityProviderStrategyItem` API reference (one base per
//! strategy, base 0..100000, weight 0..1000, at least one weight above 0);
//! "Amazon ECS capacity providers" (a strategy holds Fargate or Auto Scaling
//! group providers, not both; providers must be associated with the
//! cluster); containers-roadmap#692 (daemons reject strategies).

use super::compute::{self, Platform, Provider};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::{Obj, Typed, Value};

/// The strategies of the program: (owner, its cluster's name, its lines).
fn strategies(typed: &Typed) -> Vec<(&Obj, Option<&str>, &[Obj])> {
    let clusters = typed
        .of_kind("cluster")
        .map(|cluster| (cluster, Some(cluster.name()), cluster.blocks("capacity")));
    let tasks = compute::task_bearing(typed)
        .map(|obj| (obj, obj.reference("cluster"), obj.blocks("capacity")));
    clusters
        .chain(tasks)
        .filter(|(_, _, items)| !items.is_empty())
        .collect()
}

/// E3105: `launch` and `capacity` lines are alternatives.
pub fn launch_and_strategy(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let (Some(launch), Some(first)) = (
            obj.get("launch").filter(|v| !v.defaulted),
            obj.blocks("capacity").first(),
        ) else {
            continue;
        };
        if compute::is_daemon(obj) {
            continue; // E3104 says it better.
        }
        diags.push(
            Diagnostic::new(
                Code::E3105,
                launch.span,
                "`launch` and `capacity` cannot both be set",
            )
            .with_primary_label("a launch type")
            .with_label(first.head, "and a capacity provider strategy")
            .with_help(
                "ECS takes a launch type or a capacity provider strategy, never both: remove `launch` to use the strategy",
            ),
        );
    }
}

/// E3104: daemons take no capacity provider strategy.
pub fn daemon_strategy(typed: &Typed, diags: &mut Diagnostics) {
    for obj in typed.of_kind("service").filter(|o| compute::is_daemon(o)) {
        let Some(first) = obj.blocks("capacity").first() else {
            continue;
        };
        let mut diag = Diagnostic::new(
            Code::E3104,
            first.head,
            "a daemon service cannot use a capacity provider strategy",
        )
        .with_primary_label("a strategy on a daemon")
        .with_help(
            "remove the `capacity` lines: a daemon runs with the EC2 launch type on every instance of the cluster, whatever its capacity",
        );
        if let Some(scheduling) = obj.get("scheduling") {
            diag = diag.with_label(scheduling.span, "this service is a daemon");
        }
        diags.push(diag);
    }
}

/// E3106: at most one provider of a strategy sets `base`.
pub fn one_base(typed: &Typed, diags: &mut Diagnostics) {
    for (_, _, items) in strategies(typed) {
        let bases: Vec<&Obj> = items.iter().filter(|i| i.is_set("base")).collect();
        let (Some(first), Some(second)) = (bases.first(), bases.get(1)) else {
            continue;
        };
        let span = second.get("base").map_or(second.head, |v| v.span);
        diags.push(
            Diagnostic::new(
                Code::E3106,
                span,
                "only one capacity provider of a strategy may set `base`",
            )
            .with_primary_label("a second `base`")
            .with_label(
                first.get("base").map_or(first.head, |v| v.span),
                "the first one",
            )
            .with_help("keep `base` on the provider that must always run tasks, and give the others only a `weight`"),
        );
    }
}

/// E3107: a strategy holds Fargate providers or EC2 providers, not both.
pub fn no_mixing(typed: &Typed, diags: &mut Diagnostics) {
    for (_, _, items) in strategies(typed) {
        let fargate = items
            .iter()
            .find(|i| compute::provider(i).is_some_and(|p| p.platform() == Platform::Fargate));
        let ec2 = items
            .iter()
            .find(|i| compute::provider(i).is_some_and(|p| p.platform() == Platform::Ec2));
        let (Some(fargate), Some(ec2)) = (fargate, ec2) else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                Code::E3107,
                ec2.head,
                "a capacity provider strategy cannot mix Fargate and EC2 providers",
            )
            .with_primary_label("an EC2 capacity")
            .with_label(fargate.head, "a Fargate provider in the same strategy")
            .with_help("split the work into two services, one on Fargate and one on EC2 capacity"),
        );
    }
}

/// E3108: an EC2 capacity serves the cluster its instances join.
pub fn same_cluster(typed: &Typed, diags: &mut Diagnostics) {
    for (owner, cluster, items) in strategies(typed) {
        let Some(cluster) = cluster else {
            continue;
        };
        for item in items {
            let Some(Provider::Ec2(name)) = compute::provider(item) else {
                continue;
            };
            let Some(capacity) = typed.get("capacity", name) else {
                continue;
            };
            let Some(home) = capacity.reference("cluster") else {
                continue;
            };
            if home == cluster {
                continue;
            }
            let whose = if owner.kind == "cluster" {
                format!("cluster `{cluster}`")
            } else {
                format!("`{}`, which runs on cluster `{cluster}`", owner.name())
            };
            diags.push(
                Diagnostic::new(
                    Code::E3108,
                    item.head,
                    format!("capacity `{name}` belongs to cluster `{home}`"),
                )
                .with_primary_label(format!("used by {whose}"))
                .with_label(
                    capacity.get("cluster").map_or(capacity.head, |v| v.span),
                    format!("its instances join `{home}`"),
                )
                .with_help(format!(
                    "use a capacity of cluster `{cluster}`, or declare one: `capacity {name}_{cluster} {{ cluster = {cluster} ... }}`"
                )),
            );
        }
    }
}

/// E3115: weights 0..1000, bases 0..100000, and some weight above 0.
pub fn weights(typed: &Typed, diags: &mut Diagnostics) {
    for (_, _, items) in strategies(typed) {
        for item in items {
            for (field, max) in [("weight", 1000), ("base", 100_000)] {
                let Some(val) = item.get(field) else {
                    continue;
                };
                let Value::Int(number) = val.value else {
                    continue;
                };
                if !(0..=max).contains(&number) {
                    diags.push(
                        Diagnostic::new(
                            Code::E3115,
                            val.span,
                            format!("`{field}` must be between 0 and {max}"),
                        )
                        .with_primary_label(format!("{number} is out of range")),
                    );
                }
            }
        }
        if items.len() > 1
            && items.iter().all(|i| i.int("weight") == Some(0))
            && let Some(first) = items.first()
        {
            diags.push(
                Diagnostic::new(
                    Code::E3115,
                    first.get("weight").map_or(first.head, |v| v.span),
                    "every provider of the strategy has weight 0",
                )
                .with_primary_label("no provider takes tasks beyond the base")
                .with_help("give at least one provider a weight above 0 (ECS rejects the strategy otherwise)"),
            );
        }
    }
}

/// E3117: `capacity fargate` in a strategy always means the Fargate
/// provider, so a capacity with that name could never be used.
pub fn reserved_name(typed: &Typed, diags: &mut Diagnostics) {
    for capacity in typed.of_kind("capacity") {
        let name = capacity.name();
        let lower = name.to_ascii_lowercase();
        let reserved = matches!(lower.as_str(), "fargate" | "fargate_spot");
        if !reserved {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E3117,
                capacity.head,
                format!("an EC2 capacity cannot be named `{name}`"),
            )
            .with_primary_label("this name means the Fargate provider in a strategy")
            .with_help(format!("rename it, e.g. `{name}_ec2`")),
        );
    }
}

/// E3116: size, target utilisation, warm-up and instance type format.
pub fn settings(typed: &Typed, diags: &mut Diagnostics) {
    for capacity in typed.of_kind("capacity") {
        if let Some(val) = capacity.get("size")
            && let Value::Range(min, max) = val.value
        {
            if max < 1 {
                diags.push(
                    Diagnostic::new(
                        Code::E3116,
                        val.span,
                        "the capacity can never run an instance",
                    )
                    .with_primary_label("the largest size is 0")
                    .with_help("set a maximum of at least 1, e.g. `size = 0..4`"),
                );
            } else if min < 0 {
                diags.push(
                    Diagnostic::new(
                        Code::E3116,
                        val.span,
                        "an Auto Scaling group cannot have a negative size",
                    )
                    .with_primary_label("negative minimum"),
                );
            }
        }
        if let Some(val) = capacity.get("target_utilization")
            && let Value::Percent(percent) = val.value
            && (!(1.0..=100.0).contains(&percent) || percent.fract() != 0.0)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3116,
                    val.span,
                    "`target_utilization` must be a whole percentage from 1% to 100%",
                )
                .with_primary_label(format!("{percent}% is not accepted")),
            );
        }
        if let Some(val) = capacity.get("warmup").filter(|v| !v.defaulted)
            && let Value::Duration(seconds) = val.value
            && seconds > 10_000
        {
            diags.push(
                Diagnostic::new(Code::E3116, val.span, "`warmup` is at most 10000s")
                    .with_primary_label("too long"),
            );
        }
        for (instance_type, span) in compute::instance_types(capacity) {
            if !valid_instance_type(instance_type) {
                diags.push(
                    Diagnostic::new(
                        Code::E3116,
                        span,
                        format!("`{instance_type}` is not an EC2 instance type"),
                    )
                    .with_primary_label("expected a family and a size")
                    .with_help("instance types are written `family.size`, e.g. \"m7g.large\" or \"g5.xlarge\""),
                );
            }
        }
        if let Some(val) = capacity.get("instance_type")
            && matches!(&val.value, Value::List(items) if items.is_empty())
        {
            diags.push(
                Diagnostic::new(Code::E3116, val.span, "the list of instance types is empty")
                    .with_primary_label("name at least one instance type"),
            );
        }
    }
}

/// `family.size`, lower-case letters, digits and `-` in the family.
fn valid_instance_type(text: &str) -> bool {
    let Some((family, size)) = text.split_once('.') else {
        return false;
    };
    let family_ok = family.starts_with(|c: char| c.is_ascii_lowercase())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let size_ok = !size.is_empty()
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    family_ok && size_ok
}

/// E3114: the AMI's architecture matches every instance type, and all the
/// instance types of a capacity share one architecture.
pub fn ami_architecture(typed: &Typed, diags: &mut Diagnostics) {
    for capacity in typed.of_kind("capacity") {
        let types = compute::instance_types(capacity);
        let Some((first, first_span)) = types.first().copied() else {
            continue;
        };
        let first_arm = compute::instance_traits(first).arm64;
        if let Some((other, span)) = types
            .iter()
            .find(|(t, _)| compute::instance_traits(t).arm64 != first_arm)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3114,
                    *span,
                    format!("`{other}` and `{first}` have different CPU architectures"),
                )
                .with_primary_label(arch_word(!first_arm))
                .with_label(first_span, arch_word(first_arm))
                .with_help("one capacity launches one AMI: declare a second `capacity` for the other architecture"),
            );
            continue;
        }
        let Some(ami) = capacity.get("ami").filter(|v| !v.defaulted) else {
            continue;
        };
        let Value::Enum(word) = &ami.value else {
            continue;
        };
        // Only `al2023_arm64` boots Graviton instances; the GPU and Neuron
        // AMIs are x86_64 like `al2023`.
        let ami_arm = word == "al2023_arm64";
        if ami_arm == first_arm {
            continue;
        }
        let suggested = compute::instance_traits(first).ami();
        diags.push(
            Diagnostic::new(
                Code::E3114,
                ami.span,
                format!("the `{word}` AMI cannot boot `{first}` instances"),
            )
            .with_primary_label(if ami_arm {
                "an arm64 AMI"
            } else {
                "an x86_64 AMI"
            })
            .with_label(first_span, arch_word(first_arm))
            .with_help(format!(
                "use `ami = {suggested}`, or remove `ami` to choose it from the instance type"
            ))
            .with_suggestion(format!("use `{suggested}`"), ami.span, suggested),
        );
    }
}

fn arch_word(arm64: bool) -> &'static str {
    if arm64 {
        "a Graviton (arm64) instance type"
    } else {
        "an x86_64 instance type"
    }
}

/// W3104: Spot capacity with one instance type runs dry when that pool does.
pub fn spot_pools(typed: &Typed, diags: &mut Diagnostics) {
    for capacity in typed.of_kind("capacity") {
        if capacity.bool("spot") != Some(true) {
            continue;
        }
        let types = compute::instance_types(capacity);
        let [(only, span)] = types.as_slice() else {
            continue;
        };
        let mut diag = Diagnostic::new(
            Code::W3104,
            *span,
            "Spot capacity with a single instance type",
        )
        .with_primary_label(format!("only `{only}`"))
        .with_help(format!(
            "list several similar types, e.g. `instance_type = [\"{only}\", ...]`, so the group can still launch when `{only}` Spot capacity runs out"
        ));
        if let Some(spot) = capacity.get("spot") {
            diag = diag.with_label(spot.span, "Spot instances");
        }
        diags.push(diag);
    }
}
