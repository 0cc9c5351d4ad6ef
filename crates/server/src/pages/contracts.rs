//! Technology contract registration on the portal (技术合同认定登记, issue 7, SPEC §6, C8):
//! the seller side's contracts (`/workspace/contracts`: fill one in, revise it, submit it to
//! the office of its region, follow the decision), the office's queue and desk
//! (`/backoffice/contracts`: the findings of the rules in force beside the contract, register
//! or reject with reasons, amend, cancel), the printable certificate, the public verification
//! by registration number (`/contracts/verify/{number}`, SPEC §3) and the public statistics
//! with their charts and CSV/XLSX export (`/contracts/statistics`).
//!
//! Nothing here decides what is allowed: every read and write goes through the API's own
//! functions ([`contracts::create_contract`], [`contracts::take_step`], …), so a form is
//! refused exactly as a JSON request is, and its errors are shown beside their fields.

use super::backoffice::NavLink;
use super::charts::{Bar, bar_chart};
use super::form::{Builder, FieldExt, Problems, Section, Typed, summary, whole_number};
use super::workspace::{FormPage, ListPage, Row, StatusCount, StatusLine, Tab, industry_groups, region_groups};
use super::{Ctx, grouped, href, local_time};
use crate::AppState;
use crate::api::v1::contract_files::{self, AttachmentView};
use crate::api::v1::contracts::{
    self, AmendInput, CancelInput, ContractInput, ContractPartyInput, ContractView, FacilitatorInput,
    NonTechnicalInput, PaymentInput, ReasonInput, RegisterInput, RegistrationCheckView, RejectInput, StatisticsView,
    Step,
};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::RecordId;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use techmarket_domain::contract::{
    Contract, ContractClass, ContractStatus, IpType, NonTechnicalKind, PartyKind, PlanSource, SocialObjective,
    TechnicalField,
};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::{Lang, Verb};
use techmarket_store::{Condition, Cursor, ListQuery, Order};
use uuid::Uuid;

/// The contract pages' routes. Verification and statistics are public; the workspace and the
/// back office have the gates of their areas ([`crate::access::gate`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts/verify", get(lookup))
        .route("/contracts/verify/{number}", get(verify))
        .route("/contracts/statistics", get(statistics))
        .route("/contracts/{id}/certificate", get(certificate))
        .route("/workspace/contracts", get(my_contracts).post(create))
        .route("/workspace/contracts/new", get(new_form))
        .route("/workspace/contracts/{id}", get(desk).post(revise))
        .route("/workspace/contracts/{id}/{step}", post(step))
        // An upload streams to the documents' own limits, not to a form's 1 MiB.
        .route(
            "/workspace/contracts/{id}/attachments",
            post(attach).layer(DefaultBodyLimit::disable()),
        )
        .route("/workspace/contracts/{id}/attachments/{file}/remove", post(detach))
        .route("/backoffice/contracts", get(queue))
        .route("/backoffice/contracts/{id}", get(desk))
        .route("/backoffice/contracts/{id}/{step}", post(step))
}

/// The public GET pages, for the gate test.
pub const PATHS: [&str; 3] = [
    "/contracts/verify",
    "/contracts/verify/{number}",
    "/contracts/statistics",
];

/// The contract pages' templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("contract_desk.html", include_str!("../../templates/contract_desk.html")),
    (
        "contract_certificate.html",
        include_str!("../../templates/contract_certificate.html"),
    ),
    (
        "contract_verify.html",
        include_str!("../../templates/contract_verify.html"),
    ),
    (
        "contract_statistics.html",
        include_str!("../../templates/contract_statistics.html"),
    ),
];

/// The contract pages' UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav_contracts", "技术合同", "Contracts"),
    ("ct_my_contracts", "我的技术合同", "My technology contracts"),
    ("ct_queue", "技术合同认定登记", "Contract registration"),
    ("ct_new", "填报技术合同", "Fill in a contract"),
    (
        "ct_new_heading",
        "填报技术合同（认定登记申请）",
        "Fill in a technology contract for registration",
    ),
    (
        "ct_empty",
        "还没有技术合同。合同签订后，由卖方（研究开发方、让与方、许可方、顾问方、服务方）点击“填报技术合同”，提交所在地区的技术合同登记机构认定登记。",
        "No contracts yet. Once a contract is signed, the seller side (developer, transferor, licensor, consultant, service provider) fills it in and submits it to the registration office of its region.",
    ),
    ("ct_queue_empty", "没有待处理的技术合同。", "No contracts here."),
    ("ct_col_status", "状态", "Status"),
    ("ct_col_class", "类别", "Class"),
    ("ct_col_buyer", "买方", "Buyer"),
    ("ct_col_amount", "技术交易额", "Technical amount"),
    ("ct_col_number", "登记号", "Registration no."),
    ("ct_col_updated", "更新时间", "Updated"),
    // The form
    ("ct_sec_contract", "合同基本信息", "The contract"),
    ("ct_sec_seller", "卖方（申请人）", "Seller side (the applicant)"),
    ("ct_sec_buyer", "买方", "Buyer side"),
    ("ct_sec_amounts", "金额与支付", "Amounts and payments"),
    (
        "ct_sec_non_technical",
        "非技术性款项（设备、仪器、零部件、原材料等，从成交额中扣除）",
        "Non-technical payments (equipment, instruments, parts, raw materials: deducted from the amount)",
    ),
    ("ct_sec_payments", "支付计划", "Payment schedule"),
    ("ct_sec_statistics", "统计信息", "For the statistics"),
    ("ct_f_name", "合同名称", "Contract name"),
    (
        "ct_f_contract_no",
        "合同编号（双方约定）",
        "The parties' contract number",
    ),
    ("ct_f_class", "合同类别", "Class"),
    ("ct_f_subclass", "合同子类", "Subclass"),
    ("ct_f_equity", "技术入股", "Contribution of technology as equity"),
    ("ct_f_written", "合同形式", "Form of the contract"),
    ("ct_written_yes", "书面合同", "Written"),
    ("ct_written_no", "口头合同（不予登记）", "Oral (cannot be registered)"),
    (
        "ct_f_subject",
        "合同标的（技术内容、工作成果）",
        "Subject (the technology, the work, the result)",
    ),
    ("ct_f_party_name", "名称", "Name"),
    ("ct_f_credit_code", "统一社会信用代码", "Unified social credit code"),
    ("ct_f_kind", "主体类型", "Kind"),
    ("ct_f_region", "所在地区", "Region"),
    ("ct_f_contact", "联系人及电话", "Contact person and telephone"),
    (
        "ct_f_facilitator",
        "促成的技术转移机构",
        "Facilitating technology-transfer institution",
    ),
    ("ct_f_broker", "技术经纪人", "Technology broker"),
    ("ct_f_amount", "合同成交额（元）", "Contract amount (yuan)"),
    ("ct_f_nt_kind", "款项类别", "Kind"),
    ("ct_f_nt_description", "说明", "Description"),
    ("ct_f_nt_amount", "金额（元）", "Amount (yuan)"),
    ("ct_f_due_on", "支付日期", "Due on"),
    ("ct_f_pay_amount", "支付金额（元）", "Amount (yuan)"),
    ("ct_f_signed_on", "签订日期", "Signed on"),
    ("ct_f_term_from", "履行期限起", "Term from"),
    ("ct_f_term_to", "履行期限止", "Term to"),
    ("ct_f_technical_field", "技术领域", "Technical field"),
    ("ct_f_ip_type", "知识产权类型", "Intellectual property"),
    ("ct_f_patents", "专利号", "Patent numbers"),
    ("ct_f_social_objective", "社会经济目标", "Socio-economic objective"),
    ("ct_f_plan_source", "计划来源", "Plan source"),
    ("ct_f_industry", "服务行业（GB/T 4754）", "Industry served (GB/T 4754)"),
    (
        "ct_f_investment",
        "预计新增投资（元，技术转让、许可填写）",
        "Expected new investment (yuan, transfers and licences)",
    ),
    (
        "ct_f_output",
        "预计新增产值（元，技术转让、许可填写）",
        "Expected new output value (yuan, transfers and licences)",
    ),
    (
        "ct_h_credit_code",
        "18 位，按 GB 32100 校验；自然人不填。",
        "18 characters, checked under GB 32100; none for an individual.",
    ),
    (
        "ct_h_amount",
        "合同约定的全部价款；技术交易额 = 成交额 − 非技术性款项。",
        "The whole price agreed; technical amount = contract amount − non-technical payments.",
    ),
    (
        "ct_h_non_technical",
        "技术载体（资料、样品、合理数量的一两套设备）不扣除，不必列出。",
        "Carriers of the technology (documents, samples, one or two sets of equipment) stay in: do not list them.",
    ),
    (
        "ct_h_patents",
        "每行一个，如 ZL201811564288.X",
        "One a line, e.g. ZL201811564288.X",
    ),
    (
        "ct_h_subclass",
        "须属于所选合同类别。",
        "Must belong to the class chosen.",
    ),
    // The desk
    ("ct_desk", "技术合同", "Technology contract"),
    ("ct_office", "登记机构", "Registration office"),
    ("ct_submitted_at", "提交时间", "Submitted"),
    ("ct_registration_number", "登记号", "Registration number"),
    ("ct_registered_on", "登记日期", "Registered on"),
    ("ct_rule_set", "认定规则", "Rules applied"),
    ("ct_technical_amount", "技术交易额", "Technical transaction amount"),
    (
        "ct_approved_amount",
        "认定技术交易额",
        "Approved technical transaction amount",
    ),
    (
        "ct_non_technical_total",
        "非技术性款项合计",
        "Non-technical payments in all",
    ),
    ("ct_benefits", "可享受的优惠政策", "Benefits it supports"),
    ("ct_findings", "规则审查结果", "What the rules in force find"),
    (
        "ct_findings_none",
        "现行规则未发现问题。",
        "The rules in force find nothing to object to.",
    ),
    ("ct_block", "不予登记", "Not registrable"),
    ("ct_warn", "需核实", "To check"),
    ("ct_rejection", "不予登记的理由", "Why it was not registered"),
    (
        "ct_rejection_hint",
        "请按以下理由修改后重新提交。",
        "Revise the contract as these reasons say and submit it again.",
    ),
    ("ct_amendments", "变更记录", "Amendments"),
    ("ct_cancellation", "注销", "Cancellation"),
    ("ct_history", "历史", "History"),
    ("ct_steps", "可执行的操作", "What you can do"),
    ("ct_step_edit", "修改", "Revise"),
    ("ct_step_submit", "提交认定登记", "Submit for registration"),
    ("ct_step_withdraw", "撤回", "Withdraw"),
    ("ct_step_register", "认定登记", "Register"),
    ("ct_step_reject", "不予登记", "Reject"),
    ("ct_step_amend", "变更", "Amend"),
    ("ct_step_cancel", "注销登记", "Cancel the registration"),
    ("ct_attachments", "合同文本及附件", "The signed contract and annexes"),
    (
        "ct_attachments_none",
        "尚未上传合同文本。请上传双方签字盖章的合同文本（PDF 或图片），登记机构据此审查。",
        "No file yet. Upload the contract as signed and sealed by both parties (PDF or images): the office reviews it.",
    ),
    ("ct_attach_file", "选择文件", "File"),
    (
        "ct_attach_hint",
        "PDF、Word、Excel、图片（PNG、JPEG）、ZIP 或文本文件，单个文件不超过 ",
        "PDF, Word, Excel, images (PNG, JPEG), ZIP or text, each at most ",
    ),
    ("ct_attach_submit", "上传", "Upload"),
    ("ct_attach_remove", "删除", "Remove"),
    (
        "ct_attach_frozen",
        "合同提交后附件不能再修改；被退回后可以修改。",
        "Once submitted the files cannot change; if the contract is returned, they can.",
    ),
    ("ct_amend_heading", "变更登记", "Amend the registration"),
    ("ct_next_waiting", "下一份待登记合同", "Next contract waiting"),
    (
        "ct_stale",
        "合同在您打开表单后已被修改，请重新打开变更表单。",
        "The contract changed since you opened the form; open the amendment form again.",
    ),
    ("ct_sec_amendment", "变更原因", "Why it is amended"),
    (
        "ct_f_amend_reason",
        "变更原因（记入变更记录）",
        "Reason (kept in the amendments)",
    ),
    ("ct_reason", "理由", "Reason"),
    (
        "ct_reasons_hint",
        "每行一条理由，申请人据此修改。",
        "One reason a line, for the applicant to act on.",
    ),
    ("ct_certificate_link", "打印登记证明", "Print the certificate"),
    ("ct_done", "已完成。", "Done."),
    ("ct_yes", "是", "yes"),
    ("ct_no", "否", "no"),
    ("ct_none", "无", "none"),
    ("ct_parties", "合同当事人", "The parties"),
    ("ct_listing", "来自挂牌交易", "From a listing"),
    // The certificate
    (
        "ct_certificate",
        "技术合同认定登记证明",
        "Technology contract registration certificate",
    ),
    (
        "ct_certificate_intro",
        "经审查，下列技术合同符合技术合同认定规则，予以认定登记。",
        "Having examined it, the office registers the technology contract below as meeting the registration rules.",
    ),
    ("ct_certificate_verify", "真伪查验：", "Check that it is real at "),
    ("ct_print", "打印", "Print"),
    (
        "ct_cancelled_notice",
        "该登记已注销。",
        "This registration has been cancelled.",
    ),
    // Verification
    ("ct_verify_title", "技术合同登记查验", "Verify a contract registration"),
    (
        "ct_verify_intro",
        "输入登记号，查验技术合同认定登记是否真实有效。",
        "Enter a registration number to check that a contract registration is real.",
    ),
    ("ct_verify_number", "登记号", "Registration number"),
    ("ct_verify_submit", "查验", "Verify"),
    ("ct_verify_found", "该登记号真实有效。", "This registration is real."),
    (
        "ct_verify_cancelled",
        "该登记号存在，但登记已注销。",
        "This registration exists but has been cancelled.",
    ),
    (
        "ct_verify_not_found",
        "未找到该登记号",
        "No registration has this number",
    ),
    (
        "ct_verify_not_found_hint",
        "请核对登记号（区分字母和数字），或向登记机构咨询。",
        "Check the number, or ask the registration office.",
    ),
    // Statistics
    ("ct_statistics", "技术合同登记统计", "Registered technology contracts"),
    ("ct_stat_year", "年度", "Year"),
    ("ct_stat_month", "月份", "Month"),
    ("ct_stat_all_months", "全年", "Whole year"),
    ("ct_stat_show", "查看", "Show"),
    ("ct_stat_region_level", "地区层级", "Regions by"),
    ("ct_stat_level_province", "省级", "province"),
    ("ct_stat_level_prefecture", "地市级", "prefecture"),
    ("ct_stat_level_county", "区县级", "county"),
    ("ct_stat_count", "合同数", "Contracts"),
    ("ct_stat_contract_amount", "合同成交额", "Contract amount"),
    ("ct_stat_technical_amount", "技术交易额", "Technical amount"),
    ("ct_stat_export_csv", "导出 CSV", "Export CSV"),
    ("ct_stat_export_xlsx", "导出 Excel（XLSX）", "Export XLSX"),
    (
        "ct_stat_empty",
        "该期间没有已登记的技术合同。",
        "No contract was registered in this period.",
    ),
    (
        "ct_stat_chart_unit",
        "技术交易额（万元）",
        "Technical amount (10,000 yuan)",
    ),
    (
        "ct_stat_note",
        "统计口径：已认定登记且未注销的技术合同，按登记日期；技术输出按卖方所在地区，技术吸纳按买方所在地区。",
        "Counted: registered contracts not cancelled, by date of registration; output by the seller's region, absorption by the buyer's.",
    ),
];

fn t_or<'a>(ctx: &Ctx, zh: &'a str, en: &'a str) -> &'a str {
    match ctx.lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn yuan(n: i64, lang: Lang) -> String {
    super::workspace_listings::yuan(n, lang)
}

fn query_value<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

// ---------------------------------------------------------------------------------------------
// The form

/// The non-technical payment rows and payment-schedule rows a form offers (blank rows are
/// ignored; more are added by saving and editing again).
const NT_ROWS: [[&str; 3]; 3] = [
    ["nt1.kind", "nt1.description", "nt1.amount"],
    ["nt2.kind", "nt2.description", "nt2.amount"],
    ["nt3.kind", "nt3.description", "nt3.amount"],
];
const PAY_ROWS: [[&str; 2]; 4] = [
    ["pay1.due_on", "pay1.amount"],
    ["pay2.due_on", "pay2.amount"],
    ["pay3.due_on", "pay3.amount"],
    ["pay4.due_on", "pay4.amount"],
];

fn choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<(String, Vec<(String, String)>)> {
    vec![(
        String::new(),
        all.iter().map(|v| (code(*v).to_string(), label(*v))).collect(),
    )]
}

macro_rules! vocab_choices {
    ($t:ty, $lang:expr) => {
        choices(<$t>::ALL, <$t>::code, |v| match $lang {
            Lang::Zh => v.label_zh().to_string(),
            Lang::En => v.label_en().to_string(),
        })
    };
}

fn subclass_choices(lang: Lang) -> Vec<(String, Vec<(String, String)>)> {
    ContractClass::ALL
        .iter()
        .map(|c| {
            let name = match lang {
                Lang::Zh => c.label_zh(),
                Lang::En => c.label_en(),
            };
            let subs = c
                .subclasses()
                .into_iter()
                .map(|s| {
                    (
                        s.code().to_string(),
                        match lang {
                            Lang::Zh => s.label_zh().to_string(),
                            Lang::En => s.label_en().to_string(),
                        },
                    )
                })
                .collect();
            (name.to_string(), subs)
        })
        .collect()
}

fn party_section(b: &Builder, state: &AppState, side: &str) -> Section {
    let ctx = b.ctx;
    let (legend, names): (&'static str, [&'static str; 5]) = if side == "seller" {
        (
            ctx.t("ct_sec_seller"),
            [
                "seller.name",
                "seller.credit_code",
                "seller.kind",
                "seller.region",
                "seller.contact",
            ],
        )
    } else {
        (
            ctx.t("ct_sec_buyer"),
            [
                "buyer.name",
                "buyer.credit_code",
                "buyer.kind",
                "buyer.region",
                "buyer.contact",
            ],
        )
    };
    Section {
        legend,
        fields: vec![
            b.text(names[0], "ct_f_party_name", 200).required(),
            b.text(names[1], "ct_f_credit_code", 18).hint(ctx, "ct_h_credit_code"),
            b.select(names[2], "ct_f_kind", vocab_choices!(PartyKind, ctx.lang))
                .required(),
            b.select(names[3], "ct_f_region", region_groups(state.regions(), ctx))
                .required(),
            b.text(names[4], "ct_f_contact", 200),
        ],
    }
}

fn sections(b: &Builder, state: &AppState) -> Vec<Section> {
    let ctx = b.ctx;
    let lang = ctx.lang;
    let written = vec![(
        String::new(),
        vec![
            ("yes".to_string(), ctx.t("ct_written_yes").to_string()),
            ("no".to_string(), ctx.t("ct_written_no").to_string()),
        ],
    )];
    let mut nt = Vec::new();
    for [kind, description, amount] in NT_ROWS {
        nt.push(b.select(kind, "ct_f_nt_kind", vocab_choices!(NonTechnicalKind, lang)));
        nt.push(b.text(description, "ct_f_nt_description", 200));
        nt.push(b.number(amount, "ct_f_nt_amount"));
    }
    if let Some(first) = nt.first_mut() {
        first.hint = Some(ctx.t("ct_h_non_technical"));
    }
    let mut pay = Vec::new();
    for [due, amount] in PAY_ROWS {
        pay.push(b.date(due, "ct_f_due_on"));
        pay.push(b.number(amount, "ct_f_pay_amount"));
    }
    vec![
        Section {
            legend: ctx.t("ct_sec_contract"),
            fields: vec![
                b.text("name", "ct_f_name", 200).required(),
                b.text("contract_no", "ct_f_contract_no", 100),
                b.select("class", "ct_f_class", vocab_choices!(ContractClass, lang))
                    .required(),
                b.select("subclass", "ct_f_subclass", subclass_choices(lang))
                    .required()
                    .hint(ctx, "ct_h_subclass"),
                b.checks(
                    "equity_contribution",
                    "ct_f_equity",
                    vec![("yes".to_string(), ctx.t("ct_f_equity").to_string())],
                ),
                b.select("written", "ct_f_written", written).required(),
                b.area("subject", "ct_f_subject", 5000).required(),
                b.date("signed_on", "ct_f_signed_on").required(),
                b.date("term_from", "ct_f_term_from"),
                b.date("term_to", "ct_f_term_to"),
            ],
        },
        party_section(b, state, "seller"),
        party_section(b, state, "buyer"),
        Section {
            legend: ctx.t("ct_sec_amounts"),
            fields: vec![
                b.number("contract_amount", "ct_f_amount")
                    .required()
                    .hint(ctx, "ct_h_amount"),
                b.text("facilitator.name", "ct_f_facilitator", 200),
                b.text("facilitator.broker", "ct_f_broker", 100),
            ],
        },
        Section {
            legend: ctx.t("ct_sec_non_technical"),
            fields: nt,
        },
        Section {
            legend: ctx.t("ct_sec_payments"),
            fields: pay,
        },
        Section {
            legend: ctx.t("ct_sec_statistics"),
            fields: vec![
                b.select(
                    "technical_field",
                    "ct_f_technical_field",
                    vocab_choices!(TechnicalField, lang),
                )
                .required(),
                b.select("ip_type", "ct_f_ip_type", vocab_choices!(IpType, lang))
                    .required(),
                b.area("patents", "ct_f_patents", 2000).hint(ctx, "ct_h_patents"),
                b.select(
                    "social_objective",
                    "ct_f_social_objective",
                    vocab_choices!(SocialObjective, lang),
                )
                .required(),
                b.select("plan_source", "ct_f_plan_source", vocab_choices!(PlanSource, lang))
                    .required(),
                b.select("industry", "ct_f_industry", industry_groups(lang)).required(),
                b.number("expected_investment", "ct_f_investment"),
                b.number("expected_output", "ct_f_output"),
            ],
        },
    ]
}

/// Every name the form has (for placing an API error beside its box).
fn form_names() -> Vec<&'static str> {
    let mut names = vec![
        "name",
        "contract_no",
        "class",
        "subclass",
        "equity_contribution",
        "written",
        "subject",
        "signed_on",
        "term_from",
        "term_to",
        "seller.name",
        "seller.credit_code",
        "seller.kind",
        "seller.region",
        "seller.contact",
        "buyer.name",
        "buyer.credit_code",
        "buyer.kind",
        "buyer.region",
        "buyer.contact",
        "contract_amount",
        "facilitator.name",
        "facilitator.broker",
        "technical_field",
        "ip_type",
        "patents",
        "social_objective",
        "plan_source",
        "industry",
        "expected_investment",
        "expected_output",
        // The amendment form's reason.
        "reason",
    ];
    names.extend(NT_ROWS.iter().flatten());
    names.extend(PAY_ROWS.iter().flatten());
    names
}

/// The form's box for an API error path: `non_technical[1].amount` → `nt2.amount`,
/// `payments[0].due_on` → `pay1.due_on`, `patents[2]` → `patents`.
fn box_of(path: &str) -> String {
    for (prefix, short) in [("non_technical[", "nt"), ("payments[", "pay")] {
        if let Some(rest) = path.strip_prefix(prefix)
            && let Some((i, field)) = rest.split_once("].")
            && let Ok(i) = i.parse::<usize>()
        {
            return format!("{short}{}.{field}", i + 1);
        }
    }
    match path.find('[') {
        Some(i) => path[..i].to_string(),
        None => path.to_string(),
    }
}

fn add_api_problems(problems: &mut Problems, e: &ApiError, ctx: &Ctx) {
    if e.fields.is_empty() {
        problems.general.push(e.message(ctx.lang).to_string());
        return;
    }
    let names = form_names();
    for f in &e.fields {
        let name = box_of(&f.path);
        let message = f.message(ctx.lang).to_string();
        if names.contains(&name.as_str()) {
            problems.add(&name, message);
        } else {
            problems.general.push(message);
        }
    }
}

fn amount_at(t: &Typed, name: &str, ctx: &Ctx, problems: &mut Problems) -> Option<i64> {
    match whole_number(t.raw(name)) {
        Ok(n) => n,
        Err(_) => {
            let shown: String = t.raw(name).trim().chars().take(30).collect();
            problems.add(
                name,
                match ctx.lang {
                    Lang::Zh => format!("「{shown}」不是整数（元）"),
                    Lang::En => format!("`{shown}` is not a whole number of yuan"),
                },
            );
            None
        }
    }
}

fn party_input(t: &Typed, side: &str) -> ContractPartyInput {
    ContractPartyInput {
        organization_id: None,
        name: t.text(&format!("{side}.name")),
        credit_code: t.opt(&format!("{side}.credit_code")),
        kind: t.text(&format!("{side}.kind")),
        region: t.text(&format!("{side}.region")),
        contact: t.opt(&format!("{side}.contact")),
    }
}

/// The input a form states; what cannot be read (a number that is not one) is a problem.
fn input_of(t: &Typed, ctx: &Ctx, problems: &mut Problems) -> ContractInput {
    let mut non_technical = Vec::new();
    for [kind, description, amount] in NT_ROWS {
        let blank = t.text(kind).is_empty() && t.text(description).is_empty() && t.text(amount).is_empty();
        if blank {
            continue;
        }
        non_technical.push(NonTechnicalInput {
            kind: t.text(kind),
            description: t.text(description),
            amount: amount_at(t, amount, ctx, problems).unwrap_or(0),
        });
    }
    let mut payments = Vec::new();
    for [due, amount] in PAY_ROWS {
        if t.text(due).is_empty() && t.text(amount).is_empty() {
            continue;
        }
        payments.push(PaymentInput {
            due_on: t.text(due),
            amount: amount_at(t, amount, ctx, problems).unwrap_or(0),
            note: None,
        });
    }
    let facilitator = t.opt("facilitator.name").map(|name| FacilitatorInput {
        organization_id: None,
        name,
        broker: t.opt("facilitator.broker"),
    });
    ContractInput {
        name: t.text("name"),
        contract_no: t.opt("contract_no"),
        class: t.text("class"),
        subclass: t.text("subclass"),
        equity_contribution: t.all("equity_contribution").iter().any(|v| v == "yes"),
        written: t.text("written") != "no",
        subject: t.text("subject"),
        seller: party_input(t, "seller"),
        buyer: party_input(t, "buyer"),
        facilitator,
        contract_amount: amount_at(t, "contract_amount", ctx, problems).unwrap_or(0),
        non_technical,
        payments,
        signed_on: t.text("signed_on"),
        term_from: t.opt("term_from"),
        term_to: t.opt("term_to"),
        technical_field: t.text("technical_field"),
        ip_type: t.text("ip_type"),
        patents: super::form::split_list(&t.text("patents")),
        social_objective: t.text("social_objective"),
        plan_source: t.text("plan_source"),
        industry: t.text("industry"),
        expected_investment: amount_at(t, "expected_investment", ctx, problems),
        expected_output: amount_at(t, "expected_output", ctx, problems),
        listing_id: t.opt("listing_id").and_then(|l| Uuid::parse_str(&l).ok()),
    }
}

/// A form filled in from a contract's input.
fn typed_of(i: &ContractInput) -> Typed {
    let mut t = Typed::default();
    t.set("name", &i.name);
    t.set("contract_no", i.contract_no.clone().unwrap_or_default());
    t.set("class", &i.class);
    t.set("subclass", &i.subclass);
    if i.equity_contribution {
        t.push("equity_contribution", "yes");
    }
    t.set("written", if i.written { "yes" } else { "no" });
    t.set("subject", &i.subject);
    for (side, p) in [("seller", &i.seller), ("buyer", &i.buyer)] {
        t.set(&format!("{side}.name"), &p.name);
        t.set(
            &format!("{side}.credit_code"),
            p.credit_code.clone().unwrap_or_default(),
        );
        t.set(&format!("{side}.kind"), &p.kind);
        t.set(&format!("{side}.region"), &p.region);
        t.set(&format!("{side}.contact"), p.contact.clone().unwrap_or_default());
    }
    t.set("contract_amount", i.contract_amount.to_string());
    if let Some(f) = &i.facilitator {
        t.set("facilitator.name", &f.name);
        t.set("facilitator.broker", f.broker.clone().unwrap_or_default());
    }
    for (row, n) in NT_ROWS.iter().zip(&i.non_technical) {
        t.set(row[0], &n.kind);
        t.set(row[1], &n.description);
        t.set(row[2], n.amount.to_string());
    }
    for (row, p) in PAY_ROWS.iter().zip(&i.payments) {
        t.set(row[0], &p.due_on);
        t.set(row[1], p.amount.to_string());
    }
    t.set("signed_on", &i.signed_on);
    t.set("term_from", i.term_from.clone().unwrap_or_default());
    t.set("term_to", i.term_to.clone().unwrap_or_default());
    t.set("technical_field", &i.technical_field);
    t.set("ip_type", &i.ip_type);
    t.set("patents", i.patents.join("\n"));
    t.set("social_objective", &i.social_objective);
    t.set("plan_source", &i.plan_source);
    t.set("industry", &i.industry);
    t.set(
        "expected_investment",
        i.expected_investment.map(|n| n.to_string()).unwrap_or_default(),
    );
    t.set(
        "expected_output",
        i.expected_output.map(|n| n.to_string()).unwrap_or_default(),
    );
    if let Some(l) = i.listing_id {
        t.set("listing_id", l.to_string());
    }
    t
}

/// What the contract form is for.
#[derive(Clone, Copy)]
enum FormFor<'a> {
    /// A new draft.
    New,
    /// The applicant's revision of a draft or rejected contract.
    Revise(&'a Contract),
    /// The office's amendment of a registered contract, with its reason.
    Amend(&'a Contract),
}

fn form_page(state: &AppState, ctx: Ctx, typed: &Typed, problems: Problems, purpose: FormFor) -> FormPage {
    let builder = Builder {
        ctx: &ctx,
        typed,
        problems: &problems,
    };
    let mut sections = sections(&builder, state);
    if let FormFor::Amend(_) = purpose {
        sections.insert(
            0,
            Section {
                legend: ctx.t("ct_sec_amendment"),
                fields: vec![builder.text("reason", "ct_f_amend_reason", 500).required()],
            },
        );
    }
    let summary = summary(&sections);
    let status_of = |c: &Contract| {
        Some(StatusLine {
            code: c.status.code(),
            label: contracts::status_label(c.status, ctx.lang).to_string(),
            reason: None,
        })
    };
    let (heading, action, version, status) = match purpose {
        FormFor::Revise(c) => (
            c.fields.name.clone(),
            format!("/workspace/contracts/{}", c.id),
            Some(c.version),
            status_of(c),
        ),
        FormFor::Amend(c) => (
            format!("{}：{}", ctx.t("ct_amend_heading"), c.fields.name),
            format!("/backoffice/contracts/{}/amend", c.id),
            Some(c.version),
            status_of(c),
        ),
        FormFor::New => (
            ctx.t("ct_new_heading").to_string(),
            "/workspace/contracts".to_string(),
            None,
            None,
        ),
    };
    let (list_href, list_key, contract) = match purpose {
        FormFor::Amend(c) => ("/backoffice/contracts", "ct_queue", Some(c)),
        FormFor::Revise(c) => ("/workspace/contracts", "ct_my_contracts", Some(c)),
        FormFor::New => ("/workspace/contracts", "ct_my_contracts", None),
    };
    FormPage {
        heading,
        list_href: list_href.into(),
        list_key,
        action,
        version,
        status,
        notice: None,
        editable: true,
        public_href: contract.map(|c| format!("{list_href}/{}", c.id)),
        sections,
        summary,
        problems,
        actions: Vec::new(),
        trade_href: None,
        ctx,
    }
}

/// A new contract's form, filled in from the caller's organization (the seller side) and, with
/// `?listing=ID`, from a certified listing's draft contract.
async fn new_form(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let mut t = Typed::default();
    t.set("written", "yes");
    t.set("plan_source", "none");
    if let Some(org) = caller.principal().and_then(|p| p.organization_id)
        && let Ok(o) = state
            .market()
            .get::<techmarket_domain::Organization>(org.as_uuid())
            .await
    {
        t.set("seller.name", &o.fields.name);
        t.set(
            "seller.credit_code",
            o.fields
                .credit_code
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        );
        t.set("seller.region", o.fields.region.to_string());
        t.set("seller.kind", party_kind_of(o.fields.kind).code());
    }
    if let Some(id) = query_value(&ctx, "listing").and_then(|l| Uuid::parse_str(l).ok())
        && let Ok(l) = crate::api::v1::listings::load(&state, &caller, id, Verb::Read).await
        && let Some(d) = techmarket_store::trading::DraftContract::of(&l)
    {
        t.set("name", &d.title);
        t.set("class", "transfer");
        t.set("contract_amount", d.amount.to_string());
        t.set("buyer.name", &d.buyer.name);
        t.set("listing_id", d.listing_id.to_string());
        if let Ok(b) = state
            .market()
            .get::<techmarket_domain::Organization>(d.buyer.id.as_uuid())
            .await
        {
            t.set(
                "buyer.credit_code",
                b.fields
                    .credit_code
                    .as_ref()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            );
            t.set("buyer.region", b.fields.region.to_string());
            t.set("buyer.kind", party_kind_of(b.fields.kind).code());
        }
    }
    Ok(form_page(&state, ctx, &t, Problems::default(), FormFor::New).into_response())
}

/// The statistics' kind of a directory organization.
fn party_kind_of(k: techmarket_domain::OrgKind) -> PartyKind {
    use techmarket_domain::OrgKind;
    match k {
        OrgKind::University => PartyKind::University,
        OrgKind::Institute => PartyKind::Institute,
        OrgKind::Government => PartyKind::Government,
        OrgKind::Enterprise | OrgKind::Bank | OrgKind::Fund => PartyKind::Enterprise,
        OrgKind::Service | OrgKind::Incubator => PartyKind::Association,
    }
}

/// `POST /workspace/contracts`: a new draft; its desk, or the form again with the problems.
async fn create(State(state): State<AppState>, ctx: Ctx, caller: Caller, body: Bytes) -> Result<Response, ApiError> {
    let t = Typed::parse(&body);
    let mut problems = Problems::default();
    let input = input_of(&t, &ctx, &mut problems);
    if problems.is_empty() {
        match contracts::create_contract(&state, &caller, &input).await {
            Ok(c) => return Ok(Redirect::to(&format!("/workspace/contracts/{}?done=1", c.id)).into_response()),
            Err(e) if e.code.status().is_client_error() => add_api_problems(&mut problems, &e, &ctx),
            Err(e) => return Err(e),
        }
    }
    let mut res = form_page(&state, ctx, &t, problems, FormFor::New).into_response();
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// `POST /workspace/contracts/{id}`: the revision of a draft or rejected contract.
async fn revise(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    RecordId(id): RecordId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let t = Typed::parse(&body);
    let mut problems = Problems::default();
    let input = input_of(&t, &ctx, &mut problems);
    let version = t.text("version").parse::<i64>().ok();
    let c = contracts::load(&state, &caller, id, Verb::Read).await?;
    if problems.is_empty() {
        match contracts::update_contract(&state, &caller, id, version, &input).await {
            Ok(c) => return Ok(Redirect::to(&format!("/workspace/contracts/{}?done=1", c.id)).into_response()),
            Err(e) if e.code.status().is_client_error() => add_api_problems(&mut problems, &e, &ctx),
            Err(e) => return Err(e),
        }
    }
    let mut res = form_page(&state, ctx, &t, problems, FormFor::Revise(&c)).into_response();
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Lists

fn rows_of(views: &[ContractView], base: &str, ctx: &Ctx) -> Vec<Row> {
    views
        .iter()
        .map(|v| Row {
            href: format!("{base}/{}", v.id),
            title: v.name.clone(),
            status_code: v.status.clone(),
            cells: vec![
                v.status_label.clone(),
                v.class.label.clone(),
                v.buyer.name.clone(),
                yuan(v.technical_amount, ctx.lang),
                v.registration.as_ref().map(|r| r.number.clone()).unwrap_or_default(),
                local_time(v.updated_at),
            ],
        })
        .collect()
}

const PAGE: i64 = 25;

/// How many of the caller's contracts are in each status (the office's: drafts left out).
pub async fn status_counts(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    base: &str,
    operator: bool,
) -> Result<Vec<StatusCount>, ApiError> {
    let visible = contracts::visibility(caller)?;
    let mut out = Vec::new();
    for s in ContractStatus::all() {
        if operator && *s == ContractStatus::Draft {
            continue;
        }
        let mut conditions = vec![Condition::Eq("status", s.code().into())];
        conditions.extend(visible.clone());
        let n = state
            .market()
            .store()
            .count(techmarket_domain::RecordKind::Contract, &conditions)
            .await?;
        out.push(StatusCount {
            code: s.code().to_string(),
            label: contracts::status_label(*s, ctx.lang).to_string(),
            count: grouped(n),
            href: href(base, &[("status", s.code())]),
        });
    }
    Ok(out)
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    base: &str,
    operator: bool,
) -> Result<Response, ApiError> {
    let status = query_value(&ctx, "status").and_then(ContractStatus::parse);
    let after = query_value(&ctx, "after").and_then(Cursor::decode);
    let visible = contracts::visibility(caller)?;
    let mut tabs = vec![Tab {
        href: base.to_string(),
        label: t_or(&ctx, "全部", "All").to_string(),
        count: String::new(),
        current: status.is_none(),
    }];
    for c in status_counts(state, &ctx, caller, base, operator).await? {
        tabs.push(Tab {
            current: status.is_some_and(|s| s.code() == c.code),
            href: c.href,
            label: c.label,
            count: c.count,
        });
    }
    let mut conditions: Vec<Condition> = visible.into_iter().collect();
    match status {
        Some(s) => conditions.push(Condition::Eq("status", s.code().into())),
        // The office's queue starts with what awaits it; drafts are the applicants' own.
        None if operator => conditions.push(Condition::In(
            "status",
            ContractStatus::all()
                .iter()
                .filter(|s| **s != ContractStatus::Draft)
                .map(|s| s.code().into())
                .collect(),
        )),
        None => {}
    }
    // The office decides what waits in the order it came: the contract filed first, first.
    let order = if operator && status == Some(ContractStatus::Submitted) {
        Order::OldestFirst
    } else {
        Order::NewestFirst
    };
    let page = state
        .market()
        .list::<Contract>(&ListQuery {
            conditions,
            order,
            after,
            limit: PAGE,
        })
        .await?;
    let views: Vec<ContractView> = page
        .items
        .iter()
        .map(|c| {
            let mut v = contracts::contract_view(state, c, caller, ctx.lang);
            v.findings = None;
            v
        })
        .collect();
    let rows = rows_of(&views, base, &ctx);
    let next_href = page.next.map(|n| {
        let mut pairs = vec![("after", n.as_str())];
        if let Some(s) = status {
            pairs.push(("status", s.code()));
        }
        href(base, &pairs)
    });
    let headers = [
        "ct_col_status",
        "ct_col_class",
        "ct_col_buyer",
        "ct_col_amount",
        "ct_col_number",
        "ct_col_updated",
    ];
    let mut all_headers = vec![ctx.t("ct_f_name")];
    all_headers.extend(headers.iter().map(|h| ctx.t(h)));
    Ok(ListPage {
        title_key: if operator { "ct_queue" } else { "ct_my_contracts" },
        new_href: (!operator && ctx.is_member()).then(|| "/workspace/contracts/new".to_string()),
        new_key: "ct_new",
        empty_key: if operator { "ct_queue_empty" } else { "ct_empty" },
        tabs,
        headers: all_headers,
        rows,
        next_href,
        ctx,
    }
    .into_response())
}

/// `GET /workspace/contracts`: my organization's contracts, by status.
async fn my_contracts(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    list_page(&state, ctx, &caller, "/workspace/contracts", false).await
}

/// `GET /backoffice/contracts`: the office's contracts, submitted ones first to decide.
async fn queue(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    list_page(&state, ctx, &caller, "/backoffice/contracts", true).await
}

// ---------------------------------------------------------------------------------------------
// The desk

/// One labelled fact.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

/// A step the desk offers, with the inputs it takes.
pub struct StepForm {
    pub code: &'static str,
    pub label: &'static str,
    pub href: String,
    /// `none`, `date` (registration), `reasons` (rejection), `reason` (amendment, cancellation).
    pub input: &'static str,
    pub secondary: bool,
}

/// One line of the history.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contract_desk.html")]
pub struct DeskPage {
    pub ctx: Ctx,
    /// The back office's sections (shown to operators).
    pub nav: Vec<NavLink>,
    pub base: String,
    pub operator: bool,
    pub v: ContractView,
    pub notice: Option<String>,
    pub problems: Vec<String>,
    pub facts: Vec<Fact>,
    pub steps: Vec<StepForm>,
    pub today: String,
    pub history: Vec<HistoryLine>,
    pub certificate_href: Option<String>,
    pub edit_href: Option<String>,
    /// For the office: the oldest other contract awaiting a decision, to go on with.
    pub next_href: Option<String>,
    /// The contract's files, and where a new one is uploaded when the caller may.
    pub attachments: Vec<AttachmentLine>,
    pub attach_action: Option<String>,
    pub max_size: String,
}

/// A file of the contract as the desk lists it.
pub struct AttachmentLine {
    pub a: AttachmentView,
    pub size: String,
    pub short_sha256: String,
}

fn fact(ctx: &Ctx, key: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: ctx.t(key),
        value: value.into(),
    }
}

fn yes_no(ctx: &Ctx, b: bool) -> String {
    ctx.t(if b { "ct_yes" } else { "ct_no" }).to_string()
}

fn facts(ctx: &Ctx, v: &ContractView) -> Vec<Fact> {
    let lang = ctx.lang;
    let mut f = vec![
        fact(ctx, "ct_f_contract_no", v.contract_no.clone().unwrap_or_default()),
        fact(ctx, "ct_f_class", v.class.label.clone()),
        fact(ctx, "ct_f_subclass", v.subclass.label.clone()),
        fact(ctx, "ct_f_equity", yes_no(ctx, v.equity_contribution)),
        fact(
            ctx,
            "ct_f_written",
            ctx.t(if v.written { "ct_written_yes" } else { "ct_written_no" }),
        ),
        fact(ctx, "ct_f_subject", v.subject.clone()),
        fact(ctx, "ct_f_signed_on", v.signed_on.clone()),
        fact(
            ctx,
            "ct_f_term_from",
            format!(
                "{} – {}",
                v.term_from.clone().unwrap_or_default(),
                v.term_to.clone().unwrap_or_default()
            ),
        ),
        fact(ctx, "ct_f_amount", yuan(v.contract_amount, lang)),
        fact(ctx, "ct_non_technical_total", yuan(v.non_technical_total, lang)),
        fact(ctx, "ct_technical_amount", yuan(v.technical_amount, lang)),
    ];
    for n in &v.non_technical {
        f.push(Fact {
            label: ctx.t("ct_f_nt_kind"),
            value: format!("{}：{}，{}", n.kind.label, n.description, yuan(n.amount, lang)),
        });
    }
    for p in &v.payments {
        f.push(Fact {
            label: ctx.t("ct_f_due_on"),
            value: format!("{}：{}", p.due_on, yuan(p.amount, lang)),
        });
    }
    if let Some(name) = &v.facilitator_name {
        let broker = v.broker.as_ref().map(|b| format!("（{b}）")).unwrap_or_default();
        f.push(fact(ctx, "ct_f_facilitator", format!("{name}{broker}")));
    }
    f.extend([
        fact(ctx, "ct_f_technical_field", v.technical_field.label.clone()),
        fact(ctx, "ct_f_ip_type", v.ip_type.label.clone()),
        fact(ctx, "ct_f_patents", v.patents.join("，")),
        fact(ctx, "ct_f_social_objective", v.social_objective.label.clone()),
        fact(ctx, "ct_f_plan_source", v.plan_source.label.clone()),
        fact(
            ctx,
            "ct_f_industry",
            format!("{} {}", v.industry.code, v.industry.label),
        ),
    ]);
    if let Some(n) = v.expected_investment {
        f.push(fact(ctx, "ct_f_investment", yuan(n, lang)));
    }
    if let Some(n) = v.expected_output {
        f.push(fact(ctx, "ct_f_output", yuan(n, lang)));
    }
    f.push(fact(ctx, "ct_office", v.office_name.clone()));
    if let Some(at) = v.submitted_at {
        f.push(fact(ctx, "ct_submitted_at", local_time(at)));
    }
    f.retain(|x| !x.value.trim().is_empty() && x.value.trim() != "–");
    f
}

fn step_forms(v: &ContractView, base: &str, operator: bool) -> Vec<(&'static str, &'static str, bool)> {
    let mut out = Vec::new();
    for s in &v.allowed_steps {
        let (code, input, secondary): (&'static str, &'static str, bool) = match s.as_str() {
            "submit" if !operator => ("submit", "none", false),
            "withdraw" if !operator => ("withdraw", "none", true),
            "register" if operator => ("register", "date", false),
            "reject" if operator => ("reject", "reasons", true),
            "amend" if operator => ("amend", "link", true),
            "cancel" if operator => ("cancel", "reason", true),
            _ => continue,
        };
        out.push((code, input, secondary));
    }
    let _ = base;
    out
}

/// The oldest submitted contract the caller's office decides, other than `current`.
async fn next_waiting(
    state: &AppState,
    caller: &Caller,
    current: techmarket_domain::ContractId,
) -> Result<Option<Uuid>, ApiError> {
    let mut conditions: Vec<Condition> = contracts::visibility(caller)?.into_iter().collect();
    conditions.push(Condition::Eq("status", ContractStatus::Submitted.code().into()));
    let page = state
        .market()
        .list::<Contract>(&ListQuery {
            conditions,
            order: Order::OldestFirst,
            after: None,
            limit: 2,
        })
        .await?;
    Ok(page.items.iter().find(|c| c.id != current).map(|c| c.id.as_uuid()))
}

/// What a history line says a change was, in the page's language (an unknown action as is).
fn history_label(ctx: &Ctx, action: &str) -> String {
    let (zh, en) = match action {
        "created" => ("创建草稿", "drafted"),
        "updated" => ("修改", "revised"),
        "imported" => ("导入", "imported"),
        "submit" => ("提交认定登记", "submitted"),
        "withdraw" => ("撤回", "withdrawn"),
        "register" => ("认定登记", "registered"),
        "reject" => ("不予登记", "rejected"),
        "amend" => ("变更", "amended"),
        "cancel" => ("注销登记", "registration cancelled"),
        "attachment_added" => ("上传附件", "file attached"),
        "attachment_removed" => ("删除附件", "file removed"),
        other => return other.to_string(),
    };
    t_or(ctx, zh, en).to_string()
}

async fn desk_page(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    id: Uuid,
    operator: bool,
    problems: Vec<String>,
) -> Result<DeskPage, ApiError> {
    let c = contracts::load(state, caller, id, Verb::Read).await?;
    let v = contracts::contract_view(state, &c, caller, ctx.lang);
    let base = if operator {
        "/backoffice/contracts"
    } else {
        "/workspace/contracts"
    };
    let steps = step_forms(&v, base, operator)
        .into_iter()
        .map(|(code, input, secondary)| StepForm {
            code,
            label: ctx.t(format!("ct_step_{code}")),
            href: format!("{base}/{}/{code}", v.id),
            input,
            secondary,
        })
        .collect();
    let events = state.market().history::<Contract>(c.id.as_uuid()).await?;
    let history = events
        .into_iter()
        .rev()
        .map(|e| HistoryLine {
            at: local_time(e.event.occurred_at),
            actor: e.event.actor.name.clone(),
            action: history_label(&ctx, &e.event.action),
        })
        .collect();
    let certificate_href = v
        .registration
        .as_ref()
        .map(|_| format!("/contracts/{}/certificate", v.id));
    let edit_href = (!operator && v.allowed_steps.iter().any(|s| s == "edit"))
        .then(|| format!("/workspace/contracts/{}?edit=1", v.id));
    let notice = query_value(&ctx, "done").map(|_| ctx.t("ct_done").to_string());
    let next_href = if operator {
        next_waiting(state, caller, c.id)
            .await?
            .map(|n| format!("/backoffice/contracts/{n}"))
    } else {
        None
    };
    let attach_action = (!operator && v.allowed_steps.iter().any(|s| s == "edit"))
        .then(|| format!("/workspace/contracts/{}/attachments", v.id));
    Ok(DeskPage {
        attachments: v
            .attachments
            .iter()
            .map(|a| AttachmentLine {
                size: super::deal_room::size_text(a.size),
                short_sha256: a.sha256.chars().take(12).collect(),
                a: a.clone(),
            })
            .collect(),
        attach_action,
        next_href,
        max_size: super::deal_room::size_text(state.documents().rules().max_size),
        nav: super::backoffice::nav(&ctx),
        base: base.to_string(),
        operator,
        facts: facts(&ctx, &v),
        steps,
        today: techmarket_domain::calendar::beijing_date(techmarket_domain::now_millis()).to_string(),
        history,
        certificate_href,
        edit_href,
        notice,
        problems,
        v,
        ctx,
    })
}

/// `GET /workspace/contracts/{id}` (`?edit=1`: the form) and `GET /backoffice/contracts/{id}`.
async fn desk(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let operator = ctx.path.starts_with("/backoffice/");
    if operator && query_value(&ctx, "amend").is_some() {
        let c = contracts::load(&state, &caller, id, Verb::Review).await?;
        let t = typed_of(&ContractInput::of(&c.fields));
        return Ok(form_page(&state, ctx, &t, Problems::default(), FormFor::Amend(&c)).into_response());
    }
    if !operator && query_value(&ctx, "edit").is_some() {
        let c = contracts::load(&state, &caller, id, Verb::Edit).await?;
        let t = typed_of(&ContractInput::of(&c.fields));
        return Ok(form_page(&state, ctx, &t, Problems::default(), FormFor::Revise(&c)).into_response());
    }
    Ok(desk_page(&state, ctx, &caller, id, operator, Vec::new())
        .await?
        .into_response())
}

/// `POST …/contracts/{id}/{step}`: one step; back to the desk, or the desk with the reason.
async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let operator = ctx.path.starts_with("/backoffice/");
    let base = if operator {
        "/backoffice/contracts"
    } else {
        "/workspace/contracts"
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return Err(ApiError::new(crate::error::ErrorCode::ContractNotFound));
    };
    let t = Typed::parse(&body);
    let reason = t.text("reason");
    let request = match step.as_str() {
        "submit" => Step::Submit,
        "withdraw" => Step::Withdraw,
        "register" => Step::Register(RegisterInput {
            registered_on: t.opt("registered_on"),
        }),
        "reject" => Step::Reject(RejectInput {
            reasons: reason
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| ReasonInput {
                    path: String::new(),
                    rule: None,
                    message: l.to_string(),
                })
                .collect(),
            note: None,
        }),
        "amend" if operator => return amend(&state, ctx, &caller, id, &t).await,
        "cancel" => Step::Cancel(CancelInput { reason }),
        _ => return Err(ApiError::new(crate::error::ErrorCode::NotFound)),
    };
    match contracts::take_step(&state, &caller, id, request).await {
        Ok(c) => Ok(Redirect::to(&format!("{base}/{}?done=1", c.id)).into_response()),
        Err(e) if e.code.status().is_client_error() && e.code.status() != StatusCode::NOT_FOUND => {
            let mut problems: Vec<String> = e.fields.iter().map(|f| f.message(ctx.lang).to_string()).collect();
            if problems.is_empty() {
                problems.push(e.message(ctx.lang).to_string());
            }
            let mut res = desk_page(&state, ctx, &caller, id, operator, problems)
                .await?
                .into_response();
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// `POST /backoffice/contracts/{id}/amend`: the amendment form — the contract's fields as the
/// officer corrected them and the reason. Back to the desk, or the form with the problems.
async fn amend(state: &AppState, ctx: Ctx, caller: &Caller, id: Uuid, t: &Typed) -> Result<Response, ApiError> {
    let c = contracts::load(state, caller, id, Verb::Review).await?;
    let mut problems = Problems::default();
    let mut input = input_of(t, &ctx, &mut problems);
    // The form does not show which directory organizations the parties are: they stay.
    input.seller.organization_id = c.fields.seller.organization_id.map(|o| o.as_uuid());
    input.buyer.organization_id = c.fields.buyer.organization_id.map(|o| o.as_uuid());
    if t.text("version").parse::<i64>().ok().is_some_and(|v| v != c.version) {
        problems.general.push(ctx.t("ct_stale").to_string());
    }
    if problems.is_empty() {
        let step = Step::Amend(Box::new(AmendInput {
            contract: input,
            reason: t.text("reason"),
        }));
        match contracts::take_step(state, caller, id, step).await {
            Ok(c) => return Ok(Redirect::to(&format!("/backoffice/contracts/{}?done=1", c.id)).into_response()),
            Err(e) if e.code.status().is_client_error() => add_api_problems(&mut problems, &e, &ctx),
            Err(e) => return Err(e),
        }
    }
    let mut res = form_page(state, ctx, t, problems, FormFor::Amend(&c)).into_response();
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// Runs a change of the contract's files, then back to the desk; a refusal (a file of a type
/// not accepted, too large, a frozen contract) is shown on the desk with its reason.
async fn on_desk(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    id: Uuid,
    result: Result<Contract, ApiError>,
) -> Result<Response, ApiError> {
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/workspace/contracts/{}?done=1#attachments-h", c.id)).into_response()),
        Err(e) if e.code.status().is_client_error() && e.code.status() != StatusCode::NOT_FOUND => {
            let status = e.code.status();
            let mut problems: Vec<String> = e.fields.iter().map(|f| f.message(ctx.lang).to_string()).collect();
            if problems.is_empty() {
                problems.push(e.message(ctx.lang).to_string());
            }
            let mut res = desk_page(state, ctx, caller, id, false, problems)
                .await?
                .into_response();
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// `POST /workspace/contracts/{id}/attachments`: the upload form (multipart, its `csrf` field
/// first).
async fn attach(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    RecordId(id): RecordId,
    req: Request,
) -> Result<Response, ApiError> {
    let result = contract_files::store_attachment(&state, &caller, id, req).await;
    on_desk(&state, ctx, &caller, id, result).await
}

/// `POST /workspace/contracts/{id}/attachments/{file}/remove`.
async fn detach(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (Ok(id), Ok(file)) = (Uuid::parse_str(&id), Uuid::parse_str(&file)) else {
        return Err(ApiError::new(crate::error::ErrorCode::ContractNotFound));
    };
    let result = contract_files::remove_attachment(&state, &caller, id, file).await;
    on_desk(&state, ctx, &caller, id, result).await
}

// ---------------------------------------------------------------------------------------------
// Certificate and verification

#[derive(Template, WebTemplate)]
#[template(path = "contract_certificate.html")]
pub struct CertificatePage {
    pub ctx: Ctx,
    pub v: ContractView,
    pub verify_href: String,
    pub approved: String,
}

/// `GET /contracts/{id}/certificate`: the printable registration certificate.
async fn certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let c = contracts::load(&state, &caller, id, Verb::Read).await?;
    let v = contracts::contract_view(&state, &c, &caller, ctx.lang);
    let Some(r) = &v.registration else {
        return Err(ApiError::new(crate::error::ErrorCode::RegistrationNotFound));
    };
    let verify_href = verify_href(&r.number);
    let approved = yuan(r.technical_amount, ctx.lang);
    Ok(CertificatePage {
        ctx,
        verify_href,
        approved,
        v,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "contract_verify.html")]
pub struct VerifyPage {
    pub ctx: Ctx,
    pub number: String,
    pub found: Option<RegistrationCheckView>,
    pub amount: String,
}

pub fn verify_href(number: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(number.as_bytes()).collect();
    format!("/contracts/verify/{encoded}")
}

/// `GET /contracts/verify[?number=…]`: the form, or straight to the number's page.
async fn lookup(ctx: Ctx) -> Response {
    match query_value(&ctx, "number").map(str::trim) {
        Some(n) if !n.is_empty() => Redirect::to(&verify_href(n)).into_response(),
        _ => VerifyPage {
            ctx,
            number: String::new(),
            found: None,
            amount: String::new(),
        }
        .into_response(),
    }
}

/// `GET /contracts/verify/{number}`: the registration's facts, or 404 with the form.
async fn verify(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Result<Response, ApiError> {
    let number = number.trim().to_string();
    let found = contracts::registration_check(&state, &number, ctx.lang).await?;
    let amount = found
        .as_ref()
        .map(|f| yuan(f.technical_amount, ctx.lang))
        .unwrap_or_default();
    let missing = found.is_none();
    let mut res = VerifyPage {
        ctx,
        number,
        found,
        amount,
    }
    .into_response();
    if missing {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// One breakdown as the page shows it: a chart and its table.
pub struct BreakdownBlock {
    pub id: String,
    pub title: String,
    pub chart: String,
    pub rows: Vec<(String, String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "contract_statistics.html")]
pub struct StatisticsPage {
    pub ctx: Ctx,
    pub year: i32,
    pub month: Option<u8>,
    pub years: Vec<i32>,
    pub months: Vec<u8>,
    /// `(code, label, selected)` of the region levels.
    pub region_levels: Vec<(&'static str, &'static str, bool)>,
    pub totals: (String, String, String),
    pub blocks: Vec<BreakdownBlock>,
    pub csv_href: String,
    pub xlsx_href: String,
    pub empty: bool,
}

impl StatisticsPage {
    pub fn month_selected(&self, m: &u8) -> bool {
        self.month == Some(*m)
    }

    pub fn year_selected(&self, y: &i32) -> bool {
        self.year == *y
    }
}

fn wan(n: i64) -> u64 {
    (n.max(0) as u64).div_ceil(10_000)
}

fn blocks(v: &StatisticsView, ctx: &Ctx) -> Vec<BreakdownBlock> {
    v.breakdowns
        .iter()
        .map(|b| {
            // Charts show the largest twelve; the table has every row.
            let bars: Vec<Bar> = b
                .rows
                .iter()
                .take(12)
                .map(|r| Bar::new(r.label.clone(), wan(r.technical_amount)))
                .collect();
            BreakdownBlock {
                id: format!("chart-{}", b.dimension),
                chart: bar_chart(
                    &format!("chart-{}", b.dimension),
                    &b.title,
                    ctx.t("ct_stat_chart_unit"),
                    &bars,
                    ctx.t("ct_stat_empty"),
                ),
                title: b.title.clone(),
                rows: b
                    .rows
                    .iter()
                    .map(|r| {
                        (
                            r.label.clone(),
                            grouped(r.count),
                            yuan(r.contract_amount, ctx.lang),
                            yuan(r.technical_amount, ctx.lang),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `GET /contracts/statistics[?year=&month=]`: the year's registered contracts, public.
async fn statistics(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let r = contracts::statistics_query(ctx.query.clone())?;
    let q = &r.query;
    let s = state.market().contract_statistics(q).await?;
    let v = contracts::statistics_view(&state, &s, &r, ctx.lang).await;
    let this_year = techmarket_domain::calendar::beijing_date(techmarket_domain::now_millis()).year();
    let years: Vec<i32> = (this_year - 9..=this_year).rev().collect();
    let mut pairs: Vec<(&str, String)> = vec![("year", q.year.to_string())];
    if let Some(m) = q.month {
        pairs.push(("month", m.to_string()));
    }
    pairs.push(("region_level", v.region_level.clone()));
    let with_format = |f: &str| {
        let mut p: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        p.push(("format", f));
        p.push(("lang", crate::lang::tag(ctx.lang)));
        href("/api/v1/contract-statistics/export", &p)
    };
    let csv_href = with_format("csv");
    let xlsx_href = with_format("xlsx");
    Ok(StatisticsPage {
        year: q.year,
        month: q.month,
        years,
        months: (1..=12).collect(),
        region_levels: [
            ("province", "ct_stat_level_province"),
            ("prefecture", "ct_stat_level_prefecture"),
            ("county", "ct_stat_level_county"),
        ]
        .into_iter()
        .map(|(code, key)| (code, ctx.t(key), code == v.region_level))
        .collect(),
        totals: (
            grouped(v.totals.count),
            yuan(v.totals.contract_amount, ctx.lang),
            yuan(v.totals.technical_amount, ctx.lang),
        ),
        empty: v.totals.count == 0,
        blocks: blocks(&v, &ctx),
        csv_href,
        xlsx_href,
        ctx,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_path_finds_its_box() {
        assert_eq!(box_of("non_technical[1].amount"), "nt2.amount");
        assert_eq!(box_of("payments[0].due_on"), "pay1.due_on");
        assert_eq!(box_of("patents[2]"), "patents");
        assert_eq!(box_of("seller.credit_code"), "seller.credit_code");
        for name in form_names() {
            assert_eq!(box_of(name), name);
        }
    }

    #[test]
    fn a_form_round_trips_through_its_input() {
        let ctx = Ctx {
            lang: Lang::Zh,
            account: None,
            role: None,
            csrf: None,
            path: "/workspace/contracts/new".into(),
            query: vec![],
            unread: None,
        };
        let mut t = Typed::default();
        for (k, v) in [
            ("name", "秸秆生物炭技术转让合同"),
            ("class", "transfer"),
            ("subclass", "patent_right_transfer"),
            ("written", "yes"),
            ("subject", "转让秸秆热解制备生物炭的发明专利及工艺包"),
            ("seller.name", "吉林大学"),
            ("seller.kind", "university"),
            ("seller.region", "220100"),
            ("buyer.name", "某环保公司"),
            ("buyer.kind", "enterprise"),
            ("buyer.region", "440300"),
            ("contract_amount", "1,200,000"),
            ("nt2.kind", "equipment"),
            ("nt2.description", "热解炉"),
            ("nt2.amount", "200000"),
            ("pay1.due_on", "2026-04-01"),
            ("pay1.amount", "1200000"),
            ("signed_on", "2026-03-18"),
            ("technical_field", "new_materials"),
            ("ip_type", "invention_patent"),
            ("patents", "ZL201811564288.X"),
            ("social_objective", "environment"),
            ("plan_source", "none"),
            ("industry", "N"),
        ] {
            t.set(k, v);
        }
        let mut problems = Problems::default();
        let input = input_of(&t, &ctx, &mut problems);
        assert!(problems.is_empty());
        assert_eq!(input.contract_amount, 1_200_000);
        assert_eq!(input.non_technical.len(), 1, "blank rows are ignored");
        let fields = input.fields().unwrap();
        assert_eq!(fields.technical_amount(), 1_000_000);
        let again = input_of(&typed_of(&ContractInput::of(&fields)), &ctx, &mut problems)
            .fields()
            .unwrap();
        assert_eq!(again, fields);

        t.set("contract_amount", "120万");
        let mut problems = Problems::default();
        input_of(&t, &ctx, &mut problems);
        assert!(problems.get("contract_amount").is_some_and(|m| m.contains("120万")));
    }
}
