//! The outside world arrears enforcement talks to: each a trait, a client of the real
//! system's protocol, and a simulator speaking the same protocol for tests and the demo.

use std::sync::Arc;

pub mod auction;
pub mod registry;

/// An HTTP client for a gateway of the outside world: HTTPS trusting only the CA
/// certificates of `ca_pem` (the government PKI's, or the platform's), 20 seconds a call.
pub(crate) fn https_client(ca_pem: Option<&[u8]>) -> anyhow::Result<reqwest::Client> {
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

/// Send `request` for the municipality `agency` with its `key` (bearer), and decode the
/// JSON answer. A refusal is reported by its HTTP status alone: a gateway's body may echo
/// the request — a debtor, an asset, an address — which must not reach the logs.
pub(crate) async fn call<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    agency: &str,
    key: &str,
) -> Result<T, String> {
    let response = request
        .header("X-Agency-Code", agency)
        .bearer_auth(key)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    response
        .json::<T>()
        .await
        .map_err(|e| format!("answer does not decode: {}", e.without_url()))
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
