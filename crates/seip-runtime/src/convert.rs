//! Wire ↔ domain conversions shared by every service: dates, tax items, timestamps.
//! Each function names the field it reads, so a bad value becomes a clear INVALID_ARGUMENT.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use seip_core::TaxItem;
use seip_proto::common::v1 as pb;

use crate::error::{AppError, AppResult};

/// A date onto the wire.
pub fn date_to_proto(d: NaiveDate) -> pb::Date {
    pb::Date {
        year: d.year(),
        month: i32::try_from(d.month()).unwrap_or(0),
        day: i32::try_from(d.day()).unwrap_or(0),
    }
}

/// A required date from the wire.
pub fn date_from_proto(d: Option<&pb::Date>, field: &str) -> AppResult<NaiveDate> {
    let d = d.ok_or_else(|| AppError::invalid(field, "required"))?;
    u32::try_from(d.month)
        .ok()
        .zip(u32::try_from(d.day).ok())
        .and_then(|(m, day)| NaiveDate::from_ymd_opt(d.year, m, day))
        .ok_or_else(|| {
            AppError::invalid(
                field,
                format!("{}-{}-{} is not a calendar date", d.year, d.month, d.day),
            )
        })
}

/// A tax item onto the wire.
pub fn tax_item_to_proto(t: TaxItem) -> i32 {
    (match t {
        TaxItem::AutomobileTax => pb::TaxItem::AutomobileTax,
        TaxItem::LocalEducationTax => pb::TaxItem::LocalEducationTax,
        TaxItem::ResidentTaxIndividual => pb::TaxItem::ResidentTaxIndividual,
        TaxItem::ResidentTaxPremises => pb::TaxItem::ResidentTaxPremises,
        TaxItem::ResidentTaxPayroll => pb::TaxItem::ResidentTaxPayroll,
        TaxItem::AdminFine => pb::TaxItem::AdminFine,
        TaxItem::EnforcementCost => pb::TaxItem::EnforcementCost,
    }) as i32
}

/// A required tax item from the wire.
pub fn tax_item_from_proto(v: i32, field: &str) -> AppResult<TaxItem> {
    match pb::TaxItem::try_from(v) {
        Ok(pb::TaxItem::AutomobileTax) => Ok(TaxItem::AutomobileTax),
        Ok(pb::TaxItem::LocalEducationTax) => Ok(TaxItem::LocalEducationTax),
        Ok(pb::TaxItem::ResidentTaxIndividual) => Ok(TaxItem::ResidentTaxIndividual),
        Ok(pb::TaxItem::ResidentTaxPremises) => Ok(TaxItem::ResidentTaxPremises),
        Ok(pb::TaxItem::ResidentTaxPayroll) => Ok(TaxItem::ResidentTaxPayroll),
        Ok(pb::TaxItem::AdminFine) => Ok(TaxItem::AdminFine),
        Ok(pb::TaxItem::EnforcementCost) => Ok(TaxItem::EnforcementCost),
        _ => Err(AppError::invalid(
            field,
            format!("unknown or unspecified tax item {v}"),
        )),
    }
}

/// An instant onto the wire.
pub fn timestamp_to_proto(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// An instant from the wire (`None` → the epoch, for optional fields).
pub fn timestamp_from_proto(t: Option<&prost_types::Timestamp>) -> DateTime<Utc> {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
        .unwrap_or_default()
}

/// A required UUID from the wire, naming `field` when it is not one.
pub fn uuid(s: &str, field: &str) -> AppResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|_| AppError::invalid(field, "not a UUID"))
}

/// A required tenant code from the wire.
pub fn tenant(s: &str) -> AppResult<seip_core::TenantCode> {
    Ok(seip_core::TenantCode::parse_field(s, "tenant_code")?)
}

/// Decode an event payload, naming its type when it does not decode.
pub fn decode_event<M: prost::Message + Default>(payload: &[u8], event_type: &str) -> AppResult<M> {
    M::decode(payload).map_err(|e| {
        AppError::invalid(
            "event.payload",
            format!("{event_type} does not decode: {e}"),
        )
    })
}

/// Text a person typed, or `INVALID_ARGUMENT` naming `field` when it is longer than
/// `max_chars` characters: no field is unbounded.
pub fn bounded<'a>(value: &'a str, field: &str, max_chars: usize) -> AppResult<&'a str> {
    if value.chars().count() > max_chars {
        return Err(AppError::invalid(
            field,
            format!("at most {max_chars} characters"),
        ));
    }
    Ok(value)
}

/// `value` as a `T`, or an internal error naming `what` when it does not fit: a count, serial
/// or line number beyond its column's range is a defect to report, never a clamped number.
pub fn fit<T: TryFrom<U>, U: Copy + std::fmt::Display>(value: U, what: &str) -> AppResult<T> {
    T::try_from(value).map_err(|_| {
        AppError::Internal(format!(
            "{what}: {value} is out of range for {}",
            std::any::type_name::<T>()
        ))
    })
}

/// The sum of `amounts` (won), or `AMOUNT_OUT_OF_RANGE` naming `what` when it leaves the
/// range of `i64`: money is summed checked everywhere, never wrapped.
pub fn sum_won(amounts: impl IntoIterator<Item = i64>, what: &str) -> AppResult<i64> {
    amounts
        .into_iter()
        .try_fold(0i64, i64::checked_add)
        .ok_or_else(|| {
            AppError::Rejected(crate::error::Rejection {
                code: tonic::Code::InvalidArgument,
                reason: crate::error::reason::AMOUNT_OUT_OF_RANGE,
                message: format!("{what}: the sum leaves the range of representable won"),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_does_not_fit_is_an_error_naming_it() {
        assert_eq!(fit::<i16, usize>(7, "line_no").unwrap(), 7);
        let err = fit::<i16, usize>(40_000, "bill line_no")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bill line_no: 40000 is out of range for i16"),
            "{err}"
        );
        assert!(fit::<u64, i64>(-1, "serial").is_err());
    }

    #[test]
    fn text_longer_than_its_bound_is_refused_naming_the_field() {
        assert_eq!(bounded("홍길동", "name", 3).unwrap(), "홍길동");
        let e = bounded("홍길동님", "name", 3).unwrap_err().to_string();
        assert_eq!(e, "name: at most 3 characters");
    }

    #[test]
    fn sums_that_would_wrap_are_refused() {
        assert_eq!(sum_won([1, 2, 3], "x").unwrap(), 6);
        let e = sum_won([i64::MAX, 1], "deposits").unwrap_err();
        assert_eq!(e.reason(), crate::error::reason::AMOUNT_OUT_OF_RANGE);
        assert!(e.to_string().contains("deposits"), "{e}");
        // Three amounts whose wrapped sum would look small.
        assert!(sum_won([i64::MAX, i64::MAX, 2], "deposits").is_err());
    }
}
