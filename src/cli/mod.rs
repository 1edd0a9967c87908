//! The command line: `serve` (the default), `check`, `export`, `import`, `admin` and
//! `summary`.

mod admin;
mod check;
mod export;
mod import;
mod serve;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "nianbao",
    version,
    about = "政府信息公开工作年度报告：填报、校验、审核与发布"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Starts the web app (what `cargo run` does with no arguments).
    Serve(ServeArgs),
    /// Validates interchange JSON files: exit 0 when no error, 1 when any, 2 when a file is refused.
    Check {
        /// Print the spec's violations object (one per line per file) instead of text.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Writes a report in a publication format: from an interchange file, or a stored report.
    Export {
        #[arg(long, value_enum)]
        format: crate::export::Kind,
        /// An interchange JSON file (exported as a draft: a file carries no approval).
        #[arg(required_unless_present = "report")]
        file: Option<PathBuf>,
        /// A stored report's id instead of a file (uses DATABASE_URL); approved reports carry their stamp.
        #[arg(long, conflicts_with = "file")]
        report: Option<i64>,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://nianbao.db")]
        database_url: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Reads a published report (web page, page text or PDF) into an interchange document:
    /// exit 0 when every cell was read with certainty, 3 when some need confirming, 2 when unreadable.
    Import {
        file: PathBuf,
        /// Where to write the document (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "auto")]
        format: import::ImportFormat,
        /// The agency's name, instead of the one the document gives.
        #[arg(long)]
        report_of: Option<String>,
    },
    /// Manages agencies and users: `nianbao admin create-user …`.
    Admin(admin::AdminArgs),
    /// Prints a government's report for a year as the desk compiles it (exit 3 when units are missing).
    Summary {
        #[arg(long)]
        government: String,
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value = "region")]
        scope: summary::SummaryScope,
        /// Print the interchange document instead of the table of values.
        #[arg(long)]
        json: bool,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://nianbao.db")]
        database_url: String,
    },
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Load demo agencies and reports (idempotent).
    #[arg(long)]
    pub demo: bool,
    /// `sqlite://file.db` (default; created and migrated at start) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://nianbao.db")]
    pub database_url: String,
    /// The address to listen on.
    #[arg(long, env = "NIANBAO_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,
    /// A session ends after this many minutes without a request.
    #[arg(long, env = "NIANBAO_IDLE_MINUTES", default_value_t = 120)]
    pub idle_minutes: i64,
    /// Mark cookies Secure (set when a TLS proxy does not send X-Forwarded-Proto).
    #[arg(long, env = "NIANBAO_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The reverse proxy (one or more addresses, comma-separated) whose X-Forwarded-For
    /// names the client; sign-in throttling counts per client.
    #[arg(long, env = "NIANBAO_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,
}

pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None => serve::run(ServeArgs::parse_env()).await,
        Some(Command::Serve(args)) => serve::run(args).await,
        Some(Command::Check { json, files }) => check::run(json, &files),
        Some(Command::Export {
            format,
            file,
            report,
            database_url,
            output,
        }) => {
            let output = output.unwrap_or_else(|| export::default_output(format));
            export::run(format, file.as_deref(), report, &database_url, &output).await
        }
        Some(Command::Import {
            file,
            output,
            format,
            report_of,
        }) => import::run(&file, output.as_ref(), format, report_of.as_deref()),
        Some(Command::Admin(args)) => admin::run(args).await,
        Some(Command::Summary {
            government,
            year,
            scope,
            json,
            database_url,
        }) => summary::run(&database_url, &government, year, scope, json).await,
    }
}

impl ServeArgs {
    /// The defaults and environment, for a bare `nianbao`.
    fn parse_env() -> ServeArgs {
        #[derive(Parser)]
        struct Bare {
            #[command(flatten)]
            args: ServeArgs,
        }
        Bare::parse_from(["nianbao"]).args
    }
}
