/**
 * What the renderer copies from puppeteer (pinned exactly in package.json):
 * the `Page.printToPDF` parameters that `page.pdf()` sends for our options.
 * The renderer sends them itself over its own CDP session, to get the PDF
 * back in one reply; this test records what puppeteer's own `page.pdf()`
 * sends, on a real Chromium, and fails when the two differ — after a
 * puppeteer upgrade, re-check src/render/print-to-pdf-parameters.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import puppeteer, { type Browser, type CDPSession, type PDFOptions } from 'puppeteer'
import { findChromium } from '../../src/render/find-chromium.js'
import { printToPdfParameters, type PaperFormat } from '../../src/render/print-to-pdf-parameters.js'

const recheck =
  "puppeteer's page.pdf() no longer sends the Page.printToPDF parameters src/render/print-to-pdf-parameters.ts copies " +
  '(puppeteer was upgraded?). Re-check its parsePDFOptions and createPDFStream, update printToPdfParameters to match, ' +
  'run tests/render, and pin the new version exactly in package.json.'

let browser: Browser

beforeAll(async () => {
  browser = await puppeteer.launch({
    executablePath: findChromium(undefined, process.env),
    headless: true,
    pipe: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--host-resolver-rules=MAP * ~NOTFOUND'],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
})

/** The parameters of every Page.printToPDF command puppeteer sends while `run` runs. */
async function recordPrintCommands(session: CDPSession, run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  // Every CDP session of a page is of one class; page.pdf() sends through the page's own.
  const prototype = Object.getPrototypeOf(session) as { send: (method: string, params?: unknown) => Promise<unknown> }
  const send = prototype.send
  const recorded: Array<Record<string, unknown>> = []
  prototype.send = function (this: unknown, method: string, params?: unknown) {
    if (method === 'Page.printToPDF') recorded.push({ ...(params as Record<string, unknown>) })
    return send.call(this, method, params)
  }
  try {
    await run()
  } finally {
    prototype.send = send
  }
  return recorded
}

describe('puppeteer internals the renderer copies', { timeout: 60_000 }, () => {
  for (const format of ['A4', 'Letter'] as const satisfies readonly PaperFormat[]) {
    test(`Page.printToPDF parameters for ${format} are those page.pdf() sends`, async () => {
      const page = await browser.newPage()
      try {
        await page.setContent('<!doctype html><title>t</title><p>Print me.</p>')
        const options: PDFOptions = {
          format,
          preferCSSPageSize: true,
          printBackground: true,
          displayHeaderFooter: false,
          tagged: true,
          outline: true,
        }
        const session = await page.createCDPSession()
        const recorded = await recordPrintCommands(session, () => page.pdf(options))
        expect(recorded, recheck).toHaveLength(1)
        const { transferMode: theirs, ...puppeteerSends } = recorded[0]!
        const { transferMode: ours, ...weSend } = printToPdfParameters(format)
        expect(weSend, recheck).toEqual(puppeteerSends)
        // The one intended difference: the PDF comes back in the reply, not as a stream.
        expect([theirs, ours]).toEqual(['ReturnAsStream', 'ReturnAsBase64'])
      } finally {
        await page.close()
      }
    })
  }
})
