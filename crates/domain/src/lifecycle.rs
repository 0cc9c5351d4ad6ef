//! Lifecycles as explicit state machines: every status change goes through `transition`,
//! and a change the machine does not allow is an error, never a silent change.

use serde::Serialize;
use std::fmt;

/// A status change that the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("cannot {action} a record that is {from} / 当前状态为「{from_zh}」，不能执行「{action_zh}」")]
pub struct IllegalTransition {
    pub from: &'static str,
    pub from_zh: &'static str,
    pub action: &'static str,
    pub action_zh: &'static str,
}

/// A status with a stable code and a Chinese label.
pub trait Status: Copy + Eq + fmt::Debug + 'static {
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn all() -> &'static [Self];
    fn parse(code: &str) -> Option<Self> {
        Self::all().iter().copied().find(|s| s.code() == code)
    }
}

/// An action that moves a record from one status to another.
pub trait Action: Copy + Eq + fmt::Debug + 'static {
    type Status: Status;
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn all() -> &'static [Self];
    /// The status this action leads to from `from`, or `None` when it is not allowed.
    fn target(self, from: Self::Status) -> Option<Self::Status>;
    /// Whether the action needs a reason (a rejection, a withdrawal).
    fn needs_reason(self) -> bool {
        false
    }
    fn parse(code: &str) -> Option<Self> {
        Self::all().iter().copied().find(|a| a.code() == code)
    }
}

/// Applies `action` to `from`; the one way a status changes.
pub fn transition<A: Action>(from: A::Status, action: A) -> Result<A::Status, IllegalTransition> {
    action.target(from).ok_or(IllegalTransition {
        from: from.code(),
        from_zh: from.label_zh(),
        action: action.code(),
        action_zh: action.label_zh(),
    })
}

/// The actions allowed from `from`, for showing the buttons a user may press.
pub fn allowed_actions<A: Action>(from: A::Status) -> Vec<A> {
    A::all().iter().copied().filter(|a| a.target(from).is_some()).collect()
}

/// Declares a status enum with stable codes and Chinese labels.
macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $crate::lifecycle::Status for $name {
            fn code(self) -> &'static str { match self { $(Self::$variant => $code),+ } }
            fn label_zh(self) -> &'static str { match self { $(Self::$variant => $zh),+ } }
            fn all() -> &'static [Self] { &[$(Self::$variant),+] }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::lifecycle::Status::code(*self))
            }
        }
    };
}

/// Declares an action enum with stable codes and Chinese labels.
macro_rules! action_enum {
    ($(#[$doc:meta])* $name:ident : $status:ty { $($(#[$vdoc:meta])* $variant:ident = $code:literal / $zh:literal),+ $(,)? }
     targets($a:ident, $from:ident) $targets:block
     reason($ra:ident) $reason:block) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $crate::lifecycle::Action for $name {
            type Status = $status;
            fn code(self) -> &'static str { match self { $(Self::$variant => $code),+ } }
            fn label_zh(self) -> &'static str { match self { $(Self::$variant => $zh),+ } }
            fn all() -> &'static [Self] { &[$(Self::$variant),+] }
            fn target(self, $from: $status) -> Option<$status> { let $a = self; $targets }
            fn needs_reason(self) -> bool { let $ra = self; $reason }
        }
    };
}

pub(crate) use action_enum;
pub(crate) use status_enum;
