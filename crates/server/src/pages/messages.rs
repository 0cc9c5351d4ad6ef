//! The portal's UI strings, Chinese first (SPEC: every user-facing text zh-CN with an English
//! translation). Record labels (regions, industries, modes) come from the domain's own tables.

use techmarket_domain::Lang;

/// `(key, 中文, English)`. Keys are what the templates ask for: `{{ ctx.t("nav_achievements") }}`.
const MESSAGES: &[(&str, &str, &str)] = &[
    ("site_name", "科技大市场", "Technology Market"),
    (
        "site_tagline",
        "科技成果、企业需求、专家与机构，一站检索对接",
        "Achievements, demands, experts and organizations — find and connect in one place",
    ),
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("nav_label", "主导航", "Main navigation"),
    ("nav_home", "首页", "Home"),
    ("nav_achievements", "科技成果", "Achievements"),
    ("nav_demands", "技术需求", "Demands"),
    ("nav_experts", "专家", "Experts"),
    ("nav_organizations", "机构", "Organizations"),
    ("lang_label", "语言", "Language"),
    ("signed_in_as", "已登录：", "Signed in as "),
    (
        "footer_note",
        "科技大市场 · 开源的区域技术市场平台",
        "Technology Market · an open-source regional technology market platform",
    ),
    ("footer_api", "开放接口（API）", "Open API"),
    // Home
    ("home_title", "科技大市场", "Technology Market"),
    ("home_figures", "市场概况", "The market in figures"),
    ("fig_achievements", "已发布科技成果", "Published achievements"),
    ("fig_demands", "已发布技术需求", "Published demands"),
    ("fig_experts", "入库专家", "Experts"),
    ("fig_organizations", "入驻机构", "Organizations"),
    ("fig_dockings", "已签约对接", "Signed dockings"),
    ("home_search_label", "检索科技成果", "Search achievements"),
    (
        "home_search_placeholder",
        "如：秸秆 地膜、锂电池、image recognition",
        "e.g. 秸秆 地膜, battery, image recognition",
    ),
    ("home_browse", "浏览", "Browse"),
    // Search
    ("search", "检索", "Search"),
    ("search_label", "关键词", "Keywords"),
    ("search_title_achievements", "科技成果检索", "Search achievements"),
    ("search_title_demands", "技术需求检索", "Search demands"),
    ("search_title_experts", "专家检索", "Search experts"),
    ("search_title_organizations", "机构检索", "Search organizations"),
    ("filters", "筛选", "Filters"),
    ("apply_filters", "应用筛选", "Apply filters"),
    ("clear_filters", "清除全部条件", "Clear all"),
    ("facet_region", "地区", "Region"),
    ("facet_industry", "行业", "Industry"),
    ("facet_trl", "技术就绪水平（TRL）", "Technology readiness (TRL)"),
    ("facet_mode", "合作方式", "Mode"),
    ("facet_holder_type", "持有者类型", "Holder type"),
    ("facet_org_kind", "机构类型", "Organization type"),
    ("facet_any_trl", "不限", "Any"),
    ("sort", "排序", "Sort"),
    ("sort_relevance", "相关度", "Relevance"),
    ("sort_newest", "最新发布", "Newest"),
    ("sort_price_asc", "价格从低到高", "Price, low to high"),
    ("sort_price_desc", "价格从高到低", "Price, high to low"),
    ("results", "检索结果", "Results"),
    ("total_before", "共 ", ""),
    ("total_after", " 条结果", " results"),
    ("showing", "当前显示第", "Showing"),
    ("showing_to", "至", "to"),
    ("pagination", "分页", "Pagination"),
    ("prev", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("empty_title", "没有找到符合条件的结果", "Nothing matches your search"),
    (
        "empty_hint",
        "试试更短或更常用的关键词，去掉部分筛选条件，或浏览全部记录。",
        "Try shorter or more common words, remove some filters, or browse everything.",
    ),
    ("browse_all", "浏览全部", "Browse everything"),
    ("bad_request_title", "检索条件有误", "The search could not be run"),
    ("bad_request_field", "有问题的参数：", "Parameter at fault: "),
    (
        "bad_request_hint",
        "请修改检索条件后重试。",
        "Change the search and try again.",
    ),
    // Detail pages
    ("list_sep", "、", ", "),
    ("trl", "技术就绪水平（TRL）", "Technology readiness (TRL)"),
    ("price", "转让价格", "Asking price"),
    ("price_negotiable", "面议", "Negotiable"),
    ("transfer_modes", "转化方式", "Transfer modes"),
    ("holder", "成果持有者", "Holder"),
    ("inventors", "完成人", "Inventors"),
    ("problem_solved", "解决的问题", "Problem solved"),
    ("advantages", "技术优势", "Advantages"),
    ("economic_comparison", "经济效益对比", "Economic comparison"),
    ("patents", "专利", "Patents"),
    ("contact", "联系方式", "Contact"),
    ("contact_name", "联系人", "Name"),
    ("contact_phone", "电话", "Phone"),
    ("contact_email", "电子邮箱", "E-mail"),
    (
        "contact_masked_hint",
        "电话和邮箱已部分隐藏：完整的联系方式只有记录的所有者和平台运营人员可见。",
        "Phone and e-mail are partly hidden: only the record's owner and the market's operators see them in full.",
    ),
    ("challenge", "揭榜挂帅", "Open challenge"),
    ("bounty", "悬赏金额", "Bounty"),
    ("application_deadline", "揭榜截止", "Applications close"),
    ("discipline", "学科", "Discipline"),
    ("budget", "预算", "Budget"),
    ("budget_no_limit", "不限（面议）", "No limit (negotiable)"),
    ("min_trl", "最低技术就绪水平", "Minimum readiness"),
    ("cooperation_modes", "合作方式", "Cooperation modes"),
    ("enterprise", "需求企业", "Enterprise"),
    ("deadline", "截止日期", "Deadline"),
    ("matching_demands", "匹配的技术需求", "Matching demands"),
    ("matching_achievements", "匹配的科技成果", "Matching achievements"),
    ("matching_experts", "匹配的专家", "Matching experts"),
    ("no_matches", "暂无匹配结果。", "No matches yet."),
    ("match_score", "匹配度", "Match"),
    ("matched_terms", "匹配词：", "Matching terms: "),
    ("expert_fields", "研究领域", "Fields"),
    ("bio", "简介", "Biography"),
    ("credit_code", "统一社会信用代码", "Unified social credit code"),
    ("address", "地址", "Address"),
    ("website", "网站", "Website"),
    ("org_description", "机构简介", "About"),
    ("org_achievements", "已发布的科技成果", "Published achievements"),
    (
        "org_no_achievements",
        "暂无已发布的科技成果。",
        "No published achievements yet.",
    ),
    // Errors
    ("not_found_title", "页面不存在", "Page not found"),
    (
        "not_found_hint",
        "这个地址没有内容。可能链接已失效，或地址输入有误。",
        "There is nothing at this address. The link may be out of date, or the address mistyped.",
    ),
    ("back_home", "返回首页", "Back to the home page"),
    ("error_title", "出错了", "Something went wrong"),
    (
        "error_hint",
        "服务器暂时无法完成请求，请稍后再试。",
        "The server could not complete the request. Please try again later.",
    ),
];

/// Every table: the common strings above, then each area's own (so areas grow apart).
const TABLES: &[&[(&str, &str, &str)]] = &[
    MESSAGES,
    ACCOUNT,
    super::workspace::MESSAGES,
    super::workspace_listings::MESSAGES,
    super::notifications::MESSAGES,
    super::backoffice::MESSAGES,
    super::backoffice::TRADING_MESSAGES,
    super::dashboard::MESSAGES,
    super::trading::MESSAGES,
    super::deal_room::MESSAGES,
    super::contracts::MESSAGES,
];

/// Signing in and out, and the pages a gate turns people away with.
const ACCOUNT: &[(&str, &str, &str)] = &[
    ("nav_login", "登录", "Sign in"),
    ("nav_logout", "退出登录", "Sign out"),
    ("nav_workspace", "工作台", "Workspace"),
    ("nav_backoffice", "运营管理", "Back office"),
    ("nav_dashboard", "驾驶舱", "Dashboard"),
    ("account_nav_label", "账户", "Account"),
    ("login_title", "登录", "Sign in"),
    (
        "login_intro",
        "会员单位、技术经纪人、专家和运营人员请使用平台分配的账户登录。",
        "Member organizations, brokers, experts and operators sign in with the account the market gave them.",
    ),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("login_submit", "登录", "Sign in"),
    ("login_failed", "登录失败", "Could not sign in"),
    (
        "login_no_account",
        "还没有账户？请联系所在单位的管理员或平台运营人员开通。",
        "No account yet? Ask your organization's administrator or the market's operators for one.",
    ),
    ("forbidden_title", "没有权限", "Not allowed"),
    (
        "forbidden_hint",
        "您的账户不能访问这个页面。如需权限，请联系平台运营人员。",
        "Your account cannot open this page. Ask the market's operators if you need to.",
    ),
    ("csrf_title", "表单已过期", "The form has expired"),
    (
        "csrf_hint",
        "为了安全，这个表单已失效（可能已退出登录或在别的窗口重新登录）。请返回上一页，刷新后重新提交。",
        "For your safety this form is no longer valid (you may have signed out or signed in again elsewhere). Go back, reload the page and submit it again.",
    ),
    (
        "request_error_title",
        "无法完成请求",
        "The request could not be completed",
    ),
];

/// The UI string `key` in `lang`. An unknown key shows itself (and fails the test below).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match TABLES.iter().flat_map(|t| t.iter()).find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => {
            debug_assert!(false, "no UI string `{key}`");
            "?"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_the_templates_use_is_in_the_table_once() {
        let mut keys: Vec<&str> = TABLES.iter().flat_map(|t| t.iter()).map(|(k, _, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is listed twice");
        for (name, src) in super::super::all_templates() {
            for part in src.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(keys.contains(&key), "{name} uses `{key}`, which has no UI string");
            }
        }
        for (k, zh, _) in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(!zh.is_empty(), "{k} has no Chinese text");
        }
    }
}
