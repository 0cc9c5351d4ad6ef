//! techmarket's domain: the records of a technology market and the rules they obey.
//!
//! Pure types and rules — no IO, no async. Storage, search and HTTP build on these.

pub mod error;
pub mod ids;
pub mod money;
pub mod standards;

pub use error::{FieldError, Lang, ValidationErrors};
pub use ids::*;
pub use money::Yuan;
pub mod access;
pub mod account;
pub mod achievement;
pub mod auction;
pub mod calendar;
pub mod common;
pub mod contract;
pub mod contract_rules;
pub mod deal_room;
pub mod demand;
pub mod directory;
pub mod docking;
pub mod intent;
pub mod lifecycle;
pub mod listing;
pub mod notification;

pub use access::{Principal, Scope, Subject, Verb, may};
pub use account::{Account, AccountAction, AccountFields, AccountStatus, Role};
pub use achievement::{Achievement, AchievementAction, AchievementFields, AchievementStatus, Holder};
pub use auction::{Auction, Bid, BidError, BidOutcome};
pub use calendar::WorkingCalendar;
pub use common::{Actor, Contact, HolderType, Millis, RecordKind, TransferMode, now_millis};
pub use deal_room::{DocumentMeta, DocumentRules, DocumentType};
pub use demand::{Challenge, Demand, DemandAction, DemandFields, DemandStatus, Enterprise};
pub use directory::{
    Broker, BrokerFields, BrokerLevel, Expert, ExpertFields, OrgKind, OrgTag, Organization, OrganizationAction,
    OrganizationFields, OrganizationStatus, PersonAction, PersonStatus,
};
pub use docking::{
    Docking, DockingAction, DockingEntry, DockingError, DockingStatus, FeedbackReason, MatchFeedback, MatchParties,
    NewDocking, NewMatchFeedback,
};
pub use intent::{Intent, IntentStatus};
pub use lifecycle::{Action, IllegalTransition, Status};
pub use listing::{
    AnnouncementEnd, Listing, ListingError, ListingMode, ListingRules, ListingStatus, ListingTerms, NewListing, Party,
};
pub use notification::{Notification, NotificationKind};
