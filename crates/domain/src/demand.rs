//! Enterprise technology demands (企业技术需求, C3), open challenges (揭榜挂帅) and their
//! lifecycle.

use crate::common::{Contact, Millis, TransferMode};
use crate::ids::{DemandId, OrganizationId};
use crate::lifecycle::{action_enum, status_enum};
use crate::money::Yuan;
use crate::standards::{CreditCode, Industry, RegionCode, Trl};
use serde::{Deserialize, Serialize};
use time::Date;

status_enum!(
    /// draft → submitted → published → in docking → fulfilled, or closed / withdrawn.
    DemandStatus {
        Draft = "draft" / "草稿",
        Submitted = "submitted" / "待审核",
        Rejected = "rejected" / "已退回",
        Published = "published" / "已发布",
        /// 对接中: talks with a provider are under way.
        InDocking = "in_docking" / "对接中",
        /// 已解决: the enterprise found its solution.
        Fulfilled = "fulfilled" / "已解决",
        /// Closed by the enterprise or past its deadline.
        Closed = "closed" / "已关闭",
        Withdrawn = "withdrawn" / "已撤回",
    }
);

action_enum!(
    DemandAction: DemandStatus {
        Submit = "submit" / "提交审核",
        Approve = "approve" / "审核通过并发布",
        Reject = "reject" / "退回",
        StartDocking = "start_docking" / "开始对接",
        StopDocking = "stop_docking" / "对接终止",
        Fulfil = "fulfil" / "已解决",
        Close = "close" / "关闭",
        Withdraw = "withdraw" / "撤回",
        Reopen = "reopen" / "重新编辑",
    }
    targets(a, from) {
        use DemandStatus::*;
        match (a, from) {
            (Self::Submit, Draft | Rejected) => Some(Submitted),
            (Self::Approve, Submitted) => Some(Published),
            (Self::Reject, Submitted) => Some(Rejected),
            (Self::StartDocking, Published) => Some(InDocking),
            (Self::StopDocking, InDocking) => Some(Published),
            (Self::Fulfil, Published | InDocking) => Some(Fulfilled),
            (Self::Close, Published | InDocking) => Some(Closed),
            (Self::Withdraw, Draft | Submitted | Rejected | Published) => Some(Withdrawn),
            (Self::Reopen, Withdrawn | Closed) => Some(Draft),
            _ => None,
        }
    }
    reason(a) { matches!(a, Self::Reject | Self::Withdraw) }
);

impl DemandStatus {
    pub fn is_public(self) -> bool {
        matches!(self, Self::Published | Self::InDocking | Self::Fulfilled | Self::Closed)
    }
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected | Self::Published)
    }
}

/// The enterprise that posts a demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
}

/// An open challenge (揭榜挂帅): the demand offers a bounty to whoever solves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub bounty: Yuan,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_deadline: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandFields {
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub enterprise: Enterprise,
    pub industry: Industry,
    pub region: RegionCode,
    /// Budget ceiling; `None` is 面议.
    #[serde(default)]
    pub budget_max: Option<Yuan>,
    #[serde(default)]
    pub min_trl: Option<Trl>,
    #[serde(default)]
    pub cooperation_modes: Vec<TransferMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demand {
    pub id: DemandId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub status: DemandStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Millis>,
    #[serde(flatten)]
    pub fields: DemandFields,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::transition;

    #[test]
    fn a_demand_goes_from_draft_to_fulfilled_through_review() {
        use DemandAction::*;
        let mut s = DemandStatus::Draft;
        for a in [Submit, Approve, StartDocking, Fulfil] {
            s = transition(s, a).unwrap();
        }
        assert_eq!(s, DemandStatus::Fulfilled);
        assert!(transition(DemandStatus::Fulfilled, Withdraw).is_err());
        assert!(transition(DemandStatus::Draft, Approve).is_err());
    }
}
