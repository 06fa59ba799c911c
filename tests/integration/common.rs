//! Shared helpers: run the binary, capture everything, parse JSON reports.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The repository root (where `Cargo.toml` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path below `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// A `handoff` command isolated from the caller's working directory and environment.
pub fn handoff() -> Command {
    let mut cmd = Command::cargo_bin("handoff").expect("binary `handoff` is built");
    cmd.current_dir(root());
    cmd.env_remove("CI_HANDOFF_CONFIG");
    cmd
}

/// Run `handoff` with `args`; print everything on failure so a broken test explains itself.
pub fn run(args: &[&str]) -> Output {
    let out = handoff().args(args).output().expect("handoff runs");
    if std::env::var_os("HANDOFF_TEST_VERBOSE").is_some() {
        eprintln!("$ handoff {}", args.join(" "));
        eprintln!("status: {}", out.status);
        eprintln!("stdout:\n{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

/// Run `handoff audit --config CONFIG --format json [extra...]`, require exit 0, parse the JSON.
pub fn audit_json(config: &Path, extra: &[&str]) -> Value {
    let config = config.to_str().expect("utf-8 path");
    let mut args = vec!["audit", "--config", config, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "handoff {} failed with {}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Assert two floats agree to a relative 1e-9 (SPEC rule 8).
#[track_caller]
pub fn assert_close(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("expected a number near {expected}, got {actual}"));
    let tol = 1e-9 * expected.abs().max(1e-12);
    assert!((a - expected).abs() <= tol, "expected {expected}, got {a}");
}

/// Run the data generator example (`examples/generate.rs`) into `out`, in release mode when
/// the tests are.
pub fn generate(out: &Path, args: &[&str]) {
    let mut cmd = std::process::Command::new(env!("CARGO"));
    cmd.current_dir(root())
        .args(["run", "--quiet", "--example", "generate"]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    cmd.arg("--").args(args).arg("--out").arg(out);
    let status = cmd.status().expect("cargo runs the generator");
    assert!(status.success(), "generator failed");
}

/// The integer at a JSON Pointer.
#[track_caller]
pub fn int(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{pointer}: expected an integer in\n{v:#}"))
}

/// The number at a JSON Pointer.
#[track_caller]
pub fn num(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer}: expected a number in\n{v:#}"))
}

/// Every command that reads a config: `audit` (JSON, table, `--strict`), `validate`, `check`
/// and `explain KEY`.
pub fn every_command<'a>(config: &'a str, key: &'a str) -> [Vec<&'a str>; 6] {
    [
        vec!["audit", "--config", config, "--format", "json"],
        vec!["audit", "--config", config],
        vec!["audit", "--config", config, "--strict"],
        vec!["validate", "--config", config],
        vec!["check", "--config", config],
        vec!["explain", key, "--config", config],
    ]
}

/// No panic, whatever the outcome: no exit 101, no "panicked at", no death by signal.
#[track_caller]
pub fn assert_no_panic(out: &Output, what: &str) {
    let err = stderr(out);
    assert!(
        out.status.code().is_some(),
        "{what}: killed by a signal ({})\nstderr:\n{err}",
        out.status
    );
    assert_ne!(out.status.code(), Some(101), "{what}: exit 101\n{err}");
    assert!(!err.contains("panicked at"), "{what}: panicked\n{err}");
}

/// An orderly end: no panic, exit 0, 1 or 2, and exit 2 with a `handoff: error:` (or
/// `handoff: problem:`) message.
#[track_caller]
pub fn assert_orderly_exit(out: &Output, what: &str) {
    assert_no_panic(out, what);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "{what}: exit {code:?}\n{}",
        stderr(out)
    );
    if code == Some(2) {
        let err = stderr(out);
        assert!(
            err.starts_with("handoff: error: ") || err.starts_with("handoff: problem: "),
            "{what}:\n{err}"
        );
    }
}
