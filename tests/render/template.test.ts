import { cp, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { TemplateError, loadTemplates } from '../../src/render/template.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

test('rendering a template whose file is gone is a coded TemplateError that says how to fix it', async () => {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'pressroom-templates-')), 'templates')
  await cp(path.join(repoRoot, 'templates'), dir, { recursive: true })
  await rm(path.join(dir, 'email.liquid'))
  const templates = await loadTemplates(dir)
  let caught: unknown
  try {
    templates.render('email', {}, { t: () => '' } as never)
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(TemplateError)
  expect(caught).toMatchObject({ code: 'PRESS_TEMPLATE', message: 'templates/email.liquid is missing; restore it from the sample office' })
})
