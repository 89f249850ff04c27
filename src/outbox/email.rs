//! Email over SMTP (lettre, tokio with rustls), off unless `[smtp] host` is set: each recipient
//! of a notification gets a plain-text mail naming the topic and its data. The mail's
//! `Message-ID` is derived from the notification id and the recipient, so a retry sends the same
//! message id (the idempotency id of this channel).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;

use crate::config::{SmtpSettings, SmtpTls};

/// A configured SMTP channel.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why one mail was not sent.
#[derive(Debug)]
pub enum MailError {
    /// The address can never work (it is not an address): not retried.
    BadAddress(String),
    /// The server or network failed: retried.
    Transient(String),
}

impl Mailer {
    /// The channel from the settings; `Ok(None)` when SMTP is off.
    pub fn from_settings(s: &SmtpSettings) -> Result<Option<Mailer>, String> {
        let host = s.host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("smtp.host: {e}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| format!("smtp.host: {e}"))?,
        };
        let mut builder = builder
            .port(s.port)
            .timeout(Some(Duration::from_millis(s.timeout_ms)));
        if !s.user.is_empty() {
            builder = builder.credentials(Credentials::new(s.user.clone(), s.password.clone()));
        }
        let from = s
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("smtp.from: {e}"))?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one notification to one address.
    pub async fn send(
        &self,
        notification_id: &str,
        recipient_id: &str,
        address: &str,
        topic: &str,
        data: &Value,
    ) -> Result<(), MailError> {
        let to = address
            .parse::<Mailbox>()
            .map_err(|e| MailError::BadAddress(format!("{address}: {e}")))?;
        let domain = self.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("[gatehouse] {topic}"))
            .message_id(Some(format!("<{notification_id}.{recipient_id}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(body_text(notification_id, topic, data))
            .map_err(|e| MailError::BadAddress(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Transient(e.to_string()))
    }
}

/// The mail's text: the topic, then each field of the data on its own line.
fn body_text(id: &str, topic: &str, data: &Value) -> String {
    let mut out = format!("Notification: {topic}\n\n");
    match data {
        Value::Object(fields) => {
            for (k, v) in fields {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&format!("{k}: {v}\n"));
            }
        }
        Value::Null => {}
        other => out.push_str(&format!("{other}\n")),
    }
    out.push_str(&format!("\nNotification id: {id}\n"));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_the_topic_and_every_field() {
        let text = body_text(
            "n1",
            "token.revoked",
            &serde_json::json!({ "token_name": "ci", "count": 2 }),
        );
        assert!(text.contains("Notification: token.revoked"));
        assert!(text.contains("token_name: ci\n"));
        assert!(text.contains("count: 2\n"));
        assert!(text.contains("n1"));
    }
}
