//! Finding the `fedgate` binary and running it as a child process.
//!
//! A [`Gateway`] is one child process listening on a free loopback port with its own data
//! directory. Its stdout and stderr are captured (see [`Gateway::logs`]); it is ready once
//! it printed a line containing `listening on`. Only the child started here is ever
//! signalled: SIGTERM through `kill -TERM <pid>`, SIGKILL through [`std::process::Child::kill`].

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls};

/// How long a gateway may take to print its `listening on` line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a gateway may take to exit after SIGTERM.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// The text of the line the gateway prints once it accepts connections.
const READY_MARKER: &str = "listening on";

/// The `fedgate` binary: `$FEDGATE_BIN`, else `fedgate` in the target profile directory of the
/// running test executable (tests live in `<target>/debug/deps/`).
pub fn fedgate_bin() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("FEDGATE_BIN") {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!(
                "FEDGATE_BIN={} does not exist or is not a file",
                bin.display()
            ))
        };
    }
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot locate the running test executable: {e}"))?;
    let mut dir = exe
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", exe.display()))?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent().unwrap_or(dir);
    }
    let bin = dir.join(format!("fedgate{}", std::env::consts::EXE_SUFFIX));
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "the fedgate binary was not found at {}; run `cargo build --workspace` first \
             (scripts/test.sh does) or set FEDGATE_BIN",
            bin.display()
        ))
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// How to start a gateway; see [`Gateway::builder`].
#[derive(Debug, Clone)]
pub struct GatewayBuilder {
    data_dir: PathBuf,
    sample_dir: PathBuf,
    env: Vec<(String, String)>,
}

impl GatewayBuilder {
    /// The directory registered as server `samples` on first start (default: `sample-data/`).
    pub fn sample_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.sample_dir = dir.into();
        self
    }

    /// An environment variable for the child, e.g. `RUST_LOG`.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts the gateway on a free port and waits until it is ready. A start that fails
    /// because another process took the port first is retried on another port.
    pub fn start(&self) -> Result<Gateway, String> {
        let bin = fedgate_bin()?;
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port().map_err(|e| format!("cannot find a free port: {e}"))?;
            match self.start_on(&bin, port) {
                Ok(gateway) => return Ok(gateway),
                Err(StartError::PortTaken(e)) => last_error = e,
                Err(StartError::Other(e)) => return Err(e),
            }
        }
        Err(last_error)
    }

    fn start_on(&self, bin: &Path, port: u16) -> Result<Gateway, StartError> {
        let listen = format!("127.0.0.1:{port}");
        let mut command = Command::new(bin);
        command
            .arg("--listen")
            .arg(&listen)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--sample-dir")
            .arg(&self.sample_dir)
            .env_remove("FEDGATE_LISTEN")
            .env_remove("FEDGATE_DATA_DIR")
            .env_remove("FEDGATE_SAMPLE_DIR")
            // Plain logs: they end up in test reports.
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .map_err(|e| StartError::Other(format!("cannot start {}: {e}", bin.display())))?;

        let logs = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(spawn_reader(
                stdout,
                "stdout",
                logs.clone(),
                lines_tx.clone(),
            ));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(spawn_reader(
                stderr,
                "stderr",
                logs.clone(),
                lines_tx.clone(),
            ));
        }
        drop(lines_tx);

        let mut gateway = Gateway {
            child: Some(child),
            port,
            data_dir: self.data_dir.clone(),
            logs,
            readers,
        };

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) if line.contains(READY_MARKER) => return Ok(gateway),
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    gateway.kill();
                    return Err(StartError::Other(format!(
                        "fedgate did not print `{READY_MARKER}` within {}s; its output:\n{}",
                        STARTUP_TIMEOUT.as_secs(),
                        gateway.logs()
                    )));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Both pipes closed: the process exited (or closed them) before being ready.
                    let status = gateway.wait_exit(Duration::from_secs(5));
                    gateway.kill();
                    let logs = gateway.logs();
                    let message = format!(
                        "fedgate exited before it was ready ({}); its output:\n{logs}",
                        status.map_or_else(|| "still running".to_string(), |s| s.to_string())
                    );
                    let lower = logs.to_lowercase();
                    return Err(
                        if lower.contains("address already in use") || lower.contains("addrinuse") {
                            StartError::PortTaken(message)
                        } else {
                            StartError::Other(message)
                        },
                    );
                }
            }
        }
    }
}

enum StartError {
    PortTaken(String),
    Other(String),
}

fn spawn_reader(
    pipe: impl Read + Send + 'static,
    stream: &'static str,
    logs: Arc<Mutex<String>>,
    lines: mpsc::Sender<String>,
) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(format!("fedgate-{stream}"))
        .spawn(move || {
            let mut reader = BufReader::new(pipe);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf).into_owned();
                        if let Ok(mut logs) = logs.lock() {
                            logs.push_str(&line);
                            if !line.ends_with('\n') {
                                logs.push('\n');
                            }
                        }
                        // The receiver is gone once the gateway is ready; that is fine.
                        let _ = lines.send(line);
                    }
                }
            }
        })
        .expect("spawn log reader thread")
}

/// A running `fedgate` child process. Dropping it kills the process if it still runs.
#[derive(Debug)]
pub struct Gateway {
    child: Option<Child>,
    port: u16,
    data_dir: PathBuf,
    logs: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Gateway {
    /// A builder for a gateway with data directory `data_dir`.
    pub fn builder(data_dir: impl Into<PathBuf>) -> GatewayBuilder {
        GatewayBuilder {
            data_dir: data_dir.into(),
            sample_dir: crate::sample_dir(),
            env: Vec::new(),
        }
    }

    /// Starts a gateway with data directory `data_dir` and the default sample directory.
    pub fn start(data_dir: impl Into<PathBuf>) -> Result<Gateway, String> {
        Self::builder(data_dir).start()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The process id, while the process has not been reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Everything the process printed so far on stdout and stderr, line by line.
    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A new session as `user` on database `dbname` (`fedgate` is the system catalog, a
    /// server name makes that server the default catalog).
    pub async fn connect_as(
        &self,
        user: &str,
        dbname: &str,
    ) -> Result<Client, tokio_postgres::Error> {
        let (client, connection) = tokio_postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user(user)
            .dbname(dbname)
            .application_name("fedgate-integration-tests")
            .connect_timeout(Duration::from_secs(10))
            .connect(NoTls)
            .await?;
        tokio::spawn(async move {
            // Ends with the session; errors surface on the client's next call.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// A new session as user `test` on the system catalog.
    pub async fn connect(&self) -> Result<Client, tokio_postgres::Error> {
        self.connect_as("test", "fedgate").await
    }

    /// The rows of `sql` (simple protocol) as text, NULL as `NULL`; panics with this
    /// gateway's output when the statement fails.
    pub async fn rows(&self, client: &Client, sql: &str) -> Vec<Vec<String>> {
        let messages = client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}\n{}", crate::backend::describe(&e), self.logs()));
        crate::backend::text_rows(messages)
    }

    /// Sends SIGTERM and waits for the process to exit; kills it (and fails) if it does not
    /// exit within [`SHUTDOWN_TIMEOUT`]. Returns the exit status.
    pub fn terminate(&mut self) -> Result<ExitStatus, String> {
        let Some(pid) = self.pid() else {
            return Err("the gateway was already stopped".to_string());
        };
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .map_err(|e| format!("cannot run `kill -TERM {pid}`: {e}"))?;
        if !sent.success() {
            // The process may have exited on its own; reap it below.
            if let Some(status) = self.wait_exit(Duration::from_secs(1)) {
                self.finish_readers();
                return Ok(status);
            }
            return Err(format!("`kill -TERM {pid}` failed: {sent}"));
        }
        match self.wait_exit(SHUTDOWN_TIMEOUT) {
            Some(status) => {
                self.finish_readers();
                Ok(status)
            }
            None => {
                self.kill();
                Err(format!(
                    "fedgate (pid {pid}) did not exit within {}s of SIGTERM; killed it. Output:\n{}",
                    SHUTDOWN_TIMEOUT.as_secs(),
                    self.logs()
                ))
            }
        }
    }

    /// Kills the process with SIGKILL (no chance to clean up) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.finish_readers();
    }

    /// Waits up to `timeout` for the process to exit; reaps it and returns its status.
    fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            let child = self.child.as_mut()?;
            match child.try_wait() {
                Ok(Some(status)) => {
                    self.child = None;
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// Waits for the log readers, so that [`Gateway::logs`] has all output of an exited process.
    fn finish_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}
