//! SCIM Users: create, read, replace, patch, delete and list (RFC 7644 §3.3–§3.6).

use serde_json::{json, Value};

use super::stewardship::{self, Stewardship};
use super::{
    check_if_match, check_length, listing, not_found, render, Caller, DirectoryError, Resource,
};
use crate::audit::{self, AuditEvent};
use crate::db::groups::{self as group_store, MembershipRow};
use crate::db::users::{self as store, EmailColumns, UserColumns, UserGovernance, UserRow};
use crate::db::{transaction, DbConnection, DbError};
use crate::governance::mapping::remap::{remap_users, Cause};
use crate::ids::UserId;
use crate::scim::patch::{apply_patch, PatchOp};
use crate::scim::resource::prepare_write;
use crate::scim::schema::USER;
use crate::scim::ScimError;

/// POST /Users.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    body: Value,
) -> Result<Resource, DirectoryError> {
    let mut doc = prepare_document(caller.dialect.resource(&USER, body))?;
    // A new user is active unless the IdP says otherwise; storing it makes `active` explicit in
    // every read (Okta's first check expects it).
    if let Some(map) = doc.as_object_mut() {
        map.entry("active").or_insert(Value::Bool(true));
    }
    let cols = columns_of(&doc)?;
    transaction(conn, |conn| {
        let id = UserId::new();
        let now = crate::clock::now();
        // The role default for the user's type (internal when userName or an email is at a
        // verified domain); role mapping refines this.
        let addresses = emails_of(&doc).into_iter().map(|e| e.value);
        let addresses: Vec<String> = std::iter::once(cols.user_name.clone())
            .chain(addresses)
            .collect();
        let (role, is_external) = crate::governance::roles::assignment::initial_role(
            conn,
            caller.org_id.as_str(),
            addresses.iter().map(String::as_str),
        )
        .map_err(governance_failure)?;
        let gov = UserGovernance {
            role: role.as_str(),
            role_source: "default",
            is_external,
            managed_by: caller.connection_id.as_deref(),
        };
        store::insert_user(conn, caller.org_id.as_str(), id.as_str(), &cols, &gov, now)
            .map_err(|e| unique_user_name(e, &cols.user_name))?;
        store::replace_emails(conn, caller.org_id.as_str(), id.as_str(), &emails_of(&doc))?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &caller.org_id,
                actor: &caller.actor,
                action: "user.created",
                target_kind: "user",
                target_id: id.as_str(),
                details: json!({ "userName": cols.user_name, "active": cols.active }),
            },
        )?;
        remap_users(
            conn,
            &caller.org_id,
            &caller.actor,
            &[id.as_str()],
            Cause::UserCreated,
        )?;
        if is_external {
            crate::governance::apps::decide::block_apps_for_joining_guest(
                conn,
                &caller.org_id,
                id.as_str(),
            )
            .map_err(governance_failure)?;
        }
        load(conn, caller, id.as_str())
    })
}

/// A governance step of a directory write that failed: storage stays storage; anything else (an
/// organization without settings) is an outage of that part, never the client's fault.
fn governance_failure(e: crate::governance::roles::GovernanceError) -> DirectoryError {
    match e {
        crate::governance::roles::GovernanceError::Db(db) => DirectoryError::Db(db),
        other => DirectoryError::Db(DbError::Unavailable(other.to_string())),
    }
}

/// GET /Users/{id}.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<Resource, DirectoryError> {
    load(conn, caller, id)
}

/// PUT /Users/{id}: replaces every client-writable attribute (RFC 7644 §3.5.1).
pub fn replace(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Value,
    if_match: Option<&str>,
) -> Result<Resource, DirectoryError> {
    let doc = prepare_document(caller.dialect.resource(&USER, body))?;
    let cols = columns_of(&doc)?;
    transaction(conn, |conn| {
        let row = find(conn, caller, id)?;
        check_if_match(if_match, version_of(conn, caller, &row)?)?;
        let stewardship = stewardship::authorize_change(conn, caller, &row)?;
        let old = render::document(&row.attributes);
        write(
            conn,
            caller,
            (&row, stewardship),
            &cols,
            &doc,
            if_match.is_some(),
            "user.replaced",
            &Value::Object(old),
        )?;
        load(conn, caller, id)
    })
}

/// PATCH /Users/{id} (RFC 7644 §3.5.2): all operations apply, or none.
pub fn patch(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    ops: Vec<PatchOp>,
    if_match: Option<&str>,
) -> Result<Resource, DirectoryError> {
    let ops = caller.dialect.patch_ops(&USER, ops);
    transaction(conn, |conn| {
        let row = find(conn, caller, id)?;
        check_if_match(if_match, version_of(conn, caller, &row)?)?;
        let stewardship = stewardship::authorize_change(conn, caller, &row)?;
        let old = Value::Object(render::document(&row.attributes));
        let mut doc = old.clone();
        if !apply_patch(&mut doc, &ops, &USER)? {
            return load(conn, caller, id);
        }
        let doc = prepare_document(doc)?;
        if doc == old {
            return load(conn, caller, id);
        }
        let cols = columns_of(&doc)?;
        write(
            conn,
            caller,
            (&row, stewardship),
            &cols,
            &doc,
            if_match.is_some(),
            "user.patched",
            &old,
        )?;
        load(conn, caller, id)
    })
}

/// DELETE /Users/{id}: removes the user and its memberships.
pub fn delete(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), DirectoryError> {
    transaction(conn, |conn| {
        let row = find(conn, caller, id)?;
        check_if_match(if_match, version_of(conn, caller, &row)?)?;
        stewardship::authorize_change(conn, caller, &row)?;
        stewardship::keep_a_super_admin(conn, caller, &row, false)?;
        let org = caller.org_id.as_str();
        // Each group the user was in loses a member: a new version for each.
        let groups = group_store::group_ids_of(conn, org, id)?;
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        group_store::bump_versions(conn, org, &groups, crate::clock::now())?;
        let memberships = group_store::delete_memberships_of(conn, org, id)?;
        if memberships != groups.len() {
            // A member add committed after our read of the user's groups: that group lost a
            // member without a new version. Run the whole delete again to see it.
            return Err(DirectoryError::Conflict);
        }
        // Their own project memberships go with them; projects they owned lose their owner.
        let user = crate::governance::projects::MemberKind::User;
        crate::governance::projects::memberships::forget_member(
            conn,
            &caller.org_id,
            &caller.actor,
            user,
            id,
        )?;
        if !store::delete_user(conn, org, id)? {
            return Err(DirectoryError::Conflict);
        }
        // Compiled decision views remember users: a deleted one must be forgotten.
        crate::db::roles::bump_governance_version(conn, org)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &caller.org_id,
                actor: &caller.actor,
                action: "user.deleted",
                target_kind: "user",
                target_id: id,
                details: json!({ "userName": row.user_name, "memberships_removed": memberships }),
            },
        )?;
        Ok(())
    })
}

/// GET /Users and POST /Users/.search.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &listing::ListQuery,
) -> Result<listing::ListResult, DirectoryError> {
    listing::list_users(conn, caller, query)
}

#[allow(clippy::too_many_arguments)]
fn write(
    conn: &mut DbConnection,
    caller: &Caller,
    (row, stewardship): (&UserRow, Stewardship),
    cols: &UserColumns,
    doc: &Value,
    client_checked_version: bool,
    action: &str,
    old: &Value,
) -> Result<(), DirectoryError> {
    stewardship::keep_a_super_admin(conn, caller, row, cols.active)?;
    let org = caller.org_id.as_str();
    let written = store::update_user(conn, org, &row.id, row.version, cols, crate::clock::now())
        .map_err(|e| unique_user_name(e, &cols.user_name))?;
    if !written {
        // Someone else wrote between our read and our write. With If-Match the client asked for
        // exactly that version: it loses (412). Without, we run the whole transaction again.
        return Err(if client_checked_version {
            ScimError::PreconditionFailed("the resource was changed by another request".into())
                .into()
        } else {
            DirectoryError::Conflict
        });
    }
    store::replace_emails(conn, org, &row.id, &emails_of(doc))?;
    if stewardship == Stewardship::TakeOver {
        stewardship::take_over(conn, caller, row)?;
    }
    if row.active != cols.active {
        // A deactivated user may do nothing: compiled decision views must notice.
        crate::db::roles::bump_governance_version(conn, org)?;
    }
    audit::record(
        conn,
        AuditEvent {
            org_id: &caller.org_id,
            actor: &caller.actor,
            action,
            target_kind: "user",
            target_id: &row.id,
            details: json!({ "changed": changed_attributes(old, doc) }),
        },
    )?;
    // After the take-over, so a user this connection just took over is mapped by its rules.
    remap_users(
        conn,
        &caller.org_id,
        &caller.actor,
        &[&row.id],
        Cause::UserChanged,
    )?;
    Ok(())
}

fn find(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<UserRow, DirectoryError> {
    store::find_user(conn, caller.org_id.as_str(), id)?.ok_or_else(|| not_found("User", id).into())
}

fn load(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<Resource, DirectoryError> {
    let row = find(conn, caller, id)?;
    let groups = groups_of(conn, caller, &row)?;
    Ok(Resource {
        resource: render::user(&row, &groups, &caller.scim_base),
        version: render::user_version(&row, &groups),
    })
}

/// The version the user's ETag names now (its groups are part of it).
fn version_of(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &UserRow,
) -> Result<i64, DirectoryError> {
    Ok(render::user_version(row, &groups_of(conn, caller, row)?))
}

/// A user's direct groups: the list kept on its row, or, should that be unreadable, the member
/// table (a read never fails on what a stored value holds).
pub(super) fn groups_of(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &UserRow,
) -> Result<Vec<MembershipRow>, DirectoryError> {
    if let Some(groups) = row.groups() {
        return Ok(groups);
    }
    tracing::warn!(user = %row.id, "unreadable stored group list; reading the member table");
    let mut groups = group_store::memberships_of(conn, caller.org_id.as_str(), &[&row.id])?;
    store::sort_groups(&mut groups);
    Ok(groups)
}

/// Validates a client document and removes what is never stored: `password` is writeOnly and
/// gatehouse authenticates no one by password, so it is accepted and dropped (RFC 7643 §4.1.1).
fn prepare_document(body: Value) -> Result<Value, ScimError> {
    let mut doc = prepare_write(body, &USER)?;
    if let Some(map) = doc.as_object_mut() {
        map.remove("password");
    }
    Ok(doc)
}

/// The indexed projections of a user document.
pub fn columns_of(doc: &Value) -> Result<UserColumns, ScimError> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let user_name = text(doc.get("userName"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ScimError::InvalidValue("userName is required".into()))?;
    // The column sizes of migrations/mysql (users, user_emails).
    check_length("userName", &user_name, 255)?;
    let user_name_lower = user_name.to_lowercase();
    check_length("userName (lower-cased)", &user_name_lower, 255)?;
    let external_id = text(doc.get("externalId"));
    if let Some(id) = &external_id {
        check_length("externalId", id, 255)?;
    }
    for email in emails_of(doc) {
        check_length("emails.value", &email.value, 255)?;
        check_length(
            "emails.value (lower-cased)",
            &email.value.to_lowercase(),
            255,
        )?;
        if let Some(kind) = &email.email_type {
            check_length("emails.type", kind, 64)?;
        }
    }
    let name = doc.get("name");
    Ok(UserColumns {
        user_name_lower,
        user_name,
        external_id,
        display_name: text(doc.get("displayName")).map(|s| truncate(&s)),
        given_name: text(name.and_then(|n| n.get("givenName"))).map(|s| truncate(&s)),
        family_name: text(name.and_then(|n| n.get("familyName"))).map(|s| truncate(&s)),
        active: doc.get("active").and_then(Value::as_bool).unwrap_or(true),
        attributes: doc.to_string(),
    })
}

/// Index columns hold 255 characters; the document keeps the whole value.
fn truncate(s: &str) -> String {
    s.chars().take(255).collect()
}

fn emails_of(doc: &Value) -> Vec<EmailColumns> {
    doc.get("emails")
        .and_then(Value::as_array)
        .map(|emails| {
            emails
                .iter()
                .filter_map(|e| {
                    Some(EmailColumns {
                        value: e.get("value")?.as_str()?.to_owned(),
                        email_type: e.get("type").and_then(Value::as_str).map(str::to_owned),
                        is_primary: e.get("primary").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn unique_user_name(err: diesel::result::Error, user_name: &str) -> DirectoryError {
    match DbError::from(err) {
        DbError::UniqueViolation(_) => ScimError::Uniqueness(format!(
            "userName {user_name:?} is already taken in this organization"
        ))
        .into(),
        other => other.into(),
    }
}

/// Names of the top-level attributes that differ, for the audit event.
pub(super) fn changed_attributes(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut names: Vec<String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}
