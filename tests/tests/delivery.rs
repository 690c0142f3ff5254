//! Delivery over real gRPC and HTTP: a run gathers each taxpayer's notices into one AlimTalk
//! message through the relay's simulator with today's amounts from collection; the unreachable
//! fall back to SMS where a number is known and to the print-vendor batch where not; the
//! unread go on paper after the validity period; e-service applicants are served by the
//! message; a paid notice is not sent; a relay outage loses nothing.

use chrono::{NaiveDate, TimeZone};
use seip_assessment::ports::relay::{Outcome, Recipient, matching_key};
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite};
use seip_core::{Won, clock::kst};
use seip_e2e::TestPlatform;
use seip_proto::assessment::v1 as apb;
use seip_proto::common::v1::TaxItem;
use seip_runtime::convert::date_to_proto;

const T: &str = "11110";

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    kst().with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap().to_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The matching key the relay knows taxpayer `n` of `register_car` by.
fn ci(p: &TestPlatform, n: u32) -> String {
    matching_key(
        p.platform.matching_secret().unwrap(),
        &format!("900101-1{n:06}"),
    )
}

async fn notices_of(p: &TestPlatform, taxpayer: &str) -> Vec<apb::Notice> {
    p.assessment()
        .list_notices(apb::ListNoticesRequest {
            tenant_code: T.into(),
            taxpayer_id: taxpayer.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .notices
}

fn delivery(n: &apb::Notice) -> apb::NoticeDelivery {
    apb::NoticeDelivery::try_from(n.delivery).unwrap()
}

async fn run(p: &TestPlatform, key: &str) -> apb::RunDeliveryResponse {
    p.assessment()
        .run_delivery(apb::RunDeliveryRequest {
            tenant_code: T.into(),
            idempotency_key: key.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// A parking fine for taxpayer `taxpayer`, handed over by a clerk.
async fn fine(p: &TestPlatform, taxpayer: &str) {
    let number = seip_core::EPaymentNumber::compose(
        seip_core::TenantCode::parse_field(T, "t").unwrap(),
        seip_core::NoticeKind::AdHoc,
        2026,
        "90",
        1,
    )
    .unwrap();
    p.assessment()
        .submit_notice(apb::SubmitNoticeRequest {
            tenant_code: T.into(),
            idempotency_key: "fine".into(),
            taxpayer_id: taxpayer.into(),
            kind: apb::DocumentKind::AdminFineNotice as i32,
            reference: "parking-1".into(),
            issued_on: Some(date_to_proto(day(2026, 6, 5))),
            deadline: Some(date_to_proto(day(2026, 7, 31))),
            items: vec![apb::NoticeItem {
                tax_item: TaxItem::AdminFine as i32,
                basis: "주정차위반 2026-05-30 세종대로".into(),
                e_payment_number: number.to_string(),
                due_date: Some(date_to_proto(day(2026, 7, 31))),
                principal_won: 40_000,
                ..Default::default()
            }],
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn one_message_each_then_sms_then_paper_and_e_service_is_served_by_it() {
    let p = TestPlatform::start(at(2026, 5, 20)).await.unwrap();
    let mut taxpayers = Vec::new();
    let mut bills = Vec::new();
    for n in 1..=4 {
        let v = p.register_car(n, 1998, day(2025, 3, 1)).await.unwrap();
        let bill = p.decide_h1(&v, &format!("levy-{n}")).await.unwrap();
        taxpayers.push(bill.taxpayer_id.clone());
        bills.push(bill);
    }
    let mut a = p.assessment();
    // 1 applied for e-service in May: in effect from June.
    let applied = a
        .apply_for_e_service(apb::ApplyForEServiceRequest {
            tenant_code: T.into(),
            idempotency_key: "apply-1".into(),
            taxpayer_id: taxpayers[0].clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    assert_eq!(applied.effective_from, Some(date_to_proto(day(2026, 6, 1))));
    // 2 cannot be reached by KakaoTalk but has a phone; 3 neither.
    a.set_taxpayer_phone(apb::SetTaxpayerPhoneRequest {
        tenant_code: T.into(),
        idempotency_key: "phone-2".into(),
        taxpayer_id: taxpayers[1].clone(),
        phone_number: "010-2222-3333".into(),
    })
    .await
    .unwrap();
    let sim = p.platform.relay_simulator().unwrap();
    sim.set_recipient(&ci(&p, 1), Recipient::Reads);
    sim.set_recipient(&ci(&p, 2), Recipient::Unreachable);
    sim.set_recipient(&ci(&p, 3), Recipient::Unreachable);
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);

    // 4 pays before the run: the bank's file reaches collection.
    p.clock.set(at(2026, 6, 8));
    let b = &bills[3];
    let mut w = FileWriter::new(Header {
        tenant_code: T.into(),
        bank_code: "032".into(),
        accounting_date: day(2026, 6, 8),
        file_seq: 1,
        created_at: day(2026, 6, 8).and_hms_opt(23, 0, 0).unwrap(),
    });
    w.push(&PaymentToWrite {
        e_payment_number: &b.e_payment_number,
        tax_item_code: "501",
        fiscal_year: 2026,
        period: 1,
        principal: Won::new(b.lines[0].amount_won),
        late_charge: Won::ZERO,
        education_tax: Won::new(b.lines[1].amount_won),
        paid_on: day(2026, 6, 8),
        channel: 6,
        payer_name: "홍길동",
        bank_receipt_id: "KB000000000000000001",
        cancel: false,
    });
    p.import_file("RCPT_11110_032_20260608_0001.dat", w.finish())
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);

    // 1 also has a parking fine: one message for both.
    fine(&p, &taxpayers[0]).await;
    p.clock.set(at(2026, 6, 10));
    let r = run(&p, "run-0610").await;
    assert_eq!((r.messages, r.notices, r.settled, r.sent), (3, 4, 1, 3));
    // The same key answers the same run; a second run finds nothing pending.
    assert_eq!(run(&p, "run-0610").await.run_id, r.run_id);
    let again = run(&p, "run-0610-again").await;
    assert_eq!((again.messages, again.notices), (0, 0));

    let to_1 = sim.messages_to(&ci(&p, 1));
    assert_eq!(to_1.len(), 1, "one message for the tax notice and the fine");
    let text = &to_1[0].content;
    let tax_total = Won::new(bills[0].total_won);
    assert!(text.contains("고지서 2건"), "{text}");
    assert!(
        text.contains(&format!("■ 지방세 납세고지서 {tax_total}원")),
        "{text}"
    );
    assert!(text.contains("■ 과태료 부과고지서 40,000원"), "{text}");
    assert!(
        text.contains(&format!("합계 {}원", tax_total + Won::new(40_000))),
        "{text}"
    );
    assert!(to_1[0].link.as_deref().unwrap().contains("/n/"));
    assert!(!text.contains("900101"), "no resident number in a message");

    // The outcomes come back: 1 read (and served, under e-service), 2 failed over to SMS,
    // 3 (no phone) due on paper at once.
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!((f.delivered, f.read, f.failed, f.failed_over), (1, 1, 2, 1));
    assert_eq!(f.printed, 1, "3's notice in the first print batch");
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!((f.sent, f.delivered), (1, 1), "the SMS to 2, delivered");
    let texts = sim.texts_to("01022223333");
    assert_eq!(texts.len(), 1);
    assert!(
        texts[0].content.contains("고지서 1건"),
        "{}",
        texts[0].content
    );
    assert!(texts[0].link.as_deref().unwrap().contains("/n/"));

    let served = notices_of(&p, &taxpayers[0]).await;
    assert_eq!(served.len(), 2);
    for n in &served {
        assert_eq!(delivery(n), apb::NoticeDelivery::Sent);
        assert_eq!(n.served_on, Some(date_to_proto(day(2026, 6, 10))));
        assert_eq!(n.served_by, apb::Channel::Alimtalk as i32);
    }
    assert_eq!(
        delivery(&notices_of(&p, &taxpayers[2]).await[0]),
        apb::NoticeDelivery::Printed
    );
    assert_eq!(
        delivery(&notices_of(&p, &taxpayers[3]).await[0]),
        apb::NoticeDelivery::Settled
    );
    // 2's SMS stays unread past the 7 days: its legal notice goes on paper; 1's do not.
    p.clock.set(at(2026, 6, 18));
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!((f.to_print, f.printed), (1, 1));
    assert_eq!(
        delivery(&notices_of(&p, &taxpayers[1]).await[0]),
        apb::NoticeDelivery::Printed
    );
    assert!(
        notices_of(&p, &taxpayers[0])
            .await
            .iter()
            .all(|n| delivery(n) == apb::NoticeDelivery::Sent)
    );

    // The print vendor's batches: a row and a PDF per notice.
    let print = p
        .platform
        .settings()
        .notices
        .print_dir
        .clone()
        .unwrap()
        .join(T);
    let mut rows = Vec::new();
    for batch in std::fs::read_dir(&print).unwrap() {
        let dir = batch.unwrap().path();
        let mut csv = csv::Reader::from_path(dir.join("batch.csv")).unwrap();
        for row in csv.records() {
            let row = row.unwrap();
            assert!(dir.join(&row[6]).is_file(), "{row:?}");
            rows.push((row[1].to_owned(), row[4].to_owned()));
        }
    }
    let total = bills[1].total_won.to_string();
    assert_eq!(
        rows,
        [
            ("tax_notice".to_owned(), total.clone()),
            ("tax_notice".to_owned(), total)
        ]
    );
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

#[tokio::test]
async fn a_relay_outage_keeps_every_message_queued_until_it_is_back() {
    let p = TestPlatform::start(at(2026, 6, 10)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    p.decide_h1(&v, "levy").await.unwrap();
    let sim = p.platform.relay_simulator().unwrap();
    sim.outage(1);
    let r = run(&p, "run").await;
    assert_eq!((r.messages, r.sent), (1, 0));
    assert!(sim.messages_to(&ci(&p, 1)).is_empty());
    // Not before its backoff…
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!(f.sent, 0);
    // …then once.
    p.clock.set(at(2026, 6, 10) + chrono::Duration::minutes(3));
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!((f.sent, f.delivered), (1, 1));
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!((f.sent, f.delivered), (0, 0), "once");
    let sent = sim.messages_to(&ci(&p, 1));
    assert_eq!(sent.len(), 1);
    assert!(matches!(sent[0].outcome, Outcome::Delivered { .. }));
    p.stop().await.unwrap();
}

#[tokio::test]
async fn a_demand_served_by_e_notice_near_its_deadline_moves_it() {
    use futures::StreamExt;
    use seip_proto::arrears_enforcement::v1 as epb;
    use seip_proto::collection::v1 as cpb;
    let p = TestPlatform::start(at(2026, 5, 20)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let bill = p.decide_h1(&v, "levy").await.unwrap();
    p.assessment()
        .apply_for_e_service(apb::ApplyForEServiceRequest {
            tenant_code: T.into(),
            idempotency_key: "apply".into(),
            taxpayer_id: bill.taxpayer_id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    // The tax notice goes out in June (served by it), the bill stays unpaid.
    p.clock.set(at(2026, 6, 10));
    run(&p, "june").await;
    p.platform.follow_up_notices().await.unwrap();
    p.clock.set(at(2026, 7, 1));
    p.collection()
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close".into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    p.clock.set(at(2026, 7, 10));
    let mut demands = p
        .arrears()
        .issue_demands(epb::IssueDemandsRequest {
            tenant_code: T.into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
            idempotency_key: "demands".into(),
        })
        .await
        .unwrap()
        .into_inner();
    while let Some(progress) = demands.next().await {
        progress.unwrap();
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let case = |p: &TestPlatform| {
        let mut arrears = p.arrears();
        let taxpayer = bill.taxpayer_id.clone();
        async move {
            arrears
                .get_enforcement_case(epb::GetEnforcementCaseRequest {
                    tenant_code: T.into(),
                    taxpayer_id: taxpayer,
                })
                .await
                .unwrap()
                .into_inner()
                .enforcement_case
                .unwrap()
        }
    };
    let issued = case(&p).await.demands[0].clone();
    assert_eq!(issued.deadline, Some(date_to_proto(day(2026, 7, 30))));
    // The demand is delivered on 25 July, within 7 days of its deadline: served then, and
    // the deadline becomes the 14th day after, moved off the weekend (C-5).
    p.clock.set(at(2026, 7, 25));
    let r = run(&p, "july").await;
    assert_eq!(r.notices, 1);
    let f = p.platform.follow_up_notices().await.unwrap();
    assert_eq!(f.served, 1);
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let served = case(&p).await.demands[0].clone();
    assert_eq!(served.served_on, Some(date_to_proto(day(2026, 7, 25))));
    let moved = seip_rules::conventions::delayed_service_due_date(
        day(2026, 7, 30),
        day(2026, 7, 25),
        &seip_rules::calendar::HolidayCalendar::korea(),
    );
    assert_eq!(moved, day(2026, 8, 10));
    assert_eq!(served.deadline, Some(date_to_proto(moved)));
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

#[tokio::test]
async fn five_e_notices_left_unopened_end_the_application_from_the_next_month() {
    let p = TestPlatform::start(at(2026, 1, 20)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let taxpayer = p.decide_h1(&v, "levy").await.unwrap().taxpayer_id;
    let mut a = p.assessment();
    a.apply_for_e_service(apb::ApplyForEServiceRequest {
        tenant_code: T.into(),
        idempotency_key: "apply".into(),
        taxpayer_id: taxpayer.clone(),
    })
    .await
    .unwrap();
    let number = |serial: u64| {
        seip_core::EPaymentNumber::compose(
            seip_core::TenantCode::parse_field(T, "t").unwrap(),
            seip_core::NoticeKind::AdHoc,
            2026,
            "90",
            serial,
        )
        .unwrap()
        .to_string()
    };
    // A parking fine a month, February to June, each delivered and never opened.
    let month = |m: u32| {
        let mut a = a.clone();
        let taxpayer = taxpayer.clone();
        let p = &p;
        async move {
            p.clock.set(at(2026, m, 10));
            a.submit_notice(apb::SubmitNoticeRequest {
                tenant_code: T.into(),
                idempotency_key: format!("fine-{m}"),
                taxpayer_id: taxpayer,
                kind: apb::DocumentKind::AdminFineNotice as i32,
                reference: format!("parking-{m}"),
                issued_on: Some(date_to_proto(day(2026, m, 10))),
                deadline: Some(date_to_proto(day(2026, m, 28))),
                items: vec![apb::NoticeItem {
                    tax_item: TaxItem::AdminFine as i32,
                    basis: "주정차위반".into(),
                    e_payment_number: number(u64::from(m)),
                    due_date: Some(date_to_proto(day(2026, m, 28))),
                    principal_won: 40_000,
                    ..Default::default()
                }],
            })
            .await
            .unwrap();
            run(p, &format!("run-{m}")).await;
            p.platform.follow_up_notices().await.unwrap()
        }
    };
    // The levy's own notice goes out in the first run, in February, too.
    for m in 2..=6 {
        let f = month(m).await;
        assert_eq!((f.delivered, f.served, f.withdrawn), (1, 1, 0), "month {m}");
    }
    // The fifth was delivered on 10 June: its 60 days run to 9 August.
    p.clock.set(at(2026, 8, 9));
    assert_eq!(p.platform.follow_up_notices().await.unwrap().withdrawn, 0);
    p.clock.set(at(2026, 8, 10));
    assert_eq!(p.platform.follow_up_notices().await.unwrap().withdrawn, 1);
    let e = p
        .assessment()
        .withdraw_e_service(apb::WithdrawEServiceRequest {
            tenant_code: T.into(),
            idempotency_key: "withdraw".into(),
            taxpayer_id: taxpayer.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::FailedPrecondition, "{e:?}");
    // Still in effect in August; from September a message no longer serves.
    let f = month(9).await;
    assert_eq!((f.delivered, f.served), (1, 0));
    p.stop().await.unwrap();
}

#[tokio::test]
async fn a_notice_naming_someone_elses_bill_never_shows_that_bills_amount() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let one = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let two = p.register_car(2, 2998, day(2025, 3, 1)).await.unwrap();
    let first = p.decide_h1(&one, "levy-1").await.unwrap();
    let second = p.decide_h1(&two, "levy-2").await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    // A clerk's slip: guidance to the first taxpayer naming the second's bill.
    p.assessment()
        .submit_notice(apb::SubmitNoticeRequest {
            tenant_code: T.into(),
            idempotency_key: "slip".into(),
            taxpayer_id: first.taxpayer_id.clone(),
            kind: apb::DocumentKind::ArrearsGuidance as i32,
            reference: "guidance-1".into(),
            issued_on: Some(date_to_proto(day(2026, 6, 5))),
            deadline: Some(date_to_proto(day(2026, 6, 30))),
            items: vec![apb::NoticeItem {
                bill_id: second.bill_id.clone(),
                tax_item: TaxItem::AutomobileTax as i32,
                basis: "안내".into(),
                e_payment_number: first.e_payment_number.clone(),
                due_date: Some(date_to_proto(day(2026, 6, 30))),
                principal_won: 12_340,
                ..Default::default()
            }],
        })
        .await
        .unwrap();
    p.clock.set(at(2026, 6, 10));
    run(&p, "run").await;
    let sim = p.platform.relay_simulator().unwrap();
    let text = &sim.messages_to(&ci(&p, 1))[0].content;
    assert!(text.contains("■ 체납액 납부 안내 12,340원"), "{text}");
    let theirs = Won::new(second.total_won).to_string();
    assert!(!text.contains(&theirs), "{text}");
    p.stop().await.unwrap();
}
