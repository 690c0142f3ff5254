//! Plumbing the services' ports share: the HTTPS client of an outside system's gateway and
//! the server a simulator of it runs on.

use std::sync::Arc;

/// An HTTP client for a gateway of the outside world: HTTPS trusting only the CA
/// certificates of `ca_pem` (the government PKI's, or the provider's), 20 seconds a call.
pub fn https_client(ca_pem: Option<&[u8]>) -> anyhow::Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        use rustls_pki_types::pem::PemObject;
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
            roots.add(cert?)?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(std::time::Duration::from_secs(20))
        .build()?)
}

/// Serve a simulator's `router` on `listener` until `stop` resolves.
pub async fn serve(
    router: axum::Router,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(stop)
        .await
}
