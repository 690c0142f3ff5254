//! Where delivery stands, as stored: the channels, a message's state, a notice's delivery,
//! how an e-service application ended.

use sea_orm::DeriveValueType;

/// How a notice reaches its recipient, in the order tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum Channel {
    /// KakaoTalk AlimTalk through the certified e-document relay, matched by identity.
    AlimTalk,
    /// SMS/LMS to the phone number on record, where the relay could not deliver.
    Sms,
    /// Paper, through the print vendor.
    Paper,
}

seip_core::stored_names!(Channel {
    AlimTalk => "alimtalk",
    Sms => "sms",
    Paper => "paper",
});

/// Where a message stands (`message.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum MessageState {
    /// Made, not yet taken by the provider (or to be tried again after an outage).
    Queued,
    /// Taken by the provider; its outcome not yet known.
    Sent,
    /// Delivered, not (yet) read.
    Delivered,
    /// Read (the taxpayer opened the document).
    Read,
    /// Not deliverable on this channel: the next one is tried.
    Failed,
    /// Delivered but left unread past the validity period: paper follows.
    Expired,
}

seip_core::stored_names!(MessageState {
    Queued => "queued",
    Sent => "sent",
    Delivered => "delivered",
    Read => "read",
    Failed => "failed",
    Expired => "expired",
});

/// Where a notice's delivery stands (`notice.delivery`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum NoticeDelivery {
    /// Waiting for the next delivery run.
    Pending,
    /// In a message.
    Sent,
    /// Due on paper: the next print-vendor batch takes it.
    ToPrint,
    /// In a print vendor's batch.
    Printed,
    /// Paid in full before it was sent: nothing left to tell.
    Settled,
}

seip_core::stored_names!(NoticeDelivery {
    Pending => "pending",
    Sent => "sent",
    ToPrint => "to_print",
    Printed => "printed",
    Settled => "settled",
});

/// How an e-service application ended (`e_service_application.ended_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum ApplicationEnd {
    /// The taxpayer withdrew it.
    Withdrawal,
    /// Five e-notices in a row went unopened (N-1).
    Deemed,
}

seip_core::stored_names!(ApplicationEnd {
    Withdrawal => "withdrawal",
    Deemed => "deemed",
});
