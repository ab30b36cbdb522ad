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
import { toolWords } from '../embargo/lift-wording.js'
import { formatLift } from '../embargo/time.js'
import type { PdfJob } from '../render/pdf.js'
import type { Templates } from '../render/template.js'
import { pdfCacheKey } from '../render/pdf-cache.js'
import { printJob } from '../render/print-job.js'
import { planScanned, scanRelease, scanSite, type ScannedSite } from '../site/plan-site.js'
import type { PlannedOutput } from '../site/planned-output.js'
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

/** How a release not yet public is marked wherever a page lists it. */
export interface ListingMark {
  readonly state: 'embargoed' | 'draft'
  /** True while under embargo (a draft can be embargoed too). */
  readonly underEmbargo: boolean
  /** The lift as the notice states it (in English, with the office's extra zones). */
  readonly liftText?: string
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
  /** Slugs under embargo at `builtAt`. */
  readonly embargoed: ReadonlySet<string>
  /** The earliest lift after `builtAt`, if any (the preview rebuilds then). */
  readonly nextLift?: number
  /** Releases that are drafts or under embargo, by slug, for badges on every listing. */
  readonly listing: ReadonlyMap<string, ListingMark>
  /**
   * Make sure `resolve(pathname)` is current: after {@link updatePreviewSite},
   * the pages that list every release (indexes, feeds, sitemap, chooser) are
   * planned again only when one of them is asked for.
   */
  settle(pathname: string): Promise<void>
  /** Resolve the pathname of a request (still URL-encoded). */
  resolve(pathname: string): PreviewResource
}

/** What one site keeps so the next edit re-plans one release, not the office. */
interface SiteState {
  readonly office: Office
  readonly now: number
  readonly scanned: ScannedSite
  /** Outputs of release folders (`<lng>/<slug>/…`), their files and the template assets (`assets/…`): kept from edit to edit. */
  readonly releaseOutputs: ReadonlyMap<string, PlannedOutput>
  /** Outputs that list every release (indexes, feeds, sitemap, chooser), or how to plan them. */
  readonly listingOutputs: () => Promise<ReadonlyMap<string, PlannedOutput>>
}

const states = new WeakMap<PreviewSite, SiteState>()

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
  const previewOffice = withPreviewTemplates(office, now)
  const scanned = await scanSite(previewOffice, { now: lastLiftOf(office, now), drafts: true })
  const plan = planScanned(previewOffice, scanned, { pdf: true })
  const releaseOutputs = new Map<string, PlannedOutput>()
  const listingOutputs = new Map<string, PlannedOutput>()
  for (const output of plan.outputs)
    (ownerOf(output.path, office) !== undefined || output.path.startsWith('assets/') ? releaseOutputs : listingOutputs).set(
      output.path,
      output,
    )
  return makeSite({ office, now, scanned, releaseOutputs, listingOutputs: () => Promise.resolve(listingOutputs) })
}

/**
 * The preview after one release changed: that release is planned again (its
 * folder's files read again), every other release's pages are kept, and the
 * pages that list every release are planned again only when asked for. A
 * one-release edit in a 1,000-release office costs a few milliseconds instead
 * of a plan of the whole office.
 *
 * @param site The current preview.
 * @param release The release as loaded after the edit.
 * @param now The instant embargoes are judged at (epoch ms).
 * @returns The new preview (the old one is left as it was).
 */
export async function updatePreviewSite(site: PreviewSite, release: Release, now: number): Promise<PreviewSite> {
  const state = states.get(site)
  if (!state) throw new Error('updatePreviewSite: not a site made by buildPreviewSite')
  const releases = [...state.office.releases.filter((r) => r.slug !== release.slug), release]
  releases.sort((a, b) => b.date.localeCompare(a.date) || a.slug.localeCompare(b.slug))
  const office: Office = { ...state.office, releases }
  const previewOffice = withPreviewTemplates(office, now)
  const files = new Map(state.scanned.files)
  files.set(release.slug, await scanRelease(office, release))
  const one: ScannedSite = { visible: [release], held: [], assets: state.scanned.assets, files }
  const planned = planScanned(previewOffice, one, { pdf: true })
  const releaseOutputs = new Map(state.releaseOutputs)
  for (const [path] of releaseOutputs) if (ownerOf(path, office) === release.slug) releaseOutputs.delete(path)
  for (const output of planned.outputs)
    if (ownerOf(output.path, office) === release.slug || output.path.startsWith('assets/files/')) releaseOutputs.set(output.path, output)
  // Whole-office pages: planned again on first request, once.
  let listing: Promise<ReadonlyMap<string, PlannedOutput>> | undefined
  const listingOutputs = (): Promise<ReadonlyMap<string, PlannedOutput>> =>
    (listing ??= (async () => {
      const rescanned = await scanSite(previewOffice, { now: lastLiftOf(office, now), drafts: true })
      const plan = planScanned(previewOffice, rescanned, { pdf: true })
      return new Map(
        plan.outputs.filter((o) => !releaseOutputs.has(o.path) && ownerOf(o.path, office) === undefined).map((o) => [o.path, o]),
      )
    })())
  return makeSite({ office, now, scanned: { ...state.scanned, files }, releaseOutputs, listingOutputs })
}

/** The slug whose folder a path is in (`en/<slug>/…`), or undefined. */
function ownerOf(path: string, office: Office): string | undefined {
  const [lng, slug, rest] = path.split('/', 3)
  if (rest === undefined || slug === undefined || !office.config.locales.includes(lng!)) return undefined
  return slug
}

/** After every embargo: the preview plans the site as if all had lifted. */
function lastLiftOf(office: Office, now: number): number {
  return Math.max(now, ...office.releases.map((r) => r.embargo?.lift ?? 0))
}

function embargoesOf(office: Office, now: number): Map<string, Embargo> {
  const embargoes = new Map<string, Embargo>()
  for (const release of office.releases) {
    if (release.embargo && isUnderEmbargo(release, now)) embargoes.set(release.slug, release.embargo)
  }
  return embargoes
}

function withPreviewTemplates(office: Office, now: number): Office {
  return { ...office, templates: previewTemplates(office.templates, embargoesOf(office, now), office.config.embargo.zones) }
}

function makeSite(state: SiteState): PreviewSite {
  const { office, now } = state
  const embargoes = embargoesOf(office, now)
  const previewOffice = withPreviewTemplates(office, now)
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
          ? { lift: release.embargo.lift, liftText: formatLift(release.embargo, 'en', office.config.embargo.zones, toolWords) }
          : {}),
        ...(state.releaseOutputs.has(pdfPath) ? { pdfUrl: `/${pdfPath}` } : {}),
      })
    }
  }

  const listing = new Map<string, ListingMark>()
  for (const release of office.releases) {
    const underEmbargo = embargoes.has(release.slug)
    if (release.status !== 'draft' && !underEmbargo) continue
    listing.set(release.slug, {
      state: release.status === 'draft' ? 'draft' : 'embargoed',
      underEmbargo,
      ...(underEmbargo && release.embargo ? { liftText: formatLift(release.embargo, 'en', office.config.embargo.zones, toolWords) } : {}),
    })
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

  let listingOutputs: ReadonlyMap<string, PlannedOutput> | undefined
  const outputOf = (path: string): PlannedOutput | undefined => state.releaseOutputs.get(path) ?? listingOutputs?.get(path)

  const upcoming = [...embargoes.values()].map((e) => e.lift).sort((a, b) => a - b)
  const site: PreviewSite = {
    office,
    builtAt: now,
    embargoed: new Set(embargoes.keys()),
    ...(upcoming[0] !== undefined ? { nextLift: upcoming[0] } : {}),
    listing,
    async settle(pathname) {
      const path = outputPathOf(pathname)
      if (listingOutputs !== undefined || (path !== undefined && state.releaseOutputs.has(path))) return
      listingOutputs = await state.listingOutputs()
    },
    resolve(pathname) {
      const path = outputPathOf(pathname)
      if (path === undefined) return { kind: 'missing' }
      const output = outputOf(path)
      if (!output) {
        // A directory URL without its slash: send the browser to the canonical one
        // so the page's relative links resolve.
        if (!path.endsWith('index.html') && outputOf(`${path}/index.html`)) return { kind: 'redirect', location: `/${path}/` }
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
  states.set(site, state)
  return site
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
        out['release'] = {
          ...release,
          embargoed: true,
          embargoNotice: helpers.t('release.embargoNotice', { lift: formatLift(embargo, lng, zones, helpers.t) }),
        }
      }
      return templates.render(name, out, helpers)
    },
  }
}
