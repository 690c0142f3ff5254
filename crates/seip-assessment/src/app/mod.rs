//! Assessment use cases: each runs in the transaction the caller opened (the gRPC adapter,
//! which makes it idempotent by the caller's key) and emits its events through the outbox in
//! that same transaction. They take decoded commands and return domain types.

use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use seip_core::{
    BillId, Clock, EPaymentNumber, NoticeKind, TaxItem, TaxpayerId, TenantCode, VehicleId, Won,
};
use seip_rules::automobile::{self, PassengerCar, PeriodHalf, VehicleUse};
use seip_rules::calendar::HolidayCalendar;
use seip_runtime::convert::fit;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::{ServiceName, outbox};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::domain::bill::Bill;
use crate::domain::pii::PiiCipher;
use crate::domain::rrn::ResidentRegistrationNumber;
use crate::error::AssessmentError;
use crate::store::{assessment_decision, bill, bill_line, taxpayer, vehicle};
use crate::wire::levy_decided;

pub mod contact;
pub mod delivery;
pub mod notice;

/// Who receives assessment's events.
pub const LEVY_CONSUMERS: [ServiceName; 3] = [
    ServiceName::Collection,
    ServiceName::Reporting,
    ServiceName::ArrearsEnforcement,
];

/// The assessment application service, generic over nothing but its database connection.
#[derive(Debug, Clone)]
pub struct AssessmentApp {
    db: DatabaseConnection,
    clock: Clock,
    calendar: Arc<HolidayCalendar>,
    pii: PiiCipher,
    relay: Arc<Notify>,
    documents: notice::Documents,
    delivery: Option<delivery::DeliveryPorts>,
}

/// A taxpayer to register, already decoded from the wire.
#[derive(Debug)]
pub struct NewTaxpayer {
    /// Name (PII).
    pub name: String,
    /// Resident registration number (PII).
    pub rrn: ResidentRegistrationNumber,
    /// Address (PII).
    pub address: String,
}

/// A vehicle to register.
#[derive(Debug, Clone, Copy)]
pub struct NewVehicle<'a> {
    /// Owner.
    pub taxpayer_id: TaxpayerId,
    /// Plate.
    pub plate_number: &'a str,
    /// The taxable facts.
    pub car: PassengerCar,
}

fn use_name(u: VehicleUse) -> &'static str {
    match u {
        VehicleUse::NonCommercial => "non_commercial",
        VehicleUse::Commercial => "commercial",
    }
}

/// The use stored for `vehicle`; a name no version of Seip wrote is an error naming the row,
/// never a silent non-commercial (which would levy the wrong rate).
fn use_from_name(vehicle: Uuid, name: &str) -> AppResult<VehicleUse> {
    match name {
        "non_commercial" => Ok(VehicleUse::NonCommercial),
        "commercial" => Ok(VehicleUse::Commercial),
        other => Err(AppError::Internal(format!(
            "vehicle {vehicle}: unknown vehicle_use {other:?}"
        ))),
    }
}

impl AssessmentApp {
    /// The service over `db`; `relay` is woken after each commit that wrote events.
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        calendar: Arc<HolidayCalendar>,
        pii: PiiCipher,
        relay: Arc<Notify>,
    ) -> Self {
        Self {
            db,
            clock,
            calendar,
            pii,
            relay,
            documents: notice::Documents::default(),
            delivery: None,
        }
    }

    /// The service delivering notices through `ports`.
    pub fn with_delivery(mut self, ports: delivery::DeliveryPorts) -> Self {
        self.delivery = Some(ports);
        self
    }

    /// The service making its notices as `config` says (the font, each municipality's own, the relay).
    pub fn with_notices(mut self, config: seip_runtime::config::NoticeSettings) -> Self {
        self.documents = notice::Documents::new(config);
        self
    }

    /// The service's database, where the adapter opens each command's transaction.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The business clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The key personal data is kept under (the adapter fingerprints requests carrying it).
    pub fn pii(&self) -> &PiiCipher {
        &self.pii
    }

    /// Tell the relay that a committed transaction wrote events.
    pub fn events_committed(&self) {
        self.relay.notify_one();
    }

    /// Register a taxpayer, or return the one already registered with the same resident
    /// registration number in this municipality.
    pub async fn register_taxpayer(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        new: NewTaxpayer,
    ) -> AppResult<TaxpayerId> {
        if new.name.trim().is_empty() {
            return Err(AppError::invalid("name", "required"));
        }
        let index = self.pii.blind_index(new.rrn.expose());
        let existing = taxpayer::Entity::find()
            .filter(taxpayer::Column::TenantCode.eq(tenant.as_str()))
            .filter(taxpayer::Column::RrnIndex.eq(index.clone()))
            .one(txn)
            .await?;
        if let Some(t) = existing {
            return Ok(TaxpayerId::from_uuid(t.id));
        }
        let id = TaxpayerId::new();
        let field = |column| taxpayer_field(column, id.uuid());
        taxpayer::ActiveModel {
            id: Set(id.uuid()),
            tenant_code: Set(tenant.to_string()),
            rrn_index: Set(index),
            rrn_encrypted: Set(self.pii.encrypt(new.rrn.expose(), field("rrn_encrypted"))),
            name_encrypted: Set(self.pii.encrypt(new.name.trim(), field("name_encrypted"))),
            address_encrypted: Set(self
                .pii
                .encrypt(new.address.trim(), field("address_encrypted"))),
            phone_encrypted: Set(None),
            created_at: Set(self.clock.now()),
        }
        .insert(txn)
        .await?;
        Ok(id)
    }

    /// Register a vehicle of a known taxpayer.
    pub async fn register_vehicle(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        new: NewVehicle<'_>,
    ) -> AppResult<VehicleId> {
        if new.plate_number.trim().is_empty() {
            return Err(AppError::invalid("plate_number", "required"));
        }
        // Validates displacement and the like before anything is written.
        new.car.annual_amount()?;
        let displacement_cc = i32::try_from(new.car.displacement_cc)
            .map_err(|_| AppError::invalid("displacement_cc", "too large"))?;
        self.find_taxpayer(txn, tenant, new.taxpayer_id).await?;
        let plate = new.plate_number.trim();
        let taken = vehicle::Entity::find()
            .filter(vehicle::Column::TenantCode.eq(tenant.as_str()))
            .filter(vehicle::Column::PlateNumber.eq(plate))
            .one(txn)
            .await?;
        if taken.is_some() {
            return Err(AssessmentError::PlateTaken.into());
        }
        let id = VehicleId::new();
        vehicle::ActiveModel {
            id: Set(id.uuid()),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(new.taxpayer_id.uuid()),
            plate_number: Set(plate.to_owned()),
            vehicle_class: Set("passenger_car".into()),
            vehicle_use: Set(use_name(new.car.vehicle_use).into()),
            displacement_cc: Set(displacement_cc),
            age_start_date: Set(new.car.age_start_date),
            created_at: Set(self.clock.now()),
        }
        .insert(txn)
        .await?;
        Ok(id)
    }

    async fn find_taxpayer(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: TaxpayerId,
    ) -> AppResult<taxpayer::Model> {
        taxpayer::Entity::find_by_id(id.uuid())
            .filter(taxpayer::Column::TenantCode.eq(tenant.as_str()))
            .one(txn)
            .await?
            .ok_or_else(|| AssessmentError::TaxpayerNotFound(id, tenant).into())
    }

    /// Decide the automobile tax of a vehicle for a period and issue the bill; deciding the
    /// same vehicle and period again returns the first bill. A new bill's `LevyDecided` is
    /// in the outbox when the transaction commits.
    pub async fn decide_automobile_tax(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        vehicle_id: VehicleId,
        tax_year: i32,
        half: PeriodHalf,
    ) -> AppResult<Bill> {
        if !(2000..=2100).contains(&tax_year) {
            return Err(AppError::invalid(
                "tax_year",
                "expected a year between 2000 and 2100",
            ));
        }
        let v = vehicle::Entity::find_by_id(vehicle_id.uuid())
            .filter(vehicle::Column::TenantCode.eq(tenant.as_str()))
            .one(txn)
            .await?
            .ok_or(AssessmentError::VehicleNotFound(vehicle_id, tenant))?;
        let existing = assessment_decision::Entity::find()
            .filter(assessment_decision::Column::TenantCode.eq(tenant.as_str()))
            .filter(assessment_decision::Column::VehicleId.eq(v.id))
            .filter(assessment_decision::Column::TaxItem.eq(TaxItem::AutomobileTax.name()))
            .filter(assessment_decision::Column::TaxYear.eq(tax_year))
            .filter(assessment_decision::Column::PeriodHalf.eq(i16::from(half.number())))
            .one(txn)
            .await?;
        if let Some(d) = existing {
            let b = bill::Entity::find()
                .filter(bill::Column::AssessmentDecisionId.eq(d.id))
                .one(txn)
                .await?
                .ok_or_else(|| AppError::Internal(format!("decision {} has no bill", d.id)))?;
            return load_bill(txn, b).await;
        }
        let bill = self
            .issue_automobile_bill(txn, tenant, &v, tax_year, half)
            .await?;
        self.submit_notice(txn, tenant, tax_notice(&bill, &v.plate_number))
            .await?;
        outbox::enqueue(
            txn,
            &LEVY_CONSUMERS,
            tenant.as_str(),
            &levy_decided(&bill),
            self.clock.now(),
        )
        .await?;
        Ok(bill)
    }

    async fn issue_automobile_bill(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        v: &vehicle::Model,
        tax_year: i32,
        half: PeriodHalf,
    ) -> AppResult<Bill> {
        let car = PassengerCar {
            displacement_cc: u32::try_from(v.displacement_cc).map_err(|_| {
                AppError::Internal(format!(
                    "vehicle {}: displacement_cc {} is negative",
                    v.id, v.displacement_cc
                ))
            })?,
            vehicle_use: use_from_name(v.id, &v.vehicle_use)?,
            age_start_date: v.age_start_date,
        };
        let liability_on = automobile::liability_established_on(tax_year, half)?;
        if car.age_start_date > liability_on {
            return Err(AssessmentError::NotLiable {
                liability_on,
                tax_year,
                half: half.number(),
            }
            .into());
        }
        let levy = car.period_levy(tax_year, half)?;
        let due_date = automobile::periodic_due_date(tax_year, half, &self.calendar)?;
        let now = self.clock.now();
        let decision_id = Uuid::now_v7();
        assessment_decision::ActiveModel {
            id: Set(decision_id),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(v.taxpayer_id),
            vehicle_id: Set(v.id),
            tax_item: Set(TaxItem::AutomobileTax),
            tax_year: Set(tax_year),
            period_half: Set(i16::from(half.number())),
            annual_amount_won: Set(levy.annual_amount.to_i64()),
            vehicle_age: Set(fit(levy.vehicle_age, "vehicle_age")?),
            age_reduction_percent: Set(fit(levy.age_reduction_percent, "age_reduction_percent")?),
            decided_at: Set(now),
        }
        .insert(txn)
        .await?;
        let number = self
            .next_payment_number(
                txn,
                tenant,
                NoticeKind::Periodic,
                tax_year,
                TaxItem::AutomobileTax,
            )
            .await?;
        let bill_id = BillId::new();
        let lines: Vec<(TaxItem, Won)> = [
            (TaxItem::AutomobileTax, levy.automobile_tax),
            (TaxItem::LocalEducationTax, levy.local_education_tax),
        ]
        .into_iter()
        .filter(|(_, w)| !w.is_zero())
        .collect();
        bill::ActiveModel {
            id: Set(bill_id.uuid()),
            tenant_code: Set(tenant.to_string()),
            assessment_decision_id: Set(decision_id),
            taxpayer_id: Set(v.taxpayer_id),
            vehicle_id: Set(Some(v.id)),
            e_payment_number: Set(number.to_string()),
            tax_year: Set(tax_year),
            period_half: Set(i16::from(half.number())),
            liability_established_on: Set(liability_on),
            due_date: Set(due_date),
            total_won: Set(levy.total().to_i64()),
            issued_at: Set(now),
        }
        .insert(txn)
        .await?;
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, (item, amount))| {
                Ok(bill_line::ActiveModel {
                    bill_id: Set(bill_id.uuid()),
                    line_no: Set(fit(i + 1, "bill line_no")?),
                    tax_item: Set(*item),
                    amount_won: Set(amount.to_i64()),
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        bill_line::Entity::insert_many(rows).exec(txn).await?;
        tracing::info!(%bill_id, tax_year, period = half.number(), total_won = levy.total().to_i64(), "automobile tax decided");
        Ok(Bill {
            id: bill_id,
            decision_id,
            taxpayer_id: TaxpayerId::from_uuid(v.taxpayer_id),
            vehicle_id: Some(VehicleId::from_uuid(v.id)),
            e_payment_number: number,
            tax_year,
            period: Some(half),
            liability_established_on: liability_on,
            due_date,
            lines,
            issued_at: now,
        })
    }

    /// Allocate the next serial of a payment-number prefix, atomically.
    async fn next_payment_number(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        kind: NoticeKind,
        levy_year: i32,
        item: TaxItem,
    ) -> AppResult<EPaymentNumber> {
        seip_runtime::db::next_payment_number(txn, tenant, kind, levy_year, item).await
    }

    /// A bill by id or payment number.
    pub async fn get_bill(&self, tenant: TenantCode, key: BillKey) -> AppResult<Bill> {
        let q = bill::Entity::find().filter(bill::Column::TenantCode.eq(tenant.as_str()));
        let found = match key {
            BillKey::Id(id) => {
                q.filter(bill::Column::Id.eq(id.uuid()))
                    .one(&self.db)
                    .await?
            }
            BillKey::Number(n) => {
                q.filter(bill::Column::EPaymentNumber.eq(n.to_string()))
                    .one(&self.db)
                    .await?
            }
        };
        let b = found.ok_or(AssessmentError::BillNotFound)?;
        load_bill(&self.db, b).await
    }
}

/// The tax notice (납세고지서) of a newly issued `bill` of the vehicle `plate`: a line per
/// tax item, each with the bill's payment number.
fn tax_notice(bill: &Bill, plate: &str) -> notice::NewNotice {
    use crate::domain::notice::{DocumentKind, NoticeContent, NoticeItem, NoticeSource};
    let period = bill
        .period
        .map(|p| format!(" {}기분", p.number()))
        .unwrap_or_default();
    let basis = format!("{plate} {}년{period}", bill.tax_year);
    notice::NewNotice {
        taxpayer_id: bill.taxpayer_id,
        source: NoticeSource::Assessment,
        reference: bill.id.to_string(),
        content: NoticeContent {
            kind: DocumentKind::TaxNotice,
            issued_on: seip_core::kst_today(bill.issued_at),
            deadline: bill.due_date,
            items: bill
                .lines
                .iter()
                .map(|(item, amount)| NoticeItem {
                    bill_id: Some(bill.id),
                    tax_item: *item,
                    basis: basis.clone(),
                    e_payment_number: Some(bill.e_payment_number),
                    virtual_account: None,
                    due_date: bill.due_date,
                    principal: *amount,
                    late_charge: Won::ZERO,
                })
                .collect(),
        },
    }
}

/// How a bill is looked up.
#[derive(Debug, Clone, Copy)]
pub enum BillKey {
    /// By id.
    Id(BillId),
    /// By electronic payment number.
    Number(EPaymentNumber),
}

async fn load_bill<C: ConnectionTrait>(conn: &C, b: bill::Model) -> AppResult<Bill> {
    let corrupt = |what: &str| AppError::Internal(format!("bill {}: {what}", b.id));
    let lines = bill_line::Entity::find()
        .filter(bill_line::Column::BillId.eq(b.id))
        .order_by_asc(bill_line::Column::LineNo)
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.tax_item, Won::new(l.amount_won)))
        .collect();
    let period = match b.period_half {
        0 => None,
        n => Some(
            u32::try_from(n)
                .ok()
                .and_then(|n| PeriodHalf::from_number(n).ok())
                .ok_or_else(|| corrupt(&format!("period_half {n}")))?,
        ),
    };
    Ok(Bill {
        id: BillId::from_uuid(b.id),
        decision_id: b.assessment_decision_id,
        taxpayer_id: TaxpayerId::from_uuid(b.taxpayer_id),
        vehicle_id: b.vehicle_id.map(VehicleId::from_uuid),
        e_payment_number: EPaymentNumber::parse_field(&b.e_payment_number, "e_payment_number")
            .map_err(|_| corrupt("malformed e_payment_number"))?,
        tax_year: b.tax_year,
        period,
        liability_established_on: b.liability_established_on,
        due_date: b.due_date,
        lines,
        issued_at: b.issued_at,
    })
}

/// Where a taxpayer's encrypted `column` of row `id` belongs.
fn taxpayer_field(column: &str, id: uuid::Uuid) -> crate::domain::pii::Field<'_> {
    crate::domain::pii::Field {
        table: "taxpayer",
        column,
        row: id,
    }
}

/// Reseal every taxpayer's personal data under the current key of `pii`, bound to its row,
/// and recompute its blind index with the index key in force (`seip ops rekey-pii`, after a
/// key rotation). Rows already current are left as they are; returns how many changed. A
/// field no configured key opens stops it, naming the row, with nothing of that row changed.
pub async fn rekey_pii(db: &DatabaseConnection, pii: &PiiCipher) -> AppResult<u64> {
    use sea_orm::QuerySelect;
    let mut changed = 0;
    let mut after: Option<uuid::Uuid> = None;
    loop {
        let mut page = taxpayer::Entity::find().order_by_asc(taxpayer::Column::Id);
        if let Some(a) = after {
            page = page.filter(taxpayer::Column::Id.gt(a));
        }
        let rows = page.limit(500).all(db).await?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = Some(last.id);
        for t in rows {
            let open = |column: &str, data: &[u8]| {
                pii.decrypt(data, taxpayer_field(column, t.id))
                    .ok_or_else(|| {
                        AppError::Internal(format!(
                            "taxpayer {}: no configured pii key opens its {column}",
                            t.id
                        ))
                    })
            };
            let rrn = open("rrn_encrypted", &t.rrn_encrypted)?;
            let index = pii.blind_index(&rrn);
            let current = pii.is_current(&t.rrn_encrypted)
                && pii.is_current(&t.name_encrypted)
                && pii.is_current(&t.address_encrypted)
                && t.phone_encrypted
                    .as_deref()
                    .is_none_or(|p| pii.is_current(p))
                && t.rrn_index == index;
            if current {
                continue;
            }
            let name = open("name_encrypted", &t.name_encrypted)?;
            let address = open("address_encrypted", &t.address_encrypted)?;
            let phone = t
                .phone_encrypted
                .as_deref()
                .map(|p| open("phone_encrypted", p))
                .transpose()?;
            let seal = |plain: &str, column| pii.encrypt(plain, taxpayer_field(column, t.id));
            let mut am: taxpayer::ActiveModel = t.clone().into();
            am.rrn_index = Set(index);
            am.rrn_encrypted = Set(seal(&rrn, "rrn_encrypted"));
            am.name_encrypted = Set(seal(&name, "name_encrypted"));
            am.address_encrypted = Set(seal(&address, "address_encrypted"));
            am.phone_encrypted = Set(phone.map(|p| seal(&p, "phone_encrypted")));
            am.update(db).await?;
            changed += 1;
        }
    }
}
