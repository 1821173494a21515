//! The `acupress` binary: read config, start telemetry, run the server.

use std::process::ExitCode;

use acupress::config::Config;
use acupress::{admin, app, openapi, server, telemetry};

const USAGE: &str = "usage: acupress [serve | openapi | admin grant EMAIL | catalog export DIR]
  serve               run the API server (default); configured by environment variables
  openapi             print the OpenAPI document (regenerate openapi/openapi.json with it)
  admin grant EMAIL   give an existing account the admin role (uses DATABASE_URL)
  catalog export DIR  write the stored catalog, admins' edits included, into DIR in the
                      format of data/ (uses DATABASE_URL)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["serve"] => serve(),
        ["openapi"] => {
            print!("{}", openapi::render(&app::openapi()));
            ExitCode::SUCCESS
        }
        ["admin", "grant", email] => {
            with_database(|config| async move { admin::grant(&config, email).await })
        }
        ["catalog", "export", dir] => with_database(|config| async move {
            admin::catalog::export(&config, std::path::Path::new(dir)).await
        }),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Runs a one-off command against the configured database and prints its outcome.
fn with_database<F, Fut>(command: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("acupress: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let run = async {
        let config = acupress::db::embedded::resolve(config)
            .await
            .map_err(|e| e.to_string())?;
        command(config).await
    };
    match actix_web::rt::System::new().block_on(run) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("acupress: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("acupress: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    match actix_web::rt::System::new().block_on(server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "acupress failed to start");
            eprintln!("acupress: {e}");
            ExitCode::FAILURE
        }
    }
}
