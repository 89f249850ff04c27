//! The webhook and dead-letter operations, called as `every_operation_answers_as_documented`
//! calls the others: a success and the problems each answers.

use diesel::RunQueryDsl;
use gatehouse::db::ConnectionFactory;
use gatehouse::ids::OrgId;
use gatehouse::outbox::{enqueue, Notification};
use serde_json::json;

use super::conformance::Caller::{Member, Root};
use super::conformance::Conformance;

pub async fn webhooks_and_dead_letters(c: &mut Conformance) {
    let (all, one) = ("/api/v1/webhooks", "/api/v1/webhooks/{id}");
    // The conformance app allows private networks, so a local URL is accepted.
    let created = c
        .expect(
            Root,
            &format!("POST {all}"),
            &[],
            Some(json!({ "url": "http://127.0.0.1:9/hook" })),
            201,
        )
        .await;
    let id = created["webhook"]["id"].as_str().unwrap().to_owned();
    c.expect(
        Root,
        &format!("POST {all}"),
        &[],
        Some(json!({ "url": "ftp://x" })),
        400,
    )
    .await;
    c.expect(
        Root,
        &format!("POST {all}"),
        &[],
        Some(json!({ "link": "x" })),
        422,
    )
    .await;
    c.expect(
        Member,
        &format!("POST {all}"),
        &[],
        Some(json!({ "url": "http://127.0.0.1:9/" })),
        403,
    )
    .await;
    c.expect(Root, &format!("GET {all}"), &[], None, 200).await;
    c.expect(Member, &format!("GET {all}"), &[], None, 403)
        .await;
    let rotate = format!("POST {one}/rotate-secret");
    c.expect(
        Root,
        &rotate,
        &[&id],
        Some(json!({ "previous_valid_seconds": 60 })),
        201,
    )
    .await;
    c.expect(Root, &rotate, &[&id], Some(json!({ "keep": 1 })), 422)
        .await;
    c.expect(Root, &rotate, &["nope"], None, 404).await;
    c.expect(Member, &rotate, &[&id], None, 403).await;
    let enable = format!("POST {one}/enable");
    c.expect(Root, &enable, &[&id], None, 200).await;
    c.expect(Root, &enable, &["nope"], None, 404).await;
    c.expect(Member, &enable, &[&id], None, 403).await;
    c.expect(Member, &format!("DELETE {one}"), &[&id], None, 403)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 204)
        .await;
    c.expect(Root, &format!("DELETE {one}"), &[&id], None, 404)
        .await;

    // A dead letter, made the way the worker makes one after its last attempt.
    let dead = dead_letter(c);
    let letters = "/api/v1/outbox/dead-letters";
    let listed = c
        .expect(Root, &format!("GET {letters}?limit=10"), &[], None, 200)
        .await;
    assert_eq!(listed["dead_letters"][0]["id"], dead.as_str());
    c.expect(Root, &format!("GET {letters}?limit=0"), &[], None, 400)
        .await;
    c.expect(Member, &format!("GET {letters}"), &[], None, 403)
        .await;
    let retry = format!("POST {letters}/{{id}}/retry");
    c.expect(Member, &retry, &[&dead], None, 403).await;
    c.expect(Root, &retry, &["nope"], None, 404).await;
    c.expect(Root, &retry, &[&dead], None, 202).await;
}

fn dead_letter(c: &Conformance) -> String {
    let mut conn = ConnectionFactory::new(&c.app.database.url)
        .unwrap()
        .open()
        .unwrap();
    let org = OrgId(c.app.creds.org_id.to_string());
    enqueue(
        &mut conn,
        &Notification {
            org_id: &org,
            topic: "conformance.test",
            recipients: vec![],
            data: json!({ "what": "a notification no channel took" }),
            dedupe_key: Some("conformance-dead-letter".into()),
        },
    )
    .unwrap();
    diesel::sql_query(
        "UPDATE outbox SET attempts = 8, dead_at = created_at, last_error = 'gave up' \
         WHERE idempotency_key = 'conformance-dead-letter'",
    )
    .execute(&mut conn)
    .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM outbox WHERE idempotency_key = 'conformance-dead-letter'",
    )
    .load(&mut conn)
    .unwrap();
    rows.into_iter().next().unwrap().id
}
