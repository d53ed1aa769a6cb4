//! The `ecsc` binary: all logic lives in the library; see `cli`.

/// mimalloc rather than the system allocator: a build allocates hundreds of
/// thousands of small JSON values, and glibc's malloc and free took a third
/// of the time (see `docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ecsc::cli::main()
}
