// The admin credential, kept for this tab only (sessionStorage: gone when the tab closes, never
// sent anywhere by the browser on its own, unlike a cookie).
const STORAGE_KEY = "gateway-console.credential";

export function storedCredential(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the operator signs in again on each load
  }
}

export function rememberCredential(credential: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, credential);
  } catch {
    // storage disabled: the session lasts until the page is reloaded
  }
}

export function forgetCredential(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing was stored
  }
}
