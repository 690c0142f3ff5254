//! The `seip` platform: starts any of the four services, or all of them in one process
//! (still talking gRPC over loopback), with their relays. The CLI (`main.rs`) and the
//! end-to-end tests both start Seip through [`Platform`].
//!
//! It wires services together and never holds business logic of its own.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use secrecy::ExposeSecret;
use seip_arrears_enforcement::ArrearsEnforcementApp;
use seip_arrears_enforcement::ports::auction::{
    AuctionPlatform, AuctionSimulator, HttpAuctionPlatform,
};
use seip_arrears_enforcement::ports::registry::{HttpRegistries, Registries, RegistrySimulator};
use seip_assessment::AssessmentApp;
use seip_assessment::app::delivery::DeliveryPorts;
use seip_assessment::domain::pii::PiiCipher;
use seip_assessment::ports::receivables::GrpcReceivables;
use seip_assessment::ports::relay::{RelaySimulator, SensClient};
use seip_collection::CollectionApp;
use seip_core::Clock;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_server::ArrearsEnforcementServiceServer;
use seip_proto::assessment::v1::assessment_service_server::AssessmentServiceServer;
use seip_proto::collection::v1::collection_query_service_server::CollectionQueryServiceServer;
use seip_proto::collection::v1::collection_service_server::CollectionServiceServer;
use seip_proto::common::v1::event_consumer_service_server::EventConsumerServiceServer;
use seip_proto::reporting::v1::reporting_service_server::ReportingServiceServer;
use seip_reporting::ReportingApp;
use seip_rules::calendar::HolidayCalendar;
use seip_runtime::auth::{Guard, Issuer, Verifier};
use seip_runtime::config::PerService;
use seip_runtime::files::write_private;
use seip_runtime::outbox::{EventConsumer, Relay};
use seip_runtime::{ServiceName, Settings, db, grpc};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::service::Routes;

pub mod display;
pub mod treasury;

/// Who consumes each producer's events.
fn consumers_of(service: ServiceName) -> &'static [ServiceName] {
    match service {
        ServiceName::Assessment => &seip_assessment::app::LEVY_CONSUMERS,
        ServiceName::Collection => &seip_collection::app::CONSUMERS,
        ServiceName::ArrearsEnforcement => &seip_arrears_enforcement::app::ALL_CONSUMERS,
        ServiceName::Reporting => &[],
    }
}

/// Make `service`'s store ready: provision its roles and schema (PostgreSQL), run its
/// migrations as the schema's owner, and grant its own role the rows and nothing more. Needs
/// the administrator's `database_url` on PostgreSQL (`seip migrate`).
pub async fn prepare_store(settings: &Settings, service: ServiceName) -> anyhow::Result<()> {
    let owner = db::connect_owner(settings, service)
        .await
        .with_context(|| format!("{service}: database (as the schema's owner)"))?;
    migrate(service, &owner)
        .await
        .with_context(|| format!("{service}: migrations"))?;
    db::grant_to_service(&owner, service).await?;
    owner.close().await?;
    Ok(())
}

/// The migrations of `service` that `db` has not applied. Read from sea-orm's own record
/// (`seaql_migrations`) directly: `get_pending_migrations` first creates that table if
/// missing, which a service's role, rightly, may not do.
async fn pending_migrations(
    service: ServiceName,
    db: &DatabaseConnection,
) -> anyhow::Result<Vec<String>> {
    use sea_orm::ConnectionTrait as _;
    let all = match service {
        ServiceName::Assessment => seip_assessment::store::migration::Migrator::migrations(),
        ServiceName::Collection => seip_collection::store::migration::Migrator::migrations(),
        ServiceName::ArrearsEnforcement => {
            seip_arrears_enforcement::store::migration::Migrator::migrations()
        }
        ServiceName::Reporting => seip_reporting::store::migration::Migrator::migrations(),
    };
    let applied = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await?
        .into_iter()
        .map(|r| r.try_get::<String>("", "version"))
        .collect::<Result<std::collections::HashSet<_>, _>>()?;
    Ok(all
        .iter()
        .map(|m| m.name().to_owned())
        .filter(|n| !applied.contains(n))
        .collect())
}

/// Run migrations of `service` on `db`.
pub async fn migrate(service: ServiceName, db: &DatabaseConnection) -> anyhow::Result<()> {
    match service {
        ServiceName::Assessment => {
            seip_assessment::store::migration::Migrator::up(db, None).await?
        }
        ServiceName::Collection => {
            seip_collection::store::migration::Migrator::up(db, None).await?
        }
        ServiceName::ArrearsEnforcement => {
            seip_arrears_enforcement::store::migration::Migrator::up(db, None).await?
        }
        ServiceName::Reporting => seip_reporting::store::migration::Migrator::up(db, None).await?,
    }
    Ok(())
}

/// The PII keys from settings, or (embedded default only) one kept in the data dir: the
/// current key, the keys it replaced, and the blind index's key (configured, or derived from
/// the first key there was).
pub fn pii_cipher(settings: &Settings) -> anyhow::Result<PiiCipher> {
    use seip_assessment::domain::pii::key_from_base64;
    let current = match &settings.pii_key {
        Some(k) => k.expose_secret().to_owned(),
        None if settings.uses_postgres() => anyhow::bail!(
            "pii_key is required with PostgreSQL: set SEIP_PII_KEY to 32 random bytes, base64"
        ),
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let path = settings.data_dir.join("pii.key");
            if !path.exists() {
                write_private(&path, PiiCipher::generate_key().as_bytes())?;
                tracing::warn!(path = %path.display(), "generated a PII key for the embedded store; keep it with the data");
            }
            std::fs::read_to_string(&path).context("pii.key")?
        }
    };
    let current = key_from_base64(&current, "pii_key")?;
    let previous = settings
        .pii_previous_keys
        .iter()
        .map(|k| key_from_base64(k.expose_secret(), "pii_previous_keys"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let index = match &settings.pii_index_key {
        Some(k) => key_from_base64(k.expose_secret(), "pii_index_key")?,
        None => {
            let first = previous.last().copied().unwrap_or(current);
            PiiCipher::derived_index_key(first)
        }
    };
    Ok(PiiCipher::new(current, previous, index))
}

/// The development identity provider of the embedded default: a signing key kept in the
/// data directory (created once, readable by its owner only), whose tokens the services
/// trust when no JWKS is configured. `seip token issue` and the demo sign with it.
pub fn development_issuer(settings: &Settings) -> anyhow::Result<Issuer> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let path = settings.data_dir.join("auth-dev.key");
    let (issuer, audience) = (&settings.auth.issuer, &settings.auth.audience);
    match std::fs::read(&path) {
        Ok(der) => Issuer::from_pkcs8(&der, issuer, audience)
            .with_context(|| format!("development signing key {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (made, der) = Issuer::generate(issuer, audience)?;
            write_private(&path, &der)?;
            tracing::warn!(path = %path.display(), "generated a development signing key; services on this data directory trust its tokens");
            Ok(made)
        }
        Err(e) => Err(e).with_context(|| format!("development signing key {}", path.display())),
    }
}

/// Who the services trust: the configured JWKS, or (embedded default only) the development
/// signing key.
pub fn verifier(settings: &Settings) -> anyhow::Result<Verifier> {
    let a = &settings.auth;
    if let Some(path) = &a.jwks_file {
        return Verifier::from_jwks_file(path, &a.issuer, &a.audience);
    }
    if settings.uses_postgres() {
        anyhow::bail!(
            "auth.jwks_file is required with PostgreSQL: set SEIP_AUTH__JWKS_FILE to your identity provider's JWKS (and SEIP_AUTH__ISSUER, SEIP_AUTH__AUDIENCE)"
        );
    }
    Verifier::from_jwks(
        &development_issuer(settings)?.jwks(),
        &a.issuer,
        &a.audience,
    )
}

/// Where the services' certificates are: the configured directory, or (embedded default
/// only) a development CA and certificates made once in `data_dir/certs`.
pub fn certificates_dir(settings: &Settings) -> anyhow::Result<std::path::PathBuf> {
    if let Some(dir) = &settings.tls.dir {
        return Ok(dir.clone());
    }
    if settings.uses_postgres() {
        anyhow::bail!(
            "tls.dir is required with PostgreSQL: set SEIP_TLS__DIR to a directory with ca.crt and each service's <service>.crt and <service>.key (`seip certs init --dir …` makes one for trying)"
        );
    }
    let dir = settings.data_dir.join("certs");
    if seip_runtime::tls::init(&dir)? {
        tracing::warn!(path = %dir.display(), "made a development CA and service certificates; services on this data directory trust them");
    }
    Ok(dir)
}

/// Whether `service` takes events (and so has an internal listener).
fn consumes_events(service: ServiceName) -> bool {
    ServiceName::ALL
        .into_iter()
        .any(|p| consumers_of(p).contains(&service))
}

/// One running service.
#[derive(Debug)]
struct Running {
    addr: std::net::SocketAddr,
    internal_addr: Option<std::net::SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    relay: Option<Relay>,
    db: DatabaseConnection,
}

/// Bind `addr` again, waiting out a socket of a stopped server that still holds it.
async fn rebind(addr: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    let mut tries = 0;
    loop {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) if tries < 50 => {
                tries += 1;
                tracing::debug!(error = %e, "address still in use; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Seip's services in this process.
#[derive(Debug)]
pub struct Platform {
    settings: Settings,
    clock: Clock,
    calendar: Arc<HolidayCalendar>,
    verifier: Verifier,
    certificates: std::path::PathBuf,
    running: HashMap<ServiceName, Running>,
    /// The outside systems arrears enforcement calls, when it runs here.
    ports: Option<EnforcementPorts>,
    /// The outside systems assessment delivers through, when it runs here.
    notice_ports: Option<NoticePorts>,
}

/// The outside systems arrears enforcement calls (ports), and the simulators started in
/// their place.
#[derive(Debug)]
struct EnforcementPorts {
    registries: Arc<dyn Registries>,
    auctions: Arc<dyn AuctionPlatform>,
    registry_simulator: Option<RegistrySimulator>,
    auction_simulator: Option<AuctionSimulator>,
    /// Stops the simulators.
    stop: watch::Sender<bool>,
}

/// Where a gateway is: its address, the municipality's key at it, its CA certificates.
struct Gateway {
    url: String,
    key: String,
    ca: Option<Vec<u8>>,
}

/// The gateway `name` as configured (`url`, `key`, `ca_file`), or, when none is and the
/// services prepare their own stores (development, tests, the demo), a simulator of its
/// protocol started on loopback by `serve` (true when it was). Production (services with
/// their own database URLs) refuses to start without the gateway (`env`).
async fn gateway(
    settings: &Settings,
    name: &str,
    env: &str,
    (url, key, ca_file): (
        &Option<String>,
        &Option<secrecy::SecretString>,
        &Option<std::path::PathBuf>,
    ),
    serve: impl FnOnce(TcpListener),
) -> anyhow::Result<(Gateway, bool)> {
    use secrecy::ExposeSecret as _;
    if let Some(url) = url {
        let ca = ca_file
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("{name} CA file {}", p.display())))
            .transpose()?;
        let key = key
            .as_ref()
            .map(|k| k.expose_secret().to_owned())
            .unwrap_or_default();
        return Ok((
            Gateway {
                url: url.clone(),
                key,
                ca,
            },
            false,
        ));
    }
    anyhow::ensure!(
        settings.service_database_urls.is_none(),
        "the {name} is required when the services have their own database URLs ({env})"
    );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    serve(listener);
    tracing::info!(%url, "{name} simulated (no {env})");
    Ok((
        Gateway {
            url,
            key: "simulated".into(),
            ca: None,
        },
        true,
    ))
}

/// Arrears enforcement's ports of `settings`: the registries' gateway and the auction
/// platform, or simulators of their protocols.
async fn enforcement_ports(settings: &Settings) -> anyhow::Result<EnforcementPorts> {
    let e = &settings.enforcement;
    let (stop, rx) = watch::channel(false);
    let registry_sim = RegistrySimulator::new();
    let (r, simulated) = gateway(
        settings,
        "registries' gateway",
        "SEIP_ENFORCEMENT__REGISTRY_URL",
        (&e.registry_url, &e.registry_key, &e.registry_ca_file),
        |l| {
            tokio::spawn(registry_sim.clone().serve(l, stopped(rx.clone())));
        },
    )
    .await?;
    let registry_simulator = simulated.then_some(registry_sim);
    let auction_sim = AuctionSimulator::new();
    let (a, simulated) = gateway(
        settings,
        "auction platform",
        "SEIP_ENFORCEMENT__AUCTION_URL",
        (&e.auction_url, &e.auction_key, &e.auction_ca_file),
        |l| {
            tokio::spawn(auction_sim.clone().serve(l, stopped(rx.clone())));
        },
    )
    .await?;
    let auction_simulator = simulated.then_some(auction_sim);
    Ok(EnforcementPorts {
        registries: Arc::new(HttpRegistries::new(&r.url, &r.key, r.ca.as_deref())?),
        auctions: Arc::new(HttpAuctionPlatform::new(&a.url, &a.key, a.ca.as_deref())?),
        registry_simulator,
        auction_simulator,
        stop,
    })
}

/// The outside systems assessment delivers notices through (ports), and the simulator
/// started in their place.
#[derive(Debug)]
struct NoticePorts {
    relay: Arc<SensClient>,
    relay_simulator: Option<RelaySimulator>,
    matching_secret: Arc<[u8]>,
    /// Stops the simulator.
    stop: watch::Sender<bool>,
}

/// The secret the simulated relay derives matching keys with.
const SIMULATED_MATCHING_SECRET: &[u8] = b"simulated matching secret";

/// Assessment's ports of `settings`: the certified relay and SMS gateway, or a simulator of
/// their protocol stamping with `clock`.
async fn notice_ports(settings: &Settings, clock: &Clock) -> anyhow::Result<NoticePorts> {
    use secrecy::ExposeSecret as _;
    let n = &settings.notices;
    let (stop, rx) = watch::channel(false);
    let sim = RelaySimulator::new(&n.relay_access_key, "simulated", clock.clone());
    let (g, simulated) = gateway(
        settings,
        "message relay",
        "SEIP_NOTICES__RELAY_URL",
        (&n.relay_url, &n.relay_secret_key, &n.relay_ca_file),
        |l| {
            tokio::spawn(sim.clone().serve(l, stopped(rx.clone())));
        },
    )
    .await?;
    let matching_secret: Arc<[u8]> = match (&n.matching_secret, simulated) {
        (Some(s), _) => Arc::from(s.expose_secret().as_bytes()),
        (None, true) => Arc::from(SIMULATED_MATCHING_SECRET),
        (None, false) => anyhow::bail!(
            "notices.matching_secret is required with a relay (SEIP_NOTICES__MATCHING_SECRET)"
        ),
    };
    Ok(NoticePorts {
        relay: Arc::new(SensClient::new(
            &g.url,
            &n.alimtalk_service_id,
            &n.sms_service_id,
            &n.relay_access_key,
            &g.key,
            g.ca.as_deref(),
        )?),
        relay_simulator: simulated.then_some(sim),
        matching_secret,
        stop,
    })
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

impl Platform {
    /// Start `services` with `settings` (listen port 0 picks a free port; the endpoints the
    /// services use to reach each other are set to the addresses actually bound).
    pub async fn start(
        mut settings: Settings,
        clock: Clock,
        services: &[ServiceName],
    ) -> anyhow::Result<Self> {
        let mut listeners = HashMap::new();
        for s in services {
            let l = TcpListener::bind(settings.listen.get(*s))
                .await
                .with_context(|| format!("{s}: cannot listen on {}", settings.listen.get(*s)))?;
            settings.listen.set(*s, l.local_addr()?);
            let internal = if consumes_events(*s) {
                let at = *settings.internal_listen.get(*s);
                let l = TcpListener::bind(at)
                    .await
                    .with_context(|| format!("{s}: cannot listen (internal) on {at}"))?;
                settings.internal_listen.set(*s, l.local_addr()?);
                Some(l)
            } else {
                None
            };
            listeners.insert(*s, (l, internal));
        }
        if settings.endpoints.is_none() {
            settings.endpoints = Some(PerService {
                assessment: format!("http://{}", settings.listen.assessment),
                collection: format!("http://{}", settings.listen.collection),
                arrears_enforcement: format!("http://{}", settings.listen.arrears_enforcement),
                reporting: format!("http://{}", settings.listen.reporting),
            });
        }
        if settings.internal_endpoints.is_none() {
            let l = &settings.internal_listen;
            settings.internal_endpoints = Some(PerService {
                assessment: format!("https://{}", l.assessment),
                collection: format!("https://{}", l.collection),
                arrears_enforcement: format!("https://{}", l.arrears_enforcement),
                reporting: format!("https://{}", l.reporting),
            });
        }
        let ports = if services.contains(&ServiceName::ArrearsEnforcement) {
            Some(enforcement_ports(&settings).await?)
        } else {
            None
        };
        if settings.notices.print_dir.is_none() {
            settings.notices.print_dir = Some(settings.data_dir.join("print"));
        }
        let notice_ports = if services.contains(&ServiceName::Assessment) {
            Some(notice_ports(&settings, &clock).await?)
        } else {
            None
        };
        let mut p = Self {
            ports,
            notice_ports,
            certificates: certificates_dir(&settings)?,
            verifier: verifier(&settings)?,
            settings,
            clock,
            calendar: Arc::new(HolidayCalendar::korea()),
            running: HashMap::new(),
        };
        for s in services {
            let (l, internal) = listeners.remove(s).context("listener")?;
            p.launch(*s, l, internal).await?;
        }
        Ok(p)
    }

    /// Start every service.
    pub async fn start_all(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        Self::start(settings, clock, &ServiceName::ALL).await
    }

    async fn launch(
        &mut self,
        service: ServiceName,
        listener: TcpListener,
        internal: Option<TcpListener>,
    ) -> anyhow::Result<()> {
        let tls = seip_runtime::tls::ServiceTls::load(&self.certificates, service)
            .with_context(|| format!("{service}: certificates"))?;
        // With the administrator's URL (development, tests) the service prepares its own
        // store; given its own role's URL (production) it only checks that `seip migrate` did.
        if self.settings.service_database_urls.is_none() {
            prepare_store(&self.settings, service).await?;
        }
        let db = db::connect(&self.settings, service)
            .await
            .with_context(|| format!("{service}: database"))?;
        let pending = pending_migrations(service, &db).await.with_context(|| {
            format!("{service}: reading which migrations ran (has `seip migrate {service}` run?)")
        })?;
        anyhow::ensure!(
            pending.is_empty(),
            "{service}: {} migrations are not applied (the first: {}): run `seip migrate {service} --admin-url …`",
            pending.len(),
            pending.first().map(String::as_str).unwrap_or_default()
        );
        let consumers = consumers_of(service);
        let relay = if consumers.is_empty() {
            None
        } else {
            let mut chans = HashMap::new();
            for c in consumers {
                chans.insert(
                    *c,
                    grpc::internal_channel(
                        &self.settings.internal_endpoint(*c),
                        tls.client_config(*c),
                    )?,
                );
            }
            Some(Relay::new(
                db.clone(),
                service,
                chans,
                self.settings.relay.clone(),
            ))
        };
        let waker = relay.as_ref().map(Relay::waker).unwrap_or_default();
        let clock = self.clock.clone();
        let mut jobs = None;
        let mut timers = None;
        let mut follow_ups = None;
        // The public listener (people, with tokens) and, for a consumer, the internal one
        // (other services, with certificates) where events are delivered.
        let (routes, health, events): (Routes, &[&str], Option<Routes>) = match service {
            ServiceName::Assessment => {
                let app = self.assessment_app(db.clone(), waker)?;
                follow_ups = Some((
                    app.clone(),
                    std::time::Duration::from_millis(self.settings.notices.follow_up_ms.max(1)),
                ));
                (
                    Routes::new(Guard::new(
                        AssessmentServiceServer::new(app.clone()),
                        &seip_assessment::grpc::POLICY,
                        self.verifier.clone(),
                    )),
                    &["", "seip.assessment.v1.AssessmentService"],
                    Some(Routes::new(EventConsumerServiceServer::new(
                        EventConsumer::new(
                            db.clone(),
                            seip_assessment::events::handlers(app),
                            clock,
                        ),
                    ))),
                )
            }
            ServiceName::Collection => {
                let app = CollectionApp::new(db.clone(), clock.clone(), waker)
                    .with_feed(self.settings.feed.clone())
                    .with_approval(self.settings.approval.clone());
                jobs = Some(app.clone());
                (
                    Routes::new(Guard::new(
                        CollectionServiceServer::new(app.clone()),
                        &seip_collection::grpc::POLICY,
                        self.verifier.clone(),
                    )),
                    &["", "seip.collection.v1.CollectionService"],
                    Some(
                        Routes::new(EventConsumerServiceServer::new(EventConsumer::new(
                            db.clone(),
                            seip_collection::events::handlers(app.clone()),
                            clock,
                        )))
                        .add_service(CollectionQueryServiceServer::new(
                            seip_collection::internal::CollectionQueries::new(app),
                        )),
                    ),
                )
            }
            ServiceName::ArrearsEnforcement => {
                let app = self.arrears_app(db.clone(), waker)?;
                let every = std::time::Duration::from_millis(
                    self.settings.enforcement.timer_poll_ms.max(1),
                );
                timers = Some((app.clone(), every));
                (
                    Routes::new(Guard::new(
                        ArrearsEnforcementServiceServer::new(app.clone()),
                        &seip_arrears_enforcement::grpc::POLICY,
                        self.verifier.clone(),
                    )),
                    &["", "seip.arrears_enforcement.v1.ArrearsEnforcementService"],
                    Some(Routes::new(EventConsumerServiceServer::new(
                        EventConsumer::new(
                            db.clone(),
                            seip_arrears_enforcement::events::handlers(app),
                            clock,
                        ),
                    ))),
                )
            }
            ServiceName::Reporting => {
                let app = ReportingApp::new(db.clone());
                (
                    Routes::new(Guard::new(
                        ReportingServiceServer::new(app.clone()),
                        &seip_reporting::grpc::POLICY,
                        self.verifier.clone(),
                    )),
                    &["", "seip.reporting.v1.ReportingService"],
                    Some(Routes::new(EventConsumerServiceServer::new(
                        EventConsumer::new(
                            db.clone(),
                            seip_reporting::events::handlers(app),
                            clock,
                        ),
                    ))),
                )
            }
        };
        let (stop, rx) = watch::channel(false);
        let addr = listener.local_addr()?;
        let mut tasks = Vec::new();
        let serve_rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) =
                grpc::serve(service, listener, routes, health, None, stopped(serve_rx)).await
            {
                tracing::error!(service = service.as_str(), error = %e, "server failed");
            }
        }));
        let internal_addr = match (internal, events) {
            (Some(listener), Some(events)) => {
                let at = listener.local_addr()?;
                let serve_rx = rx.clone();
                let config = tls.server_config();
                tasks.push(tokio::spawn(async move {
                    let health = ["", "seip.common.v1.EventConsumerService"];
                    if let Err(e) =
                        grpc::serve(service, listener, events, &health, Some(config), stopped(serve_rx))
                            .await
                    {
                        tracing::error!(service = service.as_str(), error = %e, "internal server failed");
                    }
                }));
                Some(at)
            }
            (None, None) => None,
            _ => anyhow::bail!(
                "{service}: an internal listener without events to take, or the reverse"
            ),
        };
        if let Some(app) = jobs {
            tasks.push(tokio::spawn(app.run_jobs(stopped(rx.clone()))));
        }
        if let Some((app, every)) = timers {
            tasks.push(tokio::spawn(app.run_timers(every, stopped(rx.clone()))));
        }
        if let Some((app, every)) = follow_ups {
            tasks.push(tokio::spawn(app.run_follow_ups(every, stopped(rx.clone()))));
        }
        if let Some(r) = &relay {
            let r = r.clone();
            tasks.push(tokio::spawn(r.run(stopped(rx))));
        }
        self.running.insert(
            service,
            Running {
                addr,
                internal_addr,
                stop,
                tasks,
                relay,
                db,
            },
        );
        Ok(())
    }

    /// Stop one service (its server, relay and jobs), as a crash or a deploy would.
    pub async fn stop_service(&mut self, service: ServiceName) -> anyhow::Result<()> {
        if let Some(r) = self.running.remove(&service) {
            let _ = r.stop.send(true);
            for t in r.tasks {
                let _ = t.await;
            }
            r.db.close().await?;
        }
        Ok(())
    }

    /// Start a stopped service again on the same addresses and store.
    pub async fn restart_service(&mut self, service: ServiceName) -> anyhow::Result<()> {
        let listener = rebind(*self.settings.listen.get(service)).await?;
        let internal = if consumes_events(service) {
            Some(rebind(*self.settings.internal_listen.get(service)).await?)
        } else {
            None
        };
        self.launch(service, listener, internal).await
    }

    /// The URL of a running service.
    pub fn endpoint(&self, service: ServiceName) -> String {
        self.running
            .get(&service)
            .map(|r| format!("http://{}", r.addr))
            .unwrap_or_else(|| self.settings.endpoint(service))
    }

    /// The URL of a running service's internal listener (mutual TLS), if it has one.
    pub fn internal_endpoint(&self, service: ServiceName) -> Option<String> {
        self.running
            .get(&service)
            .and_then(|r| r.internal_addr)
            .map(|a| format!("https://{a}"))
    }

    /// The directory of the services' certificates.
    pub fn certificates(&self) -> &std::path::Path {
        &self.certificates
    }

    /// The database of a running service (tests inspect the outbox through it).
    pub fn database(&self, service: ServiceName) -> Option<&DatabaseConnection> {
        self.running.get(&service).map(|r| &r.db)
    }

    /// Deliver every pending event now, until every outbox is empty (or a delivery fails).
    /// Returns the number of events still pending.
    pub async fn drain_events(&self) -> anyhow::Result<u64> {
        // A delivery the relay's own loop holds at the moment, or one waiting out a short
        // backoff, is not this drain's to make: wait for it a little (up to a second of no
        // progress) before counting what is left.
        let mut idle = 0;
        for _ in 0..1_000 {
            let mut progressed = false;
            for r in self.running.values() {
                if let Some(relay) = &r.relay {
                    let p = relay.drain().await?;
                    progressed |= p.delivered > 0;
                }
            }
            if progressed {
                idle = 0;
                continue;
            }
            let pending = self.pending_events().await?;
            if pending == 0 || idle >= 50 {
                return Ok(pending);
            }
            idle += 1;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.pending_events().await
    }

    async fn pending_events(&self) -> anyhow::Result<u64> {
        let mut pending = 0;
        for r in self.running.values() {
            if r.relay.is_some() {
                pending += seip_runtime::outbox::stats(&r.db).await?.pending;
            }
        }
        Ok(pending)
    }

    /// Fire arrears enforcement's timers whose business day has come, now, as its scheduler
    /// does on each look (tests and the demo move the clock, then call this). Returns how
    /// many fired.
    pub async fn run_timers(&self) -> anyhow::Result<u64> {
        let r = self
            .running
            .get(&ServiceName::ArrearsEnforcement)
            .context("arrears-enforcement is not running")?;
        let app = self.arrears_app(
            r.db.clone(),
            r.relay.as_ref().map(Relay::waker).unwrap_or_default(),
        )?;
        Ok(app.run_due_timers().await?)
    }

    /// Follow up the notices under way now (tests and the demo move the clock, then call
    /// this): results, failover, expiry, the print-vendor batch.
    pub async fn follow_up_notices(
        &self,
    ) -> anyhow::Result<seip_assessment::app::delivery::FollowUp> {
        let r = self
            .running
            .get(&ServiceName::Assessment)
            .context("assessment is not running")?;
        let app = self.assessment_app(
            r.db.clone(),
            r.relay.as_ref().map(Relay::waker).unwrap_or_default(),
        )?;
        Ok(app.follow_up_all().await?)
    }

    /// Assessment over `db` with this platform's clock, calendar, key, settings and ports;
    /// `waker` wakes its relay.
    fn assessment_app(
        &self,
        db: DatabaseConnection,
        waker: Arc<tokio::sync::Notify>,
    ) -> anyhow::Result<AssessmentApp> {
        let ports = self
            .notice_ports
            .as_ref()
            .context("assessment: its ports were not set up")?;
        let tls = seip_runtime::tls::ServiceTls::load(&self.certificates, ServiceName::Assessment)?;
        let collection = grpc::internal_channel(
            &self.settings.internal_endpoint(ServiceName::Collection),
            tls.client_config(ServiceName::Collection),
        )?;
        Ok(AssessmentApp::new(
            db,
            self.clock.clone(),
            self.calendar.clone(),
            pii_cipher(&self.settings)?,
            waker,
        )
        .with_notices(self.settings.notices.clone())
        .with_delivery(DeliveryPorts {
            relay: ports.relay.clone(),
            sms: ports.relay.clone(),
            receivables: Arc::new(GrpcReceivables::new(collection)),
            matching_secret: ports.matching_secret.clone(),
        }))
    }

    /// The message relay's simulator, when the platform started one (no relay configured):
    /// tests and the demo tell it who reads, who is unreachable, when it is down.
    pub fn relay_simulator(&self) -> Option<&RelaySimulator> {
        self.notice_ports.as_ref()?.relay_simulator.as_ref()
    }

    /// The secret matching keys are derived with (tests find a recipient's key by it).
    pub fn matching_secret(&self) -> Option<&[u8]> {
        self.notice_ports.as_ref().map(|p| &*p.matching_secret)
    }

    /// Arrears enforcement over `db` with this platform's clock, calendar, ports and
    /// settings; `waker` wakes its relay.
    fn arrears_app(
        &self,
        db: DatabaseConnection,
        waker: Arc<tokio::sync::Notify>,
    ) -> anyhow::Result<ArrearsEnforcementApp> {
        let ports = self
            .ports
            .as_ref()
            .context("arrears-enforcement: its ports were not set up")?;
        Ok(ArrearsEnforcementApp::new(
            db,
            self.clock.clone(),
            self.calendar.clone(),
            waker,
            ports.registries.clone(),
            ports.auctions.clone(),
        )
        .with_plate_thresholds(
            seip_rules::impoundment::PlateThresholds::new(
                self.settings.enforcement.plate_warning_at,
                self.settings.enforcement.plate_impound_at,
            )
            .context("enforcement.plate_warning_at / plate_impound_at")?,
        ))
    }

    /// The settings in force (with the bound addresses).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stop everything.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        let names: Vec<_> = self.running.keys().copied().collect();
        for n in names {
            self.stop_service(n).await?;
        }
        if let Some(ports) = self.ports.take() {
            let _ = ports.stop.send(true);
        }
        if let Some(ports) = self.notice_ports.take() {
            let _ = ports.stop.send(true);
        }
        Ok(())
    }

    /// The registries' simulator, when the platform started one (no gateway configured):
    /// tests and the demo tell it what to refuse or hold.
    pub fn registry_simulator(&self) -> Option<&RegistrySimulator> {
        self.ports.as_ref()?.registry_simulator.as_ref()
    }

    /// The auction platform's simulator, when the platform started one (no platform
    /// configured): tests and the demo bid and pay on it.
    pub fn auction_simulator(&self) -> Option<&AuctionSimulator> {
        self.ports.as_ref()?.auction_simulator.as_ref()
    }
}
