//! The `acupress` binary: read config, start telemetry, run the server.

use std::process::ExitCode;

use acupress::config::Config;
use acupress::{admin, app, openapi, server, telemetry};

const USAGE: &str = "usage: acupress [serve | openapi | admin grant EMAIL]
  serve              run the API server (default); configured by environment variables
  openapi            print the OpenAPI document (regenerate openapi/openapi.json with it)
  admin grant EMAIL  give an existing account the admin role (uses DATABASE_URL)";

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
        ["admin", "grant", email] => grant_admin(email),
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

fn grant_admin(email: &str) -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("acupress: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let grant = async {
        let config = acupress::db::embedded::resolve(config)
            .await
            .map_err(|e| e.to_string())?;
        admin::grant(&config, email).await
    };
    match actix_web::rt::System::new().block_on(grant) {
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
