//! The `gatehouse` binary: parse the command line, load configuration, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use gatehouse::app::Application;
use gatehouse::bootstrap::{bootstrap, BootstrapOutput, BootstrapRequest};
use gatehouse::cli::{Cli, Command};
use gatehouse::config::Settings;
use gatehouse::{db, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        // Needs no configuration or database: the document is generated from the code.
        print!("{}", gatehouse::http::api::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    telemetry::init(&settings.log);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        // Answered above, before the configuration is read.
        Command::Openapi => Ok(()),
        Command::Migrate => db::migrate(&settings.database.url).map(|applied| {
            println!("applied {} migration(s)", applied.len());
        }),
        Command::Bootstrap {
            org,
            domain,
            admin_email,
            json,
        } => run_bootstrap(
            &settings,
            BootstrapRequest {
                org_name: org,
                domain,
                admin_email,
            },
            json,
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("gatehouse: {message}");
    ExitCode::FAILURE
}

fn serve(settings: Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        if let Some(created) = &app.bootstrap {
            print_credentials(created);
        }
        tracing::info!(port = app.port(), base_url = %app.state.base_url, "gatehouse is serving");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn run_bootstrap(settings: &Settings, req: BootstrapRequest, json: bool) -> Result<(), String> {
    db::migrate(&settings.database.url)?;
    let factory = db::ConnectionFactory::new(&settings.database.url)?;
    let mut conn = factory.open().map_err(|e| {
        format!(
            "cannot connect to {}: {e}",
            db::redact(&settings.database.url)
        )
    })?;
    let created = bootstrap(&mut conn, &req, &settings.base_url()).map_err(|e| e.to_string())?;
    if json {
        println!(
            "{}",
            serde_json::to_string(&created).map_err(|e| e.to_string())?
        );
    } else {
        print_credentials(&created);
    }
    Ok(())
}

fn print_credentials(c: &BootstrapOutput) {
    println!(
        "\n  gatehouse bootstrapped organization {org}\n\
         \n  Super-admin personal access token (shown once):\n    {admin}\n\
         \n  SCIM base URL:   {base}\n  SCIM connection: {conn}\n  SCIM token (shown once):\n    {scim}\n\
         \n  Try it:\n    curl -H 'Authorization: Bearer {scim}' {base}/Users\n",
        org = c.org_id,
        admin = c.admin_token,
        base = c.scim_base_url,
        conn = c.scim_connection_id,
        scim = c.scim_token,
    );
}
