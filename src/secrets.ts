/**
 * The one place that decides what of a URL-shaped setting may be printed
 * (`mail.transport`, `PRESS_SMTP_URL`, `--queue`, `PRESS_QUEUE`). A URL is
 * redacted structurally: parsed, then rebuilt from the parts that are not
 * secret (scheme, the user name when a password follows it, host, port, a
 * plain path, harmless query options). A token alone in the user part,
 * a password (with spaces, `@`, anything percent-encoded or not) and query
 * values are replaced by `****`; a value that does not parse shows nothing
 * after its scheme. {@link secretsOf} lists the secret pieces of a URL in
 * every spelling, so text from elsewhere (a server's reply, a library's
 * error) can be scrubbed of them too.
 */

/** What replaces a secret. */
export const mask = '****'

// Query options whose values are not secret (TLS switches, the Redis prefix).
const plainOptions = new Set(['requiretls', 'ignoretls', 'rejectunauthorized', 'prefix', 'secure', 'pool', 'family', 'db', 'name'])

/**
 * A URL-shaped setting with its secrets replaced by `****` (pure).
 *
 * @param value The setting as written (`smtps://user:pass@host:465`, `outbox`, …).
 * @returns e.g. `smtps://user:****@host:465`; `smtp://****` when it cannot be parsed; a bare word as it is.
 */
export function redactUrl(value: string): string {
  const text = value.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)
  if (!scheme) return /^[\w.-]*$/.test(text) ? text : mask
  const prefix = `${scheme[1]!.toLowerCase()}:${text.slice(scheme[0].length).startsWith('//') ? '//' : ''}`
  if (prefix.endsWith(':') && /^[\w.-]*$/.test(text.slice(scheme[0].length))) return text
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `${prefix}${mask}`
  }
  // Anything the parser could not place cleanly shows nothing: a space or a
  // second `@` left in the host part means the credentials were not where we think.
  if (/[\s@]/.test(url.host) || (url.host === '' && url.username + url.password !== '')) return `${prefix}${mask}`
  let credentials = ''
  if (url.password !== '') credentials = `${url.username === '' ? '' : `${url.username}:`}${mask}@`
  else if (url.username !== '') credentials = `${mask}@`
  const pathname = /^[\w/.-]*$/.test(url.pathname) ? url.pathname : `/${mask}`
  const options = [...url.searchParams.keys()].map((key) => {
    const shownKey = /^[\w.-]+$/.test(key) ? key : mask
    return `${shownKey}=${plainOptions.has(key.toLowerCase()) && /^[\w.-]*$/.test(url.searchParams.get(key) ?? '') ? url.searchParams.get(key) : mask}`
  })
  return `${prefix}${credentials}${url.host}${pathname}${options.length > 0 ? `?${options.join('&')}` : ''}`
}

/**
 * The secret pieces of a URL-shaped setting, in every spelling they may
 * appear in elsewhere (as written, percent-decoded, percent-encoded), the
 * longest first. For a value that does not parse: everything after the
 * scheme, and each of its words.
 *
 * @param value The setting as written.
 * @returns Strings to scrub from any text before printing it (none for a bare word).
 */
export function secretsOf(value: string): string[] {
  const text = value.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):(\/\/)?/i.exec(text)
  if (!scheme) return /^[\w.-]*$/.test(text) ? [] : [text]
  const found = new Set<string>()
  // Words split out of a value are kept only when long enough not to mask ordinary text ("Red" in "Redis").
  const add = (piece: string | undefined, minimum = 1): void => {
    if (piece === undefined || piece.trim().length < minimum) return
    found.add(piece)
    found.add(piece.trim())
    try {
      found.add(decodeURIComponent(piece))
    } catch {
      // kept as written
    }
    found.add(encodeURIComponent(piece))
  }
  const rest = text.slice(scheme[0].length)
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    // The user info as written: the password after the first `:`, or a token alone.
    const userInfo = rest.slice(0, at)
    const colon = userInfo.indexOf(':')
    if (colon >= 0) {
      add(userInfo.slice(colon + 1))
      for (const part of userInfo.slice(colon + 1).split(/[\s@]+/)) add(part, 6)
    } else add(userInfo)
  }
  try {
    const url = new URL(text)
    if (url.password !== '') add(url.password)
    else if (url.username !== '') add(url.username)
    for (const [key, option] of url.searchParams) if (!plainOptions.has(key.toLowerCase())) add(option)
  } catch {
    // Not a URL: nothing of it after the scheme may be printed.
    add(rest)
    for (const part of rest.split(/[\s@:/?&=]+/)) add(part, 6)
  }
  return [...found].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)
}

/**
 * `text` with every secret of `values` replaced by `****`, and every
 * URL in it redacted.
 *
 * @param text Text about to be printed (an error, a server reply).
 * @param values URL-shaped settings whose secrets must not appear.
 * @returns The scrubbed text.
 */
export function scrubSecrets(text: string, values: readonly string[]): string {
  let out = text
  for (const value of values) for (const secret of secretsOf(value)) out = out.split(secret).join(mask)
  // A URL with user info (`scheme://…@host`) anywhere in the text.
  return out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#"'`<>()[\]{},;]*@[^\s"'`<>()[\]{},;]*/gi, (url) => {
    // Already redacted (`user:****@`, `****@`): as it is.
    if (/^[^/]*\/\/(?:[^:@]*:)?\*{4}@/.test(url)) return url
    const trailing = /[.:]+$/.exec(url)?.[0] ?? ''
    return `${redactUrl(url.slice(0, url.length - trailing.length))}${trailing}`
  })
}

const known = new Set<string>()

/**
 * Remember a URL-shaped setting of this run (config, environment, flag),
 * so {@link scrubKnownSecrets} keeps its secrets out of everything printed.
 *
 * @param value The setting as written (ignored when empty or a bare word).
 */
export function rememberSecretSetting(value: string | undefined): void {
  if (value !== undefined && value.trim() !== '' && secretsOf(value).length > 0) known.add(value)
}

/**
 * `text` scrubbed of the secrets of every remembered setting (see
 * {@link rememberSecretSetting}); the CLI passes all its output through this.
 *
 * @param text Text about to be printed.
 * @returns The scrubbed text.
 */
export function scrubKnownSecrets(text: string): string {
  return scrubSecrets(text, [...known])
}
