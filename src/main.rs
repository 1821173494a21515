//! The `acupress` binary: read config, start telemetry, run the server.

use std::process::ExitCode;

use acupress::config::Config;
use acupress::{app, openapi, server, telemetry};

const USAGE: &str = "usage: acupress [serve | openapi]
  serve     run the API server (default); configured by environment variables
  openapi   print the OpenAPI document (regenerate openapi/openapi.json with it)";

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
