// The operator console's entry (GATEWAY.md section 12), bundled by scripts/console/build.ts.
// Signed out: the sign-in form. Signed in: the shell, with the credential in sessionStorage and
// in the AdminApi that sends it; a 401 on any call signs out and says why.
import { AdminApi, type AdminApiError } from "./api";
import { type Whoami, WRITE_SCOPE } from "./api-types";
import { h } from "./dom";
import { forgetCredential, rememberCredential, storedCredential } from "./session";
import { type Shell, shell } from "./views/shell";
import { signInHint, signInView, whoami } from "./views/sign-in";

const root = document.getElementById("console");
let open: Shell | undefined;
/** Counts sign-ins: a 401 answered to an earlier session's call changes nothing. */
let session = 0;

function show(node: Node): void {
  open?.close();
  open = undefined;
  root?.replaceChildren(node);
}

function signedOut(error?: unknown, hint?: string): void {
  session += 1;
  forgetCredential();
  show(
    signInView(
      (credential, who) => {
        rememberCredential(credential);
        signedIn(credential, who);
      },
      error === undefined ? undefined : { error, hint: hint ?? signInHint(error) },
    ),
  );
}

function signedIn(credential: string, who: Whoami): void {
  session += 1;
  const mine = session;
  const api = new AdminApi({
    credential,
    // Several calls in flight may all get the 401: the first one signs out.
    onUnauthorized: (error: AdminApiError) => {
      if (mine === session) {
        signedOut(error, "The credential stopped working (revoked, or the token changed).");
      }
    },
  });
  const next = shell({ api, who, canWrite: who.scopes.includes(WRITE_SCOPE) }, () => signedOut());
  show(next.element);
  open = next;
}

async function start(): Promise<void> {
  const credential = storedCredential();
  if (credential === null) return signedOut();
  show(h("p", { class: "loading", role: "status" }, "Signing in…"));
  try {
    signedIn(credential, await whoami(credential));
  } catch (error) {
    signedOut(error);
  }
}

void start();
