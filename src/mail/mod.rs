//! Outbound email. A change that causes a message writes it to the outbox
//! (`mail_outbox`) in its own transaction ([`enqueue`]); the background sender
//! ([`run`]) delivers due messages one row at a time under `FOR UPDATE SKIP LOCKED`, so
//! a request never waits on SMTP, two instances never take the same row, and a message
//! written before a crash or an SMTP outage is sent once it can be. A failed delivery is
//! tried again with backoff; a permanent refusal, or [`MAX_ATTEMPTS`] failures, marks it
//! failed. Once sent, a message's bodies (which may hold a code) are cleared.
//!
//! Delivery is SMTP (lettre over rustls) when `ACUPRESS_SMTP_URL` is set, else one
//! `.eml` file per message in `ACUPRESS_MAIL_DIR`, with a log line naming it.

pub mod templates;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::config::{MailConfig, MailDelivery, redact_smtp};
use crate::db::schema::mail_outbox;
use crate::db::{self, DbError, DbPool};
use crate::lang::Lang;
pub use templates::Template;

/// Deliveries tried at most before a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 12;
/// How often the outbox is looked at when nothing wakes the sender.
const POLL: Duration = Duration::from_secs(1);
/// The longest one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// A message to write to the outbox.
pub struct Outgoing<'a> {
    pub user: Option<Uuid>,
    pub to: &'a str,
    pub lang: Lang,
    pub template: Template,
    pub params: &'a [(&'a str, &'a str)],
}

/// Writes `message` to the outbox on `conn` (call it inside the transaction of the
/// change that causes it). It is sent after that transaction commits, never before.
pub async fn enqueue(conn: &mut AsyncPgConnection, message: Outgoing<'_>) -> QueryResult<Uuid> {
    let rendered = templates::render(message.template, message.lang, message.params);
    let id = Uuid::now_v7();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(id),
            mail_outbox::user_id.eq(message.user),
            mail_outbox::template.eq(message.template.name()),
            mail_outbox::to_address.eq(message.to),
            mail_outbox::subject.eq(&rendered.subject),
            mail_outbox::body_text.eq(&rendered.text),
            mail_outbox::body_html.eq(&rendered.html),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

/// The sender: where messages go, and a bell that wakes it when one was written here.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    link_base: String,
    wake: Notify,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{0}")]
    Setup(String),
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> Result<Self, MailError> {
        let transport = match &config.delivery {
            MailDelivery::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::Setup(format!("ACUPRESS_SMTP_URL: {e}")))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            MailDelivery::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    MailError::Setup(format!("ACUPRESS_MAIL_DIR {}: {e}", dir.display()))
                })?;
                Transport::Folder(AsyncFileTransport::new(dir), dir.clone())
            }
        };
        Ok(Self {
            transport,
            from: config.from.clone(),
            link_base: config.link_base.clone(),
            wake: Notify::new(),
        })
    }

    /// Where delivery goes, for the start-up log (no password).
    pub fn describe(&self, config: &MailConfig) -> String {
        match &config.delivery {
            MailDelivery::Smtp(url) => redact_smtp(url),
            MailDelivery::Folder(dir) => format!("folder {}", dir.display()),
        }
    }

    /// A link into the server's pages: `{link base}{path}`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.link_base)
    }

    /// Wakes the sender (a message was just committed): every delivery that waits, or
    /// the next one to wait when none does.
    pub fn wake(&self) {
        self.wake.notify_waiters();
        self.wake.notify_one();
    }

    async fn send(&self, row: &OutboxRow) -> Result<(), (bool, String)> {
        let to: Mailbox = row
            .to_address
            .parse()
            .map_err(|e| (true, format!("bad recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&row.subject)
            .message_id(Some(format!("<{}@acupress>", row.id)))
            .multipart(MultiPart::alternative_plain_html(
                row.body_text.clone().unwrap_or_default(),
                row.body_html.clone().unwrap_or_default(),
            ))
            .map_err(|e| (true, format!("cannot build the message: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| (e.is_permanent(), e.to_string())),
            Transport::Folder(folder, dir) => {
                let file = folder
                    .send(message)
                    .await
                    .map_err(|e| (false, e.to_string()))?;
                tracing::info!(
                    file = %dir.join(format!("{file}.eml")).display(),
                    template = %row.template,
                    "mail written to the mail folder (no ACUPRESS_SMTP_URL set)"
                );
                Ok(())
            }
        }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = mail_outbox, check_for_backend(diesel::pg::Pg))]
struct OutboxRow {
    id: Uuid,
    template: String,
    to_address: String,
    subject: String,
    body_text: Option<String>,
    body_html: Option<String>,
    attempts: i32,
}

/// Seconds before the next try after `attempts` failures: 5 s doubling, at most an hour.
fn backoff(attempts: i32) -> i64 {
    (5i64 << attempts.clamp(0, 20)).min(3600)
}

/// Delivers the oldest due message, if any; `Ok(false)` when none is due. The row stays
/// locked while it is sent, so no other instance sends it meanwhile.
pub async fn deliver_one(mailer: &Mailer, pool: &DbPool) -> Result<bool, DbError> {
    let mut conn = db::conn(pool).await?;
    let delivered = conn
        .transaction::<_, DbError, _>(async |conn| {
            let row: Option<OutboxRow> = mail_outbox::table
                .filter(mail_outbox::sent_at.is_null())
                .filter(mail_outbox::failed_at.is_null())
                .filter(mail_outbox::next_attempt_at.le(diesel::dsl::now))
                .order(mail_outbox::next_attempt_at)
                .limit(1)
                .select(OutboxRow::as_select())
                .for_update()
                .skip_locked()
                .first(conn)
                .await
                .optional()?;
            let Some(row) = row else { return Ok(false) };
            let target = mail_outbox::table.find(row.id);
            match mailer.send(&row).await {
                Ok(()) => {
                    diesel::update(target)
                        .set((
                            mail_outbox::sent_at.eq(diesel::dsl::now),
                            mail_outbox::attempts.eq(row.attempts + 1),
                            mail_outbox::body_text.eq(None::<String>),
                            mail_outbox::body_html.eq(None::<String>),
                            mail_outbox::last_error.eq(None::<String>),
                        ))
                        .execute(conn)
                        .await?;
                }
                Err((permanent, error)) => {
                    let attempts = row.attempts + 1;
                    let give_up = permanent || attempts >= MAX_ATTEMPTS;
                    let next: DateTime<Utc> =
                        Utc::now() + chrono::Duration::seconds(backoff(attempts));
                    tracing::warn!(id = %row.id, attempts, give_up, %error, "mail not delivered");
                    diesel::update(target)
                        .set((
                            mail_outbox::attempts.eq(attempts),
                            mail_outbox::next_attempt_at.eq(next),
                            mail_outbox::last_error.eq(&error),
                            mail_outbox::failed_at.eq(give_up.then(Utc::now)),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
            Ok(true)
        })
        .await?;
    Ok(delivered)
}

/// Days a sent or failed message is kept (for support questions) before housekeeping
/// removes it.
pub const KEEP_DAYS: i64 = 7;

/// Removes messages sent or given up more than [`KEEP_DAYS`] ago.
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let before = Utc::now() - chrono::Duration::days(KEEP_DAYS);
    diesel::delete(
        mail_outbox::table.filter(
            mail_outbox::sent_at
                .lt(before)
                .or(mail_outbox::failed_at.lt(before)),
        ),
    )
    .execute(conn)
    .await
}

/// The background sender: delivers what is due, then waits for a wake-up or the poll.
///
/// Four deliveries run at once: one SMTP conversation takes tens of milliseconds (a
/// connection, a handshake, the server's answers), and rows locked with SKIP LOCKED
/// keep them, and other instances, apart.
pub async fn run(mailer: Arc<Mailer>, pool: DbPool) {
    let each = || deliveries(&mailer, &pool);
    tokio::join!(each(), each(), each(), each());
}

/// One of [`run`]'s delivery loops.
async fn deliveries(mailer: &Mailer, pool: &DbPool) {
    loop {
        loop {
            match deliver_one(mailer, pool).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "mail outbox not readable");
                    break;
                }
            }
        }
        let _ = tokio::time::timeout(POLL, mailer.wake.notified()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(1), 10);
        assert_eq!(backoff(2), 20);
        assert_eq!(backoff(MAX_ATTEMPTS), 3600);
        assert_eq!(backoff(100), 3600);
    }
}
