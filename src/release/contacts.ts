/**
 * The media contacts a language version prints and replies go to: the
 * translation's own `contacts:`, else the source file's, else the office's
 * contacts for that language (`contacts:` per language in pressroom.yaml),
 * else the office's default contacts. Pure.
 */
import type { Config } from '../config.js'
import type { Contact, Release, ReleaseText } from '../types.js'

/**
 * Contacts of one language version.
 *
 * @param config The office's config (`contactsByLng`).
 * @param release The release.
 * @param text The language version shown.
 * @returns The contacts, in order.
 */
export function contactsFor(
  config: Pick<Config, 'contactsByLng'>,
  release: Pick<Release, 'contacts' | 'contactsFromConfig'>,
  text: Pick<ReleaseText, 'lng' | 'contacts'>,
): readonly Contact[] {
  if (text.contacts) return text.contacts
  if (release.contactsFromConfig) return config.contactsByLng[text.lng] ?? release.contacts
  return release.contacts
}

/**
 * The Reply-To address of a language version: its first contact with an email.
 *
 * @returns The address, or undefined when no contact has one.
 */
export function replyToFor(
  config: Pick<Config, 'contactsByLng'>,
  release: Pick<Release, 'contacts' | 'contactsFromConfig'>,
  text: Pick<ReleaseText, 'lng' | 'contacts'>,
): string | undefined {
  return contactsFor(config, release, text).find((c) => c.email)?.email
}
