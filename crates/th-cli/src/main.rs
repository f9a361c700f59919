//! The `th` binary; everything lives in the library (`th_cli`).

fn main() -> std::process::ExitCode {
    th_cli::main()
}
