// An account's keys: the list (scopes, per-key limit, state) and, with admin:write, create,
// edit, rotate and revoke. A new secret (create, rotate) is shown once, in one panel, with a
// copy button; it is never stored, and it is gone when the panel is dismissed or left.
import { path } from "../api";
import type { IssuedKey, Key } from "../api-types";
import type { ConsoleContext } from "../context";
import { busy, button, type Child, errorBox, field, form, h, table, uniqueId } from "../dom";
import { limitInput, limitText, time } from "../format";

export interface KeysPanel {
  readonly element: HTMLElement;
  reload(): Promise<void>;
}

export function keysPanel(
  context: ConsoleContext,
  accountId: string,
  onKeys: (keys: readonly Key[]) => void,
): KeysPanel {
  const heading = h("h2", { id: "keys-title", tabindex: -1 }, "Keys");
  const secretSlot = h("div", { class: "secret-slot" });
  const errors = h("div", { class: "errors" });
  const list = h("div", { class: "keys-list" });
  const editSlot = h("div", { class: "edit-slot" });

  async function reload(): Promise<void> {
    try {
      const { data } = await context.api.get<{ data: Key[] }>("/keys", { account_id: accountId });
      list.replaceChildren(keysTable(data));
      onKeys(data);
    } catch (error) {
      errors.replaceChildren(errorBox(error));
    }
  }

  function showSecret(issued: IssuedKey, title: string, note: string): void {
    secretSlot.replaceChildren(
      secretPanel(issued, title, note, () => {
        secretSlot.replaceChildren();
        heading.focus();
      }),
    );
  }

  function keysTable(keys: readonly Key[]): HTMLElement {
    if (keys.length === 0) return h("p", {}, "This account has no keys.");
    const headings = ["Key", "Scopes", "Per-minute limit", "Created", "Expires", "State"];
    if (context.canWrite) headings.push("Actions");
    const rows = keys.map((key) => {
      const cells: Child[] = [
        keyLabel(key),
        key.scopes.length === 0 ? "none" : key.scopes.join(" "),
        limitText(key.limits.per_minute, "account's"),
        time(key.created_at),
        time(key.expires_at),
        h("span", { class: `state state-${keyState(key)}` }, stateText(key)),
      ];
      if (context.canWrite) cells.push(keyActions(key));
      return cells;
    });
    return table(`Keys of ${accountId}`, headings, rows, { "data-keys": keys.length });
  }

  function keyActions(key: Key): HTMLElement {
    const cell = h("div", { class: "actions" });
    if (key.revoked_at !== null) return cell;
    const named = key.name === null ? key.id : `${key.id} (${key.name})`;
    const restore = () => cell.replaceChildren(...actionButtons());
    const confirmRevoke = () => {
      const yes = button(
        "Revoke now",
        () =>
          void act(async () => {
            await context.api.delete(path("keys", key.id));
          }),
        { class: "danger", "aria-label": `Revoke key ${named} now` },
      );
      cell.replaceChildren(
        h("span", {}, "Revoke? Requests with it get 401 at once."),
        yes,
        button("Cancel", restore, { "aria-label": `Keep key ${named}` }),
      );
      yes.focus();
    };
    const confirmRotate = () => {
      const yes = button(
        "Rotate now",
        () =>
          void act(async () => {
            const issued = await context.api.post<IssuedKey>(path("keys", key.id, "rotate"), {});
            showSecret(
              issued,
              `Replacement for key ${key.id}`,
              "The old key keeps working for an hour (its new expiry is in the list).",
            );
          }),
        { "aria-label": `Rotate key ${named} now` },
      );
      cell.replaceChildren(
        h("span", {}, "Rotate? A new secret replaces this one."),
        yes,
        button("Cancel", restore, { "aria-label": `Do not rotate key ${named}` }),
      );
      yes.focus();
    };
    const actionButtons = () => [
      button("Edit", () => editSlot.replaceChildren(editForm(key)), {
        "aria-label": `Edit key ${named}`,
      }),
      button("Rotate", confirmRotate, { "aria-label": `Rotate key ${named}` }),
      button("Revoke", confirmRevoke, { class: "danger", "aria-label": `Revoke key ${named}` }),
    ];
    restore();
    return cell;
  }

  /** Runs a key action; its error goes to the panel's error slot, then the list is reloaded. */
  async function act(work: () => Promise<void>): Promise<void> {
    errors.replaceChildren();
    try {
      await work();
    } catch (error) {
      errors.replaceChildren(errorBox(error));
    }
    await reload();
  }

  function editForm(key: Key): HTMLElement {
    const formErrors = h("div", { class: "errors" });
    const name = h("input", {
      id: uniqueId("key-name"),
      value: key.name ?? "",
      maxlength: 100,
      autocomplete: "off",
    });
    const scopes = scopesControl(context, key.scopes);
    const limit = h("input", {
      id: uniqueId("key-limit"),
      type: "number",
      min: 1,
      step: 1,
      value: key.limits.per_minute ?? "",
    });
    const edit = form({ class: "edit-key", "aria-label": `Edit key ${key.id}` }, (element) => {
      void busy(element, formErrors, async () => {
        await context.api.patch<Key>(path("keys", key.id), {
          name: name.value.trim() === "" ? null : name.value.trim(),
          scopes: scopes.value(),
          limits: { per_minute: limitInput("Per-minute limit", limit.value) },
        });
        editSlot.replaceChildren();
        await reload();
      });
    });
    edit.append(
      field("Name", name),
      scopes.element,
      field("Per-minute limit", limit, "Empty: only the account's limit applies."),
      h("button", { type: "submit" }, "Save key"),
      button("Cancel", () => editSlot.replaceChildren()),
    );
    queueMicrotask(() => name.focus());
    return h("section", { class: "panel" }, h("h3", {}, `Edit key ${key.id}`), edit, formErrors);
  }

  function createForm(): HTMLElement {
    const formErrors = h("div", { class: "errors" });
    const name = h("input", { id: "new-key-name", maxlength: 100, autocomplete: "off" });
    const scopes = scopesControl(context, []);
    const limit = h("input", { id: "new-key-limit", type: "number", min: 1, step: 1 });
    const create = form({ class: "create-key", "aria-labelledby": "new-key-title" }, (element) => {
      void busy(element, formErrors, async () => {
        const perMinute = limitInput("Per-minute limit", limit.value);
        const issued = await context.api.post<IssuedKey>("/keys", {
          account_id: accountId,
          scopes: scopes.value(),
          ...(name.value.trim() === "" ? {} : { name: name.value.trim() }),
          ...(perMinute === null ? {} : { limits: { per_minute: perMinute } }),
        });
        element.reset();
        showSecret(issued, `New key ${issued.id}`, "");
        await reload();
      });
    });
    create.append(
      field("Name", name),
      scopes.element,
      field("Per-minute limit", limit, "Optional. The lower of this and the account's binds."),
      h("button", { type: "submit" }, "Create key"),
    );
    return h(
      "section",
      { class: "panel" },
      h("h3", { id: "new-key-title" }, "New key"),
      create,
      formErrors,
    );
  }

  const element = h(
    "section",
    { class: "keys", "aria-labelledby": "keys-title" },
    heading,
    secretSlot,
    errors,
    list,
    editSlot,
  );
  if (context.canWrite) element.append(createForm());
  return { element, reload };
}

function keyLabel(key: Key): HTMLElement {
  return h(
    "span",
    { class: "key-label" },
    key.name === null ? null : h("strong", {}, key.name),
    key.name === null ? null : " ",
    h("code", {}, key.id),
  );
}

type KeyState = "active" | "rotated" | "expired" | "revoked";

function keyState(key: Key, now = Date.now()): KeyState {
  if (key.revoked_at !== null) return "revoked";
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now) return "expired";
  if (key.rotated_at !== null) return "rotated";
  return "active";
}

function stateText(key: Key): string {
  switch (keyState(key)) {
    case "revoked":
      return `revoked ${time(key.revoked_at)}`;
    case "expired":
      return "expired";
    case "rotated":
      return `rotated ${time(key.rotated_at)}, works until ${time(key.expires_at)}`;
    case "active":
      return "active";
  }
}

interface ScopesControl {
  element: HTMLElement;
  value(): string[];
}

/** Checkboxes of the scopes keys may have when whoami names them, else a text field. */
function scopesControl(context: ConsoleContext, selected: readonly string[]): ScopesControl {
  const known = context.who.key_scopes;
  if (known !== undefined) {
    const boxes = [...new Set([...known, ...selected])].map((scope) => {
      const box = h("input", {
        type: "checkbox",
        id: uniqueId("scope"),
        value: scope,
        checked: selected.includes(scope),
      });
      return { scope, box };
    });
    const element = h(
      "fieldset",
      { class: "scopes" },
      h("legend", {}, "Scopes"),
      ...boxes.map(({ scope, box }) =>
        h("div", { class: "check" }, box, h("label", { for: box.id }, scope)),
      ),
    );
    return {
      element,
      value: () => boxes.filter(({ box }) => box.checked).map(({ scope }) => scope),
    };
  }
  const input = h("input", {
    id: uniqueId("scopes"),
    value: selected.join(" "),
    autocomplete: "off",
    spellcheck: false,
  });
  return {
    element: field("Scopes", input, "Separated by spaces, e.g. submissions:read submissions:write"),
    value: () => input.value.split(/[\s,]+/).filter((scope) => scope !== ""),
  };
}

/** The one place a secret is shown: until dismissed, or until the operator leaves the view. */
function secretPanel(
  issued: IssuedKey,
  title: string,
  note: string,
  dismiss: () => void,
): HTMLElement {
  const secret = h("input", {
    id: uniqueId("secret"),
    class: "secret-value",
    readonly: true,
    value: issued.key,
    autocomplete: "off",
    spellcheck: false,
  });
  const copied = h("p", { class: "copied", role: "status" });
  const copy = button("Copy secret", () => {
    void copySecret(secret).then((done) => {
      copied.textContent = done
        ? "Copied to the clipboard."
        : "The browser refused the clipboard: the secret is selected, press Ctrl+C (⌘C).";
    });
  });
  const done = button("Done, I have saved it", dismiss);
  const panel = h(
    "section",
    { class: "secret panel", "aria-labelledby": `${secret.id}-title` },
    h("h3", { id: `${secret.id}-title` }, `${title}: copy the secret now`),
    h("p", {}, "It is shown only this once: the gateway keeps only its digest. ", note),
    field(`Secret of key ${issued.id}`, secret),
    h("div", { class: "actions" }, copy, done),
    copied,
  );
  queueMicrotask(() => secret.select());
  return panel;
}

async function copySecret(input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}
