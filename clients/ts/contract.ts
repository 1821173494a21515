// The spec as a run-time contract: every response the journeys see is checked against
// the schema openapi/openapi.json gives for its operation, status and media type
// (OpenAPI 3.1 schemas are JSON Schema 2020-12, so Ajv's 2020 dialect reads them as they
// are), and every header it carries must be documented there.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";

export type JsonObject = Record<string, unknown>;

const SPEC_ID = "acupress:openapi.json";

/**
 * Headers that belong to HTTP itself or to the deployment (framing, negotiation, CORS,
 * browser hardening), sent on every response alike; an operation's own headers
 * (ETag, Location, Retry-After, x-request-id...) must each be documented.
 */
const TRANSPORT_HEADERS = new Set([
  "connection",
  "content-encoding",
  "content-length",
  "content-type",
  "date",
  "keep-alive",
  "transfer-encoding",
  "vary",
  "x-content-type-options",
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-expose-headers",
]);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function member(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

/** A JSON pointer segment (RFC 6901). */
function escape(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Every `x-` member name used in the document, so Ajv's strict mode knows them. */
function extensionKeywords(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) extensionKeywords(item, found);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith("x-")) found.add(key);
      extensionKeywords(item, found);
    }
  }
  return found;
}

export interface Observed {
  method: string;
  template: string;
  status: number;
  headers: Headers;
  body: string;
}

export class Contract {
  private readonly spec: JsonObject;
  private readonly ajv: Ajv2020;
  /** Responses checked so far, and what was wrong with them. */
  checked = 0;
  /** Each kind of violation, with the responses (operation and status) that showed it. */
  readonly violations = new Map<string, Map<string, number>>();

  constructor(specPath: string) {
    const parsed: unknown = JSON.parse(readFileSync(specPath, "utf8"));
    if (!isObject(parsed)) throw new Error(`${specPath} is not a JSON object`);
    this.spec = parsed;
    // Strict: a keyword Ajv does not know is an error, not silently ignored. The
    // OpenAPI members around the schemas are declared as keywords without meaning.
    // `discriminator` is one of them: Ajv's own support refuses `mapping`, and `oneOf`
    // alone already holds, since each variant pins its tag with a one-value enum.
    this.ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    formats.default(this.ajv);
    const documentMembers = ["openapi", "info", "servers", "paths", "components", "tags", "security", "webhooks"];
    const openApiKeywords = ["example", "externalDocs", "xml", "discriminator"];
    const extensions = extensionKeywords(parsed, new Set());
    this.ajv.addVocabulary([...documentMembers, ...openApiKeywords, ...extensions]);
    this.ajv.addSchema({ ...parsed, $id: SPEC_ID });
  }

  /** The operation object of METHOD TEMPLATE, or undefined when the spec has none. */
  operation(method: string, template: string): JsonObject | undefined {
    const found = member(member(this.spec.paths, template), method.toLowerCase());
    return isObject(found) ? found : undefined;
  }

  /** Records a violation; the run fails at the end when there is any. */
  fail(where: string, what: string): void {
    const seen = this.violations.get(what) ?? new Map<string, number>();
    seen.set(where, (seen.get(where) ?? 0) + 1);
    this.violations.set(what, seen);
  }

  /** One line per kind of violation, naming every response that showed it. */
  report(): string[] {
    return [...this.violations].map(([what, seen]) => {
      const where = [...seen].map(([response, times]) => (times > 1 ? `${response} (${times}x)` : response));
      return `${what}: ${where.join(", ")}`;
    });
  }

  check(seen: Observed): void {
    this.checked += 1;
    const where = `${seen.method} ${seen.template} ${seen.status}`;
    const operation = this.operation(seen.method, seen.template);
    if (operation === undefined) {
      this.fail(where, "the spec has no such operation");
      return;
    }
    const [response, pointer] = this.response(operation, seen);
    if (response === undefined) {
      this.fail(where, `status ${seen.status} is not documented`);
      return;
    }
    this.checkHeaders(where, seen.headers, member(response, "headers"));
    const content = member(response, "content");
    const mediaType = (seen.headers.get("content-type") ?? "").replace(/;.*/, "").trim();
    if (seen.body === "") {
      if (isObject(content)) this.fail(where, `documented with a body (${Object.keys(content).join(", ")}), got none`);
      return;
    }
    if (!isObject(content) || content[mediaType] === undefined) {
      {
      this.fail(where, `media type ${mediaType} is not documented`);
      return;
    }
    }
    if (!mediaType.endsWith("json")) return;
    const schemaRef = `${SPEC_ID}#${pointer}/content/${escape(mediaType)}/schema`;
    const validate = this.ajv.getSchema(schemaRef);
    if (validate === undefined) {
      this.fail(where, `no schema for ${mediaType}`);
      return;
    }
    const body: unknown = JSON.parse(seen.body);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
      this.fail(where, `body does not match the schema: ${errors.join("; ")}`);
    }
    const code = member(body, "code");
    if (mediaType === "application/problem+json" && typeof code === "string") {
      this.checkProblemCode(where, operation, seen.status, code);
    }
  }

  /**
   * A problem's code must be one the operation lists under `x-problem-codes`: a list
   * of codes, or lists by status (`{"409": ["sync_conflict"]}`).
   */
  private checkProblemCode(where: string, operation: JsonObject, status: number, code: string): void {
    const listed = member(operation, "x-problem-codes");
    const codes = Array.isArray(listed) ? listed : member(listed, String(status));
    if (listed === undefined) {
      this.fail(where, "the operation lists no problem codes (x-problem-codes)");
    } else if (!Array.isArray(codes) || !codes.includes(code)) {
      this.fail(where, `problem code ${code} is not among the operation's x-problem-codes`);
    }
  }

  /** The response object for the status (its $ref followed) and its JSON pointer. */
  private response(operation: JsonObject, seen: Observed): [JsonObject | undefined, string] {
    const path = `/paths/${escape(seen.template)}/${seen.method.toLowerCase()}/responses`;
    const responses = member(operation, "responses");
    const key = String(seen.status);
    const wildcard = `${key[0]}XX`;
    const chosen = member(responses, key) !== undefined ? key : wildcard;
    let found = member(responses, chosen);
    let pointer = `${path}/${chosen}`;
    const ref = member(found, "$ref");
    if (typeof ref === "string" && ref.startsWith("#/")) {
      pointer = ref.slice(1);
      found = ref
        .slice(2)
        .split("/")
        .reduce<unknown>((at, part) => member(at, part.replaceAll("~1", "/").replaceAll("~0", "~")), this.spec);
    }
    return [isObject(found) ? found : undefined, pointer];
  }

  private checkHeaders(where: string, headers: Headers, documented: unknown): void {
    const names = new Set(Object.keys(isObject(documented) ? documented : {}).map((name) => name.toLowerCase()));
    for (const [name] of headers) {
      if (!TRANSPORT_HEADERS.has(name) && !names.has(name)) {
        this.fail(where, `header ${name} is sent but not documented`);
      }
    }
  }
}
