import type { AccountTerms, AdmissionTicket, OriginOutcome } from "./contract";
import type { DailyQuota } from "./daily-quota";
import type { IdempotencyStore } from "./idempotency-store";
import type { Slots } from "./slots";

export interface CompletionStores {
  slots: Slots;
  quota: DailyQuota;
  idempotency: IdempotencyStore;
}

/**
 * What happens after the origin answered, and the rest of a slot's life: a created submission's
 * slot is held until its end is reported (release endpoint, terminal status, cancel) or its
 * tier's max_submission_seconds runs out; anything not created gives back what it took.
 */
export class Completion {
  constructor(private readonly stores: CompletionStores) {}

  /** Finishes an admitted request once the origin's answer is known (after the response). */
  complete(ticket: AdmissionTicket, outcome: OriginOutcome, now: number): void {
    // Not known whether the origin executed it: everything stays as admitted, and the
    // deadlines set then (slot, lock) decide.
    if (outcome.kind === "unknown") return;
    const { slots, quota, idempotency } = this.stores;
    const created = outcome.status >= 200 && outcome.status < 300;
    if (ticket.slotId !== null) {
      if (!created) {
        slots.free(ticket.slotId);
      } else if (outcome.submissionId !== null) {
        if (slots.takeEarlyRelease(outcome.submissionId, now)) {
          // Its end was reported before this completion arrived: nothing left to hold.
          slots.free(ticket.slotId);
        } else {
          slots.hold(ticket.slotId, outcome.submissionId, now, now + ticket.holdMs);
        }
      }
      // Created, but no id to release it by: it stays pending until its deadline, since a
      // submission is running that nobody can report finished.
    }
    if (ticket.quotaDay !== null && !created) quota.refund(ticket.quotaDay);
    if (ticket.idempotency !== null) {
      const { key, claimId } = ticket.idempotency;
      if (outcome.storable !== null) idempotency.complete(key, claimId, outcome.storable);
      else idempotency.release(key, claimId);
    }
  }

  /** The origin (or an observed terminal status) says a submission finished. */
  releaseSubmission(submissionId: string, terms: Pick<AccountTerms, "lockMs">, now: number) {
    const { slots } = this.stores;
    slots.expire(now);
    const released = slots.releaseSubmission(submissionId);
    // A pending create may be the one that made it; its completion will free its slot.
    if (!released) slots.rememberEarlyRelease(submissionId, now, now + terms.lockMs);
    return released;
  }
}
