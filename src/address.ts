/**
 * The one email address validator, for every place an address is accepted:
 * the press list, `mail.from`, contacts (Reply-To) in pressroom.yaml and in
 * frontmatter, `mail.unsubscribe.mailto`, `press send --test`, and the
 * composer right before SMTP. So `press check` accepts exactly what `send`
 * accepts, and nothing is silently changed on the way (a NUL is refused,
 * not dropped).
 *
 * Domains are compared and sent in their ASCII (IDNA) form:
 * `ivan@пример.рф` and `ivan@xn--e1afmkfd.xn--p1ai` are one mailbox. The
 * local part stays ASCII: SMTPUTF8 support cannot be assumed of the office's
 * relay.
 */
import { domainToASCII } from 'node:url'

// RFC 5322 dot-atom text for the local part.
const localPart = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
// A host name in ASCII: letters, digits, inner hyphens; a TLD of letters or an IDNA label.
const asciiDomain = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/

function shown(value: string): string {
  return JSON.stringify(value).slice(1, -1)
}

/**
 * Why `value` is not a usable bare address (pure).
 *
 * @param value An address as written, e.g. `jane@example.com`.
 * @returns A sentence saying what is wrong and how to write it, or undefined when it is fine.
 */
export function addressProblem(value: string): string | undefined {
  const email = value.trim()
  const quoted = `\`${shown(email)}\``
  if (email === '') return 'the address is empty; write one such as `name@example.com`'
  if (/[\r\n]/.test(email)) return `address ${quoted} contains a line break; write one address on one line`

  if (/[\u0000-\u001f\u007f\u0080-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/.test(email))
    return `address ${quoted} contains an invisible control character; retype it`
  if (/[,;]/.test(email)) return `address ${quoted} contains \`,\` or \`;\`; give one address`
  if (/[<>]/.test(email)) return `address ${quoted} contains \`<\` or \`>\`; write the bare address (\`jane@example.com\`)`
  if (/\s/.test(email)) return `address ${quoted} contains a space; remove it`
  const at = email.lastIndexOf('@')
  if (at <= 0 || email.indexOf('@') !== at) return `${quoted} is not a valid email address; write it as \`name@example.com\``
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  if (local.length > 64 || !localPart.test(local))
    return `${quoted} is not a valid email address (the part before \`@\` may use only Latin letters, digits and . _ + - ' and similar); write it as \`name@example.com\``
  // domainToASCII parses a URL host: it would cut `example.com\\x` at the backslash, so such characters are refused first.
  const ascii = /[\\/?#[\]@:%"'`^|{}*!$&()+=~]/.test(domain) ? '' : domainToASCII(domain)
  if (ascii === '' || !asciiDomain.test(ascii) || email.length > 254)
    return `${quoted} is not a valid email address (the domain \`${shown(domain)}\` is not a valid host name); write it as \`name@example.com\``
  return undefined
}

/**
 * The address in the form it is sent in: trimmed, the domain in ASCII
 * (IDNA), the local part as written.
 *
 * @param value A valid address (see {@link addressProblem}).
 * @returns e.g. `ivan@xn--e1afmkfd.xn--p1ai` for `ivan@пример.рф`.
 */
export function asciiAddress(value: string): string {
  const email = value.trim()
  const at = email.lastIndexOf('@')
  if (at < 0) return email
  const ascii = domainToASCII(email.slice(at + 1))
  return `${email.slice(0, at)}@${ascii === '' ? email.slice(at + 1) : ascii}`
}

/**
 * The key addresses are compared by: the ASCII form, lowercased. Lowercasing
 * the local part is not RFC-exact, but no mail provider a press office
 * writes to tells `Jane@` from `jane@`, and a suppression must never miss.
 *
 * @param email Address as written.
 * @returns Comparison key (duplicates, suppressions, Message-IDs).
 */
export function normalizeEmail(email: string): string {
  return asciiAddress(email).toLowerCase()
}

/**
 * Whether text has the shape of an address, for text the tool reads but
 * never sends to: a line of the suppression file (which must not drop a
 * real address because it fails the strict check above), a recipient in a
 * bounce report, the text of a link. One `@`, something on both sides, a
 * dot in the domain, no blanks, brackets, quotes or separators. Pure.
 *
 * @param text Trimmed text, e.g. `jane@example.com`.
 * @returns True when it looks like one address.
 */
export function looksLikeAddress(text: string): boolean {
  return addressShape.test(text)
}

const addressShape = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/u

/**
 * Why a mailbox (`Name <address>` or a bare address, as in `mail.from`) is
 * not usable (pure).
 *
 * @param value The mailbox as written.
 * @returns A sentence, or undefined when it is fine.
 */
export function mailboxProblem(value: string): string | undefined {
  const match = /^\s*(?:(.*?)\s*<([^<>]*)>|([^<>]*))\s*$/s.exec(value)
  if (!match) return `\`${shown(value.trim())}\` should be one address, e.g. \`Press Office <press@example.org>\``
  const name = match[1] ?? ''

  if (/[\u0000-\u001f\u007f]/.test(name))
    return `the name in \`${shown(value.trim())}\` contains a line break or control character; write it on one line`
  if (/[,;]/.test(name) && !/^".*"$/.test(name))
    return `\`${shown(value.trim())}\` looks like several addresses; give one, e.g. \`Press Office <press@example.org>\``
  return addressProblem(match[2] ?? match[3] ?? '')
}
