//! Who may do what (SPEC §1): the one set of rules every route's check comes down to.
//!
//! A request is made by a [`Subject`] (a visitor, or a signed-in account acting in its role);
//! a record shows the rules its [`Scope`] (whose it is, where, whether it is public). The
//! server asks [`may`] before every read, write and lifecycle action — nothing else decides.

use crate::account::Role;
use crate::common::RecordKind;
use crate::ids::{AccountId, BrokerId, ExpertId, OrganizationId};
use crate::standards::RegionCode;
use uuid::Uuid;

/// A signed-in account, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: AccountId,
    pub username: String,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    /// A member who administers its organization's users.
    pub org_admin: bool,
    /// An operator's region.
    pub region: Option<RegionCode>,
    pub broker_id: Option<BrokerId>,
    pub expert_id: Option<ExpertId>,
}

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Not signed in.
    Visitor,
    Account(Principal),
}

impl Subject {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Subject::Visitor => None,
            Subject::Account(p) => Some(p),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.principal().map(|p| p.role)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// An operator whose region covers `region` (a province operator covers its prefectures).
    pub fn operates_in(&self, region: &RegionCode) -> bool {
        match self.principal() {
            Some(p) if p.role == Role::Operator => p.region.is_some_and(|r| r.covers(region)),
            _ => false,
        }
    }

    /// A member of one of `orgs`.
    pub fn member_of(&self, orgs: &[OrganizationId]) -> bool {
        match self.principal() {
            Some(p) if p.role == Role::Member => p.organization_id.is_some_and(|o| orgs.contains(&o)),
            _ => false,
        }
    }

    /// The account that is the record itself (an expert's or a broker's own profile) or
    /// that the record is.
    fn is_person(&self, person: Option<Uuid>) -> bool {
        let (Some(p), Some(person)) = (self.principal(), person) else {
            return false;
        };
        p.broker_id.map(|b| b.as_uuid()) == Some(person)
            || p.expert_id.map(|e| e.as_uuid()) == Some(person)
            || p.account_id.as_uuid() == person
    }
}

/// What the rules need to know of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub kind: RecordKind,
    /// The organizations the record belongs to: an achievement's holder, a demand's
    /// enterprise, an organization itself, an expert's organization, a broker's institution,
    /// an account's organization; both sides of a docking or of a match's feedback.
    pub owners: Vec<OrganizationId>,
    /// The expert, broker or account the record is (their own profile) — or that it is kept
    /// for: a docking's credited broker, the account that gave a match's feedback.
    pub person: Option<Uuid>,
    /// Where the record is; an operator of this region (or of its province) looks after it.
    pub region: Option<RegionCode>,
    /// Whether its status shows it to the public (published, listed, active …).
    pub public: bool,
}

/// What a subject wants to do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// See it at all (lists, details).
    Read,
    /// See its people's phone numbers and e-mail addresses unmasked.
    ReadContacts,
    /// Create it (the scope is the record as it would be).
    Create,
    /// Change its content.
    Edit,
    /// The owner's lifecycle actions: submit, withdraw, reopen, close a demand …
    Manage,
    /// An operator's actions: approve, reject, list, suspend, deactivate …
    Review,
    /// Read its audit trail.
    ReadHistory,
}

impl Verb {
    pub const ALL: [Verb; 7] = [
        Verb::Read,
        Verb::ReadContacts,
        Verb::Create,
        Verb::Edit,
        Verb::Manage,
        Verb::Review,
        Verb::ReadHistory,
    ];
}

/// Whether `subject` may `verb` the record of `scope`.
pub fn may(subject: &Subject, verb: Verb, scope: &Scope) -> bool {
    if subject.is_admin() {
        return true;
    }
    let operator = scope.region.as_ref().is_some_and(|r| subject.operates_in(r));
    // An expert's or a broker's profile is theirs, not their organization's: its members see
    // what the public sees of it.
    let personal = matches!(scope.kind, RecordKind::Expert | RecordKind::Broker);
    let owner = !personal && subject.member_of(&scope.owners);
    let person = subject.is_person(scope.person);
    let kind = scope.kind;
    match verb {
        Verb::Read => scope.public || operator || owner || person,
        Verb::ReadContacts | Verb::ReadHistory => operator || owner || person,
        Verb::Create => match kind {
            // A member publishes for its own organization only.
            RecordKind::Achievement | RecordKind::Demand => operator || owner,
            // Either side opens a docking, or a broker crediting themselves.
            RecordKind::Docking => operator || owner || person,
            // The enterprise gives feedback on its demand's matches (the market checks that
            // the giver is the demand's enterprise, not the provider).
            RecordKind::MatchFeedback => operator || owner,
            RecordKind::Organization | RecordKind::Expert | RecordKind::Broker => operator,
            // A member lists its own organization's achievements; a buyer registers intent for
            // its own organization.
            RecordKind::Listing | RecordKind::Intent => operator || owner,
            // Accounts: an organization's admin invites its own users (as members).
            RecordKind::Account => operator || (owner && is_org_admin(subject)),
            // The seller side drafts its own contracts; an office's operators enter them too.
            RecordKind::Contract => operator || owner,
        },
        Verb::Edit => match kind {
            RecordKind::Achievement | RecordKind::Demand => operator || owner,
            // Notes, and which broker is credited: the docking's parties and its broker.
            RecordKind::Docking => operator || owner || person,
            // Feedback is its giver's to revise.
            RecordKind::MatchFeedback => operator || person,
            RecordKind::Organization => operator || (owner && is_org_admin(subject)),
            RecordKind::Expert | RecordKind::Broker => operator || person,
            RecordKind::Account => operator || person || (owner && is_org_admin(subject)),
            // The seller revises its listing; a buyer accepts the confidentiality agreement.
            RecordKind::Listing | RecordKind::Intent => operator || owner,
            // The applicant revises a draft or a rejected contract; the office amends a registered one.
            RecordKind::Contract => operator || owner,
        },
        Verb::Manage => match kind {
            RecordKind::Achievement | RecordKind::Demand => operator || owner,
            // The pipeline's steps (contact, negotiate, sign, fail, reopen).
            RecordKind::Docking => operator || owner || person,
            RecordKind::Account => operator || (owner && is_org_admin(subject)),
            // The seller's steps (submit, withdraw, extend, relist); a buyer withdraws its intent.
            RecordKind::Listing | RecordKind::Intent => operator || owner,
            // The applicant submits and withdraws.
            RecordKind::Contract => operator || owner,
            _ => operator,
        },
        Verb::Review => operator,
    }
}

fn is_org_admin(subject: &Subject) -> bool {
    subject
        .principal()
        .is_some_and(|p| p.role == Role::Member && p.org_admin)
}

/// Whether a lifecycle action is the owner's to take ([`Verb::Manage`]) or an operator's
/// ([`Verb::Review`]).
pub fn action_verb(kind: RecordKind, action: &str) -> Verb {
    match (kind, action) {
        (RecordKind::Achievement | RecordKind::Demand, "submit" | "withdraw" | "reopen") => Verb::Manage,
        // An enterprise runs its own demand once it is published.
        (RecordKind::Demand, "start_docking" | "stop_docking" | "fulfil" | "close") => Verb::Manage,
        (RecordKind::Account, "disable" | "enable" | "activate") => Verb::Manage,
        // A docking's parties and broker run its pipeline themselves.
        (RecordKind::Docking, _) => Verb::Manage,
        // The applicant submits and withdraws; registering, rejecting, amending and cancelling
        // are the office's.
        (RecordKind::Contract, "submit" | "withdraw") => Verb::Manage,
        _ => Verb::Review,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap()
    }

    fn principal(role: Role) -> Principal {
        Principal {
            account_id: AccountId::from_uuid(Uuid::now_v7()),
            username: "u".into(),
            role,
            organization_id: None,
            org_admin: false,
            region: None,
            broker_id: None,
            expert_id: None,
        }
    }

    fn scope(org: OrganizationId, public: bool) -> Scope {
        Scope {
            kind: RecordKind::Achievement,
            owners: vec![org],
            person: None,
            region: Some(region("220102")),
            public,
        }
    }

    #[test]
    fn operators_act_only_within_their_region() {
        let org = OrganizationId::from_uuid(Uuid::now_v7());
        let s = scope(org, false);
        let op = |code: &str| {
            Subject::Account(Principal {
                region: Some(region(code)),
                ..principal(Role::Operator)
            })
        };
        assert!(
            may(&op("220100"), Verb::Review, &s),
            "the prefecture covers its district"
        );
        assert!(
            may(&op("220000"), Verb::Review, &s),
            "the province covers its prefectures"
        );
        assert!(!may(&op("220200"), Verb::Review, &s), "another prefecture");
        assert!(!may(&op("220200"), Verb::Read, &s));
        assert!(!may(&op("210000"), Verb::Edit, &s), "another province");
    }

    #[test]
    fn members_act_for_their_own_organization_only() {
        let mine = OrganizationId::from_uuid(Uuid::now_v7());
        let theirs = OrganizationId::from_uuid(Uuid::now_v7());
        let me = Subject::Account(Principal {
            organization_id: Some(mine),
            ..principal(Role::Member)
        });
        assert!(may(&me, Verb::Edit, &scope(mine, false)));
        assert!(may(&me, Verb::Manage, &scope(mine, false)));
        assert!(!may(&me, Verb::Review, &scope(mine, false)), "no approving one's own");
        assert!(
            !may(&me, Verb::Read, &scope(theirs, false)),
            "another's draft is invisible"
        );
        assert!(may(&me, Verb::Read, &scope(theirs, true)));
        assert!(!may(&me, Verb::ReadContacts, &scope(theirs, true)));
        assert!(!may(&me, Verb::Edit, &scope(theirs, true)));
    }

    #[test]
    fn visitors_read_public_records_only_and_never_contacts() {
        let org = OrganizationId::from_uuid(Uuid::now_v7());
        for verb in Verb::ALL {
            let public = may(&Subject::Visitor, verb, &scope(org, true));
            assert_eq!(public, verb == Verb::Read, "{verb:?}");
            assert!(!may(&Subject::Visitor, verb, &scope(org, false)), "{verb:?}");
        }
    }

    #[test]
    fn admins_may_everything_and_other_roles_only_read_the_public() {
        let org = OrganizationId::from_uuid(Uuid::now_v7());
        let admin = Subject::Account(principal(Role::Admin));
        for verb in Verb::ALL {
            assert!(may(&admin, verb, &scope(org, false)));
        }
        for role in [Role::Broker, Role::Expert, Role::Finance] {
            let s = Subject::Account(principal(role));
            for verb in Verb::ALL {
                assert_eq!(may(&s, verb, &scope(org, true)), verb == Verb::Read, "{role} {verb:?}");
            }
        }
    }

    #[test]
    fn experts_and_brokers_edit_their_own_profile() {
        let expert = ExpertId::from_uuid(Uuid::now_v7());
        let me = Subject::Account(Principal {
            expert_id: Some(expert),
            ..principal(Role::Expert)
        });
        let profile = Scope {
            kind: RecordKind::Expert,
            owners: vec![],
            person: Some(expert.as_uuid()),
            region: Some(region("220100")),
            public: true,
        };
        assert!(may(&me, Verb::Edit, &profile));
        assert!(!may(&me, Verb::Review, &profile), "not deactivating oneself");
        let other = Scope {
            person: Some(Uuid::now_v7()),
            ..profile
        };
        assert!(!may(&me, Verb::Edit, &other));
    }

    fn docking_scope(enterprise: OrganizationId, provider: OrganizationId, broker: Option<BrokerId>) -> Scope {
        Scope {
            kind: RecordKind::Docking,
            owners: vec![enterprise, provider],
            person: broker.map(|b| b.as_uuid()),
            region: Some(region("220102")),
            public: false,
        }
    }

    #[test]
    fn dockings_are_seen_and_run_by_both_sides_their_broker_and_the_region() {
        let enterprise = OrganizationId::from_uuid(Uuid::now_v7());
        let provider = OrganizationId::from_uuid(Uuid::now_v7());
        let broker = BrokerId::from_uuid(Uuid::now_v7());
        let s = docking_scope(enterprise, provider, Some(broker));
        let member = |org: OrganizationId| {
            Subject::Account(Principal {
                organization_id: Some(org),
                ..principal(Role::Member)
            })
        };
        let broker_of = |b: BrokerId| {
            Subject::Account(Principal {
                broker_id: Some(b),
                ..principal(Role::Broker)
            })
        };
        let op = |code: &str| {
            Subject::Account(Principal {
                region: Some(region(code)),
                ..principal(Role::Operator)
            })
        };
        let insiders = [
            member(enterprise),
            member(provider),
            broker_of(broker),
            op("220100"),
            op("220000"),
            Subject::Account(principal(Role::Admin)),
        ];
        for who in &insiders {
            for verb in [Verb::Read, Verb::ReadHistory, Verb::Create, Verb::Edit, Verb::Manage] {
                assert!(may(who, verb, &s), "{who:?} {verb:?}");
            }
        }
        let outsiders = [
            Subject::Visitor,
            member(OrganizationId::from_uuid(Uuid::now_v7())),
            broker_of(BrokerId::from_uuid(Uuid::now_v7())),
            op("220200"),
            Subject::Account(principal(Role::Expert)),
            Subject::Account(principal(Role::Finance)),
        ];
        for who in &outsiders {
            for verb in Verb::ALL {
                assert!(!may(who, verb, &s), "{who:?} {verb:?}");
            }
        }
        // A broker opens a docking crediting themselves, not another broker.
        assert!(!may(
            &broker_of(broker),
            Verb::Create,
            &docking_scope(enterprise, provider, None)
        ));
        // Only operators review; the pipeline's steps are the parties' own.
        assert!(!may(&member(enterprise), Verb::Review, &s));
        assert!(may(&op("220100"), Verb::Review, &s));
        for action in ["contact", "negotiate", "sign", "fail", "reopen"] {
            assert_eq!(action_verb(RecordKind::Docking, action), Verb::Manage, "{action}");
        }
    }

    #[test]
    fn feedback_is_given_by_the_enterprise_and_revised_by_its_giver_only() {
        let enterprise = OrganizationId::from_uuid(Uuid::now_v7());
        let lister = OrganizationId::from_uuid(Uuid::now_v7());
        let giver = Principal {
            organization_id: Some(enterprise),
            ..principal(Role::Member)
        };
        let colleague = Principal {
            organization_id: Some(enterprise),
            ..principal(Role::Member)
        };
        let listing_member = Principal {
            organization_id: Some(lister),
            ..principal(Role::Member)
        };
        let s = Scope {
            kind: RecordKind::MatchFeedback,
            owners: vec![enterprise, lister],
            person: Some(giver.account_id.as_uuid()),
            region: Some(region("220102")),
            public: false,
        };
        let (giver, colleague, listing_member) = (
            Subject::Account(giver),
            Subject::Account(colleague),
            Subject::Account(listing_member),
        );
        for who in [&giver, &colleague, &listing_member] {
            assert!(may(who, Verb::Read, &s), "both sides read it: {who:?}");
        }
        assert!(may(&giver, Verb::Create, &s));
        assert!(may(&giver, Verb::Edit, &s));
        assert!(!may(&colleague, Verb::Edit, &s), "one's own verdict only");
        assert!(
            !may(&listing_member, Verb::Edit, &s),
            "the lister reads, never rewrites"
        );
        assert!(!may(&giver, Verb::Manage, &s), "feedback has no lifecycle");
        assert!(!may(&Subject::Visitor, Verb::Read, &s));
        let broker = Subject::Account(principal(Role::Broker));
        assert!(!may(&broker, Verb::Read, &s));
    }

    #[test]
    fn contracts_are_the_applicants_and_their_office_regions_and_never_public() {
        let applicant = OrganizationId::from_uuid(Uuid::now_v7());
        let s = Scope {
            kind: RecordKind::Contract,
            owners: vec![applicant],
            person: None,
            region: Some(region("220102")),
            public: false,
        };
        let member = |org: OrganizationId| {
            Subject::Account(Principal {
                organization_id: Some(org),
                ..principal(Role::Member)
            })
        };
        let op = |code: &str| {
            Subject::Account(Principal {
                region: Some(region(code)),
                ..principal(Role::Operator)
            })
        };
        let own = member(applicant);
        for verb in [Verb::Read, Verb::Create, Verb::Edit, Verb::Manage, Verb::ReadHistory] {
            assert!(may(&own, verb, &s), "the applicant may {verb:?}");
        }
        assert!(
            !may(&own, Verb::Review, &s),
            "the applicant does not register its own contract"
        );
        let other = member(OrganizationId::from_uuid(Uuid::now_v7()));
        assert!(!may(&other, Verb::Read, &s));
        for verb in Verb::ALL {
            assert!(may(&op("220000"), verb, &s), "the province's office may {verb:?}");
            assert!(!may(&op("210000"), verb, &s), "another province's may not {verb:?}");
            assert!(!may(&Subject::Visitor, verb, &s), "a visitor may not {verb:?}");
        }
        assert!(may(&Subject::Account(principal(Role::Admin)), Verb::Review, &s));
        assert_eq!(action_verb(RecordKind::Contract, "submit"), Verb::Manage);
        assert_eq!(action_verb(RecordKind::Contract, "withdraw"), Verb::Manage);
        assert_eq!(action_verb(RecordKind::Contract, "register"), Verb::Review);
        assert_eq!(action_verb(RecordKind::Contract, "cancel"), Verb::Review);
    }
}
