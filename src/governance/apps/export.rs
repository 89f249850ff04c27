//! The 90-day usage export (reference 000 "Click Export CSV for a list with user specific
//! activity … user email addresses, how many times they've used the app in the last 90 days,
//! and the last date they've used the app. The CSV file will be emailed to the admin who
//! exports it."). The CSV is written with the `csv` crate and kept as text in `app_exports`
//! (every instance can serve it; no shared file system is assumed); the admin who asked is
//! told by an `export.ready` notification and downloads it from `/api/v1/apps/exports/{id}`.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{audit, notify, EXPORT_READY};
use crate::db::apps::{self as store, ExportRow};
use crate::db::{app_usage, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::rbac::{Authorized, ManageApps};

/// The window of the export, today included.
pub const EXPORT_DAYS: i64 = 90;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportInfo {
    pub id: String,
    pub rows: i64,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    pub download: String,
}

/// Writes the export and announces it to the admin who asked.
pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
) -> Result<ExportInfo, GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let now = crate::clock::now();
        let since = now.date() - Duration::days(EXPORT_DAYS - 1);
        let apps = store::list(c, &org)?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "app",
            "client_id",
            "email",
            "uses_last_90_days",
            "last_used",
        ];
        let mut rows = 0_i64;
        out.write_record(header).map_err(csv_failed)?;
        for a in app_usage::per_user(c, &org, since)? {
            let Some(app) = apps.iter().find(|x| x.id == a.app_id) else {
                continue;
            };
            let email = store::email_of(c, &org, &a.user_id)?.unwrap_or_default();
            let last = a.last_used_at.date().to_string();
            let uses = a.uses.to_string();
            out.write_record([&app.name, &app.client_id, &email, &uses, &last])
                .map_err(csv_failed)?;
            rows += 1;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| csv_failed(e.into_error().into()))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| GovernanceError::Db(crate::db::DbError::Panicked(e.to_string())))?;
        let id = uuid::Uuid::new_v4().to_string();
        store::insert_export(
            c,
            &ExportRow {
                org_id: org.clone(),
                id: id.clone(),
                requested_by: auth.user_id.to_string(),
                created_at: now,
                row_count: rows,
                csv: text,
            },
        )?;
        let download = format!("/api/v1/apps/exports/{id}");
        let data = json!({ "export_id": id, "rows": rows, "download": download });
        notify(
            c,
            &auth.org_id,
            EXPORT_READY,
            vec![auth.user_id.to_string()],
            data,
            None,
        )?;
        let details = json!({ "rows": rows, "window_days": EXPORT_DAYS });
        audit(
            c,
            &auth.org_id,
            &auth.actor(),
            "app.usage_exported",
            &id,
            details,
        )?;
        Ok(ExportInfo {
            id,
            rows,
            created_at: now,
            download,
        })
    })
}

fn csv_failed(e: csv::Error) -> GovernanceError {
    // Writing to memory fails only on a bug; reported as a 500 without detail to the client.
    GovernanceError::Db(crate::db::DbError::Panicked(format!("csv: {e}")))
}

/// The CSV text of an export of the organization.
pub fn download(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> Result<String, GovernanceError> {
    store::find_export(conn, org_id, id)?
        .map(|row| row.csv)
        .ok_or_else(|| GovernanceError::NotFound(format!("no export {id:?}")))
}
