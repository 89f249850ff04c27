//! The compiled view against the reference evaluator, on random organizations: random custom
//! roles (any base but super admin) and edits of standard roles, random org settings, users with
//! random roles, licences and activity. Every permission of every user must get the same answer.

use proptest::prelude::*;

use super::catalogue::{BaseRole, Licence, Permission, PermissionSet};
use super::model::{OrgModel, OrgSettings, RoleModel, UserModel};
use super::reference::evaluate;
use super::view::OrgView;
use super::RoleId;

fn base() -> impl Strategy<Value = BaseRole> {
    prop_oneof![
        Just(BaseRole::SuperAdmin),
        Just(BaseRole::Admin),
        Just(BaseRole::Member),
        Just(BaseRole::Guest),
    ]
}

/// A role's stored set as the API could leave it: only what its base may hold, any subset.
fn role(id: String, base: BaseRole, bits: u32) -> RoleModel {
    let set = Permission::all()
        .filter(|p| !p.spec().inherent && p.available_to(base))
        .fold(PermissionSet::default(), |s, p| {
            s.with(p, bits & p.bit() != 0)
        });
    RoleModel {
        id: RoleId(id.clone()),
        name: id,
        base,
        standard: false,
        permissions: set,
    }
}

fn settings() -> impl Strategy<Value = OrgSettings> {
    (any::<[bool; 8]>(), any::<[bool; 2]>(), prop::bool::ANY).prop_map(|(b, g, domains)| {
        OrgSettings {
            guest_invites: b[0],
            restrict_guest_invites_to_trusted_domains: b[1] && b[0] && domains,
            trusted_domains: if domains {
                vec!["partner.example".into()]
            } else {
                vec![]
            },
            upload_files: b[2],
            download_files_on_mobile: b[3],
            personal_access_tokens: b[4],
            apps: b[5],
            ai: b[6],
            restrict_guest_apps: g[0],
            restrict_guest_personal_access_tokens: g[1],
            ..OrgSettings::default()
        }
    })
}

fn organization() -> impl Strategy<Value = OrgModel> {
    (
        settings(),
        prop::collection::vec((base(), any::<u32>()), 4..12),
    )
        .prop_map(|(settings, roles)| {
            let mut org = OrgModel {
                settings,
                roles: Default::default(),
            };
            for (i, (b, bits)) in roles.into_iter().enumerate() {
                // The first four are the standard roles (edited at random); the rest custom.
                let (id, b) = match i {
                    0 => ("super_admin".to_owned(), BaseRole::SuperAdmin),
                    1 => ("admin".to_owned(), BaseRole::Admin),
                    2 => ("member".to_owned(), BaseRole::Member),
                    3 => ("guest".to_owned(), BaseRole::Guest),
                    _ if b == BaseRole::SuperAdmin => (format!("custom-{i}"), BaseRole::Member),
                    _ => (format!("custom-{i}"), b),
                };
                let mut r = role(id, b, bits);
                r.standard = i < 4;
                org.roles.insert(r.id.clone(), r);
            }
            org
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_view_agrees_with_the_reference_evaluator(
        org in organization(),
        users in prop::collection::vec((0usize..12, prop::bool::ANY, prop::bool::ANY), 1..8),
    ) {
        let view = OrgView::compile(1, org.clone());
        let ids: Vec<RoleId> = {
            let mut ids: Vec<RoleId> = org.roles.keys().cloned().collect();
            ids.sort();
            ids
        };
        for (i, (role, view_only, active)) in users.into_iter().enumerate() {
            let user = UserModel {
                role: ids[role % ids.len()].clone(),
                licence: if view_only { Licence::ViewOnly } else { Licence::Full },
                active,
            };
            let entry = view.remember(&format!("u{i}"), &user).unwrap();
            for p in Permission::all() {
                let reference = evaluate(&org, &user, p);
                prop_assert_eq!(
                    view.decide(entry, p),
                    reference.allowed,
                    "{} for {:?}: {:?}", p.as_str(), user, reference.reasons
                );
                // A deny always names the link that denied.
                prop_assert_eq!(reference.allowed, reference.denied_by.is_none());
            }
        }
    }
}
