// The sign-in form. The credential is checked with GET /whoami before it is kept, so a wrong
// one never reaches sessionStorage and its 401 is shown as the API gave it.
import { AdminApi, AdminApiError } from "../api";
import type { Whoami } from "../api-types";
import { busy, errorBox, field, form, h } from "../dom";

export function signInView(
  onSignedIn: (credential: string, who: Whoami) => void,
  initialError?: { error: unknown; hint?: string },
): HTMLElement {
  const credential = h("input", {
    type: "password",
    id: "credential",
    autocomplete: "off",
    spellcheck: false,
    autocapitalize: "off",
    required: true,
  });
  const errors = h("div", { class: "errors" });
  if (initialError !== undefined) errors.append(errorBox(initialError.error, initialError.hint));
  const signIn = form({ class: "sign-in", "aria-labelledby": "sign-in-title" }, (element) => {
    const secret = credential.value.trim();
    void busy(element, errors, async () => {
      const who = await whoami(secret);
      onSignedIn(secret, who);
    });
  });
  signIn.append(
    field(
      "Admin credential",
      credential,
      "ADMIN_TOKEN, or the secret of an admin credential. Kept for this tab only, sent only as a bearer header.",
    ),
    h("button", { type: "submit" }, "Sign in"),
  );
  const main = h(
    "main",
    { class: "signed-out" },
    h("h1", { id: "sign-in-title" }, "Gateway console"),
    signIn,
    errors,
  );
  queueMicrotask(() => credential.focus());
  return main;
}

/** Who the credential is; throws the API's error (a 401 for a wrong credential). */
export async function whoami(credential: string): Promise<Whoami> {
  return new AdminApi({ credential }).get<Whoami>("/whoami");
}

/** The hint shown beside an error from whoami. */
export function signInHint(error: unknown): string | undefined {
  if (error instanceof AdminApiError && error.status === 404) {
    return "The admin API answers 404 when the gateway has no ADMIN_TOKEN set.";
  }
  return undefined;
}
