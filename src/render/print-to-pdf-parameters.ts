/**
 * The `Page.printToPDF` parameters the renderer sends over its own CDP
 * session. They are what puppeteer's `page.pdf()` sends for `{format,
 * preferCSSPageSize: true, printBackground: true, displayHeaderFooter:
 * false, tagged: true, outline: true}` (its `parsePDFOptions` and
 * `createPDFStream`), except that the PDF comes back in the reply as base64
 * (one message) rather than as a stream read back in chunks (a round trip
 * each; a release is a few hundred KB, far below V8's string limit of
 * ~512 MB of base64). tests/render/puppeteer-internals.test.ts records what `page.pdf()`
 * sends and fails when the two differ.
 */
import type { Protocol } from 'puppeteer'

/** Paper sizes the print template may ask for. */
export type PaperFormat = 'A4' | 'Letter'

/** Paper sizes in inches, as puppeteer's paperFormats has them. */
const paperInches: Readonly<Record<PaperFormat, { readonly width: number; readonly height: number }>> = Object.freeze({
  A4: { width: 8.2677, height: 11.6929 },
  Letter: { width: 8.5, height: 11 },
})

/**
 * The parameters for one print.
 *
 * @param format Paper size, used unless the document sets `@page { size }`.
 * @returns Parameters for `Page.printToPDF`, PDF returned as base64.
 */
export function printToPdfParameters(format: PaperFormat): Protocol.Page.PrintToPDFRequest {
  const paper = paperInches[format]
  return {
    transferMode: 'ReturnAsBase64',
    landscape: false,
    displayHeaderFooter: false,
    headerTemplate: '',
    footerTemplate: '',
    printBackground: true,
    scale: 1,
    paperWidth: paper.width,
    paperHeight: paper.height,
    marginTop: 0,
    marginBottom: 0,
    marginLeft: 0,
    marginRight: 0,
    pageRanges: '',
    preferCSSPageSize: true,
    generateTaggedPDF: true,
    generateDocumentOutline: true,
  }
}
