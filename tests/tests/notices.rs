//! Notices over real gRPC: a levy's tax notice and arrears enforcement's demands become
//! notices in assessment, rendered for their recipient as HTML and PDF; a clerk's hand-over
//! is checked field by field and kept once per reference.

use chrono::{NaiveDate, TimeZone};
use futures::StreamExt;
use seip_core::clock::kst;
use seip_e2e::TestPlatform;
use seip_proto::arrears_enforcement::v1 as epb;
use seip_proto::assessment::v1 as apb;
use seip_proto::collection::v1 as cpb;
use seip_proto::common::v1::TaxItem;
use seip_runtime::convert::date_to_proto;
use tonic::Code;

const T: &str = "11110";

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    kst().with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap().to_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn notices(p: &TestPlatform, taxpayer: &str, kind: apb::DocumentKind) -> Vec<apb::Notice> {
    p.assessment()
        .list_notices(apb::ListNoticesRequest {
            tenant_code: T.into(),
            taxpayer_id: taxpayer.into(),
            kind: kind as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .notices
}

async fn document(
    p: &TestPlatform,
    id: &str,
    format: apb::DocumentFormat,
) -> apb::GetNoticeResponse {
    p.assessment()
        .get_notice(apb::GetNoticeRequest {
            tenant_code: T.into(),
            notice_id: id.into(),
            format: format as i32,
        })
        .await
        .unwrap()
        .into_inner()
}

/// Whether this machine renders PDFs (a Hangul font); CI installs one.
fn pdf_renders() -> bool {
    let found = seip_documents::Typeface::find(None).is_ok();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI needs a Hangul font (fonts-nanum)"
    );
    found
}

#[tokio::test]
async fn a_levy_and_its_demand_become_notices_for_their_recipient() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let bill = p.decide_h1(&v, "levy-1").await.unwrap();
    // Deciding again (another key) keeps the one notice.
    p.decide_h1(&v, "levy-1-again").await.unwrap();

    let levied = notices(&p, &bill.taxpayer_id, apb::DocumentKind::TaxNotice).await;
    assert_eq!(levied.len(), 1, "{levied:?}");
    let n = &levied[0];
    assert_eq!(n.source, "assessment");
    assert_eq!(n.reference, bill.bill_id);
    assert_eq!(n.total_won, bill.total_won);
    assert_eq!(n.deadline, bill.due_date);
    let items: Vec<(i32, i64, &str)> = n
        .items
        .iter()
        .map(|i| (i.tax_item, i.principal_won, i.basis.as_str()))
        .collect();
    assert_eq!(
        items,
        [
            (
                TaxItem::AutomobileTax as i32,
                bill.lines[0].amount_won,
                "12가0001 2026년 1기분"
            ),
            (
                TaxItem::LocalEducationTax as i32,
                bill.lines[1].amount_won,
                "12가0001 2026년 1기분"
            ),
        ]
    );
    assert!(
        n.items
            .iter()
            .all(|i| i.bill_id == bill.bill_id && i.e_payment_number == bill.e_payment_number)
    );

    let html = document(&p, &n.notice_id, apb::DocumentFormat::Html).await;
    assert_eq!(html.media_type, "text/html; charset=utf-8");
    let html = String::from_utf8(html.document).unwrap();
    assert!(html.contains("지방세 납세고지서"), "{html}");
    assert!(
        html.contains("홍길동"),
        "the recipient's name, opened for the document"
    );
    assert!(html.contains("서울특별시 종로구 세종대로 209"));
    assert!(html.contains(&n.document_number));
    let total = seip_core::Won::new(bill.total_won).to_string();
    assert!(html.contains(&format!("{total}원")), "{html}");
    let number = &bill.e_payment_number;
    let printed = format!(
        "{}-{}-{}-{}-{}",
        &number[..5],
        &number[5..6],
        &number[6..8],
        &number[8..10],
        &number[10..]
    );
    assert!(html.contains(&printed), "{html}");
    assert!(
        html.contains("자동차세·지방교육세"),
        "one number for the bill's two lines"
    );
    if pdf_renders() {
        let pdf = document(&p, &n.notice_id, apb::DocumentFormat::Pdf).await;
        assert_eq!(pdf.media_type, "application/pdf");
        assert!(pdf.document.starts_with(b"%PDF-"));
    }

    // Overdue: arrears enforcement demands it, and assessment keeps the demand as a notice.
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
    p.clock.set(at(2026, 7, 10));
    let mut run = p
        .arrears()
        .issue_demands(epb::IssueDemandsRequest {
            tenant_code: T.into(),
            due_date: Some(date_to_proto(day(2026, 6, 30))),
            idempotency_key: "demands".into(),
        })
        .await
        .unwrap()
        .into_inner();
    while let Some(progress) = run.next().await {
        progress.unwrap();
    }
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let case = p
        .arrears()
        .get_enforcement_case(epb::GetEnforcementCaseRequest {
            tenant_code: T.into(),
            taxpayer_id: bill.taxpayer_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .enforcement_case
        .unwrap();
    let demand = &case.demands[0];
    let demanded = notices(&p, &bill.taxpayer_id, apb::DocumentKind::DemandNotice).await;
    assert_eq!(demanded.len(), 1, "{demanded:?}");
    let d = &demanded[0];
    assert_eq!(d.source, "arrears_enforcement");
    assert_eq!(d.reference, demand.demand_id);
    assert_eq!(d.deadline, demand.deadline);
    assert_eq!(d.total_won, demand.principal_won + demand.late_charge_won);
    assert_eq!(d.items.len(), 1);
    assert_eq!(d.items[0].tax_item, TaxItem::AutomobileTax as i32);
    assert_eq!(d.items[0].basis, "12가0001 2026년 1기분");
    assert_eq!(d.items[0].e_payment_number, bill.e_payment_number);
    let html = document(&p, &d.notice_id, apb::DocumentFormat::Html).await;
    let html = String::from_utf8(html.document).unwrap();
    assert!(html.contains("독촉장"), "{html}");
    assert!(html.contains("「지방세징수법」 제32조"), "{html}");

    // Every notice of the municipality, newest first, a page at a time.
    let mut a = p.assessment();
    let first = a
        .list_notices(apb::ListNoticesRequest {
            tenant_code: T.into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.notices[0].notice_id, d.notice_id);
    let second = a
        .list_notices(apb::ListNoticesRequest {
            tenant_code: T.into(),
            page_size: 1,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.notices[0].notice_id, n.notice_id);
    assert!(second.next_page_token.is_empty());
    p.check_invariants().await.unwrap();
    p.stop().await.unwrap();
}

fn fine(taxpayer: &str, reference: &str) -> apb::SubmitNoticeRequest {
    let number = seip_core::EPaymentNumber::compose(
        seip_core::TenantCode::parse_field(T, "t").unwrap(),
        seip_core::NoticeKind::AdHoc,
        2026,
        "90",
        7,
    )
    .unwrap();
    apb::SubmitNoticeRequest {
        tenant_code: T.into(),
        idempotency_key: format!("submit-{reference}"),
        taxpayer_id: taxpayer.into(),
        kind: apb::DocumentKind::AdminFineNotice as i32,
        reference: reference.into(),
        issued_on: Some(date_to_proto(day(2026, 7, 1))),
        deadline: Some(date_to_proto(day(2026, 7, 31))),
        items: vec![apb::NoticeItem {
            tax_item: TaxItem::AdminFine as i32,
            basis: "주정차위반 2026-06-12 세종대로".into(),
            e_payment_number: number.to_string(),
            due_date: Some(date_to_proto(day(2026, 7, 31))),
            principal_won: 40_000,
            ..Default::default()
        }],
    }
}

#[tokio::test]
async fn a_handed_over_notice_is_checked_and_kept_once_per_reference() {
    let p = TestPlatform::start(at(2026, 7, 1)).await.unwrap();
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let taxpayer = p.decide_h1(&v, "levy").await.unwrap().taxpayer_id;
    let mut a = p.assessment();

    let first = a
        .submit_notice(fine(&taxpayer, "fine-1"))
        .await
        .unwrap()
        .into_inner()
        .notice
        .unwrap();
    assert_eq!(first.source, "clerk");
    assert_eq!(first.total_won, 40_000);
    let mut again = fine(&taxpayer, "fine-1");
    again.idempotency_key = "another-key".into();
    let second = a
        .submit_notice(again)
        .await
        .unwrap()
        .into_inner()
        .notice
        .unwrap();
    assert_eq!(
        second.notice_id, first.notice_id,
        "one notice per reference"
    );

    let refused = |mutate: fn(&mut apb::SubmitNoticeRequest)| {
        let mut r = fine(&taxpayer, "fine-bad");
        mutate(&mut r);
        r
    };
    for (request, field, code) in [
        (refused(|r| r.items.clear()), "items", Code::InvalidArgument),
        (
            refused(|r| r.items[0].principal_won = -1),
            "items[0].principal_won",
            Code::InvalidArgument,
        ),
        (
            refused(|r| {
                let busan = seip_core::TenantCode::parse_field("26110", "t").unwrap();
                r.items[0].e_payment_number = seip_core::EPaymentNumber::compose(
                    busan,
                    seip_core::NoticeKind::AdHoc,
                    2026,
                    "90",
                    1,
                )
                .unwrap()
                .to_string();
            }),
            "items[0].e_payment_number",
            Code::InvalidArgument,
        ),
        (
            refused(|r| r.items[0].e_payment_number.clear()),
            "items[0].e_payment_number",
            Code::InvalidArgument,
        ),
        (
            refused(|r| r.deadline = None),
            "deadline",
            Code::InvalidArgument,
        ),
        (refused(|r| r.kind = 0), "kind", Code::InvalidArgument),
        (
            refused(|r| r.reference.clear()),
            "reference",
            Code::InvalidArgument,
        ),
        (
            refused(|r| r.taxpayer_id = uuid::Uuid::now_v7().to_string()),
            "taxpayer_id",
            Code::NotFound,
        ),
    ] {
        let e = a.submit_notice(request).await.unwrap_err();
        assert_eq!(e.code(), code, "{field}: {e:?}");
        assert!(e.message().starts_with(field), "{field}: {}", e.message());
    }
    // Nothing refused was kept.
    let kept = notices(&p, &taxpayer, apb::DocumentKind::AdminFineNotice).await;
    assert_eq!(kept.len(), 1);

    let e = a
        .get_notice(apb::GetNoticeRequest {
            tenant_code: T.into(),
            notice_id: uuid::Uuid::now_v7().to_string(),
            format: apb::DocumentFormat::Html as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    assert!(e.message().starts_with("notice_id"), "{}", e.message());
    p.stop().await.unwrap();
}
