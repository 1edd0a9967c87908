//! The admin pages: agencies and users, for admins only.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{Choice, FieldErrors, hash, respond};
use crate::account::{
    Agency, AgencyId, AgencyName, DisplayName, Password, Role, Username, membership_problem, parent_problem,
};
use crate::account::roster;
use crate::report::Kind;
use crate::store::{Account, StoreError};
use crate::web::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::extract::PathParams;
use crate::web::{AppState, Chrome, extract};

fn only_admin(me: &CurrentUser) -> Result<(), AppError> {
    if me.user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// An agency in the tree, in reading order.
pub struct TreeLine {
    pub id: AgencyId,
    pub name: String,
    pub kind: &'static str,
    pub government: bool,
    pub depth: usize,
    pub users: usize,
}

/// Agencies depth first: each government followed by its departments, then its lower
/// governments with theirs. An agency whose parent is missing starts a tree of its own.
fn tree(agencies: &[Agency], accounts: &[Account]) -> Vec<TreeLine> {
    let known: HashSet<AgencyId> = agencies.iter().map(|a| a.id).collect();
    let mut children: HashMap<Option<AgencyId>, Vec<&Agency>> = HashMap::new();
    for agency in agencies {
        let parent = agency.parent_id.filter(|p| known.contains(p));
        children.entry(parent).or_default().push(agency);
    }
    for (parent, list) in children.iter_mut() {
        // At the top, governments lead; under a government, its own departments come first.
        let governments_first = parent.is_none();
        list.sort_by_key(|a| ((a.kind == Kind::Government) != governments_first, a.name.clone()));
    }
    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    // A stack of (agency, depth), pushed in reverse so that it pops in order.
    let mut stack: Vec<(&Agency, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|a| (*a, 0)).collect())
        .unwrap_or_default();
    while let Some((agency, depth)) = stack.pop() {
        if !seen.insert(agency.id) {
            continue;
        }
        lines.push(TreeLine {
            id: agency.id,
            name: agency.name.clone(),
            kind: agency.kind.label(),
            government: agency.kind == Kind::Government,
            depth,
            users: accounts
                .iter()
                .filter(|a| a.user.agency_id == Some(agency.id))
                .count(),
        });
        if let Some(below) = children.get(&Some(agency.id)) {
            stack.extend(below.iter().rev().map(|a| (*a, depth + 1)));
        }
    }
    lines
}

/// A user as the list shows them.
pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub disabled: bool,
    /// The admin looking at the page: they cannot disable themselves.
    pub is_me: bool,
}

/// What was typed into the new-agency form.
#[derive(Default)]
pub struct AgencyForm {
    pub name: String,
    pub kind: String,
    pub parent: String,
    pub errors: FieldErrors,
}

/// What was typed into the new-user form (never the password).
#[derive(Default)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub agency: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/index.html")]
pub struct AdminPage {
    pub me: Option<Chrome>,
    pub tree: Vec<TreeLine>,
    pub users: Vec<UserLine>,
    pub kinds: Vec<Choice>,
    pub parents: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub agencies: Vec<Choice>,
    pub agency_form: AgencyForm,
    pub user_form: UserForm,
    /// What the last roster upload did, or why it was refused (by line).
    pub roster_done: Option<String>,
    pub roster_problems: Vec<String>,
}

/// A password shown once: a new user's generated one, or a reset.
#[derive(Template)]
#[template(path = "admin/password.html")]
pub struct PasswordPage {
    pub me: Option<Chrome>,
    pub heading: String,
    pub username: String,
    pub password: String,
}

async fn admin_page(
    app: &AppState,
    me: &CurrentUser,
    mut agency_form: AgencyForm,
    mut user_form: UserForm,
) -> Result<AdminPage, AppError> {
    let agencies = app.store.agencies().await?;
    let accounts = app.store.accounts().await?;
    let tree = tree(&agencies, &accounts);
    let names: HashMap<AgencyId, &str> = agencies.iter().map(|a| (a.id, a.name.as_str())).collect();
    let users = accounts
        .iter()
        .map(|a| UserLine {
            id: a.user.id,
            username: a.user.username.clone(),
            name: a.user.display_name.clone(),
            role: a.user.role.label(),
            agency: a
                .user
                .agency_id
                .and_then(|id| names.get(&id))
                .map_or_else(String::new, |n| n.to_string()),
            disabled: a.disabled,
            is_me: a.user.id == me.user.id,
        })
        .collect();
    if agency_form.kind.is_empty() {
        agency_form.kind = Kind::Department.as_str().into();
    }
    if user_form.role.is_empty() {
        user_form.role = Role::Clerk.as_str().into();
    }
    let kinds = [Kind::Department, Kind::Government]
        .into_iter()
        .map(|k| Choice::new(k.as_str(), k.label(), &agency_form.kind))
        .collect();
    // Select lists in tree order, indented as in the tree.
    let indented = |l: &TreeLine| format!("{}{}", "\u{3000}".repeat(l.depth), l.name);
    let parents = tree
        .iter()
        .filter(|l| l.government)
        .map(|l| Choice::new(l.id.to_string(), indented(l), &agency_form.parent))
        .collect();
    let agencies = tree
        .iter()
        .map(|l| Choice::new(l.id.to_string(), indented(l), &user_form.agency))
        .collect();
    let roles = Role::ALL
        .into_iter()
        .map(|r| Choice::new(r.as_str(), r.label(), &user_form.role))
        .collect();
    Ok(AdminPage {
        me: Some(Chrome::of(app, me).await),
        tree,
        users,
        kinds,
        parents,
        roles,
        agencies,
        agency_form,
        user_form,
        roster_done: None,
        roster_problems: Vec::new(),
    })
}

/// The most problems a refused roster lists on the page (the count says how many in all).
const SHOWN_PROBLEMS: usize = 200;

/// POST /admin/agencies/import: a roster file (multipart, field `file`), loaded whole or
/// not at all (see `account::roster`).
pub async fn import_agencies(
    State(app): State<AppState>,
    me: CurrentUser,
    upload: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    only_admin(&me)?;
    let unreadable = || AppError::BadRequest("无法读取上传的文件，请重新选择后再试".into());
    let mut upload = upload.map_err(|_| unreadable())?;
    let mut bytes: Option<Bytes> = None;
    while let Some(field) = upload.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            bytes = Some(field.bytes().await.map_err(|_| unreadable())?);
        }
    }
    let problems = match bytes.filter(|b| !b.is_empty()) {
        None => vec!["请选择要导入的名册文件（CSV 或 Excel）".to_string()],
        Some(bytes) => {
            let stored = app.store.agencies().await?;
            match roster::plan_file(&bytes, &stored) {
                Err(problems) => {
                    let mut lines: Vec<String> = problems.iter().take(SHOWN_PROBLEMS).map(ToString::to_string).collect();
                    if problems.len() > SHOWN_PROBLEMS {
                        lines.push(format!("……共 {} 处问题", problems.len()));
                    }
                    lines
                }
                Ok(plan) => match app.store.load_roster(&plan).await {
                    Err(StoreError::Duplicate) => vec!["导入时有同名机构被他人新建，未导入，请重试".to_string()],
                    Err(err) => return Err(err.into()),
                    Ok(loaded) => {
                        tracing::info!(created = loaded.created, updated = loaded.updated, by = %me.user.username, "roster loaded");
                        let mut page = admin_page(&app, &me, AgencyForm::default(), UserForm::default()).await?;
                        page.roster_done = Some(format!(
                            "名册已导入：新建 {} 个机构，更新 {} 个，{} 个未变",
                            loaded.created, loaded.updated, loaded.unchanged
                        ));
                        return respond(StatusCode::OK, &page);
                    }
                },
            }
        }
    };
    let mut page = admin_page(&app, &me, AgencyForm::default(), UserForm::default()).await?;
    page.roster_problems = problems;
    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// GET /admin
pub async fn index(State(app): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    only_admin(&me)?;
    let page = admin_page(&app, &me, AgencyForm::default(), UserForm::default()).await?;
    respond(StatusCode::OK, &page)
}

/// The agency an id from a form names, if any; `Err` is the message for the field.
async fn chosen_agency(app: &AppState, raw: &str) -> Result<Option<Agency>, &'static str> {
    if raw.is_empty() {
        return Ok(None);
    }
    let Ok(id) = raw.parse::<AgencyId>() else {
        return Err("请从列表中选择机构");
    };
    match app.store.agency(id).await {
        Ok(agency) => Ok(Some(agency)),
        Err(_) => Err("请从列表中选择机构"),
    }
}

/// POST /admin/agencies
pub async fn create_agency(
    State(app): State<AppState>,
    me: CurrentUser,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    only_admin(&me)?;
    let form = extract::form(&extract::bytes(raw)?);
    let field = |name: &str| extract::field(&form, name).unwrap_or("").trim().to_string();
    let mut input = AgencyForm {
        name: field("name"),
        kind: field("kind"),
        parent: field("parent"),
        errors: FieldErrors::default(),
    };
    let errors = &mut input.errors;
    let name = errors.check("name", AgencyName::parse(&input.name));
    let kind = Kind::parse(&input.kind);
    if kind.is_none() {
        errors.add("kind", "请选择机构类型");
    }
    let parent = match chosen_agency(&app, &input.parent).await {
        Ok(parent) => parent,
        Err(message) => {
            errors.add("parent", message);
            None
        }
    };
    if let Some(message) = parent.as_ref().and_then(parent_problem) {
        errors.add("parent", message);
    }
    if let (Some(name), Some(kind), true) = (name, kind, errors.is_empty()) {
        match app.store.create_agency(&name, kind, parent.map(|p| p.id)).await {
            Ok(agency) => {
                tracing::info!(agency = %agency.name, by = %me.user.username, "agency created");
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(StoreError::Duplicate) => errors.add("name", "已有同名机构"),
            Err(err) => return Err(err.into()),
        }
    }
    let page = admin_page(&app, &me, input, UserForm::default()).await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// POST /admin/users: creates a user; a blank password is generated and shown once.
pub async fn create_user(
    State(app): State<AppState>,
    me: CurrentUser,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    only_admin(&me)?;
    let form = extract::form(&extract::bytes(raw)?);
    let field = |name: &str| extract::field(&form, name).unwrap_or("").trim().to_string();
    // Spaces may be part of a password: it is taken as typed.
    let password = extract::field(&form, "password").unwrap_or("").to_string();
    let mut input = UserForm {
        username: field("username"),
        display_name: field("display_name"),
        role: field("role"),
        agency: field("agency"),
        errors: FieldErrors::default(),
    };
    let errors = &mut input.errors;
    let username = errors.check("username", Username::parse(&input.username));
    let display_name = errors.check("display_name", DisplayName::parse(&input.display_name));
    let role = Role::parse(&input.role);
    let agency = match chosen_agency(&app, &input.agency).await {
        Ok(agency) => agency,
        Err(message) => {
            errors.add("agency", message);
            None
        }
    };
    match role {
        None => errors.add("role", "请选择角色"),
        Some(role) => {
            if let Some(message) = membership_problem(role, agency.as_ref()) {
                errors.add("agency", message);
            }
        }
    }
    let generated = password.is_empty();
    let password = if generated {
        Some(Password::generate())
    } else {
        errors.check("password", Password::parse(password))
    };
    if let (Some(username), Some(display_name), Some(role), Some(password), true) =
        (username, display_name, role, password, errors.is_empty())
    {
        let hashed = hash(password.clone()).await?;
        let agency_id = agency.map(|a| a.id);
        match app
            .store
            .create_user(&username, &display_name, &hashed, role, agency_id)
            .await
        {
            Ok(user) => {
                tracing::info!(user = %user.username, by = %me.user.username, "user created");
                if !generated {
                    return Ok(Redirect::to("/admin").into_response());
                }
                let page = PasswordPage {
                    me: Some(Chrome::of(&app, &me).await),
                    heading: format!("已创建用户 {}", user.username),
                    username: user.username,
                    password: password.into_string(),
                };
                return respond(StatusCode::OK, &page);
            }
            Err(StoreError::Duplicate) => errors.add("username", "该用户名已被使用"),
            Err(err) => return Err(err.into()),
        }
    }
    let page = admin_page(&app, &me, AgencyForm::default(), input).await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// POST /admin/users/{id}/password: a new generated password, shown once; the user's
/// sessions end.
pub async fn reset_password(
    State(app): State<AppState>,
    me: CurrentUser,
    params: PathParams,
) -> Result<Response, AppError> {
    only_admin(&me)?;
    let user = app.store.user(params.number("id")?).await?;
    let password = Password::generate();
    app.store
        .set_password(user.id, &hash(password.clone()).await?)
        .await?;
    tracing::info!(user = %user.username, by = %me.user.username, "password reset");
    let page = PasswordPage {
        me: Some(Chrome::of(&app, &me).await),
        heading: format!("已重置 {} 的密码", user.username),
        username: user.username,
        password: password.into_string(),
    };
    respond(StatusCode::OK, &page)
}

/// POST /admin/users/{id}/disabled: `disabled=1` stops a user (their sessions end),
/// `disabled=0` lets them in again.
pub async fn set_disabled(
    State(app): State<AppState>,
    me: CurrentUser,
    params: PathParams,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    only_admin(&me)?;
    let user = app.store.user(params.number("id")?).await?;
    let form = extract::form(&extract::bytes(raw)?);
    let disabled = match extract::field(&form, "disabled") {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(AppError::BadRequest("请求缺少停用或启用的选择".into())),
    };
    // An admin who stops themselves may leave nobody able to manage the app.
    if disabled && user.id == me.user.id {
        return Err(AppError::Conflict("不能停用自己的账户".into()));
    }
    app.store.set_disabled(user.id, disabled).await?;
    tracing::info!(user = %user.username, disabled, by = %me.user.username, "user access changed");
    Ok(Redirect::to("/admin").into_response())
}
