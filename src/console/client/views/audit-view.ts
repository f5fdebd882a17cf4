// The audit log (GET /audit): who changed what, newest first, filtered by account, actor and
// time; each entry's change shown field by field, with the full before and after beside it.
import type { AuditEntry, List } from "../api-types";
import { accountHash, type ConsoleContext, type View } from "../context";
import { busy, type Child, errorBox, field, form, h, table } from "../dom";
import { time } from "../format";

export interface AuditFilters {
  account_id?: string;
  actor?: string;
}

export function auditView(context: ConsoleContext, initial: AuditFilters): View {
  const heading = h("h1", { tabindex: -1 }, "Audit log");
  const errors = h("div", { class: "errors" });
  const results = h("div", { class: "results", "aria-live": "polite" });
  const text = (id: string, value = "") =>
    h("input", { id, value, autocomplete: "off", spellcheck: false, maxlength: 128 });
  const account = text("audit-account", initial.account_id);
  const actor = text("audit-actor", initial.actor);
  const from = h("input", { id: "audit-from", type: "datetime-local", step: 1 });
  const to = h("input", { id: "audit-to", type: "datetime-local", step: 1 });
  const limit = h("input", { id: "audit-limit", type: "number", min: 1, max: 1000, value: 100 });

  async function load(): Promise<void> {
    const { data } = await context.api.get<List<AuditEntry>>("/audit", {
      account_id: account.value.trim(),
      actor: actor.value.trim(),
      from: utc(from.value),
      to: utc(to.value),
      limit: limit.value,
    });
    results.replaceChildren(
      data.length === 0
        ? h("p", {}, "No entries.")
        : table(
            `${data.length} entries, newest first`,
            ["At", "Actor", "Action", "Target", "Account", "Request id", "Change"],
            data.map((entry) => [
              time(entry.at),
              h("code", {}, entry.actor),
              entry.action,
              h("code", {}, entry.target),
              entry.account_id === null
                ? "—"
                : h("a", { href: accountHash(entry.account_id) }, entry.account_id),
              h("code", { class: "request-id" }, entry.request_id),
              change(entry),
            ]),
            { "data-entries": data.length },
          ),
    );
  }

  const filters = form(
    { class: "filters", role: "search", "aria-label": "Audit filters" },
    (el) => {
      void busy(el, errors, load);
    },
  );
  filters.append(
    field("Account id", account),
    field("Actor", actor, '"bootstrap" or an admin credential id'),
    field("From (UTC)", from),
    field("To (UTC)", to),
    field("At most", limit),
    h("button", { type: "submit" }, "Show entries"),
  );

  const element = h("div", { class: "view audit-view" }, heading, filters, errors, results);
  void load().catch((error: unknown) => errors.replaceChildren(errorBox(error)));
  return { element, heading };
}

/** A datetime-local value read as UTC, as RFC 3339; empty stays unset. */
function utc(value: string): string | undefined {
  if (value === "") return undefined;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return `${withSeconds}Z`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "—" : JSON.stringify(value);
}

/** The fields that changed ("tier: free → pro"), and the full before and after. */
function change(entry: AuditEntry): HTMLElement {
  const lines: Child[] = [];
  const { before, after } = entry;
  if (isObject(before) && isObject(after)) {
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const was = show(before[name]);
      const now = show(after[name]);
      if (was !== now) lines.push(h("li", {}, h("code", {}, name), `: ${was} → ${now}`));
    }
  } else if (before === null && after !== null) {
    lines.push(h("li", {}, "created"));
  } else if (after === null && before !== null) {
    lines.push(h("li", {}, "removed"));
  }
  return h(
    "div",
    { class: "change" },
    lines.length === 0 ? null : h("ul", { class: "change-list" }, ...lines),
    h(
      "details",
      {},
      h("summary", {}, "Before and after"),
      h(
        "pre",
        {},
        `before: ${JSON.stringify(before, null, 2)}\nafter: ${JSON.stringify(after, null, 2)}`,
      ),
    ),
  );
}
