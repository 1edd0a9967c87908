//! The edit form in a real headless Chromium, driven over WebDriver (fantoccini + chromedriver).
//!
//! What only a browser can show: htmx posts what is typed, swaps the server's fragments in
//! without a page load (problems, highlights, hints, totals, the save badge), and static/app.js
//! spreads a block pasted from a spreadsheet over the table. Needs `/usr/bin/chromium` and
//! `/usr/bin/chromedriver` (Debian: `apt-get install chromium chromium-driver`); without them the
//! tests print a notice and pass, unless `CI` is set.

use std::future::Future;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use nianbao::report::Kind;
use crate::common::{agency_name, display_name, username as username_of};
use nianbao::account::ReportId;
use nianbao::store::Store;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

const BALANCE: &str = "本年新收 5 + 上年结转 0 = 5，但（七）总计 0 + 结转下年度 0 = 0";
const NOT_A_COUNT: &str = "请填写非负整数";

/// Whether the browser is installed. Missing: a notice and `false`, or a panic when `CI` is set.
fn browser_available(test: &str) -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "{} missing; apt-get install chromium chromium-driver",
        missing.join(" and ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why} (CI is set, so this is a failure)");
    }
    eprintln!("SKIPPED: {test}: {why}");
    false
}

/// The app on a real port, a chromedriver and a Chromium session.
struct Browser {
    db: crate::common::TestDb,
    store: Store,
    base: String,
    server: tokio::task::JoinHandle<()>,
    driver: tokio::process::Child,
    profile: PathBuf,
    client: Client,
}

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a probe port");
    probe.local_addr().expect("probe address").port()
}

impl Browser {
    async fn start() -> Browser {
        let db = crate::common::TestDb::sqlite().await;
        let store = db.store();
        let app = nianbao::web::router(nianbao::web::AppState::new(store.clone()));
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the app");
        let base = format!("http://{}", listener.local_addr().expect("app address"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the app");
        });

        let profile = std::env::temp_dir().join(format!(
            "nianbao-chromium-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let log = profile.join("chromedriver.log");

        let port = free_port();
        let driver = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn chromedriver");

        let mut caps = fantoccini::wd::Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    "--window-size=1400,1800",
                    format!("--user-data-dir={}", profile.join("chromium").display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(_) if started.elapsed() < WAIT => tokio::time::sleep(POLL).await,
                Err(err) => {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
                    panic!(
                        "no WebDriver session at {url} after {WAIT:?}: {err}\nchromedriver log (last lines, newest first):\n{tail}"
                    );
                }
            }
        };
        eprintln!("browser session up in {:.2?}", started.elapsed());
        Browser {
            db,
            store,
            base,
            server,
            driver,
            profile,
            client,
        }
    }

    /// Runs the steps, then closes the session and cleans up whether or not they panicked.
    async fn run<F, Fut>(self, steps: F)
    where
        F: FnOnce(Client, Store, String) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(steps(self.client.clone(), self.store.clone(), self.base.clone())).await;
        let _ = self.client.close().await;
        let mut driver = self.driver;
        let _ = driver.kill().await;
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
        match outcome {
            Ok(()) => self.db.finish().await,
            // The database is kept for a look (TestDb leaves a failed test's data behind).
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => panic!("test steps did not finish: {err}"),
        }
    }
}

const PASSWORD: &str = "browser-test-password";

/// A fresh 2025 report of a department, and the browser signed in as its clerk through the
/// sign-in form.
async fn new_report(store: &Store, client: &Client, base: &str) -> ReportId {
    let agency = store
        .create_agency(&agency_name("某市测试局"), Kind::Department, None)
        .await
        .expect("create agency");
    account(
        store,
        "ceshi",
        "测试填报人",
        nianbao::account::Role::Clerk,
        agency.id,
    )
    .await;
    let id = store.create_report(agency.id, 2025).await.expect("create report");
    sign_in(client, base, "ceshi", &format!("/reports/{id}")).await;
    id
}

async fn account(store: &Store, username: &str, name: &str, role: nianbao::account::Role, agency: i64) {
    let hash = nianbao::account::hash_password(PASSWORD).expect("hash");
    store
        .create_user(&username_of(username), &display_name(name), &hash, role, Some(agency))
        .await
        .expect("create user");
}

/// Opens `path`, which sends an anonymous visitor to the sign-in page; signs in there and
/// waits to be back at `path`.
async fn sign_in(client: &Client, base: &str, username: &str, path: &str) {
    client
        .goto(&format!("{base}{path}"))
        .await
        .expect("open the page");
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("input#username"))
        .await
        .expect("the sign-in form");
    field.send_keys(username).await.expect("type the username");
    let password = client
        .find(Locator::Css("input#password"))
        .await
        .expect("password field");
    password.send_keys(PASSWORD).await.expect("type the password");
    click(client, "form[action='/login'] button[type=submit]").await;
    let back = format!("{base}{path}");
    let started = Instant::now();
    loop {
        let url = client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let ready = client
            .execute("return document.readyState", vec![])
            .await
            .unwrap_or_default();
        if url == back && ready == "complete" {
            return;
        }
        if started.elapsed() > WAIT {
            let source = client.source().await.unwrap_or_default();
            panic!("not back at {path} after signing in as {username}; at {url}:\n{source}");
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn sign_out(client: &Client) {
    click(client, "form[action='/logout'] button").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("input#username"))
        .await
        .expect("signed out");
}

async fn click(client: &Client, css: &str) {
    // A page that reloads itself (an htmx refresh after an answer) can replace the element
    // between finding and clicking it: find it again, as a person would.
    let mut tries = 0;
    loop {
        let element = client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        // Centred, as a person would scroll to it: clear of the sticky save bar.
        let clicked = match client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![json!(element)],
            )
            .await
        {
            Ok(_) => element.click().await.map(|_| ()),
            Err(e) => Err(e),
        };
        match clicked {
            Ok(()) => return,
            Err(e) if tries < 3 && e.to_string().contains("stale element") => tries += 1,
            Err(e) => panic!("click {css}: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Waits until the page has an element matching `css` whose text contains `text`.
async fn wait_text(client: &Client, css: &str, text: &str) {
    let script = "const [css, text] = arguments; \
        return [...document.querySelectorAll(css)].some((e) => e.textContent.includes(text));";
    let started = Instant::now();
    loop {
        let found = client
            .execute(script, vec![json!(css), json!(text)])
            .await
            .unwrap_or_default();
        if found == json!(true) {
            return;
        }
        if started.elapsed() > WAIT {
            let source = client.source().await.unwrap_or_default();
            panic!("no {css} with “{text}” after {WAIT:?}:\n{source}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Sets a field's value as typing would (any text, Chinese included) and fires `input`.
async fn type_into(client: &Client, key: &str, value: &str) {
    let script = "const [name, value] = arguments; const f = document.querySelector(`[name='${name}']`); \
        f.value = value; f.dispatchEvent(new Event('input', { bubbles: true })); return true;";
    client
        .execute(script, vec![json!(key), json!(value)])
        .await
        .expect("type");
}

/// Records each live check htmx sends: the element it is from, the names it sends, whether
/// its answer flags a character the font lacks and whether it redraws the tables' problems.
const RECORD_CHECKS: &str = r#"
window.__checks = [];
window.__saves = [];
document.body.addEventListener("htmx:afterRequest", (e) => {
  const path = e.detail.requestConfig.path;
  if (e.detail.elt.id === "report-form") {
    const data = e.detail.requestConfig.formData;
    window.__saves.push({ save: data.get("save_id"), page: data.get("page") });
    return;
  }
  if (!path.includes("/check")) return;
  const answer = e.detail.xhr.responseText;
  window.__checks.push({
    from: e.detail.elt.id,
    keys: [...e.detail.requestConfig.formData.keys()],
    flagged: answer.includes("字库无法显示"),
    tables: answer.includes('id="problems-tables"'),
  });
});
return true;
"#;

/// Everything the tests look at, read in one script: the marker, the badge, the problems,
/// the marks that say something, the totals and the filled inputs.
const SNAPSHOT: &str = r##"
const text = (e) => (e ? e.textContent.replace(/\s+/g, " ").trim() : null);
// Without htmx-added / htmx-settling, which come and go while htmx settles a swap.
const classes = (e) => [...e.classList].filter((c) => !c.startsWith("htmx-"));
const marks = {};
for (const m of document.querySelectorAll("span.mark[data-cell]")) {
  const level = classes(m).filter((c) => c !== "mark").join(" ");
  if (level || text(m)) marks[m.dataset.cell] = { level, text: text(m) };
}
const outputs = {};
for (const o of document.querySelectorAll("output[data-cell]")) outputs[o.dataset.cell] = text(o);
const inputs = {};
for (const i of document.querySelectorAll("#report-form input[name]:not([type=hidden])")) {
  if (i.value !== "") inputs[i.name] = i.value;
}
return {
  marker: window.__marker === undefined ? null : window.__marker,
  ready: document.readyState,
  // Elements htmx is still swapping or settling (their old attributes linger ~20 ms).
  settling: document.querySelectorAll(".htmx-swapping, .htmx-settling, .htmx-added").length,
  saveState: text(document.getElementById("save-state")),
  version: (document.getElementById("version") || {}).value || null,
  problems: [...document.querySelectorAll("#problems li")].map((li) => ({
    rule: li.dataset.rule, level: classes(li).join(" "), text: text(li),
  })),
  marks, outputs, inputs,
};
"##;

async fn snapshot(client: &Client) -> Value {
    client.execute(SNAPSHOT, vec![]).await.expect("snapshot script")
}

/// Polls the page until htmx has settled every swap and `ready` holds; on timeout panics with
/// what the page showed.
async fn wait_page(client: &Client, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let page = snapshot(client).await;
        if page["settling"] == 0 && ready(&page) {
            eprintln!("  ok after {:>5} ms: {what}", started.elapsed().as_millis());
            return page;
        }
        if started.elapsed() > WAIT {
            panic!(
                "timed out after {WAIT:?} waiting for: {what}\npage state:\n{}",
                serde_json::to_string_pretty(&page).unwrap_or_default()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls the store until `ready` holds for the saved report.
async fn wait_store(store: &Store, id: ReportId, what: &str, ready: impl Fn(&Saved) -> bool) {
    let started = Instant::now();
    loop {
        let saved = Saved::load(store, id).await;
        if ready(&saved) {
            eprintln!("  ok after {:>5} ms: {what}", started.elapsed().as_millis());
            return;
        }
        if started.elapsed() > WAIT {
            panic!("timed out after {WAIT:?} waiting for the store: {what}\nstored: {saved:?}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The saved report's raw values, by cell key.
#[derive(Debug)]
struct Saved {
    version: i64,
    values: Vec<(String, String)>,
}

impl Saved {
    async fn load(store: &Store, id: ReportId) -> Saved {
        let stored = store.report(id).await.expect("load report");
        let format = stored.report.format();
        let values = format
            .fields()
            .filter_map(|field| {
                let raw = stored.report.get(field);
                (!raw.is_empty()).then(|| (format.key(field).to_string(), raw.to_string()))
            })
            .collect();
        Saved {
            version: stored.version,
            values,
        }
    }

    fn get(&self, key: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn problem<'a>(page: &'a Value, rule: &str) -> Option<&'a Value> {
    page["problems"].as_array()?.iter().find(|p| p["rule"] == rule)
}

fn mark_level<'a>(page: &'a Value, key: &str) -> &'a str {
    page["marks"][key]["level"].as_str().unwrap_or("")
}

fn mark_text<'a>(page: &'a Value, key: &str) -> &'a str {
    page["marks"][key]["text"].as_str().unwrap_or("")
}

fn output<'a>(page: &'a Value, key: &str) -> &'a str {
    page["outputs"][key].as_str().unwrap_or("")
}

fn input<'a>(page: &'a Value, key: &str) -> &'a str {
    page["inputs"][key].as_str().unwrap_or("")
}

fn saved_badge(page: &Value) -> bool {
    page["saveState"]
        .as_str()
        .is_some_and(|s| s.starts_with("已保存"))
}

async fn field(client: &Client, key: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::Css(&format!("input[name='{key}']")))
        .await
        .unwrap_or_else(|e| panic!("no input {key}: {e}"))
}

/// Opens the edit page and sets the marker that a page load would wipe.
async fn open(client: &Client, url: &str) {
    client.goto(url).await.expect("open the edit page");
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#report-form"))
        .await
        .expect("the edit form");
    client
        .execute("window.__marker = 1; return window.__marker;", vec![])
        .await
        .expect("set the marker");
}

fn assert_no_page_load(page: &Value, step: &str) {
    assert_eq!(
        page["marker"],
        json!(1),
        "{step}: the page was reloaded: {page:#}"
    );
}

fn screenshot_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("e2e-report.png")
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_checks_saves_and_survives_a_reload() {
    if !browser_available("typing_checks_saves_and_survives_a_reload") {
        return;
    }
    let started = Instant::now();
    let browser = Browser::start().await;
    browser
        .run(|client, store, base| async move {
            // 1. A fresh report's edit page.
            let id = new_report(&store, &client, &base).await;
            let url = format!("{base}/reports/{id}");
            open(&client, &url).await;
            // The merged headers are drawn as a table, not broken by some stylesheet rule: the
            // corner note spans the three label columns, 申请人情况 sits right of it, and the
            // first value column starts where 自然人 does.
            let geometry = client
                .execute(
                    "const r = (css) => document.querySelector(css).getBoundingClientRect(); \
                     const corner = r('table.requests thead th.note'); \
                     const applicants = r('table.requests thead tr:first-child th:nth-child(2)'); \
                     const person = r('table.requests thead tr:nth-child(2) th:first-child'); \
                     const first = r('td[data-cell=\"requests.new.natural_person\"]'); \
                     const label = r('table.requests tbody tr:first-child th'); \
                     return [corner.right <= applicants.left + 1, Math.abs(person.left - first.left) < 2, \
                             Math.abs(corner.width - label.width) < 2, corner.height > person.height];",
                    vec![],
                )
                .await
                .expect("measure the headers");
            assert_eq!(geometry, json!([true, true, true, true]), "表三's header layout");
            let page = snapshot(&client).await;
            assert!(
                problem(&page, "requests.balance").is_none(),
                "a blank report balances: {page:#}"
            );

            // 2. 5 requests came in, none were answered: the column does not balance.
            field(&client, "requests.new.commercial")
                .await
                .send_keys("5")
                .await
                .expect("type 5");
            let page = wait_page(&client, "the balance problem, the highlight and the total", |p| {
                problem(p, "requests.balance")
                    .and_then(|li| li["text"].as_str())
                    .is_some_and(|t| t.contains(BALANCE))
                    && mark_level(p, "requests.new.commercial")
                        .split(' ')
                        .any(|c| c == "err")
                    && output(p, "requests.new.total") == "5"
            })
            .await;
            assert_no_page_load(&page, "step 2");
            assert_eq!(
                problem(&page, "requests.balance").expect("balance problem")["level"],
                "err",
                "{page:#}"
            );

            // 3. A count in words is not a count.
            let research = field(&client, "requests.new.research").await;
            research.send_keys("十二").await.expect("type 十二");
            let page = wait_page(&client, "the hint at the research cell", |p| {
                mark_text(p, "requests.new.research").contains(NOT_A_COUNT)
            })
            .await;
            assert_no_page_load(&page, "step 3");
            assert_eq!(
                input(&page, "requests.new.research"),
                "十二",
                "what was typed stays: {page:#}"
            );

            // 4. Take the words back, record the 5 as granted: the column balances.
            let typed = research.prop("value").await.expect("value").unwrap_or_default();
            let backspaces: String = typed.chars().map(|_| char::from(Key::Backspace)).collect();
            research.send_keys(&backspaces).await.expect("clear research");
            field(&client, "requests.granted.commercial")
                .await
                .send_keys("5")
                .await
                .expect("type 5 granted");
            let page = wait_page(
                &client,
                "balance problem, highlight and hint gone, results total 5",
                |p| {
                    problem(p, "requests.balance").is_none()
                        && !mark_text(p, "requests.new.research").contains(NOT_A_COUNT)
                        && output(p, "requests.results_total.commercial") == "5"
                        && mark_level(p, "requests.new.commercial").is_empty()
                },
            )
            .await;
            assert_no_page_load(&page, "step 4");
            wait_store(&store, id, "5 new, 5 granted, research blank", |s| {
                s.get("requests.new.commercial") == "5"
                    && s.get("requests.granted.commercial") == "5"
                    && s.get("requests.new.research").is_empty()
            })
            .await;
            // The badge and the form's version are those of the last save, not of the page load.
            let version = Saved::load(&store, id).await.version.to_string();
            let page = wait_page(
                &client,
                "the badge says 已保存 and the form has the saved version",
                |p| saved_badge(p) && p["version"].as_str() == Some(version.as_str()),
            )
            .await;
            assert_no_page_load(&page, "step 4");

            // 4b. A count typed in a table, then at once (before the autosave) a keystroke in
            // a text: the text is checked by itself, sending that text only, and a character
            // the PDF font lacks is flagged; the table's new problem stays on the list, though
            // the check of the text knows only the saved tables.
            client
                .execute(RECORD_CHECKS, vec![])
                .await
                .expect("record checks");
            type_into(&client, "requests.new.research", "3").await;
            type_into(&client, "text.problems", "暂无\u{20000}问题").await;
            let page = wait_page(
                &client,
                "the missing glyph flagged at the text, the new imbalance listed",
                |p| {
                    mark_text(p, "text.problems").contains("字库无法显示")
                        && problem(p, "requests.balance").is_some()
                },
            )
            .await;
            assert_no_page_load(&page, "step 4b");
            let checks = client
                .execute("return window.__checks;", vec![])
                .await
                .expect("read checks");
            let check = checks
                .as_array()
                .and_then(|all| all.iter().find(|c| c["from"] == "live-check-problems"))
                .unwrap_or_else(|| panic!("no check from the text: {checks:#}"));
            let sent: Vec<&str> = check["keys"]
                .as_array()
                .expect("keys")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(
                sent.contains(&"text.problems") && sent.contains(&"shown"),
                "the text and what the page shows are sent: {sent:?}"
            );
            assert!(
                !sent
                    .iter()
                    .any(|k| k.starts_with("requests.") || *k == "text.overview"),
                "no cell and no other text is: {sent:?}"
            );
            assert_eq!(check["flagged"], true, "the check's answer flags it: {check:#}");
            assert_eq!(check["tables"], false, "nor does it redraw the tables: {check:#}");
            wait_store(&store, id, "the text and the count are saved", |s| {
                s.get("text.problems").contains('\u{20000}') && s.get("requests.new.research") == "3"
            })
            .await;
            // Each save names the page and carries an id of its own, so that one sent again
            // after a lost answer is not applied twice.
            // The store has it before the browser has the answer: wait for the answer.
            let mut saves = Vec::new();
            for _ in 0..100 {
                let got = client
                    .execute("return window.__saves;", vec![])
                    .await
                    .expect("read saves");
                saves = got.as_array().cloned().unwrap_or_default();
                if !saves.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert!(!saves.is_empty(), "no save answered");
            let ids: std::collections::HashSet<&str> =
                saves.iter().filter_map(|s| s["save"].as_str()).collect();
            assert_eq!(ids.len(), saves.len(), "every save has its own id: {saves:?}");
            assert!(
                saves
                    .iter()
                    .all(|s| s["page"].as_str().is_some_and(|p| p.len() == 64)),
                "every save names its page: {saves:?}"
            );
            // The count taken back: balanced again, and saved so.
            type_into(&client, "requests.new.research", "").await;
            wait_page(&client, "the imbalance gone again", |p| {
                problem(p, "requests.balance").is_none()
            })
            .await;
            wait_store(&store, id, "research blank again", |s| {
                s.get("requests.new.research").is_empty()
            })
            .await;

            let png = client.screenshot().await.expect("screenshot");
            let path = screenshot_path();
            std::fs::create_dir_all(path.parent().expect("target dir")).expect("target dir");
            std::fs::write(&path, &png).expect("write screenshot");
            eprintln!("  screenshot: {} ({} bytes)", path.display(), png.len());

            // 5. A reload shows what was saved.
            client.refresh().await.expect("reload");
            let page = wait_page(&client, "the reloaded page", |p| {
                p["ready"] == "complete" && p["marker"].is_null()
            })
            .await;
            assert_eq!(input(&page, "requests.new.commercial"), "5", "{page:#}");
            assert_eq!(input(&page, "requests.granted.commercial"), "5", "{page:#}");
            assert_eq!(input(&page, "requests.new.research"), "", "{page:#}");
            assert_eq!(output(&page, "requests.new.total"), "5", "{page:#}");
            assert_eq!(
                output(&page, "requests.results_total.commercial"),
                "5",
                "{page:#}"
            );
            assert!(problem(&page, "requests.balance").is_none(), "{page:#}");
            assert!(saved_badge(&page), "{page:#}");

            let saved = Saved::load(&store, id).await;
            assert_eq!(saved.get("requests.new.commercial"), "5", "{saved:?}");
            assert_eq!(saved.get("requests.granted.commercial"), "5", "{saved:?}");
            assert_eq!(saved.get("requests.new.research"), "", "{saved:?}");
            assert_eq!(saved.get("requests.new.total"), "5", "{saved:?}");
            assert_eq!(
                page["version"].as_str(),
                Some(saved.version.to_string().as_str()),
                "the form carries the saved version: {page:#}"
            );
        })
        .await;
    eprintln!("typing test took {:.2?}", started.elapsed());
}

/// What a clerk's Ctrl+V of a block copied from Excel/WPS delivers to the focused cell.
const PASTE: &str = r#"
const [cell, text] = arguments;
cell.focus();
const dt = new DataTransfer();
dt.setData("text/plain", text);
const event = new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true });
const delivered = cell.dispatchEvent(event);
return { defaultPrevented: !delivered, hasData: event.clipboardData !== null };
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_block_fills_cells_right_and_down() {
    if !browser_available("a_pasted_block_fills_cells_right_and_down") {
        return;
    }
    let started = Instant::now();
    let browser = Browser::start().await;
    browser
        .run(|client, store, base| async move {
            let id = new_report(&store, &client, &base).await;
            open(&client, &format!("{base}/reports/{id}")).await;

            let cell = field(&client, "requests.new.natural_person").await;
            let pasted = client
                .execute(PASTE, vec![json!(cell), json!("1\t2\t3\n4\t5\t6")])
                .await
                .expect("paste script");
            assert_eq!(
                pasted["defaultPrevented"], true,
                "app.js takes over a block paste: {pasted}"
            );

            let expected = [
                ("requests.new.natural_person", "1"),
                ("requests.new.commercial", "2"),
                ("requests.new.research", "3"),
                ("requests.carried_over.natural_person", "4"),
                ("requests.carried_over.commercial", "5"),
                ("requests.carried_over.research", "6"),
            ];
            let page = wait_page(&client, "pasted cells and their totals", |p| {
                expected.iter().all(|(k, v)| input(p, k) == *v)
                    && output(p, "requests.new.total") == "6"
                    && output(p, "requests.carried_over.total") == "15"
            })
            .await;
            assert_no_page_load(&page, "paste");
            assert_eq!(
                page["inputs"].as_object().map(|m| m.len()),
                Some(expected.len()),
                "only the six cells are filled: {page:#}"
            );
            wait_store(&store, id, "the pasted block is saved", |s| {
                expected.iter().all(|(k, v)| s.get(k) == *v)
                    && s.get("requests.new.total") == "6"
                    && s.get("requests.carried_over.total") == "15"
            })
            .await;
            let version = Saved::load(&store, id).await.version.to_string();
            let page = wait_page(
                &client,
                "the badge says 已保存 and the form has the saved version",
                |p| saved_badge(p) && p["version"].as_str() == Some(version.as_str()),
            )
            .await;
            assert_no_page_load(&page, "paste");

            client.refresh().await.expect("reload");
            let page = wait_page(&client, "the reloaded page", |p| {
                p["ready"] == "complete" && p["marker"].is_null()
            })
            .await;
            for (key, value) in expected {
                assert_eq!(input(&page, key), value, "{key} after reload: {page:#}");
            }
            assert_eq!(output(&page, "requests.new.total"), "6", "{page:#}");
            assert_eq!(output(&page, "requests.carried_over.total"), "15", "{page:#}");
        })
        .await;
    eprintln!("paste test took {:.2?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_review_loop_from_submission_to_approval() {
    if !browser_available("the_review_loop_from_submission_to_approval") {
        return;
    }
    let started = Instant::now();
    let browser = Browser::start().await;
    browser
        .run(|client, store, base| async move {
            use nianbao::account::Role;
            let city = store
                .create_agency(&agency_name("某市人民政府"), Kind::Government, None)
                .await
                .expect("city");
            let bureau = store
                .create_agency(&agency_name("某市统计局"), Kind::Department, Some(city.id))
                .await
                .expect("bureau");
            account(&store, "tongji", "统计局填报人", Role::Clerk, bureau.id).await;
            account(&store, "shenhe", "市政务公开办审核人", Role::Reviewer, city.id).await;
            let id = store.create_report(bureau.id, 2025).await.expect("report");
            let report = format!("/reports/{id}");
            let cell = "requests.granted.commercial";

            // The clerk fills in a consistent report and submits it.
            sign_in(&client, &base, "tongji", &report).await;
            type_into(&client, "text.overview", "本年度主动公开政府信息 1200 余条，依申请公开按时答复，政府信息管理规范，平台建设和监督保障有力。").await;
            type_into(&client, "text.problems", "政策解读形式单一；上年问题的整改情况良好，下一步将加强图解解读。").await;
            type_into(&client, "text.other", "本年度未收取信息处理费。").await;
            type_into(&client, "requests.new.commercial", "4").await;
            type_into(&client, cell, "4").await;
            wait_text(&client, "#problems-tables .all-clear", "未发现问题").await;
            wait_text(&client, "#problems-texts .all-clear", "未发现问题").await;
            wait_store(&store, id, "the clerk's values are saved", |s| s.get(cell) == "4").await;
            click(&client, "#workflow a[href$='/submit']").await;
            click(&client, "form.submit-form button[type=submit]").await;
            wait_text(&client, "#status", "已提交").await;

            // The reviewer pins a comment to the cell and returns the report.
            sign_out(&client).await;
            sign_in(&client, &base, "shenhe", &report).await;
            click(&client, &format!("td[data-cell='{cell}'] a.pin-link")).await;
            wait_text(&client, "#comment-form", "“（一）予以公开”行“商业企业”列").await;
            type_into(&client, "body", "4 件中有 1 件为部分公开，请核实。").await;
            click(&client, "#comment-form button[type=submit]").await;
            wait_text(&client, "#comments", "请核实").await;
            type_into(&client, "reason", "请按批注修改").await;
            click(&client, "form.action.return button").await;
            wait_text(&client, "#status", "已退回").await;

            // The clerk sees the comment at the cell, fixes the numbers, answers, resubmits.
            sign_out(&client).await;
            sign_in(&client, &base, "tongji", &report).await;
            wait_text(
                &client,
                &format!("span.mark[data-cell='{cell}'] .review-note"),
                "4 件中有 1 件为部分公开",
            )
            .await;
            let shot = client.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_path().with_file_name("e2e-returned.png"), shot)
                .expect("save screenshot");
            type_into(&client, cell, "3").await;
            type_into(&client, "requests.partial.commercial", "1").await;
            wait_store(&store, id, "the fix is saved", |s| {
                s.get(cell) == "3" && s.get("requests.partial.commercial") == "1"
            })
            .await;
            click(
                &client,
                &format!("span.mark[data-cell='{cell}'] .review-note button"),
            )
            .await;
            wait_text(
                &client,
                &format!("span.mark[data-cell='{cell}'] .review-note"),
                "已处理",
            )
            .await;
            click(&client, "#workflow a[href$='/submit']").await;
            click(&client, "form.submit-form button[type=submit]").await;
            wait_text(&client, "#status", "已提交").await;

            // The reviewer sees exactly what changed, and approves.
            sign_out(&client).await;
            sign_in(&client, &base, "shenhe", &report).await;
            wait_text(&client, "#changes", "4 → 3").await;
            wait_text(&client, "#changes", "（空） → 1").await;
            let shot = client.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_path().with_file_name("e2e-review.png"), shot)
                .expect("save screenshot");
            click(&client, "form.action.approve button").await;
            wait_text(&client, "#status", "已通过").await;
            wait_text(&client, "#approval", "SHA-256").await;

            // Locked for the clerk: read-only, no saving.
            sign_out(&client).await;
            sign_in(&client, &base, "tongji", &report).await;
            wait_text(&client, "p.locked", "内容已锁定").await;
            let locked = client
                .execute(
                    "return [document.querySelector(`[name='requests.granted.commercial']`).readOnly, \
                     document.getElementById('save-state') === null, \
                     document.querySelector('#report-form').hasAttribute('hx-post')]",
                    vec![],
                )
                .await
                .expect("read the form");
            assert_eq!(
                locked,
                json!([true, true, false]),
                "the approved report is read-only for the clerk"
            );
        })
        .await;
    eprintln!("review loop test took {:.2?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_city_reviewer_reminds_the_overdue_and_drills_into_the_compiled_report() {
    if !browser_available("a_city_reviewer_reminds_the_overdue_and_drills_into_the_compiled_report") {
        return;
    }
    let browser = Browser::start().await;
    browser
        .run(|client, store, base| async move {
            use nianbao::account::Role;
            // The city's roster through the roster import; 2025's deadlines are past.
            let roster = "名称,类型,上级\n某市人民政府,人民政府,\n某市统计局,政府部门,某市人民政府\n\
                某市教育局,政府部门,某市人民政府\n某县人民政府,人民政府,某市人民政府\n某县财政局,政府部门,某县人民政府\n";
            let plan = nianbao::account::roster::plan_file(roster.as_bytes(), &[]).expect("the roster plans");
            store.load_roster(&plan).await.expect("the roster loads");
            let agency = |name: &'static str| {
                let store = store.clone();
                async move { store.agency_by_name(name).await.expect("read").expect(name) }
            };
            let (city, tongji, jiaoyu, caizheng) =
                (agency("某市人民政府").await, agency("某市统计局").await, agency("某市教育局").await, agency("某县财政局").await);
            // 统计局 and 县财政局 approved with numbers; 教育局 has not started.
            for (unit, n) in [(&tongji, 5), (&caizheng, 9)] {
                let mut report = crate::common::seed::example();
                report.agency = unit.name.clone();
                report.year = 2025;
                let format = report.format();
                for key in ["requests.new.natural_person", "requests.granted.natural_person"] {
                    report.set(format.field(key).expect(key), n.to_string());
                }
                store
                    .import_all(&[(unit.id, report)], true, nianbao::store::Author::system("导入"))
                    .await
                    .expect("import");
            }
            // 统计局 also published, so not overdue: the deadline is one of publication.
            let published = store.report_id_of(tongji.id, 2025).await.expect("read").expect("imported");
            let admin = store
                .create_user(&username_of("guanli"), &display_name("管理员"), "x", Role::Admin, None)
                .await
                .expect("a user to publish as");
            store
                .transition(
                    published,
                    nianbao::report::status::Status::Approved,
                    nianbao::report::status::Status::Published,
                    admin.id,
                    "",
                    nianbao::store::Stamp::Published,
                )
                .await
                .expect("publish");
            account(&store, "shi", "市公开办审核人", Role::Reviewer, city.id).await;
            account(&store, "jiaoyu", "教育局填报人", Role::Clerk, jiaoyu.id).await;

            // The reviewer filters to what is overdue and reminds 教育局.
            sign_in(&client, &base, "shi", "/desk?year=2025").await;
            wait_text(&client, "tr.rollup", "某县人民政府辖区 2 个单位").await;
            click(&client, "form.filters input[name='overdue']").await;
            click(&client, "form.filters button[type=submit]").await;
            wait_text(&client, "p.meta", "筛选结果").await;
            let rows = client
                .execute("return [...document.querySelectorAll('table.desk tbody tr')].map((r) => r.textContent)", vec![])
                .await
                .expect("rows");
            let rows: Vec<String> = serde_json::from_value(rows).expect("texts");
            assert!(rows.iter().any(|r| r.contains("某市教育局")), "{rows:?}");
            assert!(!rows.iter().any(|r| r.contains("某市统计局")), "a published report is not overdue: {rows:?}");
            click(&client, &format!("input[name='agency'][value='{}']", jiaoyu.id)).await;
            type_into(&client, "body", "请于本周五前提交 2025 年度报告。").await;
            click(&client, "fieldset.remind button[type=submit]").await;
            wait_text(&client, "p.notice", "已向 1 个单位发送催报").await;
            let shot = client.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_path().with_file_name("e2e-desk.png"), shot).expect("save screenshot");

            // The clerk sees it on their home page.
            sign_out(&client).await;
            sign_in(&client, &base, "jiaoyu", "/").await;
            wait_text(&client, "section.reminders", "请于本周五前提交").await;
            wait_text(&client, "section.reminders", "市公开办审核人").await;

            // The reviewer compiles the region and drills into a cell.
            sign_out(&client).await;
            sign_in(&client, &base, "shi", "/desk?year=2025").await;
            click(&client, "a.region-link").await;
            wait_text(&client, "td[data-cell='requests.new.natural_person'] a", "14").await;
            wait_text(&client, "section[aria-label='尚未审核通过的单位']", "某市教育局").await;
            click(&client, "td[data-cell='requests.new.natural_person'] a").await;
            wait_text(&client, "section#drill", "某县财政局").await;
            wait_text(&client, "section#drill", "某市统计局").await;
            let shot = client.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_path().with_file_name("e2e-region.png"), shot).expect("save screenshot");
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_uploads_a_published_report_and_confirms_what_the_import_was_unsure_of() {
    if !browser_available("a_clerk_uploads_a_published_report_and_confirms_what_the_import_was_unsure_of") {
        return;
    }
    let browser = Browser::start().await;
    browser
        .run(|client, store, base| async move {
            let agency = store
                .create_agency(&agency_name("平潭综合实验区"), Kind::Government, None)
                .await
                .expect("create agency");
            account(&store, "pingtan", "平潭填报人", nianbao::account::Role::Clerk, agency.id).await;
            sign_in(&client, &base, "pingtan", "/").await;
            // From the home page: a new report from the published page's text, as a file.
            click(&client, "a[href='/reports/import']").await;
            let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/published/2024-pingtan.txt");
            client
                .find(Locator::Css("input#import-file"))
                .await
                .expect("the file field")
                .send_keys(&original.display().to_string())
                .await
                .expect("choose the file");
            click(&client, "form.import-form button[type=submit]").await;
            // The draft of the file's year, its run-together 表二 row marked 请核对.
            wait_text(&client, "h1", "2024").await;
            wait_text(&client, "span.mark[data-cell='proactive.normative_documents.issued']", "请核对").await;
            assert_eq!(input(&snapshot(&client).await, "requests.new.natural_person"), "217");
            let shot = client.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_path().with_file_name("e2e-import.png"), shot).expect("save screenshot");
            click(&client, "span.mark[data-cell='proactive.normative_documents.issued'] button[name='confirm']").await;
            let started = Instant::now();
            loop {
                let page = snapshot(&client).await;
                if !mark_text(&page, "proactive.normative_documents.issued").contains("请核对") {
                    break;
                }
                assert!(started.elapsed() < WAIT, "the mark stays after confirming");
                tokio::time::sleep(POLL).await;
            }
            wait_text(&client, "span.mark[data-cell='proactive.normative_documents.in_force']", "请核对").await;
            let id = store.report_id_of(agency.id, 2024).await.expect("read").expect("created");
            let left = store.unsure(id).await.expect("read");
            assert_eq!(left.len(), 2, "{left:?}");
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_pasting_last_years_overview_sees_the_copied_passages() {
    if !browser_available("a_clerk_pasting_last_years_overview_sees_the_copied_passages") {
        return;
    }
    let browser = Browser::start().await;
    browser
        .run(|client, store, base| async move {
            // Last year's report, as published (平潭 2024), and this year's, new.
            let original = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/published/2024-pingtan.txt"))
                .expect("the original");
            let mut last = nianbao::import::read(&original, None, None).expect("reads").report;
            let agency = store
                .create_agency(&agency_name("平潭综合实验区"), Kind::Government, None)
                .await
                .expect("create agency");
            last.agency = agency.name.clone();
            store
                .import_all(&[(agency.id, last.clone())], true, nianbao::store::Author::system("导入"))
                .await
                .expect("import last year's");
            account(&store, "pingtan", "平潭填报人", nianbao::account::Role::Clerk, agency.id).await;
            let id = store.open_report(agency.id, 2025).await.expect("this year's");
            sign_in(&client, &base, "pingtan", &format!("/reports/{id}")).await;
            // The clerk pastes last year's overview.
            let overview = &last.texts[last.format().text("overview").expect("overview")];
            type_into(&client, "text.overview", overview).await;
            wait_text(&client, "#problems li[data-rule='text.similar_last_year']", "与2024年报告的同一部分重复").await;
            wait_text(&client, "#problems li[data-rule='text.similar_last_year']", "平潭综合实验区坚持以习近平新时代").await;
            // And the year left in: 2024 in a 2025 report.
            wait_text(&client, "#problems li[data-rule='text.year']", "2024").await;
            let shot = client.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_path().with_file_name("e2e-similar.png"), shot).expect("save screenshot");
        })
        .await;
}
