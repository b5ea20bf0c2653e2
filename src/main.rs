//! The segscope binary: parses arguments and runs the command line.

fn main() -> std::process::ExitCode {
    segscope::monitor::quiet_poll_panics();
    segscope::cli::main()
}
