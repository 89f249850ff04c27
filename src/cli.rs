//! The command line of the one binary: `serve` (default), `migrate`, `bootstrap` and `openapi`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "SCIM 2.0 provisioning and access governance"
)]
pub struct Cli {
    /// A TOML file layered over the built-in defaults (see config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default). An empty database is bootstrapped and its credentials printed.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an organization with a super-admin token and a SCIM connection; print them once.
    Bootstrap {
        /// The organization's name.
        #[arg(long)]
        org: String,
        /// The organization's verified email domain.
        #[arg(long)]
        domain: String,
        /// The super admin's email address (their userName).
        #[arg(long = "admin-email")]
        admin_email: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the admin API's OpenAPI document (what `docs/openapi.json` holds) and exit.
    Openapi,
}
