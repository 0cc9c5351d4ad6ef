//! The column layout of each kind in CSV and XLSX: the JSON field names of SPEC §3, with
//! nested fields as `holder.name` and lists joined by `;`.

use techmarket_domain::RecordKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    List,
}

/// A column: its name, its type, and whether a file must have it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub required: bool,
}

const fn c(name: &'static str, ty: ColType, required: bool) -> Column {
    Column { name, ty, required }
}

use ColType::*;

const ACHIEVEMENTS: &[Column] = &[
    c("external_id", Text, true),
    c("title", Text, true),
    c("summary", Text, true),
    c("keywords", List, false),
    c("holder.name", Text, true),
    c("holder.credit_code", Text, false),
    c("holder_type", Text, true),
    c("industry", Text, true),
    c("trl", Int, true),
    c("region", Text, true),
    c("transfer_modes", List, true),
    c("price", Int, false),
    c("patents", List, false),
    c("problem_solved", Text, false),
    c("advantages", Text, false),
    c("economic_comparison", Text, false),
    c("inventors", List, false),
    c("discipline", Text, false),
    c("contact.name", Text, false),
    c("contact.phone", Text, false),
    c("contact.email", Text, false),
];

const DEMANDS: &[Column] = &[
    c("external_id", Text, true),
    c("title", Text, true),
    c("description", Text, true),
    c("enterprise.name", Text, true),
    c("enterprise.credit_code", Text, false),
    c("industry", Text, true),
    c("region", Text, true),
    c("budget_max", Int, false),
    c("min_trl", Int, false),
    c("cooperation_modes", List, false),
    c("deadline", Text, false),
    c("keywords", List, false),
    c("challenge.bounty", Int, false),
    c("challenge.application_deadline", Text, false),
    c("contact.name", Text, false),
    c("contact.phone", Text, false),
    c("contact.email", Text, false),
];

const EXPERTS: &[Column] = &[
    c("external_id", Text, true),
    c("name", Text, true),
    c("organization", Text, true),
    c("title", Text, true),
    c("fields", List, false),
    c("bio", Text, false),
    c("region", Text, true),
    c("industries", List, false),
    c("phone", Text, false),
    c("email", Text, false),
];

const ORGANIZATIONS: &[Column] = &[
    c("external_id", Text, true),
    c("name", Text, true),
    c("credit_code", Text, false),
    c("kind", Text, true),
    c("region", Text, true),
    c("tags", List, false),
    c("description", Text, false),
    c("address", Text, false),
    c("website", Text, false),
    c("contact.name", Text, false),
    c("contact.phone", Text, false),
    c("contact.email", Text, false),
];

const BROKERS: &[Column] = &[
    c("external_id", Text, true),
    c("name", Text, true),
    c("institution", Text, true),
    c("level", Text, true),
    c("certificate_no", Text, false),
    c("training_hours", Int, false),
    c("fields", List, false),
    c("region", Text, true),
    c("phone", Text, false),
    c("email", Text, false),
];

/// The columns of a kind, in the order files are written.
pub fn columns(kind: RecordKind) -> &'static [Column] {
    match kind {
        RecordKind::Achievement => ACHIEVEMENTS,
        RecordKind::Demand => DEMANDS,
        RecordKind::Expert => EXPERTS,
        RecordKind::Organization => ORGANIZATIONS,
        RecordKind::Broker => BROKERS,
        // Accounts, dockings and feedback are not interchange records (no import, no export).
        RecordKind::Account
        | RecordKind::Docking
        | RecordKind::MatchFeedback
        | RecordKind::Listing
        | RecordKind::Intent
        | RecordKind::Contract => &[],
    }
}

pub fn column(kind: RecordKind, name: &str) -> Option<&'static Column> {
    columns(kind).iter().find(|c| c.name == name)
}

/// The names a JSON object of this kind may have at the top level, and under each nested key.
pub fn allowed_keys(kind: RecordKind, parent: Option<&str>) -> Vec<&'static str> {
    allowed_keys_in(columns(kind), parent)
}

/// [`allowed_keys`] of a column layout (for records that are not a [`RecordKind`], such as
/// contracts).
pub fn allowed_keys_in(cols: &'static [Column], parent: Option<&str>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for col in cols {
        let name = match (parent, col.name.split_once('.')) {
            (None, Some((p, _))) => p,
            (None, None) => col.name,
            (Some(want), Some((p, child))) if p == want => child,
            _ => continue,
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}
