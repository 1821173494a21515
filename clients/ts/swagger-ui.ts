// Swagger UI in a real browser: Debian's Chromium, headless, driven by playwright-core
// (which never downloads a browser of its own). Opens /docs, checks that every tag and
// operation of openapi/openapi.json is listed, authorizes with a fresh user's token,
// runs "Try it out" on a public and an authenticated operation, checks that an
// untouched "Try it out" on GET /v1/points sends no filters, and saves a screenshot.
//
//   ACUPRESS_TEST_BASE_URL=http://127.0.0.1:8080 npx tsx ts/swagger-ui.ts
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Page, chromium } from "playwright-core";
import { baseUrl, check, connect, ok } from "./api.js";
import { Contract, isObject, member } from "./contract.js";

const SPEC = fileURLToPath(new URL("../../openapi/openapi.json", import.meta.url));
const SCREENSHOT = process.env.SWAGGER_UI_SCREENSHOT ?? fileURLToPath(new URL("../../target/swagger-ui.png", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

interface Operation {
  method: string;
  path: string;
  operationId: string;
  tag: string;
}

/** Every operation of the committed spec, with its first tag. */
function operations(): Operation[] {
  const spec: unknown = JSON.parse(readFileSync(SPEC, "utf8"));
  const paths = member(spec, "paths");
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(isObject(paths) ? paths : {})) {
    for (const [method, operation] of Object.entries(isObject(item) ? item : {})) {
      if (!METHODS.has(method)) continue;
      const tags = member(operation, "tags");
      const tag = Array.isArray(tags) ? String(tags[0]) : "default";
      found.push({ method, path, operationId: String(member(operation, "operationId")), tag });
    }
  }
  return found;
}

/** What Swagger UI lists: tags, and each operation as "method path". */
async function listed(page: Page): Promise<{ tags: Set<string>; operations: Set<string> }> {
  const tags = await page.locator(".opblock-tag[data-tag]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-tag") ?? ""));
  const operations = await page
    .locator(".opblock")
    .evaluateAll((nodes) =>
      nodes.map(
        (n) =>
          `${(n.querySelector(".opblock-summary-method")?.textContent ?? "").toLowerCase()} ${n.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? ""}`,
      ),
    );
  return { tags: new Set(tags), operations: new Set(operations) };
}

/** Expands an operation, presses "Try it out" and Execute untouched; the status shown and the URL sent. */
async function tryItOut(page: Page, operation: Operation): Promise<{ status: string; url: string }> {
  const block = page.locator(`#operations-${operation.tag}-${operation.operationId}`);
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  const sent = page.waitForRequest((request) => request.url().startsWith(`${baseUrl()}${operation.path.replace(/\{.*$/, "")}`));
  await block.locator("button.execute").click();
  const request = await sent;
  const status = block.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor();
  return { status: (await status.textContent())?.trim() ?? "", url: request.url() };
}

async function authorize(page: Page, token: string): Promise<void> {
  await page.locator("button.authorize").first().click();
  const dialog = page.locator(".modal-ux");
  await dialog.locator("input").first().fill(token);
  await dialog.locator("button.authorize").click();
  await dialog.locator("button.btn-done").click();
}

async function freshToken(): Promise<string> {
  const api = connect(new Contract(SPEC));
  const body = { email: `swagger-${randomUUID()}@example.org`, password: "mossy anchor violin seven", display_name: "Swagger" };
  return ok(await api.POST("/v1/auth/register", { body }), 201).tokens.access_token;
}

function find(all: Operation[], method: string, path: string): Operation {
  const found = all.find((operation) => operation.method === method && operation.path === path);
  check(found !== undefined, `the spec has ${method.toUpperCase()} ${path}`);
  return found;
}

async function run(page: Page, failures: string[]): Promise<void> {
  const all = operations();
  await page.goto(`${baseUrl()}/docs/`);
  await page.locator(".opblock").first().waitFor();
  const shown = await listed(page);
  for (const tag of new Set(all.map((operation) => operation.tag))) {
    if (!shown.tags.has(tag)) failures.push(`tag ${tag} is not listed`);
  }
  for (const operation of all) {
    if (!shown.operations.has(`${operation.method} ${operation.path}`)) {
      failures.push(`${operation.method.toUpperCase()} ${operation.path} is not listed`);
    }
  }
  console.log(`  listed: ${shown.tags.size} tags, ${shown.operations.size} operations (spec: ${all.length})`);

  const point = await tryItOut(page, find(all, "get", "/v1/points/{code}"));
  if (point.status !== "200") failures.push(`GET /v1/points/{code} untouched shows ${point.status} (${point.url})`);
  await authorize(page, await freshToken());
  const me = await tryItOut(page, find(all, "get", "/v1/me"));
  if (me.status !== "200") failures.push(`GET /v1/me after Authorize shows ${me.status}`);
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.locator(`#operations-me-get_me`).screenshot({ path: SCREENSHOT });

  const points = await tryItOut(page, find(all, "get", "/v1/points"));
  const query = new URL(points.url).searchParams;
  if ([...query.keys()].length > 0) {
    failures.push(`an untouched "Try it out" on GET /v1/points sends ${query.toString()} (answered ${points.status})`);
  }
  console.log(`  try it out: /v1/points/{code} ${point.status}, /v1/me ${me.status}, /v1/points ${points.status}`);
}

async function main(): Promise<number> {
  const started = performance.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  const failures: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await run(page, failures);
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    await browser.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`swagger ui: ${failures.length} failure(s) in ${seconds} s; screenshot ${SCREENSHOT}`);
  for (const failure of failures) console.log(`  swagger ui: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
