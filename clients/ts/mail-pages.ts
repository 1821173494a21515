// The pages a mailed link opens, in a real browser: Debian's Chromium, headless, driven
// by playwright-core. A new account's verification mail is read from the server's mail
// folder (ACUPRESS_MAIL_DIR: no SMTP server is configured), its link is opened and the
// form confirms the address; then a reset mail's link sets a new password through its
// form, which signs every device out, and the new password signs in. Pages must work
// without script under their CSP: a console error (a blocked resource) fails the check.
//
//   ACUPRESS_TEST_BASE_URL=http://127.0.0.1:8080 ACUPRESS_MAIL_DIR=/path npx tsx ts/mail-pages.ts
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Page, chromium } from "playwright-core";
import { baseUrl, check, connect, ok, refused } from "./api.js";
import { Contract } from "./contract.js";

const SPEC = fileURLToPath(new URL("../../openapi/openapi.json", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "mossy anchor violin seven";
const NEW_PASSWORD = "seven amber kites drifting";

function mailDir(): string {
  const dir = process.env.ACUPRESS_MAIL_DIR;
  if (dir === undefined || dir === "") throw new Error("set ACUPRESS_MAIL_DIR to the server's mail folder");
  return dir;
}

/** Quoted-printable soft breaks and `=3D` undone: enough to read a code or a link. */
function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
}

/** The newest message to `email` whose subject starts with `subject`, waited for (bounded). */
async function mailTo(email: string, subject: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = readdirSync(mailDir())
      .filter((name) => name.endsWith(".eml"))
      .map((name) => decoded(readFileSync(join(mailDir(), name), "utf8")))
      .filter((text) => text.includes(email) && text.includes(`Subject: ${subject}`));
    const newest = found.at(-1);
    if (newest !== undefined) return newest;
    check(Date.now() < deadline, `no "${subject}" message to ${email} in ${mailDir()} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The link's path and query, on the server under test. */
function linkIn(message: string): string {
  const match = /https?:\/\/[^\s"<>]+?(\/v1\/auth\/[a-z-]+\/page\?token=[A-Za-z0-9_-]+)/.exec(message);
  check(match !== null, "the message carries a link to a page");
  return `${baseUrl()}${match[1]}`;
}

/** Opens `url`, presses the form's button (after `fill`) and waits for the `heading` of the answer. */
async function submit(page: Page, url: string, heading: string, fill?: (page: Page) => Promise<void>): Promise<void> {
  const opened = await page.goto(url);
  check(opened !== null && opened.status() === 200, `${url}: ${opened?.status() ?? "no answer"}`);
  const csp = opened.headers()["content-security-policy"] ?? "";
  check(csp.includes("default-src 'none'"), `the page has its CSP (${csp})`);
  if (fill !== undefined) await fill(page);
  await page.locator("button[type=submit]").click();
  await page.locator("h1", { hasText: heading }).waitFor();
}

async function run(page: Page): Promise<void> {
  const contract = new Contract(SPEC);
  const api = connect(contract);
  const email = `pages-${randomUUID()}@example.org`;
  const signed = ok(await api.POST("/v1/auth/register", { body: { email, password: PASSWORD, display_name: "Pages" } }), 201);
  check(signed.user.email_verified_at === null, "a new address is not verified");

  const verifyMail = await mailTo(email, "Confirm your email");
  await submit(page, linkIn(verifyMail), "Address confirmed");
  const me = ok(await connect(contract, signed.tokens.access_token).GET("/v1/me"), 200);
  check(me.email_verified_at !== null, "the address is verified after the page's form");
  console.log("  verification link: confirmed in the browser");

  ok(await api.POST("/v1/auth/password-reset", { body: { email } }), 202);
  const resetMail = await mailTo(email, "Reset your acupress password");
  await submit(page, linkIn(resetMail), "Password changed", async (p) => {
    await p.locator("input[name=new_password]").fill(NEW_PASSWORD);
  });
  refused(await connect(contract, signed.tokens.access_token).GET("/v1/me"), 401, "session_revoked");
  refused(await api.POST("/v1/auth/login", { body: { email, password: PASSWORD } }), 401, "invalid_credentials");
  ok(await api.POST("/v1/auth/login", { body: { email, password: NEW_PASSWORD } }), 200);
  console.log("  reset link: new password set in the browser, old devices signed out");
  check(contract.violations.size === 0, `contract violations: ${JSON.stringify([...contract.violations.keys()])}`);
}

async function main(): Promise<number> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  const failures: string[] = [];
  try {
    // No script at all: the forms must work without it.
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    page.setDefaultTimeout(15_000);
    page.on("console", (message) => {
      if (message.type() === "error") failures.push(`console error on ${page.url()}: ${message.text()}`);
    });
    await run(page);
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    await browser.close();
  }
  console.log(`mail pages: ${failures.length} failure(s)`);
  for (const failure of failures) console.log(`  mail pages: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
