//! The run's memory policy: what it hands back to the system, and when.
//!
//! The binary allocates through mimalloc; GDAL and PROJ allocate through glibc. Both
//! keep what is freed for a while before returning it, which is right for speed and
//! wrong at the run's peak: reading and validating a district hold its raw layers and
//! its model at once, and everything either allocator keeps on top of that is resident
//! too (at a million parcels, 1.98 GB with freed memory returned at once, 2.1 GB with
//! mimalloc's default one-second delay). Past the measure the live data shrinks, and
//! returning freed memory at once only costs time (zones and writers free and reuse
//! their blocks constantly): there the delay is mimalloc's default again.

use super::progress::Stage;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h; libmimalloc-sys names no constant
/// for it): milliseconds before freed memory goes back to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's default purge delay, ms (mimalloc v3 `options.c`).
const DEFAULT_PURGE_DELAY_MS: std::ffi::c_long = 1000;

/// At the start of each stage: sets how soon mimalloc returns freed memory (at once up
/// to the measure, where the run peaks; its default after) and hands glibc's free pages
/// back. An explicit `MIMALLOC_PURGE_DELAY` in the environment is left alone.
pub(super) fn at_stage(stage: Stage) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        let peak = matches!(
            stage,
            Stage::Read | Stage::Crs | Stage::Validate | Stage::Measure
        );
        let delay = if peak { 0 } else { DEFAULT_PURGE_DELAY_MS };
        // SAFETY: sets an option mimalloc reads when it purges; no allocation is
        // touched. Harmless when mimalloc is not the global allocator.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) };
    }
    return_free_memory();
}

/// Hands glibc's free pages back to the system: at each stage start, and inside
/// validation once a raw layer's records are freed. glibc keeps what is freed (GDAL's
/// and PROJ's buffers; everything, where glibc is the global allocator) inside its
/// heaps, fragmented by what stays: without this the resident size only grows.
pub(super) fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; no live allocation is
    // touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // The option number is mimalloc.h's; reading back what was set proves the
        // number names an option mimalloc keeps (its name is checked by the comment
        // and the pinned version only).
        at_stage(Stage::Read);
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            let v = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(v, 0);
            at_stage(Stage::Zone);
            let v = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(v, DEFAULT_PURGE_DELAY_MS);
        }
    }
}
