// With a baseline arm the origin's release reports go through a router: each account's to the
// arm whose account-id prefix it has, so no arm frees another's in-flight slots.
import { describe, expect, it } from "vitest";
import { BASELINE_ACCOUNT_PREFIX, GATEWAY_ACCOUNT_PREFIX } from "../../bench/lib/accounts.ts";
import { releaseTarget } from "../../bench/lib/release-router.ts";

const GATEWAY = "http://127.0.0.1:1001";
const BASELINE = "http://127.0.0.1:1002";
const routes = [{ accountPrefix: BASELINE_ACCOUNT_PREFIX, url: BASELINE }];
const release = (account: string) =>
  `/_gateway/admin/accounts/${encodeURIComponent(account)}/submissions/sub_1/release`;

describe("releaseTarget", () => {
  it("sends the baseline's accounts to the baseline and every other to the gateway", () => {
    expect(releaseTarget(release(`${BASELINE_ACCOUNT_PREFIX}overload-0`), routes, GATEWAY)).toBe(
      BASELINE,
    );
    expect(releaseTarget(release(`${GATEWAY_ACCOUNT_PREFIX}overload-0`), routes, GATEWAY)).toBe(
      GATEWAY,
    );
    expect(releaseTarget(release("nginx-overload"), routes, GATEWAY)).toBe(GATEWAY);
  });

  it("keeps the two prefixes apart", () => {
    expect(BASELINE_ACCOUNT_PREFIX.startsWith(GATEWAY_ACCOUNT_PREFIX)).toBe(false);
    expect(GATEWAY_ACCOUNT_PREFIX.startsWith(BASELINE_ACCOUNT_PREFIX)).toBe(false);
  });

  it("sends anything else, or a path it cannot read, to the gateway", () => {
    expect(releaseTarget("/_gateway/health", routes, GATEWAY)).toBe(GATEWAY);
    expect(releaseTarget("/_gateway/admin/accounts/%E0%A4%A/release", routes, GATEWAY)).toBe(
      GATEWAY,
    );
    expect(releaseTarget(release(`${BASELINE_ACCOUNT_PREFIX}x`), [], GATEWAY)).toBe(GATEWAY);
  });
});
