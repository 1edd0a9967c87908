//! `nianbao admin`: agencies, users and passwords from the command line, for the first admin
//! of an install and for scripts. The same rules as the admin pages (names and passwords
//! are parsed by the same `account` types); failures exit 1 with the reason on stderr.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::account::{AgencyName, DisplayName, Password, Role, Username, hash_password};
use crate::account::{membership_problem, parent_problem};
use crate::account::roster;
use crate::report::{Kind, Report, interchange};
use crate::store::{Author, Store, StoreError};

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
    /// Loads a roster (名册) from a CSV (UTF-8 or GBK) or .xlsx file: columns 名称, 类型
    /// (人民政府/政府部门), 上级, and optionally 起始年度, 终止年度, 继任机构. All of it or,
    /// when any row is wrong, nothing; a roster loaded before adds nothing twice.
    ImportAgencies { file: PathBuf },
    /// Loads interchange documents (JSON) as reports of their agencies, found by name: all
    /// of them or, when one cannot be loaded, none.
    ImportReports {
        /// draft, or approved for past years' published reports.
        #[arg(long, default_value = "draft")]
        status: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
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
        Action::ImportAgencies { file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let stored = store.agencies().await?;
            let plan = roster::plan_file(&bytes, &stored).map_err(|problems| {
                let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
                anyhow::anyhow!("{} 未导入（共 {} 处问题）：\n{}", file.display(), problems.len(), lines.join("\n"))
            })?;
            let loaded = match store.load_roster(&plan).await {
                Err(StoreError::Duplicate) => bail!("导入时有同名机构被他人新建，未导入，请重试"),
                other => other?,
            };
            Ok(format!(
                "已导入名册 {}：新建 {} 个机构，更新 {} 个，{} 个未变",
                file.display(),
                loaded.created,
                loaded.updated,
                loaded.unchanged
            ))
        }
        Action::ImportReports { status, files } => {
            let approved = match status.as_str() {
                "draft" => false,
                "approved" => true,
                other => bail!("未知的状态“{other}”：应为 draft（草稿）或 approved（已通过，以往年度已发布的报告）"),
            };
            import_reports(store, &files, approved).await
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

/// Reads every file, finds each one's agency and checks its year against the roster, and
/// only then loads them all in one transaction.
async fn import_reports(store: &Store, files: &[PathBuf], approved: bool) -> anyhow::Result<String> {
    let mut documents = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for file in files {
        let name = file.display().to_string();
        let report = match std::fs::read(file) {
            Ok(bytes) => interchange::from_json(&bytes).map_err(|e| e.to_string()),
            Err(err) => Err(format!("无法读取：{err}")),
        };
        let report = match report {
            Ok(report) => report,
            Err(why) => {
                problems.push(format!("{name}：{why}"));
                continue;
            }
        };
        let Some(agency) = store.agency_by_name(&report.agency).await? else {
            problems.push(format!("{name}：找不到机构“{}”，请先导入名册或核对机构名称", report.agency));
            continue;
        };
        if !agency.reports_for(report.year) {
            let years = match (agency.from_year, agency.to_year) {
                (Some(f), Some(t)) => format!("{f}–{t} 年度"),
                (Some(f), None) => format!("{f} 年度起"),
                (None, Some(t)) => format!("{t} 年度及以前"),
                (None, None) => String::new(),
            };
            problems.push(format!("{name}：“{}”按名册只填报{years}的报告，不填报 {} 年度", agency.name, report.year));
            continue;
        }
        if agency.kind != report.kind {
            problems.push(format!(
                "{name}：“{}”登记为{}，文件中为{}",
                agency.name,
                agency.kind.label(),
                report.kind.label()
            ));
            continue;
        }
        if let Some(earlier) = seen.insert((agency.id, report.year), name.clone()) {
            problems.push(format!("{name}：与 {earlier} 是同一机构同一年度的报告"));
            continue;
        }
        if store.report_id_of(agency.id, report.year).await?.is_some() {
            problems.push(format!("{name}：“{}”已有 {} 年度的报告", agency.name, report.year));
            continue;
        }
        documents.push((agency.id, report, name));
    }
    if !problems.is_empty() {
        bail!("未导入任何报告（共 {} 处问题）：\n{}", problems.len(), problems.join("\n"));
    }
    let pairs: Vec<(i64, Report)> = documents.iter().map(|(a, r, _)| (*a, r.clone())).collect();
    let ids = store
        .import_all(&pairs, approved, Author::system("导入"))
        .await
        .map_err(|err| match err {
            StoreError::Duplicate => anyhow::anyhow!("导入时有报告被他人新建，未导入任何报告，请重试"),
            StoreError::Refused(why) => anyhow::anyhow!("未导入任何报告：{why}"),
            other => other.into(),
        })?;
    let mut lines = vec![format!(
        "已导入 {} 份报告（{}）",
        documents.len(),
        if approved { "已通过" } else { "草稿" }
    )];
    for ((_, report, name), id) in documents.iter().zip(ids) {
        // As stored, with last year's report for the cross-year rules.
        let stored = store.report(id).await?;
        let last = store.last_year(&stored).await?;
        let violations = crate::report::validate(&stored.report, last.as_ref());
        let errors = violations.iter().filter(|v| v.severity == crate::format::Severity::Error).count();
        if !violations.is_empty() {
            lines.push(format!(
                "  {name}：{} {} 年度，{errors} 个错误、{} 个提醒（在报告页面查看）",
                report.agency,
                report.year,
                violations.len() - errors
            ));
        }
    }
    Ok(lines.join("\n"))
}
