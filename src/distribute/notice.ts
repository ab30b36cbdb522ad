/**
 * The short notices about a release already sent: the embargo moved, the
 * embargo lifted early, the release withdrawn. One small email in the
 * recipient's language, every word from the catalogs (`notice.*`), the lift
 * stated in the same multi-zone form as the embargo notice. Pure.
 */
import juice from 'juice'
import { convert } from 'html-to-text'
import type { Config } from '../config.js'
import { formatLift } from '../embargo/time.js'
import type { Translate } from '../i18n/localize.js'
import { escapeHtml } from '../render/escape-html.js'
import type { Lng, Release } from '../types.js'
import type { EmailContent } from './compose.js'
import type { NoticeType } from './decide.js'

/** Details a notice row carries (JSON in the row's payload). */
export interface NoticePayload {
  /** The lift the recipient was told before, epoch ms. */
  readonly old?: number
  /** When the embargo ended (a lifted notice), epoch ms. */
  readonly at?: number
}

/** What `renderNotice` needs. */
export interface NoticeInput {
  readonly config: Pick<Config, 'embargo' | 'mail' | 'organisation'>
  readonly release: Release
  /** The notice's language. */
  readonly lng: Lng
  readonly t: Translate
  readonly type: NoticeType
  /** The instant of the change (new lift, lift, withdrawal), epoch ms. */
  readonly at: number
  readonly payload?: string | undefined
  /** email.css, inlined into the HTML. */
  readonly css: string
}

function parsePayload(payload: string | undefined): NoticePayload {
  if (payload === undefined || payload === '') return {}
  try {
    const value = JSON.parse(payload) as unknown
    return typeof value === 'object' && value !== null ? (value as NoticePayload) : {}
  } catch {
    return {}
  }
}

/**
 * Render a notice.
 *
 * @param input Release, language, catalogs, type and instant of the change.
 * @returns Subject, HTML (CSS inlined), plain text; no attachments.
 */
export function renderNotice(input: NoticeInput): EmailContent {
  const { release, lng, t, config } = input
  const text = release.texts[lng] ?? release.texts[release.source]!
  const zones = config.embargo.zones
  const zone = release.embargo?.zone ?? 'UTC'
  const lift = (ms: number): string => formatLift({ lift: ms, zone, written: '' }, lng, zones, t)
  const payload = parsePayload(input.payload)
  const paragraphs: string[] = []
  let subject: string
  switch (input.type) {
    case 'moved':
      subject = t('notice.subjectMoved', { title: text.title })
      paragraphs.push(t('notice.moved', { lift: lift(input.at) }))
      if (payload.old !== undefined) paragraphs.push(t('notice.movedWas', { old: lift(payload.old) }))
      paragraphs.push(t('notice.stillBinding'))
      break
    case 'lifted':
      subject = t('notice.subjectLifted', { title: text.title })
      paragraphs.push(t('notice.lifted', { at: lift(payload.at ?? input.at) }))
      break
    case 'withdrawn':
      subject = t('notice.subjectWithdrawn', { title: text.title })
      paragraphs.push(t('notice.withdrawn'))
      break
  }
  paragraphs.push(t('notice.release', { title: text.title }))
  const contact = release.contacts.find((c) => c.email)
  if (contact)
    paragraphs.push(t('notice.contact', { contact: `${contact.name}${contact.phone ? `, ${contact.phone}` : ''}, ${contact.email}` }))
  const org = t('org.name')
  const html = [
    '<!doctype html>',
    `<html lang="${escapeHtml(lng)}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    `<style>${input.css}</style></head>`,
    '<body class="email"><div class="email-wrap">',
    `<p class="email-org">${escapeHtml(org)}</p>`,
    `<div class="embargo" role="note"><p class="embargo__notice"><strong>${escapeHtml(subject)}</strong></p></div>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<div class="email-footer"><p>${escapeHtml(t('email.footer', { org }))}</p></div>`,
    '</div></body></html>',
  ].join('\n')
  const inlined = juice(html, { removeStyleTags: true })
  return {
    subject,
    html: inlined,
    text: convert(inlined, { wordwrap: 78 }),
    attachments: [],
    language: lng,
  }
}
