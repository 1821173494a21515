//! The real binary, started as a newcomer would, on a port of its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::{TestDb, data_dir};

/// The binary on a free port of 127.0.0.1, logging JSON, with the repository's data and
/// one worker; the caller adds the database settings.
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_acupress"));
    cmd.env("ACUPRESS_LISTEN", "127.0.0.1:0")
        .env("ACUPRESS_LOG_FORMAT", "json")
        .env("ACUPRESS_DATA_DIR", data_dir())
        .env("ACUPRESS_WORKERS", "1")
        .env(
            "ACUPRESS_MAIL_DIR",
            std::env::temp_dir().join("acupress-test-mail"),
        );
    cmd
}

/// The real binary, running on its own port.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Every JSON log line written so far.
    logs: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Server {
    /// Starts `acupress` on a free port and waits for its "listening" log line.
    pub fn start(db: &TestDb) -> Self {
        Self::start_with(db, &[])
    }

    /// The same with extra environment variables. The drain period after SIGTERM is
    /// short unless `env` sets `ACUPRESS_DRAIN_MS`.
    pub fn start_with(db: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut cmd = command();
        cmd.env("ACUPRESS_DRAIN_MS", "100")
            .envs(env.iter().copied())
            .env("DATABASE_URL", &db.url);
        Self::spawn(cmd, Duration::from_secs(60))
    }

    /// Starts `cmd` (made by [`command`]) and waits up to `wait` for its "listening" log
    /// line, keeping every JSON log line it writes.
    pub fn spawn(mut cmd: Command, wait: Duration) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start acupress");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    let listening = v["message"] == "acupress listening";
                    let listen = v["listen"].as_str().unwrap_or_default().to_owned();
                    kept.lock().unwrap().push(v);
                    if listening {
                        let _ = tx.send(listen);
                    }
                }
            }
        });
        let listen = rx
            .recv_timeout(wait)
            .expect("the server reports where it listens");
        Self {
            child,
            base: format!("http://{listen}"),
            logs,
        }
    }

    /// `host:port` of the listener.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// The log lines written so far.
    pub fn logs(&self) -> Vec<serde_json::Value> {
        self.logs.lock().unwrap().clone()
    }

    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        self.wait_for_exit()
    }

    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("acupress did not stop within 10 s of SIGTERM");
    }
}

/// A test that fails half-way leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
