/** `press check`: validate everything; exit 1 when anything is an error. */
import { checkOffice } from '../../check.js'
import { diagnosticJson, hasErrors } from '../../diagnostics.js'
import { commandNow, openOffice } from '../context.js'
import type { Reporter } from '../io.js'

/** Run `press check`; returns the exit code. */
export async function runCheck(reporter: Reporter): Promise<number> {
  const now = commandNow(reporter)
  const { office, messages } = await openOffice(reporter)
  const report = office ? await checkOffice(office, now) : { messages: [], releases: 0, recipients: 0 }
  const all = [...messages, ...report.messages]
  const errors = all.filter((m) => m.fatal === true).length
  const warnings = all.filter((m) => m.fatal === false).length
  if (reporter.flags.json) {
    reporter.json({ ok: errors === 0, errors, warnings, releases: report.releases, recipients: report.recipients, diagnostics: all.map(diagnosticJson) })
  } else {
    reporter.diagnostics(all)
    const summary = `${report.releases} release${report.releases === 1 ? '' : 's'}, ${report.recipients} recipient${report.recipients === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`
    reporter.line(errors > 0 ? `${reporter.paint('red', '✖')} ${summary}` : `${reporter.paint('green', '✔')} ${summary}`)
  }
  return hasErrors(all) ? 1 : 0
}
