import { type Context, Hono } from "hono";
import { type AccountStub, accountStub, accountTerms } from "../account/client";
import type { KeyPatch } from "../account/contract";
import type { Clock } from "../clock";
import { directoryStub } from "../directory/client";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import type { IsolateMemory } from "../isolate/isolate-memory";
import { keyDirectory } from "../keys/key-directory";
import { digestApiKey, generateApiKey, generateKeyId } from "../keys/key-format";
import { type AccountRecord, type KeyRecord, NO_KEY_LIMITS } from "../model/records";
import { describeFault } from "../observability/fault";
import { adminAuth, stampOf } from "./admin-auth";
import * as input from "./admin-input";
import { invalidParameter, limitParam, queryParams } from "./admin-query";
import { accountView, issuedKeyView, keyView } from "./admin-views";
import { auditRoutes } from "./audit-routes";
import { credentialRoutes } from "./credential-routes";
import { usageRoutes } from "./usage-routes";

/** Longer ids are answered `released: false` without touching storage. */
const MAX_SUBMISSION_ID_LENGTH = 256;

/** When rotating without `grace_seconds`, the old key keeps working this long. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 3600;

function notFound(what: string): GatewayError {
  return new GatewayError("not_found", { message: `No such ${what}.` });
}

type AdminContext = Context<GatewayRoutesEnv>;

/**
 * The listing's index of an account, refreshed after its object accepted a change (the newest
 * revision wins, whatever order concurrent writes arrive in). A failure is logged and the
 * answer still given: the object has the change, and the next write refreshes the index.
 */
async function indexAccount(
  c: AdminContext,
  account: AccountRecord,
  revision: number,
): Promise<void> {
  try {
    await directoryStub(c.env.DIRECTORY).indexAccount(account, revision);
  } catch (err) {
    console.error(
      JSON.stringify({
        event: "account_index_failed",
        account_id: account.id,
        reason: describeFault(err),
      }),
    );
  }
}

/** Listing pages: at most this many accounts. */
const MAX_LIST_LIMIT = 100;

/**
 * The admin API of contract section 4. The account's Durable Object is written first (it is the
 * authority); then the KV copy the edge reads is refreshed before answering.
 */
export function adminRoutes(clock: Clock, memory: IsolateMemory) {
  const admin = new Hono<GatewayRoutesEnv>();
  admin.use("*", adminAuth());
  // Every admin answer carries account data or secrets: no cache may keep one.
  admin.use("*", async function noStore(c, next) {
    await next();
    c.res.headers.set("Cache-Control", "no-store");
  });

  admin.post("/accounts", async (c) => {
    const body = await input.readJsonObject(c.req.raw);
    input.rejectUnknown(body, ["id", "tier", "status"]);
    const id = input.accountId(body.id);
    const tier = input.tier(body.tier ?? "free", c.get("config").policy);
    const status = input.status(body.status ?? "active");
    const created = await accountStub(c.env.ACCOUNTS, id).createAccount(
      { id, tier, status },
      stampOf(c),
    );
    if (!created.ok) {
      throw new GatewayError("duplicate_resource", { message: `Account ${id} already exists.` });
    }
    await indexAccount(c, created.account, created.revision);
    return c.json(accountView(created.account), 201);
  });

  /** Accounts by id (`prefix`, `limit`, `cursor`), from the directory's index. */
  admin.get("/accounts", async (c) => {
    const params = queryParams(c.req.url, ["prefix", "limit", "cursor"]);
    const limit = limitParam(params, 50, MAX_LIST_LIMIT);
    const prefix = params.get("prefix") ?? "";
    if (prefix !== "" && !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
      throw invalidParameter("prefix", "prefix must be up to 64 characters of [A-Za-z0-9_-].");
    }
    const cursor = params.get("cursor") ?? null;
    if (cursor !== null && !input.isAccountId(cursor)) {
      throw invalidParameter("cursor", "cursor is not one this API gave.");
    }
    // One more than asked for says whether there is a next page.
    const found = await directoryStub(c.env.DIRECTORY).listAccounts(prefix, limit + 1, cursor);
    const page = found.slice(0, limit);
    return c.json({
      data: page.map((account) => accountView(account)),
      next_cursor: found.length > limit ? (page[page.length - 1]?.id ?? null) : null,
    });
  });

  admin.get("/accounts/:id", async (c) => {
    const id = c.req.param("id");
    const found = input.isAccountId(id)
      ? await accountStub(c.env.ACCOUNTS, id).getAccount(accountTerms(c.get("config")))
      : null;
    if (found === null) throw notFound("account");
    return c.json(accountView(found.account, found.usage));
  });

  admin.patch("/accounts/:id", async (c) => {
    const id = c.req.param("id");
    const body = await input.readJsonObject(c.req.raw);
    input.rejectUnknown(body, ["tier", "status", "limits"]);
    const patch = {
      ...(body.tier === undefined ? {} : { tier: input.tier(body.tier, c.get("config").policy) }),
      ...(body.status === undefined ? {} : { status: input.status(body.status) }),
      ...(body.limits === undefined ? {} : { limits: input.accountLimits(body.limits) }),
    };
    const updated = input.isAccountId(id)
      ? await accountStub(c.env.ACCOUNTS, id).updateAccount(patch, stampOf(c))
      : null;
    if (updated === null) throw notFound("account");
    // Binds on the next request here; other isolates forget a full window within 1 s.
    if (patch.tier !== undefined || patch.limits !== undefined)
      memory.rateLimited.forgetAccount(id);
    const directory = keyDirectory(c.env.KEYS);
    await Promise.all([
      ...updated.keys.map((key) => directory.publish(key, updated.account)),
      indexAccount(c, updated.account, updated.revision),
    ]);
    return c.json(accountView(updated.account));
  });

  admin.post("/accounts/:account/submissions/:submission/release", async (c) => {
    const accountId = c.req.param("account");
    if (!input.isAccountId(accountId)) throw notFound("account");
    const stub = accountStub(c.env.ACCOUNTS, accountId);
    if ((await stub.listKeys()) === null) throw notFound("account");
    const submissionId = c.req.param("submission");
    // No submission has an id this long; nothing is stored for one that cannot exist.
    if (submissionId.length > MAX_SUBMISSION_ID_LENGTH) return c.json({ released: false });
    const { released } = await stub.adminReleaseSubmission(
      submissionId,
      accountTerms(c.get("config")),
      stampOf(c),
    );
    return c.json({ released });
  });

  admin.post("/keys", async (c) => {
    const body = await input.readJsonObject(c.req.raw);
    input.rejectUnknown(body, ["account_id", "scopes", "name", "expires_at", "limits"]);
    const accountId = input.accountId(body.account_id, "account_id");
    const plaintext = generateApiKey(c.get("config").policy.key_prefix);
    const key: KeyRecord = {
      id: generateKeyId(),
      account_id: accountId,
      digest: digestApiKey(plaintext),
      scopes: input.scopes(body.scopes, c.get("routes").scopes),
      name: body.name === undefined ? null : input.name(body.name),
      created_at: clock.now(),
      expires_at:
        body.expires_at === undefined ? null : input.timestamp(body.expires_at, "expires_at"),
      revoked_at: null,
      rotated_at: null,
      limits: body.limits === undefined ? NO_KEY_LIMITS : input.keyLimits(body.limits),
    };
    const created = await accountStub(c.env.ACCOUNTS, accountId).createKey(key, stampOf(c));
    if (created === null) throw notFound("account");
    await keyDirectory(c.env.KEYS).publish(created.key, created.account);
    return c.json(issuedKeyView(created.key, plaintext), 201);
  });

  admin.get("/keys", async (c) => {
    const accountId = c.req.query("account_id");
    if (!input.isAccountId(accountId)) {
      throw new GatewayError("invalid_parameter", {
        message: "account_id must be 1 to 64 characters of [A-Za-z0-9_-].",
        details: { field: "account_id" },
      });
    }
    const keys = await accountStub(c.env.ACCOUNTS, accountId).listKeys();
    if (keys === null) throw notFound("account");
    return c.json({ data: keys.map(keyView) });
  });

  /** Finds the account a key id belongs to, through the KV index. */
  async function locate(
    c: { env: GatewayRoutesEnv["Bindings"] },
    keyId: string,
  ): Promise<AccountStub> {
    // Checked before any lookup: a long id would be a KV key over its 512-byte limit.
    if (!input.isKeyId(keyId)) throw notFound("key");
    const located = await keyDirectory(c.env.KEYS).locate(keyId);
    if (located === null) throw notFound("key");
    return accountStub(c.env.ACCOUNTS, located.account_id);
  }

  admin.get("/keys/:id", async (c) => {
    const key = await (await locate(c, c.req.param("id"))).getKey(c.req.param("id"));
    if (key === null) throw notFound("key");
    return c.json(keyView(key));
  });

  admin.patch("/keys/:id", async (c) => {
    const body = await input.readJsonObject(c.req.raw);
    input.rejectUnknown(body, ["scopes", "name", "expires_at", "limits"]);
    const patch: KeyPatch = {
      ...(body.scopes === undefined
        ? {}
        : { scopes: input.scopes(body.scopes, c.get("routes").scopes) }),
      ...(body.limits === undefined ? {} : { limits: input.keyLimits(body.limits) }),
      ...(body.name === undefined ? {} : { name: input.name(body.name) }),
      ...(body.expires_at === undefined
        ? {}
        : { expires_at: input.timestamp(body.expires_at, "expires_at") }),
    };
    const updated = await (await locate(c, c.req.param("id"))).updateKey(
      c.req.param("id"),
      patch,
      stampOf(c),
    );
    if (updated === null) throw notFound("key");
    if (patch.limits !== undefined) memory.rateLimited.forgetAccount(updated.account.id);
    await keyDirectory(c.env.KEYS).publish(updated.key, updated.account);
    return c.json(keyView(updated.key));
  });

  admin.delete("/keys/:id", async (c) => {
    const stub = await locate(c, c.req.param("id"));
    const revoked = await stub.revokeKey(c.req.param("id"), stampOf(c));
    if (revoked === null) throw notFound("key");
    await keyDirectory(c.env.KEYS).publish(revoked.key, revoked.account);
    return c.json({
      id: revoked.key.id,
      revoked_at: new Date(revoked.key.revoked_at ?? clock.now()).toISOString(),
    });
  });

  admin.post("/keys/:id/rotate", async (c) => {
    const body = await input.readJsonObject(c.req.raw);
    input.rejectUnknown(body, ["grace_seconds"]);
    const grace =
      body.grace_seconds === undefined
        ? DEFAULT_ROTATION_GRACE_SECONDS
        : input.graceSeconds(body.grace_seconds);
    const plaintext = generateApiKey(c.get("config").policy.key_prefix);
    const rotated = await (await locate(c, c.req.param("id"))).rotateKey(
      c.req.param("id"),
      { id: generateKeyId(), digest: digestApiKey(plaintext), created_at: clock.now() },
      grace,
      stampOf(c),
    );
    if (!rotated.ok && rotated.reason === "not_found") throw notFound("key");
    if (!rotated.ok) {
      throw new GatewayError("state_conflict", {
        message: "This key was already rotated or has expired; rotate its replacement instead.",
      });
    }
    const directory = keyDirectory(c.env.KEYS);
    await Promise.all([
      directory.publish(rotated.old, rotated.account),
      directory.publish(rotated.key, rotated.account),
    ]);
    return c.json(issuedKeyView(rotated.key, plaintext), 201);
  });

  /** Who is calling and what it may do; the console builds its controls from this. */
  admin.get("/whoami", (c) =>
    c.json({
      actor: c.get("actor").id,
      scopes: c.get("actor").scopes,
      key_scopes: c.get("routes").scopes,
      tiers: Object.keys(c.get("config").policy.tiers),
    }),
  );
  admin.route("/", usageRoutes(clock));
  admin.route("/", auditRoutes(clock));
  admin.route("/", credentialRoutes(clock));

  admin.all("*", () => {
    throw notFound("admin resource");
  });
  return admin;
}
