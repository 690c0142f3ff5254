//! gRPC plumbing shared by every service: a server with health, reflection, request spans
//! that continue the caller's trace, graceful shutdown; and client channels that carry the
//! current trace onward.

use std::future::Future;

use opentelemetry::global;
use opentelemetry::propagation::{Extractor, Injector};
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Endpoint, Server};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::config::ServiceName;

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            value.parse(),
        ) {
            self.0.insert(k, v);
        }
    }
}

/// The span of one incoming call, named after the gRPC path, child of the caller's trace.
fn server_span(service: ServiceName, req: &http::Request<()>) -> tracing::Span {
    let path = req.uri().path();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let span = tracing::info_span!(
        "grpc.server",
        otel.name = %path,
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.method = %path,
        seip.service = service.as_str(),
        request_id = %request_id,
    );
    let parent = global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(req.headers())));
    let _ = span.set_parent(parent);
    span
}

/// Calls one client connection may have in progress at once.
pub const CONCURRENT_CALLS_PER_CONNECTION: usize = 64;

/// Serve `routes` for `service` on `listener` until `shutdown` completes, with gRPC health
/// (every name in `health_names` reported serving) and server reflection listing those
/// services and health; over TLS when `tls` is given (the internal listener).
pub async fn serve(
    service: ServiceName,
    listener: TcpListener,
    routes: Routes,
    health_names: &[&str],
    tls: Option<tonic::transport::ServerTlsConfig>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in health_names {
        reporter
            .set_service_status(*name, tonic_health::ServingStatus::Serving)
            .await;
    }
    // Reflection lists what this port serves, not every Seip service: a client that lists
    // and calls what it sees must not meet `UNIMPLEMENTED`.
    let mut reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(seip_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name("grpc.health.v1.Health")
        .with_service_name("grpc.reflection.v1.ServerReflection");
    for name in health_names.iter().filter(|n| !n.is_empty()) {
        reflection = reflection.with_service_name(*name);
    }
    let reflection = reflection.build_v1()?;
    let routes = routes.add_service(health).add_service(reflection);
    tracing::info!(service = service.as_str(), addr = %listener.local_addr()?, tls = tls.is_some(), "serving");
    let mut server = Server::builder();
    if let Some(tls) = tls {
        server = server.tls_config(tls)?;
    }
    server
        // A peer that vanished (a cable pulled, a VM gone) is noticed and its streams closed,
        // instead of holding an upload or a watch open for ever.
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(10)))
        // One client cannot take every worker: calls beyond this on one connection wait.
        .concurrency_limit_per_connection(CONCURRENT_CALLS_PER_CONNECTION)
        .trace_fn(move |req| server_span(service, req))
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await?;
    tracing::info!(service = service.as_str(), "stopped");
    Ok(())
}

/// What every outgoing call carries: the current span's trace context, and the caller's
/// bearer token when the channel has one.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    bearer: Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>,
}

impl tonic::service::Interceptor for Outgoing {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let cx = tracing::Span::current().context();
        global::get_text_map_propagator(|p| {
            p.inject_context(&cx, &mut MetadataInjector(req.metadata_mut()));
        });
        if let Some(b) = &self.bearer {
            req.metadata_mut().insert("authorization", b.clone());
        }
        Ok(req)
    }
}

/// A client channel that carries trace context (and a token, if it was made with one).
pub type Channel = InterceptedService<tonic::transport::Channel, Outgoing>;

fn endpoint(url: &str) -> anyhow::Result<Endpoint> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(std::time::Duration::from_secs(5))
        .tcp_nodelay(true))
}

/// A channel to `url` that connects on first use (services may start in any order) and
/// reconnects after failures; its calls carry no identity.
pub fn channel(url: &str) -> anyhow::Result<Channel> {
    Ok(InterceptedService::new(
        endpoint(url)?.connect_lazy(),
        Outgoing::default(),
    ))
}

/// A channel to another service's internal listener at `url` (`https://…`), over mutual
/// TLS with `tls` ([`crate::tls::ServiceTls::client_config`]).
pub fn internal_channel(
    url: &str,
    tls: tonic::transport::ClientTlsConfig,
) -> anyhow::Result<Channel> {
    Ok(InterceptedService::new(
        endpoint(url)?.tls_config(tls)?.connect_lazy(),
        Outgoing::default(),
    ))
}

/// A channel to `url` whose every call presents `token` (`authorization: Bearer …`).
pub fn channel_with_token(url: &str, token: &str) -> anyhow::Result<Channel> {
    let bearer = format!("Bearer {token}")
        .parse()
        .map_err(|_| anyhow::anyhow!("the token is not a valid header value"))?;
    Ok(InterceptedService::new(
        endpoint(url)?.connect_lazy(),
        Outgoing {
            bearer: Some(bearer),
        },
    ))
}

/// Resolves when the process receives Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
