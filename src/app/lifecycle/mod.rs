//! The lifecycle view: one repository's policy, berth's dry run of it, and the keys that
//! change it (`e` edit, `o` load a file, `a` apply, `p` compare with ECR's own preview).
//!
//! Pure like the rest of `app`: keys and results go in, [`LifecycleEffect`]s come out,
//! and the clock arrives as an argument. The dry run is kept as owned data (a
//! digest → [`Disposition`] map and a [`Summary`]) because the engine's `Plan` borrows
//! the images it was computed from.

mod pretty;
#[cfg(test)]
pub(crate) mod tests;

pub use pretty::pretty_lines;

mod dry_run;
mod effects;
mod keys;
mod view;

pub use dry_run::{
    Comparison, Difference, DryRun, EcrCheck, Fate, RuleLine, RuleRow, SkippedRow, Summary, compare,
};
pub use effects::{ConfirmedApply, LifecycleEffect, LifecycleEvent, LoadedRepository};
pub use keys::{KEY_HELP, KeyOutcome, STARTER_POLICY};
pub use view::{Dialog, LifecycleView, PolicySource, Section, Stage};
