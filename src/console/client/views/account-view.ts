// One account: its tier, status, own limits and live usage (GET /accounts/{id}), its keys, its
// usage chart and its recent rejections, refreshed every 10 s while the tab is visible.
import { path } from "../api";
import { ACCOUNT_STATUSES, type Account, type AccountLimits } from "../api-types";
import { type ConsoleContext, overridesText, type View } from "../context";
import { busy, button, errorBox, field, form, h, select } from "../dom";
import { limitInput, time } from "../format";
import { tierInput } from "./accounts-view";
import { keysPanel } from "./keys-panel";
import { rejectionsPanel } from "./rejections-panel";
import { usagePanel } from "./usage-panel";

const REFRESH_MS = 10_000;

export function accountView(context: ConsoleContext, accountId: string): View {
  const heading = h("h1", { tabindex: -1 }, "Account ", h("code", {}, accountId));
  const errors = h("div", { class: "errors" });
  const summary = h("div", { class: "summary", "aria-live": "polite" });
  const editSlot = h("div", { class: "edit-slot" });
  const updated = h("span", { class: "updated" });

  const usage = usagePanel(context, accountId);
  const rejections = rejectionsPanel(context, accountId);
  const keys = keysPanel(context, accountId, (list) => usage.setKeys(list));

  let editShown = false;

  async function loadAccount(): Promise<void> {
    try {
      const account = await context.api.get<Account>(path("accounts", accountId));
      errors.replaceChildren();
      summary.replaceChildren(summaryOf(account));
      // The form is built once, so that a refresh does not undo what the operator is typing.
      if (context.canWrite && !editShown) {
        editShown = true;
        editSlot.replaceChildren(editAccountForm(context, account, () => void loadAccount()));
      }
    } catch (error) {
      errors.replaceChildren(errorBox(error));
    }
  }

  async function refresh(): Promise<void> {
    await Promise.all([loadAccount(), usage.reload(), rejections.reload()]);
    updated.textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC`;
  }

  const refreshButton = button("Refresh", () => {
    refreshButton.disabled = true;
    void Promise.all([refresh(), keys.reload()]).finally(() => {
      refreshButton.disabled = false;
    });
  });
  const auto = h("input", { type: "checkbox", id: "auto-refresh", checked: true });

  const timer = setInterval(() => {
    if (auto.checked && document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);

  const element = h(
    "div",
    { class: "view account-view" },
    h("p", { class: "back" }, h("a", { href: "#/accounts" }, "All accounts")),
    heading,
    h(
      "div",
      { class: "toolbar" },
      refreshButton,
      h("div", { class: "check" }, auto, h("label", { for: auto.id }, "Refresh every 10 s")),
      updated,
      h(
        "a",
        { href: `#/audit?account_id=${encodeURIComponent(accountId)}` },
        "Audit log of this account",
      ),
    ),
    errors,
    summary,
    editSlot,
    keys.element,
    usage.element,
    rejections.element,
  );
  void Promise.all([refresh(), keys.reload()]);
  return { element, heading, dispose: () => clearInterval(timer) };
}

function summaryOf(account: Account): HTMLElement {
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Tier"),
    h("dd", { "data-fact": "tier" }, account.tier),
    h("dt", {}, "Status"),
    h(
      "dd",
      { "data-fact": "status" },
      h("span", { class: `status status-${account.status}` }, account.status),
    ),
    h("dt", {}, "Own limits"),
    h("dd", { "data-fact": "overrides" }, overridesText(account)),
    h("dt", {}, "Created"),
    h("dd", {}, time(account.created_at)),
  );
  const parts: HTMLElement[] = [h("section", { class: "panel" }, h("h2", {}, "Account"), facts)];
  const usage = account.usage;
  if (usage !== undefined) {
    const meter = (label: string, name: string, used: number, limit: number) =>
      h(
        "div",
        { class: "meter", "data-usage": name },
        h("span", { class: "meter-label" }, label),
        h("meter", { min: 0, max: limit, value: used, "aria-label": label }),
        h("span", { class: "meter-value" }, `${used} / ${limit}`),
      );
    const live = h(
      "section",
      { class: "panel live-usage" },
      h("h2", {}, "Live usage"),
      meter("Units this minute", "minute", usage.minute.used, usage.minute.limit),
      meter("Daily quota", "daily", usage.daily.used, usage.daily.limit),
      meter("Submissions in flight", "active", usage.active.used, usage.active.limit),
    );
    if (usage.active.submissions.length > 0) {
      live.append(
        h(
          "p",
          {},
          "In flight: ",
          ...usage.active.submissions.flatMap((id, index) => [
            index === 0 ? "" : ", ",
            h("code", {}, id),
          ]),
        ),
      );
    }
    parts.push(live);
  }
  return h("div", { class: "summary-panels" }, ...parts);
}

function editAccountForm(
  context: ConsoleContext,
  account: Account,
  onSaved: () => void,
): HTMLElement {
  const errors = h("div", { class: "errors" });
  const tier = tierInput(context, account.tier, "account-tier");
  const status = select(
    ACCOUNT_STATUSES.map((value) => [value, value] as const),
    account.status,
    { id: "account-status" },
  );
  const limitField = (name: keyof AccountLimits, label: string) => {
    const input = h("input", {
      id: `account-${name}`,
      type: "number",
      min: 1,
      step: 1,
      value: account.limits[name] ?? "",
    });
    return { name, label, input };
  };
  const limits = [
    limitField("per_minute", "Per-minute limit"),
    limitField("per_day", "Daily quota"),
    limitField("in_flight", "Submissions in flight"),
  ];
  const edit = form({ class: "edit-account", "aria-labelledby": "edit-account-title" }, (el) => {
    void busy(el, errors, async () => {
      const own: Record<string, number | null> = {};
      for (const { name, label, input } of limits) own[name] = limitInput(label, input.value);
      await context.api.patch<Account>(path("accounts", account.id), {
        tier: tier.value.trim(),
        status: status.value,
        limits: own,
      });
      onSaved();
    });
  });
  edit.append(
    field("Tier", tier),
    field("Status", status),
    h(
      "fieldset",
      {},
      h("legend", {}, "Own limits (empty: the tier's)"),
      ...limits.map(({ label, input }) => field(label, input)),
    ),
    h("button", { type: "submit" }, "Save account"),
  );
  // Folded: most visits read the account, and its keys and usage come first on the screen.
  return h(
    "details",
    { class: "panel change-account" },
    h("summary", { id: "edit-account-title" }, "Change tier, status or own limits"),
    edit,
    errors,
  );
}
