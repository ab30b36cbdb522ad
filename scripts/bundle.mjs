// Bundle the compiled CLI (build/src/**) into build/bundle/ with rolldown, so
// `press` loads a handful of files instead of ~460 ES modules (the unified
// ecosystem, zod, …): each module costs Node a resolution, a read and a
// compile, about 0.15 s in all for `press build`. Run after `tsc` (see
// `npm run build:tool`); bin/press.js uses the bundle only when it is newer
// than build/src/cli/main.js, and the compiled modules otherwise. The chunks
// are CommonJS so that src/cli/bundle.ts can load them with V8's code cache.
//
// Commands stay lazy: each `import()` in main.ts becomes a chunk of its own,
// loaded only by the command that needs it. Packages that read files of their
// own at run time, load native code or are large and used by one command only
// are not bundled (see `bundled` below); Node loads them from node_modules as
// before.
import { readdir, readFile, rm } from 'node:fs/promises'
import { builtinModules, createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
// Another folder for tests (tests/cli/bundle.test.ts); it must be inside the
// repository, where the external packages resolve from node_modules/.
const out = process.argv[2] !== undefined ? path.resolve(process.argv[2]) : path.join(root, 'build', 'bundle')

/**
 * Direct dependencies compiled into the bundle: pure JavaScript that reads
 * no file of its own, on the path of `build`, `check` and `--help`. Every
 * other dependency stays external (a new dependency is external until it is
 * added here), and so do the packages it imports.
 */
const bundled = new Set([
  'commander',
  'fastest-levenshtein',
  'feed',
  'i18next',
  'liquidjs',
  'luxon',
  // remark-gfm's parts, which src/render/parse-markdown.ts picks per body (ES modules only).
  'mdast-util-gfm-autolink-literal',
  'mdast-util-gfm-footnote',
  'mdast-util-gfm-strikethrough',
  'mdast-util-gfm-table',
  'mdast-util-gfm-task-list-item',
  'micromark-extension-gfm-autolink-literal',
  'micromark-extension-gfm-footnote',
  'micromark-extension-gfm-strikethrough',
  'micromark-extension-gfm-table',
  'micromark-extension-gfm-task-list-item',
  'micromark-util-combine-extensions',
  // ES modules only: a CommonJS chunk cannot require it (see the check at the end).
  'p-queue',
  'picocolors',
  'cli-progress',
  'rehype-raw',
  'rehype-sanitize',
  'rehype-stringify',
  'remark-gfm',
  'remark-parse',
  'remark-rehype',
  // Typography of every page (src/render/typography.ts); hyphen's patterns stay outside (loaded on first use, for PDFs only).
  'typograf',
  'unified',
  'unist-util-visit',
  'vfile',
  'vfile-message',
  'yaml',
  'zod',
])

const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))
const direct = new Set(Object.keys(manifest.dependencies ?? {}))
const builtins = new Set(builtinModules)

/** The package a bare import names: `@scope/name/x` → `@scope/name`, `name/x` → `name`. */
const packageOf = (id) =>
  id
    .split('/')
    .slice(0, id.startsWith('@') ? 2 : 1)
    .join('/')

const external = (id) => id.startsWith('node:') || builtins.has(id) || (direct.has(packageOf(id)) && !bundled.has(packageOf(id)))

await rm(out, { recursive: true, force: true })
// The CLI as CommonJS chunks (`.cjs`: package.json says "type": "module"),
// which src/cli/bundle.ts compiles with V8's code cache.
await build({
  input: { press: path.join(root, 'build', 'src', 'cli', 'main.js') },
  platform: 'node',
  logLevel: 'warn',
  // Only direct dependencies are decided here: what a bundled package imports
  // is bundled with it (an external one is never read by the bundler).
  external,
  output: {
    dir: out,
    format: 'cjs',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
  },
})
// Every package a CommonJS chunk requires must have a CommonJS entry: Node
// 20's require() of an ES module is too new to rely on (and its default
// export interop differs). Such a package belongs in `bundled`.
const resolve = createRequire(path.join(out, 'press.cjs')).resolve
for (const name of (await readdir(out)).filter((file) => file.endsWith('.cjs'))) {
  const code = await readFile(path.join(out, name), 'utf8')
  for (const [, id] of code.matchAll(/\brequire\("([^".][^"]*)"\)/g)) {
    if (id.startsWith('node:') || builtins.has(id)) continue
    const file = resolve(id)
    let esm = file.endsWith('.mjs')
    if (file.endsWith('.js')) {
      // The nearest package.json decides what a .js file is.
      for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
        const manifestText = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => undefined)
        if (manifestText !== undefined) {
          esm = JSON.parse(manifestText).type === 'module'
          break
        }
        if (path.dirname(dir) === dir) break
      }
    }
    if (esm)
      throw new Error(
        `bundle: ${name} requires "${id}", which is an ES module only (${file}); add "${packageOf(id)}" to \`bundled\` in scripts/bundle.mjs`,
      )
  }
}
