//! A buyer's intent on a listing (意向受让登记, SPEC §5.3): registered during the announcement,
//! qualified once an operator confirms the deposit, then won, released or withdrawn. Accepting
//! the listing's confidentiality agreement opens its deal room to the buyer.

use crate::error::text;
use crate::lifecycle::status_enum;
use crate::listing::Party;
use crate::standards::RegionCode;
use crate::{AccountId, FieldError, IntentId, ListingId, Millis, OrganizationId, ValidationErrors};
use serde::{Deserialize, Serialize};

status_enum!(
    /// registered → qualified → won | released; withdrawn by the buyer before it qualifies.
    IntentStatus {
        /// 已登记: waiting for the deposit to be confirmed.
        Registered = "registered" / "已登记，待确认保证金",
        /// 已确认保证金: a qualified buyer (合格意向受让方).
        Qualified = "qualified" / "合格意向方",
        /// 已成交: this buyer made the deal; the deposit goes towards the price.
        Won = "won" / "已成交",
        /// 保证金已退还: the round ended without this buyer winning.
        Released = "released" / "保证金已退还",
        /// 已撤回: the buyer withdrew before qualifying.
        Withdrawn = "withdrawn" / "已撤回",
    }
);

/// A buyer's intent on one round of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub id: IntentId,
    pub version: i64,
    pub status: IntentStatus,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub listing_id: ListingId,
    /// The listing's round the intent belongs to.
    pub round: u32,
    pub listing_title: String,
    pub buyer: Party,
    pub seller_id: OrganizationId,
    /// The account that registered it.
    pub account_id: AccountId,
    /// The listing's region (its operators confirm deposits).
    pub region: RegionCode,
    /// The deposit due, whole yuan.
    pub deposit: i64,
    /// A note from the buyer (contact person, payment reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_confirmed_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_confirmed_by: Option<AccountId>,
    /// The bank's reference of the deposit payment, as the operator recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality_accepted_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality_accepted_by: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<Millis>,
}

/// Why an intent refused a step; nothing changed.
fn wrong_status(status: IntentStatus, zh: &str, en: &str) -> ValidationErrors {
    FieldError::new(
        "status",
        "intent_status",
        format!("该意向{}，{zh}", crate::lifecycle::Status::label_zh(status)),
        format!("the intent is {status}: {en}"),
    )
    .into()
}

impl Intent {
    /// A new registration.
    #[allow(clippy::too_many_arguments)]
    pub fn register(
        id: IntentId,
        listing: &crate::listing::Listing,
        buyer: Party,
        account_id: AccountId,
        note: Option<&str>,
        now: Millis,
    ) -> Result<Intent, ValidationErrors> {
        let note = text("note", note.unwrap_or(""), false, 500)?;
        Ok(Intent {
            id,
            version: 1,
            status: IntentStatus::Registered,
            created_at: now,
            updated_at: now,
            listing_id: listing.id,
            round: listing.round,
            listing_title: listing.achievement_title.clone(),
            buyer,
            seller_id: listing.seller.id,
            account_id,
            region: listing.region,
            deposit: listing.deposit(),
            note: (!note.is_empty()).then_some(note),
            deposit_confirmed_at: None,
            deposit_confirmed_by: None,
            deposit_reference: None,
            confidentiality_accepted_at: None,
            confidentiality_accepted_by: None,
            released_at: None,
        })
    }

    fn next(&self, status: IntentStatus, now: Millis) -> Intent {
        let mut i = self.clone();
        i.status = status;
        i.updated_at = now;
        i
    }

    /// An operator confirms the deposit arrived: the buyer qualifies.
    pub fn confirm_deposit(
        &self,
        by: AccountId,
        reference: Option<&str>,
        now: Millis,
    ) -> Result<Intent, ValidationErrors> {
        if self.status != IntentStatus::Registered {
            return Err(wrong_status(
                self.status,
                "不能再确认保证金",
                "its deposit cannot be confirmed",
            ));
        }
        let reference = text("reference", reference.unwrap_or(""), false, 200)?;
        let mut i = self.next(IntentStatus::Qualified, now);
        i.deposit_confirmed_at = Some(now);
        i.deposit_confirmed_by = Some(by);
        i.deposit_reference = (!reference.is_empty()).then_some(reference);
        Ok(i)
    }

    /// The buyer accepts the listing's confidentiality agreement (for the deal room).
    pub fn accept_confidentiality(&self, by: AccountId, now: Millis) -> Result<Intent, ValidationErrors> {
        if matches!(self.status, IntentStatus::Withdrawn | IntentStatus::Released) {
            return Err(wrong_status(
                self.status,
                "不能再进入交易室",
                "the deal room is closed to it",
            ));
        }
        let mut i = self.next(self.status, now);
        if i.confidentiality_accepted_at.is_none() {
            i.confidentiality_accepted_at = Some(now);
            i.confidentiality_accepted_by = Some(by);
        }
        Ok(i)
    }

    /// The buyer withdraws before qualifying (a qualified buyer's deposit is released with the
    /// round).
    pub fn withdraw(&self, now: Millis) -> Result<Intent, ValidationErrors> {
        if self.status != IntentStatus::Registered {
            return Err(wrong_status(
                self.status,
                "只有待确认保证金的意向可以撤回",
                "only an intent waiting for its deposit can be withdrawn",
            ));
        }
        Ok(self.next(IntentStatus::Withdrawn, now))
    }

    /// The round ended: the winner's intent is won, every other live one released.
    pub fn settle(&self, won: bool, now: Millis) -> Option<Intent> {
        match self.status {
            IntentStatus::Registered | IntentStatus::Qualified => {
                let mut i = self.next(if won { IntentStatus::Won } else { IntentStatus::Released }, now);
                if !won {
                    i.released_at = Some(now);
                }
                Some(i)
            }
            _ => None,
        }
    }

    /// What the access rules need: the buyer's members own it, the listing's region's operators
    /// confirm its deposit; never public (who is bidding is not shown).
    pub fn scope(&self) -> crate::Scope {
        crate::Scope {
            kind: crate::RecordKind::Intent,
            owners: vec![self.buyer.id],
            person: Some(self.account_id.as_uuid()),
            region: Some(self.region),
            public: false,
        }
    }

    /// Whether the buyer may open the deal room.
    pub fn opens_deal_room(&self) -> bool {
        self.confidentiality_accepted_at.is_some()
            && !matches!(self.status, IntentStatus::Withdrawn | IntentStatus::Released)
    }
}
