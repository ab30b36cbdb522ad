/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`): top functions by self
 * time, self time per package / source file, and total time under chosen
 * functions (inclusive), so a missed target can be traced to its cause.
 *
 * Run: node build/bench/profile-summary.js <file.cpuprofile> [top=25] [inclusive-name ...]
 */
import { readFileSync } from 'node:fs'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** One row of the summary. */
export interface ProfileRow {
  readonly name: string
  readonly ms: number
  readonly share: number
}

/** The summary of a profile. */
export interface ProfileSummary {
  readonly totalMs: number
  readonly functions: readonly ProfileRow[]
  readonly modules: readonly ProfileRow[]
  readonly inclusive: readonly ProfileRow[]
  /** Self time per pipeline stage (markdown, templates, i18n, YAML, fs…). */
  readonly stages: readonly ProfileRow[]
}

/** Which stage a module belongs to, for the roll-up. */
function stageOf(module: string): string {
  if (
    /^(micromark|mdast|hast|unist|remark|rehype|unified|vfile|stringify-entities|zwitch|trough|property-information|character-|parse5|hastscript|web-namespaces|space-separated|comma-separated|html-void|ccount|decode-named|devlop|bail|is-plain-obj|markdown-table|longest-streak|github-slugger|entities)/.test(
      module,
    )
  )
    return 'markdown (unified/micromark/hast)'
  if (module === 'liquidjs' || module === 'src/render/template') return 'templates (liquidjs)'
  if (module === 'i18next' || module.startsWith('src/i18n')) return 'i18n (i18next)'
  if (module === 'yaml' || module === 'zod' || module === 'src/yaml-data' || module.startsWith('src/release'))
    return 'release loading (yaml, zod)'
  if (module === 'luxon' || module.startsWith('src/embargo')) return 'dates (luxon)'
  if (/^(xml-js|feed)$/.test(module) || module === 'src/site/feed' || module === 'src/site/sitemap') return 'feeds/sitemap (feed, xml-js)'
  if (
    /^(juice|cheerio|html-to-text|htmlparser2|domhandler|domutils|css-select|mensch|slick|web-resource-inliner|dom-serializer|selderee|parseley)/.test(
      module,
    )
  )
    return 'email body (juice, html-to-text)'
  if (/^(nodemailer|smtp)/.test(module) || module.startsWith('src/distribute')) return 'distribution (nodemailer, queue)'
  if (module === 'better-sqlite3') return 'sqlite'
  if (module === 'node internals') return 'node internals (fs, modules, streams)'
  if (module === '(native/gc/idle)') return module
  if (module.startsWith('src/')) return 'pressroom other'
  return 'other packages'
}

/** Where a script URL belongs: an npm package, a Pressroom source file, or node internals. */
function moduleOf(url: string): string {
  if (url === '') return '(native/gc/idle)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  const own = /\/build\/(src|bench)\/(.+?)\.js$/.exec(url)
  if (own) return `${own[1]}/${own[2]}`
  if (url.startsWith('node:')) return 'node internals'
  return url.replace(/^file:\/\//, '')
}

/**
 * Summarise a profile.
 *
 * @param file Path of the .cpuprofile.
 * @param top Rows per table.
 * @param inclusiveNames Function names whose inclusive time to report.
 */
export function summarizeProfile(file: string, top = 25, inclusiveNames: readonly string[] = []): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const totalUs = profile.endTime - profile.startTime
  const fn = new Map<string, number>()
  const mod = new Map<string, number>()
  const stage = new Map<string, number>()
  const incl = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    const where = frame.url === '' ? '' : ` ${moduleOf(frame.url)}:${frame.lineNumber + 1}`
    const key = `${name}${where}`
    fn.set(key, (fn.get(key) ?? 0) + us)
    const m = moduleOf(frame.url)
    mod.set(m, (mod.get(m) ?? 0) + us)
    const st =
      frame.functionName === '(garbage collector)' ? '(garbage collector)' : frame.functionName === '(idle)' ? '(idle)' : stageOf(m)
    stage.set(st, (stage.get(st) ?? 0) + us)
    // Inclusive: each named ancestor counted once per sample path.
    if (inclusiveNames.length > 0) {
      const seen = new Set<string>()
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const n = byId.get(at)!.callFrame.functionName
        if (inclusiveNames.includes(n) && !seen.has(n)) {
          seen.add(n)
          incl.set(n, (incl.get(n) ?? 0) + us)
        }
      }
    }
  }
  const rows = (map: Map<string, number>): ProfileRow[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: Math.round((us / totalUs) * 1000) / 10 }))
  return { totalMs: Math.round(totalUs / 1000), functions: rows(fn), modules: rows(mod), inclusive: rows(incl), stages: rows(stage) }
}

/** Print a summary as text. */
export function formatProfile(summary: ProfileSummary): string {
  const table = (title: string, rows: readonly ProfileRow[]): string =>
    `${title}\n` + rows.map((r) => `  ${String(r.ms).padStart(7)} ms ${String(r.share).padStart(5)}%  ${r.name}`).join('\n')
  return [
    `profile: ${summary.totalMs} ms`,
    table('self time by stage:', summary.stages),
    table('self time by function:', summary.functions),
    table('self time by module:', summary.modules),
    ...(summary.inclusive.length > 0 ? [table('inclusive time:', summary.inclusive)] : []),
  ].join('\n')
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/build\//, '/build/'))) {
  const [file, top, ...names] = process.argv.slice(2)
  if (!file) {
    process.stderr.write('usage: node build/bench/profile-summary.js <file.cpuprofile> [top] [function-name ...]\n')
    process.exit(2)
  }
  process.stdout.write(formatProfile(summarizeProfile(file, Number(top ?? 25), names)) + '\n')
}
