/** Where `sleep` puts the function that ends the current sleep early (cleared when it ends). */
export interface WakeUp {
  wake: (() => void) | undefined
}

/**
 * Wait `ms` milliseconds, or less: an abort of `signal` (already aborted:
 * at once) or a call of `wakeUp.wake` ends the wait. Never rejects.
 *
 * @param ms
 *   How long, ms (a negative value is 0).
 * @param signal
 *   Ends the wait when aborted (optional).
 * @param wakeUp
 *   Receives the function that ends the wait early (optional).
 * @returns
 *   A promise that resolves when the wait is over.
 */
export function sleep(ms: number, signal?: AbortSignal, wakeUp?: WakeUp): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, Math.max(0, ms))
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      if (wakeUp) wakeUp.wake = undefined
      resolve()
    }
    if (wakeUp) wakeUp.wake = done
    signal?.addEventListener('abort', done, { once: true })
  })
}
