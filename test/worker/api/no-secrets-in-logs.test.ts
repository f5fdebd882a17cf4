// Contract sections 4 and 7: no log line ever holds a key or an Authorization header. Every
// console method is captured while a mix of traffic runs — admin calls that create, rotate and
// revoke keys, admitted requests, and every kind of refused credential — and no captured line may
// contain a key, its digest, the admin token, or an Authorization value.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { generateApiKey } from "../../../src/keys/key-format";
import { addKey, admin, createAccount } from "../support/accounts";
import { sha256Hex } from "../support/edge-copies";
import { ADMIN_TOKEN, bearer, gateway, ManualClock } from "../support/gateway";
import { create } from "../support/requests";

const METHODS = ["log", "info", "warn", "error", "debug"] as const;

describe("logs", () => {
  let lines: string[] = [];

  beforeEach(() => {
    lines = [];
    for (const method of METHODS) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(
          args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "),
        );
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("never contain a key, a key digest, the admin token or an Authorization value", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const signed = gateway({ clock, vars: { ORIGIN_SIGNING_SECRET: "log-secret" } });
    const { accountId, issued: main } = await createAccount(gw, { name: "main", clock });
    const readOnly = await addKey(gw, accountId, { scopes: ["submissions:read"] });
    const doomed = await addKey(gw, accountId);
    const rotated = await admin(gw, "POST", `/keys/${main.id}/rotate`, { grace_seconds: 60 });
    expect(rotated.status).toBe(201);
    const newMain: string = rotated.json.key;
    await admin(gw, "GET", `/keys?account_id=${accountId}`);
    await admin(gw, "DELETE", `/keys/${doomed.id}`);

    const unknown = generateApiKey();
    const badChecksum = `${newMain.slice(0, -1)}${newMain.endsWith("0") ? "1" : "0"}`;
    const basic = "Basic dXNlcjpzdXBlcnNlY3JldA==";

    // Admitted traffic, with the key in places a careless client puts it.
    expect((await create(gw, newMain, {}, { num_generations: 3 })).status).toBe(201);
    expect(
      (await gw.fetch(`/__test/echo/x?api_key=${newMain}`, { headers: bearer(newMain) })).status,
    ).toBe(200);
    await signed.fetch("/__test/echo/y", {
      headers: { ...bearer(main.key), "X-Api-Key": main.key },
    });
    await gw.fetch("/v1/submissions?limit=5", { headers: bearer(readOnly.key) });
    // Refusals of every kind.
    await create(gw, readOnly.key, {}, {}); // 403 scope
    await create(gw, newMain, {}, { num_generations: 99999 }); // 403 tier
    await create(gw, newMain, {}, "not json"); // 400
    await gw.fetch("/v1/submissions", { headers: bearer(unknown) });
    await gw.fetch("/v1/submissions", { headers: bearer(badChecksum) });
    await gw.fetch("/v1/submissions", { headers: bearer(doomed.key) });
    await gw.fetch("/v1/submissions", { headers: { Authorization: basic } });
    await gw.fetch("/v1/submissions", { headers: { Authorization: `Basic ${newMain}` } });
    await gw.fetch("/v1/submissions", { headers: bearer(ADMIN_TOKEN) });
    await gw.fetch("/_gateway/admin/accounts/x", { headers: bearer(newMain) });
    await gw.fetch("/_gateway/admin/accounts/x", { headers: bearer(`${ADMIN_TOKEN}-wrong`) });
    await gw.fetch("/_gateway/nope", { headers: bearer(newMain) });
    clock.advance(61_000); // the rotated-out key expires
    await gw.fetch("/v1/submissions", { headers: bearer(main.key) });
    await admin(gw, "PATCH", `/accounts/${accountId}`, { status: "disabled" });
    await gw.fetch("/v1/submissions", { headers: bearer(newMain) });

    // The capture works: one JSON line per request, with ids.
    const requestLines = lines.filter((line) => line.includes('"request_id"'));
    expect(requestLines.length).toBeGreaterThanOrEqual(25);
    expect(lines.some((line) => line.includes(main.id))).toBe(true);

    const secrets = [
      main.key,
      readOnly.key,
      doomed.key,
      newMain,
      unknown,
      badChecksum,
      ADMIN_TOKEN,
      "dXNlcjpzdXBlcnNlY3JldA",
      "log-secret",
    ];
    const digests = await Promise.all(
      [main.key, readOnly.key, doomed.key, newMain].map((key) => sha256Hex(key)),
    );
    for (const line of lines) {
      for (const secret of [...secrets, ...digests]) {
        expect(line.includes(secret), `log line leaks a secret: ${line}`).toBe(false);
      }
      expect(line, "log line carries an Authorization value").not.toMatch(/bearer|basic /i);
      expect(line.toLowerCase()).not.toContain("authorization");
    }
  });
});
