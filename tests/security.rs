//! Sign-in, sessions, CSRF, throttling and headers, on both databases.
#![allow(clippy::unwrap_used)] // tests may panic on what they set up themselves

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{PASSWORD, Page, TestApp, input};
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::store::Store;
use nianbao::web::{AppState, Config, router};

/// The sign-in form as a browser submits it: the double-submit cookie and the field.
async fn sign_in(app: &TestApp, username: &str, password: &str, extra: &[(&str, &str)]) -> Page {
    let form_page = app.get("/login").await;
    let cookie = form_page.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = cookie.split_once('=').unwrap().1.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("username", username),
        ("password", password),
    ];
    fields.extend_from_slice(extra);
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header("x-forwarded-proto", "https")
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

fn session_cookie(page: &Page) -> Option<String> {
    page.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("nianbao_session=") && !c.starts_with("nianbao_session=;"))
        .map(str::to_string)
}

async fn signing_in_sets_a_safe_cookie_and_a_new_session_each_time(store: Store) {
    let app = TestApp::new(store);
    let bureau = app.agency("某局", Kind::Department, None).await;
    app.user("clerk", Role::Clerk, Some(bureau)).await;
    let first = sign_in(&app, "clerk", PASSWORD, &[]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let cookie = session_cookie(&first).expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        cookie.contains("Secure"),
        "over TLS (X-Forwarded-Proto: https): {cookie}"
    );
    let second = session_cookie(&sign_in(&app, "clerk", PASSWORD, &[]).await).unwrap();
    assert_ne!(
        cookie.split(';').next(),
        second.split(';').next(),
        "a new session id at every sign-in"
    );
}

async fn wrong_and_unknown_get_the_same_answer_and_attempts_are_throttled(store: Store) {
    let app = TestApp::new(store);
    let bureau = app.agency("某局", Kind::Department, None).await;
    app.user("clerk", Role::Clerk, Some(bureau)).await;
    let wrong = sign_in(&app, "clerk", "not the password", &[]).await;
    let unknown = sign_in(&app, "nobody", "not the password", &[]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text("p.field-error"), "用户名或密码不正确");
    assert_eq!(unknown.text("p.field-error"), wrong.text("p.field-error"));
    assert!(session_cookie(&wrong).is_none());
    for _ in 0..4 {
        sign_in(&app, "clerk", "still wrong", &[]).await;
    }
    // Five failures: even the right password waits now.
    let blocked = sign_in(&app, "clerk", PASSWORD, &[]).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        blocked.text("p.field-error"),
        "登录失败次数过多，请 15 分钟后再试"
    );
    // Per address too: many names from one address.
    for i in 0..20 {
        sign_in(&app, &format!("guess{i}"), "x", &[]).await;
    }
    app.user("other", Role::Clerk, Some(bureau)).await;
    assert_eq!(
        sign_in(&app, "other", PASSWORD, &[]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn the_sign_in_form_needs_its_own_token(store: Store) {
    let app = TestApp::new(store);
    let bureau = app.agency("某局", Kind::Department, None).await;
    app.user("clerk", Role::Clerk, Some(bureau)).await;
    let page = app
        .post_form(
            "/login",
            &[("csrf", "forged"), ("username", "clerk"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(session_cookie(&page).is_none());
}

async fn state_changes_need_the_csrf_token_and_the_same_origin(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某局", "department", 2025).await;
    let (cookie, csrf) = app.session.clone().unwrap();
    let post = |token: Option<&str>, origin: Option<&str>| {
        let mut body = "version=1&requests.new.research=7".to_string();
        if let Some(t) = token {
            body.push_str(&format!("&csrf={t}"));
        }
        let mut b = Request::post(format!("/reports/{id}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("nianbao_session={cookie}"))
            .header(header::HOST, "nianbao.example");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(body)).unwrap()
    };
    app.session = None;
    assert_eq!(app.send(post(None, None)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(post(Some("0000"), None)).await.status,
        StatusCode::FORBIDDEN
    );
    let cross = app.send(post(Some(&csrf), Some("https://evil.example"))).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(cross.text("h1"), "跨站请求已被拒绝");
    let stored = app.store.report(id).await.unwrap();
    assert_eq!(
        stored
            .report
            .get(stored.report.format().field("requests.new.research").unwrap()),
        ""
    );
    let ok = app.send(post(Some(&csrf), Some("http://nianbao.example"))).await;
    assert_eq!(ok.status, StatusCode::OK);
    // htmx sends the token in a header.
    let htmx = Request::post(format!("/reports/{id}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("nianbao_session={cookie}"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", "wrong")
        .body(Body::from("version=2&requests.new.research=8"))
        .unwrap();
    assert_eq!(app.send(htmx).await.status, StatusCode::FORBIDDEN);
}

async fn every_answer_carries_the_security_headers(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某局", "department", 2025).await;
    for url in [
        "/login".to_string(),
        format!("/reports/{id}"),
        "/nothing".into(),
        "/static/app.js".into(),
    ] {
        let page = app.get(&url).await;
        let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let scripts = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{url}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{url}");
        assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(page.headers[header::REFERRER_POLICY], "same-origin");
    }
    // No inline script anywhere in the app's pages.
    let page = app.get(&format!("/reports/{id}")).await;
    assert_eq!(page.count("script:not([src])"), 0);
}

async fn anonymous_visitors_are_sent_to_sign_in(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某局", "department", 2025).await;
    app.sign_out();
    let page = app.get(&format!("/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers[header::LOCATION],
        format!("/login?next=%2Freports%2F{id}")
    );
    let api = app.get(&format!("/api/reports/{id}")).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.json()["error"].as_str().unwrap().contains("请先登录"));
    // The open validator stays open.
    let validate = app
        .send_json(
            "POST",
            "/api/validate",
            include_str!("data/2023-pingdingshan-kejiju.json"),
            None,
        )
        .await;
    assert_eq!(validate.status, StatusCode::OK);
}

async fn a_save_after_the_session_expired_is_kept_through_signing_in(store: Store) {
    let mut app = TestApp::new(store.clone());
    let id = app.open_report("某局", "department", 2025).await;
    let clerk = app
        .store
        .user_for_login(&format!(
            "clerk{}",
            app.agency("某局", Kind::Department, None).await
        ))
        .await
        .unwrap()
        .unwrap()
        .0;
    // Sessions end after one second idle.
    let short = router(AppState::with_config(
        store.clone(),
        Config {
            idle_secs: 1,
            ..Config::default()
        },
    ));
    app.router = short;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    let page = app
        .post_htmx(
            &format!("/reports/{id}"),
            &[("version", "1"), ("requests.new.research", "12")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.text("p.notice").contains("您填写的内容会在登录后保存"));
    let carried = page.attr("input[name='replay_body']", "value").unwrap();
    assert!(carried.contains("requests.new.research=12"), "{carried}");
    let stored = store.report(id).await.unwrap();
    assert_eq!(
        stored
            .report
            .get(stored.report.format().field("requests.new.research").unwrap()),
        ""
    );

    app.sign_out();
    let back = sign_in(
        &app,
        &clerk.username,
        PASSWORD,
        &[
            ("next", &format!("/reports/{id}")),
            ("replay_path", &format!("/reports/{id}")),
            ("replay_body", &carried),
        ],
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(back.headers[header::LOCATION], format!("/reports/{id}"));
    let stored = store.report(id).await.unwrap();
    assert_eq!(
        stored
            .report
            .get(stored.report.format().field("requests.new.research").unwrap()),
        "12"
    );
    // And the form shows it.
    app.session = Some((
        session_cookie(&back)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("nianbao_session=")
            .to_string(),
        String::new(),
    ));
    assert_eq!(
        app.get(&format!("/reports/{id}"))
            .await
            .attr(&input("requests.new.research"), "value")
            .as_deref(),
        Some("12")
    );
}

async fn signing_out_ends_the_session(store: Store) {
    let mut app = TestApp::new(store);
    let id = app.open_report("某局", "department", 2025).await;
    let (cookie, _) = app.session.clone().unwrap();
    let page = app.post_form("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    app.session = Some((cookie, String::new()));
    assert_eq!(
        app.get(&format!("/reports/{id}")).await.status,
        StatusCode::SEE_OTHER,
        "the old cookie is dead"
    );
}

on_both_backends!(
    signing_in_sets_a_safe_cookie_and_a_new_session_each_time,
    wrong_and_unknown_get_the_same_answer_and_attempts_are_throttled,
    the_sign_in_form_needs_its_own_token,
    state_changes_need_the_csrf_token_and_the_same_origin,
    every_answer_carries_the_security_headers,
    anonymous_visitors_are_sent_to_sign_in,
    a_save_after_the_session_expired_is_kept_through_signing_in,
    signing_out_ends_the_session,
);
