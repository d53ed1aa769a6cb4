//! ECS facts as data, each with its source, so they can be updated without
//! touching the rules that use them.

/// Valid Fargate task sizes: (CPU units, smallest MiB, largest MiB, step MiB).
///
/// Source: AWS, "Troubleshoot Amazon ECS task definition invalid CPU or memory
/// errors" (task-cpu-memory-error.html) and the `TaskDefinition.memory` API
/// reference; 74 valid pairs in all. 8 and 16 vCPU need Linux platform 1.4.0+.
pub const FARGATE_SIZES: &[(u64, u64, u64, u64)] = &[
    (256, 512, 2048, 0),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// The memory values (MiB) Fargate accepts with `cpu` units.
pub fn fargate_memory_options(cpu: u64) -> Vec<u64> {
    FARGATE_SIZES
        .iter()
        .filter(|(units, ..)| *units == cpu)
        .flat_map(|(_, low, high, step)| {
            if *step == 0 {
                // 0.25 vCPU: 512 MiB, 1 GiB, 2 GiB.
                vec![512, 1024, 2048]
            } else {
                (*low..=*high).step_by(*step as usize).collect()
            }
        })
        .collect()
}

/// Every valid Fargate (cpu, memory) pair.
pub fn fargate_pairs() -> Vec<(u64, u64)> {
    FARGATE_SIZES
        .iter()
        .flat_map(|(cpu, ..)| {
            fargate_memory_options(*cpu)
                .into_iter()
                .map(move |m| (*cpu, m))
        })
        .collect()
}

// ---- network and sizing (E30xx) -------------------------------------------

/// The prefix lengths AWS accepts for a VPC's or a subnet's IPv4 CIDR block.
///
/// Source: Amazon VPC User Guide, "VPC CIDR blocks" ("The allowed block size
/// is between a /16 netmask (65,536 IP addresses) and /28 netmask (16 IP
/// addresses)"), and "Subnet CIDR blocks" (same limits for subnets).
pub const AWS_CIDR_PREFIXES: std::ops::RangeInclusive<u32> = 16..=28;

/// Addresses AWS reserves in every subnet (the first four and the last).
///
/// Source: Amazon VPC User Guide, "Subnet CIDR blocks".
pub const RESERVED_SUBNET_ADDRESSES: u64 = 5;

/// How many bits longer than the VPC's prefix each subnet of a new VPC is:
/// `lower/network.rs` cuts the VPC into 16 equal subnets (a /16 VPC gets
/// /20 subnets), public ones first, then private ones.
///
/// Source: ecsc's own network layout (`lower/network.rs`).
pub const SUBNET_EXTRA_BITS: u32 = 4;

/// The VPC prefix lengths a new `network` accepts: every subnet (VPC prefix
/// + [`SUBNET_EXTRA_BITS`]) must still be a valid AWS subnet (/28 at most).
pub fn vpc_prefixes() -> std::ops::RangeInclusive<u32> {
    *AWS_CIDR_PREFIXES.start()..=AWS_CIDR_PREFIXES.end() - SUBNET_EXTRA_BITS
}

/// Usable addresses in each subnet of a new VPC with this prefix.
pub fn subnet_addresses(vpc_prefix: u32) -> u64 {
    let bits = 32u32.saturating_sub(vpc_prefix + SUBNET_EXTRA_BITS);
    (1u64 << bits).saturating_sub(RESERVED_SUBNET_ADDRESSES)
}

/// How many availability zones a new `network` may span.
///
/// Source: ecsc's network design (issue 8, stdlib `network.zones`): two
/// zones for availability, three at most because some Regions (and some
/// accounts in others) have only three zones available to them.
pub const NETWORK_ZONES: std::ops::RangeInclusive<i64> = 2..=3;

/// The most subnets an `awsvpc` task's network configuration may list.
///
/// Source: Amazon ECS API Reference, `AwsVpcConfiguration.subnets` ("All
/// specified subnets must be from the same VPC. You can specify up to 16
/// subnets").
pub const MAX_AWSVPC_SUBNETS: usize = 16;

/// The ephemeral storage a Fargate task may ask for, in GiB (20 GiB is what
/// it gets without asking).
///
/// Source: Amazon ECS API Reference, `EphemeralStorage.sizeInGiB` ("The
/// minimum supported value is 21 GiB and the maximum supported value is 200
/// GiB"); the CloudFormation `AWS::ECS::TaskDefinition EphemeralStorage` page.
pub const EPHEMERAL_STORAGE_GIB: std::ops::RangeInclusive<u64> = 21..=200;

/// The first Linux Fargate platform version with 8 and 16 vCPU tasks and
/// with configurable ephemeral storage.
///
/// Source: "Troubleshoot Amazon ECS task definition invalid CPU or memory
/// errors" (8 and 16 vCPU "require Linux platform 1.4.0 or later"); Amazon
/// ECS API Reference, `EphemeralStorage` ("Linux platform version 1.4.0 or
/// later").
pub const FARGATE_PLATFORM_1_4: (u32, u32, u32) = (1, 4, 0);

/// Task CPU sizes (units) that need [`FARGATE_PLATFORM_1_4`].
///
/// Source: as [`FARGATE_PLATFORM_1_4`].
pub const FARGATE_CPU_NEEDING_1_4: &[u64] = &[8192, 16384];

/// Parses a Fargate platform version (`"1.4.0"`); `None` for `LATEST` or
/// anything else that is not a three-part version number (E3118 reports those).
pub fn platform_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|part| part.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

// ---- security, storage, containers (E32xx) ------------------------------

/// The values CloudWatch Logs accepts for a log group's retention, in days.
///
/// Source: CloudWatch Logs API reference, `PutRetentionPolicy`,
/// `retentionInDays` ("Possible values are: 1, 3, 5, 7, 14, 30, 60, 90, 120,
/// 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and
/// 3653"), and the `AWS::Logs::LogGroup` resource schema.
pub const LOG_RETENTION_DAYS: &[u64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Containers per task definition (not adjustable).
///
/// Source: Amazon ECS service quotas, "Containers per task definition: 10".
pub const MAX_CONTAINERS: usize = 10;

/// Container health check limits: (field, smallest, largest), seconds for
/// durations, a count for `retries`.
///
/// Source: ECS API reference, `HealthCheck` (interval 5-300 s, timeout
/// 2-120 s, retries 1-10, startPeriod 0-300 s).
pub const HEALTH_CHECK_LIMITS: &[(&str, u64, u64)] = &[
    ("interval", 5, 300),
    ("timeout", 2, 120),
    ("retries", 1, 10),
    ("start_period", 0, 300),
];

/// The longest `stopTimeout` Fargate accepts, in seconds (EC2 has no cap).
///
/// Source: ECS API reference, `ContainerDefinition.stopTimeout` ("For tasks
/// using the Fargate launch type, the max stop timeout value is 120 seconds").
pub const FARGATE_MAX_STOP_TIMEOUT: u64 = 120;

#[cfg(test)]
mod tests {
    #[test]
    fn vpc_prefixes_leave_valid_subnets() {
        assert_eq!(super::vpc_prefixes(), 16..=24);
        assert_eq!(super::subnet_addresses(16), 4091);
        assert_eq!(super::subnet_addresses(24), 11);
    }

    #[test]
    fn platform_versions_parse() {
        assert_eq!(super::platform_version("1.4.0"), Some((1, 4, 0)));
        assert_eq!(super::platform_version("1.3"), None);
        assert_eq!(super::platform_version("LATEST"), None);
        assert_eq!(super::platform_version("1.4.0.1"), None);
    }

    #[test]
    fn there_are_74_fargate_pairs() {
        assert_eq!(super::fargate_pairs().len(), 74);
    }
}
