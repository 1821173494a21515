// Accounts as an app handles them: sign up on the phone, sign in on a tablet, a safety
// profile, token refresh with rotation, the sign-in rate limit, export and deletion.
import { randomUUID } from "node:crypto";
import { type Api, type Closed, type Schemas, answered, check, connect, ok, refused, setting } from "../api.js";
import type { Contract } from "../contract.js";

type TokenPair = Schemas["TokenPair"];
type User = Schemas["User"];

export const PASSWORD = "violet harbour tram eleven";

/** A signed-in device: its client and the tokens it holds. */
export interface Device {
  api: Api;
  tokens: TokenPair;
}

function signedIn(contract: Contract, tokens: TokenPair): Device {
  // The type says it: `token_type` is the one value `Bearer`, and Ajv checks the answer.
  const tokenType: Closed<TokenPair["token_type"]> = tokens.token_type;
  check(tokens.access_token.length > 0, `a ${tokenType} access token`);
  return { api: connect(contract, tokens.access_token), tokens };
}

/** What the profile screen shows: every field is there, some of them null. */
function profileLine(user: User): string {
  const email: string | null = user.email;
  const lang: Schemas["Lang"] = user.locale;
  return `${user.display_name} <${email ?? "guest"}> ${lang} ${user.time_zone}`;
}

export async function register(contract: Contract, api: Api, email: string): Promise<Device> {
  const body = { email, password: PASSWORD, display_name: "Journey", device_name: "phone" };
  const auth = ok(await api.POST("/v1/auth/register", { body }), 201);
  check(auth.user.email === email && !auth.user.is_guest, "the new account is a full account");
  return signedIn(contract, auth.tokens);
}

export async function login(contract: Contract, api: Api, email: string, deviceName: string): Promise<Device> {
  const auth = ok(await api.POST("/v1/auth/login", { body: { email, password: PASSWORD, device_name: deviceName } }), 200);
  check("tokens" in auth, "no second factor asked of this account");
  return signedIn(contract, auth.tokens);
}

/** Pregnant from now on, in Berlin: later sessions warn about points to avoid. */
export async function safetyProfile(device: Device): Promise<string> {
  const body = { time_zone: "Europe/Berlin", safety_profile: { pregnant: true } };
  const user = ok(await device.api.PATCH("/v1/me", { body }), 200);
  check(user.safety_profile.pregnant && !user.safety_profile.bleeding_risk, "only pregnancy is set");
  const again = ok(await device.api.GET("/v1/me"), 200);
  check(again.time_zone === "Europe/Berlin", "the time zone is kept");
  return profileLine(again);
}

/** A safety check before pressing: signed in, the account's own profile is used. */
export async function safetyCheck(device: Device, anonymous: Api): Promise<string> {
  const mine = ok(await device.api.POST("/v1/safety/check", { body: { points: ["LI4", "PC6"] } }), 200);
  const source: Closed<typeof mine.profile_source> = mine.profile_source;
  check(source === "account" && mine.profile.pregnant, "the account's profile is used");
  const [first] = mine.warnings;
  check(first?.code === "pregnancy_contraindicated" && first.point === "LI4", "LI4 is to be avoided in pregnancy");
  check(first.sources.length > 0, "the warning says which teaching lists flag LI4");
  const profile = { pregnant: false, bleeding_risk: false, varicose_veins: true, recent_surgery_or_fracture: false, skin_condition: false };
  const theirs = ok(await anonymous.POST("/v1/safety/check", { body: { routine: "knee-ease", profile } }), 200);
  check(theirs.warnings.every((w) => w.code === "varicose_veins_leg" && w.precaution === "varicose-veins"), "leg points warn");
  const point = ok(await device.api.GET("/v1/points/{code}", { params: { path: { code: "li-4" } } }), 200);
  check(point.warnings?.some((w) => w.code === "pregnancy_contraindicated") === true, "a signed-in read of LI4 warns");
  return `${mine.warnings.length} warning(s) for the account, ${theirs.warnings.length} for the profile sent`;
}

/**
 * Refresh rotation: the new pair works, the old refresh token is refused once the
 * grace period is over, and that reuse signs the device out (the new pair too).
 */
export async function refreshRotation(contract: Contract, api: Api, device: Device): Promise<void> {
  const old = device.tokens.refresh_token;
  const pair = ok(await api.POST("/v1/auth/refresh", { body: { refresh_token: old } }), 200);
  check(pair.refresh_token !== old && pair.session_id === device.tokens.session_id, "refresh rotates the token");
  const rotated = signedIn(contract, pair);
  ok(await rotated.api.GET("/v1/me"), 200);
  const graceMs = setting("ACUPRESS_REFRESH_GRACE_SECS", 10) * 1000;
  await new Promise((resolve) => setTimeout(resolve, graceMs + 1000));
  refused(await api.POST("/v1/auth/refresh", { body: { refresh_token: old } }), 401, "refresh_token_reused");
  refused(await rotated.api.GET("/v1/me"), 401, "session_revoked");
}

/**
 * The per-account sign-in limit holds across every instance: a fresh account takes
 * one attempt to register, so the burst runs out on the wrong password that follows
 * burst - 1 others, whichever instance answers.
 */
export async function rateLimit(api: Api): Promise<number> {
  const burst = setting("ACUPRESS_AUTH_RATE_ACCOUNT_BURST", 10);
  const email = `limit-${randomUUID()}@example.org`;
  ok(await api.POST("/v1/auth/register", { body: { email, password: PASSWORD, display_name: "Limit" } }), 201);
  const wrong = { email, password: "not the password at all" };
  for (let attempt = 1; attempt < burst; attempt += 1) {
    refused(await api.POST("/v1/auth/login", { body: wrong }), 401, "invalid_credentials");
  }
  const limited = await api.POST("/v1/auth/login", { body: wrong });
  refused(limited, 429, "rate_limited");
  const retryAfter = Number(limited.response.headers.get("retry-after"));
  check(retryAfter > 0, "a 429 says when to try again");
  return retryAfter;
}

/** The export holds the account and its history, as a file to save. */
export async function exportAccount(device: Device, sessions: number): Promise<void> {
  const outcome = await device.api.GET("/v1/me/export");
  const exported = ok(outcome, 200);
  const disposition = outcome.response.headers.get("content-disposition") ?? "";
  check(disposition.startsWith("attachment"), "the export is offered as a file");
  check(exported.sessions.length === sessions, `the export holds ${sessions} sessions`);
  for (const device of exported.devices) {
    const revokedAt: string | null = device.revoked_at;
    const userAgent: string | null = device.user_agent;
    check(revokedAt === null || revokedAt.length > 0, `device ${device.device_name} (${userAgent ?? "no agent"})`);
  }
}

/** Deleting the account signs every device out: the old token is refused. */
export async function deleteAccount(device: Device): Promise<void> {
  const deleted = await device.api.DELETE("/v1/me", { body: { password: PASSWORD } });
  answered(deleted.response, 204);
  refused(await device.api.GET("/v1/me"), 401, "session_revoked");
}
