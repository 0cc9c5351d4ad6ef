//! Field-level validation errors, each carrying a stable code and a message in Chinese and English.

use serde::Serialize;
use std::fmt;

/// One problem with one field of an input, e.g. `trl` out of range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the field in the input, e.g. `holder.credit_code` or `patents[1]`.
    pub path: String,
    /// Stable machine-readable code, e.g. `credit_code_check_failed`.
    pub code: &'static str,
    /// Message in Chinese (zh-CN).
    pub zh: String,
    /// Message in English.
    pub en: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The same error reported under another path (`at("holder")` turns `credit_code`
    /// into `holder.credit_code`).
    pub fn at(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }

    /// The message in the given language (`en` or anything else for Chinese).
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    pub fn required(path: &str) -> Self {
        Self::new(
            path,
            "required",
            format!("{path} 为必填项"),
            format!("{path} is required"),
        )
    }

    pub fn too_long(path: &str, max_chars: usize) -> Self {
        Self::new(
            path,
            "too_long",
            format!("{path} 不能超过 {max_chars} 个字符"),
            format!("{path} must be at most {max_chars} characters"),
        )
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} / {}", self.path, self.zh, self.en)
    }
}

/// The user's language. Chinese first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// All problems found in one input. Validation collects every error, not just the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Records the error of `r` (if any) and returns its value.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    /// `Ok(value)` when no error was collected.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() { Ok(value()) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks a free-text field: trimmed, not empty when required, at most `max_chars` characters.
pub fn text(path: &str, value: &str, required: bool, max_chars: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(FieldError::required(path));
    }
    if v.chars().count() > max_chars {
        return Err(FieldError::too_long(path, max_chars));
    }
    Ok(v.to_string())
}
