//! Email delivery over SMTP to a sink started by the test.

use serde_json::json;

use crate::common::{id_of, user_body, TestDatabase};
use crate::outbox_support::{delivered_count, eventually, notify, worker_settings, SmtpSink};

#[actix_web::test]
async fn each_recipient_gets_a_plain_text_mail_at_their_primary_address() {
    let sink = SmtpSink::start().await;
    let database = TestDatabase::fresh();
    let mut settings = worker_settings(&database.url, 10);
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = sink.port;
    settings.smtp.from = "gatehouse <noreply@example.com>".into();
    settings.smtp.tls = gatehouse::config::SmtpTls::None;
    let app = crate::common::spawn_with(settings, database).await;

    // A user whose userName is not an address: the primary email is used.
    let mut body = user_body("jane");
    body["emails"] = json!([
        { "value": "jane.other@example.com", "type": "home" },
        { "value": "jane@example.com", "type": "work", "primary": true },
    ]);
    let jane = app.create_user_from(body).await;
    let bob = app.create_user("bob@example.com").await;

    notify(
        &app,
        "app.approval_requested",
        vec![id_of(&jane), id_of(&bob), "not-a-user".into()],
        json!({ "app_name": "Planner", "requested_by": "bob@example.com" }),
    );
    eventually("two mails", || async { sink.mails().len() == 2 }).await;
    eventually("the row is delivered", || async {
        delivered_count(&app) == 1
    })
    .await;
    let mails = sink.mails();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["<bob@example.com>", "<jane@example.com>"]);
    for mail in &mails {
        assert_eq!(mail.from, "<noreply@example.com>");
        assert!(
            mail.data
                .contains("Subject: [gatehouse] app.approval_requested"),
            "{}",
            mail.data
        );
        assert!(mail.data.contains("text/plain"), "{}", mail.data);
        assert!(mail.data.contains("app_name: Planner"), "{}", mail.data);
        assert!(mail.data.contains("Message-ID: <"), "{}", mail.data);
    }
}
