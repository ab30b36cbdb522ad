/**
 * Ledger keys. A release row is `<slug>/<address>`; a notice or correction
 * about it is `<slug>#<change>/<address>`. A slug and a change id never
 * contain `/` or `#`, so the part before the first `/` tells the two apart
 * whatever the address holds.
 */

/**
 * The key of a release row.
 *
 * @param slug Release slug.
 * @param normalizedEmail The recipient's normalised address.
 * @returns `slug/address`.
 */
export function releaseKey(slug: string, normalizedEmail: string): string {
  return `${slug}/${normalizedEmail}`
}

/**
 * The key of a notice or correction row.
 *
 * @param slug Release slug.
 * @param change Change id, e.g. `moved-2031-03-15T13:00:00.000Z` (no `/` or `#`).
 * @param normalizedEmail The recipient's normalised address.
 * @returns `slug#change/address`.
 */
export function changeKey(slug: string, change: string, normalizedEmail: string): string {
  if (/[/#]/.test(change)) throw new Error(`change id ${change} may not contain / or #`)
  return `${slug}#${change}/${normalizedEmail}`
}

/**
 * True for the key of a release row (not a notice or correction).
 *
 * @param key A ledger key.
 * @returns Whether it is `slug/address`.
 */
export function isReleaseKey(key: string): boolean {
  const slash = key.indexOf('/')
  return !(slash === -1 ? key : key.slice(0, slash)).includes('#')
}

/**
 * The release a key belongs to.
 *
 * @param key A ledger key (`slug/address` or `slug#change/address`).
 * @returns The slug.
 */
export function slugOfKey(key: string): string {
  const slash = key.indexOf('/')
  const head = slash === -1 ? key : key.slice(0, slash)
  const hash = head.indexOf('#')
  return hash === -1 ? head : head.slice(0, hash)
}
