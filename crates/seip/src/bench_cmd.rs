//! `seip bench feed`: the treasury feed at volume on PostgreSQL, against a raw SQL baseline
//! measured in the same run (machines are noisy; the ratio is what is reported).
//!
//! A fresh database gets N open bills; a file of N exact payments is written to disk. The
//! baseline parses it minimally, `COPY`s the records into a scratch table and applies them
//! with one `UPDATE … FROM` join, in a transaction that is then rolled back. Seip imports the
//! same file end to end: streamed over gRPC from disk to a collection service running as a
//! child process, checked, stored, and applied by its job, every receipt kept. Each runs
//! three times by default (`--baseline-runs`, `--runs`), taking turns (baseline-Seip,
//! Seip-baseline, …), and the median of each counts: one run can be 15 % off the next on a
//! shared machine, and a machine that slows down over the minutes of a benchmark then weighs
//! on both alike. Every run starts from the same open bills, packed as issued, and an empty
//! ledger (see [`reset`] and [`maintain`]). The child's peak resident memory is read from the
//! kernel.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite, RECORD_LEN};
use seip_collection::domain::receivable::BilledLine;
use seip_collection::store::receivable::lines_to_json;
use seip_core::{EPaymentNumber, NoticeKind, TaxItem, TenantCode, Won};
use seip_proto::collection::v1::collection_service_client::CollectionServiceClient;
use seip_runtime::bulk::{self, Cell, Rows};
use seip_runtime::{ServiceName, Settings, db, grpc};
use uuid::Uuid;

use crate::bench_common::{Turn, count, run_order, run_sql};

const TENANT: &str = "11110";

/// A well-mixed 64-bit value of `x` (SplitMix64), so generated data looks like real data:
/// random ids, varied amounts and names, which index and compress as real ones do.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A random-looking (version 4) UUID for bill `i` in id space `space`.
fn random_id(space: u64, i: u64) -> Uuid {
    let hi = mix(space.wrapping_mul(0x1_0000_0001) ^ i);
    let lo = mix(hi ^ i.rotate_left(17));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Bill `i`'s automobile tax and local education tax (30% of it), won.
fn amounts(i: u64) -> (i64, i64) {
    let principal = 100_000 + i64::try_from(mix(i) % 50_000).unwrap_or(0) * 10;
    (principal, principal * 3 / 100 * 10)
}

/// The payer of record `i`.
fn payer(i: u64) -> String {
    const FAMILY: [&str; 10] = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
    const GIVEN: [&str; 12] = [
        "민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "하은", "주원", "지민", "예준",
        "수아",
    ];
    let m = usize::try_from(mix(i ^ 0x5EED) % 120).unwrap_or(0);
    format!("{}{}", FAMILY[m % 10], GIVEN[m / 10])
}

/// `seip bench …`
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Import a treasury file of N exact payments against N open bills on PostgreSQL, and
    /// compare with COPY + one UPDATE … FROM on the same data.
    Feed {
        /// Records in the file (and open bills).
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// PostgreSQL server URL with rights to create databases.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Keep the benchmark database afterwards.
        #[arg(long)]
        keep: bool,
        /// Kill the collection service (SIGKILL) once this percentage of the records is
        /// applied, start it again, and require the import to finish with every record
        /// applied exactly once.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..100))]
        kill_at: Option<u8>,
        /// Times to run the baseline (it is rolled back each time); the ratio is taken to
        /// the median, which one slow or fast run on a noisy machine does not move.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=9))]
        baseline_runs: u8,
        /// Times to import the file, each from the same open bills and an empty ledger; the
        /// median import counts, as for the baseline.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=9))]
        runs: u8,
    },
    /// Issue the demands of N overdue bills and lapse them on PostgreSQL, and compare with raw
    /// SQL doing the same selection and inserts.
    Enforcement {
        /// Overdue bills.
        #[arg(long, default_value_t = 1_000_000)]
        bills: u64,
        /// PostgreSQL server URL with rights to create databases.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Keep the benchmark database afterwards.
        #[arg(long)]
        keep: bool,
        /// Times to run each baseline (rolled back each time); medians count.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=9))]
        baseline_runs: u8,
        /// Times to run the demand run, each on an emptied store; the median counts.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=9))]
        runs: u8,
    },
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn number(tenant: TenantCode, i: u64) -> anyhow::Result<String> {
    Ok(EPaymentNumber::compose(tenant, NoticeKind::Periodic, 2026, "50", i)?.to_string())
}

async fn seed(db: &DatabaseConnection, n: u64) -> anyhow::Result<()> {
    let tenant = TenantCode::parse_field(TENANT, "tenant")?;
    let issued = chrono::Utc.with_ymd_and_hms(2026, 6, 10, 0, 0, 0).single();
    const BATCH: u64 = 20_000;
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let mut bills = Rows::new(&[
            "bill_id",
            "tenant_code",
            "taxpayer_id",
            "e_payment_number",
            "tax_year",
            "period_half",
            "liability_established_on",
            "due_date",
            "status",
            "issued_at",
            "principal_won",
            "principal_paid_won",
            "late_charge_won",
            "late_charge_paid_won",
            "version",
            "lines",
        ]);
        for i in start..end {
            let id = random_id(1, i);
            let (principal, education) = amounts(i);
            bills.push(vec![
                Cell::Uuid(Some(id)),
                Cell::Text(Some(TENANT.into())),
                Cell::Uuid(Some(random_id(2, i))),
                Cell::Text(Some(number(tenant, i)?)),
                Cell::Int(Some(2026)),
                Cell::Int(Some(1)),
                Cell::Date(Some(date(2026, 6, 1))),
                Cell::Date(Some(date(2026, 6, 30))),
                Cell::Text(Some("open".into())),
                Cell::Timestamp(issued),
                Cell::Int(Some(principal + education)),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Json(Some(lines_to_json(&[
                    BilledLine {
                        tax_item: TaxItem::AutomobileTax,
                        principal: Won::new(principal),
                    },
                    BilledLine {
                        tax_item: TaxItem::LocalEducationTax,
                        principal: Won::new(education),
                    },
                ])?)),
            ]);
        }
        bulk::insert(db, "receivable", &bills).await?;
        start = end;
    }
    Ok(())
}

fn write_file(path: &std::path::Path, n: u64) -> anyhow::Result<u64> {
    let tenant = TenantCode::parse_field(TENANT, "tenant")?;
    let out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let header = Header {
        tenant_code: TENANT.into(),
        bank_code: "032".into(),
        accounting_date: date(2026, 6, 29),
        file_seq: 1,
        created_at: date(2026, 6, 30).and_hms_opt(6, 0, 0).unwrap_or_default(),
    };
    let mut w = FileWriter::to(out, &header)?;
    for i in 0..n {
        let number = number(tenant, i)?;
        let id = format!("B{i:019}");
        let (principal, education) = amounts(i);
        w.write(&PaymentToWrite {
            e_payment_number: &number,
            tax_item_code: "501",
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(principal),
            late_charge: Won::ZERO,
            education_tax: Won::new(education),
            paid_on: date(2026, 6, 29),
            channel: 1 + u8::try_from(i % 8).unwrap_or(0),
            payer_name: &payer(i),
            bank_receipt_id: &id,
            cancel: false,
        })?;
    }
    w.end()?.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The baseline: parse the records minimally, COPY them into a scratch table, apply them with
/// one UPDATE … FROM join; rolled back afterwards.
async fn baseline(db: &DatabaseConnection, path: &std::path::Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let pool = db.get_postgres_connection_pool();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "CREATE TEMP TABLE scratch (serial integer, e_payment_number text, principal bigint, late_charge bigint, education_tax bigint, total bigint, paid_on date, kind text, bank_receipt_id text) ON COMMIT DROP",
    )
    .execute(&mut *tx)
    .await?;
    {
        let mut copy = tx.copy_in_raw("COPY scratch FROM STDIN").await?;
        let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
        let mut buf = Vec::with_capacity(1 << 20);
        for line in file.split(b'\n') {
            let line = line?;
            if line.len() < RECORD_LEN || line[0] != b'D' {
                continue;
            }
            let f = |pos: usize, len: usize| &line[pos - 1..pos - 1 + len];
            let num = |pos: usize, len: usize| -> &[u8] {
                let s = f(pos, len);
                let z = s.iter().position(|b| *b != b'0').unwrap_or(len - 1);
                &s[z..]
            };
            for (i, part) in [
                num(2, 7),
                f(9, 19),
                num(37, 13),
                num(50, 13),
                num(63, 13),
                num(76, 13),
                f(89, 8),
                f(160, 1),
                f(161, 20).trim_ascii_end(),
            ]
            .iter()
            .enumerate()
            {
                if i > 0 {
                    buf.push(b'\t');
                }
                buf.extend_from_slice(part);
            }
            buf.push(b'\n');
            if buf.len() >= 1 << 20 {
                copy.send(std::mem::take(&mut buf)).await?;
                buf.reserve(1 << 20);
            }
        }
        if !buf.is_empty() {
            copy.send(buf).await?;
        }
        copy.finish().await?;
    }
    let updated = sqlx::query(
        "UPDATE receivable r SET principal_paid_won = r.principal_paid_won + s.principal + s.education_tax,
                late_charge_paid_won = r.late_charge_paid_won + s.late_charge,
                status = CASE WHEN r.principal_paid_won + s.principal + s.education_tax >= r.principal_won THEN 'paid' ELSE r.status END,
                version = r.version + 1
         FROM scratch s WHERE r.tenant_code = '11110' AND r.e_payment_number = s.e_payment_number AND s.kind = 'N'",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let elapsed = started.elapsed();
    tx.rollback().await?;
    tracing::info!(updated, "baseline done and rolled back");
    Ok(elapsed)
}

/// Put the bills back in the state every measured run starts from, as on a due date: packed
/// as issued, analysed, checkpointed. A rolled-back run leaves free space on every page of
/// the bills, and the next run's updates, finding room on the same page, are 15–20 % cheaper:
/// without the rewrite, whichever ran second would be measured on easier ground.
async fn maintain(admin: &DatabaseConnection) -> anyhow::Result<()> {
    run_sql(
        admin,
        &["VACUUM (FULL, ANALYZE) collection.receivable", "CHECKPOINT"],
    )
    .await
}

/// Undo an import: the ledger, the stored file, its job and its events go, and the bills
/// are open and unpaid again, as seeded; then [`maintain`].
async fn reset(admin: &DatabaseConnection) -> anyhow::Result<()> {
    run_sql(
        admin,
        &[
            "TRUNCATE collection.receipt, collection.treasury_file_chunk, collection.treasury_import, collection.outbox, collection.outbox_event",
            "UPDATE collection.receivable SET status = 'open', principal_paid_won = 0, paid_at = NULL, version = 0, payment_receipt_ids = '[]'",
        ],
    )
    .await?;
    maintain(admin).await
}

/// One import of the file, measured.
struct SeipRun {
    total: Duration,
    uploaded: Duration,
    wal: i64,
    busy: Option<Duration>,
    /// The collection service's CPU time, and the part of it the upload took (not measured
    /// across a kill).
    cpu: Option<(Duration, Duration)>,
    /// Peak resident memory of a collection service killed during the run, KiB.
    peak_killed: Option<u64>,
    applied_won: i64,
}

/// The server's write-ahead log position, as bytes since its start.
async fn wal_position(admin: &DatabaseConnection) -> anyhow::Result<i64> {
    Ok(admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            "SELECT CAST(pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS bigint) AS pos",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no WAL position"))?
        .try_get("", "pos")?)
}

/// CPU time (user + system) a process has used.
fn cpu_time_of(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel reports in clock ticks, 100 a second on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// CPU time the whole machine has spent busy (every core, every process): steadier than
/// elapsed time on a noisy machine, and it counts the database's work too.
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq steal …: busy is all but idle and iowait.
    let ticks: Vec<u64> = cpu
        .split_whitespace()
        .map(|t| t.parse().unwrap_or(0))
        .collect();
    let busy: u64 = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .take(8)
        .map(|(_, t)| *t)
        .sum();
    Some(Duration::from_millis(busy * 10))
}

fn peak_rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The collection service as a child process (`seip serve collection`), so that its memory is
/// measured alone.
struct Child {
    child: std::process::Child,
    url: String,
    /// The treasury bank's token, as the bench's identity provider signed it.
    token: String,
}

/// The bench's identity provider: a key made for this run, the JWKS file the service
/// trusts, and a treasury-bank token for the bench's calls.
fn bench_identity() -> anyhow::Result<&'static (std::path::PathBuf, String)> {
    static IDENTITY: std::sync::OnceLock<(std::path::PathBuf, String)> = std::sync::OnceLock::new();
    if let Some(i) = IDENTITY.get() {
        return Ok(i);
    }
    let defaults = seip_runtime::config::AuthSettings::default();
    let (issuer, _) = seip_runtime::auth::Issuer::generate(&defaults.issuer, &defaults.audience)?;
    let jwks = std::env::temp_dir().join(format!("seip-bench-jwks-{}.json", std::process::id()));
    std::fs::write(&jwks, issuer.jwks())?;
    let token = issuer.issue(
        "bench.treasury-bank",
        &[seip_core::TenantCode::parse_field(TENANT, "tenant")?],
        &[seip_runtime::auth::Role::TreasuryBank],
        seip_core::Clock::system().now(),
        chrono::Duration::hours(12),
    )?;
    Ok(IDENTITY.get_or_init(|| (jwks, token)))
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Child {
    async fn start(database_url: &str) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let (jwks, token) = bench_identity()?;
        // The service's certificates for its internal listener (made once per bench process).
        let certs = std::env::temp_dir().join(format!("seip-bench-certs-{}", std::process::id()));
        seip_runtime::tls::init(&certs)?;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args(["serve", "collection"])
            .env("SEIP_DATABASE_URL", database_url)
            .env("SEIP_AUTH__JWKS_FILE", jwks)
            .env("SEIP_TLS__DIR", &certs)
            .env("SEIP_LISTEN__COLLECTION", format!("127.0.0.1:{port}"))
            .env("SEIP_INTERNAL_LISTEN__COLLECTION", "127.0.0.1:0")
            .env("SEIP_LISTEN__ASSESSMENT", "127.0.0.1:0")
            .env("SEIP_LISTEN__ARREARS_ENFORCEMENT", "127.0.0.1:0")
            .env("SEIP_LISTEN__REPORTING", "127.0.0.1:0")
            // Quiet unless asked: `SEIP_BENCH_LOG=seip_collection=debug` shows each batch's phases.
            .env(
                "SEIP_LOG_FILTER",
                std::env::var("SEIP_BENCH_LOG").unwrap_or_else(|_| "error".into()),
            )
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        // The port is bound before migrations run, so a connection alone does not mean the
        // schema is there: wait for a call to be answered.
        let mut client = CollectionServiceClient::new(grpc::channel_with_token(&url, token)?);
        for _ in 0..300 {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("the collection service exited at start ({status})");
            }
            let answered = tokio::time::timeout(
                Duration::from_secs(5),
                client.list_imports(seip_proto::collection::v1::ListImportsRequest {
                    tenant_code: TENANT.into(),
                    page_size: 1,
                    ..Default::default()
                }),
            )
            .await;
            if matches!(answered, Ok(Ok(_))) {
                return Ok(Self {
                    child,
                    url,
                    token: token.clone(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the collection service did not start")
    }
}

/// Import the file once, end to end, through the collection service (killed and started
/// again at `kill_at` % applied, if given), and check every record was applied once.
async fn import_once(
    service: &mut Child,
    url: &str,
    db: &DatabaseConnection,
    admin: &DatabaseConnection,
    path: &std::path::Path,
    n: u64,
    kill_at: Option<u8>,
) -> anyhow::Result<SeipRun> {
    let cpu_before = cpu_time_of(service.child.id()).unwrap_or_default();
    let wal = wal_position(admin).await?;
    let busy = machine_busy();
    let mut client =
        CollectionServiceClient::new(grpc::channel_with_token(&service.url, &service.token)?);
    let started = Instant::now();
    let file_name = "RCPT_11110_032_20260629_0001.dat";
    let up = seip::treasury::upload(
        &mut client,
        TENANT,
        file_name,
        file_name,
        tokio::fs::File::open(path).await?,
        |_| {},
    )
    .await?;
    let uploaded = started.elapsed();
    let cpu_uploaded = cpu_time_of(service.child.id());
    let job = up.job.ok_or_else(|| anyhow::anyhow!("no job"))?;
    let mut peak_killed = None;
    if let Some(pct) = kill_at {
        let at = i64::try_from(n * u64::from(pct) / 100)?;
        loop {
            let j = client
                .get_import(seip_proto::collection::v1::GetImportRequest {
                    tenant_code: TENANT.into(),
                    import_id: job.import_id.clone(),
                })
                .await?
                .into_inner()
                .job
                .unwrap_or_default();
            let applied = j.summary.map_or(0, |s| s.records_applied);
            if applied >= at {
                peak_killed = peak_rss_of(service.child.id());
                service.child.kill()?;
                service.child.wait()?;
                eprintln!("killed the collection service at {applied} of {n} records applied");
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        *service = Child::start(url).await?;
        client =
            CollectionServiceClient::new(grpc::channel_with_token(&service.url, &service.token)?);
    }
    let done = seip::treasury::wait(&mut client, TENANT, &job.import_id, |_| {}).await?;
    let total = started.elapsed();
    let seip_wal = wal_position(admin).await? - wal;
    let seip_busy = machine_busy().zip(busy).map(|(b, a)| b.saturating_sub(a));
    let cpu = match (kill_at, cpu_time_of(service.child.id()), cpu_uploaded) {
        (None, Some(cpu), Some(up)) => Some((
            cpu.saturating_sub(cpu_before),
            up.saturating_sub(cpu_before),
        )),
        _ => None,
    };
    let s = done.summary.unwrap_or_default();
    let paid = count(db, "receivable WHERE status = 'paid'").await?;
    anyhow::ensure!(
        s.records_applied == i64::try_from(n)? && paid == i64::try_from(n)?,
        "applied {} records, {paid} bills paid, of {n}",
        s.records_applied
    );
    anyhow::ensure!(s.applied_won + s.overpaid_won + s.suspense_won == s.total_won);
    let receipts = count(db, "receipt").await?;
    anyhow::ensure!(
        receipts == i64::try_from(n)?,
        "{receipts} receipts for {n} records"
    );
    Ok(SeipRun {
        total,
        uploaded,
        wal: seip_wal,
        busy: seip_busy,
        cpu,
        peak_killed,
        applied_won: s.applied_won + s.overpaid_won + s.suspense_won,
    })
}

/// `a` as a multiple of `b`, to two decimals: `1.47×`.
fn times_of(a: Duration, b: Duration) -> String {
    let r = a.as_millis() * 100 / b.as_millis().max(1);
    format!("{}.{:02}×", r / 100, r % 100)
}

/// Run `seip bench …`.
pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let (n, database_url, keep, kill_at, baseline_runs, runs) = match cmd {
        BenchCommand::Feed {
            records,
            database_url,
            keep,
            kill_at,
            baseline_runs,
            runs,
        } => (records, database_url, keep, kill_at, baseline_runs, runs),
        BenchCommand::Enforcement {
            bills,
            database_url,
            keep,
            baseline_runs,
            runs,
        } => {
            return crate::bench_enforcement::run(bills, &database_url, keep, baseline_runs, runs)
                .await;
        }
    };
    let name = format!("seip_bench_{}", Uuid::new_v4().simple());
    let url = db::create_database(&database_url, &name).await?;
    let result = async {
        // Tuning (SEIP_FEED__CHUNK_RECORDS, …) comes from the environment, as for `seip serve`.
        let mut settings = Settings::load(None)?;
        settings.database_url = Some(url.clone().into());
        let mut service = Child::start(&url).await?;
        let db = db::connect(&settings, ServiceName::Collection).await?;
        let admin = seip_runtime::db::connect_admin(&url).await?;
        let t = Instant::now();
        seed(&db, n).await?;
        eprintln!("seeded {n} open bills in {:.1?}", t.elapsed());
        let path = std::env::temp_dir().join(format!("RCPT_{TENANT}_032_20260629_0001-{name}.dat"));
        let size = write_file(&path, n)?;
        eprintln!("wrote {} ({size} bytes)", path.display());
        maintain(&admin).await?;
        // Each run's time, CPU time of the whole machine and WAL; the median run counts. The
        // baseline and Seip take turns, in the order baseline-Seip, Seip-baseline, … so that a
        // machine that slows down or speeds up over the minutes of a benchmark weighs on both
        // alike.
        let rss_before = peak_rss_of(service.child.id());
        let mut bases = Vec::with_capacity(usize::from(baseline_runs));
        let mut seips = Vec::with_capacity(usize::from(runs));
        // Whether the bills carry an import that must be undone before the next run.
        let mut imported = false;
        for turn in run_order(baseline_runs, runs) {
            if imported {
                reset(&admin).await?;
                imported = false;
            }
            if turn == Turn::Seip {
                let r = import_once(&mut service, &url, &db, &admin, &path, n, kill_at).await?;
                eprintln!("Seip: {:.2?}", r.total);
                seips.push(r);
                imported = true;
            } else {
                let wal = wal_position(&admin).await?;
                let busy = machine_busy();
                let time = baseline(&db, &path).await?;
                let busy = machine_busy().zip(busy).map(|(b, a)| b.saturating_sub(a));
                let wal = wal_position(&admin).await? - wal;
                eprintln!("baseline: {time:.2?}");
                maintain(&admin).await?;
                bases.push((time, busy, wal));
            }
        }
        let times: Vec<String> = bases.iter().map(|b| format!("{:.2?}", b.0)).collect();
        // The i-th baseline and the i-th import ran back to back, in one round.
        let rounds: Vec<String> = bases
            .iter()
            .zip(&seips)
            .map(|(b, s)| times_of(s.total, b.0))
            .collect();
        bases.sort_by_key(|b| b.0);
        let (base, base_busy, base_wal) = bases[bases.len() / 2];
        let peak = seips
            .iter()
            .map(|r| r.peak_killed)
            .fold(peak_rss_of(service.child.id()), Option::max);
        drop(service);
        let _ = std::fs::remove_file(&path);
        let seip_times: Vec<String> = seips.iter().map(|r| format!("{:.2?}", r.total)).collect();
        seips.sort_by_key(|r| r.total);
        let seip = &seips[seips.len() / 2];
        println!("Treasury feed on PostgreSQL, {n} records against {n} open bills ({size} bytes)");
        println!("  baseline: COPY into a scratch table + one UPDATE … FROM: {base:.2?}");
        if times.len() > 1 {
            println!("    (the median of {} runs: {})", times.len(), times.join(", "));
        }
        println!(
            "  Seip, end to end: {:.2?} (upload, check and store {:.2?}; apply {:.2?})",
            seip.total,
            seip.uploaded,
            seip.total.saturating_sub(seip.uploaded)
        );
        if seip_times.len() > 1 {
            println!(
                "    (the median of {} runs, each from the same open bills: {})",
                seip_times.len(),
                seip_times.join(", ")
            );
        }
        println!(
            "  ratio: {} the baseline (target ≤ 1.5×)",
            times_of(seip.total, base)
        );
        if rounds.len() > 1 {
            println!(
                "    (each round's, baseline and Seip back to back: {})",
                rounds.join(", ")
            );
        }
        match peak {
            Some(kib) => println!(
                "  peak RSS of the collection service: {} MiB (target ≤ 256 MiB; {} MiB idle before the import)",
                kib / 1024,
                rss_before.unwrap_or(0) / 1024
            ),
            None => println!("  peak RSS: not available on this system"),
        }
        println!(
            "  WAL written: baseline {} MiB, Seip {} MiB",
            base_wal >> 20,
            seip.wal >> 20
        );
        if let (Some(base), Some(busy)) = (base_busy, seip.busy) {
            println!(
                "  CPU time of the whole machine: baseline {base:.2?}, Seip {busy:.2?} ({})",
                times_of(busy, base)
            );
        }
        if let Some((cpu, up)) = seip.cpu {
            println!(
                "  CPU time of the collection service: {cpu:.2?} (upload {up:.2?}, apply {:.2?})",
                cpu.saturating_sub(up)
            );
        }
        println!(
            "  every record applied once in every run: {n} receipts, {n} bills paid, {} won placed",
            seip.applied_won
        );
        anyhow::Ok(())
    }
    .await;
    if !keep {
        db::drop_database(&database_url, &name).await?;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_has_two_decimals_and_survives_a_zero_baseline() {
        let ms = Duration::from_millis;
        assert_eq!(times_of(ms(18_730), ms(11_630)), "1.61×");
        assert_eq!(times_of(ms(1_500), ms(1_000)), "1.50×");
        assert_eq!(times_of(ms(900), ms(1_000)), "0.90×");
        assert_eq!(times_of(ms(5), ms(0)), "5.00×");
    }

    #[test]
    fn runs_alternate_which_side_goes_first() {
        use Turn::{Baseline as B, Seip as S};
        assert_eq!(run_order(3, 3), vec![B, S, S, B, B, S]);
        assert_eq!(run_order(1, 1), vec![B, S]);
        // The side with more runs has the last rounds alone.
        assert_eq!(run_order(1, 3), vec![B, S, S, S]);
        assert_eq!(run_order(3, 1), vec![B, S, B, B]);
    }
}
