//! With `DATABASE_URL` unset and no usable server at the default address, the binary
//! starts a private PostgreSQL cluster of its own, and the next start reuses it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use acupress::db::embedded;
use serde_json::Value;

use crate::support::{Server, command, server_url};

/// A data folder of its own, under the temporary folder (short enough for a socket
/// path, reachable by the `postgres` user when the tests run as root); at the end the
/// cluster is stopped and the folder removed, pass or fail.
struct Folder(PathBuf);

impl Folder {
    fn new(test: &str) -> Self {
        let root = std::env::temp_dir().join(format!("acupress-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        Self(root)
    }

    fn data(&self) -> PathBuf {
        self.0.join("postgres")
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        if let Some(bindir) = embedded::find_bindir(None)
            && self.data().join("postmaster.pid").exists()
        {
            let _ = embedded::stop(&self.data(), &bindir);
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with no `DATABASE_URL`, its default address moved to `default`.
fn acupress(folder: &Folder, default: &str, extra: &[(&str, &str)]) -> Command {
    let mut cmd = command();
    cmd.env_remove("DATABASE_URL")
        .env("ACUPRESS_DEFAULT_DATABASE_URL", default)
        .env("ACUPRESS_PRIVATE_DB_DIR", folder.data())
        .envs(extra.iter().copied());
    cmd
}

/// Starts the server (initdb may take a while) and returns it with its log lines.
fn start(cmd: Command) -> (Server, Vec<Value>) {
    let server = Server::spawn(cmd, Duration::from_secs(120));
    let lines = server.logs();
    (server, lines)
}

fn stop(server: Server) {
    assert!(server.terminate().success(), "graceful exit");
}

/// The one log line about the private cluster, and where the server listens.
fn private_line(lines: &[Value]) -> (&Value, String) {
    let private: Vec<&Value> = lines
        .iter()
        .filter(|v| {
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("private PostgreSQL cluster"))
        })
        .collect();
    assert_eq!(private.len(), 1, "one log line says so: {lines:?}");
    let listen = lines
        .iter()
        .find(|v| v["message"] == "acupress listening")
        .and_then(|v| v["listen"].as_str())
        .expect("a listening line")
        .to_owned();
    (private[0], listen)
}

async fn ready(listen: &str) {
    let res = reqwest::get(format!("http://{listen}/readyz"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = reqwest::get(format!("http://{listen}/v1/meridians"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 14);
}

#[actix_web::test]
async fn without_database_url_or_a_usable_default_the_server_runs_a_private_cluster() {
    skip_in_black_box!("starts the binary on a private cluster");
    let folder = Folder::new("private");
    // Nothing listens on port 1.
    let (server, lines) = start(acupress(
        &folder,
        "postgres://postgres@127.0.0.1:1/acupress",
        &[],
    ));
    let (line, listen) = private_line(&lines);
    assert_eq!(line["reused"], false, "{line}");
    assert_eq!(
        line["data_dir"].as_str().map(PathBuf::from),
        Some(std::fs::canonicalize(folder.data()).unwrap())
    );
    ready(&listen).await;
    stop(server);

    // The next start finds it running and reuses it; a default that answers but does
    // not let us in (here an unknown role) counts as no usable server either.
    let refusing = acupress::config::with_database(&server_url(), "acupress").replacen(
        "postgres@",
        "acupress_nobody@",
        1,
    );
    let (server, lines) = start(acupress(&folder, &refusing, &[]));
    let (line, listen) = private_line(&lines);
    assert_eq!(line["reused"], true, "{line}");
    ready(&listen).await;
    stop(server);
}

#[test]
fn without_a_server_or_binaries_the_error_says_what_to_install_or_set() {
    skip_in_black_box!("starts the binary");
    let folder = Folder::new("nobin");
    let mut child = acupress(
        &folder,
        "postgres://postgres@127.0.0.1:1/acupress",
        &[("ACUPRESS_PG_BINDIR", "/nonexistent/bin")],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let status = (0..300)
        .find_map(|_| {
            let status = child.try_wait().unwrap();
            status
                .is_none()
                .then(|| std::thread::sleep(Duration::from_millis(100)));
            status
        })
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("start-up did not give up within 30 s");
        });
    assert_eq!(status.code(), Some(1));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    for needle in [
        "apt-get install postgresql",
        "DATABASE_URL",
        "ACUPRESS_PG_BINDIR",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert!(!folder.data().exists(), "no cluster was made");
}
