//! One decision in process: the compiled per-organization view with 1,000 custom roles and
//! 100,000 remembered users, asked for random (user, permission) pairs. Not a test: it prints
//! the median and percentiles of batches of decisions, timed with `std::time::Instant`.
//!
//! ```text
//! cargo bench --bench decisions            # BENCH_ROLES=1000 BENCH_USERS=100000
//! ```
//!
//! What is timed is what `POST /api/v1/authorize` asks once the view knows the user: a map
//! lookup of the user, then a bit test on their compiled role. The compile itself (the rebuild
//! after a change) is timed once and printed too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use gatehouse::governance::roles::catalogue::{BaseRole, Licence, Permission, PermissionSet};
use gatehouse::governance::roles::model::{OrgModel, OrgSettings, RoleModel, UserModel};
use gatehouse::governance::roles::view::OrgView;
use gatehouse::governance::roles::RoleId;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small xorshift: reproducible and free of dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() {
    let n_roles = env("BENCH_ROLES", 1000);
    let n_users = env("BENCH_USERS", 100_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    let mut roles = HashMap::new();
    for base in BaseRole::ALL {
        let id = RoleId::standard(base);
        let permissions = PermissionSet::defaults_for(base);
        roles.insert(
            id.clone(),
            RoleModel {
                id,
                name: base.as_str().into(),
                base,
                standard: true,
                permissions,
            },
        );
    }
    for i in 0..n_roles {
        let base = [BaseRole::Admin, BaseRole::Member, BaseRole::Guest][i % 3];
        let id = RoleId::new_custom();
        let permissions = PermissionSet(rng.next() as u32 & PermissionSet::defaults_for(base).0);
        roles.insert(
            id.clone(),
            RoleModel {
                id,
                name: format!("custom {i}"),
                base,
                standard: false,
                permissions,
            },
        );
    }
    let role_ids: Vec<RoleId> = roles.keys().cloned().collect();
    let model = OrgModel {
        settings: OrgSettings {
            upload_files: false,
            ..OrgSettings::default()
        },
        roles,
    };

    let started = Instant::now();
    let view = OrgView::compile(1, model);
    let compile = started.elapsed();

    let mut entries = Vec::with_capacity(n_users);
    for i in 0..n_users {
        let user = UserModel {
            role: role_ids[rng.next() as usize % role_ids.len()].clone(),
            licence: if i % 10 == 0 {
                Licence::ViewOnly
            } else {
                Licence::Full
            },
            active: true,
        };
        let id = uuid::Uuid::new_v4().to_string();
        view.remember(&id, &user);
        entries.push(id);
    }
    let permissions: Vec<Permission> = Permission::all().collect();

    // Batches of decisions; the per-decision time of each batch is one sample.
    const BATCH: usize = 1000;
    let samples = env("BENCH_SAMPLES", 2000);
    let mut per_decision_ns = Vec::with_capacity(samples);
    let mut granted = 0usize;
    for _ in 0..samples {
        let picks: Vec<(usize, usize)> = (0..BATCH)
            .map(|_| {
                (
                    rng.next() as usize % entries.len(),
                    rng.next() as usize % permissions.len(),
                )
            })
            .collect();
        let started = Instant::now();
        for (u, p) in &picks {
            let entry = view.user(black_box(&entries[*u])).unwrap();
            granted += usize::from(view.decide(entry, black_box(permissions[*p])));
        }
        per_decision_ns.push(started.elapsed().as_nanos() as f64 / BATCH as f64);
    }
    per_decision_ns.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| per_decision_ns[((per_decision_ns.len() - 1) as f64 * q) as usize];
    println!(
        "decisions: {} roles ({} custom), {} users, {} decisions",
        role_ids.len(),
        n_roles,
        n_users,
        samples * BATCH
    );
    println!(
        "compile of the view: {:.2} ms",
        compile.as_secs_f64() * 1000.0
    );
    println!(
        "one decision (user lookup + bit test): median {:.0} ns, p90 {:.0} ns, p99 {:.0} ns",
        at(0.5),
        at(0.9),
        at(0.99)
    );
    println!("({granted} allowed)");
}
