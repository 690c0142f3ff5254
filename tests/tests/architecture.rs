//! The shape of the code, checked: no crate's modules import each other in a cycle (a cycle
//! means two modules that cannot be understood, tested or moved apart), and the services'
//! use cases do not speak protobuf.
//!
//! Modules are a crate's top-level ones, and `store::x` and `domain::x` one level further;
//! an edge is a `crate::…` path outside comments and test modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of a source file without comment lines and without its test module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file's module path in its crate: `["store", "receipt"]` for `store/receipt.rs`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// The module a path within the crate counts as: its first segment, or for `store` and
/// `domain` the first two. None for the crate root and what it re-exports.
fn node(path: &[String]) -> Option<String> {
    let first = path.first()?;
    if !first.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    match path.get(1) {
        Some(second)
            if (first == "store" || first == "domain")
                && second.starts_with(|c: char| c.is_ascii_lowercase()) =>
        {
            Some(format!("{first}::{second}"))
        }
        _ => Some(first.clone()),
    }
}

/// The module a file belongs to, as this check counts modules.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    node(&module_path(src, file))
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The paths a `use` tree or a path expression starting at `s` names, each after `prefix`:
/// `a::b`, `a::{b, c::d}`, `{a, b::{c}}`.
fn paths(prefix: &[String], s: &str, out: &mut Vec<Vec<String>>) {
    let s = s.trim_start();
    if let Some(group) = s.strip_prefix('{') {
        // The items of the group, split at commas outside nested braces.
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    paths(prefix, &group[start..i], out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    paths(prefix, &group[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let id = ident(s);
    if id.is_empty() {
        if !prefix.is_empty() {
            out.push(prefix.to_vec());
        }
        return;
    }
    let mut next = prefix.to_vec();
    next.push(id.to_owned());
    match s[id.len()..].strip_prefix("::") {
        Some(rest) => paths(&next, rest, out),
        None => out.push(next),
    }
}

/// The modules a piece of code names through `crate::` or `super::`, for a file whose
/// module path is `here`.
fn uses(code: &str, here: &[String]) -> BTreeSet<String> {
    let mut found = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        paths(&[], &code[i + "crate::".len()..], &mut found);
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let parent = &here[..here.len().saturating_sub(1)];
        paths(parent, &code[i + "super::".len()..], &mut found);
    }
    found.iter().filter_map(|p| node(p)).collect()
}

fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let Some(m) = module_of(src, &f) else {
            continue;
        };
        let deps = uses(&code(&f), &module_path(src, &f));
        let own = g.entry(m.clone()).or_default();
        for d in deps {
            if d != m && !d.starts_with(&format!("{m}::")) && !m.starts_with(&format!("{d}::")) {
                own.insert(d);
            }
        }
    }
    g
}

/// Every cycle found by a depth-first walk, each as the path that closes it.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn walk(
        u: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        state.insert(u.to_owned(), 1);
        stack.push(u.to_owned());
        for v in g.get(u).into_iter().flatten() {
            if !g.contains_key(v) {
                continue;
            }
            match state.get(v) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == v).unwrap_or(0);
                    let mut c = stack[at..].to_vec();
                    c.push(v.clone());
                    found.push(c);
                }
                Some(_) => {}
                None => walk(v, g, state, stack, found),
            }
        }
        stack.pop();
        state.insert(u.to_owned(), 2);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for u in g.keys() {
        if !state.contains_key(u) {
            walk(u, g, &mut state, &mut Vec::new(), &mut found);
        }
    }
    found
}

fn crates() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let src = dir.join("src");
        if src.is_dir() {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, src));
        }
    }
    out.sort();
    out
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut all = Vec::new();
    for (name, src) in crates() {
        for c in cycles(&graph(&src)) {
            all.push(format!("{name}: {}", c.join(" -> ")));
        }
    }
    assert!(all.is_empty(), "module cycles:\n{}", all.join("\n"));
}

#[test]
fn the_check_sees_a_cycle() {
    let mut g = BTreeMap::new();
    g.insert("app".to_owned(), BTreeSet::from(["import".to_owned()]));
    g.insert("import".to_owned(), BTreeSet::from(["app".to_owned()]));
    g.insert("store::receipt".to_owned(), BTreeSet::new());
    assert_eq!(cycles(&g), vec![vec!["app", "import", "app"]]);
    let here = ["store".to_owned(), "settle".to_owned()];
    assert_eq!(
        uses(
            "use crate::store::{receipt, receivable::lines};\n\
             use crate::{wire::held, domain::posting::{Batch, Outcome}};\n\
             use super::treasury_import;\nlet x = crate::app::Loaded;\nuse crate::CollectionApp;",
            &here
        ),
        BTreeSet::from(
            [
                "store::receipt",
                "store::receivable",
                "wire",
                "domain::posting",
                "store::treasury_import",
                "app"
            ]
            .map(str::to_owned)
        )
    );
}

/// Use cases take commands and return domain types: a service's `app` does not reach for
/// protobuf.
#[test]
fn use_cases_speak_no_protobuf() {
    for service in [
        "seip-assessment",
        "seip-collection",
        "seip-arrears-enforcement",
        "seip-reporting",
    ] {
        let src = workspace().join("crates").join(service).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let app: Vec<_> = files
            .into_iter()
            .filter(|f| module_of(&src, f).as_deref() == Some("app"))
            .collect();
        assert!(!app.is_empty(), "{service} has no app module to check");
        for f in app {
            let text = code(&f);
            for forbidden in ["seip_proto", "tonic::"] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses {forbidden}",
                    f.display()
                );
            }
        }
    }
}
