//! One integration-test crate: every module runs the real `handoff` binary on fixture files.

mod bad_inputs;
mod business;
mod cli;
mod common;
mod core_figures;
mod definition_figures;
mod findings;
mod presets;
mod properties;
mod reference;
mod reports;
mod scale;
