/**
 * The real email content of a release in one language: the email template
 * rendered with the catalogs, CSS inlined (juice), a plain-text alternative
 * (html-to-text), and the PDF in that language — the embargoed render
 * (notice on every page) while the release is under embargo. PDFs are
 * cached in `.press/cache/pdf/` under the same keys builds use.
 */
import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import juice from 'juice'
import type { Office } from '../office.js'
import { releaseDir } from '../config.js'
import { replyToFor } from '../release/contacts.js'
import { isLocal, renderMarkdown } from '../render/markdown.js'
import type { PdfRenderer } from '../render/pdf.js'
import { emailPlainText } from '../render/plain-text.js'
import { footnoteLabels } from '../render/footnote-labels.js'
import { pdfCacheDir, pdfCacheKey } from '../render/pdf-cache.js'
import { printJob } from '../render/print-job.js'
import { commonData, releaseData, releaseLocation, absoluteUrl, typesetHeadings } from '../render/view-model.js'
import { writeAtomic } from '../write-atomic.js'
import { variantKey, type ContentFor, type ContentVariant, type EmailContent } from './compose.js'
import { parseChange } from './decide.js'
import { renderNotice } from './notice.js'
import { readSafeFile } from '../safe-file.js'

/**
 * A ContentFor over an office.
 *
 * @param office The loaded office.
 * @param pdf Returns the shared PDF renderer (started on first need).
 * @returns The content function the distribution commands take.
 */
export function createContentProvider(office: Office, pdf: () => Promise<PdfRenderer>): ContentFor {
  const memo = new Map<string, Promise<EmailContent>>()
  return (slug, lng, variant) => {
    const key = `${slug}\0${lng}\0${variantKey(variant)}`
    let found = memo.get(key)
    if (!found) {
      found = renderContent(office, pdf, slug, lng, variant)
      memo.set(key, found)
      found.catch(() => memo.delete(key))
    }
    return found
  }
}

/**
 * The parts of an email that are text (subject, HTML, plain text, Reply-To), without the PDF.
 *
 * @param office The loaded office.
 * @param slug The release.
 * @param wanted The recipient's language (the source language when the release lacks it).
 * @param variant Embargoed and/or test copy.
 */
export async function renderEmailText(
  office: Office,
  slug: string,
  wanted: string,
  variant: ContentVariant,
): Promise<{ subject: string; html: string; text: string; replyTo?: string; language: string }> {
  const { config, templates, translator } = office
  const release = office.releases.find((r) => r.slug === slug)
  if (!release) throw new Error(`no release ${slug}`)
  const change = variant.change === undefined ? undefined : parseChange(variant.change.id)
  const text = release.texts[wanted] ?? release.texts[release.source]!
  const lng = text.lng
  const t = translator.forLng(lng)
  const location = { ...releaseLocation(lng, slug), root: `${config.site.url}/` }
  const body = renderMarkdown(
    text.body,
    (url) => (isLocal(url) ? `${absoluteUrl(config, releaseLocation(lng, slug))}${url}` : undefined),
    footnoteLabels(t),
    { lng, typography: config.typography },
  )
  const pdfName = `${slug}.${lng}.pdf`
  const data = releaseData({
    config,
    release,
    text,
    lng,
    t,
    body,
    embargoed: variant.embargoed,
    pdf: { url: `${absoluteUrl(config, releaseLocation(lng, slug))}${pdfName}`, name: pdfName },
    attachments: release.attachments.map((name) => ({ name, url: name })),
  })
  const css = await readFile(path.join(templates.dir, 'assets', 'email.css'), 'utf8').catch(() => '')
  const unsubscribe = config.mail.unsubscribe.url ?? (config.mail.unsubscribe.mailto ? `mailto:${config.mail.unsubscribe.mailto}` : '')
  const html = templates.render(
    'email',
    {
      ...commonData({ config, lng, t, location, alternates: [], preview: false }),
      release: data,
      email: { css, test: variant.test, unsubscribe, correction: change?.type === 'correction' ? correctionNote(data, change.at) : '' },
    },
    { t, asset: (name) => `${config.site.url}/assets/${name}` },
  )
  const inlined = juice(html, { removeStyleTags: true, preserveMediaQueries: true })
  const plain = emailPlainText(inlined)
  const { title } = typesetHeadings(config, text)
  let subject = variant.embargoed && release.embargo ? t('email.subjectEmbargoed', { notice: String(data['embargoNotice']), title }) : title
  if (change?.type === 'correction') subject = t('email.subjectCorrection', { subject })
  if (variant.test) subject = t('email.subjectTest', { subject })
  // The language's own press officer (a translation's or the office's contacts for it) gets the replies.
  const replyTo = replyToFor(config, release, text)
  return { subject, html: inlined, text: plain, ...(replyTo !== undefined ? { replyTo } : {}), language: lng }
}

async function renderContent(
  office: Office,
  pdf: () => Promise<PdfRenderer>,
  slug: string,
  wanted: string,
  variant: ContentVariant,
): Promise<EmailContent> {
  const { config } = office
  const release = office.releases.find((r) => r.slug === slug)
  if (!release) throw new Error(`no release ${slug}`)
  // A notice (embargo moved or lifted, release withdrawn) is a short email without the PDF.
  const change = variant.change === undefined ? undefined : parseChange(variant.change.id)
  if (change !== undefined && change.type !== 'correction') {
    const css = await readFile(path.join(office.templates.dir, 'assets', 'email.css'), 'utf8').catch(() => '')
    const notice = renderNotice({
      config,
      release,
      lng: wanted,
      t: office.translator.forLng(wanted),
      type: change.type,
      at: change.at,
      payload: variant.change?.payload,
      css,
    })
    const replyTo = replyToFor(config, release, release.texts[wanted] ?? release.texts[release.source]!)
    return { ...notice, ...(replyTo !== undefined ? { replyTo } : {}) }
  }
  const { subject, html, text, replyTo, language: lng } = await renderEmailText(office, slug, wanted, variant)
  const pdfName = `${slug}.${lng}.pdf`
  const pdfPath = await ensurePdf(office, pdf, release.slug, lng, variant.embargoed)
  const dir = releaseDir(config, release)
  return {
    subject,
    ...(replyTo !== undefined ? { replyTo } : {}),
    html,
    text,
    attachments: [
      { filename: pdfName, path: pdfPath, contentType: 'application/pdf' },
      // Read here, through the same rules as the build: never a link out of the folder.
      ...release.attachments.map((name) => ({
        filename: name,
        content: readSafeFile(path.join(dir, name), dir, `${release.dir}/${name}`),
      })),
    ],
    language: lng,
  }
}

/** The text of correction number `n` as the page prints it, for the top of a corrected email. */
function correctionNote(data: Record<string, unknown>, n: number): string {
  const list = data['corrections'] as ReadonlyArray<{ readonly text: string }> | undefined
  return list?.[n - 1]?.text ?? ''
}

/**
 * Where the named copy of an embargoed PDF goes, for people to open and
 * check: `.press/embargoed/<slug>.<lang>.pdf` (private state, never `dist/`).
 *
 * @param stateDir The office's state folder (`.press/`).
 * @param slug The release.
 * @param lng The language.
 * @returns The absolute path.
 */
export function embargoedPdfPath(stateDir: string, slug: string, lng: string): string {
  return path.join(stateDir, 'embargoed', `${slug}.${lng}.pdf`)
}

/**
 * The path of a release's PDF (rendering it into the cache when missing).
 * An embargoed PDF is also copied to {@link embargoedPdfPath} under its own
 * name, since the cache names files by hash.
 *
 * @returns Absolute path under `.press/cache/pdf/`.
 */
export async function ensurePdf(
  office: Office,
  pdf: () => Promise<PdfRenderer>,
  slug: string,
  lng: string,
  embargoed: boolean,
): Promise<string> {
  const release = office.releases.find((r) => r.slug === slug)!
  const withNotice = embargoed && release.embargo !== undefined
  const key = pdfCacheKey(office, release, lng, withNotice)
  const file = path.join(pdfCacheDir(office.config.paths.state), `${key}.pdf`)
  let bytes: Uint8Array | undefined
  try {
    await access(file)
  } catch {
    // not cached yet
    const renderer = await pdf()
    bytes = (await renderer.render(printJob(office, release, lng, { embargoed: withNotice }))).pdf
    await writeAtomic(file, bytes)
  }
  if (withNotice) await writeAtomic(embargoedPdfPath(office.config.paths.state, slug, lng), bytes ?? (await readFile(file)))
  return file
}
