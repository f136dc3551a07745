//! Support code for the benchmark suite: one shim per runtime, the workloads written once
//! against the shim, and the small pieces they share.
//!
//! The three runtimes compared are this workspace's `executor`, tokio's multi-thread runtime
//! and async-executor's `Executor` driven by W threads. Every workload in [`workloads`] is a
//! generic function over [`Rt`], so each runtime runs exactly the same code, with the same
//! channels (`async-channel`, `futures::channel::oneshot`) and the same [`yield_now`].

pub mod alloc_count;
pub mod idle;
pub mod meta;
pub mod primitives;
pub mod shim;
pub mod workers;
pub mod workloads;
pub mod yield_now;

pub use shim::{AsyncExecutorRt, ExecutorRt, Rt, TaskHandle, TokioRt};
pub use workers::{quick_mode, workers};
pub use yield_now::yield_now;
