/**
 * Plan the public site in memory (STYLE §2 "build in memory, write
 * separately"): every output file of dist/ with a cache key and a producer.
 * Nothing is rendered here; the writer calls a producer only when the key
 * changed since the last build, which makes builds incremental.
 */
import path from 'node:path'
import type { VFileMessage } from 'vfile-message'
import type { Office } from '../office.js'
import { releaseDir } from '../config.js'
import { diagnostic } from '../diagnostics.js'
import { isPublic } from '../embargo/policy.js'
import { hashOf } from '../hash.js'
import { isLocal, type RenderedBody } from '../render/markdown.js'
import { pdfCacheKey } from '../render/pdf-cache.js'
import { printJob } from '../render/print-job.js'
import { rendererVersion } from '../render/renderer-version.js'
import { absoluteUrl, releaseLocation, type CommonInput, type PageLocation } from '../render/view-model.js'
import type { Release, ReleaseText } from '../types.js'
import { releaseFiles, templateAssets, type Asset } from './assets.js'
import { planListings } from './plan-listings.js'
import type { PlannedOutput } from './planned-output.js'
import { assetUrlFor, renderReleasePage, type ReleasePageInput } from './render-release-page.js'

/** What a build should produce. */
export interface BuildOptions {
  /** The instant treated as now (embargo decisions). */
  readonly now: number
  /** Include `status: draft` releases. */
  readonly drafts?: boolean
  /** Render PDFs (default true). */
  readonly pdf?: boolean
  /** Re-render only this release; other releases' files are carried over from the previous dist/ as they are. */
  readonly only?: string
}

/** A release held back from the public site and why. */
export interface HeldRelease {
  readonly slug: string
  readonly reason: 'embargo' | 'draft'
  readonly lift?: number
}

/** The planned site. */
export interface SitePlan {
  readonly outputs: readonly PlannedOutput[]
  readonly published: ReadonlyArray<{ slug: string; languages: readonly string[] }>
  readonly held: readonly HeldRelease[]
  readonly messages: readonly VFileMessage[]
}

/** What {@link scanSite} read and sorted: the input of {@link planScanned}. */
export interface ScannedSite {
  /** Releases on the public site, newest first. */
  readonly visible: readonly Release[]
  readonly held: readonly HeldRelease[]
  /** Template assets by name (content-hashed paths). */
  readonly assets: ReadonlyMap<string, Asset>
  /** Per visible release (by slug): the files of its folder it references, by name. */
  readonly files: ReadonlyMap<string, ReadonlyMap<string, Asset>>
}

/**
 * Plan dist/ for `now`: {@link scanSite}, then {@link planScanned}.
 *
 * @param office The loaded office.
 * @param options Now, drafts and PDF switches.
 * @returns The outputs and what was published or held.
 */
export async function planSite(office: Office, options: BuildOptions): Promise<SitePlan> {
  return planScanned(office, await scanSite(office, options), options)
}

/**
 * The reading half of planning: which releases are public at `now` (sorted
 * newest first) and which are held, the template assets and the release
 * files (read to hash them), each read once.
 *
 * @param office The loaded office.
 * @param options `now` and `drafts`.
 * @returns The scanned site.
 */
export async function scanSite(office: Office, options: Pick<BuildOptions, 'now' | 'drafts'>): Promise<ScannedSite> {
  const { templates } = office
  const held: HeldRelease[] = []
  const visible: Release[] = []
  for (const release of office.releases) {
    if (release.status === 'draft' && !options.drafts) held.push({ slug: release.slug, reason: 'draft' })
    else if (isPublic({ status: 'ready', ...(release.embargo ? { embargo: release.embargo } : {}) }, options.now)) visible.push(release)
    else held.push({ slug: release.slug, reason: 'embargo', lift: release.embargo!.lift })
  }
  // Newest first: by date, then by lift time, then slug.
  visible.sort((a, b) => b.date.localeCompare(a.date) || (b.embargo?.lift ?? 0) - (a.embargo?.lift ?? 0) || a.slug.localeCompare(b.slug))
  const assets = await templateAssets(path.join(templates.dir, 'assets'), templates.assets)
  const files = new Map<string, ReadonlyMap<string, Asset>>()
  // One release at a time: an office with many attachments must not open them all at once.
  for (const release of visible) files.set(release.slug, await scanRelease(office, release))
  return { visible, held, assets, files }
}

/**
 * The files of a release's folder that it references (attachments, local
 * links and images), read to hash them: {@link scanSite} for one release,
 * for callers that re-plan one edited release (the preview).
 *
 * @param office The loaded office.
 * @param release The release.
 * @returns Its files by name.
 */
export function scanRelease(office: Office, release: Release): Promise<Map<string, Asset>> {
  return releaseFiles(releaseDir(office.config, release), [...release.attachments, ...localRefsOf(release)])
}

/**
 * The pure half of planning: every output of dist/ from a scanned site,
 * with its key and producer. Reads no files.
 *
 * @param office The loaded office.
 * @param scanned What {@link scanSite} returned for the same office.
 * @param options PDF switch and `only`.
 * @returns The outputs and what was published or held.
 */
export function planScanned(office: Office, scanned: ScannedSite, options: Pick<BuildOptions, 'pdf' | 'only'>): SitePlan {
  const { config, templates, translator, catalogs } = office
  const withPdf = options.pdf !== false
  const messages: VFileMessage[] = []
  const outputs: PlannedOutput[] = []
  const held = [...scanned.held]
  const { visible, assets } = scanned
  for (const asset of assets.values()) pushAsset(outputs, asset)

  const baseKey = hashOf(rendererVersion, config.renderHash, catalogs.hash, templates.hash, withPdf ? 'pdf' : 'no-pdf')
  const assetPaths: Readonly<Record<string, string>> = Object.fromEntries([...assets].map(([name, asset]) => [name, asset.path]))
  const assetUrl = (location: PageLocation) => assetUrlFor(location, assetPaths)

  const published: Array<{ slug: string; languages: string[] }> = []
  for (const release of visible) {
    const files = scanned.files.get(release.slug) ?? new Map<string, Asset>()
    for (const asset of files.values()) pushAsset(outputs, asset)
    const languages = config.locales.filter((lng) => release.texts[lng] !== undefined)
    published.push({ slug: release.slug, languages })
    for (const lng of languages) {
      const text = release.texts[lng]!
      const location = releaseLocation(lng, release.slug)
      const key = hashOf(baseKey, release.inputHash, lng)
      const keep = options.only !== undefined && options.only !== release.slug
      const pdfName = `${release.slug}.${lng}.pdf`
      const attachments = release.attachments.flatMap((name) => {
        const file = files.get(name)
        return file ? [{ name, url: `${location.root}${file.path}` }] : []
      })
      const page: ReleasePageInput = {
        lng,
        release,
        location,
        alternates: alternatesFor(office, release, lng, location),
        attachments,
        files: Object.fromEntries([...files].map(([name, file]) => [name, file.path])),
        assets: assetPaths,
        ...(withPdf ? { pdf: { url: pdfName, name: pdfName } } : {}),
      }
      outputs.push({
        kind: 'text',
        group: 'page',
        path: location.path,
        key,
        ...(keep ? { keep } : {}),
        produce: () => {
          const rendered = renderReleasePage(page, { config, templates, t: translator.forLng(lng) })
          reportRemoved(messages, text, rendered.removed)
          return rendered.html
        },
      })
      if (withPdf) {
        outputs.push({
          kind: 'pdf',
          path: `${lng}/${release.slug}/${pdfName}`,
          key: pdfCacheKey(office, release, lng, false),
          release: release.slug,
          ...(keep ? { keep } : {}),
          job: () => printJob(office, release, lng, { embargoed: false }),
          locate: (url) => locateInBody(text, url),
        })
      }
    }
  }

  outputs.push(...planListings(office, visible, baseKey, assetUrl))
  return { outputs: dedupe(outputs), published, held, messages }
}

/** Line and column of `url` in a release text's body (file coordinates), if written there. */
function locateInBody(text: ReleaseText, url: string): { line: number; column: number } | undefined {
  const lines = text.body.split('\n')
  for (const [index, line] of lines.entries()) {
    const column = line.indexOf(url)
    if (column !== -1) return { line: text.bodyLine + index, column: column + 1 }
  }
  return undefined
}

function pushAsset(outputs: PlannedOutput[], asset: Asset): void {
  if (asset.from) outputs.push({ kind: 'copy', path: asset.path, key: asset.path, from: asset.from })
  else {
    const text = new TextDecoder().decode(asset.data)
    outputs.push({ kind: 'text', group: 'asset', path: asset.path, key: asset.path, produce: () => text })
  }
}

function dedupe(outputs: PlannedOutput[]): PlannedOutput[] {
  const seen = new Set<string>()
  return outputs.filter((o) => (seen.has(o.path) ? false : (seen.add(o.path), true)))
}

function localRefsOf(release: Release): string[] {
  const refs: string[] = []
  for (const text of Object.values(release.texts)) {
    for (const match of text.body.matchAll(/(?:\]\(|src=["']|href=["'])([^)"'\s]+)/g)) {
      const ref = match[1]!
      if (isLocal(ref)) refs.push(ref.split(/[?#]/)[0]!)
    }
  }
  return refs
}

function reportRemoved(messages: VFileMessage[], text: ReleaseText, removedItems: RenderedBody['removed']): void {
  for (const removed of removedItems) {
    messages.push(
      diagnostic(
        text.path,
        { line: text.bodyLine + removed.line - 1, column: removed.column },
        'warning',
        `removed ${removed.what}: raw HTML may not run scripts, embed frames or carry event handlers`,
        'unsafe-html',
        'press:render',
      ),
    )
  }
}

/**
 * The language switch of a release page: every office language; a language
 * without a translation links to the source-language page and is marked.
 */
function alternatesFor(office: Office, release: Release, lng: string, location: PageLocation): CommonInput['alternates'] {
  const { config, translator } = office
  return config.locales.map((other) => {
    const has = release.texts[other] !== undefined
    const target = has ? other : release.source
    return {
      lang: other,
      langName: translator.forLng(other)('lang.name'),
      url: `${location.root}${target}/${release.slug}/`,
      absUrl: absoluteUrl(config, releaseLocation(target, release.slug)),
      current: other === lng,
      fallback: !has,
    }
  })
}
