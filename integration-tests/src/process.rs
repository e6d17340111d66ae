//! What the kernel says of a gateway process: its resident memory, read from
//! `/proc/<pid>/status`, and a reset of its peak so that one phase of a test can report its
//! own.

/// A field of `/proc/<pid>/status` in KiB (`VmHWM` is the peak resident set, `VmRSS` the
/// current one).
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("read the status of fedgate (pid {pid}): {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in the status of pid {pid}"))
}

/// The resident set of `pid` in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS")
}

/// Resets the peak RSS of `pid` (a child of the test) to its current RSS.
pub fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .unwrap_or_else(|e| panic!("reset the peak RSS of fedgate (pid {pid}): {e}"));
}
