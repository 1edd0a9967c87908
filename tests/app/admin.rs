//! Agencies and users: the admin pages, a user's own account page, the first-start setup link
//! (each on both databases) and `nianbao admin` on the command line.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use crate::common::{PASSWORD, Page, TestApp};
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::store::Store;
use nianbao::web::{AppState, Config, router};

/// The sign-in form as a browser submits it: GET /login sets the double-submit cookie, the
/// POST sends it back as cookie and field. Signs the app's current user out first.
async fn sign_in(app: &mut TestApp, username: &str, password: &str) -> Page {
    app.sign_out();
    let form = app.get("/login").await;
    let cookie = form.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = cookie.split_once('=').unwrap().1.to_string();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .finish();
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

fn signed_in(page: &Page) -> bool {
    page.status == StatusCode::SEE_OTHER
        && page
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.starts_with("nianbao_session=") && !c.starts_with("nianbao_session=;"))
}

fn location(page: &Page) -> &str {
    page.headers[header::LOCATION].to_str().unwrap()
}

/// An app signed in as an admin, with a city government in it.
async fn as_admin(store: Store) -> (TestApp, i64) {
    let mut app = TestApp::new(store);
    let admin = app.user("admin", Role::Admin, None).await;
    app.act_as(&admin).await;
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    (app, city)
}

async fn an_admin_creates_an_agency_and_a_clerk_who_can_then_sign_in(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let city_id = city.to_string();

    let created = app
        .post_form(
            "/admin/agencies",
            &[
                ("name", "某市统计局"),
                ("kind", "department"),
                ("parent", &city_id),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(location(&created), "/admin");
    let bureau = app.store.agency_by_name("某市统计局").await.unwrap().unwrap();
    assert_eq!((bureau.kind, bureau.parent_id), (Kind::Department, Some(city)));
    let county = app.agency("某县人民政府", Kind::Government, Some(city)).await;
    app.agency("某县教育局", Kind::Department, Some(county)).await;

    // A blank password is generated and shown once.
    let shown = app
        .post_form(
            "/admin/users",
            &[
                ("username", "tongji"),
                ("display_name", "统计员"),
                ("role", "clerk"),
                ("agency", &bureau.id.to_string()),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let password = shown.text("code#password");
    assert_eq!(password.len(), 12);

    let page = app.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("table.tree tbody td:first-child"),
        ["某市人民政府", "某市统计局", "某县人民政府", "某县教育局"],
        "each government's departments, then its lower governments, nested"
    );
    assert_eq!(
        page.attr("tr[data-agency='某县教育局']", "data-depth").as_deref(),
        Some("2")
    );
    assert_eq!(
        page.texts("tr[data-user='tongji'] td:not(.row-actions)"),
        ["tongji", "统计员", "填报人", "某市统计局", "正常"]
    );
    assert_eq!(page.texts("tr[data-user='tongji'] button"), ["重置密码", "停用"]);
    assert_eq!(
        page.texts("select#agency-parent option"),
        ["（无上级）", "某市人民政府", "某县人民政府"],
        "only governments can be parents"
    );
    assert!(
        page.body.contains(">\u{3000}某县人民政府</option>"),
        "indented as in the tree"
    );

    let signed = sign_in(&mut app, "tongji", &password).await;
    assert!(signed_in(&signed), "{} {}", signed.status, signed.body);

    // A password the admin chose: straight back to the list.
    let admin = app.store.user_for_login("admin").await.unwrap().unwrap().0;
    app.act_as(&admin).await;
    let chosen = app
        .post_form(
            "/admin/users",
            &[
                ("username", "shenhe"),
                ("display_name", "审核员"),
                ("role", "reviewer"),
                ("agency", &city_id),
                ("password", "chosen-password"),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    assert!(signed_in(&sign_in(&mut app, "shenhe", "chosen-password").await));
}

async fn only_admins_reach_the_admin_routes(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let bureau = app.agency("某局", Kind::Department, Some(city)).await;
    let clerk = app.user("clerk", Role::Clerk, Some(bureau)).await;
    let reviewer = app.user("reviewer", Role::Reviewer, Some(city)).await;
    let target = format!("/admin/users/{}", clerk.id);
    let posts = [
        (
            "/admin/agencies".to_string(),
            vec![("name", "新局"), ("kind", "department")],
        ),
        (
            "/admin/users".to_string(),
            vec![("username", "x"), ("display_name", "X"), ("role", "admin")],
        ),
        (format!("{target}/password"), vec![]),
        (format!("{target}/disabled"), vec![("disabled", "1")]),
    ];
    for user in [&clerk, &reviewer] {
        app.act_as(user).await;
        assert_eq!(app.get("/admin").await.status, StatusCode::FORBIDDEN);
        for (url, fields) in &posts {
            let page = app.post_form(url, fields).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{} on {url}", user.username);
        }
    }
    app.sign_out();
    let anonymous = app.get("/admin").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(location(&anonymous).starts_with("/login"));
    assert_eq!(
        app.post_form("/admin/agencies", &posts[0].1).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Nothing changed.
    assert!(app.store.agency_by_name("新局").await.unwrap().is_none());
    assert!(app.store.user_for_login("x").await.unwrap().is_none());
    assert!(app.store.user_for_login("clerk").await.unwrap().is_some());
}

async fn wrong_input_is_explained_beside_the_field(store: Store) {
    let (app, city) = as_admin(store).await;
    let bureau = app.agency("某市统计局", Kind::Department, Some(city)).await;
    app.user("taken", Role::Clerk, Some(bureau)).await;
    let long_name = "名".repeat(101);
    let (city, bureau) = (city.to_string(), bureau.to_string());

    for (fields, field, message) in [
        (
            [
                ("name", "某市统计局"),
                ("kind", "department"),
                ("parent", city.as_str()),
            ],
            "agency-name",
            "已有同名机构",
        ),
        (
            [("name", "  "), ("kind", "department"), ("parent", "")],
            "agency-name",
            "请填写机构名称",
        ),
        (
            [
                ("name", "某科"),
                ("kind", "department"),
                ("parent", bureau.as_str()),
            ],
            "agency-parent",
            "上级机构须为人民政府",
        ),
        (
            [("name", "某科"), ("kind", "bureau"), ("parent", "")],
            "agency-kind",
            "请选择机构类型",
        ),
        (
            [("name", long_name.as_str()), ("kind", "department"), ("parent", "")],
            "agency-name",
            "机构名称最多 100 个字符",
        ),
    ] {
        let page = app.post_form("/admin/agencies", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert_eq!(page.text(&format!("p.field-error[data-for='{field}']")), message);
        assert_eq!(
            page.attr("input#agency-name", "value").as_deref(),
            Some(fields[0].1.trim()),
            "what was typed stays"
        );
    }

    let user = |username: &'static str, role: &'static str, agency: &str, password: &'static str| {
        vec![
            ("username", username.to_string()),
            ("display_name", "某人".to_string()),
            ("role", role.to_string()),
            ("agency", agency.to_string()),
            ("password", password.to_string()),
        ]
    };
    let named = |username: &'static str, name: &str| {
        let mut fields = user(username, "clerk", &bureau, "");
        fields[1].1 = name.to_string();
        fields
    };
    for (fields, field, message) in [
        (
            user("taken", "clerk", &bureau, ""),
            "user-username",
            "该用户名已被使用",
        ),
        (user("", "clerk", &bureau, ""), "user-username", "请填写用户名"),
        (
            user("new", "clerk", "", ""),
            "user-agency",
            "填报人和审核人须选择所属机构",
        ),
        (
            user("new", "reviewer", &bureau, ""),
            "user-agency",
            "审核人须属于人民政府（审核其下属机构的报告）",
        ),
        (
            user("new", "clerk", &bureau, "short"),
            "user-password",
            "密码至少 8 个字符",
        ),
        (user("new", "chief", &bureau, ""), "user-role", "请选择角色"),
        (
            named("new", &long_name),
            "user-display-name",
            "姓名最多 100 个字符",
        ),
        (named("new", " "), "user-display-name", "请填写姓名"),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = app.post_form("/admin/users", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert_eq!(page.text(&format!("p.field-error[data-for='{field}']")), message);
        assert_eq!(
            page.attr("input#user-username", "value").as_deref(),
            Some(fields[0].1)
        );
    }
    assert!(app.store.user_for_login("new").await.unwrap().is_none());
}

async fn a_reset_password_replaces_the_old_one_and_ends_sessions(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let clerk = app.user("clerk", Role::Clerk, Some(city)).await;
    let session = app.store.start_session(clerk.id).await.unwrap();

    let shown = app
        .post_form(&format!("/admin/users/{}/password", clerk.id), &[])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let password = shown.text("code#password");
    assert_ne!(password, PASSWORD);
    assert!(app.store.session(&session, 3600).await.unwrap().is_none());
    assert_eq!(
        app.post_form("/admin/users/999999/password", &[]).await.status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        sign_in(&mut app, "clerk", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(signed_in(&sign_in(&mut app, "clerk", &password).await));
}

async fn disabling_a_user_ends_their_open_session_at_once(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let admin = app.store.user_for_login("admin").await.unwrap().unwrap().0;
    let clerk = app.user("clerk", Role::Clerk, Some(city)).await;
    app.act_as(&clerk).await;
    let clerks = app.session.clone();
    // Seen once: the session is now among the few seconds' worth the server keeps at hand.
    assert_eq!(app.get("/").await.status, StatusCode::OK);

    app.act_as(&admin).await;
    app.post_form(
        &format!("/admin/users/{}/disabled", clerk.id),
        &[("disabled", "1")],
    )
    .await;
    app.session = clerks;
    assert_eq!(
        app.get("/").await.status,
        StatusCode::SEE_OTHER,
        "sent to sign in"
    );
}

async fn a_disabled_user_cannot_sign_in_until_enabled_again(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let admin = app.store.user_for_login("admin").await.unwrap().unwrap().0;
    let clerk = app.user("clerk", Role::Clerk, Some(city)).await;
    let url = format!("/admin/users/{}/disabled", clerk.id);

    let done = app.post_form(&url, &[("disabled", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = app.get("/admin").await;
    assert_eq!(page.text("tr[data-user='clerk'] td.state-cell"), "已停用");
    assert_eq!(page.texts("tr[data-user='clerk'] button"), ["重置密码", "启用"]);
    let refused = sign_in(&mut app, "clerk", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.text("p.field-error"), "用户名或密码不正确");

    app.act_as(&admin).await;
    app.post_form(&url, &[("disabled", "0")]).await;
    assert!(signed_in(&sign_in(&mut app, "clerk", PASSWORD).await));

    // An admin cannot lock themselves out.
    app.act_as(&admin).await;
    let own = app
        .post_form(
            &format!("/admin/users/{}/disabled", admin.id),
            &[("disabled", "1")],
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(app.store.has_admin().await.unwrap());
}

async fn a_token_from_the_account_page_works_as_a_bearer_token(store: Store) {
    let mut app = TestApp::new(store);
    let bureau = app.agency("某市统计局", Kind::Department, None).await;
    let other = app.agency("某市财政局", Kind::Department, None).await;
    let clerk = app.user("clerk", Role::Clerk, Some(bureau)).await;
    let own = app.store.create_report(bureau, 2025).await.unwrap();
    let theirs = app.store.create_report(other, 2025).await.unwrap();
    app.act_as(&clerk).await;

    let account = app.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert_eq!(account.text("code#username"), "clerk");
    assert_eq!(account.count("code#api-token"), 0);
    let issued = app.post_form("/account/token", &[]).await;
    assert_eq!(issued.status, StatusCode::OK);
    let token = issued.text("code#api-token");
    assert!(token.starts_with("nb_"), "{token}");
    assert!(issued.body.contains(&format!("Authorization: Bearer {token}")));

    app.sign_out();
    let read = |id: i64, token: String| {
        Request::get(format!("/api/reports/{id}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let page = app.send(read(own, token.clone())).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.json()["agency"], "某市统计局");
    assert_eq!(
        app.send(read(theirs, token.clone())).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.send(read(own, "nb_wrong".into())).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_user_changes_their_own_password(store: Store) {
    let mut app = TestApp::new(store);
    let bureau = app.agency("某市统计局", Kind::Department, None).await;
    let clerk = app.user("clerk", Role::Clerk, Some(bureau)).await;
    app.act_as(&clerk).await;
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        [("current", current), ("new", new), ("repeat", repeat)]
    };

    for (fields, field, message) in [
        (
            change("wrong password", "new-password-1", "new-password-1"),
            "current",
            "当前密码不正确",
        ),
        (change(PASSWORD, "short", "short"), "new", "密码至少 8 个字符"),
        (
            change(PASSWORD, "new-password-1", "new-password-2"),
            "repeat",
            "两次输入的新密码不一致",
        ),
    ] {
        let page = app.post_form("/account/password", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(page.text(&format!("p.field-error[data-for='{field}']")), message);
    }

    let done = app
        .post_form(
            "/account/password",
            &change(PASSWORD, "new-password-1", "new-password-1"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(location(&done), "/login");
    assert_eq!(
        app.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
    assert_eq!(
        sign_in(&mut app, "clerk", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(signed_in(&sign_in(&mut app, "clerk", "new-password-1").await));
}

async fn the_setup_link_creates_the_first_admin_and_then_is_gone(store: Store) {
    let config = Config {
        setup_token: Some("tok".into()),
        ..Config::default()
    };
    let mut app = TestApp::new(store.clone());
    app.router = router(AppState::with_config(store, config));

    assert_eq!(app.get("/setup/wrong").await.status, StatusCode::NOT_FOUND);
    let form = app.get("/setup/tok").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.attr("form", "action").as_deref(), Some("/setup/tok"));

    let fields = |repeat: &'static str| {
        [
            ("username", "chief"),
            ("display_name", "管理员"),
            ("password", "first-admin-pw"),
            ("repeat", repeat),
        ]
    };
    let mismatch = app.post_form("/setup/tok", &fields("other-password")).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        mismatch.text("p.field-error[data-for='repeat']"),
        "两次输入的密码不一致"
    );
    assert!(!app.store.has_admin().await.unwrap());

    let created = app.post_form("/setup/tok", &fields("first-admin-pw")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(location(&created), "/login");
    let (admin, _) = app.store.user_for_login("chief").await.unwrap().unwrap();
    assert_eq!(admin.role, Role::Admin);

    assert_eq!(app.get("/setup/tok").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post_form("/setup/tok", &fields("first-admin-pw"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(signed_in(&sign_in(&mut app, "chief", "first-admin-pw").await));
}

async fn without_a_configured_token_there_is_no_setup_link(store: Store) {
    let app = TestApp::new(store);
    assert_eq!(app.get("/setup/tok").await.status, StatusCode::NOT_FOUND);
}

/// A request with only a bearer token (no session cookie).
fn with_token(method: &str, url: &str, token: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(url)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn a_token_works_on_the_api_only(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let admin_session = app.session.clone().unwrap();
    let token = app.post_form("/account/token", &[]).await.text("code#api-token");
    let clerk = app.user("clerk", Role::Clerk, Some(city)).await;
    app.sign_out();

    // On the pages a token is as if absent: it creates no admin, resets no password.
    let create = "username=intruder&name=X&role=admin&password=intruder-pw-1";
    let page = app.send(with_token("POST", "/admin/users", &token, create)).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
    assert!(app.store.user_for_login("intruder").await.unwrap().is_none());
    let reset = format!("/admin/users/{}/password", clerk.id);
    let page = app.send(with_token("POST", &reset, &token, "")).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let page = app.send(with_token("GET", "/admin", &token, "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "sent to sign in");
    assert!(location(&page).starts_with("/login"));

    // Nor does it stand in for the CSRF token of a session on a page.
    app.session = Some((admin_session.0, String::new()));
    let page = app.send(with_token("POST", "/admin/users", &token, create)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(app.store.user_for_login("intruder").await.unwrap().is_none());

    // On the API it is the admin (who reads no reports).
    app.sign_out();
    let report = app.store.create_report(city, 2025).await.unwrap();
    let page = app
        .send(with_token("GET", &format!("/api/reports/{report}"), &token, ""))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
}

async fn a_token_expires_and_its_owner_sees_when_and_its_last_use(store: Store) {
    let mut app = TestApp::new(store);
    let bureau = app.agency("某市统计局", Kind::Department, None).await;
    let clerk = app.user("clerk", Role::Clerk, Some(bureau)).await;
    let report = app.store.create_report(bureau, 2025).await.unwrap();
    app.act_as(&clerk).await;
    assert_eq!(app.get("/account").await.count("#token-state"), 0);

    let before = app.store.now();
    let token = app.post_form("/account/token", &[]).await.text("code#api-token");
    let after = app.store.now();
    let days = nianbao::store::TOKEN_DAYS * 24 * 3600;
    let page = app.get("/account").await;
    let expires = page.text("#token-expires");
    assert!(
        [before, after]
            .iter()
            .any(|t| expires == nianbao::clock::datetime(t + days)),
        "{expires}"
    );
    assert_eq!(page.text("#token-used"), "从未使用");

    let read = app
        .send(with_token("GET", &format!("/api/reports/{report}"), &token, ""))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let used = app.get("/account").await.text("#token-used");
    let now = app.store.now();
    assert!(
        [now - 1, now]
            .iter()
            .any(|t| used == nianbao::clock::datetime(*t)),
        "{used}"
    );

    // It works up to its expiry and not after.
    let issued = after;
    assert!(
        app.store
            .user_by_token_at(&token, issued + days - 120)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        app.store
            .user_by_token_at(&token, before + days)
            .await
            .unwrap()
            .is_none()
    );
}

/// Whether a token still opens the API: 404 for a report that is not there, or 401.
async fn works(app: &TestApp, token: String) -> bool {
    let request = with_token("GET", "/api/reports/999999", &token, "");
    app.send(request).await.status != StatusCode::UNAUTHORIZED
}

async fn a_token_ends_when_the_password_changes_or_is_reset_or_the_user_is_disabled(store: Store) {
    let (mut app, city) = as_admin(store).await;
    let admin = app.session.clone();
    let clerk = app.user("clerk", Role::Clerk, Some(city)).await;

    // The owner changes their password on /account.
    let token = app.store.issue_token(clerk.id).await.unwrap();
    assert!(works(&app, token.clone()).await);
    app.act_as(&clerk).await;
    let changed = app
        .post_form(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "new-password-1"),
                ("repeat", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert!(!works(&app, token).await, "a password change ends the token");

    // An admin resets it.
    app.session = admin.clone();
    let token = app.store.issue_token(clerk.id).await.unwrap();
    assert!(works(&app, token.clone()).await);
    let reset = app
        .post_form(&format!("/admin/users/{}/password", clerk.id), &[])
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert!(!works(&app, token).await, "a reset ends the token");

    // An admin disables the user: enabling them again does not bring the token back.
    let token = app.store.issue_token(clerk.id).await.unwrap();
    let url = format!("/admin/users/{}/disabled", clerk.id);
    app.post_form(&url, &[("disabled", "1")]).await;
    assert!(!works(&app, token.clone()).await);
    app.post_form(&url, &[("disabled", "0")]).await;
    assert!(!works(&app, token).await, "disabling ended the token");
    assert!(app.store.token_info(clerk.id).await.unwrap().is_none());
}


/// A file posted from the roster form: multipart, the token in the action's query as the
/// page writes it (`with_token`), or not.
async fn upload(app: &TestApp, bytes: &[u8], with_token: bool) -> Page {
    let boundary = "----nianbao-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"名册.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let csrf = app.session.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
    let url = if with_token { format!("/admin/agencies/import?csrf={csrf}") } else { "/admin/agencies/import".into() };
    let request = Request::post(url)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

async fn an_admin_uploads_a_roster_and_sees_each_bad_line(store: Store) {
    let (app, _) = as_admin(store).await;
    let roster = "名称,类型,上级\n某市人民政府,人民政府,\n某市统计局,政府部门,某市人民政府\n某县人民政府,人民政府,某市人民政府\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(roster);
    // A cross-site post of a file carries no token: refused, nothing loaded.
    assert_eq!(upload(&app, &gbk, false).await.status, StatusCode::FORBIDDEN);
    assert!(app.store.agency_by_name("某县人民政府").await.unwrap().is_none());

    let page = upload(&app, &gbk, true).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.text("#roster p.notice"), "名册已导入：新建 2 个机构，更新 0 个，1 个未变");
    let county = app.store.agency_by_name("某县人民政府").await.unwrap().expect("loaded");
    assert!(county.parent_id.is_some());

    let bad = "名称,类型,上级\n某县教育局,政府部门,某县人民政府\n某县公安局,政府部门,某省人民政府\n";
    let page = upload(&app, bad.as_bytes(), true).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = page.texts("#roster .field-error li");
    assert_eq!(problems, ["第 3 行：“某县公安局”的上级“某省人民政府”既不在名册中，也未登记"]);
    assert!(app.store.agency_by_name("某县教育局").await.unwrap().is_none(), "nothing half-loaded");
    let empty = upload(&app, b"", true).await;
    assert!(empty.text("#roster .field-error").contains("请选择要导入的名册文件"));
}

on_both_backends!(
    an_admin_uploads_a_roster_and_sees_each_bad_line,
    a_token_works_on_the_api_only,
    a_token_expires_and_its_owner_sees_when_and_its_last_use,
    a_token_ends_when_the_password_changes_or_is_reset_or_the_user_is_disabled,
    an_admin_creates_an_agency_and_a_clerk_who_can_then_sign_in,
    only_admins_reach_the_admin_routes,
    wrong_input_is_explained_beside_the_field,
    a_reset_password_replaces_the_old_one_and_ends_sessions,
    a_disabled_user_cannot_sign_in_until_enabled_again,
    disabling_a_user_ends_their_open_session_at_once,
    a_token_from_the_account_page_works_as_a_bearer_token,
    a_user_changes_their_own_password,
    the_setup_link_creates_the_first_admin_and_then_is_gone,
    without_a_configured_token_there_is_no_setup_link,
);

/// `nianbao admin …` against a SQLite file of its own.
fn nianbao(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("admin")
        .args(args)
        .env("DATABASE_URL", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn the_admin_command_creates_agencies_and_users_and_resets_passwords() {
    let dir = std::env::temp_dir().join(format!("nianbao-cli-admin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/x.db", dir.display());
    let ok = |out: &Output| assert_eq!(out.status.code(), Some(0), "{}", stderr(out));

    ok(&nianbao(
        &db,
        &["create-agency", "--name", "某市人民政府", "--kind", "government"],
        None,
    ));
    let out = nianbao(
        &db,
        &[
            "create-agency",
            "--name",
            "某市统计局",
            "--kind",
            "department",
            "--parent",
            "某市人民政府",
        ],
        None,
    );
    ok(&out);
    assert!(stdout(&out).contains("某市统计局"), "{}", stdout(&out));
    let out = nianbao(
        &db,
        &[
            "create-user",
            "--username",
            "tongji",
            "--name",
            "统计员",
            "--role",
            "clerk",
            "--agency",
            "某市统计局",
            "--password-stdin",
        ],
        Some("chosen-password\n"),
    );
    ok(&out);
    assert!(
        !stdout(&out).contains("chosen-password"),
        "a typed password is not echoed"
    );

    let out = nianbao(&db, &["reset-password", "--username", "tongji"], None);
    ok(&out);
    let new_password = stdout(&out).lines().last().unwrap().trim().to_string();
    assert_eq!(new_password.len(), 12, "{}", stdout(&out));

    // Failures exit 1 with the reason; names break the rules of the admin pages, in their words.
    let long_name = "名".repeat(101);
    for (args, stdin, reason) in [
        (
            vec!["create-agency", "--name", long_name.as_str(), "--kind", "department"],
            None,
            "机构名称最多 100 个字符",
        ),
        (
            vec!["create-agency", "--name", "某\n局", "--kind", "department"],
            None,
            "机构名称不能包含换行或制表符",
        ),
        (
            vec![
                "create-user",
                "--username",
                "y",
                "--name",
                long_name.as_str(),
                "--role",
                "admin",
            ],
            None,
            "姓名最多 100 个字符",
        ),
        (
            vec!["create-user", "--username", "y z", "--name", "Y", "--role", "admin"],
            None,
            "用户名不能包含空格",
        ),
        (
            vec!["create-agency", "--name", "某市统计局", "--kind", "department"],
            None,
            "已有同名机构",
        ),
        (
            vec![
                "create-agency",
                "--name",
                "某科",
                "--kind",
                "department",
                "--parent",
                "某市统计局",
            ],
            None,
            "上级机构须为人民政府",
        ),
        (
            vec![
                "create-user",
                "--username",
                "tongji",
                "--name",
                "X",
                "--role",
                "clerk",
                "--agency",
                "某市统计局",
            ],
            None,
            "用户名“tongji”已被使用",
        ),
        (
            vec!["create-user", "--username", "y", "--name", "Y", "--role", "chief"],
            None,
            "未知的角色",
        ),
        (
            vec![
                "create-user",
                "--username",
                "y",
                "--name",
                "Y",
                "--role",
                "clerk",
                "--agency",
                "不存在的局",
            ],
            None,
            "找不到机构“不存在的局”",
        ),
        (
            vec![
                "create-user",
                "--username",
                "y",
                "--name",
                "Y",
                "--role",
                "admin",
                "--password-stdin",
            ],
            Some("short\n"),
            "密码至少 8 个字符",
        ),
        (
            vec!["reset-password", "--username", "nobody"],
            None,
            "找不到用户“nobody”",
        ),
    ] {
        let out = nianbao(&db, &args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
    }

    let store = Store::connect(&db).await.unwrap();
    let (user, hash) = store.user_for_login("tongji").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Clerk);
    assert!(nianbao::account::verify_password(&new_password, &hash));
    assert!(!nianbao::account::verify_password("chosen-password", &hash));
    assert!(store.user_for_login("y").await.unwrap().is_none());
    assert!(store.agency_by_name(&long_name).await.unwrap().is_none());
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `nianbao admin reset-password` ends the user's API token, on both databases.
async fn the_reset_password_command_ends_the_token(db: crate::common::TestDb) {
    let url = match &db {
        crate::common::TestDb::Sqlite { dir, .. } => format!("sqlite://{}/test.db", dir.display()),
        crate::common::TestDb::Postgres { admin, schema, .. } => {
            let sep = if admin.contains('?') { '&' } else { '?' };
            format!("{admin}{sep}options=-c%20search_path%3D{schema}")
        }
    };
    let store = db.store();
    let app = TestApp::new(store.clone());
    let bureau = app.agency("某市统计局", Kind::Department, None).await;
    let clerk = app.user("tongji", Role::Clerk, Some(bureau)).await;
    let token = store.issue_token(clerk.id).await.unwrap();
    assert!(store.user_by_token(&token).await.unwrap().is_some());

    let out = nianbao(&url, &["reset-password", "--username", "tongji"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(store.user_by_token(&token).await.unwrap().is_none());
    assert!(store.token_info(clerk.id).await.unwrap().is_none());
    db.finish().await;
}

#[tokio::test]
async fn the_reset_password_command_ends_the_token_on_sqlite() {
    the_reset_password_command_ends_the_token(crate::common::TestDb::sqlite().await).await;
}

#[tokio::test]
async fn the_reset_password_command_ends_the_token_on_postgres() {
    if let Some(db) = crate::common::TestDb::postgres().await {
        the_reset_password_command_ends_the_token(db).await;
    }
}
