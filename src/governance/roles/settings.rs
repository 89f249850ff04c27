//! Org-wide governance settings and verified domains (reference 002 "Organization settings",
//! "Set role defaults", "Changes to verified org emails").
//!
//! A user is *internal* when their userName or any of their emails is at one of the
//! organization's verified domains (exact domain, no subdomains), and *external* otherwise.
//! Adding or removing a verified domain moves every user whose type changes to the role default
//! of their new type, in the same transaction, with one audit event per moved user (two
//! set-based statements however many users move; see `db::user_roles::retype_users`).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::catalogue::BaseRole;
use super::model::OrgSettings;
use super::GovernanceError;
use crate::audit::{self, AuditEvent};
use crate::db::roles::{self as store, SettingsRow};
use crate::db::user_roles::{self, Retype};
use crate::db::{orgs, transaction, DbConnection, DbError};
use crate::governance::mapping::remap;
use crate::rbac::{Authorized, ManageOrgSettings, ViewMembers};

/// A change to the org settings; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub guest_invites: Option<bool>,
    pub restrict_guest_invites_to_trusted_domains: Option<bool>,
    pub trusted_domains: Option<Vec<String>>,
    pub upload_files: Option<bool>,
    pub download_files_on_mobile: Option<bool>,
    pub personal_access_tokens: Option<bool>,
    pub apps: Option<bool>,
    pub ai: Option<bool>,
    pub restrict_guest_apps: Option<bool>,
    pub restrict_guest_personal_access_tokens: Option<bool>,
    pub default_internal_role: Option<String>,
    pub default_external_role: Option<String>,
}

/// The settings with the governance version they were read at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingsView {
    #[serde(flatten)]
    pub settings: OrgSettings,
    pub governance_version: i64,
}

fn read(conn: &mut DbConnection, org: &str) -> Result<SettingsRow, GovernanceError> {
    store::find_settings(conn, org)?
        .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
) -> Result<SettingsView, GovernanceError> {
    let row = read(conn, auth.org_id.as_str())?;
    Ok(SettingsView {
        settings: OrgSettings::from_row(&row),
        governance_version: row.governance_version,
    })
}

/// A domain as gatehouse accepts it: lower-case letters, digits, dots and hyphens, with a dot.
pub fn valid_domain(domain: &str) -> Result<String, GovernanceError> {
    let d = domain.trim().to_lowercase();
    let ok = d.len() <= 253
        && d.contains('.')
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if ok {
        Ok(d)
    } else {
        Err(GovernanceError::Invalid(format!(
            "{domain:?} is not a domain name"
        )))
    }
}

fn default_role(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    external: bool,
) -> Result<(), GovernanceError> {
    let which = if external {
        "default_external_role"
    } else {
        "default_internal_role"
    };
    let role = store::find_role(conn, org, id)?
        .ok_or_else(|| GovernanceError::Invalid(format!("{which}: no role {id:?}")))?;
    let base = BaseRole::parse(&role.base_role);
    match (external, base) {
        (true, Some(BaseRole::Guest)) => Ok(()),
        (true, _) => Err(GovernanceError::Invalid(format!(
            "{which}: external users may hold only guest-based roles"
        ))),
        (false, Some(BaseRole::Guest)) => Err(GovernanceError::Invalid(format!(
            "{which}: internal users never hold guest-based roles"
        ))),
        (false, Some(BaseRole::SuperAdmin)) => Err(GovernanceError::Invalid(format!(
            "{which}: super admin cannot be a role default"
        ))),
        (false, _) => Ok(()),
    }
}

pub fn update(
    conn: &mut DbConnection,
    auth: &Authorized<ManageOrgSettings>,
    patch: &SettingsPatch,
) -> Result<SettingsView, GovernanceError> {
    let org = auth.org_id.as_str();
    let trusted = match &patch.trusted_domains {
        Some(list) => {
            let mut domains = list
                .iter()
                .map(|d| valid_domain(d))
                .collect::<Result<Vec<_>, _>>()?;
            domains.sort();
            domains.dedup();
            Some(domains.join(","))
        }
        None => None,
    };
    transaction(conn, |conn| {
        let before = read(conn, org)?;
        let mut row = before.clone();
        let set = |v: &mut bool, new: Option<bool>| {
            if let Some(n) = new {
                *v = n;
            }
        };
        set(&mut row.guest_invites, patch.guest_invites);
        set(
            &mut row.restrict_guest_invites,
            patch.restrict_guest_invites_to_trusted_domains,
        );
        set(&mut row.upload_files, patch.upload_files);
        set(
            &mut row.download_files_on_mobile,
            patch.download_files_on_mobile,
        );
        set(
            &mut row.personal_access_tokens,
            patch.personal_access_tokens,
        );
        set(&mut row.apps, patch.apps);
        set(&mut row.ai, patch.ai);
        set(&mut row.restrict_guest_apps, patch.restrict_guest_apps);
        set(
            &mut row.restrict_guest_personal_access_tokens,
            patch.restrict_guest_personal_access_tokens,
        );
        if let Some(t) = &trusted {
            row.trusted_domains = t.clone();
        }
        if let Some(r) = &patch.default_internal_role {
            default_role(conn, org, r, false)?;
            row.default_internal_role = r.clone();
        }
        if let Some(r) = &patch.default_external_role {
            default_role(conn, org, r, true)?;
            row.default_external_role = r.clone();
        }
        // 001: the trusted-domain restriction needs guest invites on and a domain list.
        if row.restrict_guest_invites && (row.trusted_domains.is_empty() || !row.guest_invites) {
            return Err(GovernanceError::Invalid(
                "restrict_guest_invites_to_trusted_domains needs guest_invites on and at least \
                 one trusted domain"
                    .into(),
            ));
        }
        if !store::update_settings(conn, &row, crate::clock::now())? {
            return Err(GovernanceError::Retry);
        }
        // Reference: "Turning off PATs will cause all existing personal access tokens ... to be
        // revoked and blocked"; turning them back on revives none. The caller clears the
        // admin credential cache after the commit.
        if before.personal_access_tokens && !row.personal_access_tokens {
            crate::governance::tokens::personal::revoke_all_for_switch(
                conn,
                &auth.org_id,
                &auth.actor(),
            )?;
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "org.settings_changed",
                target_kind: "organization",
                target_id: org,
                details: json!({
                    "before": OrgSettings::from_row(&before),
                    "after": OrgSettings::from_row(&row),
                }),
            },
        )?;
        Ok(SettingsView {
            settings: OrgSettings::from_row(&row),
            governance_version: row.governance_version + 1,
        })
    })
}

pub fn list_domains(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
) -> Result<Vec<String>, GovernanceError> {
    Ok(user_roles::verified_domains(conn, auth.org_id.as_str())?)
}

/// What a domain change did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DomainChange {
    pub domain: String,
    pub users_moved: usize,
}

pub fn add_domain(
    conn: &mut DbConnection,
    auth: &Authorized<ManageOrgSettings>,
    domain: &str,
) -> Result<DomainChange, GovernanceError> {
    let domain = valid_domain(domain)?;
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let settings = OrgSettings::from_row(&read(conn, org)?);
        orgs::insert_domain(conn, &auth.org_id, &domain, true).map_err(
            |e| match DbError::from(e) {
                DbError::UniqueViolation(_) => {
                    GovernanceError::Conflict(format!("the domain {domain} is already registered"))
                }
                other => other.into(),
            },
        )?;
        let moved = retype(
            conn,
            auth,
            true,
            std::slice::from_ref(&domain),
            &[],
            &settings,
            "verified domain added",
        )?;
        store::bump_governance_version(conn, org)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "org.domain_added",
                target_kind: "organization",
                target_id: org,
                details: json!({ "domain": domain, "users_moved": moved }),
            },
        )?;
        Ok(DomainChange {
            domain: domain.clone(),
            users_moved: moved,
        })
    })
}

pub fn remove_domain(
    conn: &mut DbConnection,
    auth: &Authorized<ManageOrgSettings>,
    domain: &str,
) -> Result<DomainChange, GovernanceError> {
    let domain = domain.trim().to_lowercase();
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let settings = OrgSettings::from_row(&read(conn, org)?);
        if !user_roles::delete_domain(conn, org, &domain)? {
            return Err(GovernanceError::NotFound(format!(
                "{domain:?} is not a domain of this organization"
            )));
        }
        let remaining = user_roles::verified_domains(conn, org)?;
        let moved = retype(
            conn,
            auth,
            false,
            std::slice::from_ref(&domain),
            &remaining,
            &settings,
            "verified domain removed",
        )?;
        // Removing a domain must not leave the organization without a super admin.
        if user_roles::count_holders(conn, org, BaseRole::SuperAdmin.as_str())? == 0 {
            return Err(GovernanceError::Conflict(format!(
                "removing {domain} would make every super admin external; add another verified \
                 domain for them first"
            )));
        }
        store::bump_governance_version(conn, org)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "org.domain_removed",
                target_kind: "organization",
                target_id: org,
                details: json!({ "domain": domain, "users_moved": moved }),
            },
        )?;
        Ok(DomainChange {
            domain: domain.clone(),
            users_moved: moved,
        })
    })
}

fn retype(
    conn: &mut DbConnection,
    auth: &Authorized<ManageOrgSettings>,
    from_external: bool,
    matching: &[String],
    excluded: &[String],
    settings: &OrgSettings,
    reason: &str,
) -> Result<usize, GovernanceError> {
    // 002: "affected users will receive the org default role corresponding to their new role
    // type".
    let role = if from_external {
        &settings.default_internal_role
    } else {
        &settings.default_external_role
    };
    let (moved, mapped) = user_roles::retype_users(
        conn,
        &Retype {
            org_id: auth.org_id.as_str(),
            from_external,
            matching,
            excluded,
            role: role.as_str(),
            actor_kind: "user",
            actor_id: auth.user_id.as_str(),
            reason,
            now: crate::clock::now(),
            request_id: crate::telemetry::current_request_id(),
            mapped_sources: crate::governance::mapping::MAPPED_SOURCES,
        },
    )?;
    // Users whose role an IdP's mapping decides keep it through the rules, which see the new
    // type (an external user's non-guest rule is skipped).
    let ids: Vec<&str> = mapped.iter().map(String::as_str).collect();
    let remapped = remap::remap_users(
        conn,
        &auth.org_id,
        &auth.actor(),
        &ids,
        remap::Cause::DomainChanged,
    )?;
    Ok(moved + remapped)
}

/// Whether any of `addresses` (a userName, emails) is at one of `domains`.
pub fn is_internal<'a>(addresses: impl IntoIterator<Item = &'a str>, domains: &[String]) -> bool {
    addresses.into_iter().any(|a| {
        a.rsplit_once('@')
            .is_some_and(|(_, d)| domains.iter().any(|v| v.eq_ignore_ascii_case(d)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_internal_when_any_address_is_at_a_verified_domain() {
        let domains = vec!["example.com".to_owned()];
        assert!(is_internal(["x@other.org", "Bob@Example.com"], &domains));
        assert!(!is_internal(["bob@sub.example.com", "bob"], &domains));
    }

    #[test]
    fn domains_are_validated_and_lowercased() {
        assert_eq!(valid_domain(" Example.COM ").unwrap(), "example.com");
        assert!(valid_domain("a%b.com").is_err());
        assert!(valid_domain("nodot").is_err());
    }
}
