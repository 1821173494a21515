// The server's pages in a real browser: Debian's Chromium, headless, driven by
// playwright-core. A new account's verification mail is read where the checks' SMTP
// listener writes it (MAIL_SINK_DIR, see ts/smtp-sink.ts), its link is opened and the
// form confirms the address; then a reset mail's link sets a new password through its
// form, which signs every device out, and the new password signs in; last, the account
// is deleted through /account/delete, with screenshots under target/. Pages must work
// without script under their CSP: a console error (a blocked resource) fails the check.
//
//   ACUPRESS_TEST_BASE_URL=http://127.0.0.1:8080 MAIL_SINK_DIR=/path npx tsx ts/mail-pages.ts
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Page, chromium } from "playwright-core";
import { baseUrl, check, connect, ok, refused } from "./api.js";
import { Contract } from "./contract.js";
import { linkIn, mailTo } from "./mail.js";

const SPEC = fileURLToPath(new URL("../../openapi/openapi.json", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "mossy anchor violin seven";
const NEW_PASSWORD = "seven amber kites drifting";
const SCREENSHOTS = fileURLToPath(new URL("../../target/", import.meta.url));

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

  // Account deletion from the web, as app stores ask for: email, password, a ticked box.
  mkdirSync(SCREENSHOTS, { recursive: true });
  const opened = await page.goto(`${baseUrl()}/account/delete`);
  check(opened !== null && opened.status() === 200, `/account/delete: ${opened?.status() ?? "no answer"}`);
  check((opened.headers()["content-security-policy"] ?? "").includes("form-action 'self'"), "the deletion page has its CSP");
  // The form with the password (the other one mails a code instead).
  const withPassword = page.locator("form", { has: page.locator("input[name=password]") });
  await withPassword.locator("input[name=email]").fill(email);
  await withPassword.locator("input[name=password]").fill("not the password");
  await withPassword.locator("input[name=confirm]").check();
  await withPassword.locator("button[type=submit]").click();
  await page.locator("[role=alert]", { hasText: "not right" }).waitFor();
  await withPassword.locator("input[name=password]").fill(NEW_PASSWORD);
  await withPassword.locator("input[name=confirm]").check();
  await page.screenshot({ path: `${SCREENSHOTS}account-delete.png`, fullPage: true });
  await withPassword.locator("button[type=submit]").click();
  await page.locator("h1", { hasText: "Your account is deleted" }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}account-deleted.png`, fullPage: true });
  refused(await api.POST("/v1/auth/login", { body: { email, password: NEW_PASSWORD } }), 401, "invalid_credentials");
  console.log(`  account deletion page: a wrong password refused, then deleted (screenshots in ${SCREENSHOTS})`);
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
      // The deletion page's 422 for a wrong password is meant; Chromium logs any 4xx page.
      const refusal = page.url().endsWith("/account/delete") && message.text().includes("status of 422");
      if (message.type() === "error" && !refusal) failures.push(`console error on ${page.url()}: ${message.text()}`);
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
