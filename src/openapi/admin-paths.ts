import { ACCOUNT_ID, ACTOR, CREDENTIAL_ID, KEY_ID } from "./admin-schemas";
import { operation, pathItem } from "./operations";
import { dateTime, integer, oneOf, ref, type Schema } from "./schema";

/** The admin API (contract sections 4 and 11), under /_gateway/admin. */
const ADMIN = "/_gateway/admin";

const from = { schema: dateTime, description: "Start (RFC 3339)" };
const to = { schema: dateTime, description: "End (RFC 3339); default now" };
const submission: Schema = { type: "string", minLength: 1 };

export function adminPaths(): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  const add = (path: string, params: Record<string, Schema>, ops: Record<string, Schema>) => {
    paths[`${ADMIN}${path}`] = pathItem(`${ADMIN}${path}`, params, ops);
  };

  add(
    "/accounts",
    {},
    {
      get: operation({
        id: "listAccounts",
        summary: "List accounts by id, in pages",
        scope: "admin:read",
        query: {
          prefix: {
            schema: { type: "string", pattern: "^[A-Za-z0-9_-]{0,64}$" },
            description: "Only ids starting with it",
          },
          limit: { schema: { ...integer(1, 100), default: 50 } },
          cursor: { schema: ACCOUNT_ID, description: "A previous page's next_cursor" },
        },
        ok: { status: 200, schema: ref("AccountList"), description: "A page of accounts" },
      }),
      post: operation({
        id: "createAccount",
        summary: "Create an account",
        scope: "admin:write",
        body: { schema: "AccountCreate" },
        ok: { status: 201, schema: ref("Account"), description: "The new account" },
        errors: [409],
      }),
    },
  );
  add(
    "/accounts/{id}",
    { id: ACCOUNT_ID },
    {
      get: operation({
        id: "getAccount",
        summary: "An account with its live usage",
        scope: "admin:read",
        ok: { status: 200, schema: ref("AccountWithUsage"), description: "The account" },
      }),
      patch: operation({
        id: "updateAccount",
        summary: "Change an account's tier, status or own limits",
        scope: "admin:write",
        body: { schema: "AccountPatch" },
        ok: { status: 200, schema: ref("Account"), description: "The account as changed" },
      }),
    },
  );
  add(
    "/accounts/{id}/usage",
    { id: ACCOUNT_ID },
    {
      get: operation({
        id: "getAccountUsage",
        summary: "An account's usage in buckets, oldest first (empty buckets left out)",
        scope: "admin:read",
        query: {
          from: { ...from, description: "Start; default `to` minus 1 h, 24 h or 7 d" },
          to,
          granularity: { schema: { ...oneOf(["minute", "hour", "day"]), default: "minute" } },
          key_id: { schema: KEY_ID, description: "Only this key's usage" },
        },
        ok: { status: 200, schema: ref("UsageSeries"), description: "The buckets" },
      }),
    },
  );
  add(
    "/accounts/{id}/rejections",
    { id: ACCOUNT_ID },
    {
      get: operation({
        id: "listAccountRejections",
        summary: "An account's last rejections, newest first",
        scope: "admin:read",
        query: { limit: { schema: { ...integer(1, 100), default: 100 } } },
        ok: { status: 200, schema: ref("RejectionList"), description: "The rejections" },
      }),
    },
  );
  add(
    "/accounts/{account}/submissions/{submission}/release",
    { account: ACCOUNT_ID, submission },
    {
      post: operation({
        id: "releaseSubmission",
        summary: "Report a submission finished: frees its in-flight slot",
        scope: "admin:write",
        body: { schema: "Empty", optional: true },
        ok: { status: 200, schema: ref("Released"), description: "Whether a slot was freed" },
      }),
    },
  );
  add(
    "/keys",
    {},
    {
      get: operation({
        id: "listKeys",
        summary: "An account's keys (never a secret)",
        scope: "admin:read",
        query: { account_id: { schema: ACCOUNT_ID, required: true } },
        ok: { status: 200, schema: ref("KeyList"), description: "The keys" },
      }),
      post: operation({
        id: "createKey",
        summary: "Issue a key (its secret is shown only in this answer)",
        scope: "admin:write",
        body: { schema: "KeyCreate" },
        ok: { status: 201, schema: ref("IssuedKey"), description: "The new key" },
      }),
    },
  );
  add(
    "/keys/{id}",
    { id: KEY_ID },
    {
      get: operation({
        id: "getKey",
        summary: "A key",
        scope: "admin:read",
        ok: { status: 200, schema: ref("Key"), description: "The key" },
      }),
      patch: operation({
        id: "updateKey",
        summary: "Change a key's scopes, name, expiry or own limit",
        scope: "admin:write",
        body: { schema: "KeyPatch" },
        ok: { status: 200, schema: ref("Key"), description: "The key as changed" },
      }),
      delete: operation({
        id: "revokeKey",
        summary: "Revoke a key now (again: the first revocation's time)",
        scope: "admin:write",
        ok: { status: 200, schema: ref("Revoked"), description: "When it was revoked" },
      }),
    },
  );
  add(
    "/keys/{id}/rotate",
    { id: KEY_ID },
    {
      post: operation({
        id: "rotateKey",
        summary: "Issue a replacement key; the old one works for grace_seconds more",
        scope: "admin:write",
        body: { schema: "KeyRotate", optional: true },
        ok: { status: 201, schema: ref("IssuedKey"), description: "The new key" },
        errors: [409],
      }),
    },
  );
  add(
    "/audit",
    {},
    {
      get: operation({
        id: "listAudit",
        summary: "Admin mutations, newest first",
        scope: "admin:read",
        query: {
          account_id: { schema: ACCOUNT_ID },
          actor: { schema: ACTOR },
          from,
          to,
          limit: { schema: { ...integer(1, 1000), default: 100 } },
        },
        ok: { status: 200, schema: ref("AuditList"), description: "The entries" },
      }),
    },
  );
  add(
    "/whoami",
    {},
    {
      get: operation({
        id: "whoAmI",
        summary: "The credential making this call, and its scopes",
        scope: "admin:read",
        ok: { status: 200, schema: ref("WhoAmI"), description: "The caller" },
      }),
    },
  );
  add(
    "/credentials",
    {},
    {
      get: operation({
        id: "listCredentials",
        summary: "Admin credentials (never a secret)",
        scope: "admin:read",
        ok: { status: 200, schema: ref("CredentialList"), description: "The credentials" },
      }),
      post: operation({
        id: "createCredential",
        summary: "Create an admin credential (its secret is shown only in this answer)",
        scope: "admin:write",
        body: { schema: "CredentialCreate" },
        ok: { status: 201, schema: ref("IssuedCredential"), description: "The new credential" },
      }),
    },
  );
  add(
    "/credentials/{id}",
    { id: CREDENTIAL_ID },
    {
      delete: operation({
        id: "revokeCredential",
        summary: "Revoke an admin credential; binds on the next request",
        scope: "admin:write",
        ok: { status: 200, schema: ref("Revoked"), description: "When it was revoked" },
      }),
    },
  );
  return paths;
}
