//! The run's memory policy: what it hands back to the system, and when.

/// Hands the heap's free pages back to the system: at each stage start, and inside
/// validation once a raw layer's records are freed. glibc keeps what is freed (the raw
/// layers once validated, the buildings once measured, a writer's blocks) inside its
/// heaps, fragmented by what stays: without this the resident size only grows, stage
/// after stage, though the live data shrinks.
pub(super) fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; no live allocation is
    // touched.
    unsafe {
        libc::malloc_trim(0);
    }
}
