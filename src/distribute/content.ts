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
import { convert } from 'html-to-text'
import type { Office } from '../office.js'
import { releaseDir } from '../office.js'
import { isLocal, renderMarkdown } from '../render/markdown.js'
import type { PdfRenderer } from '../render/pdf.js'
import { footnoteLabels, pdfCacheDir, pdfCacheKey, printJob } from '../site/build.js'
import { writeAtomic } from '../site/write.js'
import { commonData, releaseData, releaseLocation, absoluteUrl } from '../site/view-model.js'
import type { ContentFor, EmailContent } from './compose.js'
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
    const key = `${slug}\0${lng}\0${variant.embargoed}\0${variant.test}`
    let found = memo.get(key)
    if (!found) {
      found = renderContent(office, pdf, slug, lng, variant)
      memo.set(key, found)
      found.catch(() => memo.delete(key))
    }
    return found
  }
}

async function renderContent(
  office: Office,
  pdf: () => Promise<PdfRenderer>,
  slug: string,
  wanted: string,
  variant: { embargoed: boolean; test: boolean },
): Promise<EmailContent> {
  const { config, templates, translator } = office
  const release = office.releases.find((r) => r.slug === slug)
  if (!release) throw new Error(`no release ${slug}`)
  const text = release.texts[wanted] ?? release.texts[release.source]!
  const lng = text.lng
  const t = translator.forLng(lng)
  const location = { ...releaseLocation(lng, slug), root: `${config.site.url}/` }
  const body = renderMarkdown(text.body, (url) => (isLocal(url) ? `${absoluteUrl(config, releaseLocation(lng, slug))}${url}` : undefined), footnoteLabels(t))
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
      email: { css, test: variant.test, unsubscribe },
    },
    { t, asset: (name) => `${config.site.url}/assets/${name}` },
  )
  const inlined = juice(html, { removeStyleTags: true, preserveMediaQueries: true })
  const plain = convert(inlined, {
    wordwrap: 78,
    selectors: [
      { selector: '.preheader', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  })
  let subject = variant.embargoed && release.embargo ? t('email.subjectEmbargoed', { notice: String(data['embargoNotice']), title: text.title }) : text.title
  if (variant.test) subject = t('email.subjectTest', { subject })
  const pdfPath = await ensurePdf(office, pdf, release.slug, lng, variant.embargoed)
  const dir = releaseDir(config, release)
  return {
    subject,
    html: inlined,
    text: plain,
    attachments: [
      { filename: pdfName, path: pdfPath, contentType: 'application/pdf' },
      // Read here, through the same rules as the build: never a link out of the folder.
      ...release.attachments.map((name) => ({ filename: name, content: readSafeFile(path.join(dir, name), dir, `${release.dir}/${name}`) })),
    ],
    language: lng,
  }
}

/**
 * The path of a release's PDF (rendering it into the cache when missing).
 *
 * @returns Absolute path under `.press/cache/pdf/`.
 */
export async function ensurePdf(office: Office, pdf: () => Promise<PdfRenderer>, slug: string, lng: string, embargoed: boolean): Promise<string> {
  const release = office.releases.find((r) => r.slug === slug)!
  const key = pdfCacheKey(office, release, lng, embargoed && release.embargo !== undefined)
  const file = path.join(pdfCacheDir(office.config.paths.state), `${key}.pdf`)
  try {
    await access(file)
    return file
  } catch {
    // not cached yet
  }
  const renderer = await pdf()
  const result = await renderer.render(printJob(office, release, lng, { embargoed: embargoed && release.embargo !== undefined }))
  await writeAtomic(file, result.pdf)
  return file
}
