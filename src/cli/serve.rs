//! `nianbao serve`: connect, migrate, optionally seed the demo, listen.

use std::process::ExitCode;

use super::ServeArgs;
use crate::store::Store;
use crate::web::{AppState, Config, DemoLogins};

pub async fn run(args: ServeArgs) -> ExitCode {
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("nianbao: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.database_url).await?;
    tracing::info!(backend = ?store.backend(), "database ready");
    if args.demo {
        crate::demo::seed(&store).await?;
        tracing::info!("demo data loaded");
    }
    // Export jobs an instance left running when it stopped are failed before anyone asks.
    store.sweep_jobs().await?;
    // Ended sessions, old sign-in failures and export jobs (dead or a day finished) are
    // swept every ten minutes; every instance sweeps, and a sweep twice over is harmless.
    let sweeper = store.clone();
    let idle = args.idle_minutes * 60;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(err) = sweeper.sweep(idle).await {
                tracing::warn!(error = %err, "session sweep failed");
            }
            if let Err(err) = sweeper.sweep_jobs().await {
                tracing::warn!(error = %err, "export job sweep failed");
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    // A fresh install has nobody who can sign in and create users: say how to make the first.
    let setup_token = if store.has_admin().await? {
        None
    } else {
        let token = crate::account::random_token();
        tracing::warn!(
            "没有管理员账户。创建方法：运行 `nianbao admin create-user --role admin --username admin --name 管理员`，或打开一次性设置链接 http://{}/setup/{token}",
            listener.local_addr()?
        );
        Some(token)
    };
    let config = Config {
        demo_logins: args.demo.then_some(DemoLogins {
            password: crate::demo::PASSWORD,
            accounts: crate::demo::LOGINS,
        }),
        idle_secs: args.idle_minutes * 60,
        secure_cookies: args.secure_cookies,
        setup_token,
        trusted_proxies: args.trusted_proxy,
        ..Config::default()
    };
    // Each request carries its peer's address (ConnectInfo), for sign-in throttling.
    let state = AppState::with_config(store.clone(), config);
    crate::web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    store.close().await;
    Ok(())
}
