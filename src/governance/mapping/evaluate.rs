//! Evaluating one user against one connection's rules: the first rule whose filter matches and
//! whose role the user may hold decides. External users hold only guest-based roles and
//! internal users never one (002 "Role assignment"), so a matching rule that breaks this is
//! skipped, reported, and evaluation goes on. No rule gives the default for the user's type.
//!
//! With several app roles on one user (Entra's complex assignments), every role is in the
//! document at once and the first rule in the list that matches any of them wins: rule order,
//! never arrival order, decides.

use serde_json::Value;

use super::rules::RuleSet;
use crate::governance::roles::{BaseRole, RoleId};
use crate::scim::filter::matches;
use crate::scim::schema::USER;

/// What the rules decided for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub role: RoleId,
    /// The index of the deciding rule; `None` when no rule matched (the type's default).
    pub rule: Option<usize>,
    /// Rules that matched but name a role the user may not hold, in order.
    pub skipped: Vec<usize>,
}

pub fn evaluate(set: &RuleSet, subject: &Value, is_external: bool) -> Outcome {
    let mut skipped = Vec::new();
    for (i, rule) in set.rules.iter().enumerate() {
        if !matches(&rule.filter, subject, &USER) {
            continue;
        }
        if is_external != (rule.base == BaseRole::Guest) {
            skipped.push(i);
            continue;
        }
        return Outcome {
            role: rule.role.clone(),
            rule: Some(i),
            skipped,
        };
    }
    let role = if is_external {
        &set.default_external
    } else {
        &set.default_internal
    };
    Outcome {
        role: role.clone(),
        rule: None,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::governance::mapping::rules::CompiledRule;
    use crate::governance::mapping::subject::normalize_roles;
    use crate::scim::filter::parse_filter;

    fn set(rules: &[(&str, &str, BaseRole)]) -> RuleSet {
        RuleSet {
            connection_id: "c".into(),
            rules: rules
                .iter()
                .map(|(f, role, base)| CompiledRule {
                    filter: parse_filter(f).unwrap(),
                    role: RoleId(role.to_string()),
                    base: *base,
                })
                .collect(),
            default_internal: RoleId("member".into()),
            default_external: RoleId("guest".into()),
        }
    }

    const DEPT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

    #[test]
    fn first_matching_rule_wins_in_list_order() {
        let rules = set(&[
            (
                &format!("{DEPT} eq \"Finance\""),
                "finance",
                BaseRole::Member,
            ),
            ("title co \"lead\"", "leads", BaseRole::Admin),
        ]);
        let user = json!({
            "userName": "a@x.com", "title": "Team Lead",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "finance" }
        });
        let out = evaluate(&rules, &user, false);
        assert_eq!((out.role.as_str(), out.rule), ("finance", Some(0)));
        let other = json!({ "userName": "b@x.com", "title": "Team Lead" });
        assert_eq!(evaluate(&rules, &other, false).rule, Some(1));
    }

    #[test]
    fn no_match_gives_the_default_for_the_users_type() {
        let rules = set(&[("title eq \"CFO\"", "finance", BaseRole::Member)]);
        let user = json!({ "userName": "a@x.com" });
        let internal = evaluate(&rules, &user, false);
        assert_eq!((internal.role.as_str(), internal.rule), ("member", None));
        assert_eq!(evaluate(&rules, &user, true).role.as_str(), "guest");
    }

    #[test]
    fn a_rule_an_external_user_may_not_follow_is_skipped_and_reported() {
        let rules = set(&[
            ("userName pr", "admin", BaseRole::Admin),
            ("userName pr", "contractors", BaseRole::Guest),
        ]);
        let user = json!({ "userName": "a@partner.com" });
        let out = evaluate(&rules, &user, true);
        assert_eq!((out.role.as_str(), out.skipped), ("contractors", vec![0]));
        // And the other way round: an internal user never gets a guest-based role.
        let out = evaluate(&rules, &user, false);
        assert_eq!((out.role.as_str(), out.skipped), ("admin", vec![]));
    }

    #[test]
    fn every_entra_app_role_shape_matches_the_same_rule() {
        let rules = set(&[(
            "roles[value eq \"Approver\"]",
            "approvers",
            BaseRole::Member,
        )]);
        let shapes = [
            json!({ "roles": [{ "primary": true, "value": "Approver", "type": "WindowsAzureActiveDirectoryRole" }] }),
            json!({ "roles": [{ "value": "{\"id\":\"1\",\"value\":\"Approver\",\"displayName\":\"Approver\"}" }] }),
            json!({ "roles": [{ "value": "Approver" }] }),
        ];
        for mut doc in shapes {
            normalize_roles(&mut doc);
            assert_eq!(evaluate(&rules, &doc, false).rule, Some(0), "{doc}");
        }
    }

    #[test]
    fn the_primary_role_path_of_the_design_matches() {
        let rules = set(&[(
            "roles[primary eq true].value eq \"Admin\"",
            "admin",
            BaseRole::Admin,
        )]);
        let doc =
            json!({ "roles": [{ "value": "Reader" }, { "value": "Admin", "primary": true }] });
        assert_eq!(evaluate(&rules, &doc, false).rule, Some(0));
        let not_primary = json!({ "roles": [{ "value": "Admin" }] });
        assert_eq!(evaluate(&rules, &not_primary, false).rule, None);
    }

    #[test]
    fn with_several_app_roles_rule_order_decides_not_arrival_order() {
        let rules = set(&[
            ("roles[value eq \"Admin\"]", "admin", BaseRole::Admin),
            ("roles[value eq \"Editor\"]", "editor", BaseRole::Member),
        ]);
        let a = json!({ "roles": [{ "value": "Editor" }, { "value": "Admin" }] });
        let b = json!({ "roles": [{ "value": "Admin" }, { "value": "Editor" }] });
        assert_eq!(evaluate(&rules, &a, false), evaluate(&rules, &b, false));
        assert_eq!(evaluate(&rules, &a, false).role.as_str(), "admin");
    }

    #[test]
    fn groups_match_by_display_name_or_id() {
        let rules = set(&[
            ("groups[display eq \"Eng Leads\"]", "leads", BaseRole::Admin),
            ("groups.value eq \"g-42\"", "g42", BaseRole::Member),
        ]);
        let lead = json!({ "groups": [{ "value": "g-1", "display": "eng leads" }] });
        assert_eq!(evaluate(&rules, &lead, false).rule, Some(0));
        let by_id = json!({ "groups": [{ "value": "g-42", "display": "Other" }] });
        assert_eq!(evaluate(&rules, &by_id, false).rule, Some(1));
    }
}
