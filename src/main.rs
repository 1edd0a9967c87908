//! `nianbao`: the server (`serve`, the default) and the command line tools.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: request handling allocates many small strings; it is ~10 % faster than the
/// system allocator under load (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "nianbao=info,tower_http=warn,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    nianbao::cli::run(nianbao::cli::Cli::parse()).await
}
