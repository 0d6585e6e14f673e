// In-process "the feed may have advanced" signal. Listeners are called at once (they only note it and schedule a
// read, which they coalesce), so a reader that asks right after a commit in this process knows to look first.
export class FeedSignal {
  readonly #listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
