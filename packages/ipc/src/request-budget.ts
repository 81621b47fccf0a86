// How many messages a client may send: a token bucket that holds `burst` tokens and refills at
// `perSecond`. Every line counts, bad ones too: each costs the executor a parse, and a
// client that floods it with pings or garbage would otherwise take the event loop from the
// run and from the other clients.
export class RequestBudget {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at = performance.now();

  constructor(perSecond: number, burst: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
  }

  /** Takes one message's token; false when the client has none left. */
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
