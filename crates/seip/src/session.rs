//! A command-line session with one service: its channel, with the caller's token, and the
//! in-process platform serving it when the command runs with `--local`.

use std::path::Path;

use seip_core::{Clock, TenantCode};
use seip_runtime::auth::Role;
use seip_runtime::grpc::{self, Channel};
use seip_runtime::{ServiceName, Settings};

/// A channel to a service, and the in-process platform serving it with `--local`.
pub struct Session {
    /// The channel, presenting the caller's token.
    pub channel: Channel,
    local: Option<seip::Platform>,
}

/// A development token for `tenant` with `role`, signed with the embedded default's key,
/// for the user running the command.
fn development_token(settings: &Settings, tenant: &str, role: Role) -> anyhow::Result<String> {
    let tenant = TenantCode::parse_field(tenant, "tenant")?;
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".to_owned());
    seip::development_issuer(settings)?.issue(
        &format!("cli.{user}"),
        &[tenant],
        &[role],
        Clock::system().now(),
        chrono::Duration::minutes(30),
    )
}

impl Session {
    /// A session with `service` at `url` (default: the configured endpoint) acting for
    /// `tenant` in `role`, presenting `token` (default, on the embedded store: a development
    /// token); with `local`, Seip runs in this process on the configured store instead.
    pub async fn open(
        service: ServiceName,
        url: Option<&str>,
        token: Option<&str>,
        local: bool,
        config: Option<&Path>,
        tenant: &str,
        role: Role,
    ) -> anyhow::Result<Self> {
        let settings = Settings::load(config)?;
        let token = match token {
            Some(t) => t.to_owned(),
            None if !settings.uses_postgres() => development_token(&settings, tenant, role)?,
            None => anyhow::bail!(
                "a token is required: pass --token or set SEIP_TOKEN (your identity provider issues it)"
            ),
        };
        if !local {
            let url = url
                .map(str::to_owned)
                .unwrap_or_else(|| settings.endpoint(service));
            let probe = tonic::transport::Endpoint::from_shared(url.clone())?
                .connect_timeout(std::time::Duration::from_secs(5))
                .connect()
                .await;
            if probe.is_err() {
                anyhow::bail!(
                    "no {service} service answers at {url}: start one (`seip serve all`), give its URL, or run Seip in this process with --local"
                );
            }
            return Ok(Self {
                channel: grpc::channel_with_token(&url, &token)?,
                local: None,
            });
        }
        eprintln!(
            "Running Seip in this process on {}.",
            if settings.uses_postgres() {
                "the configured PostgreSQL".to_owned()
            } else {
                settings.data_dir.display().to_string()
            }
        );
        let mut settings = settings;
        let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        settings.listen = seip_runtime::config::PerService::all(any);
        settings.endpoints = None;
        settings.internal_listen = seip_runtime::config::PerService::all(any);
        settings.internal_endpoints = None;
        let platform = seip::Platform::start_all(settings, Clock::system()).await?;
        Ok(Self {
            channel: grpc::channel_with_token(&platform.endpoint(service), &token)?,
            local: Some(platform),
        })
    }

    /// End the session: an in-process platform delivers its events and stops.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(p) = self.local {
            p.drain_events().await?;
            p.shutdown().await?;
        }
        Ok(())
    }
}
