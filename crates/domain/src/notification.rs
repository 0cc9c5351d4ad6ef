//! In-app notifications of the trading floor (SPEC C7): outbid, the deadline moved, won or lost,
//! deposit confirmed or released. Each goes to an organization; every member sees it.

use crate::{ListingId, Millis, NotificationId, OrganizationId};
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Another bidder bid above yours.
    Outbid,
    /// A late bid moved the auction's deadline (soft close), or the announcement was extended.
    Extended,
    /// You made the deal.
    Won,
    /// The round ended without you.
    Lost,
    /// Your deposit was confirmed: you are a qualified buyer.
    DepositConfirmed,
    /// Your deposit is being returned.
    DepositReleased,
    /// An auction among the qualified buyers is scheduled.
    AuctionScheduled,
}

impl NotificationKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Outbid => "outbid",
            Self::Extended => "extended",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::DepositConfirmed => "deposit_confirmed",
            Self::DepositReleased => "deposit_released",
            Self::AuctionScheduled => "auction_scheduled",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Outbid => "您的出价已被超过",
            Self::Extended => "截止时间已延后",
            Self::Won => "您已成交",
            Self::Lost => "未成交",
            Self::DepositConfirmed => "保证金已确认",
            Self::DepositReleased => "保证金退还",
            Self::AuctionScheduled => "竞价已安排",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Outbid => "You were outbid",
            Self::Extended => "The deadline moved",
            Self::Won => "You won",
            Self::Lost => "No deal for you",
            Self::DepositConfirmed => "Deposit confirmed",
            Self::DepositReleased => "Deposit released",
            Self::AuctionScheduled => "Auction scheduled",
        }
    }
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub organization_id: OrganizationId,
    pub kind: NotificationKind,
    pub listing_id: ListingId,
    pub listing_title: String,
    /// The amount it is about (the new price, the deposit), whole yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The time it is about (the new deadline, the auction's start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Millis>,
    pub created_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<Millis>,
}

impl Notification {
    pub fn new(
        organization_id: OrganizationId,
        kind: NotificationKind,
        listing_id: ListingId,
        listing_title: &str,
        amount: Option<i64>,
        until: Option<Millis>,
        now: Millis,
    ) -> Notification {
        Notification {
            id: NotificationId::new(),
            organization_id,
            kind,
            listing_id,
            listing_title: listing_title.to_string(),
            amount,
            until,
            created_at: now,
            read_at: None,
        }
    }
}
