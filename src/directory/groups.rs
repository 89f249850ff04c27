//! SCIM Groups: create, read, replace, patch, delete and list. Members are rows, changed by
//! difference: adding or removing members touches only those members' rows (and the group's
//! version), never the rest of the list.

use std::collections::{BTreeSet, HashSet};

use serde_json::{json, Value};

use super::{
    check_if_match, check_length, listing, not_found, render, Caller, DirectoryError, Resource,
};
use crate::audit::{self, AuditEvent};
use crate::db::filter_sql::{Compiled, SqlValue};
use crate::db::groups::{self as store, GroupColumns, GroupRow};
use crate::db::users as user_store;
use crate::db::{transaction, DbConnection, DbError};
use crate::governance::mapping::remap::{remap_with, Cause, RemapError};
use crate::governance::mapping::OrgMappings;
use crate::ids::GroupId;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::patch::{apply_patch, split_member_ops, MemberChange, MemberRef, PatchOp};
use crate::scim::resource::prepare_write;
use crate::scim::schema::GROUP;
use crate::scim::ScimError;

/// What a member change did, for the audit trail.
#[derive(Debug, Default)]
struct MemberDelta {
    added: Vec<String>,
    removed: Vec<String>,
    /// The users among `added`: their rows must still exist when the change commits.
    added_users: BTreeSet<String>,
}

/// POST /Groups.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    body: Value,
) -> Result<Resource, DirectoryError> {
    let (doc, members) = prepare_document(caller.dialect.resource(&GROUP, body))?;
    let cols = columns_of(&doc)?;
    transaction(conn, |conn| {
        let id = GroupId::new();
        let org = caller.org_id.as_str();
        let now = crate::clock::now();
        store::insert_group(
            conn,
            org,
            id.as_str(),
            &cols,
            caller.connection_id.as_deref(),
            now,
        )
        .map_err(|e| unique_display_name(e, &cols.display_name))?;
        let delta = apply_member_changes(
            conn,
            caller,
            id.as_str(),
            &[MemberChange::Add(members.clone())],
            &mut None,
        )?;
        remap_members(conn, caller, id.as_str(), &delta, false)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &caller.org_id,
                actor: &caller.actor,
                action: "group.created",
                target_kind: "group",
                target_id: id.as_str(),
                details: json!({ "displayName": cols.display_name, "members_added": delta.added.len() }),
            },
        )?;
        load(conn, caller, id.as_str(), true)
    })
}

/// GET /Groups/{id}; with `with_members == false` the member rows are never read.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    with_members: bool,
) -> Result<Resource, DirectoryError> {
    load(conn, caller, id, with_members)
}

/// PUT /Groups/{id}: replaces the attributes and the whole member list.
pub fn replace(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Value,
    if_match: Option<&str>,
    with_members: bool,
) -> Result<Resource, DirectoryError> {
    let (doc, members) = prepare_document(caller.dialect.resource(&GROUP, body))?;
    let cols = columns_of(&doc)?;
    transaction(conn, |conn| {
        let row = find(conn, caller, id)?;
        check_if_match(if_match, row.version)?;
        let mut claim = Some(VersionClaim::new(&row, if_match.is_some()));
        claim_version(conn, caller, &mut claim, Some(&cols))?;
        let replace = [MemberChange::Replace(members.clone())];
        let delta = apply_member_changes(conn, caller, id, &replace, &mut claim)?;
        record_change(conn, caller, id, "group.replaced", &delta)?;
        remap_members(
            conn,
            caller,
            id,
            &delta,
            cols.display_name != row.display_name,
        )?;
        load(conn, caller, id, with_members)
    })
}

/// PATCH /Groups/{id}: member operations become row changes; the rest patch the document.
pub fn patch(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    ops: Vec<PatchOp>,
    if_match: Option<&str>,
    with_members: bool,
) -> Result<Resource, DirectoryError> {
    let (member_changes, doc_ops) = split_member_ops(caller.dialect.patch_ops(&GROUP, ops))?;
    transaction(conn, |conn| {
        let row = find(conn, caller, id)?;
        check_if_match(if_match, row.version)?;
        let old = Value::Object(render::document(&row.attributes));
        let mut doc = old.clone();
        apply_patch(&mut doc, &doc_ops, &GROUP)?;
        let cols = if doc != old {
            let (doc, _) = prepare_document(doc)?;
            Some(columns_of(&doc)?)
        } else {
            None
        };
        let mut claim = Some(VersionClaim::new(&row, if_match.is_some()));
        if cols.is_some() {
            claim_version(conn, caller, &mut claim, cols.as_ref())?;
        }
        let delta = apply_member_changes(conn, caller, id, &member_changes, &mut claim)?;
        if !claim.as_ref().is_some_and(|c| c.claimed) {
            // Nothing changed (a duplicate add, a remove of an absent member): no new version.
            return load(conn, caller, id, with_members);
        }
        record_change(conn, caller, id, "group.patched", &delta)?;
        let renamed = cols
            .as_ref()
            .is_some_and(|c| c.display_name != row.display_name);
        remap_members(conn, caller, id, &delta, renamed)?;
        load(conn, caller, id, with_members)
    })
}

/// DELETE /Groups/{id}.
pub fn delete(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), DirectoryError> {
    transaction(conn, |conn| {
        let row = find(conn, caller, id)?;
        check_if_match(if_match, row.version)?;
        // Claim the group's version first: a member change claims it too, so the two
        // serialize (a change that committed since our read makes the claim fail, and the whole
        // delete runs again).
        bump(conn, caller, &row, None, if_match.is_some())?;
        // Role mapping rules that read groups see the user members leave.
        let mappings = OrgMappings::load(conn, caller.org_id.as_str()).map_err(RemapError::from)?;
        let former_members = if mappings.reads_groups() {
            store::member_ids(conn, id)?
        } else {
            Vec::new()
        };
        // Groups it belonged to lose a member. Its own member rows go with it (ON DELETE
        // CASCADE), one statement whatever its size; members' `groups` are read from those rows,
        // so no user row is rewritten.
        let org = caller.org_id.as_str();
        let parents = store::group_ids_of(conn, org, id)?;
        let now = crate::clock::now();
        store::bump_versions(
            conn,
            org,
            &parents.iter().map(String::as_str).collect::<Vec<_>>(),
            now,
        )?;
        // The team's project memberships go with it (what they gave its members with them).
        let team = crate::governance::projects::MemberKind::Team;
        crate::governance::projects::memberships::forget_member(
            conn,
            &caller.org_id,
            &caller.actor,
            team,
            id,
        )?;
        if !store::delete_group(conn, org, id)? {
            return Err(DirectoryError::Conflict);
        }
        let former: Vec<&str> = former_members.iter().map(String::as_str).collect();
        remap_with(
            conn,
            &mappings,
            &caller.org_id,
            &caller.actor,
            &former,
            Cause::GroupDeleted,
        )?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &caller.org_id,
                actor: &caller.actor,
                action: "group.deleted",
                target_kind: "group",
                target_id: id,
                details: json!({ "displayName": row.display_name }),
            },
        )?;
        Ok(())
    })
}

/// GET /Groups and POST /Groups/.search.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &listing::ListQuery,
) -> Result<listing::ListResult, DirectoryError> {
    listing::list_groups(conn, caller, query)
}

/// The next version of a group, claimed once per operation before its first write.
///
/// Claiming it first (`UPDATE … SET version = v + 1 WHERE version = v`) takes the group row's
/// exclusive lock before any member row is written. The other order deadlocks on InnoDB:
/// inserting a member takes a shared lock on the group row for the foreign key, and two
/// writers then both wait to upgrade it. An operation that changes nothing claims nothing, so
/// its version stays.
struct VersionClaim<'r> {
    row: &'r GroupRow,
    client_checked_version: bool,
    claimed: bool,
}

impl<'r> VersionClaim<'r> {
    fn new(row: &'r GroupRow, client_checked_version: bool) -> Self {
        VersionClaim {
            row,
            client_checked_version,
            claimed: false,
        }
    }
}

/// Claims the version if not yet claimed (with the new document columns, if any).
fn claim_version(
    conn: &mut DbConnection,
    caller: &Caller,
    claim: &mut Option<VersionClaim<'_>>,
    cols: Option<&GroupColumns>,
) -> Result<(), DirectoryError> {
    match claim {
        Some(c) if !c.claimed => {
            bump(conn, caller, c.row, cols, c.client_checked_version)?;
            c.claimed = true;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn bump(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &GroupRow,
    cols: Option<&GroupColumns>,
    client_checked_version: bool,
) -> Result<(), DirectoryError> {
    let written = store::update_group(
        conn,
        caller.org_id.as_str(),
        &row.id,
        row.version,
        cols,
        crate::clock::now(),
    )
    .map_err(|e| match cols {
        Some(c) => unique_display_name(e, &c.display_name),
        None => e.into(),
    })?;
    if !written {
        return Err(if client_checked_version {
            ScimError::PreconditionFailed("the group was changed by another request".into()).into()
        } else {
            DirectoryError::Conflict
        });
    }
    // A rename writes no member: users' `groups` (and ETags) are derived from the group rows
    // when read.
    Ok(())
}

fn record_change(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    action: &str,
    delta: &MemberDelta,
) -> Result<(), DirectoryError> {
    const LISTED: usize = 100;
    audit::record(
        conn,
        AuditEvent {
            org_id: &caller.org_id,
            actor: &caller.actor,
            action,
            target_kind: "group",
            target_id: id,
            details: json!({
                "members_added": delta.added.len(),
                "members_removed": delta.removed.len(),
                "added": delta.added.iter().take(LISTED).collect::<Vec<_>>(),
                "removed": delta.removed.iter().take(LISTED).collect::<Vec<_>>(),
            }),
        },
    )?;
    Ok(())
}

/// Role mapping rules that read `groups` see a member change or a rename: the users who joined
/// or left (all members, after a rename) are re-evaluated in this transaction. Rules that do
/// not read groups cost one query here.
fn remap_members(
    conn: &mut DbConnection,
    caller: &Caller,
    group_id: &str,
    delta: &MemberDelta,
    renamed: bool,
) -> Result<(), DirectoryError> {
    if delta.added_users.is_empty() && delta.removed.is_empty() && !renamed {
        return Ok(());
    }
    let mappings = OrgMappings::load(conn, caller.org_id.as_str()).map_err(RemapError::from)?;
    if !mappings.reads_groups() {
        return Ok(());
    }
    let mut ids: BTreeSet<String> = delta.added_users.clone();
    ids.extend(delta.removed.iter().cloned());
    let cause = if renamed {
        ids.extend(store::member_ids(conn, group_id)?);
        Cause::GroupRenamed
    } else {
        Cause::GroupMembership
    };
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    remap_with(conn, &mappings, &caller.org_id, &caller.actor, &ids, cause)?;
    Ok(())
}

/// Applies member changes in order. Each costs queries proportional to the members it names
/// (removing every member is one statement); users who join get a new version.
fn apply_member_changes(
    conn: &mut DbConnection,
    caller: &Caller,
    group_id: &str,
    changes: &[MemberChange],
    claim: &mut Option<VersionClaim<'_>>,
) -> Result<MemberDelta, DirectoryError> {
    let org = caller.org_id.as_str();
    let mut delta = MemberDelta::default();
    for change in changes {
        match change {
            MemberChange::Add(refs) => {
                add_members(conn, caller, group_id, refs, &mut delta, claim)?
            }
            MemberChange::Remove(ids) => {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let present = store::existing_members(conn, group_id, &ids)?;
                remove_members(conn, caller, group_id, present, &mut delta, claim)?;
            }
            MemberChange::RemoveMatching(filter) => {
                let condition = member_condition(filter)?;
                let matching = store::members_matching(conn, group_id, &condition)?;
                remove_members(conn, caller, group_id, matching, &mut delta, claim)?;
            }
            MemberChange::RemoveAll => {
                // One statement whatever the size of the group (RFC 7644 §3.5.2.2: remove
                // without a filter empties the attribute).
                let all = store::member_ids(conn, group_id)?;
                if !all.is_empty() {
                    claim_version(conn, caller, claim, None)?;
                    store::delete_all_members(conn, group_id)?;
                    delta.removed.extend(all);
                }
            }
            MemberChange::Replace(refs) => {
                // By difference: members in both lists keep their rows. Sets, so that a
                // replace of n members costs O(n), not O(n²).
                let wanted: HashSet<&str> = refs.iter().map(|r| r.value.as_str()).collect();
                let (kept, gone): (Vec<String>, Vec<String>) = store::member_ids(conn, group_id)?
                    .into_iter()
                    .partition(|id| wanted.contains(id.as_str()));
                let kept: HashSet<String> = kept.into_iter().collect();
                remove_members(conn, caller, group_id, gone, &mut delta, claim)?;
                let new: Vec<MemberRef> = refs
                    .iter()
                    .filter(|r| !kept.contains(&r.value))
                    .cloned()
                    .collect();
                add_members(conn, caller, group_id, &new, &mut delta, claim)?;
            }
        }
    }
    // A user who joined must still exist: its existence was checked with a plain read, and a
    // concurrent delete of the user would leave a member row naming no one. Touching the user's
    // row (a new version: its `groups` changed) hits no row then: the whole change runs again
    // and finds the user gone. Users who left are not written: their ETag follows their groups.
    let joined: Vec<&str> = delta.added_users.iter().map(String::as_str).collect();
    if user_store::touch_users(conn, org, &joined, crate::clock::now())? != joined.len() {
        return Err(DirectoryError::Conflict);
    }
    Ok(delta)
}

fn remove_members(
    conn: &mut DbConnection,
    caller: &Caller,
    group_id: &str,
    ids: Vec<String>,
    delta: &mut MemberDelta,
    claim: &mut Option<VersionClaim<'_>>,
) -> Result<(), DirectoryError> {
    if ids.is_empty() {
        return Ok(());
    }
    claim_version(conn, caller, claim, None)?;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    store::delete_members(conn, group_id, &refs)?;
    delta.removed.extend(ids);
    Ok(())
}

fn add_members(
    conn: &mut DbConnection,
    caller: &Caller,
    group_id: &str,
    refs: &[MemberRef],
    delta: &mut MemberDelta,
    claim: &mut Option<VersionClaim<'_>>,
) -> Result<(), DirectoryError> {
    let org = caller.org_id.as_str();
    let wanted: BTreeSet<&str> = refs.iter().map(|r| r.value.as_str()).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    if wanted.contains(group_id) {
        return Err(ScimError::InvalidValue("a group cannot be a member of itself".into()).into());
    }
    let ids: Vec<&str> = wanted.iter().copied().collect();
    let users: HashSet<String> = user_store::existing_user_ids(conn, org, &ids)?
        .into_iter()
        .collect();
    let groups: HashSet<String> = store::existing_group_ids(conn, org, &ids)?
        .into_iter()
        .collect();
    if let Some(unknown) = ids
        .iter()
        .find(|id| !users.contains(**id) && !groups.contains(**id))
    {
        return Err(ScimError::InvalidValue(format!(
            "member {unknown:?} is not a user or group of this organization"
        ))
        .into());
    }
    let present: HashSet<String> = store::existing_members(conn, group_id, &ids)?
        .into_iter()
        .collect();
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !present.contains(*id))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    claim_version(conn, caller, claim, None)?;
    let now = crate::clock::now();
    for id in missing {
        let kind = if users.contains(id) { "User" } else { "Group" };
        if store::insert_member(conn, org, group_id, id, kind, now)? {
            delta.added.push(id.to_string());
            if kind == "User" {
                delta.added_users.insert(id.to_string());
            }
        }
    }
    Ok(())
}

/// Translates a member filter (`members[type eq "Group"]`, `members[display sw "A"]`) into a
/// condition over the member rows; paths are relative to a member.
fn member_condition(filter: &Filter) -> Result<Compiled, ScimError> {
    let mut binds = Vec::new();
    let sql = member_sql(filter, &mut binds)?;
    Ok(Compiled { sql, binds })
}

fn member_sql(filter: &Filter, binds: &mut Vec<SqlValue>) -> Result<String, ScimError> {
    Ok(match filter {
        Filter::And(a, b) => format!("({} AND {})", member_sql(a, binds)?, member_sql(b, binds)?),
        Filter::Or(a, b) => format!("({} OR {})", member_sql(a, binds)?, member_sql(b, binds)?),
        Filter::Not(a) => format!("(NOT {})", member_sql(a, binds)?),
        Filter::Compare { path, op, value } => {
            let (column, case_exact) = match path.name.to_ascii_lowercase().as_str() {
                "value" => ("gm.member_id", true),
                "type" => ("gm.member_type", false),
                "display" => (
                    "COALESCE(u.display_name, u.user_name, g.display_name)",
                    false,
                ),
                other => {
                    return Err(ScimError::InvalidFilter(format!(
                        "members can be selected by value, type or display, not {other:?}"
                    )))
                }
            };
            let CompValue::String(text) = value else {
                return Err(ScimError::InvalidFilter(
                    "member filters compare strings".into(),
                ));
            };
            let (expr, text) = if case_exact {
                (column.to_owned(), text.clone())
            } else {
                (format!("LOWER({column})"), text.to_lowercase())
            };
            let escaped = text
                .replace('!', "!!")
                .replace('%', "!%")
                .replace('_', "!_");
            let (op_sql, bind) = match op {
                CompareOp::Eq => ("= ?", text),
                CompareOp::Ne => ("<> ?", text),
                CompareOp::Co => ("LIKE ? ESCAPE '!'", format!("%{escaped}%")),
                CompareOp::Sw => ("LIKE ? ESCAPE '!'", format!("{escaped}%")),
                CompareOp::Ew => ("LIKE ? ESCAPE '!'", format!("%{escaped}")),
                _ => {
                    return Err(ScimError::InvalidFilter(
                        "member filters support eq, ne, co, sw and ew".into(),
                    ))
                }
            };
            binds.push(SqlValue::Text(bind));
            format!("({column} IS NOT NULL AND {expr} {op_sql})")
        }
        Filter::Present(_) | Filter::ValuePath { .. } => {
            return Err(ScimError::InvalidFilter("unsupported member filter".into()))
        }
    })
}

fn find(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<GroupRow, DirectoryError> {
    store::find_group(conn, caller.org_id.as_str(), id)?
        .ok_or_else(|| not_found("Group", id).into())
}

fn load(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    with_members: bool,
) -> Result<Resource, DirectoryError> {
    let row = find(conn, caller, id)?;
    let members = if with_members {
        store::members_of(conn, &[id])?
    } else {
        Vec::new()
    };
    let refs: Vec<_> = members.iter().collect();
    Ok(Resource {
        resource: render::group(
            &row,
            with_members.then_some(refs.as_slice()),
            &caller.scim_base,
        ),
        version: row.version,
    })
}

/// Validates a client document and takes `members` out of it: they are stored as rows.
fn prepare_document(body: Value) -> Result<(Value, Vec<MemberRef>), ScimError> {
    let mut doc = prepare_write(body, &GROUP)?;
    let members = match doc.as_object_mut().and_then(|m| m.remove("members")) {
        Some(Value::Array(list)) => list.iter().map(member_ref).collect::<Result<_, _>>()?,
        Some(_) => return Err(ScimError::InvalidValue("members must be an array".into())),
        None => Vec::new(),
    };
    Ok((doc, members))
}

fn member_ref(value: &Value) -> Result<MemberRef, ScimError> {
    let id = value
        .get("value")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ScimError::InvalidValue("each member needs a non-empty \"value\"".into()))?;
    Ok(MemberRef {
        value: id.to_owned(),
        display: value
            .get("display")
            .and_then(Value::as_str)
            .map(str::to_owned),
        member_type: value.get("type").and_then(Value::as_str).map(str::to_owned),
    })
}

fn columns_of(doc: &Value) -> Result<GroupColumns, ScimError> {
    let display_name = doc
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ScimError::InvalidValue("displayName is required".into()))?
        .to_owned();
    // The column sizes of migrations/mysql (scim_groups).
    check_length("displayName", &display_name, 255)?;
    let display_name_lower = display_name.to_lowercase();
    check_length("displayName (lower-cased)", &display_name_lower, 255)?;
    let external_id = doc
        .get("externalId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(id) = &external_id {
        check_length("externalId", id, 255)?;
    }
    Ok(GroupColumns {
        display_name_lower,
        display_name,
        external_id,
        attributes: doc.to_string(),
    })
}

/// Both IdPs match groups by displayName, so a second group with the same name would be a
/// silent duplicate: it is refused with 409 instead.
fn unique_display_name(err: diesel::result::Error, name: &str) -> DirectoryError {
    match DbError::from(err) {
        DbError::UniqueViolation(_) => {
            ScimError::Uniqueness(format!("a group named {name:?} already exists")).into()
        }
        other => other.into(),
    }
}
