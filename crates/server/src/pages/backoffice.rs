//! `/backoffice`: the operator's pages (issue 5, point 4) — the review queue of their region
//! (approve, reject with a reason), the audit trail, the docking pipeline as a board.
//!
//! Nothing here decides who may do what: every read and write goes through the API's own
//! functions ([`crate::api::v1::resource::transition_record`], the audit list, the docking
//! list and steps), so a page refuses exactly what the API refuses. The gate
//! ([`crate::access::gate`]) admits operators and the administrator only.

mod audit;
mod board;
mod queue;
mod review;
mod trading;

pub use trading::MESSAGES as TRADING_MESSAGES;

use super::Ctx;
use crate::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

/// The back office's routes (gate: operators and the administrator).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/backoffice", get(queue::queue))
        .route("/backoffice/review/{kind}/{id}", get(review::page).post(review::decide))
        .route("/backoffice/audit", get(audit::audit))
        .route("/backoffice/dockings", get(board::board))
        .route("/backoffice/dockings/{id}", axum::routing::post(board::step))
        .route("/backoffice/trading", get(trading::queue))
        .route("/backoffice/trading/{id}", get(trading::desk))
        .route("/backoffice/trading/{id}/{step}", axum::routing::post(trading::step))
        .route(
            "/backoffice/intents/{id}/deposit",
            axum::routing::post(trading::confirm_deposit),
        )
}

/// The back office's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "backoffice_nav.html",
        include_str!("../../templates/backoffice_nav.html"),
    ),
    (
        "backoffice_queue.html",
        include_str!("../../templates/backoffice_queue.html"),
    ),
    (
        "backoffice_review.html",
        include_str!("../../templates/backoffice_review.html"),
    ),
    (
        "backoffice_audit.html",
        include_str!("../../templates/backoffice_audit.html"),
    ),
    (
        "backoffice_dockings.html",
        include_str!("../../templates/backoffice_dockings.html"),
    ),
    (
        "backoffice_trading.html",
        include_str!("../../templates/backoffice_trading.html"),
    ),
];

/// The back office's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("bo_nav_label", "运营管理", "Back office"),
    ("bo_queue", "待审核", "Review queue"),
    ("bo_audit", "审计日志", "Audit trail"),
    ("bo_dockings", "对接看板", "Docking board"),
    // The queue
    (
        "bo_queue_intro",
        "按提交时间先后排列，先提交的先审核。",
        "Oldest submission first: first come, first served.",
    ),
    ("bo_scope_all", "范围：全部地区", "Scope: all regions"),
    ("bo_scope_region", "范围：", "Scope: "),
    ("bo_by_kind", "按类型筛选", "By kind"),
    ("bo_all", "全部", "All"),
    ("bo_kind_achievements", "科技成果", "Achievements"),
    ("bo_kind_demands", "技术需求", "Demands"),
    ("bo_kind_organizations", "机构入驻", "Organizations"),
    ("bo_col_kind", "类型", "Kind"),
    ("bo_col_title", "名称", "Title"),
    ("bo_col_org", "单位", "Organization"),
    ("bo_col_region", "地区", "Region"),
    ("bo_col_submitted", "提交时间", "Submitted"),
    ("bo_col_review", "操作", "Review"),
    ("bo_review_link", "审核", "Review"),
    (
        "bo_queue_empty",
        "您所在地区目前没有待审核的记录。新的提交会出现在这里；现在可以查看对接看板或审计日志。",
        "Nothing is waiting for review in your region. New submissions appear here; meanwhile, see the docking board or the audit trail.",
    ),
    (
        "bo_no_region",
        "您的运营账户没有设置负责地区，因此没有可审核的记录。请联系平台管理员设置地区。",
        "Your operator account has no region, so there is nothing for you to review. Ask the administrator to set your region.",
    ),
    (
        "bo_queue_capped",
        "待审核记录较多，这里只列出每类最早创建的一部分；处理完这些后会显示其余记录。",
        "The queue is long: only the earliest-created part of each kind is listed; the rest appear as these are done.",
    ),
    (
        "bo_done_approved",
        "已审核通过，记录已公开发布。",
        "Approved: the record is now public.",
    ),
    (
        "bo_done_rejected",
        "已退回，申请人会看到您填写的原因。",
        "Rejected: the applicant sees the reason you gave.",
    ),
    ("bo_org_is", "单位：", "Organization: "),
    ("bo_submitted_at", "提交时间：", "Submitted: "),
    // One record's review
    ("bo_review_title", "审核", "Review"),
    ("bo_status", "状态：", "Status: "),
    ("bo_reason_shown", "原因：", "Reason: "),
    ("bo_content", "内容", "Content"),
    ("bo_history", "变更记录", "History"),
    ("bo_history_empty", "还没有变更记录。", "No changes recorded yet."),
    ("bo_col_when", "时间", "When"),
    ("bo_col_who", "操作人", "By"),
    ("bo_col_action", "操作", "Action"),
    ("bo_col_details", "内容", "Details"),
    ("bo_decision", "审核决定", "Decision"),
    ("bo_approve", "审核通过并发布", "Approve and publish"),
    (
        "bo_approve_hint",
        "通过后记录立即公开，访客可以检索和查看。",
        "Once approved the record is public: visitors can find and read it.",
    ),
    ("bo_reject", "退回", "Reject"),
    ("bo_suspend", "不予通过（停用）", "Refuse (suspend)"),
    (
        "bo_reason_label",
        "退回原因（必填，申请人可见）",
        "Reason (required; the applicant sees it)",
    ),
    (
        "bo_reason_hint",
        "请说明需要修改或补充的内容，申请人修改后可以重新提交。",
        "Say what must be changed or added; the applicant can then submit again.",
    ),
    (
        "bo_reason_required",
        "请填写退回原因：申请人需要知道哪里要修改。",
        "Give a reason: the applicant needs to know what to change.",
    ),
    (
        "bo_not_waiting",
        "这条记录当前不在待审核状态，无需处理。",
        "This record is not waiting for review: there is nothing to decide.",
    ),
    ("bo_view_public", "查看公开页面", "See its public page"),
    ("bo_back_to_queue", "返回待审核列表", "Back to the review queue"),
    ("bo_form_errors", "未能完成操作", "The decision was not recorded"),
    (
        "bo_stale",
        "这条记录在您打开页面后已被修改（或已被其他运营人员处理）。下方已显示最新内容，请确认后重新操作。",
        "This record changed after you opened it (or another operator decided on it). Its current content is shown below: check it and decide again.",
    ),
    ("bo_action_created", "创建", "created"),
    ("bo_action_updated", "修改内容", "edited"),
    ("bo_action_imported", "导入", "imported"),
    ("bo_changed_fields", "修改了：", "Changed: "),
    ("bo_yes", "是", "yes"),
    ("bo_no", "否", "no"),
    ("bo_f_kind", "机构类型", "Organization type"),
    ("bo_f_tags", "资质标签", "Recognitions"),
    ("bo_f_industry", "所属行业", "Industry"),
    ("bo_f_region", "所在地区", "Region"),
    ("bo_f_keywords", "关键词", "Keywords"),
    ("bo_f_summary", "成果简介", "Summary"),
    ("bo_f_description", "描述", "Description"),
    ("bo_f_holder_type", "持有者类型", "Holder type"),
    // The audit trail
    (
        "bo_audit_intro",
        "平台上每一次变更：谁、何时、从哪里、改了什么。",
        "Every change on the market: who, when, from where, what.",
    ),
    ("bo_filters", "筛选", "Filters"),
    ("bo_f_audit_kind", "记录类型", "Kind of record"),
    ("bo_f_record", "记录编号（UUID）", "Record id (UUID)"),
    ("bo_f_actor", "操作人", "Actor"),
    (
        "bo_h_actor",
        "如 user:zhangsan、cli:import",
        "Such as user:zhangsan, cli:import",
    ),
    ("bo_f_since", "起始日期", "From"),
    ("bo_f_until", "截止日期", "Until"),
    ("bo_apply", "筛选", "Filter"),
    ("bo_clear", "清除条件", "Clear"),
    (
        "bo_export_csv",
        "导出 CSV（当前筛选条件）",
        "Export as CSV (these filters)",
    ),
    ("bo_col_address", "来源地址", "Address"),
    ("bo_col_record", "记录", "Record"),
    ("bo_older", "更早的记录", "Older entries"),
    ("bo_open_record", "查看", "Open"),
    (
        "bo_audit_empty",
        "没有符合条件的变更记录。请放宽筛选条件（如清除日期或操作人），或点击“清除条件”查看全部。",
        "No change matches these filters. Widen them (drop the dates or the actor), or choose Clear to see everything.",
    ),
    ("bo_filter_error", "筛选条件有误", "A filter is not valid"),
    // The docking board
    (
        "bo_dockings_intro",
        "对接流程：已推荐 → 已联系 → 洽谈中 → 已签约 / 对接失败。在卡片上推进到下一步。",
        "The pipeline: recommended → contacted → negotiating → signed / failed. Move a card on to its next step.",
    ),
    ("bo_col_empty", "此阶段暂无对接。", "No docking at this step."),
    (
        "bo_board_empty",
        "还没有对接记录。在需求详情页的匹配结果中可以发起对接，之后会出现在这里。",
        "No dockings yet. Open one from the matches on a demand's page; it then appears here.",
    ),
    ("bo_card_target", "成果/专家：", "Achievement/expert: "),
    ("bo_card_enterprise", "需求企业：", "Enterprise: "),
    ("bo_card_broker", "经纪人：", "Broker: "),
    ("bo_card_no_broker", "未指定", "none"),
    ("bo_card_updated", "最近变更：", "Last change: "),
    (
        "bo_card_note",
        "备注（可选，记入对接时间线）",
        "Note (optional; goes into the timeline)",
    ),
    ("bo_fail_reason", "失败原因", "Why it failed"),
    ("bo_step_fail_confirm", "确认标记为对接失败", "Mark it failed"),
    ("bo_more_in_column", "查看此阶段全部", "See all at this step"),
    ("bo_whole_board", "返回整个看板", "Back to the whole board"),
    ("bo_step_contact", "标记为已联系", "Mark contacted"),
    ("bo_step_negotiate", "进入洽谈", "Start negotiating"),
    ("bo_step_sign", "标记为已签约", "Mark signed"),
    ("bo_step_fail", "标记为对接失败…", "Mark failed…"),
    ("bo_step_reopen", "重新跟进", "Reopen"),
    ("bo_step_done", "已更新对接进度。", "The docking was moved on."),
    ("bo_step_failed", "未能更新对接进度", "The docking was not moved"),
];

/// How many rows a back-office list shows on a page.
const PAGE: usize = 25;

/// One link of the back office's own navigation.
pub struct NavLink {
    pub href: &'static str,
    pub key: &'static str,
    pub current: bool,
}

/// The back office's sections, the current one marked.
pub(crate) fn nav(ctx: &Ctx) -> Vec<NavLink> {
    let here = ctx.path.as_str();
    [
        ("/backoffice", "bo_queue"),
        ("/backoffice/audit", "bo_audit"),
        ("/backoffice/dockings", "bo_dockings"),
        ("/backoffice/trading", "bo_trading"),
        ("/backoffice/contracts", "ct_queue"),
    ]
    .into_iter()
    .map(|(href, key)| NavLink {
        href,
        key,
        current: if href == "/backoffice" {
            here == "/backoffice" || here.starts_with("/backoffice/review/")
        } else {
            ctx.is_current(href)
        },
    })
    .collect()
}

/// The first value of a query parameter.
fn query_value<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// `<time datetime>`'s value: the instant in RFC 3339.
pub(crate) fn iso_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Back-office pages show one operator's current work: never cached.
fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// What a change did, in words, for the audit table and a record's history: the status step
/// (`待审核 → 已发布`, each status named by `status`), the reason given, the fields changed.
pub(crate) fn change_details(
    changes: &serde_json::Value,
    action: &str,
    ctx: &Ctx,
    status: impl Fn(Option<&serde_json::Value>) -> String,
) -> Vec<String> {
    use serde_json::Value;
    let mut details = Vec::new();
    let Value::Object(m) = changes else {
        return details;
    };
    if let Some(Value::Object(s)) = m.get("status") {
        let (old, new) = (status(s.get("old")), status(s.get("new")));
        details.push(if old.is_empty() {
            new
        } else {
            format!("{old} → {new}")
        });
    }
    if let Some(Value::String(r)) = m.get("reason") {
        details.push(format!("{}{r}", ctx.t("bo_reason_shown")));
    }
    if action == "updated" {
        let fields: Vec<&str> = m.keys().map(String::as_str).collect();
        if !fields.is_empty() {
            details.push(format!("{}{}", ctx.t("bo_changed_fields"), fields.join(", ")));
        }
    }
    details
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_back_office_route_is_behind_the_operators_gate() {
        use crate::access::{Gate, gate};
        use axum::http::Method;
        use techmarket_domain::Role;
        for (m, path) in [
            (Method::GET, "/backoffice"),
            (Method::GET, "/backoffice/review/{kind}/{id}"),
            (Method::POST, "/backoffice/review/{kind}/{id}"),
            (Method::GET, "/backoffice/audit"),
            (Method::GET, "/backoffice/dockings"),
            (Method::POST, "/backoffice/dockings/{id}"),
            (Method::GET, "/backoffice/trading"),
            (Method::GET, "/backoffice/trading/{id}"),
            (Method::POST, "/backoffice/trading/{id}/{step}"),
            (Method::POST, "/backoffice/intents/{id}/deposit"),
        ] {
            let Some(Gate::Roles(roles)) = gate(&m, path) else {
                panic!("{m} {path} has no role gate");
            };
            assert_eq!(roles, &[Role::Operator, Role::Admin], "{m} {path}");
        }
    }

    #[test]
    fn dates_are_shown_in_china_time() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(crate::pages::local_time(1_767_225_600_000), "2026-01-01 08:00");
        assert_eq!(iso_of(1_767_225_600_000), "2026-01-01T00:00:00Z");
    }
}
