/**
 * The named copies of a release's embargoed PDFs that exist now
 * (`.press/embargoed/<slug>.<lang>.pdf`), for `send` to print: the cache
 * names PDFs by hash, which nobody can find by hand.
 */
import { existsSync } from 'node:fs'
import { displayPath } from '../config.js'
import { embargoedPdfPath } from '../distribute/content.js'
import type { Office } from '../office.js'

/**
 * The embargoed PDFs of a release under embargo at `now`, as paths relative to the office.
 *
 * @param office The loaded office.
 * @param slug The release.
 * @param now The instant treated as now.
 * @returns Paths such as `.press/embargoed/2031-06-10-annual-report-2030.en.pdf` (empty when not under embargo).
 */
export function embargoedPdfs(office: Office, slug: string, now: number): string[] {
  const release = office.releases.find((r) => r.slug === slug)
  if (!release?.embargo || release.embargo.lift <= now) return []
  return Object.keys(release.texts)
    .map((lng) => embargoedPdfPath(office.config.paths.state, slug, lng))
    .filter((file) => existsSync(file))
    .map((file) => displayPath(office.config, file))
}
