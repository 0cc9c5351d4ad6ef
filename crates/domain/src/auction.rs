//! The auction rules of SPEC §5 (issue 6), as a pure state machine the stores persist and the
//! server drives: ascending bids, each the current price plus a whole multiple of the increment;
//! a valid bid restarts the soft-close countdown; the server's clock decides; the highest bid
//! wins (价格优先、时间优先 — prices strictly increase, so the highest is also the first at its
//! price); a retried request with the same idempotency key is the same bid, not a second; the
//! seller cannot bid; only qualified buyers (deposit confirmed) bid.
//!
//! Every refusal names the field and says what would be accepted, in Chinese and English.

use crate::money::MAX_YUAN;
use crate::{FieldError, Millis, OrganizationId};
use serde::{Deserialize, Serialize};

/// The default soft-close window: five minutes.
pub const SOFT_CLOSE_MS: Millis = 5 * 60 * 1000;

/// The longest idempotency key kept.
pub const MAX_KEY_CHARS: usize = 128;

/// One accepted bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    /// 1, 2, 3 … in the order accepted.
    pub seq: u32,
    /// The buyer organization.
    pub bidder: OrganizationId,
    /// Whole yuan.
    pub amount: i64,
    /// The server's clock when it was accepted (ms since the epoch).
    pub at: Millis,
    /// The client's idempotency key.
    pub key: String,
}

/// An auction among the qualified buyers of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auction {
    /// The listing price: the auction starts here.
    pub start_price: i64,
    pub increment: i64,
    pub soft_close_ms: Millis,
    pub opens_at: Millis,
    /// The deadline now (each valid bid may push it later).
    pub ends_at: Millis,
    pub seller: OrganizationId,
    /// The lowest price the seller accepts (保留价); none: any bid makes a deal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve: Option<i64>,
    /// Buyers whose deposit an operator confirmed.
    pub qualified: Vec<OrganizationId>,
    /// How many bids were accepted.
    pub bid_count: u32,
    /// How many times a late bid moved the deadline (soft close).
    #[serde(default)]
    pub extensions: u32,
    /// The last accepted bid: the highest. The others are kept by the store, not here, so a bid
    /// costs the same however many came before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<Bid>,
}

/// What a bid request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BidOutcome {
    /// A new bid; the deadline after it.
    Accepted { bid: Bid, ends_at: Millis },
    /// The same request again (same bidder, key and amount): the bid it made, nothing new.
    Replayed(Bid),
}

/// Why a bid was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BidError {
    #[error("the auction opens at {opens_at}")]
    NotOpen { opens_at: Millis },
    #[error("the auction closed at {ended_at}")]
    Closed { ended_at: Millis },
    #[error("the seller cannot bid")]
    Seller,
    #[error("not a qualified buyer")]
    NotQualified,
    #[error("the amount must be positive")]
    NotPositive,
    #[error("the amount is above the largest accepted")]
    TooLarge,
    #[error("below the lowest valid bid {lowest}")]
    TooLow { lowest: i64 },
    #[error("not the current price plus a whole multiple of the increment")]
    NotAStep { below: i64, above: i64 },
    #[error("the idempotency key was used for another bid")]
    KeyReused,
    #[error("the idempotency key is empty or too long")]
    BadKey,
}

impl BidError {
    /// The error as a field problem of the request (`amount`, `idempotency_key` or `auction`).
    pub fn field_error(&self, increment: i64) -> FieldError {
        let wan = |y: i64| {
            crate::Yuan::new("amount", y)
                .map(|y| y.display_zh())
                .unwrap_or_else(|_| y.to_string())
        };
        match self {
            BidError::NotOpen { .. } => FieldError::new(
                "auction",
                "auction_not_open",
                "竞价尚未开始",
                "the auction has not opened yet",
            ),
            BidError::Closed { .. } => FieldError::new(
                "auction",
                "auction_closed",
                "竞价已结束，不再接受出价",
                "the auction has closed; no more bids are accepted",
            ),
            BidError::Seller => {
                FieldError::new("bidder", "seller_cannot_bid", "转让方不能出价", "the seller cannot bid")
            }
            BidError::NotQualified => FieldError::new(
                "bidder",
                "not_qualified",
                "只有已登记意向并经确认保证金的受让方可以出价",
                "only buyers whose intent and deposit were confirmed can bid",
            ),
            BidError::NotPositive => FieldError::new(
                "amount",
                "amount_not_positive",
                "出价应为正整数（元）",
                "a bid is a positive whole number of yuan",
            ),
            BidError::TooLarge => FieldError::new(
                "amount",
                "amount_too_large",
                format!("出价不能超过 {}", wan(MAX_YUAN)),
                format!("a bid cannot exceed {MAX_YUAN} yuan"),
            ),
            BidError::TooLow { lowest } => FieldError::new(
                "amount",
                "bid_too_low",
                format!("出价至少为 {}（当前价加一个加价幅度 {}）", wan(*lowest), wan(increment)),
                format!("the lowest valid bid is {lowest} yuan (the current price plus one increment of {increment})"),
            ),
            BidError::NotAStep { below, above } => FieldError::new(
                "amount",
                "bid_not_a_step",
                format!(
                    "出价应为当前价加上加价幅度 {} 的整数倍，如 {} 或 {}",
                    wan(increment),
                    wan(*below),
                    wan(*above)
                ),
                format!(
                    "a bid is the current price plus a whole multiple of the increment {increment}: {below} or {above}, say"
                ),
            ),
            BidError::KeyReused => FieldError::new(
                "idempotency_key",
                "idempotency_key_reused",
                "该幂等键已用于另一笔出价：新的出价请使用新的键",
                "this idempotency key belongs to another bid: use a new key for a new bid",
            ),
            BidError::BadKey => FieldError::new(
                "idempotency_key",
                "idempotency_key_invalid",
                format!("幂等键应为 1 到 {MAX_KEY_CHARS} 个字符"),
                format!("an idempotency key is 1 to {MAX_KEY_CHARS} characters"),
            ),
        }
    }
}

impl Auction {
    /// The price to beat: the last accepted bid, else the listing price.
    pub fn current_price(&self) -> i64 {
        self.leader.as_ref().map_or(self.start_price, |b| b.amount)
    }

    /// The next `n` valid amounts (current price plus 1, 2, … increments).
    pub fn next_amounts(&self, n: usize) -> Vec<i64> {
        let current = self.current_price();
        (1..=n as i64)
            .map_while(|k| {
                current
                    .checked_add(self.increment.checked_mul(k)?)
                    .filter(|a| *a <= MAX_YUAN)
            })
            .collect()
    }

    pub fn is_closed(&self, now: Millis) -> bool {
        now >= self.ends_at
    }

    /// The winning bid once the auction has closed: the highest (prices strictly increase),
    /// if it reaches the reserve.
    pub fn winner(&self, now: Millis) -> Option<&Bid> {
        if !self.is_closed(now) {
            return None;
        }
        self.leader
            .as_ref()
            .filter(|b| self.reserve.is_none_or(|r| b.amount >= r))
    }

    /// Whether the highest bid is below the reserve (the seller is not bound to sell).
    pub fn below_reserve(&self) -> bool {
        self.reserve.is_some_and(|r| self.current_price() < r)
    }

    /// Checks an idempotency key as [`Auction::place`] does: trimmed, 1 to 128 characters.
    pub fn clean_key(key: &str) -> Result<&str, BidError> {
        let key = key.trim();
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(BidError::BadKey);
        }
        Ok(key)
    }

    /// Places a bid at the server's time `now`. `earlier` is the bid this bidder already made
    /// with this idempotency key, if any (the store looks it up by its unique index). A refusal
    /// changes nothing.
    pub fn place(
        &mut self,
        now: Millis,
        bidder: OrganizationId,
        amount: i64,
        key: &str,
        earlier: Option<&Bid>,
    ) -> Result<BidOutcome, BidError> {
        let key = Auction::clean_key(key)?;
        // A retry is answered as the first time, even after the close.
        if let Some(b) = earlier.filter(|b| b.key == key && b.bidder == bidder) {
            return if b.amount == amount {
                Ok(BidOutcome::Replayed(b.clone()))
            } else {
                Err(BidError::KeyReused)
            };
        }
        if now < self.opens_at {
            return Err(BidError::NotOpen {
                opens_at: self.opens_at,
            });
        }
        if self.is_closed(now) {
            return Err(BidError::Closed { ended_at: self.ends_at });
        }
        if bidder == self.seller {
            return Err(BidError::Seller);
        }
        if !self.qualified.contains(&bidder) {
            return Err(BidError::NotQualified);
        }
        if amount <= 0 {
            return Err(BidError::NotPositive);
        }
        if amount > MAX_YUAN {
            return Err(BidError::TooLarge);
        }
        let current = self.current_price();
        let lowest = current.saturating_add(self.increment);
        if amount < lowest {
            return Err(BidError::TooLow { lowest });
        }
        let steps = (amount - current) / self.increment;
        if (amount - current) % self.increment != 0 {
            return Err(BidError::NotAStep {
                below: current + steps * self.increment,
                above: current + (steps + 1) * self.increment,
            });
        }
        let bid = Bid {
            seq: self.bid_count + 1,
            bidder,
            amount,
            at: now,
            key: key.to_string(),
        };
        self.bid_count += 1;
        self.leader = Some(bid.clone());
        // A valid bid restarts the countdown: at least a whole window remains after it.
        let ends_at = self.ends_at.max(now.saturating_add(self.soft_close_ms));
        if ends_at > self.ends_at {
            self.extensions += 1;
            self.ends_at = ends_at;
        }
        Ok(BidOutcome::Accepted {
            bid,
            ends_at: self.ends_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org(n: u8) -> OrganizationId {
        OrganizationId::from_uuid(uuid::Uuid::from_u128(u128::from(n) + 1))
    }

    /// An auction with the bids a store would keep beside it.
    #[derive(Debug, Clone, PartialEq)]
    struct Kept {
        a: Auction,
        bids: Vec<Bid>,
    }

    impl std::ops::Deref for Kept {
        type Target = Auction;
        fn deref(&self) -> &Auction {
            &self.a
        }
    }

    impl Kept {
        fn place(
            &mut self,
            now: Millis,
            bidder: OrganizationId,
            amount: i64,
            key: &str,
        ) -> Result<BidOutcome, BidError> {
            let earlier = self
                .bids
                .iter()
                .find(|b| b.bidder == bidder && b.key == key.trim())
                .cloned();
            let out = self.a.place(now, bidder, amount, key, earlier.as_ref())?;
            if let BidOutcome::Accepted { bid, .. } = &out {
                self.bids.push(bid.clone());
            }
            Ok(out)
        }
    }

    fn auction() -> Kept {
        Kept {
            a: Auction {
                start_price: 1_000_000,
                increment: 50_000,
                soft_close_ms: SOFT_CLOSE_MS,
                opens_at: 1_000,
                ends_at: 1_000 + 3_600_000,
                seller: org(0),
                reserve: None,
                qualified: vec![org(1), org(2), org(3)],
                bid_count: 0,
                extensions: 0,
                leader: None,
            },
            bids: Vec::new(),
        }
    }

    #[test]
    fn below_the_reserve_nobody_wins() {
        let mut a = auction();
        a.a.reserve = Some(1_100_000);
        assert!(a.place(2_000, org(1), 1_050_000, "k").is_ok());
        assert!(a.below_reserve());
        assert_eq!(a.winner(a.ends_at), None);
        assert!(a.place(3_000, org(2), 1_100_000, "k").is_ok());
        assert!(!a.below_reserve());
        assert_eq!(a.winner(a.ends_at).map(|b| b.bidder), Some(org(2)));
    }

    #[test]
    fn a_bid_is_the_current_price_plus_whole_increments() {
        let mut a = auction();
        assert_eq!(a.next_amounts(3), [1_050_000, 1_100_000, 1_150_000]);
        assert_eq!(
            a.place(2_000, org(1), 1_000_000, "k1"),
            Err(BidError::TooLow { lowest: 1_050_000 })
        );
        assert_eq!(
            a.place(2_000, org(1), 1_075_000, "k1"),
            Err(BidError::NotAStep {
                below: 1_050_000,
                above: 1_100_000
            })
        );
        assert!(matches!(
            a.place(2_000, org(1), 1_100_000, "k1"),
            Ok(BidOutcome::Accepted { .. })
        ));
        assert_eq!(a.current_price(), 1_100_000);
        assert_eq!(
            a.place(3_000, org(2), 1_100_000, "k2"),
            Err(BidError::TooLow { lowest: 1_150_000 })
        );
        assert!(a.bids.len() == 1 && a.bid_count == 1, "refusals change nothing");
    }

    #[test]
    fn who_may_bid_and_when() {
        let mut a = auction();
        assert_eq!(
            a.place(999, org(1), 1_050_000, "k"),
            Err(BidError::NotOpen { opens_at: 1_000 })
        );
        assert_eq!(a.place(2_000, org(0), 1_050_000, "k"), Err(BidError::Seller));
        assert_eq!(a.place(2_000, org(9), 1_050_000, "k"), Err(BidError::NotQualified));
        assert_eq!(a.place(2_000, org(1), -5, "k"), Err(BidError::NotPositive));
        assert_eq!(a.place(2_000, org(1), MAX_YUAN + 1, "k"), Err(BidError::TooLarge));
        assert_eq!(a.place(2_000, org(1), 1_050_000, " "), Err(BidError::BadKey));
        let end = a.ends_at;
        assert_eq!(
            a.place(end, org(1), 1_050_000, "k"),
            Err(BidError::Closed { ended_at: end })
        );
        assert!(a.bids.is_empty());
        assert_eq!(a.winner(end), None, "no bid, no winner");
    }

    #[test]
    fn a_late_bid_restarts_the_countdown_and_the_highest_wins() {
        let mut a = auction();
        let end = a.ends_at;
        // Ten minutes before the end: no extension.
        let Ok(BidOutcome::Accepted { ends_at, .. }) = a.place(end - 600_000, org(1), 1_050_000, "a") else {
            panic!()
        };
        assert_eq!(ends_at, end);
        // One minute before: the deadline moves to five minutes after the bid.
        let t = end - 60_000;
        let Ok(BidOutcome::Accepted { ends_at, .. }) = a.place(t, org(2), 1_100_000, "b") else {
            panic!()
        };
        assert_eq!(ends_at, t + SOFT_CLOSE_MS);
        assert_eq!(a.extensions, 1);
        // Past the original end, inside the extension: accepted.
        assert!(a.place(end + 1_000, org(1), 1_200_000, "c").is_ok());
        assert_eq!(a.winner(end + 1_000), None, "still open");
        let closed = a.ends_at;
        assert_eq!(
            a.winner(closed).map(|b| (b.bidder, b.amount)),
            Some((org(1), 1_200_000))
        );
    }

    #[test]
    fn a_retried_request_is_the_same_bid() {
        let mut a = auction();
        let Ok(BidOutcome::Accepted { bid, .. }) = a.place(2_000, org(1), 1_050_000, "retry-me") else {
            panic!()
        };
        assert_eq!(
            a.place(2_500, org(1), 1_050_000, "retry-me"),
            Ok(BidOutcome::Replayed(bid.clone()))
        );
        // Even after the close, a retry gets its answer.
        let end = a.ends_at;
        assert_eq!(
            a.place(end + 1, org(1), 1_050_000, "retry-me"),
            Ok(BidOutcome::Replayed(bid))
        );
        assert_eq!(a.place(3_000, org(1), 1_100_000, "retry-me"), Err(BidError::KeyReused));
        // Another bidder's key is their own.
        assert!(a.place(3_000, org(2), 1_100_000, "retry-me").is_ok());
        assert_eq!(a.bids.len(), 2);
    }

    #[test]
    fn every_refusal_names_its_field_in_both_languages() {
        let errors = [
            BidError::NotOpen { opens_at: 0 },
            BidError::Closed { ended_at: 0 },
            BidError::Seller,
            BidError::NotQualified,
            BidError::NotPositive,
            BidError::TooLarge,
            BidError::TooLow { lowest: 1_050_000 },
            BidError::NotAStep {
                below: 1_050_000,
                above: 1_100_000,
            },
            BidError::KeyReused,
            BidError::BadKey,
        ];
        for e in errors {
            let f = e.field_error(50_000);
            assert!(
                ["auction", "bidder", "amount", "idempotency_key"].contains(&f.path.as_str()),
                "{e:?}"
            );
            assert!(!f.zh.is_empty() && !f.en.is_empty(), "{e:?}");
        }
        let f = BidError::TooLow { lowest: 1_050_000 }.field_error(50_000);
        assert!(f.zh.contains("105万"), "{}", f.zh);
    }

    /// One request of a random bidding session.
    #[derive(Debug, Clone)]
    struct Attempt {
        dt: i64,
        bidder: u8,
        steps: i64,
        offset: i64,
        key: u8,
    }

    fn attempt() -> impl Strategy<Value = Attempt> {
        (
            0i64..400_000,
            0u8..5,
            -1i64..4,
            prop_oneof![Just(0i64), -30_000i64..30_000],
            0u8..12,
        )
            .prop_map(|(dt, bidder, steps, offset, key)| Attempt {
                dt,
                bidder,
                steps,
                offset,
                key,
            })
    }

    proptest! {
        #[test]
        fn the_invariants_hold_whatever_is_sent(attempts in proptest::collection::vec(attempt(), 1..80)) {
            let mut a = auction();
            let mut now = a.opens_at - 10_000;
            let mut acknowledged: Vec<Bid> = Vec::new();
            for t in attempts {
                now += t.dt;
                let amount = a.current_price() + t.steps * a.increment + t.offset;
                let before = a.clone();
                match a.place(now, org(t.bidder), amount, &format!("key-{}", t.key)) {
                    Ok(BidOutcome::Accepted { bid, ends_at }) => {
                        prop_assert!(now < before.ends_at, "accepted only before the close");
                        prop_assert!(bid.amount > before.current_price());
                        prop_assert_eq!((bid.amount - before.current_price()) % a.increment, 0);
                        prop_assert!(ends_at >= now + a.soft_close_ms);
                        prop_assert!(bid.bidder != a.seller);
                        acknowledged.push(bid);
                    }
                    Ok(BidOutcome::Replayed(bid)) => {
                        prop_assert_eq!(&before, &a, "a replay changes nothing");
                        prop_assert!(acknowledged.contains(&bid));
                    }
                    Err(_) => prop_assert_eq!(&before, &a, "a refusal changes nothing"),
                }
            }
            // No acknowledged bid is lost; prices strictly increase by whole increments.
            prop_assert_eq!(&a.bids, &acknowledged);
            prop_assert_eq!(a.bid_count as usize, a.bids.len());
            prop_assert_eq!(a.leader.as_ref(), a.bids.last());
            let mut price = a.start_price;
            for b in &a.bids {
                prop_assert!(b.amount > price);
                prop_assert_eq!((b.amount - price) % a.increment, 0);
                price = b.amount;
            }
            // Exactly one winner once closed (when anyone bid): the highest.
            let closed = a.ends_at;
            match a.winner(closed) {
                Some(w) => prop_assert_eq!(w.amount, a.bids.iter().map(|b| b.amount).max().unwrap_or(0)),
                None => prop_assert!(a.bids.is_empty()),
            }
        }
    }
}
