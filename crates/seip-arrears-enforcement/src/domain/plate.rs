//! Licence-plate impoundment (번호판 영치, V-1): where a vehicle's plate action stands.
//! Thresholds and periods come from `seip-rules` and the municipality's settings.

use sea_orm::DeriveValueType;

/// Where a plate action stands (`plate_action.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum PlateState {
    /// 영치예고: the owner was warned (one unpaid bill where the municipality warns).
    Warned,
    /// Due for impoundment: on the field crews' list.
    ToImpound,
    /// The plates are held.
    Impounded,
    /// Released for a livelihood vehicle until a day (≤ 6 months, once + 3).
    ReleasedTemporarily,
    /// Paid: the plates are to be returned, by a day.
    ReturnDue,
    /// Returned to the owner.
    Returned,
    /// Paid before the plates were taken: nothing more to do.
    Cancelled,
}

seip_core::stored_names!(PlateState {
    Warned => "warned",
    ToImpound => "to_impound",
    Impounded => "impounded",
    ReleasedTemporarily => "released_temporarily",
    ReturnDue => "return_due",
    Returned => "returned",
    Cancelled => "cancelled",
});

impl PlateState {
    /// True while the action is open (not returned or cancelled).
    pub fn is_open(self) -> bool {
        !matches!(self, PlateState::Returned | PlateState::Cancelled)
    }

    /// True while the plates are in the municipality's hands.
    pub fn plates_held(self) -> bool {
        matches!(self, PlateState::Impounded)
    }
}
