//! Credential changes re-checked under the row lock (checklist 32): a device signed
//! out meanwhile, or a password changed meanwhile, changes and deletes nothing.

use std::sync::mpsc;

use acupress::db::SyncPgConnection;
use diesel::Connection;
use diesel::connection::SimpleConnection;

use super::{NEW_PASSWORD, users_with_id};
use crate::support::{Account, PASSWORD, Response, lock_waiters};

const OTHER_PASSWORD: &str = "silent maple harbor drum";

/// A row lock held by the test on its own connection (a transaction on a thread of its
/// own), so that requests queue behind it in a known order; released on drop.
struct RowLock {
    release: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RowLock {
    fn hold(url: &str, sql: String) -> Self {
        let url = url.to_owned();
        let (held_tx, held_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut conn = SyncPgConnection::establish(&url).unwrap();
            conn.batch_execute(&format!("BEGIN; {sql};")).unwrap();
            held_tx.send(()).unwrap();
            let _ = release_rx.recv();
            conn.batch_execute("COMMIT").unwrap();
        });
        held_rx.recv().expect("the lock is taken");
        Self {
            release: Some(release),
            thread: Some(thread),
        }
    }

    /// The user's row as a credential change holds it (`FOR NO KEY UPDATE`): password
    /// changes and deletions queue behind it, while writes that only refer to the row
    /// (a security-log entry of a device signed out) go ahead.
    fn user(url: &str, account: &Account<'_>) -> Self {
        Self::hold(
            url,
            format!(
                "SELECT 1 FROM users WHERE id = '{}' FOR NO KEY UPDATE",
                account.id
            ),
        )
    }

    fn release(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        drop(self.release.take());
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for RowLock {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Once a request waits at the user's row, `owner` signs `device` out; then the lock goes.
async fn sign_out_then_release(
    owner: &Account<'_>,
    device: &Account<'_>,
    lock: RowLock,
    url: &str,
) {
    lock_waiters(url, 1).await;
    let revoke = owner
        .delete(&format!("/v1/me/devices/{}", device.session))
        .await;
    assert_eq!(revoke.status, 204);
    lock.release();
}

/// `a` changes the password to [`NEW_PASSWORD`] and `b` to [`OTHER_PASSWORD`], both
/// queued behind a lock on the user's row; returns the winner's (204) and the loser's
/// new password with the answer each got.
async fn race_password_changes(
    url: &str,
    a: &Account<'_>,
    b: &Account<'_>,
) -> ((&'static str, Response), (&'static str, Response)) {
    let lock = RowLock::user(url, a);
    let (first, second, ()) = tokio::join!(
        a.change_password(PASSWORD, NEW_PASSWORD),
        b.change_password(PASSWORD, OTHER_PASSWORD),
        async {
            lock_waiters(url, 2).await;
            lock.release();
        }
    );
    match (first.status, second.status) {
        (204, _) => ((NEW_PASSWORD, first), (OTHER_PASSWORD, second)),
        (_, 204) => ((OTHER_PASSWORD, second), (NEW_PASSWORD, first)),
        _ => panic!(
            "one change must win: {} and {}",
            first.status, second.status
        ),
    }
}

#[actix_web::test]
async fn a_password_change_from_a_device_signed_out_meanwhile_writes_nothing() {
    let app = local_app!("holds row locks in the database");
    let url = app.db_url().to_owned();
    let owner = app.register("mei@example.com").await;
    let attacker = owner.second_device().await;
    // The attacker's change is verified and waits at the user's row; the owner signs
    // that device out in the meantime.
    let lock = RowLock::user(&url, &owner);
    let (changed, ()) = tokio::join!(
        attacker.change_password(PASSWORD, NEW_PASSWORD),
        sign_out_then_release(&owner, &attacker, lock, &url)
    );
    changed.problem(401, "session_revoked");
    assert_eq!(
        app.login(&owner.email, PASSWORD).await.status,
        200,
        "the password is unchanged"
    );
    app.login(&owner.email, NEW_PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(owner.me().await.status, 200, "nobody else signed out");
}

#[actix_web::test]
async fn of_two_concurrent_password_changes_one_wins_and_its_password_works() {
    let app = local_app!("holds row locks in the database");
    let url = app.db_url().to_owned();
    let account = app.register("mei@example.com").await;
    let ((winner, _), (tried, loser)) = race_password_changes(&url, &account, &account).await;
    loser.problem(409, "password_changed");
    assert_eq!(
        app.login(&account.email, winner).await.status,
        200,
        "the winner's password works"
    );
    for password in [tried, PASSWORD] {
        app.login(&account.email, password)
            .await
            .problem(401, "invalid_credentials");
    }
}

#[actix_web::test]
async fn concurrent_password_changes_from_two_devices_sign_the_loser_out() {
    let app = local_app!("holds row locks in the database");
    let url = app.db_url().to_owned();
    let one = app.register("mei@example.com").await;
    let two = one.second_device().await;
    // The winner signs every other device out, the loser's among them.
    let ((winner, _), (_, loser)) = race_password_changes(&url, &one, &two).await;
    loser.problem(401, "session_revoked");
    assert_eq!(app.login(&one.email, winner).await.status, 200);
}

#[actix_web::test]
async fn deleting_the_account_from_a_device_signed_out_meanwhile_deletes_nothing() {
    let app = local_app!("holds row locks in the database");
    let url = app.db_url().to_owned();
    let owner = app.register("mei@example.com").await;
    let attacker = owner.second_device().await;
    let lock = RowLock::user(&url, &owner);
    let (deleted, ()) = tokio::join!(
        attacker.delete_account(PASSWORD),
        sign_out_then_release(&owner, &attacker, lock, &url)
    );
    deleted.problem(401, "session_revoked");
    assert_eq!(users_with_id(&url, &owner), 1, "the account is still there");
    assert_eq!(owner.me().await.status, 200);
}

#[actix_web::test]
async fn deleting_the_account_after_its_password_changed_meanwhile_deletes_nothing() {
    let app = local_app!("holds row locks in the database");
    let url = app.db_url().to_owned();
    let account = app.register("mei@example.com").await;
    // Both verified the same password; the change takes the row first.
    let lock = RowLock::user(&url, &account);
    let (changed, deleted, _) = tokio::join!(
        account.change_password(PASSWORD, NEW_PASSWORD),
        async {
            lock_waiters(&url, 1).await;
            account.delete_account(PASSWORD).await
        },
        async {
            lock_waiters(&url, 2).await;
            lock.release();
        }
    );
    assert_eq!(changed.status, 204);
    deleted.problem(409, "password_changed");
    assert_eq!(users_with_id(&url, &account), 1);
}
