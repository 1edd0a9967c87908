//! The layers point one way, and the folders show it: every `crate::`/`super::` path in
//! `src/` is resolved to the module it names and checked against the order below, and no
//! handler file of `web/` names another handler file (what handlers share lives in modules
//! that serve no route).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What each top-level module may name besides itself. `web` and `cli` put everything
/// together; nothing names them but `main` and each other (`cli serve` starts the web).
const MAY_USE: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("format", &[]),
    ("report", &["format"]),
    ("import", &["format", "report"]),
    ("account", &["format", "report", "clock"]),
    ("store", &["format", "report", "import", "account", "clock"]),
    ("view", &["format", "report", "clock"]),
    ("export", &["format", "report", "view", "clock"]),
    ("demo", &["format", "report", "account", "store", "clock"]),
    (
        "web",
        &["format", "report", "import", "account", "store", "view", "export", "clock"],
    ),
    (
        "cli",
        &[
            "format", "report", "import", "account", "store", "view", "export", "clock", "demo", "web",
        ],
    ),
];

/// The modules of `web/` that serve no route: the rest are handler files.
const WEB_SHARED: &[&str] = &[
    "web",
    "web::error",
    "web::extract",
    "web::page",
    "web::auth",
    "web::access",
    "web::jurisdiction",
    "web::server",
    "web::report",
    "web::report::page",
    "web::report::problems",
    "web::report::form",
    "web::report::live::shown",
    "web::report::live::decode",
    "web::people",
    "web::people::form",
    "web::people::signin",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module file with its module path (`web::report::edit`).
/// Every module's path, the inline ones (`mod testing { … }`) too.
fn known_modules() -> BTreeSet<String> {
    let files = modules();
    let mut all: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    for (module, path) in &files {
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let line = line.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
            if let Some(name) = line.strip_prefix("mod ").and_then(|r| r.strip_suffix(" {")) {
                let name = if module.is_empty() { name.to_string() } else { format!("{module}::{name}") };
                all.insert(name);
            }
        }
    }
    all
}

fn modules() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, prefix: &[String], out: &mut Vec<(String, PathBuf)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                let mut next = prefix.to_vec();
                next.push(name);
                walk(&path, &next, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.to_vec();
                if !["mod", "lib", "main"].contains(&name.as_str()) {
                    module.push(name);
                }
                out.push((module.join("::"), path));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &[], &mut out);
    out
}

/// The paths a file names through `crate::` or `super::`, with `use` braces expanded and
/// comments skipped, as written (`super::page::Chrome`).
fn named_paths(code: &str) -> Vec<String> {
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    // `use` statements, braces and all.
    let mut rest = code.as_str();
    while let Some(at) = find_use(rest) {
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        expand(after[..end].trim(), "", &mut paths);
        rest = &after[end..];
    }
    // Inline paths (`crate::web::login::expired(…)`).
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let i = from + i;
            let boundary = i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'$');
            let len = code[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - i);
            if boundary {
                paths.push(code[i..i + len].trim_end_matches(':').to_string());
            }
            from = i + len.max(1);
        }
    }
    paths.retain(|p| p.starts_with("crate::") || p.starts_with("super::"));
    paths
}

fn find_use(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find("use ") {
        let i = from + i;
        let line_start = s[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = s[line_start..i].trim();
        if before.is_empty() || before == "pub" || before.starts_with("pub(") {
            return Some(i);
        }
        from = i + 4;
    }
    None
}

/// `a::{b, c::{d, e}}` under `prefix` → `prefix a::b`, `prefix a::c::d`, …
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree).trim();
            out.push(format!("{prefix}{path}").trim_end_matches("::self").to_string());
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&inner[start..i], &format!("{prefix}{head}"), out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&inner[start..], &format!("{prefix}{head}"), out);
        }
    }
}

/// The module a path names, as the longest prefix of it that is a module, and what the
/// path names past it. `super` is the parent of the naming module, for a file
/// (`a/b/c.rs`: `a::b::c`) as for a folder (`a/b/mod.rs`: `a::b`).
fn resolve_with_rest(path: &str, from: &str, known: &BTreeSet<String>) -> Option<(String, Vec<String>)> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut current: Vec<String> = Vec::new();
    if parts.first() == Some(&"crate") {
        parts.remove(0);
    } else {
        current = from
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        while parts.first() == Some(&"super") {
            parts.remove(0);
            current.pop();
        }
    }
    let mut best = known
        .contains(&current.join("::"))
        .then(|| (current.join("::"), 0));
    for (i, part) in parts.iter().enumerate() {
        current.push(part.to_string());
        if known.contains(&current.join("::")) {
            best = Some((current.join("::"), i + 1));
        }
    }
    let (module, used) = best.filter(|(m, _)| !m.is_empty())?;
    Some((module, parts[used..].iter().map(|p| p.to_string()).collect()))
}

fn resolve(path: &str, from: &str, known: &BTreeSet<String>) -> Option<String> {
    resolve_with_rest(path, from, known).map(|(module, _)| module)
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

fn is_handler(module: &str) -> bool {
    module.starts_with("web::") && !WEB_SHARED.contains(&module)
}

/// Every (file module, module it names) pair in `src/`.
fn edges() -> Vec<(String, String)> {
    let modules = modules();
    let known = known_modules();
    let mut edges = BTreeSet::new();
    for (module, path) in &modules {
        let code = std::fs::read_to_string(path).unwrap();
        for named in named_paths(&code) {
            if let Some(target) = resolve(&named, module, &known)
                && &target != module
            {
                edges.insert((module.clone(), target));
            }
        }
    }
    edges.into_iter().collect()
}

#[test]
fn the_layers_point_one_way() {
    let edges = edges();
    assert!(
        edges
            .iter()
            .any(|(from, to)| from == "store::reports" && to.starts_with("report")),
        "the reader found no imports: {edges:?}"
    );
    let mut wrong = Vec::new();
    for (from, to) in &edges {
        let (a, b) = (top(from), top(to));
        if a == b || a.is_empty() {
            continue;
        }
        let allowed = MAY_USE.iter().find(|(m, _)| *m == a).map(|(_, may)| *may);
        match allowed {
            Some(may) if may.contains(&b) => {}
            Some(_) => wrong.push(format!("{from} → {to}")),
            None => wrong.push(format!("{from}: a top-level module the order does not list")),
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_module_is_named_through_a_reexport() {
    let modules = modules();
    let known = known_modules();
    let mut wrong = Vec::new();
    for (module, path) in &modules {
        for named in named_paths(&std::fs::read_to_string(path).unwrap()) {
            // `module::item::…` past the last real module: the item is a module `use`d there.
            if let Some((_, rest)) = resolve_with_rest(&named, module, &known)
                && rest.len() >= 2
                && rest[0].starts_with(|c: char| c.is_ascii_lowercase())
            {
                wrong.push(format!("{module}: {named}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "modules named through a re-export:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_handler_file_names_another() {
    let wrong: Vec<String> = edges()
        .into_iter()
        .filter(|(from, to)| is_handler(from) && is_handler(to) && !to.starts_with(&format!("{from}::")))
        .map(|(from, to)| format!("{from} → {to}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "handler files naming each other:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_resolves_paths_as_rust_does() {
    let known: BTreeSet<String> = [
        "web",
        "web::page",
        "web::report",
        "web::report::page",
        "web::report::live",
        "store",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // From a file module (`web/report/edit.rs`), `super` is `web::report`.
    assert_eq!(
        resolve("super::page::Chrome", "web::report::edit", &known).as_deref(),
        Some("web::report::page")
    );
    // From a folder module (`web/report/live/mod.rs`), `super` is `web::report`.
    assert_eq!(
        resolve("super::page::X", "web::report::live", &known).as_deref(),
        Some("web::report::page")
    );
    assert_eq!(
        resolve(
            "super::super::page::SaveState",
            "web::report::live::shown",
            &known
        )
        .as_deref(),
        Some("web::report::page")
    );
    assert_eq!(
        resolve(
            "super::super::super::page::Chrome",
            "web::report::live::shown",
            &known
        )
        .as_deref(),
        Some("web::page")
    );
    assert_eq!(
        resolve("crate::store::Store", "web", &known).as_deref(),
        Some("store")
    );
    let mut paths = Vec::new();
    expand(
        "super::{AppState, page::{Chrome, HtmlPage}, extract as body}",
        "",
        &mut paths,
    );
    assert_eq!(
        paths,
        [
            "super::AppState",
            "super::page::Chrome",
            "super::page::HtmlPage",
            "super::extract"
        ]
    );
}
