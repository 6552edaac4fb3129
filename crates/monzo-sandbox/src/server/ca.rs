//! The development certificate authority: made on first run, it signs the server's certificate
//! and the client certificates TPPs use for mutual TLS. For local development only.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};

use super::ServerError;

/// The OID of `organizationIdentifier` (eIDAS, X.520 2.5.4.97).
pub const ORGANIZATION_IDENTIFIER: [u64; 4] = [2, 5, 4, 97];

/// A certificate and its private key, in PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (secret).
    pub key_pem: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The subject of a client certificate, as Open Banking certificates have it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientSubject {
    /// Country (`C`).
    pub country: String,
    /// Organisation name (`O`).
    pub organization: String,
    /// Organisational unit (`OU`): the Open Banking organisation id.
    pub organizational_unit: Option<String>,
    /// `organizationIdentifier` (eIDAS), such as `PSDIE-CBI-123456`.
    pub organization_identifier: Option<String>,
    /// Common name (`CN`): the software id.
    pub common_name: String,
}

impl ClientSubject {
    /// The subject as a distinguished name string, the way registration requests carry it.
    pub fn dn(&self) -> String {
        let mut parts = vec![
            format!("C={}", self.country),
            format!("O={}", self.organization),
        ];
        if let Some(ou) = &self.organizational_unit {
            parts.push(format!("OU={ou}"));
        }
        if let Some(oi) = &self.organization_identifier {
            parts.push(format!("organizationIdentifier={oi}"));
        }
        parts.push(format!("CN={}", self.common_name));
        parts.join(",")
    }
}

/// The development CA.
pub struct DevCa {
    params: CertificateParams,
    key: KeyPair,
    cert_pem: String,
}

fn err(what: &str) -> impl Fn(rcgen::Error) -> ServerError + '_ {
    move |e| ServerError::Certificate(format!("{what}: {e}"))
}

fn ca_params() -> Result<CertificateParams, ServerError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err("CA"))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Monzo Sandbox (development only)");
    dn.push(DnType::CommonName, "Monzo Sandbox Development CA");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(params)
}

impl DevCa {
    /// A new CA.
    pub fn generate() -> Result<Self, ServerError> {
        let key = KeyPair::generate().map_err(err("CA key"))?;
        let params = ca_params()?;
        let cert_pem = params.self_signed(&key).map_err(err("CA"))?.pem();
        Ok(DevCa {
            params,
            key,
            cert_pem,
        })
    }

    /// The CA from its stored key and certificate.
    pub fn load(key_pem: &str, cert_pem: &str) -> Result<Self, ServerError> {
        let key = KeyPair::from_pem(key_pem).map_err(err("CA key"))?;
        Ok(DevCa {
            params: ca_params()?,
            key,
            cert_pem: cert_pem.to_owned(),
        })
    }

    /// The CA certificate, to trust.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA's private key, to store (secret).
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// A server certificate for these host names and addresses.
    pub fn issue_server(&self, hosts: &[&str]) -> Result<Issued, ServerError> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err("server"))?;
        for host in hosts {
            let san = match host.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*host).try_into().map_err(err("server name"))?),
            };
            params.subject_alt_names.push(san);
        }
        params
            .distinguished_name
            .push(DnType::CommonName, "Monzo Sandbox");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params, "server")
    }

    /// A client certificate with this subject.
    pub fn issue_client(&self, subject: &ClientSubject) -> Result<Issued, ServerError> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err("client"))?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, subject.country.as_str());
        dn.push(DnType::OrganizationName, subject.organization.as_str());
        if let Some(ou) = &subject.organizational_unit {
            dn.push(DnType::OrganizationalUnitName, ou.as_str());
        }
        if let Some(oi) = &subject.organization_identifier {
            dn.push(
                DnType::CustomDnType(ORGANIZATION_IDENTIFIER.to_vec()),
                oi.as_str(),
            );
        }
        dn.push(DnType::CommonName, subject.common_name.as_str());
        params.distinguished_name = dn;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params, "client")
    }

    fn sign(&self, params: CertificateParams, what: &str) -> Result<Issued, ServerError> {
        let key = KeyPair::generate().map_err(err(what))?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).map_err(err(what))?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}
