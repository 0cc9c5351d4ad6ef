//! Docking (对接, C5): what follows a match — a record that walks recommended → contacted →
//! negotiating → signed or failed, with a timeline of notes, crediting the broker who ran it —
//! and the feedback an enterprise gives on a match (匹配反馈), which goes back to the lister.

use crate::access::Scope;
use crate::common::{Millis, RecordKind, text_list};
use crate::error::{FieldError, ValidationErrors, text};
use crate::ids::{AccountId, AchievementId, BrokerId, DemandId, DockingId, ExpertId, MatchFeedbackId, OrganizationId};
use crate::lifecycle::{IllegalTransition, action_enum, status_enum, transition};
use crate::standards::RegionCode;
use serde::{Deserialize, Serialize};

/// The longest note of a timeline, in characters.
pub const NOTE_MAX: usize = 2000;
/// The most entries a timeline takes: a docking is a conversation, not a chat log.
pub const TIMELINE_MAX: usize = 500;
/// The longest free text of a feedback, in characters.
pub const FEEDBACK_TEXT_MAX: usize = 1000;

status_enum!(
    /// recommended → contacted → negotiating → signed, or failed on the way (and reopened).
    DockingStatus {
        /// 已推荐: the match was put forward; nobody has been in touch yet.
        Recommended = "recommended" / "已推荐",
        /// 已联系: the parties (or their broker) have been in touch.
        Contacted = "contacted" / "已联系",
        /// 洽谈中: terms are being discussed.
        Negotiating = "negotiating" / "洽谈中",
        /// 已签约: a contract was signed — the deal the broker is credited with. Final.
        Signed = "signed" / "已签约",
        /// 对接失败: talks ended without a deal; the reason is recorded.
        Failed = "failed" / "对接失败",
    }
);

action_enum!(
    DockingAction: DockingStatus {
        Contact = "contact" / "已联系",
        Negotiate = "negotiate" / "进入洽谈",
        Sign = "sign" / "签约",
        Fail = "fail" / "对接失败",
        /// Talks resume after a failure: the parties are in touch again.
        Reopen = "reopen" / "重新对接",
    }
    targets(a, from) {
        use DockingStatus::*;
        match (a, from) {
            (Self::Contact, Recommended) => Some(Contacted),
            (Self::Negotiate, Contacted) => Some(Negotiating),
            (Self::Sign, Negotiating) => Some(Signed),
            (Self::Fail, Recommended | Contacted | Negotiating) => Some(Failed),
            (Self::Reopen, Failed) => Some(Contacted),
            _ => None,
        }
    }
    reason(a) { matches!(a, Self::Fail) }
);

impl DockingStatus {
    /// Still under way: not signed, not failed.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Signed | Self::Failed)
    }
}

/// The two sides of a match as they were when the record was made: ids for queries, titles and
/// names for lists, organizations and region for the access rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchParties {
    pub demand_id: DemandId,
    pub demand_title: String,
    /// The enterprise that posted the demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<OrganizationId>,
    pub enterprise_name: String,
    /// The achievement on the supply side …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_id: Option<AchievementId>,
    /// … or the expert (exactly one of the two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert_id: Option<ExpertId>,
    /// The achievement's title or the expert's name.
    pub target_title: String,
    /// The supply side's organization (the lister): the achievement's holder, the expert's
    /// organization. None for an achievement held by a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<OrganizationId>,
    pub provider_name: String,
    /// The demand's region: its operators look after the record.
    pub region: RegionCode,
}

impl MatchParties {
    /// The organizations whose members see the record: the enterprise and the provider.
    pub fn owners(&self) -> Vec<OrganizationId> {
        let mut out: Vec<OrganizationId> = self.enterprise_id.into_iter().collect();
        if let Some(p) = self.provider_id
            && !out.contains(&p)
        {
            out.push(p);
        }
        out
    }
}

/// A match has one demand and exactly one supply side: an achievement or an expert.
pub fn check_target(achievement_id: Option<AchievementId>, expert_id: Option<ExpertId>) -> Result<(), FieldError> {
    match (achievement_id, expert_id) {
        (Some(_), None) | (None, Some(_)) => Ok(()),
        (None, None) => Err(FieldError::new(
            "achievement_id",
            "match_target_required",
            "achievement_id 或 expert_id 必须填写其中一个",
            "one of achievement_id and expert_id is required",
        )),
        (Some(_), Some(_)) => Err(FieldError::new(
            "expert_id",
            "match_target_ambiguous",
            "achievement_id 与 expert_id 只能填写一个：一条记录对应一项成果或一位专家",
            "give achievement_id or expert_id, not both: a record pairs a demand with one achievement or one expert",
        )),
    }
}

/// A match score as the matcher gives it: a finite number in [0, 1].
fn check_score(score: Option<f64>) -> Result<Option<f64>, FieldError> {
    match score {
        Some(s) if !s.is_finite() || !(0.0..=1.0).contains(&s) => Err(FieldError::new(
            "score",
            "score_out_of_range",
            format!("score 应在 0 到 1 之间（收到 {s}）"),
            format!("score must be between 0 and 1 (got {s})"),
        )),
        s => Ok(s),
    }
}

/// An optional free text: trimmed, empty is none, at most `max` characters.
fn optional_text(path: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value {
        None => Ok(None),
        Some(v) => text(path, v, false, max).map(|t| (!t.is_empty()).then_some(t)),
    }
}

/// What a member, broker or operator gives to open a docking from a match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDocking {
    pub demand_id: DemandId,
    #[serde(default)]
    pub achievement_id: Option<AchievementId>,
    #[serde(default)]
    pub expert_id: Option<ExpertId>,
    /// The match's score when the docking was opened (none when opened without a match).
    #[serde(default)]
    pub score: Option<f64>,
    /// The match's reasons when the docking was opened, as the user read them.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The broker credited with the docking.
    #[serde(default)]
    pub broker_id: Option<BrokerId>,
    /// A first note for the timeline.
    #[serde(default)]
    pub note: Option<String>,
}

impl NewDocking {
    /// The request checked and cleaned (texts trimmed, empty reasons dropped), or every problem.
    pub fn validate(self) -> Result<NewDocking, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_target(self.achievement_id, self.expert_id));
        let score = errors.check(check_score(self.score)).flatten();
        let reasons = errors.check(text_list("reasons", &self.reasons, 20, 200));
        let note = errors
            .check(optional_text("note", self.note.as_deref(), NOTE_MAX))
            .flatten();
        errors.finish(|| NewDocking {
            score,
            reasons: reasons.unwrap_or_default(),
            note,
            ..self
        })
    }
}

/// One entry of a docking's timeline: a note, or a step of the pipeline with its note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DockingEntry {
    pub at: Millis,
    /// The account that wrote it.
    pub by: AccountId,
    /// The step this entry records; none for a plain note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<DockingAction>,
    /// The docking's status once the entry was written.
    pub status: DockingStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Why a docking refused a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockingError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
}

/// A docking record (对接记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Docking {
    pub id: DockingId,
    pub version: i64,
    pub status: DockingStatus,
    /// Why it failed, while it is failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// When it was signed: the date of the deal the broker is credited with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<Millis>,
    /// The account that opened it.
    pub opened_by: AccountId,
    #[serde(flatten)]
    pub parties: MatchParties,
    /// The match's score at opening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The match's reasons at opening.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The credited broker (技术经纪人).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_id: Option<BrokerId>,
    /// Notes and steps, oldest first. Append-only.
    #[serde(default)]
    pub timeline: Vec<DockingEntry>,
}

impl Docking {
    /// A new docking, recommended, from a validated request and the parties it names.
    pub fn open(id: DockingId, new: NewDocking, parties: MatchParties, opened_by: AccountId, now: Millis) -> Docking {
        let timeline = new
            .note
            .map(|text| DockingEntry {
                at: now,
                by: opened_by,
                action: None,
                status: DockingStatus::Recommended,
                text: Some(text),
            })
            .into_iter()
            .collect();
        Docking {
            id,
            version: 1,
            status: DockingStatus::Recommended,
            status_reason: None,
            created_at: now,
            updated_at: now,
            signed_at: None,
            opened_by,
            parties,
            score: new.score,
            reasons: new.reasons,
            broker_id: new.broker_id,
            timeline,
        }
    }

    fn check_room(&self) -> Result<(), FieldError> {
        if self.timeline.len() >= TIMELINE_MAX {
            return Err(FieldError::new(
                "note",
                "timeline_full",
                format!("对接记录最多 {TIMELINE_MAX} 条备注，已满"),
                format!("a docking takes at most {TIMELINE_MAX} timeline entries; this one is full"),
            ));
        }
        Ok(())
    }

    /// This docking with `action` taken by `by` at `now`, its note in the timeline. Failing
    /// needs a note (the reason). The version is the caller's to bump.
    pub fn act(
        &self,
        action: DockingAction,
        by: AccountId,
        note: Option<&str>,
        now: Millis,
    ) -> Result<Docking, DockingError> {
        let note = optional_text("note", note, NOTE_MAX).map_err(ValidationErrors::from)?;
        if action == DockingAction::Fail && note.is_none() {
            return Err(ValidationErrors::from(FieldError::new(
                "note",
                "reason_required",
                "「对接失败」需要在备注中写明原因",
                "a note giving the reason is required to fail a docking",
            ))
            .into());
        }
        let to = transition(self.status, action)?;
        self.check_room().map_err(ValidationErrors::from)?;
        let mut next = self.clone();
        next.status = to;
        next.status_reason = if to == DockingStatus::Failed {
            note.clone()
        } else {
            None
        };
        if to == DockingStatus::Signed {
            next.signed_at = Some(now);
        }
        next.updated_at = now;
        next.timeline.push(DockingEntry {
            at: now,
            by,
            action: Some(action),
            status: to,
            text: note,
        });
        Ok(next)
    }

    /// This docking with a note appended.
    pub fn with_note(&self, by: AccountId, note: &str, now: Millis) -> Result<Docking, ValidationErrors> {
        let text = text("note", note, true, NOTE_MAX)?;
        self.check_room()?;
        let mut next = self.clone();
        next.updated_at = now;
        next.timeline.push(DockingEntry {
            at: now,
            by,
            action: None,
            status: self.status,
            text: Some(text),
        });
        Ok(next)
    }

    /// When the docking last reached `status` (its opening for `recommended`).
    pub fn reached_at(&self, status: DockingStatus) -> Option<Millis> {
        if status == DockingStatus::Recommended {
            return Some(self.created_at);
        }
        self.timeline
            .iter()
            .rev()
            .find(|e| e.action.is_some() && e.status == status)
            .map(|e| e.at)
    }

    /// What the access rules need to know of it.
    pub fn scope(&self) -> Scope {
        docking_scope(&self.parties, self.broker_id)
    }
}

/// The scope of a docking between `parties` crediting `broker`: members of the enterprise and
/// of the provider, the credited broker, and the operators of the demand's region. Also the
/// scope of a docking about to be opened ([`crate::Verb::Create`]).
pub fn docking_scope(parties: &MatchParties, broker: Option<BrokerId>) -> Scope {
    Scope {
        kind: RecordKind::Docking,
        owners: parties.owners(),
        person: broker.map(|b| b.as_uuid()),
        region: Some(parties.region),
        public: false,
    }
}

/// Why a match was useful or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackReason {
    /// 能解决问题
    SolvesProblem,
    /// 价格过高
    TooExpensive,
    /// 技术不成熟
    Immature,
    /// 领域不符
    WrongField,
    /// 其他 (the text says what)
    Other,
}

impl FeedbackReason {
    pub const ALL: [FeedbackReason; 5] = [
        FeedbackReason::SolvesProblem,
        FeedbackReason::TooExpensive,
        FeedbackReason::Immature,
        FeedbackReason::WrongField,
        FeedbackReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FeedbackReason::SolvesProblem => "solves_problem",
            FeedbackReason::TooExpensive => "too_expensive",
            FeedbackReason::Immature => "immature",
            FeedbackReason::WrongField => "wrong_field",
            FeedbackReason::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FeedbackReason::SolvesProblem => "能解决问题",
            FeedbackReason::TooExpensive => "价格过高",
            FeedbackReason::Immature => "技术不成熟",
            FeedbackReason::WrongField => "领域不符",
            FeedbackReason::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FeedbackReason::SolvesProblem => "solves the problem",
            FeedbackReason::TooExpensive => "too expensive",
            FeedbackReason::Immature => "not mature enough",
            FeedbackReason::WrongField => "wrong field",
            FeedbackReason::Other => "other",
        }
    }

    /// Whether the reason can explain this verdict: a match that solves the problem is not
    /// useless, and one that is too expensive is not useful. `other` explains either.
    pub fn fits(self, useful: bool) -> bool {
        match self {
            FeedbackReason::SolvesProblem => useful,
            FeedbackReason::TooExpensive | FeedbackReason::Immature | FeedbackReason::WrongField => !useful,
            FeedbackReason::Other => true,
        }
    }

    /// Accepts the code or the Chinese label; `path` names the field in the error.
    pub fn parse(path: &str, s: &str) -> Result<FeedbackReason, FieldError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.code() == t || r.label_zh() == t)
            .ok_or_else(|| {
                FieldError::new(
                    path,
                    "reason_unknown",
                    format!("未知的原因「{t}」，可选：solves_problem, too_expensive, immature, wrong_field, other"),
                    format!(
                        "unknown reason `{t}`; expected solves_problem, too_expensive, immature, wrong_field or other"
                    ),
                )
            })
    }
}

/// What an enterprise gives as feedback on one match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMatchFeedback {
    pub demand_id: DemandId,
    #[serde(default)]
    pub achievement_id: Option<AchievementId>,
    #[serde(default)]
    pub expert_id: Option<ExpertId>,
    pub useful: bool,
    pub reason: FeedbackReason,
    #[serde(default)]
    pub text: Option<String>,
    /// The match's score as the user saw it, for the relevance record.
    #[serde(default)]
    pub score: Option<f64>,
}

impl NewMatchFeedback {
    /// The feedback checked and cleaned, or every problem.
    pub fn validate(self) -> Result<NewMatchFeedback, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_target(self.achievement_id, self.expert_id));
        if !self.reason.fits(self.useful) {
            let (zh, en) = if self.useful {
                ("有用", "useful")
            } else {
                ("无用", "not useful")
            };
            errors.push(FieldError::new(
                "reason",
                "reason_contradicts_verdict",
                format!("原因「{}」与评价「{zh}」矛盾", self.reason.label_zh()),
                format!("the reason `{}` contradicts the verdict `{en}`", self.reason.code()),
            ));
        }
        let text = errors
            .check(optional_text("text", self.text.as_deref(), FEEDBACK_TEXT_MAX))
            .flatten();
        if self.reason == FeedbackReason::Other && text.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "text",
                "required",
                "原因为「其他」时，text 为必填项",
                "text is required when the reason is `other`",
            ));
        }
        let score = errors.check(check_score(self.score)).flatten();
        errors.finish(|| NewMatchFeedback { text, score, ..self })
    }
}

/// Feedback on a match (匹配反馈): one account's verdict on one demand–provider pair, given
/// for the demand's enterprise and shown to the provider (the lister). Giving it again
/// revises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchFeedback {
    pub id: MatchFeedbackId,
    pub version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The account that gave it; it gives it for `parties.enterprise_id`.
    pub account_id: AccountId,
    #[serde(flatten)]
    pub parties: MatchParties,
    pub useful: bool,
    pub reason: FeedbackReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl MatchFeedback {
    /// New feedback from a validated request and the parties it names.
    pub fn new(
        id: MatchFeedbackId,
        new: NewMatchFeedback,
        parties: MatchParties,
        account_id: AccountId,
        now: Millis,
    ) -> MatchFeedback {
        MatchFeedback {
            id,
            version: 1,
            created_at: now,
            updated_at: now,
            account_id,
            parties,
            useful: new.useful,
            reason: new.reason,
            text: new.text,
            score: new.score,
        }
    }

    /// This feedback revised by a validated request; none when nothing changes.
    pub fn revised(&self, new: NewMatchFeedback, now: Millis) -> Option<MatchFeedback> {
        let mut next = self.clone();
        next.useful = new.useful;
        next.reason = new.reason;
        next.text = new.text;
        next.score = new.score;
        if next == *self {
            return None;
        }
        next.updated_at = now;
        Some(next)
    }

    /// `useful` or `not_useful`: stored as the record's status, so counts group by it.
    pub fn verdict_code(&self) -> &'static str {
        verdict_code(self.useful)
    }

    pub fn scope(&self) -> Scope {
        feedback_scope(&self.parties, self.account_id)
    }
}

/// `useful` or `not_useful`.
pub fn verdict_code(useful: bool) -> &'static str {
    if useful { "useful" } else { "not_useful" }
}

/// The scope of feedback on a match between `parties` given by `account`: the enterprise
/// (who gives it), the provider (the lister it is shown to), the account itself, the operators
/// of the demand's region.
pub fn feedback_scope(parties: &MatchParties, account: AccountId) -> Scope {
    Scope {
        kind: RecordKind::MatchFeedback,
        owners: parties.owners(),
        person: Some(account.as_uuid()),
        region: Some(parties.region),
        public: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{Action, Status, allowed_actions};
    use uuid::Uuid;

    fn parties() -> MatchParties {
        MatchParties {
            demand_id: DemandId::new(),
            demand_title: "汽车轻量化材料".into(),
            enterprise_id: Some(OrganizationId::new()),
            enterprise_name: "中国第一汽车集团有限公司".into(),
            achievement_id: Some(AchievementId::new()),
            expert_id: None,
            target_title: "高强度镁合金".into(),
            provider_id: Some(OrganizationId::new()),
            provider_name: "吉林大学".into(),
            region: RegionCode::parse("220100").unwrap(),
        }
    }

    fn request() -> NewDocking {
        NewDocking {
            demand_id: DemandId::new(),
            achievement_id: Some(AchievementId::new()),
            expert_id: None,
            score: Some(0.82),
            reasons: vec!["匹配词：镁合金".into(), " ".into()],
            broker_id: None,
            note: Some("  经纪人推荐  ".into()),
        }
    }

    fn codes(e: &ValidationErrors) -> Vec<(&str, &str)> {
        e.0.iter().map(|f| (f.path.as_str(), f.code)).collect()
    }

    fn opened() -> Docking {
        let by = AccountId::new();
        Docking::open(DockingId::new(), request().validate().unwrap(), parties(), by, 1_000)
    }

    #[test]
    fn a_docking_walks_to_signed_with_its_timeline() {
        use DockingAction::*;
        let d = opened();
        assert_eq!(d.status, DockingStatus::Recommended);
        assert_eq!(d.timeline.len(), 1, "the opening note");
        assert_eq!(d.timeline[0].text.as_deref(), Some("经纪人推荐"));
        assert_eq!(d.reasons, ["匹配词：镁合金"], "empty reasons dropped");
        let broker = AccountId::new();
        let d = d.act(Contact, broker, Some("电话联系了技术负责人"), 2_000).unwrap();
        let d = d.with_note(broker, "约定下周到校考察", 2_500).unwrap();
        let d = d.act(Negotiate, broker, None, 3_000).unwrap();
        let d = d.act(Sign, broker, Some("签订技术转让合同"), 4_000).unwrap();
        assert_eq!(d.status, DockingStatus::Signed);
        assert_eq!(d.signed_at, Some(4_000));
        assert_eq!(d.updated_at, 4_000);
        let steps: Vec<(Option<DockingAction>, DockingStatus, Millis)> =
            d.timeline.iter().map(|e| (e.action, e.status, e.at)).collect();
        assert_eq!(
            steps,
            [
                (None, DockingStatus::Recommended, 1_000),
                (Some(Contact), DockingStatus::Contacted, 2_000),
                (None, DockingStatus::Contacted, 2_500),
                (Some(Negotiate), DockingStatus::Negotiating, 3_000),
                (Some(Sign), DockingStatus::Signed, 4_000),
            ]
        );
        assert!(d.timeline.iter().all(|e| e.by == broker || e.at == 1_000));
        assert_eq!(d.reached_at(DockingStatus::Recommended), Some(1_000));
        assert_eq!(d.reached_at(DockingStatus::Negotiating), Some(3_000));
        assert_eq!(d.reached_at(DockingStatus::Failed), None);
        assert!(
            allowed_actions::<DockingAction>(DockingStatus::Signed).is_empty(),
            "signed is final"
        );
        assert_eq!(d.version, 1, "the store bumps the version");
    }

    #[test]
    fn steps_cannot_be_skipped() {
        let d = opened();
        let by = AccountId::new();
        let e = d.act(DockingAction::Sign, by, Some("直接签约"), 2_000).unwrap_err();
        match e {
            DockingError::IllegalTransition(t) => {
                assert_eq!((t.from, t.action), ("recommended", "sign"));
                assert!(t.to_string().contains("已推荐"));
            }
            other => panic!("expected an illegal transition, got {other:?}"),
        }
        assert!(d.act(DockingAction::Negotiate, by, None, 2_000).is_err());
        assert!(d.act(DockingAction::Reopen, by, None, 2_000).is_err());
        assert_eq!(
            allowed_actions::<DockingAction>(DockingStatus::Recommended),
            [DockingAction::Contact, DockingAction::Fail]
        );
    }

    #[test]
    fn failing_needs_a_reason_and_reopening_resumes_contact() {
        let d = opened();
        let by = AccountId::new();
        for note in [None, Some("   ")] {
            match d.act(DockingAction::Fail, by, note, 2_000).unwrap_err() {
                DockingError::Invalid(e) => assert_eq!(codes(&e), [("note", "reason_required")]),
                other => panic!("{other:?}"),
            }
        }
        let failed = d.act(DockingAction::Fail, by, Some("企业预算不足"), 2_000).unwrap();
        assert_eq!(failed.status, DockingStatus::Failed);
        assert_eq!(failed.status_reason.as_deref(), Some("企业预算不足"));
        let back = failed.act(DockingAction::Reopen, by, None, 3_000).unwrap();
        assert_eq!(back.status, DockingStatus::Contacted);
        assert_eq!(back.status_reason, None, "the reason goes with the failure");
        assert_eq!(back.reached_at(DockingStatus::Failed), Some(2_000));
    }

    #[test]
    fn notes_are_required_bounded_and_the_timeline_is_bounded() {
        let d = opened();
        let by = AccountId::new();
        assert_eq!(
            codes(&d.with_note(by, "  ", 2_000).unwrap_err()),
            [("note", "required")]
        );
        let long = "长".repeat(NOTE_MAX + 1);
        assert_eq!(
            codes(&d.with_note(by, &long, 2_000).unwrap_err()),
            [("note", "too_long")]
        );
        match d.act(DockingAction::Contact, by, Some(&long), 2_000).unwrap_err() {
            DockingError::Invalid(e) => assert_eq!(codes(&e), [("note", "too_long")]),
            other => panic!("{other:?}"),
        }
        let mut full = d.clone();
        full.timeline = vec![d.timeline[0].clone(); TIMELINE_MAX];
        assert_eq!(
            codes(&full.with_note(by, "再一条", 2_000).unwrap_err()),
            [("note", "timeline_full")]
        );
    }

    #[test]
    fn opening_needs_one_target_and_a_score_in_range() {
        let both = NewDocking {
            expert_id: Some(ExpertId::new()),
            score: Some(1.5),
            reasons: vec!["理由".repeat(101)],
            ..request()
        };
        let e = both.validate().unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("expert_id", "match_target_ambiguous"),
                ("score", "score_out_of_range"),
                ("reasons[0]", "too_long"),
            ]
        );
        let none = NewDocking {
            achievement_id: None,
            score: Some(f64::NAN),
            ..request()
        };
        assert_eq!(
            codes(&none.validate().unwrap_err()),
            [
                ("achievement_id", "match_target_required"),
                ("score", "score_out_of_range")
            ]
        );
        let e = NewDocking {
            achievement_id: None,
            ..request()
        }
        .validate()
        .unwrap_err();
        assert!(
            e.0[0].zh.contains("achievement_id") && e.0[0].en.contains("expert_id"),
            "{e}"
        );
        let expert = NewDocking {
            achievement_id: None,
            expert_id: Some(ExpertId::new()),
            score: None,
            note: Some("   ".into()),
            ..request()
        }
        .validate()
        .unwrap();
        assert_eq!(expert.note, None, "a blank note is no note");
    }

    #[test]
    fn dockings_are_scoped_to_both_sides_the_broker_and_the_region() {
        let mut d = opened();
        d.broker_id = Some(BrokerId::new());
        let s = d.scope();
        assert_eq!(s.kind, RecordKind::Docking);
        assert_eq!(
            s.owners,
            [d.parties.enterprise_id.unwrap(), d.parties.provider_id.unwrap()]
        );
        assert_eq!(s.person, Some(d.broker_id.unwrap().as_uuid()));
        assert_eq!(s.region.map(|r| r.to_string()).as_deref(), Some("220100"));
        assert!(!s.public);
        let mut same = d.parties.clone();
        same.provider_id = same.enterprise_id;
        assert_eq!(same.owners().len(), 1, "one organization on both sides counts once");
    }

    #[test]
    fn feedback_reasons_must_fit_the_verdict() {
        let good = NewMatchFeedback {
            demand_id: DemandId::new(),
            achievement_id: Some(AchievementId::new()),
            expert_id: None,
            useful: true,
            reason: FeedbackReason::SolvesProblem,
            text: Some("  正是我们需要的  ".into()),
            score: Some(0.7),
        };
        assert_eq!(good.clone().validate().unwrap().text.as_deref(), Some("正是我们需要的"));
        let contradiction = NewMatchFeedback {
            useful: true,
            reason: FeedbackReason::TooExpensive,
            ..good.clone()
        };
        let e = contradiction.validate().unwrap_err();
        assert_eq!(codes(&e), [("reason", "reason_contradicts_verdict")]);
        assert!(e.0[0].zh.contains("价格过高") && e.0[0].en.contains("too_expensive"));
        let other = NewMatchFeedback {
            useful: false,
            reason: FeedbackReason::Other,
            text: None,
            ..good.clone()
        };
        assert_eq!(codes(&other.validate().unwrap_err()), [("text", "required")]);
        let long = NewMatchFeedback {
            text: Some("字".repeat(FEEDBACK_TEXT_MAX + 1)),
            expert_id: Some(ExpertId::new()),
            ..good
        };
        assert_eq!(
            codes(&long.validate().unwrap_err()),
            [("expert_id", "match_target_ambiguous"), ("text", "too_long")]
        );
        for r in FeedbackReason::ALL {
            assert_eq!(FeedbackReason::parse("reason", r.code()), Ok(r));
            assert_eq!(FeedbackReason::parse("reason", r.label_zh()), Ok(r));
            assert!(r.fits(true) || r.fits(false));
        }
        assert_eq!(
            FeedbackReason::parse("reason", "cheap").unwrap_err().code,
            "reason_unknown"
        );
    }

    #[test]
    fn feedback_is_revised_only_when_it_changes() {
        let new = NewMatchFeedback {
            demand_id: DemandId::new(),
            achievement_id: Some(AchievementId::new()),
            expert_id: None,
            useful: false,
            reason: FeedbackReason::Immature,
            text: None,
            score: None,
        };
        let account = AccountId::new();
        let f = MatchFeedback::new(MatchFeedbackId::new(), new.clone(), parties(), account, 1_000);
        assert_eq!(f.verdict_code(), "not_useful");
        assert_eq!(f.revised(new.clone(), 2_000), None);
        let changed = f
            .revised(
                NewMatchFeedback {
                    useful: true,
                    reason: FeedbackReason::SolvesProblem,
                    ..new
                },
                2_000,
            )
            .unwrap();
        assert_eq!(
            (changed.verdict_code(), changed.updated_at, changed.created_at),
            ("useful", 2_000, 1_000)
        );
        assert_eq!(changed.scope().person, Some(account.as_uuid()));
        assert_eq!(changed.scope().kind, RecordKind::MatchFeedback);
    }

    #[test]
    fn codes_round_trip_and_bodies_serialize_flat() {
        for s in DockingStatus::all() {
            assert_eq!(DockingStatus::parse(s.code()), Some(*s));
        }
        for a in DockingAction::all() {
            assert_eq!(DockingAction::parse(a.code()), Some(*a));
        }
        assert!(DockingAction::Fail.needs_reason() && !DockingAction::Sign.needs_reason());
        for k in [RecordKind::Docking, RecordKind::MatchFeedback] {
            assert_eq!(
                RecordKind::parse_any(k.code()),
                Some(k),
                "the event log reads them back"
            );
            assert_eq!(RecordKind::parse(k.code()), None, "not imported or exported");
            assert!(!RecordKind::ALL.contains(&k));
        }
        assert_eq!(RecordKind::MatchFeedback.plural(), "match_feedback");
        let d = opened();
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["status"], "recommended");
        assert_eq!(v["demand_title"], "汽车轻量化材料");
        assert_eq!(v["region"], "220100");
        assert!(v.get("expert_id").is_none());
        let back: Docking = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
        let unknown = serde_json::json!({"demand_id": Uuid::nil(), "achievement": Uuid::nil()});
        assert!(
            serde_json::from_value::<NewDocking>(unknown).is_err(),
            "unknown fields are an error"
        );
    }
}
