//! `seip-proto`: the Rust code generated from `proto/` — messages, clients and servers — and
//! the descriptor set for gRPC server reflection. Nothing else lives here: conversions to
//! domain types sit beside those types in the crates that own them.

#![allow(missing_docs, clippy::all, reason = "generated code")]

/// `seip.common.v1`: dates, tax items, the event envelope and the event consumer service.
pub mod common {
    pub mod v1 {
        tonic::include_proto!("seip.common.v1");
    }
}

/// `seip.assessment.v1`.
pub mod assessment {
    pub mod v1 {
        tonic::include_proto!("seip.assessment.v1");
    }
}

/// `seip.collection.v1`.
pub mod collection {
    pub mod v1 {
        tonic::include_proto!("seip.collection.v1");
    }
}

/// `seip.arrears_enforcement.v1`.
pub mod arrears_enforcement {
    pub mod v1 {
        tonic::include_proto!("seip.arrears_enforcement.v1");
    }
}

/// `seip.reporting.v1`.
pub mod reporting {
    pub mod v1 {
        tonic::include_proto!("seip.reporting.v1");
    }
}

/// Encoded `FileDescriptorSet` of every Seip proto, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/seip_descriptor.bin"));

/// The full protobuf name of a message, as carried in `google.protobuf.Any::type_url`
/// after `type.googleapis.com/`.
pub trait EventName {
    /// e.g. `seip.assessment.v1.LevyDecided`.
    const NAME: &'static str;
    /// `type.googleapis.com/` + [`Self::NAME`].
    fn type_url() -> String {
        format!("type.googleapis.com/{}", Self::NAME)
    }
}

impl EventName for assessment::v1::LevyDecided {
    const NAME: &'static str = "seip.assessment.v1.LevyDecided";
}
impl EventName for assessment::v1::NoticesServed {
    const NAME: &'static str = "seip.assessment.v1.NoticesServed";
}
impl EventName for collection::v1::PaymentsPosted {
    const NAME: &'static str = "seip.collection.v1.PaymentsPosted";
}
impl EventName for collection::v1::BillOverdue {
    const NAME: &'static str = "seip.collection.v1.BillOverdue";
}
impl EventName for collection::v1::LateChargesAccrued {
    const NAME: &'static str = "seip.collection.v1.LateChargesAccrued";
}
impl EventName for arrears_enforcement::v1::DemandsIssued {
    const NAME: &'static str = "seip.arrears_enforcement.v1.DemandsIssued";
}
impl EventName for arrears_enforcement::v1::DemandsLapsed {
    const NAME: &'static str = "seip.arrears_enforcement.v1.DemandsLapsed";
}
impl EventName for arrears_enforcement::v1::SeizureRegistered {
    const NAME: &'static str = "seip.arrears_enforcement.v1.SeizureRegistered";
}
impl EventName for arrears_enforcement::v1::SeizureReleased {
    const NAME: &'static str = "seip.arrears_enforcement.v1.SeizureReleased";
}
impl EventName for arrears_enforcement::v1::PlateImpounded {
    const NAME: &'static str = "seip.arrears_enforcement.v1.PlateImpounded";
}
impl EventName for arrears_enforcement::v1::PlateReturned {
    const NAME: &'static str = "seip.arrears_enforcement.v1.PlateReturned";
}
impl EventName for arrears_enforcement::v1::AuctionSold {
    const NAME: &'static str = "seip.arrears_enforcement.v1.AuctionSold";
}
impl EventName for arrears_enforcement::v1::EnforcementCostIncurred {
    const NAME: &'static str = "seip.arrears_enforcement.v1.EnforcementCostIncurred";
}
