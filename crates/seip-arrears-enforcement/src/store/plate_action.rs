//! `plate_action`: a vehicle's licence-plate impoundment, from the warning to the return.

use sea_orm::entity::prelude::*;

use crate::domain::plate::PlateState;

/// A plate action row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plate_action")]
pub struct Model {
    /// Id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The case.
    pub case_id: Uuid,
    /// The owner.
    pub taxpayer_id: Uuid,
    /// The vehicle.
    pub vehicle_id: Uuid,
    /// Where it stands.
    pub state: PlateState,
    /// Unpaid automobile-tax bills of the vehicle when last selected.
    pub unpaid_bills: i32,
    /// Day of the warning, if one was given.
    pub warned_on: Option<Date>,
    /// Day it became due for impoundment.
    pub due_on: Option<Date>,
    /// When the plates were taken.
    pub impounded_at: Option<DateTimeUtc>,
    /// Who took them (the crew member's verified subject).
    pub impounded_by: Option<String>,
    /// The plate number taken.
    pub plate_number: Option<String>,
    /// Where.
    pub place: Option<String>,
    /// The photo's reference in the crew's evidence store.
    pub photo_ref: Option<String>,
    /// Day a temporary release began.
    pub released_on: Option<Date>,
    /// Last day of a temporary release.
    pub release_until: Option<Date>,
    /// The temporary release was extended (only once).
    pub extended: bool,
    /// The plates are to be returned by this day.
    pub return_by: Option<Date>,
    /// When they were returned.
    pub returned_at: Option<DateTimeUtc>,
    /// Who returned them.
    pub returned_by: Option<String>,
    /// The municipality whose crews it was handed to (a vehicle registered or found there);
    /// none while the case's own crews work it.
    pub handed_to: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
