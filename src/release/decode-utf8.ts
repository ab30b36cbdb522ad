/**
 * Decode a release file as UTF-8, refusing bytes that are not UTF-8
 * instead of publishing them as U+FFFD: an editor that saved the file in
 * Windows-1251 or Latin-1 would otherwise put `�` in every output.
 */
import { isUtf8 } from 'node:buffer'
import type { VFileMessage } from 'vfile-message'
import { diagnostic } from '../diagnostics.js'

/** The text, or where the first invalid byte is (1-based line and column). */
export type DecodedText =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly byte: number }

/**
 * Decode `bytes` as UTF-8 (pure).
 *
 * @param bytes The file's contents.
 * @returns The text, or the place of the first byte that is not UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  // The native check first (a fraction of a fatal TextDecoder's cost); the slow scan only to say where.
  if (isUtf8(bytes)) return { ok: true, text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') }
  let line = 1
  let column = 1
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
    let valid = length > 0 && i + length <= bytes.length
    for (let k = 1; valid && k < length; k++) valid = (bytes[i + k]! & 0xc0) === 0x80
    if (valid && length === 3) {
      const b1 = bytes[i + 1]!
      valid = !(b === 0xe0 && b1 < 0xa0) && !(b === 0xed && b1 >= 0xa0)
    } else if (valid && length === 4) {
      const b1 = bytes[i + 1]!
      valid = !(b === 0xf0 && b1 < 0x90) && !(b === 0xf4 && b1 >= 0x90)
    }
    if (!valid) return { ok: false, line, column, byte: b }
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
      line++
      column = 1
    } else if (b !== 0x0d) column++
    i += length
  }
  return { ok: false, line, column, byte: bytes[bytes.length - 1] ?? 0 }
}

/**
 * The located error for a file that is not UTF-8 (rule `not-utf8`).
 *
 * @param file The file as shown.
 * @param decoded Where the first invalid byte is.
 * @param advice What to do, after "save the …" (e.g. `catalog as UTF-8`).
 * @param source The message's source.
 * @returns The diagnostic.
 */
export function notUtf8Diagnostic(
  file: string,
  decoded: Extract<DecodedText, { ok: false }>,
  advice: string,
  source: string,
): VFileMessage {
  return diagnostic(
    file,
    { line: decoded.line, column: decoded.column },
    'error',
    `byte 0x${decoded.byte.toString(16).padStart(2, '0')} is not UTF-8; save the ${advice}`,
    'not-utf8',
    source,
  )
}
