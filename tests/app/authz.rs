//! Every route × every role × own / other agency, on both databases: who gets what.
//! A report a user may not see answers 404 (ids cannot be probed); a report they see but may
//! not act on answers 403; the right person at the wrong moment gets 409.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use crate::common::TestApp;
use nianbao::account::{Role, User};
use nianbao::report::Kind;
use nianbao::report::review::Target;
use nianbao::store::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A clerk of the report's agency.
    OwnClerk,
    /// A clerk of another agency under the same government.
    OtherClerk,
    /// A reviewer of the government above the report's agency.
    OwnReviewer,
    /// A reviewer of another government.
    OtherReviewer,
    Admin,
}

use Who::*;
const EVERYONE: [Who; 6] = [Anonymous, OwnClerk, OtherClerk, OwnReviewer, OtherReviewer, Admin];

/// A route, how to call it, and the status each visitor gets (in EVERYONE's order).
struct Case {
    method: Method,
    path: &'static str,
    body: &'static str,
    expect: [u16; 6],
}

const fn case(method: Method, path: &'static str, body: &'static str, expect: [u16; 6]) -> Case {
    Case {
        method,
        path,
        body,
        expect,
    }
}

/// `{id}` is the draft report of the own agency (it has a balance error, so a submit is
/// refused with 422 and no case changes its status).
fn cases() -> Vec<Case> {
    use Method as M;
    vec![
        //                                                        anon own  other rev  o-rev admin
        case(M::GET, "/", "", [303, 200, 200, 303, 303, 303]),
        case(M::GET, "/desk", "", [303, 403, 403, 200, 200, 403]),
        case(M::GET, "/desk?under={city}", "", [303, 403, 403, 200, 404, 403]),
        case(M::GET, "/desk?under={own}&status=draft", "", [303, 403, 403, 200, 404, 403]),
        case(M::GET, "/desk/list.csv?under={city}", "", [303, 403, 403, 200, 404, 403]),
        case(M::GET, "/desk/list.xlsx", "", [303, 403, 403, 200, 200, 403]),
        case(M::GET, "/desk/region", "", [303, 403, 403, 200, 200, 403]),
        case(M::GET, "/desk/region?under={city}&cell=requests.new.total", "", [303, 403, 403, 200, 404, 403]),
        case(M::GET, "/desk/region?under={own}", "", [303, 403, 403, 404, 404, 403]),
        case(M::GET, "/desk/region/export?format=json", "", [303, 403, 403, 422, 422, 403]),
        case(M::GET, "/desk/region/export?format=json&reason=x", "", [303, 403, 403, 200, 200, 403]),
        // Nothing is approved in this world: a compile is partial and needs a reason.
        case(M::POST, "/desk/region/compile", "year=2025", [401, 403, 403, 422, 422, 403]),
        case(
            M::POST,
            "/desk/region/compile",
            "year=2025&under={city}&reason=x",
            [401, 403, 403, 303, 404, 403],
        ),
        case(
            M::POST,
            "/desk/remind",
            "year=2025&agency={own}",
            [401, 403, 403, 303, 404, 403],
        ),
        case(M::GET, "/reports/{id}", "", [303, 200, 404, 200, 404, 404]),
        case(
            M::POST,
            "/reports/{id}",
            "version=1&requests.new.research=1",
            [401, 200, 404, 403, 404, 404],
        ),
        case(
            M::GET,
            "/reports/{id}/export.html",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(
            M::GET,
            "/reports/{id}/export.json",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(M::GET, "/reports/{id}/submit", "", [303, 200, 404, 403, 404, 404]),
        case(
            M::POST,
            "/reports/{id}/submit",
            "",
            [401, 422, 404, 403, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/return",
            "reason=x",
            [401, 403, 404, 409, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/approve",
            "",
            [401, 403, 404, 409, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/reopen",
            "reason=x",
            [401, 403, 404, 409, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/publish",
            "",
            [401, 409, 404, 409, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/comments",
            "kind=section&target=overview&body=x",
            [401, 403, 404, 303, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/comments/{comment}/answer",
            "",
            [401, 303, 404, 403, 404, 404],
        ),
        case(M::GET, "/api/reports/{id}", "", [401, 200, 404, 200, 404, 404]),
        case(
            M::PUT,
            "/api/reports/{id}",
            "{doc}",
            [401, 200, 404, 403, 404, 404],
        ),
        case(M::POST, "/reports", "year=2024", [401, 303, 303, 403, 403, 403]),
        case(
            M::GET,
            "/reports/{id}/export.pdf",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(
            M::GET,
            "/reports/{id}/export.docx",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(
            M::GET,
            "/reports/{id}/export.xlsx",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(
            M::GET,
            "/reports/{id}/history",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(
            M::GET,
            "/reports/{id}/versions/1",
            "",
            [303, 200, 404, 200, 404, 404],
        ),
        case(
            M::POST,
            "/reports/{id}/versions/1/restore",
            "",
            [401, 303, 404, 403, 404, 404],
        ),
        case(
            M::POST,
            "/exports",
            "year=2025&format=pdf",
            [401, 403, 403, 422, 422, 403],
        ),
        case(M::GET, "/exports/nope", "", [303, 404, 404, 404, 404, 404]),
        case(M::GET, "/admin", "", [303, 403, 403, 403, 403, 200]),
        case(
            M::POST,
            "/admin/agencies",
            "name=&kind=department",
            [401, 403, 403, 403, 403, 422],
        ),
        case(
            M::POST,
            "/admin/agencies/import",
            "",
            [401, 403, 403, 403, 403, 400],
        ),
        case(
            M::POST,
            "/admin/users",
            "username=",
            [401, 403, 403, 403, 403, 422],
        ),
        case(M::GET, "/account", "", [303, 200, 200, 200, 200, 200]),
        case(M::POST, "/account/token", "", [401, 200, 200, 200, 200, 200]),
        case(
            M::GET,
            "/exports/nope/download",
            "",
            [303, 404, 404, 404, 404, 404],
        ),
        case(
            M::POST,
            "/admin/users/99999/disabled",
            "disabled=1",
            [401, 403, 403, 403, 403, 404],
        ),
        case(M::GET, "/setup/anything", "", [404, 404, 404, 404, 404, 404]),
        case(M::GET, "/login", "", [200, 200, 200, 200, 200, 200]),
        case(M::POST, "/api/validate", "{doc}", [200, 200, 200, 200, 200, 200]),
        case(M::GET, "/healthz", "", [200, 200, 200, 200, 200, 200]),
    ]
}

struct World {
    city: i64,
    own: i64,
    report: i64,
    comment: i64,
    users: Vec<(Who, Option<User>)>,
}

async fn world(app: &TestApp) -> World {
    let city = app.agency("某市人民政府", Kind::Government, None).await;
    let own = app.agency("某市统计局", Kind::Department, Some(city)).await;
    let other = app.agency("某市教育局", Kind::Department, Some(city)).await;
    let elsewhere = app.agency("另一市人民政府", Kind::Government, None).await;
    let users = vec![
        (Anonymous, None),
        (OwnClerk, Some(app.user("own", Role::Clerk, Some(own)).await)),
        (
            OtherClerk,
            Some(app.user("other", Role::Clerk, Some(other)).await),
        ),
        (
            OwnReviewer,
            Some(app.user("reviewer", Role::Reviewer, Some(city)).await),
        ),
        (
            OtherReviewer,
            Some(app.user("stranger", Role::Reviewer, Some(elsewhere)).await),
        ),
        (Admin, Some(app.user("admin", Role::Admin, None).await)),
    ];
    let report = app.store.create_report(own, 2025).await.unwrap();
    let reviewer = users[3].1.clone().unwrap();
    let comment = app
        .store
        .add_comment(report, &Target::Section("overview".into()), "请补充", reviewer.id)
        .await
        .unwrap();
    World {
        city,
        own,
        report,
        comment,
        users,
    }
}

async fn every_route_answers_every_role_as_it_should(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&app).await;
    let doc = crate::common::seed::EXAMPLE
        .replace("平顶山市科学技术局", "某市统计局")
        .replace("\"year\": 2023", "\"year\": 2025");
    let mut failures = Vec::new();
    for case in cases() {
        for (i, (who, user)) in w.users.iter().enumerate() {
            match user {
                Some(u) => app.act_as(u).await,
                None => app.sign_out(),
            }
            let version = app.store.report(w.report).await.unwrap().version;
            let path = case
                .path
                .replace("{id}", &w.report.to_string())
                .replace("{comment}", &w.comment.to_string())
                .replace("{city}", &w.city.to_string())
                .replace("{own}", &w.own.to_string());
            let json = case.body == "{doc}";
            let body = if json {
                doc.clone()
            } else {
                case.body
                    .replace("{own}", &w.own.to_string())
                    .replace("{city}", &w.city.to_string())
            };
            let mut request = Request::builder().method(case.method.clone()).uri(&path);
            request = request.header(
                header::CONTENT_TYPE,
                if json {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                },
            );
            if let Some((_, csrf)) = &app.session {
                request = request.header("X-CSRF-Token", csrf.as_str());
            }
            if case.method == Method::PUT {
                request = request.header(header::IF_MATCH, format!("\"{version}\""));
            }
            let page = app.send(request.body(Body::from(body)).unwrap()).await;
            if page.status.as_u16() != case.expect[i] {
                failures.push(format!(
                    "{} {} as {who:?}: expected {}, got {}",
                    case.method, case.path, case.expect[i], page.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nobody but the own clerk changed the report.
    let changes = app.store.changes(w.report, None, 1000, 0).await.unwrap();
    assert!(changes.iter().all(|c| c.author == "own的名字"), "{changes:?}");
    assert_eq!(EVERYONE.len(), w.users.len());
}

async fn a_locked_report_is_read_only_for_everyone(store: Store) {
    let mut app = TestApp::new(store);
    let w = world(&app).await;
    let clerk = w.users[1].1.clone().unwrap();
    // The blank report has errors, so the workflow would refuse it: locked straight in the
    // database, as any locked report is for this matrix.
    sqlx::query("update report set status = 'submitted' where id = $1")
        .bind(w.report)
        .execute(app.store.pool_for_tests())
        .await
        .unwrap();
    app.act_as(&clerk).await;
    let url = format!("/reports/{}", w.report);
    assert_eq!(
        app.post_form(&url, &[("version", "1"), ("requests.new.research", "5")])
            .await
            .status,
        StatusCode::CONFLICT
    );
    let page = app.get(&url).await;
    assert!(
        page.attr("input[name='requests.new.research']", "readonly")
            .is_some()
    );
    assert_eq!(
        page.count("form#report-form[hx-post]"),
        0,
        "no live saving on a locked report"
    );
    let answer = app
        .post_form(&format!("{url}/comments/{}/answer", w.comment), &[])
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
}

on_both_backends!(
    every_route_answers_every_role_as_it_should,
    a_locked_report_is_read_only_for_everyone
);
