//! Notices on the wire: hand-over, a notice with its document, the list.

use seip_core::TaxpayerId;
use seip_proto::assessment::v1 as pb;
use seip_runtime::auth::caller;
use seip_runtime::begin_or_repeat;
use seip_runtime::convert::{bounded, date_from_proto, uuid};
use seip_runtime::error::AppError;
use seip_runtime::idempotency::{self, Command};
use seip_runtime::paging::PageRequest;
use tonic::{Request, Response, Status};

use crate::app::AssessmentApp;
use crate::app::notice::{DocumentFormat, NOTICES_LIST, NewNotice, NoticeFilter};
use crate::domain::notice::{NoticeContent, NoticeSource};
use crate::wire::{document_kind_from_proto, notice_item_from_proto, notice_to_proto};

pub(super) async fn submit(
    app: &AssessmentApp,
    request: Request<pb::SubmitNoticeRequest>,
) -> Result<Response<pb::SubmitNoticeResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    let kind = document_kind_from_proto(req.kind, "kind")?
        .ok_or_else(|| AppError::invalid("kind", "required"))?;
    let items = req
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| notice_item_from_proto(i, it))
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewNotice {
        taxpayer_id: TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id")
            .map_err(AppError::from)?,
        source: NoticeSource::Clerk,
        reference: bounded(&req.reference, "reference", 100)?.trim().to_owned(),
        content: NoticeContent {
            kind,
            issued_on: date_from_proto(req.issued_on.as_ref(), "issued_on")?,
            deadline: date_from_proto(req.deadline.as_ref(), "deadline")?,
            items,
        },
    };
    let cmd = Command::new(t.as_str(), "SubmitNotice", &req.idempotency_key, &req)?;
    let txn = begin_or_repeat!(app.db(), cmd);
    let notice = app.submit_notice(&txn, t, new).await?;
    let resp = pb::SubmitNoticeResponse {
        notice: Some(notice_to_proto(&notice)),
    };
    idempotency::finish(txn, &cmd, &resp, app.clock().now()).await?;
    Ok(Response::new(resp))
}

pub(super) async fn get(
    app: &AssessmentApp,
    request: Request<pb::GetNoticeRequest>,
) -> Result<Response<pb::GetNoticeResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    let id = uuid(&req.notice_id, "notice_id")?;
    let format = match pb::DocumentFormat::try_from(req.format) {
        Ok(pb::DocumentFormat::Unspecified) => None,
        Ok(pb::DocumentFormat::Html) => Some(DocumentFormat::Html),
        Ok(pb::DocumentFormat::Pdf) => Some(DocumentFormat::Pdf),
        Err(_) => return Err(AppError::invalid("format", "unknown format").into()),
    };
    let resp = match format {
        None => pb::GetNoticeResponse {
            notice: Some(notice_to_proto(&app.get_notice(t, id).await?)),
            ..Default::default()
        },
        Some(format) => {
            let (notice, document) = app.render_notice(t, id, format).await?;
            pb::GetNoticeResponse {
                notice: Some(notice_to_proto(&notice)),
                document,
                media_type: format.media_type().to_owned(),
            }
        }
    };
    Ok(Response::new(resp))
}

pub(super) async fn list(
    app: &AssessmentApp,
    request: Request<pb::ListNoticesRequest>,
) -> Result<Response<pb::ListNoticesResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    let filter = NoticeFilter {
        taxpayer_id: (!req.taxpayer_id.is_empty())
            .then(|| TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id"))
            .transpose()
            .map_err(AppError::from)?,
        kind: document_kind_from_proto(req.kind, "kind")?,
    };
    let page = PageRequest::parse(NOTICES_LIST, 1, req.page_size, &req.page_token)?;
    let (notices, next_page_token) = app.list_notices(t, filter, &page).await?;
    Ok(Response::new(pb::ListNoticesResponse {
        notices: notices.iter().map(notice_to_proto).collect(),
        next_page_token,
    }))
}
