// An account recovered by email, as an app does it: the verification code read from the
// checks' SMTP listener, a password reset by code that signs the old devices out, a move
// to a new address confirmed by code, and the security log that tells it all.
import { randomUUID } from "node:crypto";
import { type Api, type Closed, type Schemas, check, connect, ok, refused } from "../api.js";
import type { Contract } from "../contract.js";
import { codeIn, mailTo } from "../mail.js";
import { PASSWORD } from "./account.js";

type Kind = Closed<Schemas["SecurityEventKind"]>;
const NEW_PASSWORD = "lantern seventeen cobalt moth";

/** Every event of the log, newest first, read two a page. */
async function securityLog(api: Api): Promise<Kind[]> {
  const kinds: Kind[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const query = cursor === undefined ? { limit: 2 } : { limit: 2, cursor };
    const got = ok(await api.GET("/v1/me/security-events", { params: { query } }), 200);
    for (const event of got.items) {
      const kind: Kind = event.kind;
      kinds.push(kind);
    }
    if (got.next_cursor === null) return kinds;
    cursor = got.next_cursor;
  }
  throw new Error("the security log did not end");
}

export async function recovery(contract: Contract, anonymous: Api): Promise<string> {
  const email = `recovery-${randomUUID()}@example.org`;
  const body = { email, password: PASSWORD, display_name: "Recovery", device_name: "phone" };
  const signed = ok(await anonymous.POST("/v1/auth/register", { body }), 201);
  const phone = connect(contract, signed.tokens.access_token);
  check(signed.user.email_verified_at === null, "a new address is not verified");
  const verify = codeIn(await mailTo(email, "Confirm your email"));
  refused(await phone.POST("/v1/auth/verify-email", { body: { code: verify === "000000" ? "111111" : "000000" } }), 422, "code_invalid");
  const verified = ok(await phone.POST("/v1/auth/verify-email", { body: { code: verify } }), 200);
  check(verified.email_verified_at !== null, "the code verifies the address");

  const accepted = ok(await anonymous.POST("/v1/auth/password-reset", { body: { email } }), 202);
  const unknown = ok(await anonymous.POST("/v1/auth/password-reset", { body: { email: `nobody-${email}` } }), 202);
  check(accepted.detail === unknown.detail, "the same answer for an unknown address");
  const reset = codeIn(await mailTo(email, "Reset your acupress password"));
  const confirm = { email, code: reset, new_password: NEW_PASSWORD, device_name: "laptop" };
  const laptopAuth = ok(await anonymous.POST("/v1/auth/password-reset/confirm", { body: confirm }), 200);
  check("tokens" in laptopAuth, "no second factor asked of this account");
  refused(await phone.GET("/v1/me"), 401, "session_revoked");
  refused(await anonymous.POST("/v1/auth/refresh", { body: { refresh_token: signed.tokens.refresh_token } }), 401, "invalid_refresh_token");
  refused(await anonymous.POST("/v1/auth/login", { body: { email, password: PASSWORD } }), 401, "invalid_credentials");
  const laptop = connect(contract, laptopAuth.tokens.access_token);

  const moved = `moved-${email}`;
  const sent = ok(await laptop.PUT("/v1/me/email", { body: { new_email: moved, password: NEW_PASSWORD } }), 202);
  check(sent.sent_to === moved, "the code goes to the new address");
  await mailTo(email, "Your acupress account is moving");
  const change = codeIn(await mailTo(moved, "Your acupress code to confirm this address"));
  const user = ok(await laptop.POST("/v1/me/email/confirm", { body: { code: change } }), 200);
  check(user.email === moved && user.email_verified_at !== null, "the account is at its new address");

  const kinds = await securityLog(laptop);
  // Newest first; the sign-in with the old password after the reset failed.
  const expected: Kind[] = [
    "email_change_confirmed",
    "email_change_requested",
    "sign_in_failed",
    "password_reset",
    "email_verified",
    "signed_up",
  ];
  check(JSON.stringify(kinds) === JSON.stringify(expected), `the security log: ${kinds.join(", ")}`);
  return kinds.join(", ");
}
