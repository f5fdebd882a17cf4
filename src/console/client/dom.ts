// A few typed helpers over the DOM. Text is only ever set as text (no innerHTML anywhere), so
// nothing the API returns can become markup, and the page runs under Trusted Types 'none'.
import { AdminApiError } from "./api";

export type Child = Node | string | number | null | undefined | false;
export type Attributes = Readonly<Record<string, string | number | boolean | null | undefined>>;

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "number" ? String(child) : child);
  }
}

/** An HTML element: `h("p", { class: "note" }, "text", h("code", {}, id))`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element, attributes as presentation attributes (no style attribute: the CSP). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** A button of type "button" that runs `action` when pressed. */
export function button(
  label: string,
  action: (event: MouseEvent) => void,
  attributes: Attributes = {},
): HTMLButtonElement {
  const element = h("button", { type: "button", ...attributes }, label);
  element.addEventListener("click", action);
  return element;
}

let fieldCount = 0;

/** A fresh id for a control, so that its label's `for` names it. */
export function uniqueId(prefix: string): string {
  fieldCount += 1;
  return `${prefix}-${fieldCount}`;
}

/** A labelled control: the label's `for` names the control's id. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement,
  hint?: string,
): HTMLDivElement {
  if (control.id === "") control.id = uniqueId("field");
  // The hint between the label and the control: each field ends with its control, so the
  // controls of a row line up.
  const wrapper = h("div", { class: "field" }, h("label", { for: control.id }, label));
  if (hint !== undefined) {
    const hintId = `${control.id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    wrapper.append(h("p", { class: "hint", id: hintId }, hint));
  }
  wrapper.append(control);
  return wrapper;
}

export function select(
  options: ReadonlyArray<readonly [value: string, label: string]>,
  selected: string,
  attributes: Attributes = {},
): HTMLSelectElement {
  const element = h("select", attributes);
  for (const [value, label] of options) {
    element.append(h("option", { value, selected: value === selected }, label));
  }
  element.value = selected;
  return element;
}

/** A table whose rows are built from `rows`; wrapped so that it scrolls on a narrow screen. */
export function table(
  caption: string,
  headings: readonly string[],
  rows: ReadonlyArray<readonly Child[]>,
  attributes: Attributes = {},
): HTMLDivElement {
  const body = h("tbody");
  for (const row of rows) {
    // data-label: on a phone each row is a card, each cell labelled by its column (console.css).
    body.append(
      h("tr", {}, ...row.map((cell, index) => h("td", { "data-label": headings[index] }, cell))),
    );
  }
  return h(
    "div",
    { class: "table-scroll", ...attributes },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...headings.map((text) => h("th", { scope: "col" }, text)))),
      body,
    ),
  );
}

/**
 * An error as the operator should see it: the API's code, message and request id (the id to
 * quote when asking about it), announced to screen readers.
 */
export function errorBox(error: unknown, hint?: string): HTMLDivElement {
  const box = h("div", { class: "error", role: "alert" });
  if (error instanceof AdminApiError) {
    box.append(
      h(
        "p",
        {},
        h("strong", { class: "error-code" }, error.code),
        " ",
        h("span", { class: "error-message" }, error.message),
      ),
    );
    if (error.status !== 0) box.append(h("p", {}, `HTTP ${error.status}`));
    const field = error.details.field;
    if (typeof field === "string") box.append(h("p", {}, "Field: ", h("code", {}, field)));
    const scope = error.details.required_scope;
    if (typeof scope === "string") box.append(h("p", {}, "Needs scope: ", h("code", {}, scope)));
    if (error.requestId !== null) {
      box.append(
        h("p", {}, "Request id: ", h("code", { class: "error-request-id" }, error.requestId)),
      );
    }
  } else {
    const message = error instanceof Error ? error.message : String(error);
    box.append(h("p", {}, h("strong", { class: "error-code" }, "console_error"), " ", message));
  }
  if (hint !== undefined) box.append(h("p", { class: "hint" }, hint));
  return box;
}

/** Runs `work` with the form's controls disabled, showing any error in `errors`. */
export async function busy(
  form: HTMLFormElement,
  errors: HTMLElement,
  work: () => Promise<void>,
): Promise<void> {
  const controls = Array.from(form.elements).filter(
    (element): element is HTMLButtonElement | HTMLInputElement | HTMLSelectElement =>
      element instanceof HTMLButtonElement ||
      element instanceof HTMLInputElement ||
      element instanceof HTMLSelectElement,
  );
  const wasDisabled = controls.map((control) => control.disabled);
  // Disabling the focused control drops the focus to <body>: it is given back afterwards.
  const focused = document.activeElement;
  for (const control of controls) control.disabled = true;
  form.setAttribute("aria-busy", "true");
  errors.replaceChildren();
  try {
    await work();
  } catch (error) {
    errors.replaceChildren(errorBox(error));
  } finally {
    controls.forEach((control, index) => {
      control.disabled = wasDisabled[index] ?? false;
    });
    form.removeAttribute("aria-busy");
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (lost && focused instanceof HTMLElement && focused.isConnected) focused.focus();
  }
}

/** A form whose submit runs `onSubmit` (never a navigation: the CSP has form-action 'none'). */
export function form(
  attributes: Attributes,
  onSubmit: (form: HTMLFormElement) => void,
  ...children: Child[]
): HTMLFormElement {
  const element = h("form", attributes, ...children);
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(element);
  });
  return element;
}
