/**
 * The unit of a site plan: one file of dist/, its key (what it depends on)
 * and how to make it. Types only; the planners (plan-site.ts,
 * plan-listings.ts) produce them and write.ts consumes them.
 */
import type { PdfJob } from '../render/pdf.js'

/** An output file: its path in dist/, a key, and how to make it. */
export type PlannedOutput =
  | { readonly kind: 'copy'; readonly path: string; readonly key: string; readonly from: string }
  | {
      readonly kind: 'text'
      readonly path: string
      readonly key: string
      readonly group: OutputGroup
      readonly produce: () => string
      readonly keep?: boolean
    }
  | {
      readonly kind: 'pdf'
      readonly path: string
      readonly key: string
      readonly job: () => PdfJob
      readonly release: string
      readonly keep?: boolean
      /** Where a URL the PDF refused to load is written in the release, for the warning. */
      readonly locate?: (url: string) => { line: number; column: number } | undefined
    }

/** What kind of rendered file an output is, for the summary. */
export type OutputGroup = 'page' | 'index' | 'feed' | 'sitemap' | 'chooser' | 'asset'
