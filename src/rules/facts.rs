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

#[cfg(test)]
mod tests {
    #[test]
    fn there_are_74_fargate_pairs() {
        assert_eq!(super::fargate_pairs().len(), 74);
    }
}
