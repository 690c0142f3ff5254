//! How a taxpayer is reached: the mobile number the SMS failover uses (sealed like the rest of
//! their personal data) and their application for electronic service (전자송달, N-1), which
//! makes an e-notice the legal service from the next month.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use seip_core::{TaxpayerId, TenantCode, kst_today};
use seip_rules::e_service::Application;
use seip_runtime::error::{AppError, AppResult};
use uuid::Uuid;

use super::{AssessmentApp, taxpayer_field};
use crate::domain::delivery::ApplicationEnd;
use crate::error::AssessmentError;
use crate::store::{e_service_application, taxpayer};

/// A Korean mobile number as dialled: `010` and 7 or 8 digits (dashes and spaces dropped).
/// Names `field`; never echoes the number.
pub fn mobile_number(raw: &str, field: &str) -> AppResult<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && matches!(digits.len(), 10 | 11)
        && ["010", "011", "016", "017", "018", "019"]
            .iter()
            .any(|p| digits.starts_with(p));
    if ok {
        Ok(digits)
    } else {
        Err(AppError::invalid(
            field,
            "expected a mobile number: 010 and 7 or 8 digits",
        ))
    }
}

/// An e-service application as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EService {
    /// Application id.
    pub id: Uuid,
    /// The applicant.
    pub taxpayer_id: TaxpayerId,
    /// The rule's view of it.
    pub application: Application,
    /// How it ended, if it did.
    pub ended_by: Option<ApplicationEnd>,
}

fn from_row(r: e_service_application::Model) -> EService {
    EService {
        id: r.id,
        taxpayer_id: TaxpayerId::from_uuid(r.taxpayer_id),
        application: Application {
            applied_on: r.applied_on,
            withdrawn_on: r.withdrawn_on,
        },
        ended_by: r.ended_by,
    }
}

/// The taxpayer's latest application, if any.
pub(crate) async fn latest_application<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    taxpayer: TaxpayerId,
) -> AppResult<Option<EService>> {
    Ok(e_service_application::Entity::find()
        .filter(e_service_application::Column::TenantCode.eq(tenant.as_str()))
        .filter(e_service_application::Column::TaxpayerId.eq(taxpayer.uuid()))
        .order_by_desc(e_service_application::Column::Id)
        .one(conn)
        .await?
        .map(from_row))
}

impl AssessmentApp {
    /// Record (or, with `None`, clear) the taxpayer's mobile number, sealed.
    pub async fn set_phone(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: TaxpayerId,
        phone: Option<String>,
    ) -> AppResult<()> {
        let t = self.find_taxpayer(txn, tenant, id).await?;
        let sealed = phone.map(|p| {
            self.pii
                .encrypt(&p, taxpayer_field("phone_encrypted", t.id))
        });
        let mut am: taxpayer::ActiveModel = t.into();
        am.phone_encrypted = Set(sealed);
        am.update(txn).await?;
        Ok(())
    }

    /// The taxpayer's mobile number, opened to send a text.
    pub(crate) fn phone_of(&self, t: &taxpayer::Model) -> AppResult<Option<String>> {
        t.phone_encrypted
            .as_deref()
            .map(|p| {
                self.pii
                    .decrypt(p, taxpayer_field("phone_encrypted", t.id))
                    .ok_or_else(|| {
                        AppError::Internal(format!(
                            "taxpayer {}: no configured pii key opens its phone_encrypted",
                            t.id
                        ))
                    })
            })
            .transpose()
    }

    /// The taxpayer applies for e-service today (business clock): in effect from the next
    /// month. An application still open is returned as it is.
    pub async fn apply_for_e_service(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: TaxpayerId,
    ) -> AppResult<EService> {
        self.find_taxpayer(txn, tenant, id).await?;
        if let Some(open) = latest_application(txn, tenant, id)
            .await?
            .filter(|a| a.application.withdrawn_on.is_none())
        {
            return Ok(open);
        }
        let now = self.clock.now();
        let row = e_service_application::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(id.uuid()),
            applied_on: Set(kst_today(now)),
            withdrawn_on: Set(None),
            ended_by: Set(None),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        Ok(from_row(row))
    }

    /// The taxpayer's open application ends: withdrawn today, or deemed withdrawn on `on`
    /// (N-1); either way it ends from the next month.
    pub async fn end_e_service(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: TaxpayerId,
        how: ApplicationEnd,
        on: Option<NaiveDate>,
    ) -> AppResult<EService> {
        self.find_taxpayer(txn, tenant, id).await?;
        let open = latest_application(txn, tenant, id)
            .await?
            .filter(|a| a.application.withdrawn_on.is_none())
            .ok_or(AssessmentError::NoEServiceApplication(id))?;
        let withdrawn_on = on.unwrap_or_else(|| kst_today(self.clock.now()));
        let row = e_service_application::Entity::find_by_id(open.id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal(format!("application {} vanished", open.id)))?;
        let mut am: e_service_application::ActiveModel = row.into();
        am.withdrawn_on = Set(Some(withdrawn_on));
        am.ended_by = Set(Some(how));
        Ok(from_row(am.update(txn).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mobile_number_is_kept_as_digits_and_a_bad_one_is_not_echoed() {
        assert_eq!(
            mobile_number("010-1234-5678", "phone").unwrap(),
            "01012345678"
        );
        assert_eq!(
            mobile_number("011 234 5678", "phone").unwrap(),
            "0112345678"
        );
        for bad in ["02-123-4567", "010-12", "010-1234-567a", ""] {
            let e = mobile_number(bad, "phone_number").unwrap_err().to_string();
            assert!(e.starts_with("phone_number: "), "{e}");
            assert!(!e.contains(bad) || bad.is_empty(), "{e}");
        }
    }
}
