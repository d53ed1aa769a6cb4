//! Where the tasks of a service or scheduled task run, derived once from the
//! typed program and shared by the rules and by lowering: Fargate or EC2, a
//! launch type or a capacity provider strategy (its own, or its cluster's
//! default), replica or daemon, and the network mode.
//!
//! The precedence, documented in `docs/language.md`:
//! 1. a daemon runs with the `EC2` launch type (ECS allows no strategy for
//!    daemons), unless `launch` says otherwise (an error, E3102);
//! 2. an explicit `launch` is the launch type;
//! 3. the declaration's own `capacity` lines are its strategy;
//! 4. otherwise its cluster's default strategy, if the cluster has one;
//! 5. otherwise the `launch` default, Fargate.

use crate::types::{Obj, Typed, Value};

/// Where tasks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// AWS Fargate.
    Fargate,
    /// EC2 instances registered with the cluster.
    Ec2,
}

impl Platform {
    /// True for Fargate.
    pub fn is_fargate(self) -> bool {
        self == Platform::Fargate
    }

    /// The launch type / compatibility word: `FARGATE` or `EC2`.
    pub fn word(self) -> &'static str {
        match self {
            Platform::Fargate => "FARGATE",
            Platform::Ec2 => "EC2",
        }
    }
}

/// A capacity provider named in a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider<'a> {
    /// `FARGATE`.
    Fargate,
    /// `FARGATE_SPOT`.
    FargateSpot,
    /// An EC2 `capacity` declaration, by name.
    Ec2(&'a str),
}

impl Provider<'_> {
    /// The platform the provider runs tasks on.
    pub fn platform(self) -> Platform {
        match self {
            Provider::Fargate | Provider::FargateSpot => Platform::Fargate,
            Provider::Ec2(_) => Platform::Ec2,
        }
    }
}

/// How tasks are launched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Launch<'a> {
    /// A launch type (explicit `launch`, a daemon, or the default).
    Type(Platform),
    /// The declaration's own `capacity` lines.
    Strategy(&'a [Obj]),
    /// Its cluster's default strategy (copied into the service or schedule,
    /// so that changing the cluster's default changes its services too).
    ClusterDefault(&'a [Obj]),
}

/// The provider of one `capacity` line (`None` for a broken label).
pub fn provider(item: &Obj) -> Option<Provider<'_>> {
    match item.label.as_ref().map(|label| &label.value) {
        Some(Value::Enum(word)) if word == "fargate" => Some(Provider::Fargate),
        Some(Value::Enum(word)) if word == "fargate_spot" => Some(Provider::FargateSpot),
        Some(Value::Ref { name, .. }) => Some(Provider::Ec2(name)),
        _ => None,
    }
}

/// The platform a strategy runs on: EC2 if any provider is EC2 (mixing is
/// E3107), Fargate otherwise.
pub fn strategy_platform(items: &[Obj]) -> Platform {
    if items
        .iter()
        .filter_map(provider)
        .any(|p| p.platform() == Platform::Ec2)
    {
        Platform::Ec2
    } else {
        Platform::Fargate
    }
}

/// True for a service with `scheduling = daemon`.
pub fn is_daemon(obj: &Obj) -> bool {
    obj.str("scheduling") == Some("daemon")
}

/// The cluster declaration of a service or task.
pub fn cluster<'a>(typed: &'a Typed, obj: &Obj) -> Option<&'a Obj> {
    obj.reference("cluster")
        .and_then(|name| typed.get("cluster", name))
}

/// How a service or task is launched (see the module documentation).
pub fn launch<'a>(typed: &'a Typed, obj: &'a Obj) -> Launch<'a> {
    let explicit = || match obj.str("launch") {
        Some("ec2") => Platform::Ec2,
        _ => Platform::Fargate,
    };
    if is_daemon(obj) {
        return Launch::Type(if obj.is_set("launch") {
            explicit()
        } else {
            Platform::Ec2
        });
    }
    if obj.is_set("launch") {
        return Launch::Type(explicit());
    }
    let own = obj.blocks("capacity");
    if !own.is_empty() {
        return Launch::Strategy(own);
    }
    match cluster(typed, obj).map(|c| c.blocks("capacity")) {
        Some(default) if !default.is_empty() => Launch::ClusterDefault(default),
        _ => Launch::Type(explicit()),
    }
}

/// The platform a service or task runs on.
pub fn platform(typed: &Typed, obj: &Obj) -> Platform {
    match launch(typed, obj) {
        Launch::Type(platform) => platform,
        Launch::Strategy(items) | Launch::ClusterDefault(items) => strategy_platform(items),
    }
}

/// The network mode: `awsvpc` (default), `bridge` or `host`.
pub fn network_mode(obj: &Obj) -> &str {
    obj.str("network_mode").unwrap_or("awsvpc")
}

/// The EC2 `capacity` declarations whose instances join `cluster`.
pub fn cluster_capacities<'a>(
    typed: &'a Typed,
    cluster: &'a str,
) -> impl Iterator<Item = &'a Obj> + 'a {
    typed
        .of_kind("capacity")
        .filter(move |capacity| capacity.reference("cluster") == Some(cluster))
}

/// The EC2 capacities the tasks of a service or task may land on: those of
/// its strategy, or for a launch type every capacity of its cluster.
pub fn reachable_capacities<'a>(typed: &'a Typed, obj: &'a Obj) -> Vec<&'a Obj> {
    match launch(typed, obj) {
        Launch::Strategy(items) | Launch::ClusterDefault(items) => items
            .iter()
            .filter_map(provider)
            .filter_map(|p| match p {
                Provider::Ec2(name) => typed.get("capacity", name),
                _ => None,
            })
            .collect(),
        Launch::Type(Platform::Ec2) => obj
            .reference("cluster")
            .map(|cluster| cluster_capacities(typed, cluster).collect())
            .unwrap_or_default(),
        Launch::Type(Platform::Fargate) => Vec::new(),
    }
}

/// Declarations that run tasks: services and scheduled tasks.
pub fn task_bearing(typed: &Typed) -> impl Iterator<Item = &Obj> {
    typed
        .decls
        .values()
        .filter(|obj| matches!(obj.kind.as_str(), "service" | "task"))
}

/// The CPU architecture family of an EC2 instance type, and whether it has
/// an accelerator: (`arm64`, gpu, neuron). Graviton families carry a `g`
/// after the generation digit (`m7g`, `c6gn`, `x2gd`, `g5g`); NVIDIA GPU
/// families start with `g` or `p`; Inferentia and Trainium with `inf`/`trn`.
pub fn instance_traits(instance_type: &str) -> InstanceTraits {
    let family = instance_type
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let letters: String = family
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let after_generation: String = family
        .chars()
        .skip(letters.len())
        .skip_while(|c| c.is_ascii_digit())
        .collect();
    let arm64 = after_generation.contains('g');
    let neuron = matches!(letters.as_str(), "inf" | "trn");
    let gpu = !neuron && matches!(letters.as_str(), "g" | "gr" | "p");
    InstanceTraits { arm64, gpu, neuron }
}

/// What an instance type needs from its AMI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceTraits {
    /// Graviton (arm64).
    pub arm64: bool,
    /// NVIDIA GPUs.
    pub gpu: bool,
    /// AWS Inferentia or Trainium.
    pub neuron: bool,
}

impl InstanceTraits {
    /// The AMI variant chosen for these traits.
    pub fn ami(self) -> &'static str {
        if self.neuron {
            "al2023_neuron"
        } else if self.gpu && !self.arm64 {
            "al2023_gpu"
        } else if self.arm64 {
            "al2023_arm64"
        } else {
            "al2023"
        }
    }
}

/// The instance types of a capacity, in order of preference.
pub fn instance_types(capacity: &Obj) -> Vec<(&str, crate::span::Span)> {
    match capacity.get("instance_type") {
        Some(val) => match &val.value {
            Value::Str(text) => vec![(text.as_str(), val.span)],
            Value::List(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Str(text) => Some((text.as_str(), item.span)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    }
}

/// The AMI variant of a capacity: its `ami`, or the one its first instance
/// type needs.
pub fn ami(capacity: &Obj) -> &str {
    capacity.str("ami").unwrap_or_else(|| {
        instance_types(capacity)
            .first()
            .map_or("al2023", |(first, _)| instance_traits(first).ami())
    })
}

#[cfg(test)]
mod tests {
    use super::instance_traits;

    #[test]
    fn instance_families() {
        for (family, arm64, gpu, neuron) in [
            ("m7g.large", true, false, false),
            ("c6gn.xlarge", true, false, false),
            ("x2gd.medium", true, false, false),
            ("t4g.small", true, false, false),
            ("im4gn.large", true, false, false),
            ("g5g.xlarge", true, true, false),
            ("g5.xlarge", false, true, false),
            ("g4dn.xlarge", false, true, false),
            ("p4d.24xlarge", false, true, false),
            ("inf2.xlarge", false, false, true),
            ("trn1.2xlarge", false, false, true),
            ("m5.large", false, false, false),
            ("m7i-flex.large", false, false, false),
            ("c5ad.large", false, false, false),
        ] {
            let traits = instance_traits(family);
            assert_eq!(
                (traits.arm64, traits.gpu, traits.neuron),
                (arm64, gpu, neuron),
                "{family}"
            );
        }
    }
}
