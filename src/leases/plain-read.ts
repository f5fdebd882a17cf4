import type { LeaseCall, LeaseClient } from "./lease-client";

/** What to do with a plain read, as far as the isolate's leases go. */
export type ReadStep =
  | { kind: "leased"; remaining: number }
  | { kind: "full"; retryInMs: number }
  /** Wait for the call already on its way, then `afterWait`. */
  | { kind: "wait" }
  /** Send this call (it admits the read directly and asks for a lease). */
  | { kind: "call"; call: LeaseCall };

/**
 * The one place the lease decisions for a plain read are made, shared by the Worker (which
 * carries calls over RPC) and the simulation (which carries them over its network): from a
 * lease if one has room, refused if the object said the window is full, else through the call
 * in flight (wait for it, then plan again with `arrival` false) or a new one of its own.
 */
export function planRead(
  client: LeaseClient,
  now: number,
  units: number,
  arrival = true,
): ReadStep {
  const take = client.take(now, units, arrival);
  if (take.kind === "leased") return { kind: "leased", remaining: take.remaining };
  if (take.kind === "full") return take;
  if (client.pending()) return { kind: "wait" };
  return { kind: "call", call: client.callFor(now, units) };
}
