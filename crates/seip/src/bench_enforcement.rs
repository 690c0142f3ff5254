//! `seip bench enforcement`: the demand run and the lapse of its demands (the seizure
//! candidates of S-1) at volume on PostgreSQL, against raw SQL doing the same selection and
//! inserts in the same run.
//!
//! A fresh database gets N overdue bills of one due date (about one taxpayer in ten with two)
//! and their enforcement cases. The baseline issues the demands with four
//! `INSERT … SELECT`s (demands grouped by taxpayer, their bills, the actions, the timers) in
//! one transaction that is rolled back; Seip runs `issue_demands` of the arrears-enforcement
//! service in this process on the service's own database role, as the gRPC call does, and
//! its store is emptied after each run. Then the lapse: the baseline's `UPDATE … WHERE
//! EXISTS` of the unpaid demands with their actions and timers (rolled back), against
//! Seip's scheduler firing every demand's timer once. Runs take turns (baseline-Seip,
//! Seip-baseline, …) and medians count; the peak resident memory is this process's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone};
use sea_orm::{DatabaseConnection, TransactionTrait};
use seip_arrears_enforcement::ArrearsEnforcementApp;
use seip_arrears_enforcement::ports::auction::HttpAuctionPlatform;
use seip_arrears_enforcement::ports::registry::{HttpRegistries, RegistrySimulator};
use seip_core::{Clock, TenantCode, clock::kst};
use seip_rules::calendar::HolidayCalendar;
use seip_runtime::{ServiceName, Settings, db};

use crate::bench_common::{Turn, count, run_order, run_sql};
use uuid::Uuid;

const TENANT: &str = "11110";

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort_unstable();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// N overdue bills of the due date 2026-06-30 and the cases of their taxpayers.
async fn seed(admin: &DatabaseConnection, n: u64) -> anyhow::Result<()> {
    let n = i64::try_from(n)?;
    run_sql(
        admin,
        &[
            &format!(
                "INSERT INTO arrears_enforcement.arrears_bill \
                 (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, due_date, arrears_since, principal_won, late_charge_won, settled) \
                 SELECT md5('bill' || i)::uuid, '{TENANT}', md5('taxpayer' || (i - (i % 10 = 0)::int))::uuid, \
                        '11110126500' || lpad(i::text, 8, '0'), 2026, DATE '2026-06-30', DATE '2026-07-01', \
                        100000 + (i * 7919) % 500000 / 10 * 10, (100000 + (i * 7919) % 500000 / 10 * 10) * 3 / 1000 * 10, false \
                 FROM generate_series(1::bigint, {n}) AS i"
            ),
            &format!(
                "INSERT INTO arrears_enforcement.enforcement_case (id, tenant_code, taxpayer_id, state, opened_at, updated_at) \
                 SELECT md5('case' || taxpayer_id::text)::uuid, '{TENANT}', taxpayer_id, 'active', now(), now() \
                 FROM (SELECT DISTINCT taxpayer_id FROM arrears_enforcement.arrears_bill) t"
            ),
            "ANALYZE arrears_enforcement.arrears_bill",
            "ANALYZE arrears_enforcement.enforcement_case",
            "CHECKPOINT",
        ],
    )
    .await
}

/// Empty what a demand run wrote (the actions are append-only: the administrator sets the
/// triggers aside for it).
async fn reset(admin: &DatabaseConnection) -> anyhow::Result<()> {
    let txn = admin.begin().await?;
    run_sql(
        &txn,
        &[
            "SET LOCAL session_replication_role = replica",
            "TRUNCATE arrears_enforcement.demand, arrears_enforcement.demand_bill, \
             arrears_enforcement.case_action, arrears_enforcement.timer, \
             arrears_enforcement.outbox, arrears_enforcement.outbox_event, \
             arrears_enforcement.idempotency",
        ],
    )
    .await?;
    txn.commit().await?;
    run_sql(admin, &["VACUUM ANALYZE", "CHECKPOINT"]).await
}

/// The demand run in raw SQL, rolled back.
async fn baseline_demands(admin: &DatabaseConnection) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let txn = admin.begin().await?;
    run_sql(
        &txn,
        &[
            "SET LOCAL search_path = arrears_enforcement",
            // One statement: the demands inserted feed the other inserts from the CTE, whose
            // size the planner knows (a join on the new rows of a table it has no statistics
            // for picked a nested loop that ran for minutes at 1,000,000 bills).
            "WITH d AS ( \
               INSERT INTO demand (id, tenant_code, case_id, taxpayer_id, due_date, issued_on, deadline, served_on, state, principal_won, late_charge_won, issued_by, issued_at) \
               SELECT gen_random_uuid(), b.tenant_code, c.id, b.taxpayer_id, b.due_date, DATE '2026-07-10', DATE '2026-07-30', NULL, 'issued', \
                      SUM(b.principal_won), SUM(b.late_charge_won), 'bench', now() \
               FROM arrears_bill b JOIN enforcement_case c ON c.tenant_code = b.tenant_code AND c.taxpayer_id = b.taxpayer_id \
               WHERE b.due_date = DATE '2026-06-30' AND NOT b.settled \
                 AND NOT EXISTS (SELECT 1 FROM demand_bill x WHERE x.bill_id = b.bill_id) \
               GROUP BY b.tenant_code, c.id, b.taxpayer_id, b.due_date \
               RETURNING id, tenant_code, case_id, taxpayer_id, due_date, issued_on, deadline \
             ), bills AS ( \
               INSERT INTO demand_bill (bill_id, demand_id, tenant_code, e_payment_number, principal_won, late_charge_won) \
               SELECT b.bill_id, d.id, b.tenant_code, b.e_payment_number, b.principal_won, b.late_charge_won \
               FROM arrears_bill b JOIN d ON d.taxpayer_id = b.taxpayer_id AND d.due_date = b.due_date \
               WHERE NOT b.settled \
             ), acts AS ( \
               INSERT INTO case_action (id, tenant_code, case_id, at, on_date, actor, kind, subject_id, reason, detail) \
               SELECT gen_random_uuid(), tenant_code, case_id, now(), issued_on, 'bench', 'demand_issued', id::text, 'D-1', '{}' FROM d \
             ) \
             INSERT INTO timer (id, tenant_code, case_id, kind, subject_id, due_on, fired_at, created_at) \
             SELECT gen_random_uuid(), tenant_code, case_id, 'demand_deadline', id, deadline + 1, NULL, now() FROM d",
        ],
    )
    .await?;
    let took = started.elapsed();
    txn.rollback().await?;
    Ok(took)
}

/// The lapse in raw SQL, rolled back.
async fn baseline_lapse(admin: &DatabaseConnection) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let txn = admin.begin().await?;
    run_sql(
        &txn,
        &[
            "SET LOCAL search_path = arrears_enforcement",
            "UPDATE timer SET fired_at = now() WHERE fired_at IS NULL AND due_on <= DATE '2026-07-31'",
            "UPDATE demand d SET state = 'lapsed' WHERE d.state = 'issued' AND d.deadline < DATE '2026-07-31' \
               AND EXISTS (SELECT 1 FROM demand_bill db JOIN arrears_bill b ON b.bill_id = db.bill_id \
                           WHERE db.demand_id = d.id AND NOT b.settled)",
            "INSERT INTO case_action (id, tenant_code, case_id, at, on_date, actor, kind, subject_id, reason, detail) \
             SELECT gen_random_uuid(), tenant_code, case_id, now(), DATE '2026-07-31', 'bench', 'demand_lapsed', id::text, 'S-1', '{}' \
             FROM demand WHERE state = 'lapsed'",
        ],
    )
    .await?;
    let took = started.elapsed();
    txn.rollback().await?;
    Ok(took)
}

fn app(
    db: &DatabaseConnection,
    clock: &Clock,
    registries: &str,
) -> anyhow::Result<ArrearsEnforcementApp> {
    Ok(ArrearsEnforcementApp::new(
        db.clone(),
        clock.clone(),
        Arc::new(HolidayCalendar::korea()),
        Arc::default(),
        Arc::new(HttpRegistries::new(registries, "bench", None)?),
        Arc::new(HttpAuctionPlatform::new(registries, "bench", None)?),
    ))
}

/// Run the benchmark over `n` overdue bills.
pub async fn run(
    n: u64,
    database_url: &str,
    keep: bool,
    baseline_runs: u8,
    runs: u8,
) -> anyhow::Result<()> {
    let name = format!("seip_bench_{}", Uuid::new_v4().simple());
    let url = db::create_database(database_url, &name).await?;
    let result = async {
        let mut settings = Settings::load(None)?;
        settings.database_url = Some(url.clone().into());
        seip::prepare_store(&settings, ServiceName::ArrearsEnforcement).await?;
        let service = db::connect(&settings, ServiceName::ArrearsEnforcement).await?;
        let admin = db::connect_admin(&url).await?;
        let t = Instant::now();
        seed(&admin, n).await?;
        let taxpayers = count(&admin, "arrears_enforcement.enforcement_case").await?;
        eprintln!("seeded {n} overdue bills of {taxpayers} taxpayers in {:.1?}", t.elapsed());
        // The registries and the auction platform are not called by these steps; the ports
        // still need an address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let registries = format!("http://{}", listener.local_addr()?);
        tokio::spawn(RegistrySimulator::new().serve(listener, std::future::pending()));
        let tenant = TenantCode::parse_field(TENANT, "tenant")?;
        let issue_day = kst().with_ymd_and_hms(2026, 7, 10, 9, 0, 0).single().unwrap_or_default().to_utc();
        let lapse_day = kst().with_ymd_and_hms(2026, 7, 31, 9, 0, 0).single().unwrap_or_default().to_utc();
        let due = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
        let (mut bases, mut seips) = (Vec::new(), Vec::new());
        // Whether the store holds the demands of a Seip run (the lapse needs them).
        let mut issued = false;
        for (i, turn) in run_order(baseline_runs, runs).into_iter().enumerate() {
            // Each turn starts on an emptied store: a Seip run's demands go, and so do the
            // rows a rolled-back baseline left dead, which the next turn would wade through.
            if i > 0 {
                reset(&admin).await?;
            }
            issued = turn != Turn::Baseline;
            if turn == Turn::Baseline {
                bases.push(baseline_demands(&admin).await?);
            } else {
                let a = app(&service, &Clock::fixed(issue_day), &registries)?;
                let started = Instant::now();
                let p = a.issue_demands(tenant, due, "bench", |_| {}).await?;
                seips.push(started.elapsed());
                anyhow::ensure!(
                    p.demands_issued == taxpayers,
                    "{} demands for {taxpayers} taxpayers",
                    p.demands_issued
                );
            }
        }
        // The lapse needs the demands: one more Seip run if the last turn was a baseline.
        if !issued {
            reset(&admin).await?;
            app(&service, &Clock::fixed(issue_day), &registries)?
                .issue_demands(tenant, due, "bench", |_| {})
                .await?;
        }
        run_sql(&admin, &["VACUUM ANALYZE", "CHECKPOINT"]).await?;
        let mut lapse_bases = Vec::new();
        for _ in 0..baseline_runs {
            lapse_bases.push(baseline_lapse(&admin).await?);
            // What the rolled-back lapse left dead goes before the next run.
            run_sql(&admin, &["VACUUM ANALYZE", "CHECKPOINT"]).await?;
        }
        let a = app(&service, &Clock::fixed(lapse_day), &registries)?;
        let started = Instant::now();
        let fired = a.run_due_timers().await?;
        let lapse_seip = started.elapsed();
        let lapsed = count(&admin, "arrears_enforcement.demand WHERE state = 'lapsed'").await?;
        anyhow::ensure!(
            i64::try_from(fired)? == taxpayers && lapsed == taxpayers,
            "{fired} timers fired, {lapsed} demands lapsed, of {taxpayers}"
        );
        let (base, seip) = (median(bases), median(seips));
        let lapse_base = median(lapse_bases);
        // Integer arithmetic: hundredths of a ratio, items per second.
        let ratio = |a: Duration, b: Duration| {
            let r = a.as_micros() * 100 / b.as_micros().max(1);
            format!("{}.{:02}×", r / 100, r % 100)
        };
        let per_second = |items: u128, d: Duration| items * 1_000_000 / d.as_micros().max(1);
        println!("seip bench enforcement — {n} overdue bills, {taxpayers} taxpayers (PostgreSQL)");
        println!(
            "demand run:  baseline {base:.2?} (median of {baseline_runs}), Seip {seip:.2?} (median of {runs}) — ratio {}, {} bills/s",
            ratio(seip, base),
            per_second(u128::from(n), seip)
        );
        println!(
            "lapse (S-1): baseline {lapse_base:.2?} (median of {baseline_runs}), Seip {lapse_seip:.2?} (one run) — ratio {}, {} demands/s",
            ratio(lapse_seip, lapse_base),
            per_second(u128::try_from(taxpayers)?, lapse_seip)
        );
        println!(
            "peak RSS of this process (Seip's service code and the baseline's client): {} MiB",
            peak_rss_kib().unwrap_or(0) / 1024
        );
        service.close().await?;
        admin.close().await?;
        anyhow::Ok(())
    }
    .await;
    if !keep {
        db::drop_database(database_url, &name).await?;
    }
    result
}
