/**
 * Vitest global set-up: CLI tests spawn bin/press.js, which runs the compiled
 * tool in build/, so build/ must hold the code under test. Before any test
 * file runs, the tool is compiled (`tsc`, then scripts/bundle.mjs) when a
 * source is newer than the compiled CLI, or the bundle is missing or older
 * than it; otherwise nothing is done (the check reads only mtimes).
 * scripts/test.sh compiles first, so CI builds once.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** Sources of build/: `tsconfig.json` compiles src/ and bench/; the bundler's script and settings. */
const inputs = ['src', 'bench', 'tsconfig.json', 'scripts/bundle.mjs', 'package.json']

/** What the compile writes last: tsc's CLI entry, then the bundle's. */
const compiledCli = 'build/src/cli/main.js'
const bundledCli = 'build/bundle/press.cjs'

/**
 * The newest modification time under a path, folders included (a deleted or
 * renamed file changes its folder's time).
 */
function newestMtime(target: string): number {
  const stat = statSync(target, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)))
  return newest
}

function mtimeOf(dir: string, file: string): number | undefined {
  return statSync(path.join(dir, file), { throwIfNoEntry: false })?.mtimeMs
}

/**
 * Why build/ must be compiled again, or undefined when it is current.
 *
 * @param dir The repository (optional; default this one).
 * @returns A reason for the log line.
 */
export function staleReason(dir = root): string | undefined {
  const compiled = mtimeOf(dir, compiledCli)
  const bundled = mtimeOf(dir, bundledCli)
  if (compiled === undefined) return `${compiledCli} is missing`
  if (bundled === undefined) return `${bundledCli} is missing`
  if (bundled < compiled) return `${bundledCli} is older than ${compiledCli}`
  const changed = inputs.find((input) => newestMtime(path.join(dir, input)) > compiled)
  return changed === undefined ? undefined : `${changed} changed after the last compile`
}

function run(args: readonly string[]): void {
  try {
    execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string }
    throw new Error(`compiling the tool for the CLI tests failed (node ${args.join(' ')}):\n${failed.stdout ?? ''}${failed.stderr ?? ''}`, {
      cause: error,
    })
  }
}

/** Vitest's global set-up hook: compile build/ when it is stale. */
export default function setup(): void {
  const reason = staleReason()
  if (reason === undefined) return
  const started = performance.now()
  run([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'])
  run(['scripts/bundle.mjs'])
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stderr.write(`build/ compiled for the tests in ${seconds} s (${reason})\n`)
}
