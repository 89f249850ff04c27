//! Queries on app usage (`app_usage_days`): one row per (organization, app, user, day) holding
//! that day's count and last use. A report upserts only its own user's day, so calls for
//! different users never wait on one another's row lock (issue 13: "recording usage must not
//! make every call a row lock on a hot row"), and the insights are aggregates over these rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};

use super::schema::{app_usage_days, apps};
use super::DbConnection;

/// Adds `uses` to a user's day, keeping the latest time of use.
pub fn add_to_day(
    conn: &mut DbConnection,
    org_id: &str,
    app_id: &str,
    user_id: &str,
    day: NaiveDate,
    uses: i64,
    last_used_at: NaiveDateTime,
) -> QueryResult<()> {
    // Backend difference: the upsert's conflict clause (STYLE.md: upserts live in db/).
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "INSERT INTO app_usage_days (org_id, app_id, user_id, day, uses, last_used_at) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (org_id, app_id, user_id, day) DO UPDATE SET \
             uses = app_usage_days.uses + excluded.uses, \
             last_used_at = max(app_usage_days.last_used_at, excluded.last_used_at)"
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => {
            "INSERT INTO app_usage_days (org_id, app_id, user_id, day, uses, last_used_at) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE uses = uses + VALUES(uses), \
             last_used_at = GREATEST(last_used_at, VALUES(last_used_at))"
        }
    };
    diesel::sql_query(sql)
        .bind::<Text, _>(org_id)
        .bind::<Text, _>(app_id)
        .bind::<Text, _>(user_id)
        .bind::<Date, _>(day)
        .bind::<BigInt, _>(uses)
        .bind::<Timestamp, _>(last_used_at)
        .execute(conn)
        .map(|_| ())
}

/// One app's activity: its last use and how many distinct users used it since a day.
#[derive(Debug, Clone, QueryableByName)]
pub struct AppActivity {
    #[diesel(sql_type = Text)]
    pub app_id: String,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub last_used_at: Option<NaiveDateTime>,
    #[diesel(sql_type = BigInt)]
    pub active_members: i64,
}

/// Every app of the organization with usage: last use ever, distinct users since `since`.
pub fn activity(
    conn: &mut DbConnection,
    org_id: &str,
    since: NaiveDate,
) -> QueryResult<Vec<AppActivity>> {
    diesel::sql_query(
        "SELECT app_id, MAX(last_used_at) AS last_used_at, \
         COUNT(DISTINCT CASE WHEN day >= ? THEN user_id END) AS active_members \
         FROM app_usage_days WHERE org_id = ? GROUP BY app_id",
    )
    .bind::<Date, _>(since)
    .bind::<Text, _>(org_id)
    .load(conn)
}

/// One day of an app's usage: total uses and distinct users.
#[derive(Debug, Clone, QueryableByName)]
pub struct DayUsage {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub uses: i64,
    #[diesel(sql_type = BigInt)]
    pub users: i64,
}

pub fn days(
    conn: &mut DbConnection,
    org_id: &str,
    app_id: &str,
    since: NaiveDate,
) -> QueryResult<Vec<DayUsage>> {
    diesel::sql_query(
        "SELECT day, CAST(SUM(uses) AS SIGNED) AS uses, COUNT(DISTINCT user_id) AS users \
         FROM app_usage_days WHERE org_id = ? AND app_id = ? AND day >= ? \
         GROUP BY day ORDER BY day",
    )
    .bind::<Text, _>(org_id)
    .bind::<Text, _>(app_id)
    .bind::<Date, _>(since)
    .load(conn)
}

/// One user's activity on one app, for the export.
#[derive(Debug, Clone, QueryableByName)]
pub struct UserActivity {
    #[diesel(sql_type = Text)]
    pub app_id: String,
    #[diesel(sql_type = Text)]
    pub user_id: String,
    #[diesel(sql_type = BigInt)]
    pub uses: i64,
    #[diesel(sql_type = Timestamp)]
    pub last_used_at: NaiveDateTime,
}

/// Per app and user with use since `since`: the uses since then and the last use.
pub fn per_user(
    conn: &mut DbConnection,
    org_id: &str,
    since: NaiveDate,
) -> QueryResult<Vec<UserActivity>> {
    diesel::sql_query(
        "SELECT app_id, user_id, CAST(SUM(uses) AS SIGNED) AS uses, \
         MAX(last_used_at) AS last_used_at \
         FROM app_usage_days WHERE org_id = ? AND day >= ? \
         GROUP BY app_id, user_id ORDER BY app_id, user_id",
    )
    .bind::<Text, _>(org_id)
    .bind::<Date, _>(since)
    .load(conn)
}

/// Whether any of these (organization, user) pairs used the app known as `client_id` there.
pub fn used_elsewhere(
    conn: &mut DbConnection,
    people: &[(String, String)],
    client_id: &str,
) -> QueryResult<bool> {
    for (org_id, user_id) in people {
        let n: i64 = app_usage_days::table
            .inner_join(apps::table)
            .filter(app_usage_days::org_id.eq(org_id))
            .filter(app_usage_days::user_id.eq(user_id))
            .filter(apps::client_id.eq(client_id))
            .count()
            .get_result(conn)?;
        if n > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}
