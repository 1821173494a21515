//! `LISTEN` on a connection of its own, for as long as the process runs: each
//! notification on the channel goes to a handler, the connection is checked when quiet,
//! and after a failure it connects again. What listens learns when it starts and stops
//! listening, so that it trusts what it keeps only meanwhile.

use std::time::Duration;

use diesel_async::SimpleAsyncConnection;
use futures_util::StreamExt;

use crate::db::{self, SessionSettings};

/// How long a quiet connection goes unchecked, and how long the check may take.
const CHECK_AFTER: Duration = Duration::from_secs(5);
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// The pause before connecting again.
const RETRY: Duration = Duration::from_secs(1);

/// What the listener heard.
pub enum Heard<'a> {
    /// Listening from now on (after a start or a reconnection).
    Listening,
    /// A notification's payload.
    Note(&'a str),
    /// Not listening any more, until the next `Listening`.
    Lost,
}

/// A channel, and what its notifications are about (for the log).
pub struct Channel {
    pub name: &'static str,
    pub about: &'static str,
}

/// Listens on `channel` forever, handing what it hears to `on`.
pub async fn listen(
    url: &str,
    settings: SessionSettings,
    channel: Channel,
    mut on: impl AsyncFnMut(Heard<'_>),
) {
    loop {
        if let Err(error) = listen_once(url, settings, &channel, &mut on).await {
            tracing::warn!(%error, "not listening for {}; retrying", channel.about);
        }
        on(Heard::Lost).await;
        tokio::time::sleep(RETRY).await;
    }
}

async fn listen_once(
    url: &str,
    settings: SessionSettings,
    channel: &Channel,
    on: &mut impl AsyncFnMut(Heard<'_>),
) -> Result<(), String> {
    let mut conn = db::connect(url, settings)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    conn.batch_execute(&format!("LISTEN {}", channel.name))
        .await
        .map_err(|e| e.to_string())?;
    on(Heard::Listening).await;
    tracing::info!("listening for {}", channel.about);
    loop {
        let next = {
            let mut stream = std::pin::pin!(conn.notifications_stream());
            tokio::time::timeout(CHECK_AFTER, stream.next()).await
        };
        match next {
            Ok(Some(Ok(note))) => on(Heard::Note(&note.payload)).await,
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Err("the listening connection closed".into()),
            Err(_quiet) => tokio::time::timeout(CHECK_TIMEOUT, conn.batch_execute("SELECT 1"))
                .await
                .map_err(|_| "the listening connection does not answer".to_owned())?
                .map_err(|e| e.to_string())?,
        }
    }
}
