//! The security suite: each way in that anyone on the network had before callers were
//! identified now fails with `UNAUTHENTICATED` or `PERMISSION_DENIED` and changes nothing,
//! while the same call with the right identity goes through. Tokens are signed by the
//! test's identity provider (`TestPlatform::issuer`), as an OIDC provider would sign them.

use chrono::{NaiveDate, TimeZone};
use prost::Message;
use seip_collection::domain::feed::{FileWriter, Header, PaymentToWrite};
use seip_core::Won;
use seip_e2e::TestPlatform;
use seip_proto::assessment::v1 as apb;
use seip_proto::assessment::v1::assessment_service_client::AssessmentServiceClient;
use seip_proto::collection::v1 as cpb;
use seip_proto::collection::v1::collection_service_client::CollectionServiceClient;
use seip_runtime::ServiceName;
use seip_runtime::auth::{Issuer, Policy, Role};
use seip_runtime::grpc::{self, Channel};
use tonic::Code;
use tonic_types::StatusExt;

const T: &str = "11110";

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(y, m, d, 1, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The code and `ErrorInfo.reason` of a refusal.
fn refusal(s: &tonic::Status) -> (Code, String) {
    let reason = s
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_else(|| panic!("no ErrorInfo in {s:?}"));
    (s.code(), reason)
}

fn unauthenticated(reason: &str) -> (Code, String) {
    (Code::Unauthenticated, reason.into())
}

fn denied(reason: &str) -> (Code, String) {
    (Code::PermissionDenied, reason.into())
}

/// A collection client that presents no token.
fn anonymous(p: &TestPlatform) -> CollectionServiceClient<Channel> {
    CollectionServiceClient::new(
        grpc::channel(&p.platform.endpoint(ServiceName::Collection)).unwrap(),
    )
}

/// A collection client of `subject` acting for `tenants` in `roles`.
fn collection(
    p: &TestPlatform,
    subject: &str,
    tenants: &[&str],
    roles: &[Role],
) -> CollectionServiceClient<Channel> {
    let token = p.token(subject, tenants, roles);
    CollectionServiceClient::new(p.channel_as(ServiceName::Collection, &token))
}

/// One bill of 259,740 won due 2026-06-30.
async fn one_bill(p: &TestPlatform) -> apb::Bill {
    let v = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    let bill = p.decide_h1(&v, "levy-1").await.unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    bill
}

/// A treasury file that pays `bill` in full, and one payment of a number no bill carries
/// (which lands in suspense).
fn paying_file(bill: &apb::Bill) -> (String, Vec<u8>) {
    let on = day(2026, 6, 29);
    let mut w = FileWriter::new(Header {
        tenant_code: T.into(),
        bank_code: "032".into(),
        accounting_date: on,
        file_seq: 1,
        created_at: on.and_hms_opt(23, 0, 0).unwrap(),
    });
    let unknown = seip_core::EPaymentNumber::compose(
        seip_core::TenantCode::parse_field(T, "t").unwrap(),
        seip_core::NoticeKind::AdHoc,
        2026,
        "50",
        999,
    )
    .unwrap()
    .to_string();
    for (number, principal, edu, id) in [
        (bill.e_payment_number.as_str(), 199_800, 59_940, "B1"),
        (unknown.as_str(), 10_000, 0, "B2"),
    ] {
        w.push(&PaymentToWrite {
            e_payment_number: number,
            tax_item_code: "501",
            fiscal_year: 2026,
            period: 1,
            principal: Won::new(principal),
            late_charge: Won::ZERO,
            education_tax: Won::new(edu),
            paid_on: on,
            channel: 6,
            payer_name: "홍길동",
            bank_receipt_id: id,
            cancel: false,
        });
    }
    (format!("RCPT_{T}_032_20260629_0001.dat"), w.finish())
}

/// How many imports collection holds for 11110 (read as an auditor).
async fn imports(p: &TestPlatform) -> usize {
    collection(p, "park.auditor", &[T], &[Role::Auditor])
        .list_imports(cpb::ListImportsRequest {
            tenant_code: T.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .jobs
        .len()
}

/// The bill's receivable as an auditor sees it.
async fn receivable(p: &TestPlatform, bill: &apb::Bill) -> cpb::Receivable {
    collection(p, "park.auditor", &[T], &[Role::Auditor])
        .get_receivable(cpb::GetReceivableRequest {
            tenant_code: T.into(),
            e_payment_number: bill.e_payment_number.clone(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .receivable
        .unwrap()
}

#[tokio::test]
async fn only_the_treasury_bank_brings_money_in_and_only_for_its_municipality() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let bill = one_bill(&p).await;
    let (name, bytes) = paying_file(&bill);
    let upload = |mut c: CollectionServiceClient<Channel>| {
        let bytes = bytes.clone();
        let name = name.clone();
        async move { seip::treasury::import(&mut c, T, &name, bytes).await }
    };

    // A made-up file from anyone on the network: no token, a collector's token, a bank
    // token of another municipality, a token signed by a key the services do not trust.
    let e = upload(anonymous(&p)).await.unwrap_err();
    assert_eq!(refusal(&e), unauthenticated("TOKEN_MISSING"));
    let e = upload(collection(&p, "kim.clerk", &[T], &[Role::Collector]))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("ROLE_NOT_GRANTED"));
    assert!(e.message().contains("treasury_bank"), "{}", e.message());
    let e = upload(collection(
        &p,
        "busan.bank",
        &["26110"],
        &[Role::TreasuryBank],
    ))
    .await
    .unwrap_err();
    assert_eq!(refusal(&e), denied("TENANT_NOT_GRANTED"));
    let (forger, _) = Issuer::generate("seip-development", "seip").unwrap();
    let forged = forger
        .issue(
            "bank",
            &[seip_core::TenantCode::parse_field(T, "t").unwrap()],
            &[Role::TreasuryBank],
            seip_core::Clock::system().now(),
            chrono::Duration::hours(1),
        )
        .unwrap();
    let e = upload(CollectionServiceClient::new(
        p.channel_as(ServiceName::Collection, &forged),
    ))
    .await
    .unwrap_err();
    assert_eq!(refusal(&e), unauthenticated("TOKEN_INVALID"));
    // None of it stored a file or paid the bill.
    assert_eq!(imports(&p).await, 0);
    assert_eq!(
        receivable(&p, &bill).await.status,
        cpb::ReceivableStatus::Open as i32
    );

    // A deposit statement is the bank's too.
    let statement = cpb::ImportDepositStatementRequest {
        tenant_code: T.into(),
        idempotency_key: "dep-1".into(),
        file_name: "deposits.csv".into(),
        content: format!(
            "tenant,bank,account_no,accounting_date,amount,reference\n{T},032,1005-301-123456,20260629,269740,RCPT_{T}_032_20260629_0001\n"
        )
        .into_bytes(),
    };
    let e = collection(&p, "kim.clerk", &[T], &[Role::Collector, Role::Supervisor])
        .import_deposit_statement(statement.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("ROLE_NOT_GRANTED"));

    // The bank of 11110 brings both in; the bill is paid and the day reconciles.
    let bank = collection(&p, "bank.032", &[T], &[Role::TreasuryBank]);
    let (job, again) = upload(bank.clone()).await.unwrap();
    assert!(!again);
    assert_eq!(job.summary.unwrap().paid_count, 1);
    let r = bank
        .clone()
        .import_deposit_statement(statement)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.reconciliations[0].status,
        cpb::ReconciliationStatus::Reconciled as i32
    );
    assert_eq!(
        receivable(&p, &bill).await.status,
        cpb::ReceivableStatus::Paid as i32
    );
    p.stop().await.unwrap();
}

#[tokio::test]
async fn money_moved_by_hand_needs_the_role_and_the_audit_names_the_verified_caller() {
    use sea_orm::{ConnectionTrait, Statement};
    // The default threshold: every won moved by hand takes two people.
    let (p, assign) = suspense_of_ten_thousand(0).await;
    // Someone else's suspense money onto a bill, claiming to be the system: by a viewer, by
    // a bank identity, with no token at all.
    #[allow(deprecated)]
    let assign = cpb::AssignSuspenseRequest {
        operator: "system".into(),
        ..assign
    };
    for (client, expected) in [
        (
            collection(&p, "lee.viewer", &[T], &[Role::Viewer]),
            denied("ROLE_NOT_GRANTED"),
        ),
        (
            collection(&p, "bank.032", &[T], &[Role::TreasuryBank]),
            denied("ROLE_NOT_GRANTED"),
        ),
        (anonymous(&p), unauthenticated("TOKEN_MISSING")),
    ] {
        let e = client
            .clone()
            .assign_suspense(assign.clone())
            .await
            .unwrap_err();
        assert_eq!(refusal(&e), expected);
    }
    let db = p.platform.database(ServiceName::Collection).unwrap();
    let audit = |db: &sea_orm::DatabaseConnection| {
        let db = db.clone();
        async move {
            db.query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT actor FROM operator_action ORDER BY id",
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.try_get::<String>("", "actor").unwrap())
            .collect::<Vec<_>>()
        }
    };
    assert!(audit(db).await.is_empty());
    // A collector's assignment is only a proposal (the municipality's threshold is 0, the
    // default: every won moved by hand takes two people); the audit names the token's
    // subject, whatever the request claimed.
    let proposed = collection(&p, "kim.clerk", &[T], &[Role::Collector])
        .assign_suspense(assign)
        .await
        .unwrap()
        .into_inner();
    let proposal = proposed.proposal.expect("a proposal, not an assignment");
    assert_eq!((proposed.applied_won, proposed.overpaid_won), (0, 0));
    assert_eq!(proposal.proposed_by, "kim.clerk");
    assert_eq!(proposal.amount_won, 10_000);
    let in_suspense = || async {
        collection(&p, "park.auditor", &[T], &[Role::Auditor])
            .list_suspense(cpb::ListSuspenseRequest {
                tenant_code: T.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .total_won
    };
    assert_eq!(in_suspense().await, 10_000, "no money moved on a proposal");
    assert_eq!(audit(db).await, ["kim.clerk"]);
    let decide = |key: &str, approve: bool| cpb::DecideProposalRequest {
        tenant_code: T.into(),
        idempotency_key: key.into(),
        proposal_id: proposal.proposal_id.clone(),
        approve,
        reason: "checked the payer's bank slip".into(),
    };
    // Not by the proposer (even a supervisor), not by a collector, not for another
    // municipality.
    for (client, expected) in [
        (
            collection(&p, "kim.clerk", &[T], &[Role::Collector, Role::Supervisor]),
            denied("APPROVER_IS_PROPOSER"),
        ),
        (
            collection(&p, "choi.clerk", &[T], &[Role::Collector]),
            denied("ROLE_NOT_GRANTED"),
        ),
    ] {
        let e = client
            .clone()
            .decide_proposal(decide("decide-0", true))
            .await
            .unwrap_err();
        assert_eq!(refusal(&e), expected);
    }
    let e = collection(&p, "jung.chief", &["26110"], &[Role::Supervisor])
        .decide_proposal(decide("decide-0", true))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("TENANT_NOT_GRANTED"));
    assert_eq!(in_suspense().await, 10_000);
    // A second supervisor approves: now the money moves, as proposed.
    let decided = collection(&p, "lee.chief", &[T], &[Role::Supervisor])
        .decide_proposal(decide("decide-1", true))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        decided.proposal.unwrap().state,
        cpb::ProposalState::Approved as i32
    );
    // The bill was paid in full already: the 10,000 won become an over-payment to refund.
    assert_eq!(decided.assigned.unwrap().overpaid_won, 10_000);
    assert_eq!(in_suspense().await, 0);
    let e = collection(&p, "park.chief", &[T], &[Role::Supervisor])
        .decide_proposal(decide("decide-2", false))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).1, "PROPOSAL_DECIDED");
    assert_eq!(audit(db).await, ["kim.clerk", "lee.chief", "kim.clerk"]);
    // The trail is append-only in the database itself: not even the service's own
    // connection rewrites or erases it (on PostgreSQL its role has no right to; behind that,
    // for anyone who has, the trigger refuses).
    for change in [
        "UPDATE operator_action SET actor = 'someone-else'",
        "DELETE FROM operator_action",
    ] {
        let e = db.execute_unprepared(change).await.unwrap_err().to_string();
        assert!(
            e.contains("operator_action is append-only")
                || e.contains("permission denied for table operator_action"),
            "{change}: {e}"
        );
    }
    assert_eq!(audit(db).await, ["kim.clerk", "lee.chief", "kim.clerk"]);

    // The due-date close: not by an assessor, not without a token.
    let close = cpb::CloseDueDateRequest {
        tenant_code: T.into(),
        idempotency_key: "close-1".into(),
        due_date: Some(seip_runtime::convert::date_to_proto(day(2026, 6, 30))),
    };
    let e = collection(&p, "kim.assessor", &[T], &[Role::Assessor])
        .close_due_date(close.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("ROLE_NOT_GRANTED"));
    let e = anonymous(&p)
        .close_due_date(close.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), unauthenticated("TOKEN_MISSING"));
    // A supervisor closes it once the date has passed; the trail names them too.
    p.clock.set(at(2026, 7, 1));
    collection(&p, "choi.supervisor", &[T], &[Role::Supervisor])
        .close_due_date(close)
        .await
        .unwrap();

    // The trail reads back, newest first, for auditors and supervisors only.
    let list = |actor: &str, page_size: i32, page_token: String| cpb::ListAuditEntriesRequest {
        tenant_code: T.into(),
        actor: actor.into(),
        page_size,
        page_token,
        ..Default::default()
    };
    let mut auditor = collection(&p, "park.auditor", &[T], &[Role::Auditor]);
    let all = auditor
        .list_audit_entries(list("", 0, String::new()))
        .await
        .unwrap()
        .into_inner();
    let seen: Vec<(&str, &str)> = all
        .entries
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("choi.supervisor", "close_due_date"),
            ("kim.clerk", "assign_suspense"),
            ("lee.chief", "approve"),
            ("kim.clerk", "propose"),
        ]
    );
    assert_eq!(all.entries[0].subject_id, "2026-06-30");
    let first = auditor
        .list_audit_entries(list("", 1, String::new()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.entries.len(), 1);
    let second = auditor
        .list_audit_entries(list("", 1, first.next_page_token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.entries[0].actor, "kim.clerk");
    let mine = auditor
        .list_audit_entries(list("kim.clerk", 0, String::new()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.entries.len(), 2);
    let e = collection(&p, "kim.clerk", &[T], &[Role::Collector])
        .list_audit_entries(list("", 0, String::new()))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("ROLE_NOT_GRANTED"));
    p.stop().await.unwrap();
}

/// The platform with 11110's threshold at `threshold` won, one bill paid, and 10,000 won
/// in suspense; the suspense item's assignment request.
async fn suspense_of_ten_thousand(threshold: i64) -> (TestPlatform, cpb::AssignSuspenseRequest) {
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| {
        s.approval.thresholds.insert(T.into(), threshold);
    })
    .await
    .unwrap();
    let bill = one_bill(&p).await;
    let (name, bytes) = paying_file(&bill);
    seip::treasury::import(
        &mut collection(&p, "bank.032", &[T], &[Role::TreasuryBank]),
        T,
        &name,
        bytes,
    )
    .await
    .unwrap();
    let held = collection(&p, "kim.clerk", &[T], &[Role::Collector])
        .list_suspense(cpb::ListSuspenseRequest {
            tenant_code: T.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .items;
    assert_eq!(held.len(), 1);
    let assign = cpb::AssignSuspenseRequest {
        tenant_code: T.into(),
        idempotency_key: "assign-1".into(),
        receipt_id: held[0].receipt_id.clone(),
        e_payment_number: bill.e_payment_number.clone(),
        reason: "payer called".into(),
        ..Default::default()
    };
    (p, assign)
}

#[tokio::test]
async fn within_the_municipality_s_threshold_one_person_moves_money() {
    let (p, assign) = suspense_of_ten_thousand(10_000).await;
    let done = collection(&p, "kim.clerk", &[T], &[Role::Collector])
        .assign_suspense(assign)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((done.overpaid_won, done.proposal), (10_000, None));
    p.stop().await.unwrap();
}

#[tokio::test]
async fn above_it_a_proposal_waits_once_and_a_rejected_one_moves_nothing() {
    let (p, assign) = suspense_of_ten_thousand(9_999).await;
    let mut kim = collection(&p, "kim.clerk", &[T], &[Role::Collector]);
    let first = kim
        .assign_suspense(assign.clone())
        .await
        .unwrap()
        .into_inner()
        .proposal
        .unwrap();
    // One proposal per item at a time.
    let e = kim
        .assign_suspense(cpb::AssignSuspenseRequest {
            idempotency_key: "assign-2".into(),
            ..assign.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&e),
        (Code::FailedPrecondition, "ALREADY_PROPOSED".into())
    );
    let pending = |state: cpb::ProposalState| cpb::ListProposalsRequest {
        tenant_code: T.into(),
        state: state as i32,
        ..Default::default()
    };
    let mut viewer = collection(&p, "an.viewer", &[T], &[Role::Viewer]);
    let listed = viewer
        .list_proposals(pending(cpb::ProposalState::Pending))
        .await
        .unwrap()
        .into_inner()
        .proposals;
    assert_eq!(listed, std::slice::from_ref(&first));
    // Rejected: nothing moves, and the item may be proposed again.
    let rejected = collection(&p, "lee.chief", &[T], &[Role::Supervisor])
        .decide_proposal(cpb::DecideProposalRequest {
            tenant_code: T.into(),
            idempotency_key: "decide-1".into(),
            proposal_id: first.proposal_id.clone(),
            approve: false,
            reason: "the payer's slip names another bill".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        rejected.proposal.unwrap().state,
        cpb::ProposalState::Rejected as i32
    );
    assert_eq!((rejected.assigned, rejected.resolved), (None, None));
    let held = viewer
        .list_suspense(cpb::ListSuspenseRequest {
            tenant_code: T.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(held.total_won, 10_000);
    assert!(
        viewer
            .list_proposals(pending(cpb::ProposalState::Pending))
            .await
            .unwrap()
            .into_inner()
            .proposals
            .is_empty()
    );
    let again = kim
        .assign_suspense(cpb::AssignSuspenseRequest {
            idempotency_key: "assign-3".into(),
            ..assign
        })
        .await
        .unwrap()
        .into_inner()
        .proposal
        .unwrap();
    assert_ne!(again.proposal_id, first.proposal_id);
    p.stop().await.unwrap();
}

#[tokio::test]
async fn registers_and_reads_need_a_role_of_the_municipality() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let register = apb::RegisterTaxpayerRequest {
        tenant_code: T.into(),
        idempotency_key: "tp-1".into(),
        name: "홍길동".into(),
        resident_registration_number: "900101-1000001".into(),
        address: "서울특별시 종로구 세종대로 209".into(),
    };
    let as_ = |subject: &str, tenants: &[&str], roles: &[Role]| {
        AssessmentServiceClient::new(
            p.channel_as(ServiceName::Assessment, &p.token(subject, tenants, roles)),
        )
    };
    // Probing whether a resident is registered needs the assessor's role in that
    // municipality.
    let e = AssessmentServiceClient::new(
        grpc::channel(&p.platform.endpoint(ServiceName::Assessment)).unwrap(),
    )
    .register_taxpayer(register.clone())
    .await
    .unwrap_err();
    assert_eq!(refusal(&e), unauthenticated("TOKEN_MISSING"));
    let e = as_("lee.viewer", &[T], &[Role::Viewer])
        .register_taxpayer(register.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("ROLE_NOT_GRANTED"));
    let e = as_("busan.assessor", &["26110"], &[Role::Assessor])
        .register_taxpayer(register.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("TENANT_NOT_GRANTED"));
    let mut kim = as_("kim.assessor", &[T], &[Role::Assessor]);
    let id = kim
        .register_taxpayer(register.clone())
        .await
        .unwrap()
        .into_inner()
        .taxpayer_id;
    assert!(!id.is_empty());
    // The idempotency log keeps no plain hash of a request carrying a resident number
    // (which could be reversed by hashing every candidate number), yet a retry is still
    // recognised and another request under the same key still refused.
    {
        use sea_orm::{ConnectionTrait, Statement};
        use sha2::Digest as _;
        let db = p.platform.database(ServiceName::Assessment).unwrap();
        let stored = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT request_hash FROM idempotency WHERE method = 'RegisterTaxpayer'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "request_hash")
            .unwrap();
        let plain = seip_runtime::idempotency::hex(&sha2::Sha256::digest(
            prost::Message::encode_to_vec(&register),
        ));
        assert_eq!(stored.len(), plain.len());
        assert_ne!(stored, plain);
    }
    let again = kim
        .register_taxpayer(register.clone())
        .await
        .unwrap()
        .into_inner()
        .taxpayer_id;
    assert_eq!(again, id);
    let e = kim
        .register_taxpayer(apb::RegisterTaxpayerRequest {
            resident_registration_number: "900101-1000002".into(),
            ..register
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).1, "IDEMPOTENCY_KEY_REUSED");

    // Reading another municipality's books is refused, not answered empty.
    let e = collection(&p, "lee.viewer", &[T], &[Role::Viewer])
        .list_suspense(cpb::ListSuspenseRequest {
            tenant_code: "26110".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), denied("TENANT_NOT_GRANTED"));

    // An expired token, and one whose claims were changed after signing.
    let old = p
        .issuer
        .issue(
            "lee.viewer",
            &[seip_core::TenantCode::parse_field(T, "t").unwrap()],
            &[Role::Viewer],
            seip_core::Clock::system().now() - chrono::Duration::hours(3),
            chrono::Duration::hours(1),
        )
        .unwrap();
    let e = CollectionServiceClient::new(p.channel_as(ServiceName::Collection, &old))
        .list_suspense(cpb::ListSuspenseRequest {
            tenant_code: T.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), unauthenticated("TOKEN_INVALID"));
    p.stop().await.unwrap();
}

#[tokio::test]
async fn deposits_that_would_wrap_are_refused_and_store_nothing() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let bank = collection(&p, "bank.032", &[T], &[Role::TreasuryBank]);
    let statement =
        |amounts: &[&str]| cpb::ImportDepositStatementRequest {
            tenant_code: T.into(),
            idempotency_key: format!("dep-{}", amounts.len()),
            file_name: format!("deposits-{}.csv", amounts.len()),
            content: std::iter::once(
                "tenant,bank,account_no,accounting_date,amount,reference".to_owned(),
            )
            .chain(amounts.iter().map(|a| {
                format!("{T},032,1005-301-123456,20260629,{a},RCPT_{T}_032_20260629_0001")
            }))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        };
    // An amount longer than any the treasury file can carry.
    let e = bank
        .clone()
        .import_deposit_statement(statement(&["9223372036854775807"]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("line 2, amount"), "{}", e.message());
    // Lines of the largest amount, enough of them to pass i64: refused, not wrapped.
    let e = bank
        .clone()
        .import_deposit_statement(statement(&["999999999999999"; 9_300]))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&e),
        (Code::InvalidArgument, "AMOUNT_OUT_OF_RANGE".into())
    );
    // Nothing was kept: no exception opened, and a real statement still imports as new.
    let r = bank
        .clone()
        .import_deposit_statement(statement(&["269740"]))
        .await
        .unwrap()
        .into_inner();
    assert!(!r.already_imported);
    assert_eq!(r.total_won, 269_740);
    p.stop().await.unwrap();
}

#[tokio::test]
async fn a_stalled_upload_blocks_nobody_and_is_dropped() {
    // Chunks of one record: what arrives before the stall is staged.
    let p = TestPlatform::start_with(at(2026, 6, 1), |s| {
        s.feed.upload_idle_seconds = 5;
        s.feed.chunk_records = 1;
    })
    .await
    .unwrap();
    let bill = one_bill(&p).await;
    let (name, bytes) = paying_file(&bill);
    // The bank's client sends the metadata and half the file, then nothing more, the stream
    // left open.
    let (tx, rx) = tokio::sync::mpsc::channel::<cpb::ImportTreasuryFileRequest>(4);
    let part = |p| cpb::ImportTreasuryFileRequest { part: Some(p) };
    tx.send(part(cpb::import_treasury_file_request::Part::Metadata(
        cpb::TreasuryFileMetadata {
            tenant_code: T.into(),
            idempotency_key: name.clone(),
            file_name: name.clone(),
        },
    )))
    .await
    .unwrap();
    tx.send(part(cpb::import_treasury_file_request::Part::Chunk(
        bytes[..bytes.len() / 2].to_vec(),
    )))
    .await
    .unwrap();
    let messages =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
    let mut bank = collection(&p, "bank.032", &[T], &[Role::TreasuryBank]);
    let stalled = tokio::spawn(async move { bank.import_treasury_file(messages).await });
    // Meanwhile collection serves others, a write included: the due-date close (a liveness
    // bound generous enough for any machine, not a measure of speed).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The first data record arrived whole: it is staged, committed, and counts for nothing yet.
    assert_eq!(chunks(&p).await, 1, "the record that arrived is staged");
    assert_eq!(imports(&p).await, 0);
    p.clock.set(at(2026, 7, 1));
    let close = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        collection(&p, "kim.clerk", &[T], &[Role::Collector]).close_due_date(
            cpb::CloseDueDateRequest {
                tenant_code: T.into(),
                idempotency_key: "close-1".into(),
                due_date: Some(seip_runtime::convert::date_to_proto(day(2026, 6, 30))),
            },
        ),
    )
    .await
    .expect("the close is not held up by the stalled upload")
    .unwrap()
    .into_inner();
    assert_eq!(close.bills_overdue, 1);
    // The stalled upload is dropped after its idle time, and stores nothing.
    let e = stalled.await.unwrap().unwrap_err();
    assert_eq!(
        refusal(&e),
        (Code::DeadlineExceeded, "UPLOAD_STALLED".into())
    );
    drop(tx);
    assert_eq!(imports(&p).await, 0);
    assert_eq!(
        chunks(&p).await,
        0,
        "what the dropped upload staged is gone"
    );
    p.stop().await.unwrap();
}

/// The treasury file chunks collection holds, staged or imported.
async fn chunks(p: &TestPlatform) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = p.platform.database(ServiceName::Collection).unwrap();
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT COUNT(*) AS n FROM treasury_file_chunk",
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get("", "n")
    .unwrap()
}

#[tokio::test]
async fn chunks_an_upload_left_behind_are_removed_when_old() {
    use sea_orm::{ConnectionTrait, Statement};
    let mut p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    // Two uploads a crash cut short: one begun a day ago, one a minute ago (import ids are
    // UUIDv7, so they tell when).
    let v7 = |ago: chrono::Duration| {
        let t = seip_core::Clock::system().now() - ago;
        let ms = u64::try_from(t.timestamp_millis()).unwrap();
        let mut b = *uuid::Uuid::now_v7().as_bytes();
        b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        uuid::Uuid::from_bytes(b)
    };
    let (old, recent) = (
        v7(chrono::Duration::days(1)),
        v7(chrono::Duration::minutes(1)),
    );
    {
        let db = p.platform.database(ServiceName::Collection).unwrap();
        let b = db.get_database_backend();
        for id in [old, recent] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                seip_runtime::db::sql(
                    b,
                    "INSERT INTO treasury_file_chunk (import_id, chunk_no, first_serial, records, bytes, has_cancel, applied) \
                     VALUES (?, 0, 1, 1, ?, ?, ?)",
                ),
                [id.into(), vec![b'D'; 200].into(), false.into(), false.into()],
            ))
            .await
            .unwrap();
        }
    }
    assert_eq!(chunks(&p).await, 2);
    // At its next start collection removes the old one; the recent one may still finish.
    p.platform
        .stop_service(ServiceName::Collection)
        .await
        .unwrap();
    p.platform
        .restart_service(ServiceName::Collection)
        .await
        .unwrap();
    let mut tries = 0;
    while chunks(&p).await != 1 {
        tries += 1;
        assert!(tries < 100, "the abandoned chunk stays");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    p.stop().await.unwrap();
}

#[tokio::test]
async fn text_fields_are_bounded() {
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let e = p
        .assessment()
        .register_taxpayer(apb::RegisterTaxpayerRequest {
            tenant_code: T.into(),
            idempotency_key: "tp-long".into(),
            name: "가".repeat(101),
            resident_registration_number: "900101-1000001".into(),
            address: "서울특별시 종로구 세종대로 209".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(
        e.get_details_bad_request().unwrap().field_violations[0].field,
        "name"
    );
    let e = p
        .collection()
        .list_audit_entries(cpb::ListAuditEntriesRequest {
            tenant_code: T.into(),
            actor: "x".repeat(257),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().starts_with("actor: at most 256"),
        "{}",
        e.message()
    );
    p.stop().await.unwrap();
}

#[tokio::test]
async fn forged_events_are_refused_and_change_nothing() {
    use seip_proto::arrears_enforcement::v1::GetArrearsSummaryRequest;
    use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_client::ArrearsEnforcementServiceClient;
    use seip_proto::collection::v1::{PaymentsPosted, Posting};
    use seip_proto::common::v1 as common;
    use seip_proto::common::v1::event_consumer_service_client::EventConsumerServiceClient;
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let bill = one_bill(&p).await;
    p.clock.set(at(2026, 7, 1));
    collection(&p, "kim.clerk", &[T], &[Role::Collector])
        .close_due_date(cpb::CloseDueDateRequest {
            tenant_code: T.into(),
            idempotency_key: "close-1".into(),
            due_date: Some(seip_runtime::convert::date_to_proto(day(2026, 6, 30))),
        })
        .await
        .unwrap();
    assert_eq!(p.platform.drain_events().await.unwrap(), 0);
    let summary = || async {
        let token = p.token("park.auditor", &[T], &[Role::Auditor]);
        ArrearsEnforcementServiceClient::new(p.channel_as(ServiceName::ArrearsEnforcement, &token))
            .get_arrears_summary(GetArrearsSummaryRequest {
                tenant_code: T.into(),
            })
            .await
            .unwrap()
            .into_inner()
    };
    assert_eq!(summary().await.bills, 1);
    // A "payment by the due date" of municipality 26110 naming 11110's bill, which would
    // withdraw its arrears: refused as malformed, and the register keeps the bill.
    let forged = PaymentsPosted {
        postings: vec![Posting {
            bill_id: bill.bill_id.clone(),
            status: cpb::ReceivableStatus::Paid as i32,
            overdue_withdrawn: true,
            ..Default::default()
        }],
    };
    let event = common::Event {
        event_id: uuid::Uuid::now_v7().to_string(),
        tenant_code: "26110".into(),
        producer: "collection".into(),
        occurred_at: None,
        traceparent: String::new(),
        payload: Some(prost_types::Any {
            type_url: "type.googleapis.com/seip.collection.v1.PaymentsPosted".into(),
            value: forged.encode_to_vec(),
        }),
    };
    let deliver = |mut client: EventConsumerServiceClient<grpc::Channel>, event: common::Event| async move {
        client
            .deliver_events(common::DeliverEventsRequest {
                events: vec![event],
            })
            .await
            .unwrap_err()
    };
    let arrears = ServiceName::ArrearsEnforcement;

    // On the public port there is no event endpoint at all.
    let public =
        EventConsumerServiceClient::new(grpc::channel(&p.platform.endpoint(arrears)).unwrap());
    assert_eq!(
        deliver(public, event.clone()).await.code(),
        Code::Unimplemented
    );

    // The internal listener takes no caller without a service certificate, ...
    let ca = std::fs::read(p.platform.certificates().join("ca.crt")).unwrap();
    let server_only = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
        .domain_name(seip_runtime::tls::service_dns_name(arrears));
    assert_eq!(
        refusal(&deliver(p.events_with(arrears, server_only), event.clone()).await),
        unauthenticated("SERVICE_CERTIFICATE_MISSING")
    );
    // ... nor one whose certificate comes from another CA (the handshake fails), ...
    let elsewhere = tempfile::tempdir().unwrap();
    let rogue_dir = elsewhere.path().join("certs");
    seip_runtime::tls::init(&rogue_dir).unwrap();
    let own_ca = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
        .domain_name(seip_runtime::tls::service_dns_name(arrears));
    let rogue_identity = std::fs::read(rogue_dir.join("collection.crt")).unwrap();
    let rogue_key = std::fs::read(rogue_dir.join("collection.key")).unwrap();
    let e = deliver(
        p.events_with(
            arrears,
            own_ca.identity(tonic::transport::Identity::from_pem(
                rogue_identity,
                rogue_key,
            )),
        ),
        event.clone(),
    )
    .await;
    assert!(
        matches!(
            e.code(),
            Code::Unavailable | Code::Unknown | Code::Unauthenticated
        ),
        "{e:?}"
    );
    // ... and a service may send only its own events, under its own name.
    assert_eq!(
        refusal(&deliver(p.events_as(arrears, ServiceName::Assessment), event.clone()).await),
        denied("PRODUCER_MISMATCH")
    );
    let mut in_its_name = event.clone();
    in_its_name.producer = "assessment".into();
    assert_eq!(
        refusal(&deliver(p.events_as(arrears, ServiceName::Assessment), in_its_name).await),
        denied("EVENT_TYPE_NOT_ALLOWED")
    );

    // Even collection's own event is refused when it names another municipality's bill.
    let e = deliver(p.events_as(arrears, ServiceName::Collection), event).await;
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().contains("not a bill of municipality 26110"),
        "{}",
        e.message()
    );
    assert_eq!(summary().await.bills, 1);
    p.stop().await.unwrap();
}

#[tokio::test]
async fn health_and_reflection_stay_open() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    for s in ServiceName::ALL {
        let ch = grpc::channel(&p.platform.endpoint(s)).unwrap();
        let r = HealthClient::new(ch)
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.status, 1, "{s}: serving");
        // The internal listener answers health over TLS to a caller without a certificate
        // (a probe); its events need one.
        if let Some(url) = p.platform.internal_endpoint(s) {
            let ca = std::fs::read(p.platform.certificates().join("ca.crt")).unwrap();
            let probe = tonic::transport::ClientTlsConfig::new()
                .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
                .domain_name(seip_runtime::tls::service_dns_name(s));
            let r = HealthClient::new(grpc::internal_channel(&url, probe).unwrap())
                .check(HealthCheckRequest {
                    service: "seip.common.v1.EventConsumerService".into(),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(r.status, 1, "{s}: internal listener serving");
        }
    }
    p.stop().await.unwrap();
}

/// The table of who may call what lists every RPC each service serves, and nothing else: a
/// method left out would be closed to everyone, one listed but not served is a stale entry.
#[test]
fn every_rpc_has_its_roles() {
    let set = prost_types::FileDescriptorSet::decode(seip_proto::FILE_DESCRIPTOR_SET).unwrap();
    let policies: [&Policy; 4] = [
        &seip_assessment::grpc::POLICY,
        &seip_collection::grpc::POLICY,
        &seip_arrears_enforcement::grpc::POLICY,
        &seip_reporting::grpc::POLICY,
    ];
    for policy in policies {
        let (package, service) = policy.service.rsplit_once('.').unwrap();
        let described = set
            .file
            .iter()
            .filter(|f| f.package() == package)
            .flat_map(|f| &f.service)
            .find(|s| s.name() == service)
            .unwrap_or_else(|| panic!("{} is not described", policy.service));
        let mut served: Vec<&str> = described.method.iter().map(|m| m.name()).collect();
        let mut listed: Vec<&str> = policy.methods.iter().map(|(m, _)| *m).collect();
        served.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, served, "{}", policy.service);
        for (m, roles) in policy.methods {
            assert!(
                !roles.is_empty(),
                "{}/{m} is open to no role",
                policy.service
            );
        }
        // A deadline is for a method served; only a client stream may go without one.
        for (m, deadline) in policy.deadlines {
            let method = described
                .method
                .iter()
                .find(|d| d.name() == *m)
                .unwrap_or_else(|| panic!("{}/{m}: a deadline for no method", policy.service));
            assert!(
                deadline.is_some() || method.client_streaming(),
                "{}/{m} may run for ever",
                policy.service
            );
        }
    }
}

/// Personal data is sealed bound to its row and column under a key with an id; after the key
/// is rotated, `rekey-pii` reseals it under the new one and the old key can go, the blind
/// index (so "already registered") unchanged.
#[tokio::test]
async fn personal_data_is_bound_to_its_row_and_survives_a_key_rotation() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use secrecy::ExposeSecret;
    use seip_assessment::domain::pii::{Field, PiiCipher};
    use seip_assessment::store::taxpayer;
    let p = TestPlatform::start(at(2026, 6, 1)).await.unwrap();
    let v1 = p.register_car(1, 1998, day(2025, 3, 1)).await.unwrap();
    assert!(!v1.is_empty());
    p.register_car(2, 1998, day(2025, 3, 1)).await.unwrap();
    let settings = p.platform.settings().clone();
    let db = p.platform.database(ServiceName::Assessment).unwrap();
    let rows = taxpayer::Entity::find().all(db).await.unwrap();
    assert_eq!(rows.len(), 2);
    let field = |column, row| Field {
        table: "taxpayer",
        column,
        row,
    };
    let before = seip::pii_cipher(&settings).unwrap();
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!(
        before
            .decrypt(&a.name_encrypted, field("name_encrypted", a.id))
            .as_deref(),
        Some("홍길동")
    );
    // Copied onto another row, or into another column, a ciphertext no longer opens.
    assert_eq!(
        before.decrypt(&a.rrn_encrypted, field("rrn_encrypted", b.id)),
        None
    );
    assert_eq!(
        before.decrypt(&a.rrn_encrypted, field("name_encrypted", a.id)),
        None
    );

    // Rotate: a new key seals, the old one only opens.
    let old = match &settings.pii_key {
        Some(k) => k.expose_secret().to_owned(),
        None => std::fs::read_to_string(settings.data_dir.join("pii.key")).unwrap(),
    };
    let mut rotated = settings.clone();
    rotated.pii_key = Some(PiiCipher::generate_key().into());
    rotated.pii_previous_keys = vec![old.into()];
    let after = seip::pii_cipher(&rotated).unwrap();
    assert_eq!(
        seip_assessment::app::rekey_pii(db, &after).await.unwrap(),
        2
    );
    assert_eq!(
        seip_assessment::app::rekey_pii(db, &after).await.unwrap(),
        0,
        "nothing left to reseal"
    );
    // The old key can go now.
    let resealed = taxpayer::Entity::find_by_id(a.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let new_only = PiiCipher::new(
        seip_assessment::domain::pii::key_from_base64(
            rotated.pii_key.as_ref().unwrap().expose_secret(),
            "k",
        )
        .unwrap(),
        Vec::new(),
        [0; 32],
    );
    assert!(new_only.is_current(&resealed.rrn_encrypted));
    assert_eq!(
        new_only
            .decrypt(
                &resealed.address_encrypted,
                field("address_encrypted", a.id)
            )
            .as_deref(),
        Some("서울특별시 종로구 세종대로 209")
    );
    assert_eq!(
        before.decrypt(&resealed.name_encrypted, field("name_encrypted", a.id)),
        None
    );
    // The blind index did not change: the same resident is still found registered.
    assert_eq!(resealed.rrn_index, a.rrn_index);
    // A row no configured key opens stops the rekey, naming it (rows before it are resealed:
    // running it again goes on from there).
    let mut am: taxpayer::ActiveModel = resealed.clone().into();
    am.name_encrypted = Set(vec![2, 0, 0, 0, 0, 1, 2, 3]);
    am.update(db).await.unwrap();
    let mut rerotated = rotated.clone();
    rerotated.pii_key = Some(PiiCipher::generate_key().into());
    rerotated.pii_previous_keys = rotated.pii_previous_keys.clone();
    rerotated
        .pii_previous_keys
        .insert(0, rotated.pii_key.clone().unwrap());
    let e = seip_assessment::app::rekey_pii(db, &seip::pii_cipher(&rerotated).unwrap())
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&a.id.to_string()), "{e}");
    p.stop().await.unwrap();
}
