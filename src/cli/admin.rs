//! `nianbao admin`: agencies, users and passwords from the command line, for the first admin
//! of an install and for scripts. The same rules as the admin pages (names and passwords
//! are parsed by the same `account` types); failures exit 1 with the reason on stderr.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::account::{AgencyName, DisplayName, Password, Role, Username, hash_password};
use crate::account::{membership_problem, parent_problem};
use crate::report::Kind;
use crate::store::{Store, StoreError};

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// `sqlite://file.db` or `postgres://…`, as for `serve`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://nianbao.db",
        global = true
    )]
    pub database_url: String,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Creates an agency: a government, or a department; a parent must be a government.
    CreateAgency {
        #[arg(long)]
        name: String,
        /// government | department
        #[arg(long)]
        kind: String,
        /// The name of the government it belongs to.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Creates a user. The password is generated and printed once, unless read from stdin.
    CreateUser {
        #[arg(long)]
        username: String,
        /// The name shown in the app.
        #[arg(long)]
        name: String,
        /// clerk | reviewer | admin
        #[arg(long)]
        role: String,
        /// The agency's name (clerks and reviewers).
        #[arg(long)]
        agency: Option<String>,
        /// Read the password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets a new password (generated and printed, or from stdin); the user's sessions end.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(args: AdminArgs) -> ExitCode {
    let store = match Store::connect(&args.database_url).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("nianbao: 无法打开数据库 {}：{err:#}", args.database_url);
            return ExitCode::FAILURE;
        }
    };
    let done = act(&store, args.action).await;
    store.close().await;
    match done {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("nianbao: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Does one action; the `Ok` text is what the user reads.
async fn act(store: &Store, action: Action) -> anyhow::Result<String> {
    match action {
        Action::CreateAgency { name, kind, parent } => {
            let name = AgencyName::parse(&name)?;
            let Some(kind) = Kind::parse(&kind) else {
                bail!("未知的机构类型“{kind}”：应为 government（人民政府）或 department（政府部门）");
            };
            let parent = match parent {
                None => None,
                Some(parent_name) => {
                    let parent = store
                        .agency_by_name(&parent_name)
                        .await?
                        .with_context(|| format!("找不到上级机构“{parent_name}”"))?;
                    if let Some(problem) = parent_problem(&parent) {
                        bail!("{problem}：“{parent_name}”是{}", parent.kind.label());
                    }
                    Some(parent)
                }
            };
            match store
                .create_agency(&name, kind, parent.as_ref().map(|p| p.id))
                .await
            {
                Ok(_) => Ok(match parent {
                    Some(p) => format!("已创建机构“{name}”（{}，隶属{}）", kind.label(), p.name),
                    None => format!("已创建机构“{name}”（{}）", kind.label()),
                }),
                Err(StoreError::Duplicate) => bail!("已有同名机构“{name}”"),
                Err(err) => Err(err.into()),
            }
        }
        Action::CreateUser {
            username,
            name,
            role,
            agency,
            password_stdin,
        } => {
            let username = Username::parse(&username)?;
            let name = DisplayName::parse(&name)?;
            let Some(role) = Role::parse(&role) else {
                bail!("未知的角色“{role}”：应为 clerk（填报人）、reviewer（审核人）或 admin（管理员）");
            };
            let agency = match agency {
                None => None,
                Some(agency_name) => Some(
                    store
                        .agency_by_name(&agency_name)
                        .await?
                        .with_context(|| format!("找不到机构“{agency_name}”"))?,
                ),
            };
            if let Some(problem) = membership_problem(role, agency.as_ref()) {
                bail!("{problem}");
            }
            let (password, generated) = password(password_stdin)?;
            let hash = hash_password(password.as_str())?;
            let agency_id = agency.as_ref().map(|a| a.id);
            match store.create_user(&username, &name, &hash, role, agency_id).await {
                Ok(_) => {}
                Err(StoreError::Duplicate) => bail!("用户名“{username}”已被使用"),
                Err(err) => return Err(err.into()),
            }
            let within = agency.map_or_else(String::new, |a| format!("，{}", a.name));
            let mut message = format!("已创建用户 {username}（{}{within}）", role.label());
            if generated {
                let password = password.as_str();
                message.push_str(&format!("\n初始密码（只显示这一次，请转交本人）：\n{password}"));
            }
            Ok(message)
        }
        Action::ResetPassword {
            username,
            password_stdin,
        } => {
            // Among all accounts: a disabled one may get a new password before it is enabled.
            let user = store
                .accounts()
                .await?
                .into_iter()
                .find(|a| a.user.username == username)
                .with_context(|| format!("找不到用户“{username}”"))?
                .user;
            let (password, generated) = password(password_stdin)?;
            store
                .set_password(user.id, &hash_password(password.as_str())?)
                .await?;
            let mut message = format!("已重置 {username} 的密码，其已登录的会话均已退出");
            if generated {
                let password = password.as_str();
                message.push_str(&format!("\n新密码（只显示这一次，请转交本人）：\n{password}"));
            }
            Ok(message)
        }
    }
}

/// The first line of stdin, or a generated password; `true` when generated (to print it).
fn password(from_stdin: bool) -> anyhow::Result<(Password, bool)> {
    if !from_stdin {
        return Ok((Password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法读取标准输入")?;
    let password = Password::parse(line.trim_end_matches(['\n', '\r']).to_string())
        .map_err(|problem| anyhow::anyhow!("标准输入中的密码不可用：{problem}"))?;
    Ok((password, false))
}
