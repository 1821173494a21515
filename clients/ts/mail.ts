// The mail the servers under the client checks send, read where the SMTP listener of
// the checks (ts/smtp-sink.ts) writes it: MAIL_SINK_DIR, one .eml file per message.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { baseUrl, check } from "./api.js";

function sinkDir(): string {
  const dir = process.env.MAIL_SINK_DIR;
  if (dir === undefined || dir === "") throw new Error("set MAIL_SINK_DIR to the SMTP listener's folder");
  return dir;
}

/** Quoted-printable soft breaks and `=3D` undone: enough to read a code or a link. */
function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
}

/** The newest message to `email` whose subject starts with `subject`, waited for (bounded). */
export async function mailTo(email: string, subject: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = readdirSync(sinkDir())
      .filter((name) => name.endsWith(".eml"))
      .sort()
      .map((name) => decoded(readFileSync(join(sinkDir(), name), "utf8")))
      .filter((text) => text.includes(`X-Envelope-To: <${email}>`) && text.includes(`Subject: ${subject}`));
    const newest = found.at(-1);
    if (newest !== undefined) return newest;
    check(Date.now() < deadline, `no "${subject}" message to ${email} in ${sinkDir()} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The six-digit code of a message (its subject carries it). */
export function codeIn(message: string): string {
  const code = /Subject: [^\r\n]*?(\d{6})/.exec(message)?.[1];
  check(code !== undefined, "the message carries a six-digit code");
  return code;
}

/** The path and query of the page a message links to, on the server under test. */
export function linkIn(message: string): string {
  const path = /https?:\/\/[^\s"<>]+?(\/v1\/auth\/[a-z/-]+\/page\?token=[A-Za-z0-9_-]+)/.exec(message)?.[1];
  check(path !== undefined, "the message carries a link to a page");
  return `${baseUrl()}${path}`;
}
