// A FIFO async mutex: one holder at a time across awaits, which a synchronous database driver cannot give us.

export class AsyncMutex {
  #tail: Promise<void> = Promise.resolve();

  /** Runs fn once every earlier caller has finished (resolved or thrown). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release = (): void => {};
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    return previous.then(fn).finally(release);
  }
}
