//! The pure half of Bulk (RFC 7644 §3.7): finding `bulkId:` references, replacing them with the
//! ids the referenced POSTs created, and ordering the operations so that each one runs after the
//! operations it references (§3.7.2: references resolve whatever the order of the request).
//! Circular references are found as strongly connected components (§3.7.1). No recursion: a
//! long chain of references cannot exhaust the stack.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// The literal prefix of a reference (RFC 7644 §3.7.2): `"bulkId:qwerty"`.
pub const PREFIX: &str = "bulkId:";

/// The bulkId a whole value references, if it is a reference.
fn whole(s: &str) -> Option<&str> {
    s.strip_prefix(PREFIX).filter(|id| !id.is_empty())
}

/// The bulkIds referenced as quoted filter values inside a PATCH path, e.g.
/// `members[value eq "bulkId:qwerty"]`.
fn quoted(s: &str) -> impl Iterator<Item = &str> {
    let needle = "\"bulkId:";
    s.match_indices(needle).filter_map(move |(at, _)| {
        let rest = &s[at + needle.len()..];
        rest.find('"')
            .map(|end| &rest[..end])
            .filter(|id| !id.is_empty())
    })
}

/// Every string in `value`, with whether it is the value of a `path` member (a PATCH path).
fn strings<'a>(value: &'a Value, out: &mut Vec<(&'a str, bool)>) {
    let mut pending: Vec<(&Value, bool)> = vec![(value, false)];
    while let Some((v, in_path)) = pending.pop() {
        match v {
            Value::String(s) => out.push((s, in_path)),
            Value::Array(items) => pending.extend(items.iter().rev().map(|i| (i, false))),
            Value::Object(map) => pending.extend(
                map.iter()
                    .rev()
                    .map(|(k, i)| (i, k.eq_ignore_ascii_case("path"))),
            ),
            _ => {}
        }
    }
}

/// The bulkIds an operation references, each once, in the order they appear: its target id
/// (`/Groups/bulkId:qwerty`), any whole string value of its data, and quoted values in PATCH
/// paths.
pub fn references(target_id: Option<&str>, data: Option<&Value>) -> Vec<String> {
    // A set beside the list keeps this linear in the references of a big group's members.
    let mut found: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |id: &str| {
        if !seen.contains(id) {
            seen.insert(id.to_owned());
            found.push(id.to_owned());
        }
    };
    if let Some(id) = target_id.and_then(whole) {
        add(id);
    }
    let mut all = Vec::new();
    if let Some(data) = data {
        strings(data, &mut all);
    }
    for (s, in_path) in all {
        if let Some(id) = whole(s) {
            add(id);
        } else if in_path {
            quoted(s).for_each(&mut add);
        }
    }
    found
}

/// `s` with its reference replaced, if it is a whole reference to a created resource.
pub fn resolve_str(s: &str, created: &HashMap<String, String>) -> Option<String> {
    whole(s).and_then(|id| created.get(id)).cloned()
}

/// Replaces every reference in `value` with the id it stands for (references to anything not in
/// `created` are left alone; the caller checks them first).
pub fn substitute(value: &mut Value, created: &HashMap<String, String>) {
    let mut pending: Vec<(&mut Value, bool)> = vec![(value, false)];
    while let Some((v, in_path)) = pending.pop() {
        match v {
            Value::String(s) => {
                if let Some(id) = resolve_str(s, created) {
                    *s = id;
                } else if in_path {
                    let named: Vec<String> = quoted(s).map(str::to_owned).collect();
                    for bulk_id in named {
                        if let Some(id) = created.get(&bulk_id) {
                            *s = s.replace(&format!("\"{PREFIX}{bulk_id}\""), &format!("\"{id}\""));
                        }
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut().map(|i| (i, false))),
            Value::Object(map) => pending.extend(
                map.iter_mut()
                    .map(|(k, i)| (i, k.eq_ignore_ascii_case("path"))),
            ),
            _ => {}
        }
    }
}

/// In what order the operations run, and which of them are on a circular reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Every operation once: request order, except that an operation comes after the operations
    /// it depends on (a depth-first post-order from each operation in request order).
    pub order: Vec<usize>,
    /// `circular[i]`: operation `i` is on a cycle of references (RFC 7644 §3.7.1).
    pub circular: Vec<bool>,
}

/// Plans operations whose dependencies are `deps[i]` (indices of the operations that operation
/// `i` references). An operation that is not on a cycle comes after all of its dependencies.
pub fn plan(deps: &[Vec<usize>]) -> Plan {
    let n = deps.len();
    let edges = |v: usize| deps[v].iter().copied().filter(move |&w| w < n);
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some(&(v, edge)) = stack.last() {
            match edges(v).nth(edge) {
                Some(w) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    if !seen[w] {
                        seen[w] = true;
                        stack.push((w, 0));
                    }
                }
                None => {
                    stack.pop();
                    order.push(v);
                }
            }
        }
    }
    Plan {
        order,
        circular: circular(deps),
    }
}

/// Which nodes are on a cycle: members of a strongly connected component with more than one
/// node, or with a reference to itself (Tarjan's algorithm, iteratively).
fn circular(deps: &[Vec<usize>]) -> Vec<bool> {
    const UNSEEN: usize = usize::MAX;
    let n = deps.len();
    let edges = |v: usize| deps[v].iter().copied().filter(move |&w| w < n);
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut out = vec![false; n];
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        component.push(root);
        on_stack[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some(&(v, edge)) = stack.last() {
            if let Some(w) = edges(v).nth(edge) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    component.push(w);
                    on_stack[w] = true;
                    stack.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            stack.pop();
            if let Some(&(parent, _)) = stack.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = component.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                if members.len() > 1 || edges(v).any(|w| w == v) {
                    for m in members {
                        out[m] = true;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_found_in_the_target_the_data_and_patch_paths() {
        let data = json!({
            "displayName": "Tour Guides",
            "members": [{ "value": "bulkId:u1" }, { "value": "bulkId:u2" }, { "value": "x" }],
            "Operations": [{ "op": "remove", "path": "members[value eq \"bulkId:u3\"]" }],
        });
        let refs = references(Some("bulkId:g"), Some(&data));
        assert_eq!(refs, ["g", "u1", "u2", "u3"]);
        assert!(references(Some("abc"), Some(&json!({"a": "bulkId:"}))).is_empty());
        assert!(references(None, Some(&json!({"note": "see \"bulkId:x\""}))).is_empty());
    }

    #[test]
    fn substitution_replaces_whole_values_and_quoted_path_values() {
        let created: HashMap<String, String> = [("u1".into(), "id-1".into())].into();
        let mut data = json!({
            "members": [{ "value": "bulkId:u1" }, { "value": "bulkId:other" }],
            "Operations": [{ "path": "members[value eq \"bulkId:u1\"]" }],
            "title": "bulkId:u1 and more",
        });
        substitute(&mut data, &created);
        assert_eq!(data["members"][0]["value"], "id-1");
        assert_eq!(data["members"][1]["value"], "bulkId:other");
        assert_eq!(data["Operations"][0]["path"], "members[value eq \"id-1\"]");
        assert_eq!(data["title"], "bulkId:u1 and more");
    }

    #[test]
    fn operations_run_after_what_they_reference() {
        // 0 references 1 and 2; 2 references 1; 3 is independent.
        let p = plan(&[vec![1, 2], vec![], vec![1], vec![]]);
        assert_eq!(p.order, [1, 2, 0, 3]);
        assert_eq!(p.circular, [false; 4]);
    }

    #[test]
    fn cycles_and_self_references_are_circular_but_their_dependents_are_not() {
        // 0 <-> 1 is a cycle; 2 depends on it; 3 references itself; 4 -> 5 -> 6 -> 4 with an
        // extra edge 6 -> 5; 7 is independent.
        let deps = [
            vec![1],
            vec![0],
            vec![0],
            vec![3],
            vec![5],
            vec![6],
            vec![4, 5],
            vec![],
        ];
        let p = plan(&deps);
        assert_eq!(
            p.circular,
            [true, true, false, true, true, true, true, false]
        );
        let at = |i: usize| p.order.iter().position(|&o| o == i).unwrap();
        assert!(at(0) < at(2) && at(1) < at(2));
        let mut sorted = p.order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn a_node_that_reaches_a_cycle_only_through_a_finished_node_is_still_found() {
        // 0 -> 1 -> 0 and 0 -> 2 -> 1: 2 is on the cycle 0 -> 2 -> 1 -> 0.
        let p = plan(&[vec![1, 2], vec![0], vec![1]]);
        assert_eq!(p.circular, [true, true, true]);
    }

    #[test]
    fn a_long_chain_does_not_recurse() {
        let n = 100_000;
        let deps: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).take(n - 1).collect();
        let mut deps = deps;
        deps.push(vec![]);
        let p = plan(&deps);
        assert_eq!(p.order.first(), Some(&(n - 1)));
        assert!(p.circular.iter().all(|c| !c));
    }
}
