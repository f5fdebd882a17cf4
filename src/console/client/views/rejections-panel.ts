// The account's recent rejections (GET /accounts/{id}/rejections), newest first, with the
// request id an operator quotes back to a customer.
import { path } from "../api";
import type { List, Rejection } from "../api-types";
import type { ConsoleContext } from "../context";
import { errorBox, h, table } from "../dom";
import { time } from "../format";

const SHOWN = 50;

export function rejectionsPanel(context: ConsoleContext, accountId: string) {
  const list = h("div", { class: "rejections-list", "aria-live": "polite" });

  async function reload(): Promise<void> {
    try {
      const { data } = await context.api.get<List<Rejection>>(
        path("accounts", accountId, "rejections"),
        { limit: SHOWN },
      );
      list.replaceChildren(
        data.length === 0
          ? h("p", {}, "No rejections recorded.")
          : table(
              `The last ${data.length} rejections, newest first (edge decisions arrive within 10 s)`,
              ["At", "Request id", "Code", "Status", "Key", "Request"],
              data.map((rejection) => [
                time(rejection.at),
                h("code", { class: "request-id" }, rejection.request_id),
                rejection.code,
                rejection.status,
                rejection.key_id === null ? "—" : h("code", {}, rejection.key_id),
                h("code", {}, `${rejection.method} ${rejection.path}`),
              ]),
              { "data-rejections": data.length },
            ),
      );
    } catch (error) {
      list.replaceChildren(errorBox(error));
    }
  }

  const element = h(
    "section",
    { class: "rejections", "aria-labelledby": "rejections-title" },
    h("h2", { id: "rejections-title" }, "Recent rejections"),
    list,
  );
  return { element, reload };
}
