/** Short content hashes for caches, asset names and `source_hash`. */
import { createHash } from 'node:crypto'

/**
 * A 16-hex-digit SHA-256 of the parts (joined with NUL, so `['ab','c']` ≠ `['a','bc']`).
 *
 * @param parts Strings or bytes.
 * @returns Lowercase hex.
 */
export function hashOf(...parts: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash('sha256')
  for (const part of parts) {
    hash.update(part)
    hash.update('\0')
  }
  return hash.digest('hex').slice(0, 16)
}
