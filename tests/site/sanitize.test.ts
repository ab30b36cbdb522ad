/**
 * Sanitization end to end: raw HTML in a release body (script, event
 * handler, javascript: URL, iframe) never reaches dist/, and each removal is
 * a warning at the file line where it was written.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { buildJson, listFiles, makeOffice, removeOffices } from '../helpers/office.js'

afterAll(removeOffices)

const slug = '2031-03-20-unsafe-body'
// Line numbers in the file: the body starts on line 7.
const en = [
  '---', //                                                     1
  'title: A Release With Hostile HTML', //                     2
  'date: 2031-03-20', //                                       3
  'status: ready', //                                          4
  '---', //                                                    5
  '', //                                                       6
  'Intro paragraph <script>pwnedInline()</script> here.', //  7 (also the feed summary)
  '', //                                                       8
  '<script>document.title = "pwned-script"</script>', //      9
  '', //                                                      10
  '<a href="https://example.org" onclick="pwnedClick()">Report</a>', // 11
  '', //                                                      12
  '[Click](javascript:pwnedLink())', //                       13
  '', //                                                      14
  '<iframe src="https://evil.example/pwned-frame"></iframe>', // 15
  '', //                                                      16
  'Closing paragraph with <b>bold</b>.', //                   17
  '',
].join('\n')

describe('sanitized bodies', () => {
  test('no script, handler, javascript: URL or iframe anywhere in dist/; warnings point at the lines', async () => {
    const dir = await makeOffice({ files: { [`releases/${slug}/en.md`]: en } })
    const { run, report } = await buildJson(dir, ['--no-pdf', '--now', '2031-04-01T00:00:00Z'])
    expect(run.code).toBe(0)
    const file = `releases/${slug}/en.md`
    const warnings = report.diagnostics
      .filter((d) => d.rule === 'unsafe-html')
      .map((d) => `${d.file}:${d.line}: ${d.severity}: ${d.message.split(':')[0]}`)
    expect(warnings).toEqual([
      `${file}:7: warning: removed <script>`,
      `${file}:9: warning: removed <script>`,
      `${file}:11: warning: removed the onclick handler on <a>`,
      `${file}:13: warning: removed a javascript`,
      `${file}:15: warning: removed <iframe>`,
    ])
    // The CLI prints them compiler style too.
    expect(run.stderr).toMatch(new RegExp(`${file}:9:1: warning: removed <script>`))
    const dist = path.join(dir, 'dist')
    const page = await readFile(path.join(dist, 'en', slug, 'index.html'), 'utf8')
    expect(page).toContain('<p>Intro paragraph  here.</p>')
    expect(await readFile(path.join(dist, 'en', 'feed.xml'), 'utf8')).toContain(
      '<summary type="html"><![CDATA[Intro paragraph here.]]></summary>',
    )
    expect(page).toContain('<a href="https://example.org">Report</a>')
    expect(page).toContain('<b>bold</b>')
    for (const name of await listFiles(dist)) {
      if (!/\.(html|xml|css)$/.test(name)) continue
      const text = await readFile(path.join(dist, name), 'utf8')
      expect(text, name).not.toMatch(/<script|<iframe|\bonclick=|javascript:|pwned/i)
    }
  })
})
