/**
 * The PDF job of a release in one language: the print template's HTML and
 * the folders Chromium may read. Builds, the preview and distribution print
 * through it, so a PDF is the same whoever asks for it.
 */
import path from 'node:path'
import { releaseDir, type Config } from '../config.js'
import type { Translator } from '../i18n/localize.js'
import type { Release } from '../types.js'
import { footnoteLabels } from './footnote-labels.js'
import { isLocal, renderMarkdown } from './markdown.js'
import type { PdfJob } from './pdf.js'
import type { Templates } from './template.js'
import { commonData, printData, releaseData, typesetHeadings, type PageLocation } from './view-model.js'

/** What a print job reads of an office (an `Office` is one). */
export interface PrintInputs {
  readonly config: Config
  readonly templates: Templates
  readonly translator: Translator
}

/**
 * The PDF job of a release in one language: the print template's HTML and
 * the folders Chromium may read (the release folder and templates/assets).
 *
 * @param office The office.
 * @param release The release.
 * @param lng Language of the PDF (the source language's text is used when the translation is missing).
 * @param variant `embargoed: true` adds the embargo notice to every page.
 * @returns A job for the PDF renderer.
 */
export function printJob(office: PrintInputs, release: Release, lng: string, variant: { embargoed: boolean }): PdfJob {
  const { config, templates, translator } = office
  const text = release.texts[lng] ?? release.texts[release.source]!
  const pageLng = text.lng
  const t = translator.forLng(pageLng)
  const location: PageLocation = { path: 'print.html', root: '/' }
  const body = renderMarkdown(text.body, (url) => (isLocal(url) ? `/release/${url}` : undefined), footnoteLabels(t), {
    lng: pageLng,
    typography: config.typography,
    hyphenate: config.hyphenation,
  })
  const data = releaseData({
    config,
    release,
    text,
    lng: pageLng,
    t,
    body,
    embargoed: variant.embargoed,
    attachments: release.attachments.map((name) => ({ name, url: `/release/${name}` })),
  })
  const orgName = t('org.name') === 'org.name' ? config.organisation.name : t('org.name')
  const header = variant.embargoed && release.embargo ? String(data['embargoNotice']) : orgName
  const html = templates.render(
    'print',
    {
      ...commonData({ config, lng: pageLng, t, location, alternates: [], preview: false }),
      release: data,
      print: printData(t, header, config.pdf.format),
    },
    { t, asset: (name) => `/assets/${name}` },
  )
  const headings = typesetHeadings(config, text)
  return {
    html,
    mounts: { '/assets/': path.join(templates.dir, 'assets'), '/release/': releaseDir(config, release) },
    format: config.pdf.format,
    metadata: {
      title: headings.title,
      author: orgName,
      subject: headings.subtitle || headings.title,
      lang: pageLng,
      keywords: release.tags,
    },
    label: text.path,
  }
}
