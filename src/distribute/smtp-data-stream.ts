/**
 * A faster SMTP DATA transform for nodemailer. nodemailer's DataStream
 * (lib/smtp-connection/data-stream.js) doubles dots at line starts and turns
 * bare LF into CRLF by looking at every byte of every message in a
 * JavaScript loop; for ~200 KB messages that loop was over half of a
 * dispatch's CPU time. This one jumps from line feed to line feed with
 * `Buffer.indexOf` and writes the very same bytes, one push per input chunk
 * as before. It replaces the prototype's `_transform` only (the stream's
 * state fields and `_flush` stay nodemailer's), and only after checking on
 * a probe that nodemailer's class still looks and behaves as expected.
 */
import { createRequire } from 'node:module'
import { Transform } from 'node:stream'

/** The instance fields of nodemailer's DataStream that the transform uses. */
interface DataStreamState {
  inByteCount: number
  outByteCount: number
  lastByte: number | false | undefined
  push(chunk: Buffer): boolean
}

type TransformFn = (this: DataStreamState, chunk: Buffer | string, encoding: string, done: (error?: Error | null) => void) => void

/** Chunks whose owner promised never to modify them (see `shareChunk`). */
const sharedChunks = new WeakSet<Buffer>()
/** The dot-stuffed output of a shared chunk, and the preceding-byte context it was made in. */
const stuffed = new WeakMap<Buffer, { context: number; out: Buffer }>()

/**
 * Mark a Buffer that will be sent many times unchanged (a message body shared
 * by every recipient): when it reaches the DATA transform as one chunk, its
 * dot-stuffed form is made once and reused. The caller promises never to
 * modify it; both maps hold it weakly.
 *
 * @param chunk
 *   The shared Buffer.
 */
export function shareChunk(chunk: Buffer): void {
  sharedChunks.add(chunk)
}

const dot = Buffer.from('.')
const crlf = Buffer.from('\r\n')

/**
 * Dot-stuff one chunk of a message: the `_transform` installed on
 * nodemailer's DataStream.
 *
 * @param input
 *   A chunk of the message (a string is taken as UTF-8).
 * @param _encoding
 *   Ignored (Buffers only reach a DataStream).
 * @param done
 *   Transform callback.
 */
export const fastDataTransform: TransformFn = function fastDataTransform(input, _encoding, done) {
  if (!input || input.length === 0) return done()
  const chunk = typeof input === 'string' ? Buffer.from(input) : input
  this.inByteCount += chunk.length
  const shared = sharedChunks.has(chunk)
  const context = !this.lastByte ? 0 : this.lastByte === 0x0a ? 1 : this.lastByte === 0x0d ? 2 : 3
  if (shared) {
    const cached = stuffed.get(chunk)
    if (cached !== undefined && cached.context === context) {
      this.outByteCount += cached.out.length
      this.push(cached.out)
      this.lastByte = chunk[chunk.length - 1]
      return done()
    }
  }
  const parts: Buffer[] = []
  let length = 0
  let last = 0
  // A dot first in the chunk is at a line start when the previous chunk ended a line (or there was none).
  if (chunk[0] === 0x2e && (!this.lastByte || this.lastByte === 0x0a)) {
    parts.push(chunk.subarray(0, 1), dot)
    length += 2
    last = 1
  }
  for (let lf = chunk.indexOf(0x0a); lf !== -1; lf = chunk.indexOf(0x0a, lf + 1)) {
    const before = lf > 0 ? chunk[lf - 1] : this.lastByte
    if (before !== 0x0d) {
      const part = chunk.subarray(last, lf)
      parts.push(part, crlf)
      length += part.length + 2
      last = lf + 1
    }
    if (chunk[lf + 1] === 0x2e) {
      const part = chunk.subarray(last, lf + 2)
      parts.push(part, dot)
      length += part.length + 1
      last = lf + 2
    }
  }
  if (parts.length === 0) {
    // Nothing to stuff: remembered too, so a shared body is scanned once, not per recipient.
    if (shared) stuffed.set(chunk, { context, out: chunk })
    this.outByteCount += chunk.length
    this.push(chunk)
  } else {
    if (last < chunk.length) {
      parts.push(chunk.subarray(last))
      length += chunk.length - last
    }
    const out = Buffer.concat(parts, length)
    if (shared) stuffed.set(chunk, { context, out })
    this.outByteCount += length
    this.push(out)
  }
  this.lastByte = chunk[chunk.length - 1]
  done()
}

/** Inputs the self-check runs through both transforms before installing. */
const probes = ['.', 'a\n.b\r\n.\r\nc', '\n', '\r', '.x\n', 'x\r\n..', ''].map((s) => Buffer.from(s))

/** Run chunks through a DataStream-like instance with the given transform, collecting its output. */
function runProbe(DataStream: new () => Transform & DataStreamState, transform: TransformFn, chunks: readonly Buffer[]): Buffer {
  const stream = new DataStream()
  const out: Buffer[] = []
  stream.push = (chunk: Buffer): boolean => {
    out.push(Buffer.from(chunk))
    return true
  }
  for (const chunk of chunks) transform.call(stream, chunk, 'buffer', () => {})
  return Buffer.concat([...out, Buffer.from(`${stream.inByteCount}/${stream.outByteCount}/${String(stream.lastByte)}`)])
}

let installed: boolean | undefined

/**
 * Install the fast transform on nodemailer's DataStream, once per process.
 * Defensive: when the module is missing, its shape differs (no `_transform`,
 * no `inByteCount`/`outByteCount`/`lastByte` fields) or the two transforms
 * disagree on the probe inputs, nodemailer's own transform is kept.
 *
 * @param load
 *   Loads the DataStream class (optional; default: nodemailer's, for tests).
 * @returns
 *   True when the fast transform is in place.
 */
export function installFastDataStream(load?: () => unknown): boolean {
  if (load === undefined && installed !== undefined) return installed
  let result = false
  try {
    const DataStream = (load ?? (() => createRequire(import.meta.url)('nodemailer/lib/smtp-connection/data-stream.js')))() as
      (new () => Transform & DataStreamState) | undefined
    const proto = (typeof DataStream === 'function' ? DataStream.prototype : undefined) as Record<string, unknown> | undefined
    const original = proto?.['_transform']
    if (DataStream !== undefined && proto !== undefined && typeof original === 'function' && original !== fastDataTransform) {
      const sample = new DataStream()
      const shaped = sample instanceof Transform && sample.inByteCount === 0 && sample.outByteCount === 0 && sample.lastByte === false
      const agree =
        shaped &&
        probes.every((probe, i) => {
          const chunks = [probe, probes[(i + 1) % probes.length]!]
          return runProbe(DataStream, original as TransformFn, chunks).equals(runProbe(DataStream, fastDataTransform, chunks))
        })
      if (agree) {
        proto['_transform'] = fastDataTransform
        result = true
      }
    } else if (original === fastDataTransform) {
      result = true
    }
  } catch {
    result = false
  }
  if (load === undefined) installed = result
  return result
}
