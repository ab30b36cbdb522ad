/**
 * A render worker: loads the office's templates and catalogs once, then
 * renders release pages (Markdown + page template) sent by render-pool.ts
 * with the very code the main thread uses (renderReleasePage).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createTranslator } from '../i18n/localize.js'
import { loadTemplates, type Templates } from '../render/template.js'
import { renderReleasePage } from './build.js'
import { slot, type RenderTask, type WorkerInit, type WorkerMessage } from './render-protocol.js'

const init = workerData as WorkerInit
const slots = new Int32Array(init.slots)
const { config, port } = init
const translator = createTranslator({ resources: init.resources, places: new Map(), hash: '' }, config.locales, config.defaultLocale)

const post = (message: WorkerMessage): void => port.postMessage(message)
const finish = (id: number, message: WorkerMessage): void => {
  // Post first, then mark the slot: a main thread blocked on the slot finds the message queued.
  post(message)
  Atomics.store(slots, id, slot.done)
  Atomics.notify(slots, id)
}

let templates: Templates | undefined
let refusal: string | undefined
try {
  templates = await loadTemplates(config.paths.templates)
  if (templates.hash !== init.templatesHash) refusal = 'the templates changed while the build was running'
} catch (error) {
  refusal = error instanceof Error ? error.message : String(error)
}

parentPort!.on('message', (task: RenderTask) => {
  if (!templates || refusal !== undefined) return finish(task.id, { type: 'failed', id: task.id, reason: refusal ?? 'no templates' })
  try {
    const rendered = renderReleasePage(task.page, { config, templates, t: translator.forLng(task.page.lng) })
    finish(task.id, { type: 'page', id: task.id, rendered })
  } catch (error) {
    finish(task.id, { type: 'failed', id: task.id, reason: error instanceof Error ? error.message : String(error) })
  }
})
post({ type: 'ready' })
