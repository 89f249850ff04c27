//! The service's notion of "now": UTC, truncated to microseconds so a time written to MariaDB
//! `DATETIME(6)` reads back equal to the one written to SQLite.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// The current UTC time at microsecond precision.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// RFC 3339 text of a stored time, as SCIM `meta` carries it.
pub fn rfc3339(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
