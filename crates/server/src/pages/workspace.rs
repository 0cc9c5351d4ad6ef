//! `/workspace`: a signed-in account's own pages (issue 5, point 3) — my organization, my
//! achievements and demands by status, publishing and editing them (field errors beside the
//! fields, what was typed kept), submitting for review, my docking records and the match
//! feedback on my achievements.
//!
//! Every write goes through the API's own functions ([`resource::create_record`] and the
//! rest), so a form is checked exactly as a JSON request is.

use super::form::{Builder, FieldExt, Problems, Section, SummaryLine, Typed, split_list, summary, whole_number};
use super::{Ctx, grouped, href};
use crate::AppState;
use crate::api::v1::achievements::AchievementInput;
use crate::api::v1::demands::{ChallengeInput, DemandInput};
use crate::api::v1::resource::{
    self, ContactInput, PartyInput, Resource, TransitionRequest, ViewContext, allowed, check,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use techmarket_domain::access::{Verb, may};
use techmarket_domain::lifecycle::{Action, Status};
use techmarket_domain::standards::{Industry, RegionTable};
use techmarket_domain::{Achievement, Demand, HolderType, Lang, Organization, TransferMode, docking::DockingStatus};
use techmarket_interchange::validate::{achievement_record, demand_record};
use techmarket_store::{Condition, Cursor, ListQuery, Order};
use uuid::Uuid;

/// The workspace's routes (gate: any signed-in account; the record rules decide the rest).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspace", get(overview))
        .route(
            "/workspace/achievements",
            get(my_records::<Achievement>).post(create::<Achievement>),
        )
        .route("/workspace/achievements/new", get(new_form::<Achievement>))
        .route(
            "/workspace/achievements/{id}",
            get(edit_form::<Achievement>).post(update::<Achievement>),
        )
        .route("/workspace/achievements/{id}/{action}", post(act::<Achievement>))
        .route("/workspace/demands", get(my_records::<Demand>).post(create::<Demand>))
        .route("/workspace/demands/new", get(new_form::<Demand>))
        .route(
            "/workspace/demands/{id}",
            get(edit_form::<Demand>).post(update::<Demand>),
        )
        .route("/workspace/demands/{id}/{action}", post(act::<Demand>))
        .route("/workspace/dockings", get(dockings))
        .route("/workspace/feedback", get(feedback))
        .route("/workspace/matches", post(match_action))
}

/// The workspace's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("workspace.html", include_str!("../../templates/workspace.html")),
    ("record_form.html", include_str!("../../templates/record_form.html")),
    ("_fields.html", include_str!("../../templates/_fields.html")),
    (
        "workspace_list.html",
        include_str!("../../templates/workspace_list.html"),
    ),
];

/// The workspace's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("choose", "请选择", "Choose"),
    ("ws_my_org", "我的单位", "My organization"),
    (
        "ws_no_org",
        "您的账户没有关联单位。发布成果或需求需要单位账户，请联系平台运营人员。",
        "Your account belongs to no organization. Publishing needs one: ask the market's operators.",
    ),
    (
        "ws_to_backoffice",
        "前往运营管理（审核、审计、对接看板）",
        "Go to the back office (reviews, audit, dockings)",
    ),
    ("ws_my_achievements", "我的科技成果", "My achievements"),
    ("ws_my_demands", "我的技术需求", "My demands"),
    ("ws_my_dockings", "对接记录", "Docking records"),
    ("ws_my_feedback", "匹配反馈", "Match feedback"),
    ("ws_new_achievement", "发布科技成果", "Publish an achievement"),
    ("ws_new_demand", "发布技术需求", "Post a demand"),
    ("ws_edit_achievement", "编辑科技成果", "Edit achievement"),
    ("ws_edit_demand", "编辑技术需求", "Edit demand"),
    (
        "ws_no_achievements",
        "还没有科技成果。点击“发布科技成果”填写第一项，保存后提交审核。",
        "No achievements yet. Choose “Publish an achievement” to fill in the first, then submit it for review.",
    ),
    (
        "ws_no_demands",
        "还没有技术需求。点击“发布技术需求”描述您的生产难题，平台会为您匹配成果和专家。",
        "No demands yet. Choose “Post a demand” to describe your production problem; the market matches achievements and experts to it.",
    ),
    (
        "ws_no_dockings",
        "还没有对接记录。在需求或成果的匹配结果中发起对接后，会显示在这里。",
        "No docking records yet. They appear here once a docking is opened from a match.",
    ),
    (
        "ws_no_feedback",
        "还没有匹配反馈。企业对您成果的匹配评价会显示在这里。",
        "No match feedback yet. What enterprises say about your achievements as matches appears here.",
    ),
    ("ws_by_status", "按状态筛选", "By status"),
    (
        "ws_feedback_intro",
        "企业对匹配结果的评价：哪些企业认为您的成果有用，以及原因。",
        "What enterprises said of the matches: who found your achievements useful, and why.",
    ),
    ("ws_all", "全部", "All"),
    ("ws_status", "状态：", "Status: "),
    ("ws_reason", "原因：", "Reason: "),
    ("ws_reason_label", "原因（必填）", "Reason (required)"),
    ("ws_updated", "更新时间", "Updated"),
    ("ws_col_status", "状态", "Status"),
    ("ws_col_title", "名称", "Title"),
    ("ws_col_region", "地区", "Region"),
    (
        "ws_form_errors",
        "请修改以下问题后再保存",
        "Please correct these before saving",
    ),
    ("ws_required_hint", "带 * 的为必填项。", "Fields marked * are required."),
    ("ws_save", "保存", "Save"),
    ("ws_cancel", "取消", "Cancel"),
    ("ws_saved", "已保存。", "Saved."),
    (
        "ws_created",
        "已保存为草稿。确认无误后请提交审核。",
        "Saved as a draft. Submit it for review when it is ready.",
    ),
    ("ws_done", "操作已完成：", "Done: "),
    (
        "ws_not_editable",
        "当前状态下不能修改内容。",
        "A record in this status cannot be edited.",
    ),
    ("ws_view_public", "查看公开页面", "See its public page"),
    ("ws_next_steps", "下一步", "Next steps"),
    (
        "ws_action_hint_submit",
        "提交后由所在地区的运营人员审核，审核通过即公开发布。",
        "Operators of its region review it; once approved it is published.",
    ),
    // Field labels and sections
    ("sec_basic", "基本信息", "Basics"),
    ("sec_holder", "成果持有者", "Holder"),
    ("sec_enterprise", "需求企业", "Enterprise"),
    ("sec_transfer", "转化与价格", "Transfer and price"),
    ("sec_details", "成果详情", "Details"),
    ("sec_terms", "合作条件", "Terms"),
    ("sec_challenge", "揭榜挂帅（可选）", "Open challenge (optional)"),
    ("sec_contact", "联系方式", "Contact"),
    ("f_title", "名称", "Title"),
    ("f_summary", "成果简介", "Summary"),
    ("f_description", "需求描述", "Description"),
    ("f_keywords", "关键词", "Keywords"),
    (
        "h_keywords",
        "多个关键词用逗号、顿号或分号隔开。",
        "Separate keywords with commas or semicolons.",
    ),
    ("f_industry", "所属行业", "Industry"),
    ("f_trl", "技术就绪水平（TRL，1–9）", "Technology readiness (TRL, 1–9)"),
    (
        "h_trl",
        "1 为基本原理，9 为已规模应用。",
        "1 is basic principles observed, 9 is proven in operation.",
    ),
    ("f_region", "所在地区", "Region"),
    ("f_holder_name", "持有单位名称", "Holder's name"),
    ("f_enterprise_name", "企业名称", "Enterprise's name"),
    ("f_credit_code", "统一社会信用代码", "Unified social credit code"),
    (
        "h_credit_code",
        "18 位，可选；填写后会校验。",
        "18 characters, optional; checked when given.",
    ),
    ("f_holder_type", "持有者类型", "Holder type"),
    ("f_inventors", "完成人", "Inventors"),
    ("h_inventors", "多人用顿号或逗号隔开。", "Separate names with commas."),
    ("f_transfer_modes", "转化方式", "Transfer modes"),
    ("f_price", "转让价格（元）", "Asking price (yuan)"),
    (
        "h_price",
        "整数，单位元；留空表示面议。",
        "Whole yuan; leave empty for negotiable.",
    ),
    ("f_patents", "专利申请号", "Patent application numbers"),
    (
        "h_patents",
        "如 ZL201220687633.0，多个用分号或换行隔开。",
        "Such as ZL201220687633.0; separate several with semicolons or line breaks.",
    ),
    ("f_problem_solved", "解决的问题", "Problem solved"),
    ("f_advantages", "技术优势", "Advantages"),
    ("f_economic_comparison", "经济效益对比", "Economic comparison"),
    ("f_discipline", "学科", "Discipline"),
    ("f_budget_max", "预算上限（元）", "Budget ceiling (yuan)"),
    (
        "h_budget",
        "整数，单位元；留空表示面议。",
        "Whole yuan; leave empty for negotiable.",
    ),
    (
        "f_min_trl",
        "可接受的最低技术就绪水平（1–9）",
        "Lowest readiness you can take up (1–9)",
    ),
    ("f_cooperation_modes", "合作方式", "Cooperation modes"),
    ("f_deadline", "截止日期", "Deadline"),
    ("f_bounty", "悬赏金额（元）", "Bounty (yuan)"),
    ("f_application_deadline", "揭榜截止日期", "Applications close"),
    ("f_contact_name", "联系人", "Contact name"),
    ("f_contact_phone", "联系电话", "Phone"),
    ("f_contact_email", "电子邮箱", "E-mail"),
    ("other_provinces", "其他省份", "Other provinces"),
    // Dockings and feedback
    ("col_demand", "需求", "Demand"),
    ("col_target", "成果或专家", "Achievement or expert"),
    ("col_enterprise", "需求企业", "Enterprise"),
    ("col_provider", "供给方", "Provider"),
    ("col_verdict", "评价", "Verdict"),
    ("col_why", "理由", "Why"),
    ("verdict_useful", "有用", "Useful"),
    ("verdict_not_useful", "没用", "Not useful"),
    ("your_verdict", "您的评价：", "Your verdict: "),
    ("mark_useful", "有用", "Useful"),
    ("mark_not_useful", "没用", "Not useful"),
    ("why_not_useful", "没用的原因", "Why not useful"),
    ("reason_wrong_field", "领域不对口", "Wrong field"),
    ("reason_immature", "技术不够成熟", "Not mature enough"),
    ("reason_too_expensive", "价格太高", "Too expensive"),
    ("open_docking", "发起对接", "Open a docking"),
    (
        "match_feedback_saved",
        "已记录您对这条匹配的评价，成果方会看到。",
        "Your verdict on this match is recorded; the lister will see it.",
    ),
    (
        "match_docking_opened",
        "已发起对接，可在工作台的“对接记录”中跟进。",
        "Docking opened; follow it under Docking records in your workspace.",
    ),
];

// ---------------------------------------------------------------------------------------------
// What differs between achievements and demands

/// A kind of record the workspace publishes.
pub trait Publishable: Resource + Sized + Send + Sync {
    /// `achievements` or `demands`.
    const PLURAL: &'static str;
    const LIST_KEY: &'static str;
    const NEW_KEY: &'static str;
    const EDIT_KEY: &'static str;
    const EMPTY_KEY: &'static str;
    /// The form's field names (an error naming another path is shown at the top).
    const FIELDS: &'static [&'static str];

    fn title(&self) -> &str;
    fn status_reason(&self) -> Option<&str>;
    /// The form that lists it for trading, when it may be listed (a published achievement).
    fn trade_href(&self) -> Option<String> {
        None
    }
    fn region_code(&self) -> String;
    /// The form's values for the stored record.
    fn typed(&self) -> Typed;
    /// A new record's form: the organization as holder or enterprise, its region.
    fn blank(org: Option<&Organization>) -> Typed;
    fn sections(b: &Builder, regions: &RegionTable) -> Vec<Section>;
    /// The API input the form describes; what cannot be read (a number that is not one) goes
    /// into `problems`, and the input carries a stand-in the validation passes over.
    fn input(t: &Typed, lang: Lang, problems: &mut Problems) -> Self::Input;
}

fn contact_input(t: &Typed) -> Option<ContactInput> {
    let (name, phone, email) = (t.opt("contact.name"), t.opt("contact.phone"), t.opt("contact.email"));
    (name.is_some() || phone.is_some() || email.is_some()).then_some(ContactInput { name, phone, email })
}

fn set_contact(t: &mut Typed, c: &Option<techmarket_interchange::records::ContactRecord>) {
    if let Some(c) = c {
        t.set("contact.name", c.name.clone().unwrap_or_default());
        t.set("contact.phone", c.phone.clone().unwrap_or_default());
        t.set("contact.email", c.email.clone().unwrap_or_default());
    }
}

/// A whole number from a box, or a problem naming the field.
fn number(t: &Typed, name: &str, lang: Lang, problems: &mut Problems, what: (&str, &str)) -> Option<i64> {
    match whole_number(t.raw(name)) {
        Ok(n) => n,
        Err(_) => {
            let shown: String = t.raw(name).trim().chars().take(30).collect();
            problems.add(
                name,
                match lang {
                    Lang::Zh => format!("「{shown}」不是整数：{}", what.0),
                    Lang::En => format!("`{shown}` is not a whole number: {}", what.1),
                },
            );
            None
        }
    }
}

pub(crate) fn industry_groups(lang: Lang) -> Vec<(String, Vec<(String, String)>)> {
    let en = lang == Lang::En;
    Industry::sections()
        .map(|s| {
            let name = if en { s.section_name_en() } else { s.section_name_zh() };
            let mut choices = vec![(s.code(), format!("{} {name}", s.code()))];
            choices.extend(s.divisions_of_section().map(|d| {
                let n = if en { d.name_en() } else { d.name_zh() };
                (d.code(), format!("{} {n}", d.code()))
            }));
            (format!("{} {name}", s.code()), choices)
        })
        .collect()
}

/// The regions of the table: each province with prefectures as a group of it and its
/// prefectures and counties; the provinces without, together.
pub(crate) fn region_groups(regions: &RegionTable, ctx: &Ctx) -> Vec<(String, Vec<(String, String)>)> {
    let mut groups = Vec::new();
    let mut others = Vec::new();
    for p in regions.provinces() {
        let prefectures = regions.prefectures(p.code);
        if prefectures.is_empty() {
            others.push((p.code.to_string(), p.name.clone()));
            continue;
        }
        let mut choices = vec![(p.code.to_string(), p.name.clone())];
        for pre in prefectures {
            choices.push((pre.code.to_string(), pre.name.clone()));
            for county in regions.children(pre.code) {
                choices.push((county.code.to_string(), format!("{} · {}", pre.name, county.name)));
            }
        }
        groups.push((p.name.clone(), choices));
    }
    if !others.is_empty() {
        groups.push((ctx.t("other_provinces").to_string(), others));
    }
    groups
}

fn mode_choices(lang: Lang) -> Vec<(String, String)> {
    TransferMode::ALL
        .into_iter()
        .map(|m| {
            let label = if lang == Lang::En { m.label_en() } else { m.label_zh() };
            (m.code().to_string(), label.to_string())
        })
        .collect()
}

fn holder_type_choices(lang: Lang) -> Vec<(String, Vec<(String, String)>)> {
    let choices = HolderType::ALL
        .into_iter()
        .map(|h| {
            let label = if lang == Lang::En {
                super::search::english(h.code())
            } else {
                h.label_zh().to_string()
            };
            (h.code().to_string(), label)
        })
        .collect();
    vec![(String::new(), choices)]
}

impl Publishable for Achievement {
    const PLURAL: &'static str = "achievements";
    const LIST_KEY: &'static str = "ws_my_achievements";
    const NEW_KEY: &'static str = "ws_new_achievement";
    const EDIT_KEY: &'static str = "ws_edit_achievement";
    const EMPTY_KEY: &'static str = "ws_no_achievements";
    const FIELDS: &'static [&'static str] = &[
        "title",
        "summary",
        "keywords",
        "industry",
        "trl",
        "region",
        "holder.name",
        "holder.credit_code",
        "holder_type",
        "inventors",
        "transfer_modes",
        "price",
        "patents",
        "problem_solved",
        "advantages",
        "economic_comparison",
        "discipline",
        "contact.name",
        "contact.phone",
        "contact.email",
    ];

    fn title(&self) -> &str {
        &self.fields.title
    }

    fn status_reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }

    fn trade_href(&self) -> Option<String> {
        (self.status == techmarket_domain::AchievementStatus::Published)
            .then(|| href("/workspace/listings/new", &[("achievement", &self.id.to_string())]))
    }

    fn region_code(&self) -> String {
        self.fields.region.to_string()
    }

    fn typed(&self) -> Typed {
        let r = achievement_record(self);
        let mut t = Typed::default();
        t.set("title", r.title);
        t.set("summary", r.summary);
        t.set("keywords", r.keywords.join("；"));
        t.set("industry", r.industry);
        t.set("trl", r.trl.to_string());
        t.set("region", r.region);
        t.set("holder.name", r.holder.name);
        t.set("holder.credit_code", r.holder.credit_code.unwrap_or_default());
        t.set("holder_type", r.holder_type);
        t.set("inventors", r.inventors.join("、"));
        for m in r.transfer_modes {
            t.push("transfer_modes", m);
        }
        t.set("price", r.price.map(|p| p.to_string()).unwrap_or_default());
        t.set("patents", r.patents.join("\n"));
        t.set("problem_solved", r.problem_solved.unwrap_or_default());
        t.set("advantages", r.advantages.unwrap_or_default());
        t.set("economic_comparison", r.economic_comparison.unwrap_or_default());
        t.set("discipline", r.discipline.unwrap_or_default());
        set_contact(&mut t, &r.contact);
        t
    }

    fn blank(org: Option<&Organization>) -> Typed {
        let mut t = Typed::default();
        if let Some(o) = org {
            t.set("holder.name", o.fields.name.clone());
            if let Some(c) = &o.fields.credit_code {
                t.set("holder.credit_code", c.as_str().to_string());
            }
            t.set("region", o.fields.region.to_string());
            if let Some(h) = HolderType::ALL.into_iter().find(|h| h.code() == o.fields.kind.code()) {
                t.set("holder_type", h.code());
            }
        }
        t
    }

    fn sections(b: &Builder, regions: &RegionTable) -> Vec<Section> {
        let ctx = b.ctx;
        vec![
            Section {
                legend: ctx.t("sec_basic"),
                fields: vec![
                    b.text("title", "f_title", 200).required(),
                    b.area("summary", "f_summary", 5000).required(),
                    b.text("keywords", "f_keywords", 500).hint(ctx, "h_keywords"),
                    b.select("industry", "f_industry", industry_groups(ctx.lang)).required(),
                    b.number("trl", "f_trl").required().hint(ctx, "h_trl"),
                    b.select("region", "f_region", region_groups(regions, ctx)).required(),
                ],
            },
            Section {
                legend: ctx.t("sec_holder"),
                fields: vec![
                    b.text("holder.name", "f_holder_name", 200).required(),
                    b.text("holder.credit_code", "f_credit_code", 18)
                        .hint(ctx, "h_credit_code"),
                    b.select("holder_type", "f_holder_type", holder_type_choices(ctx.lang))
                        .required(),
                    b.text("inventors", "f_inventors", 500).hint(ctx, "h_inventors"),
                ],
            },
            Section {
                legend: ctx.t("sec_transfer"),
                fields: vec![
                    b.checks("transfer_modes", "f_transfer_modes", mode_choices(ctx.lang))
                        .required(),
                    b.number("price", "f_price").hint(ctx, "h_price"),
                    b.area("patents", "f_patents", 2000).hint(ctx, "h_patents"),
                ],
            },
            Section {
                legend: ctx.t("sec_details"),
                fields: vec![
                    b.area("problem_solved", "f_problem_solved", 5000),
                    b.area("advantages", "f_advantages", 5000),
                    b.area("economic_comparison", "f_economic_comparison", 5000),
                    b.text("discipline", "f_discipline", 100),
                ],
            },
            contact_section(b),
        ]
    }

    fn input(t: &Typed, lang: Lang, problems: &mut Problems) -> AchievementInput {
        let trl = number(
            t,
            "trl",
            lang,
            problems,
            ("请填写 1 到 9 的整数", "give a whole number from 1 to 9"),
        );
        if t.text("trl").is_empty() {
            problems.add(
                "trl",
                match lang {
                    Lang::Zh => "请填写技术就绪水平（1 到 9 的整数）".into(),
                    Lang::En => "give the technology readiness level (a whole number from 1 to 9)".into(),
                },
            );
        }
        let price = number(
            t,
            "price",
            lang,
            problems,
            ("单位为元，留空表示面议", "in whole yuan; leave it empty for negotiable"),
        );
        AchievementInput {
            external_id: None,
            title: t.text("title"),
            summary: t.text("summary"),
            keywords: t.list("keywords"),
            holder: PartyInput {
                name: t.text("holder.name"),
                credit_code: t.opt("holder.credit_code"),
            },
            holder_type: t.text("holder_type"),
            industry: t.text("industry"),
            // A stand-in the validation refuses (the problem above is the one shown).
            trl: trl.unwrap_or(0),
            region: t.text("region"),
            transfer_modes: t.all("transfer_modes"),
            price,
            patents: t
                .raw("patents")
                .split(['\n', '\r', ';', '；', ',', '，'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            problem_solved: t.opt("problem_solved"),
            advantages: t.opt("advantages"),
            economic_comparison: t.opt("economic_comparison"),
            inventors: split_list(t.raw("inventors")),
            discipline: t.opt("discipline"),
            contact: contact_input(t),
        }
    }
}

fn contact_section(b: &Builder) -> Section {
    Section {
        legend: b.ctx.t("sec_contact"),
        fields: vec![
            b.text("contact.name", "f_contact_name", 50),
            b.input("contact.phone", "f_contact_phone", "tel", 30),
            b.input("contact.email", "f_contact_email", "email", 100),
        ],
    }
}

impl Publishable for Demand {
    const PLURAL: &'static str = "demands";
    const LIST_KEY: &'static str = "ws_my_demands";
    const NEW_KEY: &'static str = "ws_new_demand";
    const EDIT_KEY: &'static str = "ws_edit_demand";
    const EMPTY_KEY: &'static str = "ws_no_demands";
    const FIELDS: &'static [&'static str] = &[
        "title",
        "description",
        "keywords",
        "industry",
        "region",
        "enterprise.name",
        "enterprise.credit_code",
        "budget_max",
        "min_trl",
        "cooperation_modes",
        "deadline",
        "challenge.bounty",
        "challenge.application_deadline",
        "contact.name",
        "contact.phone",
        "contact.email",
    ];

    fn title(&self) -> &str {
        &self.fields.title
    }

    fn status_reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }

    fn region_code(&self) -> String {
        self.fields.region.to_string()
    }

    fn typed(&self) -> Typed {
        let r = demand_record(self);
        let mut t = Typed::default();
        t.set("title", r.title);
        t.set("description", r.description);
        t.set("keywords", r.keywords.join("；"));
        t.set("industry", r.industry);
        t.set("region", r.region);
        t.set("enterprise.name", r.enterprise.name);
        t.set("enterprise.credit_code", r.enterprise.credit_code.unwrap_or_default());
        t.set("budget_max", r.budget_max.map(|p| p.to_string()).unwrap_or_default());
        t.set("min_trl", r.min_trl.map(|p| p.to_string()).unwrap_or_default());
        for m in r.cooperation_modes {
            t.push("cooperation_modes", m);
        }
        t.set("deadline", r.deadline.unwrap_or_default());
        if let Some(c) = r.challenge {
            t.set("challenge.bounty", c.bounty.to_string());
            t.set(
                "challenge.application_deadline",
                c.application_deadline.unwrap_or_default(),
            );
        }
        set_contact(&mut t, &r.contact);
        t
    }

    fn blank(org: Option<&Organization>) -> Typed {
        let mut t = Typed::default();
        if let Some(o) = org {
            t.set("enterprise.name", o.fields.name.clone());
            if let Some(c) = &o.fields.credit_code {
                t.set("enterprise.credit_code", c.as_str().to_string());
            }
            t.set("region", o.fields.region.to_string());
        }
        t
    }

    fn sections(b: &Builder, regions: &RegionTable) -> Vec<Section> {
        let ctx = b.ctx;
        vec![
            Section {
                legend: ctx.t("sec_basic"),
                fields: vec![
                    b.text("title", "f_title", 200).required(),
                    b.area("description", "f_description", 5000).required(),
                    b.text("keywords", "f_keywords", 500).hint(ctx, "h_keywords"),
                    b.select("industry", "f_industry", industry_groups(ctx.lang)).required(),
                    b.select("region", "f_region", region_groups(regions, ctx)).required(),
                ],
            },
            Section {
                legend: ctx.t("sec_enterprise"),
                fields: vec![
                    b.text("enterprise.name", "f_enterprise_name", 200).required(),
                    b.text("enterprise.credit_code", "f_credit_code", 18)
                        .hint(ctx, "h_credit_code"),
                ],
            },
            Section {
                legend: ctx.t("sec_terms"),
                fields: vec![
                    b.number("budget_max", "f_budget_max").hint(ctx, "h_budget"),
                    b.number("min_trl", "f_min_trl"),
                    b.checks("cooperation_modes", "f_cooperation_modes", mode_choices(ctx.lang)),
                    b.date("deadline", "f_deadline"),
                ],
            },
            Section {
                legend: ctx.t("sec_challenge"),
                fields: vec![
                    b.number("challenge.bounty", "f_bounty"),
                    b.date("challenge.application_deadline", "f_application_deadline"),
                ],
            },
            contact_section(b),
        ]
    }

    fn input(t: &Typed, lang: Lang, problems: &mut Problems) -> DemandInput {
        let money = ("单位为元，留空表示面议", "in whole yuan; leave it empty for negotiable");
        let budget_max = number(t, "budget_max", lang, problems, money);
        let min_trl = number(
            t,
            "min_trl",
            lang,
            problems,
            ("请填写 1 到 9 的整数", "give a whole number from 1 to 9"),
        );
        let bounty = number(t, "challenge.bounty", lang, problems, ("单位为元", "in whole yuan"));
        let application_deadline = t.opt("challenge.application_deadline");
        if bounty.is_none() && application_deadline.is_some() && t.text("challenge.bounty").is_empty() {
            problems.add(
                "challenge.bounty",
                match lang {
                    Lang::Zh => "揭榜挂帅需要填写悬赏金额".into(),
                    Lang::En => "an open challenge needs a bounty".into(),
                },
            );
        }
        DemandInput {
            external_id: None,
            title: t.text("title"),
            description: t.text("description"),
            enterprise: PartyInput {
                name: t.text("enterprise.name"),
                credit_code: t.opt("enterprise.credit_code"),
            },
            industry: t.text("industry"),
            region: t.text("region"),
            budget_max,
            min_trl,
            cooperation_modes: t.all("cooperation_modes"),
            deadline: t.opt("deadline"),
            keywords: t.list("keywords"),
            challenge: bounty.map(|bounty| ChallengeInput {
                bounty,
                application_deadline,
            }),
            contact: contact_input(t),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The form pages

/// A status as shown: its code (for the CSS class), its label and the reason it carries.
pub struct StatusLine {
    pub code: &'static str,
    pub label: String,
    pub reason: Option<String>,
}

/// A lifecycle step offered under the form.
pub struct ActionButton {
    pub code: &'static str,
    pub href: String,
    pub label: String,
    pub hint: Option<&'static str>,
    pub needs_reason: bool,
    pub secondary: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "record_form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    pub heading: String,
    pub list_href: String,
    pub list_key: &'static str,
    pub action: String,
    pub version: Option<i64>,
    pub status: Option<StatusLine>,
    pub notice: Option<String>,
    pub editable: bool,
    pub public_href: Option<String>,
    pub sections: Vec<Section>,
    pub problems: Problems,
    pub summary: Vec<SummaryLine>,
    pub actions: Vec<ActionButton>,
    /// Where a published achievement is listed for trading (its seller's form).
    pub trade_href: Option<String>,
}

/// The caller's organization, if they belong to one.
async fn my_org(state: &AppState, caller: &Caller) -> Result<Option<Organization>, ApiError> {
    let Some(id) = caller.principal().and_then(|p| p.organization_id) else {
        return Ok(None);
    };
    Ok(Some(state.market().get(id.as_uuid()).await?))
}

fn form_page<R: Publishable>(
    state: &AppState,
    ctx: Ctx,
    typed: &Typed,
    problems: Problems,
    record: Option<(&R, &Caller)>,
) -> FormPage {
    let builder = Builder {
        ctx: &ctx,
        typed,
        problems: &problems,
    };
    let sections = R::sections(&builder, state.regions());
    let summary = summary(&sections);
    let list_href = format!("/workspace/{}", R::PLURAL);
    let (heading, action, version, status, editable, public_href, actions) = match record {
        None => (
            ctx.t(R::NEW_KEY).to_string(),
            list_href.clone(),
            None,
            None,
            true,
            None,
            Vec::new(),
        ),
        Some((r, caller)) => {
            let base = format!("/workspace/{}/{}", R::PLURAL, r.uuid());
            let view = ViewContext::new(state, caller);
            let actions = allowed(r, &view)
                .into_iter()
                .filter_map(<R::Action as Action>::parse)
                .map(|a| ActionButton {
                    code: a.code(),
                    href: format!("{base}/{}", a.code()),
                    label: match ctx.lang {
                        Lang::Zh => a.label_zh().to_string(),
                        Lang::En => super::search::english(a.code()),
                    },
                    hint: (a.code() == "submit").then(|| ctx.t("ws_action_hint_submit")),
                    needs_reason: a.needs_reason(),
                    secondary: a.code() != "submit",
                })
                .collect();
            let editable = r.is_editable() && may(&caller.subject, Verb::Edit, &r.scope());
            let public = r.scope().public;
            (
                format!("{}：{}", ctx.t(R::EDIT_KEY), r.title()),
                base,
                Some(r.version()),
                Some(StatusLine {
                    code: r.status().code(),
                    label: super::status_label(r.status(), ctx.lang),
                    reason: r.status_reason().map(str::to_string),
                }),
                editable,
                public.then(|| format!("/{}/{}", R::PLURAL, r.uuid())),
                actions,
            )
        }
    };
    FormPage {
        ctx,
        heading,
        list_href,
        list_key: R::LIST_KEY,
        action,
        version,
        status,
        notice: None,
        editable,
        public_href,
        sections,
        problems,
        summary,
        actions,
        trade_href: record.and_then(|(r, _)| r.trade_href()),
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// `GET /workspace/{kind}/new`.
async fn new_form<R: Publishable>(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
) -> Result<Response, ApiError> {
    let org = my_org(&state, &caller).await?;
    let typed = R::blank(org.as_ref());
    Ok(no_store(
        form_page::<R>(&state, ctx, &typed, Problems::default(), None).into_response(),
    ))
}

/// Reads a form into the API's input, collecting what is wrong with it without writing: the
/// problems of reading and of the record's validation together.
fn read_form<R: Publishable>(state: &AppState, ctx: &Ctx, caller: &Caller, typed: &Typed) -> Problems {
    let mut problems = Problems::default();
    let input = R::input(typed, ctx.lang, &mut problems);
    if let Err(e) = R::validate(input, state.regions(), caller) {
        problems.add_api(&e, ctx, R::FIELDS);
    }
    let empty = Problems::default();
    let sections = R::sections(
        &Builder {
            ctx,
            typed,
            problems: &empty,
        },
        state.regions(),
    );
    problems.require(&sections, typed, ctx);
    problems
}

/// The form again with its problems, what was typed kept.
fn again<R: Publishable>(
    state: &AppState,
    ctx: Ctx,
    typed: &Typed,
    problems: Problems,
    record: Option<(&R, &Caller)>,
    status: StatusCode,
) -> Response {
    let mut res = form_page::<R>(state, ctx, typed, problems, record).into_response();
    *res.status_mut() = status;
    no_store(res)
}

/// `POST /workspace/{kind}`: a new draft, then its page (303), or the form with its errors.
async fn create<R: Publishable>(State(state): State<AppState>, ctx: Ctx, caller: Caller, body: Bytes) -> Response {
    let typed = Typed::parse(&body);
    let problems = read_form::<R>(&state, &ctx, &caller, &typed);
    if !problems.is_empty() {
        return again::<R>(&state, ctx, &typed, problems, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut ignored = Problems::default();
    let input = R::input(&typed, ctx.lang, &mut ignored);
    match resource::create_record::<R>(&state, &caller, input).await {
        Ok(r) => Redirect::to(&format!("/workspace/{}/{}?done=created", R::PLURAL, r.uuid())).into_response(),
        Err(e) if e.code.status().is_server_error() => super::errors::ErrorPage::internal(ctx, &e).into_response(),
        Err(e) => {
            let mut problems = Problems::default();
            problems.add_api(&e, &ctx, R::FIELDS);
            let status = e.code.status();
            again::<R>(&state, ctx, &typed, problems, None, status)
        }
    }
}

/// The record the path names, if the caller is one of its insiders (its organization, its
/// operators); 404 otherwise, as for a record they may not see.
async fn load_own<R: Publishable>(state: &AppState, caller: &Caller, raw: &str) -> Result<R, ApiError> {
    let not_found = || ApiError::new(ErrorCode::not_found(R::KIND));
    let id = Uuid::parse_str(raw).map_err(|_| not_found())?;
    let r: R = state.market().get(id).await?;
    check(caller, Verb::ReadHistory, &r).map_err(|_| not_found())?;
    Ok(r)
}

fn notice_of(ctx: &Ctx) -> Option<String> {
    let done = ctx.query.iter().find(|(k, _)| k == "done").map(|(_, v)| v.as_str())?;
    Some(match done {
        "created" => ctx.t("ws_created").to_string(),
        "saved" => ctx.t("ws_saved").to_string(),
        other => {
            let label = match ctx.lang {
                Lang::Zh => [
                    ("submit", "已提交审核"),
                    ("withdraw", "已撤回"),
                    ("approve", "已通过审核"),
                    ("reject", "已退回"),
                ]
                .iter()
                .find(|(c, _)| *c == other)
                .map_or_else(|| other.to_string(), |(_, l)| l.to_string()),
                Lang::En => super::search::english(other),
            };
            format!("{}{label}", ctx.t("ws_done"))
        }
    })
}

/// `GET /workspace/{kind}/{id}`: the record's form (or its content, when its status allows no
/// edit) with the steps the caller may take.
async fn edit_form<R: Publishable>(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let r: R = load_own(&state, &caller, &raw).await?;
    let typed = r.typed();
    let notice = notice_of(&ctx);
    let mut page = form_page::<R>(&state, ctx, &typed, Problems::default(), Some((&r, &caller)));
    page.notice = notice;
    Ok(no_store(page.into_response()))
}

/// The `version` a form carries (the record as the user saw it).
fn form_version(typed: &Typed) -> Option<i64> {
    typed.text("version").parse().ok()
}

/// `POST /workspace/{kind}/{id}`: saves the changes (303 back), or shows the problems.
async fn update<R: Publishable>(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let r: R = load_own(&state, &caller, &raw).await?;
    let typed = Typed::parse(&body);
    let problems = read_form::<R>(&state, &ctx, &caller, &typed);
    if !problems.is_empty() {
        return Ok(again::<R>(
            &state,
            ctx,
            &typed,
            problems,
            Some((&r, &caller)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let mut ignored = Problems::default();
    let input = R::input(&typed, ctx.lang, &mut ignored);
    match resource::update_record::<R>(&state, &caller, r.uuid(), form_version(&typed), input).await {
        Ok(_) => Ok(Redirect::to(&format!("/workspace/{}/{}?done=saved", R::PLURAL, r.uuid())).into_response()),
        Err(e) if e.code.status().is_server_error() => Err(e),
        Err(e) => {
            let mut problems = Problems::default();
            problems.add_api(&e, &ctx, R::FIELDS);
            let status = e.code.status();
            Ok(again::<R>(&state, ctx, &typed, problems, Some((&r, &caller)), status))
        }
    }
}

/// `POST /workspace/{kind}/{id}/{action}`: a lifecycle step (submit, withdraw, …), then back to
/// the record (303); a refused step shows the record with the reason.
async fn act<R: Publishable>(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let r: R = load_own(&state, &caller, &raw).await?;
    let typed = Typed::parse(&body);
    let req = TransitionRequest {
        action: action.clone(),
        reason: typed.opt("reason"),
        version: form_version(&typed),
    };
    match resource::transition_record::<R>(&state, &caller, r.uuid(), req).await {
        Ok(after) => {
            let done: String = action.chars().filter(char::is_ascii_lowercase).collect();
            Ok(Redirect::to(&href(
                &format!("/workspace/{}/{}", R::PLURAL, after.uuid()),
                &[("done", &done)],
            ))
            .into_response())
        }
        Err(e) if e.code.status().is_server_error() => Err(e),
        Err(e) => {
            let mut problems = Problems::default();
            problems.general.push(e.message(ctx.lang).to_string());
            let status = e.code.status();
            let current: R = load_own(&state, &caller, &raw).await?;
            let typed = current.typed();
            Ok(again::<R>(
                &state,
                ctx,
                &typed,
                problems,
                Some((&current, &caller)),
                status,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The overview and the lists

/// My organization, as the overview shows it.
pub struct OrgCard {
    pub name: String,
    pub href: String,
    pub kind: String,
    pub region: String,
    pub credit_code: Option<String>,
}

/// A status with how many of my records are in it, linked to the list filtered by it.
pub struct StatusCount {
    pub code: String,
    pub label: String,
    pub count: String,
    pub href: String,
}

/// One box of the overview.
pub struct Board {
    pub key: &'static str,
    pub title_key: &'static str,
    pub href: String,
    pub counts: Vec<StatusCount>,
    pub empty_key: &'static str,
    pub new_href: Option<String>,
    pub new_key: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "workspace.html")]
pub struct Overview {
    pub ctx: Ctx,
    pub notice: Option<String>,
    pub org: Option<OrgCard>,
    pub boards: Vec<Board>,
}

/// The conditions of "my organization's records of kind R" (none for an account without one:
/// nothing is theirs).
fn mine<R: Publishable>(caller: &Caller) -> Option<Condition> {
    let org = caller.principal().and_then(|p| p.organization_id)?;
    Some(Condition::Eq(R::OWNER_COLUMN, org.to_string().into()))
}

async fn status_counts<R: Publishable>(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
) -> Result<Vec<StatusCount>, ApiError> {
    let Some(cond) = mine::<R>(caller) else {
        return Ok(Vec::new());
    };
    let rows = state.market().store().count_by(R::KIND, "status", &[cond]).await?;
    let mut out = Vec::new();
    for s in <R::Action as Action>::Status::all() {
        let n: i64 = rows
            .iter()
            .filter(|(code, _)| code.as_deref() == Some(s.code()))
            .map(|(_, n)| n)
            .sum();
        if n > 0 {
            out.push(StatusCount {
                code: s.code().to_string(),
                label: super::status_label(*s, ctx.lang),
                count: grouped(n),
                href: href(&format!("/workspace/{}", R::PLURAL), &[("status", s.code())]),
            });
        }
    }
    Ok(out)
}

fn may_publish(caller: &Caller) -> bool {
    caller.principal().is_some_and(|p| p.organization_id.is_some())
}

/// `GET /workspace`.
async fn overview(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let org = my_org(&state, &caller).await?.map(|o| OrgCard {
        href: format!("/organizations/{}", o.id),
        kind: match ctx.lang {
            Lang::Zh => o.fields.kind.label_zh().to_string(),
            Lang::En => super::search::english(o.fields.kind.code()),
        },
        region: state
            .regions()
            .full_name(o.fields.region)
            .unwrap_or_else(|| o.fields.region.to_string()),
        credit_code: o.fields.credit_code.as_ref().map(|c| c.as_str().to_string()),
        name: o.fields.name,
    });
    let publish = may_publish(&caller);
    let mut boards = vec![
        Board {
            key: "achievements",
            title_key: Achievement::LIST_KEY,
            href: "/workspace/achievements".into(),
            counts: status_counts::<Achievement>(&state, &ctx, &caller).await?,
            empty_key: Achievement::EMPTY_KEY,
            new_href: publish.then(|| "/workspace/achievements/new".into()),
            new_key: Achievement::NEW_KEY,
        },
        Board {
            key: "demands",
            title_key: Demand::LIST_KEY,
            href: "/workspace/demands".into(),
            counts: status_counts::<Demand>(&state, &ctx, &caller).await?,
            empty_key: Demand::EMPTY_KEY,
            new_href: publish.then(|| "/workspace/demands/new".into()),
            new_key: Demand::NEW_KEY,
        },
    ];
    if crate::api::v1::listings::caller_org(&caller).is_some() {
        boards.push(Board {
            key: "listings",
            title_key: "wl_my_listings",
            href: "/workspace/listings".into(),
            counts: super::workspace_listings::status_counts(&state, &ctx, &caller)
                .await?
                .into_iter()
                .map(|c| c.line)
                .collect(),
            empty_key: "wl_empty",
            new_href: Some("/workspace/listings/new".into()),
            new_key: "wl_new",
        });
    }
    if crate::api::v1::listings::caller_org(&caller).is_some() {
        boards.push(Board {
            key: "contracts",
            title_key: "ct_my_contracts",
            href: "/workspace/contracts".into(),
            counts: super::contracts::status_counts(&state, &ctx, &caller, "/workspace/contracts", false).await?,
            empty_key: "ct_empty",
            new_href: Some("/workspace/contracts/new".into()),
            new_key: "ct_new",
        });
    }
    if docking_party(&caller) {
        boards.push(Board {
            key: "dockings",
            title_key: "ws_my_dockings",
            href: "/workspace/dockings".into(),
            counts: docking_counts(&state, &ctx, &caller).await?,
            empty_key: "ws_no_dockings",
            new_href: None,
            new_key: "ws_my_dockings",
        });
    }
    if feedback_reader(&caller) {
        boards.push(Board {
            key: "feedback",
            title_key: "ws_my_feedback",
            href: "/workspace/feedback".into(),
            counts: Vec::new(),
            empty_key: "ws_feedback_intro",
            new_href: None,
            new_key: "ws_my_feedback",
        });
    }
    Ok(no_store(
        Overview {
            notice: None,
            org,
            boards,
            ctx,
        }
        .into_response(),
    ))
}

/// The roles that can be party to a docking (the gate of `/api/v1/dockings`).
fn docking_party(caller: &Caller) -> bool {
    use techmarket_domain::Role::*;
    matches!(
        caller.principal().map(|p| p.role),
        Some(Member | Broker | Operator | Admin)
    )
}

/// The roles that give or read match feedback (the gate of `/api/v1/match-feedback`).
fn feedback_reader(caller: &Caller) -> bool {
    use techmarket_domain::Role::*;
    matches!(caller.principal().map(|p| p.role), Some(Member | Operator | Admin))
}

/// The dockings the caller sees, by status (what `GET /api/v1/dockings` lists them).
async fn docking_counts(state: &AppState, ctx: &Ctx, caller: &Caller) -> Result<Vec<StatusCount>, ApiError> {
    let mut out = Vec::new();
    for s in DockingStatus::all() {
        let pairs = vec![
            ("status".to_string(), s.code().to_string()),
            ("limit".into(), "1".into()),
        ];
        let list = docking_list(state, caller, ctx.lang, pairs).await?;
        if list.total > 0 {
            out.push(StatusCount {
                code: s.code().to_string(),
                label: super::status_label(*s, ctx.lang),
                count: grouped(list.total),
                href: href("/workspace/dockings", &[("status", s.code())]),
            });
        }
    }
    Ok(out)
}

async fn docking_list(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    pairs: Vec<(String, String)>,
) -> Result<resource::ListResponse<crate::api::v1::docking::DockingView>, ApiError> {
    if !docking_party(caller) {
        return Ok(resource::ListResponse {
            items: Vec::new(),
            next: None,
            total: 0,
        });
    }
    let axum::Json(list) = crate::api::v1::docking::list(
        State(state.clone()),
        caller.clone(),
        crate::lang::RequestLang(lang),
        crate::extract::QueryPairs(pairs),
    )
    .await?;
    Ok(list)
}

/// A status tab of a list.
pub struct Tab {
    pub href: String,
    pub label: String,
    pub count: String,
    pub current: bool,
}

/// One row of a list: its title (linked) and its other cells, the first being its status.
pub struct Row {
    pub href: String,
    pub title: String,
    pub status_code: String,
    pub cells: Vec<String>,
}

/// How many records a list page shows.
const PAGE: i64 = 25;

fn query_value<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// `GET /workspace/{kind}[?status=…&after=…]`: my organization's records, by status.
async fn my_records<R: Publishable>(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
) -> Result<Response, ApiError> {
    let status = query_value(&ctx, "status").and_then(<R::Action as Action>::Status::parse);
    let after = query_value(&ctx, "after").and_then(Cursor::decode);
    let counts = status_counts::<R>(&state, &ctx, &caller).await?;
    let total: i64 = counts
        .iter()
        .map(|c| c.count.replace(',', "").parse::<i64>().unwrap_or(0))
        .sum();
    let mut tabs = vec![Tab {
        href: format!("/workspace/{}", R::PLURAL),
        label: ctx.t("ws_all").to_string(),
        count: grouped(total),
        current: status.is_none(),
    }];
    tabs.extend(counts.into_iter().map(|c| Tab {
        current: status.is_some_and(|s| s.code() == c.code),
        href: c.href,
        label: c.label,
        count: c.count,
    }));
    let (rows, next) = match mine::<R>(&caller) {
        None => (Vec::new(), None),
        Some(cond) => {
            let mut conditions = vec![cond];
            if let Some(s) = status {
                conditions.push(Condition::Eq("status", s.code().into()));
            }
            let page = state
                .market()
                .list::<R>(&ListQuery {
                    conditions,
                    order: Order::NewestFirst,
                    after,
                    limit: PAGE,
                })
                .await?;
            let rows = page
                .items
                .iter()
                .map(|r| Row {
                    href: format!("/workspace/{}/{}", R::PLURAL, r.uuid()),
                    title: r.title().to_string(),
                    status_code: r.status().code().to_string(),
                    cells: vec![
                        super::status_label(r.status(), ctx.lang),
                        state
                            .regions()
                            .name(r.region_code().as_str())
                            .map_or_else(|| r.region_code(), str::to_string),
                        super::local_time(r.updated_at()),
                    ],
                })
                .collect();
            (rows, page.next)
        }
    };
    let next_href = next.map(|n| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = status {
            pairs.push(("status", s.code()));
        }
        pairs.push(("after", &n));
        href(&format!("/workspace/{}", R::PLURAL), &pairs)
    });
    Ok(no_store(
        ListPage {
            title_key: R::LIST_KEY,
            new_href: may_publish(&caller).then(|| format!("/workspace/{}/new", R::PLURAL)),
            new_key: R::NEW_KEY,
            empty_key: R::EMPTY_KEY,
            tabs,
            headers: vec![
                ctx.t("ws_col_title"),
                ctx.t("ws_col_status"),
                ctx.t("ws_col_region"),
                ctx.t("ws_updated"),
            ],
            rows,
            next_href,
            ctx,
        }
        .into_response(),
    ))
}

/// A list of the workspace as a table (my records by status, dockings, feedback), with the
/// button that adds one where there is one.
#[derive(Template, WebTemplate)]
#[template(path = "workspace_list.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub title_key: &'static str,
    pub new_href: Option<String>,
    pub new_key: &'static str,
    pub empty_key: &'static str,
    pub tabs: Vec<Tab>,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Row>,
    pub next_href: Option<String>,
}

/// `GET /workspace/dockings[?status=…]`: the docking records the caller is party to.
async fn dockings(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let status = query_value(&ctx, "status").and_then(DockingStatus::parse);
    let counts = docking_counts(&state, &ctx, &caller).await?;
    let mut tabs = vec![Tab {
        href: "/workspace/dockings".into(),
        label: ctx.t("ws_all").to_string(),
        count: String::new(),
        current: status.is_none(),
    }];
    tabs.extend(counts.into_iter().map(|c| Tab {
        current: status.is_some_and(|s| s.code() == c.code),
        href: c.href,
        label: c.label,
        count: c.count,
    }));
    let mut pairs = vec![("limit".to_string(), PAGE.to_string())];
    if let Some(s) = status {
        pairs.push(("status".into(), s.code().into()));
    }
    if let Some(a) = query_value(&ctx, "after") {
        pairs.push(("after".into(), a.to_string()));
    }
    let list = docking_list(&state, &caller, ctx.lang, pairs).await?;
    let rows = list
        .items
        .iter()
        .map(|d| Row {
            href: format!("/demands/{}", d.demand_id),
            title: d.demand_title.clone(),
            status_code: d.status.clone(),
            cells: vec![
                d.status_label.clone(),
                d.target_title.clone(),
                d.enterprise_name.clone(),
                super::local_time(d.updated_at),
            ],
        })
        .collect();
    let next_href = list.next.map(|n| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = status {
            pairs.push(("status", s.code()));
        }
        pairs.push(("after", &n));
        href("/workspace/dockings", &pairs)
    });
    Ok(no_store(
        ListPage {
            title_key: "ws_my_dockings",
            new_href: None,
            new_key: "ws_my_dockings",
            empty_key: "ws_no_dockings",
            tabs,
            headers: vec![
                ctx.t("col_demand"),
                ctx.t("ws_col_status"),
                ctx.t("col_target"),
                ctx.t("col_enterprise"),
                ctx.t("ws_updated"),
            ],
            rows,
            next_href,
            ctx,
        }
        .into_response(),
    ))
}

/// `GET /workspace/feedback`: what enterprises said of the matches — received on my
/// organization's achievements, and given by it.
async fn feedback(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let mut pairs = vec![("limit".to_string(), PAGE.to_string())];
    if let Some(a) = query_value(&ctx, "after") {
        pairs.push(("after".into(), a.to_string()));
    }
    let list = if feedback_reader(&caller) {
        let axum::Json(list) = crate::api::v1::docking::list_feedback(
            State(state.clone()),
            caller.clone(),
            crate::lang::RequestLang(ctx.lang),
            crate::extract::QueryPairs(pairs),
        )
        .await?;
        list
    } else {
        resource::ListResponse {
            items: Vec::new(),
            next: None,
            total: 0,
        }
    };
    let rows = list
        .items
        .iter()
        .map(|f| Row {
            href: match (f.achievement_id, f.expert_id) {
                (Some(a), _) => format!("/achievements/{a}"),
                (None, Some(x)) => format!("/experts/{x}"),
                _ => format!("/demands/{}", f.demand_id),
            },
            title: f.target_title.clone(),
            status_code: if f.useful { "useful".into() } else { "not_useful".into() },
            cells: vec![
                ctx.t(if f.useful {
                    "verdict_useful"
                } else {
                    "verdict_not_useful"
                })
                .to_string(),
                f.reason.clone(),
                f.enterprise_name.clone(),
                f.demand_title.clone(),
                super::local_time(f.updated_at),
            ],
        })
        .collect();
    let next_href = list.next.map(|n| href("/workspace/feedback", &[("after", &n)]));
    Ok(no_store(
        ListPage {
            title_key: "ws_my_feedback",
            new_href: None,
            new_key: "ws_my_feedback",
            empty_key: "ws_no_feedback",
            tabs: Vec::new(),
            headers: vec![
                ctx.t("col_target"),
                ctx.t("col_verdict"),
                ctx.t("col_why"),
                ctx.t("col_enterprise"),
                ctx.t("col_demand"),
                ctx.t("ws_updated"),
            ],
            rows,
            next_href,
            ctx,
        }
        .into_response(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Feedback and dockings from a demand's matches

/// What the caller's side said of each match of a demand: target id → useful.
pub async fn verdicts(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    demand: Uuid,
) -> Result<std::collections::HashMap<String, bool>, ApiError> {
    let mut out = std::collections::HashMap::new();
    if !feedback_reader(caller) {
        return Ok(out);
    }
    let pairs = vec![
        ("demand_id".to_string(), demand.to_string()),
        ("limit".to_string(), "100".to_string()),
    ];
    let axum::Json(list) = crate::api::v1::docking::list_feedback(
        State(state.clone()),
        caller.clone(),
        crate::lang::RequestLang(ctx.lang),
        crate::extract::QueryPairs(pairs),
    )
    .await?;
    // Newest first: the first verdict on a target is its current one.
    for f in list.items {
        if let Some(t) = f.achievement_id.or(f.expert_id) {
            out.entry(t.to_string()).or_insert(f.useful);
        }
    }
    Ok(out)
}

/// The notice of a demand page after a feedback or docking form (`?done=`).
pub fn match_notice(ctx: &Ctx) -> Option<String> {
    match query_value(ctx, "done")? {
        "feedback" => Some(ctx.t("match_feedback_saved").to_string()),
        "docking" => Some(ctx.t("match_docking_opened").to_string()),
        _ => None,
    }
}

/// `POST /workspace/matches`: from a demand's page, a verdict on one of its matches (`do` =
/// `useful` or `not_useful` with a `reason`) or a docking opened from it (`do=dock`), through the
/// API's own handlers; then back to the demand (303).
async fn match_action(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let t = Typed::parse(&body);
    let bad = |field: &str| {
        ApiError::validation([crate::error::FieldProblem::new(
            field.to_string(),
            "invalid",
            format!("表单字段 {field} 无效，请从需求页面重新操作"),
            format!("the form's {field} is invalid; go back to the demand's page and try again"),
        )])
    };
    let demand_id = Uuid::parse_str(&t.text("demand_id")).map_err(|_| bad("demand_id"))?;
    let target = Uuid::parse_str(&t.text("target_id")).map_err(|_| bad("target_id"))?;
    let (achievement_id, expert_id) = match t.text("target_kind").as_str() {
        "achievement" => (Some(target), None),
        "expert" => (None, Some(target)),
        _ => return Err(bad("target_kind")),
    };
    let score = t.text("score").parse::<f64>().ok().filter(|s| (0.0..=1.0).contains(s));
    let lang = crate::lang::RequestLang(ctx.lang);
    let done = match t.text("do").as_str() {
        "useful" | "not_useful" => {
            let useful = t.text("do") == "useful";
            let input = crate::api::v1::docking::MatchFeedbackInput {
                demand_id,
                achievement_id,
                expert_id,
                useful,
                reason: if useful {
                    "solves_problem".into()
                } else {
                    t.text("reason")
                },
                text: t.opt("text"),
                score,
            };
            crate::api::v1::docking::give_feedback(
                State(state.clone()),
                caller.clone(),
                lang,
                crate::extract::ApiJson(input),
            )
            .await?;
            "feedback"
        }
        "dock" => {
            let input = crate::api::v1::docking::DockingInput {
                demand_id,
                achievement_id,
                expert_id,
                score,
                reasons: Vec::new(),
                broker_id: None,
                note: None,
            };
            crate::api::v1::docking::open(
                State(state.clone()),
                caller.clone(),
                lang,
                crate::extract::ApiJson(input),
            )
            .await?;
            "docking"
        }
        _ => return Err(bad("do")),
    };
    Ok(Redirect::to(&href(&format!("/demands/{demand_id}"), &[("done", done)])).into_response())
}
