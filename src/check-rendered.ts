/**
 * The checks of what a build prints, shared by `press check` and
 * `press build` (which stops on an error, writing nothing): catalog parity,
 * the keys templates print, the keys the embargo notice's lift time is
 * worded with, and each release's boilerplate key.
 */
import type { VFileMessage } from 'vfile-message'
import { displayPath } from './config.js'
import { diagnostic } from './diagnostics.js'
import { checkCatalogs, flattenCatalog } from './i18n/catalogs.js'
import { checkLiftWording } from './i18n/check-lift-wording.js'
import { checkTemplateKeys, templateKeyUses } from './i18n/template-keys.js'
import type { Office } from './office.js'
import { typographyRuleNames } from './render/typography.js'
import { didYouMeanSuffix } from './did-you-mean.js'

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
    ...checkTemplateKeys(
      templateKeyUses(templates.sources, displayPath(config, config.paths.templates) || 'templates'),
      catalogs,
      config.locales,
    ),
    ...checkLiftWording(catalogs, config.locales, displayPath(config, config.paths.locales) || 'locales'),
  ]
  if (config.typography.disable.length > 0) {
    const names = typographyRuleNames()
    for (const rule of config.typography.disable) {
      const pattern = new RegExp(`^${rule.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
      if (!names.some((name) => pattern.test(name))) {
        messages.push(
          diagnostic(
            'pressroom.yaml',
            undefined,
            'error',
            `typography.disable: no Typograf rule \`${rule}\`${didYouMeanSuffix(rule, names)}; rules are named like \`common/nbsp/afterShortWord\` or \`ru/dash/*\``,
            'typography-rule',
            'press:config',
          ),
        )
      }
    }
  }
  const shownLocales = displayPath(config, config.paths.locales) || 'locales'
  const reported = new Set<string>()
  for (const release of office.releases) {
    for (const lng of Object.keys(release.texts)) {
      const tree = catalogs.resources[lng]?.['boilerplate']
      if (tree && flattenCatalog(tree).has(release.boilerplate)) continue
      if (reported.has(`${lng} ${release.boilerplate}`)) continue
      reported.add(`${lng} ${release.boilerplate}`)
      messages.push(
        diagnostic(
          release.texts[release.source]!.path,
          undefined,
          'error',
          `boilerplate \`${release.boilerplate}\` is not in ${shownLocales}/${lng}/boilerplate.json; add it there or name another key with \`boilerplate:\``,
          'boilerplate-missing',
          'press:i18n',
        ),
      )
    }
  }
  // Tags print in the page's language from locales/<lng>/tags.json; a tag
  // without a label there prints as written (in the source language).
  for (const release of office.releases) {
    for (const [lng, text] of Object.entries(release.texts)) {
      if (lng === release.source) continue
      const labels = catalogs.resources[lng]?.['tags']
      const missing = release.tags.filter((tag) => !(labels && typeof labels[tag] === 'string'))
      if (missing.length > 0) {
        messages.push(
          diagnostic(
            text.path,
            undefined,
            'warning',
            `tag${missing.length > 1 ? 's' : ''} ${missing.map((t) => `\`${t}\``).join(', ')} ha${missing.length > 1 ? 've' : 's'} no ${lng} label; add ${missing.length > 1 ? 'them' : 'it'} to ${shownLocales}/${lng}/tags.json`,
            'tag-untranslated',
            'press:i18n',
          ),
        )
      }
    }
  }
  return messages
}
