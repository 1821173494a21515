// The generated client (openapi-fetch over the types openapi-typescript makes from the
// committed spec), with every response checked against the spec, and the few helpers
// the journeys share.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "../generated/api.js";
import { Contract } from "./contract.js";

export type Api = Client<paths>;
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

/**
 * Compiles only for a closed set of values: when the spec types a field as plain
 * `string`, this is `never` and assigning the field to it fails, which is how the
 * journeys say "this should be a named enum".
 */
export type Closed<T> = string extends T ? never : T;

/** The server under test: ACUPRESS_TEST_BASE_URL, as every black-box check reads it. */
export function baseUrl(): string {
  const url = process.env.ACUPRESS_TEST_BASE_URL;
  if (url === undefined || url === "") throw new Error("set ACUPRESS_TEST_BASE_URL to the server's base URL");
  return url.replace(/\/+$/, "");
}

/** A number from the environment, for the server settings a journey must know. */
export function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

function checking(contract: Contract): Middleware {
  return {
    async onResponse({ request, response, schemaPath }) {
      const body = await response.clone().text();
      contract.check({ method: request.method, template: schemaPath, status: response.status, headers: response.headers, body });
      return undefined;
    },
  };
}

/** A client for one device: anonymous, or signed in with an access token. */
export function connect(contract: Contract, accessToken?: string): Api {
  const headers: Record<string, string> = accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` };
  const client = createClient<paths>({ baseUrl: baseUrl(), headers });
  client.use(checking(contract));
  return client;
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

interface Outcome<T, E> {
  data?: T;
  error?: E;
  response: Response;
}

/** The body of a success with the expected status; anything else stops the journey. */
export function ok<T, E>(outcome: Outcome<T, E>, status: number): T {
  const { data, error, response } = outcome;
  check(
    response.status === status && data !== undefined,
    `${response.url}: expected ${status}, got ${response.status} ${JSON.stringify(error ?? null)}`,
  );
  return data;
}

/** A refusal with the expected status and problem code (one of the code enum, so a typo does not compile). */
export function refused<T>(outcome: Outcome<T, Problem>, status: number, code: Closed<Problem["code"]>): Problem {
  const { error, response } = outcome;
  check(
    response.status === status && error !== undefined && error.code === code,
    [`${response.url}: expected ${status}`, code, `got ${response.status} ${JSON.stringify(error ?? null)}`].join(" "),
  );
  return error;
}

/** No body expected (204, 304): the status alone. */
export function answered(response: Response, status: number): void {
  check(response.status === status, `${response.url}: expected ${status}, got ${response.status}`);
}
