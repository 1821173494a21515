// The journeys' own Sign in with Apple and Google: an RSA key (Apple, RS256) and a P-256
// key (Google, ES256) made at start, published as JWKS documents over HTTP on loopback
// (the servers under test are started with ACUPRESS_*_JWKS_URL pointing here), and ID
// tokens signed with them as the providers' SDKs hand them to an app. Codes of an
// authenticator app (RFC 6238) too.
import { createHash, createHmac, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { type Server, createServer } from "node:http";

export const APPLE_CLIENT = "com.example.acupress.journey";
export const GOOGLE_CLIENT = "journey.apps.googleusercontent.com";

type Provider = "apple" | "google";

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function signingKey(provider: Provider): SigningKey {
  const kid = `${provider}-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } =
    provider === "apple"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const alg = provider === "apple" ? "RS256" : "ES256";
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, alg, use: "sig" } };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

/** The SHA-256 of a raw nonce in hex, as Apple carries it. */
export function hashedNonce(raw: string): string {
  return createHash("sha256").update(raw).digest("hex");
}

/** The port the servers were told to fetch keys from (JOURNEY_IDP_PORT). */
function port(): number {
  const value = Number(process.env.JOURNEY_IDP_PORT ?? "");
  if (!Number.isInteger(value) || value <= 0) throw new Error("set JOURNEY_IDP_PORT to the port of the journeys' key server");
  return value;
}

export class IdentityProviders {
  private readonly keys: Record<Provider, SigningKey> = { apple: signingKey("apple"), google: signingKey("google") };
  private server: Server | null = null;
  fetches = 0;

  /** Serves /apple/keys and /google/keys on 127.0.0.1:JOURNEY_IDP_PORT. */
  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const provider = request.url === "/apple/keys" ? "apple" : request.url === "/google/keys" ? "google" : null;
      if (provider === null) {
        response.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      const body = JSON.stringify({ keys: [this.keys[provider].jwk] });
      response.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=3600" }).end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port(), "127.0.0.1", resolve);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server !== null) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  /** An ID token of `provider` for `subject`, with `extra` claims (email, nonce...). */
  token(provider: Provider, subject: string, extra: Record<string, unknown>): string {
    const key = this.keys[provider];
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: provider === "apple" ? "https://appleid.apple.com" : "https://accounts.google.com",
      aud: provider === "apple" ? APPLE_CLIENT : GOOGLE_CLIENT,
      sub: subject,
      iat: now,
      exp: now + 600,
      ...extra,
    };
    const input = `${base64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
    const signature =
      key.alg === "RS256"
        ? sign("sha256", Buffer.from(input), key.privateKey)
        : sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${base64url(signature)}`;
  }
}

/** The code an authenticator app shows for `secret` (base 32), `steps` steps from now. */
export function totp(secret: string, steps = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error("the secret is not base 32");
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + steps));
  const mac = createHmac("sha1", Buffer.from(bytes)).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}
