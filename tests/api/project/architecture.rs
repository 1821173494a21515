//! The dependency rule of docs/architecture.md, checked against the code: every
//! `crate::` path in src/ must be one the rule table allows, and no two modules may
//! import each other (directly or through others).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The rule table: the rows of the "Dependency rule" table in docs/architecture.md,
/// `| \`module\` | \`a\`, \`b\` | why |`, as module -> modules it may use.
fn rule_table() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md"))
        .expect("docs/architecture.md exists");
    let section = doc
        .split("## Dependency rule")
        .nth(1)
        .expect("docs/architecture.md has a '## Dependency rule' section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut rules = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let module = cells[1].trim_matches('`').to_owned();
        let allowed = cells[2]
            .split(',')
            .map(|m| m.trim().trim_matches('`').to_owned())
            .filter(|m| !m.is_empty() && m != "—" && m != "-")
            .collect();
        assert!(
            rules.insert(module.clone(), allowed).is_none(),
            "module {module} has two rows in the dependency rule"
        );
    }
    assert!(!rules.is_empty(), "the dependency rule table has rows");
    rules
}

/// The top-level module a source file belongs to (`src/history/sync.rs` -> `history`).
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root().join("src")).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first identifier of a path.
fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Every top-level module a piece of code names through `crate::` (`crate::db::conn`,
/// `use crate::{auth::AuthUser, db}`), also in doc links (`/// [`crate::server::run`]`),
/// plain `//` comments left out.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("///") || t.starts_with("//!") {
                t
            } else {
                l.split("//").next().unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item_start) = (0usize, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        found.insert(ident(&group[i..]));
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

/// Module -> the other modules it uses, read from src/.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let source = std::fs::read_to_string(&file).expect("read source");
        let used = graph.entry(module.clone()).or_default();
        used.extend(crate_paths(&source).into_iter().filter(|m| *m != module));
    }
    graph
}

#[test]
fn every_import_follows_the_dependency_rule() {
    let rules = rule_table();
    let graph = imports();
    let mut broken = Vec::new();
    for (module, used) in &graph {
        let Some(allowed) = rules.get(module) else {
            broken.push(format!(
                "{module} has no row in the dependency rule of docs/architecture.md"
            ));
            continue;
        };
        for target in used.difference(allowed) {
            broken.push(format!(
                "{module} uses {target}, which the rule does not allow"
            ));
        }
    }
    for module in rules.keys().filter(|m| !graph.contains_key(*m)) {
        broken.push(format!(
            "the rule names {module}, which is not a module in src/"
        ));
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_dependency_rule_has_no_cycles() {
    let rules = rule_table();
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit<'a>(
        module: &'a str,
        rules: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|m| *m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module);
            return Some(cycle.join(" -> "));
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for next in rules.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, rules, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in rules.keys() {
        let cycle = visit(module, &rules, &mut Vec::new(), &mut done);
        assert!(cycle.is_none(), "module cycle: {}", cycle.unwrap());
    }
}

#[test]
fn crate_paths_are_read_from_use_groups_and_inline_paths() {
    let source = "use crate::{auth::{AuthUser, x}, db};\n\
                  // crate::ignored in a comment\n\
                  /// A doc link to [`crate::server::run`] counts.\n\
                  fn f() { crate::error::ApiError::new(); }";
    let found: Vec<String> = crate_paths(source).into_iter().collect();
    assert_eq!(found, ["auth", "db", "error", "server"]);
}
