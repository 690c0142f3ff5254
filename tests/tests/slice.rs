//! One bill's whole life over real gRPC between the four services: levy, receivable,
//! treasury payment, report; and the unpaid path into arrears.

use chrono::{NaiveDate, TimeZone};
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite};
use seip_core::{EPaymentNumber, Won, clock::kst};
use seip_e2e::TestPlatform;
use seip_proto::arrears_enforcement::v1::GetArrearsRequest;
use seip_proto::assessment::v1 as apb;
use seip_proto::collection::v1 as cpb;
use seip_proto::common::v1 as common;
use seip_proto::reporting::v1::GetMonthlyReportRequest;
use seip_runtime::ServiceName;
use seip_runtime::convert::date_to_proto;
use tonic::Code;

const T: &str = "11110";

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    kst().with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap().to_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn register_car(p: &TestPlatform, n: u32, cc: i32, start: NaiveDate) -> String {
    p.register_car(n, cc, start).await.unwrap()
}

async fn decide(p: &TestPlatform, vehicle_id: &str, key: &str) -> apb::Bill {
    p.decide_h1(vehicle_id, key).await.unwrap()
}

const FILE_NAME: &str = "RCPT_11110_032_20260629_0001.dat";

fn treasury_file(bill: &apb::Bill, paid_on: NaiveDate) -> Vec<u8> {
    let mut w = FileWriter::new(Header {
        tenant_code: T.into(),
        bank_code: "032".into(),
        accounting_date: paid_on,
        file_seq: 1,
        created_at: paid_on.and_hms_opt(23, 0, 0).unwrap(),
    });
    w.push(&PaymentToWrite {
        e_payment_number: &bill.e_payment_number,
        tax_item_code: "501",
        fiscal_year: 2026,
        period: 1,
        principal: Won::new(bill.lines[0].amount_won),
        late_charge: Won::ZERO,
        education_tax: Won::new(bill.lines[1].amount_won),
        paid_on,
        channel: 6,
        payer_name: "홍길동",
        bank_receipt_id: "KB000000000000000001",
        cancel: false,
    });
    w.finish()
}

#[tokio::test]
async fn a_bill_is_levied_paid_and_reported() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    // E-A1: 1,998 cc, new → 199,800 + 59,940 = 259,740.
    let v = register_car(&p, 1, 1998, day(2025, 3, 1)).await;
    let bill = decide(&p, &v, "levy-1").await;
    assert_eq!(bill.total_won, 259_740);
    assert_eq!(
        bill.lines.iter().map(|l| l.amount_won).collect::<Vec<_>>(),
        [199_800, 59_940]
    );
    assert_eq!(bill.due_date, Some(date_to_proto(day(2026, 6, 30))));
    let number: EPaymentNumber = bill.e_payment_number.parse().unwrap();
    assert_eq!(&number.as_str()[..10], "1111012650");
    // Deciding again, even under another key, returns the same bill.
    assert_eq!(decide(&p, &v, "levy-1-again").await.bill_id, bill.bill_id);

    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let r = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bill.e_payment_number.clone(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap();
    assert_eq!(
        (r.amount_due_won, r.status),
        (259_740, cpb::ReceivableStatus::Open as i32)
    );

    let (job, _) = p
        .import_file(FILE_NAME, treasury_file(&bill, day(2026, 6, 29)))
        .await
        .unwrap();
    let summary = job.summary.unwrap();
    assert_eq!(
        (summary.records, summary.paid_count, summary.applied_won),
        (1, 1, 259_740)
    );
    assert_eq!(
        summary.total_won,
        summary.applied_won + summary.overpaid_won + summary.suspense_won
    );
    // The same file again posts nothing.
    let (_, already_imported) = p
        .import_file(FILE_NAME, treasury_file(&bill, day(2026, 6, 29)))
        .await
        .unwrap();
    assert!(already_imported);

    let r = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bill.e_payment_number.clone(),
            as_of: Some(date_to_proto(day(2026, 7, 15))),
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap();
    assert_eq!((r.amount_due_won, r.paid_won), (0, 259_740));
    assert_eq!(r.status, cpb::ReceivableStatus::Paid as i32);

    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let report = p
        .reporting()
        .get_monthly_report(GetMonthlyReportRequest {
            tenant_code: T.into(),
            year: 2026,
            month: 6,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.total_levied_won, 259_740);
    assert_eq!(report.total_collected_won, 259_740);
    let auto = &report.rows[0];
    assert_eq!(
        (auto.levied_count, auto.levied_won, auto.collected_won),
        (1, 199_800, 199_800)
    );
    assert_eq!(report.rows[1].collected_won, 59_940);
    // Another municipality sees nothing.
    let other = p
        .reporting()
        .get_monthly_report(GetMonthlyReportRequest {
            tenant_code: "26110".into(),
            year: 2026,
            month: 6,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(other.rows.is_empty());
    p.stop().await.unwrap();
}

#[tokio::test]
async fn an_unpaid_bill_goes_into_arrears_with_the_three_percent_charge() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v = register_car(&p, 2, 1998, day(2025, 3, 1)).await;
    let bill = decide(&p, &v, "levy-2").await;
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);

    let close = cpb::CloseDueDateRequest {
        tenant_code: T.into(),
        idempotency_key: "close-0630".into(),
        due_date: Some(date_to_proto(day(2026, 6, 30))),
    };
    // Not before the due date has passed.
    let err = p
        .collection()
        .close_due_date(close.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);

    p.clock.set(at(2026, 7, 1));
    let out = p
        .collection()
        .close_due_date(close.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!((out.bills_examined, out.bills_overdue), (1, 1));
    assert_eq!(
        (out.overdue_principal_won, out.late_charge_won),
        (259_740, 5_990 + 1_790)
    );
    let repeat = p
        .collection()
        .close_due_date(close)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(repeat, out);

    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let entry = p
        .arrears()
        .get_arrears(GetArrearsRequest {
            tenant_code: T.into(),
            taxpayer_id: bill.taxpayer_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .entry
        .unwrap();
    assert_eq!(entry.arrears_amount_won, 259_740 + 7_780);
    assert_eq!(entry.arrears_since, Some(date_to_proto(day(2026, 7, 1))));
    let july = p
        .reporting()
        .get_monthly_report(GetMonthlyReportRequest {
            tenant_code: T.into(),
            year: 2026,
            month: 7,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(july.rows[0].overdue_won, 199_800);
    assert_eq!(july.rows[0].late_charge_raised_won, 5_990);
    p.stop().await.unwrap();
}

#[tokio::test]
async fn bad_requests_name_the_field_and_change_nothing() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v = register_car(&p, 3, 1598, day(2023, 9, 20)).await;
    let mut a = p.assessment();

    let e = a
        .register_vehicle(apb::RegisterVehicleRequest {
            tenant_code: T.into(),
            idempotency_key: "bad-1".into(),
            taxpayer_id: uuid::Uuid::now_v7().to_string(),
            plate_number: "99가9999".into(),
            vehicle_class: apb::VehicleClass::PassengerCar as i32,
            vehicle_use: apb::VehicleUse::NonCommercial as i32,
            displacement_cc: 1500,
            age_start_date: Some(date_to_proto(day(2020, 1, 1))),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    assert!(e.message().contains("taxpayer_id"));

    let e = a
        .register_vehicle(apb::RegisterVehicleRequest {
            tenant_code: T.into(),
            idempotency_key: "bad-2".into(),
            taxpayer_id: uuid::Uuid::now_v7().to_string(),
            plate_number: "99가9998".into(),
            vehicle_class: apb::VehicleClass::PassengerCar as i32,
            vehicle_use: apb::VehicleUse::NonCommercial as i32,
            displacement_cc: -1500,
            age_start_date: Some(date_to_proto(day(2020, 1, 1))),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("displacement_cc"));

    let e = a
        .register_taxpayer(apb::RegisterTaxpayerRequest {
            tenant_code: T.into(),
            idempotency_key: "bad-3".into(),
            name: "홍길동".into(),
            resident_registration_number: "901399-1234567".into(),
            address: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("resident_registration_number"));
    assert!(
        !e.message().contains("901399"),
        "an error must not echo personal data"
    );

    let e = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: "1111012650000000011".into(),
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("e_payment_number"));

    // A feed whose records are not 200 bytes is refused whole and posts nothing.
    let bill = decide(&p, &v, "levy-3").await;
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let mut file = treasury_file(&bill, day(2026, 6, 29));
    file.remove(250);
    let e = p.import_file(FILE_NAME, file).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("line 2"), "{}", e.message());
    let r = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bill.e_payment_number.clone(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap();
    assert_eq!(r.paid_won, 0);
    // E-A3 1기: 106,260 + 31,870.
    assert_eq!(r.amount_due_won, 106_260 + 31_870);
    p.stop().await.unwrap();
}

#[tokio::test]
async fn an_event_survives_a_consumer_crash_and_takes_effect_once() {
    let mut p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v = register_car(&p, 4, 2000, day(2022, 3, 10)).await;
    p.platform
        .stop_service(ServiceName::Collection)
        .await
        .unwrap();
    // E-A2: 170,000 + 51,000.
    let bill = decide(&p, &v, "levy-4").await;
    assert_eq!(bill.total_won, 221_000);
    // Collection is down: the levy waits in assessment's outbox.
    assert!(p.platform.drain_events().await.unwrap() > 0);
    p.platform
        .restart_service(ServiceName::Collection)
        .await
        .unwrap();
    let mut pending = p.platform.drain_events().await.unwrap();
    for _ in 0..100 {
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        pending = p.platform.drain_events().await.unwrap();
    }
    assert_eq!(pending, 0);
    let r = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bill.e_payment_number.clone(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap();
    assert_eq!(r.amount_due_won, 221_000);

    // Redelivering the same event (as after a crash between apply and acknowledge) is a
    // duplicate that changes nothing.
    let db = p.platform.database(ServiceName::Assessment).unwrap();
    let row = sea_orm_row(db).await;
    let mut consumer = p.events_as(ServiceName::Collection, ServiceName::Assessment);
    let resp = consumer
        .deliver_events(common::DeliverEventsRequest { events: vec![row] })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((resp.applied, resp.duplicates), (0, 1));
    p.stop().await.unwrap();
}

/// The collection-bound LevyDecided event as stored in assessment's outbox.
async fn sea_orm_row(db: &seip_e2e::Db) -> common::Event {
    seip_e2e::outbox_event(db, "collection").await.unwrap()
}
