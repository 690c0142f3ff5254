//! Layered configuration: defaults, then an optional TOML file, then `SEIP_*` environment
//! variables (nested keys with `__`, e.g. `SEIP_LISTEN__COLLECTION=0.0.0.0:7002`).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

/// One of Seip's four services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceName {
    /// 부과.
    Assessment,
    /// 징수·수납.
    Collection,
    /// 체납처분.
    ArrearsEnforcement,
    /// 보고·결산.
    Reporting,
}

impl ServiceName {
    /// All four, in start order.
    pub const ALL: [ServiceName; 4] = [
        ServiceName::Assessment,
        ServiceName::Collection,
        ServiceName::ArrearsEnforcement,
        ServiceName::Reporting,
    ];

    /// The name used for schemas, files, logs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::Assessment => "assessment",
            ServiceName::Collection => "collection",
            ServiceName::ArrearsEnforcement => "arrears_enforcement",
            ServiceName::Reporting => "reporting",
        }
    }

    /// Parse the CLI / config form (`arrears-enforcement` is accepted too).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.replace('-', "_");
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value per service.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct PerService<T> {
    /// For assessment.
    pub assessment: T,
    /// For collection.
    pub collection: T,
    /// For arrears-enforcement.
    pub arrears_enforcement: T,
    /// For reporting.
    pub reporting: T,
}

impl<T: Clone> PerService<T> {
    /// The same value for every service (e.g. port 0 everywhere).
    pub fn all(value: T) -> Self {
        Self {
            assessment: value.clone(),
            collection: value.clone(),
            arrears_enforcement: value.clone(),
            reporting: value,
        }
    }
}

impl<T> PerService<T> {
    /// The value of `service`.
    pub fn get(&self, service: ServiceName) -> &T {
        match service {
            ServiceName::Assessment => &self.assessment,
            ServiceName::Collection => &self.collection,
            ServiceName::ArrearsEnforcement => &self.arrears_enforcement,
            ServiceName::Reporting => &self.reporting,
        }
    }

    /// Set the value of `service`.
    pub fn set(&mut self, service: ServiceName, value: T) {
        match service {
            ServiceName::Assessment => self.assessment = value,
            ServiceName::Collection => self.collection = value,
            ServiceName::ArrearsEnforcement => self.arrears_enforcement = value,
            ServiceName::Reporting => self.reporting = value,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// How the outbox relay delivers events.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RelaySettings {
    /// Events fetched per batch.
    pub batch_size: u32,
    /// Idle poll interval in milliseconds when nothing was found (new events also wake the
    /// relay at once).
    pub poll_interval_ms: u64,
    /// First retry delay in milliseconds; doubles per failed attempt.
    pub initial_backoff_ms: u64,
    /// Longest retry delay in milliseconds.
    pub max_backoff_ms: u64,
    /// Days a delivered event is kept in the outbox before it is deleted
    /// (`SEIP_RELAY__RETENTION_DAYS`; 0 keeps it for ever). Events not yet delivered to every
    /// consumer, or parked, are always kept.
    pub retention_days: u32,
    /// Refusals in a row after which an event its consumer keeps refusing (the consumer
    /// answered, with an error that is not about reaching it) is quarantined — parked, with
    /// an error in the log — so that the events after it flow again
    /// (`SEIP_RELAY__QUARANTINE_AFTER`; 0 never). A consumer that cannot be reached never
    /// quarantines anything: its events wait.
    pub quarantine_after: i32,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval_ms: 500,
            initial_backoff_ms: 100,
            max_backoff_ms: 30_000,
            retention_days: 30,
            quarantine_after: 10,
        }
    }
}

/// How treasury files are applied.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct FeedSettings {
    /// Records stored per chunk, and applied per transaction (`SEIP_FEED__CHUNK_RECORDS`).
    pub chunk_records: usize,
    /// Chunks applied at a time on PostgreSQL (`SEIP_FEED__APPLY_WORKERS`; SQLite has one
    /// writer, so one). Each waits on its commit's flush, so more than the cores keeps both
    /// the service and the database busy.
    pub apply_workers: usize,
    /// On PostgreSQL, settle the common case of a batch (an exact, on-time payment of an
    /// untouched open bill) with one set-based statement before the general matcher takes
    /// the rest (`SEIP_FEED__SET_BASED_SETTLE`). Off, every record goes through the matcher:
    /// the same result, slower; for telling the two apart when in doubt.
    pub set_based_settle: bool,
    /// Seconds an upload may go without a message before it is dropped
    /// (`SEIP_FEED__UPLOAD_IDLE_SECONDS`): a stalled client holds no resources for long.
    pub upload_idle_seconds: u64,
    /// Treasury files uploaded at once (`SEIP_FEED__MAX_CONCURRENT_UPLOADS`); one more is
    /// refused with `RESOURCE_EXHAUSTED` until one finishes.
    pub max_concurrent_uploads: usize,
    /// Failures in a row of one part of a file after which its import is quarantined —
    /// given up, with an error in the log, for an operator (`seip ops imports`) — instead of
    /// retried for ever (`SEIP_FEED__QUARANTINE_AFTER`; 0 never).
    pub quarantine_after: u32,
    /// How often, in milliseconds, the job runner looks for imports to apply that it is not
    /// applying (one an operator retried, one another replica left)
    /// (`SEIP_FEED__RESUME_POLL_MS`).
    pub resume_poll_ms: u64,
    /// Days the stored parts of a treasury file — raw records, payer names among them — are
    /// kept once the file is applied and its deposits reconciled (or the difference
    /// resolved); then they are deleted, the ledgers keeping what was paid, by whom never
    /// (`SEIP_FEED__CHUNK_RETENTION_DAYS`).
    pub chunk_retention_days: u32,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            chunk_records: 5000,
            apply_workers: 6,
            set_based_settle: true,
            upload_idle_seconds: 60,
            max_concurrent_uploads: 4,
            quarantine_after: 10,
            resume_poll_ms: 15_000,
            chunk_retention_days: 30,
        }
    }
}

/// How callers prove who they are (README, Security).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// The identity provider's public keys, a JWKS file (`SEIP_AUTH__JWKS_FILE`). Required
    /// with PostgreSQL; on the embedded default, when unset, Seip keeps a development
    /// signing key in `data_dir` and trusts it (`seip token issue` signs with it).
    pub jwks_file: Option<PathBuf>,
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must carry.
    pub audience: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwks_file: None,
            issuer: "seip-development".to_owned(),
            audience: "seip".to_owned(),
        }
    }
}

/// Four eyes on money moved by hand (README, Security).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApprovalSettings {
    /// Won up to which one person may move money by hand; above it a supervisor other than
    /// the proposer must approve (`SEIP_APPROVAL__THRESHOLD_WON`; 0: every amount).
    pub threshold_won: i64,
    /// Per municipality (5-digit code → won), instead of `threshold_won`
    /// (`SEIP_APPROVAL__THRESHOLDS__11110=1000000`).
    pub thresholds: std::collections::BTreeMap<String, i64>,
}

impl ApprovalSettings {
    /// The threshold of the municipality `tenant_code`.
    pub fn threshold_won(&self, tenant_code: &str) -> i64 {
        self.thresholds
            .get(tenant_code)
            .copied()
            .unwrap_or(self.threshold_won)
    }
}

/// How enforcement workflows advance by themselves.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EnforcementSettings {
    /// How often the scheduler looks for timers whose business day has come, milliseconds
    /// (`SEIP_ENFORCEMENT__TIMER_POLL_MS`).
    pub timer_poll_ms: u64,
    /// The registries' gateway seizures are ordered from (`SEIP_ENFORCEMENT__REGISTRY_URL`,
    /// `https://…`). Unset in development, tests and the demo: a simulator of the same
    /// protocol is started with the services; services given their own database URLs
    /// (production) refuse to start without it.
    pub registry_url: Option<String>,
    /// The municipality's key at the gateway (`SEIP_ENFORCEMENT__REGISTRY_KEY`).
    pub registry_key: Option<SecretString>,
    /// A file holding `registry_key` (a mounted secret), instead of it.
    pub registry_key_file: Option<PathBuf>,
    /// The CA certificates (PEM) the gateway's certificate is checked against
    /// (`SEIP_ENFORCEMENT__REGISTRY_CA_FILE`; the government PKI's).
    pub registry_ca_file: Option<PathBuf>,
    /// The auction platform public auctions are delegated to (`SEIP_ENFORCEMENT__AUCTION_URL`,
    /// `https://…`; 온비드's agency API or the local-tax association's). Unset in development,
    /// tests and the demo: a simulator of the same protocol is started with the services;
    /// services given their own database URLs refuse to start without it.
    pub auction_url: Option<String>,
    /// The municipality's key at the platform (`SEIP_ENFORCEMENT__AUCTION_KEY`).
    pub auction_key: Option<SecretString>,
    /// A file holding `auction_key` (a mounted secret), instead of it.
    pub auction_key_file: Option<PathBuf>,
    /// The CA certificates (PEM) the platform's certificate is checked against
    /// (`SEIP_ENFORCEMENT__AUCTION_CA_FILE`).
    pub auction_ca_file: Option<PathBuf>,
    /// Unpaid automobile-tax bills of a vehicle at which its owner is warned of plate
    /// impoundment (V-1, practice; `SEIP_ENFORCEMENT__PLATE_WARNING_AT`, 1).
    pub plate_warning_at: u32,
    /// … and at which the plates are impounded (`SEIP_ENFORCEMENT__PLATE_IMPOUND_AT`, 2).
    pub plate_impound_at: u32,
}

impl Default for EnforcementSettings {
    fn default() -> Self {
        Self {
            timer_poll_ms: 60_000,
            registry_url: None,
            registry_key: None,
            registry_key_file: None,
            registry_ca_file: None,
            auction_url: None,
            auction_key: None,
            auction_key_file: None,
            auction_ca_file: None,
            plate_warning_at: 1,
            plate_impound_at: 2,
        }
    }
}

/// How notices are made and delivered (송달).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct NoticeSettings {
    /// A TrueType/OpenType font with Hangul for paper documents (`SEIP_NOTICES__FONT_FILE`);
    /// when unset, the first of Debian's `fonts-nanum` / `fonts-noto-cjk` installed.
    pub font_file: Option<PathBuf>,
    /// Each municipality's own (`SEIP_NOTICES__MUNICIPALITIES__11110__ISSUER=…`).
    pub municipalities: std::collections::BTreeMap<String, MunicipalNotices>,
    /// The certified e-document relay and SMS gateway (`SEIP_NOTICES__RELAY_URL`,
    /// `https://…`, NAVER Cloud SENS's API or a relay speaking it). Unset in development,
    /// tests and the demo: a simulator of the same protocol is started with the services;
    /// services given their own database URLs refuse to start without it.
    pub relay_url: Option<String>,
    /// The access key requests are signed for (`SEIP_NOTICES__RELAY_ACCESS_KEY`).
    pub relay_access_key: String,
    /// The secret key requests are signed with (`SEIP_NOTICES__RELAY_SECRET_KEY`).
    pub relay_secret_key: Option<SecretString>,
    /// A file holding `relay_secret_key` (a mounted secret), instead of it.
    pub relay_secret_key_file: Option<PathBuf>,
    /// The CA certificates (PEM) the relay's certificate is checked against.
    pub relay_ca_file: Option<PathBuf>,
    /// The AlimTalk service id at the relay (`SEIP_NOTICES__ALIMTALK_SERVICE_ID`).
    pub alimtalk_service_id: String,
    /// The SMS service id at the gateway (`SEIP_NOTICES__SMS_SERVICE_ID`).
    pub sms_service_id: String,
    /// The approved AlimTalk template messages are sent with (`SEIP_NOTICES__TEMPLATE_CODE`).
    pub template_code: String,
    /// The relay's secret for recipients' matching keys (CI), derived from their resident
    /// numbers (`SEIP_NOTICES__MATCHING_SECRET`); the simulator's when unset outside
    /// production.
    pub matching_secret: Option<SecretString>,
    /// A file holding `matching_secret`, instead of it.
    pub matching_secret_file: Option<PathBuf>,
    /// Where the taxpayer's page is, the base of every message's link
    /// (`SEIP_NOTICES__PORTAL_URL`).
    pub portal_url: String,
    /// Where print-vendor batches are written; `data_dir/print` when unset.
    pub print_dir: Option<PathBuf>,
    /// How often the service follows its messages up (results, failover, paper),
    /// milliseconds (`SEIP_NOTICES__FOLLOW_UP_MS`).
    pub follow_up_ms: u64,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            font_file: None,
            municipalities: std::collections::BTreeMap::new(),
            relay_url: None,
            relay_access_key: "simulated".into(),
            relay_secret_key: None,
            relay_secret_key_file: None,
            relay_ca_file: None,
            alimtalk_service_id: "seip-alimtalk".into(),
            sms_service_id: "seip-sms".into(),
            template_code: "SEIP_NOTICE_01".into(),
            matching_secret: None,
            matching_secret_file: None,
            portal_url: "http://127.0.0.1:8080".into(),
            print_dir: None,
            follow_up_ms: 60_000,
        }
    }
}

/// What a municipality sets for its notices.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MunicipalNotices {
    /// Who issues its documents, printed under the title (`서울특별시 종로구청장`).
    pub issuer: Option<String>,
    /// The sender its messages name (`서울특별시 종로구`).
    pub sender: Option<String>,
    /// Its KakaoTalk channel (`@…`).
    pub plus_friend_id: String,
    /// Its registered SMS sender number.
    pub sms_from: String,
    /// Days a message may stay unread before paper follows (7).
    pub validity_days: u32,
    /// What one paper notice costs to print and post, won (the postage saved by each notice
    /// read on a phone).
    pub paper_cost_won: i64,
}

impl Default for MunicipalNotices {
    fn default() -> Self {
        Self {
            issuer: None,
            sender: None,
            plus_friend_id: "@seip".into(),
            sms_from: "0200000000".into(),
            validity_days: 7,
            paper_cost_won: 420,
        }
    }
}

impl NoticeSettings {
    /// What municipality `code` set, or the defaults.
    pub fn municipality(&self, code: &str) -> MunicipalNotices {
        self.municipalities.get(code).cloned().unwrap_or_default()
    }
}

/// How services prove themselves to each other (README, Security).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TlsSettings {
    /// A directory with the CA's certificate (`ca.crt`) and the service's own certificate and
    /// key (`<service>.crt`, `<service>.key`; every service's, for `serve all`)
    /// (`SEIP_TLS__DIR`). Required with PostgreSQL; on the embedded default, when unset, Seip
    /// makes a development CA and certificates in `data_dir/certs` (`seip certs init`).
    pub dir: Option<PathBuf>,
}

/// Everything a Seip process reads from its environment.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// PostgreSQL URL of a role that may create schemas and roles (production). When unset,
    /// every service keeps a SQLite file in `data_dir` (the embedded default).
    pub database_url: Option<SecretString>,
    /// Per-service PostgreSQL URLs (each service's own role); derived from `database_url`
    /// with the user replaced by `seip_<service>` when unset.
    pub service_database_urls: Option<PerService<SecretString>>,
    /// Where the SQLite files and the demo's keys live.
    pub data_dir: PathBuf,
    /// Address each service listens on.
    pub listen: PerService<SocketAddr>,
    /// URL each service is reached at by the others (defaults to `http://` + listen address).
    pub endpoints: Option<PerService<String>>,
    /// Address of each service's internal listener (mutual TLS; other services only): where
    /// a consumer takes events (`DeliverEvents`).
    pub internal_listen: PerService<SocketAddr>,
    /// URL each service's internal listener is reached at by the others (defaults to
    /// `https://` + internal listen address).
    pub internal_endpoints: Option<PerService<String>>,
    /// OTLP/gRPC collector, e.g. `http://127.0.0.1:4317`; `OTEL_EXPORTER_OTLP_ENDPOINT` is
    /// honoured too. No export when neither is set.
    pub otlp_endpoint: Option<String>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Log filter in `RUST_LOG` syntax.
    pub log_filter: String,
    /// Key protecting personal data at rest: 32 bytes, base64. Required outside the demo.
    pub pii_key: Option<SecretString>,
    /// A file holding `pii_key` (a mounted secret), read at start; instead of `pii_key`.
    pub pii_key_file: Option<PathBuf>,
    /// Keys `pii_key` replaced, newest first (`SEIP_PII_PREVIOUS_KEYS='["…"]'`): they still
    /// open what they sealed until `seip ops rekey-pii` has resealed it under `pii_key`.
    pub pii_previous_keys: Vec<SecretString>,
    /// The blind index's own key (32 bytes, base64), kept when `pii_key` rotates. When
    /// unset it is derived from the first key there was (the last of `pii_previous_keys`, or
    /// `pii_key`).
    pub pii_index_key: Option<SecretString>,
    /// A file holding `pii_index_key`; instead of it.
    pub pii_index_key_file: Option<PathBuf>,
    /// A file holding `database_url` (a mounted secret), read at start; instead of
    /// `database_url`.
    pub database_url_file: Option<PathBuf>,
    /// Files holding each service's `service_database_urls` (mounted secrets), read at start.
    pub service_database_url_files: Option<PerService<PathBuf>>,
    /// Outbox relay tuning.
    pub relay: RelaySettings,
    /// Treasury feed tuning.
    pub feed: FeedSettings,
    /// Who may call.
    pub auth: AuthSettings,
    /// How services know each other.
    pub tls: TlsSettings,
    /// Four eyes on money moved by hand.
    pub approval: ApprovalSettings,
    /// Enforcement workflows.
    pub enforcement: EnforcementSettings,
    /// Notices and their delivery.
    pub notices: NoticeSettings,
}

impl Default for Settings {
    fn default() -> Self {
        let addr = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        Self {
            database_url: None,
            service_database_urls: None,
            data_dir: PathBuf::from("seip-data"),
            listen: PerService {
                assessment: addr(50151),
                collection: addr(50152),
                arrears_enforcement: addr(50153),
                reporting: addr(50154),
            },
            endpoints: None,
            internal_listen: PerService {
                assessment: addr(50161),
                collection: addr(50162),
                arrears_enforcement: addr(50163),
                reporting: addr(50164),
            },
            internal_endpoints: None,
            otlp_endpoint: None,
            log_format: LogFormat::Text,
            log_filter: "info".to_owned(),
            pii_key: None,
            pii_key_file: None,
            pii_previous_keys: Vec::new(),
            pii_index_key: None,
            pii_index_key_file: None,
            database_url_file: None,
            service_database_url_files: None,
            relay: RelaySettings::default(),
            feed: FeedSettings::default(),
            auth: AuthSettings::default(),
            tls: TlsSettings::default(),
            approval: ApprovalSettings::default(),
            enforcement: EnforcementSettings::default(),
            notices: NoticeSettings::default(),
        }
    }
}

impl Settings {
    /// Defaults, then `file` (if given and present), then `SEIP_*` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut fig = Self::defaults();
        if let Some(f) = file {
            if !f.exists() {
                anyhow::bail!("config file {} does not exist", f.display());
            }
            fig = fig.merge(Toml::file(f));
        }
        fig = fig.merge(Env::prefixed("SEIP_").split("__"));
        Self::extract(fig)
    }

    /// The defaults of what is given per service, as a figment, so that a file or a variable
    /// may set one service's value (`SEIP_LISTEN__COLLECTION`) and keep the others'.
    fn defaults() -> Figment {
        use figment::providers::Serialized;
        let d = Settings::default();
        Figment::new()
            .merge(Serialized::default("listen", &d.listen))
            .merge(Serialized::default("internal_listen", &d.internal_listen))
    }

    fn extract(fig: Figment) -> anyhow::Result<Self> {
        let mut s: Settings = fig.extract()?;
        s.read_secret_files()?;
        if s.otlp_endpoint.is_none() {
            s.otlp_endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok();
        }
        Ok(s)
    }

    /// Take the secrets given as files (`*_file`): each names a file whose content, trimmed,
    /// is the secret. A secret given both ways is a mistake, refused.
    pub fn read_secret_files(&mut self) -> anyhow::Result<()> {
        fn read(path: &Path, what: &str) -> anyhow::Result<SecretString> {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{what}: {}: {e}", path.display()))?;
            let text = text.trim();
            anyhow::ensure!(!text.is_empty(), "{what}: {} is empty", path.display());
            Ok(SecretString::from(text.to_owned()))
        }
        if let Some(path) = &self.pii_key_file {
            anyhow::ensure!(
                self.pii_key.is_none(),
                "pii_key and pii_key_file are both set; give one"
            );
            self.pii_key = Some(read(path, "pii_key_file")?);
        }
        if let Some(path) = &self.pii_index_key_file {
            anyhow::ensure!(
                self.pii_index_key.is_none(),
                "pii_index_key and pii_index_key_file are both set; give one"
            );
            self.pii_index_key = Some(read(path, "pii_index_key_file")?);
        }
        if let Some(path) = &self.enforcement.registry_key_file {
            anyhow::ensure!(
                self.enforcement.registry_key.is_none(),
                "enforcement.registry_key and enforcement.registry_key_file are both set; give one"
            );
            self.enforcement.registry_key = Some(read(path, "enforcement.registry_key_file")?);
        }
        if let Some(path) = &self.enforcement.auction_key_file {
            anyhow::ensure!(
                self.enforcement.auction_key.is_none(),
                "enforcement.auction_key and enforcement.auction_key_file are both set; give one"
            );
            self.enforcement.auction_key = Some(read(path, "enforcement.auction_key_file")?);
        }
        if let Some(path) = &self.notices.relay_secret_key_file {
            anyhow::ensure!(
                self.notices.relay_secret_key.is_none(),
                "notices.relay_secret_key and notices.relay_secret_key_file are both set; give one"
            );
            self.notices.relay_secret_key = Some(read(path, "notices.relay_secret_key_file")?);
        }
        if let Some(path) = &self.notices.matching_secret_file {
            anyhow::ensure!(
                self.notices.matching_secret.is_none(),
                "notices.matching_secret and notices.matching_secret_file are both set; give one"
            );
            self.notices.matching_secret = Some(read(path, "notices.matching_secret_file")?);
        }
        if let Some(path) = &self.database_url_file {
            anyhow::ensure!(
                self.database_url.is_none(),
                "database_url and database_url_file are both set; give one"
            );
            self.database_url = Some(read(path, "database_url_file")?);
        }
        if let Some(files) = &self.service_database_url_files {
            anyhow::ensure!(
                self.service_database_urls.is_none(),
                "service_database_urls and service_database_url_files are both set; give one"
            );
            let read = |s: ServiceName| read(files.get(s), "service_database_url_files");
            self.service_database_urls = Some(PerService {
                assessment: read(ServiceName::Assessment)?,
                collection: read(ServiceName::Collection)?,
                arrears_enforcement: read(ServiceName::ArrearsEnforcement)?,
                reporting: read(ServiceName::Reporting)?,
            });
        }
        Ok(())
    }

    /// Whether the services run on PostgreSQL (an administrator's URL, or each service's own):
    /// production, where nothing is generated for convenience and every key is configured.
    pub fn uses_postgres(&self) -> bool {
        self.database_url.is_some() || self.service_database_urls.is_some()
    }

    /// The URL the others use to reach `service`.
    pub fn endpoint(&self, service: ServiceName) -> String {
        match &self.endpoints {
            Some(e) => e.get(service).clone(),
            None => format!("http://{}", self.listen.get(service)),
        }
    }

    /// The URL the others use to reach `service`'s internal listener.
    pub fn internal_endpoint(&self, service: ServiceName) -> String {
        match &self.internal_endpoints {
            Some(e) => e.get(service).clone(),
            None => format!("https://{}", self.internal_listen.get(service)),
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn one_service_s_address_is_set_and_the_others_keep_theirs() {
        let fig = Settings::defaults().merge(Toml::string(
            "[internal_listen]\ncollection = \"0.0.0.0:7162\"\n[listen]\nreporting = \"0.0.0.0:7154\"",
        ));
        let s = Settings::extract(fig).unwrap();
        let d = Settings::default();
        assert_eq!(s.internal_listen.collection.to_string(), "0.0.0.0:7162");
        assert_eq!(s.internal_listen.reporting, d.internal_listen.reporting);
        assert_eq!(s.listen.reporting.to_string(), "0.0.0.0:7154");
        assert_eq!(s.listen.assessment, d.listen.assessment);
    }

    #[test]
    fn secrets_come_from_files_and_not_from_two_places() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("pii.key");
        std::fs::write(&key, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").unwrap();
        let url = dir.path().join("db.url");
        std::fs::write(&url, "postgres://seip@db/seip").unwrap();
        let mut s = Settings {
            pii_key_file: Some(key.clone()),
            database_url_file: Some(url.clone()),
            ..Default::default()
        };
        s.read_secret_files().unwrap();
        assert_eq!(
            s.pii_key.as_ref().unwrap().expose_secret(),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        );
        assert_eq!(
            s.database_url.as_ref().unwrap().expose_secret(),
            "postgres://seip@db/seip"
        );
        // Both ways at once, an empty file, a missing one: refused, naming the setting.
        let err = s.read_secret_files().unwrap_err().to_string();
        assert!(err.contains("both set"), "{err}");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "  \n").unwrap();
        let mut s = Settings {
            pii_key_file: Some(empty),
            ..Default::default()
        };
        assert!(
            s.read_secret_files()
                .unwrap_err()
                .to_string()
                .contains("is empty")
        );
        let urls = PerService::all(url.clone());
        let mut s = Settings {
            service_database_url_files: Some(urls),
            ..Default::default()
        };
        s.read_secret_files().unwrap();
        assert_eq!(
            s.service_database_urls
                .as_ref()
                .unwrap()
                .reporting
                .expose_secret(),
            "postgres://seip@db/seip"
        );
        let mut s = Settings {
            database_url_file: Some(dir.path().join("missing")),
            ..Default::default()
        };
        assert!(
            s.read_secret_files()
                .unwrap_err()
                .to_string()
                .contains("database_url_file")
        );
    }
}
