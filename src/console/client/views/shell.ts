// The signed-in page: a header (where, who, sign out) and the view the hash names:
// #/accounts, #/accounts/{id}, #/audit?account_id=&actor=. Only ids go in the hash, never the
// credential.
import type { ConsoleContext, View } from "../context";
import { button, h } from "../dom";
import { accountView } from "./account-view";
import { accountsView } from "./accounts-view";
import { auditView } from "./audit-view";

type Route =
  | { name: "accounts" }
  | { name: "account"; id: string }
  | { name: "audit"; accountId?: string; actor?: string };

export function parseRoute(hash: string): Route {
  const [where = "", query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const parts = where.split("/").filter((part) => part !== "");
  if (parts[0] === "accounts" && parts.length === 2 && parts[1] !== undefined) {
    try {
      return { name: "account", id: decodeURIComponent(parts[1]) };
    } catch {
      return { name: "accounts" };
    }
  }
  if (parts[0] === "audit") {
    const params = new URLSearchParams(query);
    return {
      name: "audit",
      accountId: params.get("account_id") ?? undefined,
      actor: params.get("actor") ?? undefined,
    };
  }
  return { name: "accounts" };
}

function viewFor(context: ConsoleContext, route: Route): View {
  switch (route.name) {
    case "account":
      return accountView(context, route.id);
    case "audit":
      return auditView(context, { account_id: route.accountId, actor: route.actor });
    case "accounts":
      return accountsView(context);
  }
}

export interface Shell {
  readonly element: HTMLElement;
  /** Stops the current view and the hash listener. */
  close(): void;
}

export function shell(context: ConsoleContext, signOut: () => void): Shell {
  const main = h("main", { id: "main" });
  const links = {
    accounts: h("a", { href: "#/accounts" }, "Accounts"),
    audit: h("a", { href: "#/audit" }, "Audit log"),
  };
  const who = h(
    "p",
    { class: "who" },
    "Signed in as ",
    h("code", { "data-actor": "" }, context.who.actor),
    ` (${context.who.scopes.join(", ") || "no scopes"})`,
    context.canWrite ? null : h("span", { class: "badge" }, "read-only"),
  );
  const header = h(
    "header",
    { class: "top" },
    h("p", { class: "brand" }, "Gateway console"),
    h(
      "nav",
      { "aria-label": "Console" },
      h("ul", {}, h("li", {}, links.accounts), h("li", {}, links.audit)),
    ),
    who,
    button("Sign out", signOut, { class: "sign-out" }),
  );

  let current: View | undefined;
  function show(): void {
    current?.dispose?.();
    const route = parseRoute(location.hash);
    current = viewFor(context, route);
    const section = route.name === "audit" ? "audit" : "accounts";
    for (const [name, link] of Object.entries(links)) {
      if (name === section) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    main.replaceChildren(current.element);
    // After this task: on the first show the shell is not in the document yet.
    const heading = current.heading;
    queueMicrotask(() => heading.focus());
  }
  window.addEventListener("hashchange", show);
  show();

  return {
    element: h("div", { class: "app" }, header, main),
    close() {
      window.removeEventListener("hashchange", show);
      current?.dispose?.();
      current = undefined;
    },
  };
}
