/**
 * Test offices in temp dirs: the sample office (the repo root's
 * pressroom.yaml, releases/, locales/, templates/, press list) or the small
 * fixture office in tests/fixtures/office/ (its own pressroom.yaml, releases
 * and press list, with the repo's real templates and catalogs). Plus helpers
 * to run the compiled CLI and to look at every file of a dist/.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BuildReport } from '../../src/site/build-site.js'

/** The repository root (the sample office). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** tests/fixtures/. */
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))
/** The compiled CLI (run `npx tsc -p tsconfig.json` first). */
export const pressBin = path.join(repoRoot, 'bin', 'press.js')

const created: string[] = []

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-office-'))
  created.push(dir)
  return dir
}

/**
 * Copy the sample office (repo root) into a fresh temp dir.
 *
 * @returns The temp office directory.
 */
export async function copySampleOffice(): Promise<string> {
  const dir = await tempDir()
  for (const name of ['pressroom.yaml', 'releases', 'locales', 'templates', 'press-list.csv', 'suppressions.csv']) {
    await cp(path.join(repoRoot, name), path.join(dir, name), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
  }
  return dir
}

/** Options of {@link makeOffice}. */
export interface MakeOfficeOptions {
  /** Copy tests/fixtures/office/releases too (default true). */
  readonly withReleases?: boolean
  /** Extra files, path relative to the office → contents. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>
}

/**
 * A small office in a temp dir: tests/fixtures/office/ (config, releases,
 * press list) with the repository's real templates/ and locales/.
 *
 * @param options Whether to copy the fixture releases; extra files.
 * @returns The temp office directory.
 */
export async function makeOffice(options: MakeOfficeOptions = {}): Promise<string> {
  const dir = await tempDir()
  const fixture = path.join(fixturesDir, 'office')
  await cp(path.join(fixture, 'pressroom.yaml'), path.join(dir, 'pressroom.yaml'))
  await cp(path.join(fixture, 'press-list.csv'), path.join(dir, 'press-list.csv'))
  await cp(path.join(repoRoot, 'templates'), path.join(dir, 'templates'), { recursive: true })
  await cp(path.join(repoRoot, 'locales'), path.join(dir, 'locales'), { recursive: true })
  await mkdir(path.join(dir, 'releases'), { recursive: true })
  if (options.withReleases !== false) await cp(path.join(fixture, 'releases'), path.join(dir, 'releases'), { recursive: true })
  for (const [name, contents] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), contents)
  }
  return dir
}

/** Remove every temp office made by this test file. */
export async function removeOffices(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}

/** What a CLI run printed and returned. */
export interface PressRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Run `node bin/press.js …` with a clean PRESS_* environment and no colour.
 *
 * @param args Arguments after `press`.
 * @param env Extra environment (optional).
 * @returns Exit code and output.
 */
export function runPress(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<PressRun> {
  const base: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PRESS_')) base[key] = value
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [pressBin, ...args],
      // PRESS_REHEARSAL off: tests act at fixed future instants for real (see tests/cli/run.ts).
      { env: { ...base, NO_COLOR: '1', PRESS_REHEARSAL: 'off', ...env }, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** `press build --json …` parsed (throws with the output when the JSON is not there). */
export async function buildJson(
  dir: string,
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<{ run: PressRun; report: BuildJson }> {
  const run = await runPress(['build', '-C', dir, '--json', ...args], env)
  try {
    return { run, report: JSON.parse(run.stdout) as BuildJson }
  } catch {
    throw new Error(`press build printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`)
  }
}

/** The parts of `press build --json` the tests read. */
export interface BuildJson {
  readonly ok: boolean
  readonly published: ReadonlyArray<{ slug: string; languages: string[] }>
  readonly held: ReadonlyArray<{ slug: string; reason: string; lift?: string }>
  readonly pages: { rendered: number; reused: number }
  readonly pdfs: { rendered: number; reused: number }
  readonly diagnostics: ReadonlyArray<{ file: string; line: number; column: number; severity: string; message: string; rule: string }>
}

/**
 * Build an office in this process (no CLI start-up): load it, fail on any
 * error, build dist/ for `now`.
 *
 * @param dir The office.
 * @param now ISO instant treated as now.
 * @param pdf Render PDFs (default false).
 * @returns The build report (pages/pdfs rendered and reused, published, held).
 */
export async function buildInProcess(dir: string, now: string, pdf = false): Promise<BuildReport> {
  const { loadOffice } = await import('../../src/office.js')
  const { buildSite } = await import('../../src/site/build-site.js')
  const { office, messages } = await loadOffice(dir, { env: {} })
  const errors = messages.filter((m) => m.fatal).map(String)
  if (!office || errors.length > 0) throw new Error(`the office has errors:\n${errors.join('\n')}`)
  return buildSite(office, { now: Date.parse(now), pdf }, { env: process.env })
}

/**
 * Every file under `dir`, relative paths with `/`, sorted.
 *
 * @param dir A directory (missing → empty list).
 */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (rel: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) await walk(child)
      else out.push(child)
    }
  }
  await walk('')
  return out.sort()
}

/**
 * A SHA-256 of every file under `dir`, keyed by relative path.
 *
 * @param dir A directory.
 */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const file of await listFiles(dir)) {
    out[file] = createHash('sha256')
      .update(await readFile(path.join(dir, file)))
      .digest('hex')
  }
  return out
}

/** Replace content hashes in asset names (`site.a288a2fd.css` → `site.HASH.css`) so CSS edits don't churn HTML goldens. */
export function normalizeAssetHashes(html: string): string {
  return html.replace(/(assets\/[^"')\s]*?)\.[0-9a-f]{8}(\.[a-z0-9]+)?(?=["')\s])/g, '$1.HASH$2')
}
