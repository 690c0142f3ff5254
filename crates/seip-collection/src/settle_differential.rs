//! The set-based settle statement ([`crate::store::settle`]) against the general matcher
//! ([`crate::domain::posting::Batch::post`]): one posting rule is written twice, once in SQL
//! for speed, so random batches go through a chunk's whole apply both ways, each in a
//! transaction rolled back afterwards, and must leave the same receipts, the same bills and
//! the same events. PostgreSQL only (SQLite always takes the matcher).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use prost::Message;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait,
};
use seip_core::{Clock, TaxItem, TenantCode, Won};
use seip_proto::collection::v1 as pb;
use seip_runtime::bulk::{Cell, Rows, insert};
use uuid::Uuid;

use crate::CollectionApp;
use crate::domain::feed::{Receipt, RecordKind};
use crate::domain::receivable::BilledLine;
use crate::jobs::Counts;
use crate::store::treasury_import;
use crate::testing::payment_number as number;

const TENANT: &str = "11110";
const BANK: &str = "032";

fn due() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

/// A bill as the batch finds it.
#[derive(Debug, Clone, Copy)]
enum BillState {
    /// Open, nothing paid: the settle statement's case.
    Untouched,
    /// Open, part of the principal paid by an earlier receipt.
    PartlyPaid,
    /// Closed overdue, with its late charge.
    Overdue,
    /// Open and untouched, but its lines bill less than its principal.
    LinesShort,
}

#[derive(Debug, Clone, Copy)]
struct BillCase {
    /// Principal, in tens of won.
    tens: i64,
    state: BillState,
}

/// How much a record pays against what its bill asks.
#[derive(Debug, Clone, Copy)]
enum Amount {
    Exact,
    Less,
    More,
}

#[derive(Debug, Clone, Copy)]
struct RecordCase {
    /// The bill it names: past the bills, a well-formed number no bill has; one further, a
    /// malformed number.
    bill: usize,
    amount: Amount,
    late: bool,
    /// Its bank receipt id, from a small pool so that ids repeat; 0 was posted by an earlier
    /// file.
    id: u8,
    cancel: bool,
}

fn bill_case() -> impl Strategy<Value = BillCase> {
    (
        10i64..10_000,
        prop_oneof![
            6 => Just(BillState::Untouched),
            1 => Just(BillState::PartlyPaid),
            1 => Just(BillState::Overdue),
            1 => Just(BillState::LinesShort),
        ],
    )
        .prop_map(|(tens, state)| BillCase { tens, state })
}

fn record_case() -> impl Strategy<Value = RecordCase> {
    (
        0usize..12,
        prop_oneof![6 => Just(Amount::Exact), 1 => Just(Amount::Less), 1 => Just(Amount::More)],
        prop::bool::weighted(0.15),
        0u8..24,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(bill, amount, late, id, cancel)| RecordCase {
            bill,
            amount,
            late,
            id,
            cancel,
        })
}

fn bill_id(n: usize) -> Uuid {
    Uuid::from_u128(0xB111_0000 + n as u128)
}

fn principal(b: &BillCase) -> i64 {
    b.tens * 10
}

/// Seed the bills (and the receipts behind what was paid) in `txn`.
async fn seed(txn: &DatabaseTransaction, bills: &[BillCase]) -> seip_runtime::error::AppResult<()> {
    let issued = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap();
    let closed = DateTime::<Utc>::from_timestamp(1_782_900_000, 0).unwrap();
    let mut rows = Rows::new(&[
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
        "overdue_at",
        "principal_won",
        "principal_paid_won",
        "late_charge_won",
        "late_charge_paid_won",
        "version",
        "lines",
        "payment_receipt_ids",
    ]);
    let mut receipts = Rows::new(&[
        "id",
        "tenant_code",
        "import_id",
        "record_serial",
        "bank_code",
        "bank_receipt_id",
        "kind",
        "e_payment_number",
        "bill_id",
        "paid_on",
        "total_won",
        "applied_won",
        "principal_applied_won",
        "overpaid_won",
        "suspense_won",
        "outcome",
    ]);
    let earlier = Uuid::from_u128(0xEA71_0000);
    // Bank receipt id R0 was posted by an earlier file: a record repeating it is a duplicate.
    receipts.push(vec![
        Cell::Uuid(Some(Uuid::from_u128(0xE000_0000))),
        Cell::Text(Some(TENANT.into())),
        Cell::Uuid(Some(earlier)),
        Cell::Int(Some(1)),
        Cell::Text(Some(BANK.into())),
        Cell::Text(Some("R0".into())),
        Cell::Text(Some("N".into())),
        Cell::Text(Some("1234".into())),
        Cell::Uuid(None),
        Cell::Date(Some(due())),
        Cell::Int(Some(1000)),
        Cell::Int(Some(0)),
        Cell::Int(Some(0)),
        Cell::Int(Some(0)),
        Cell::Int(Some(1000)),
        Cell::Text(Some("suspense".into())),
    ]);
    for (n, b) in bills.iter().enumerate() {
        let p = principal(b);
        let education = p * 3 / 10;
        let car = p
            - education
            - if matches!(b.state, BillState::LinesShort) {
                10
            } else {
                0
            };
        let lines = crate::store::receivable::lines_to_json(&[
            BilledLine {
                tax_item: TaxItem::AutomobileTax,
                principal: Won::new(car),
            },
            BilledLine {
                tax_item: TaxItem::LocalEducationTax,
                principal: Won::new(education),
            },
        ])
        .unwrap();
        let (paid, ids) = if matches!(b.state, BillState::PartlyPaid) {
            let id = Uuid::from_u128(0xE000_0001 + n as u128);
            let part = (p / 2).max(10);
            receipts.push(vec![
                Cell::Uuid(Some(id)),
                Cell::Text(Some(TENANT.into())),
                Cell::Uuid(Some(earlier)),
                Cell::Int(Some(2 + n as i64)),
                Cell::Text(Some(BANK.into())),
                Cell::Text(Some(format!("E{n}"))),
                Cell::Text(Some("N".into())),
                Cell::Text(Some(number(n as u64 + 1))),
                Cell::Uuid(Some(bill_id(n))),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 10)),
                Cell::Int(Some(part)),
                Cell::Int(Some(part)),
                Cell::Int(Some(part)),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Text(Some("partial".into())),
            ]);
            (part, format!("[\"{id}\"]"))
        } else {
            (0, "[]".to_owned())
        };
        let overdue = matches!(b.state, BillState::Overdue);
        rows.push(vec![
            Cell::Uuid(Some(bill_id(n))),
            Cell::Text(Some(TENANT.into())),
            Cell::Uuid(Some(Uuid::from_u128(0x7A40_0000 + n as u128))),
            Cell::Text(Some(number(n as u64 + 1))),
            Cell::Int(Some(2026)),
            Cell::Int(Some(1)),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 1)),
            Cell::Date(Some(due())),
            Cell::Text(Some(if overdue { "overdue" } else { "open" }.into())),
            Cell::Timestamp(Some(issued)),
            Cell::Timestamp(overdue.then_some(closed)),
            Cell::Int(Some(p)),
            Cell::Int(Some(paid)),
            Cell::Int(Some(if overdue { p * 3 / 100 } else { 0 })),
            Cell::Int(Some(0)),
            Cell::Int(Some(0)),
            Cell::Json(Some(lines)),
            Cell::Json(Some(ids)),
        ]);
    }
    insert(txn, "receivable", &rows).await?;
    insert(txn, "receipt", &receipts).await?;
    Ok(())
}

/// The file's records.
fn records(bills: &[BillCase], cases: &[RecordCase]) -> Vec<Receipt> {
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (num, asked) = match c.bill {
                n if n < bills.len() => {
                    let b = &bills[n];
                    let paid = if matches!(b.state, BillState::PartlyPaid) {
                        (principal(b) / 2).max(10)
                    } else {
                        0
                    };
                    (number(n as u64 + 1), principal(b) - paid)
                }
                n if n == bills.len() => (number(900), 5_000),
                _ => ("1234".to_owned(), 5_000),
            };
            let total = match c.amount {
                Amount::Exact => asked,
                Amount::Less => (asked - 10).max(10),
                Amount::More => asked + 10,
            };
            let kind = if c.cancel {
                RecordKind::Cancel
            } else {
                RecordKind::Normal
            };
            let mut r = Receipt::example(&num, &format!("R{}", c.id), kind);
            r.line = i + 2;
            r.serial = u32::try_from(i + 1).unwrap();
            r.total = Won::new(total);
            r.principal = Won::new(total);
            r.paid_on = if c.late {
                NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
            } else {
                due()
            };
            r
        })
        .collect()
}

/// What a chunk left behind, with receipt ids (new each run) named by record serial.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    counts: Counts,
    receipts: Vec<Vec<Option<String>>>,
    bills: Vec<Vec<Option<String>>>,
    postings: Vec<String>,
}

/// `columns` of `table` as text, rows in `order`.
async fn texts(
    txn: &DatabaseTransaction,
    table: &str,
    columns: &[&str],
    order: &str,
) -> Result<Vec<Vec<Option<String>>>, String> {
    let select = columns
        .iter()
        .map(|c| format!("CAST({c} AS text) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = txn
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT {select} FROM {table} ORDER BY {order}"),
        ))
        .await
        .map_err(|e| e.to_string())?;
    rows.iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| r.try_get::<Option<String>>("", c))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Apply the batch with `app` in a transaction of its own, read what it left, roll back.
async fn run(
    app: &CollectionApp,
    db: &DatabaseConnection,
    bills: &[BillCase],
    recs: Vec<Receipt>,
) -> Result<Outcome, String> {
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    seed(&txn, bills).await.map_err(|e| e.to_string())?;
    let job = job();
    let counts = app
        .apply_chunk(
            &txn,
            TenantCode::parse_field(TENANT, "t").unwrap(),
            &job,
            recs,
        )
        .await
        .map_err(|e| format!("apply: {e}"))?;
    let serial_of: BTreeMap<String, String> = texts(
        &txn,
        &format!("receipt WHERE import_id = '{}'", job.id),
        &["id", "record_serial"],
        "record_serial",
    )
    .await?
    .into_iter()
    .map(|r| {
        let [id, serial] = [&r[0], &r[1]].map(|v| v.clone().unwrap_or_default());
        (id, format!("#{serial}"))
    })
    .collect();
    let named = |text: Option<String>| {
        text.map(|mut t| {
            for (id, serial) in &serial_of {
                t = t.replace(id, serial);
            }
            t
        })
    };
    let receipt_columns = [
        "record_serial",
        "bank_receipt_id",
        "kind",
        "e_payment_number",
        "bill_id",
        "paid_on",
        "total_won",
        "applied_won",
        "principal_applied_won",
        "late_charge_applied_won",
        "overpaid_won",
        "suspense_won",
        "outcome",
        "reason",
        "cancels",
        "cancelled",
        "stamped",
    ];
    let receipts = texts(
        &txn,
        "receipt",
        &receipt_columns,
        "import_id, record_serial",
    )
    .await?
    .into_iter()
    .map(|r| r.into_iter().map(&named).collect())
    .collect();
    let bill_columns = [
        "bill_id",
        "status",
        "principal_paid_won",
        "late_charge_won",
        "late_charge_paid_won",
        "paid_at",
        "overdue_at",
        "overdue_withdrawn_at",
        "payment_receipt_ids",
    ];
    let bills_after = texts(&txn, "receivable", &bill_columns, "bill_id")
        .await?
        .into_iter()
        .map(|r| r.into_iter().map(&named).collect())
        .collect();
    let payloads = txn
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT payload FROM outbox_event WHERE event_type = 'seip.collection.v1.PaymentsPosted'",
        ))
        .await
        .map_err(|e| e.to_string())?;
    let mut postings = Vec::new();
    for row in payloads {
        let bytes: Vec<u8> = row.try_get("", "payload").map_err(|e| e.to_string())?;
        let event = pb::PaymentsPosted::decode(bytes.as_slice()).map_err(|e| e.to_string())?;
        postings.extend(
            event
                .postings
                .iter()
                .map(|p| named(Some(format!("{p:?}"))).unwrap_or_default()),
        );
    }
    // Settled postings come first in an event; order matters per bill only, and a settled
    // bill has no other posting in its batch.
    postings.sort();
    txn.rollback().await.map_err(|e| e.to_string())?;
    Ok(Outcome {
        counts,
        receipts,
        bills: bills_after,
        postings,
    })
}

/// How many records of the batch the settle statement itself takes, on the seeded bills.
async fn settled_by_statement(
    db: &DatabaseConnection,
    bills: &[BillCase],
    recs: &[Receipt],
    now: DateTime<Utc>,
) -> Result<usize, String> {
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    seed(&txn, bills).await.map_err(|e| e.to_string())?;
    let tenant = TenantCode::parse_field(TENANT, "t").unwrap();
    let settled = crate::store::settle::settle(&txn, tenant, BANK, job().id, recs, now)
        .await
        .map_err(|e| e.to_string())?;
    txn.rollback().await.map_err(|e| e.to_string())?;
    Ok(settled.len())
}

fn job() -> treasury_import::Model {
    treasury_import::Model {
        id: Uuid::from_u128(0x1A90_0000),
        tenant_code: TENANT.into(),
        bank_code: BANK.into(),
        accounting_date: due(),
        file_seq: 1,
        sha256: String::new(),
        file_name: "RCPT_11110_032_20260630_0001.dat".into(),
        records: 0,
        total_won: 0,
        imported_at: DateTime::<Utc>::from_timestamp(1_782_800_000, 0).unwrap(),
        status: treasury_import::ImportStatus::Applying,
        reconciliation: crate::domain::reconciliation::Reconciliation::AwaitingDeposit,
        chunks: 1,
        header_raw: None,
        trailer_raw: None,
        final_crlf: true,
        records_applied: 0,
        paid_count: 0,
        partial_count: 0,
        overpaid_count: 0,
        suspense_count: 0,
        cancelled_count: 0,
        applied_won: 0,
        overpaid_won: 0,
        suspense_won: 0,
        finished_at: None,
        traceparent: String::new(),
        failures: 0,
        last_error: None,
    }
}

#[test]
fn the_settle_statement_and_the_matcher_leave_the_same_ledger() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some((db, server, name)) = rt.block_on(crate::testing::postgres()) else {
        return;
    };
    let now = DateTime::<Utc>::from_timestamp(1_782_900_000, 0).unwrap();
    let clock = Clock::fixed(now);
    let fast = CollectionApp::new(db.clone(), clock.clone(), Default::default());
    let off = seip_runtime::config::FeedSettings {
        set_based_settle: false,
        ..Default::default()
    };
    let slow = CollectionApp::new(db.clone(), clock, Default::default()).with_feed(off);
    // The same batches every run: a failure reproduces, and the share of batches that give
    // the statement work (checked below) does not drift with the seed.
    const CASES: u32 = 64;
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = (
        prop::collection::vec(bill_case(), 2..10),
        prop::collection::vec(record_case(), 1..12),
    );
    let settled_some = std::cell::Cell::new(0);
    let result = runner.run(&strategy, |(bills, cases)| {
        let recs = records(&bills, &cases);
        let (a, b, by_statement) = rt.block_on(async {
            (
                run(&fast, &db, &bills, recs.clone()).await,
                run(&slow, &db, &bills, recs.clone()).await,
                settled_by_statement(&db, &bills, &recs, now).await,
            )
        });
        let mut a = a.map_err(TestCaseError::fail)?;
        let b = b.map_err(TestCaseError::fail)?;
        // The fast run took the statement's path for every record the statement takes; the
        // slow one never did.
        prop_assert_eq!(
            a.counts.set_based,
            by_statement.map_err(TestCaseError::fail)?
        );
        prop_assert_eq!(b.counts.set_based, 0);
        if a.counts.set_based > 0 {
            settled_some.set(settled_some.get() + 1);
        }
        a.counts.set_based = 0;
        prop_assert_eq!(a, b);
        Ok(())
    });
    rt.block_on(crate::testing::drop_postgres(db, &server, &name));
    result.unwrap();
    // The batches gave the statement work: most cases have an exact on-time payment, which
    // the fast run settled set-based (the slow run, through the matcher).
    let settled_some = settled_some.get();
    eprintln!("the statement settled records in {settled_some} of {CASES} batches");
    assert!(
        settled_some * 4 >= CASES,
        "the statement settled records in only {settled_some} of {CASES} batches"
    );
}
