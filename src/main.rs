//! The segscope binary: parses arguments and runs the command line.

/// Runs before Rust's runtime replaces a closed stdout with /dev/null (ELF
/// constructors run before `main`), so a closed stdout can be told from a
/// /dev/null the caller chose.
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

extern "C" fn note_closed_stdout() {
    segscope::cli::note_stdout_closed_at_exec();
}

fn main() -> std::process::ExitCode {
    segscope::monitor::quiet_poll_panics();
    segscope::cli::main()
}
