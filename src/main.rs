//! The segscope binary: parses arguments and runs the command line.

fn main() -> std::process::ExitCode {
    segscope::cli::main()
}
