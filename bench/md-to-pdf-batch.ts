/**
 * md-to-pdf as one batch, the way its CLI runs one (one file server over the
 * base directory, one shared browser, convertMdToPdf per file), but with at
 * most `concurrency` files in flight: the CLI starts every file at once,
 * and with 100 files on two cores its pages run into md-to-pdf's fixed 30 s
 * navigation timeout. Uses md-to-pdf's own modules and its own puppeteer.
 *
 * Run: node build/bench/md-to-pdf-batch.js <md-to-pdf package dir> <config.json> <concurrency> <file.md> [...]
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'

const [packageDir, configFile, concurrencyArg, ...files] = process.argv.slice(2)
if (!packageDir || !configFile || !concurrencyArg || files.length === 0) {
  process.stderr.write('usage: md-to-pdf-batch <md-to-pdf package dir> <config.json> <concurrency> <file.md> [...]\n')
  process.exit(2)
}
const require = createRequire(path.join(path.resolve(packageDir), 'package.json'))
type Config = Record<string, unknown> & {
  port: number
  basedir: string
  pdf_options: Record<string, unknown>
  launch_options: Record<string, unknown>
}
const { defaultConfig } = require('./dist/lib/config.js') as { defaultConfig: Config }
const { convertMdToPdf } = require('./dist/lib/md-to-pdf.js') as {
  convertMdToPdf(input: { path: string }, config: Config, options: { browser: unknown }): Promise<unknown>
}
const { serveDirectory, closeServer } = require('./dist/lib/serve-dir.js') as {
  serveDirectory(config: Config): Promise<Server>
  closeServer(server: Server): Promise<void>
}
const puppeteer = require('puppeteer') as { launch(options: Record<string, unknown>): Promise<{ close(): Promise<void> }> }

const fileConfig = JSON.parse(readFileSync(configFile, 'utf8')) as Partial<Config>
const basedir = path.dirname(path.resolve(files[0]!))
const config: Config = {
  ...defaultConfig,
  ...fileConfig,
  pdf_options: { ...defaultConfig.pdf_options, ...(fileConfig.pdf_options ?? {}) },
  launch_options: { ...(fileConfig.launch_options ?? {}) },
  basedir,
  port: 0,
}
const server = await serveDirectory(config)
const address = server.address()
config.port = typeof address === 'object' && address !== null ? address.port : 0
const browser = await puppeteer.launch({ devtools: false, ...config.launch_options })
let next = 0
try {
  await Promise.all(
    Array.from({ length: Math.max(1, Number(concurrencyArg)) }, async () => {
      while (next < files.length) {
        const file = path.resolve(files[next++]!)
        // convertMdToPdf replaces the config object it is given; pass a copy anyway.
        await convertMdToPdf({ path: file }, { ...config, pdf_options: { ...config.pdf_options } }, { browser })
      }
    }),
  )
} finally {
  await browser.close()
  await closeServer(server)
}
