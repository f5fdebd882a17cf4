// The route table's canonical path (src/routes/route-table.ts): dot segments in any spelling
// (`..`, `%2E%2E`, `.` between encoded separators) are resolved as the origin's URL parser
// would, so such a path gets its route's scope and tier checks and reaches the origin canonical.
import { describe, expect, it } from "vitest";
import { usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { gateway, originStats, uniqueId } from "../support/gateway";
import { CREATE_BODY, send } from "../support/requests";

describe("dot segments in any spelling", () => {
  it.each([
    "/zz/..%2Fv1/submissions",
    "/zz/%2E%2E/v1/submissions",
    "/v1%2F.%2Fsubmissions",
    "/v1/x/..%5Csubmissions",
  ])("POST %s gets the create route's checks and reaches the origin canonical", async (path) => {
    const gw = gateway();
    const reader = await createAccount(gw, { scopes: ["submissions:read"] });
    const tag = uniqueId("dots");
    const denied = await send(gw, reader.key, path, {
      headers: { "X-Test-Tag": tag },
      body: CREATE_BODY,
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe("scope_required");

    const writer = await createAccount(gw);
    const capped = await send(gw, writer.key, path, {
      headers: { "X-Test-Tag": tag },
      body: { num_generations: 1_000_000 },
    });
    expect(capped.status).toBe(403);
    expect(capped.json.error.code).toBe("tier_limit_exceeded");
    expect((await originStats(tag)).count).toBe(0);

    const created = await send(gw, writer.key, path, { body: CREATE_BODY });
    expect(created.status).toBe(201);
    expect((await usage(gw, writer.accountId)).active.submissions).toEqual([created.json.id]);
  });
});
