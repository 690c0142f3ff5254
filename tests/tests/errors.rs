//! What a client sees when a call fails: every service answers a malformed request with
//! `INVALID_ARGUMENT`, a `google.rpc.ErrorInfo` whose reason is stable and a `BadRequest`
//! naming the field; a refusal of the service's own (not found, already exists) with its
//! own reason. And each port's reflection lists what that port serves, nothing else.

use chrono::TimeZone;
use futures::StreamExt;
use seip_core::clock::kst;
use seip_e2e::TestPlatform;
use seip_proto::arrears_enforcement::v1::GetArrearsRequest;
use seip_proto::assessment::v1 as apb;
use seip_proto::collection::v1 as cpb;
use seip_proto::reporting::v1::GetMonthlyReportRequest;
use seip_runtime::ServiceName;
use tonic::Code;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_types::StatusExt;

const T: &str = "11110";

fn now() -> chrono::DateTime<chrono::Utc> {
    kst()
        .with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .unwrap()
        .to_utc()
}

/// The status's code, its `ErrorInfo.reason`, and the fields its `BadRequest` names.
fn details(s: &tonic::Status) -> (Code, String, Vec<String>) {
    let info = s
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo in {s:?}"));
    assert_eq!(info.domain, "seip");
    let fields = s
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default();
    (s.code(), info.reason, fields)
}

fn invalid(field: &str) -> (Code, String, Vec<String>) {
    (
        Code::InvalidArgument,
        "INVALID_FIELD".into(),
        vec![field.into()],
    )
}

fn refused(code: Code, reason: &str) -> (Code, String, Vec<String>) {
    (code, reason.into(), vec![])
}

#[tokio::test]
async fn every_service_names_the_bad_field_and_a_stable_reason() {
    let p = TestPlatform::start(now()).await.unwrap();

    // Assessment: a malformed municipality, then a taxpayer that does not exist.
    let err = p
        .assessment()
        .get_bill(apb::GetBillRequest {
            tenant_code: "1111".into(),
            key: Some(apb::get_bill_request::Key::BillId(
                uuid::Uuid::nil().to_string(),
            )),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("tenant_code"));
    let err = p
        .assessment()
        .get_bill(apb::GetBillRequest {
            tenant_code: T.into(),
            key: Some(apb::get_bill_request::Key::BillId(
                uuid::Uuid::nil().to_string(),
            )),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), refused(Code::NotFound, "BILL_NOT_FOUND"));

    // Collection: a payment number of the wrong length, then one no bill carries.
    let err = p
        .collection()
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: "123".into(),
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("e_payment_number"));
    let err = p
        .collection()
        .get_import(cpb::GetImportRequest {
            tenant_code: T.into(),
            import_id: uuid::Uuid::nil().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), refused(Code::NotFound, "IMPORT_NOT_FOUND"));

    // A page too large, and a page token of another list.
    let err = p
        .collection()
        .list_suspense(cpb::ListSuspenseRequest {
            tenant_code: T.into(),
            page_size: 1_001,
            page_token: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("page_size"));
    let imports_token = seip_runtime::paging::encode(
        "collection.ListImports",
        &[
            "2026-06-30T00:00:00Z".to_owned(),
            uuid::Uuid::nil().to_string(),
        ],
    );
    let err = p
        .collection()
        .list_suspense(cpb::ListSuspenseRequest {
            tenant_code: T.into(),
            page_size: 10,
            page_token: imports_token.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("page_token"));
    // The same token where it belongs is a page (an empty one: nothing was imported).
    let page = p
        .collection()
        .list_imports(cpb::ListImportsRequest {
            tenant_code: T.into(),
            page_size: 10,
            page_token: imports_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(page.jobs.is_empty() && page.next_page_token.is_empty());

    // Arrears enforcement: a taxpayer id that is no UUID, then one with no arrears.
    let err = p
        .arrears()
        .get_arrears(GetArrearsRequest {
            tenant_code: T.into(),
            taxpayer_id: "someone".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("taxpayer_id"));
    let err = p
        .arrears()
        .get_arrears(GetArrearsRequest {
            tenant_code: T.into(),
            taxpayer_id: uuid::Uuid::nil().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), refused(Code::NotFound, "ARREARS_NOT_FOUND"));

    // Reporting: a thirteenth month.
    let err = p
        .reporting()
        .get_monthly_report(GetMonthlyReportRequest {
            tenant_code: T.into(),
            year: 2026,
            month: 13,
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("month"));

    // The runtime's own: an idempotency key reused for another request.
    let register = |plate: &str| apb::RegisterTaxpayerRequest {
        tenant_code: T.into(),
        idempotency_key: "same-key".into(),
        name: "홍길동".into(),
        resident_registration_number: format!("900101-10000{plate}"),
        address: "서울특별시 종로구".into(),
    };
    p.assessment()
        .register_taxpayer(register("01"))
        .await
        .unwrap();
    let err = p
        .assessment()
        .register_taxpayer(register("02"))
        .await
        .unwrap_err();
    assert_eq!(
        details(&err),
        refused(Code::AlreadyExists, "IDEMPOTENCY_KEY_REUSED")
    );
    // A malformed resident number is named, never echoed.
    let err = p
        .assessment()
        .register_taxpayer(apb::RegisterTaxpayerRequest {
            idempotency_key: "another-key".into(),
            resident_registration_number: "900101-10000".into(),
            ..register("03")
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err), invalid("resident_registration_number"));
    assert!(!err.message().contains("900101"), "{}", err.message());
    assert!(!format!("{:?}", err.details()).contains("900101"));
}

/// The services one port's reflection lists.
async fn listed(p: &TestPlatform, service: ServiceName) -> Vec<String> {
    let ch = seip_runtime::grpc::channel(&p.platform.endpoint(service)).unwrap();
    let mut client = ServerReflectionClient::new(ch);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = client
        .server_reflection_info(futures::stream::iter([req]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a list: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

#[tokio::test]
async fn reflection_lists_what_each_port_serves() {
    let p = TestPlatform::start(now()).await.unwrap();
    let common = [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ];
    let expect = |own: &[&str]| {
        let mut v: Vec<String> = common.iter().chain(own).map(|s| (*s).to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(
        listed(&p, ServiceName::Assessment).await,
        expect(&["seip.assessment.v1.AssessmentService"])
    );
    // The public ports list their own API; events are taken on the internal listeners only.
    for (service, own) in [
        (
            ServiceName::Collection,
            "seip.collection.v1.CollectionService",
        ),
        (
            ServiceName::ArrearsEnforcement,
            "seip.arrears_enforcement.v1.ArrearsEnforcementService",
        ),
        (ServiceName::Reporting, "seip.reporting.v1.ReportingService"),
    ] {
        assert_eq!(listed(&p, service).await, expect(&[own]));
    }
}
