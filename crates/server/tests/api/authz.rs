//! The authorization matrix: every route of the OpenAPI document (the route table) × every
//! role — a member of the record's organization and of another, an operator of the record's
//! prefecture, of another prefecture and of the province — is tried against a fresh world, and
//! the answer must be what the matrix below says. A route without an entry fails the test.

use crate::client::{TestServer, account, token_for};
use crate::fixtures;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use techmarket_domain::contract::Contract;
use techmarket_domain::listing::ListingMode;
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{
    Account, AccountId, Achievement, AchievementAction, Actor, Broker, BrokerId, Demand, DemandAction, Docking, Expert,
    ExpertId, Intent, Listing, ListingTerms, NewDocking, NewListing, Organization, OrganizationId, Role,
};
use techmarket_interchange::{records, validate};
use techmarket_server::api::v1::contracts::ContractInput;
use techmarket_store::ListingStep;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Visitor,
    /// A member (and admin) of the organization that owns the target records.
    Member,
    /// A member of another organization.
    OtherMember,
    Broker,
    Expert,
    /// An operator of the prefecture the records are in (长春 220100; records in 220102).
    Operator,
    /// An operator of another prefecture (吉林市 220200).
    OtherOperator,
    /// An operator of the province (220000).
    ProvinceOperator,
    Finance,
    Admin,
}

use Who::*;
const EVERYONE: [Who; 10] = [
    Visitor,
    Member,
    OtherMember,
    Broker,
    Expert,
    Operator,
    OtherOperator,
    ProvinceOperator,
    Finance,
    Admin,
];
const OPERATORS_HERE: &[Who] = &[Operator, ProvinceOperator, Admin];
const OWNER_OR_OPERATORS: &[Who] = &[Member, Operator, ProvinceOperator, Admin];
const DOCKING_PARTIES: &[Who] = &[Member, Broker, Operator, ProvinceOperator, Admin];
const SIGNED_IN: &[Who] = &[
    Member,
    OtherMember,
    Broker,
    Expert,
    Operator,
    OtherOperator,
    ProvinceOperator,
    Finance,
    Admin,
];

/// Who is admitted to each route. Every documented route must be here.
fn matrix(method: &str, path: &str) -> Option<&'static [Who]> {
    Some(match (method, path) {
        ("get", "/healthz" | "/metrics" | "/api/v1/openapi.json" | "/api/v1/stats") => &EVERYONE,
        // Lists are public; what each caller sees in them is tested in `visibility`.
        ("get", "/api/v1/organizations" | "/api/v1/experts" | "/api/v1/brokers") => &EVERYONE,
        ("get", "/api/v1/achievements" | "/api/v1/demands") => &EVERYONE,
        // The targets: a pending organization, draft achievement and demand of the member's
        // organization (hidden from the public), an active expert and broker (public).
        ("get", "/api/v1/organizations/{id}" | "/api/v1/achievements/{id}" | "/api/v1/demands/{id}") => {
            OWNER_OR_OPERATORS
        }
        ("get", "/api/v1/experts/{id}" | "/api/v1/brokers/{id}") => &EVERYONE,
        // Search is public (the index holds only public records); a match is read like its
        // source record (the targets are drafts).
        ("get", "/api/v1/search") => &EVERYONE,
        ("get", "/api/v1/achievements/{id}/matches" | "/api/v1/demands/{id}/matches") => OWNER_OR_OPERATORS,
        ("post", "/api/v1/achievements" | "/api/v1/demands") => OWNER_OR_OPERATORS,
        ("post", "/api/v1/organizations" | "/api/v1/experts" | "/api/v1/brokers") => OPERATORS_HERE,
        ("put", "/api/v1/achievements/{id}" | "/api/v1/demands/{id}" | "/api/v1/organizations/{id}") => {
            OWNER_OR_OPERATORS
        }
        ("put", "/api/v1/experts/{id}") => &[Expert, Operator, ProvinceOperator, Admin],
        ("put", "/api/v1/brokers/{id}") => &[Broker, Operator, ProvinceOperator, Admin],
        // submit (the owner's), approve (an operator's), deactivate (an operator's).
        ("post", "/api/v1/achievements/{id}/transitions" | "/api/v1/demands/{id}/transitions") => OWNER_OR_OPERATORS,
        ("post", "/api/v1/organizations/{id}/transitions") => OPERATORS_HERE,
        ("post", "/api/v1/experts/{id}/transitions" | "/api/v1/brokers/{id}/transitions") => OPERATORS_HERE,
        ("get", "/api/v1/achievements/{id}/history" | "/api/v1/demands/{id}/history") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/organizations/{id}/history") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/experts/{id}/history") => &[Expert, Operator, ProvinceOperator, Admin],
        ("get", "/api/v1/brokers/{id}/history") => &[Broker, Operator, ProvinceOperator, Admin],
        // Signing in: login, logout and one-time links are open; the rest needs an account.
        ("post", "/api/v1/auth/login" | "/api/v1/auth/logout" | "/api/v1/auth/setup") => &EVERYONE,
        ("get", "/api/v1/auth/me" | "/api/v1/auth/tokens") => SIGNED_IN,
        ("post", "/api/v1/auth/password" | "/api/v1/auth/tokens") => SIGNED_IN,
        ("delete", "/api/v1/auth/tokens/{id}") => SIGNED_IN,
        // Accounts: the administrator, and the organization's own admin for its members.
        ("get" | "post", "/api/v1/accounts") => &[Member, Admin],
        ("get", "/api/v1/accounts/{id}") => &[Member, Admin],
        ("post", "/api/v1/accounts/{id}/disable" | "/api/v1/accounts/{id}/enable" | "/api/v1/accounts/{id}/reset") => {
            &[Member, Admin]
        }
        ("get", "/api/v1/audit" | "/api/v1/audit/export") => &[Operator, OtherOperator, ProvinceOperator, Admin],
        // C5 docking: the target docking is between the member's organization (the demand's
        // enterprise) and a third organization (the achievement's holder), in 220102, credited
        // to the broker. Its parties see and run it; everyone else is told it does not exist.
        // A new docking is opened on the member's demand and the member's expert, crediting
        // the broker.
        ("get", "/api/v1/dockings") => &[
            Member,
            OtherMember,
            Broker,
            Operator,
            OtherOperator,
            ProvinceOperator,
            Admin,
        ],
        ("post", "/api/v1/dockings") => DOCKING_PARTIES,
        ("get", "/api/v1/dockings/{id}" | "/api/v1/dockings/{id}/history") => DOCKING_PARTIES,
        ("post", "/api/v1/dockings/{id}/transitions" | "/api/v1/dockings/{id}/notes") => DOCKING_PARTIES,
        ("put", "/api/v1/dockings/{id}/broker") => DOCKING_PARTIES,
        // A broker's counts are public figures (the broker is active).
        ("get", "/api/v1/brokers/{id}/dockings/counts") => &EVERYONE,
        // Feedback on the docking's match: the demand's enterprise gives it, or an operator of
        // the demand's region; lists are for members and operators (filtered by the rules).
        ("post", "/api/v1/match-feedback") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/match-feedback") => &[Member, OtherMember, Operator, OtherOperator, ProvinceOperator, Admin],
        // The lister's view of its (draft) achievement: its organization and its operators.
        ("get", "/api/v1/achievements/{id}/feedback") => OWNER_OR_OPERATORS,
        // C7 listing trading. The target listing is the member's organization's, awaiting
        // approval (hidden from the public): its organization and operators read and run it;
        // the auction and bid routes answer them that it has no auction yet. The target intent
        // is the member's organization's on a third organization's announced listing.
        ("get", "/api/v1/listings" | "/api/v1/certificates/{number}") => &EVERYONE,
        ("post", "/api/v1/listings") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/listings/{id}" | "/api/v1/listings/{id}/history") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/listings/{id}/intents" | "/api/v1/listings/{id}/draft-contract") => OWNER_OR_OPERATORS,
        ("post", "/api/v1/listings/{id}/steps") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/listings/{id}/auction" | "/api/v1/listings/{id}/bids") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/listings/{id}/auction/events") => OWNER_OR_OPERATORS,
        ("put", "/api/v1/listings/{id}/auction") => OPERATORS_HERE,
        // A buyer acts for its own organization: members only.
        ("post", "/api/v1/listings/{id}/intents" | "/api/v1/listings/{id}/bids") => &[Member],
        ("post", "/api/v1/intents/{id}/confidentiality" | "/api/v1/intents/{id}/withdraw") => &[Member],
        ("post", "/api/v1/intents/{id}/deposit") => OPERATORS_HERE,
        // The deal room of the target listing: its organization and operators upload and read
        // (no buyer has accepted its agreement); the rest are refused.
        ("post", "/api/v1/listings/{id}/documents") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/listings/{id}/documents" | "/api/v1/listings/{id}/documents/{doc}") => OWNER_OR_OPERATORS,
        ("get", "/api/v1/notifications") | ("post", "/api/v1/notifications/read") => SIGNED_IN,
        // C8 contract registration. The target contract is the member's organization's,
        // submitted to 长春's office (the seller is in 220102): its organization and the
        // office's operators read and run it; only operators register, reject, amend and
        // cancel. Anyone signed in lists (filtered); a member of any organization starts its
        // own contract, an operator one for their own office. Verification and the
        // statistics are public.
        ("get", "/api/v1/contracts") => SIGNED_IN,
        ("post", "/api/v1/contracts") => &[Member, OtherMember, Operator, ProvinceOperator, Admin],
        ("get" | "put", "/api/v1/contracts/{id}") | ("get", "/api/v1/contracts/{id}/history") => OWNER_OR_OPERATORS,
        ("post", "/api/v1/contracts/{id}/submit" | "/api/v1/contracts/{id}/withdraw") => OWNER_OR_OPERATORS,
        // Its files: read by who reads it; added and removed by who edits it (a submitted
        // contract refuses the change itself with `not_editable`, past the gate).
        ("get", "/api/v1/contracts/{id}/attachments/{file}") => OWNER_OR_OPERATORS,
        ("post", "/api/v1/contracts/{id}/attachments") | ("delete", "/api/v1/contracts/{id}/attachments/{file}") => {
            OWNER_OR_OPERATORS
        }
        (
            "post",
            "/api/v1/contracts/{id}/register"
            | "/api/v1/contracts/{id}/reject"
            | "/api/v1/contracts/{id}/amend"
            | "/api/v1/contracts/{id}/cancel",
        ) => OPERATORS_HERE,
        (
            "get",
            "/api/v1/contract-registrations/{number}"
            | "/api/v1/contract-statistics"
            | "/api/v1/contract-statistics/export",
        ) => &EVERYONE,
        _ => return None,
    })
}

/// The records one request is tried against, made fresh for it.
struct World {
    org: Organization,
    other_org: Organization,
    achievement: Achievement,
    demand: Demand,
    expert: Expert,
    broker: Broker,
    /// An invited member of `org`: the target of the account routes.
    victim: Account,
    /// `org`'s demand, published, and a third organization's achievement, published: the
    /// match of the docking routes.
    published_demand: Demand,
    published_achievement: Achievement,
    /// Opened on that match, credited to `broker`: the target of the docking routes.
    docking: Docking,
    /// `org`'s published achievement and its listing, awaiting approval: the target of the
    /// listing routes.
    listed_achievement: Achievement,
    listing: Listing,
    /// `org`'s intent on the third organization's announced listing of `published_achievement`.
    intent: Intent,
    /// `org`'s technology contract, submitted to 长春's office: the target of the contract routes.
    contract: Contract,
}

static N: AtomicUsize = AtomicUsize::new(0);

fn n() -> usize {
    N.fetch_add(1, Ordering::SeqCst)
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

async fn world(s: &TestServer) -> World {
    let m = s.state.market();
    let regions = s.state.regions();
    let actor = Actor::system("test");
    let i = n();
    let org_record = |name: String| records::OrganizationRecord {
        external_id: String::new(),
        name,
        credit_code: None,
        kind: "enterprise".into(),
        region: "220102".into(),
        tags: vec![],
        description: None,
        address: None,
        website: None,
        contact: None,
    };
    let org_name = format!("长春光电科技有限公司{i}");
    let org_fields = validate::organization(&org_record(org_name.clone()), regions, false).unwrap();
    let org: Organization = m.create(&actor, None, org_fields).await.unwrap();
    let other_fields = validate::organization(&org_record(format!("吉林化工机械有限公司{i}")), regions, false).unwrap();
    let other_org: Organization = m.create(&actor, None, other_fields).await.unwrap();

    let a: records::AchievementRecord =
        serde_json::from_value(with_owner(fixtures::achievement(), "holder", &org_name)).unwrap();
    let achievement: Achievement = m
        .create(&actor, None, validate::achievement(&a, regions).unwrap())
        .await
        .unwrap();
    let d: records::DemandRecord =
        serde_json::from_value(with_owner(fixtures::demand(), "enterprise", &org_name)).unwrap();
    let demand: Demand = m
        .create(&actor, None, validate::demand(&d, regions).unwrap())
        .await
        .unwrap();
    let e: records::ExpertRecord = serde_json::from_value(fixtures::merge(
        fixtures::expert(),
        json!({"organization": org_name, "external_id": format!("E{i}")}),
    ))
    .unwrap();
    let expert: Expert = m
        .create(&actor, None, validate::expert(&e, regions).unwrap())
        .await
        .unwrap();
    let b: records::BrokerRecord = serde_json::from_value(fixtures::merge(
        fixtures::broker(),
        json!({"institution": org_name, "external_id": format!("B{i}")}),
    ))
    .unwrap();
    let broker: Broker = m
        .create(&actor, None, validate::broker(&b, regions).unwrap())
        .await
        .unwrap();
    let victim_fields = techmarket_domain::AccountFields {
        username: format!("victim{i}"),
        display_name: "受测账号".into(),
        role: Role::Member,
        organization_id: Some(org.id),
        org_admin: false,
        region: None,
        broker_id: None,
        expert_id: None,
        email: None,
        phone: None,
    };
    let victim: Account = m.create(&actor, None, victim_fields).await.unwrap();

    let d: records::DemandRecord =
        serde_json::from_value(with_owner(fixtures::demand(), "enterprise", &org_name)).unwrap();
    let published_demand: Demand = m
        .create(&actor, None, validate::demand(&d, regions).unwrap())
        .await
        .unwrap();
    for action in [DemandAction::Submit, DemandAction::Approve] {
        m.transition::<Demand>(&actor, published_demand.id.as_uuid(), None, action, None)
            .await
            .unwrap();
    }
    let a: records::AchievementRecord = serde_json::from_value(with_owner(
        fixtures::achievement(),
        "holder",
        &format!("长白山理工大学{i}"),
    ))
    .unwrap();
    let published_achievement: Achievement = m
        .create(&actor, None, validate::achievement(&a, regions).unwrap())
        .await
        .unwrap();
    for action in [AchievementAction::Submit, AchievementAction::Approve] {
        m.transition::<Achievement>(&actor, published_achievement.id.as_uuid(), None, action, None)
            .await
            .unwrap();
    }
    let docking = m
        .open_docking(
            &actor,
            AccountId::new(),
            NewDocking {
                demand_id: published_demand.id,
                achievement_id: Some(published_achievement.id),
                expert_id: None,
                score: Some(0.8),
                reasons: vec!["匹配词：铸件".into()],
                broker_id: Some(broker.id),
                note: None,
            },
        )
        .await
        .unwrap();
    let a: records::AchievementRecord =
        serde_json::from_value(with_owner(fixtures::achievement(), "holder", &org_name)).unwrap();
    let listed_achievement: Achievement = m
        .create(&actor, None, validate::achievement(&a, regions).unwrap())
        .await
        .unwrap();
    for action in [AchievementAction::Submit, AchievementAction::Approve] {
        m.transition::<Achievement>(&actor, listed_achievement.id.as_uuid(), None, action, None)
            .await
            .unwrap();
    }
    let now = techmarket_domain::now_millis();
    let new_listing = |achievement_id| NewListing {
        achievement_id,
        terms: ListingTerms {
            mode: ListingMode::FixedPrice,
            price: 1_000_000,
            reserve: None,
            increment: None,
            deposit: 0,
            announcement_days: 20,
            bidding_minutes: None,
            soft_close_minutes: None,
        },
        summary: None,
        confidentiality: None,
        buyer_id: None,
    };
    let listing = m
        .create_listing(&actor, new_listing(listed_achievement.id), now)
        .await
        .unwrap();
    let listing = m
        .listing_step(&actor, listing.id, None, AccountId::new(), ListingStep::Submit, now)
        .await
        .unwrap();
    let third = m
        .create_listing(&actor, new_listing(published_achievement.id), now)
        .await
        .unwrap();
    for step in [ListingStep::Submit, ListingStep::Approve] {
        m.listing_step(&actor, third.id, None, AccountId::new(), step, now)
            .await
            .unwrap();
    }
    let intent = m
        .register_intent(&actor, third.id, org.id, AccountId::new(), None, now)
        .await
        .unwrap();
    let input: ContractInput = serde_json::from_value(contract_body(&org_name, i)).unwrap();
    let contract = m
        .create_contract(&actor, Some(org.id), input.fields().unwrap(), now)
        .await
        .unwrap();
    // The signed text, on disk and on the contract, before it is submitted.
    let signed = techmarket_domain::contract::ContractAttachment {
        id: uuid::Uuid::new_v4(),
        file_name: "合同正文.txt".into(),
        size: 12,
        sha256: "00".repeat(32),
        uploaded_at: now,
    };
    let files = s.state.documents();
    std::fs::create_dir_all(files.dir()).unwrap();
    std::fs::write(
        files.path_of(techmarket_domain::DocumentId::from_uuid(signed.id)),
        "技术合同",
    )
    .unwrap();
    m.attach_contract_file(&actor, contract.id, signed, now).await.unwrap();
    let contract = m
        .submit_contract(&actor, contract.id, AccountId::new(), now)
        .await
        .unwrap();
    World {
        contract,
        listed_achievement,
        listing,
        intent,
        org,
        other_org,
        achievement,
        demand,
        expert,
        broker,
        victim,
        published_demand,
        published_achievement,
        docking,
    }
}

/// A transfer contract whose seller is `seller` (in 220102), distinct for each `i`.
fn contract_body(seller: &str, i: usize) -> Value {
    json!({
        "name": format!("秸秆生物炭技术转让合同{i}"),
        "class": "transfer",
        "subclass": "patent_right_transfer",
        "subject": "转让一项秸秆热解制备生物炭的发明专利及其成套工艺包，含技术资料与现场指导",
        "seller": {"name": seller, "credit_code": "12100000400000624D", "kind": "enterprise", "region": "220102"},
        "buyer": {"name": "深圳绿源环保科技有限公司", "credit_code": "914403001922038216", "kind": "enterprise", "region": "440300"},
        "contract_amount": 1_000_000 + i as i64,
        "payments": [{"due_on": "2026-04-01", "amount": 1_000_000 + i as i64}],
        "signed_on": "2026-03-18",
        "technical_field": "new_materials",
        "ip_type": "invention_patent",
        "patents": ["ZL201811564288.X"],
        "social_objective": "environment",
        "plan_source": "none",
        "industry": "N",
        "expected_investment": 5000000,
        "expected_output": 20000000
    })
}

/// A registered contract's number (anyone may verify it).
async fn registered(s: &TestServer) -> String {
    let m = s.state.market();
    let actor = Actor::system("test");
    let i = n();
    let input: ContractInput = serde_json::from_value(contract_body(&format!("登记测试大学{i}"), i)).unwrap();
    let now = techmarket_domain::now_millis();
    let c = m
        .create_contract(&actor, None, input.fields().unwrap(), now)
        .await
        .unwrap();
    let c = m.submit_contract(&actor, c.id, AccountId::new(), now).await.unwrap();
    let today = techmarket_domain::calendar::beijing_date(now);
    let c = m
        .register_contract(&actor, c.id, AccountId::new(), today, now)
        .await
        .unwrap();
    c.registration.unwrap().number
}

fn with_owner(mut v: Value, key: &str, name: &str) -> Value {
    v[key] = json!({"name": name});
    v["external_id"] = json!(format!("X{}", n()));
    v["region"] = json!("220102");
    v
}

/// A token of an account playing `who` in `w`, or `None` for a visitor.
async fn caller(s: &TestServer, who: Who, w: &World) -> Option<String> {
    let i = n();
    let name = format!("{who:?}{i}").to_lowercase();
    let org: OrganizationId = w.org.id;
    let other: OrganizationId = w.other_org.id;
    let expert: ExpertId = w.expert.id;
    let broker: BrokerId = w.broker.id;
    let a = match who {
        Visitor => return None,
        Member => {
            account(&s.state, &name, Role::Member, |f| {
                f.organization_id = Some(org);
                f.org_admin = true;
            })
            .await
        }
        OtherMember => account(&s.state, &name, Role::Member, |f| f.organization_id = Some(other)).await,
        Broker => account(&s.state, &name, Role::Broker, |f| f.broker_id = Some(broker)).await,
        Expert => account(&s.state, &name, Role::Expert, |f| f.expert_id = Some(expert)).await,
        Operator => account(&s.state, &name, Role::Operator, |f| f.region = Some(region("220100"))).await,
        OtherOperator => account(&s.state, &name, Role::Operator, |f| f.region = Some(region("220200"))).await,
        ProvinceOperator => account(&s.state, &name, Role::Operator, |f| f.region = Some(region("220000"))).await,
        Finance => account(&s.state, &name, Role::Finance, |f| f.organization_id = Some(other)).await,
        Admin => account(&s.state, &name, Role::Admin, |_| {}).await,
    };
    Some(token_for(&s.state, &a).await)
}

/// The request for a route against the world: its path and a plausible body.
async fn request(
    s: &TestServer,
    method: &str,
    template: &str,
    w: &World,
    token: Option<&str>,
) -> (String, Option<Value>) {
    let org_name = w.org.fields.name.clone();
    let kind = template.split('/').nth(3).unwrap_or("");
    let id = match kind {
        "organizations" => w.org.id.to_string(),
        "achievements" => w.achievement.id.to_string(),
        "demands" => w.demand.id.to_string(),
        "experts" => w.expert.id.to_string(),
        "brokers" => w.broker.id.to_string(),
        "accounts" => w.victim.id.to_string(),
        "dockings" => w.docking.id.to_string(),
        "listings" => w.listing.id.to_string(),
        "intents" => w.intent.id.to_string(),
        "contracts" => w.contract.id.to_string(),
        "contract-registrations" => {
            return (format!("/api/v1/contract-registrations/{}", registered(s).await), None);
        }
        "certificates" => return (format!("/api/v1/certificates/{}", certified(s).await), None),
        "auth" => match token {
            // The caller's own second token.
            Some(t) => {
                let mine = s
                    .state
                    .accounts()
                    .authenticate(t, techmarket_domain::now_millis())
                    .await
                    .unwrap()
                    .unwrap();
                s.state
                    .accounts()
                    .create_token(mine.account.id, "second", None)
                    .await
                    .unwrap()
                    .0
                    .id
                    .to_string()
            }
            None => uuid::Uuid::now_v7().to_string(),
        },
        _ => String::new(),
    };
    let mut path = template.replace("{id}", &id);
    if template.contains("{doc}") {
        // A document of the target listing's deal room, put there by the administrator.
        let (ct, file) = crate::deal_room::multipart(&[("file", Some("说明.txt"), "技术说明".as_bytes())]);
        let doc = s
            .send(
                s.http
                    .post(s.url(&format!("/api/v1/listings/{}/documents", w.listing.id)))
                    .header("content-type", ct)
                    .body(file),
            )
            .await
            .ok(201);
        path = path.replace("{doc}", doc["id"].as_str().unwrap());
    }
    if template.contains("{file}") {
        // The signed text of the target contract.
        let file = w.contract.fields.attachments[0].id.to_string();
        path = path.replace("{file}", &file);
    }
    let i = n();
    let body = match (method, template) {
        ("post", "/api/v1/achievements") | ("put", "/api/v1/achievements/{id}") => {
            Some(with_owner(fixtures::achievement(), "holder", &org_name))
        }
        ("post", "/api/v1/demands") | ("put", "/api/v1/demands/{id}") => {
            Some(with_owner(fixtures::demand(), "enterprise", &org_name))
        }
        ("post", "/api/v1/organizations") => Some(fixtures::merge(
            fixtures::organization(&format!("新注册企业{i}")),
            json!({"region": "220102", "credit_code": null}),
        )),
        ("put", "/api/v1/organizations/{id}") => Some(fixtures::merge(
            fixtures::organization(&org_name),
            json!({"region": "220102", "credit_code": null}),
        )),
        ("post", "/api/v1/experts") | ("put", "/api/v1/experts/{id}") => {
            Some(fixtures::merge(fixtures::expert(), json!({"organization": org_name})))
        }
        ("post", "/api/v1/brokers") | ("put", "/api/v1/brokers/{id}") => {
            Some(fixtures::merge(fixtures::broker(), json!({"institution": org_name})))
        }
        ("post", "/api/v1/achievements/{id}/transitions" | "/api/v1/demands/{id}/transitions") => {
            Some(json!({"action": "submit"}))
        }
        ("post", "/api/v1/organizations/{id}/transitions") => Some(json!({"action": "approve"})),
        ("post", "/api/v1/experts/{id}/transitions" | "/api/v1/brokers/{id}/transitions") => {
            Some(json!({"action": "deactivate"}))
        }
        ("post", "/api/v1/dockings") => Some(json!({
            "demand_id": w.published_demand.id.to_string(),
            "expert_id": w.expert.id.to_string(),
            "broker_id": w.broker.id.to_string(),
            "score": 0.5
        })),
        ("post", "/api/v1/dockings/{id}/transitions") => Some(json!({"action": "contact"})),
        ("post", "/api/v1/dockings/{id}/notes") => Some(json!({"note": "电话联系了企业"})),
        ("put", "/api/v1/dockings/{id}/broker") => Some(json!({"broker_id": w.broker.id.to_string()})),
        ("post", "/api/v1/listings") => Some(json!({
            "achievement_id": w.listed_achievement.id.to_string(), "mode": "fixed_price", "price": 900_000
        })),
        ("post", "/api/v1/listings/{id}/steps") => Some(json!({"action": "submit"})),
        ("post", "/api/v1/listings/{id}/bids") => Some(json!({"amount": 1_050_000, "idempotency_key": "matrix"})),
        ("put", "/api/v1/listings/{id}/auction") => {
            Some(json!({"opens_at": techmarket_domain::now_millis(), "bidding_minutes": 60}))
        }
        ("post", "/api/v1/match-feedback") => Some(json!({
            "demand_id": w.published_demand.id.to_string(),
            "achievement_id": w.published_achievement.id.to_string(),
            "useful": true,
            "reason": "solves_problem"
        })),
        ("post", "/api/v1/contracts") | ("put", "/api/v1/contracts/{id}") => Some(contract_body(&org_name, i)),
        ("post", "/api/v1/contracts/{id}/reject") => Some(json!({"reasons": [{"message": "标的不清"}]})),
        ("post", "/api/v1/contracts/{id}/amend") => {
            Some(json!({"contract": contract_body(&org_name, i), "reason": "补充协议"}))
        }
        ("post", "/api/v1/contracts/{id}/cancel") => Some(json!({"reason": "合同解除"})),
        ("post", "/api/v1/auth/login") => Some(json!({"username": "nobody", "password": "wrong-password-1"})),
        ("post", "/api/v1/auth/setup") => Some(json!({"token": "tml_unknown", "password": "长白山-天池-2026"})),
        ("post", "/api/v1/auth/password") => {
            Some(json!({"current_password": "not-my-password-1", "new_password": "长白山-天池-2026"}))
        }
        ("post", "/api/v1/auth/tokens") => Some(json!({"label": "matrix"})),
        ("post", "/api/v1/accounts") => Some(json!({
            "username": format!("invitee{i}"), "display_name": "新同事", "role": "member",
            "organization_id": w.org.id.to_string()
        })),
        ("post", "/api/v1/accounts/{id}/disable") => Some(json!({"reason": "离职"})),
        ("post", _) => Some(json!({})),
        _ => None,
    };
    (path, body)
}

/// A certified deal's certificate number (anyone may verify it).
async fn certified(s: &TestServer) -> String {
    let m = s.state.market();
    let actor = Actor::system("test");
    let regions = s.state.regions();
    let i = n();
    let a: records::AchievementRecord = serde_json::from_value(with_owner(
        fixtures::achievement(),
        "holder",
        &format!("鉴证测试大学{i}"),
    ))
    .unwrap();
    let a: Achievement = m
        .create(&actor, None, validate::achievement(&a, regions).unwrap())
        .await
        .unwrap();
    for action in [AchievementAction::Submit, AchievementAction::Approve] {
        m.transition::<Achievement>(&actor, a.id.as_uuid(), None, action, None)
            .await
            .unwrap();
    }
    let buyer: Organization = m
        .create(
            &actor,
            None,
            validate::organization(
                &records::OrganizationRecord {
                    external_id: String::new(),
                    name: format!("鉴证测试企业{i}"),
                    credit_code: None,
                    kind: "enterprise".into(),
                    region: "220102".into(),
                    tags: vec![],
                    description: None,
                    address: None,
                    website: None,
                    contact: None,
                },
                regions,
                false,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let day = 86_400_000;
    let t0 = techmarket_domain::now_millis() - 90 * day;
    let l = m
        .create_listing(
            &actor,
            NewListing {
                achievement_id: a.id,
                terms: ListingTerms {
                    mode: ListingMode::Negotiated,
                    price: 800_000,
                    reserve: None,
                    increment: None,
                    deposit: 0,
                    announcement_days: 20,
                    bidding_minutes: None,
                    soft_close_minutes: None,
                },
                summary: None,
                confidentiality: None,
                buyer_id: Some(buyer.id),
            },
            t0,
        )
        .await
        .unwrap();
    for step in [ListingStep::Submit, ListingStep::Approve] {
        m.listing_step(&actor, l.id, None, AccountId::new(), step, t0)
            .await
            .unwrap();
    }
    let l = m
        .listing_step(
            &actor,
            l.id,
            None,
            AccountId::new(),
            ListingStep::Certify,
            t0 + 30 * day,
        )
        .await
        .unwrap();
    l.certificate.unwrap().number
}

/// Whether the answer refused the caller: not signed in, not allowed, or (for a record they
/// may not see) not found. Anything else — success, a validation error, an illegal
/// transition, wrong credentials at sign-in — got past the gate.
fn refused(status: u16, body: &Value) -> bool {
    let code = body["error"]["code"].as_str().unwrap_or("");
    match status {
        401 => code == "unauthenticated" || code == "invalid_token",
        403 => true,
        404 => code.ends_with("_not_found"),
        _ => false,
    }
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_of_the_matrix() {
    let s = TestServer::start().await;
    let doc = s.get("/api/v1/openapi.json").await.ok(200);
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                routes.push((method.clone(), path.clone()));
            }
        }
    }
    assert!(routes.len() >= 40, "the document lists the routes: {}", routes.len());
    let missing: Vec<String> = routes
        .iter()
        .filter(|(m, p)| matrix(m, p).is_none())
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "routes without a matrix entry: {missing:#?}");

    let mut wrong = Vec::new();
    for (method, template) in &routes {
        let admitted = matrix(method, template).unwrap();
        for who in EVERYONE {
            let w = world(&s).await;
            let token = caller(&s, who, &w).await;
            let (path, body) = request(&s, method, template, &w, token.as_deref()).await;
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut req = s.as_(token.as_deref(), m, &path);
            if method == "post" && (template.ends_with("/documents") || template.ends_with("/attachments")) {
                // An upload is a multipart form.
                let (ct, file) = crate::deal_room::multipart(&[("file", Some("报价.txt"), "报价 100 万元".as_bytes())]);
                req = req.header("content-type", ct).body(file);
            } else if let Some(b) = &body {
                req = req.json(b);
            }
            let answer = s.send(req).await;
            assert!(answer.status < 500, "{method} {path} as {who:?}: {}", answer.text);
            let expected = admitted.contains(&who);
            if refused(answer.status, &answer.body) == expected {
                wrong.push(format!(
                    "{} {template} as {who:?}: expected {}, got {} {}",
                    method.to_uppercase(),
                    if expected { "admitted" } else { "refused" },
                    answer.status,
                    answer.text.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}
