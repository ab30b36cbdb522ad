/**
 * What the preview server adds to the pages it serves (pure): the live-reload
 * script, the "Preview" bar with the dashboard link, the embargo or draft
 * banner, and the error overlay. Only the preview adds these: the public
 * templates stay script-free.
 */
import { escapeHtml } from '../render/escape-html.js'
import { relativeTime } from './relative-time.js'
import type { ListingMark, PageMark } from './site.js'

/** URL of the server-sent events stream. */
export const eventsPath = '/__press/events'
/** URL of the office dashboard. */
export const dashboardPath = '/__press/'

/** What to add to one page. */
export interface Injection {
  /** Build version the page was served from; the script reloads when the server's differs. */
  readonly version: string
  /** The instant "in 3 days" is counted from. */
  readonly now: number
  /** The release page's state, for the banner (optional). */
  readonly mark?: PageMark
  /** Diagnostics to show in the overlay, one line each (empty: no overlay). */
  readonly errors: readonly string[]
  /** What the overlay says about the page beneath it (optional). */
  readonly overlayNote?: string
  /** Leave out the floating bar (the dashboard has its own header). */
  readonly bar?: boolean
  /** Releases to badge wherever the page links them (listings: indexes, the chooser). */
  readonly listing?: ReadonlyMap<string, ListingMark>
}

/**
 * Add the preview's elements to an HTML document: banner and overlay right
 * after `<body>`, the bar and the reload script before `</body>`.
 *
 * @param html A complete HTML document.
 * @param injection What to add.
 * @returns The document with the additions.
 */
export function injectPreview(html: string, injection: Injection): string {
  if (injection.listing && injection.listing.size > 0) html = markListings(html, injection.listing)
  const top = [
    injection.mark ? banner(injection.mark, injection.now) : '',
    injection.errors.length > 0 ? overlay(injection.errors, injection.overlayNote) : '',
  ].join('')
  const bottom = [injection.bar === false ? '' : bar(injection.mark), reloadScript(injection.version)].join('')
  const bodyOpen = /<body\b[^>]*>/i.exec(html)
  let out = bodyOpen
    ? `${html.slice(0, bodyOpen.index + bodyOpen[0].length)}\n${top}${html.slice(bodyOpen.index + bodyOpen[0].length)}`
    : `${top}${html}`
  const bodyClose = out.toLowerCase().lastIndexOf('</body>')
  out = bodyClose === -1 ? `${out}${bottom}` : `${out.slice(0, bodyClose)}${bottom}\n${out.slice(bodyClose)}`
  const headClose = out.toLowerCase().indexOf('</head>')
  return headClose === -1 ? `${styles}${out}` : `${out.slice(0, headClose)}${styles}\n${out.slice(headClose)}`
}

/**
 * A whole page for when there is nothing else to show (the office has
 * never loaded, or the path is not in the site), with the overlay and the
 * reload script, so fixing the file brings the page back by itself.
 *
 * @param title The page's title.
 * @param message A sentence under the title (plain text).
 * @param injection Version, errors and clock.
 * @returns An HTML document.
 */
export function previewMessagePage(title: string, message: string, injection: Injection): string {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Pressroom preview</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;margin:0;padding:3rem 1.5rem;color:#1d2327;background:#f6f7f7">
<main style="max-width:40rem;margin:0 auto"><h1 style="font-size:1.5rem">${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p><a href="${dashboardPath}">Office dashboard</a> · <a href="/">Site root</a></p></main>
</body>
</html>`
  return injectPreview(html, injection)
}

/**
 * After every link to a release that is not public (a draft, or under
 * embargo), a badge that says so, with the lift time: `<a href="…/slug/">…</a>`
 * + `<span class="__press-badge …">Embargoed until 09:00 EDT, 10 June 2031 …</span>`.
 * Works on any template's markup: links are recognised by the release folder
 * their address ends in.
 *
 * @param html A page that lists releases.
 * @param listing Marks by slug.
 * @returns The page with badges.
 */
export function markListings(html: string, listing: ReadonlyMap<string, ListingMark>): string {
  return html.replace(/<a\b[^>]*?\bhref="([^"]*)"[^>]*>[\s\S]*?<\/a>/gi, (anchor: string, href: string) => {
    const address = href.replace(/[?#].*$/, '')
    const slug = /(?:^|\/)([a-z0-9]+(?:-[a-z0-9]+)*)\/(?:index\.html)?$/.exec(address)?.[1]
    const mark = slug === undefined ? undefined : listing.get(slug)
    return mark ? `${anchor}${badge(mark)}` : anchor
  })
}

function badge(mark: ListingMark): string {
  const lift = mark.underEmbargo && mark.liftText ? `Embargoed until ${escapeHtml(mark.liftText)}` : ''
  const text = mark.state === 'draft' ? `Draft${lift ? ` · ${lift}` : ''}` : lift || 'Embargoed'
  return ` <span class="__press-badge __press-badge-${mark.state}" data-press-badge>${text}</span>`
}

/**
 * The script every preview page gets: when the build version changes, fetch
 * this page again and put its new `<body>` in place of the old one. The
 * `<head>` stays, so stylesheets and fonts are not fetched or laid out again
 * and the scroll position is kept; the page is painted with the change in
 * one frame. When the new page's stylesheets differ (a template or CSS
 * edit), or anything fails, it reloads the whole page instead.
 */
export function reloadScript(version: string): string {
  // The server sends its version on connect and after every reload, so an
  // edit made between serving the page and connecting is not missed, and a
  // restarted server (new boot id) refreshes the page too. Scripts in the
  // fetched body are not run (DOMParser documents never run scripts), so
  // this one, and its events stream, live on.
  return `<script id="__press-reload">(function(){var v=${JSON.stringify(version)};if(!window.EventSource)return;var s=new EventSource(${JSON.stringify(eventsPath)}),busy=false,again=false;function full(){s.close();location.reload()}function sheets(d){return Array.prototype.map.call(d.querySelectorAll('link[rel~="stylesheet"],head style:not(#__press-style)'),function(e){return e.outerHTML}).join('')}function swap(){if(busy){again=true;return}busy=true;fetch(location.href,{cache:'no-store'}).then(function(r){return r.text()}).then(function(html){var d=new DOMParser().parseFromString(html,'text/html');if(!window.DOMParser||!d.body||sheets(d)!==sheets(document))return full();document.title=d.title;document.body.replaceWith(document.adoptNode(d.body));document.dispatchEvent(new CustomEvent('press:patched'));busy=false;if(again){again=false;swap()}}).catch(full)}s.addEventListener('version',function(e){if(e.data!==v){v=e.data;swap()}})})()</script>`
}

function banner(mark: PageMark, now: number): string {
  if (mark.state === 'published') return ''
  const text =
    mark.state === 'embargoed'
      ? `<strong>Embargoed until ${escapeHtml(mark.liftText ?? '')}</strong> (${escapeHtml(relativeTime(mark.lift ?? now, now))}). This preview is for the office: the page is not public and press build leaves it out of dist/ until the lift.`
      : `<strong>Draft</strong>. This release has <code>status: draft</code>: press build does not publish it (set <code>status: ready</code> when it is final).${
          mark.underEmbargo
            ? ` <strong>Embargoed until ${escapeHtml(mark.liftText ?? '')}</strong> (${escapeHtml(relativeTime(mark.lift ?? now, now))}).`
            : ''
        }`
  return `<div id="__press-banner" class="__press-${mark.state}" role="status"><span class="__press-tag">Preview</span> ${text}${mark.pdfUrl ? ` <a href="${escapeHtml(mark.pdfUrl)}" target="_blank">Open the PDF</a>` : ''}</div>`
}

function bar(mark: PageMark | undefined): string {
  const pdf = mark?.pdfUrl ? `<a href="${escapeHtml(mark.pdfUrl)}" target="_blank">PDF</a>` : ''
  return `<nav id="__press-bar" aria-label="Pressroom preview"><span>Preview</span>${pdf}<a href="${dashboardPath}">Office dashboard</a></nav>`
}

function overlay(errors: readonly string[], note: string | undefined): string {
  const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`
  return `<div id="__press-overlay" role="alertdialog" aria-modal="true" aria-labelledby="__press-overlay-title"><div class="__press-box">
<h2 id="__press-overlay-title">The office has ${count}</h2>
<pre>${errors.map((line) => escapeHtml(line)).join('\n')}</pre>
<p>${escapeHtml(note ?? 'Fix the file and save it: this page reloads by itself.')}</p>
</div></div>`
}

const styles = `<style id="__press-style">
#__press-banner{position:sticky;top:0;z-index:2147483000;margin:0;padding:.75rem 1rem;font:600 15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#fff;background:#b32d2e;border-bottom:4px solid #7a1c1d;box-shadow:0 2px 8px rgba(0,0,0,.25)}
#__press-banner.__press-draft{background:#5c4b00;border-bottom-color:#3a3000}
#__press-banner a{color:#fff;text-decoration:underline;margin-left:.5rem}
#__press-banner code{font:inherit;background:rgba(255,255,255,.18);padding:0 .25em;border-radius:3px}
#__press-banner .__press-tag{display:inline-block;margin-right:.5rem;padding:0 .5em;border:1px solid currentColor;border-radius:3px;font-size:12px;letter-spacing:.08em;text-transform:uppercase}
#__press-bar{position:fixed;right:12px;bottom:12px;z-index:2147483000;display:flex;gap:.75rem;align-items:center;padding:.4rem .75rem;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#fff;background:rgba(29,35,39,.92);border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.3)}
#__press-bar span{font-weight:700;letter-spacing:.06em;text-transform:uppercase;font-size:11px;color:#c3c4c7}
#__press-bar a{color:#fff}
.__press-badge{display:inline-block;margin:.15rem 0 .15rem .4rem;padding:.05rem .5rem;border-radius:4px;font:600 12px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;letter-spacing:0;text-transform:none;vertical-align:middle;color:#fff;background:#b32d2e;white-space:normal}
.__press-badge-draft{background:#5c4b00}
#__press-overlay{position:fixed;inset:0;z-index:2147483600;overflow:auto;padding:6vh 1rem;background:rgba(20,20,20,.72);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
#__press-overlay .__press-box{max-width:60rem;margin:0 auto;padding:1.25rem 1.5rem;background:#1d2327;color:#f0f0f1;border-top:6px solid #d63638;border-radius:6px;box-shadow:0 10px 40px rgba(0,0,0,.5)}
#__press-overlay h2{margin:0 0 .75rem;font-size:1.2rem;color:#ff8085}
#__press-overlay pre{margin:0;padding:.75rem;overflow:auto;white-space:pre-wrap;word-break:break-word;background:#101517;border-radius:4px;font:13px/1.55 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#ffd7d7}
#__press-overlay p{margin:.75rem 0 0;color:#c3c4c7}
</style>`
