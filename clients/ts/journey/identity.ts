// Sign-in the way phone users do it: Sign in with Apple by ID token (a new account),
// Google linked to it, two-factor sign-in turned on, then signing in with the second
// factor (an authenticator code, then a recovery code), and unlinking down to the last
// way in, which stays.
import { randomUUID } from "node:crypto";
import { type Api, type Schemas, answered, check, connect, ok, refused } from "../api.js";
import type { Contract } from "../contract.js";
import { IdentityProviders, hashedNonce, totp } from "../idp.js";

type SignedIn = Schemas["AuthResponse"];
type Challenge = Schemas["MfaChallenge"];

/** The challenge of a 202 answer (the account asks for a second factor). */
function challengeOf(answer: SignedIn | Challenge): Challenge {
  check("challenge" in answer, "a challenge, not tokens, for a two-factor account");
  return answer;
}

async function waitForFreshStep(): Promise<void> {
  const into = (Date.now() / 1000) % 30;
  if (into > 25) await new Promise((resolve) => setTimeout(resolve, (31 - into) * 1000));
}

export async function identities(contract: Contract, anonymous: Api): Promise<string> {
  const providers = new IdentityProviders();
  await providers.start();
  try {
    const appleId = `journey.${randomUUID()}`;
    const relay = `${randomUUID().slice(0, 8)}@privaterelay.appleid.com`;
    const nonce = randomUUID();
    const appleToken = providers.token("apple", appleId, {
      nonce: hashedNonce(nonce),
      email: relay,
      email_verified: "true",
      is_private_email: "true",
    });
    const body = { provider: "apple" as const, id_token: appleToken, nonce, device_name: "phone", display_name: "Journey" };
    const created = ok(await anonymous.POST("/v1/auth/id-token", { body }), 201);
    check("tokens" in created, "a new account is signed in at once");
    check(created.user.email === relay && created.user.email_verified_at !== null, "Apple's relay address, verified");
    const phone = connect(contract, created.tokens.access_token);

    const googleId = `journey-google-${randomUUID()}`;
    const googleToken = providers.token("google", googleId, { email: `g-${relay}`, email_verified: true });
    const linked = ok(await phone.POST("/v1/me/identities", { body: { provider: "google", id_token: googleToken } }), 201);
    check(linked.provider === "google", "Google is linked");
    const methods = ok(await phone.GET("/v1/me/identities"), 200);
    check(!methods.password && methods.identities.length === 2, "two ways in, no password");

    const enrolment = ok(await phone.POST("/v1/me/mfa/totp", { body: {} }), 200);
    check(enrolment.otpauth_uri.startsWith("otpauth://totp/"), "a link for the authenticator app");
    await waitForFreshStep();
    const enabled = ok(await phone.POST("/v1/me/mfa/totp/confirm", { body: { code: totp(enrolment.secret) } }), 200);
    check(enabled.recovery_codes.length === 10 && enabled.tokens.aal === "aal2", "recovery codes, and this device at aal2");
    const secured = connect(contract, enabled.tokens.access_token);

    const again = ok(await anonymous.POST("/v1/auth/id-token", { body: { provider: "google", id_token: googleToken, device_name: "tablet" } }), 202);
    const challenge = challengeOf(again).challenge;
    refused(await anonymous.POST("/v1/auth/mfa", { body: { challenge, code: "000000" } }), 422, "mfa_code_invalid");
    const tablet = ok(await anonymous.POST("/v1/auth/mfa", { body: { challenge, code: totp(enrolment.secret, 1) } }), 200);
    check(tablet.tokens.aal === "aal2" && tablet.user.id === created.user.id, "the second factor signs the tablet in");

    const laterApple = providers.token("apple", appleId, { nonce: hashedNonce(nonce) });
    const byApple = ok(await anonymous.POST("/v1/auth/id-token", { body: { provider: "apple", id_token: laterApple, nonce } }), 202);
    const recoveryCode = enabled.recovery_codes[0] ?? "";
    ok(await anonymous.POST("/v1/auth/mfa", { body: { challenge: challengeOf(byApple).challenge, recovery_code: recoveryCode } }), 200);
    const status = ok(await secured.GET("/v1/me/mfa"), 200);
    check(status.totp_enabled && status.recovery_codes_left === 9, "one recovery code spent");

    const [apple, google] = ok(await secured.GET("/v1/me/identities"), 200).identities;
    check(apple !== undefined && google !== undefined, "both identities listed");
    answered((await secured.DELETE("/v1/me/identities/{id}", { params: { path: { id: google.id } } })).response, 204);
    refused(await secured.DELETE("/v1/me/identities/{id}", { params: { path: { id: apple.id } } }), 409, "last_sign_in_method");
    answered((await secured.DELETE("/v1/me", { body: {} })).response, 204);
    return `apple, google linked, aal2 by code and recovery code, ${providers.fetches} key fetches`;
  } finally {
    await providers.stop();
  }
}
