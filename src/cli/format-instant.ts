/**
 * How the CLI states an instant in a report: in the release's zone (its
 * embargo's), else the office's (`embargo.zones`), with UTC beside it —
 * `2031-06-10 09:00 EDT (13:00 UTC)`. `--json` keeps ISO 8601.
 */
import { formatInstant, reportZone } from '../embargo/format-instant.js'
import type { Office } from '../office.js'

/**
 * A formatter for the instants of one report.
 *
 * @param office The loaded office.
 * @param slug The release the report is about (optional; default: the office's zone).
 * @returns `(ms) => text`.
 */
export function instantFormatter(office: Office, slug?: string): (ms: number) => string {
  const release = slug === undefined ? undefined : office.releases.find((r) => r.slug === slug)
  const zone = reportZone(office.config.embargo.zones, release?.embargo)
  return (ms) => formatInstant(ms, zone)
}
