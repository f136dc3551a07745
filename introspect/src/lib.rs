//! x
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![forbid(unsafe_code)]

mod duration;
mod duration_serde;
mod escape;
mod model;
pub mod render;
mod totals;

pub use duration::HumanDuration;
pub use escape::{bound, escape, is_hidden, quote, LINES_LIMIT, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT};
pub use model::{
    Policy, Reason, Snapshot, SpawnSite, TaskId, TaskInfo, TaskState, Totals, WorkerInfo,
    WorkerState,
};
