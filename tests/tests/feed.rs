//! The treasury feed, rule by rule (specs/treasury-feed.md §4): each test builds its files by
//! hand, asserts the exact ledger state, and ends with the books balancing.

use chrono::{NaiveDate, TimeZone};
use sea_orm::{ConnectionTrait, Statement};
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite, RECORD_LEN as RECORD};
use seip_core::{EPaymentNumber, Won};
use seip_e2e::TestPlatform;
use seip_proto::arrears_enforcement::v1::GetArrearsSummaryRequest;
use seip_proto::assessment::v1 as apb;
use seip_proto::collection::v1 as cpb;
use seip_proto::reporting::v1::GetMonthlyReportRequest;
use seip_runtime::ServiceName;
use seip_runtime::auth::Role;
use seip_runtime::convert::date_to_proto;
use tonic::Code;

const T: &str = "11110";

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(y, m, d, 1, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// `n` bills of E-A1 (1,998 cc, new): 199,800 + 59,940 = 259,740, due 2026-06-30.
async fn bills(p: &TestPlatform, n: u32) -> Vec<apb::Bill> {
    let mut out = Vec::new();
    for i in 1..=n {
        let v = p.register_car(i, 1998, day(2025, 3, 1)).await.unwrap();
        out.push(p.decide_h1(&v, &format!("levy-{i}")).await.unwrap());
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    out
}

/// A well-formed payment number no bill carries.
fn unknown_number(serial: u64) -> String {
    EPaymentNumber::compose(
        seip_core::TenantCode::parse_field(T, "tenant").unwrap(),
        seip_core::NoticeKind::AdHoc,
        2026,
        "50",
        serial,
    )
    .unwrap()
    .to_string()
}

/// The cancellation of `r`.
fn cancel(r: Rec<'_>) -> Rec<'_> {
    Rec { cancel: true, ..r }
}

/// One record to write.
#[derive(Clone)]
struct Rec<'a> {
    number: &'a str,
    principal: i64,
    edu: i64,
    charge: i64,
    paid_on: NaiveDate,
    id: &'a str,
    cancel: bool,
}

/// A record paying `amount` split as the bank does: education tax up to the bill's, the rest
/// principal.
fn pay<'a>(bill: &'a apb::Bill, amount: i64, paid_on: NaiveDate, id: &'a str) -> Rec<'a> {
    let edu = bill.lines[1].amount_won.min(amount);
    Rec {
        number: &bill.e_payment_number,
        principal: amount - edu,
        edu,
        charge: 0,
        paid_on,
        id,
        cancel: false,
    }
}

fn file(seq: u32, accounting_date: NaiveDate, recs: &[Rec<'_>]) -> (String, Vec<u8>) {
    let mut w = FileWriter::new(Header {
        tenant_code: T.into(),
        bank_code: "032".into(),
        accounting_date,
        file_seq: seq,
        created_at: accounting_date.and_hms_opt(23, 0, 0).unwrap(),
    });
    for r in recs {
        w.push(&PaymentToWrite {
            e_payment_number: r.number,
            tax_item_code: "501",
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(r.principal),
            late_charge: Won::new(r.charge),
            education_tax: Won::new(r.edu),
            paid_on: r.paid_on,
            channel: 6,
            payer_name: "홍길동",
            bank_receipt_id: r.id,
            cancel: r.cancel,
        });
    }
    (
        format!(
            "RCPT_{T}_032_{}_{seq:04}.dat",
            accounting_date.format("%Y%m%d")
        ),
        w.finish(),
    )
}

async fn import(p: &TestPlatform, f: (String, Vec<u8>)) -> cpb::ImportSummary {
    let (job, already) = p.import_file(&f.0, f.1).await.unwrap();
    assert!(!already, "{} was new", f.0);
    job.summary.unwrap()
}

async fn receivable(p: &TestPlatform, bill: &apb::Bill, as_of: NaiveDate) -> cpb::Receivable {
    p.collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bill.e_payment_number.clone(),
            as_of: Some(date_to_proto(as_of)),
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap()
}

/// (outcome, applied, over-paid, suspense) of every receipt, in file then record order.
async fn receipts(p: &TestPlatform) -> Vec<(String, i64, i64, i64)> {
    let db = p.platform.database(ServiceName::Collection).unwrap();
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT r.outcome, r.applied_won, r.overpaid_won, r.suspense_won FROM receipt r JOIN treasury_import i ON i.id = r.import_id ORDER BY i.file_seq, i.accounting_date, r.record_serial",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("", "outcome").unwrap(),
            r.try_get("", "applied_won").unwrap(),
            r.try_get("", "overpaid_won").unwrap(),
            r.try_get("", "suspense_won").unwrap(),
        )
    })
    .collect()
}

fn row(outcome: &str, applied: i64, overpaid: i64, suspense: i64) -> (String, i64, i64, i64) {
    (outcome.to_owned(), applied, overpaid, suspense)
}

/// Every item of a paged list: `page` asks for the page after a token and answers with its
/// items and the next token (empty on the last page).
async fn every_page<T, F, Fut>(mut page: F) -> Vec<T>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = (Vec<T>, String)>,
{
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let (page_items, next) = page(token).await;
        items.extend(page_items);
        if next.is_empty() {
            return items;
        }
        token = next;
    }
}

/// Every page of a list of money held, as one answer: its items, and the totals every page
/// gives over all (which must count the items).
async fn every_held_page<F, Fut>(mut page: F) -> (Vec<cpb::HeldReceipt>, i64, i64)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = (Vec<cpb::HeldReceipt>, i64, i64, String)>,
{
    let totals = std::cell::Cell::new((0, 0));
    let items = every_page(|token| {
        let answer = page(token);
        let totals = &totals;
        async move {
            let (items, total_won, total_count, next) = answer.await;
            totals.set((total_won, total_count));
            (items, next)
        }
    })
    .await;
    let (total_won, total_count) = totals.get();
    assert_eq!(items.len(), usize::try_from(total_count).unwrap());
    (items, total_won, total_count)
}

async fn suspense(p: &TestPlatform) -> cpb::ListSuspenseResponse {
    let (items, total_won, total_count) = every_held_page(|page_token| async move {
        let r = p
            .collection()
            .list_suspense(cpb::ListSuspenseRequest {
                tenant_code: T.into(),
                page_size: 7,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        (r.items, r.total_won, r.total_count, r.next_page_token)
    })
    .await;
    cpb::ListSuspenseResponse {
        items,
        total_won,
        total_count,
        next_page_token: String::new(),
    }
}

async fn overpayments(p: &TestPlatform) -> cpb::ListOverpaymentsResponse {
    let (items, total_won, total_count) = every_held_page(|page_token| async move {
        let r = p
            .collection()
            .list_overpayments(cpb::ListOverpaymentsRequest {
                tenant_code: T.into(),
                page_size: 7,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        (r.items, r.total_won, r.total_count, r.next_page_token)
    })
    .await;
    cpb::ListOverpaymentsResponse {
        items,
        total_won,
        total_count,
        next_page_token: String::new(),
    }
}

async fn open_exceptions(p: &TestPlatform) -> Vec<cpb::ReconciliationException> {
    every_page(|page_token| async move {
        let r = p
            .collection()
            .list_reconciliation_exceptions(cpb::ListReconciliationExceptionsRequest {
                tenant_code: T.into(),
                include_resolved: false,
                page_size: 1,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        (r.exceptions, r.next_page_token)
    })
    .await
}

async fn imports(p: &TestPlatform) -> Vec<cpb::ImportJob> {
    every_page(|page_token| async move {
        let r = p
            .collection()
            .list_imports(cpb::ListImportsRequest {
                tenant_code: T.into(),
                page_size: 1,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        (r.jobs, r.next_page_token)
    })
    .await
}

/// The due-date close of 2026-06-30 (run with the clock on 7/1).
async fn close_june_30(p: &TestPlatform) -> cpb::CloseDueDateResponse {
    p.collection()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close-0630".into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn arrears_summary(
    p: &TestPlatform,
) -> seip_proto::arrears_enforcement::v1::GetArrearsSummaryResponse {
    p.arrears()
        .get_arrears_summary(GetArrearsSummaryRequest {
            tenant_code: T.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn report(
    p: &TestPlatform,
    year: i32,
    month: i32,
) -> seip_proto::reporting::v1::GetMonthlyReportResponse {
    p.reporting()
        .get_monthly_report(GetMonthlyReportRequest {
            tenant_code: T.into(),
            year,
            month,
        })
        .await
        .unwrap()
        .into_inner()
}

async fn finish(p: TestPlatform) {
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

#[tokio::test]
async fn structural_errors_reject_the_whole_file_naming_line_and_field() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 1).await;
    let (name, good) = file(
        1,
        day(2026, 6, 29),
        &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
    );
    let rec = 202; // bytes per record with its CRLF
    let mutations: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "short record",
            [&good[..300], &good[301..]].concat(),
            "line 2, record",
        ),
        ("no header", good[rec..].to_vec(), "line 1, record type"),
        (
            "a second header",
            [&good[..rec], &good[..rec], &good[rec..]].concat(),
            "line 2, record type",
        ),
        (
            "unknown record type",
            {
                let mut f = good.clone();
                f[rec] = b'X';
                f
            },
            "line 2, record type",
        ),
        (
            "a letter in an amount",
            {
                let mut f = good.clone();
                f[rec + 40] = b'A';
                f
            },
            "line 2, principal paid",
        ),
        (
            "an impossible paid date",
            {
                let mut f = good.clone();
                f[rec + 92..rec + 96].copy_from_slice(b"0231");
                f
            },
            "line 2, paid date",
        ),
        (
            "a serial gap",
            {
                let mut f = good.clone();
                f[rec + 7] = b'2';
                f
            },
            "line 2, record serial",
        ),
        (
            "a trailer count off by one",
            {
                let mut f = good.clone();
                f[2 * rec + 7] = b'2';
                f
            },
            "line 3, number of data records",
        ),
        (
            "a trailer total off by one won",
            {
                let mut f = good.clone();
                f[2 * rec + 67] = b'1';
                f
            },
            "line 3, sum of total paid",
        ),
        (
            "no trailer",
            good[..2 * rec].to_vec(),
            "line 2, record type",
        ),
        (
            "something after the trailer",
            [&good[..], &good[rec..2 * rec]].concat(),
            "line 3, record type",
        ),
    ];
    for (what, bytes, needle) in mutations {
        let e = p.import_file(&name, bytes).await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{what}");
        assert!(
            e.message().contains(needle),
            "{what}: {} should name {needle}",
            e.message()
        );
    }
    // Nothing was stored or posted by any of them.
    let jobs = imports(&p).await;
    assert!(jobs.is_empty());
    assert_eq!(receivable(&p, &b[0], day(2026, 6, 29)).await.paid_won, 0);
    // The good file still imports.
    let s = import(&p, (name, good)).await;
    assert_eq!((s.paid_count, s.applied_won), (1, 259_740));
    finish(p).await;
}

#[tokio::test]
async fn a_file_imports_once_and_the_same_key_with_other_bytes_is_a_conflict() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 2).await;
    let f = file(
        1,
        day(2026, 6, 29),
        &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
    );
    import(&p, f.clone()).await;
    let (job, already) = p.import_file(&f.0, f.1.clone()).await.unwrap();
    assert!(already);
    assert_eq!(job.summary.unwrap().applied_won, 259_740);
    let other = file(
        1,
        day(2026, 6, 29),
        &[pay(&b[1], 259_740, day(2026, 6, 29), "R2")],
    );
    let e = p.import_file(&other.0, other.1).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);
    assert!(e.message().contains("sequence 0001"), "{}", e.message());
    assert_eq!(receivable(&p, &b[1], day(2026, 6, 29)).await.paid_won, 0);
    assert_eq!(receipts(&p).await, [row("paid", 259_740, 0, 0)]);
    finish(p).await;
}

#[tokio::test]
async fn a_bank_receipt_id_is_never_posted_twice_even_from_another_file() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 2).await;
    import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
        ),
    )
    .await;
    // The same receipt id again, now naming the other bill, in the next day's file.
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 30),
            &[pay(&b[1], 259_740, day(2026, 6, 30), "R1")],
        ),
    )
    .await;
    assert_eq!(
        (s.suspense_count, s.suspense_won, s.applied_won),
        (1, 259_740, 0)
    );
    assert_eq!(receivable(&p, &b[1], day(2026, 6, 30)).await.paid_won, 0);
    assert_eq!(
        receipts(&p).await,
        [row("paid", 259_740, 0, 0), row("duplicate", 0, 0, 259_740)]
    );
    finish(p).await;
}

#[tokio::test]
async fn exact_partial_over_and_double_payments_follow_the_rules() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 3).await;
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[
                pay(&b[0], 259_740, day(2026, 6, 29), "R1"),
                // Partial: 200,000 goes to principal first (P-3), automobile tax line first.
                Rec {
                    principal: 200_000,
                    edu: 0,
                    ..pay(&b[1], 0, day(2026, 6, 29), "R2")
                },
                pay(&b[2], 300_000, day(2026, 6, 29), "R3"),
                // A second payment of an already paid bill: all of it awaits refund.
                pay(&b[0], 259_740, day(2026, 6, 29), "R4"),
            ],
        ),
    )
    .await;
    assert_eq!(
        (
            s.paid_count,
            s.partial_count,
            s.overpaid_count,
            s.suspense_count
        ),
        (1, 1, 2, 0)
    );
    assert_eq!(
        (s.applied_won, s.overpaid_won, s.total_won),
        (259_740 + 200_000 + 259_740, 40_260 + 259_740, 1_019_480)
    );
    let r = receivable(&p, &b[1], day(2026, 6, 30)).await;
    assert_eq!(r.status, cpb::ReceivableStatus::Open as i32);
    assert_eq!(
        r.lines
            .iter()
            .map(|l| (l.principal_paid_won, l.late_charge_won))
            .collect::<Vec<_>>(),
        [(199_800, 0), (200, 0)]
    );
    assert_eq!(r.amount_due_won, 59_740);
    let r = receivable(&p, &b[2], day(2026, 6, 30)).await;
    assert_eq!(
        (r.status, r.paid_won),
        (cpb::ReceivableStatus::Paid as i32, 259_740)
    );
    assert_eq!(
        receipts(&p).await,
        [
            row("paid", 259_740, 0, 0),
            row("partial", 200_000, 0, 0),
            row("overpaid", 259_740, 40_260, 0),
            row("double_payment", 0, 259_740, 0),
        ]
    );
    let over = overpayments(&p).await;
    assert_eq!(over.total_won, 300_000);
    assert_eq!(
        over.items
            .iter()
            .map(|i| i.bank_receipt_id.as_str())
            .collect::<Vec<_>>(),
        ["R3", "R4"]
    );
    finish(p).await;
}

#[tokio::test]
async fn payments_of_one_bill_in_chunks_applied_at_once_take_effect_in_file_order() {
    // One record a chunk, several chunks at a time (on PostgreSQL): each bill is paid twice
    // in a row, and a bank receipt id repeats, in neighbouring chunks.
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| s.feed.chunk_records = 1)
        .await
        .unwrap();
    let b = bills(&p, 3).await;
    let paid = day(2026, 6, 29);
    let mut recs = Vec::new();
    for (i, bill) in b.iter().enumerate() {
        recs.push(pay(bill, 259_740, paid, ["R1", "R3", "R5"][i]));
        recs.push(pay(bill, 259_740, paid, ["R2", "R4", "R6"][i]));
    }
    let unknown = unknown_number(7);
    recs.push(Rec {
        number: &unknown,
        ..pay(&b[0], 1_000, paid, "R7")
    });
    recs.push(Rec {
        number: &unknown,
        ..pay(&b[0], 1_000, paid, "R7")
    });
    import(&p, file(1, paid, &recs)).await;
    let first = row("paid", 259_740, 0, 0);
    let second = row("double_payment", 0, 259_740, 0);
    assert_eq!(
        receipts(&p).await,
        [
            first.clone(),
            second.clone(),
            first.clone(),
            second.clone(),
            first,
            second,
            row("suspense", 0, 0, 1_000),
            row("duplicate", 0, 0, 1_000),
        ]
    );
    finish(p).await;
}

#[tokio::test]
async fn unknown_and_malformed_numbers_go_to_suspense_until_an_operator_assigns_them() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 1).await;
    let unknown = unknown_number(99_999_999);
    let mut malformed = b[0].e_payment_number.clone();
    let last = malformed.pop().unwrap();
    malformed.push(if last == '9' {
        '0'
    } else {
        (last as u8 + 1) as char
    });
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[
                Rec {
                    number: &unknown,
                    ..pay(&b[0], 259_740, day(2026, 6, 29), "R1")
                },
                Rec {
                    number: &malformed,
                    ..pay(&b[0], 1_000, day(2026, 6, 29), "R2")
                },
            ],
        ),
    )
    .await;
    assert_eq!(
        (s.suspense_count, s.suspense_won, s.applied_won),
        (2, 260_740, 0)
    );
    let list = suspense(&p).await;
    assert_eq!(list.total_won, 260_740);
    assert!(
        list.items[0].reason.contains("no bill"),
        "{}",
        list.items[0].reason
    );
    assert!(
        list.items[1].reason.contains("malformed"),
        "{}",
        list.items[1].reason
    );
    // An operator finds the bill the first payment was meant for.
    let assign = cpb::AssignSuspenseRequest {
        tenant_code: T.into(),
        idempotency_key: "assign-1".into(),
        receipt_id: list.items[0].receipt_id.clone(),
        e_payment_number: b[0].e_payment_number.clone(),
        reason: "payer called: typed the number from last year's notice".into(),
        ..Default::default()
    };
    // The audit trail names the caller's verified identity. Every won moved by hand takes
    // two people (the default threshold): the clerk proposes, a supervisor approves.
    let proposed = p
        .collection_as("clerk-kim", &[Role::Collector])
        .assign_suspense(assign.clone())
        .await
        .unwrap()
        .into_inner();
    let r = p
        .approve(proposed.proposal.clone(), "approve-1")
        .await
        .unwrap()
        .assigned
        .unwrap();
    assert_eq!((r.applied_won, r.overpaid_won), (259_740, 0));
    assert_eq!(
        r.receivable.unwrap().status,
        cpb::ReceivableStatus::Paid as i32
    );
    // Retrying the call changes nothing; assigning again is refused.
    let again = p
        .collection_as("clerk-kim", &[Role::Collector])
        .assign_suspense(assign.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.proposal, proposed.proposal);
    let e = p
        .collection()
        .assign_suspense(cpb::AssignSuspenseRequest {
            idempotency_key: "assign-2".into(),
            ..assign.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    let e = p
        .collection()
        .assign_suspense(cpb::AssignSuspenseRequest {
            idempotency_key: "assign-3".into(),
            receipt_id: list.items[1].receipt_id.clone(),
            reason: String::new(),
            ..assign
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("reason"));
    let left = suspense(&p).await;
    assert_eq!(left.total_won, 1_000);
    assert_eq!(
        receipts(&p).await,
        [row("assigned", 259_740, 0, 0), row("suspense", 0, 0, 1_000)]
    );
    // The audit trail says who, when and why.
    let db = p.platform.database(ServiceName::Collection).unwrap();
    let audit = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT actor, action, reason FROM operator_action ORDER BY id",
        ))
        .await
        .unwrap();
    let trail: Vec<(String, String)> = audit
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "actor").unwrap(),
                r.try_get::<String>("", "action").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("clerk-kim".to_owned(), "propose".to_owned()),
            ("chief-lee".to_owned(), "approve".to_owned()),
            ("clerk-kim".to_owned(), "assign_suspense".to_owned()),
        ]
    );
    finish(p).await;
}

#[tokio::test]
async fn a_cancellation_reverses_its_receipt_and_the_bill_reopens() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 3).await;
    // R2 is cancelled in the same file, its over-payment with it.
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 26),
            &[
                pay(&b[0], 259_740, day(2026, 6, 26), "R1"),
                pay(&b[1], 300_000, day(2026, 6, 26), "R2"),
                cancel(pay(&b[1], 300_000, day(2026, 6, 26), "R2")),
                pay(&b[1], 259_740, day(2026, 6, 26), "R3"),
            ],
        ),
    )
    .await;
    assert_eq!(
        (s.paid_count, s.overpaid_count, s.cancelled_count),
        (2, 1, 1)
    );
    assert_eq!(
        receivable(&p, &b[0], day(2026, 6, 26)).await.status,
        cpb::ReceivableStatus::Paid as i32
    );
    // The next day the bank cancels R1 and a receipt it never sent.
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[
                cancel(pay(&b[0], 259_740, day(2026, 6, 29), "R1")),
                pay(&b[2], 300_000, day(2026, 6, 29), "R5"),
                cancel(Rec {
                    principal: 5_000,
                    edu: 0,
                    ..pay(&b[0], 0, day(2026, 6, 29), "R9")
                }),
            ],
        ),
    )
    .await;
    assert_eq!(
        (s.cancelled_count, s.suspense_count, s.overpaid_count),
        (1, 1, 1)
    );
    assert_eq!(s.total_won, -259_740 + 300_000 - 5_000);
    let r = receivable(&p, &b[0], day(2026, 6, 29)).await;
    assert_eq!(
        (r.status, r.paid_won, r.amount_due_won),
        (cpb::ReceivableStatus::Open as i32, 0, 259_740)
    );
    let r = receivable(&p, &b[1], day(2026, 6, 29)).await;
    assert_eq!(
        (r.status, r.paid_won),
        (cpb::ReceivableStatus::Paid as i32, 259_740)
    );
    assert_eq!(
        receipts(&p).await,
        [
            row("paid", 259_740, 0, 0),
            row("overpaid", 259_740, 40_260, 0),
            row("cancellation", -259_740, -40_260, 0),
            row("paid", 259_740, 0, 0),
            row("cancellation", -259_740, 0, 0),
            row("overpaid", 259_740, 40_260, 0),
            row("suspense", 0, 0, -5_000),
        ]
    );
    // Only R5's over-payment is left to refund; the unknown cancellation is a debit for an
    // operator.
    let over = overpayments(&p).await;
    assert_eq!(over.total_won, 40_260);
    let sus = suspense(&p).await;
    assert_eq!(sus.total_won, -5_000);
    // Reporting nets the reversal out of June's collections.
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let report = report(&p, 2026, 6).await;
    assert_eq!(report.total_collected_won, 2 * 259_740);
    finish(p).await;
}

#[tokio::test]
async fn paid_on_time_but_imported_after_the_close_withdraws_the_charge_and_the_arrears() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 2).await;
    p.clock.set(at(2026, 7, 1));
    let close = close_june_30(&p).await;
    assert_eq!((close.bills_overdue, close.late_charge_won), (2, 2 * 7_780));
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    // Both paid on 6/30 at the bank; the file of 6/30 arrives on 7/1, after the close. The
    // first pays the bill as printed; the second pays with the charge the close raised.
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 30),
            &[
                pay(&b[0], 259_740, day(2026, 6, 30), "R1"),
                pay(&b[1], 267_520, day(2026, 6, 30), "R2"),
            ],
        ),
    )
    .await;
    assert_eq!((s.paid_count, s.overpaid_count), (1, 1));
    assert_eq!((s.applied_won, s.overpaid_won), (2 * 259_740, 7_780));
    for bill in &b {
        let r = receivable(&p, bill, day(2026, 7, 15)).await;
        assert_eq!(
            (r.status, r.amount_due_won, r.paid_won),
            (cpb::ReceivableStatus::Paid as i32, 0, 259_740)
        );
        assert!(r.lines.iter().all(|l| l.late_charge_won == 0));
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let arrears = arrears_summary(&p).await;
    assert_eq!((arrears.bills, arrears.arrears_amount_won), (0, 0));
    let july = report(&p, 2026, 7).await;
    assert!(
        !july.rows.is_empty(),
        "the close's overdue was reported in July"
    );
    assert!(
        july.rows
            .iter()
            .all(|r| r.overdue_won == 0 && r.late_charge_raised_won == 0),
        "{july:?}"
    );
    finish(p).await;
}

#[tokio::test]
async fn a_late_payment_is_judged_as_of_its_paid_date_with_its_history() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 1).await;
    p.clock.set(at(2026, 7, 1));
    close_june_30(&p).await;
    // 7/2: 100,000 paid; 7/3: the rest with the charge (E-L1: 5,990 + 1,790).
    import(
        &p,
        file(
            1,
            day(2026, 7, 2),
            &[pay(&b[0], 100_000, day(2026, 7, 2), "R1")],
        ),
    )
    .await;
    let r = receivable(&p, &b[0], day(2026, 7, 3)).await;
    assert_eq!(r.amount_due_won, 259_740 - 100_000 + 7_780);
    let s = import(
        &p,
        file(
            1,
            day(2026, 7, 3),
            &[pay(&b[0], 259_740 - 100_000 + 7_780, day(2026, 7, 3), "R2")],
        ),
    )
    .await;
    assert_eq!((s.paid_count, s.overpaid_won), (1, 0));
    let r = receivable(&p, &b[0], day(2026, 7, 3)).await;
    assert_eq!(
        (r.status, r.paid_won),
        (cpb::ReceivableStatus::Paid as i32, 267_520)
    );
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let arrears = arrears_summary(&p).await;
    assert_eq!(arrears.bills, 0);
    finish(p).await;
}

async fn stamped(p: &TestPlatform) -> Vec<bool> {
    let db = p.platform.database(ServiceName::Collection).unwrap();
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT r.stamped FROM receipt r JOIN treasury_import i ON i.id = r.import_id ORDER BY i.accounting_date, r.record_serial",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("", "stamped").unwrap())
    .collect()
}

#[tokio::test]
async fn deposits_reconcile_and_stamp_and_a_mismatch_waits_for_an_operator() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 2).await;
    import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
        ),
    )
    .await;
    import(
        &p,
        file(
            1,
            day(2026, 6, 30),
            &[pay(&b[1], 259_740, day(2026, 6, 30), "R2")],
        ),
    )
    .await;
    assert_eq!(stamped(&p).await, [false, false]);
    let header = "tenant,bank,account_no,accounting_date,amount,reference\n";
    let statement = format!(
        "{header}11110,032,1005-301-123456,20260629,259740,RCPT_11110_032_20260629_0001\n11110,032,1005-301-123456,20260630,259000,RCPT_11110_032_20260630_0001\n"
    );
    let deposit = |key: &str, content: String| cpb::ImportDepositStatementRequest {
        tenant_code: T.into(),
        idempotency_key: key.into(),
        file_name: "deposits.csv".into(),
        content: content.into_bytes(),
    };
    let r = p
        .collection()
        .import_deposit_statement(deposit("dep-1", statement.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((r.lines, r.total_won), (2, 259_740 + 259_000));
    assert_eq!(
        r.reconciliations[0].status,
        cpb::ReconciliationStatus::Reconciled as i32
    );
    assert_eq!(r.reconciliations[0].receipts_stamped, 1);
    let exc = &r.reconciliations[1];
    assert_eq!(exc.status, cpb::ReconciliationStatus::Exception as i32);
    assert_eq!((exc.deposited_won, exc.files_total_won), (259_000, 259_740));
    // The 6/29 receipt is stamped; the 6/30 one waits.
    assert_eq!(stamped(&p).await, [true, false]);
    // The same statement again is a no-op that says so.
    let again = p
        .collection()
        .import_deposit_statement(deposit("dep-1-again", statement))
        .await
        .unwrap()
        .into_inner();
    assert!(again.already_imported);
    // The first statement's key used for another statement is refused, not taken as new.
    let e = p
        .collection()
        .import_deposit_statement(deposit(
            "dep-1",
            format!(
                "{header}11110,032,1005-301-123456,20260630,259740,RCPT_11110_032_20260630_0001\n"
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);
    assert!(e.message().contains("idempotency_key"), "{}", e.message());
    // A malformed statement names the line and column and changes nothing.
    let e = p
        .collection()
        .import_deposit_statement(deposit(
            "dep-bad",
            format!("{header}11110,032,1005,20260631,1,RCPT_11110_032_20260631_0001\n"),
        ))
        .await
        .unwrap_err();
    assert!(
        e.message().contains("line 2, accounting_date"),
        "{}",
        e.message()
    );
    let list = open_exceptions(&p).await;
    assert_eq!(list.len(), 1);
    assert!(
        list[0].detail.contains("difference -740"),
        "{}",
        list[0].detail
    );
    // One supervisor proposes accepting the difference, a second approves.
    let proposed = p
        .collection_as("treasurer-kang", &[Role::Supervisor])
        .resolve_reconciliation_exception(cpb::ResolveReconciliationExceptionRequest {
            tenant_code: T.into(),
            idempotency_key: "resolve-1".into(),
            exception_id: list[0].exception_id.clone(),
            reason: "bank fee of 740 won deducted; bank confirmed by letter 2026-07-02".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(proposed.proposal.as_ref().unwrap().amount_won, 740);
    assert_eq!(
        stamped(&p).await,
        [true, false],
        "nothing stamped before approval"
    );
    let resolved = p
        .approve(proposed.proposal, "approve-1")
        .await
        .unwrap()
        .resolved
        .unwrap();
    assert_eq!(resolved.receipts_stamped, 1);
    assert!(resolved.exception.unwrap().resolved);
    assert_eq!(stamped(&p).await, [true, true]);
    let jobs = imports(&p).await;
    let states: Vec<i32> = jobs.iter().map(|j| j.reconciliation).collect();
    assert!(states.contains(&(cpb::ReconciliationStatus::Resolved as i32)));
    assert!(states.contains(&(cpb::ReconciliationStatus::Reconciled as i32)));
    finish(p).await;
}

#[tokio::test]
async fn deposits_that_arrive_before_the_file_reconcile_when_it_is_applied() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 1).await;
    let r = p
        .collection()
        .import_deposit_statement(cpb::ImportDepositStatementRequest {
            tenant_code: T.into(),
            idempotency_key: "dep".into(),
            file_name: "deposits.csv".into(),
            content: b"tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1005-301-123456,20260629,259740,RCPT_11110_032_20260629_0001\n".to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    // The file is not there yet: an exception that names it.
    assert_eq!(
        r.reconciliations[0].status,
        cpb::ReconciliationStatus::Exception as i32
    );
    import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
        ),
    )
    .await;
    assert_eq!(stamped(&p).await, [true]);
    let open = open_exceptions(&p).await;
    assert!(open.is_empty());
    finish(p).await;
}

#[tokio::test]
async fn stopping_collection_mid_import_then_restarting_applies_every_record_once() {
    // 20 records per chunk: a 2,000-record file is 100 transactions.
    let mut p = TestPlatform::start_with(at(2026, 6, 1), |s| s.feed.chunk_records = 20)
        .await
        .unwrap();
    let b = bills(&p, 3).await;
    let ids: Vec<String> = (0..2_000).map(|i| format!("K{i:08}")).collect();
    let unknown: Vec<String> = (0..2_000u32)
        .map(|i| unknown_number(50_000_000 + u64::from(i)))
        .collect();
    let recs: Vec<Rec<'_>> = (0..2_000)
        .map(|i| match i {
            // Three real bills spread through the file, paid exactly.
            0 => pay(&b[0], 259_740, day(2026, 6, 29), &ids[i]),
            999 => pay(&b[1], 259_740, day(2026, 6, 29), &ids[i]),
            1_999 => pay(&b[2], 259_740, day(2026, 6, 29), &ids[i]),
            _ => Rec {
                number: &unknown[i],
                ..pay(&b[0], 1_000, day(2026, 6, 29), &ids[i])
            },
        })
        .collect();
    let (name, bytes) = file(1, day(2026, 6, 29), &recs);
    let up = seip::treasury::upload(
        &mut p.collection(),
        T,
        &name,
        &name,
        std::io::Cursor::new(bytes),
        |_| {},
    )
    .await
    .unwrap();
    let id = up.job.unwrap().import_id;
    // Stop collection once some, not all, records are applied.
    let mut applied = 0;
    for _ in 0..10_000 {
        let job = p
            .collection()
            .get_import(cpb::GetImportRequest {
                tenant_code: T.into(),
                import_id: id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .job
            .unwrap();
        applied = job.summary.unwrap().records_applied;
        if applied > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    p.platform
        .stop_service(ServiceName::Collection)
        .await
        .unwrap();
    assert!(
        applied > 0 && applied < 2_000,
        "stopped at {applied} of 2,000"
    );
    p.platform
        .restart_service(ServiceName::Collection)
        .await
        .unwrap();
    let job = seip::treasury::wait(&mut p.collection(), T, &id, |_| {})
        .await
        .unwrap();
    let s = job.summary.unwrap();
    assert_eq!(
        (s.records_applied, s.paid_count, s.suspense_count),
        (2_000, 3, 1_997)
    );
    assert_eq!(s.applied_won, 3 * 259_740);
    for bill in &b {
        let r = receivable(&p, bill, day(2026, 6, 29)).await;
        assert_eq!(
            (r.status, r.paid_won),
            (cpb::ReceivableStatus::Paid as i32, 259_740)
        );
    }
    assert_eq!(receipts(&p).await.len(), 2_000);
    finish(p).await;
}

#[tokio::test]
async fn bills_export_lists_every_bill_with_its_amount_due() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 3).await;
    import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
        ),
    )
    .await;
    use futures::StreamExt;
    let mut stream = p
        .collection()
        .export_bills(cpb::ExportBillsRequest {
            tenant_code: T.into(),
            as_of: Some(date_to_proto(day(2026, 7, 15))),
        })
        .await
        .unwrap()
        .into_inner();
    let mut all = Vec::new();
    while let Some(page) = stream.next().await {
        all.extend(page.unwrap().bills);
    }
    assert_eq!(all.len(), 3);
    let mut numbers: Vec<&str> = all.iter().map(|x| x.e_payment_number.as_str()).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        all.iter()
            .map(|x| x.e_payment_number.as_str())
            .collect::<Vec<_>>()
    );
    let paid = all
        .iter()
        .find(|x| x.e_payment_number == b[0].e_payment_number)
        .unwrap();
    assert_eq!(
        (paid.amount_due_won, paid.status),
        (0, cpb::ReceivableStatus::Paid as i32)
    );
    let open = all
        .iter()
        .find(|x| x.e_payment_number == b[1].e_payment_number)
        .unwrap();
    // Not closed yet, but judged as of 7/15: the 3 % charge is due.
    assert_eq!(open.amount_due_won, 267_520);
    finish(p).await;
}

#[tokio::test]
async fn a_cancellation_that_arrives_before_its_receipt_settles_it_when_it_comes() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 2).await;
    // The 6/30 file (with the cancellation of R1) is uploaded before the 6/29 file with R1.
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 30),
            &[
                pay(&b[1], 259_740, day(2026, 6, 30), "R2"),
                cancel(pay(&b[0], 259_740, day(2026, 6, 30), "R1")),
            ],
        ),
    )
    .await;
    assert_eq!((s.suspense_count, s.suspense_won), (1, -259_740));
    let s = import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
        ),
    )
    .await;
    assert_eq!((s.suspense_count, s.applied_won), (1, 0));
    // The bill was never paid, and nothing is left in suspense for an operator.
    let r = receivable(&p, &b[0], day(2026, 6, 30)).await;
    assert_eq!(
        (r.status, r.paid_won),
        (cpb::ReceivableStatus::Open as i32, 0)
    );
    let sus = suspense(&p).await;
    assert!(sus.items.is_empty(), "{sus:?}");
    finish(p).await;
}

#[tokio::test]
async fn cancelling_the_payment_that_withdrew_an_overdue_puts_the_arrears_back() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 2).await;
    p.clock.set(at(2026, 7, 1));
    close_june_30(&p).await;
    import(
        &p,
        file(
            1,
            day(2026, 6, 30),
            &[pay(&b[0], 259_740, day(2026, 6, 30), "R1")],
        ),
    )
    .await;
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    assert_eq!(arrears_summary(&p).await.bills, 1);
    // The bank cancels R1 on 7/2 (the other bill is paid late that day): the bill is
    // overdue again, with the charge of 7/1.
    import(
        &p,
        file(
            1,
            day(2026, 7, 2),
            &[
                pay(&b[1], 267_520, day(2026, 7, 2), "R2"),
                cancel(pay(&b[0], 259_740, day(2026, 7, 2), "R1")),
            ],
        ),
    )
    .await;
    let r = receivable(&p, &b[0], day(2026, 7, 2)).await;
    assert_eq!(
        (r.status, r.amount_due_won),
        (cpb::ReceivableStatus::Overdue as i32, 267_520)
    );
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let a = arrears_summary(&p).await;
    assert_eq!((a.bills, a.arrears_amount_won), (1, 267_520));
    let july = report(&p, 2026, 7).await;
    assert_eq!(
        july.rows.iter().map(|r| r.overdue_won).sum::<i64>(),
        2 * 259_740,
        "{july:?}"
    );
    finish(p).await;
}

#[tokio::test]
async fn a_corrected_deposit_statement_restates_the_day() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let b = bills(&p, 1).await;
    import(
        &p,
        file(
            1,
            day(2026, 6, 29),
            &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
        ),
    )
    .await;
    let statement = |amount: i64| {
        cpb::ImportDepositStatementRequest {
        tenant_code: T.into(),
        idempotency_key: format!("dep-{amount}"),
        file_name: "deposits.csv".into(),
        content: format!("tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1005-301-123456,20260629,{amount},RCPT_11110_032_20260629_0001\n").into_bytes(),
    }
    };
    let r = p
        .collection()
        .import_deposit_statement(statement(250_000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.reconciliations[0].status,
        cpb::ReconciliationStatus::Exception as i32
    );
    // The bank's corrected statement replaces its first figure rather than adding to it.
    let r = p
        .collection()
        .import_deposit_statement(statement(259_740))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.reconciliations[0].status,
        cpb::ReconciliationStatus::Reconciled as i32
    );
    assert_eq!(r.reconciliations[0].deposited_won, 259_740);
    assert_eq!(stamped(&p).await, [true]);
    finish(p).await;
}

/// A file refused after some of its chunks were staged leaves none of them behind.
#[tokio::test]
async fn a_file_refused_part_way_leaves_no_staged_chunk() {
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| s.feed.chunk_records = 1)
        .await
        .unwrap();
    let b = bills(&p, 2).await;
    let (name, good) = file(
        1,
        day(2026, 6, 29),
        &[
            pay(&b[0], 259_740, day(2026, 6, 29), "R1"),
            pay(&b[1], 259_740, day(2026, 6, 29), "R2"),
        ],
    );
    // The trailer counts three records: both data records were staged as chunks first.
    let mut bad = good.clone();
    bad[3 * 202 + 7] = b'3';
    let e = p.import_file(&name, bad).await.unwrap_err();
    assert!(
        e.message().contains("line 4, number of data records"),
        "{}",
        e.message()
    );
    let db = p.platform.database(ServiceName::Collection).unwrap();
    let staged: i64 = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM treasury_file_chunk",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    assert_eq!(staged, 0);
    // The good file then imports as new.
    let (job, again) = p.import_file(&name, good).await.unwrap();
    assert!(!again);
    assert_eq!(job.summary.unwrap().paid_count, 2);
    finish(p).await;
}

/// An import whose part fails the same way again and again is quarantined — given up with
/// its error, later files not held up — instead of retried for ever; once the cause is put
/// right an operator retries it and it is applied from where it stopped.
#[tokio::test]
async fn an_import_that_keeps_failing_is_quarantined_until_retried() {
    use sea_orm::ActiveModelTrait as _;
    use sea_orm::ActiveValue::Set;
    use seip_collection::store::{treasury_file_chunk, treasury_import};
    let meters = seip_e2e::TestMeters::install();
    let quarantined = || {
        meters.sum(
            seip_runtime::telemetry::QUARANTINED,
            ("kind", "treasury_import"),
        )
    };
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| {
        s.feed.quarantine_after = 3;
        s.feed.resume_poll_ms = 100;
    })
    .await
    .unwrap();
    let b = bills(&p, 1).await;
    let (name, bytes) = file(
        1,
        day(2026, 6, 29),
        &[pay(&b[0], 259_740, day(2026, 6, 29), "R1")],
    );
    let record = bytes[RECORD + 2..2 * RECORD + 2].to_vec();
    // A stored import whose one part was cut short (as a disk fault or a bug would leave it):
    // every attempt to apply it fails.
    let db = p.platform.database(ServiceName::Collection).unwrap();
    let id = uuid::Uuid::now_v7();
    treasury_import::ActiveModel {
        id: Set(id),
        tenant_code: Set(T.into()),
        bank_code: Set("032".into()),
        accounting_date: Set(day(2026, 6, 29)),
        file_seq: Set(1),
        sha256: Set("0".repeat(64)),
        file_name: Set(name),
        records: Set(1),
        total_won: Set(259_740),
        imported_at: Set(at(2026, 6, 30)),
        status: Set(treasury_import::ImportStatus::Applying),
        reconciliation: Set(
            seip_collection::domain::reconciliation::Reconciliation::AwaitingDeposit,
        ),
        chunks: Set(1),
        header_raw: Set(None),
        trailer_raw: Set(None),
        final_crlf: Set(true),
        records_applied: Set(0),
        paid_count: Set(0),
        partial_count: Set(0),
        overpaid_count: Set(0),
        suspense_count: Set(0),
        cancelled_count: Set(0),
        applied_won: Set(0),
        overpaid_won: Set(0),
        suspense_won: Set(0),
        finished_at: Set(None),
        traceparent: Set(String::new()),
        failures: Set(0),
        last_error: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
    treasury_file_chunk::ActiveModel {
        import_id: Set(id),
        chunk_no: Set(0),
        first_serial: Set(0),
        records: Set(1),
        bytes: Set(record[..RECORD / 2].to_vec()),
        has_cancel: Set(false),
        applied: Set(false),
    }
    .insert(db)
    .await
    .unwrap();
    let job = || async {
        p.collection()
            .get_import(cpb::GetImportRequest {
                tenant_code: T.into(),
                import_id: id.to_string(),
            })
            .await
            .unwrap()
            .into_inner()
            .job
            .unwrap()
    };
    let until = |status: cpb::ImportStatus| async move {
        for _ in 0..200 {
            let j = job().await;
            if j.status == status as i32 {
                return j;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the import never became {status:?}: {:?}", job().await);
    };
    let stuck = until(cpb::ImportStatus::Quarantined).await;
    assert!(
        stuck.last_error.contains("chunk 0") && stuck.last_error.contains("hold no record 1"),
        "{}",
        stuck.last_error
    );
    let listed = seip_collection::jobs::quarantined(db).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].failures, 3);
    assert_eq!(quarantined(), 1, "counted in the metric");
    // It stays given up: nothing retries it behind the operator's back.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(job().await.status, cpb::ImportStatus::Quarantined as i32);
    assert_eq!(
        receivable(&p, &b[0], day(2026, 6, 29)).await.status,
        cpb::ReceivableStatus::Open as i32
    );

    // The cause put right, the operator retries: the running service applies it.
    treasury_file_chunk::ActiveModel {
        import_id: Set(id),
        chunk_no: Set(0),
        bytes: Set(record),
        ..Default::default()
    }
    .update(db)
    .await
    .unwrap();
    assert!(seip_collection::jobs::retry(db, id).await.unwrap());
    assert!(!seip_collection::jobs::retry(db, id).await.unwrap(), "once");
    let applied = until(cpb::ImportStatus::Applied).await;
    assert_eq!(applied.summary.unwrap().paid_count, 1);
    assert_eq!(applied.last_error, "");
    assert_eq!(
        receivable(&p, &b[0], day(2026, 6, 29)).await.status,
        cpb::ReceivableStatus::Paid as i32
    );
    finish(p).await;
}

/// The stored parts of a treasury file carry payer names: once the file is applied and its
/// deposits reconciled, they are kept for the retention period and then deleted; a file
/// still awaiting its deposits keeps them.
#[tokio::test]
async fn a_settled_file_s_payer_names_are_deleted_after_retention() {
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| {
        s.feed.chunk_retention_days = 3;
        s.feed.resume_poll_ms = 50;
    })
    .await
    .unwrap();
    let b = bills(&p, 2).await;
    // The files arrive, and are applied, on 30 June.
    p.clock.set(at(2026, 6, 30));
    for (seq, bill, id) in [(1, &b[0], "R1"), (2, &b[1], "R2")] {
        import(
            &p,
            file(
                seq,
                day(2026, 6, 29),
                &[pay(bill, 259_740, day(2026, 6, 29), id)],
            ),
        )
        .await;
    }
    let db = p.platform.database(ServiceName::Collection).unwrap();
    let chunks = || async {
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT i.file_seq AS seq FROM treasury_file_chunk c \
             JOIN treasury_import i ON i.id = c.import_id ORDER BY i.file_seq",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i32>("", "seq").unwrap())
        .collect::<Vec<_>>()
    };
    assert_eq!(chunks().await, [1, 2]);
    // The bank's deposit for the first file only.
    p.collection()
        .import_deposit_statement(cpb::ImportDepositStatementRequest {
            tenant_code: T.into(),
            idempotency_key: "dep-1".into(),
            file_name: "deposits.csv".into(),
            content: "tenant,bank,account_no,accounting_date,amount,reference\n\
                      11110,032,1005-301-123456,20260629,259740,RCPT_11110_032_20260629_0001\n"
                .as_bytes()
                .to_vec(),
        })
        .await
        .unwrap();
    let settle = |expected: Vec<i32>| {
        let chunks = &chunks;
        async move {
            for _ in 0..100 {
                if chunks().await == expected {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("chunks left: {:?}, expected {expected:?}", chunks().await);
        }
    };
    // Within the retention period both stay.
    p.clock.set(at(2026, 7, 2));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(chunks().await, [1, 2]);
    // Past it, the reconciled file's go; the one awaiting its deposit keeps them.
    p.clock.set(at(2026, 7, 4));
    settle(vec![2]).await;
    // What was paid stays in the ledgers.
    assert_eq!(
        receivable(&p, &b[0], day(2026, 7, 4)).await.status,
        cpb::ReceivableStatus::Paid as i32
    );
    finish(p).await;
}
