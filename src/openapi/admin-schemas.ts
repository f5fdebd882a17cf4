import { AUDIT_ACTIONS } from "../audit/audit-entry";
import { ADMIN_SCOPES } from "../directory/credential-store";
import { ACCOUNT_STATUSES } from "../model/records";
import {
  count,
  dataOf,
  dateTime,
  flag,
  integer,
  listOf,
  nullable,
  object,
  oneOf,
  ref,
  type Schema,
  text,
} from "./schema";

/**
 * The admin API's bodies and views (contract sections 4 and 11). Bodies are as strict as
 * admin/admin-input.ts (an unknown field is 400 `invalid_body`); views as admin/admin-views.ts
 * writes them, every field present.
 */

export const ACCOUNT_ID: Schema = { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" };
export const KEY_ID: Schema = { type: "string", pattern: "^key_[0-9A-Za-z]{16}$" };
export const CREDENTIAL_ID: Schema = { type: "string", pattern: "^cred_[0-9A-Za-z]{16}$" };
/** Who made an admin call: an admin credential's id, or "bootstrap" for ADMIN_TOKEN. */
export const ACTOR: Schema = {
  type: "string",
  pattern: "^(bootstrap|cred_[0-9A-Za-z]{16})$",
  description: 'An admin credential id, or "bootstrap" (ADMIN_TOKEN)',
};
/** Bounds of admin-input.ts. */
const MAX_NAME_LENGTH = 200;
const MAX_GRACE_SECONDS = 30 * 86_400;

/** A limit: a positive integer, or null for none (a key) or the tier's (an account). */
const limit = nullable(integer(1));
const tier: Schema = { type: "string", minLength: 1, description: "A tier of GATEWAY_POLICY" };
const status = oneOf(ACCOUNT_STATUSES);
/** A scope the route document declares (`x-gateway.scopes`). */
const scopes = listOf(text);
const keyName = nullable({ type: "string", maxLength: MAX_NAME_LENGTH });
const used = (more: Record<string, Schema> = {}) => object({ used: count, limit: count, ...more });

const account = {
  id: ACCOUNT_ID,
  tier,
  status,
  created_at: dateTime,
  limits: ref("AccountLimits"),
};
const issuedKey = {
  id: KEY_ID,
  key: { type: "string", description: "The key's secret, shown only here" },
  account_id: ACCOUNT_ID,
  scopes,
  name: keyName,
  created_at: dateTime,
  expires_at: nullable(dateTime),
};
const adminScopes = listOf(oneOf(ADMIN_SCOPES));
const credential = {
  id: CREDENTIAL_ID,
  name: text,
  scopes: adminScopes,
  created_at: dateTime,
};

export function adminSchemas(): Record<string, Schema> {
  return {
    AccountLimits: object({ per_minute: limit, in_flight: limit, per_day: limit }),
    KeyLimits: object({ per_minute: limit }),
    Account: object(account),
    AccountWithUsage: object({
      ...account,
      usage: object({ minute: used(), daily: used(), active: used({ submissions: listOf(text) }) }),
    }),
    AccountList: dataOf(ref("Account"), { next_cursor: nullable(text) }),
    AccountCreate: object({ id: ACCOUNT_ID }, { tier, status }),
    AccountPatch: object(
      {},
      { tier, status, limits: object({}, { per_minute: limit, in_flight: limit, per_day: limit }) },
    ),
    Key: object({
      id: KEY_ID,
      account_id: ACCOUNT_ID,
      scopes,
      name: keyName,
      created_at: dateTime,
      expires_at: nullable(dateTime),
      revoked_at: nullable(dateTime),
      rotated_at: nullable(dateTime),
      limits: ref("KeyLimits"),
    }),
    IssuedKey: object(issuedKey),
    KeyList: dataOf(ref("Key")),
    KeyCreate: object(
      { account_id: ACCOUNT_ID, scopes },
      { name: keyName, expires_at: nullable(dateTime), limits: object({}, { per_minute: limit }) },
    ),
    KeyPatch: object(
      {},
      {
        scopes,
        name: keyName,
        expires_at: nullable(dateTime),
        limits: object({}, { per_minute: limit }),
      },
    ),
    KeyRotate: object(
      {},
      {
        grace_seconds: {
          ...integer(0, MAX_GRACE_SECONDS),
          description: "How long the old key keeps working; default 3600",
        },
      },
    ),
    Revoked: object({ id: text, revoked_at: dateTime }),
    Released: object({ released: flag }),
    UsageSeries: dataOf(
      object({
        start: dateTime,
        admitted: count,
        units: count,
        rejected: {
          type: "object",
          description: "Error code → rejections",
          propertyNames: ref("ErrorCode"),
          additionalProperties: count,
        },
        origin: object({ "2xx": count, "3xx": count, "4xx": count, "5xx": count }),
      }),
    ),
    RejectionList: dataOf(
      object({
        at: dateTime,
        request_id: text,
        code: ref("ErrorCode"),
        status: integer(400, 599),
        key_id: KEY_ID,
        method: text,
        path: text,
      }),
    ),
    AuditList: dataOf(
      object({
        id: text,
        at: dateTime,
        actor: ACTOR,
        action: oneOf(AUDIT_ACTIONS),
        target: text,
        account_id: nullable(ACCOUNT_ID),
        request_id: text,
        before: nullable({ type: "object", description: "The resource's admin view" }),
        after: nullable({ type: "object", description: "The resource's admin view" }),
      }),
    ),
    Credential: object({ ...credential, revoked_at: nullable(dateTime) }),
    IssuedCredential: object({
      ...credential,
      secret: {
        type: "string",
        pattern: "^gwadmin_[0-9A-Za-z]{48}$",
        description: "The credential's secret, shown only here",
      },
      revoked_at: { type: "null" },
    }),
    CredentialList: dataOf(ref("Credential")),
    WhoAmI: object({
      actor: ACTOR,
      scopes: adminScopes,
      key_scopes: {
        ...listOf({ type: "string" }),
        description: "The scopes an API key may be given: those the route document declares",
      },
      tiers: { ...listOf({ type: "string" }), description: "The policy's tier names" },
    }),
    CredentialCreate: object({
      name: { type: "string", minLength: 1, maxLength: 100, pattern: "\\S" },
      scopes: { ...adminScopes, minItems: 1 },
    }),
    /** Not read by the gateway; send nothing or `{}`. */
    Empty: { type: "object", maxProperties: 0 },
  };
}
