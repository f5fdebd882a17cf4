import type { Validator } from "@cfworker/json-schema";

/**
 * One operation of the route document as the gateway enforces it: what its `x-gateway` object
 * says, with the document's schemas compiled. Built once per isolate (compile-routes.ts).
 */
export interface Operation {
  /** The operationId, or `METHOD /path` when it has none: for logs and errors. */
  id: string;
  method: string;
  /** The path template, as the document spells it (`/v1/submissions/{id}`). */
  template: string;
  /** The scope a key needs; null: any valid key. */
  scope: string | null;
  /** Units of the per-minute window it costs. */
  cost: number;
  /** Its body limit; null: the policy's (job starts: `submission_body_limit_bytes`). */
  bodyLimitBytes: number | null;
  /** `Idempotency-Key` is processed (only ever on POST, PATCH and DELETE). */
  idempotency: boolean;
  /** Takes a unit of the daily quota (refunded when the origin does not answer 2xx). */
  dailyQuota: boolean;
  job: JobRole | null;
  /** Body fields capped by a tier policy field. */
  tierCaps: readonly TierCap[];
  query: readonly QueryParameter[];
  /** The JSON body's schema; null: the body is not validated. */
  body: Validator | null;
  /** `requestBody.required`: an empty body is refused; otherwise it skips the checks. */
  bodyRequired: boolean;
  /** The body must be read before admission (a schema or caps to check). */
  readsBody: boolean;
}

/** What an operation does to a job (an API submission in flight, contract section 5). */
export type JobRole =
  /** Starts one and takes a slot; the 2xx body holds its id at `idPointer`. */
  | { role: "start"; idPointer: string }
  /** Reads one: its status at `statusPointer` ends it when terminal. */
  | { role: "read"; idParam: string; statusPointer: string; terminal: ReadonlySet<string> }
  /** Ends one on a 2xx. */
  | { role: "end"; idParam: string };

export interface TierCap {
  /** The body field, as a JSON pointer and as the dotted name errors give. */
  pointer: string;
  field: string;
  /** The pointer's reference tokens, unescaped. */
  tokens: readonly string[];
  /** The tier policy field that caps it (`max_num_genes`). */
  policyField: string;
}

export interface QueryParameter {
  name: string;
  /** How the one string value is read before the schema checks it. */
  type: "string" | "integer" | "number" | "boolean";
  required: boolean;
  /** The schema's bounds, checked first with a message of their own (no validator run). */
  bounds: QueryBounds;
  /** The full schema; null when the bounds are all it says (the common case). */
  schema: Validator | null;
}

/** A query value's bounds: numeric (`minimum`, `maximum`) or a string's length. */
export interface QueryBounds {
  minimum: number | null;
  maximum: number | null;
  minLength: number | null;
  maxLength: number | null;
}
