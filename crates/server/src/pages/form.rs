//! What the portal's record forms share: the values as typed (kept to show them again), the
//! fields drawn from data by one template (`_fields.html`), and an API error's field problems
//! placed beside the fields they name, in the page's language.

use super::Ctx;
use crate::error::ApiError;
use std::collections::HashMap;
use techmarket_domain::Lang;

/// A form's values exactly as typed, in order (a checkbox group repeats its name).
#[derive(Debug, Clone, Default)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    /// An `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Typed {
        Typed(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value.into()));
    }

    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }

    /// The first value of `name`, as typed ("" when absent).
    pub fn raw(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The value trimmed.
    pub fn text(&self, name: &str) -> String {
        self.raw(name).trim().to_string()
    }

    /// The value trimmed, `None` when empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|s| !s.is_empty())
    }

    /// Every value of `name` (a checkbox group).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A list typed into one box: split at commas, semicolons, 、 and line breaks.
    pub fn list(&self, name: &str) -> Vec<String> {
        split_list(self.raw(name))
    }
}

/// `a；b、c\nd` → `[a, b, c, d]` (either width of comma and semicolon).
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', ';', '；', '、', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// A whole number typed into a box: `None` when empty, `Err` with the problem when it is not
/// one. Thousands separators and spaces are allowed (`1,500,000`).
pub fn whole_number(s: &str) -> Result<Option<i64>, NotANumber> {
    let cleaned: String = s.chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '_')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    cleaned.parse::<i64>().map(Some).map_err(|_| NotANumber)
}

/// What was typed is not a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// The problems of a submitted form: by field name, plus those no field shows.
#[derive(Debug, Default)]
pub struct Problems {
    by_field: HashMap<String, String>,
    /// Problems of the whole form (a refusal, a conflict), in the page's language.
    pub general: Vec<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }

    /// A problem of `field` found while reading the form (a number that is not one). The first
    /// problem of a field is the one shown.
    pub fn add(&mut self, field: &str, message: String) {
        self.by_field.entry(field.to_string()).or_insert(message);
    }

    /// An error of the API layer: its field problems beside their fields (`patents[1]` is the
    /// `patents` box), the rest at the top.
    pub fn add_api(&mut self, e: &ApiError, ctx: &Ctx, known: &[&str]) {
        if e.fields.is_empty() {
            self.general.push(e.message(ctx.lang).to_string());
            return;
        }
        for f in &e.fields {
            let name = field_of(&f.path);
            let message = f.message(ctx.lang).to_string();
            if known.contains(&name.as_str()) {
                self.add(&name, message);
            } else {
                self.general.push(message);
            }
        }
    }

    /// Replaces whatever problem `field` had: a required field left empty says just that.
    pub fn set(&mut self, field: &str, message: String) {
        self.by_field.insert(field.to_string(), message);
    }

    /// The required fields of `sections` left empty, each with a message saying what to do
    /// (instead of what the record's validation says of an empty value).
    pub fn require(&mut self, sections: &[Section], typed: &Typed, ctx: &Ctx) {
        for f in sections.iter().flat_map(|s| s.fields.iter()).filter(|f| f.required) {
            let empty = match f.control {
                "checks" => typed.all(f.name).is_empty(),
                _ => typed.text(f.name).is_empty(),
            };
            if !empty {
                continue;
            }
            let message = match (ctx.lang, f.control) {
                (Lang::Zh, "select") => format!("请选择{}", f.label),
                (Lang::Zh, "checks") => format!("请至少选择一项{}", f.label),
                (Lang::Zh, _) => format!("请填写{}", f.label),
                (Lang::En, "select") => "required: choose one".to_string(),
                (Lang::En, "checks") => "required: choose at least one".to_string(),
                (Lang::En, _) => "required: fill this in".to_string(),
            };
            self.set(f.name, message);
        }
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.by_field.get(field)
    }
}

/// The form field an error path names: `patents[1]` → `patents`, `holder.name` stays.
fn field_of(path: &str) -> String {
    match path.find('[') {
        Some(i) => path[..i].to_string(),
        None => path.to_string(),
    }
}

/// One choice of a select or a checkbox group.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Choices under a heading (`<optgroup>`); `label` empty for no heading.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// One field of a form, drawn by `_fields.html`.
#[derive(Debug, Clone)]
pub struct Field {
    /// The form name (`holder.name`).
    pub name: &'static str,
    /// The element id (`f-holder-name`), for labels and the error summary's links.
    pub id: String,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    /// `text`, `textarea`, `select` or `checks`.
    pub control: &'static str,
    /// The `type` of an `<input>`: `text`, `date`, `email`, `tel`.
    pub input_type: &'static str,
    pub inputmode: Option<&'static str>,
    pub value: String,
    pub max_chars: Option<u32>,
    pub required: bool,
    pub groups: Vec<Group>,
    pub error: Option<String>,
}

impl Field {
    /// The ids that describe the control: its hint and its error.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// A group of fields under a legend.
#[derive(Debug, Clone)]
pub struct Section {
    pub legend: &'static str,
    pub fields: Vec<Field>,
}

/// Builds the fields of a form from what was typed and what is wrong with it.
pub struct Builder<'a> {
    pub ctx: &'a Ctx,
    pub typed: &'a Typed,
    pub problems: &'a Problems,
}

impl Builder<'_> {
    fn base(&self, name: &'static str, label_key: &str, control: &'static str) -> Field {
        let label = self.ctx.t(label_key);
        Field {
            name,
            id: format!("f-{}", name.replace(['.', '_'], "-")),
            label,
            hint: None,
            control,
            input_type: "text",
            inputmode: None,
            value: self.typed.raw(name).to_string(),
            max_chars: None,
            required: false,
            groups: Vec::new(),
            // A message that names the field by its code (`title 为必填项`) names it as the
            // form does (`名称 为必填项`).
            error: self.problems.get(name).map(|m| m.replace(name, label)),
        }
    }

    pub fn text(&self, name: &'static str, label_key: &str, max_chars: u32) -> Field {
        Field {
            max_chars: Some(max_chars),
            ..self.base(name, label_key, "text")
        }
    }

    pub fn area(&self, name: &'static str, label_key: &str, max_chars: u32) -> Field {
        Field {
            max_chars: Some(max_chars),
            ..self.base(name, label_key, "textarea")
        }
    }

    /// A whole number (a price, a level): typed as text with a numeric keyboard, so that what
    /// is typed wrong comes back as typed, with its error.
    pub fn number(&self, name: &'static str, label_key: &str) -> Field {
        Field {
            inputmode: Some("numeric"),
            max_chars: Some(20),
            ..self.base(name, label_key, "text")
        }
    }

    pub fn date(&self, name: &'static str, label_key: &str) -> Field {
        Field {
            input_type: "date",
            ..self.base(name, label_key, "text")
        }
    }

    pub fn input(&self, name: &'static str, label_key: &str, input_type: &'static str, max_chars: u32) -> Field {
        Field {
            input_type,
            max_chars: Some(max_chars),
            ..self.base(name, label_key, "text")
        }
    }

    /// A select of `groups` (the typed value selected); a first empty choice `placeholder_key`.
    pub fn select(&self, name: &'static str, label_key: &str, groups: Vec<(String, Vec<(String, String)>)>) -> Field {
        let typed = self.typed.text(name);
        let mut groups: Vec<Group> = groups
            .into_iter()
            .map(|(label, choices)| Group {
                label,
                choices: choices
                    .into_iter()
                    .map(|(value, label)| Choice {
                        selected: value == typed,
                        value,
                        label,
                    })
                    .collect(),
            })
            .collect();
        let mut first = vec![Choice {
            value: String::new(),
            label: self.ctx.t("choose").to_string(),
            selected: typed.is_empty(),
        }];
        // A stored value the choices do not offer (a party's county in a province the market
        // lists only as a whole) stays selected as itself, so that saving the form again does
        // not lose it; the server judges it as any other value.
        if !typed.is_empty() && !groups.iter().any(|g| g.choices.iter().any(|c| c.selected)) {
            first.push(Choice {
                value: typed.to_string(),
                label: typed.to_string(),
                selected: true,
            });
        }
        groups.insert(
            0,
            Group {
                label: String::new(),
                choices: first,
            },
        );
        Field {
            groups,
            ..self.base(name, label_key, "select")
        }
    }

    /// A checkbox group (every typed value checked).
    pub fn checks(&self, name: &'static str, label_key: &str, choices: Vec<(String, String)>) -> Field {
        let typed = self.typed.all(name);
        let choices = choices
            .into_iter()
            .map(|(value, label)| Choice {
                selected: typed.contains(&value),
                value,
                label,
            })
            .collect();
        Field {
            groups: vec![Group {
                label: String::new(),
                choices,
            }],
            ..self.base(name, label_key, "checks")
        }
    }
}

/// `field.required = true` and a hint, fluently.
pub trait FieldExt {
    fn required(self) -> Self;
    fn hint(self, ctx: &Ctx, key: &str) -> Self;
}

impl FieldExt for Field {
    fn required(mut self) -> Field {
        self.required = true;
        self
    }

    fn hint(mut self, ctx: &Ctx, key: &str) -> Field {
        self.hint = Some(ctx.t(key));
        self
    }
}

/// The links of the error summary: each problem with the field it belongs to.
pub struct SummaryLine {
    pub href: String,
    pub label: &'static str,
    pub message: String,
}

pub fn summary(sections: &[Section]) -> Vec<SummaryLine> {
    sections
        .iter()
        .flat_map(|s| s.fields.iter())
        .filter_map(|f| {
            f.error.as_ref().map(|m| SummaryLine {
                href: format!("#{}", f.id),
                label: f.label,
                message: m.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_at_either_width_of_separator() {
        assert_eq!(
            split_list("秸秆；地膜、 降解,PLA\n\n淀粉"),
            ["秸秆", "地膜", "降解", "PLA", "淀粉"]
        );
        assert!(split_list(" ; ，").is_empty());
    }

    #[test]
    fn whole_numbers_allow_separators_and_refuse_the_rest() {
        assert_eq!(whole_number(""), Ok(None));
        assert_eq!(whole_number("1,500,000"), Ok(Some(1_500_000)));
        assert_eq!(whole_number(" 6 "), Ok(Some(6)));
        assert_eq!(whole_number("-5"), Ok(Some(-5)));
        assert_eq!(whole_number("15万"), Err(NotANumber));
        assert_eq!(whole_number("1.5"), Err(NotANumber));
    }

    #[test]
    fn repeated_names_are_a_checkbox_group_and_values_are_kept_as_typed() {
        let t = Typed::parse("transfer_modes=license&transfer_modes=transfer&title=+%E5%9C%B0%E8%86%9C+".as_bytes());
        assert_eq!(t.all("transfer_modes"), ["license", "transfer"]);
        assert_eq!(t.raw("title"), " 地膜 ");
        assert_eq!(t.text("title"), "地膜");
        assert_eq!(t.opt("price"), None);
    }

    #[test]
    fn an_indexed_path_is_its_box() {
        assert_eq!(field_of("patents[1]"), "patents");
        assert_eq!(field_of("holder.name"), "holder.name");
    }
}
