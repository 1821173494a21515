//! A real SMTP server on loopback for the mail tests: it speaks enough of RFC 5321 for
//! lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts.
//! It can be stopped and started again on the same port, to play an outage.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One accepted message: its recipients and its raw data (headers and body).
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The data with quoted-printable soft breaks and `=3D` undone, enough to read a
    /// code or a link from a body.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first run of exactly six digits after `after` in the text.
    pub fn code_after(&self, after: &str) -> String {
        let text = self.text();
        let start = text
            .find(after)
            .unwrap_or_else(|| panic!("no {after:?} in {text}"));
        let rest = &text[start + after.len()..];
        let digits: String = rest
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(digits.len(), 6, "{rest}");
        digits
    }

    /// The `token` of the link in the text.
    pub fn link_token(&self) -> String {
        let text = self.text();
        let start = text.find("?token=").expect("a link with a token") + "?token=".len();
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: Option<JoinHandle<()>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut server = Self {
            addr: listener.local_addr().unwrap(),
            received: Arc::default(),
            task: None,
        };
        server.serve(listener);
        server
    }

    /// `smtp://127.0.0.1:<port>` (plain: loopback only).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) {
        let received = self.received.clone();
        self.task = Some(tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(conversation(socket, received.clone()));
            }
        }));
    }

    /// Stops listening: connections are refused until [`SmtpServer::restart`].
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    pub async fn restart(&mut self) {
        self.stop();
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(self.addr).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("cannot listen on {} again", self.addr);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (at most `within`) until `n` messages have arrived, and returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {n} messages arrived within {within:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl SmtpServer {
    /// Waits (at most `within`) for a message to `email` whose text holds `words`, and
    /// returns the newest.
    pub async fn wait_saying(&self, email: &str, words: &str, within: Duration) -> Received {
        let to = [format!("<{email}>")];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.received();
            if let Some(found) = got
                .iter()
                .rev()
                .find(|m| m.to == to && m.text().contains(words))
            {
                return found.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no message to {email} saying {words:?} within {within:?}: {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (at most `within`) for a message to `email`, and returns the newest.
    pub async fn wait_to(&self, email: &str, within: Duration) -> Received {
        let to = [format!("<{email}>")];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(found) = self.received().into_iter().rev().find(|m| m.to == to) {
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no message to {email} within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn conversation(socket: tokio::net::TcpStream, received: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let say = async |write: &mut tokio::net::tcp::OwnedWriteHalf, line: &str| {
        write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .is_ok()
    };
    if !say(&mut write, "220 test.invalid ESMTP").await {
        return;
    }
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        let Ok(n) = lines.read_line(&mut line).await else {
            return;
        };
        if n == 0 {
            return;
        }
        let verb = line.trim_end().to_ascii_uppercase();
        let reply = if verb.starts_with("EHLO") {
            "250-test.invalid\r\n250 8BITMIME"
        } else if verb.starts_with("HELO") || verb.starts_with("MAIL FROM") {
            "250 OK"
        } else if verb.starts_with("RCPT TO") {
            to.push(line.trim_end()[8..].trim().to_owned());
            "250 OK"
        } else if verb == "DATA" {
            if !say(&mut write, "354 end with <CRLF>.<CRLF>").await {
                return;
            }
            let mut data = String::new();
            loop {
                let mut part = String::new();
                let Ok(n) = lines.read_line(&mut part).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                if part == ".\r\n" {
                    break;
                }
                data.push_str(part.strip_prefix('.').unwrap_or(&part));
            }
            received.lock().unwrap().push(Received {
                to: std::mem::take(&mut to),
                data,
            });
            "250 OK queued"
        } else if verb == "QUIT" {
            let _ = say(&mut write, "221 bye").await;
            return;
        } else if verb == "RSET" || verb == "NOOP" {
            "250 OK"
        } else {
            "502 not implemented"
        };
        if !say(&mut write, reply).await {
            return;
        }
    }
}
