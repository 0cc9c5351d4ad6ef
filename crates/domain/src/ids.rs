//! Newtype ids: an `AchievementId` cannot be passed where a `DemandId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An organization of the directory (university, institute, enterprise, …).
    OrganizationId
);
id_type!(
    /// A listed expert (专家).
    ExpertId
);
id_type!(
    /// A technology broker (技术经纪人).
    BrokerId
);
id_type!(
    /// A scientific and technological achievement (科技成果).
    AchievementId
);
id_type!(
    /// An enterprise technology demand (企业技术需求).
    DemandId
);
id_type!(
    /// A user account (a person who signs in).
    AccountId
);
id_type!(
    /// A docking record (对接记录): one demand and one provider brought together.
    DockingId
);
id_type!(
    /// Feedback on one match (匹配反馈): useful or not, and why.
    MatchFeedbackId
);
id_type!(
    /// A listing (挂牌): an achievement offered for sale under stated terms.
    ListingId
);
id_type!(
    /// A buyer's registered intent on a listing (意向受让登记), with its deposit.
    IntentId
);
id_type!(
    /// An in-app notification to an organization's members.
    NotificationId
);
id_type!(
    /// A confidential document of a listing's deal room.
    DocumentId
);
id_type!(
    /// A technology contract submitted for registration (技术合同认定登记).
    ContractId
);
