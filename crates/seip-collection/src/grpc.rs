//! The gRPC adapter: decode → call [`CollectionApp`] → encode. No logic lives here.

use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};
use seip_core::EPaymentNumber;
use seip_core::TenantCode;
use seip_proto::collection::v1 as pb;
use seip_proto::collection::v1::collection_service_server::CollectionService;
use seip_runtime::auth::{OFFICE_READERS, Policy, Role, caller};
use seip_runtime::begin_or_repeat;
use seip_runtime::convert::{bounded, date_from_proto, timestamp_from_proto, uuid};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::idempotency::{self, Command};
use seip_runtime::paging::{MAX_PAGE_SIZE, PageRequest};
use tonic::{Request, Response, Status, Streaming};

use crate::CollectionApp;
use crate::app::approval::{ByHandAction, Done, Outcome, PROPOSAL_LIST};
use crate::app::import::IMPORTS_LIST;
use crate::app::operator::{AUDIT_LIST, AuditQuery, Held, HeldPage};
use crate::app::reconcile::EXCEPTIONS_LIST;
use crate::store::treasury_import::ImportStatus;
use crate::wire::{
    audit_entry_to_proto, exception_to_proto, exported_bill_to_proto, held_to_proto, job_to_proto,
    proposal_state_from_proto, proposal_to_proto, receivable_to_proto, statement_imported_to_proto,
};

/// Who follows the treasury feed: imports and where the money went.
const FEED_READERS: &[Role] = &[
    Role::TreasuryBank,
    Role::Collector,
    Role::Supervisor,
    Role::Viewer,
    Role::Auditor,
];

/// Who may call what (README, Security). Only the treasury bank's integration brings money
/// in (files and deposit statements); what moves money by hand is the collector's and the
/// supervisor's.
pub static POLICY: Policy = Policy {
    service: "seip.collection.v1.CollectionService",
    methods: &[
        ("ImportTreasuryFile", &[Role::TreasuryBank]),
        ("GetImport", FEED_READERS),
        ("WatchImport", FEED_READERS),
        ("ListImports", FEED_READERS),
        ("ImportDepositStatement", &[Role::TreasuryBank]),
        ("ListReconciliationExceptions", OFFICE_READERS),
        ("ResolveReconciliationException", &[Role::Supervisor]),
        ("ListSuspense", OFFICE_READERS),
        ("AssignSuspense", &[Role::Collector, Role::Supervisor]),
        ("ListOverpayments", OFFICE_READERS),
        ("GetReceivable", OFFICE_READERS),
        (
            "ExportBills",
            &[
                Role::TreasuryBank,
                Role::Collector,
                Role::Supervisor,
                Role::Auditor,
            ],
        ),
        ("CloseDueDate", &[Role::Collector, Role::Supervisor]),
        ("AccrueLateCharges", &[Role::Collector, Role::Supervisor]),
        ("ListAuditEntries", &[Role::Auditor, Role::Supervisor]),
        ("ListProposals", OFFICE_READERS),
        ("DecideProposal", &[Role::Supervisor]),
    ],
    deadlines: &[
        // A client stream: bounded by the upload's idle timeout instead.
        ("ImportTreasuryFile", None),
        ("ImportDepositStatement", Some(Duration::from_secs(120))),
        // A due date of a large city closes a million bills.
        ("CloseDueDate", Some(Duration::from_secs(1800))),
        // So does a month's accrual of a large city's arrears.
        ("AccrueLateCharges", Some(Duration::from_secs(1800))),
    ],
};

/// One page of money held, `which` kind, and its items on the wire.
async fn held(
    app: &CollectionApp,
    t: TenantCode,
    which: Held,
    page_size: i32,
    page_token: &str,
) -> AppResult<(Vec<pb::HeldReceipt>, HeldPage)> {
    let page = PageRequest::parse(which.list(), 1, page_size, page_token)?;
    let page = app.held_page(t, &page, which).await?;
    let items = page
        .receipts
        .iter()
        .map(|r| held_to_proto(r, which.amount(r)))
        .collect();
    Ok((items, page))
}

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl CollectionService for CollectionApp {
    async fn import_treasury_file(
        &self,
        request: Request<Streaming<pb::ImportTreasuryFileRequest>>,
    ) -> Result<Response<pb::ImportTreasuryFileResponse>, Status> {
        let who = caller(&request)?;
        let mut stream = request.into_inner();
        let meta = match stream.next().await {
            Some(Ok(pb::ImportTreasuryFileRequest {
                part: Some(pb::import_treasury_file_request::Part::Metadata(m)),
            })) => m,
            Some(Err(s)) => return Err(s),
            _ => {
                return Err(AppError::invalid(
                    "metadata",
                    "the first message must carry the metadata",
                )
                .into());
            }
        };
        let t = who.tenant(&meta.tenant_code)?;
        let chunks = stream.map(|msg| match msg {
            Ok(pb::ImportTreasuryFileRequest {
                part: Some(pb::import_treasury_file_request::Part::Chunk(c)),
            }) => Ok(c),
            Ok(_) => Err(AppError::invalid("metadata", "sent twice")),
            Err(s) => Err(AppError::invalid(
                "chunk",
                format!("upload interrupted: {}", s.message()),
            )),
        });
        let stored = CollectionApp::import_treasury_file(
            self,
            t,
            &meta.idempotency_key,
            bounded(&meta.file_name, "file_name", 255)?,
            chunks,
        )
        .await?;
        Ok(Response::new(pb::ImportTreasuryFileResponse {
            job: Some(job_to_proto(&stored.job)),
            already_imported: stored.already_imported,
        }))
    }

    async fn get_import(
        &self,
        request: Request<pb::GetImportRequest>,
    ) -> Result<Response<pb::GetImportResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.import_id, "import_id")?;
        let job = CollectionApp::get_import(self, t, id).await?;
        Ok(Response::new(pb::GetImportResponse {
            job: Some(job_to_proto(&job)),
        }))
    }

    type WatchImportStream = ResponseStream<pb::WatchImportResponse>;

    async fn watch_import(
        &self,
        request: Request<pb::WatchImportRequest>,
    ) -> Result<Response<Self::WatchImportStream>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.import_id, "import_id")?;
        // Fail fast on an unknown job.
        let first = CollectionApp::get_import(self, t, id).await?;
        let app = self.clone();
        let stream = futures::stream::unfold((Some(first), false), move |(job, done)| {
            let app = app.clone();
            async move {
                if done {
                    return None;
                }
                let job = match job {
                    Some(j) => Ok(j),
                    None => {
                        app.progress_changed().await;
                        app.get_import(t, id).await
                    }
                };
                match job {
                    Ok(j) => {
                        // A quarantined job goes no further until an operator retries it.
                        let finished = j.status != ImportStatus::Applying;
                        Some((
                            Ok(pb::WatchImportResponse {
                                job: Some(job_to_proto(&j)),
                            }),
                            (None, finished),
                        ))
                    }
                    Err(e) => Some((Err(Status::from(e)), (None, true))),
                }
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn list_imports(
        &self,
        request: Request<pb::ListImportsRequest>,
    ) -> Result<Response<pb::ListImportsResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        // `limit` is read while clients move to `page_size`, as before: capped, never refused
        // for being large.
        #[allow(deprecated, reason = "the old field is still served")]
        let limit = req.limit;
        let size = match (req.page_size, limit) {
            (0, n) if n < 0 => {
                return Err(AppError::invalid("limit", "must not be negative").into());
            }
            (0, n) => n.min(i32::try_from(MAX_PAGE_SIZE).unwrap_or(i32::MAX)),
            (n, _) => n,
        };
        let page = PageRequest::parse(IMPORTS_LIST, 2, size, &req.page_token)?;
        let (jobs, next_page_token) = CollectionApp::list_imports(self, t, &page).await?;
        Ok(Response::new(pb::ListImportsResponse {
            jobs: jobs.iter().map(job_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn import_deposit_statement(
        &self,
        request: Request<pb::ImportDepositStatementRequest>,
    ) -> Result<Response<pb::ImportDepositStatementResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let imported = CollectionApp::import_deposit_statement(
            self,
            t,
            &req.idempotency_key,
            bounded(&req.file_name, "file_name", 255)?,
            &req.content,
        )
        .await?;
        Ok(Response::new(statement_imported_to_proto(&imported)))
    }

    async fn list_reconciliation_exceptions(
        &self,
        request: Request<pb::ListReconciliationExceptionsRequest>,
    ) -> Result<Response<pb::ListReconciliationExceptionsResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let page = PageRequest::parse(EXCEPTIONS_LIST, 2, req.page_size, &req.page_token)?;
        let (exceptions, next_page_token) =
            CollectionApp::list_reconciliation_exceptions(self, t, req.include_resolved, &page)
                .await?;
        Ok(Response::new(pb::ListReconciliationExceptionsResponse {
            exceptions: exceptions.iter().map(exception_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn resolve_reconciliation_exception(
        &self,
        request: Request<pb::ResolveReconciliationExceptionRequest>,
    ) -> Result<Response<pb::ResolveReconciliationExceptionResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.exception_id, "exception_id")?;
        let cmd = Command::new(
            t.as_str(),
            "ResolveReconciliationException",
            &req.idempotency_key,
            &req,
        )?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let reason = bounded(&req.reason, "reason", 1000)?;
        let action = ByHandAction::ResolveException { exception_id: id };
        let resp = match self.by_hand(&txn, t, action, &who.subject, reason).await? {
            Outcome::Done(done) => resolved_to_proto(done)?,
            Outcome::Proposed(p) => pb::ResolveReconciliationExceptionResponse {
                proposal: Some(proposal_to_proto(&p)),
                ..Default::default()
            },
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn list_suspense(
        &self,
        request: Request<pb::ListSuspenseRequest>,
    ) -> Result<Response<pb::ListSuspenseResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let (items, page) = held(self, t, Held::Suspense, req.page_size, &req.page_token).await?;
        Ok(Response::new(pb::ListSuspenseResponse {
            items,
            total_won: page.total_won,
            next_page_token: page.next_page_token,
            total_count: page.total_count,
        }))
    }

    async fn assign_suspense(
        &self,
        request: Request<pb::AssignSuspenseRequest>,
    ) -> Result<Response<pb::AssignSuspenseResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let receipt_id = uuid(&req.receipt_id, "receipt_id")?;
        let number = EPaymentNumber::parse_field(&req.e_payment_number, "e_payment_number")
            .map_err(AppError::from)?;
        let cmd = Command::new(t.as_str(), "AssignSuspense", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let reason = bounded(&req.reason, "reason", 1000)?;
        let action = ByHandAction::AssignSuspense { receipt_id, number };
        let resp = match self.by_hand(&txn, t, action, &who.subject, reason).await? {
            Outcome::Done(done) => assigned_to_proto(self, done)?,
            Outcome::Proposed(p) => pb::AssignSuspenseResponse {
                proposal: Some(proposal_to_proto(&p)),
                ..Default::default()
            },
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        self.relay.notify_one();
        Ok(Response::new(resp))
    }

    async fn list_overpayments(
        &self,
        request: Request<pb::ListOverpaymentsRequest>,
    ) -> Result<Response<pb::ListOverpaymentsResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let (items, page) = held(self, t, Held::Overpaid, req.page_size, &req.page_token).await?;
        Ok(Response::new(pb::ListOverpaymentsResponse {
            items,
            total_won: page.total_won,
            next_page_token: page.next_page_token,
            total_count: page.total_count,
        }))
    }

    async fn get_receivable(
        &self,
        request: Request<pb::GetReceivableRequest>,
    ) -> Result<Response<pb::GetReceivableResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let number = EPaymentNumber::parse_field(&req.e_payment_number, "e_payment_number")
            .map_err(AppError::from)?;
        let as_of = match &req.as_of {
            Some(d) => Some(date_from_proto(Some(d), "as_of")?),
            None => None,
        };
        let as_of = as_of.unwrap_or_else(|| self.clock.today());
        let bill = CollectionApp::get_receivable(self, t, number).await?;
        Ok(Response::new(pb::GetReceivableResponse {
            receivable: Some(receivable_to_proto(&bill, as_of)?),
        }))
    }

    type ExportBillsStream = ResponseStream<pb::ExportBillsResponse>;

    async fn export_bills(
        &self,
        request: Request<pb::ExportBillsRequest>,
    ) -> Result<Response<Self::ExportBillsStream>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let as_of = match &req.as_of {
            Some(d) => date_from_proto(Some(d), "as_of")?,
            None => self.clock.today(),
        };
        let app = self.clone();
        let stream = futures::stream::unfold(Some(String::new()), move |after| {
            let app = app.clone();
            async move {
                let after = after?;
                let page = app.export_bills_page(t, &after).await.and_then(|bills| {
                    bills
                        .iter()
                        .map(|(b, tax_year)| exported_bill_to_proto(b, *tax_year, as_of))
                        .collect::<AppResult<Vec<_>>>()
                });
                match page {
                    Ok(bills) if bills.is_empty() => None,
                    Ok(bills) => {
                        let last = bills.last().map(|b| b.e_payment_number.clone());
                        Some((Ok(pb::ExportBillsResponse { bills }), last))
                    }
                    Err(e) => Some((Err(Status::from(e)), None)),
                }
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn close_due_date(
        &self,
        request: Request<pb::CloseDueDateRequest>,
    ) -> Result<Response<pb::CloseDueDateResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let due = date_from_proto(req.due_date.as_ref(), "due_date")?;
        // The close commits in batches, so no one transaction spans it: a repeat is answered
        // from the record, and the record is written once the close is done (a close cut
        // short is run again, and closes nothing twice).
        let cmd = Command::new(t.as_str(), "CloseDueDate", &req.idempotency_key, &req)?;
        if let Some(resp) = idempotency::repeat_of(&self.db, &cmd).await? {
            return Ok(Response::new(resp));
        }
        let s = CollectionApp::close_due_date(self, t, due, &who.subject).await?;
        let resp = pb::CloseDueDateResponse {
            bills_examined: s.bills_examined,
            bills_overdue: s.bills_overdue,
            overdue_principal_won: s.overdue_principal.to_i64(),
            late_charge_won: s.late_charge.to_i64(),
        };
        idempotency::record_response(&self.db, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn accrue_late_charges(
        &self,
        request: Request<pb::AccrueLateChargesRequest>,
    ) -> Result<Response<pb::AccrueLateChargesResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let month = u32::try_from(req.month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| AppError::invalid("month", "expected 1 to 12"))?;
        // The accrual commits in batches: a repeat is answered from the record, which is
        // written once it is done (one cut short is run again and accrues nothing twice).
        let cmd = Command::new(t.as_str(), "AccrueLateCharges", &req.idempotency_key, &req)?;
        if let Some(resp) = idempotency::repeat_of(&self.db, &cmd).await? {
            return Ok(Response::new(resp));
        }
        let s = CollectionApp::accrue_late_charges(self, t, req.year, month, &who.subject).await?;
        let resp = pb::AccrueLateChargesResponse {
            as_of: Some(seip_runtime::convert::date_to_proto(s.as_of)),
            bills_examined: s.bills_examined,
            bills_accrued: s.bills_accrued,
            accrued_won: s.accrued.to_i64(),
        };
        idempotency::record_response(&self.db, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn list_audit_entries(
        &self,
        request: Request<pb::ListAuditEntriesRequest>,
    ) -> Result<Response<pb::ListAuditEntriesResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let page = PageRequest::parse(AUDIT_LIST, 2, req.page_size, &req.page_token)?;
        let nonempty = |s: String| (!s.is_empty()).then_some(s);
        let q = AuditQuery {
            actor: nonempty(bounded(&req.actor, "actor", 256)?.to_owned()),
            subject: nonempty(bounded(&req.subject_id, "subject_id", 256)?.to_owned()),
            from: req.from.as_ref().map(|f| timestamp_from_proto(Some(f))),
            until: req.until.as_ref().map(|u| timestamp_from_proto(Some(u))),
        };
        let (entries, next_page_token) =
            CollectionApp::list_audit_entries(self, t, &q, &page).await?;
        Ok(Response::new(pb::ListAuditEntriesResponse {
            entries: entries.iter().map(audit_entry_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn list_proposals(
        &self,
        request: Request<pb::ListProposalsRequest>,
    ) -> Result<Response<pb::ListProposalsResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let page = PageRequest::parse(PROPOSAL_LIST, 1, req.page_size, &req.page_token)?;
        let state = proposal_state_from_proto(req.state)?;
        let (proposals, next_page_token) =
            CollectionApp::list_proposals(self, t, state, &page).await?;
        Ok(Response::new(pb::ListProposalsResponse {
            proposals: proposals.iter().map(proposal_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn decide_proposal(
        &self,
        request: Request<pb::DecideProposalRequest>,
    ) -> Result<Response<pb::DecideProposalResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.proposal_id, "proposal_id")?;
        let cmd = Command::new(t.as_str(), "DecideProposal", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let reason = bounded(&req.reason, "reason", 1000)?;
        let (p, done) = self
            .decide_proposal(&txn, t, id, &who.subject, req.approve, reason)
            .await?;
        let mut resp = pb::DecideProposalResponse {
            proposal: Some(proposal_to_proto(&p)),
            ..Default::default()
        };
        match done {
            Some(d @ Done::Assigned(_)) => resp.assigned = Some(assigned_to_proto(self, d)?),
            Some(d @ Done::Resolved(..)) => resp.resolved = Some(resolved_to_proto(d)?),
            None => {}
        }
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        self.relay.notify_one();
        Ok(Response::new(resp))
    }
}

/// An assignment done, on the wire.
fn assigned_to_proto(app: &CollectionApp, done: Done) -> AppResult<pb::AssignSuspenseResponse> {
    let Done::Assigned(a) = done else {
        return Err(AppError::Internal(
            "an assignment did something else".into(),
        ));
    };
    Ok(pb::AssignSuspenseResponse {
        applied_won: a.applied.to_i64(),
        overpaid_won: a.overpaid.to_i64(),
        receivable: Some(receivable_to_proto(&a.bill, app.clock.today())?),
        proposal: None,
    })
}

/// A resolution done, on the wire.
fn resolved_to_proto(done: Done) -> AppResult<pb::ResolveReconciliationExceptionResponse> {
    let Done::Resolved(exception, receipts_stamped) = done else {
        return Err(AppError::Internal("a resolution did something else".into()));
    };
    Ok(pb::ResolveReconciliationExceptionResponse {
        exception: Some(exception_to_proto(&exception)),
        receipts_stamped,
        proposal: None,
    })
}
