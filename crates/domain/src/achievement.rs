//! Scientific and technological achievements (科技成果, C2) and their lifecycle.

use crate::common::{Contact, HolderType, Millis, TransferMode};
use crate::ids::{AchievementId, OrganizationId};
use crate::lifecycle::{action_enum, status_enum};
use crate::money::Yuan;
use crate::standards::{CreditCode, Industry, PatentNumber, RegionCode, Trl};
use serde::{Deserialize, Serialize};

status_enum!(
    /// draft → submitted → published → listed → in deal → transferred / withdrawn (SPEC C2),
    /// with `rejected` for a submission an operator sent back.
    AchievementStatus {
        Draft = "draft" / "草稿",
        Submitted = "submitted" / "待审核",
        Rejected = "rejected" / "已退回",
        Published = "published" / "已发布",
        Listed = "listed" / "挂牌中",
        InDeal = "in_deal" / "交易中",
        Transferred = "transferred" / "已转化",
        Withdrawn = "withdrawn" / "已撤回",
    }
);

action_enum!(
    AchievementAction: AchievementStatus {
        Submit = "submit" / "提交审核",
        Approve = "approve" / "审核通过并发布",
        Reject = "reject" / "退回",
        List = "list" / "挂牌",
        Unlist = "unlist" / "摘牌",
        OpenDeal = "open_deal" / "进入交易",
        FailDeal = "fail_deal" / "交易终止",
        CompleteTransfer = "complete_transfer" / "完成转化",
        Withdraw = "withdraw" / "撤回",
        Reopen = "reopen" / "重新编辑",
    }
    targets(a, from) {
        use AchievementStatus::*;
        match (a, from) {
            (Self::Submit, Draft | Rejected) => Some(Submitted),
            (Self::Approve, Submitted) => Some(Published),
            (Self::Reject, Submitted) => Some(Rejected),
            (Self::List, Published) => Some(Listed),
            (Self::Unlist, Listed) => Some(Published),
            (Self::OpenDeal, Published | Listed) => Some(InDeal),
            (Self::FailDeal, InDeal) => Some(Published),
            (Self::CompleteTransfer, InDeal) => Some(Transferred),
            (Self::Withdraw, Draft | Submitted | Rejected | Published | Listed) => Some(Withdrawn),
            (Self::Reopen, Withdrawn) => Some(Draft),
            _ => None,
        }
    }
    reason(a) { matches!(a, Self::Reject | Self::Withdraw) }
);

impl AchievementStatus {
    /// Whether the public (visitors, other organizations) may see the record.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Published | Self::Listed | Self::InDeal | Self::Transferred)
    }
    /// Whether the holder may edit the content in this status.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected | Self::Published)
    }
}

/// Who holds the achievement: an organization of the directory or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    /// Set when the holder is an organization of the directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
}

/// The fields of an achievement that its holder edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchievementFields {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub holder: Holder,
    pub holder_type: HolderType,
    #[serde(default)]
    pub inventors: Vec<String>,
    /// GB/T 4754 industry.
    pub industry: Industry,
    /// 学科, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discipline: Option<String>,
    /// Technology readiness level (GB/T 22900).
    pub trl: Trl,
    pub region: RegionCode,
    pub transfer_modes: Vec<TransferMode>,
    /// Asking price; `None` is 面议 (negotiable).
    #[serde(default)]
    pub price: Option<Yuan>,
    #[serde(default)]
    pub patents: Vec<PatentNumber>,
    /// 解决的问题 — what industry buyers ask first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_solved: Option<String>,
    /// 技术优势 — its advantage over what is used today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advantages: Option<String>,
    /// 经济效益对比 — an economic comparison with the current solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economic_comparison: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Achievement {
    pub id: AchievementId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub status: AchievementStatus,
    /// Why it was rejected or withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Millis>,
    #[serde(flatten)]
    pub fields: AchievementFields,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{Action, Status, allowed_actions, transition};

    #[test]
    fn the_happy_path_reaches_transferred() {
        use AchievementAction::*;
        let mut s = AchievementStatus::Draft;
        for a in [Submit, Approve, List, OpenDeal, CompleteTransfer] {
            s = transition(s, a).unwrap();
        }
        assert_eq!(s, AchievementStatus::Transferred);
    }

    #[test]
    fn a_draft_cannot_be_published_without_review() {
        let e = transition(AchievementStatus::Draft, AchievementAction::Approve).unwrap_err();
        assert_eq!(e.from, "draft");
        assert_eq!(e.action, "approve");
        assert!(e.to_string().contains("草稿"));
    }

    #[test]
    fn transferred_is_terminal() {
        assert!(allowed_actions::<AchievementAction>(AchievementStatus::Transferred).is_empty());
    }

    #[test]
    fn every_status_is_reachable_from_draft() {
        let mut seen = vec![AchievementStatus::Draft];
        let mut frontier = vec![AchievementStatus::Draft];
        while let Some(s) = frontier.pop() {
            for a in AchievementAction::all() {
                if let Some(t) = a.target(s)
                    && !seen.contains(&t)
                {
                    seen.push(t);
                    frontier.push(t);
                }
            }
        }
        assert_eq!(seen.len(), AchievementStatus::all().len());
    }

    #[test]
    fn codes_round_trip() {
        for s in AchievementStatus::all() {
            assert_eq!(AchievementStatus::parse(s.code()), Some(*s));
        }
        for a in AchievementAction::all() {
            assert_eq!(AchievementAction::parse(a.code()), Some(*a));
        }
    }
}
