//! The CLI's profile: one directory (default `.monzo-ob`) with the ASPSP's endpoints, the
//! software's ids and signing key, the transport certificate, the registered clients, and the
//! tokens of the last authorised consents. It holds secrets: keep it private.

use std::path::{Path, PathBuf};

use monzo_client::{Client, ClientConfig, Endpoints, Software};
use serde::{Deserialize, Serialize};

/// Tokens of an authorised consent.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tokens {
    /// The consent.
    pub consent_id: String,
    /// The access token.
    pub access_token: String,
    /// When it expires (RFC 3339), if the ASPSP said.
    pub expires_at: Option<String>,
    /// The refresh token, if any.
    pub refresh_token: Option<String>,
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
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn read(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(self.file(name)).map_err(|e| {
            format!(
                "{}: {e} (run `monzo-ob register` first)",
                self.file(name).display()
            )
        })
    }

    /// Writes a file of the profile, readable by its owner only where the platform allows.
    pub fn write(&self, name: &str, text: &str) -> Result<(), String> {
        std::fs::create_dir_all(&self.0).map_err(|e| format!("{}: {e}", self.0.display()))?;
        let path = self.file(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(())
    }

    /// The profile.
    pub fn profile(&self) -> Result<Profile, String> {
        serde_json::from_str(&self.read("profile.json")?)
            .map_err(|e| format!("{}: {e}", self.file("profile.json").display()))
    }

    /// Saves the profile.
    pub fn save(&self, p: &Profile) -> Result<(), String> {
        let text = serde_json::to_string_pretty(p).map_err(|e| e.to_string())?;
        self.write("profile.json", &text)
    }

    /// The software (its signing key).
    pub fn software(&self, p: &Profile) -> Result<Software, String> {
        let key = ob_jose::SigningKey::from_pem(p.kid.clone(), &self.read("signing.key")?)
            .map_err(|e| format!("signing.key: {e}"))?;
        Ok(Software {
            key,
            org_id: p.org_id.clone(),
            software_id: p.software_id.clone(),
        })
    }

    /// A client with the profile's endpoints, certificate and CA.
    pub fn client(&self, p: &Profile) -> Result<Client, String> {
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
        Client::new(config).map_err(|e| e.to_string())
    }
}

/// Copies a PEM file the user gave into the profile.
pub fn copy_into(dir: &Dir, from: &Path, name: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(from).map_err(|e| format!("{}: {e}", from.display()))?;
    dir.write(name, &text)
}
