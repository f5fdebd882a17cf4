// The audit log is kept 90 days (contract section 11), in both of its keepers: the account's
// object (pruned by its alarm) and the admin directory's copy (pruned by the directory's).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AccountCoordinator } from "../../../src/account/account-object";
import type { AdminDirectory } from "../../../src/directory/directory-object";
import { accountObject } from "../support/account-object";
import { admin, createAccount } from "../support/accounts";
import { gateway, ManualClock } from "../support/gateway";

const DAY = 86_400_000;

function directory(): DurableObjectStub<AdminDirectory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
}

describe("audit retention", () => {
  it("drops entries older than 90 days from the account's log and the directory's copy", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    await runInDurableObject(directory(), (instance: AdminDirectory) => {
      instance.clock = clock;
    });
    const { accountId } = await createAccount(gw, { clock });
    await admin(gw, "PATCH", `/accounts/${accountId}`, { tier: "pro" });
    // The first two entries carry the object's real time, a little after the test clock's.
    const to = () => new Date(clock.now() + DAY).toISOString();
    const byAccount = async () =>
      (await admin(gw, "GET", `/audit?account_id=${accountId}&to=${to()}`)).json.data.length;
    const byActor = async () =>
      (await admin(gw, "GET", `/audit?actor=bootstrap&limit=1000&to=${to()}`)).json.data.filter(
        (e: { account_id: string }) => e.account_id === accountId,
      ).length;
    // createAccount's two entries (account.create before its clock was set, key.create) and the
    // update: all three in both keepers.
    expect(await byAccount()).toBe(3);
    expect(await byActor()).toBe(3);

    // 89 days on: everything is still kept.
    clock.advance(89 * DAY);
    await runDurableObjectAlarm(accountObject(accountId));
    await runDurableObjectAlarm(directory());
    expect(
      await admin(
        gw,
        "GET",
        `/audit?account_id=${accountId}&from=${new Date(clock.now() - 90 * DAY).toISOString()}`,
      ),
    ).toMatchObject({ status: 200 });
    expect(
      (
        await runInDurableObject(accountObject(accountId), (_i, state) =>
          state.storage.sql.exec("SELECT count(*) AS n FROM audit").one(),
        )
      ).n,
    ).toBe(3);

    // Past 90 days: the alarms drop them.
    clock.advance(2 * DAY);
    await runDurableObjectAlarm(accountObject(accountId));
    await runDurableObjectAlarm(directory());
    const left = (stub: DurableObjectStub) =>
      runInDurableObject(stub, (_i, state) =>
        state.storage.sql
          .exec("SELECT count(*) AS n FROM audit WHERE account_id = ?", accountId)
          .one(),
      );
    expect((await left(accountObject(accountId))).n).toBe(0);
    expect((await left(directory())).n).toBe(0);
  });
});

describe("the directory's copy of an account's audit entries", () => {
  it("is sent again by the account's alarm when the directory could not take it", async () => {
    const gw = gateway();
    const { accountId } = await createAccount(gw);
    const byActor = async () =>
      (await admin(gw, "GET", "/audit?actor=bootstrap&limit=1000")).json.data.filter(
        (e: { account_id: string; action: string }) =>
          e.account_id === accountId && e.action === "account.update",
      ).length;
    // The directory fails for this account's object: the change and its own entry stand.
    await runInDurableObject(accountObject(accountId), (instance: AccountCoordinator) => {
      instance.directory = () =>
        ({
          appendAudit: () => Promise.reject(new Error("directory unavailable")),
        }) as unknown as ReturnType<AccountCoordinator["directory"]>;
    });
    const patched = await admin(gw, "PATCH", `/accounts/${accountId}`, { tier: "pro" });
    expect(patched.status).toBe(200);
    expect((await admin(gw, "GET", `/audit?account_id=${accountId}`)).json.data[0]).toMatchObject({
      action: "account.update",
    });
    expect(await byActor()).toBe(0);
    // The directory is back; the retry is due a minute later, when the alarm runs.
    await runInDurableObject(accountObject(accountId), (instance: AccountCoordinator) => {
      instance.directory = () => directory();
      instance.clock = new ManualClock(Date.now() + 61_000);
    });
    await runDurableObjectAlarm(accountObject(accountId));
    expect(await byActor()).toBe(1);
  });
});
