// A binary min-heap of step indices: the scheduler's ready queue and its to-visit lists, so
// the next step in workflow order is found in O(log n) instead of a scan of every step.

export class IndexHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): number | undefined {
    return this.#items[0];
  }

  push(index: number): void {
    const items = this.#items;
    let at = items.push(index) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = items[parent] as number;
      if (above <= index) break;
      items[at] = above;
      at = parent;
    }
    items[at] = index;
  }

  pop(): number | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      const smaller = items[child] as number;
      if (smaller >= last) break;
      items[at] = smaller;
      at = child;
    }
    items[at] = last;
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
