//! `seip`: run the services, the demo, and operator tools.

mod arrears_cmd;
#[cfg(feature = "bench")]
mod bench_cmd;
#[cfg(feature = "bench")]
mod bench_common;
#[cfg(feature = "bench")]
mod bench_enforcement;
mod demo;
mod feed_cmd;
mod rules_cmd;
mod session;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use seip_core::Clock;
use seip_runtime::telemetry::{self, TelemetryOptions};
use seip_runtime::{ServiceName, Settings};

/// Seip (세입): the revenue back office of a Korean municipality.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// TOML config file (settings can also come from SEIP_* environment variables).
    #[arg(long, global = true, env = "SEIP_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve one service, or `all` four in one process (still talking gRPC over loopback).
    Serve {
        /// assessment, collection, arrears-enforcement, reporting, or all.
        service: String,
    },
    /// Provision and migrate the store of one service or all, then exit: on PostgreSQL the
    /// privileged step (roles, schema, tables owned by each schema's owner role, grants) that
    /// the services, connecting as their own DML-only roles, never do themselves.
    Migrate {
        /// assessment, collection, arrears-enforcement, reporting, or all.
        service: String,
        /// A PostgreSQL URL of a role that may create roles and schemas (instead of
        /// `database_url`); only this step ever holds it.
        #[arg(long, env = "SEIP_MIGRATE_ADMIN_URL", hide_env_values = true)]
        admin_url: Option<String>,
    },
    /// Start everything on a fresh store, generate a municipality, and play a half-year:
    /// levy, payments through the treasury file, due-date close, the month's report.
    Demo(demo::DemoArgs),
    /// The treasury feed: import receipt files and deposit statements, see where they stand.
    Feed {
        #[command(subcommand)]
        cmd: feed_cmd::FeedCommand,
    },
    /// Arrears enforcement: demand runs, cases, seizures, demand documents.
    Arrears {
        #[command(subcommand)]
        cmd: arrears_cmd::ArrearsCommand,
    },
    /// Simulators of the outside systems Seip talks to, speaking their protocols, for
    /// development and integration tests.
    Sim {
        #[command(subcommand)]
        cmd: SimCommand,
    },
    /// Bills: export them with their amounts due.
    Bills {
        #[command(subcommand)]
        cmd: feed_cmd::BillsCommand,
    },
    /// Measure Seip at volume against a baseline run beside it (built with `--features bench`).
    #[cfg(feature = "bench")]
    Bench {
        #[command(subcommand)]
        cmd: bench_cmd::BenchCommand,
    },
    /// Operations: what is stuck and needs a person.
    Ops {
        #[command(subcommand)]
        cmd: OpsCommand,
    },
    /// Development tokens, signed with the embedded default's key in the data directory.
    Token {
        #[command(subcommand)]
        cmd: TokenCommand,
    },
    /// Service certificates for the internal listeners (mutual TLS between services).
    Certs {
        #[command(subcommand)]
        cmd: CertsCommand,
    },
    /// Evaluate a rule of law from the command line; prints JSON.
    Rules {
        #[command(subcommand)]
        cmd: rules_cmd::RulesCommand,
    },
}

#[derive(Debug, Subcommand)]
enum SimCommand {
    /// The registries' gateway (vehicle register, land registry, banks, employers): orders
    /// register on the day ordered; `POST /_sim/refuse` and `/_sim/hold` with
    /// `{"assetRef": …}` make it refuse or hold one. Point `SEIP_ENFORCEMENT__REGISTRY_URL`
    /// at it.
    Registry {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50171")]
        listen: std::net::SocketAddr,
    },
    /// The auction platform public auctions are delegated to: the agency API, and
    /// `POST /_sim/listings/{id}/bids` (`{"bidderRef", "amount", "deposit"}`) and
    /// `POST /_sim/listings/{id}/settlement` (`{"paidOn", "amount"}`) for bidders and buyers.
    /// Point `SEIP_ENFORCEMENT__AUCTION_URL` at it.
    Auction {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50172")]
        listen: std::net::SocketAddr,
    },
    /// The certified e-document relay (KakaoTalk AlimTalk, recipients matched by their CI)
    /// and the SMS gateway notices go out by, with signed requests as the providers check
    /// them; `POST /_sim/recipients` (`{"ci", "behaves": "delivers" | "reads" |
    /// "unreachable"}`), `/_sim/read` (`{"ci"}`), `/_sim/failing-numbers` (`{"number"}`) and
    /// `/_sim/outage` (`{"requests"}`) steer it. Point `SEIP_NOTICES__RELAY_URL` at it.
    Relay {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50173")]
        listen: std::net::SocketAddr,
        /// The access key requests must carry.
        #[arg(long, default_value = "simulated")]
        access_key: String,
        /// The secret key requests must be signed with.
        #[arg(long, env = "SEIP_SIM_RELAY_SECRET_KEY", default_value = "simulated")]
        secret_key: String,
    },
}

#[derive(Debug, Subcommand)]
enum OpsCommand {
    /// Reseal every taxpayer's personal data under the current `pii_key`, bound to its row,
    /// and recompute the blind index with the index key in force: after a key rotation,
    /// before the old key leaves `pii_previous_keys`.
    RekeyPii,
    /// The treasury imports collection quarantined (a part of the file failed the same way
    /// again and again), with why; or, with `--retry`, put one back to be applied.
    Imports {
        /// Retry this import (its id) once the cause is put right.
        #[arg(long)]
        retry: Option<uuid::Uuid>,
    },
    /// The events a service's outbox parked (refused as malformed, quarantined after being
    /// refused again and again, or parked by hand); with `--release`, put one back in its
    /// queue; with `--park`, set one aside by hand.
    Events {
        /// assessment or collection (the services that produce events).
        #[arg(long)]
        service: String,
        /// Release this event (its id) to be delivered again.
        #[arg(long, requires = "consumer", conflicts_with = "park")]
        release: Option<String>,
        /// Park this event (its id), not yet delivered, by hand: the events after it flow on
        /// until it is released.
        #[arg(long, requires_all = ["consumer", "why"])]
        park: Option<String>,
        /// Why it is parked (kept with it).
        #[arg(long)]
        why: Option<String>,
        /// The consumer to release it to: reporting, arrears-enforcement, collection.
        #[arg(long)]
        consumer: Option<String>,
    },
}

async fn ops(cmd: OpsCommand, settings: &Settings) -> anyhow::Result<()> {
    let (service, release, park, why, consumer) = match cmd {
        OpsCommand::Imports { retry } => return ops_imports(retry, settings).await,
        OpsCommand::RekeyPii => {
            let db = seip_runtime::db::connect(settings, ServiceName::Assessment).await?;
            let n = seip_assessment::app::rekey_pii(&db, &seip::pii_cipher(settings)?).await?;
            println!("{n} taxpayers resealed under the current key");
            return Ok(());
        }
        OpsCommand::Events {
            service,
            release,
            park,
            why,
            consumer,
        } => (service, release, park, why, consumer),
    };
    let service = ServiceName::parse(&service)
        .ok_or_else(|| anyhow::anyhow!("unknown service {service:?}"))?;
    let db = seip_runtime::db::connect(settings, service).await?;
    if let (Some(event), Some(consumer), Some(why)) = (&park, &consumer, &why) {
        let consumer = ServiceName::parse(consumer)
            .ok_or_else(|| anyhow::anyhow!("unknown consumer {consumer:?}"))?;
        let n =
            seip_runtime::outbox::park(&db, event, consumer.as_str(), why, Clock::system().now())
                .await?;
        anyhow::ensure!(n > 0, "event {event} is not waiting for {consumer}");
        println!(
            "parked {event} for {consumer}: the events after it flow on; --release puts it back"
        );
        return Ok(());
    }
    if let (Some(event), Some(consumer)) = (release, consumer) {
        let consumer = ServiceName::parse(&consumer)
            .ok_or_else(|| anyhow::anyhow!("unknown consumer {consumer:?}"))?;
        let n = seip_runtime::outbox::release(&db, &event, consumer.as_str()).await?;
        anyhow::ensure!(n > 0, "event {event} is not parked for {consumer}");
        println!("released {event} to {consumer}: it is delivered again, in order");
        return Ok(());
    }
    let parked = seip_runtime::outbox::parked(&db, 1000).await?;
    let mut t = seip::display::table([
        "event",
        "consumer",
        "type",
        "tenant",
        "attempts",
        "parked at",
        "why",
    ]);
    for p in &parked {
        t.add_row(vec![
            p.event_id.clone(),
            p.consumer.clone(),
            p.event_type.clone(),
            p.tenant_code.clone(),
            p.attempts.to_string(),
            p.parked_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            p.last_error.clone().unwrap_or_default(),
        ]);
    }
    println!("{} events parked in {service}'s outbox\n{t}", parked.len());
    Ok(())
}

async fn ops_imports(retry: Option<uuid::Uuid>, settings: &Settings) -> anyhow::Result<()> {
    let db = seip_runtime::db::connect(settings, ServiceName::Collection).await?;
    if let Some(id) = retry {
        anyhow::ensure!(
            seip_collection::jobs::retry(&db, id).await?,
            "import {id} is not quarantined"
        );
        println!(
            "import {id} is put back: the running collection service applies it from its first part not applied"
        );
        return Ok(());
    }
    let stuck = seip_collection::jobs::quarantined(&db).await?;
    let mut t = seip::display::table([
        "import",
        "municipality",
        "file",
        "applied",
        "failures",
        "why",
    ]);
    for m in &stuck {
        t.add_row(vec![
            m.id.to_string(),
            m.tenant_code.clone(),
            m.file_name.clone(),
            format!("{} of {}", m.records_applied, m.records),
            m.failures.to_string(),
            m.last_error.clone().unwrap_or_default(),
        ]);
    }
    println!("{} imports quarantined\n{t}", stuck.len());
    Ok(())
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a token for a person (development only: production tokens come from the
    /// municipality's identity provider).
    Issue {
        /// Who (the audited actor).
        #[arg(long)]
        subject: String,
        /// A municipality they act for (5-digit code); repeat for more.
        #[arg(long = "tenant", required = true)]
        tenants: Vec<String>,
        /// A role: viewer, assessor, collector, enforcement_officer, supervisor, auditor,
        /// treasury_bank, field_crew; repeat for more.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Hours the token is valid.
        #[arg(long, default_value_t = 8)]
        hours: i64,
    },
    /// Print the development key's JWKS, for services told to trust it
    /// (`SEIP_AUTH__JWKS_FILE`).
    Jwks,
}

fn token(cmd: TokenCommand, settings: &Settings) -> anyhow::Result<()> {
    let issuer = seip::development_issuer(settings)?;
    match cmd {
        TokenCommand::Issue {
            subject,
            tenants,
            roles,
            hours,
        } => {
            let tenants = tenants
                .iter()
                .map(|t| seip_core::TenantCode::parse_field(t, "tenant"))
                .collect::<Result<Vec<_>, _>>()?;
            let roles = roles
                .iter()
                .map(|r| r.parse::<seip_runtime::auth::Role>())
                .collect::<Result<Vec<_>, _>>()?;
            println!(
                "{}",
                issuer.issue(
                    &subject,
                    &tenants,
                    &roles,
                    Clock::system().now(),
                    chrono::Duration::hours(hours),
                )?
            );
        }
        TokenCommand::Jwks => println!("{}", issuer.jwks()),
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
enum CertsCommand {
    /// Make a development CA and a certificate and key for every service in a directory
    /// (`SEIP_TLS__DIR`). The CA's key is not kept. Production takes certificates from the
    /// municipality's own CA, each service mounting only its own key.
    Init {
        /// The directory (default: `certs` in the data directory, which the embedded default
        /// uses when `SEIP_TLS__DIR` is unset).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn certs(cmd: CertsCommand, settings: &Settings) -> anyhow::Result<()> {
    let CertsCommand::Init { dir } = cmd;
    let dir = dir.unwrap_or_else(|| settings.data_dir.join("certs"));
    if seip_runtime::tls::init(&dir)? {
        println!(
            "made a CA and certificates for {} in {}",
            ServiceName::ALL
                .map(seip_runtime::tls::service_dns_name)
                .join(", "),
            dir.display()
        );
    } else {
        println!("{} already holds a CA; nothing changed", dir.display());
    }
    Ok(())
}

fn services(arg: &str) -> anyhow::Result<Vec<ServiceName>> {
    if arg == "all" {
        return Ok(ServiceName::ALL.to_vec());
    }
    ServiceName::parse(arg)
        .map(|s| vec![s])
        .ok_or_else(|| anyhow::anyhow!("unknown service {arg:?}: expected assessment, collection, arrears-enforcement, reporting or all"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules { cmd } => rules_cmd::run(cmd),
        Command::Token { cmd } => token(cmd, &Settings::load(cli.config.as_deref())?),
        Command::Certs { cmd } => certs(cmd, &Settings::load(cli.config.as_deref())?),
        Command::Ops { cmd } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            ops(cmd, &settings).await
        }
        Command::Serve { service } => {
            let services = services(&service)?;
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            let platform = seip::Platform::start(settings, Clock::system(), &services).await?;
            seip_runtime::grpc::shutdown_signal().await;
            tracing::info!("shutting down");
            platform.shutdown().await
        }
        Command::Migrate { service, admin_url } => {
            let mut settings = Settings::load(cli.config.as_deref())?;
            if let Some(url) = admin_url {
                settings.database_url = Some(url.into());
            }
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            for s in services(&service)? {
                seip::prepare_store(&settings, s).await?;
                tracing::info!(service = s.as_str(), "migrated");
            }
            Ok(())
        }
        Command::Demo(args) => demo::run(args, cli.config.as_deref()).await,
        #[cfg(feature = "bench")]
        Command::Bench { cmd } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            bench_cmd::run(cmd).await
        }
        Command::Feed { cmd } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            feed_cmd::feed(cmd, cli.config.as_deref()).await
        }
        Command::Arrears { cmd } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            arrears_cmd::run(cmd, cli.config.as_deref()).await
        }
        Command::Sim {
            cmd: SimCommand::Registry { listen },
        } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            println!("registries simulated at http://{}", listener.local_addr()?);
            seip_arrears_enforcement::ports::registry::RegistrySimulator::new()
                .serve(listener, seip_runtime::grpc::shutdown_signal())
                .await?;
            Ok(())
        }
        Command::Sim {
            cmd: SimCommand::Auction { listen },
        } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            println!(
                "auction platform simulated at http://{}",
                listener.local_addr()?
            );
            seip_arrears_enforcement::ports::auction::AuctionSimulator::new()
                .serve(listener, seip_runtime::grpc::shutdown_signal())
                .await?;
            Ok(())
        }
        Command::Sim {
            cmd:
                SimCommand::Relay {
                    listen,
                    access_key,
                    secret_key,
                },
        } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            println!(
                "message relay and SMS gateway simulated at http://{}",
                listener.local_addr()?
            );
            seip_assessment::ports::relay::RelaySimulator::new(
                &access_key,
                &secret_key,
                seip_core::Clock::system(),
            )
            .serve(listener, seip_runtime::grpc::shutdown_signal())
            .await?;
            Ok(())
        }
        Command::Bills { cmd } => {
            let settings = Settings::load(cli.config.as_deref())?;
            let _guard = telemetry::init(&settings, TelemetryOptions::default())?;
            feed_cmd::bills(cmd, cli.config.as_deref()).await
        }
    }
}
