// The TypeScript journey: what a phone app does against the API, from the offline
// bundle to deleting the account, through the client generated from
// openapi/openapi.json. Every response is checked against the spec at run time; the
// run fails on any mismatch.
//
//   ACUPRESS_TEST_BASE_URL=http://127.0.0.1:8080 npx tsx ts/journey.ts
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { connect } from "./api.js";
import { Contract } from "./contract.js";
import * as account from "./journey/account.js";
import * as catalog from "./journey/catalog.js";
import * as history from "./journey/history.js";
import { identities } from "./journey/identity.js";
import { recovery } from "./journey/recovery.js";
import { editPrecaution } from "./journey/studio.js";
import { syncTwoDevices } from "./journey/sync.js";

const SPEC = fileURLToPath(new URL("../../openapi/openapi.json", import.meta.url));
const SESSIONS = 5;

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`  ok ${name} (${Math.round(performance.now() - started)} ms)`);
  return result;
}

async function journey(contract: Contract): Promise<void> {
  const anonymous = connect(contract);
  await step("offline bundle, then 304 with its ETag", () => catalog.offlineBundle(anonymous));
  await step("search as typed (zusanly)", () => catalog.search(anonymous));
  await step("condition list, page by page", () => catalog.conditionPages(anonymous));
  await step("a condition (insomnia)", () => catalog.condition(anonymous));
  await step("a point in zh-Hans (li-4)", () => catalog.point(anonymous));
  const routine = await step("a routine for insomnia", () => catalog.routine(anonymous));

  const email = `journey-${randomUUID()}@example.org`;
  const phone = await step("register on the phone", () => account.register(contract, anonymous, email));
  const tablet = await step("sign in on the tablet", () => account.login(contract, anonymous, email, "tablet"));
  await step("safety profile: pregnant", () => account.safetyProfile(phone));
  await step("safety check: signed in, and for a profile sent", () => account.safetyCheck(phone, anonymous));

  await step(`${SESSIONS} sessions, the first retried with its Idempotency-Key`, () =>
    history.createSessions(phone.api, routine, SESSIONS),
  );
  const rows = await step("history list, two a page", () => history.listPages(phone.api));
  const [latest] = rows;
  if (latest === undefined || rows.length !== SESSIONS) throw new Error(`expected ${SESSIONS} sessions, listed ${rows.length}`);
  await step("a note on the latest session", () => history.addNote(phone.api, latest, "slept well"));
  await step("a reminder for the routine, seen from the tablet", () => history.reminder(phone.api, tablet.api, routine));
  await step("favorites: a point and the routine, run as a routine", () => history.favorites(phone.api, routine));
  const kept = await step("sync from the tablet: pull, stale push 409, push", () =>
    syncTwoDevices(phone.api, tablet.api, routine, SESSIONS),
  );
  await step("statistics", () => history.stats(phone.api, kept));

  await step("refresh rotation, then reuse of the old token", () => account.refreshRotation(contract, anonymous, phone));
  await step("sign-in rate limit on a fresh account", () => account.rateLimit(anonymous));
  await step("recovery by email: verify, reset (old tokens refused), a new address, the security log", () =>
    recovery(contract, anonymous),
  );
  await step("Sign in with Apple, Google linked, two-factor on, signed in with a code and a recovery code", () =>
    identities(contract, anonymous),
  );
  await step("an admin edits a precaution: served at once, 412 on a stale revision, restored", () =>
    editPrecaution(contract, anonymous),
  );
  await step("export", () => account.exportAccount(tablet, kept));
  await step("own routine from the routine: a favorite, a session, recommended; LI4 409 until acknowledged", () =>
    history.ownRoutine(tablet.api, routine));
  await step("refusals: a field out of range, a reused key, a mangled cursor", () => history.refusals(tablet.api, routine));
  await step("delete the account; the old token is refused", () => account.deleteAccount(tablet));
}

async function main(): Promise<number> {
  const contract = new Contract(SPEC);
  const started = performance.now();
  let failure: string | null = null;
  try {
    await journey(contract);
  } catch (error) {
    failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`journey: ${contract.checked} responses checked against the spec in ${seconds} s`);
  for (const line of contract.report()) console.log(`  spec mismatch: ${line}`);
  if (failure !== null) console.log(`journey failed: ${failure}`);
  return failure === null && contract.violations.size === 0 ? 0 : 1;
}

process.exitCode = await main();
