//! An asymmetric store-load barrier: nearly free on the hot path, expensive on the rare one.
//!
//! The freeze handshake needs a store-load barrier on every poll (see `freeze.rs`). A full
//! fence there was 89% of a worker's own time per poll in the yield benchmark (the `lock or`
//! after the state store). Linux's `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` makes every
//! running thread of the process execute a full memory barrier, so the poll path needs only a
//! compiler fence and the fatal path (once per process) pays a system call. This is the
//! classic asymmetric Dekker pairing (liburcu, folly's `asymmetricHeavyBarrier`).
//!
//! Where the system call is missing or refused, both halves are `fence(SeqCst)`. Under loom
//! both halves are loom's fence, which is what the models check; under Miri (which cannot
//! make the system call) both are std's fence.

#[cfg(all(target_os = "linux", not(loom), not(miri)))]
mod imp {
    use std::sync::atomic::{compiler_fence, fence, Ordering};
    use std::sync::OnceLock;

    const MEMBARRIER_CMD_QUERY: libc::c_int = 0;
    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    /// Whether this process is registered for private expedited membarriers.
    static EXPEDITED: OnceLock<bool> = OnceLock::new();

    fn membarrier(cmd: libc::c_int) -> libc::c_long {
        // SAFETY: `membarrier(cmd, flags)` takes two integers and touches no memory of ours;
        // an unsupported command only returns an error.
        unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_int) }
    }

    fn expedited() -> bool {
        *EXPEDITED.get_or_init(|| {
            let supported = membarrier(MEMBARRIER_CMD_QUERY);
            let wanted = libc::c_long::from(
                MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
            );
            // Registration covers the whole process, threads started later included.
            supported >= 0
                && supported & wanted == wanted
                && membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0
        })
    }

    #[inline]
    pub(crate) fn light() {
        if expedited() {
            compiler_fence(Ordering::SeqCst);
        } else {
            fence(Ordering::SeqCst);
        }
    }

    pub(crate) fn heavy() {
        if !expedited() {
            fence(Ordering::SeqCst);
            return;
        }
        if membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 {
            // It worked at registration and cannot fail after it; if it ever does, give
            // racing pollers time to finish their transition, as Go's runtime does, rather
            // than read a record mid-poll.
            fence(Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[cfg(any(not(target_os = "linux"), loom, miri))]
mod imp {
    use crate::loom_sync::{fence, Ordering};

    #[inline]
    pub(crate) fn light() {
        fence(Ordering::SeqCst);
    }

    pub(crate) fn heavy() {
        fence(Ordering::SeqCst);
    }
}

/// The cheap half, for every poll: orders the caller's earlier store before its later load,
/// against a concurrent [`heavy`].
#[inline]
pub(crate) fn light() {
    imp::light();
}

/// The expensive half, for the fatal path.
pub(crate) fn heavy() {
    imp::heavy();
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_halves_run_from_many_threads() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..if cfg!(miri) { 50 } else { 1000 }).for_each(|_| super::light())
                })
            })
            .collect();
        super::heavy();
        for t in threads {
            t.join().unwrap();
        }
        super::heavy();
    }
}
