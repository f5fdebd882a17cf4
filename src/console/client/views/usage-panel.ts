// The account's usage chart (GET /accounts/{id}/usage): last hour by minute, last day by hour,
// last week by day; all keys or one.
import { path } from "../api";
import type { Key, List, UsageBucket } from "../api-types";
import type { ConsoleContext } from "../context";
import { errorBox, h, select, uniqueId } from "../dom";
import { USAGE_RANGES, type UsageRangeName, usageView } from "../usage-chart";

export interface UsagePanel {
  readonly element: HTMLElement;
  reload(): Promise<void>;
  setKeys(keys: readonly Key[]): void;
}

const ALL_KEYS = "";

export function usagePanel(context: ConsoleContext, accountId: string): UsagePanel {
  let range: UsageRangeName = "hour";
  const chartSlot = h("div", { class: "chart-slot", "aria-live": "polite" });
  const errors = h("div", { class: "errors" });

  const group = uniqueId("usage-range");
  const radios = (Object.keys(USAGE_RANGES) as UsageRangeName[]).map((name) => {
    const radio = h("input", {
      type: "radio",
      name: group,
      id: `${group}-${name}`,
      value: name,
      checked: name === range,
    });
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      range = name;
      void reload();
    });
    return h(
      "div",
      { class: "check" },
      radio,
      h("label", { for: radio.id }, USAGE_RANGES[name].label),
    );
  });
  const keySelect = select([[ALL_KEYS, "All keys"]], ALL_KEYS, { id: uniqueId("usage-key") });
  keySelect.addEventListener("change", () => void reload());

  async function reload(): Promise<void> {
    const shown = USAGE_RANGES[range];
    try {
      const { data } = await context.api.get<List<UsageBucket>>(
        path("accounts", accountId, "usage"),
        {
          granularity: shown.granularity,
          key_id: keySelect.value === ALL_KEYS ? undefined : keySelect.value,
        },
      );
      errors.replaceChildren();
      chartSlot.replaceChildren(usageView(data, shown, Date.now()));
    } catch (error) {
      errors.replaceChildren(errorBox(error));
    }
  }

  function setKeys(keys: readonly Key[]): void {
    const current = keySelect.value;
    const options: Array<readonly [string, string]> = [[ALL_KEYS, "All keys"]];
    for (const key of keys)
      options.push([key.id, key.name === null ? key.id : `${key.name} (${key.id})`]);
    keySelect.replaceChildren(
      ...options.map(([value, label]) =>
        h("option", { value, selected: value === current }, label),
      ),
    );
    keySelect.value = options.some(([value]) => value === current) ? current : ALL_KEYS;
  }

  const element = h(
    "section",
    { class: "usage-panel", "aria-labelledby": "usage-title" },
    h("h2", { id: "usage-title" }, "Usage"),
    h(
      "div",
      { class: "controls" },
      h("fieldset", { class: "ranges" }, h("legend", {}, "Window"), ...radios),
      h("div", { class: "field" }, h("label", { for: keySelect.id }, "Key"), keySelect),
    ),
    errors,
    chartSlot,
  );
  return { element, reload, setKeys };
}
