//! Domain rules: what ECS or CloudFormation would reject, checked on the
//! typed program before anything is lowered.
//!
//! Each rule is a small function `fn(&Typed, &mut Diagnostics)` with its own
//! code, registered in [`RULES`]. Facts the rules use (the Fargate size
//! table, quotas, valid retention values) live as data in [`facts`], each
//! with its source.

pub mod facts;
mod fargate;
// ---- network and sizing (E30xx)
mod network;
mod workload;
// ---- compute and scheduling
pub mod autoscale;
mod capacity;
pub mod compute;
mod ec2;
mod outputs;
pub mod placement;
pub mod schedule;
pub mod traffic;
// ---- security, storage, containers (E32xx)
pub mod containers;
mod security;
mod storage;

use crate::diagnostics::Diagnostics;
use crate::types::Typed;

/// A domain rule.
pub type Rule = fn(&Typed, &mut Diagnostics);

/// Every rule, in the order they run.
pub const RULES: &[(&str, Rule)] = &[
    ("fargate-size-required", fargate::size_required),
    ("fargate-cpu-memory", fargate::cpu_memory_pair),
    // ---- network and sizing (E30xx)
    ("fargate-platform-too-old", fargate::platform_too_old),
    ("ephemeral-storage-size", fargate::ephemeral_storage_size),
    (
        "ephemeral-storage-not-fargate",
        fargate::ephemeral_storage_not_fargate,
    ),
    ("no-container", workload::has_container),
    ("invalid-vpc-cidr", network::cidr_valid),
    ("vpc-cidr-size", network::cidr_size),
    ("network-zones", network::zones),
    (
        "existing-vpc-without-subnets",
        network::existing_vpc_subnets,
    ),
    ("subnets-without-vpc-id", network::subnets_without_vpc),
    ("missing-public-subnets", network::missing_subnets),
    ("too-many-subnets", network::too_many_subnets),
    (
        "public-subnet-without-public-ip",
        network::public_subnet_without_public_ip,
    ),
    (
        "private-subnet-without-nat",
        network::private_subnet_without_nat,
    ),
    ("ignored-network-field", network::ignored_new_vpc_fields),
    // ---- compute and scheduling
    ("launch-and-capacity", capacity::launch_and_strategy),
    ("daemon-capacity-strategy", capacity::daemon_strategy),
    ("capacity-one-base", capacity::one_base),
    ("capacity-no-mixing", capacity::no_mixing),
    ("capacity-same-cluster", capacity::same_cluster),
    ("capacity-weights", capacity::weights),
    ("capacity-reserved-name", capacity::reserved_name),
    ("capacity-settings", capacity::settings),
    ("capacity-ami", capacity::ami_architecture),
    ("capacity-spot-pools", capacity::spot_pools),
    ("daemon-on-fargate", ec2::daemon_on_fargate),
    ("daemon-settings", ec2::daemon_settings),
    ("deployment", ec2::deployment),
    ("network-mode", ec2::network_mode),
    ("platform-version", ec2::platform_version),
    ("public-ip-on-ec2", ec2::public_ip),
    ("ec2-container-memory", ec2::container_memory),
    ("ec2-without-capacity", ec2::ec2_without_capacity),
    ("launch-bypasses-capacity", ec2::launch_bypasses_capacity),
    ("gpus", ec2::gpus),
    ("task-architecture", ec2::architecture),
    ("placement-on-fargate", placement::not_on_fargate),
    ("placement-limits", placement::limits),
    ("schedule", schedule::valid_schedule),
    ("task-count", schedule::task_count),
    // ---- security, storage, containers (E32xx)
    ("too-many-containers", containers::too_many_containers),
    ("essential-container", containers::essential_container),
    ("container-dependencies", containers::dependency_targets),
    ("container-dependency-cycles", containers::dependency_cycles),
    ("health-check-ranges", containers::health_check_ranges),
    (
        "container-memory-reservation",
        containers::memory_reservation,
    ),
    ("containers-fit-task", containers::containers_fit_task),
    ("container-ports", containers::container_ports),
    ("tag-needs-repository", containers::tag_needs_repository),
    ("stop-timeout", containers::stop_timeout),
    ("log-retention", containers::log_retention),
    ("pinned-images", containers::pinned_images),
    ("ulimits", containers::ulimits),
    ("ssm-secret-options", security::ssm_options),
    ("ssm-parameter-names", security::ssm_names),
    ("kms-keys", security::kms_keys),
    ("secret-arns", security::secret_arns),
    ("ambiguous-secret-names", security::ambiguous_secret_names),
    ("role-statements", security::role_statements),
    ("repositories", security::repositories),
    ("access-points-exist", storage::access_points_exist),
    ("volume-networks", storage::volume_networks),
    ("volume-subnets", storage::volume_subnets),
    ("access-point-values", storage::access_point_values),
    ("efs-platform-version", storage::efs_platform_version),
    ("unmounted-volumes", storage::unmounted_volumes),
    // ---- traffic and scaling
    ("listeners", traffic::listeners_rule),
    ("routes", traffic::routes_rule),
    ("target-groups", traffic::target_group_rule),
    ("traffic-networks", traffic::network_rule),
    ("discovery", traffic::discovery_rule),
    ("autoscale", autoscale::autoscale_rule),
    ("exports", outputs::exports_rule),
];

/// Runs every rule.
pub fn check(typed: &Typed, diags: &mut Diagnostics) {
    for (_, rule) in RULES {
        rule(typed, diags);
    }
}
