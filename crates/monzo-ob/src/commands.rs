//! What each subcommand does: a thin layer over `monzo-client` (and, for `sandbox` and
//! `register --sandbox`, over the emulator's server crate).

use anyhow::{anyhow, bail, Context};
use monzo_client::AccessToken;
use monzo_model::accounts::MonzoPotTransactionSource;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use monzo_client::{Authorization, Client, PaymentApi, Signed, TransactionQuery};
use monzo_model::accounts::OBReadConsent1;
use monzo_model::payments::{OBWriteDomesticConsentResponse5, OBWriteDomesticResponse5};
use monzo_sandbox::server::ca::ClientSubject;
use serde_json::{json, Value};

use crate::profile::{copy_into, Dir, Profile, Tokens};
use crate::{Cli, ClockAction, Command, PotsAction, SandboxAction, SandboxArgs};

/// Monzo's sandbox users, by the names its documentation gives them.
const USERS: &[(&str, &str, &str)] = &[
    (
        "heavy",
        "user_0000A4C4ZChWNMEvew2U77",
        "acc_0000A4C4ZSskDOixqNPfpR",
    ),
    (
        "medium",
        "user_0000A4C4nqORb7K9YYW3r0",
        "acc_0000A4C4o66FCYJoERQhHN",
    ),
    (
        "light",
        "user_0000A4C4wkPFE7x9at8Ujp",
        "acc_0000A4C4wz4Ail0f3sONTV",
    ),
    (
        "eu",
        "user_0000Av3bpksv3AAmdybBCr",
        "acc_0000Av3bry7sn2XsI3eZ3C",
    ),
];

const MONZO_ORG_ID: &str = "0015800001ZEc3hAAD";
/// A redirect URI that needs no server: the callback URL is pasted back from the browser.
const DEFAULT_REDIRECT: &str = "https://monzo-ob.invalid/callback";

/// `register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// Enrol with the local emulator's own directory and development CA.
    #[arg(long)]
    sandbox: bool,
    /// The emulator's address (with --sandbox).
    #[arg(long, default_value = "https://127.0.0.1:8443")]
    base: String,
    /// The emulator's state directory, whose development CA issues the certificate.
    #[arg(long, default_value = ".monzo-sandbox")]
    sandbox_state: PathBuf,
    /// The software id (with --sandbox, default `monzo-ob-cli`).
    #[arg(long)]
    software_id: Option<String>,
    /// The organisation id (with --sandbox, default `0015800001MONZOOB`).
    #[arg(long)]
    org_id: Option<String>,
    /// The redirect URI to register.
    #[arg(long, default_value = DEFAULT_REDIRECT)]
    redirect_uri: String,
    /// Another ASPSP: its OpenID issuer.
    #[arg(long, required_unless_present = "sandbox")]
    issuer: Option<String>,
    /// Another ASPSP: its AIS base URL.
    #[arg(long, required_unless_present = "sandbox")]
    aisp: Option<String>,
    /// Another ASPSP: its PIS base URL.
    #[arg(long, required_unless_present = "sandbox")]
    pisp: Option<String>,
    /// Another ASPSP: its CBPII base URL (default: beside the PIS one).
    #[arg(long)]
    cbpii: Option<String>,
    /// Another ASPSP: its organisation id (`aud` of the registration request).
    #[arg(long, default_value = MONZO_ORG_ID)]
    aspsp_org_id: String,
    /// The software statement (a file holding the SSA JWT from the directory).
    #[arg(long, required_unless_present = "sandbox")]
    ssa: Option<PathBuf>,
    /// The software's signing key (PEM), whose public key the directory publishes.
    #[arg(long, required_unless_present = "sandbox")]
    signing_key: Option<PathBuf>,
    /// The signing key's `kid` in the directory's JWKS.
    #[arg(long, required_unless_present = "sandbox")]
    kid: Option<String>,
    /// The transport certificate (PEM).
    #[arg(long, required_unless_present = "sandbox")]
    cert: Option<PathBuf>,
    /// Its private key (PEM).
    #[arg(long, required_unless_present = "sandbox")]
    key: Option<PathBuf>,
    /// CAs to trust instead of the system's (PEM).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// The transport certificate's subject DN, as the registration carries it.
    #[arg(long, required_unless_present = "sandbox")]
    subject_dn: Option<String>,
}

/// `authorize`.
#[derive(Debug, Args)]
pub struct AuthorizeArgs {
    /// Emulator: approve at once as this sandbox user (heavy, medium, light, eu, or a user id).
    #[arg(long, value_parser = sandbox_user)]
    user: Option<SandboxUser>,
    /// The permissions to ask for.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ReadAccountsDetail,ReadBalances,ReadTransactionsDetail,ReadTransactionsCredits,ReadTransactionsDebits,ReadParty,ReadStandingOrdersDetail,ReadScheduledPaymentsDetail,ReadDirectDebits"
    )]
    permissions: Vec<String>,
    /// The callback URL the browser arrived at (else it is read from standard input).
    #[arg(long)]
    callback: Option<String>,
}

/// `transactions`.
#[derive(Debug, Args)]
pub struct TransactionsArgs {
    /// The account (default: the first one).
    #[arg(long)]
    account: Option<String>,
    /// From this booking time (RFC 3339, or a date: the start of that day, UTC).
    #[arg(long, value_parser = time_arg)]
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Up to this booking time (RFC 3339, or a date: the start of that day, UTC).
    #[arg(long, value_parser = time_arg)]
    to: Option<chrono::DateTime<chrono::Utc>>,
    /// Newest first.
    #[arg(long)]
    newest_first: bool,
    /// How to print them (`--json`: an array of the API's transactions).
    #[command(flatten)]
    format: Format,
}

/// `pay`.
#[derive(Debug, Args)]
pub struct PayArgs {
    /// The amount in GBP, such as 12.50 (above zero, pence at most).
    #[arg(long, value_parser = gbp_amount)]
    amount: rust_decimal::Decimal,
    /// The payee's sort code and account number (14 digits).
    #[arg(long)]
    to: String,
    /// The payee's name.
    #[arg(long)]
    name: String,
    /// The payment reference.
    #[arg(long, default_value = "monzo-ob")]
    reference: String,
    /// Emulator: approve at once as this sandbox user (heavy, medium, light, or a user id).
    #[arg(long, value_parser = sandbox_user)]
    user: Option<SandboxUser>,
    /// Emulator: have the bank reject the payment with this reason, one of Monzo's texts
    /// ("Insufficient funds", "FPS not acknowledged", "Scheme limits exceeded", ...). Needs
    /// `--user`.
    #[arg(long, value_name = "REASON", requires = "user", value_parser = rejection_reason)]
    reject_with: Option<String>,
    /// The callback URL the browser arrived at (else it is read from standard input).
    #[arg(long)]
    callback: Option<String>,
}

/// One of the rejection reasons Monzo documents, by its exact text.
fn rejection_reason(text: &str) -> Result<String, String> {
    use monzo_client::RejectionReason;
    match RejectionReason::from_text(text) {
        Some(r) => Ok(r.text().to_owned()),
        None => Err(format!(
            "expected one of Monzo's rejection reasons: {}",
            RejectionReason::ALL
                .iter()
                .map(|r| format!("{:?}", r.text()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A sandbox user of the emulator and their current account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUser {
    /// The user id.
    pub id: String,
    /// Their current account.
    pub account: String,
}

/// A sandbox user by name or id (an unknown one is refused when the arguments are read: the
/// sandbox would otherwise pick a test user of its own).
pub fn sandbox_user(name: &str) -> Result<SandboxUser, String> {
    match USERS.iter().find(|(n, id, _)| *n == name || *id == name) {
        Some((_, id, account)) => Ok(SandboxUser {
            id: (*id).to_owned(),
            account: (*account).to_owned(),
        }),
        None => Err(format!(
            "unknown sandbox user {name:?}: expected one of {}",
            USERS
                .iter()
                .map(|(n, id, _)| format!("{n} ({id})"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A time on the command line: RFC 3339 (`2026-01-31T09:00:00Z`), or a date alone
/// (`2026-01-31`, the start of that day in UTC).
pub fn time_arg(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        Err(_) => Err(format!(
            "{text:?}: expected an RFC 3339 time such as 2026-01-31T09:00:00Z, or a date such as 2026-01-31"
        )),
    }
}

/// A pot transaction's source, as Monzo's extension lists them (`TransferIn`, `CardPayment`,
/// ...; clap offers the list and suggests the nearest).
pub fn pot_source() -> impl clap::builder::TypedValueParser<Value = MonzoPotTransactionSource> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(MonzoPotTransactionSource::CODES)
        .map(|code| MonzoPotTransactionSource::from_code(&code))
}

/// An amount in pounds: above zero, with at most two decimal places (Monzo's payments are in
/// pence), written as `12.50`; its scale is kept (`12.50` stays `12.50`).
pub fn gbp_amount(text: &str) -> Result<rust_decimal::Decimal, String> {
    let valid = text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|b| *b == b'.').count() <= 1
        && !text.starts_with('.')
        && !text.ends_with('.');
    let value = text.parse::<rust_decimal::Decimal>().ok().filter(|_| valid);
    match value {
        Some(v) if v.scale() > 2 => Err(format!("{text:?}: at most two decimal places (pence)")),
        Some(v) if v <= rust_decimal::Decimal::ZERO => Err(format!("{text:?}: above zero")),
        Some(v) => Ok(v),
        None => Err(format!("{text:?}: expected an amount such as 12.50")),
    }
}

/// What to do about an error, when the error is one a newcomer meets: nothing answering at
/// the profile's address (the emulator is not running).
pub fn hint(e: &anyhow::Error) -> Option<String> {
    let client = e
        .chain()
        .find_map(|c| c.downcast_ref::<monzo_client::ClientError>())?;
    client.is_connect().then(|| {
        "nothing answers at the profile's address: if it is the local emulator's, start it with          `monzo-ob sandbox` (or `cargo run -p monzo-sandbox`) in another terminal and try again"
            .to_owned()
    })
}

/// Runs a command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = Dir(cli.profile.clone());
    match cli.command {
        Command::Sandbox(SandboxArgs { action: None, run }) => sandbox(&run).await,
        Command::Sandbox(SandboxArgs {
            action: Some(SandboxAction::Clock { action }),
            ..
        }) => clock(&dir, action.unwrap_or(ClockAction::Show)).await,
        Command::Sandbox(SandboxArgs {
            action: Some(SandboxAction::Revoke { consent_id }),
            ..
        }) => revoke(&dir, consent_id).await,
        Command::Register(a) => register(&dir, *a).await,
        Command::Authorize(a) => authorize(&dir, a).await,
        Command::Accounts { format } => accounts(&dir, format).await,
        Command::Balances {
            account,
            include_pots,
            format,
        } => balances(&dir, account, include_pots, format).await,
        Command::Transactions(a) => transactions(&dir, a).await,
        Command::Pots {
            format,
            action: None,
        } => pots(&dir, format).await,
        Command::Pots {
            action:
                Some(PotsAction::Reconcile {
                    json,
                    csv,
                    todays_data: true,
                    ..
                }),
            ..
        } => todays_data(&dir, json, csv).await,
        Command::Pots {
            action:
                Some(PotsAction::Reconcile {
                    json,
                    csv,
                    developer_transactions: Some(transactions),
                    developer_pots: Some(pots),
                    at,
                    snapshots,
                    ..
                }),
            ..
        } => developer_export(&transactions, &pots, at, snapshots.as_deref(), json, csv),
        Command::Pots {
            action:
                Some(PotsAction::Simulate {
                    pot_id,
                    source,
                    amount,
                    merchant,
                    name,
                    metadata,
                }),
            ..
        } => simulate(&dir, &pot_id, source, amount, merchant, name, metadata).await,
        Command::Pots {
            action: Some(PotsAction::Reconcile { json, csv, .. }),
            ..
        } => reconcile_pots(&dir, json, csv).await,
        Command::Pay(a) => pay(&dir, a).await,
        Command::Token(args) => match args.app_client() {
            None => {
                let (_, _, token) = accounts_session(&dir).await?;
                println!("{}", token.expose());
                Ok(())
            }
            Some(app) => {
                let profile = dir.profile()?;
                let client = dir.client(&profile)?;
                let id = app.client_id(&profile)?;
                let t = client.client_credentials(id, app.scope()).await?;
                println!("{}", t.access_token.expose());
                Ok(())
            }
        },
    }
}

async fn sandbox(args: &monzo_sandbox::server::cli::RunArgs) -> anyhow::Result<()> {
    let running = monzo_sandbox::server::start(args.options()).await?;
    println!("Monzo Open Banking sandbox on {}", running.base_url);
    println!(
        "console: {}{}{}",
        running.base_url,
        monzo_sandbox::console::PATH,
        if args.console_token.is_some() {
            "?token=<the --console-token value>"
        } else {
            " (from this machine only)"
        }
    );
    println!("next: monzo-ob register --sandbox   (in another terminal)");
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    Ok(())
}

/// The bank's time: the sandbox clock for the local emulator (which may run ahead of real
/// time), else this machine's.
async fn bank_now(
    client: &Client,
    profile: &Profile,
) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    if profile.sandbox {
        Ok(client.sandbox_clock().await?.now)
    } else {
        Ok(chrono::Utc::now())
    }
}

/// A `KEY=VALUE` pair for `pots simulate --metadata`.
pub fn metadata_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{text:?}: expected KEY=VALUE")),
    }
}

/// A duration for `sandbox clock advance`, as ISO 8601 for the emulator: ISO 8601 itself
/// (`PT25H`, `P1M`), or numbers with units `w`, `d`, `h`, `m`, `s` (`25h`, `1d12h`, `90m`).
pub fn clock_duration(text: &str) -> Result<String, String> {
    if text.starts_with('P') {
        return Ok(text.to_owned());
    }
    let bad = || {
        format!(
            "{text:?}: expected a duration such as 25h, 90m, 7d, 1d12h or ISO 8601 (PT25H, P1M)"
        )
    };
    let (mut date, mut time) = (String::new(), String::new());
    let mut digits = String::new();
    let mut last = usize::MAX;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        // Units in decreasing order, each once.
        let rank = "wdhms".find(c).ok_or_else(bad)?;
        if digits.is_empty() || (last != usize::MAX && rank <= last) {
            return Err(bad());
        }
        last = rank;
        let unit = c.to_ascii_uppercase();
        let part = format!("{}{unit}", std::mem::take(&mut digits));
        if rank < 2 {
            date.push_str(&part);
        } else {
            time.push_str(&part);
        }
    }
    if !digits.is_empty() || (date.is_empty() && time.is_empty()) {
        return Err(bad());
    }
    Ok(if time.is_empty() {
        format!("P{date}")
    } else {
        format!("P{date}T{time}")
    })
}

/// `monzo-ob sandbox clock`: shows or moves the sandbox clock of the profile's emulator.
async fn clock(dir: &Dir, action: ClockAction) -> anyhow::Result<()> {
    let profile = dir.profile()?;
    if !profile.sandbox {
        bail!("the profile is not the local emulator's: the clock is a sandbox control");
    }
    let client = dir.client(&profile)?;
    let c = match action {
        ClockAction::Show => client.sandbox_clock().await,
        ClockAction::Advance { by } => client.sandbox_advance_clock(&by).await,
        ClockAction::Set { to } => client.sandbox_set_clock(to).await,
    }?;
    let offset = chrono::Duration::seconds(c.offset_seconds);
    let sign = if c.offset_seconds < 0 { "-" } else { "+" };
    let abs = offset.abs();
    println!(
        "sandbox time {} (real time {sign}{}d {:02}:{:02}:{:02})",
        c.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        abs.num_days(),
        abs.num_hours() % 24,
        abs.num_minutes() % 60,
        abs.num_seconds() % 60
    );
    Ok(())
}

/// `monzo-ob sandbox revoke`: the customer withdraws access to a consent in the app.
async fn revoke(dir: &Dir, consent_id: Option<String>) -> anyhow::Result<()> {
    let profile = dir.profile()?;
    if !profile.sandbox {
        bail!("the profile is not the local emulator's: revoking as the customer is a sandbox control");
    }
    let consent_id = match consent_id {
        Some(id) => id,
        None => profile
            .accounts
            .as_ref()
            .map(|t| t.consent_id.clone())
            .context(
            "no account-access consent in the profile: run `monzo-ob authorize` first, or name one",
        )?,
    };
    let client = dir.client(&profile)?;
    let answer = client.sandbox_revoke_access(&consent_id).await?;
    let revoked = answer["Data"]["TokensRevoked"].as_bool().unwrap_or(false);
    println!(
        "access to {consent_id} withdrawn by the customer{}; the consent is still Authorised (`monzo-ob authorize` asks again)",
        if revoked { ": its tokens no longer work" } else { " (it had no live tokens)" }
    );
    Ok(())
}

/// Registers, writing nothing into the profile until every registration succeeded: the
/// certificate, keys and statement go to a staging directory beside the profile's files, and
/// move into place (each file renamed over the old one) only at the end.
async fn register(dir: &Dir, a: RegisterArgs) -> anyhow::Result<()> {
    let staging = Dir(dir.0.join(format!(".register-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&staging.0);
    let result = register_staged(dir, &staging, a).await;
    let result = match result {
        Ok(profile) => commit_staged(dir, &staging).and_then(|()| {
            dir.save(&profile)?;
            println!("profile saved in {}", dir.0.display());
            Ok(())
        }),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_dir_all(&staging.0);
    result
}

/// Moves every file of `staging` into `dir`, each renamed over the file it replaces.
fn commit_staged(dir: &Dir, staging: &Dir) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(&staging.0).with_context(|| staging.0.display().to_string())? {
        let entry = entry?;
        let to = dir.file(&entry.file_name().to_string_lossy());
        std::fs::rename(entry.path(), &to).with_context(|| to.display().to_string())?;
    }
    Ok(())
}

/// The registrations, with every new file written to `staging`; the profile to save.
async fn register_staged(dir: &Dir, staging: &Dir, a: RegisterArgs) -> anyhow::Result<Profile> {
    let mut profile;
    let statement;
    let dn;
    if a.sandbox {
        let software_id = a.software_id.unwrap_or_else(|| "monzo-ob-cli".into());
        let org_id = a.org_id.unwrap_or_else(|| "0015800001MONZOOB".into());
        let subject = ClientSubject {
            country: "GB".into(),
            organization: "Sandbox TPP".into(),
            organizational_unit: Some(org_id.clone()),
            organization_identifier: None,
            common_name: software_id.clone(),
        };
        // The certificate comes from the development CA the emulator keeps in its state
        // directory: an emulator run with `--memory` keeps none.
        if !a.sandbox_state.join("sandbox.sqlite3").is_file() {
            bail!(
                "no emulator state in {}: `register --sandbox` issues the client certificate \
                 from the development CA the emulator keeps there, and an emulator run with \
                 `--memory` keeps none. Start it with `monzo-ob sandbox` (state in \
                 .monzo-sandbox) or `--state DIR`, and pass that directory as `--sandbox-state`",
                a.sandbox_state.display()
            );
        }
        let (issued, ca) =
            monzo_sandbox::server::issue_client_certificate_from_state(&a.sandbox_state, &subject)?;
        staging.write("client.pem", &issued.cert_pem)?;
        staging.write("client.key", &issued.key_pem)?;
        staging.write("ca.pem", &ca)?;
        // Keep the signing key of an earlier registration: the directory knows its keys.
        let key = match dir.profile().and_then(|p| dir.software(&p)) {
            Ok(s) if s.software_id == software_id => s.key,
            _ => ob_jose::SigningKey::generate("monzo-ob-1", 2048)?,
        };
        staging.write("signing.key", &key.to_pkcs8_pem()?)?;
        let endpoints = monzo_client::Endpoints::local(&a.base);
        profile = Profile {
            issuer: endpoints.issuer,
            aisp: endpoints.aisp,
            pisp: endpoints.pisp,
            cbpii: endpoints.cbpii,
            aspsp_org_id: MONZO_ORG_ID.into(),
            org_id: org_id.clone(),
            software_id: software_id.clone(),
            kid: ob_jose::Signer::key_id(&key).to_owned(),
            redirect_uri: a.redirect_uri.clone(),
            sandbox: true,
            accounts_client: None,
            payments_client: None,
            funds_client: None,
            accounts: None,
        };
        let client = staging.client(&profile)?;
        let jwks = ob_jose::Jwks {
            keys: vec![key.public_jwk()],
        };
        let issued = client
            .sandbox_software_statement(
                &software_id,
                &org_id,
                &[&a.redirect_uri],
                &["AISP", "PISP", "CBPII"],
                &jwks,
            )
            .await
            .map_err(|e| already_registered(e, &software_id))?;
        statement = issued.software_statement;
        dn = subject.dn();
    } else {
        let (Some(issuer), Some(aisp), Some(pisp), Some(ssa), Some(sk), Some(kid)) = (
            a.issuer,
            a.aisp,
            a.pisp.clone(),
            a.ssa,
            a.signing_key,
            a.kid,
        ) else {
            bail!("--issuer, --aisp, --pisp, --ssa, --signing-key and --kid are required without --sandbox");
        };
        let (Some(cert), Some(key), Some(subject_dn)) = (a.cert, a.key, a.subject_dn) else {
            bail!("--cert, --key and --subject-dn are required without --sandbox");
        };
        statement = std::fs::read_to_string(&ssa)
            .with_context(|| ssa.display().to_string())?
            .trim()
            .to_owned();
        // The ids the statement names (the ASPSP verifies its signature; this only reads it).
        let (_, payload) = ob_jose::dangerous::peek_unverified(&statement)?;
        let claims: ob_dcr::ssa::SsaClaims = serde_json::from_slice(&payload)
            .with_context(|| format!("{}: not a software statement", ssa.display()))?;
        copy_into(staging, &sk, "signing.key")?;
        copy_into(staging, &cert, "client.pem")?;
        copy_into(staging, &key, "client.key")?;
        if let Some(ca) = &a.ca {
            copy_into(staging, ca, "ca.pem")?;
        }
        let cbpii = a
            .cbpii
            .unwrap_or_else(|| pisp.trim_end_matches("/pisp").to_owned() + "/cbpii");
        profile = Profile {
            issuer,
            aisp,
            pisp,
            cbpii,
            aspsp_org_id: a.aspsp_org_id.clone(),
            org_id: claims.org_id.clone().unwrap_or_default(),
            software_id: claims.software_id.clone(),
            kid,
            redirect_uri: a.redirect_uri.clone(),
            sandbox: false,
            accounts_client: None,
            payments_client: None,
            funds_client: None,
            accounts: None,
        };
        dn = subject_dn;
    }
    let client = staging.client(&profile)?;
    let software = staging.software(&profile)?;
    // One registration per API (Monzo: since 2020-07-23 a registration may not combine the
    // payments and accounts scopes); confirmation of funds only for a CBPII.
    let (_, payload) = ob_jose::dangerous::peek_unverified(&statement)?;
    let roles: Vec<String> = serde_json::from_slice::<ob_dcr::ssa::SsaClaims>(&payload)
        .map(|c| c.software_roles)
        .unwrap_or_default();
    let mut apps = vec![AppClient::Accounts, AppClient::Payments];
    if roles.iter().any(|r| r == "CBPII") {
        apps.push(AppClient::Funds);
    }
    for (i, app) in apps.into_iter().enumerate() {
        let scope = format!("openid {}", app.scope());
        let mut jti = [0u8; 16];
        jti[0] = i as u8;
        jti[1..9].copy_from_slice(
            &chrono::Utc::now()
                .timestamp_nanos_opt()
                .unwrap_or_default()
                .to_le_bytes(),
        );
        let request = ob_dcr::request::RegistrationRequest::uk(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement,
                software_id: &profile.software_id,
                aud: &profile.aspsp_org_id,
                redirect_uris: vec![profile.redirect_uri.clone()],
                tls_client_auth_subject_dn: &dn,
                jti: &ob_dcr::uuid_v4(jti),
            },
            &scope,
            chrono::Utc::now(),
        )?;
        let jwt = request.sign(&software.key)?;
        let reg = client.register(&jwt).await?;
        let id = reg.client_id.map(|c| c.to_string()).unwrap_or_default();
        println!("registered {scope}: client {id}");
        *app.slot(&mut profile) = Some(id);
    }
    Ok(profile)
}

/// The directory's refusal of a software id it knows with other keys, said with what to do.
fn already_registered(e: monzo_client::ClientError, software_id: &str) -> anyhow::Error {
    let exists = e.api().is_some_and(|a| {
        a.details
            .iter()
            .any(|d| d.code.as_str() == "UK.OBIE.Rules.ResourceAlreadyExists")
    });
    if exists {
        anyhow::Error::new(e).context(format!(
            "the emulator's directory already knows software `{software_id}` with other keys \
             (another profile registered it): register under another id with \
             `--software-id`, or use the profile that registered it (`--profile`)"
        ))
    } else {
        e.into()
    }
}

/// Sends the customer through `auth`: at once for a sandbox user, else by printing the URL
/// and reading the callback.
async fn complete(
    client: &Client,
    auth: &Authorization,
    automatic: bool,
    callback: Option<String>,
) -> anyhow::Result<monzo_client::TokenResponse> {
    let callback = if automatic {
        client.follow_authorization(auth).await?
    } else if let Some(c) = callback {
        c
    } else {
        eprintln!(
            "Open this URL, approve, then paste the URL you were sent back to:\n{}",
            auth.url
        );
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim().to_owned()
    };
    Ok(client.complete_authorization(auth, &callback).await?)
}

fn tokens_of(consent_id: &str, t: &monzo_client::TokenResponse) -> Tokens {
    Tokens {
        consent_id: consent_id.to_owned(),
        access_token: t.access_token.clone(),
        expires_at: t.expires_at,
        refresh_token: t.refresh_token.clone(),
    }
}

async fn authorize(dir: &Dir, a: AuthorizeArgs) -> anyhow::Result<()> {
    let mut profile = dir.profile()?;
    let client = dir.client(&profile)?;
    let software = dir.software(&profile)?;
    let accounts = AppClient::Accounts;
    let client_id = accounts.client_id(&profile)?.to_owned();
    let app = client
        .client_credentials(&client_id, accounts.scope())
        .await?;
    let mut data = json!({"Permissions": a.permissions});
    if let Some(u) = &a.user {
        let user_id = u.id.clone();
        data["SupplementaryData"] = json!({"DesiredStatus": "Authorised", "UserID": user_id});
    }
    let consent: OBReadConsent1 = serde_json::from_value(json!({"Data": data, "Risk": {}}))?;
    let created = client
        .create_account_access_consent(&app.access_token, &consent)
        .await?;
    let consent_id = created.data.consent_id.to_string();
    let auth = client
        .authorization(
            &software,
            &client_id,
            &consent_id,
            "openid accounts",
            &profile.redirect_uri,
        )
        .await?;
    let tokens = complete(&client, &auth, a.user.is_some(), a.callback).await?;
    profile.accounts = Some(tokens_of(&consent_id, &tokens));
    dir.save(&profile)?;
    println!("consent {consent_id} authorised");
    Ok(())
}

/// The client and a live account-information access token (refreshed, and saved, if it
/// expired).
async fn accounts_session(dir: &Dir) -> anyhow::Result<(Client, Profile, AccessToken)> {
    let mut profile = dir.profile()?;
    let client = dir.client(&profile)?;
    let tokens = profile
        .accounts
        .clone()
        .context("no authorised consent: run `monzo-ob authorize`")?;
    let expired = match tokens.expires_at {
        Some(t) => t <= bank_now(&client, &profile).await?,
        None => false,
    };
    if !expired {
        return Ok((client, profile, tokens.access_token));
    }
    let refresh = tokens.refresh_token.clone().context(
        "the access token expired and there is no refresh token: run `monzo-ob authorize`",
    )?;
    let client_id = AppClient::Accounts.client_id(&profile)?;
    let fresh = client.refresh(client_id, &refresh).await?;
    let t = tokens_of(&tokens.consent_id, &fresh);
    let access = t.access_token.clone();
    profile.accounts = Some(t);
    dir.save(&profile)?;
    Ok((client, profile, access))
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_default()
}

/// How a listing is printed: aligned text (default), the API's JSON, or CSV.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Format {
    /// Print the API's JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (a header line, then one row per item).
    #[arg(long)]
    pub csv: bool,
}

/// A listing's rows, printed whole once everything was read (an error prints nothing).
struct Table {
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Prints the rows as `format` says, or `json` (the API's documents) with `--json`.
    fn print(&self, format: Format, json: &impl serde::Serialize) -> anyhow::Result<()> {
        let mut out = String::new();
        if format.json {
            out = serde_json::to_string_pretty(json)? + "\n";
        } else if format.csv {
            out.push_str(&self.headers.join(","));
            out.push('\n');
            for row in &self.rows {
                let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                out.push_str(&fields.join(","));
                out.push('\n');
            }
        } else {
            let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
            for row in &self.rows {
                for (w, f) in widths.iter_mut().zip(row) {
                    *w = (*w).max(f.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                padded.join("  ").trim_end().to_owned() + "\n"
            };
            out.push_str(&line(self.headers.to_vec()));
            for row in &self.rows {
                out.push_str(&line(row.iter().map(String::as_str).collect()));
            }
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(out.as_bytes())?;
        stdout.flush()?;
        Ok(())
    }
}

async fn accounts(dir: &Dir, format: Format) -> anyhow::Result<()> {
    let (client, _, token) = accounts_session(dir).await?;
    let read = client.accounts(&token).await?;
    let rows = read
        .data
        .account
        .iter()
        .flatten()
        .map(|a| {
            let ids: Vec<&str> = a
                .account
                .iter()
                .flatten()
                .map(|x| x.identification.as_str())
                .collect();
            vec![
                a.account_id.to_string(),
                a.currency.as_deref().unwrap_or_default().to_owned(),
                a.account_type
                    .as_ref()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                a.description.as_deref().unwrap_or_default().to_owned(),
                ids.join(" "),
            ]
        })
        .collect();
    Table {
        headers: &[
            "AccountId",
            "Currency",
            "AccountType",
            "Description",
            "Identification",
        ],
        rows,
    }
    .print(format, &read)
}

async fn account_ids(
    client: &Client,
    token: &AccessToken,
    one: Option<String>,
) -> anyhow::Result<Vec<String>> {
    if let Some(a) = one {
        return Ok(vec![a]);
    }
    let read = client.accounts(token).await?;
    Ok(read
        .data
        .account
        .unwrap_or_default()
        .iter()
        .map(|a| a.account_id.to_string())
        .collect())
}

async fn balances(
    dir: &Dir,
    account: Option<String>,
    include_pots: bool,
    format: Format,
) -> anyhow::Result<()> {
    let (client, _, token) = accounts_session(dir).await?;
    let mut reads = Vec::new();
    for id in account_ids(&client, &token, account).await? {
        reads.push(client.balances(&token, &id, include_pots).await?);
    }
    let rows = reads
        .iter()
        .flat_map(|r| &r.data.balance)
        .map(|b| {
            let sign = if b.credit_debit_indicator.as_str() == "Debit" {
                "-"
            } else {
                ""
            };
            vec![
                b.account_id.to_string(),
                b.type_.as_str().to_owned(),
                format!("{sign}{}", b.amount.amount),
                b.amount.currency.to_string(),
            ]
        })
        .collect();
    // With --json, one array of the API's documents (one per account).
    Table {
        headers: &["AccountId", "Type", "Amount", "Currency"],
        rows,
    }
    .print(format, &reads)
}

/// One CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

async fn transactions(dir: &Dir, a: TransactionsArgs) -> anyhow::Result<()> {
    let (client, _, token) = accounts_session(dir).await?;
    let account = match a.account {
        Some(id) => id,
        None => account_ids(&client, &token, None)
            .await?
            .into_iter()
            .next()
            .context("the consent covers no account")?,
    };
    let query = TransactionQuery {
        from: a.from,
        to: a.to,
        newest_first: a.newest_first,
    };
    let mut pages = client.transaction_pages(&token, &account, query);
    // Every page is read before anything is written: a failure part-way prints nothing on
    // stdout (never a truncated CSV), only the error.
    let progress = Progress::new();
    let mut all = Vec::new();
    while let Some(page) = pages.next_page().await? {
        all.extend(page.data.transaction.unwrap_or_default());
        progress.pages(pages.fetched, pages.total_pages, all.len());
    }
    progress.done(&format!(
        "{} transactions in {} pages",
        all.len(),
        pages.fetched
    ));
    let rows = all
        .iter()
        .map(|tx| {
            let sign = if tx.credit_debit_indicator.as_str() == "Debit" {
                "-"
            } else {
                ""
            };
            vec![
                tx.transaction_id.as_deref().unwrap_or_default().to_owned(),
                tx.booking_date_time.to_string(),
                tx.status.as_str().to_owned(),
                tx.credit_debit_indicator.as_str().to_owned(),
                if a.format.csv {
                    tx.amount.amount.to_string()
                } else {
                    format!("{sign}{}", tx.amount.amount)
                },
                tx.amount.currency.to_string(),
                tx.transaction_information
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned(),
                tx.proprietary_bank_transaction_code
                    .as_ref()
                    .map(|c| c.code.as_str().to_owned())
                    .unwrap_or_default(),
                tx.balance
                    .as_ref()
                    .map(|b| b.amount.amount.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    // With --json, an array of the API's transactions.
    Table {
        headers: &[
            "TransactionId",
            "BookingDateTime",
            "Status",
            "CreditDebitIndicator",
            "Amount",
            "Currency",
            "TransactionInformation",
            "Code",
            "Balance",
        ],
        rows,
    }
    .print(a.format, &all)
}

/// Progress on stderr while pages arrive, only when stderr is a terminal (a pipe or a log file
/// gets the final count alone).
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new() -> Self {
        use std::io::IsTerminal;
        Progress(std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar
        }))
    }

    fn pages(&self, fetched: usize, total: Option<i32>, items: usize) {
        if let Some(bar) = &self.0 {
            let total = total.map_or("?".to_owned(), |t| t.to_string());
            bar.set_message(format!("page {fetched}/{total}, {items} transactions"));
            bar.tick();
        }
    }

    fn done(&self, summary: &str) {
        match &self.0 {
            Some(bar) => bar.finish_with_message(summary.to_owned()),
            None => eprintln!("{summary}"),
        }
    }
}

async fn pots(dir: &Dir, format: Format) -> anyhow::Result<()> {
    let (client, _, token) = accounts_session(dir).await?;
    let read = client.pots(&token).await?;
    let rows = read
        .data
        .pot
        .iter()
        .map(|p| {
            vec![
                p.pot_id.to_string(),
                p.balance.amount.to_string(),
                p.balance.currency.to_string(),
                p.type_.as_str().to_owned(),
                p.status.as_str().to_owned(),
                p.name.as_deref().unwrap_or_default().to_owned(),
            ]
        })
        .collect();
    Table {
        headers: &["PotId", "Balance", "Currency", "Type", "Status", "Name"],
        rows,
    }
    .print(format, &read)
}

async fn reconcile_pots(dir: &Dir, json: bool, csv: bool) -> anyhow::Result<()> {
    let (client, profile, token) = accounts_session(dir).await?;
    let now = bank_now(&client, &profile).await?;
    let listed = client.pots(&token).await?;
    let mut entries = Vec::new();
    let mut statements = Vec::new();
    for pot in &listed.data.pot {
        let id = pot.pot_id.as_str();
        let history = client
            .pot_transactions(&token, id, &TransactionQuery::default())
            .await?;
        for tx in &history {
            entries.push(pot_ledger::Entry::from_pot_transaction(tx)?);
        }
        // The history runs from the pot's creation, so it opens at zero; the balance
        // `GET /pots` gives now closes it (a pot never goes below zero, and Monzo's
        // documentation marks positive pot balances `Debit`, so the indicator is not used).
        if let Some(e) = pot.balance.amount.invalid() {
            bail!("the balance of {id} is not an amount: {e}");
        }
        let balance = pot.balance.amount.value();
        statements.push(
            pot_ledger::Statement::new(id, rust_decimal::Decimal::ZERO).closing(now, balance),
        );
    }
    let result = pot_ledger::reconcile(entries, statements);
    if json {
        println!("{}", pot_ledger::report::json(&result));
    } else if csv {
        print!("{}", pot_ledger::report::csv(&result));
    } else {
        print!("{}", pot_ledger::report::text(&result));
    }
    let breaks = result.breaks().count();
    if breaks == 0 {
        Ok(())
    } else {
        Err(anyhow!("{breaks} break(s): the pots do not reconcile"))
    }
}

/// Prints a today's-data inference.
fn print_inference(result: &pot_ledger::partial::Inference, json: bool, csv: bool) {
    if json {
        println!("{}", pot_ledger::report::partial::json(result));
    } else if csv {
        print!("{}", pot_ledger::report::partial::csv(result));
    } else {
        print!("{}", pot_ledger::report::partial::text(result));
    }
}

/// Prints what was skipped, on stderr.
fn report_skipped(skipped: &[pot_ledger::partial::Skipped]) {
    for s in skipped {
        eprintln!("skipped {}: {}", s.id, s.reason);
    }
}

/// The profile's file of recorded pot balances.
const SNAPSHOTS: &str = "pot-snapshots.jsonl";

/// Reads snapshots, one JSON object per line (blank lines ignored).
fn read_snapshots(path: &Path) -> anyhow::Result<Vec<pot_ledger::partial::PotSnapshot>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow!("{}: {e}", path.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{} line {}", path.display(), i + 1))
        })
        .collect()
}

/// Today's-data mode against the ASPSP: every page of each account's transactions, without
/// relying on the proposed `PotId`, and the pots' balances, recorded at every run.
async fn todays_data(dir: &Dir, json: bool, csv: bool) -> anyhow::Result<()> {
    use pot_ledger::partial::{
        creation_snapshot, from_open_banking, infer, pot_names, PotSnapshot,
    };
    let (client, profile, token) = accounts_session(dir).await?;
    let pots = client.pots(&token).await?.data.pot;
    // The balances are as of the answer: anything booked before it is in them (the bank's
    // time, which for the emulator is its sandbox clock).
    let now = bank_now(&client, &profile).await?;
    let mut accounts: Vec<String> = pots.iter().map(|p| p.account_id.to_string()).collect();
    accounts.sort();
    accounts.dedup();
    let mut main = Vec::new();
    for account in &accounts {
        let mut all = client
            .transaction_pages(&token, account, TransactionQuery::default())
            .collect_all()
            .await?;
        main.append(&mut all);
    }
    // As Monzo serves transactions today: the pot is told by its name.
    for t in &mut main {
        if let Some(s) = t.supplementary_data.as_mut() {
            s.pot_id = None;
        }
    }
    let extracted = from_open_banking(&main, &pot_names(&pots));
    report_skipped(&extracted.skipped);
    // Record this run's balances; every recorded run is a snapshot. The file is written
    // again whole, one snapshot a line.
    let path = dir.0.join(SNAPSHOTS);
    let mut recorded = read_snapshots(&path)?;
    recorded.extend(
        pots.iter()
            .map(|p| PotSnapshot::new(p.pot_id.as_str(), now, p.balance.amount.value())),
    );
    let mut lines = String::new();
    for s in &recorded {
        lines.push_str(&serde_json::to_string(s)?);
        lines.push('\n');
    }
    dir.write(SNAPSHOTS, &lines)?;
    // Pots start empty: each one's creation is a snapshot too.
    recorded.extend(
        pots.iter()
            .map(|p| creation_snapshot(p.pot_id.as_str(), p.created.utc())),
    );
    eprintln!(
        "{} main-account transactions, {} pot transfers, {} snapshots",
        main.len(),
        extracted.transfers.len(),
        recorded.len()
    );
    print_inference(&infer(extracted.transfers, recorded), json, csv);
    Ok(())
}

/// Today's-data mode from a developer-API export, offline.
fn developer_export(
    transactions: &Path,
    pots: &Path,
    at: Option<chrono::DateTime<chrono::Utc>>,
    snapshots: Option<&Path>,
    json: bool,
    csv: bool,
) -> anyhow::Result<()> {
    use monzo_model::developer::{PotList, TransactionList};
    use pot_ledger::partial::{developer_snapshots, from_developer, infer};
    let read = |p: &Path| std::fs::read(p).with_context(|| p.display().to_string());
    let list: TransactionList = serde_json::from_slice(&read(transactions)?)
        .with_context(|| transactions.display().to_string())?;
    let pot_list: PotList =
        serde_json::from_slice(&read(pots)?).with_context(|| pots.display().to_string())?;
    let extracted = from_developer(&list.transactions);
    report_skipped(&extracted.skipped);
    let mut all = developer_snapshots(&pot_list.pots, at.unwrap_or_else(chrono::Utc::now));
    if let Some(extra) = snapshots {
        if !extra.exists() {
            return Err(anyhow!("{}: no such file", extra.display()));
        }
        all.extend(read_snapshots(extra)?);
    }
    print_inference(&infer(extracted.transfers, all), json, csv);
    Ok(())
}

/// `pots simulate`: the emulator's sandbox control.
async fn simulate(
    dir: &Dir,
    pot_id: &str,
    source: MonzoPotTransactionSource,
    amount: rust_decimal::Decimal,
    merchant: Option<String>,
    name: Option<String>,
    metadata: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let profile = dir.profile()?;
    let client = dir.client(&profile)?;
    let mut body = serde_json::json!({"Source": source.as_str(), "Amount": amount.to_string()});
    if !metadata.is_empty() {
        body["Metadata"] = Value::Object(
            metadata
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        );
    }
    if let Some(m) = merchant {
        body["Merchant"] = Value::String(m);
    }
    if let Some(n) = name {
        body["Name"] = Value::String(n);
    }
    let made = client.sandbox_pot_transaction(pot_id, &body).await?;
    print_json(&made)
}

async fn pay(dir: &Dir, a: PayArgs) -> anyhow::Result<()> {
    let profile = dir.profile()?;
    let client = dir.client(&profile)?;
    let software = dir.software(&profile)?;
    let payments = AppClient::Payments;
    let client_id = payments.client_id(&profile)?;
    let app = client
        .client_credentials(client_id, payments.scope())
        .await?;
    let mut initiation = json!({
        "InstructionIdentification": format!("monzo-ob-{}", chrono::Utc::now().timestamp()),
        "EndToEndIdentification": "monzo-ob",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": a.amount.to_string(), "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": a.to, "Name": a.name},
        "RemittanceInformation": {"Reference": a.reference},
    });
    if let Some(u) = &a.user {
        let (user_id, account) = (u.id.clone(), u.account.clone());
        initiation["SupplementaryData"] =
            json!({"DesiredStatus": "Authorised", "UserID": user_id, "AccountID": account});
        if let Some(reason) = &a.reject_with {
            initiation["SupplementaryData"]["DesiredRejectionReason"] = json!(reason);
        }
    }
    let consent: Signed<OBWriteDomesticConsentResponse5> = client
        .create_payment_consent(
            &software,
            PaymentApi::Domestic,
            &app.access_token,
            &json!({"Data": {"Initiation": initiation}, "Risk": {}}),
        )
        .await?;
    let consent_id = consent.body.data.consent_id.to_string();
    let auth = client
        .authorization(
            &software,
            client_id,
            &consent_id,
            "openid payments",
            &profile.redirect_uri,
        )
        .await?;
    let tokens = complete(&client, &auth, a.user.is_some(), a.callback).await?;
    let order = json!({"Data": {"ConsentId": consent_id, "Initiation": initiation}, "Risk": {}});
    let made: Signed<OBWriteDomesticResponse5> = client
        .create_payment_order(
            &software,
            PaymentApi::Domestic,
            &tokens.access_token,
            &order,
            None,
        )
        .await?;
    let v = serde_json::to_value(&made.body)?;
    let status = text(&v, &["Data", "Status"]);
    let reason = monzo_client::rejection_reason(&v).map_or("", |r| r.text());
    println!(
        "payment {} {status}{}",
        text(&v, &["Data", "DomesticPaymentId"]),
        match reason {
            "" => String::new(),
            r => format!(" ({r})"),
        }
    );
    if status == "Rejected" {
        // A payment that did not go is a failure of the command (exit status 1).
        return Err(anyhow!(
            "the payment was rejected{}",
            match reason {
                "" => String::new(),
                r => format!(": {r}"),
            }
        ));
    }
    Ok(())
}

/// `token`'s choice: the account-information access token (no flag), or a client-credentials
/// token of one registered client (at most one flag).
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct TokenArgs {
    /// A client-credentials token of the payments client (scope `payments`).
    #[arg(long)]
    payments: bool,
    /// A client-credentials token of the accounts client (scope `accounts`).
    #[arg(long)]
    accounts_app: bool,
    /// A client-credentials token of the confirmation-of-funds client (scope
    /// `fundsconfirmations`).
    #[arg(long)]
    funds: bool,
}

impl TokenArgs {
    /// The registered client whose client-credentials token is asked for, if one is.
    fn app_client(&self) -> Option<AppClient> {
        match (self.payments, self.accounts_app, self.funds) {
            (true, _, _) => Some(AppClient::Payments),
            (_, true, _) => Some(AppClient::Accounts),
            (_, _, true) => Some(AppClient::Funds),
            (false, false, false) => None,
        }
    }
}

/// One of the clients `register` registers, by the API it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AppClient {
    Accounts,
    Payments,
    Funds,
}

impl AppClient {
    /// The scope of its client-credentials tokens.
    fn scope(self) -> &'static str {
        match self {
            AppClient::Accounts => "accounts",
            AppClient::Payments => "payments",
            AppClient::Funds => "fundsconfirmations",
        }
    }

    /// Its client id in the profile, or what to do when it is not registered.
    fn client_id(self, profile: &Profile) -> anyhow::Result<&str> {
        let id = match self {
            AppClient::Accounts => &profile.accounts_client,
            AppClient::Payments => &profile.payments_client,
            AppClient::Funds => &profile.funds_client,
        };
        id.as_deref().with_context(|| {
            format!(
                "no client registered for {}: run `monzo-ob register`",
                self.scope()
            )
        })
    }

    /// Where the profile keeps its client id.
    fn slot(self, profile: &mut Profile) -> &mut Option<String> {
        match self {
            AppClient::Accounts => &mut profile.accounts_client,
            AppClient::Payments => &mut profile.payments_client,
            AppClient::Funds => &mut profile.funds_client,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{clock_duration, gbp_amount, sandbox_user, time_arg, AppClient};
    use clap::{CommandFactory, Parser};

    #[test]
    fn token_takes_at_most_one_client() {
        let app = |args: &[&str]| match crate::Cli::try_parse_from(args).map(|c| c.command) {
            Ok(crate::Command::Token(t)) => Ok(t.app_client()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.kind()),
        };
        assert_eq!(app(&["monzo-ob", "token"]), Ok(None));
        assert_eq!(
            app(&["monzo-ob", "token", "--payments"]),
            Ok(Some(AppClient::Payments))
        );
        assert_eq!(
            app(&["monzo-ob", "token", "--accounts-app"]),
            Ok(Some(AppClient::Accounts))
        );
        assert_eq!(
            app(&["monzo-ob", "token", "--funds"]),
            Ok(Some(AppClient::Funds))
        );
        for two in [
            ["--payments", "--funds"],
            ["--accounts-app", "--payments"],
            ["--accounts-app", "--funds"],
        ] {
            assert_eq!(
                app(&["monzo-ob", "token", two[0], two[1]]),
                Err(clap::error::ErrorKind::ArgumentConflict)
            );
        }
        assert_eq!(AppClient::Funds.scope(), "fundsconfirmations");
    }

    #[test]
    fn each_app_client_keeps_its_own_client_id() {
        let text = |field: &str| (field.to_owned(), serde_json::json!("x"));
        let mut fields: serde_json::Map<String, serde_json::Value> = [
            "issuer",
            "aisp",
            "pisp",
            "cbpii",
            "aspsp_org_id",
            "org_id",
            "software_id",
            "kid",
            "redirect_uri",
        ]
        .into_iter()
        .map(text)
        .collect();
        fields.insert("sandbox".into(), serde_json::json!(true));
        for none in ["accounts_client", "payments_client", "accounts"] {
            fields.insert(none.into(), serde_json::Value::Null);
        }
        let mut profile: crate::profile::Profile =
            serde_json::from_value(serde_json::Value::Object(fields)).unwrap();
        let e = AppClient::Funds.client_id(&profile).unwrap_err();
        assert!(
            e.to_string()
                .contains("no client registered for fundsconfirmations"),
            "{e}"
        );
        for (app, id) in [
            (AppClient::Accounts, "a"),
            (AppClient::Payments, "p"),
            (AppClient::Funds, "f"),
        ] {
            *app.slot(&mut profile) = Some(id.to_owned());
        }
        assert_eq!(profile.accounts_client.as_deref(), Some("a"));
        assert_eq!(profile.payments_client.as_deref(), Some("p"));
        assert_eq!(profile.funds_client.as_deref(), Some("f"));
        assert_eq!(AppClient::Payments.client_id(&profile).unwrap(), "p");
    }

    #[test]
    fn the_command_line_is_consistent() {
        crate::Cli::command().debug_assert();
    }

    #[test]
    fn typed_arguments_read_or_say_what_they_expect() {
        assert_eq!(gbp_amount("12.50").unwrap().to_string(), "12.50");
        assert!(gbp_amount("12.505").unwrap_err().contains("pence"));
        assert!(gbp_amount("0").unwrap_err().contains("above zero"));
        assert_eq!(
            time_arg("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            time_arg("2026-01-31T09:00:00+01:00").unwrap().to_rfc3339(),
            "2026-01-31T08:00:00+00:00"
        );
        assert!(time_arg("31/01/2026").unwrap_err().contains("RFC 3339"));
        assert_eq!(
            sandbox_user("heavy").unwrap().id,
            sandbox_user(&sandbox_user("heavy").unwrap().id).unwrap().id
        );
        assert!(sandbox_user("nobody").unwrap_err().contains("heavy"));
    }

    #[test]
    fn unknown_values_and_flags_are_refused_with_suggestions() {
        let e = crate::Cli::try_parse_from([
            "monzo-ob",
            "pots",
            "simulate",
            "pot_1",
            "--source",
            "CardPaymnt",
            "--amount",
            "1",
        ])
        .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("CardPayment"), "{text}");
        let e = crate::Cli::try_parse_from(["monzo-ob", "acounts"]).unwrap_err();
        assert!(e.to_string().contains("accounts"), "{e}");
        let e =
            crate::Cli::try_parse_from(["monzo-ob", "sandbox", "--rate-limt", "5"]).unwrap_err();
        assert!(e.to_string().contains("--rate-limit"), "{e}");
        let v = crate::Cli::try_parse_from(["monzo-ob", "sandbox", "--version"]).unwrap_err();
        assert_eq!(v.kind(), clap::error::ErrorKind::DisplayVersion);
    }

    #[test]
    fn clock_durations_become_iso_8601() {
        for (text, iso) in [
            ("25h", "PT25H"),
            ("90m", "PT90M"),
            ("45s", "PT45S"),
            ("7d", "P7D"),
            ("2w", "P2W"),
            ("1d12h", "P1DT12H"),
            ("1w2d3h4m5s", "P1W2DT3H4M5S"),
            ("P1M", "P1M"),
            ("PT25H", "PT25H"),
        ] {
            assert_eq!(clock_duration(text).as_deref(), Ok(iso), "{text}");
        }
        for bad in ["", "h", "25", "25x", "1h1d", "1h1h", "-1h", "1.5h", "soon"] {
            assert!(clock_duration(bad).is_err(), "{bad}");
        }
    }
}
