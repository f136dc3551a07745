//! Spawning: create the record, register it, allocate the task, queue it.

use std::future::Future;
use std::panic::Location;

use crate::context;
use crate::loom_sync::Arc;
use crate::scheduler::{schedule, Shared};
use crate::task::harness::Harness;
use crate::task::join::JoinHandle;
use crate::task::meta::TaskMeta;
use crate::task::record::TaskRecord;

/// Spawns `future` on `shared`, recording `name` and `site`, and queues it.
pub(crate) fn spawn_on<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Box<str>>,
    site: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let parent = context::current_task();
    let now = crate::clock::spawn_time();
    let record = TaskRecord::new(name, site, parent, now);
    let (slot, record) = shared
        .registry
        .insert(context::registry_shard_hint(), record);
    let meta = TaskMeta::new(record, slot, shared.clone());
    // SAFETY: `spawn_unchecked` asks four things of us.
    // 1. A future that is not `Send` must be polled and dropped on its thread: the harness
    //    is `Send` (`F: Send`, and it holds only `&TaskMeta`, which is `Sync`).
    // 2. A future that is not `'static` may borrow only the metadata, or things that
    //    outlive its `Runnable`: the harness borrows exactly the metadata, which async-task
    //    pins in the task allocation and drops after the future.
    // 3. A schedule function that is not `Send + Sync` must stay on its thread: `schedule`
    //    is a plain `fn`, `Send + Sync + 'static`.
    // 4. An output that is not `Send` must be taken on the spawning thread: it is `Send`
    //    (`F::Output: Send`).
    let (runnable, task) = unsafe {
        async_task::Builder::new().metadata(meta).spawn_unchecked(
            move |meta| Harness::new(future, meta),
            async_task::WithInfo(schedule),
        )
    };
    runnable.metadata().record().set_waker(runnable.waker());
    shared.schedule_new(runnable);
    JoinHandle::new(task)
}
