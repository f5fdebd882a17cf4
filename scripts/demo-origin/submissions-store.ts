// In-memory state of the demo origin: submissions per account, their lifecycle and the demo
// credit balance. Time comes from an injectable clock so tests can advance it instead of sleeping.
import { randomBytes } from "node:crypto";

export type SubmissionStatus = "queued" | "running" | "succeeded" | "cancelled";

export interface Submission {
  id: string;
  accountId: string;
  /** Creation order; the list cursor is built on it so deletes never shift a page. */
  seq: number;
  status: SubmissionStatus;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  creditsCharged: number;
  params: Record<string, unknown>;
  /** Set once the terminal state has been announced, so the gateway hears about it once. */
  announced: boolean;
}

export interface SubmissionStoreOptions {
  /** Total run time, queued + running, in milliseconds. */
  runMs: number;
  now: () => number;
  initialCredits: number;
  /** Called exactly once per submission, when it reaches a terminal state. */
  onTerminal: (submission: Submission) => void;
}

export type CreateResult =
  | { ok: true; submission: Submission }
  | { ok: false; balance: number; required: number };

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function newSubmissionId(): string {
  const bytes = randomBytes(20);
  let out = "sub_";
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

export function isTerminal(status: SubmissionStatus): boolean {
  return status === "succeeded" || status === "cancelled";
}

/**
 * Demo pricing: a run costs one credit per ten generations, rounded up, at least one credit
 * (a run without `num_generations` costs 1). Credits are charged at creation and not refunded.
 */
export function submissionCost(numGenerations: number | undefined): number {
  return Math.max(1, Math.ceil((numGenerations ?? 0) / 10));
}

export class SubmissionStore {
  readonly #options: SubmissionStoreOptions;
  /** A run is `queued` for its first fifth, `running` until runMs, then `succeeded`. */
  readonly #queuedMs: number;
  readonly #byId = new Map<string, Submission>();
  /** Per account, in creation order (oldest first). */
  readonly #byAccount = new Map<string, Submission[]>();
  readonly #credits = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #seq = 0;

  constructor(options: SubmissionStoreOptions) {
    this.#options = options;
    this.#queuedMs = Math.floor(options.runMs / 5);
  }

  balance(accountId: string): number {
    return this.#credits.get(accountId) ?? this.#options.initialCredits;
  }

  create(accountId: string, params: Record<string, unknown>, cost: number): CreateResult {
    const balance = this.balance(accountId);
    if (balance < cost) return { ok: false, balance, required: cost };
    this.#credits.set(accountId, balance - cost);

    const submission: Submission = {
      id: newSubmissionId(),
      accountId,
      seq: ++this.#seq,
      status: "queued",
      createdAt: this.#options.now(),
      startedAt: null,
      finishedAt: null,
      creditsCharged: cost,
      params,
      announced: false,
    };
    this.#byId.set(submission.id, submission);
    let list = this.#byAccount.get(accountId);
    if (list === undefined) {
      list = [];
      this.#byAccount.set(accountId, list);
    }
    list.push(submission);
    this.#schedule(submission, this.#options.runMs);
    return { ok: true, submission };
  }

  /** The account's submission with its status brought up to date; undefined if not theirs. */
  get(accountId: string, id: string): Submission | undefined {
    const submission = this.#byId.get(id);
    if (submission === undefined || submission.accountId !== accountId) return undefined;
    this.#advance(submission);
    return submission;
  }

  /** Newest first; `beforeSeq` is the exclusive upper bound decoded from the cursor. */
  list(
    accountId: string,
    limit: number,
    beforeSeq: number | undefined,
  ): { items: Submission[]; more: boolean } {
    const all = this.#byAccount.get(accountId) ?? [];
    const items: Submission[] = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const submission = all[i];
      if (submission === undefined) continue;
      if (beforeSeq !== undefined && submission.seq >= beforeSeq) continue;
      if (items.length === limit) return { items, more: true };
      this.#advance(submission);
      items.push(submission);
    }
    return { items, more: false };
  }

  /** Moves a live run to `cancelled`; false when it is already terminal. */
  cancel(submission: Submission): boolean {
    this.#advance(submission);
    if (isTerminal(submission.status)) return false;
    this.#finish(submission, "cancelled", this.#options.now());
    return true;
  }

  /** Forgets a submission; a live run is cancelled first so its end is still reported. */
  delete(submission: Submission): void {
    this.cancel(submission);
    this.#byId.delete(submission.id);
    const list = this.#byAccount.get(submission.accountId);
    if (list !== undefined) {
      const index = list.indexOf(submission);
      if (index !== -1) list.splice(index, 1);
    }
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  // Status is derived from the clock on every read, and a real timer makes sure a finished
  // run is reported even if nobody reads it. With a fake clock the timer finds the run not yet
  // due and re-arms; the next read after the clock moves does the transition.
  #schedule(submission: Submission, delayMs: number): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(submission.id);
        this.#advance(submission);
        if (!isTerminal(submission.status)) {
          const due = submission.createdAt + this.#options.runMs - this.#options.now();
          this.#schedule(submission, Math.max(due, 1));
        }
      },
      Math.max(delayMs, 0),
    );
    timer.unref();
    this.#timers.set(submission.id, timer);
  }

  #advance(submission: Submission): void {
    if (isTerminal(submission.status)) return;
    const elapsed = this.#options.now() - submission.createdAt;
    if (elapsed >= this.#queuedMs && submission.startedAt === null) {
      submission.status = "running";
      submission.startedAt = submission.createdAt + this.#queuedMs;
    }
    if (elapsed >= this.#options.runMs) {
      this.#finish(submission, "succeeded", submission.createdAt + this.#options.runMs);
    }
  }

  #finish(submission: Submission, status: SubmissionStatus, at: number): void {
    submission.status = status;
    submission.finishedAt = at;
    const timer = this.#timers.get(submission.id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(submission.id);
    }
    if (!submission.announced) {
      submission.announced = true;
      this.#options.onTerminal(submission);
    }
  }
}
