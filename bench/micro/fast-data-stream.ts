/**
 * Experiment, loaded with `node --import ./build/bench/micro/fast-data-stream.js bin/press.js dispatch …`:
 * replaces nodemailer's SMTP DATA dot-stuffing transform
 * (lib/smtp-connection/data-stream.js), which inspects every byte of every
 * message in a JavaScript loop, with one that jumps from line feed to line
 * feed with Buffer.indexOf. Same output bytes (dots doubled at line starts,
 * bare LF turned into CRLF). Measures what the mail path would gain; it is
 * not used by the benchmark's own figures.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { repoRoot } from '../lib/util.js'

interface DataStreamLike {
  inByteCount: number
  outByteCount: number
  lastByte: number | false
  push(chunk: Buffer): boolean
}

const require = createRequire(path.join(repoRoot, 'package.json'))
const DataStream = require('nodemailer/lib/smtp-connection/data-stream.js') as { prototype: Record<string, unknown> }
const dot = Buffer.from('.')
const crlf = Buffer.from('\r\n')

DataStream.prototype['_transform'] = function transform(this: DataStreamLike, input: Buffer | string, _encoding: string, done: () => void): void {
  if (!input || input.length === 0) return done()
  const chunk = typeof input === 'string' ? Buffer.from(input) : input
  this.inByteCount += chunk.length
  const parts: Buffer[] = []
  let length = 0
  let last = 0
  const emit = (part: Buffer): void => {
    parts.push(part)
    length += part.length
  }
  // A dot at the very start of the chunk is at a line start when the previous chunk ended a line.
  if (chunk[0] === 0x2e && (!this.lastByte || this.lastByte === 0x0a)) {
    emit(chunk.subarray(0, 1))
    emit(dot)
    last = 1
  }
  for (let lf = chunk.indexOf(0x0a); lf !== -1; lf = chunk.indexOf(0x0a, lf + 1)) {
    const before = lf > 0 ? chunk[lf - 1] : this.lastByte
    if (before !== 0x0d) {
      emit(chunk.subarray(last, lf))
      emit(crlf)
      last = lf + 1
    }
    if (chunk[lf + 1] === 0x2e) {
      emit(chunk.subarray(last, lf + 2))
      emit(dot)
      last = lf + 2
    }
  }
  if (parts.length === 0) {
    this.outByteCount += chunk.length
    this.push(chunk)
  } else {
    if (last < chunk.length) emit(chunk.subarray(last))
    this.outByteCount += length
    this.push(Buffer.concat(parts, length))
  }
  this.lastByte = chunk[chunk.length - 1]!
  done()
}
