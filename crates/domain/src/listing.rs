//! Listings (挂牌, SPEC §5, issue 6): the terms and the rules they are checked against — the
//! mode, the price (or reserve), the bid increment, the deposit, the announcement period counted
//! in working days ([`crate::calendar`]), the market's defaults in [`ListingRules::default`] —
//! and the [`Listing`] record with every step from draft to a certified deal, as pure functions
//! of the listing, the rules, the calendar and the time.

use crate::calendar::{WorkingCalendar, beijing_date, beijing_time, end_of_beijing_day};
use crate::error::text;
use crate::lifecycle::status_enum;
use crate::money::MAX_YUAN;
use crate::standards::RegionCode;
use crate::{AccountId, AchievementId, FieldError, ListingId, Millis, OrganizationId, ValidationErrors};
use serde::{Deserialize, Serialize};
use time::Date;

/// How a listing is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingMode {
    /// 协议定价挂牌: at the listing price to the one qualified buyer (an auction among several).
    FixedPrice,
    /// 竞价: an auction among the qualified buyers from the listing price.
    Auction,
    /// 协商: a negotiated deal, published with its price before signing.
    Negotiated,
}

impl ListingMode {
    pub const ALL: [ListingMode; 3] = [ListingMode::FixedPrice, ListingMode::Auction, ListingMode::Negotiated];

    pub fn code(self) -> &'static str {
        match self {
            ListingMode::FixedPrice => "fixed_price",
            ListingMode::Auction => "auction",
            ListingMode::Negotiated => "negotiated",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ListingMode::FixedPrice => "挂牌定价",
            ListingMode::Auction => "竞价",
            ListingMode::Negotiated => "协议成交",
        }
    }

    pub fn parse(s: &str) -> Result<ListingMode, FieldError> {
        ListingMode::ALL
            .into_iter()
            .find(|m| m.code() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "mode",
                    "listing_mode_unknown",
                    format!("挂牌方式「{s}」无效，可选：fixed_price、auction、negotiated"),
                    format!("unknown listing mode `{s}`; expected fixed_price, auction or negotiated"),
                )
            })
    }
}

/// The market's listing rules (SPEC §5 defaults; each configurable, e.g. in the `[listing_rules]`
/// table of the configuration file — a key left out keeps its default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListingRules {
    /// The shortest announcement (挂牌公告期), in working days.
    pub announcement_days: u32,
    /// The shortest extension of an announcement, in working days.
    pub extension_days: u32,
    /// Result publicity, in working days.
    pub publicity_days: u32,
    /// Losing deposits are released within this many working days.
    pub deposit_release_days: u32,
    /// A relisting after no buyer may go down to this share of the first price (percent)
    /// without new approval.
    pub relist_floor_percent: u32,
    /// A public institution's negotiated deal is published with its price this many (calendar)
    /// days before signing.
    pub negotiated_publicity_days: u32,
    /// An auction's bidding window unless the listing sets one, in minutes.
    pub bidding_minutes: u32,
    /// The soft-close window unless the listing sets one, in minutes.
    pub soft_close_minutes: u32,
    /// When an auction opens by default, in minutes after midnight (Beijing) of the first working
    /// day after the announcement ends; an operator may set another time before the first bid.
    pub auction_start_minute: u32,
}

impl ListingRules {
    /// Rules a market cannot run on: the SPEC's minimums are floors (an announcement of at
    /// least 20 working days and so on are the law's, not a preference), windows are positive.
    pub fn check(&self) -> Result<(), String> {
        let d = ListingRules::default();
        let mut problems = Vec::new();
        for (name, value, floor) in [
            ("announcement_days", self.announcement_days, d.announcement_days),
            ("extension_days", self.extension_days, d.extension_days),
            ("publicity_days", self.publicity_days, d.publicity_days),
            (
                "negotiated_publicity_days",
                self.negotiated_publicity_days,
                d.negotiated_publicity_days,
            ),
        ] {
            if value < floor {
                problems.push(format!("{name} must be at least {floor} (SPEC §5), not {value}"));
            }
        }
        for (name, value) in [
            ("bidding_minutes", self.bidding_minutes),
            ("soft_close_minutes", self.soft_close_minutes),
        ] {
            if !(1..=MAX_WINDOW_MINUTES).contains(&value) {
                problems.push(format!("{name} must be 1 to {MAX_WINDOW_MINUTES}, not {value}"));
            }
        }
        if !(1..=100).contains(&self.relist_floor_percent) {
            problems.push(format!(
                "relist_floor_percent must be 1 to 100, not {}",
                self.relist_floor_percent
            ));
        }
        if self.auction_start_minute >= 24 * 60 {
            problems.push(format!(
                "auction_start_minute must be below 1440, not {}",
                self.auction_start_minute
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Default for ListingRules {
    fn default() -> Self {
        ListingRules {
            announcement_days: 20,
            extension_days: 5,
            publicity_days: 5,
            deposit_release_days: 5,
            relist_floor_percent: 90,
            negotiated_publicity_days: 15,
            bidding_minutes: 60,
            soft_close_minutes: 5,
            auction_start_minute: 9 * 60 + 30,
        }
    }
}

/// The longest bidding or soft-close window, in minutes (a working day).
pub const MAX_WINDOW_MINUTES: u32 = 8 * 60;
/// The longest announcement, in working days (a year).
pub const MAX_ANNOUNCEMENT_DAYS: u32 = 250;

/// What a seller proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingTerms {
    pub mode: ListingMode,
    /// The listing price in whole yuan (an auction's starting price).
    pub price: i64,
    /// An auction's reserve (保留价), at least one yuan: no deal below it.
    pub reserve: Option<i64>,
    /// An auction's bid increment.
    pub increment: Option<i64>,
    /// The deposit a buyer pays to qualify (0: none).
    pub deposit: i64,
    /// The announcement period in working days.
    pub announcement_days: u32,
    /// How long an auction's bidding lasts before soft close extends it, in minutes (default:
    /// the rules').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bidding_minutes: Option<u32>,
    /// The soft-close window in minutes (default 5): a bid this close to the end moves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_close_minutes: Option<u32>,
}

fn money(errors: &mut ValidationErrors, path: &str, label_zh: &str, amount: i64, zero_ok: bool) {
    let low = if zero_ok { 0 } else { 1 };
    if amount < low {
        let (zh, en) = if zero_ok {
            (format!("{label_zh}不能为负数"), format!("{path} cannot be negative"))
        } else {
            (
                format!("{label_zh}应为正整数（元）"),
                format!("{path} must be a positive whole number of yuan"),
            )
        };
        errors.push(FieldError::new(path, "amount_not_positive", zh, en));
    } else if amount > MAX_YUAN {
        errors.push(FieldError::new(
            path,
            "amount_too_large",
            format!("{label_zh}不能超过一万亿元"),
            format!("{path} cannot exceed {MAX_YUAN} yuan"),
        ));
    }
}

impl ListingTerms {
    /// Every problem of the terms under `rules`, each naming its field.
    pub fn validate(&self, rules: &ListingRules) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        money(&mut e, "price", "挂牌价格", self.price, false);
        money(&mut e, "deposit", "保证金", self.deposit, true);
        if self.deposit > self.price && self.price > 0 {
            e.push(FieldError::new(
                "deposit",
                "deposit_above_price",
                "保证金不能高于挂牌价格",
                "the deposit cannot exceed the listing price",
            ));
        }
        if self.announcement_days < rules.announcement_days {
            e.push(FieldError::new(
                "announcement_days",
                "announcement_too_short",
                format!(
                    "挂牌公告期至少 {} 个工作日（填写的是 {} 个）",
                    rules.announcement_days, self.announcement_days
                ),
                format!(
                    "the announcement lasts at least {} working days (not {})",
                    rules.announcement_days, self.announcement_days
                ),
            ));
        }
        for (field, label, value) in [
            ("bidding_minutes", "竞价时长", self.bidding_minutes),
            ("soft_close_minutes", "延时周期", self.soft_close_minutes),
        ] {
            if let Some(v) = value
                && !(1..=MAX_WINDOW_MINUTES).contains(&v)
            {
                e.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("{label}应为 1 到 {MAX_WINDOW_MINUTES} 分钟"),
                    format!("{field} must be 1 to {MAX_WINDOW_MINUTES} minutes"),
                ));
            }
        }
        if self.announcement_days > MAX_ANNOUNCEMENT_DAYS {
            e.push(FieldError::new(
                "announcement_days",
                "out_of_range",
                format!("挂牌公告期不能超过 {MAX_ANNOUNCEMENT_DAYS} 个工作日"),
                format!("the announcement lasts at most {MAX_ANNOUNCEMENT_DAYS} working days"),
            ));
        }
        match self.mode {
            ListingMode::Auction => {
                match self.increment {
                    None => e.push(FieldError::new(
                        "increment",
                        "required",
                        "竞价挂牌需要填写加价幅度",
                        "an auction needs a bid increment",
                    )),
                    Some(i) => money(&mut e, "increment", "加价幅度", i, false),
                }
                if let Some(r) = self.reserve {
                    money(&mut e, "reserve", "保留价", r, false);
                }
            }
            ListingMode::FixedPrice | ListingMode::Negotiated => {
                for (field, given) in [("increment", self.increment), ("reserve", self.reserve)] {
                    if given.is_some() {
                        e.push(FieldError::new(
                            field,
                            "not_for_this_mode",
                            format!(
                                "只有竞价挂牌才有{}",
                                if field == "increment" {
                                    "加价幅度"
                                } else {
                                    "保留价"
                                }
                            ),
                            format!("only an auction has a {field}"),
                        ));
                    }
                }
            }
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }

    /// The last day of the announcement that starts after `start` (the day it is published).
    pub fn announcement_end(&self, calendar: &WorkingCalendar, start: Date) -> Date {
        calendar.add_working_days(start, self.announcement_days)
    }
}

/// An extension of an announcement: at least the rules' minimum.
pub fn check_extension(days: u32, rules: &ListingRules) -> Result<(), FieldError> {
    if days < rules.extension_days {
        return Err(FieldError::new(
            "extension_days",
            "extension_too_short",
            format!("延长公告期至少 {} 个工作日", rules.extension_days),
            format!("an extension lasts at least {} working days", rules.extension_days),
        ));
    }
    Ok(())
}

/// Whether a relisting at `new_price` needs a new approval: below the rules' floor (90%) of
/// the first listing's price it does.
pub fn relisting_needs_approval(first_price: i64, new_price: i64, rules: &ListingRules) -> bool {
    // new / first < floor%  ⇔  new * 100 < first * floor (in i128: no overflow).
    i128::from(new_price) * 100 < i128::from(first_price) * i128::from(rules.relist_floor_percent)
}

// ---------------------------------------------------------------------------------------------
// The listing record and its steps.

status_enum!(
    /// draft → pending → announced → (bidding →) publicity → certified; lapsed when no buyer
    /// qualified (or no bid reached the reserve), to be relisted or withdrawn. A negotiated deal
    /// goes from pending straight to publicity, with its price.
    ListingStatus {
        /// 草稿: the seller is preparing it.
        Draft = "draft" / "草稿",
        /// 待审核: waiting for an operator.
        Pending = "pending" / "待审核",
        /// 已退回: an operator sent it back with a reason.
        Rejected = "rejected" / "已退回",
        /// 挂牌公告中: buyers register intent and pay deposits.
        Announced = "announced" / "挂牌公告中",
        /// 竞价中: several buyers qualified; an online auction decides.
        Bidding = "bidding" / "竞价中",
        /// 结果公示中: the result (or a negotiated deal's price) is public; objections may be filed.
        Publicity = "publicity" / "公示中",
        /// 已鉴证: the deal is confirmed with a transaction certificate (交易鉴证). Final.
        Certified = "certified" / "已鉴证成交",
        /// 未成交: nobody qualified, or no bid reached the reserve.
        Lapsed = "lapsed" / "未成交",
        /// 已撤牌: the seller took it off the market. Final.
        Withdrawn = "withdrawn" / "已撤牌",
    }
);

impl ListingStatus {
    /// Whether visitors see it (the market's listings page).
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::Announced | Self::Bidding | Self::Publicity | Self::Certified | Self::Lapsed
        )
    }
}

/// An organization party to a deal, as it was named when the step was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: OrganizationId,
    pub name: String,
}

/// How a deal's buyer and price were decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealBasis {
    /// One qualified buyer: a deal at the listing price.
    SoleBuyer,
    /// The highest bid of the auction among several.
    Auction,
    /// A negotiated deal (协议转让), published with its price.
    Negotiated,
}

impl DealBasis {
    pub fn label_zh(self) -> &'static str {
        match self {
            DealBasis::SoleBuyer => "唯一合格意向方，按挂牌价成交",
            DealBasis::Auction => "网络竞价，价高者得",
            DealBasis::Negotiated => "协议定价",
        }
    }
}

/// A deal's result, published before it is certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealResult {
    pub buyer: Party,
    /// Whole yuan.
    pub price: i64,
    pub basis: DealBasis,
    pub decided_at: Millis,
    /// The last day of the publicity (Beijing).
    pub publicity_ends_on: Date,
}

/// A transaction certificate (交易鉴证书): anyone verifies it by its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// `JYJZ-2026-…`: unique, unguessable.
    pub number: String,
    pub issued_at: Millis,
    pub issued_by: AccountId,
}

/// An objection filed during publicity (异议), and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// 1, 2, … within the listing.
    pub number: u32,
    pub filed_at: Millis,
    pub filed_by: AccountId,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<AccountId>,
}

/// An extension of the announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub at: Millis,
    pub days: u32,
    pub ends_on: Date,
}

/// The longest free text of an objection, its answer, a summary, in characters.
pub const LISTING_TEXT_MAX: usize = 4000;

/// What a seller gives to list an achievement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    pub achievement_id: AchievementId,
    #[serde(flatten)]
    pub terms: ListingTerms,
    /// The non-confidential summary everyone reads (defaults to the achievement's summary).
    #[serde(default)]
    pub summary: Option<String>,
    /// The confidentiality agreement a buyer accepts before the deal room opens.
    #[serde(default)]
    pub confidentiality: Option<String>,
    /// A negotiated deal's buyer (协议受让方).
    #[serde(default)]
    pub buyer_id: Option<OrganizationId>,
}

/// The confidentiality agreement used when the seller gives none.
pub const DEFAULT_CONFIDENTIALITY: &str = "受让方承诺：对通过交易室获取的全部技术资料严格保密，\
仅用于评估本项目交易，不向任何第三方披露，不用于其他用途；交易未成交的，应销毁已获取的资料。\
违反本协议的，承担相应法律责任。";

/// A listing (挂牌): an achievement offered under stated terms, and everything that happens to
/// it until the deal is certified. Intents are records of their own; an auction's bids are kept
/// by the store beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub id: ListingId,
    pub version: i64,
    pub status: ListingStatus,
    /// Why it was sent back, lapsed or withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub achievement_id: AchievementId,
    pub achievement_title: String,
    pub seller: Party,
    /// A university or institute (事业单位): a negotiated deal is published with its price for
    /// the rules' days before signing.
    pub public_institution: bool,
    /// The seller's region: its operators run the listing.
    pub region: RegionCode,
    pub terms: ListingTerms,
    /// The price of the round that was first approved: a relisting down to 90% of it needs no
    /// new approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_price: Option<i64>,
    /// 1 for the first listing, 2 after the first relisting, …; intents belong to a round.
    pub round: u32,
    /// The non-confidential summary (the first stage of disclosure).
    pub summary: String,
    pub confidentiality: String,
    /// A negotiated deal's buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement_ends_on: Option<Date>,
    #[serde(default)]
    pub extensions: Vec<Extension>,
    /// When the next step falls due on its own (the announcement's or the publicity's end): the
    /// scheduler's query column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<DealResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    #[serde(default)]
    pub objections: Vec<Objection>,
}

/// Why a listing refused a step; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("a listing that is {from} cannot {action}")]
    Status { from: ListingStatus, action: &'static str },
}

impl ListingError {
    fn field(path: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ListingError {
        ListingError::Invalid(FieldError::new(path, code, zh, en).into())
    }
}

fn require(status: ListingStatus, allowed: &[ListingStatus], action: &'static str) -> Result<(), ListingError> {
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(ListingError::Status { from: status, action })
    }
}

/// What the end of an announcement comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnouncementEnd {
    /// Nobody qualified: the listing lapses.
    Lapsed,
    /// One qualified buyer: a deal at the listing price, now in publicity.
    Deal,
    /// Several: an auction among them, to be opened with these parameters.
    Auction(crate::auction::Auction),
}

impl Listing {
    /// A draft from a validated request and the achievement it lists.
    #[allow(clippy::too_many_arguments)]
    pub fn draft(
        id: ListingId,
        new: NewListing,
        achievement_title: String,
        achievement_summary: &str,
        seller: Party,
        public_institution: bool,
        region: RegionCode,
        counterparty: Option<Party>,
        rules: &ListingRules,
        now: Millis,
    ) -> Result<Listing, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let Err(e) = new.terms.validate(rules) {
            errors.0.extend(e.0);
        }
        let summary = errors.check(text(
            "summary",
            new.summary.as_deref().unwrap_or(""),
            false,
            LISTING_TEXT_MAX,
        ));
        let confidentiality = errors.check(text(
            "confidentiality",
            new.confidentiality.as_deref().unwrap_or(""),
            false,
            LISTING_TEXT_MAX,
        ));
        match (new.terms.mode, &counterparty) {
            (ListingMode::Negotiated, None) => errors.push(FieldError::new(
                "buyer_id",
                "required",
                "协议转让需要指明受让方",
                "a negotiated deal names its buyer",
            )),
            (ListingMode::Negotiated, Some(b)) if b.id == seller.id => errors.push(FieldError::new(
                "buyer_id",
                "buyer_is_seller",
                "受让方不能是转让方自己",
                "the buyer cannot be the seller",
            )),
            (ListingMode::FixedPrice | ListingMode::Auction, Some(_)) => errors.push(FieldError::new(
                "buyer_id",
                "not_for_this_mode",
                "只有协议转让才指明受让方；挂牌与竞价由意向方登记",
                "only a negotiated deal names its buyer; listed buyers register intent",
            )),
            _ => {}
        }
        errors.finish(|| {
            let summary = summary
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| achievement_summary.chars().take(LISTING_TEXT_MAX).collect());
            let confidentiality = confidentiality
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_CONFIDENTIALITY.to_string());
            Listing {
                id,
                version: 1,
                status: ListingStatus::Draft,
                status_reason: None,
                created_at: now,
                updated_at: now,
                achievement_id: new.achievement_id,
                achievement_title,
                seller,
                public_institution,
                region,
                terms: new.terms,
                first_price: None,
                round: 1,
                summary,
                confidentiality,
                counterparty,
                announced_on: None,
                announcement_ends_on: None,
                extensions: Vec::new(),
                due_at: None,
                result: None,
                certificate: None,
                objections: Vec::new(),
            }
        })
    }

    fn next(&self, status: ListingStatus, now: Millis) -> Listing {
        let mut l = self.clone();
        l.status = status;
        l.status_reason = None;
        l.updated_at = now;
        l
    }

    /// The seller sends the draft (or a sent-back listing, revised) to the operators.
    pub fn submit(&self, now: Millis) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Draft, ListingStatus::Rejected], "submit")?;
        Ok(self.next(ListingStatus::Pending, now))
    }

    /// The seller revises the terms of a draft or a sent-back listing.
    pub fn revise(
        &self,
        terms: ListingTerms,
        summary: Option<&str>,
        rules: &ListingRules,
        now: Millis,
    ) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Draft, ListingStatus::Rejected], "revise")?;
        if terms.mode != self.terms.mode {
            return Err(ListingError::field(
                "mode",
                "mode_fixed",
                "挂牌方式创建后不能更改：请撤牌后重新挂牌",
                "the mode cannot change once created: withdraw and list again",
            ));
        }
        terms.validate(rules)?;
        let mut l = self.next(self.status, now);
        l.status_reason = self.status_reason.clone();
        l.terms = terms;
        if let Some(s) = summary {
            let s = text("summary", s, false, LISTING_TEXT_MAX).map_err(ValidationErrors::from)?;
            if !s.is_empty() {
                l.summary = s;
            }
        }
        Ok(l)
    }

    /// The announcement starts today (Beijing) and ends after its working days.
    fn announce(&mut self, calendar: &WorkingCalendar, now: Millis) {
        let today = beijing_date(now);
        let ends = self.terms.announcement_end(calendar, today);
        self.status = ListingStatus::Announced;
        self.announced_on = Some(today);
        self.announcement_ends_on = Some(ends);
        self.extensions.clear();
        self.due_at = Some(end_of_beijing_day(ends));
    }

    /// Publicity of a result for `days`: working days, or calendar days for a public
    /// institution's negotiated price.
    fn publish_result(
        &mut self,
        buyer: Party,
        price: i64,
        basis: DealBasis,
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) {
        let today = beijing_date(now);
        let ends = if basis == DealBasis::Negotiated && self.public_institution {
            today.saturating_add(time::Duration::days(i64::from(rules.negotiated_publicity_days)))
        } else {
            calendar.add_working_days(today, rules.publicity_days)
        };
        self.status = ListingStatus::Publicity;
        self.result = Some(DealResult {
            buyer,
            price,
            basis,
            decided_at: now,
            publicity_ends_on: ends,
        });
        self.due_at = Some(end_of_beijing_day(ends));
    }

    /// An operator approves: the announcement starts (a negotiated deal goes to publicity with
    /// its price).
    pub fn approve(
        &self,
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Pending], "approve")?;
        let mut l = self.next(ListingStatus::Announced, now);
        if l.first_price.is_none() {
            l.first_price = Some(l.terms.price);
        }
        match (self.terms.mode, self.counterparty.clone()) {
            (ListingMode::Negotiated, Some(buyer)) => {
                l.publish_result(buyer, self.terms.price, DealBasis::Negotiated, rules, calendar, now)
            }
            _ => l.announce(calendar, now),
        }
        Ok(l)
    }

    /// An operator sends it back with a reason the seller can act on.
    pub fn reject(&self, reason: &str, now: Millis) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Pending], "reject")?;
        let reason = reason_text(reason)?;
        let mut l = self.next(ListingStatus::Rejected, now);
        l.status_reason = Some(reason);
        Ok(l)
    }

    /// The seller takes it off the market; during the announcement only while no buyer has
    /// qualified (`qualified_buyers`).
    pub fn withdraw(&self, reason: &str, qualified_buyers: usize, now: Millis) -> Result<Listing, ListingError> {
        use ListingStatus::*;
        require(self.status, &[Draft, Pending, Rejected, Announced, Lapsed], "withdraw")?;
        if self.status == Announced && qualified_buyers > 0 {
            return Err(ListingError::field(
                "status",
                "buyers_qualified",
                "已有意向受让方交纳保证金，公告期内不能撤牌",
                "buyers have paid deposits: the listing cannot be withdrawn during the announcement",
            ));
        }
        let reason = reason_text(reason)?;
        let mut l = self.next(Withdrawn, now);
        l.status_reason = Some(reason);
        l.due_at = None;
        Ok(l)
    }

    /// The announcement is extended by `days` working days (at least the rules' minimum).
    pub fn extend(
        &self,
        days: u32,
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Announced], "extend")?;
        check_extension(days, rules).map_err(ValidationErrors::from)?;
        if days > MAX_ANNOUNCEMENT_DAYS {
            return Err(ListingError::field(
                "extension_days",
                "out_of_range",
                format!("一次最多延长 {MAX_ANNOUNCEMENT_DAYS} 个工作日"),
                format!("an extension lasts at most {MAX_ANNOUNCEMENT_DAYS} working days"),
            ));
        }
        let mut l = self.next(ListingStatus::Announced, now);
        let from = self.announcement_ends_on.unwrap_or_else(|| beijing_date(now));
        let ends = calendar.add_working_days(from, days);
        l.announcement_ends_on = Some(ends);
        l.extensions.push(Extension {
            at: now,
            days,
            ends_on: ends,
        });
        l.due_at = Some(end_of_beijing_day(ends));
        Ok(l)
    }

    /// The seller changes the terms during the announcement: the announcement starts again
    /// (SPEC §5: a change of terms restarts the period).
    pub fn change_terms(
        &self,
        terms: ListingTerms,
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Announced], "change_terms")?;
        if terms.mode != self.terms.mode {
            return Err(ListingError::field(
                "mode",
                "mode_fixed",
                "挂牌方式不能更改：请撤牌后重新挂牌",
                "the mode cannot change: withdraw and list again",
            ));
        }
        terms.validate(rules)?;
        let mut l = self.next(ListingStatus::Announced, now);
        l.terms = terms;
        l.announce(calendar, now);
        Ok(l)
    }

    /// The announcement has ended with these qualified buyers: it lapses, makes a deal at the
    /// listing price, or opens an auction among them.
    pub fn end_announcement(
        &self,
        qualified: &[Party],
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) -> Result<(Listing, AnnouncementEnd), ListingError> {
        require(self.status, &[ListingStatus::Announced], "end_announcement")?;
        if self.due_at.is_some_and(|d| now < d) {
            return Err(ListingError::field(
                "status",
                "announcement_running",
                "挂牌公告期尚未届满",
                "the announcement has not ended yet",
            ));
        }
        let mut l = self.next(ListingStatus::Announced, now);
        match qualified {
            [] => {
                l.status = ListingStatus::Lapsed;
                l.status_reason =
                    Some("公告期满，无合格意向受让方 · no qualified buyer by the end of the announcement".into());
                l.due_at = None;
                Ok((l, AnnouncementEnd::Lapsed))
            }
            [one] => {
                l.publish_result(
                    one.clone(),
                    self.terms.price,
                    DealBasis::SoleBuyer,
                    rules,
                    calendar,
                    now,
                );
                Ok((l, AnnouncementEnd::Deal))
            }
            several => {
                let day = calendar.next_working_day(beijing_date(now));
                let opens_at = beijing_time(day, rules.auction_start_minute).max(now);
                let minutes = self.terms.bidding_minutes.unwrap_or(rules.bidding_minutes);
                let auction = crate::auction::Auction {
                    start_price: self.terms.price,
                    increment: self
                        .terms
                        .increment
                        .unwrap_or_else(|| default_increment(self.terms.price)),
                    soft_close_ms: i64::from(self.terms.soft_close_minutes.unwrap_or(rules.soft_close_minutes))
                        * 60_000,
                    opens_at,
                    ends_at: opens_at + i64::from(minutes) * 60_000,
                    seller: self.seller.id,
                    reserve: self.terms.reserve,
                    qualified: several.iter().map(|p| p.id).collect(),
                    bid_count: 0,
                    extensions: 0,
                    leader: None,
                };
                l.status = ListingStatus::Bidding;
                l.due_at = Some(auction.ends_at);
                Ok((l, AnnouncementEnd::Auction(auction)))
            }
        }
    }

    /// The auction has closed: the highest bid at or above the reserve makes the deal (now in
    /// publicity); without one the listing lapses. `winner_name` names the winning bidder.
    pub fn close_auction(
        &self,
        auction: &crate::auction::Auction,
        winner_name: Option<String>,
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Bidding], "close_auction")?;
        if !auction.is_closed(now) {
            return Err(ListingError::field(
                "status",
                "auction_running",
                "竞价尚未结束",
                "the auction has not closed yet",
            ));
        }
        let mut l = self.next(ListingStatus::Bidding, now);
        match auction.winner(now) {
            Some(w) => l.publish_result(
                Party {
                    id: w.bidder,
                    name: winner_name.unwrap_or_default(),
                },
                w.amount,
                DealBasis::Auction,
                rules,
                calendar,
                now,
            ),
            None => {
                l.status = ListingStatus::Lapsed;
                l.status_reason = Some(if auction.bid_count == 0 {
                    "竞价期间无人出价 · no bid during the auction".into()
                } else {
                    "最高出价未达保留价 · the highest bid did not reach the reserve".into()
                });
                l.due_at = None;
            }
        }
        Ok(l)
    }

    /// Objections still waiting for an answer.
    pub fn open_objections(&self) -> usize {
        self.objections.iter().filter(|o| o.answer.is_none()).count()
    }

    /// Anyone signed in files an objection during publicity.
    pub fn object(&self, by: AccountId, text_: &str, now: Millis) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Publicity], "object")?;
        if self.objections.len() >= 200 {
            return Err(ListingError::field(
                "text",
                "too_many",
                "异议已达上限",
                "too many objections",
            ));
        }
        let t = text("text", text_, true, LISTING_TEXT_MAX).map_err(ValidationErrors::from)?;
        let mut l = self.next(ListingStatus::Publicity, now);
        l.objections.push(Objection {
            number: self.objections.len() as u32 + 1,
            filed_at: now,
            filed_by: by,
            text: t,
            answer: None,
            answered_at: None,
            answered_by: None,
        });
        Ok(l)
    }

    /// The seller or an operator answers an objection.
    pub fn answer(&self, number: u32, by: AccountId, answer: &str, now: Millis) -> Result<Listing, ListingError> {
        let a = text("answer", answer, true, LISTING_TEXT_MAX).map_err(ValidationErrors::from)?;
        let mut l = self.next(self.status, now);
        l.status_reason = self.status_reason.clone();
        let Some(o) = l.objections.iter_mut().find(|o| o.number == number) else {
            return Err(ListingError::field(
                "number",
                "not_found",
                format!("没有第 {number} 号异议"),
                format!("there is no objection number {number}"),
            ));
        };
        if o.answer.is_some() {
            return Err(ListingError::field(
                "number",
                "already_answered",
                "该异议已答复",
                "this objection has been answered",
            ));
        }
        o.answer = Some(a);
        o.answered_at = Some(now);
        o.answered_by = Some(by);
        Ok(l)
    }

    /// An operator confirms the deal once its publicity has ended with every objection
    /// answered: the transaction certificate is issued.
    pub fn certify(&self, number: String, by: AccountId, now: Millis) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Publicity], "certify")?;
        if self.due_at.is_some_and(|d| now < d) {
            let ends = self
                .result
                .as_ref()
                .map(|r| r.publicity_ends_on.to_string())
                .unwrap_or_default();
            return Err(ListingError::field(
                "status",
                "publicity_running",
                format!("公示期至 {ends} 结束，届满后方可鉴证"),
                format!("the publicity runs until {ends}; certify after it ends"),
            ));
        }
        if self.open_objections() > 0 {
            return Err(ListingError::field(
                "objections",
                "objections_open",
                format!("还有 {} 条异议未答复", self.open_objections()),
                format!("{} objections are still unanswered", self.open_objections()),
            ));
        }
        let mut l = self.next(ListingStatus::Certified, now);
        l.due_at = None;
        l.certificate = Some(Certificate {
            number,
            issued_at: now,
            issued_by: by,
        });
        Ok(l)
    }

    /// After a lapse, the seller lists again at `price`: down to the rules' floor (90%) of the
    /// first price it is announced at once, lower it goes back to the operators.
    pub fn relist(
        &self,
        price: i64,
        rules: &ListingRules,
        calendar: &WorkingCalendar,
        now: Millis,
    ) -> Result<Listing, ListingError> {
        require(self.status, &[ListingStatus::Lapsed], "relist")?;
        let mut terms = self.terms.clone();
        terms.price = price;
        if let Some(r) = terms.reserve {
            terms.reserve = Some(r.min(price));
        }
        terms.validate(rules)?;
        let mut l = self.next(ListingStatus::Pending, now);
        l.terms = terms;
        l.round = self.round + 1;
        l.result = None;
        let first = self.first_price.unwrap_or(self.terms.price);
        if relisting_needs_approval(first, price, rules) {
            l.due_at = None;
        } else {
            l.announce(calendar, now);
        }
        Ok(l)
    }

    /// What the access rules need: the seller's members own it, its region's operators run it,
    /// the public sees it once announced.
    pub fn scope(&self) -> crate::Scope {
        crate::Scope {
            kind: crate::RecordKind::Listing,
            owners: vec![self.seller.id],
            person: None,
            region: Some(self.region),
            public: self.status.is_public(),
        }
    }

    /// The deposit a buyer pays to qualify in the current round.
    pub fn deposit(&self) -> i64 {
        self.terms.deposit
    }

    /// Whether buyers may register intent now.
    pub fn takes_intents(&self) -> bool {
        self.status == ListingStatus::Announced
    }
}

/// A reason an operator or the seller gives: required, at most 2,000 characters.
fn reason_text(reason: &str) -> Result<String, ListingError> {
    Ok(text("reason", reason, true, 2000).map_err(ValidationErrors::from)?)
}

/// The increment of an auction that a fixed-price listing's several buyers go to: 1% of the
/// price in whole thousands of yuan (at least 1,000 yuan, or the price itself when smaller).
pub fn default_increment(price: i64) -> i64 {
    let one_percent = (price / 100 / 1000) * 1000;
    one_percent.max(1000).min(price.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn terms() -> ListingTerms {
        ListingTerms {
            mode: ListingMode::Auction,
            price: 1_000_000,
            reserve: Some(1_000_000),
            increment: Some(50_000),
            deposit: 100_000,
            announcement_days: 20,
            bidding_minutes: None,
            soft_close_minutes: None,
        }
    }

    fn paths(r: Result<(), ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| f.path).collect())
            .unwrap_or_default()
    }

    #[test]
    fn good_terms_pass_and_bad_ones_name_each_field() {
        let rules = ListingRules::default();
        assert_eq!(terms().validate(&rules), Ok(()));
        let bad = ListingTerms {
            price: 0,
            reserve: Some(-1),
            increment: Some(0),
            deposit: -5,
            announcement_days: 10,
            ..terms()
        };
        assert_eq!(
            paths(bad.validate(&rules)),
            ["price", "deposit", "announcement_days", "increment", "reserve"]
        );
        let no_increment = ListingTerms {
            increment: None,
            ..terms()
        };
        assert_eq!(paths(no_increment.validate(&rules)), ["increment"]);
        let fixed_with_increment = ListingTerms {
            mode: ListingMode::FixedPrice,
            ..terms()
        };
        assert_eq!(paths(fixed_with_increment.validate(&rules)), ["increment", "reserve"]);
        let huge = ListingTerms {
            price: MAX_YUAN + 1,
            ..terms()
        };
        assert_eq!(paths(huge.validate(&rules)), ["price"]);
    }

    #[test]
    fn the_announcement_counts_working_days() {
        let t = terms();
        let cal = WorkingCalendar::china();
        assert_eq!(t.announcement_end(&cal, date!(2026 - 09 - 18)), date!(2026 - 10 - 22));
        assert!(check_extension(5, &ListingRules::default()).is_ok());
        assert_eq!(
            check_extension(4, &ListingRules::default()).unwrap_err().path,
            "extension_days"
        );
    }

    #[test]
    fn a_relisting_may_go_down_to_ninety_percent() {
        let rules = ListingRules::default();
        assert!(!relisting_needs_approval(1_000_000, 900_000, &rules));
        assert!(relisting_needs_approval(1_000_000, 899_999, &rules));
        assert!(!relisting_needs_approval(MAX_YUAN, MAX_YUAN, &rules));
    }

    #[test]
    fn modes_parse_by_code() {
        for m in ListingMode::ALL {
            assert_eq!(ListingMode::parse(m.code()), Ok(m));
        }
        assert_eq!(ListingMode::parse("lottery").unwrap_err().path, "mode");
    }

    // --- the listing record ---

    fn party(n: u128, name: &str) -> Party {
        Party {
            id: OrganizationId::from_uuid(uuid::Uuid::from_u128(n)),
            name: name.into(),
        }
    }

    fn at(d: Date, minutes: u32) -> Millis {
        beijing_time(d, minutes)
    }

    fn listing(mode: ListingMode, counterparty: Option<Party>) -> Listing {
        let mut t = terms();
        t.mode = mode;
        if mode != ListingMode::Auction {
            t.increment = None;
            t.reserve = None;
        }
        Listing::draft(
            ListingId::new(),
            NewListing {
                achievement_id: AchievementId::new(),
                terms: t,
                summary: None,
                confidentiality: None,
                buyer_id: None,
            },
            "一种玉米秸秆还田技术".into(),
            "摘要",
            party(1, "吉林大学"),
            true,
            "220100".parse().unwrap(),
            counterparty,
            &ListingRules::default(),
            at(date!(2026 - 09 - 17), 600),
        )
        .unwrap()
    }

    fn announced(mode: ListingMode) -> Listing {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let l = listing(mode, None).submit(at(date!(2026 - 09 - 17), 601)).unwrap();
        l.approve(&rules, &cal, at(date!(2026 - 09 - 18), 600)).unwrap()
    }

    #[test]
    fn an_approved_listing_is_announced_for_twenty_working_days() {
        let l = announced(ListingMode::Auction);
        assert_eq!(l.status, ListingStatus::Announced);
        assert_eq!(l.summary, "摘要", "the achievement's summary by default");
        assert_eq!(l.announced_on, Some(date!(2026 - 09 - 18)));
        assert_eq!(
            l.announcement_ends_on,
            Some(date!(2026 - 10 - 22)),
            "past the national day week"
        );
        assert_eq!(l.due_at, Some(end_of_beijing_day(date!(2026 - 10 - 22))));
        assert_eq!(l.first_price, Some(1_000_000));
        // Not before its end.
        let e = l
            .end_announcement(
                &[],
                &ListingRules::default(),
                &WorkingCalendar::china(),
                at(date!(2026 - 10 - 22), 1000),
            )
            .unwrap_err();
        assert!(matches!(e, ListingError::Invalid(_)));
    }

    #[test]
    fn the_end_of_the_announcement_lapses_deals_or_auctions() {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let l = announced(ListingMode::FixedPrice);
        let end = at(date!(2026 - 10 - 23), 0);
        let (none, out) = l.end_announcement(&[], &rules, &cal, end).unwrap();
        assert_eq!((none.status, out), (ListingStatus::Lapsed, AnnouncementEnd::Lapsed));
        let (one, out) = l
            .end_announcement(&[party(7, "长春某企业")], &rules, &cal, end)
            .unwrap();
        assert_eq!(out, AnnouncementEnd::Deal);
        assert_eq!(one.status, ListingStatus::Publicity);
        let r = one.result.clone().unwrap();
        assert_eq!(
            (r.price, r.basis, r.publicity_ends_on),
            (1_000_000, DealBasis::SoleBuyer, date!(2026 - 10 - 30))
        );
        let (bidding, out) = l
            .end_announcement(&[party(7, "甲"), party(8, "乙")], &rules, &cal, end)
            .unwrap();
        assert_eq!(bidding.status, ListingStatus::Bidding);
        let AnnouncementEnd::Auction(a) = out else {
            panic!("{out:?}")
        };
        // Friday 2026-10-23 09:30 Beijing: the next working day after the end's day (the 23rd
        // itself is the day the scheduler ran; the auction starts on the next working day).
        assert_eq!(a.opens_at, at(date!(2026 - 10 - 26), 570));
        assert_eq!(a.ends_at - a.opens_at, 60 * 60_000);
        assert_eq!(a.soft_close_ms, 5 * 60_000);
        assert_eq!((a.start_price, a.increment), (1_000_000, 10_000), "1% of a fixed price");
        assert_eq!(a.qualified.len(), 2);
    }

    #[test]
    fn a_closed_auction_makes_the_highest_bid_the_deal_or_lapses() {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let l = announced(ListingMode::Auction);
        let end = at(date!(2026 - 10 - 23), 0);
        let (bidding, out) = l
            .end_announcement(&[party(7, "甲"), party(8, "乙")], &rules, &cal, end)
            .unwrap();
        let AnnouncementEnd::Auction(mut a) = out else { panic!() };
        assert!(
            bidding.close_auction(&a, None, &rules, &cal, a.opens_at).is_err(),
            "still running"
        );
        let no_bid = bidding.close_auction(&a, None, &rules, &cal, a.ends_at).unwrap();
        assert_eq!(no_bid.status, ListingStatus::Lapsed);
        a.place(a.opens_at + 1, party(8, "乙").id, 1_100_000, "k", None)
            .unwrap();
        let deal = bidding
            .close_auction(&a, Some("乙".into()), &rules, &cal, a.ends_at)
            .unwrap();
        assert_eq!(deal.status, ListingStatus::Publicity);
        let r = deal.result.unwrap();
        assert_eq!(
            (r.buyer.name.as_str(), r.price, r.basis),
            ("乙", 1_100_000, DealBasis::Auction)
        );
    }

    #[test]
    fn certification_waits_for_the_publicity_and_every_objection() {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let l = announced(ListingMode::FixedPrice);
        let (p, _) = l
            .end_announcement(&[party(7, "甲")], &rules, &cal, at(date!(2026 - 10 - 23), 0))
            .unwrap();
        let who = AccountId::new();
        let early = p
            .certify("JYJZ-1".into(), who, at(date!(2026 - 10 - 30), 600))
            .unwrap_err();
        assert!(format!("{early:?}").contains("publicity_running"));
        let objected = p
            .object(who, "  价格明显偏低  ", at(date!(2026 - 10 - 26), 600))
            .unwrap();
        assert_eq!(objected.objections[0].text, "价格明显偏低");
        assert!(p.object(who, " ", 0).is_err(), "an empty objection");
        let after = at(date!(2026 - 10 - 31), 0);
        let e = objected.certify("JYJZ-1".into(), who, after).unwrap_err();
        assert!(format!("{e:?}").contains("objections_open"));
        let answered = objected.answer(1, who, "价格经评估机构评估", after).unwrap();
        assert!(answered.answer(1, who, "again", after).is_err());
        assert!(answered.answer(9, who, "none", after).is_err());
        let done = answered.certify("JYJZ-1".into(), who, after).unwrap();
        assert_eq!(done.status, ListingStatus::Certified);
        assert_eq!(done.certificate.unwrap().number, "JYJZ-1");
    }

    #[test]
    fn a_public_institutions_negotiated_price_is_public_for_fifteen_days() {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let buyer = party(9, "长春某企业");
        assert!(
            Listing::draft(
                ListingId::new(),
                NewListing {
                    achievement_id: AchievementId::new(),
                    terms: ListingTerms {
                        mode: ListingMode::Negotiated,
                        increment: None,
                        reserve: None,
                        ..terms()
                    },
                    summary: None,
                    confidentiality: None,
                    buyer_id: None,
                },
                "t".into(),
                "s",
                party(1, "吉林大学"),
                true,
                "220100".parse().unwrap(),
                None,
                &rules,
                0,
            )
            .is_err(),
            "a negotiated deal names its buyer"
        );
        let l = listing(ListingMode::Negotiated, Some(buyer.clone()))
            .submit(0)
            .unwrap()
            .approve(&rules, &cal, at(date!(2026 - 09 - 18), 600))
            .unwrap();
        assert_eq!(l.status, ListingStatus::Publicity);
        let r = l.result.unwrap();
        assert_eq!((r.buyer, r.basis), (buyer, DealBasis::Negotiated));
        assert_eq!(
            r.publicity_ends_on,
            date!(2026 - 10 - 03),
            "calendar days, holidays included"
        );
    }

    #[test]
    fn extensions_changes_of_terms_and_withdrawal() {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let l = announced(ListingMode::Auction);
        assert!(l.extend(4, &rules, &cal, 0).is_err(), "at least 5 working days");
        let x = l.extend(5, &rules, &cal, at(date!(2026 - 10 - 20), 600)).unwrap();
        assert_eq!(x.announcement_ends_on, Some(date!(2026 - 10 - 29)));
        assert_eq!(x.extensions.len(), 1);
        let mut t = x.terms.clone();
        t.price = 900_000;
        let changed = x
            .change_terms(t.clone(), &rules, &cal, at(date!(2026 - 10 - 20), 600))
            .unwrap();
        assert_eq!(changed.announced_on, Some(date!(2026 - 10 - 20)), "the period restarts");
        assert!(changed.extensions.is_empty());
        t.announcement_days = 10;
        assert!(
            x.change_terms(t, &rules, &cal, 0).is_err(),
            "shorter than the rules allow"
        );
        assert!(l.withdraw("不卖了", 1, 0).is_err(), "a buyer has qualified");
        assert!(l.withdraw(" ", 0, 0).is_err(), "a reason is required");
        assert_eq!(l.withdraw("不卖了", 0, 0).unwrap().status, ListingStatus::Withdrawn);
    }

    #[test]
    fn a_relisting_down_to_ninety_percent_needs_no_new_approval() {
        let rules = ListingRules::default();
        let cal = WorkingCalendar::china();
        let (lapsed, _) = announced(ListingMode::Auction)
            .end_announcement(&[], &rules, &cal, at(date!(2026 - 10 - 23), 0))
            .unwrap();
        let now = at(date!(2026 - 10 - 26), 600);
        let r = lapsed.relist(900_000, &rules, &cal, now).unwrap();
        assert_eq!(
            (r.status, r.round, r.terms.price),
            (ListingStatus::Announced, 2, 900_000)
        );
        assert_eq!(r.terms.reserve, Some(900_000), "the reserve follows the price down");
        let r = lapsed.relist(899_999, &rules, &cal, now).unwrap();
        assert_eq!(r.status, ListingStatus::Pending, "below 90% goes back to the operators");
        assert_eq!(
            r.clone().submit(now).unwrap_err(),
            ListingError::Status {
                from: ListingStatus::Pending,
                action: "submit"
            }
        );
        assert!(lapsed.relist(0, &rules, &cal, now).is_err());
        assert!(
            announced(ListingMode::Auction)
                .relist(900_000, &rules, &cal, now)
                .is_err()
        );
    }
}
