/**
 * The PDF cache shared by builds, the preview and distribution:
 * `.press/cache/pdf/<key>.pdf`, one file per key.
 */
import path from 'node:path'
import { hashOf } from '../hash.js'
import type { Config } from '../config.js'
import type { Release } from '../types.js'
import { rendererVersion } from './renderer-version.js'

/**
 * Where rendered PDFs are kept by {@link pdfCacheKey}.
 *
 * @param stateDir The office's state folder (`.press/`).
 * @returns `<state>/cache/pdf/`.
 */
export function pdfCacheDir(stateDir: string): string {
  return path.join(stateDir, 'cache', 'pdf')
}

/**
 * The cache key of a release's PDF in one language: everything that affects
 * the print output (release files, catalogs, templates, config, variant).
 *
 * @param office The office.
 * @param release The release.
 * @param lng The language of the PDF.
 * @param embargoed Whether it carries the embargo notice.
 * @returns The key (a hex hash).
 */
export function pdfCacheKey(
  office: { readonly config: Config; readonly catalogs: { readonly hash: string }; readonly templates: { readonly hash: string } },
  release: Release,
  lng: string,
  embargoed: boolean,
): string {
  const { config, catalogs, templates } = office
  const base = hashOf(rendererVersion, config.renderHash, catalogs.hash, templates.hash, 'pdf')
  return hashOf(hashOf(base, release.inputHash, lng), 'pdf', config.pdf.format, embargoed ? 'embargoed' : 'public')
}
