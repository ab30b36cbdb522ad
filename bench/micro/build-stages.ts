/**
 * Where a cold `press build --no-pdf` spends its time, stage by stage, in
 * one process: import of the modules, loadOffice (config, YAML frontmatter,
 * zod, catalogs, templates), planSite, each output group's producers
 * (pages: Markdown + page template; index; feeds; sitemap), and for pages
 * the Markdown share alone. Writing files is left out (see writeSite).
 *
 * Figures are CPU time of this process (user + system), which a loaded
 * machine distorts far less than wall time.
 *
 * Run: node build/bench/micro/build-stages.js <office-dir>
 */
import path from 'node:path'

const office = path.resolve(process.argv[2] ?? '.')
/** CPU milliseconds used by this process so far. */
const cpu = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}
const t0 = cpu()
const { loadOffice } = await import('../../src/office.js')
const { planSite } = await import('../../src/site/plan-site.js')
const { renderMarkdown } = await import('../../src/render/markdown.js')
const t1 = cpu()
const { office: loaded } = await loadOffice(office, { env: {} })
if (!loaded) throw new Error('office did not load')
const t2 = cpu()
const plan = await planSite(loaded, { now: Date.now(), pdf: false })
const t3 = cpu()
const groups = new Map<string, number>()
for (const output of plan.outputs) {
  if (output.kind !== 'text') continue
  const started = cpu()
  output.produce()
  groups.set(output.group, (groups.get(output.group) ?? 0) + cpu() - started)
}
const t4 = cpu()
for (const release of loaded.releases) for (const text of Object.values(release.texts)) renderMarkdown(text.body)
const t5 = cpu()
const ms = (a: number, b: number): string => `${(b - a).toFixed(0).padStart(6)} ms`
const texts = loaded.releases.reduce((n, r) => n + Object.keys(r.texts).length, 0)
process.stdout.write(
  [
    `${loaded.releases.length} releases, ${texts} texts (CPU time)`,
    `import modules         ${ms(t0, t1)}`,
    `loadOffice             ${ms(t1, t2)}`,
    `planSite               ${ms(t2, t3)}`,
    ...[...groups].map(([group, time]) => `produce ${group.padEnd(14)} ${time.toFixed(0).padStart(6)} ms`),
    `all producers          ${ms(t3, t4)}`,
    `renderMarkdown alone   ${ms(t4, t5)}  (${(texts / ((t5 - t4) / 1000)).toFixed(0)} docs/s; in pages it runs once per page)`,
  ].join('\n') + '\n',
)
