//! `seip demo`: a municipality's half-year in a minute, on a fresh store.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use chrono::{Datelike, NaiveDate, TimeZone};
use comfy_table::Cell;
use futures::{StreamExt, stream};
use secrecy::SecretString;
use seip::display::{Unit, bar, num, table, won};
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite};
use seip_core::{Clock, TaxItem, Won, clock::kst};
use seip_proto::arrears_enforcement::v1::GetArrearsSummaryRequest;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_client::ArrearsEnforcementServiceClient;
use seip_proto::assessment::v1 as apb;
use seip_proto::assessment::v1::assessment_service_client::AssessmentServiceClient;
use seip_proto::collection::v1 as cpb;
use seip_proto::collection::v1::collection_service_client::CollectionServiceClient;
use seip_proto::common::v1 as common;
use seip_proto::reporting::v1::GetMonthlyReportRequest;
use seip_proto::reporting::v1::reporting_service_client::ReportingServiceClient;
use seip_runtime::auth::Role;
use seip_runtime::convert::{date_from_proto, date_to_proto, tax_item_from_proto};
use seip_runtime::telemetry::{self, TelemetryOptions};
use seip_runtime::{ServiceName, Settings, grpc};

/// Options of `seip demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Vehicles (and owners) in the generated municipality.
    #[arg(long, default_value_t = 3000)]
    vehicles: usize,
    /// Where the embedded SQLite files go (emptied first).
    #[arg(long, default_value = "seip-demo")]
    data_dir: PathBuf,
    /// Run on PostgreSQL instead: a server URL; the demo creates a fresh database there.
    #[arg(long)]
    database_url: Option<String>,
    /// Seed of the generated municipality, for repeatable runs.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

const TENANT: &str = "11110";
const BANK: &str = "032";
const SURNAMES: &[&str] = &["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
const GIVEN: &[&str] = &[
    "민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지우", "현우", "서윤",
];
const DISPLACEMENTS: &[u32] = &[
    998, 999, 1353, 1497, 1591, 1598, 1995, 1999, 2151, 2497, 2999, 3342, 3778,
];

fn kst_instant(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<chrono::Utc> {
    kst()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Run the demo.
pub async fn run(args: DemoArgs, config: Option<&Path>) -> anyhow::Result<()> {
    let mut settings = Settings::load(config)?;
    let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    settings.listen = seip_runtime::config::PerService::all(any);
    settings.endpoints = None;
    settings.internal_listen = seip_runtime::config::PerService::all(any);
    settings.internal_endpoints = None;
    settings.data_dir = args.data_dir.clone();
    settings.relay.poll_interval_ms = 50;
    // The demo follows its notices up itself, on its own clock.
    settings.notices.follow_up_ms = 3_600_000;
    settings.notices.municipalities.insert(
        TENANT.into(),
        seip_runtime::config::MunicipalNotices {
            issuer: Some("서울특별시 종로구청장".into()),
            sender: Some("서울특별시 종로구".into()),
            ..Default::default()
        },
    );
    let _guard = telemetry::init(&settings, TelemetryOptions { quiet: true })?;
    let store = match &args.database_url {
        Some(url) => {
            let name = format!("seip_demo_{}", Clock::system().now().format("%Y%m%d%H%M%S"));
            let db_url = seip_runtime::db::create_database(url, &name).await?;
            settings.database_url = Some(SecretString::from(db_url));
            settings.pii_key = Some(SecretString::from(
                seip_assessment::domain::pii::PiiCipher::generate_key(),
            ));
            format!("PostgreSQL database {name}")
        }
        None => {
            if args.data_dir.exists() {
                std::fs::remove_dir_all(&args.data_dir)?;
            }
            format!("SQLite files in {}", args.data_dir.display())
        }
    };
    // The demo plays late May to August 2026 on its own clock: taxpayers registered (half of
    // them applying for e-service, in effect from June) on 25 May, the levy on 1 June.
    let clock = Clock::fixed(kst_instant(2026, 5, 25, 9));
    let started = Instant::now();
    println!(
        "Seip demo — municipality {TENANT} (Jongno-gu), {} vehicles, {store}",
        args.vehicles
    );
    // The demo is its own identity provider: a development key in its data directory, whose
    // public half the services trust; each actor below calls with its own token.
    let issuer = seip::development_issuer(&settings)?;
    let jwks = args.data_dir.join("jwks.json");
    std::fs::write(&jwks, issuer.jwks())?;
    settings.auth.jwks_file = Some(jwks);
    // And its own CA: the services know each other by the certificates it issues.
    let certs = args.data_dir.join("certs");
    seip_runtime::tls::init(&certs)?;
    settings.tls.dir = Some(certs);
    let platform = seip::Platform::start_all(settings, clock.clone()).await?;
    let tenant = seip_core::TenantCode::parse_field(TENANT, "tenant")?;
    let as_actor = |service: ServiceName, subject: &str, role: Role| {
        let token = issuer.issue(
            subject,
            &[tenant],
            &[role],
            Clock::system().now(),
            chrono::Duration::hours(1),
        )?;
        grpc::channel_with_token(&platform.endpoint(service), &token)
    };
    let assessment = AssessmentServiceClient::new(as_actor(
        ServiceName::Assessment,
        "demo.assessor",
        Role::Assessor,
    )?);
    let bank = CollectionServiceClient::new(as_actor(
        ServiceName::Collection,
        "demo.treasury-bank",
        Role::TreasuryBank,
    )?);
    let collection = CollectionServiceClient::new(as_actor(
        ServiceName::Collection,
        "demo.collector",
        Role::Collector,
    )?);

    // 1. Taxpayers and their cars.
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let people: Vec<(String, String, u32, NaiveDate, bool)> = (0..args.vehicles)
        .map(|i| {
            let name = format!(
                "{}{}",
                SURNAMES[rng.usize(..SURNAMES.len())],
                GIVEN[rng.usize(..GIVEN.len())]
            );
            let birth_year = rng.u32(1950..2004);
            let rrn = format!(
                "{:02}{:02}{:02}{}{:06}",
                birth_year % 100,
                rng.u32(1..13),
                rng.u32(1..29),
                if birth_year >= 2000 {
                    3 + rng.u32(0..2)
                } else {
                    1 + rng.u32(0..2)
                },
                i
            );
            let cc = DISPLACEMENTS[rng.usize(..DISPLACEMENTS.len())];
            let start = date(rng.i32(2008..2026), rng.u32(1..13), rng.u32(1..29));
            let start = start.min(date(2026, 5, 31));
            (name, rrn, cc, start, rng.u8(0..100) < 8)
        })
        .collect();
    let pb = bar(people.len() as u64, "registering vehicles", Unit::Items);
    let vehicles: Vec<anyhow::Result<String>> = stream::iter(people.iter().enumerate())
        .map(|(i, (name, rrn, cc, start, commercial))| {
            let mut a = assessment.clone();
            let pb = pb.clone();
            async move {
                let t = a
                    .register_taxpayer(apb::RegisterTaxpayerRequest {
                        tenant_code: TENANT.into(),
                        idempotency_key: format!("demo-taxpayer-{i}"),
                        name: name.clone(),
                        resident_registration_number: rrn.clone(),
                        address: format!("서울특별시 종로구 세종대로 {}", 1 + i % 200),
                    })
                    .await?
                    .into_inner();
                if i % 2 == 0 {
                    a.apply_for_e_service(apb::ApplyForEServiceRequest {
                        tenant_code: TENANT.into(),
                        idempotency_key: format!("demo-e-service-{i}"),
                        taxpayer_id: t.taxpayer_id.clone(),
                    })
                    .await?;
                }
                let v = a
                    .register_vehicle(apb::RegisterVehicleRequest {
                        tenant_code: TENANT.into(),
                        idempotency_key: format!("demo-vehicle-{i}"),
                        taxpayer_id: t.taxpayer_id,
                        plate_number: format!("{:02}가{:04}", 10 + i / 10_000, i % 10_000),
                        vehicle_class: apb::VehicleClass::PassengerCar as i32,
                        vehicle_use: if *commercial {
                            apb::VehicleUse::Commercial
                        } else {
                            apb::VehicleUse::NonCommercial
                        } as i32,
                        displacement_cc: i32::try_from(*cc)?,
                        age_start_date: Some(date_to_proto(*start)),
                    })
                    .await?
                    .into_inner();
                pb.inc(1);
                Ok(v.vehicle_id)
            }
        })
        .buffered(8)
        .collect()
        .await;
    pb.finish();
    let vehicles = vehicles.into_iter().collect::<anyhow::Result<Vec<_>>>()?;

    // 2. The periodic automobile tax, first half of 2026.
    clock.set(kst_instant(2026, 6, 1, 9));
    let pb = bar(
        vehicles.len() as u64,
        "deciding automobile tax 2026-1",
        Unit::Items,
    );
    let bills: Vec<anyhow::Result<apb::Bill>> = stream::iter(vehicles.iter().enumerate())
        .map(|(i, v)| {
            let mut a = assessment.clone();
            let pb = pb.clone();
            async move {
                let r = a
                    .decide_automobile_tax(apb::DecideAutomobileTaxRequest {
                        tenant_code: TENANT.into(),
                        idempotency_key: format!("demo-levy-2026-1-{i}"),
                        vehicle_id: v.clone(),
                        tax_year: 2026,
                        period_half: common::PeriodHalf::H1 as i32,
                    })
                    .await?
                    .into_inner();
                pb.inc(1);
                r.bill.ok_or_else(|| anyhow::anyhow!("no bill"))
            }
        })
        .buffered(8)
        .collect()
        .await;
    pb.finish();
    let bills = bills.into_iter().collect::<anyhow::Result<Vec<_>>>()?;

    // The bills reach collection before any payment does (the bank's file comes days later).
    platform.drain_events().await?;

    // 2½. The June notices: one message per taxpayer through the relay (its simulator: a
    // third read at once, one in ten cannot be reached by KakaoTalk, half of those gave a
    // mobile number); served by the message where e-service applies, on paper after the 7
    // days for the rest.
    notices(&platform, &assessment, &clock, &people, &bills).await?;

    // 3. The treasury bank's file of what was paid in June.
    clock.set(kst_instant(2026, 6, 30, 18));
    let mut writer = FileWriter::new(Header {
        tenant_code: TENANT.into(),
        bank_code: BANK.into(),
        accounting_date: date(2026, 6, 30),
        file_seq: 1,
        created_at: date(2026, 7, 1).and_hms_opt(6, 0, 0).unwrap_or_default(),
    });
    let receipt_ids: Vec<String> = (0..bills.len() + 1)
        .map(|i| format!("KB{:018}", i + 1))
        .collect();
    for (i, b) in bills.iter().enumerate() {
        let roll = rng.u8(0..100);
        if roll >= 90 {
            continue; // 10 % do not pay by the due date.
        }
        let amount = |item: TaxItem| {
            b.lines
                .iter()
                .filter(|l| tax_item_from_proto(l.tax_item, "tax_item").ok() == Some(item))
                .map(|l| Won::new(l.amount_won))
                .sum::<Won>()
        };
        let (mut principal, mut edu) = (
            amount(TaxItem::AutomobileTax),
            amount(TaxItem::LocalEducationTax),
        );
        if roll >= 87 {
            principal = Won::floor10(principal.to_decimal() / rust_decimal::Decimal::TWO); // partial
            edu = Won::ZERO;
        } else if roll == 86 {
            principal += Won::new(10_000); // over-payment
        }
        writer.push(&PaymentToWrite {
            e_payment_number: &b.e_payment_number,
            tax_item_code: TaxItem::AutomobileTax.code(),
            fiscal_year: 2026,
            period: 1,
            principal,
            late_charge: Won::ZERO,
            education_tax: edu,
            paid_on: date(2026, 6, 16 + rng.u32(0..14)),
            channel: 1 + rng.u8(0..8),
            payer_name: &people[i].0,
            bank_receipt_id: &receipt_ids[i],
            cancel: false,
        });
    }
    // A payment with a number no bill carries: it must land in suspense, not vanish.
    writer.push(&PaymentToWrite {
        e_payment_number: "1111012650999999990",
        tax_item_code: TaxItem::AutomobileTax.code(),
        fiscal_year: 2026,
        period: 1,
        principal: Won::new(120_000),
        late_charge: Won::ZERO,
        education_tax: Won::new(36_000),
        paid_on: date(2026, 6, 29),
        channel: 3,
        payer_name: "미확인납부자",
        bank_receipt_id: &receipt_ids[bills.len()],
        cancel: false,
    });
    let file = writer.finish();
    let file_name = format!("RCPT_{TENANT}_{BANK}_20260630_0001.dat");
    // Kept beside the store, for trying `seip feed import` and `seip feed deposits` by hand.
    std::fs::create_dir_all(&args.data_dir)?;
    std::fs::write(args.data_dir.join(&file_name), &file)?;
    let pb = bar(file.len() as u64, "importing treasury file", Unit::Bytes);
    let upload_bar = pb.clone();
    let mut bank = bank.clone();
    let uploaded = seip::treasury::upload(
        &mut bank,
        TENANT,
        &file_name,
        &file_name,
        std::io::Cursor::new(file),
        move |n| upload_bar.inc(n),
    )
    .await?;
    pb.finish();
    let job = uploaded
        .job
        .ok_or_else(|| anyhow::anyhow!("no import job"))?;
    let pb = bar(
        u64::try_from(job.summary.as_ref().map_or(0, |s| s.records)).unwrap_or(0),
        "applying records",
        Unit::Items,
    );
    let job = seip::treasury::wait(&mut bank, TENANT, &job.import_id, |j| {
        pb.set_position(j.summary.as_ref().map_or(0, |s| s.records_applied) as u64);
    })
    .await?;
    pb.finish();
    let summary = job.summary.unwrap_or_default();

    // The bank's deposit statement for the day: it reconciles, and the receipts are stamped.
    let statement = format!(
        "tenant,bank,account_no,accounting_date,amount,reference\n{TENANT},{BANK},1005-301-123456,20260630,{},{}\n",
        summary.total_won,
        file_name.trim_end_matches(".dat")
    );
    std::fs::write(args.data_dir.join("DEPOSITS_20260630.csv"), &statement)?;
    let deposits = bank
        .import_deposit_statement(cpb::ImportDepositStatementRequest {
            tenant_code: TENANT.into(),
            idempotency_key: "demo-deposits-20260630".into(),
            file_name: "DEPOSITS_20260630.csv".into(),
            content: statement.into_bytes(),
        })
        .await?
        .into_inner();
    let stamped: i64 = deposits
        .reconciliations
        .iter()
        .map(|r| r.receipts_stamped)
        .sum();

    // 4. 1 July: the due-date close moves what is unpaid into arrears.
    clock.set(kst_instant(2026, 7, 1, 9));
    let close = collection
        .clone()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: TENANT.into(),
            idempotency_key: "demo-close-2026-06-30".into(),
            due_date: Some(date_to_proto(date(2026, 6, 30))),
        })
        .await?
        .into_inner();
    let pending = platform.drain_events().await?;

    // 5. The books.
    let t = seip::treasury::summary_table(&summary);
    println!(
        "\n{t}\nDeposit statement {} won: reconciled, {stamped} receipts stamped into the receipts ledger.",
        Won::new(deposits.total_won)
    );
    let mut reporting = ReportingServiceClient::new(as_actor(
        ServiceName::Reporting,
        "demo.viewer",
        Role::Viewer,
    )?);
    for (y, m) in [(2026, 6), (2026, 7)] {
        let report = reporting
            .get_monthly_report(GetMonthlyReportRequest {
                tenant_code: TENANT.into(),
                year: y,
                month: m,
            })
            .await?
            .into_inner();
        let mut t = table([
            "tax item",
            "levied",
            "levied won",
            "collected",
            "collected won",
            "overdue",
            "overdue won",
            "late charge",
        ]);
        for r in &report.rows {
            let item = tax_item_from_proto(r.tax_item, "tax_item")
                .map(|i| i.name())
                .unwrap_or("?");
            t.add_row([
                Cell::new(item),
                num(r.levied_count),
                won(r.levied_won),
                num(r.collected_count),
                won(r.collected_won + r.late_charge_collected_won),
                num(r.overdue_count),
                won(r.overdue_won),
                won(r.late_charge_raised_won),
            ]);
        }
        t.add_row([
            Cell::new("total"),
            Cell::new(""),
            won(report.total_levied_won),
            Cell::new(""),
            won(report.total_collected_won),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
        ]);
        println!(
            "\nMonthly revenue collection report (세입징수 보고서) {y}-{m:02}, municipality {TENANT}\n{t}"
        );
    }
    let mut officer = ArrearsEnforcementServiceClient::new(as_actor(
        ServiceName::ArrearsEnforcement,
        "demo.enforcement-officer",
        Role::EnforcementOfficer,
    )?);
    let arrears = officer
        .get_arrears_summary(GetArrearsSummaryRequest {
            tenant_code: TENANT.into(),
        })
        .await?
        .into_inner();
    println!(
        "\nDue-date close 2026-06-30: {} bills overdue, late charge raised {} won.\nArrears register: {} delinquents, {} bills, {} won.",
        close.bills_overdue,
        Won::new(close.late_charge_won),
        arrears.delinquents,
        arrears.bills,
        Won::new(arrears.arrears_amount_won),
    );
    // 6. Pursuit: demands, their lapse, seizure of the taxed cars, payments that free them.
    let enforcement = pursue(
        &platform,
        &clock,
        &mut officer,
        (&bank, &collection),
        &bills,
        &vehicles,
        &receipt_ids,
    )
    .await?;
    let pending = pending + platform.drain_events().await?;
    println!("\n{enforcement}");
    for (y, m) in [(2026, 7), (2026, 8)] {
        let report = reporting
            .get_monthly_report(GetMonthlyReportRequest {
                tenant_code: TENANT.into(),
                year: y,
                month: m,
            })
            .await?
            .into_inner();
        let mut t = table(["enforcement", "count", "won"]);
        for a in &report.enforcement {
            t.add_row([
                Cell::new(
                    seip_proto::reporting::v1::EnforcementActivityKind::try_from(a.kind)
                        .map(|k| format!("{k:?}"))
                        .unwrap_or_default(),
                ),
                num(a.count),
                won(a.amount_won),
            ]);
        }
        println!("Enforcement in the report of {y}-{m:02}\n{t}");
    }
    println!(
        "Events pending delivery: {pending}. Finished in {:.1?} (demo clock {}).",
        started.elapsed(),
        clock
            .today()
            .with_day(1)
            .unwrap_or_default()
            .format("%Y-%m")
    );
    platform.shutdown().await
}

/// How many of the delinquents' cars the demo seizes, and how many of them then pay.
const SEIZED_CARS: usize = 20;
const PAYING_AFTER_SEIZURE: usize = 5;

/// After the close: demands on 10 July, their lapse on 31 July (the business clock moved,
/// the scheduler run), the taxed cars of the first delinquents seized on 3 August (S-2),
/// and some of them paying in full on 10 August, which releases their cars. Returns the
/// story as a table.
/// Deliver the June notices and print the channel report.
async fn notices(
    platform: &seip::Platform,
    assessment: &AssessmentServiceClient<grpc::Channel>,
    clock: &Clock,
    people: &[(String, String, u32, NaiveDate, bool)],
    bills: &[apb::Bill],
) -> anyhow::Result<()> {
    use seip_assessment::ports::relay::{Recipient, matching_key};
    let sim = platform
        .relay_simulator()
        .context("the demo runs the relay's simulator")?;
    let secret = platform
        .matching_secret()
        .context("the demo's matching secret")?;
    let mut a = assessment.clone();
    for (i, ((_, rrn, ..), bill)) in people.iter().zip(bills).enumerate() {
        let ci = matching_key(secret, rrn);
        if i % 10 == 0 {
            sim.set_recipient(&ci, Recipient::Unreachable);
            if i % 20 == 0 {
                a.set_taxpayer_phone(apb::SetTaxpayerPhoneRequest {
                    tenant_code: TENANT.into(),
                    idempotency_key: format!("demo-phone-{i}"),
                    taxpayer_id: bill.taxpayer_id.clone(),
                    phone_number: format!("010-{:04}-{:04}", 1000 + i / 10_000, i % 10_000),
                })
                .await?;
            }
        } else if i % 3 == 0 {
            sim.set_recipient(&ci, Recipient::Reads);
        }
    }
    clock.set(kst_instant(2026, 6, 10, 9));
    let run = a
        .run_delivery(apb::RunDeliveryRequest {
            tenant_code: TENANT.into(),
            idempotency_key: "demo-delivery-2026-06-10".into(),
        })
        .await?
        .into_inner();
    let mut first = platform.follow_up_notices().await?;
    let second = platform.follow_up_notices().await?;
    first.delivered += second.delivered;
    first.read += second.read;
    first.served += second.served;
    first.failed += second.failed;
    first.printed += second.printed;
    clock.set(kst_instant(2026, 6, 18, 9));
    let later = platform.follow_up_notices().await?;
    let printed = first.printed + later.printed;
    let paper_cost = 420;
    let count = |n: u64| num(i64::try_from(n).unwrap_or(i64::MAX));
    let mut t = table(["June notices", "count"]);
    t.add_row(vec![Cell::new("notices in messages"), num(run.notices)]);
    t.add_row(vec![
        Cell::new("messages (one per taxpayer)"),
        num(run.messages),
    ]);
    t.add_row(vec![
        Cell::new("AlimTalk taken by the relay"),
        num(run.sent),
    ]);
    t.add_row(vec![
        Cell::new("delivered (AlimTalk and SMS)"),
        count(first.delivered),
    ]);
    t.add_row(vec![Cell::new("read on the phone"), count(first.read)]);
    t.add_row(vec![
        Cell::new("not deliverable by AlimTalk"),
        count(first.failed),
    ]);
    t.add_row(vec![
        Cell::new("failed over to SMS"),
        count(first.failed_over),
    ]);
    t.add_row(vec![
        Cell::new("printed on paper (by 18 June)"),
        count(printed),
    ]);
    t.add_row(vec![
        Cell::new("served by the message (e-service)"),
        count(first.served),
    ]);
    let printed = i64::try_from(printed).unwrap_or(i64::MAX);
    let saved = run
        .notices
        .saturating_sub(printed)
        .saturating_mul(paper_cost);
    println!(
        "\n{t}\nPostage not spent on notices that needed no paper: {} won ({paper_cost} won a notice).",
        Won::new(saved)
    );
    Ok(())
}

async fn pursue(
    platform: &seip::Platform,
    clock: &Clock,
    officer: &mut ArrearsEnforcementServiceClient<grpc::Channel>,
    (bank, collection): (
        &CollectionServiceClient<grpc::Channel>,
        &CollectionServiceClient<grpc::Channel>,
    ),
    bills: &[apb::Bill],
    vehicles: &[String],
    receipt_ids: &[String],
) -> anyhow::Result<comfy_table::Table> {
    use seip_proto::arrears_enforcement::v1 as epb;
    let mut story = table(["day", "what", "count", "won"]);
    clock.set(kst_instant(2026, 7, 10, 9));
    let mut run = officer
        .issue_demands(epb::IssueDemandsRequest {
            tenant_code: TENANT.into(),
            due_date: Some(date_to_proto(date(2026, 6, 30))),
            idempotency_key: "demo-demands-2026-06-30".into(),
        })
        .await?
        .into_inner();
    let mut demanded = None;
    while let Some(p) = run.next().await {
        demanded = Some(p?);
    }
    let demanded = demanded.ok_or_else(|| anyhow::anyhow!("the demand run answered nothing"))?;
    story.add_row([
        Cell::new("2026-07-10"),
        Cell::new(format!(
            "demands issued (독촉), deadline {}",
            demanded
                .deadline
                .as_ref()
                .map(|d| format!("{}-{:02}-{:02}", d.year, d.month, d.day))
                .unwrap_or_default()
        )),
        num(demanded.demands_issued),
        won(demanded.demanded_won),
    ]);
    platform.drain_events().await?;
    clock.set(kst_instant(2026, 7, 31, 9));
    let lapsed = platform.run_timers().await?;
    story.add_row([
        Cell::new("2026-07-31"),
        Cell::new("demands lapsed unpaid: seizure may start (S-1)"),
        num(i64::try_from(lapsed)?),
        Cell::new(""),
    ]);
    // The delinquents, oldest cases first, and their cars.
    let cases = officer
        .list_enforcement_cases(epb::ListEnforcementCasesRequest {
            tenant_code: TENANT.into(),
            state: epb::CaseState::Active as i32,
            page_size: i32::try_from(SEIZED_CARS)?,
            ..Default::default()
        })
        .await?
        .into_inner()
        .cases;
    clock.set(kst_instant(2026, 8, 3, 9));
    let mut seized = Vec::new();
    for c in &cases {
        let Some(i) = bills.iter().position(|b| b.taxpayer_id == c.taxpayer_id) else {
            continue;
        };
        let z = officer
            .seize_asset(epb::SeizeAssetRequest {
                tenant_code: TENANT.into(),
                taxpayer_id: c.taxpayer_id.clone(),
                asset: Some(epb::Asset {
                    kind: epb::AssetKind::Vehicle as i32,
                    reference: vehicles[i].clone(),
                    third_party: String::new(),
                    value_won: 6_000_000,
                }),
                idempotency_key: format!("demo-seize-car-{i}"),
            })
            .await?
            .into_inner()
            .seizure
            .ok_or_else(|| anyhow::anyhow!("no seizure in the answer"))?;
        seized.push((i, z));
    }
    platform.run_timers().await?;
    story.add_row([
        Cell::new("2026-08-03"),
        Cell::new("cars seized at the vehicle register (S-2, perfected S-3)"),
        num(i64::try_from(seized.len())?),
        won(seized.iter().map(|(_, z)| z.secured_won).sum()),
    ]);
    // Licence plates (V-1): one unpaid bill warns; impoundment waits for a second.
    let plates = officer
        .select_plate_actions(epb::SelectPlateActionsRequest {
            tenant_code: TENANT.into(),
            idempotency_key: "demo-plates-2026-08-03".into(),
        })
        .await?
        .into_inner();
    story.add_row([
        Cell::new("2026-08-03"),
        Cell::new("owners warned of plate impoundment (영치예고, 1 unpaid bill)"),
        num(plates.warned),
        Cell::new(""),
    ]);
    story.add_row([
        Cell::new("2026-08-03"),
        Cell::new("cars on the crews' list (2 or more unpaid bills)"),
        num(plates.ordered),
        Cell::new(""),
    ]);
    // Some pay in full on 10 August: the bank's file frees their cars.
    clock.set(kst_instant(2026, 8, 10, 18));
    let mut writer = FileWriter::new(Header {
        tenant_code: TENANT.into(),
        bank_code: BANK.into(),
        accounting_date: date(2026, 8, 10),
        file_seq: 1,
        created_at: date(2026, 8, 11).and_hms_opt(6, 0, 0).unwrap_or_default(),
    });
    let paying: Vec<_> = seized.iter().take(PAYING_AFTER_SEIZURE).collect();
    let receipts: Vec<String> = (0..paying.len())
        .map(|k| format!("KB{:018}", receipt_ids.len() + 1 + k))
        .collect();
    let mut paid = 0;
    for ((i, _), receipt) in paying.iter().zip(&receipts) {
        let b = &bills[*i];
        let due = collection
            .clone()
            .get_receivable(cpb::GetReceivableRequest {
                tenant_code: TENANT.into(),
                e_payment_number: b.e_payment_number.clone(),
                as_of: Some(date_to_proto(date(2026, 8, 10))),
            })
            .await?
            .into_inner()
            .receivable
            .ok_or_else(|| anyhow::anyhow!("no receivable"))?;
        let unpaid = |edu: bool| {
            due.lines
                .iter()
                .filter(|l| {
                    (tax_item_from_proto(l.tax_item, "tax_item").ok()
                        == Some(TaxItem::LocalEducationTax))
                        == edu
                })
                .map(|l| l.principal_won - l.principal_paid_won)
                .sum::<i64>()
        };
        let (principal, edu) = (unpaid(false), unpaid(true));
        writer.push(&PaymentToWrite {
            e_payment_number: &b.e_payment_number,
            tax_item_code: TaxItem::AutomobileTax.code(),
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(principal),
            late_charge: Won::new(due.amount_due_won - principal - edu),
            education_tax: Won::new(edu),
            paid_on: date(2026, 8, 10),
            channel: 6,
            payer_name: "체납자",
            bank_receipt_id: receipt,
            cancel: false,
        });
        paid += due.amount_due_won;
    }
    seip::treasury::import(
        &mut bank.clone(),
        TENANT,
        "RCPT_11110_032_20260810_0001.dat",
        writer.finish(),
    )
    .await?;
    platform.drain_events().await?;
    let released = platform.run_timers().await?;
    story.add_row([
        Cell::new("2026-08-10"),
        Cell::new("paid in full: their seizures released"),
        num(i64::try_from(released)?),
        won(paid),
    ]);
    if let Some((_, z)) = seized.get(PAYING_AFTER_SEIZURE) {
        auction(platform, clock, officer, collection, z, &mut story).await?;
    }
    Ok(story)
}

/// One seized car that stayed unpaid goes to public auction on 11 August (공매, delegated to
/// the platform): bidders bid on its listing, the bids are opened on the sale day, the sale
/// is decided, the buyer pays, and collection distributes the price over the owner's
/// arrears, holding the rest for the owner.
async fn auction(
    platform: &seip::Platform,
    clock: &Clock,
    officer: &mut ArrearsEnforcementServiceClient<grpc::Channel>,
    collection: &CollectionServiceClient<grpc::Channel>,
    seizure: &seip_proto::arrears_enforcement::v1::Seizure,
    story: &mut comfy_table::Table,
) -> anyhow::Result<()> {
    use seip_arrears_enforcement::ports::auction::{PlatformBid, Settlement};
    use seip_proto::arrears_enforcement::v1 as epb;
    let sim = platform
        .auction_simulator()
        .context("the demo runs on the auction platform's simulator")?
        .clone();
    clock.set(kst_instant(2026, 8, 11, 9));
    let a = officer
        .start_auction(epb::StartAuctionRequest {
            tenant_code: TENANT.into(),
            seizure_id: seizure.seizure_id.clone(),
            appraised_value_won: 6_000_000,
            description: "승용자동차, 압류 차량".into(),
            idempotency_key: "demo-auction-1".into(),
            appraisal_cost_won: 180_000,
        })
        .await?
        .into_inner()
        .auction
        .context("no auction in the answer")?;
    platform.run_timers().await?;
    let sale_on = date_from_proto(a.sale_on.as_ref(), "sale_on")?;
    story.add_row([
        Cell::new("2026-08-11"),
        Cell::new(format!(
            "a seized car put to public auction (공매), sale on {sale_on}; appraisal fee 180,000 charged (체납처분비)"
        )),
        num(1),
        won(a.reserve_won),
    ]);
    let asset = seizure.asset.clone().unwrap_or_default();
    let listing = sim
        .open_listing(&asset.reference)
        .context("the listing is not at the platform")?;
    for (who, amount) in [
        ("bidder-1", 5_400_000),
        ("bidder-2", 6_350_000),
        ("bidder-3", 6_100_000),
    ] {
        sim.bid(
            &listing.listing_id,
            PlatformBid {
                bidder_ref: who.into(),
                amount,
                deposit: listing.minimum_deposit,
            },
        );
    }
    clock.set(kst_instant(
        sale_on.year(),
        sale_on.month(),
        sale_on.day(),
        9,
    ));
    platform.run_timers().await?;
    let decided = officer
        .decide_sale(epb::DecideSaleRequest {
            tenant_code: TENANT.into(),
            auction_id: a.auction_id.clone(),
            price_days: 0,
            idempotency_key: "demo-auction-1-decide".into(),
        })
        .await?
        .into_inner()
        .auction
        .context("no auction in the answer")?;
    story.add_row([
        Cell::new(sale_on.to_string()),
        Cell::new(format!(
            "bids opened ({}), the highest valid one wins; sale decided",
            decided.bids.len()
        )),
        num(1),
        won(decided.winning_bid_won),
    ]);
    let paid_on = sale_on + chrono::Days::new(4);
    sim.pay(
        &listing.listing_id,
        Settlement {
            paid_on,
            amount: decided.winning_bid_won,
        },
    );
    clock.set(kst_instant(
        paid_on.year(),
        paid_on.month(),
        paid_on.day(),
        18,
    ));
    platform.run_timers().await?;
    platform.drain_events().await?;
    let surplus: i64 = collection
        .clone()
        .list_overpayments(cpb::ListOverpaymentsRequest {
            tenant_code: TENANT.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await?
        .into_inner()
        .items
        .iter()
        .filter(|i| i.distribution_id == a.auction_id)
        .map(|i| i.amount_won)
        .sum();
    story.add_row([
        Cell::new(paid_on.to_string()),
        Cell::new("the buyer paid: costs, then the owner's arrears paid from it (배분, P-3)"),
        num(1),
        won(decided.winning_bid_won - surplus),
    ]);
    story.add_row([
        Cell::new(paid_on.to_string()),
        Cell::new("the rest held for the owner (잔여금, to refund)"),
        Cell::new(""),
        won(surplus),
    ]);
    Ok(())
}
