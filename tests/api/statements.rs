//! The statements the hot paths send: the lookups IdPs repeat all day keep their prepared
//! statement per connection, and a page of users is one query whatever its size. Counted on
//! MariaDB's own session counters; on SQLite (no such counters) the test says so and passes.

use crate::common;

use common::{id_of, spawn_app, TestApp};
use diesel::RunQueryDsl;
use gatehouse::audit::Actor;
use gatehouse::db::{ConnectionFactory, DbConnection};
use gatehouse::directory::{users, Caller, ListQuery};
use gatehouse::idp::Dialect;

/// This session's prepared-statement counters.
#[derive(Debug, Clone, Copy, diesel::QueryableByName)]
struct Counters {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    prepared: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    executed: i64,
}

impl Counters {
    fn read(conn: &mut DbConnection) -> Counters {
        diesel::sql_query(
            "SELECT \
             (SELECT CAST(VARIABLE_VALUE AS SIGNED) FROM information_schema.SESSION_STATUS \
              WHERE VARIABLE_NAME = 'COM_STMT_PREPARE') AS prepared, \
             (SELECT CAST(VARIABLE_VALUE AS SIGNED) FROM information_schema.SESSION_STATUS \
              WHERE VARIABLE_NAME = 'COM_STMT_EXECUTE') AS executed",
        )
        .get_result(conn)
        .unwrap()
    }

    /// What was prepared and executed since `self`, not counting the reading query itself.
    fn since(self, conn: &mut DbConnection) -> (i64, i64) {
        let now = Counters::read(conn);
        (
            now.prepared - self.prepared - 1,
            now.executed - self.executed - 1,
        )
    }
}

fn caller(app: &TestApp) -> Caller {
    Caller {
        org_id: app.creds.org_id.clone(),
        actor: Actor::IdpConnection(app.creds.scim_connection_id.to_string()),
        connection_id: Some(app.creds.scim_connection_id.to_string()),
        scim_base: app.scim.clone(),
        dialect: Dialect::Generic,
    }
}

fn list_query(filter: Option<&str>, start_index: i64, count: i64) -> ListQuery {
    ListQuery {
        filter: filter.map(str::to_owned),
        sort_by: None,
        descending: false,
        start_index,
        count,
        with_members: true,
    }
}

#[actix_web::test]
#[ignore = "needs MariaDB (SQLite keeps no statement counters): the MariaDB job runs it"]
async fn user_lookups_prepare_once_and_a_page_is_one_query() {
    common::require_mysql();
    let app = spawn_app().await;
    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("stmt{i}@example.com");
        let user = app.create_user(&name).await;
        app.create_group(&format!("G{i}"), &[&id_of(&user)]).await;
        names.push(name);
    }
    let mut conn = ConnectionFactory::new(&app.database.url)
        .unwrap()
        .open()
        .unwrap();
    let caller = caller(&app);

    let before = Counters::read(&mut conn);
    for name in &names {
        let filter = format!("userName eq \"{name}\"");
        let page = users::list(&mut conn, &caller, &list_query(Some(&filter), 1, 100)).unwrap();
        assert_eq!(page.total_results, 1);
        assert_eq!(page.resources[0]["groups"].as_array().unwrap().len(), 1);
    }
    let (prepared, executed) = before.since(&mut conn);
    assert_eq!(
        prepared, 1,
        "one prepared statement serves every userName lookup"
    );
    assert_eq!(
        executed,
        names.len() as i64,
        "a lookup is one query: its groups come with it and a short page needs no count"
    );

    // A filter of another shape is prepared for its one use, not kept.
    let before = Counters::read(&mut conn);
    for name in &names {
        let filter = format!("userName eq \"{name}\" or userName eq \"nobody\"");
        users::list(&mut conn, &caller, &list_query(Some(&filter), 1, 100)).unwrap();
    }
    assert_eq!(before.since(&mut conn).0, names.len() as i64);

    // A full page past the first: the page and one count.
    let before = Counters::read(&mut conn);
    let page = users::list(&mut conn, &caller, &list_query(None, 2, 2)).unwrap();
    assert_eq!(page.resources.len(), 2);
    assert_eq!(page.total_results, 6, "five users and the bootstrap admin");
    assert_eq!(before.since(&mut conn).1, 2);
}
