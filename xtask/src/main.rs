//! Project automation: `cargo xtask codegen [--check]` and `cargo xtask specs fetch|verify`.
//!
//! The generator is a pipeline: read the pinned specs (checking their sha256), apply the Monzo
//! extension pass (`specs/monzo/`), reduce each spec to an intermediate model, plan where each
//! type lives, print Rust, format it. Output is deterministic.

mod codegen;
mod emit;
mod ir;
mod lock;
mod narrow;
mod overlay;
// The model's own pattern engine, compiled in here to refuse what it cannot parse.
#[path = "../../crates/ob-model-runtime/src/pattern.rs"]
#[allow(dead_code)]
mod pattern;
mod plan;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check] [--specs-dir DIR]   generate the model crates from the pinned specs
                                        (--check: fail if the checked-in code differs)
  specs fetch [--dir DIR]               download the pinned spec files (default specs/.cache)
  specs verify [--specs-dir DIR]        check the pinned files' sha256
  specs profiled --out DIR [--specs-dir DIR]
                                        write Monzo's profile of each spec (the pinned spec
                                        after the Monzo extension pass, proposals included)

The specs directory is --specs-dir, else $OBIE_SPECS_DIR, else specs/.cache.";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

fn flag_value(args: &[String], flag: &str) -> Result<Option<PathBuf>, String> {
    match args.iter().position(|a| a == flag) {
        Some(i) => args
            .get(i + 1)
            .map(|v| Some(PathBuf::from(v)))
            .ok_or_else(|| format!("{flag} needs a directory")),
        None => Ok(None),
    }
}

/// The specs directory: `--specs-dir`, else `OBIE_SPECS_DIR`, else `specs/.cache`.
pub fn specs_dir(args: &[String]) -> Result<PathBuf, String> {
    if let Some(d) = flag_value(args, "--specs-dir")? {
        return Ok(d);
    }
    if let Some(d) = std::env::var_os("OBIE_SPECS_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    Ok(workspace_root().join("specs/.cache"))
}

fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let pins = lock::parse(
        &std::fs::read_to_string(root.join("specs/obie.lock"))
            .map_err(|e| format!("reading specs/obie.lock: {e}"))?,
    )?;
    match args.first().map(String::as_str) {
        Some("codegen") => {
            for a in &args[1..] {
                if a.starts_with("--") && !["--check", "--specs-dir"].contains(&a.as_str()) {
                    return Err(format!("unknown flag {a}\n\n{USAGE}"));
                }
            }
            let check = args.iter().any(|a| a == "--check");
            let dir = specs_dir(args)?;
            let files = codegen::generate(&root, &dir, &pins)?;
            if check {
                codegen::check(&root, &files)
            } else {
                codegen::write(&root, &files)
            }
        }
        Some("specs") => match args.get(1).map(String::as_str) {
            Some("fetch") => {
                let dir = flag_value(args, "--dir")?.unwrap_or_else(|| root.join("specs/.cache"));
                lock::fetch(&dir, &pins)
            }
            Some("verify") => {
                let dir = specs_dir(args)?;
                for pin in &pins {
                    lock::read_pinned(&dir, pin)?;
                    println!("ok  {}  {}", pin.sha256, pin.local);
                }
                Ok(())
            }
            Some("profiled") => {
                let out = flag_value(args, "--out")?
                    .ok_or_else(|| format!("specs profiled needs --out DIR\n\n{USAGE}"))?;
                let dir = specs_dir(args)?;
                for path in codegen::write_profiled(&root, &dir, &pins, &out)? {
                    println!("wrote {}", path.display());
                }
                Ok(())
            }
            _ => Err(USAGE.to_owned()),
        },
        _ => Err(USAGE.to_owned()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
