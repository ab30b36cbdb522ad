/**
 * Who the preview answers. A page on another site can rebind its own name
 * to the preview's address (DNS rebinding) and read embargoed releases
 * through the victim's browser; such a request carries that name in its
 * Host header. So the preview answers only to `localhost` and to IP
 * literals — whatever address it listens on — and listens on a
 * non-loopback address only when asked to explicitly (`--expose`).
 */
import { isIP } from 'node:net'

/**
 * Whether a request's Host header may be answered (pure).
 *
 * @param header The Host header (undefined when absent).
 * @returns True for `localhost` and IP literals (with or without a port).
 */
export function hostAllowed(header: string | undefined): boolean {
  if (header === undefined) return false
  const name = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d*$/, '')
  return name.toLowerCase() === 'localhost' || isIP(name) !== 0
}

/**
 * Whether an address to listen on is loopback (127.0.0.0/8, ::1, localhost).
 *
 * @param host The `--host` value.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase()
  return name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.')) || name === '::ffff:127.0.0.1'
}
