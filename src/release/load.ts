/**
 * Read every release folder of the office into `Release` objects, collecting
 * positioned diagnostics for every problem in every file at once.
 */
import { readdirSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { VFileMessage } from 'vfile-message'
import type { Config } from '../config.js'
import { displayPath, stripUndefined } from '../config.js'
import { diagnostic } from '../diagnostics.js'
import { hashOf } from '../hash.js'
import type { Contact, Release, ReleaseText } from '../types.js'
import { parseYaml, placeOf, validateYaml, type YamlData } from '../yaml-data.js'
import { splitFrontmatter } from './frontmatter.js'
import {
  inheritedKeys,
  knownKeys,
  slugPattern,
  sourceSchema,
  translationSchema,
  type SourceFrontmatter,
  type TranslationFrontmatter,
} from './schema.js'
import { parseEmbargo } from '../embargo/time.js'
import { fingerprintFolder, type ReleaseCache } from './cache.js'
import { inspectFile, readRegularEntry, readSafeFile, UnsafeFileError } from '../safe-file.js'
import { checkMarkdownLimits, markdownLimits } from './markdown-limits.js'
import { decodeUtf8, notUtf8Diagnostic } from './decode-utf8.js'
import { activeAttachmentMessage, activeContentOf } from './active-types.js'

const source = 'press:release'

/** All releases of an office and the messages found while reading them. */
export interface LoadedReleases {
  readonly releases: readonly Release[]
  readonly messages: readonly VFileMessage[]
}

/**
 * Load all releases under `config.paths.releases`. Releases with errors are
 * left out of `releases`; their errors are in `messages`.
 *
 * @param config The office configuration.
 * @param only Restrict to one slug (optional).
 * @param cache Parsed releases of an earlier run to reuse (optional; see ./cache.ts).
 * @param onProgress Called after each release folder is read, with the count done and the total (optional).
 * @returns Releases sorted newest first, and messages.
 */
export async function loadReleases(
  config: Config,
  only?: string,
  cache?: ReleaseCache,
  onProgress?: (done: number, total: number) => void,
): Promise<LoadedReleases> {
  let entries: string[]
  try {
    entries = (await readdir(config.paths.releases, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    return {
      releases: [],
      messages: [
        diagnostic(
          displayPath(config, config.paths.releases),
          undefined,
          'warning',
          'no releases folder; create one with `press new <slug>`',
          'no-releases',
          source,
        ),
      ],
    }
  }
  if (only !== undefined) entries = entries.filter((name) => name === only)
  let done = 0
  const results = await Promise.all(
    entries.map(async (name) => {
      const result = await loadOne(name)
      onProgress?.(++done, entries.length)
      return result
    }),
  )
  async function loadOne(name: string): Promise<{ release?: Release; messages: VFileMessage[] }> {
    const dir = path.join(config.paths.releases, name)
    if (cache === undefined) return loadRelease(config, dir)
    // Taken before reading: an edit made while loading changes the next run's fingerprint.
    const fingerprint = fingerprintFolder(dir)
    const cached = fingerprint === undefined ? undefined : cache.lookup(name, fingerprint)
    if (cached) return { release: cached, messages: [] }
    const result = await loadRelease(config, dir)
    if (fingerprint !== undefined && result.release && result.messages.length === 0) cache.keep(name, fingerprint, result.release)
    return result
  }
  // Only a full load knows which folders are gone; a one-release load leaves the cache as it was.
  if (cache !== undefined && only === undefined) await cache.save()
  const releases = results.flatMap((r) => (r.release ? [r.release] : []))
  releases.sort((a, b) => b.date.localeCompare(a.date) || a.slug.localeCompare(b.slug))
  return { releases, messages: results.flatMap((r) => r.messages) }
}

interface ParsedFile {
  readonly lng: string
  readonly file: string
  readonly data: YamlData
  readonly body: string
  readonly bodyLine: number
  readonly raw: Record<string, unknown>
}

/**
 * Load one release folder.
 *
 * @param config The office configuration.
 * @param dir Absolute path of the release folder.
 * @returns The release (when it has no errors) and messages.
 */
export async function loadRelease(config: Config, dir: string): Promise<{ release?: Release; messages: VFileMessage[] }> {
  const messages: VFileMessage[] = []
  const slug = path.basename(dir)
  const dirShown = displayPath(config, dir)
  if (!slugPattern.test(slug)) {
    messages.push(
      diagnostic(
        dirShown,
        undefined,
        'error',
        `bad slug \`${slug}\`: a release folder name uses lowercase letters, digits and single hyphens, e.g. \`${suggestSlug(slug)}\``,
        'bad-slug',
        source,
      ),
    )
  }
  // Synchronous reads: a release folder holds a few small files, and on a
  // 1,000-release office the promise API (a thread-pool round trip for each
  // open, stat, read and close) cost about 0.3 s of CPU against 0.05 s.
  // The entry types come with the listing; only a symbolic link is
  // resolved. Every file goes through safe-file.ts: a link out of the
  // folder, a dangling link, a device or a FIFO is refused unread.
  const entries = readdirSync(dir, { withFileTypes: true })
  const names = entries.map((entry) => entry.name).sort()
  const fileContents = new Map<string, Buffer>()
  const refused = new Set<string>()
  for (const entry of entries) {
    if (entry.isDirectory()) continue
    const full = path.join(dir, entry.name)
    const shown = `${dirShown}/${entry.name}`
    const limit = entry.name.endsWith('.md') ? markdownLimits.bytes : undefined
    try {
      if (entry.isFile()) fileContents.set(entry.name, readRegularEntry(full, dir, shown, limit))
      else {
        // A link to a folder inside the release folder is ignored, as a folder is.
        const verdict = inspectFile(full, dir, limit)
        if (!verdict.ok && verdict.reason === 'not-regular' && isFolder(full)) continue
        fileContents.set(entry.name, readSafeFile(full, dir, shown, limit))
      }
    } catch (error) {
      if (!(error instanceof UnsafeFileError)) throw error
      refused.add(entry.name)
      messages.push(diagnostic(shown, undefined, 'error', error.message.slice(shown.length + 2), `unsafe-file-${error.reason}`, source))
    }
  }
  const parsed: ParsedFile[] = []
  for (const name of names) {
    if (!name.endsWith('.md')) continue
    const lng = name.slice(0, -3)
    const file = `${dirShown}/${name}`
    if (!config.locales.includes(lng)) {
      messages.push(
        diagnostic(
          file,
          undefined,
          'warning',
          `\`${name}\` is not a language of this office (${config.locales.join(', ')}); it is ignored. Rename it to <language>.md or add the language to \`locales\` in pressroom.yaml`,
          'unknown-locale-file',
          source,
        ),
      )
      continue
    }
    const bytes = fileContents.get(name)
    if (bytes === undefined) continue
    const decoded = decodeUtf8(bytes)
    if (!decoded.ok) {
      messages.push(notUtf8Diagnostic(file, decoded, 'file as UTF-8 (it may be in Windows-1251 or Latin-1)', source))
      continue
    }
    const text = decoded.text
    const split = splitFrontmatter(text)
    if (!split.ok) {
      messages.push(diagnostic(file, { line: split.line, column: split.column }, 'error', split.reason, split.ruleId, source))
      continue
    }
    const yaml = parseYaml(split.yaml, file, split.yamlLineOffset, source)
    messages.push(...yaml.messages)
    if (!yaml.data) continue
    const raw = yaml.data.value
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      messages.push(
        diagnostic(
          file,
          { line: 2, column: 1 },
          'error',
          'the frontmatter should be a mapping of keys (title: …, date: …)',
          'frontmatter-not-mapping',
          source,
        ),
      )
      continue
    }
    const breach = checkMarkdownLimits(split.body)
    if (breach) {
      messages.push(
        diagnostic(file, { line: split.bodyLine + breach.line - 1, column: breach.column }, 'error', breach.reason, breach.ruleId, source),
      )
      continue
    }
    for (const link of activeLinks(split.body, fileContents)) {
      messages.push(
        diagnostic(
          file,
          { line: split.bodyLine + link.line - 1, column: link.column },
          'error',
          `the body links to ${activeAttachmentMessage(link.name, fileContents.get(link.name))!}`,
          'link-active',
          source,
        ),
      )
    }
    parsed.push({ lng, file, data: yaml.data, body: split.body, bodyLine: split.bodyLine, raw: raw as Record<string, unknown> })
  }

  if (parsed.length === 0) {
    if (!messages.some((m) => m.fatal)) {
      messages.push(
        diagnostic(
          dirShown,
          undefined,
          'error',
          `no release file in this folder; add ${config.defaultLocale}.md (or run \`press new ${slug}\`)`,
          'release-empty',
          source,
        ),
      )
    }
    return { messages }
  }

  const sourceLng = chooseSource(config, parsed)
  const sourceFile = parsed.find((p) => p.lng === sourceLng)
  if (!sourceFile) {
    // The source file exists but could not be read: its own errors say why.
    if (names.includes(`${sourceLng}.md`)) return { messages }
    const have = parsed.map((p) => p.lng).join(', ')
    messages.push(
      diagnostic(
        parsed[0]!.file,
        { line: 2, column: 1 },
        'error',
        `no ${config.defaultLocale}.md (the default source language); if this release was written in ${have}, add \`source: ${parsed[0]!.lng}\` to its frontmatter`,
        'release-no-source',
        source,
      ),
    )
    return { messages }
  }

  const sourceResult = validateYaml(sourceSchema, sourceFile.data, source, knownKeys)
  messages.push(...sourceResult.messages)
  const fm = sourceResult.value
  const texts: Record<string, ReleaseText> = {}
  const draftTranslations: string[] = []
  let embargo: Release['embargo']
  if (fm) {
    if (fm.source !== undefined && fm.source !== sourceFile.lng) {
      messages.push(
        diagnostic(
          sourceFile.file,
          placeOf(sourceFile.data, ['source']),
          'error',
          `\`source: ${fm.source}\` in ${sourceFile.lng}.md; \`source\` names the language of the file it is in (${sourceFile.lng})`,
          'source-mismatch',
          source,
        ),
      )
    }
    if (fm.embargo !== undefined) {
      const result = parseEmbargo(fm.embargo, fm.embargo_zone, config.embargo.zones)
      if (result.ok) embargo = result.embargo
      else
        messages.push(
          diagnostic(
            sourceFile.file,
            placeOf(sourceFile.data, [fm.embargo_zone !== undefined && /zone/.test(result.ruleId) ? 'embargo_zone' : 'embargo']),
            'error',
            result.reason,
            result.ruleId,
            source,
          ),
        )
    } else if (fm.embargo_zone !== undefined) {
      messages.push(
        diagnostic(
          sourceFile.file,
          placeOf(sourceFile.data, ['embargo_zone'], 'key'),
          'warning',
          '`embargo_zone` without `embargo` has no effect',
          'embargo-zone-alone',
          source,
        ),
      )
    }
    for (const [index, name] of (fm.attachments ?? []).entries()) {
      const where = placeOf(sourceFile.data, ['attachments', index])
      if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
        messages.push(
          diagnostic(
            sourceFile.file,
            where,
            'error',
            `attachment "${name}" must be a file name in the release folder, not a path`,
            'attachment-path',
            source,
          ),
        )
      } else if (refused.has(name)) {
        messages.push(
          diagnostic(
            sourceFile.file,
            where,
            'error',
            `attachment "${name}" cannot be used: the file is refused (see its error)`,
            'attachment-unsafe',
            source,
          ),
        )
      } else if (activeAttachmentMessage(name, fileContents.get(name)) !== undefined) {
        messages.push(
          diagnostic(
            sourceFile.file,
            where,
            'error',
            `attachment ${activeAttachmentMessage(name, fileContents.get(name))!}`,
            'attachment-active',
            source,
          ),
        )
      } else if (!fileContents.has(name)) {
        messages.push(
          diagnostic(
            sourceFile.file,
            where,
            'error',
            `attachment "${name}" is not in ${dirShown}/; add the file or remove it from \`attachments\``,
            'attachment-missing',
            source,
          ),
        )
      }
    }
    for (const [index, list] of (fm.lists ?? []).entries()) {
      if (config.lists && !config.lists.includes(list)) {
        messages.push(
          diagnostic(
            sourceFile.file,
            placeOf(sourceFile.data, ['lists', index]),
            'error',
            `unknown press-list segment "${list}"; known: ${config.lists.join(', ')} (declare it under \`lists\` in pressroom.yaml)`,
            'unknown-list',
            source,
          ),
        )
      }
    }
    texts[sourceFile.lng] = makeText(sourceFile, fm)
  }

  for (const translation of parsed) {
    if (translation === sourceFile) continue
    const known = [...Object.keys(translationSchema.shape), ...inheritedKeys]
    const result = validateYaml(translationSchema, translation.data, source, known)
    messages.push(...result.messages)
    for (const key of inheritedKeys) {
      if (key in translation.raw) {
        const how =
          key === 'tags'
            ? `; tags are translated in ${displayPath(config, config.paths.locales) || 'locales'}/${translation.lng}/tags.json`
            : '; set it in the source file'
        messages.push(
          diagnostic(
            translation.file,
            placeOf(translation.data, [key], 'key'),
            'warning',
            `\`${key}\` is inherited from ${sourceFile.lng}.md and ignored here${how}`,
            'inherited-key',
            source,
          ),
        )
      }
    }
    const tf = result.value
    if (!tf || !fm) continue
    if (tf.source !== undefined && tf.source !== sourceFile.lng) {
      messages.push(
        diagnostic(
          translation.file,
          placeOf(translation.data, ['source']),
          'error',
          `two source languages: ${sourceFile.lng}.md is the source; remove \`source\` here`,
          'source-conflict',
          source,
        ),
      )
    }
    if (tf.date !== undefined && tf.date !== fm.date) {
      messages.push(
        diagnostic(
          translation.file,
          placeOf(translation.data, ['date']),
          'error',
          `date ${tf.date} differs from the source's ${fm.date}; a translation inherits the date (remove it here)`,
          'translation-date',
          source,
        ),
      )
    }
    if (tf.embargo !== undefined) {
      const mine = parseEmbargo(tf.embargo, tf.embargo_zone ?? fm.embargo_zone)
      if (!embargo || !mine.ok || mine.embargo.lift !== embargo.lift) {
        messages.push(
          diagnostic(
            translation.file,
            placeOf(translation.data, ['embargo']),
            'error',
            `embargo "${tf.embargo}" differs from the source's ${fm.embargo === undefined ? '(none)' : `"${fm.embargo}"`}; a translation inherits the embargo (remove it here)`,
            'translation-embargo',
            source,
          ),
        )
      }
    }
    if (tf.status === 'draft') draftTranslations.push(translation.lng)
    else
      texts[translation.lng] = makeText(
        translation,
        tf,
        tf.contacts?.map((c) => stripUndefined(c)),
      )
  }

  if (!fm || messages.some((m) => m.fatal)) return { messages }
  const contacts: Contact[] = (fm.contacts ?? config.contacts).map((c) => stripUndefined(c))
  const contactsFromConfig = fm.contacts === undefined
  const inputHash = hashOf(...[...fileContents.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([name, bytes]) => [name, bytes]))
  const release: Release = {
    slug,
    dir: dirShown,
    source: sourceFile.lng,
    date: fm.date,
    ...(embargo ? { embargo } : {}),
    contacts,
    ...(contactsFromConfig ? { contactsFromConfig } : {}),
    tags: fm.tags ?? [],
    lists: fm.lists ?? [],
    attachments: fm.attachments ?? [],
    boilerplate: fm.boilerplate ?? 'about',
    status: fm.status ?? 'ready',
    texts,
    ...(draftTranslations.length > 0 ? { draftTranslations } : {}),
    inputHash,
  }
  return { release, messages }
}

/** Links and images of a body that point at an active file of the release folder (1-based places in the body). */
function activeLinks(body: string, files: ReadonlyMap<string, Buffer>): Array<{ name: string; line: number; column: number }> {
  const found: Array<{ name: string; line: number; column: number }> = []
  for (const match of body.matchAll(/(?:\]\(\s*<?|src\s*=\s*["']?|href\s*=\s*["']?)([^)"'\s>]+)/gi)) {
    let name = match[1]!.split(/[?#]/)[0]!
    try {
      name = decodeURIComponent(name)
    } catch {
      // kept as written
    }
    if (name.startsWith('./')) name = name.slice(2)
    if (!files.has(name) || activeContentOf(name, files.get(name)) === undefined) continue
    const before = body.slice(0, match.index)
    const line = before.split(/\r\n|\r|\n/).length
    found.push({
      name,
      line,
      column: match.index - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + match[0].length - match[1]!.length,
    })
  }
  return found
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

function chooseSource(config: Config, parsed: readonly ParsedFile[]): string {
  const declared = parsed.find((p) => typeof p.raw['source'] === 'string' && p.raw['source'] === p.lng)
  if (declared) return declared.lng
  return config.defaultLocale
}

function makeText(file: ParsedFile, fm: SourceFrontmatter | TranslationFrontmatter, own?: readonly Contact[]): ReleaseText {
  const text = {
    lng: file.lng,
    path: file.file,
    title: fm.title.trim(),
    ...(fm.subtitle ? { subtitle: fm.subtitle.trim() } : {}),
    ...(fm.dateline ? { dateline: fm.dateline.trim() } : {}),
    body: file.body,
    bodyLine: file.bodyLine,
    ...(fm.source_hash !== undefined && fm.source_hash !== '' ? { sourceHash: scalarText(file.data, 'source_hash') } : {}),
  }
  const corrections = (fm.corrections ?? []).map((c) => ({ at: Date.parse(c.date), note: c.note.trim() }))
  return {
    ...text,
    contentHash: contentHashOf(text),
    ...(own ? { contacts: own } : {}),
    ...(corrections.length > 0 ? { corrections } : {}),
  }
}

/**
 * The hash a translation records as `source_hash`: title, subtitle, dateline and body.
 *
 * @param text The translatable parts of a release text.
 * @returns 16 hex digits.
 */
export function contentHashOf(text: Pick<ReleaseText, 'title' | 'body'> & { subtitle?: string; dateline?: string }): string {
  return hashOf(text.title, text.subtitle ?? '', text.dateline ?? '', text.body.trim())
}

/** A top-level scalar exactly as written (`0123e45` stays `0123e45`, not 1.23e+47). */
function scalarText(data: YamlData, key: string): string {
  const node = data.doc.get(key, true) as { source?: unknown; value?: unknown } | undefined
  return typeof node?.source === 'string' ? node.source : String(node?.value ?? '')
}

function suggestSlug(slug: string): string {
  return (
    slug
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'my-release'
  )
}
