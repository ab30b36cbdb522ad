/**
 * Unsubscribe tokens: an opaque, signed stand-in for a recipient's address
 * in the one-click URL. Deterministic authenticated encryption (SIV): the
 * first 16 bytes are an HMAC-SHA256 of the office, the issue time, the
 * release and the address; they are also the counter of the AES-256-CTR encryption of the
 * issue time and the address. Without the secret a token can be neither
 * read nor made; with it, the server recovers the address with no lookup
 * table. Pure: no files, no clock.
 */
import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto'

/** Keys derived from one secret. */
interface TokenKeys {
  readonly mac: Buffer
  readonly enc: Buffer
}

/** What a valid token says. */
export interface TokenClaims {
  /** Normalised address. */
  readonly email: string
  /** When the token was made (the Date of the message that carried it), epoch ms, to the second. */
  readonly issuedAt: number
  /** The release whose message carried it ('' when none). */
  readonly slug: string
  /** Which secret signed it: 0 the current one, 1 the previous one, … */
  readonly secretIndex: number
}

const version = 'u1'
const sivLength = 16

// A distribution signs one token per message with the same secret: derive its keys once.
const derived = new Map<string, TokenKeys>()

function keysOf(secret: string): TokenKeys {
  let keys = derived.get(secret)
  if (keys === undefined) {
    const derive = (label: string): Buffer => createHmac('sha256', secret).update(`pressroom unsubscribe ${label}`).digest()
    keys = { mac: derive('mac'), enc: derive('enc') }
    if (derived.size > 16) derived.clear()
    derived.set(secret, keys)
  }
  return keys
}

function sivOf(keys: TokenKeys, office: string, plain: Buffer): Buffer {
  return createHmac('sha256', keys.mac).update(office).update('\0').update(plain).digest().subarray(0, sivLength)
}

function ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', key, iv)
  return Buffer.concat([cipher.update(data), cipher.final()])
}

/**
 * Make the token of an address.
 *
 * @param secret
 *   The office's current secret (`.press/secret` or `PRESS_SECRET`).
 * @param office
 *   What names the office (its site URL), so a token of one office is worthless at another.
 * @param email
 *   Normalised address.
 * @param issuedAt
 *   Epoch ms (kept to the second).
 * @param slug
 *   The release of the message (optional; slugs are short ASCII).
 * @returns
 *   A URL-safe token, `u1` followed by base64url.
 */
export function signToken(secret: string, office: string, email: string, issuedAt: number, slug = ''): string {
  const keys = keysOf(secret)
  const seconds = Math.max(0, Math.floor(issuedAt / 1000))
  const slugBytes = Buffer.from(slug, 'utf8').subarray(0, 255)
  const plain = Buffer.alloc(6 + slugBytes.length + Buffer.byteLength(email))
  // 40 bits of seconds: good until the year 36812.
  plain.writeUIntBE(seconds, 0, 5)
  plain.writeUInt8(slugBytes.length, 5)
  slugBytes.copy(plain, 6)
  plain.write(email, 6 + slugBytes.length, 'utf8')
  const siv = sivOf(keys, office, plain)
  return version + Buffer.concat([siv, ctr(keys.enc, siv, plain)]).toString('base64url')
}

/**
 * Read a token.
 *
 * @param secrets
 *   Secrets to try, newest first (the previous one stays valid after a rotation).
 * @param office
 *   The office the token must belong to.
 * @param token
 *   From the URL.
 * @returns
 *   The claims, or undefined when no secret signed it (forged, damaged, or
 *   signed by a secret no longer kept).
 */
export function verifyToken(secrets: readonly string[], office: string, token: string): TokenClaims | undefined {
  if (!token.startsWith(version) || token.length > 600 || !/^[A-Za-z0-9_-]+$/.test(token.slice(version.length))) return undefined
  const bytes = Buffer.from(token.slice(version.length), 'base64url')
  if (bytes.length < sivLength + 7) return undefined
  const siv = bytes.subarray(0, sivLength)
  const sealed = bytes.subarray(sivLength)
  for (const [secretIndex, secret] of secrets.entries()) {
    const keys = keysOf(secret)
    const plain = ctr(keys.enc, siv, sealed)
    if (!timingSafeEqual(sivOf(keys, office, plain), siv)) continue
    const slugLength = plain.readUInt8(5)
    return {
      email: plain.subarray(6 + slugLength).toString('utf8'),
      slug: plain.subarray(6, 6 + slugLength).toString('utf8'),
      issuedAt: plain.readUIntBE(0, 5) * 1000,
      secretIndex,
    }
  }
  return undefined
}
