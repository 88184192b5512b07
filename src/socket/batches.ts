/**
 * One object at a time out of a dump decoded in batches.
 *
 * A large dump is decoded a datagram at a time (`listRouteBatches` and the
 * other `…Batches` functions yield the objects of one datagram as an array).
 * The one-object-at-a-time form of the same dump (`listRoutes`…) hands those
 * arrays out item by item. An async generator doing that (`for (const r of
 * batch) yield r`) costs a generator resume and two promise turns per item,
 * about as much as decoding a route: {@link eachOf} is an iterator that
 * answers from the array it holds with one settled promise per item, and
 * steps the batch generator only when the array is used up.
 *
 * @module
 */

/**
 * An async generator of the items of `batches`, in order: what a `for await`
 * over `for (const x of batch) yield x` would see, with the same ending
 * (`break`, `return()`, `throw()` and `await using` end `batches` too, so its
 * `finally` runs before the call settles; an error of `batches` rejects the
 * step that reached it). `signal`, when given, is checked before every item:
 * once it aborted, the next step ends `batches` and rejects with its reason,
 * even when items are left in the array at hand.
 *
 * @example
 * ```ts
 * import { eachOf } from "./batches.ts";
 * async function* pairs() {
 *   yield [1, 2];
 *   yield [3];
 * }
 * let sum = 0;
 * for await (const n of eachOf(pairs())) sum += n; // 6
 * ```
 */
export function eachOf<T>(
  batches: AsyncGenerator<T[], void, undefined>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  return new EachOf(batches, signal);
}

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });

class EachOf<T> implements AsyncGenerator<T, void, undefined> {
  #batches: AsyncGenerator<T[], void, undefined>;
  #signal: AbortSignal | undefined;
  #items: T[] = [];
  #next = 0;
  #done = false;
  /** The step waiting for `#batches` (steps asked for meanwhile queue behind it, as a generator's do). */
  #busy: Promise<unknown> | undefined;

  constructor(batches: AsyncGenerator<T[], void, undefined>, signal: AbortSignal | undefined) {
    this.#batches = batches;
    this.#signal = signal;
  }

  next(): Promise<IteratorResult<T, void>> {
    if (this.#busy !== undefined) return this.#queue(() => this.next());
    if (this.#done) return Promise.resolve(DONE);
    if (this.#signal?.aborted) return this.#run(this.#abort());
    if (this.#next < this.#items.length) {
      return Promise.resolve({ value: this.#items[this.#next++], done: false });
    }
    return this.#run(this.#fill());
  }

  return(): Promise<IteratorResult<T, void>> {
    if (this.#busy !== undefined) return this.#queue(() => this.return());
    return this.#run(this.#end(() => this.#batches.return()));
  }

  throw(error: unknown): Promise<IteratorResult<T, void>> {
    if (this.#busy !== undefined) return this.#queue(() => this.throw(error));
    if (this.#done) return Promise.reject(error);
    return this.#run(this.#end(() => this.#batches.throw(error)));
  }

  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #queue(step: () => Promise<IteratorResult<T, void>>): Promise<IteratorResult<T, void>> {
    return this.#busy!.then(step, step);
  }

  #run(step: Promise<IteratorResult<T, void>>): Promise<IteratorResult<T, void>> {
    const busy = step.finally(() => {
      if (this.#busy === busy) this.#busy = undefined;
    });
    this.#busy = busy;
    return busy;
  }

  async #fill(): Promise<IteratorResult<T, void>> {
    try {
      for (;;) {
        const r = await this.#batches.next();
        if (r.done) {
          this.#finish();
          return DONE;
        }
        if (this.#signal?.aborted) return await this.#abort();
        if (r.value.length === 0) continue;
        this.#items = r.value;
        this.#next = 1;
        return { value: r.value[0], done: false };
      }
    } catch (error) {
      this.#finish();
      throw error;
    }
  }

  async #abort(): Promise<never> {
    const reason = this.#signal!.reason;
    await this.#end(() => this.#batches.return());
    throw reason;
  }

  async #end(end: () => Promise<IteratorResult<T[], void>>): Promise<IteratorResult<T, void>> {
    if (this.#done) return DONE;
    this.#finish();
    await end();
    return DONE;
  }

  #finish(): void {
    this.#done = true;
    this.#items = [];
    this.#next = 0;
  }
}
