/**
 * The office dashboard of the preview (pure HTML, inline CSS, no script of
 * its own): releases × languages with publication and translation state,
 * the upcoming lifts on a timeline, distribution counts when known, and the
 * office's diagnostics.
 */
import type { Office } from '../office.js'
import { isUnderEmbargo } from '../embargo/policy.js'
import { formatInstant, reportZone } from '../embargo/format-instant.js'
import { toolWords } from '../embargo/lift-wording.js'
import { formatDate, formatLift } from '../embargo/time.js'
import { htmlDocument } from '../render/html-document.js'
import { escapeHtml } from '../render/escape-html.js'
import { translationStates, type TranslationState } from '../release/translation-status.js'
import type { Release } from '../types.js'
import { relativeTime } from './relative-time.js'

/** Sent / queued / failed messages of one release. */
export interface DistributionCounts {
  readonly sent: number
  readonly queued: number
  readonly failed: number
}

/** Distribution counts by release slug. */
export type DistributionStatus = Readonly<Record<string, DistributionCounts>>

/** Everything the dashboard shows. */
export interface DashboardInput {
  /** The office as last loaded without errors (undefined when it never loaded). */
  readonly office?: Office
  /** The instant states and relative times are judged at. */
  readonly now: number
  /** Current errors, one formatted diagnostic a line. */
  readonly errors: readonly string[]
  /** Current warnings, one formatted diagnostic a line. */
  readonly warnings: readonly string[]
  /** Counts by slug, or why they are unavailable; absent when distribution is not wired. */
  readonly distribution?: DistributionStatus | { readonly error: string }
}

/**
 * Render the dashboard page.
 *
 * @param input The office, clock, diagnostics and distribution counts.
 * @returns A complete HTML document.
 */
export function renderDashboard(input: DashboardInput): string {
  const { office, now } = input
  const title = office ? `${office.config.organisation.name} · Office dashboard` : 'Office dashboard'
  const sections: string[] = []
  if (office) {
    sections.push(matrix(office, now, input.distribution))
    sections.push(timeline(office, now))
  } else {
    sections.push('<section><p class="empty">The office has not loaded yet: fix the errors below and save.</p></section>')
  }
  sections.push(diagnostics(input.errors, input.warnings))
  return htmlDocument({
    lang: 'en',
    title,
    style: css,
    body: `<header class="top"><div class="wrap">
<p class="eyebrow">Pressroom preview</p>
<h1>${escapeHtml(title)}</h1>
<p class="meta">As of ${escapeHtml(formatInstant(now, office ? reportZone(office.config.embargo.zones) : undefined))} · <a href="/">Site</a>${office ? office.config.locales.map((lng) => ` · <a href="/${escapeHtml(lng)}/">${escapeHtml(lng)} newsroom</a>`).join('') : ''}</p>
</div></header>
<main class="wrap">
${sections.join('\n')}
</main>`,
  })
}

type PublicationState = { readonly state: 'published' | 'embargoed' | 'draft'; readonly text: string }

function publicationOf(release: Release, now: number): PublicationState {
  const embargoed = isUnderEmbargo(release, now)
  const lift = (): string => formatInstant(release.embargo!.lift, release.embargo!.zone)
  if (release.status === 'draft') return { state: 'draft', text: embargoed ? `Draft (embargo ${lift()})` : 'Draft' }
  if (embargoed) return { state: 'embargoed', text: `Embargoed until ${lift()}` }
  return { state: 'published', text: 'Published' }
}

const translationLabels: Record<TranslationState['state'], string> = {
  source: 'source',
  'up-to-date': 'up to date',
  stale: 'stale',
  unrecorded: 'no source_hash',
  draft: 'draft translation',
  missing: 'missing',
}

function matrix(office: Office, now: number, distribution: DashboardInput['distribution']): string {
  const { config } = office
  const releases = office.releases
  if (releases.length === 0)
    return '<section><h2>Releases</h2><p class="empty">No releases yet. Create one with <code>press new &lt;slug&gt;</code>.</p></section>'
  const withCounts = distribution !== undefined
  const counts = distribution && !('error' in distribution) ? (distribution as DistributionStatus) : undefined
  const head = `<tr><th scope="col">Release</th><th scope="col">Status</th>${config.locales.map((lng) => `<th scope="col">${escapeHtml(lng)}</th>`).join('')}${withCounts ? '<th scope="col">Distribution</th>' : ''}</tr>`
  const rows = releases.map((release) => {
    const source = release.texts[release.source]!
    const publication = publicationOf(release, now)
    const cells = translationStates(release, config.locales).map((state) => {
      const translation = `<span class="pill t-${state.state}">${escapeHtml(translationLabels[state.state])}</span>`
      if (state.state === 'missing') {
        return `<td class="cell missing" data-label="${escapeHtml(state.lng)}">${translation}<span class="note">shows ${escapeHtml(release.source)}</span></td>`
      }
      const page = `/${state.lng}/${release.slug}/`
      const pdf = `${page}${release.slug}.${state.lng}.pdf`
      const publicationPill = `<span class="pill p-${publication.state}">${escapeHtml(publication.state)}</span>`
      return `<td class="cell" data-label="${escapeHtml(state.lng)}">${publicationPill}${translation}<span class="links"><a href="${escapeHtml(page)}">page</a> · <a href="${escapeHtml(pdf)}" target="_blank">PDF</a></span></td>`
    })
    const lift = release.embargo
      ? `<span class="note">lift ${escapeHtml(formatLift(release.embargo, 'en', config.embargo.zones, toolWords))}</span>`
      : ''
    let dist = ''
    if (withCounts) {
      const c = counts?.[release.slug]
      dist = c
        ? `<td class="num" data-label="Distribution"><span class="count ok">${c.sent} sent</span> <span class="count">${c.queued} queued</span> <span class="count${c.failed > 0 ? ' bad' : ''}">${c.failed} failed</span></td>`
        : `<td class="num" data-label="Distribution"><span class="note">${counts ? 'not sent' : 'unavailable'}</span></td>`
    }
    return `<tr class="row-${publication.state}"><th scope="row"><a class="title" href="/${escapeHtml(release.source)}/${escapeHtml(release.slug)}/">${escapeHtml(source.title)}</a><span class="slug">${escapeHtml(release.slug)} · ${escapeHtml(formatDate(release.date, 'en'))}</span></th><td data-label="Status"><span class="status s-${publication.state}">${escapeHtml(publication.text)}</span>${lift}</td>${cells.join('')}${dist}</tr>`
  })
  const unavailable =
    distribution && 'error' in distribution
      ? `<p class="note">Distribution status unavailable: ${escapeHtml(String(distribution.error))}</p>`
      : ''
  return `<section>
<h2>Releases <span class="count-total">${releases.length}</span></h2>
<div class="table"><table>
<thead>${head}</thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
<p class="legend">Status: <span class="pill p-published">published</span> on the public site at the next build · <span class="pill p-embargoed">embargoed</span> held back until the lift · <span class="pill p-draft">draft</span> never published. Translation: <span class="pill t-up-to-date">up to date</span> <span class="pill t-stale">stale</span> (the source changed since) <span class="pill t-missing">missing</span>.</p>
${unavailable}
</section>`
}

function timeline(office: Office, now: number): string {
  const upcoming = office.releases
    .filter((release) => release.embargo !== undefined && release.embargo.lift > now)
    .sort((a, b) => a.embargo!.lift - b.embargo!.lift || a.slug.localeCompare(b.slug))
  const items = upcoming.map((release) => {
    const embargo = release.embargo!
    const draft = release.status === 'draft' ? ' <span class="pill p-draft">draft</span>' : ''
    return `<li><span class="when">${escapeHtml(relativeTime(embargo.lift, now))}</span><span class="lift">${escapeHtml(formatLift(embargo, 'en', office.config.embargo.zones, toolWords))}</span><a href="/${escapeHtml(release.source)}/${escapeHtml(release.slug)}/">${escapeHtml(release.texts[release.source]!.title)}</a>${draft}</li>`
  })
  return `<section>
<h2>Upcoming lifts</h2>
${items.length === 0 ? '<p class="empty">No embargo is waiting to lift.</p>' : `<ol class="timeline"><li class="now"><span class="when">now</span><span class="lift">${escapeHtml(formatInstant(now, reportZone(office.config.embargo.zones)))}</span></li>${items.join('')}</ol>`}
</section>`
}

function diagnostics(errors: readonly string[], warnings: readonly string[]): string {
  if (errors.length === 0 && warnings.length === 0)
    return '<section><h2>Diagnostics</h2><p class="empty">No errors or warnings.</p></section>'
  const list = (lines: readonly string[], kind: string) =>
    lines.length === 0 ? '' : `<pre class="diag ${kind}">${lines.map((line) => escapeHtml(line)).join('\n')}</pre>`
  return `<section><h2>Diagnostics</h2>${list(errors, 'errors')}${list(warnings, 'warnings')}</section>`
}

const css = `
:root{--ink:#1d2327;--muted:#646970;--line:#dcdcde;--bg:#f6f7f7;--pub:#00733b;--emb:#b32d2e;--draft:#8a6d00;--stale:#b35c00}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:#135e96}
.wrap{max-width:72rem;margin:0 auto;padding:0 1.25rem}
.top{background:var(--ink);color:#fff;padding:1.25rem 0 1rem;margin-bottom:1.5rem}
.top a{color:#c5d9ed}
.top h1{margin:.1rem 0 .25rem;font-size:1.5rem}
.eyebrow{margin:0;font-size:.75rem;letter-spacing:.1em;text-transform:uppercase;color:#c3c4c7}
.meta{margin:0;color:#c3c4c7;font-size:.9rem}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;margin-bottom:1.5rem}
h2{margin:0 0 .75rem;font-size:1.1rem}
.count-total{font-weight:400;color:var(--muted)}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.6rem .5rem;border-top:1px solid var(--line)}
thead th{border-top:0;font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
th[scope=row]{font-weight:400;max-width:26rem}
.title{display:block;font-weight:600;text-decoration:none;color:var(--ink)}
.title:hover{text-decoration:underline}
.slug,.note{display:block;font-size:.8rem;color:var(--muted)}
.status{font-weight:600}
.s-published{color:var(--pub)}.s-embargoed{color:var(--emb)}.s-draft{color:var(--draft)}
.pill{display:inline-block;margin:0 .25rem .25rem 0;padding:0 .45em;border-radius:999px;font-size:.75rem;font-weight:600;border:1px solid currentColor;white-space:nowrap}
.p-published,.t-up-to-date,.t-source{color:var(--pub)}
.p-embargoed,.t-missing{color:var(--emb)}
.p-draft,.t-unrecorded{color:var(--draft)}
.t-stale{color:var(--stale);background:#fff4e5}
.cell .links{display:block;font-size:.8rem}
.cell.missing{background:#fcf0f1}
.num{white-space:nowrap;font-size:.85rem}
.count{display:inline-block;margin-right:.4rem}
.count.ok{color:var(--pub)}.count.bad{color:var(--emb);font-weight:700}
.legend{font-size:.8rem;color:var(--muted);margin:.75rem 0 0}
.empty{color:var(--muted);margin:0}
.timeline{list-style:none;margin:0;padding:0 0 0 1.25rem;border-left:3px solid var(--line)}
.timeline li{position:relative;margin:0 0 .9rem;padding-left:.75rem}
.timeline li::before{content:"";position:absolute;left:-1.75rem;top:.35rem;width:.8rem;height:.8rem;border-radius:50%;background:var(--emb);border:2px solid #fff}
.timeline li.now::before{background:var(--ink)}
.timeline .when{display:inline-block;min-width:7rem;font-weight:700}
.timeline .lift{display:block;font-size:.85rem;color:var(--muted)}
.diag{margin:0 0 .75rem;padding:.75rem;border-radius:4px;overflow:auto;white-space:pre-wrap;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.diag.errors{background:#fcf0f1;color:#8a2424}
.diag.warnings{background:#fcf9e8;color:#614a00}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.slug{overflow-wrap:anywhere}
/* A phone (390 px): each release becomes a card, each language a labelled
   line in it, so no column is off-screen and nothing scrolls sideways. */
@media (max-width:44rem){
.wrap{padding:0 .75rem}
.top h1{font-size:1.25rem}
section{padding:.85rem .9rem}
.table{overflow-x:visible}
table,thead,tbody,tr,th,td{display:block;width:auto}
thead{display:none}
tbody tr{border-top:1px solid var(--line);padding:.5rem 0}
tbody tr:first-child{border-top:0}
th,td{border-top:0;padding:.2rem 0}
th[scope=row]{max-width:none}
td[data-label]::before{content:attr(data-label);display:inline-block;min-width:6.5rem;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.cell .links{display:inline;margin-left:.25rem}
.num{white-space:normal}
.timeline .when{min-width:0;margin-right:.5rem}
}
`
