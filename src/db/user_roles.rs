//! Queries on users' governance columns: role, licence, internal/external type, the admin
//! listing, and the set-based moves when a verified domain is added or removed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};

use super::schema::{org_domains, users};
use super::DbConnection;

/// What a decision needs to know about a user.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserGovernanceRow {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub active: bool,
    pub role: String,
    pub role_source: String,
    pub licence: Option<String>,
    pub is_external: bool,
    pub managed_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

pub fn find(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<UserGovernanceRow>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .select(UserGovernanceRow::as_select())
        .first(conn)
        .optional()
}

/// These users of the organization (those that are), by primary key: one statement per
/// `IN_LIST_CHUNK` ids.
pub fn find_many(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<UserGovernanceRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(super::IN_LIST_CHUNK) {
        let rows: Vec<(String, UserGovernanceRow)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::org_id, UserGovernanceRow::as_select()))
            .load(conn)?;
        // Scoped here, so the lookup stays on the primary key (as `users::existing_user_ids`).
        out.extend(
            rows.into_iter()
                .filter(|(org, _)| org == org_id)
                .map(|(_, row)| row),
        );
    }
    Ok(out)
}

/// One page of an organization's users, oldest first, and the total.
pub fn page(
    conn: &mut DbConnection,
    org_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<UserGovernanceRow>, i64)> {
    let rows = users::table
        .filter(users::org_id.eq(org_id))
        .order((users::created_at.asc(), users::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(UserGovernanceRow::as_select())
        .load(conn)?;
    let total = users::table
        .filter(users::org_id.eq(org_id))
        .count()
        .get_result(conn)?;
    Ok((rows, total))
}

/// Sets a user's role if their version is still `expected_version` (optimistic).
pub fn set_role(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    role: &str,
    role_source: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(users::table)
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .filter(users::version.eq(expected_version))
        .set((
            users::role.eq(role),
            users::role_source.eq(role_source),
            users::version.eq(expected_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// How many users hold a role.
pub fn count_holders(conn: &mut DbConnection, org_id: &str, role: &str) -> QueryResult<i64> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::role.eq(role))
        .count()
        .get_result(conn)
}

/// The organization's verified domains, lower-cased.
pub fn verified_domains(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<String>> {
    org_domains::table
        .filter(org_domains::org_id.eq(org_id))
        .filter(org_domains::verified.eq(true))
        .order(org_domains::domain.asc())
        .select(org_domains::domain)
        .load(conn)
}

pub fn delete_domain(conn: &mut DbConnection, org_id: &str, domain: &str) -> QueryResult<bool> {
    let n = diesel::delete(org_domains::table)
        .filter(org_domains::org_id.eq(org_id))
        .filter(org_domains::domain.eq(domain))
        .execute(conn)?;
    Ok(n == 1)
}

/// A set-based move of users whose type changed with a verified domain: every user of the
/// organization of type `from_external` whose userName or any email is at one of `matching`
/// and at none of `excluded` becomes the other type with `role`. One audit row per moved user
/// is written by the same statement shape first, so 100,000 users cost two statements, not
/// 200,000. Domains are validated (`[a-z0-9.-]`), so they need no LIKE escaping.
pub struct Retype<'a> {
    pub org_id: &'a str,
    pub from_external: bool,
    pub matching: &'a [String],
    pub excluded: &'a [String],
    pub role: &'a str,
    pub actor_kind: &'a str,
    pub actor_id: &'a str,
    pub reason: &'a str,
    pub now: NaiveDateTime,
    pub request_id: Option<String>,
    /// `LIKE` pattern of the `role_source` of users whose role an IdP's mapping decides: they
    /// change type here but keep their role, and their ids are returned for re-evaluation.
    pub mapped_sources: &'a str,
}

/// Returns how many users moved to the default role, and the ids of the mapped users whose
/// type changed.
pub fn retype_users(conn: &mut DbConnection, r: &Retype<'_>) -> QueryResult<(usize, Vec<String>)> {
    if r.matching.is_empty() {
        return Ok((0, Vec::new()));
    }
    let at = |domains: &[String]| -> String {
        domains
            .iter()
            .map(|_| {
                "(users.user_name_lower LIKE ? OR EXISTS (SELECT 1 FROM user_emails e \
                 WHERE e.user_id = users.id AND e.value_lower LIKE ?))"
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let mut condition = format!(
        "users.org_id = ? AND users.is_external = ? AND ({})",
        at(r.matching)
    );
    if !r.excluded.is_empty() {
        condition.push_str(&format!(" AND NOT ({})", at(r.excluded)));
    }
    if r.from_external {
        expire_joiners_tokens(conn, r, &condition)?;
    }
    let mapped = retype_mapped(conn, r, &condition)?;
    condition.push_str(" AND users.role_source NOT LIKE ?");
    let uuid = match conn {
        DbConnection::Sqlite(_) => "lower(hex(randomblob(16)))",
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => "UUID()",
    };
    let audit = format!(
        "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, actor_id, on_behalf_of, \
         action, target_kind, target_id, details, request_id) \
         SELECT {uuid}, users.org_id, ?, ?, ?, NULL, 'user.role_changed', 'user', users.id, \
         json_object('from', users.role, 'to', ?, 'reason', ?, 'external', ?), ? \
         FROM users WHERE {condition}"
    );
    let bind_condition =
        |q| bind_retype_condition(q, r).bind::<Text, _>(r.mapped_sources.to_owned());
    let q = diesel::sql_query(audit)
        .into_boxed()
        .bind::<Timestamp, _>(r.now)
        .bind::<Text, _>(r.actor_kind.to_owned())
        .bind::<Text, _>(r.actor_id.to_owned())
        .bind::<Text, _>(r.role.to_owned())
        .bind::<Text, _>(r.reason.to_owned())
        .bind::<Bool, _>(!r.from_external)
        .bind::<Nullable<Text>, _>(r.request_id.clone());
    bind_condition(q).execute(conn)?;
    let update = format!(
        "UPDATE users SET is_external = ?, role = ?, role_source = 'domain_change', \
         version = version + ?, updated_at = ? WHERE {condition}"
    );
    let q = diesel::sql_query(update)
        .into_boxed()
        .bind::<Bool, _>(!r.from_external)
        .bind::<Text, _>(r.role.to_owned())
        .bind::<BigInt, _>(1_i64)
        .bind::<Timestamp, _>(r.now);
    Ok((bind_condition(q).execute(conn)?, mapped))
}

/// Binds a retype's condition: the organization, the type and two patterns per domain.
fn bind_retype_condition(
    q: super::BoxedQuery<'static>,
    r: &Retype<'_>,
) -> super::BoxedQuery<'static> {
    let mut q = q
        .bind::<Text, _>(r.org_id.to_owned())
        .bind::<Bool, _>(r.from_external);
    for d in r.matching.iter().chain(r.excluded) {
        let pattern = format!("%@{d}");
        q = q.bind::<Text, _>(pattern.clone()).bind::<Text, _>(pattern);
    }
    q
}

/// Guests who become internal members join the organization, and (reference 000, "Set default
/// expiration") the personal tokens they already had expire at once: one statement, before the
/// users change type.
fn expire_joiners_tokens(
    conn: &mut DbConnection,
    r: &Retype<'_>,
    condition: &str,
) -> QueryResult<usize> {
    let update = format!(
        "UPDATE tokens SET expires_at = ? WHERE tokens.org_id = ? AND tokens.kind = 'personal' \
         AND tokens.revoked_at IS NULL AND (tokens.expires_at IS NULL OR tokens.expires_at > ?) \
         AND tokens.subject_id IN (SELECT users.id FROM users WHERE {condition})"
    );
    let q = diesel::sql_query(update)
        .into_boxed()
        .bind::<Timestamp, _>(r.now)
        .bind::<Text, _>(r.org_id.to_owned())
        .bind::<Timestamp, _>(r.now);
    bind_retype_condition(q, r).execute(conn)
}

/// The users matching a retype whose role a mapping decides: they change type (a new version)
/// and are returned for re-evaluation.
fn retype_mapped(
    conn: &mut DbConnection,
    r: &Retype<'_>,
    condition: &str,
) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let bind = |q| bind_retype_condition(q, r).bind::<Text, _>(r.mapped_sources.to_owned());
    let select =
        format!("SELECT users.id FROM users WHERE {condition} AND users.role_source LIKE ?");
    let ids: Vec<Id> = bind(diesel::sql_query(select).into_boxed()).load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let update = format!(
        "UPDATE users SET is_external = ?, version = version + 1, updated_at = ? \
         WHERE {condition} AND users.role_source LIKE ?"
    );
    let q = diesel::sql_query(update)
        .into_boxed()
        .bind::<Bool, _>(!r.from_external)
        .bind::<Timestamp, _>(r.now);
    bind(q).execute(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// How many users hold each role of the organization (one grouped query for a role list).
pub fn holders_by_role(
    conn: &mut DbConnection,
    org_id: &str,
) -> QueryResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = users::table
        .filter(users::org_id.eq(org_id))
        .group_by(users::role)
        .select((users::role, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Sets a user's licence if their version is still `expected_version` (optimistic).
pub fn set_licence(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    licence: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(users::table)
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .filter(users::version.eq(expected_version))
        .set((
            users::licence.eq(licence),
            users::version.eq(expected_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
