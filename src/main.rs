//! The `ecsc` binary: all logic lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    ecsc::cli::main()
}
