//! Spawning: create the record, register it, allocate the task, queue it.

use std::future::Future;
use std::panic::Location;

use crate::context;
use crate::scheduler::{schedule, Shared};
use crate::sync::Arc;
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
    let now = crate::clock::now_ns();
    let (runnable, task) = shared
        .registry
        .insert(context::registry_shard_hint(), |slot| {
            let record = Arc::new(TaskRecord::new(name, site, parent, slot, now));
            let harness = Harness::new(future, record.clone(), shared.clone());
            let meta = TaskMeta {
                record: record.clone(),
                shared: shared.clone(),
            };
            let (runnable, task) = async_task::Builder::new()
                .metadata(meta)
                .spawn(move |_| harness, async_task::WithInfo(schedule));
            (record, Some(runnable.waker()), (runnable, task))
        });
    shared.schedule_new(runnable);
    JoinHandle::new(task)
}
