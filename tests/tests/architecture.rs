//! The layout rules of docs/ARCHITECTURE.md, checked over the source text:
//!
//! - no import loops between the files of a crate (`domain`, `store`, `api`);
//! - no route module (a file with an `#[OpenApi]` impl) imports another one;
//! - route modules reach the database only through the store's use cases:
//!   no `sea_orm`, no `friskliv_store::db`.
//!
//! An import is a path from `crate::`, `super::` or `self::` (in a `use` or
//! inline), resolved to the file that defines the longest matching module.
//! A module's paths into its own submodules are registrations, not imports,
//! and `#[cfg(test)]` code is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModulePath = Vec<String>;

struct SourceFile {
    path: PathBuf,
    module: ModulePath,
    code: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).expect("file under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    match last.as_str() {
        "lib.rs" | "mod.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_owned()),
    }
    parts
}

/// The code without comments and without the `#[cfg(test)]` part.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut code = String::with_capacity(text.len());
    let mut in_block = false;
    for line in text.lines() {
        let mut rest = line;
        let mut kept = String::new();
        loop {
            if in_block {
                match rest.find("*/") {
                    Some(end) => {
                        rest = &rest[end + 2..];
                        in_block = false;
                    }
                    None => break,
                }
            } else {
                let line_comment = rest.find("//");
                let block_comment = rest.find("/*");
                match (line_comment, block_comment) {
                    (Some(l), b) if b.is_none_or(|b| l < b) => {
                        kept.push_str(&rest[..l]);
                        break;
                    }
                    (_, Some(b)) => {
                        kept.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    _ => {
                        kept.push_str(rest);
                        break;
                    }
                }
            }
        }
        code.push_str(&kept);
        code.push('\n');
    }
    code
}

fn load_crate(src: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .into_iter()
        // The binary's root is its own crate and reaches the library by name.
        .filter(|f| f.file_name().is_some_and(|n| n != "main.rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable source");
            SourceFile {
                module: module_of(src, &path),
                code: code_of(&text),
                path,
            }
        })
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths of a use tree or inline path starting at `text` (just after the
/// leading keyword and `::`): `a::b`, `a::{b, c::d}`, `{a, b}`.
fn paths_in(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0usize;
        let mut members = Vec::new();
        let mut start = 0usize;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    members.push(&group[start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    members.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return members
            .into_iter()
            .filter(|m| !m.trim().is_empty())
            .flat_map(paths_in)
            .collect();
    }
    let ident: String = text.chars().take_while(|c| is_ident(*c)).collect();
    if ident.is_empty() {
        return vec![vec![]];
    }
    let rest = &text[ident.len()..];
    match rest.strip_prefix("::") {
        Some(more) => paths_in(more)
            .into_iter()
            .map(|mut tail| {
                tail.insert(0, ident.clone());
                tail
            })
            .collect(),
        None => vec![vec![ident]],
    }
}

/// Every module path `file` names, resolved against its own module.
fn references(file: &SourceFile) -> Vec<ModulePath> {
    let code = &file.code;
    let mut found = Vec::new();
    for (at, _) in code.match_indices("::") {
        let head_start = code[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_ident(*c))
            .last()
            .map(|(i, _)| i)
            .unwrap_or(at);
        let head = &code[head_start..at];
        let before = code[..head_start].chars().next_back();
        // Only path starts: not `a::crate`, not `$crate`.
        if before.is_some_and(|c| c == ':' || c == '$' || is_ident(c)) {
            continue;
        }
        let mut base = match head {
            "crate" => vec![],
            "self" => file.module.clone(),
            "super" => {
                let mut m = file.module.clone();
                m.pop();
                m
            }
            _ => continue,
        };
        let mut tail = &code[at + 2..];
        // `super::super::…`
        while head == "super" && tail.starts_with("super::") {
            base.pop();
            tail = &tail["super::".len()..];
        }
        for path in paths_in(tail) {
            let mut full = base.clone();
            full.extend(path.into_iter().filter(|s| s != "self"));
            found.push(full);
        }
    }
    found
}

/// The file that defines the longest module prefix of `path`.
fn defining_file<'a>(files: &'a [SourceFile], path: &ModulePath) -> Option<&'a SourceFile> {
    files
        .iter()
        .filter(|f| path.starts_with(&f.module))
        .max_by_key(|f| f.module.len())
}

fn edges(files: &[SourceFile]) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in files {
        let targets = graph.entry(file.path.clone()).or_default();
        for reference in references(file) {
            let Some(target) = defining_file(files, &reference) else {
                continue;
            };
            let registration = target.module.starts_with(&file.module);
            if target.path != file.path && !registration {
                targets.insert(target.path.clone());
            }
        }
    }
    graph
}

/// One cycle through the graph, if there is one (depth-first search).
fn find_cycle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        marks: &mut BTreeMap<PathBuf, Mark>,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let from = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, marks, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if !marks.contains_key(node) {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(node, graph, &mut marks, &mut stack) {
                return Some(cycle);
            }
        }
    }
    None
}

fn shown(paths: &[PathBuf]) -> String {
    let root = workspace();
    paths
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

#[test]
fn no_file_of_a_crate_imports_a_file_that_imports_it_back() {
    for krate in ["domain", "store", "api", "mobile-sdk"] {
        let files = load_crate(&workspace().join(krate).join("src"));
        assert!(files.len() > 3, "{krate}: found its sources");
        if let Some(cycle) = find_cycle(&edges(&files)) {
            panic!("{krate}: an import loop: {}", shown(&cycle));
        }
    }
}

#[test]
fn no_route_module_imports_another_or_the_database() {
    let files = load_crate(&workspace().join("api/src"));
    let is_route = |f: &SourceFile| f.code.contains("#[OpenApi");
    let routes: Vec<&SourceFile> = files.iter().filter(|f| is_route(f)).collect();
    assert!(routes.len() >= 10, "found the route modules");
    let graph = edges(&files);
    let mut problems = Vec::new();
    for route in &routes {
        for target in &graph[&route.path] {
            let target_file = files.iter().find(|f| &f.path == target).expect("known");
            let ancestor = route.module.starts_with(&target_file.module);
            if is_route(target_file) && !ancestor {
                problems.push(format!(
                    "{} imports the route module {}",
                    shown(std::slice::from_ref(&route.path)),
                    shown(std::slice::from_ref(target))
                ));
            }
        }
        for forbidden in ["sea_orm", "friskliv_store::db"] {
            if route.code.contains(forbidden) {
                problems.push(format!(
                    "{} names {forbidden}: routes reach the database through the store's use cases",
                    shown(std::slice::from_ref(&route.path))
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_a_loop_and_a_route_import() {
    let file = |path: &str, module: &[&str], code: &str| SourceFile {
        path: PathBuf::from(path),
        module: module.iter().map(|s| s.to_string()).collect(),
        code: code_of(code),
    };
    let files = vec![
        file("lib.rs", &[], "pub mod a; pub mod b;"),
        file("a.rs", &["a"], "use crate::b::{One, two::Three};"),
        file("b.rs", &["b"], "fn f() { super::a::g(); } // crate::c::x"),
    ];
    let cycle = find_cycle(&edges(&files)).expect("a ↔ b is a loop");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 3);
    let without = vec![
        file("lib.rs", &[], "pub mod a; pub mod b; use crate::a::x;"),
        file("a.rs", &["a"], "use crate::b::{One, two::Three};"),
        file("b.rs", &["b"], "// use super::a::g;\nfn f() {}"),
    ];
    assert_eq!(find_cycle(&edges(&without)), None);
}
