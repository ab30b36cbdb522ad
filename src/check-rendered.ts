/**
 * The checks of what a build prints, shared by `press check` and
 * `press build` (which stops on an error, writing nothing): catalog parity,
 * the keys templates print, and each release's boilerplate key.
 */
import type { VFileMessage } from 'vfile-message'
import { displayPath } from './config.js'
import { diagnostic } from './diagnostics.js'
import { checkCatalogs, flattenCatalog } from './i18n/catalogs.js'
import { checkTemplateKeys, templateKeyUses } from './i18n/template-keys.js'
import type { Office } from './office.js'

/**
 * Check the catalogs and templates of an office for what its pages, PDFs and emails print.
 *
 * @param office The loaded office.
 * @returns Messages (errors stop a build).
 */
export function checkRendered(office: Pick<Office, 'config' | 'catalogs' | 'templates' | 'releases'>): VFileMessage[] {
  const { config, catalogs, templates } = office
  const messages = [
    ...checkCatalogs(catalogs, config.locales),
    ...checkTemplateKeys(templateKeyUses(templates.sources, displayPath(config, config.paths.templates) || 'templates'), catalogs, config.locales),
  ]
  const shownLocales = displayPath(config, config.paths.locales) || 'locales'
  const reported = new Set<string>()
  for (const release of office.releases) {
    for (const lng of Object.keys(release.texts)) {
      const tree = catalogs.resources[lng]?.['boilerplate']
      if (tree && flattenCatalog(tree).has(release.boilerplate)) continue
      if (reported.has(`${lng} ${release.boilerplate}`)) continue
      reported.add(`${lng} ${release.boilerplate}`)
      messages.push(
        diagnostic(release.texts[release.source]!.path, undefined, 'error', `boilerplate \`${release.boilerplate}\` is not in ${shownLocales}/${lng}/boilerplate.json; add it there or name another key with \`boilerplate:\``, 'boilerplate-missing', 'press:i18n'),
      )
    }
  }
  return messages
}
