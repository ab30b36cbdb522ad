/**
 * The site as the preview serves it: the public build plan (planSite) made
 * for the office rather than the public. Every release is in it, drafts and
 * embargoed ones included; embargoed releases render as their public pages
 * but with `release.embargoed = true`, so the template shows the notice, and
 * their PDFs are the embargoed variant. Nothing is written: a page is
 * rendered from the plan's producer when it is first asked for, and kept
 * for the life of this build (a reload makes a new site).
 */
import type { Office } from '../office.js'
import { isUnderEmbargo } from '../embargo/policy.js'
import { formatLift } from '../embargo/time.js'
import type { PdfJob } from '../render/pdf.js'
import type { Templates } from '../render/template.js'
import { pdfCacheKey, planSite, printJob, type PlannedOutput, type SitePlan } from '../site/build.js'
import type { Embargo, Release } from '../types.js'

/** How a release page stands in the preview, for the banner. */
export interface PageMark {
  readonly slug: string
  /** Language of the page. */
  readonly lng: string
  readonly title: string
  readonly state: 'published' | 'embargoed' | 'draft'
  /** True while under embargo (a draft can be embargoed too). */
  readonly underEmbargo: boolean
  /** Lift instant (epoch ms), when the release has an embargo. */
  readonly lift?: number
  /** The lift as the notice states it (in English, with the office's extra zones). */
  readonly liftText?: string
  /** URL of this language's PDF in the preview. */
  readonly pdfUrl?: string
}

/** What a request path resolves to. */
export type PreviewResource =
  | { readonly kind: 'html'; readonly path: string; readonly render: () => string; readonly mark?: PageMark }
  | { readonly kind: 'text'; readonly path: string; readonly render: () => string }
  | { readonly kind: 'file'; readonly path: string; readonly from: string }
  | { readonly kind: 'pdf'; readonly path: string; readonly key: string; readonly job: () => PdfJob }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'missing' }

/** One in-memory build of the preview. */
export interface PreviewSite {
  readonly office: Office
  /** The instant embargo states were judged at. */
  readonly builtAt: number
  readonly plan: SitePlan
  /** Slugs under embargo at `builtAt`. */
  readonly embargoed: ReadonlySet<string>
  /** The earliest lift after `builtAt`, if any (the preview rebuilds then). */
  readonly nextLift?: number
  /** Resolve the pathname of a request (still URL-encoded). */
  resolve(pathname: string): PreviewResource
}

/**
 * Plan the preview of an office at `now`.
 *
 * The plan is made as if every embargo had lifted, which puts every release
 * in it with its pages, PDFs, files and index entries; the releases still
 * under embargo at `now` are then rendered with the embargoed variant. This
 * keeps the preview's pages the public pages (one planner, src/site) rather
 * than a second copy of the page logic.
 *
 * @param office The loaded office (without errors).
 * @param now The instant embargoes are judged at (epoch ms).
 * @returns The preview site.
 */
export async function buildPreviewSite(office: Office, now: number): Promise<PreviewSite> {
  const embargoes = new Map<string, Embargo>()
  for (const release of office.releases) {
    if (release.embargo && isUnderEmbargo(release, now)) embargoes.set(release.slug, release.embargo)
  }
  const previewOffice: Office = { ...office, templates: previewTemplates(office.templates, embargoes, office.config.embargo.zones) }
  const lastLift = Math.max(now, ...office.releases.map((r) => r.embargo?.lift ?? 0))
  const plan = await planSite(previewOffice, { now: lastLift, drafts: true, pdf: true })

  const outputs = new Map<string, PlannedOutput>(plan.outputs.map((o) => [o.path, o]))
  const releases = new Map<string, Release>(office.releases.map((r) => [r.slug, r]))
  const marks = new Map<string, PageMark>()
  for (const release of office.releases) {
    for (const lng of office.config.locales) {
      const text = release.texts[lng]
      if (!text) continue
      const pdfPath = `${lng}/${release.slug}/${release.slug}.${lng}.pdf`
      marks.set(`${lng}/${release.slug}/index.html`, {
        slug: release.slug,
        lng,
        title: text.title,
        state: release.status === 'draft' ? 'draft' : embargoes.has(release.slug) ? 'embargoed' : 'published',
        underEmbargo: embargoes.has(release.slug),
        ...(release.embargo
          ? { lift: release.embargo.lift, liftText: formatLift(release.embargo, 'en', office.config.embargo.zones) }
          : {}),
        ...(outputs.has(pdfPath) ? { pdfUrl: `/${pdfPath}` } : {}),
      })
    }
  }

  // The per-build memo: a page is rendered at most once per build.
  const rendered = new Map<string, string>()
  const memo = (path: string, produce: () => string) => (): string => {
    let text = rendered.get(path)
    if (text === undefined) {
      text = produce()
      rendered.set(path, text)
    }
    return text
  }

  const upcoming = [...embargoes.values()].map((e) => e.lift).sort((a, b) => a - b)
  return {
    office,
    builtAt: now,
    plan,
    embargoed: new Set(embargoes.keys()),
    ...(upcoming[0] !== undefined ? { nextLift: upcoming[0] } : {}),
    resolve(pathname) {
      const path = outputPathOf(pathname)
      if (path === undefined) return { kind: 'missing' }
      const output = outputs.get(path)
      if (!output) {
        // A directory URL without its slash: send the browser to the canonical one
        // so the page's relative links resolve.
        if (!path.endsWith('index.html') && outputs.has(`${path}/index.html`)) return { kind: 'redirect', location: `/${path}/` }
        return { kind: 'missing' }
      }
      if (output.kind === 'copy') return { kind: 'file', path, from: output.from }
      if (output.kind === 'text') {
        const render = memo(path, output.produce)
        if (!path.endsWith('.html')) return { kind: 'text', path, render }
        const mark = marks.get(path)
        return { kind: 'html', path, render, ...(mark ? { mark } : {}) }
      }
      const release = releases.get(output.release)
      const lng = path.split('/')[0]!
      const embargoed = embargoes.has(output.release)
      return {
        kind: 'pdf',
        path,
        key: release ? pdfCacheKey(office, release, lng, embargoed) : output.key,
        job: release ? () => printJob(previewOffice, release, lng, { embargoed }) : output.job,
      }
    },
  }
}

/**
 * The output path a request pathname names (`/en/x/` → `en/x/index.html`),
 * or undefined when it cannot name one. Only paths of the plan are ever
 * served, so this only has to normalise, not to guard the file system.
 *
 * @param pathname The URL pathname, still percent-encoded.
 * @returns A path inside the planned dist/, or undefined.
 */
export function outputPathOf(pathname: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (!decoded.startsWith('/') || /[\0\\]/.test(decoded)) return undefined
  const segments = decoded.split('/').filter((segment) => segment !== '')
  if (segments.some((segment) => segment === '.' || segment === '..')) return undefined
  const joined = segments.join('/')
  if (joined === '') return 'index.html'
  return decoded.endsWith('/') ? `${joined}/index.html` : joined
}

/**
 * Templates that render every page with `preview: true`, and release pages of
 * embargoed releases with the embargo notice, as docs/templates.md describes
 * (`release.embargoed` is only ever true in embargoed renders such as this).
 */
function previewTemplates(templates: Templates, embargoes: ReadonlyMap<string, Embargo>, zones: readonly string[]): Templates {
  return {
    dir: templates.dir,
    hash: templates.hash,
    assets: templates.assets,
    sources: templates.sources,
    render(name, data, helpers) {
      const out: Record<string, unknown> = { ...data, preview: true }
      const release = data['release'] as Record<string, unknown> | undefined
      const embargo = name === 'page' && typeof release?.['slug'] === 'string' ? embargoes.get(release['slug']) : undefined
      if (release && embargo && release['embargoed'] !== true) {
        const lng = String(data['lang'])
        out['release'] = { ...release, embargoed: true, embargoNotice: helpers.t('release.embargoNotice', { lift: formatLift(embargo, lng, zones) }) }
      }
      return templates.render(name, out, helpers)
    },
  }
}
