/**
 * The HTML of the unsubscribe pages: one small self-contained document (no
 * script, no external asset, inline CSS), in the recipient's language. Pure.
 */
import { htmlDocument } from '../render/html-document.js'
import { escapeHtml } from '../render/escape-html.js'

/** What one page shows. */
export interface PageContent {
  /** `<html lang>`. */
  readonly lng: string
  /** The organisation, as a heading. */
  readonly organisation: string
  readonly title: string
  /** The main sentence. */
  readonly message: string
  /** A button that POSTs the one-click body to `action` (optional). */
  readonly form?: { readonly action: string; readonly label: string }
  /** A line of text followed by a link (optional). */
  readonly link?: { readonly before: string; readonly href: string; readonly label: string }
}

const style = `
:root{color-scheme:light dark;--fg:#1d2430;--bg:#f6f4ef;--card:#fff;--accent:#1f5f8b;--muted:#5b6472}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#14171c;--card:#1e232a;--accent:#7db7e0;--muted:#a4abb6}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:17px/1.5 "PT Sans","Noto Sans","DejaVu Sans",system-ui,sans-serif;padding:24px}
main{background:var(--card);max-width:34rem;width:100%;padding:32px 36px;border-radius:10px;box-shadow:0 2px 14px rgba(0,0,0,.08)}
.org{margin:0 0 4px;font-size:.85rem;letter-spacing:.06em;text-transform:uppercase;color:var(--muted)}
h1{margin:0 0 16px;font:700 1.6rem/1.2 "PT Serif","Noto Serif","DejaVu Serif",Georgia,serif}
p{margin:0 0 20px;overflow-wrap:anywhere}
button{font:inherit;font-weight:700;color:#fff;background:var(--accent);border:0;border-radius:6px;padding:10px 22px;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.aside{margin:24px 0 0;font-size:.92rem;color:var(--muted)}
a{color:var(--accent)}
`

/**
 * Render a page.
 *
 * @param page
 *   Language, texts, optional form and link (all plain text; escaped here).
 * @returns
 *   A complete HTML document.
 */
export function renderPage(page: PageContent): string {
  const form = page.form
    ? `<form method="post" action="${escapeHtml(page.form.action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(page.form.label)}</button></form>`
    : ''
  const link = page.link
    ? `<p class="aside">${escapeHtml(page.link.before)} <a href="${escapeHtml(page.link.href)}">${escapeHtml(page.link.label)}</a></p>`
    : ''
  const body = `<main>
<p class="org">${escapeHtml(page.organisation)}</p>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
${form}${link}
</main>`
  return `${htmlDocument({ lang: page.lng, title: `${page.title} · ${page.organisation}`, style, head: '<meta name="referrer" content="no-referrer">\n', body })}\n`
}

/**
 * Show an address without giving it away to someone looking over a
 * shoulder: `j***@example.com`.
 *
 * @param email
 *   Address.
 * @returns
 *   The masked address.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return '***'
  return `${email.slice(0, 1)}***${email.slice(at)}`
}
