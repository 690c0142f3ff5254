//! Helpers for Seip's end-to-end tests: start the four services on port 0 against a fresh
//! store (a temporary SQLite directory, or a fresh PostgreSQL database when `DATABASE_URL`
//! is set), and clients for each.

use std::net::SocketAddr;

use seip::Platform;
use seip_core::Clock;
use seip_core::TenantCode;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_client::ArrearsEnforcementServiceClient;
use seip_proto::assessment::v1::assessment_service_client::AssessmentServiceClient;
use seip_proto::collection::v1::collection_service_client::CollectionServiceClient;
use seip_proto::common::v1::event_consumer_service_client::EventConsumerServiceClient;
use seip_proto::reporting::v1::reporting_service_client::ReportingServiceClient;
use seip_runtime::auth::{Issuer, Role};
use seip_runtime::config::PerService;
use seip_runtime::grpc::{Channel, channel_with_token};
use seip_runtime::tls::ServiceTls;
use seip_runtime::{ServiceName, Settings};

/// A running platform and what it needs to be cleaned up.
#[derive(Debug)]
pub struct TestPlatform {
    /// The services.
    pub platform: Platform,
    /// The clock they share.
    pub clock: Clock,
    /// The identity provider the services trust: tests sign their callers' tokens with it.
    pub issuer: Issuer,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

/// Settings for a fresh store: port 0 everywhere, quick relay retries.
pub async fn test_settings()
-> anyhow::Result<(Settings, tempfile::TempDir, Option<(String, String)>)> {
    let dir = tempfile::tempdir()?;
    let mut s = Settings::default();
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    s.listen = PerService::all(any);
    s.internal_listen = PerService::all(any);
    s.data_dir = dir.path().to_path_buf();
    let certs = dir.path().join("certs");
    seip_runtime::tls::init(&certs)?;
    s.tls.dir = Some(certs);
    s.relay.poll_interval_ms = 20;
    s.relay.initial_backoff_ms = 10;
    s.relay.max_backoff_ms = 50;
    // Timers fire when a test moves the clock and calls `platform.run_timers()`; the
    // scheduler's own look comes once at each start, then not within a test.
    s.enforcement.timer_poll_ms = 3_600_000;
    s.notices.follow_up_ms = 3_600_000;
    let mut pg = None;
    if let Ok(server) = std::env::var("DATABASE_URL") {
        let name = format!("seip_test_{}", uuid::Uuid::new_v4().simple());
        let url = seip_runtime::db::create_database(&server, &name).await?;
        s.database_url = Some(url.into());
        s.pii_key = Some(seip_assessment_key().into());
        pg = Some((server, name));
    }
    Ok((s, dir, pg))
}

fn seip_assessment_key() -> String {
    // A fixed test key: 32 bytes, base64.
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned()
}

impl TestPlatform {
    /// Start all four services with the clock at `now`.
    pub async fn start(now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Self> {
        Self::start_with(now, |_| {}).await
    }

    /// Start all four services with the clock at `now` and `tune` applied to the settings.
    pub async fn start_with(
        now: chrono::DateTime<chrono::Utc>,
        tune: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Self> {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        }
        let (mut settings, dir, pg) = test_settings().await?;
        let (issuer, _) = Issuer::generate(&settings.auth.issuer, &settings.auth.audience)?;
        let jwks = dir.path().join("jwks.json");
        std::fs::write(&jwks, issuer.jwks())?;
        settings.auth.jwks_file = Some(jwks);
        tune(&mut settings);
        let clock = Clock::fixed(now);
        let platform = Platform::start_all(settings, clock.clone()).await?;
        Ok(Self {
            platform,
            clock,
            issuer,
            _dir: dir,
            pg,
        })
    }

    /// A token for `subject` acting for `tenants` with `roles`, valid for an hour.
    pub fn token(&self, subject: &str, tenants: &[&str], roles: &[Role]) -> String {
        let tenants: Vec<TenantCode> = tenants
            .iter()
            .map(|t| TenantCode::parse_field(t, "tenant").expect("a test's tenant codes are valid"))
            .collect();
        self.issuer
            .issue(
                subject,
                &tenants,
                roles,
                seip_core::Clock::system().now(),
                chrono::Duration::hours(1),
            )
            .expect("a test token signs")
    }

    /// A channel to `service` whose calls present `token`.
    pub fn channel_as(&self, service: ServiceName, token: &str) -> Channel {
        channel_with_token(&self.platform.endpoint(service), token)
            .expect("endpoint URLs are well formed")
    }

    /// The channel of the tests' usual caller: `test.office`, acting for the municipalities
    /// the tests use (11110, 26110) in every role. The security suite narrows identities;
    /// the workflow tests exercise the services, not the table of who may call them.
    fn ch(&self, s: ServiceName) -> Channel {
        let token = self.token("test.office", &["11110", "26110"], Role::ALL);
        self.channel_as(s, &token)
    }

    /// The event endpoint of `consumer` (on its internal listener), called as `producer`'s
    /// relay calls it: over mutual TLS with `producer`'s certificate.
    pub fn events_as(
        &self,
        consumer: ServiceName,
        producer: ServiceName,
    ) -> EventConsumerServiceClient<Channel> {
        let tls = ServiceTls::load(self.platform.certificates(), producer)
            .expect("the test platform's certificates load");
        self.events_with(consumer, tls.client_config(consumer))
    }

    /// The event endpoint of `consumer`, reached with the TLS settings `tls`.
    pub fn events_with(
        &self,
        consumer: ServiceName,
        tls: tonic::transport::ClientTlsConfig,
    ) -> EventConsumerServiceClient<Channel> {
        let url = self
            .platform
            .internal_endpoint(consumer)
            .expect("a consumer of events has an internal listener");
        EventConsumerServiceClient::new(
            seip_runtime::grpc::internal_channel(&url, tls).expect("the URL is well formed"),
        )
    }

    /// Assessment client.
    pub fn assessment(&self) -> AssessmentServiceClient<Channel> {
        AssessmentServiceClient::new(self.ch(ServiceName::Assessment))
    }

    /// Collection client.
    pub fn collection(&self) -> CollectionServiceClient<Channel> {
        CollectionServiceClient::new(self.ch(ServiceName::Collection))
    }

    /// Collection client for `subject` of municipality 11110 in `roles`.
    pub fn collection_as(&self, subject: &str, roles: &[Role]) -> CollectionServiceClient<Channel> {
        let token = self.token(subject, &["11110"], roles);
        CollectionServiceClient::new(self.channel_as(ServiceName::Collection, &token))
    }

    /// Approve `proposal` (money moved by hand, four eyes) as a second person: `chief-lee`, a
    /// supervisor of 11110.
    pub async fn approve(
        &self,
        proposal: Option<seip_proto::collection::v1::Proposal>,
        key: &str,
    ) -> anyhow::Result<seip_proto::collection::v1::DecideProposalResponse> {
        let proposal = proposal.ok_or_else(|| anyhow::anyhow!("no proposal to approve"))?;
        Ok(self
            .collection_as("chief-lee", &[Role::Supervisor])
            .decide_proposal(seip_proto::collection::v1::DecideProposalRequest {
                tenant_code: "11110".into(),
                idempotency_key: key.into(),
                proposal_id: proposal.proposal_id,
                approve: true,
                reason: "checked and approved".into(),
            })
            .await?
            .into_inner())
    }

    /// Arrears-enforcement client.
    pub fn arrears(&self) -> ArrearsEnforcementServiceClient<Channel> {
        ArrearsEnforcementServiceClient::new(self.ch(ServiceName::ArrearsEnforcement))
    }

    /// Reporting client.
    pub fn reporting(&self) -> ReportingServiceClient<Channel> {
        ReportingServiceClient::new(self.ch(ServiceName::Reporting))
    }

    /// Register a taxpayer (number `n`) and a non-commercial passenger car of `cc` whose age
    /// counts from `age_start`; returns the vehicle id.
    pub async fn register_car(
        &self,
        n: u32,
        cc: i32,
        age_start: chrono::NaiveDate,
    ) -> anyhow::Result<String> {
        use seip_proto::assessment::v1 as apb;
        let mut a = self.assessment();
        let t = a
            .register_taxpayer(apb::RegisterTaxpayerRequest {
                tenant_code: "11110".into(),
                idempotency_key: format!("tp-{n}"),
                name: "홍길동".into(),
                resident_registration_number: format!("900101-1{n:06}"),
                address: "서울특별시 종로구 세종대로 209".into(),
            })
            .await?
            .into_inner();
        Ok(a.register_vehicle(apb::RegisterVehicleRequest {
            tenant_code: "11110".into(),
            idempotency_key: format!("v-{n}"),
            taxpayer_id: t.taxpayer_id,
            plate_number: format!("12가{n:04}"),
            vehicle_class: apb::VehicleClass::PassengerCar as i32,
            vehicle_use: apb::VehicleUse::NonCommercial as i32,
            displacement_cc: cc,
            age_start_date: Some(seip_runtime::convert::date_to_proto(age_start)),
        })
        .await?
        .into_inner()
        .vehicle_id)
    }

    /// Levy the first half of 2026's automobile tax on `vehicle_id` (idempotency key `key`).
    pub async fn decide_h1(
        &self,
        vehicle_id: &str,
        key: &str,
    ) -> anyhow::Result<seip_proto::assessment::v1::Bill> {
        use seip_proto::assessment::v1 as apb;
        self.assessment()
            .decide_automobile_tax(apb::DecideAutomobileTaxRequest {
                tenant_code: "11110".into(),
                idempotency_key: key.into(),
                vehicle_id: vehicle_id.into(),
                tax_year: 2026,
                period_half: seip_proto::common::v1::PeriodHalf::H1 as i32,
            })
            .await?
            .into_inner()
            .bill
            .ok_or_else(|| anyhow::anyhow!("no bill in the answer"))
    }

    /// Upload a treasury file and wait until its job is applied: the job, and whether the
    /// file had been imported before.
    pub async fn import_file(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<(seip_proto::collection::v1::ImportJob, bool), tonic::Status> {
        seip::treasury::import(&mut self.collection(), "11110", file_name, bytes).await
    }

    /// The books must balance, whatever a test did: every won of every applied file and of
    /// every auction sale's proceeds is in a bill, an over-payment or suspense, and every bill's paid totals are exactly what its
    /// receipts applied. Panics naming the first difference.
    pub async fn check_invariants(&self) -> anyhow::Result<()> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = self
            .platform
            .database(ServiceName::Collection)
            .ok_or_else(|| anyhow::anyhow!("collection is not running"))?;
        let b = db.get_database_backend();
        for row in db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT i.file_name, i.total_won, CAST(COALESCE(SUM(r.applied_won + r.overpaid_won + r.suspense_won), 0) AS BIGINT) AS placed, CAST(COUNT(r.id) AS BIGINT) AS n, i.records
                 FROM treasury_import i LEFT JOIN receipt r ON r.import_id = i.id
                 WHERE i.status = 'applied'
                 GROUP BY i.id, i.file_name, i.total_won, i.records",
            ))
            .await?
        {
            let name: String = row.try_get("", "file_name")?;
            let total: i64 = row.try_get("", "total_won")?;
            let placed: i64 = row.try_get("", "placed")?;
            let (n, records): (i64, i64) = (row.try_get("", "n")?, row.try_get("", "records")?);
            assert_eq!(placed, total, "{name}: won in bills + over-payments + suspense");
            assert_eq!(n, records, "{name}: one receipt per record");
        }
        // Every won of a sale's proceeds is in a bill or held for the owner.
        for row in db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT d.id, d.proceeds_won, d.surplus_won,
                        CAST(COALESCE(SUM(r.applied_won + r.overpaid_won + r.suspense_won), 0) AS BIGINT) AS placed,
                        CAST(COALESCE(SUM(r.overpaid_won), 0) AS BIGINT) AS held
                 FROM distribution d LEFT JOIN receipt r ON r.distribution_id = d.id
                 GROUP BY d.id, d.proceeds_won, d.surplus_won",
            ))
            .await?
        {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let proceeds: i64 = row.try_get("", "proceeds_won")?;
            let placed: i64 = row.try_get("", "placed")?;
            assert_eq!(placed, proceeds, "sale {id}: won in bills + held for the owner");
            let (surplus, held): (i64, i64) =
                (row.try_get("", "surplus_won")?, row.try_get("", "held")?);
            assert_eq!(held, surplus, "sale {id}: the surplus held");
        }
        for row in db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT v.e_payment_number, v.principal_paid_won + v.late_charge_paid_won AS paid,
                        CAST(COALESCE((SELECT SUM(r.applied_won) FROM receipt r WHERE r.bill_id = v.bill_id), 0) AS BIGINT) AS receipts
                 FROM receivable v",
            ))
            .await?
        {
            let number: String = row.try_get("", "e_payment_number")?;
            let paid: i64 = row.try_get("", "paid")?;
            let receipts: i64 = row.try_get("", "receipts")?;
            assert_eq!(paid, receipts, "bill {number}: paid totals against its receipts");
            assert!(paid >= 0, "bill {number}: negative paid");
        }
        // Each bill names the receipts whose principal payments stand on it, and they add
        // up to the principal paid.
        let mut standing: std::collections::HashMap<uuid::Uuid, Vec<(uuid::Uuid, i64)>> =
            std::collections::HashMap::new();
        for row in db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT bill_id, id, principal_applied_won FROM receipt
                 WHERE bill_id IS NOT NULL AND kind = 'N' AND NOT cancelled
                   AND principal_applied_won > 0",
            ))
            .await?
        {
            standing
                .entry(row.try_get("", "bill_id")?)
                .or_default()
                .push((
                    row.try_get("", "id")?,
                    row.try_get("", "principal_applied_won")?,
                ));
        }
        for row in db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT bill_id, e_payment_number, principal_paid_won, CAST(payment_receipt_ids AS TEXT) AS payment_receipt_ids FROM receivable",
            ))
            .await?
        {
            let bill: uuid::Uuid = row.try_get("", "bill_id")?;
            let number: String = row.try_get("", "e_payment_number")?;
            let principal_paid: i64 = row.try_get("", "principal_paid_won")?;
            let json: String = row.try_get("", "payment_receipt_ids")?;
            let mut named = seip_collection::store::receivable::receipt_ids_from_json(bill, &json)?;
            named.sort_unstable();
            let mut receipts = standing.remove(&bill).unwrap_or_default();
            receipts.sort_unstable();
            let ids: Vec<uuid::Uuid> = receipts.iter().map(|r| r.0).collect();
            assert_eq!(named, ids, "bill {number}: the receipts of its principal payments");
            assert_eq!(
                receipts.iter().map(|r| r.1).sum::<i64>(),
                principal_paid,
                "bill {number}: its principal payments against its principal paid"
            );
        }
        Ok(())
    }

    /// Stop everything and drop the test database.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.platform.shutdown().await?;
        if let Some((server, name)) = self.pg {
            seip_runtime::db::drop_database(&server, &name).await?;
        }
        Ok(())
    }
}

/// A service's database connection.
pub type Db = sea_orm::DatabaseConnection;

/// The first event in `db`'s outbox addressed to `consumer`, rebuilt as the relay sends it.
pub async fn outbox_event(
    db: &Db,
    consumer: &str,
) -> anyhow::Result<seip_proto::common::v1::Event> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            seip_runtime::db::sql(
                backend,
                "SELECT o.event_id, e.tenant_code, e.event_type, e.payload, e.traceparent
                   FROM outbox o JOIN outbox_event e ON e.event_id = o.event_id
                  WHERE o.consumer = ? ORDER BY o.seq LIMIT 1",
            ),
            [consumer.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no outbox row for {consumer}"))?;
    let event_type: String = row.try_get("", "event_type")?;
    Ok(seip_proto::common::v1::Event {
        event_id: row.try_get("", "event_id")?,
        tenant_code: row.try_get("", "tenant_code")?,
        producer: "assessment".into(),
        occurred_at: None,
        traceparent: row.try_get("", "traceparent")?,
        payload: Some(prost_types::Any {
            type_url: format!("type.googleapis.com/{event_type}"),
            value: row.try_get("", "payload")?,
        }),
    })
}

/// An in-memory meter provider installed as the process's global one, for tests that check
/// a metric is counted.
#[derive(Debug)]
pub struct TestMeters {
    exporter: opentelemetry_sdk::metrics::InMemoryMetricExporter,
    provider: opentelemetry_sdk::metrics::SdkMeterProvider,
}

impl TestMeters {
    /// Install it (for every test of the binary: filter what you read by attribute).
    pub fn install() -> Self {
        let exporter = opentelemetry_sdk::metrics::InMemoryMetricExporter::default();
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
            .with_reader(
                opentelemetry_sdk::metrics::PeriodicReader::builder(exporter.clone()).build(),
            )
            .build();
        opentelemetry::global::set_meter_provider(provider.clone());
        Self { exporter, provider }
    }

    /// The total of the counter `name` over the data points carrying attribute `attribute`
    /// (key, value).
    pub fn sum(&self, name: &str, attribute: (&str, &str)) -> u64 {
        use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
        self.provider.force_flush().expect("metrics flush");
        self.exporter
            .get_finished_metrics()
            .expect("metrics read")
            .iter()
            .flat_map(|rm| rm.scope_metrics())
            .flat_map(|sm| sm.metrics())
            .filter(|m| m.name() == name)
            .filter_map(|m| match m.data() {
                AggregatedMetrics::U64(MetricData::Sum(s)) => Some(s),
                _ => None,
            })
            .flat_map(|s| s.data_points())
            .filter(|dp| {
                dp.attributes()
                    .any(|kv| kv.key.as_str() == attribute.0 && kv.value.as_str() == attribute.1)
            })
            .map(|dp| dp.value())
            .max()
            .unwrap_or(0)
    }
}
