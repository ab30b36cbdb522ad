// Bundle the compiled CLI (build/src/**) into build/bundle/ with rolldown, so
// `press` loads a handful of files instead of ~460 ES modules (the unified
// ecosystem, zod, …): each module costs Node a resolution, a read and a
// compile, about 0.15 s in all for `press build`. Run after `tsc` (see
// `npm run build:tool`); bin/press.js uses the bundle only when it is newer
// than build/src/cli/main.js, and the compiled modules otherwise.
//
// Commands stay lazy: each `import()` in main.ts becomes a chunk of its own,
// loaded only by the command that needs it. The render worker is an entry of
// its own, written beside the chunks as render-worker.js, where
// render-pool.ts looks for it. Packages that read files of their own at run
// time, load native code or are large and used by one command only are not
// bundled (see `bundled` below); Node loads them from node_modules as before.
import { readFile, rm } from 'node:fs/promises'
import { builtinModules } from 'node:module'
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
  'hast-util-to-text',
  'i18next',
  'liquidjs',
  'luxon',
  'picocolors',
  'cli-progress',
  'rehype-raw',
  'rehype-sanitize',
  'rehype-slug',
  'rehype-stringify',
  'remark-gfm',
  'remark-parse',
  'remark-rehype',
  'unified',
  'unist-util-visit',
  'vfile',
  'vfile-message',
  'vfile-reporter',
  'yaml',
  'zod',
])

const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))
const direct = new Set(Object.keys(manifest.dependencies ?? {}))
const builtins = new Set(builtinModules)

/** The package a bare import names: `@scope/name/x` → `@scope/name`, `name/x` → `name`. */
const packageOf = (id) => id.split('/').slice(0, id.startsWith('@') ? 2 : 1).join('/')

await rm(out, { recursive: true, force: true })
await build({
  input: {
    press: path.join(root, 'build', 'src', 'cli', 'main.js'),
    'render-worker': path.join(root, 'build', 'src', 'site', 'render-worker.js'),
  },
  platform: 'node',
  logLevel: 'warn',
  // Only direct dependencies are decided here: what a bundled package imports
  // is bundled with it (an external one is never read by the bundler).
  external: (id) => id.startsWith('node:') || builtins.has(id) || (direct.has(packageOf(id)) && !bundled.has(packageOf(id))),
  output: {
    dir: out,
    format: 'esm',
    entryFileNames: '[name].js',
    // Flat: render-pool.ts finds the worker as ./render-worker.js beside its own chunk.
    chunkFileNames: '[name]-[hash].js',
    // Shared code in as few chunks as possible; a command's own code stays in its chunk.
    minify: false,
    sourcemap: false,
  },
})
