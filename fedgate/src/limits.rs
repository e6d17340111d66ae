//! The DataFusion runtime every session shares: one memory pool for all running statements
//! (`--memory-limit`) and the directory sorts, aggregates and joins spill to (`--spill-dir`,
//! at most `--spill-limit`). See `docs/operations.md`.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};

/// How many of the largest memory consumers DataFusion names when the pool is full (kept in
/// the server log; clients get fedgate's own words).
const REPORTED_CONSUMERS: usize = 5;

/// The memory and spill limits of the process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes all running statements may hold together; `None`: no limit.
    pub memory: Option<u64>,
    /// Where spill files go; `None`: the system's temporary directory.
    pub spill_dir: Option<PathBuf>,
    /// Bytes the spill files may take together; `None`: DataFusion's default (100 GiB).
    pub spill_limit: Option<u64>,
}

impl Limits {
    /// The shared runtime, or `None` when nothing is configured (each session then gets
    /// DataFusion's default runtime).
    pub fn runtime(&self) -> Result<Option<Arc<RuntimeEnv>>, String> {
        if *self == Limits::default() {
            return Ok(None);
        }
        let mut builder = RuntimeEnvBuilder::new();
        if let Some(bytes) = self.memory {
            let bytes = usize::try_from(bytes).map_err(|_| {
                format!("--memory-limit {bytes} is larger than this machine's address space")
            })?;
            // Fair: each spilling operator of each statement gets an equal share, so one
            // large sort cannot starve the others.
            let pool = TrackConsumersPool::new(
                FairSpillPool::new(bytes),
                NonZeroUsize::new(REPORTED_CONSUMERS).expect("non-zero"),
            );
            builder = builder.with_memory_pool(Arc::new(pool));
        }
        let mut disk = DiskManagerBuilder::default();
        if let Some(dir) = &self.spill_dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the spill directory {}: {e}", dir.display()))?;
            disk = disk.with_mode(DiskManagerMode::Directories(vec![dir.clone()]));
        }
        if let Some(bytes) = self.spill_limit {
            disk = disk.with_max_temp_directory_size(bytes);
        }
        builder = builder.with_disk_manager_builder(disk);
        builder
            .build_arc()
            .map(Some)
            .map_err(|e| format!("cannot set up the memory pool and spill directory: {e}"))
    }
}

/// A size as PostgreSQL's memory settings write it: a number with an optional unit `B`,
/// `kB`, `MB`, `GB`, `TB` (multiples of 1024, as in PostgreSQL) or `KiB`, `MiB`, `GiB`,
/// `TiB`; case and a space before the unit do not matter. A bare number is bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let invalid = || {
        format!("invalid size {text:?}: expected a number with a unit such as 512MB, 4GiB or 1TB")
    };
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(invalid()),
    };
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let bytes = value * factor as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes as u64)
}

/// A duration as PostgreSQL's time settings write it: a number with an optional unit `us`,
/// `ms`, `s`, `min`, `h` or `d`; a bare number is seconds. Zero is allowed.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let invalid = || {
        format!(
            "invalid duration {text:?}: expected a number with a unit such as 30s, 500ms or 2min"
        )
    };
    let seconds: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "us" => 1e-6,
        "ms" => 1e-3,
        "" | "s" => 1.0,
        "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return Err(invalid()),
    };
    let value: f64 = number.parse().map_err(|_| invalid())?;
    std::time::Duration::try_from_secs_f64(value * seconds).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_postgres_writes_them() {
        assert_eq!(parse_size("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_size("4GB").unwrap(), 4 << 30);
        assert_eq!(parse_size("512 mb").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5G").unwrap(), 3 << 29);
        assert_eq!(parse_size("64kB").unwrap(), 64 << 10);
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        for bad in ["", "GB", "4 XB", "-1GB", "0", "1e3GB", "four"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_as_postgres_writes_them() {
        use std::time::Duration;
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2min").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        for bad in ["", "s", "5 parsecs", "-1s", "soon"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nothing_configured_keeps_the_default_runtime() {
        assert!(Limits::default().runtime().unwrap().is_none());
    }

    #[test]
    fn a_limit_bounds_the_shared_pool() {
        let limits = Limits {
            memory: Some(64 << 20),
            spill_dir: Some(std::env::temp_dir().join("fedgate-limits-test")),
            spill_limit: Some(1 << 30),
        };
        let runtime = limits.runtime().unwrap().unwrap();
        assert!(runtime.memory_pool.reserved() == 0);
        assert!(matches!(
            runtime.memory_pool.memory_limit(),
            datafusion::execution::memory_pool::MemoryLimit::Finite(n) if n == 64 << 20
        ));
    }
}
