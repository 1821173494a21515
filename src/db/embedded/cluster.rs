//! Running the private cluster: finding `initdb` and `pg_ctl`, choosing who runs them
//! (the `postgres` system user when we are root), making the data folder, starting,
//! reusing and stopping the server. Everything here blocks.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{
    MAX_SOCKET_DIR, PrivateCluster, PrivateClusterError, SOCKET_PORT, SUPERUSER, SYSTEM_USER,
};

/// The folder holding `initdb` and `pg_ctl`: `explicit` if given, else
/// `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`, else `PATH`.
pub fn find_bindir(explicit: Option<&Path>) -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = explicit {
        return has_tools(dir).then(|| dir.to_owned());
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    debian.sort();
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    from_pg_config
        .into_iter()
        .chain(debian.into_iter().rev().map(|(_, dir)| dir))
        .chain(on_path)
        .find(|dir| has_tools(dir))
}

pub(super) fn looked_in(explicit: Option<&Path>) -> String {
    match explicit {
        Some(dir) => format!("ACUPRESS_PG_BINDIR={}", dir.display()),
        None => "`pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH".to_owned(),
    }
}

/// Who runs the PostgreSQL commands.
enum RunAs {
    Me,
    /// We are root: run them as this system user, owner of the data folder.
    System {
        uid: u32,
        gid: u32,
    },
}

impl RunAs {
    fn detect() -> Result<Self, PrivateClusterError> {
        let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if !root {
            return Ok(Self::Me);
        }
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").args([flag, SYSTEM_USER]).output().ok()?;
            out.status.success().then_some(())?;
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        };
        match (id("-u"), id("-g")) {
            (Some(uid), Some(gid)) => Ok(Self::System { uid, gid }),
            _ => Err(PrivateClusterError::NoSystemUser),
        }
    }

    fn command(&self, program: &Path) -> Command {
        match self {
            Self::Me => Command::new(program),
            Self::System { .. } => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", SYSTEM_USER, "--"]).arg(program);
                cmd
            }
        }
    }
}

/// Makes the cluster in `dir` if it has none, and starts it unless it is running.
/// Two processes doing this at once take turns (a lock file beside the folder).
pub fn ensure(dir: &Path, bindir: &Path) -> Result<PrivateCluster, PrivateClusterError> {
    let io = |source| PrivateClusterError::Io {
        dir: dir.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let dir = std::fs::canonicalize(dir).map_err(io)?;
    if dir.as_os_str().len() > MAX_SOCKET_DIR {
        return Err(PrivateClusterError::PathTooLong(dir));
    }
    let io = |source| PrivateClusterError::Io {
        dir: dir.clone(),
        source,
    };
    let lock = File::create(dir.with_extension("lock")).map_err(io)?;
    lock.lock().map_err(io)?;
    let run_as = RunAs::detect()?;
    if let RunAs::System { uid, gid } = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(io)?;
    }
    if !dir.join("PG_VERSION").exists() {
        init(&dir, bindir, &run_as)?;
    }
    let pg_ctl = bindir.join("pg_ctl");
    // pg_ctl status: 0 running, 3 not running.
    let running = run_as
        .command(&pg_ctl)
        .arg("status")
        .arg("-D")
        .arg(&dir)
        .output()
        .map_err(io)?
        .status
        .success();
    if !running {
        let out = run_as
            .command(&pg_ctl)
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&dir)
            .arg("-l")
            .arg(dir.join("postgres.log"))
            .output()
            .map_err(io)?;
        checked(&dir, "pg_ctl start", out)?;
    }
    Ok(PrivateCluster {
        dir,
        started: !running,
    })
}

/// `initdb` with trust authentication over the socket only, then the settings.
fn init(dir: &Path, bindir: &Path, run_as: &RunAs) -> Result<(), PrivateClusterError> {
    let io = |source| PrivateClusterError::Io {
        dir: dir.to_owned(),
        source,
    };
    let out = run_as
        .command(&bindir.join("initdb"))
        .arg("-D")
        .arg(dir)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ])
        .output()
        .map_err(io)?;
    checked(dir, "initdb", out)?;
    let socket_dir = dir.to_string_lossy().replace('\'', "''");
    let settings = format!(
        "\n# acupress private cluster: Unix socket in this folder only, no TCP.\n\
         listen_addresses = ''\nunix_socket_directories = '{socket_dir}'\n\
         port = {SOCKET_PORT}\nmax_connections = 200\n"
    );
    let conf = dir.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).map_err(io)?;
    text.push_str(&settings);
    std::fs::write(&conf, text).map_err(io)
}

/// Stops the cluster in `dir` (fast shutdown) if it runs.
pub fn stop(dir: &Path, bindir: &Path) -> Result<(), PrivateClusterError> {
    let out = RunAs::detect()?
        .command(&bindir.join("pg_ctl"))
        .args(["stop", "-w", "-m", "fast", "-D"])
        .arg(dir)
        .output()
        .map_err(|source| PrivateClusterError::Io {
            dir: dir.to_owned(),
            source,
        })?;
    checked(dir, "pg_ctl stop", out)
}

fn checked(dir: &Path, what: &'static str, out: Output) -> Result<(), PrivateClusterError> {
    if out.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    }
    Err(PrivateClusterError::Command {
        dir: dir.to_owned(),
        what,
        detail: format!(
            "{detail} (exit {}; see {})",
            out.status,
            dir.join("postgres.log").display()
        ),
    })
}
