// A small SMTP listener for the client checks: it speaks enough of RFC 5321 (EHLO/HELO,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT) for the servers under test to deliver to it over
// loopback, and writes each message it accepts as one .eml file (numbered in arrival
// order) into SMTP_SINK_DIR, where the journeys read codes and links. It listens on
// 127.0.0.1 only, prints its port once it listens, and stops on SIGTERM.
//
//   SMTP_SINK_DIR=/tmp/mail SMTP_SINK_PORT=2525 npx tsx ts/smtp-sink.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { type Socket, createServer } from "node:net";
import { join } from "node:path";

const dir = process.env.SMTP_SINK_DIR ?? "";
if (dir === "") throw new Error("set SMTP_SINK_DIR to the folder for received messages");
mkdirSync(dir, { recursive: true });
/** The longest message taken (the servers' mail is a few kilobytes). */
const MAX_MESSAGE = 1_000_000;
let received = 0;

function conversation(socket: Socket): void {
  let buffer = "";
  let data: string[] | null = null;
  let size = 0;
  let recipients: string[] = [];
  const reply = (line: string): void => {
    socket.write(`${line}\r\n`);
  };
  reply("220 127.0.0.1 acupress test sink");
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf("\r\n"); end >= 0; end = buffer.indexOf("\r\n")) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (data !== null) {
        if (line === ".") {
          received += 1;
          const name = `${String(received).padStart(6, "0")}.eml`;
          const envelope = recipients.map((to) => `X-Envelope-To: ${to}\r\n`).join("");
          writeFileSync(join(dir, name), envelope + data.join("\r\n") + "\r\n");
          data = null;
          recipients = [];
          reply("250 2.0.0 queued");
        } else {
          size += line.length;
          if (size > MAX_MESSAGE) {
            reply("552 5.3.4 message too big");
            socket.end();
            return;
          }
          data.push(line.startsWith("..") ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO") {
        reply("250-127.0.0.1");
        reply("250 8BITMIME");
      } else if (verb === "HELO" || verb === "MAIL" || verb === "NOOP") {
        reply("250 2.0.0 ok");
      } else if (verb === "RSET") {
        recipients = [];
        reply("250 2.0.0 ok");
      } else if (verb === "RCPT") {
        recipients.push(line.slice(line.indexOf(":") + 1).trim());
        reply("250 2.1.5 ok");
      } else if (verb === "DATA") {
        data = [];
        size = 0;
        reply("354 end with <CRLF>.<CRLF>");
      } else if (verb === "QUIT") {
        reply("221 2.0.0 bye");
        socket.end();
        return;
      } else {
        reply("502 5.5.2 not implemented");
      }
    }
  });
  socket.on("error", () => socket.destroy());
}

const server = createServer(conversation);
server.listen(Number(process.env.SMTP_SINK_PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  if (address !== null && typeof address === "object") console.log(`smtp sink listening on ${address.port}`);
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
