// A single-consumer async queue: the socket pushes, `for await` pulls. When more than
// `highWater` messages wait, the producer is paused, so a slow consumer slows the socket
// (and, in the end, makes the server drop it) instead of growing memory here.

export class MessageQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #ended = false;
  #failure: unknown;
  readonly #highWater: number;
  readonly #onPressure: (paused: boolean) => void;
  #paused = false;

  constructor(options: { highWater?: number; onPressure?: (paused: boolean) => void } = {}) {
    this.#highWater = options.highWater ?? 1000;
    this.#onPressure = options.onPressure ?? (() => undefined);
  }

  push(item: T): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      waiting({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (!this.#paused && this.#items.length >= this.#highWater) {
      this.#paused = true;
      this.#onPressure(true);
    }
  }

  /** No more items; a failure is thrown to the consumer after the queued items. */
  end(failure?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = failure;
    if (this.#items.length > 0) return;
    if (failure !== undefined && this.#failWaiting) this.#failWaiting(failure);
    else this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
    this.#failWaiting = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined || this.#items.length > 0) {
      if (this.#paused && this.#items.length <= this.#highWater / 2) {
        this.#paused = false;
        this.#onPressure(false);
      }
      return Promise.resolve({ value: item as T, done: false });
    }
    if (this.#ended) {
      if (this.#failure !== undefined) {
        const failure = this.#failure;
        this.#failure = undefined;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: async () => ({ value: undefined, done: true }) };
  }
}
