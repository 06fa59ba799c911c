//! The `handoff` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = handoff::cli::Cli::parse();
    handoff::app::handle_interrupts();
    match handoff::app::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            if handoff::app::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("handoff: error: {err:#}");
            handoff::app::Exit::BadInput.into()
        }
    }
}
