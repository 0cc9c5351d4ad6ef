//! A listing's terms and the rules they are checked against (SPEC §5, issue 6): the mode, the
//! price (or reserve), the bid increment, the deposit and the announcement period counted in
//! working days ([`crate::calendar`]); the market's defaults are [`ListingRules::default`].

use crate::calendar::WorkingCalendar;
use crate::money::MAX_YUAN;
use crate::{FieldError, ValidationErrors};
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

/// The market's listing rules (SPEC §5 defaults; each configurable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        }
    }
}

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
}
