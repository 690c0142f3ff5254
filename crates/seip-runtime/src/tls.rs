//! How services know each other: mutual TLS on their internal listeners.
//!
//! Every service has a certificate from the deployment's CA naming it
//! (`<service>.seip.internal`, [`service_dns_name`]). A consumer's internal listener, where
//! `DeliverEvents` lives, asks the caller for its certificate and checks it against the CA;
//! the event endpoint then takes events only from the service that certificate names
//! ([`peer_service`]). A relay checks the consumer's certificate the same way, so neither side
//! talks to an impostor. People never reach the internal listener: their tokens are for the
//! public one.
//!
//! The files of a service are a directory holding `ca.crt` and the service's own
//! `<service>.crt` and `<service>.key` (PEM). [`init`] makes such a directory, with a fresh
//! CA and a certificate for every service, for development (`seip certs init`); production
//! mounts each service's own files from its secrets.

use std::path::Path;

use anyhow::Context as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

use crate::config::ServiceName;
use crate::files::write_private;

/// The DNS name a service's certificate is issued for, e.g. `arrears-enforcement.seip.internal`
/// (a DNS name takes no underscore).
pub fn service_dns_name(service: ServiceName) -> String {
    format!("{}.seip.internal", service.as_str().replace('_', "-"))
}

/// What a service proves itself with, and whom it trusts.
#[derive(Clone)]
pub struct ServiceTls {
    service: ServiceName,
    ca_pem: Vec<u8>,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

impl std::fmt::Debug for ServiceTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTls")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("service certificates: {}", path.display()))
}

impl ServiceTls {
    /// The CA and `service`'s certificate and key from `dir` (`ca.crt`, `<service>.crt`,
    /// `<service>.key`).
    pub fn load(dir: &Path, service: ServiceName) -> anyhow::Result<Self> {
        let s = service.as_str();
        let tls = Self {
            service,
            ca_pem: read(&dir.join("ca.crt"))?,
            cert_pem: read(&dir.join(format!("{s}.crt")))?,
            key_pem: read(&dir.join(format!("{s}.key")))?,
        };
        // A certificate for another service (files mixed up when mounted) is caught here,
        // not as refused deliveries later.
        let der = pem_certificates(&tls.cert_pem)
            .with_context(|| format!("{}: {s}.crt", dir.display()))?;
        anyhow::ensure!(
            peer_service(&der) == Some(service),
            "{}: {s}.crt is not a certificate for {} alone",
            dir.display(),
            service_dns_name(service)
        );
        Ok(tls)
    }

    /// The service these files are for.
    pub fn service(&self) -> ServiceName {
        self.service
    }

    /// The internal listener's TLS: this service's certificate, and the CA its callers'
    /// certificates must come from. A caller without a certificate completes the handshake
    /// (health stays reachable) and is refused by the event endpoint with `UNAUTHENTICATED`.
    pub fn server_config(&self) -> ServerTlsConfig {
        ServerTlsConfig::new()
            .identity(Identity::from_pem(&self.cert_pem, &self.key_pem))
            .client_ca_root(Certificate::from_pem(&self.ca_pem))
            .client_auth_optional(true)
    }

    /// TLS for calling `peer`'s internal listener: its certificate must name it and come from
    /// the CA, and this service presents its own.
    pub fn client_config(&self, peer: ServiceName) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca_pem))
            .identity(Identity::from_pem(&self.cert_pem, &self.key_pem))
            .domain_name(service_dns_name(peer))
    }
}

fn pem_certificates(pem: &[u8]) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    use rustls_pki_types::pem::PemObject as _;
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("not PEM certificates: {e}"))
}

/// The service a peer's certificate chain (already verified against the CA by the TLS
/// handshake) was issued to: the one service whose name its leaf is valid for. A certificate
/// valid for no service, or for more than one, names nobody.
pub fn peer_service(chain: &[CertificateDer<'_>]) -> Option<ServiceName> {
    let leaf = webpki::EndEntityCert::try_from(chain.first()?).ok()?;
    let mut named = ServiceName::ALL.into_iter().filter(|s| {
        ServerName::try_from(service_dns_name(*s))
            .is_ok_and(|n| leaf.verify_is_valid_for_subject_name(&n).is_ok())
    });
    match (named.next(), named.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// Make `dir` a development certificate directory: a new CA (`ca.crt`; its key is not kept)
/// and a certificate and key for every service, valid for ten years. Does nothing and
/// returns `false` when `dir` already holds a `ca.crt`. The files appear at once or not at
/// all: they are written beside `dir` and moved into place.
pub fn init(dir: &Path) -> anyhow::Result<bool> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    if dir.join("ca.crt").exists() {
        return Ok(false);
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging = tempdir_in(parent)?;
    let this_year = chrono::Datelike::year(&seip_core::Clock::system().now());
    let (from, until) = (
        rcgen::date_time_ymd(this_year - 1, 1, 1),
        rcgen::date_time_ymd(this_year + 10, 1, 1),
    );

    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "Seip development CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (ca.not_before, ca.not_after) = (from, until);
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    for service in ServiceName::ALL {
        let key = KeyPair::generate()?;
        let mut p = CertificateParams::new(vec![service_dns_name(service)])?;
        p.distinguished_name
            .push(DnType::CommonName, service_dns_name(service));
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        (p.not_before, p.not_after) = (from, until);
        let cert = p.signed_by(&key, &issuer)?;
        let s = service.as_str();
        std::fs::write(staging.join(format!("{s}.crt")), cert.pem())?;
        write_private(
            &staging.join(format!("{s}.key")),
            key.serialize_pem().as_bytes(),
        )?;
    }
    std::fs::write(staging.join("ca.crt"), ca_cert.pem())?;
    match std::fs::rename(&staging, dir) {
        Ok(()) => Ok(true),
        // Made meanwhile by another process, or an empty directory is in the way.
        Err(_) if dir.join("ca.crt").exists() => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(false)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e).with_context(|| format!("moving the new certificates to {}", dir.display()))
        }
    }
}

/// A new directory in `parent` that only its owner may enter.
fn tempdir_in(parent: &Path) -> anyhow::Result<std::path::PathBuf> {
    let path = parent.join(format!(".certs-{}", uuid::Uuid::new_v4().simple()));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(dir: &Path, service: ServiceName) -> Vec<CertificateDer<'static>> {
        pem_certificates(&std::fs::read(dir.join(format!("{}.crt", service.as_str()))).unwrap())
            .unwrap()
    }

    #[test]
    fn init_makes_a_certificate_per_service_naming_it_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("certs");
        assert!(init(&dir).unwrap());
        assert!(!init(&dir).unwrap(), "a second init keeps what is there");
        for s in ServiceName::ALL {
            assert_eq!(peer_service(&leaf(&dir, s)), Some(s));
            ServiceTls::load(&dir, s).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(dir.join(format!("{}.key", s.as_str())))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o077, 0, "{s}.key is readable by others");
            }
        }
        assert!(!dir.join("ca.key").exists(), "the CA's key is not kept");
        // Files swapped by mistake are caught at load.
        std::fs::copy(dir.join("reporting.crt"), dir.join("collection.crt")).unwrap();
        let err = ServiceTls::load(&dir, ServiceName::Collection)
            .unwrap_err()
            .to_string();
        assert!(err.contains("collection.seip.internal"), "{err}");
        assert_eq!(peer_service(&[]), None);
    }
}
