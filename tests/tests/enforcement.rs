//! Arrears enforcement over real gRPC: from the June close to demand notices, their service,
//! their lapse on the business clock, and payments that settle them — each step once.

use chrono::{NaiveDate, TimeZone};
use futures::StreamExt;
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite};
use seip_core::{Won, clock::kst};
use seip_e2e::TestPlatform;
use seip_proto::arrears_enforcement::v1 as epb;
use seip_proto::assessment::v1 as apb;
use seip_proto::collection::v1 as cpb;
use seip_proto::reporting::v1 as rpb;
use seip_runtime::convert::date_to_proto;
use tonic::Code;

const T: &str = "11110";

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    kst().with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap().to_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A treasury file paying all of `bill` on `paid_on` with `charge` won of late charges.
fn paid_in_full(bill: &apb::Bill, paid_on: NaiveDate, seq: u32, charge: i64) -> (String, Vec<u8>) {
    let mut w = FileWriter::new(Header {
        tenant_code: T.into(),
        bank_code: "032".into(),
        accounting_date: paid_on,
        file_seq: seq,
        created_at: paid_on.and_hms_opt(23, 0, 0).unwrap(),
    });
    w.push(&PaymentToWrite {
        e_payment_number: &bill.e_payment_number,
        tax_item_code: "501",
        fiscal_year: 2026,
        period: 1,
        principal: Won::new(bill.lines[0].amount_won),
        late_charge: Won::new(charge),
        education_tax: Won::new(bill.lines[1].amount_won),
        paid_on,
        channel: 6,
        payer_name: "홍길동",
        bank_receipt_id: &format!("KB{seq:018}"),
        cancel: false,
    });
    (
        format!("RCPT_{T}_032_{}_{seq:04}.dat", paid_on.format("%Y%m%d")),
        w.finish(),
    )
}

async fn issue(
    p: &TestPlatform,
    key: &str,
) -> Result<Vec<epb::IssueDemandsResponse>, tonic::Status> {
    let mut stream = p
        .arrears()
        .issue_demands(epb::IssueDemandsRequest {
            tenant_code: T.into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
            idempotency_key: key.into(),
        })
        .await?
        .into_inner();
    let mut seen = Vec::new();
    while let Some(p) = stream.next().await {
        seen.push(p?);
    }
    Ok(seen)
}

async fn case_of(p: &TestPlatform, taxpayer: &str) -> epb::EnforcementCase {
    p.arrears()
        .get_enforcement_case(epb::GetEnforcementCaseRequest {
            tenant_code: T.into(),
            taxpayer_id: taxpayer.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .enforcement_case
        .unwrap()
}

fn kinds(c: &epb::EnforcementCase) -> Vec<epb::ActionKind> {
    c.actions
        .iter()
        .map(|a| epb::ActionKind::try_from(a.kind).unwrap())
        .collect()
}

async fn report(p: &TestPlatform, month: i32) -> Vec<(i32, i64, i64)> {
    p.reporting()
        .get_monthly_report(rpb::GetMonthlyReportRequest {
            tenant_code: T.into(),
            year: 2026,
            month,
        })
        .await
        .unwrap()
        .into_inner()
        .enforcement
        .iter()
        .map(|a| (a.kind, a.count, a.amount_won))
        .collect()
}

#[tokio::test]
async fn demands_issue_once_lapse_on_the_business_clock_and_follow_payments() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let mut bills = Vec::new();
    for n in 1..=3 {
        let v = p.register_car(n, 1998, day(2025, 3, 1)).await.unwrap();
        bills.push(p.decide_h1(&v, &format!("levy-{n}")).await.unwrap());
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let (a, b) = (&bills[0], &bills[1]);
    // The third taxpayer pays on time: never in arrears, never demanded.
    let on_time = paid_in_full(&bills[2], day(2026, 6, 29), 1, 0);
    p.import_file(&on_time.0, on_time.1).await.unwrap();

    // A demand follows arrears: not before the due date has passed.
    p.clock.set(at(2026, 6, 30));
    let early = issue(&p, "demands-early").await.unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert!(
        early.message().contains("has not passed"),
        "{}",
        early.message()
    );

    p.clock.set(at(2026, 7, 1));
    p.collection()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close-0630".into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let opened = case_of(&p, &a.taxpayer_id).await;
    assert_eq!(opened.state, epb::CaseState::Active as i32);
    assert_eq!(opened.arrears_amount_won, 267_520);
    assert_eq!(kinds(&opened), [epb::ActionKind::CaseOpened]);
    // Automobile tax on its own car may be seized at once (S-2).
    assert_eq!(opened.next.unwrap().kind, epb::NextStepKind::Seize as i32);

    // 2026-07-10: one demand per taxpayer, deadline 20 days on (7/30, a Thursday).
    p.clock.set(at(2026, 7, 10));
    let run = issue(&p, "demands-0630").await.unwrap();
    let last = run.last().unwrap();
    assert!(last.finished);
    assert_eq!(
        (
            last.taxpayers_total,
            last.demands_issued,
            last.bills_demanded,
            last.demanded_won
        ),
        (2, 2, 2, 2 * 267_520)
    );
    assert_eq!(last.deadline, Some(date_to_proto(day(2026, 7, 30))));
    // The same run again answers its summary; another run issues nothing twice.
    assert_eq!(issue(&p, "demands-0630").await.unwrap(), vec![*last]);
    let again = issue(&p, "demands-0630-again").await.unwrap();
    assert_eq!(again.last().unwrap().demands_issued, 0);

    let case_a = case_of(&p, &a.taxpayer_id).await;
    assert_eq!(
        kinds(&case_a),
        [epb::ActionKind::CaseOpened, epb::ActionKind::DemandIssued]
    );
    let demand_a = case_a.demands[0].clone();
    assert_eq!(demand_a.state, epb::DemandState::Issued as i32);
    assert_eq!(demand_a.bill_ids, vec![a.bill_id.clone()]);
    assert_eq!(
        (demand_a.principal_won, demand_a.late_charge_won),
        (259_740, 7_780)
    );
    let demand_b = case_of(&p, &b.taxpayer_id).await.demands[0].clone();

    // The document is the demand in Korean, with its bill and the deadline.
    let doc = p
        .arrears()
        .get_demand_document(epb::GetDemandDocumentRequest {
            tenant_code: T.into(),
            demand_id: demand_a.demand_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let html = String::from_utf8(doc.content).unwrap();
    assert!(html.contains("지방세 독촉장"), "{html}");
    assert!(html.contains(&a.e_payment_number));
    assert!(html.contains("2026-07-30까지"));
    assert!(html.contains("267,520원"));

    // B's demand reached them on 7/27, within 7 days of the deadline: it moves to 8/10 (C-5).
    p.clock.set(at(2026, 7, 28));
    let served = p
        .arrears()
        .record_demand_service(epb::RecordDemandServiceRequest {
            tenant_code: T.into(),
            demand_id: demand_b.demand_id.clone(),
            served_on: Some(date_to_proto(day(2026, 7, 27))),
            idempotency_key: "served-b".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .demand
        .unwrap();
    assert_eq!(served.deadline, Some(date_to_proto(day(2026, 8, 10))));
    let early_service = p
        .arrears()
        .record_demand_service(epb::RecordDemandServiceRequest {
            tenant_code: T.into(),
            demand_id: demand_b.demand_id.clone(),
            served_on: Some(date_to_proto(day(2026, 7, 9))),
            idempotency_key: "served-b-wrong".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(early_service.code(), Code::InvalidArgument);
    assert!(early_service.message().contains("served_on"));

    // 7/31: A's deadline has passed with nothing reported paid: the demand lapses, once.
    p.clock.set(at(2026, 7, 31));
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    assert_eq!(p.platform.run_timers().await.unwrap(), 0);
    let lapsed = case_of(&p, &a.taxpayer_id).await;
    assert_eq!(lapsed.demands[0].state, epb::DemandState::Lapsed as i32);
    // A paid on 7/29, within the deadline; the bank's file comes after the lapse. The
    // payment is judged as of the day it was made: the demand is paid, the case settled.
    // 259,740 + 5,990 + 1,790 (E-L1).
    let late_file = paid_in_full(a, day(2026, 7, 29), 2, 7_780);
    p.import_file(&late_file.0, late_file.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let settled = case_of(&p, &a.taxpayer_id).await;
    assert_eq!(settled.state, epb::CaseState::Settled as i32);
    assert_eq!(settled.demands[0].state, epb::DemandState::Paid as i32);
    assert_eq!(
        kinds(&settled),
        [
            epb::ActionKind::CaseOpened,
            epb::ActionKind::DemandIssued,
            epb::ActionKind::DemandLapsed,
            epb::ActionKind::DemandPaid,
            epb::ActionKind::CaseSettled,
        ]
    );
    let paid = &settled.actions[3];
    assert!(
        paid.reason.contains("within the deadline"),
        "{}",
        paid.reason
    );
    assert_eq!(settled.next.unwrap().kind, epb::NextStepKind::None as i32);

    // B waits until its moved deadline: nothing on 8/10, the lapse on 8/11.
    p.clock.set(at(2026, 8, 10));
    assert_eq!(p.platform.run_timers().await.unwrap(), 0);
    p.clock.set(at(2026, 8, 11));
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    let case_b = case_of(&p, &b.taxpayer_id).await;
    assert_eq!(case_b.demands[0].state, epb::DemandState::Lapsed as i32);
    let lapse = case_b.actions.last().unwrap();
    assert_eq!(lapse.actor, "seip:scheduler");
    assert!(lapse.reason.contains("S-1"), "{}", lapse.reason);

    // The list: only B is still active.
    let active = p
        .arrears()
        .list_enforcement_cases(epb::ListEnforcementCasesRequest {
            tenant_code: T.into(),
            state: epb::CaseState::Active as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        active
            .cases
            .iter()
            .map(|c| (c.taxpayer_id.as_str(), c.bills, c.arrears_amount_won))
            .collect::<Vec<_>>(),
        [(b.taxpayer_id.as_str(), 1, 267_520)]
    );
    let big = p
        .arrears()
        .list_enforcement_cases(epb::ListEnforcementCasesRequest {
            tenant_code: T.into(),
            min_arrears_won: 267_521,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(big.cases.is_empty());
    let all = p
        .arrears()
        .list_enforcement_cases(epb::ListEnforcementCasesRequest {
            tenant_code: T.into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.cases.len(), 1);
    assert!(!all.next_page_token.is_empty());

    // Reporting counts what enforcement did, in the month it did it.
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let issued = epb_kind(rpb::EnforcementActivityKind::DemandIssued);
    let lapsed_kind = epb_kind(rpb::EnforcementActivityKind::DemandLapsed);
    assert_eq!(
        report(&p, 7).await,
        [(issued, 2, 2 * 267_520), (lapsed_kind, 1, 267_520)]
    );
    assert_eq!(report(&p, 8).await, [(lapsed_kind, 1, 267_520)]);

    // The register still agrees with collection's receivables to the won.
    let summary = p
        .arrears()
        .get_arrears_summary(epb::GetArrearsSummaryRequest {
            tenant_code: T.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let receivable = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: b.e_payment_number.clone(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap();
    assert_eq!(summary.arrears_amount_won, receivable.amount_due_won);
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

fn epb_kind(k: rpb::EnforcementActivityKind) -> i32 {
    k as i32
}

#[tokio::test]
async fn a_demand_run_past_fifty_days_is_refused_and_changes_nothing() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let bill = p.decide_h1(&v, "levy-1").await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    p.clock.set(at(2026, 7, 1));
    p.collection()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close-0630".into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    // 2026-08-19 is the 50th day; 8/20 is too late (D-1).
    p.clock.set(at(2026, 8, 20));
    let late = issue(&p, "demands-late").await.unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert!(late.message().contains("2026-08-19"), "{}", late.message());
    let summary = p
        .arrears()
        .get_arrears_summary(epb::GetArrearsSummaryRequest {
            tenant_code: T.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summary.bills, 1, "{summary:?}");
    let c = case_of(&p, &bill.taxpayer_id).await;
    assert!(c.demands.is_empty());
    assert_eq!(kinds(&c), [epb::ActionKind::CaseOpened]);
    let unknown = p
        .arrears()
        .get_enforcement_case(epb::GetEnforcementCaseRequest {
            tenant_code: T.into(),
            taxpayer_id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    p.stop().await.unwrap();
}

/// On 7/1, the due-date close of 2026-06-30, its events delivered.
async fn close_june(p: &TestPlatform) {
    p.clock.set(at(2026, 7, 1));
    p.collection()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close-0630".into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
}

/// `n` cars of 1998 cc levied for 2026 H1 (267,520 won each once overdue) and left unpaid
/// through the close: their bills and the cars.
async fn overdue_cars(p: &TestPlatform, n: u32) -> (Vec<apb::Bill>, Vec<String>) {
    let mut bills = Vec::new();
    let mut cars = Vec::new();
    for i in 1..=n {
        let v = p.register_car(i, 1998, day(2025, 3, 1)).await.unwrap();
        bills.push(p.decide_h1(&v, &format!("levy-{i}")).await.unwrap());
        cars.push(v);
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    close_june(p).await;
    (bills, cars)
}

async fn seize(
    p: &TestPlatform,
    taxpayer: &str,
    kind: epb::AssetKind,
    reference: &str,
    third_party: &str,
    value_won: i64,
    key: &str,
) -> Result<epb::Seizure, tonic::Status> {
    Ok(p.arrears()
        .seize_asset(epb::SeizeAssetRequest {
            tenant_code: T.into(),
            taxpayer_id: taxpayer.into(),
            asset: Some(epb::Asset {
                kind: kind as i32,
                reference: reference.into(),
                third_party: third_party.into(),
                value_won,
            }),
            idempotency_key: key.into(),
        })
        .await?
        .into_inner()
        .seizure
        .unwrap())
}

async fn release(
    p: &TestPlatform,
    seizure_id: &str,
    reason: epb::ReleaseReason,
    note: &str,
    key: &str,
) -> Result<epb::Seizure, tonic::Status> {
    Ok(p.arrears()
        .release_seizure(epb::ReleaseSeizureRequest {
            tenant_code: T.into(),
            seizure_id: seizure_id.into(),
            reason: reason as i32,
            note: note.into(),
            idempotency_key: key.into(),
        })
        .await?
        .into_inner()
        .seizure
        .unwrap())
}

fn state_of(c: &epb::EnforcementCase, id: &str) -> epb::SeizureState {
    epb::SeizureState::try_from(
        c.seizures
            .iter()
            .find(|s| s.seizure_id == id)
            .unwrap_or_else(|| panic!("seizure {id} in the case"))
            .state,
    )
    .unwrap()
}

#[tokio::test]
async fn seizures_are_decided_by_the_law_ordered_once_and_released_by_payment() {
    let mut p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let (bills, cars) = overdue_cars(&p, 3).await;
    let (a, b, c) = (&bills[0], &bills[1], &bills[2]);

    // 7/2: automobile tax on the car itself may be seized without a demand (S-2). The
    // arrears service is killed between the decision and the order: restarted, it orders
    // once.
    p.clock.set(at(2026, 7, 2));
    let car_a = seize(
        &p,
        &a.taxpayer_id,
        epb::AssetKind::Vehicle,
        &cars[0],
        "",
        8_000_000,
        "seize-a-car",
    )
    .await
    .unwrap();
    assert_eq!(car_a.state, epb::SeizureState::Requested as i32);
    assert_eq!((car_a.secured_won, car_a.protected_won), (267_520, 0));
    assert!(car_a.on_taxed_vehicle);
    // The same call again is the same seizure; the car cannot be seized twice.
    let again = seize(
        &p,
        &a.taxpayer_id,
        epb::AssetKind::Vehicle,
        &cars[0],
        "",
        8_000_000,
        "seize-a-car",
    )
    .await
    .unwrap();
    assert_eq!(again.seizure_id, car_a.seizure_id);
    let twice = seize(
        &p,
        &a.taxpayer_id,
        epb::AssetKind::Vehicle,
        &cars[0],
        "",
        8_000_000,
        "seize-a-car-2",
    )
    .await
    .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    p.platform
        .stop_service(seip_runtime::ServiceName::ArrearsEnforcement)
        .await
        .unwrap();
    p.platform
        .restart_service(seip_runtime::ServiceName::ArrearsEnforcement)
        .await
        .unwrap();
    // The restarted scheduler's first look may fire it before this call does: either way,
    // once.
    let sim = p.platform.registry_simulator().unwrap().clone();
    assert!(p.platform.run_timers().await.unwrap() <= 1);
    for _ in 0..100 {
        if case_of(&p, &a.taxpayer_id).await.seizures[0].state
            == epb::SeizureState::Registered as i32
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(p.platform.run_timers().await.unwrap(), 0);
    assert_eq!(sim.registered(), 1);
    let case_a = case_of(&p, &a.taxpayer_id).await;
    assert_eq!(
        state_of(&case_a, &car_a.seizure_id),
        epb::SeizureState::Registered
    );
    assert_eq!(
        case_a.seizures[0].perfected_on,
        Some(date_to_proto(day(2026, 7, 2)))
    );
    // S-2 reaches the car only: A's deposit waits for a lapsed demand (S-1).
    let more = seize(
        &p,
        &a.taxpayer_id,
        epb::AssetKind::BankDeposit,
        "110-222-333333",
        "088",
        3_000_000,
        "seize-a-deposit",
    )
    .await
    .unwrap_err();
    assert_eq!(more.code(), Code::FailedPrecondition);
    assert!(more.message().contains("S-1"), "{}", more.message());

    // C's car is seized too — but C had paid on 6/29, reported only now: C was never in
    // arrears, and the seizure is withdrawn.
    let car_c = seize(
        &p,
        &c.taxpayer_id,
        epb::AssetKind::Vehicle,
        &cars[2],
        "",
        8_000_000,
        "seize-c-car",
    )
    .await
    .unwrap();
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    let on_time = paid_in_full(c, day(2026, 6, 29), 1, 0);
    p.import_file(&on_time.0, on_time.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    let case_c = case_of(&p, &c.taxpayer_id).await;
    assert_eq!(case_c.state, epb::CaseState::Settled as i32);
    let withdrawn = case_c
        .seizures
        .iter()
        .find(|s| s.seizure_id == car_c.seizure_id)
        .unwrap();
    assert_eq!(
        (withdrawn.state, withdrawn.release_reason),
        (
            epb::SeizureState::Released as i32,
            epb::ReleaseReason::Withdrawn as i32
        )
    );

    // B's wages cannot be seized before a demand lapsed (S-1).
    let early = seize(
        &p,
        &b.taxpayer_id,
        epb::AssetKind::Wages,
        "B-payroll",
        "220-81-00001",
        4_000_000,
        "seize-b-wages-early",
    )
    .await
    .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert!(early.message().contains("S-1"), "{}", early.message());
    p.clock.set(at(2026, 7, 10));
    issue(&p, "demands-0630").await.unwrap();
    // A's demand and B's lapse.
    p.clock.set(at(2026, 7, 31));
    assert_eq!(p.platform.run_timers().await.unwrap(), 2);
    // Now A's deposit has a ground, but the car secures every won (§43).
    let more = seize(
        &p,
        &a.taxpayer_id,
        epb::AssetKind::BankDeposit,
        "110-222-333333",
        "088",
        3_000_000,
        "seize-a-deposit-later",
    )
    .await
    .unwrap_err();
    assert_eq!(more.code(), Code::FailedPrecondition);
    assert!(
        more.message().contains("already secured"),
        "{}",
        more.message()
    );
    // A wage under the protected minimum gives nothing (S-4).
    let protected = seize(
        &p,
        &b.taxpayer_id,
        epb::AssetKind::Wages,
        "B-payroll",
        "220-81-00001",
        2_000_000,
        "seize-b-wages",
    )
    .await
    .unwrap_err();
    assert_eq!(protected.code(), Code::FailedPrecondition);
    assert!(
        protected.message().contains("S-4"),
        "{}",
        protected.message()
    );
    // A deposit of 2,600,000: 2,500,000 protected, 100,000 secured.
    let deposit = seize(
        &p,
        &b.taxpayer_id,
        epb::AssetKind::BankDeposit,
        "110-999-000001",
        "088",
        2_600_000,
        "seize-b-deposit",
    )
    .await
    .unwrap();
    assert_eq!(
        (deposit.protected_won, deposit.secured_won),
        (2_500_000, 100_000)
    );
    // Land that is not B's is refused by the registry; other land secures the rest.
    sim.refuse("1101-2026-000001");
    let wrong_land = seize(
        &p,
        &b.taxpayer_id,
        epb::AssetKind::RealEstate,
        "1101-2026-000001",
        "",
        50_000_000,
        "seize-b-land-1",
    )
    .await
    .unwrap();
    assert_eq!(wrong_land.secured_won, 167_520);
    assert_eq!(p.platform.run_timers().await.unwrap(), 2);
    let case_b = case_of(&p, &b.taxpayer_id).await;
    assert_eq!(
        state_of(&case_b, &wrong_land.seizure_id),
        epb::SeizureState::Refused
    );
    assert_eq!(
        state_of(&case_b, &deposit.seizure_id),
        epb::SeizureState::Registered
    );
    let land = seize(
        &p,
        &b.taxpayer_id,
        epb::AssetKind::RealEstate,
        "1101-2026-000002",
        "",
        50_000_000,
        "seize-b-land-2",
    )
    .await
    .unwrap();
    assert_eq!(land.secured_won, 167_520);
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    // The deposit is needed: releasing it as over-seizure is refused; a release needs a
    // reason.
    let needed = release(
        &p,
        &deposit.seizure_id,
        epb::ReleaseReason::OverSeizure,
        "the land covers it",
        "rel-1",
    )
    .await
    .unwrap_err();
    assert_eq!(needed.code(), Code::FailedPrecondition);
    let bare = release(
        &p,
        &deposit.seizure_id,
        epb::ReleaseReason::Operator,
        " ",
        "rel-2",
    )
    .await
    .unwrap_err();
    assert_eq!(bare.code(), Code::InvalidArgument);
    // On proof that the account holds welfare benefits (S-4), it is released.
    let proof = release(
        &p,
        &deposit.seizure_id,
        epb::ReleaseReason::ProtectedAsset,
        "기초생활수급비 전용 계좌 증명",
        "rel-3",
    )
    .await
    .unwrap();
    assert_eq!(proof.state, epb::SeizureState::ReleaseRequested as i32);
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);

    // A pays in full: the car is released by itself.
    p.clock.set(at(2026, 8, 3));
    let paid = paid_in_full(a, day(2026, 8, 3), 2, 7_780);
    p.import_file(&paid.0, paid.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let before = sim.registered();
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    assert_eq!(sim.registered(), before - 1);
    let case_a = case_of(&p, &a.taxpayer_id).await;
    let car = &case_a.seizures[0];
    assert_eq!(
        (car.state, car.release_reason, car.released_on),
        (
            epb::SeizureState::Released as i32,
            epb::ReleaseReason::Paid as i32,
            Some(date_to_proto(day(2026, 8, 3)))
        )
    );
    assert_eq!(
        kinds(&case_a),
        [
            epb::ActionKind::CaseOpened,
            epb::ActionKind::SeizureRequested,
            epb::ActionKind::SeizureRegistered,
            epb::ActionKind::DemandIssued,
            epb::ActionKind::DemandLapsed,
            epb::ActionKind::DemandPaid,
            epb::ActionKind::SeizureReleaseRequested,
            epb::ActionKind::CaseSettled,
            epb::ActionKind::SeizureReleased,
        ]
    );

    // Reporting counts seizures in the months they took effect and ended.
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let registered = rpb::EnforcementActivityKind::SeizureRegistered as i32;
    let released = rpb::EnforcementActivityKind::SeizureReleased as i32;
    let july = report(&p, 7).await;
    assert!(
        july.contains(&(registered, 4, 267_520 + 267_520 + 100_000 + 167_520)),
        "{july:?}"
    );
    assert!(july.contains(&(released, 2, 267_520 + 100_000)), "{july:?}");
    assert_eq!(
        report(&p, 8)
            .await
            .into_iter()
            .filter(|(k, ..)| *k == released)
            .collect::<Vec<_>>(),
        [(released, 1, 267_520)]
    );
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

/// Close 2026-06-30, demand on 7/10, lapse on 7/31: the plates' precondition (V-1).
async fn close_demand_and_lapse(p: &TestPlatform) {
    close_june(p).await;
    p.clock.set(at(2026, 7, 10));
    issue(p, "demands-0630").await.unwrap();
    p.clock.set(at(2026, 7, 31));
    p.platform.run_timers().await.unwrap();
}

async fn select_plates(p: &TestPlatform, key: &str) -> epb::SelectPlateActionsResponse {
    p.arrears()
        .select_plate_actions(epb::SelectPlateActionsRequest {
            tenant_code: T.into(),
            idempotency_key: key.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn impound(
    p: &TestPlatform,
    vehicle: &str,
    plate: &str,
    key: &str,
) -> Result<epb::PlateAction, tonic::Status> {
    Ok(p.arrears()
        .record_plate_impoundment(epb::RecordPlateImpoundmentRequest {
            tenant_code: T.into(),
            vehicle_id: vehicle.into(),
            plate_number: plate.into(),
            place: "서울 종로구 세종대로 209 앞".into(),
            impounded_at: Some(seip_runtime::convert::timestamp_to_proto(p.clock.now())),
            photo_ref: format!("evidence/{key}.jpg"),
            idempotency_key: key.into(),
        })
        .await?
        .into_inner()
        .plate_action
        .unwrap())
}

#[tokio::test]
async fn one_unpaid_bill_warns_and_its_plates_may_not_be_taken() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let bill = p.decide_h1(&v, "levy-1").await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    close_demand_and_lapse(&p).await;
    let s = select_plates(&p, "plates-0731").await;
    assert_eq!((s.vehicles, s.warned, s.ordered), (1, 1, 0));
    let refused = impound(&p, &v, "12가0001", "impound-1").await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("impounds at 2"),
        "{}",
        refused.message()
    );
    let c = case_of(&p, &bill.taxpayer_id).await;
    assert_eq!(c.plate_actions.len(), 1);
    assert_eq!(c.plate_actions[0].state, epb::PlateState::Warned as i32);
    p.stop().await.unwrap();
}

#[tokio::test]
async fn plates_are_taken_returned_on_payment_and_released_for_a_livelihood() {
    // A municipality that impounds at the first unpaid bill.
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| {
        s.enforcement.plate_warning_at = 1;
        s.enforcement.plate_impound_at = 1;
    })
    .await
    .unwrap();
    let mut cars = Vec::new();
    let mut bills = Vec::new();
    for n in 1..=2 {
        let v = p.register_car(n, 1998, day(2025, 3, 1)).await.unwrap();
        bills.push(p.decide_h1(&v, &format!("levy-{n}")).await.unwrap());
        cars.push(v);
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    close_demand_and_lapse(&p).await;
    let s = select_plates(&p, "plates-0731").await;
    assert_eq!((s.vehicles, s.warned, s.ordered), (2, 0, 2));
    // Again: nothing changes.
    let again = select_plates(&p, "plates-0731-again").await;
    assert_eq!((again.warned, again.ordered), (0, 0));
    let tasks = p
        .arrears()
        .list_plate_tasks(epb::ListPlateTasksRequest {
            tenant_code: T.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(tasks.len(), 2);

    // 8/1: the crew takes both cars' plates; a record dated tomorrow is refused.
    p.clock.set(at(2026, 8, 1));
    let tomorrow = p
        .arrears()
        .record_plate_impoundment(epb::RecordPlateImpoundmentRequest {
            tenant_code: T.into(),
            vehicle_id: cars[0].clone(),
            plate_number: "12가0001".into(),
            place: "서울 종로구".into(),
            impounded_at: Some(seip_runtime::convert::timestamp_to_proto(at(2026, 8, 2))),
            photo_ref: "evidence/early.jpg".into(),
            idempotency_key: "impound-a-tomorrow".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(tomorrow.code(), Code::InvalidArgument);
    assert!(
        tomorrow.message().contains("impounded_at"),
        "{}",
        tomorrow.message()
    );
    let a = impound(&p, &cars[0], "12가0001", "impound-a")
        .await
        .unwrap();
    assert_eq!(
        (a.state, a.plate_number.as_str(), a.impounded_by.as_str()),
        (epb::PlateState::Impounded as i32, "12가0001", "test.office")
    );
    let twice = impound(&p, &cars[0], "12가0001", "impound-a-again")
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    impound(&p, &cars[1], "12가0002", "impound-b")
        .await
        .unwrap();

    // B drives for a living: six months back, extended once by three, not twice.
    let release = |key: &'static str| {
        let mut client = p.arrears();
        let vehicle = cars[1].clone();
        async move {
            client
                .release_plate_temporarily(epb::ReleasePlateTemporarilyRequest {
                    tenant_code: T.into(),
                    vehicle_id: vehicle,
                    reason: "택배 배송 생계형 차량".into(),
                    idempotency_key: key.into(),
                })
                .await
        }
    };
    let released = release("release-b")
        .await
        .unwrap()
        .into_inner()
        .plate_action
        .unwrap();
    assert_eq!(
        released.release_until,
        Some(date_to_proto(day(2027, 1, 31)))
    );
    let extended = release("extend-b")
        .await
        .unwrap()
        .into_inner()
        .plate_action
        .unwrap();
    assert_eq!(
        extended.release_until,
        Some(date_to_proto(day(2027, 4, 30)))
    );
    let third = release("extend-b-again").await.unwrap_err();
    assert_eq!(third.code(), Code::FailedPrecondition);

    // 8/3: A pays in full; the plates are due back the next business day, and returned.
    p.clock.set(at(2026, 8, 3));
    let paid = paid_in_full(&bills[0], day(2026, 8, 3), 1, 7_780);
    p.import_file(&paid.0, paid.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let due_back = case_of(&p, &bills[0].taxpayer_id).await.plate_actions[0].clone();
    assert_eq!(
        (due_back.state, due_back.return_by),
        (
            epb::PlateState::ReturnDue as i32,
            Some(date_to_proto(day(2026, 8, 4)))
        )
    );
    let returned = p
        .arrears()
        .record_plate_return(epb::RecordPlateReturnRequest {
            tenant_code: T.into(),
            vehicle_id: cars[0].clone(),
            returned_at: Some(seip_runtime::convert::timestamp_to_proto(p.clock.now())),
            idempotency_key: "return-a".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .plate_action
        .unwrap();
    assert_eq!(returned.state, epb::PlateState::Returned as i32);
    let not_held = p
        .arrears()
        .record_plate_return(epb::RecordPlateReturnRequest {
            tenant_code: T.into(),
            vehicle_id: cars[0].clone(),
            returned_at: Some(seip_runtime::convert::timestamp_to_proto(p.clock.now())),
            idempotency_key: "return-a-again".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(not_held.code(), Code::FailedPrecondition);

    // B's release ends with the tax unpaid: due for impoundment again, once.
    p.clock.set(at(2027, 5, 1));
    assert_eq!(p.platform.run_timers().await.unwrap(), 1);
    assert_eq!(p.platform.run_timers().await.unwrap(), 0);
    let b = case_of(&p, &bills[1].taxpayer_id).await;
    assert_eq!(b.plate_actions[0].state, epb::PlateState::ToImpound as i32);
    let kinds_b = kinds(&b);
    assert_eq!(
        kinds_b[kinds_b.len() - 4..],
        [
            epb::ActionKind::PlateImpounded,
            epb::ActionKind::PlateReleasedTemporarily,
            epb::ActionKind::PlateReleasedTemporarily,
            epb::ActionKind::PlateImpoundOrdered,
        ]
    );

    // Reporting counts plates taken and returned in August.
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let august = report(&p, 8).await;
    assert!(
        august.contains(&(rpb::EnforcementActivityKind::PlateImpounded as i32, 2, 0)),
        "{august:?}"
    );
    assert!(
        august.contains(&(rpb::EnforcementActivityKind::PlateReturned as i32, 1, 0)),
        "{august:?}"
    );
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

async fn accrue(
    p: &TestPlatform,
    month: i32,
    key: &str,
) -> Result<cpb::AccrueLateChargesResponse, tonic::Status> {
    Ok(p.collection()
        .accrue_late_charges(cpb::AccrueLateChargesRequest {
            tenant_code: T.into(),
            idempotency_key: key.into(),
            year: 2026,
            month,
        })
        .await?
        .into_inner())
}

/// The register against collection: every overdue bill's amount due as of `as_of`, summed,
/// is what the register says is owed.
async fn register_matches_receivables(p: &TestPlatform, bills: &[apb::Bill], as_of: NaiveDate) {
    let register = p
        .arrears()
        .get_arrears_summary(epb::GetArrearsSummaryRequest {
            tenant_code: T.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut due = 0;
    for b in bills {
        due += p
            .collection()
            .get_receivable(cpb::GetReceivableRequest {
                tenant_code: T.into(),
                e_payment_number: b.e_payment_number.clone(),
                as_of: Some(date_to_proto(as_of)),
            })
            .await
            .unwrap()
            .into_inner()
            .receivable
            .unwrap()
            .amount_due_won;
    }
    assert_eq!(
        register.arrears_amount_won, due,
        "register against receivables on {as_of}"
    );
}

#[tokio::test]
async fn arrears_are_kept_current_month_by_month() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    // A new 5,000 cc car: 500,000 of automobile tax for the half-year (a line of at least
    // 450,000 gains the monthly 0.66 %) and 150,000 of education tax (which does not). And a
    // small car, whose bill gains nothing after the 3 %.
    let big = p.register_car(1, 5000, day(2026, 3, 1)).await.unwrap();
    let small = p.register_car(2, 1998, day(2025, 3, 1)).await.unwrap();
    let bills = vec![
        p.decide_h1(&big, "levy-big").await.unwrap(),
        p.decide_h1(&small, "levy-small").await.unwrap(),
    ];
    assert_eq!(
        bills[0]
            .lines
            .iter()
            .map(|l| l.amount_won)
            .collect::<Vec<_>>(),
        [500_000, 150_000]
    );
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    p.clock.set(at(2026, 7, 1));
    p.collection()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close-0630".into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    register_matches_receivables(&p, &bills, day(2026, 7, 1)).await;

    // July's last day comes first.
    let early = accrue(&p, 7, "accrue-07-early").await.unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert!(
        early.message().contains("2026-07-31"),
        "{}",
        early.message()
    );
    // July: the first increment accrues on 8/1, so nothing yet.
    p.clock.set(at(2026, 8, 1));
    let july = accrue(&p, 7, "accrue-07").await.unwrap();
    assert_eq!(
        (july.bills_examined, july.bills_accrued, july.accrued_won),
        (2, 0, 0)
    );
    // Had July stopped part way, August would be refused — not carried on from a month
    // whose bills were not all reached — until July runs to its end.
    {
        use sea_orm::ConnectionTrait;
        p.platform
            .database(seip_runtime::ServiceName::Collection)
            .unwrap()
            .execute_unprepared("UPDATE accrual_run SET finished_at = NULL WHERE month = '2026-07'")
            .await
            .unwrap();
    }
    p.clock.set(at(2026, 9, 1));
    let unfinished = accrue(&p, 8, "accrue-08-early").await.unwrap_err();
    assert_eq!(unfinished.code(), Code::FailedPrecondition);
    assert!(
        unfinished.message().contains("2026-07"),
        "{}",
        unfinished.message()
    );
    accrue(&p, 7, "accrue-07-resumed").await.unwrap();
    // August: 0.66 % of 500,000 on the big car's tax line.
    let august = accrue(&p, 8, "accrue-08").await.unwrap();
    assert_eq!((august.bills_accrued, august.accrued_won), (1, 3_300));
    assert_eq!(august.as_of, Some(date_to_proto(day(2026, 8, 31))));
    // Again, under another key: the month accrued once.
    let again = accrue(&p, 8, "accrue-08-again").await.unwrap();
    assert_eq!((again.bills_accrued, again.accrued_won), (1, 3_300));
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let entry = p
        .arrears()
        .get_arrears(epb::GetArrearsRequest {
            tenant_code: T.into(),
            taxpayer_id: bills[0].taxpayer_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .entry
        .unwrap();
    assert_eq!(entry.bills[0].late_charge_won, 15_000 + 4_500 + 3_300);
    register_matches_receivables(&p, &bills, day(2026, 8, 31)).await;

    // October is skipped; November's run carries both months' increments.
    p.clock.set(at(2026, 12, 1));
    accrue(&p, 9, "accrue-09").await.unwrap();
    let november = accrue(&p, 11, "accrue-11").await.unwrap();
    assert_eq!((november.bills_accrued, november.accrued_won), (1, 6_600));
    // October after November would count its increment twice: refused.
    let late = accrue(&p, 10, "accrue-10").await.unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert!(late.message().contains("2026-11"), "{}", late.message());
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    register_matches_receivables(&p, &bills, day(2026, 11, 30)).await;

    // Reporting has the increments as late charges raised, in the months they were carried.
    let raised = |report: rpb::GetMonthlyReportResponse| {
        report
            .rows
            .iter()
            .map(|r| r.late_charge_raised_won)
            .sum::<i64>()
    };
    let month = |m| {
        let mut r = p.reporting();
        async move {
            r.get_monthly_report(rpb::GetMonthlyReportRequest {
                tenant_code: T.into(),
                year: 2026,
                month: m,
            })
            .await
            .unwrap()
            .into_inner()
        }
    };
    assert_eq!(raised(month(8).await), 3_300);
    assert_eq!(raised(month(9).await), 3_300);
    assert_eq!(raised(month(11).await), 6_600);
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

async fn auction_of(p: &TestPlatform, id: &str) -> epb::Auction {
    p.arrears()
        .get_auction(epb::GetAuctionRequest {
            tenant_code: T.into(),
            auction_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .auction
        .unwrap()
}

async fn start_auction(
    p: &TestPlatform,
    seizure_id: &str,
    (appraised, appraisal_cost): (i64, i64),
    key: &str,
) -> Result<epb::Auction, tonic::Status> {
    Ok(p.arrears()
        .start_auction(epb::StartAuctionRequest {
            tenant_code: T.into(),
            seizure_id: seizure_id.into(),
            appraised_value_won: appraised,
            description: "승용자동차 (1998cc), 2015년식".into(),
            idempotency_key: key.into(),
            appraisal_cost_won: appraisal_cost,
        })
        .await?
        .into_inner()
        .auction
        .unwrap())
}

fn bid(
    who: &str,
    amount: i64,
    deposit: i64,
) -> seip_arrears_enforcement::ports::auction::PlatformBid {
    seip_arrears_enforcement::ports::auction::PlatformBid {
        bidder_ref: who.into(),
        amount,
        deposit,
    }
}

/// A seized car goes to auction: unsold in round 1, the reserve cut for round 2, the highest
/// valid bid wins, the sale is decided, the buyer pays, and collection distributes the price
/// over the owner's arrears (principal, then charges) with the surplus held for the owner.
/// Another owner pays before the decision: that auction stops and its listing is withdrawn.
/// A third buyer does not pay: the sale is cancelled and the car re-auctioned.
#[tokio::test]
async fn a_seized_car_is_auctioned_and_its_proceeds_distributed() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let (bills, cars) = overdue_cars(&p, 3).await;
    // Thu 7/2: both cars seized on their automobile tax (S-2) and registered.
    p.clock.set(at(2026, 7, 2));
    let mut seized = Vec::new();
    for (n, (b, car)) in bills.iter().zip(&cars).enumerate() {
        seized.push(
            seize(
                &p,
                &b.taxpayer_id,
                epb::AssetKind::Vehicle,
                car,
                "",
                1_500_000,
                &format!("seize-{n}"),
            )
            .await
            .unwrap(),
        );
    }
    // Not registered yet: nothing to auction.
    let early = start_auction(&p, &seized[0].seizure_id, (1_000_000, 0), "auction-early")
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");
    p.platform.run_timers().await.unwrap();
    let bad = start_auction(&p, &seized[0].seizure_id, (0, 0), "auction-zero")
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("appraised_value_won"), "{bad:?}");

    // Round 1 noticed today: the sale ten days on (Sun 7/12) moves to Mon 7/13. The
    // appraisal's fee, 150,000, is charged to A as enforcement costs (체납처분비).
    let a = start_auction(&p, &seized[0].seizure_id, (1_000_000, 150_000), "auction-a")
        .await
        .unwrap();
    let with_costs = case_of(&p, &bills[0].taxpayer_id).await;
    assert_eq!(with_costs.arrears_amount_won, 267_520 + 150_000);
    assert!(
        with_costs
            .bills
            .iter()
            .any(|b| b.enforcement_cost && b.principal_won == 150_000)
    );
    assert!(kinds(&with_costs).contains(&epb::ActionKind::EnforcementCostIncurred));
    // The case list finds the cases by what they owe and what is seized.
    let listed = |tax_item: seip_proto::common::v1::TaxItem, asset_kind: epb::AssetKind| {
        let mut client = p.arrears();
        async move {
            client
                .list_enforcement_cases(epb::ListEnforcementCasesRequest {
                    tenant_code: T.into(),
                    tax_item: tax_item as i32,
                    asset_kind: asset_kind as i32,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .cases
                .into_iter()
                .map(|c| c.taxpayer_id)
                .collect::<Vec<_>>()
        }
    };
    use seip_proto::common::v1::TaxItem as Item;
    assert_eq!(
        listed(Item::EnforcementCost, epb::AssetKind::Unspecified).await,
        [bills[0].taxpayer_id.clone()]
    );
    assert_eq!(
        listed(Item::AutomobileTax, epb::AssetKind::Vehicle)
            .await
            .len(),
        3
    );
    assert!(
        listed(Item::Unspecified, epb::AssetKind::BankDeposit)
            .await
            .is_empty()
    );
    assert_eq!(
        (a.state, a.round, a.reserve_won, a.minimum_deposit_won),
        (epb::AuctionState::Noticed as i32, 1, 1_000_000, 100_000)
    );
    assert_eq!(a.sale_on, Some(date_to_proto(day(2026, 7, 13))));
    let again = start_auction(
        &p,
        &seized[0].seizure_id,
        (1_000_000, 150_000),
        "auction-a-2",
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let b_auction = start_auction(&p, &seized[1].seizure_id, (2_000_000, 0), "auction-b")
        .await
        .unwrap();
    let c_auction = start_auction(&p, &seized[2].seizure_id, (1_000_000, 0), "auction-c")
        .await
        .unwrap();
    // The listings go to the platform by the scheduler.
    p.platform.run_timers().await.unwrap();
    let sim = p.platform.auction_simulator().unwrap().clone();
    let c_round1 = sim.open_listing(&cars[2]).unwrap();
    assert!(sim.bid(&c_round1.listing_id, bid("D-1", 1_000_000, 100_000)));
    let round1 = sim.open_listing(&cars[0]).unwrap();
    assert_eq!((round1.round, round1.reserve_price), (1, 1_000_000));
    assert!(sim.bid(&round1.listing_id, bid("B-1", 900_000, 100_000)));
    assert!(sim.bid(&round1.listing_id, bid("B-2", 1_100_000, 50_000)));

    // 7/13: no valid bid; round 2 is noticed at 900,000 (−10 % of the appraisal), its sale
    // five days on (Sat 7/18) on Mon 7/20.
    p.clock.set(at(2026, 7, 13));
    p.platform.run_timers().await.unwrap();
    let a2 = auction_of(&p, &a.auction_id).await;
    assert_eq!((a2.round, a2.reserve_won), (2, 900_000));
    // C's one bid wins at the reserve; its sale is decided at once, the price due in 7 days.
    let c_won = auction_of(&p, &c_auction.auction_id).await;
    assert_eq!(
        (c_won.state, c_won.winning_bid_won),
        (epb::AuctionState::Awarded as i32, 1_000_000)
    );
    let c_decided = p
        .arrears()
        .decide_sale(epb::DecideSaleRequest {
            tenant_code: T.into(),
            auction_id: c_auction.auction_id.clone(),
            price_days: 0,
            idempotency_key: "decide-c".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .auction
        .unwrap();
    assert_eq!(
        c_decided.price_due_on,
        Some(date_to_proto(day(2026, 7, 20)))
    );
    assert_eq!(a2.sale_on, Some(date_to_proto(day(2026, 7, 20))));
    let defects: Vec<&str> = a2.bids.iter().map(|b| b.defect.as_str()).collect();
    assert_eq!(defects, ["under_reserve", "deposit_too_small"]);
    let round2 = sim.open_listing(&cars[0]).unwrap();
    assert_eq!((round2.round, round2.reserve_price), (2, 900_000));
    for (who, amount, deposit) in [
        ("C-1", 950_000, 90_000),
        ("C-2", 1_200_000, 90_000),
        ("C-3", 2_000_000, 50_000),
    ] {
        assert!(sim.bid(&round2.listing_id, bid(who, amount, deposit)));
    }

    // 7/20: C-2 wins; the decision is due within 7 business days (Wed 7/29).
    p.clock.set(at(2026, 7, 20));
    p.platform.run_timers().await.unwrap();
    let won = auction_of(&p, &a.auction_id).await;
    assert_eq!(won.state, epb::AuctionState::Awarded as i32);
    assert_eq!(won.winning_bid_won, 1_200_000);
    assert_eq!(won.decision_by, Some(date_to_proto(day(2026, 7, 29))));
    assert!(won.bids.iter().any(|b| b.bidder_ref == "C-2" && b.winning));
    let decide = |days: i32, key: &'static str| {
        let mut client = p.arrears();
        let id = a.auction_id.clone();
        async move {
            client
                .decide_sale(epb::DecideSaleRequest {
                    tenant_code: T.into(),
                    auction_id: id,
                    price_days: days,
                    idempotency_key: key.into(),
                })
                .await
        }
    };
    let too_long = decide(31, "decide-31").await.unwrap_err();
    assert_eq!(too_long.code(), Code::InvalidArgument, "{too_long:?}");
    let decided = decide(0, "decide")
        .await
        .unwrap()
        .into_inner()
        .auction
        .unwrap();
    assert_eq!(decided.state, epb::AuctionState::Decided as i32);
    assert_eq!(decided.price_due_on, Some(date_to_proto(day(2026, 7, 27))));
    let late_stop = p
        .arrears()
        .stop_auction(epb::StopAuctionRequest {
            tenant_code: T.into(),
            auction_id: a.auction_id.clone(),
            reason: "an appeal was filed".into(),
            idempotency_key: "stop-a".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(late_stop.code(), Code::FailedPrecondition);

    // B pays in full on 7/22 before its auction's decision: it stops (§85), its listing is
    // withdrawn, and the seizure released.
    p.clock.set(at(2026, 7, 22));
    let paid = paid_in_full(&bills[1], day(2026, 7, 22), 1, 7_780);
    p.import_file(&paid.0, paid.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    p.platform.run_timers().await.unwrap();
    let stopped = auction_of(&p, &b_auction.auction_id).await;
    assert_eq!(stopped.state, epb::AuctionState::Stopped as i32);
    // Unsold with no bids on 7/13 and 7/20, it was in round 3.
    assert_eq!((stopped.round, stopped.reserve_won), (3, 1_600_000));
    assert!(sim.withdrawn(&format!("{}-3", b_auction.auction_id)));
    assert_eq!(sim.open_listing(&cars[1]), None);
    let case_b = case_of(&p, &bills[1].taxpayer_id).await;
    assert_eq!(
        state_of(&case_b, &seized[1].seizure_id),
        epb::SeizureState::Released
    );
    // C's buyer did not pay by 7/20: the decision is cancelled and the car re-auctioned at
    // 900,000, noticed today with its sale five days on (Mon 7/27).
    let c_again = auction_of(&p, &c_auction.auction_id).await;
    assert_eq!(
        (c_again.state, c_again.round, c_again.reserve_won),
        (epb::AuctionState::Noticed as i32, 2, 900_000)
    );
    assert_eq!(c_again.sale_on, Some(date_to_proto(day(2026, 7, 27))));
    assert!(c_again.decided_on.is_none() && c_again.winning_bid_won == 0);
    assert!(
        kinds(&case_of(&p, &bills[2].taxpayer_id).await)
            .contains(&epb::ActionKind::AuctionPriceUnpaid)
    );
    assert_eq!(
        sim.open_listing(&cars[2])
            .map(|l| (l.round, l.reserve_price)),
        Some((2, 900_000))
    );

    // The buyer pays 1,200,000 on 7/24: the sale completes and collection distributes it —
    // 150,000 of enforcement costs first, 259,740 of principal, 7,780 of charges, and
    // 782,480 held for the owner.
    p.clock.set(at(2026, 7, 24));
    assert!(sim.pay(
        &round2.listing_id,
        seip_arrears_enforcement::ports::auction::Settlement {
            paid_on: day(2026, 7, 24),
            amount: 1_200_000,
        }
    ));
    p.platform.run_timers().await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let sold = auction_of(&p, &a.auction_id).await;
    assert_eq!(sold.state, epb::AuctionState::Sold as i32);
    assert_eq!(
        (sold.proceeds_won, sold.paid_on),
        (1_200_000, Some(date_to_proto(day(2026, 7, 24))))
    );
    let case_a = case_of(&p, &bills[0].taxpayer_id).await;
    assert_eq!(case_a.state, epb::CaseState::Settled as i32);
    assert_eq!(
        state_of(&case_a, &seized[0].seizure_id),
        epb::SeizureState::Sold
    );
    assert!(kinds(&case_a).contains(&epb::ActionKind::AuctionSold));
    let receivable = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bills[0].e_payment_number.clone(),
            as_of: Some(date_to_proto(day(2026, 7, 24))),
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap();
    assert_eq!(
        (receivable.amount_due_won, receivable.paid_won),
        (0, 267_520)
    );
    let surplus = p
        .collection()
        .list_overpayments(cpb::ListOverpaymentsRequest {
            tenant_code: T.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let held: Vec<(i64, &str)> = surplus
        .items
        .iter()
        .map(|i| (i.amount_won, i.distribution_id.as_str()))
        .collect();
    assert_eq!(held, [(782_480, a.auction_id.as_str())]);
    // Reporting books the costs levied and collected, and counts the sale with its proceeds.
    let july = p
        .reporting()
        .get_monthly_report(rpb::GetMonthlyReportRequest {
            tenant_code: T.into(),
            year: 2026,
            month: 7,
        })
        .await
        .unwrap()
        .into_inner();
    let costs = july
        .rows
        .iter()
        .find(|r| r.tax_item == seip_proto::common::v1::TaxItem::EnforcementCost as i32)
        .expect("an enforcement costs row");
    assert_eq!(
        (
            costs.levied_won,
            costs.collected_won,
            costs.late_charge_collected_won
        ),
        (150_000, 150_000, 0)
    );
    assert!(report(&p, 7).await.contains(&(
        epb_kind(rpb::EnforcementActivityKind::AuctionSold),
        1,
        1_200_000
    )));
    // Nothing fires twice.
    assert_eq!(p.platform.run_timers().await.unwrap(), 0);
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

/// A car kept in another municipality (26110) is handed to its crews: it leaves this
/// municipality's list for theirs, a crew of 26110 — which may not act for 11110 — takes and
/// returns the plates, and every step counts in 11110's case.
#[tokio::test]
async fn a_vehicle_kept_elsewhere_is_impounded_by_that_municipalitys_crews() {
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| {
        s.enforcement.plate_warning_at = 1;
        s.enforcement.plate_impound_at = 1;
    })
    .await
    .unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let bill = p.decide_h1(&v, "levy-1").await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    close_demand_and_lapse(&p).await;
    let s = select_plates(&p, "plates-0731").await;
    assert_eq!(s.ordered, 1);
    let crew_b = || {
        epb::arrears_enforcement_service_client::ArrearsEnforcementServiceClient::new(p.channel_as(
            seip_runtime::ServiceName::ArrearsEnforcement,
            &p.token(
                "crew.busan",
                &["26110"],
                &[seip_runtime::auth::Role::FieldCrew],
            ),
        ))
    };
    let tasks = |tenant: &'static str, as_b: bool| {
        let mut c = if as_b { crew_b() } else { p.arrears() };
        async move {
            c.list_plate_tasks(epb::ListPlateTasksRequest {
                tenant_code: tenant.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .tasks
            .len()
        }
    };
    assert_eq!((tasks(T, false).await, tasks("26110", true).await), (1, 0));
    let hand = |to: &'static str, key: &'static str| {
        let mut c = p.arrears();
        let vehicle = v.clone();
        async move {
            c.hand_over_plate_action(epb::HandOverPlateActionRequest {
                tenant_code: T.into(),
                vehicle_id: vehicle,
                to_tenant_code: to.into(),
                reason: "registered and kept in Busan Jung-gu".into(),
                idempotency_key: key.into(),
            })
            .await
        }
    };
    let same = hand(T, "hand-self").await.unwrap_err();
    assert_eq!(same.code(), Code::InvalidArgument);
    let handed = hand("26110", "hand-b")
        .await
        .unwrap()
        .into_inner()
        .plate_action
        .unwrap();
    assert_eq!(handed.handed_to_tenant_code, "26110");
    assert_eq!((tasks(T, false).await, tasks("26110", true).await), (0, 1));

    // 8/1: Busan's crew takes the plates; the impoundment is in 11110's case.
    p.clock.set(at(2026, 8, 1));
    let taken = crew_b()
        .record_plate_impoundment(epb::RecordPlateImpoundmentRequest {
            tenant_code: "26110".into(),
            vehicle_id: v.clone(),
            plate_number: "12가0001".into(),
            place: "부산 중구 중앙대로 120".into(),
            impounded_at: Some(seip_runtime::convert::timestamp_to_proto(p.clock.now())),
            photo_ref: "evidence/busan-1.jpg".into(),
            idempotency_key: "busan-impound-1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .plate_action
        .unwrap();
    assert_eq!(
        (taken.state, taken.impounded_by.as_str()),
        (epb::PlateState::Impounded as i32, "crew.busan")
    );
    let case = case_of(&p, &bill.taxpayer_id).await;
    assert!(kinds(&case).contains(&epb::ActionKind::PlateHandedOver));
    assert!(kinds(&case).contains(&epb::ActionKind::PlateImpounded));
    // Already taken: it is handed over no more.
    let late = hand("26110", "hand-b-again").await.unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);

    // Paid on 8/3: the return is due on Busan's list, and recorded there.
    p.clock.set(at(2026, 8, 3));
    let paid = paid_in_full(&bill, day(2026, 8, 3), 1, 7_780);
    p.import_file(&paid.0, paid.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    assert_eq!(tasks("26110", true).await, 1);
    crew_b()
        .record_plate_return(epb::RecordPlateReturnRequest {
            tenant_code: "26110".into(),
            vehicle_id: v.clone(),
            returned_at: Some(seip_runtime::convert::timestamp_to_proto(p.clock.now())),
            idempotency_key: "busan-return-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(tasks("26110", true).await, 0);
    let case = case_of(&p, &bill.taxpayer_id).await;
    assert_eq!(case.state, epb::CaseState::Settled as i32);
    assert!(kinds(&case).contains(&epb::ActionKind::PlateReturned));
    // The plates are counted in 11110's report.
    let august = report(&p, 8).await;
    assert!(august.contains(&(epb_kind(rpb::EnforcementActivityKind::PlateImpounded), 1, 0)));
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

/// The owner pays in full after the sale was decided (the sale goes on, §85), and then the
/// buyer does not pay: nothing is left to sell for, so the auction stops and the seizure is
/// released rather than the car re-auctioned.
#[tokio::test]
async fn a_sale_left_unpaid_after_the_owner_paid_is_not_auctioned_again() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let (bills, cars) = overdue_cars(&p, 1).await;
    p.clock.set(at(2026, 7, 2));
    let z = seize(
        &p,
        &bills[0].taxpayer_id,
        epb::AssetKind::Vehicle,
        &cars[0],
        "",
        1_500_000,
        "seize-0",
    )
    .await
    .unwrap();
    p.platform.run_timers().await.unwrap();
    let a = start_auction(&p, &z.seizure_id, (1_000_000, 0), "auction-0")
        .await
        .unwrap();
    p.platform.run_timers().await.unwrap();
    let sim = p.platform.auction_simulator().unwrap().clone();
    let listing = sim.open_listing(&cars[0]).unwrap();
    assert!(sim.bid(&listing.listing_id, bid("E-1", 1_000_000, 100_000)));
    p.clock.set(at(2026, 7, 13));
    p.platform.run_timers().await.unwrap();
    p.arrears()
        .decide_sale(epb::DecideSaleRequest {
            tenant_code: T.into(),
            auction_id: a.auction_id.clone(),
            price_days: 0,
            idempotency_key: "decide-0".into(),
        })
        .await
        .unwrap();
    // 7/17: the owner pays in full; the decided sale is not stopped by it.
    p.clock.set(at(2026, 7, 17));
    let paid = paid_in_full(&bills[0], day(2026, 7, 17), 1, 7_780);
    p.import_file(&paid.0, paid.1).await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let case = case_of(&p, &bills[0].taxpayer_id).await;
    assert_eq!(case.state, epb::CaseState::Settled as i32);
    assert_eq!(
        state_of(&case, &z.seizure_id),
        epb::SeizureState::Registered
    );
    assert_eq!(
        auction_of(&p, &a.auction_id).await.state,
        epb::AuctionState::Decided as i32
    );
    // 7/21: the price due 7/20 never came: stopped, the listing withdrawn, the car released.
    p.clock.set(at(2026, 7, 21));
    p.platform.run_timers().await.unwrap();
    p.platform.run_timers().await.unwrap();
    let stopped = auction_of(&p, &a.auction_id).await;
    assert_eq!(
        (stopped.state, stopped.round),
        (epb::AuctionState::Stopped as i32, 1)
    );
    assert!(sim.withdrawn(&listing.listing_id));
    let case = case_of(&p, &bills[0].taxpayer_id).await;
    assert_eq!(state_of(&case, &z.seizure_id), epb::SeizureState::Released);
    assert!(kinds(&case).contains(&epb::ActionKind::AuctionPriceUnpaid));
    assert_eq!(p.platform.run_timers().await.unwrap(), 0);
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}
