//! Sign-in, sessions, CSRF, throttling and headers, on both databases.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use crate::common::{PASSWORD, Page, TestApp, input};
use nianbao::account::Role;
use nianbao::report::Kind;
use nianbao::store::Store;
use nianbao::web::{AppState, Config, router};

/// The sign-in form as a browser submits it: the double-submit cookie and the field.
async fn sign_in(app: &TestApp, username: &str, password: &str, extra: &[(&str, &str)]) -> Page {
    sign_in_from(app, None, username, password, extra).await
}

/// Signs in over a connection from `peer` (with the `X-Forwarded-For` it sends), as
/// `web::serve` hands the peer's address to the app.
async fn sign_in_from(
    app: &TestApp,
    peer: Option<(&str, Option<&str>)>,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> Page {
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
    let mut request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header("x-forwarded-proto", "https");
    if let Some((_, Some(forwarded))) = peer {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request.body(Body::from(body)).unwrap();
    if let Some((address, _)) = peer {
        let address: SocketAddr = format!("{address}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(address));
    }
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
    // Five failures: the next try waits a few seconds, the right password too.
    let blocked = sign_in(&app, "clerk", PASSWORD, &[]).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let wait = blocked.text("p.field-error");
    assert!(
        wait.starts_with("登录失败次数较多，请 ") && wait.ends_with(" 秒后再试"),
        "{wait}"
    );
    // Per address too: many names from one address.
    for i in 0..20 {
        sign_in(&app, &format!("guess{i}"), "x", &[]).await;
    }
    app.user("other", Role::Clerk, Some(bureau)).await;
    let page = sign_in(&app, "other", PASSWORD, &[]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        page.text("p.field-error"),
        "此地址登录失败次数过多，请 15 分钟后再试"
    );
}

/// The app behind a reverse proxy at 10.0.0.2.
fn behind_a_proxy(store: Store) -> TestApp {
    let mut app = TestApp::new(store.clone());
    app.router = router(AppState::with_config(
        store,
        Config {
            trusted_proxies: vec!["10.0.0.2".parse().unwrap()],
            ..Config::default()
        },
    ));
    app
}

const PROXY: &str = "10.0.0.2";

async fn behind_the_trusted_proxy_each_client_is_throttled_by_its_own_address(store: Store) {
    let app = behind_a_proxy(store);
    let bureau = app.agency("某局", Kind::Department, None).await;
    app.user("clerk", Role::Clerk, Some(bureau)).await;
    // One client guesses twenty names through the proxy.
    let attacker = Some((PROXY, Some("203.0.113.9")));
    for i in 0..20 {
        let page = sign_in_from(&app, attacker, &format!("guess{i}"), "x", &[]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = sign_in_from(&app, attacker, "clerk", PASSWORD, &[]).await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is stopped"
    );
    // A hop the attacker adds in front does not make them someone else.
    let spoofed = Some((PROXY, Some("198.51.100.7, 203.0.113.9")));
    let page = sign_in_from(&app, spoofed, "clerk", PASSWORD, &[]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    // Everyone else, behind the same proxy, signs in.
    let colleague = Some((PROXY, Some("198.51.100.7")));
    let page = sign_in_from(&app, colleague, "clerk", PASSWORD, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(session_cookie(&page).is_some());

    // From anyone but the proxy, X-Forwarded-For is not believed: a direct client cannot
    // pose as a fresh address for every try.
    for i in 0..20 {
        let forged = format!("192.0.2.{i}");
        let direct = Some(("198.18.0.1", Some(forged.as_str())));
        sign_in_from(&app, direct, &format!("guess{i}"), "x", &[]).await;
    }
    let direct = Some(("198.18.0.1", Some("192.0.2.200")));
    let page = sign_in_from(&app, direct, "clerk", PASSWORD, &[]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    let forged_one = Some((PROXY, Some("192.0.2.3")));
    let page = sign_in_from(&app, forged_one, "clerk", PASSWORD, &[]).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the forged addresses counted nothing"
    );
}

async fn failures_slow_an_account_down_but_never_lock_its_owner_out(store: Store) {
    let app = behind_a_proxy(store.clone());
    let bureau = app.agency("某局", Kind::Department, None).await;
    app.user("clerk", Role::Clerk, Some(bureau)).await;
    let attacker = Some((PROXY, Some("203.0.113.9")));
    for _ in 0..5 {
        sign_in_from(&app, attacker, "clerk", "guess", &[]).await;
    }
    // The attacker now waits before each try: the right password is not even checked.
    let page = sign_in_from(&app, attacker, "clerk", PASSWORD, &[]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.text("p.field-error").contains("秒后再试"));
    assert!(session_cookie(&page).is_none());
    // The owner, from their own desk, signs in at once.
    let owner = Some((PROXY, Some("198.51.100.7")));
    let page = sign_in_from(&app, owner, "clerk", PASSWORD, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // From one address, the owner who mistyped: after the wait the right password works.
    let now = store.now();
    for failures in [5, 6, 9] {
        let name = format!("typist{failures}");
        app.user(&name, Role::Clerk, Some(bureau)).await;
        let address = format!("198.51.100.{failures}");
        for _ in 0..failures {
            store
                .record_login_failure(&name, &address, now - 2)
                .await
                .unwrap();
        }
        let from = Some((PROXY, Some(address.as_str())));
        let page = sign_in_from(&app, from, &name, PASSWORD, &[]).await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{failures} just now");
        // The same failures a while ago: waited out.
        let later = format!("{name}_later");
        app.user(&later, Role::Clerk, Some(bureau)).await;
        let wait = nianbao::account::sign_in_wait(failures, Some(0), 0).unwrap();
        for _ in 0..failures {
            store
                .record_login_failure(&later, &address, now - wait - 1)
                .await
                .unwrap();
        }
        let page = sign_in_from(&app, from, &later, PASSWORD, &[]).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{failures}, waited: {}",
            page.body
        );
    }
}

async fn after_signing_in_only_a_local_path_is_followed(store: Store) {
    let app = TestApp::new(store);
    let bureau = app.agency("某局", Kind::Department, None).await;
    app.user("clerk", Role::Clerk, Some(bureau)).await;
    // A tab or newline is dropped by browsers (`/\t/evil.example` is `//evil.example`), a
    // control character cannot go into a header, `\` reads as `/`.
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\x0b/evil.example",
        "/\x0c",
        "/\u{85}/evil.example",
        "/\u{3000}/evil.example",
        "/ /evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "",
    ] {
        let page = sign_in(&app, "clerk", PASSWORD, &[("next", next)]).await;
        // Signed in and sent home; or, for a character refused in any form, told so.
        assert!(
            page.status == StatusCode::SEE_OTHER || page.status.is_client_error(),
            "{next:?}: {} {}",
            page.status,
            page.body
        );
        if page.status == StatusCode::SEE_OTHER {
            assert_eq!(page.headers[header::LOCATION], "/", "{next:?}");
        }
    }
    for next in ["/reports/12", "/reports/12/history?page=2", "/%09/evil.example"] {
        let page = sign_in(&app, "clerk", PASSWORD, &[("next", next)]).await;
        assert_eq!(page.headers[header::LOCATION], next);
    }
    // The sign-in page does not carry a bad one along either.
    let form = app.get("/login?next=/%09/evil.example").await;
    assert_eq!(form.attr("input[name='next']", "value").as_deref(), Some("/"));
    let form = app.get("/login?next=%2Freports%2F12").await;
    assert_eq!(
        form.attr("input[name='next']", "value").as_deref(),
        Some("/reports/12")
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
            crate::common::seed::EXAMPLE,
            None,
        )
        .await;
    assert_eq!(validate.status, StatusCode::OK);
}

async fn a_save_after_the_session_expired_is_kept_through_signing_in(store: Store) {
    // The session goes idle by the store's clock, moved on below instead of waited for.
    let store = store.with_clock(nianbao::clock::Clock::fixed_now());
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
    // Still live a second later; two seconds idle (past the one-second step too) it is not.
    store.clock().advance(1);
    assert!(store.session(&app.session.as_ref().unwrap().0, 1).await.unwrap().is_some());
    store.clock().advance(2);

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

async fn an_active_session_lives_exactly_its_idle_time(store: Store) {
    let app = TestApp::new(store.clone());
    let bureau = app.agency("某局", Kind::Department, None).await;
    let clerk = app.user("clerk", Role::Clerk, Some(bureau)).await;
    // NIANBAO_IDLE_MINUTES=1, and a clerk who sends a request every 50 seconds.
    let idle = 60;
    let (a, b) = (
        store.start_session(clerk.id).await.unwrap(),
        store.start_session(clerk.id).await.unwrap(),
    );
    let t0 = store.now();
    for token in [&a, &b] {
        for at in (1..=6).map(|k| t0 + 50 * k) {
            let live = store.session_at(token, idle, at).await.unwrap();
            assert!(live.is_some(), "active at {} s: still signed in", at - t0);
        }
    }
    // The last request was at 300 s: signed in for the minute after it, out after that.
    assert!(store.session_at(&a, idle, t0 + 360).await.unwrap().is_some());
    assert!(store.session_at(&b, idle, t0 + 361).await.unwrap().is_none());
    // The default two hours, with a request every 15 minutes.
    let c = store.start_session(clerk.id).await.unwrap();
    let t0 = store.now();
    for at in (1..=12).map(|k| t0 + 900 * k) {
        assert!(store.session_at(&c, 7200, at).await.unwrap().is_some());
    }
    assert!(
        store
            .session_at(&c, 7200, t0 + 10800 + 7200 + 61)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_database_outage_is_said_as_such_not_as_signed_out(store: Store) {
    let mut app = TestApp::new(store.clone());
    let id = app.open_report("某局", "department", 2025).await;
    let seen = app.session.clone();
    let bureau = app.agency("某局", Kind::Department, None).await;
    let clerk = store
        .user_for_login(&format!("clerk{bureau}"))
        .await
        .unwrap()
        .unwrap()
        .0;
    let token = store.issue_token(clerk.id).await.unwrap();
    // A session this server has not looked up yet: it must ask the database.
    let unseen = store.start_session(clerk.id).await.unwrap();

    store.close().await;
    let message = "服务暂时不可用，正在重试";
    let started = Instant::now();

    app.session = Some((unseen.clone(), String::new()));
    let page = app.get(&format!("/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert_eq!(page.text("h1"), message);
    assert!(
        page.headers.get(header::LOCATION).is_none(),
        "not sent to sign in"
    );
    assert!(page.headers.contains_key(header::RETRY_AFTER));

    let save = app
        .post_htmx(
            &format!("/reports/{id}"),
            &[("version", "1"), ("requests.new.research", "3")],
        )
        .await;
    assert_eq!(save.status, StatusCode::SERVICE_UNAVAILABLE, "{}", save.body);
    assert!(!save.body.contains("登录已超时"), "{}", save.body);
    assert_eq!(save.text("h1"), message);

    // A session it knows from a moment ago: the save itself finds the database gone.
    app.session = seen;
    let save = app
        .post_htmx(
            &format!("/reports/{id}"),
            &[("version", "1"), ("requests.new.research", "3")],
        )
        .await;
    assert_eq!(save.status, StatusCode::SERVICE_UNAVAILABLE, "{}", save.body);

    // The API, by token and by session: JSON.
    app.sign_out();
    let api = app
        .send(
            Request::get(format!("/api/reports/{id}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.json()["error"], message);
    app.session = Some((unseen, String::new()));
    let api = app.get(&format!("/api/reports/{id}")).await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.json()["error"], message);
    assert!(
        started.elapsed() < nianbao::store::ACQUIRE_TIMEOUT * 6,
        "answered promptly: {:?}",
        started.elapsed()
    );
}

/// Reads until the server closes the connection; `None` if it has not within 10 seconds.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got)).await;
    match read {
        Ok(Ok(_)) => Some(String::from_utf8_lossy(&got).into_owned()),
        // A reset is closed too.
        Ok(Err(_)) => Some(String::from_utf8_lossy(&got).into_owned()),
        Err(_) => None,
    }
}

async fn slow_and_idle_connections_are_closed(store: Store) {
    use tokio::io::AsyncWriteExt;
    let limit = Duration::from_millis(300);
    let config = Config {
        header_timeout: limit,
        body_timeout: limit,
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nianbao::web::serve(
        listener,
        AppState::with_config(store, config),
        async {
            let _ = stopped.await;
        },
    ));
    let connect = || tokio::net::TcpStream::connect(address);

    // Half a header, then nothing.
    let mut half = connect().await.unwrap();
    let started = Instant::now();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut half).await;
    assert!(answer.is_some(), "a half-sent header is closed");
    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());

    // A header, then half the body.
    let mut half = connect().await.unwrap();
    let started = Instant::now();
    half.write_all(
        b"POST /api/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"format\"",
    )
    .await
    .unwrap();
    let answer = until_closed(&mut half).await.expect("a half-sent body is closed");
    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "{answer}");

    // A whole request is answered; the kept-alive connection left idle is then closed.
    let mut idle = connect().await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut idle)
        .await
        .expect("an idle connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

on_both_backends!(
    an_active_session_lives_exactly_its_idle_time,
    a_database_outage_is_said_as_such_not_as_signed_out,
    slow_and_idle_connections_are_closed,
    signing_in_sets_a_safe_cookie_and_a_new_session_each_time,
    after_signing_in_only_a_local_path_is_followed,
    behind_the_trusted_proxy_each_client_is_throttled_by_its_own_address,
    failures_slow_an_account_down_but_never_lock_its_owner_out,
    wrong_and_unknown_get_the_same_answer_and_attempts_are_throttled,
    the_sign_in_form_needs_its_own_token,
    state_changes_need_the_csrf_token_and_the_same_origin,
    every_answer_carries_the_security_headers,
    anonymous_visitors_are_sent_to_sign_in,
    a_save_after_the_session_expired_is_kept_through_signing_in,
    signing_out_ends_the_session,
);
