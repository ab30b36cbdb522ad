/**
 * What a one-click unsubscribe and a resubscribe do, apart from HTTP: check
 * the token, write or remove the suppression, record the event. A forged
 * token, or one older than the recipient's last resubscribe (a replay),
 * changes nothing.
 */
import { removeSuppression, suppress, type SuppressionEntry } from '../press-list/suppressions.js'
import type { RecipientStore } from './store.js'
import { signToken, verifyToken, type TokenClaims } from './token.js'

/** What the unsubscribe functions need. */
export interface UnsubscribeDeps {
  /** Secrets, newest first (`loadSecrets`). */
  readonly secrets: readonly string[]
  /** What names the office in its tokens (its site URL). */
  readonly office: string
  readonly suppressionsPath: string
  readonly store: RecipientStore
  /** The clock, epoch ms. */
  readonly now: () => number
}

/** Why a token was refused. */
export type TokenRefusal = 'missing' | 'forged' | 'stale'

/** The result of an unsubscribe or resubscribe. */
export type SubscriptionOutcome =
  | { readonly ok: true; readonly claims: TokenClaims; readonly changed: boolean; readonly resubscribeToken?: string }
  | { readonly ok: false; readonly refusal: TokenRefusal; readonly claims?: TokenClaims }
  | { readonly ok: false; readonly refusal: 'not-suppressed' | 'not-by-unsubscribe'; readonly claims: TokenClaims }

/** The reason written to the suppression file for an unsubscribe. */
export function unsubscribeReason(how: string, slug: string): string {
  return `unsubscribed (${how}${slug ? `, ${slug}` : ''})`
}

/**
 * Read a token and check it is not older than the last resubscribe.
 *
 * @param deps
 *   Secrets, office, store.
 * @param token
 *   From the URL (optional).
 * @param purpose
 *   `unsubscribe` (default) also refuses tokens older than the last
 *   resubscribe; `resubscribe` checks the signature only (its own rule is in
 *   `resubscribeByToken`).
 * @returns
 *   The claims, or why not.
 */
export function checkToken(
  deps: UnsubscribeDeps,
  token: string | undefined,
  purpose: 'unsubscribe' | 'resubscribe' = 'unsubscribe',
): { claims: TokenClaims } | { refusal: TokenRefusal; claims?: TokenClaims } {
  if (token === undefined || token === '') return { refusal: 'missing' }
  const claims = verifyToken(deps.secrets, deps.office, token)
  if (claims === undefined) return { refusal: 'forged' }
  if (purpose === 'resubscribe') return { claims }
  const resubscribed = deps.store.last(claims.email, 'resubscribed')
  // Tokens carry whole seconds; one made before the resubscribe is a replay.
  if (resubscribed !== undefined && claims.issuedAt < Math.floor(resubscribed / 1000) * 1000) return { refusal: 'stale', claims }
  return { claims }
}

/**
 * Unsubscribe the address a token names: add it to the suppression file and
 * record the event. Doing it twice changes nothing the second time.
 *
 * @param deps
 *   Secrets, office, paths, store, clock.
 * @param token
 *   From the URL.
 * @param how
 *   `one-click` (RFC 8058 POST) or `web page` (the button).
 * @returns
 *   The outcome, with a fresh token for the resubscribe link.
 */
export async function unsubscribeByToken(
  deps: UnsubscribeDeps,
  token: string | undefined,
  how: 'one-click' | 'web page',
): Promise<SubscriptionOutcome> {
  const checked = checkToken(deps, token)
  if (!('claims' in checked) || 'refusal' in checked) return { ok: false, ...checked }
  const { claims } = checked
  const at = deps.now()
  const reason = unsubscribeReason(how, claims.slug)
  const changed = await suppress(deps.suppressionsPath, claims.email, reason, new Date(at))
  if (changed)
    deps.store.record({
      slug: claims.slug,
      email: claims.email,
      kind: 'unsubscribed',
      reason: how,
      at,
      source: `web:unsubscribe:${at}:${token}`,
    })
  return { ok: true, claims, changed, resubscribeToken: signToken(deps.secrets[0]!, deps.office, claims.email, at, claims.slug) }
}

/**
 * Take an unsubscribe back: remove the address from the suppression file,
 * but only when its line is an unsubscribe (never a bounce or a person's
 * entry without a reason) made no later than the token. Unsubscribe tokens
 * made before this moment stop working (a replay cannot unsubscribe again).
 *
 * @param deps
 *   Secrets, office, paths, store, clock.
 * @param token
 *   From the resubscribe link.
 * @returns
 *   The outcome.
 */
export async function resubscribeByToken(deps: UnsubscribeDeps, token: string | undefined): Promise<SubscriptionOutcome> {
  if (token === undefined || token === '') return { ok: false, refusal: 'missing' }
  const claims = verifyToken(deps.secrets, deps.office, token)
  if (claims === undefined) return { ok: false, refusal: 'forged' }
  let refused: 'not-by-unsubscribe' | 'stale' | undefined
  const mayRemove = (entry: SuppressionEntry): boolean => {
    if (!entry.reason?.startsWith('unsubscribed')) refused = 'not-by-unsubscribe'
    else if (entry.at !== undefined && claims.issuedAt < Math.floor(entry.at / 1000) * 1000) refused = 'stale'
    return refused === undefined
  }
  const removed = await removeSuppression(deps.suppressionsPath, claims.email, mayRemove)
  if (refused !== undefined) return { ok: false, refusal: refused, claims }
  if (removed === undefined) return { ok: false, refusal: 'not-suppressed', claims }
  const at = deps.now()
  deps.store.record({
    slug: claims.slug,
    email: claims.email,
    kind: 'resubscribed',
    reason: 'web page',
    at,
    source: `web:resubscribe:${at}:${token}`,
  })
  return { ok: true, claims, changed: true }
}
