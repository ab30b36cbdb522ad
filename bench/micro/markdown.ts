/**
 * Micro-benchmark behind the HTML findings: Pressroom's renderMarkdown
 * against the same unified pipeline with rehype-raw skipped when a body has
 * no raw HTML (the proposed fix), and a bare remark → rehype → stringify
 * pipeline (the floor), on the benchmark corpus. Alternating rounds, medians
 * of docs per CPU-second.
 *
 * Run: node build/bench/micro/markdown.js [documents=400] [rounds=5]
 */
import { raw } from 'hast-util-raw'
import type { Root as HastRoot } from 'hast'
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize'
import rehypeStringify from 'rehype-stringify'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import remarkRehype from 'remark-rehype'
import { unified } from 'unified'
import { EXIT, visit } from 'unist-util-visit'
import { VFile } from 'vfile'
import { renderMarkdown } from '../../src/render/markdown.js'
import { generateReleases } from '../lib/corpus.js'
import { median } from '../lib/util.js'

const documents = Number(process.argv[2] ?? 400)
const rounds = Number(process.argv[3] ?? 5)
const bodies = generateReleases(Math.ceil(documents / 2))
  .flatMap((r) => [r.bodies.en, r.bodies.ru])
  .slice(0, documents)

/** rehype-raw only when the tree holds raw HTML: otherwise it re-parses the whole page through parse5 for nothing. */
function rehypeRawWhenNeeded() {
  return (tree: HastRoot, file: VFile): HastRoot | undefined => {
    let found = false
    visit(tree, 'raw', () => {
      found = true
      return EXIT
    })
    return found ? (raw(tree, { file }) as HastRoot) : undefined
  }
}

const schema = { ...defaultSchema, clobberPrefix: 'user-content-' }
const conditional = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRawWhenNeeded)
  .use(rehypeSanitize, schema)
  .use(rehypeStringify)
  .freeze()
const bare = unified().use(remarkParse).use(remarkGfm).use(remarkRehype).use(rehypeStringify).freeze()

const variants: Record<string, (body: string) => unknown> = {
  'renderMarkdown (src)': (body) => renderMarkdown(body),
  'rehype-raw only when raw HTML': (body) => conditional.processSync(new VFile(body)),
  'bare remark→rehype→html': (body) => bare.processSync(new VFile(body)),
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (const render of Object.values(variants)) for (const body of bodies.slice(0, 20)) render(body)
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse()
  for (const name of order) {
    // CPU time of this process: a loaded machine distorts it far less than wall time.
    const started = process.cpuUsage()
    for (const body of bodies) variants[name]!(body)
    const used = process.cpuUsage(started)
    samples[name]!.push(bodies.length / ((used.user + used.system) / 1e6))
  }
}
const base = median(samples['renderMarkdown (src)']!)
for (const [name, rates] of Object.entries(samples)) {
  process.stdout.write(
    `${name.padEnd(32)} ${median(rates).toFixed(0).padStart(5)} docs/s  (×${(median(rates) / base).toFixed(2)})  samples ${rates.map((r) => r.toFixed(0)).join(' ')}\n`,
  )
}
