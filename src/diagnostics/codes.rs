//! The registry of diagnostic codes.
//!
//! Codes are grouped by stage: `E0xxx` syntax, `E1xxx` names, `E2xxx` types
//! and units, `E3xxx` ECS domain rules, `E4xxx` lowering, `E5xxx` checks of
//! the emitted template, `E9xxx` internal bugs, `Wxxxx` warnings. A code is
//! never renumbered or reused; a retired code stays here with a note. Each
//! code has an explanation in `codes/<CODE>.md`, printed by `ecsc explain`.

use super::Severity;

macro_rules! codes {
    ($($code:ident $name:literal $severity:ident $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as written (`E2001`).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            /// A kebab-case name (`unknown-field`).
            pub fn name(self) -> &'static str {
                match self { $(Code::$code => $name,)* }
            }

            /// Default severity.
            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$severity,)* }
            }

            /// One-line summary.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$code => $summary,)* }
            }

            /// The markdown explanation printed by `ecsc explain`.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$code => include_str!(concat!("codes/", stringify!($code), ".md")),)* }
            }
        }
    };
}

codes! {
    // ---- syntax ----------------------------------------------------------
    E0001 "syntax-error" Error "the text is not valid `.ecs` syntax";
    E0002 "unclosed-delimiter" Error "a `{`, `[`, `(`, string or comment is never closed";
    E0003 "invalid-literal" Error "a number or string literal cannot be read";
    E0004 "invalid-input" Error "the file is not UTF-8 text, or is too large or too deeply nested";
    // ---- names -----------------------------------------------------------
    E1001 "undeclared-name" Error "a name is used but never declared";
    E1002 "duplicate-declaration" Error "two declarations share one name";
    E1003 "wrong-kind-of-reference" Error "a reference names a declaration of the wrong kind";
    E1004 "unknown-kind" Error "a top-level block has a kind that does not exist";
    E1005 "import-not-found" Error "an imported file cannot be read";
    E1006 "misplaced-declaration" Error "a declaration appears where it is not allowed";
    E1007 "cyclic-constant" Error "a `let` constant refers to itself";
    // ---- types and units ---------------------------------------------------
    E2001 "unknown-field" Error "a block sets a field its kind does not have";
    E2002 "missing-field" Error "a required field is not set";
    E2003 "type-mismatch" Error "a value has the wrong type";
    E2004 "unit-mismatch" Error "a quantity has the wrong unit, or none";
    E2005 "unknown-enum-value" Error "a value is not one of the allowed choices";
    E2006 "unknown-unit" Error "a unit suffix is not known";
    E2007 "duplicate-field" Error "a field or labelled block is set twice";
    E2008 "invalid-label" Error "a block label is missing, not allowed, or of the wrong type";
    E2009 "value-out-of-range" Error "a number is outside the range its field accepts";
    // ---- ECS domain rules --------------------------------------------------
    E3001 "fargate-cpu-memory" Error "Fargate does not offer this task CPU and memory pair";
    E3002 "fargate-size-required" Error "a Fargate task needs both task `cpu` and `memory`";
    // ---- compute (E31xx) ---------------------------------------------------
    E3101 "placement-on-fargate" Error "placement strategies and constraints apply to EC2 tasks only";
    E3102 "daemon-on-fargate" Error "a daemon service runs on EC2 instances, not Fargate";
    E3103 "daemon-conflict" Error "a daemon service sets something only replica services have";
    E3104 "daemon-capacity-strategy" Error "a daemon service cannot use a capacity provider strategy";
    E3105 "launch-and-capacity" Error "a service or task sets both `launch` and a capacity provider strategy";
    E3106 "capacity-base-twice" Error "more than one provider of a strategy sets `base`";
    E3107 "capacity-mixed-providers" Error "a strategy mixes Fargate and EC2 capacity providers";
    E3108 "capacity-other-cluster" Error "a strategy names an EC2 capacity of another cluster";
    E3109 "ec2-container-memory" Error "an EC2 task without task memory has a container without memory";
    E3110 "deployment-percent" Error "deployment percentages are out of range or leave no room";
    E3111 "placement-limit" Error "too many placement strategies or constraints, or a bad expression";
    E3112 "network-mode-fargate" Error "`bridge` and `host` networking are EC2 only";
    E3113 "invalid-schedule" Error "a schedule expression is not valid";
    E3114 "ami-architecture" Error "the AMI does not match the instance types' architecture";
    E3115 "capacity-weight" Error "a strategy's weights or bases are out of range";
    E3116 "capacity-settings" Error "an EC2 capacity's size, target or instance type is invalid";
    E3117 "capacity-reserved-name" Error "an EC2 capacity is named like a Fargate provider";
    E3118 "platform-version" Error "a platform version is invalid, set on EC2, or too old for ECS Exec";
    E3119 "public-ip-on-ec2" Error "EC2 tasks cannot get a public IP address";
    E3120 "task-count" Error "a scheduled task starts 1 to 10 copies";
    E3121 "gpu-without-gpu-capacity" Error "a container reserves GPUs where there are none";
    E3122 "arch-capacity-mismatch" Error "a task's CPU architecture does not match its instances";
    W3101 "no-circuit-breaker" Warning "deployments run without a circuit breaker";
    W3102 "ec2-without-capacity" Warning "EC2 tasks on a cluster with no EC2 capacity";
    W3103 "launch-bypasses-capacity" Warning "the EC2 launch type bypasses managed scaling";
    W3104 "spot-single-type" Warning "Spot capacity with a single instance type";
    // ---- network and sizing (E30xx) ------------------------------------------
    E3003 "fargate-platform-too-old" Error "a pinned Fargate platform version is older than 1.4.0, which 8 and 16 vCPU tasks and ephemeral storage need";
    E3004 "ephemeral-storage-size" Error "Fargate ephemeral storage is not a whole number of GiB from 21 GiB to 200 GiB";
    E3005 "no-container" Error "a service or task has no container";
    E3010 "invalid-vpc-cidr" Error "a new VPC's `cidr` is not an IPv4 CIDR block, or has host bits set";
    E3011 "vpc-cidr-size" Error "a new VPC's prefix is not between /16 and /24, so its subnets would not be valid";
    E3012 "network-zones" Error "a new VPC spans fewer than 2 or more than 3 availability zones";
    E3013 "existing-vpc-without-subnets" Error "a network names an existing VPC but none of its subnets";
    E3014 "subnets-without-vpc-id" Error "a network lists subnet IDs without the `vpc_id` they belong to";
    E3015 "missing-public-subnets" Error "a service, task or capacity asks for public subnets its existing VPC does not list";
    E3016 "too-many-subnets" Error "a network lists more than 16 public or private subnets";
    W3001 "public-subnet-without-public-ip" Warning "Fargate tasks in public subnets without a public IP cannot pull images";
    W3002 "private-subnet-without-nat" Warning "tasks or instances in private subnets of a VPC without NAT cannot reach AWS";
    W3003 "ignored-network-field" Warning "`cidr`, `zones` or `nat` is set on a network that names an existing VPC";
    W3004 "ephemeral-storage-not-fargate" Warning "`ephemeral_storage` is set on a task that does not run on Fargate";
    // ---- security, storage, containers (E32xx) -------------------------------
    E3201 "too-many-containers" Error "a task has more than 10 containers";
    E3202 "no-essential-container" Error "no container of a task is essential";
    E3203 "unknown-container-dependency" Error "`depends_on` names a container the task does not have";
    E3204 "dependency-on-essential-exit" Error "a container waits for an essential container to exit";
    E3205 "healthy-without-health-check" Error "a container waits for another to be healthy, but it has no health check";
    E3206 "container-dependency-cycle" Error "containers wait for each other in a cycle";
    E3207 "health-check-out-of-range" Error "a health check setting is outside what ECS accepts";
    E3208 "container-memory-below-reservation" Error "a container's memory limit is below its reservation, or below 6 MiB";
    E3209 "containers-exceed-task-size" Error "the containers need more CPU or memory than the task has";
    E3210 "duplicate-container-port" Error "a port is exposed twice in a task";
    E3211 "invalid-port" Error "an entry of `ports` is not a port";
    E3212 "tag-without-repository" Error "`tag` is set on a container whose image is not a repository";
    E3213 "stop-timeout-too-long" Error "a stop timeout is longer than Fargate allows";
    E3214 "invalid-log-retention" Error "CloudWatch Logs does not offer this log retention";
    E3215 "secret-option-not-for-ssm" Error "`key`, `version_stage` or `version_id` is set on an SSM parameter";
    E3216 "invalid-ssm-parameter-name" Error "the name of an SSM parameter is not valid";
    E3217 "invalid-kms-key" Error "a KMS key is not given by key ARN or key ID";
    E3218 "secret-arn-wrong-store" Error "a secret's ARN is not an ARN of its store";
    E3219 "invalid-iam-statement" Error "a role statement has no actions or resources, or malformed ones";
    E3220 "invalid-repository" Error "an ECR repository name or lifecycle count is not valid";
    E3221 "unknown-access-point" Error "a mount names an access point its volume does not declare";
    E3222 "volume-network-mismatch" Error "a volume is mounted by tasks in different networks";
    E3223 "volume-subnets-unknown" Error "a volume's network gives its subnets as one list parameter";
    E3224 "invalid-access-point" Error "an access point has an invalid path, mode or POSIX ID";
    E3225 "efs-platform-version" Error "a Fargate task mounts EFS on a platform version before 1.4.0";
    E3226 "invalid-ulimit" Error "a ulimit is negative, has soft above hard, or cannot be changed on Fargate";
    W3201 "unpinned-image" Warning "an image is not pinned to a version";
    W3202 "ambiguous-secret-name" Warning "a secret name ends like the random suffix of a secret ARN";
    W3203 "unmounted-volume" Warning "a volume is never mounted and names no network";
    // ---- traffic and scaling (E33xx) -----------------------------------------
    E3301 "route-port-not-exposed" Error "a route sends traffic to a port no container listens on";
    E3302 "too-many-routes" Error "a service has more than 5 routes (target groups)";
    E3303 "listener-rule-conflict" Error "two routes on one listener have the same priority, or both take all traffic";
    E3304 "rule-priority-range" Error "a listener rule priority is not between 1 and 50000";
    E3305 "health-check-range" Error "a load balancer health check setting is out of range";
    E3306 "target-group-setting-range" Error "a deregistration delay, slow start or stickiness duration is out of range";
    E3307 "listener-certificate" Error "an HTTPS or TLS listener has no certificate, or a plain listener has one";
    E3308 "redirect-target" Error "a listener redirects to a port with no listener, to itself, or on an NLB";
    E3309 "listener-protocol" Error "a listener protocol does not fit the load balancer type";
    E3310 "listener-ports" Error "a load balancer has no listener, or two on one port";
    E3311 "route-listener" Error "a route cannot be attached to a listener";
    E3312 "alb-only-route-option" Error "a route to a network load balancer uses an option only ALBs have";
    E3313 "too-many-rule-conditions" Error "a route tests more than 5 paths and hosts";
    E3314 "network-mismatch" Error "a load balancer or namespace has no network, or serves services of another network";
    E3315 "load-balancer-allow" Error "an internal load balancer in an existing VPC needs `allow`, written as a list";
    E3316 "discovery-name" Error "a service discovery name is invalid or registered twice";
    E3317 "requests-without-alb" Error "`requests` autoscaling needs a route to an application load balancer";
    E3318 "scaling-target-range" Error "an autoscaling target value is out of range";
    E3319 "autoscale-daemon" Error "a daemon service cannot autoscale";
    E3320 "autoscale-capacity" Error "an autoscale range has a negative minimum or a zero maximum";
    E3321 "duplicate-autoscale" Error "a service declares `autoscale` twice";
    E3322 "step-scaling" Error "a step scaling policy is incomplete or inconsistent";
    E3323 "schedule-expression" Error "a scheduled scaling action has an invalid expression or count";
    E3324 "alarm-period" Error "an alarm period or number of evaluation periods is invalid";
    E3325 "export-name" Error "an output's export name is invalid or used twice";
    E3326 "nlb-listener-without-route" Error "a network load balancer listener has no route to forward to";
    W3301 "count-with-autoscale" Warning "`count` resets the autoscaled task count on every deployment";
    W3302 "autoscale-without-policy" Warning "an `autoscale` block has no policy and no schedule";
    W3303 "load-balancer-without-routes" Warning "no service routes through a load balancer";
    W3304 "alb-rule-quota" Warning "an application load balancer gets more listener rules than the default quota";
    // ---- template checks ---------------------------------------------------
    E5001 "template-schema" Error "the generated template breaks a CloudFormation schema (a compiler bug)";
    E5002 "template-reference" Error "the generated template has a broken reference or cycle (a compiler bug)";
    E5003 "template-limit" Error "the template exceeds a CloudFormation limit";
    W5001 "template-size" Warning "the template is too large to deploy inline";
    // ---- internal ----------------------------------------------------------
    E9001 "internal-error" Error "the compiler hit a bug";
}

impl Code {
    /// Parses a code such as `E2001` (case-insensitive).
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.trim().to_ascii_uppercase();
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == upper)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
