/**
 * The build manifest, `.press/build-manifest.json`: the key each file of an
 * output folder was written with. A rehearsal or a staged build keeps its
 * own beside its folder.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'

/** `.press/build-manifest.json`: the key each file in dist/ was written with. */
export interface Manifest {
  readonly version: 1
  readonly files: Record<string, string>
}

/** Its file name in .press/. */
const manifestName = 'build-manifest.json'

/**
 * The manifest file of dist/.
 *
 * @param stateDir Absolute .press/ path.
 * @returns `<stateDir>/build-manifest.json`.
 */
export function manifestPathOf(stateDir: string): string {
  return path.join(stateDir, manifestName)
}

/**
 * The last build's manifest; empty when there is none or it cannot be read.
 *
 * @param stateDir Absolute .press/ path.
 * @param file The manifest file (optional; default dist/'s, `<stateDir>/build-manifest.json`).
 * @returns The manifest.
 */
export async function readManifest(stateDir: string, file: string = manifestPathOf(stateDir)): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Manifest
    return parsed.version === 1 && parsed.files ? parsed : { version: 1, files: {} }
  } catch {
    return { version: 1, files: {} }
  }
}
