//! `specs/obie.lock`: the pinned upstream spec files, and loading them with checksum checks.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One pinned upstream spec file.
#[derive(Clone, Debug, Default)]
pub struct Pin {
    /// Short name, also the name of its Monzo overlay (`specs/monzo/<name>.overlay.json`).
    pub name: String,
    /// Rust module generated from it.
    pub module: String,
    /// Cargo feature gating the module.
    pub feature: String,
    /// Spec version.
    pub version: String,
    /// Module whose types this one reuses where they are identical (a later version of an API).
    pub base: Option<String>,
    pub repository: String,
    pub tag: String,
    pub commit: String,
    /// Path in the upstream repository.
    pub path: String,
    /// Path under the specs directory.
    pub local: String,
    pub sha256: String,
}

impl Pin {
    pub fn url(&self) -> String {
        format!(
            "https://raw.githubusercontent.com/{}/{}/{}",
            self.repository, self.tag, self.path
        )
    }
}

/// Parses the lock file: `[[spec]]` tables of `key = "value"` lines.
pub fn parse(text: &str) -> Result<Vec<Pin>, String> {
    let mut pins: Vec<Pin> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[spec]]" {
            pins.push(Pin::default());
            continue;
        }
        let err = |what: &str| format!("specs/obie.lock:{}: {what}: {raw}", n + 1);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| err("expected key = \"value\""))?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| err("value must be a quoted string"))?
            .to_owned();
        let pin = pins
            .last_mut()
            .ok_or_else(|| err("key outside a [[spec]] table"))?;
        match key.trim() {
            "name" => pin.name = value,
            "module" => pin.module = value,
            "feature" => pin.feature = value,
            "version" => pin.version = value,
            "base" => pin.base = Some(value),
            "repository" => pin.repository = value,
            "tag" => pin.tag = value,
            "commit" => pin.commit = value,
            "path" => pin.path = value,
            "local" => pin.local = value,
            "sha256" => pin.sha256 = value,
            other => return Err(err(&format!("unknown key `{other}`"))),
        }
    }
    for p in &pins {
        if p.name.is_empty() || p.module.is_empty() || p.local.is_empty() || p.sha256.len() != 64 {
            return Err(format!(
                "specs/obie.lock: incomplete [[spec]] entry {:?}",
                p.name
            ));
        }
    }
    Ok(pins)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads a pinned file from `dir` and checks its hash.
pub fn read_pinned(dir: &Path, pin: &Pin) -> Result<Vec<u8>, String> {
    let path: PathBuf = dir.join(&pin.local);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "pinned spec {} is missing at {} ({e}); run `cargo xtask specs fetch` or set OBIE_SPECS_DIR",
            pin.local,
            path.display()
        )
    })?;
    let found = sha256_hex(&bytes);
    if found != pin.sha256 {
        return Err(format!(
            "checksum mismatch for {} ({}): expected sha256 {}, found {}",
            pin.local,
            path.display(),
            pin.sha256,
            found
        ));
    }
    Ok(bytes)
}

/// Downloads every pinned file into `dir` (with curl), checking each hash before keeping it.
pub fn fetch(dir: &Path, pins: &[Pin]) -> Result<(), String> {
    for pin in pins {
        let target = dir.join(&pin.local);
        if read_pinned(dir, pin).is_ok() {
            println!("ok       {}", pin.local);
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        let tmp = target.with_extension("download");
        let status = std::process::Command::new("curl")
            .args([
                "--fail",
                "--silent",
                "--show-error",
                "--location",
                "--output",
            ])
            .arg(&tmp)
            .arg(pin.url())
            .status()
            .map_err(|e| format!("running curl (needed by `specs fetch`): {e}"))?;
        if !status.success() {
            return Err(format!("downloading {} failed ({status})", pin.url()));
        }
        let bytes = std::fs::read(&tmp).map_err(|e| format!("reading {}: {e}", tmp.display()))?;
        let found = sha256_hex(&bytes);
        if found != pin.sha256 {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!(
                "checksum mismatch for {} downloaded from {}: expected sha256 {}, found {}",
                pin.local,
                pin.url(),
                pin.sha256,
                found
            ));
        }
        std::fs::rename(&tmp, &target).map_err(|e| format!("saving {}: {e}", target.display()))?;
        println!("fetched  {}", pin.local);
    }
    Ok(())
}
