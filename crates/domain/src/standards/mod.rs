//! National standards the records obey (SPEC §7): unified social credit codes (GB 32100-2015),
//! Chinese patent application numbers, administrative divisions (GB/T 2260), industries
//! (GB/T 4754-2017) and technology readiness levels (GB/T 22900).
//!
//! Every parser returns a [`FieldError`](crate::error::FieldError) naming the field, with a
//! stable code and a Chinese and an English message.

pub mod credit_code;
pub mod industry;
pub mod patent;
pub mod region;
pub mod trl;

pub use credit_code::CreditCode;
pub use industry::Industry;
pub use patent::{PatentKind, PatentNumber};
pub use region::{Region, RegionCode, RegionLevel, RegionTable};
pub use trl::Trl;
