//! The outside world arrears enforcement talks to: each a trait, a client of the real
//! system's protocol, and a simulator speaking the same protocol for tests and the demo.

pub mod auction;
pub mod registry;

pub(crate) use seip_runtime::ports::https_client;

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

pub use seip_runtime::ports::serve;
