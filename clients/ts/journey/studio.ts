// The content studio as an editor's tool uses it: an admin changes a precaution, the
// apps see it through the public API at once (through the balancer too, whichever
// instance answers), a change on a stale revision is refused, and the item goes back.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { type Api, check, ok, refused } from "../api.js";
import type { Contract } from "../contract.js";
import { register } from "./account.js";

const SLUG = "open-wounds";
const DEADLINE_MS = 2000;

/**
 * Makes `email` an admin with `acupress admin grant`, on the database the server uses
 * (JOURNEY_ACUPRESS_BIN and JOURNEY_DATABASE_URL, set by scripts/clients-lib.sh).
 */
function grantAdmin(email: string): void {
  const bin = process.env.JOURNEY_ACUPRESS_BIN;
  const database = process.env.JOURNEY_DATABASE_URL;
  if (bin === undefined || database === undefined) {
    throw new Error("set JOURNEY_ACUPRESS_BIN and JOURNEY_DATABASE_URL to grant the admin role");
  }
  execFileSync(bin, ["admin", "grant", email], { env: { ...process.env, DATABASE_URL: database }, stdio: "pipe" });
}

/** The precaution's title as the public API serves it now. */
async function publicTitle(api: Api): Promise<string | undefined> {
  const safety = ok(await api.GET("/v1/safety"), 200);
  return safety.precautions.find((p) => p.slug === SLUG)?.title;
}

/** Polls the public API until it serves `title` (at most DEADLINE_MS); answers the wait. */
async function seen(api: Api, title: string): Promise<number> {
  const started = performance.now();
  while ((await publicTitle(api)) !== title) {
    check(performance.now() - started < DEADLINE_MS, `the public API did not serve "${title}" in ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Math.round(performance.now() - started);
}

export async function editPrecaution(contract: Contract, anonymous: Api): Promise<string> {
  const email = `journey-editor-${randomUUID()}@example.org`;
  const editor = await register(contract, anonymous, email);
  grantAdmin(email);
  const path = { slug: SLUG };
  const read = await editor.api.GET("/v1/admin/precautions/{slug}", { params: { path } });
  const item = ok(read, 200);
  const etag = read.response.headers.get("etag");
  // A compressed answer's ETag names its coding too ("2-gzip"); If-Match takes either.
  const revision = etag?.replace(/-(gzip|br|deflate|zstd)"$/, '"');
  check(etag !== null && revision === `"${item.revision}"`, `the item's ETag is its revision: ${etag}`);
  const original = item.content.title;

  const title = `${original} (edited)`;
  const edited = ok(
    await editor.api.PATCH("/v1/admin/precautions/{slug}", {
      params: { path, header: { "if-match": etag } },
      body: { title },
    }),
    200,
  );
  check(edited.revision === item.revision + 1 && edited.edited, "the edit is a new revision, an admin's");
  const waited = await seen(anonymous, title);

  const stale = await editor.api.PATCH("/v1/admin/precautions/{slug}", {
    params: { path, header: { "if-match": etag } },
    body: { title: "Never written" },
  });
  refused(stale, 412, "revision_mismatch");

  const back = ok(
    await editor.api.POST("/v1/admin/precautions/{slug}/restore", {
      params: { path, header: { "if-match": `"${edited.revision}"` } },
      body: { revision: item.revision },
    }),
    200,
  );
  check(back.content.title === original, "restored to the first revision");
  await seen(anonymous, original);
  const audit = ok(
    await editor.api.GET("/v1/admin/audit", { params: { query: { subject: `precaution:${SLUG}` } } }),
    200,
  );
  const actions = audit.items.map((entry) => entry.action);
  check(actions[0] === "restore" && actions[1] === "update", `the audit tells both changes: ${actions.join(", ")}`);
  return `served after ${waited} ms`;
}
