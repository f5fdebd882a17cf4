// Accounts: search by id prefix (GET /accounts?prefix=), page through the answer, open one;
// with admin:write, create one.
import { ACCOUNT_STATUSES, type Account, type AccountPage } from "../api-types";
import { accountHash, type ConsoleContext, overridesText, type View } from "../context";
import { busy, button, errorBox, field, form, h, select, table } from "../dom";
import { time } from "../format";

const PAGE_SIZE = 50;

export function accountsView(context: ConsoleContext): View {
  const heading = h("h1", { tabindex: -1 }, "Accounts");
  const errors = h("div", { class: "errors" });
  const results = h("div", { class: "results", "aria-live": "polite" });
  const prefix = h("input", {
    type: "search",
    id: "account-prefix",
    autocomplete: "off",
    spellcheck: false,
    maxlength: 64,
  });

  let shown: Account[] = [];

  function render(nextCursor: string | null, searched: string): void {
    const caption =
      searched === ""
        ? `Accounts (${shown.length}${nextCursor === null ? "" : "+"})`
        : `Accounts starting with "${searched}" (${shown.length}${nextCursor === null ? "" : "+"})`;
    const rows = shown.map((account) => [
      h("a", { href: accountHash(account.id) }, account.id),
      account.tier,
      h("span", { class: `status status-${account.status}` }, account.status),
      overridesText(account),
      time(account.created_at),
    ]);
    results.replaceChildren(
      shown.length === 0
        ? h("p", {}, searched === "" ? "No accounts yet." : `No account starts with "${searched}".`)
        : table(caption, ["Account", "Tier", "Status", "Own limits", "Created"], rows),
    );
    if (nextCursor !== null) {
      const more = button("Load more accounts", () => {
        more.disabled = true;
        void load(searched, nextCursor);
      });
      results.append(more);
    }
  }

  async function load(searched: string, cursor?: string): Promise<void> {
    errors.replaceChildren();
    try {
      const page = await context.api.get<AccountPage>("/accounts", {
        prefix: searched,
        limit: PAGE_SIZE,
        cursor,
      });
      shown = cursor === undefined ? page.data : [...shown, ...page.data];
      render(page.next_cursor, searched);
    } catch (error) {
      errors.replaceChildren(errorBox(error));
    }
  }

  const search = form({ class: "search", role: "search" }, (element) => {
    void busy(element, errors, () => load(prefix.value.trim()));
  });
  search.append(field("Account id starts with", prefix), h("button", { type: "submit" }, "Search"));

  const element = h("div", { class: "view accounts-view" }, heading, search, errors, results);
  if (context.canWrite) element.append(createAccountForm(context));
  void load("");
  return { element, heading };
}

function createAccountForm(context: ConsoleContext): HTMLElement {
  const errors = h("div", { class: "errors" });
  const id = h("input", {
    id: "new-account-id",
    required: true,
    pattern: "[A-Za-z0-9_\\-]{1,64}",
    maxlength: 64,
    autocomplete: "off",
    spellcheck: false,
  });
  const tier = tierInput(context, "free", "new-account-tier");
  const status = select(
    ACCOUNT_STATUSES.map((value) => [value, value] as const),
    "active",
    { id: "new-account-status" },
  );
  const create = form(
    { class: "create-account", "aria-labelledby": "create-account-title" },
    (el) => {
      void busy(el, errors, async () => {
        const account = await context.api.post<Account>("/accounts", {
          id: id.value.trim(),
          tier: tier.value.trim(),
          status: status.value,
        });
        location.hash = accountHash(account.id);
      });
    },
  );
  create.append(
    field("Account id", id, "1 to 64 of A-Z a-z 0-9 _ -"),
    field("Tier", tier),
    field("Status", status),
    h("button", { type: "submit" }, "Create account"),
  );
  return h(
    "section",
    { class: "panel" },
    h("h2", { id: "create-account-title" }, "New account"),
    create,
    errors,
  );
}

/** A tier: a choice of the policy's tiers when whoami names them, else text. */
export function tierInput(
  context: ConsoleContext,
  current: string,
  id: string,
): HTMLInputElement | HTMLSelectElement {
  const tiers = context.who.tiers;
  if (tiers?.includes(current)) {
    return select(
      tiers.map((tier) => [tier, tier] as const),
      current,
      { id },
    );
  }
  return h("input", { id, value: current, required: true, autocomplete: "off", spellcheck: false });
}
