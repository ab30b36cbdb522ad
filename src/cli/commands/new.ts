/** `press new <slug>`: scaffold a release. */
import { scaffoldDate, scaffoldRelease } from '../../release/scaffold.js'
import { failOnContentErrors, openOffice } from '../context.js'
import type { Reporter } from '../io.js'

/** Run `press new`; returns the exit code. */
export async function runNew(reporter: Reporter, slug: string, title: string): Promise<number> {
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'no release was created')
  const today = new Date().toISOString().slice(0, 10)
  // A slug that starts with a date (`2031-03-14-water-report`) says the release date.
  const created = await scaffoldRelease(office.config, slug, { title, date: scaffoldDate(slug, today) })
  if (reporter.flags.json) reporter.json({ ok: true, slug, files: created })
  else {
    for (const file of created) reporter.line(`${reporter.paint('green', 'created')} ${file}`)
    reporter.line(`Edit the files, set \`status: ready\` in ${office.config.defaultLocale}.md, then run \`press build\`.`)
  }
  return 0
}
