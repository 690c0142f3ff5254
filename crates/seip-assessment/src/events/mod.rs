//! The events assessment takes: arrears enforcement's demands, each kept as a demand notice
//! (독촉장) to deliver — assessment holds the recipient's identity and contact, so it serves
//! every document (ARCHITECTURE.md).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use seip_core::{BillId, EPaymentNumber, TaxItem, TaxpayerId, Won};
use seip_proto::arrears_enforcement::v1::DemandsIssued;
use seip_proto::common::v1::Event;
use seip_runtime::ServiceName;
use seip_runtime::convert::{date_from_proto, tax_item_from_proto, tenant, uuid};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::events::{Handle, Handlers};
use uuid::Uuid;

use crate::AssessmentApp;
use crate::app::notice::NewNotice;
use crate::domain::notice::{DocumentKind, NoticeContent, NoticeItem, NoticeSource};
use crate::store::{bill, bill_line, vehicle};

/// Every event assessment takes.
pub fn handlers(app: AssessmentApp) -> Handlers<AssessmentApp> {
    Handlers::new(ServiceName::Assessment, app).on::<DemandsIssued>()
}

/// What a demand notice says of one of assessment's bills: its main tax item and what was
/// taxed (`12가3456 2026년 1기분`).
struct Described {
    tax_item: TaxItem,
    basis: String,
}

/// `ids` as assessment issued them (bills it did not issue are left out).
async fn describe(
    txn: &DatabaseTransaction,
    tenant: &str,
    ids: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, Described>> {
    let bills = bill::Entity::find()
        .filter(bill::Column::TenantCode.eq(tenant))
        .filter(bill::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?;
    let plates: HashMap<Uuid, String> = vehicle::Entity::find()
        .filter(vehicle::Column::Id.is_in(bills.iter().filter_map(|b| b.vehicle_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|v| (v.id, v.plate_number))
        .collect();
    let mut main: HashMap<Uuid, TaxItem> = HashMap::new();
    for l in bill_line::Entity::find()
        .filter(bill_line::Column::BillId.is_in(ids))
        .order_by_asc(bill_line::Column::LineNo)
        .all(txn)
        .await?
    {
        main.entry(l.bill_id).or_insert(l.tax_item);
    }
    Ok(bills
        .into_iter()
        .filter_map(|b| {
            let period = match b.period_half {
                1 | 2 => format!(" {}기분", b.period_half),
                _ => String::new(),
            };
            let plate = b
                .vehicle_id
                .and_then(|v| plates.get(&v))
                .map(|p| format!("{p} "))
                .unwrap_or_default();
            Some((
                b.id,
                Described {
                    tax_item: *main.get(&b.id)?,
                    basis: format!("{plate}{}년{period}", b.tax_year),
                },
            ))
        })
        .collect())
}

#[tonic::async_trait]
impl Handle<DemandsIssued> for AssessmentApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: DemandsIssued,
    ) -> AppResult<()> {
        let t = tenant(&event.tenant_code)?;
        let ids = e
            .demands
            .iter()
            .flat_map(|d| &d.bills)
            .map(|b| uuid(&b.bill_id, "DemandedBill.bill_id"))
            .collect::<AppResult<Vec<_>>>()?;
        let described = describe(txn, t.as_str(), ids).await?;
        for d in e.demands {
            let due_date = date_from_proto(d.due_date.as_ref(), "DemandIssued.due_date")?;
            let items = d
                .bills
                .iter()
                .map(|b| {
                    let id = uuid(&b.bill_id, "DemandedBill.bill_id")?;
                    let ours = described.get(&id);
                    let tax_item = match (b.tax_item, ours) {
                        (0, Some(o)) => o.tax_item,
                        (0, None) => {
                            return Err(AppError::invalid(
                                "DemandedBill.tax_item",
                                format!("bill {id} is not assessment's and names no tax item"),
                            ));
                        }
                        (v, _) => tax_item_from_proto(v, "DemandedBill.tax_item")?,
                    };
                    Ok(NoticeItem {
                        bill_id: Some(BillId::from_uuid(id)),
                        tax_item,
                        basis: ours.map(|o| o.basis.clone()).unwrap_or_default(),
                        e_payment_number: Some(EPaymentNumber::parse_field(
                            &b.e_payment_number,
                            "DemandedBill.e_payment_number",
                        )?),
                        virtual_account: None,
                        due_date,
                        principal: Won::new(b.principal_won),
                        late_charge: Won::new(b.late_charge_won),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            let notice = NewNotice {
                taxpayer_id: TaxpayerId::from_uuid(uuid(
                    &d.taxpayer_id,
                    "DemandIssued.taxpayer_id",
                )?),
                source: NoticeSource::ArrearsEnforcement,
                reference: d.demand_id.clone(),
                content: NoticeContent {
                    kind: DocumentKind::DemandNotice,
                    issued_on: date_from_proto(d.issued_on.as_ref(), "DemandIssued.issued_on")?,
                    deadline: date_from_proto(d.deadline.as_ref(), "DemandIssued.deadline")?,
                    items,
                },
            };
            self.submit_notice(txn, t, notice).await?;
        }
        Ok(())
    }
}
