// Matching answers to the cancels a client sent. Each cancel carries an id and is followed
// by a ping with the same id. A server that knows cancel ids answers cancel-ok or an error
// with the id before that pong (it decides a cancel before it reads the next message); an
// older version-1 server drops the id, answers only a refusal (an error without id) and
// then the pong — so a pong first means "accepted", or "refused" by the id-less error
// between. Either way the caller gets a definite answer, never a guess or a hang.
import type { DecodedServerMessage } from "@runyard/protocol";
import { PROTOCOL_ERROR_CODES } from "@runyard/protocol";

/** Why a server refuses a cancel; a newer server may use a code not listed here. */
export type CancelRefusalCode =
  | typeof PROTOCOL_ERROR_CODES.runEnded
  | typeof PROTOCOL_ERROR_CODES.stepEnded
  | typeof PROTOCOL_ERROR_CODES.unknownStep
  | typeof PROTOCOL_ERROR_CODES.cancel
  | typeof PROTOCOL_ERROR_CODES.unsupported
  | (string & {});

/** The server's answer to a cancel: accepted, or refused with its stable code and why. */
export type CancelAnswer =
  | { accepted: true }
  | { accepted: false; code: CancelRefusalCode; message: string };

const REFUSAL_CODES: ReadonlySet<string> = new Set([
  PROTOCOL_ERROR_CODES.runEnded,
  PROTOCOL_ERROR_CODES.stepEnded,
  PROTOCOL_ERROR_CODES.unknownStep,
  PROTOCOL_ERROR_CODES.cancel,
  PROTOCOL_ERROR_CODES.unsupported,
]);

interface Pending {
  resolve: (answer: CancelAnswer) => void;
  reject: (error: unknown) => void;
  /** An id-less refusal an older server sent before the pong. */
  refusal?: { code: string; message: string };
}

export class CancelAnswers {
  #next = 0;
  /** Unanswered cancels, oldest first. */
  readonly #pending = new Map<string, Pending>();
  /** Ids whose pong has not come back yet (answered or not): the pong is not the caller's. */
  readonly #probes = new Set<string>();

  /** A fresh id and the promise of the answer to the cancel sent with it. */
  open(): { id: string; answer: Promise<CancelAnswer> } {
    this.#next += 1;
    const id = `runyard-cancel-${this.#next}`;
    const answer = new Promise<CancelAnswer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#probes.add(id);
    // A caller that fires and forgets must not get an unhandled rejection when the
    // connection ends first; one that awaits still sees it.
    answer.catch(() => undefined);
    return { id, answer };
  }

  /** Takes the server's message if it answers a cancel; false leaves it to the iterator. */
  take(message: DecodedServerMessage): boolean {
    if (message.type === "cancel-ok") return this.#settle(message.id, { accepted: true });
    if (message.type === "error") {
      if (message.id !== undefined) {
        const { code } = message;
        return this.#settle(message.id, { accepted: false, code, message: message.message });
      }
      // An older server's refusal: it answers cancels in order, so it is the oldest's.
      if (!REFUSAL_CODES.has(message.code)) return false;
      for (const pending of this.#pending.values()) {
        if (pending.refusal !== undefined) continue;
        pending.refusal = { code: message.code, message: message.message };
        return true;
      }
      return false;
    }
    if (message.type === "pong" && message.id !== undefined && this.#probes.delete(message.id)) {
      const refusal = this.#pending.get(message.id)?.refusal;
      this.#settle(message.id, refusal ? { accepted: false, ...refusal } : { accepted: true });
      return true;
    }
    return false;
  }

  /** The connection ended: every unanswered cancel fails with `error`. */
  fail(error: unknown): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #settle(id: string, answer: CancelAnswer): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    pending.resolve(answer);
    return true;
  }
}
