//! The CLI's profile: one directory (default `.monzo-ob`) with the ASPSP's endpoints, the
//! software's ids and signing key, the transport certificate, the registered clients, and the
//! tokens of the last authorised consents. It holds secrets: keep it private.

use anyhow::Context;
use std::path::{Path, PathBuf};

use monzo_client::{AccessToken, Client, ClientConfig, Endpoints, RefreshToken, Software};
use serde::{Deserialize, Serialize};

/// Tokens of an authorised consent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tokens {
    /// The consent.
    pub consent_id: String,
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires, if the ASPSP said (RFC 3339 in the file).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The refresh token, if any.
    pub refresh_token: Option<RefreshToken>,
}

/// What `profile.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Profile {
    /// The ASPSP's endpoints.
    pub issuer: String,
    /// Account information base URL.
    pub aisp: String,
    /// Payment initiation base URL.
    pub pisp: String,
    /// Confirmation of funds base URL.
    pub cbpii: String,
    /// The bank's organisation id (its response signatures are checked against it).
    pub aspsp_org_id: String,
    /// The software's organisation id.
    pub org_id: String,
    /// The software id.
    pub software_id: String,
    /// The signing key's `kid`.
    pub kid: String,
    /// The redirect URI registered.
    pub redirect_uri: String,
    /// Whether this is the local emulator (sandbox users, `DesiredStatus`).
    pub sandbox: bool,
    /// The client registered for `openid accounts`.
    pub accounts_client: Option<String>,
    /// The client registered for `openid payments`.
    pub payments_client: Option<String>,
    /// The client registered for `openid fundsconfirmations` (when the software has the CBPII
    /// role).
    #[serde(default)]
    pub funds_client: Option<String>,
    /// Tokens of the last authorised account-access consent.
    pub accounts: Option<Tokens>,
}

/// The files of a profile directory.
pub struct Dir(pub PathBuf);

impl Dir {
    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn read(&self, name: &str) -> anyhow::Result<String> {
        std::fs::read_to_string(self.file(name)).with_context(|| {
            format!(
                "{} (run `monzo-ob register` first)",
                self.file(name).display()
            )
        })
    }

    /// Writes a file of the profile, readable by its owner only where the platform allows.
    pub fn write(&self, name: &str, text: &str) -> anyhow::Result<()> {
        create_private_dir(&self.0)?;
        write_private_atomically(&self.file(name), text.as_bytes())
    }

    /// The profile.
    pub fn profile(&self) -> anyhow::Result<Profile> {
        serde_json::from_str(&self.read("profile.json")?)
            .with_context(|| self.file("profile.json").display().to_string())
    }

    /// Saves the profile.
    pub fn save(&self, p: &Profile) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(p).map_err(anyhow::Error::from)?;
        self.write("profile.json", &text)
    }

    /// The software (its signing key).
    pub fn software(&self, p: &Profile) -> anyhow::Result<Software> {
        let key = ob_jose::SigningKey::from_pem(p.kid.clone(), &self.read("signing.key")?)
            .context("signing.key")?;
        Ok(Software {
            key,
            org_id: p.org_id.clone(),
            software_id: p.software_id.clone(),
        })
    }

    /// A client with the profile's endpoints, certificate and CA.
    pub fn client(&self, p: &Profile) -> anyhow::Result<Client> {
        let mut config = ClientConfig::new(Endpoints {
            issuer: p.issuer.clone(),
            aisp: p.aisp.clone(),
            pisp: p.pisp.clone(),
            cbpii: p.cbpii.clone(),
        })
        .identity_pem(self.read("client.pem")?, self.read("client.key")?)
        .aspsp_org_id(p.aspsp_org_id.clone());
        if self.file("ca.pem").exists() {
            config = config.root_ca_pem(self.read("ca.pem")?);
        }
        Client::new(config).map_err(anyhow::Error::from)
    }
}

/// Copies a PEM file the user gave into the profile.
pub fn copy_into(dir: &Dir, from: &Path, name: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(from).with_context(|| from.display().to_string())?;
    dir.write(name, &text)
}

/// Creates `dir` (and its parents) if needed; a directory this creates is private (0700).
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).with_context(|| dir.display().to_string())
}

/// Writes `path` so that a failure at any point leaves the old file whole (a rotated refresh
/// token is never lost to a half-written profile): the bytes go to a temporary file beside it,
/// created readable by the owner only (0600: it holds tokens and keys), flushed to disk, then
/// renamed over `path`, and the directory is flushed so that the rename survives a crash.
pub(crate) fn write_private_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| -> std::io::Result<()> {
        let mut file = options.open(&tmp)?;
        // An older temporary file may have been created with other permissions.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_files_are_private_and_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("monzo-ob-profile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = Dir(dir.join("nested"));
        d.write("profile.json", "{\"a\":1}").unwrap();
        d.write("profile.json", "{\"a\":2}").unwrap();
        assert_eq!(d.read("profile.json").unwrap(), "{\"a\":2}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&d.file("profile.json")), 0o600);
            assert_eq!(mode(&d.0), 0o700);
        }
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(&d.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["profile.json"]);
        // A write that cannot happen leaves the old file as it was.
        let blocked = Dir(d.file("profile.json").join("inside"));
        assert!(blocked.write("x", "y").is_err());
        assert_eq!(d.read("profile.json").unwrap(), "{\"a\":2}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
