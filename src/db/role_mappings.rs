//! Queries on role mapping: which connections have it on, their ordered rules, the users a
//! connection manages (read in key order for preview and apply), and the optimistic role writes
//! that re-evaluation makes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{idp_connections, role_mapping_rules, roles};
use super::users::{users_page, UserRow};
use super::DbConnection;

/// One stored rule with its target role's base (`None` if the role is gone).
#[derive(Debug, Clone, Queryable)]
pub struct RuleRow {
    pub connection_id: String,
    pub position: i32,
    pub filter: String,
    pub role_id: String,
    pub base_role: Option<String>,
}

/// The ids of the organization's connections with role mapping on.
pub fn mapped_connections(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<String>> {
    idp_connections::table
        .filter(idp_connections::org_id.eq(org_id))
        .filter(idp_connections::role_mapping.eq(true))
        .order(idp_connections::id.asc())
        .select(idp_connections::id)
        .load(conn)
}

/// Whether a connection of the organization has role mapping on (`None`: no such connection).
pub fn is_mapped(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: &str,
) -> QueryResult<Option<bool>> {
    idp_connections::table
        .filter(idp_connections::org_id.eq(org_id))
        .filter(idp_connections::id.eq(connection_id))
        .select(idp_connections::role_mapping)
        .first(conn)
        .optional()
}

/// The rules of the organization's connections (or of one, with `connection_id`) in order,
/// each with its role's base.
pub fn rules_of_org(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: Option<&str>,
) -> QueryResult<Vec<RuleRow>> {
    let mut query = role_mapping_rules::table
        .left_join(
            roles::table.on(roles::org_id
                .eq(role_mapping_rules::org_id)
                .and(roles::id.eq(role_mapping_rules::role_id))),
        )
        .filter(role_mapping_rules::org_id.eq(org_id))
        .into_boxed();
    if let Some(id) = connection_id {
        query = query.filter(role_mapping_rules::connection_id.eq(id));
    }
    query
        .order((
            role_mapping_rules::connection_id.asc(),
            role_mapping_rules::position.asc(),
        ))
        .select((
            role_mapping_rules::connection_id,
            role_mapping_rules::position,
            role_mapping_rules::filter,
            role_mapping_rules::role_id,
            roles::base_role.nullable(),
        ))
        .load(conn)
}

/// Replaces a connection's rules and turns its mapping on or off.
pub fn replace_rules(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: &str,
    rules: &[(String, String)],
    on: bool,
) -> QueryResult<()> {
    diesel::delete(role_mapping_rules::table)
        .filter(role_mapping_rules::org_id.eq(org_id))
        .filter(role_mapping_rules::connection_id.eq(connection_id))
        .execute(conn)?;
    for (position, (filter, role_id)) in rules.iter().enumerate() {
        diesel::insert_into(role_mapping_rules::table)
            .values((
                role_mapping_rules::org_id.eq(org_id),
                role_mapping_rules::connection_id.eq(connection_id),
                role_mapping_rules::position.eq(position as i32),
                role_mapping_rules::filter.eq(filter),
                role_mapping_rules::role_id.eq(role_id),
            ))
            .execute(conn)?;
    }
    diesel::update(idp_connections::table)
        .filter(idp_connections::org_id.eq(org_id))
        .filter(idp_connections::id.eq(connection_id))
        .set(idp_connections::role_mapping.eq(on))
        .execute(conn)?;
    Ok(())
}

/// The connections whose rules name a role, for refusing to delete it.
pub fn connections_using_role(
    conn: &mut DbConnection,
    org_id: &str,
    role_id: &str,
) -> QueryResult<Vec<String>> {
    role_mapping_rules::table
        .filter(role_mapping_rules::org_id.eq(org_id))
        .filter(role_mapping_rules::role_id.eq(role_id))
        .select(role_mapping_rules::connection_id)
        .distinct()
        .load(conn)
}

/// Users of the organization by id, with their groups (as `users::find_user` reads them).
pub fn users_by_id(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<UserRow>> {
    let columns = users_page(super::dialect(conn)).columns;
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::IN_LIST_CHUNK) {
        // `+org_id`: look the ids up by primary key (see `users::touch_users`).
        let sql = format!(
            "SELECT {columns} FROM users WHERE +users.org_id = ? AND users.id IN ({})",
            super::placeholders(chunk.len())
        );
        let mut query = diesel::sql_query(sql)
            .into_boxed()
            .bind::<Text, _>(org_id.to_owned());
        for id in chunk {
            query = query.bind::<Text, _>(id.to_string());
        }
        out.extend(query.load::<UserRow>(conn)?);
    }
    Ok(out)
}

/// The next `limit` users a connection manages after `after_id`, in id order (keyset paging,
/// so reading every user of a large connection costs the same per page).
pub fn users_managed_by(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: &str,
    after_id: &str,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let columns = users_page(super::dialect(conn)).columns;
    let sql = format!(
        "SELECT {columns} FROM users WHERE users.org_id = ? AND users.managed_by = ? \
         AND users.id > ? ORDER BY users.id LIMIT ?"
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(org_id)
        .bind::<Text, _>(connection_id)
        .bind::<Text, _>(after_id)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// A user's role as re-evaluation decided it, written only if the user's version is still the
/// one evaluated.
pub struct RoleWrite<'a> {
    pub id: &'a str,
    pub version: i64,
}

/// Sets `role` and `role_source` on users whose versions are still those read, with a new
/// version each, in statements of up to `CHUNK` users. Returns false if any user changed
/// meanwhile (the caller runs its transaction again).
pub fn write_roles(
    conn: &mut DbConnection,
    org_id: &str,
    users: &[RoleWrite<'_>],
    role: &str,
    role_source: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    const CHUNK: usize = 100;
    for chunk in users.chunks(CHUNK) {
        let versions = vec!["(users.id = ? AND users.version = ?)"; chunk.len()].join(" OR ");
        // `+org_id`: look the ids up by primary key (see `users::touch_users`); with a plain
        // `org_id = ?` SQLite walks an (org_id, …) index over the whole organization per chunk.
        let sql = format!(
            "UPDATE users SET role = ?, role_source = ?, version = version + 1, updated_at = ? \
             WHERE +users.org_id = ? AND ({versions})"
        );
        let mut query = diesel::sql_query(sql)
            .into_boxed()
            .bind::<Text, _>(role.to_owned())
            .bind::<Text, _>(role_source.to_owned())
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(org_id.to_owned());
        for user in chunk {
            query = query
                .bind::<Text, _>(user.id.to_owned())
                .bind::<BigInt, _>(user.version);
        }
        if query.execute(conn)? != chunk.len() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Hands the users whose role a connection's mapping set back to the admin API (mapping
/// turned off): their roles stay, their `role_source` says where they came from.
pub fn release_users(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: &str,
    mapped_source: &str,
    role_source: &str,
) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE users SET role_source = ?, version = version + 1, updated_at = ? \
         WHERE org_id = ? AND managed_by = ? AND role_source = ?",
    )
    .bind::<Text, _>(role_source)
    .bind::<Timestamp, _>(crate::clock::now())
    .bind::<Text, _>(org_id)
    .bind::<Text, _>(connection_id)
    .bind::<Text, _>(mapped_source)
    .execute(conn)
}
