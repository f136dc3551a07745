//! A cheap process-wide monotonic clock, so timestamps fit in one `AtomicU64`.
//!
//! Per-poll accounting reads the clock once per poll, not twice: the end of one poll on a
//! worker is the start of the next one, unless the worker parked in between. The reading is
//! in *ticks*: the CPU's time-stamp counter where it is invariant (x86_64 with `constant_tsc`
//! and `nonstop_tsc`), nanoseconds from `Instant` elsewhere. Measured on the 2-core CI
//! machine: `rdtsc` 9.4 ns a reading, `Instant::elapsed` 24.8 ns (the yield benchmark spent
//! a quarter of its time in `clock_gettime` before). Ticks become durations only when a
//! snapshot is taken.
//!
//! Built with `--cfg executor_no_stats` (benchmarks only) the poll path reads no clock at
//! all, which is how the cost of the accounting is measured.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How the clock reads time in this process; fixed at the first reading.
#[derive(Debug)]
struct Calibration {
    epoch: Instant,
    /// Time-stamp counter at `epoch`, when the counter is used.
    tsc_epoch: Option<u64>,
    /// Ticks per microsecond in fixed point ([`PER_US_BITS`] fractional bits), measured over
    /// a short spin at start-up, for deadlines and thresholds; conversions for display
    /// re-measure over the whole run, and the two agree to a fraction of a percent.
    ticks_per_us: u64,
}

/// Fractional bits of [`Calibration::ticks_per_us`].
const PER_US_BITS: u32 = 16;

/// A time-stamp counter reading and the `Instant` time (nanoseconds since `epoch`) it was
/// taken at: the best of a few tries, each bracketed by two `Instant` readings, so that a
/// preemption or a slow clock read between the two clocks (seen on busy VMs, 6% off over a
/// 200 µs spin) cannot skew the pair by more than the narrowest bracket.
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn paired_reading(epoch: Instant) -> (u64, u128) {
    let mut best = (0, 0, u128::MAX);
    for _ in 0..8 {
        let before = epoch.elapsed().as_nanos();
        let tsc = read_tsc();
        let after = epoch.elapsed().as_nanos();
        let width = after.saturating_sub(before);
        if width < best.2 {
            best = (tsc, before + width / 2, width);
        }
    }
    (best.0, best.1)
}

static CALIBRATION: OnceLock<Calibration> = OnceLock::new();

thread_local! {
    /// The end of the last poll on this thread; 0 once the thread has parked since.
    static LAST_POLL_END: Cell<u64> = const { Cell::new(0) };
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
fn read_tsc() -> u64 {
    // SAFETY: `rdtsc` has no preconditions and exists on every x86_64 CPU; the intrinsic is
    // `unsafe` only because all of `core::arch` is.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Whether the time-stamp counter ticks at a constant rate, also in deep sleep states
/// (CPUID 0x8000_0007, EDX bit 8, "invariant TSC").
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn tsc_is_invariant() -> bool {
    use core::arch::x86_64::__cpuid;
    // Leaf 0x8000_0000 reports the highest extended leaf; 0x8000_0007 is read only if it exists.
    let max_extended = __cpuid(0x8000_0000).eax;
    max_extended >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
}

fn calibrate() -> Calibration {
    let epoch = Instant::now();
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if tsc_is_invariant() {
        let (tsc_start, ns_start) = paired_reading(epoch);
        let spin = Duration::from_micros(200);
        while epoch.elapsed() < spin {
            std::hint::spin_loop();
        }
        let (tsc_end, ns_end) = paired_reading(epoch);
        let ticks = u128::from(tsc_end.saturating_sub(tsc_start));
        let ns = ns_end.saturating_sub(ns_start).max(1);
        let per_us = ((ticks * 1_000) << PER_US_BITS) / ns;
        // The counter's value at `epoch` itself, so that `now` counts from there.
        let before_start = u64::try_from(ticks * ns_start / ns).unwrap_or(0);
        return Calibration {
            epoch,
            tsc_epoch: Some(tsc_start.saturating_sub(before_start)),
            ticks_per_us: u64::try_from(per_us).unwrap_or(u64::MAX).max(1),
        };
    }
    Calibration {
        epoch,
        tsc_epoch: None,
        ticks_per_us: 1_000 << PER_US_BITS,
    }
}

fn calibration() -> &'static Calibration {
    CALIBRATION.get_or_init(calibrate)
}

/// Ticks since the first reading in this process; never 0, so 0 can mean "not set".
#[inline]
pub(crate) fn now() -> u64 {
    let c = calibration();
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if let Some(tsc_epoch) = c.tsc_epoch {
        // Saturating: another core's counter may be a little behind the calibrating core's.
        return read_tsc().saturating_sub(tsc_epoch).max(1);
    }
    // u64 nanoseconds last 584 years; saturate rather than wrap.
    u64::try_from(c.epoch.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The reading [`now`] will give at `instant` (approximate, for deadlines in dumps).
pub(crate) fn ticks_at(instant: Instant) -> u64 {
    let now = now();
    let now_instant = Instant::now();
    let ticks = |d: Duration| ticks_from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    match instant.checked_duration_since(now_instant) {
        Some(ahead) => now.saturating_add(ticks(ahead)),
        None => now.saturating_sub(ticks(now_instant - instant)).max(1),
    }
}

/// The reading [`now`] will give `after` from now (approximate, for deadlines in dumps): from
/// the end of this thread's last poll when it has not parked since (the start of the poll in
/// progress, free, at most a poll's length early), else from a counter read; [`ticks_at`]
/// reads two clocks.
#[inline]
pub(crate) fn ticks_after(after: Duration) -> u64 {
    let us = u64::try_from(after.as_micros()).unwrap_or(u64::MAX);
    recent().saturating_add(ticks_from_micros(us))
}

/// `us` microseconds in ticks (for deadlines and thresholds).
pub(crate) fn ticks_from_micros(us: u64) -> u64 {
    let ticks = (u128::from(us) * u128::from(calibration().ticks_per_us)) >> PER_US_BITS;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// A number of ticks as a duration.
pub(crate) fn to_duration(ticks: u64) -> Duration {
    let c = calibration();
    if c.tsc_epoch.is_none() {
        return Duration::from_nanos(ticks);
    }
    let ns = (u128::from(ticks) * u128::from(scale(c))) >> SCALE_BITS;
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
}

/// Fractional bits of [`SCALE`].
const SCALE_BITS: u32 = 32;
/// Nanoseconds per tick, fixed point, measured over the run so far (more precise than the
/// start-up estimate), and the reading it was measured at. A snapshot converts several
/// readings per task: one multiplication each, not two clock reads and a division.
static SCALE: AtomicU64 = AtomicU64::new(0);
static SCALE_AT: AtomicU64 = AtomicU64::new(0);

fn scale(c: &Calibration) -> u64 {
    // Relaxed: the pair may be torn between two measurements, each of which is a fine scale.
    let scale = SCALE.load(Ordering::Relaxed);
    let at = SCALE_AT.load(Ordering::Relaxed);
    let now = now();
    // Measured again once the run has doubled since: precision grows with the run.
    if scale != 0 && now < at.saturating_mul(2) {
        return scale;
    }
    let elapsed_ns = c.epoch.elapsed().as_nanos();
    let fresh = if elapsed_ns > 10_000_000 {
        (elapsed_ns << SCALE_BITS) / u128::from(now.max(1))
    } else {
        (1_000u128 << (SCALE_BITS + PER_US_BITS)) / u128::from(c.ticks_per_us)
    };
    let fresh = u64::try_from(fresh).unwrap_or(u64::MAX);
    SCALE.store(fresh, Ordering::Relaxed);
    SCALE_AT.store(now, Ordering::Relaxed);
    fresh
}

/// The start time of a poll on a worker.
#[inline]
pub(crate) fn poll_start() -> u64 {
    if cfg!(executor_no_stats) {
        return 0;
    }
    recent()
}

/// "Now", give or take a poll: the end of this thread's last poll when it has not parked
/// since (free), else a clock reading. For times shown to a person (when a task was queued,
/// when a lock was taken), where a poll's length is noise and a clock read on every wake or
/// lock is not.
#[inline]
pub(crate) fn recent() -> u64 {
    match last_poll_end() {
        0 => now(),
        t => t,
    }
}

/// The time a task is spawned: on a worker inside a poll, the start of that poll is close
/// enough for an idle column and costs no clock read.
#[inline]
pub(crate) fn spawn_time() -> u64 {
    poll_start()
}

/// The end time of a poll; also the start of this thread's next one.
#[inline]
pub(crate) fn poll_end() -> u64 {
    if cfg!(executor_no_stats) {
        return 0;
    }
    let now = now();
    LAST_POLL_END.with(|l| l.set(now));
    now
}

/// The end of this thread's last poll, if it has not parked since (a free reading of "now"
/// for decisions that tolerate a poll's worth of staleness).
#[inline]
pub(crate) fn last_poll_end() -> u64 {
    LAST_POLL_END.with(|l| l.get())
}

/// The thread is about to park: its last poll end no longer says anything about "now".
pub(crate) fn forget_last_poll() {
    LAST_POLL_END.with(|l| l.set(0));
}

/// The time between two readings of [`now`], zero if they are out of order (readings taken
/// on different threads may be).
pub(crate) fn between(earlier: u64, later: u64) -> Duration {
    to_duration(later.saturating_sub(earlier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_and_displays_use_the_same_scale() {
        // A deadline is converted with the start-up calibration, shown with the run's scale:
        // they must agree, or "sleep (10s left)" reads 9.4s (seen on a busy VM).
        let _ = now();
        std::thread::sleep(Duration::from_millis(30));
        let shown = to_duration(ticks_from_micros(10_000_000));
        let off = shown.as_secs_f64() / 10.0 - 1.0;
        assert!(off.abs() < 0.01, "10s of ticks shown as {shown:?}");
    }

    #[test]
    fn readings_are_monotonic_and_convert_to_real_time() {
        let start = now();
        let wall = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let end = now();
        let measured = between(start, end);
        let real = wall.elapsed();
        assert!(end > start);
        // Loose bounds: this checks units, not precision, on a shared machine.
        assert!(
            measured >= real / 2 && measured <= real * 2,
            "{measured:?} vs {real:?}"
        );
    }
}
