/**
 * Change a release file's frontmatter the way a person would: one key at a
 * time, every other line (comments, order, flow maps, the body) left as it
 * was. Used by `press lift` (the new `embargo:`), `press withdraw`
 * (`status: draft`) and `press send --correction` (a `corrections:` item).
 * Pure: text in, text out.
 */
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq, type YAMLMap } from 'yaml'
import { splitFrontmatter } from './frontmatter.js'

/** The file cannot be edited (no frontmatter, invalid YAML). */
export class FrontmatterEditError extends Error {}

interface Split {
  readonly head: string
  readonly yaml: string
  readonly tail: string
  readonly eol: string
}

function split(text: string): Split {
  const result = splitFrontmatter(text)
  if (!result.ok) throw new FrontmatterEditError(result.reason)
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : ''
  const lines = (bom ? text.slice(1) : text).split(/\r?\n/)
  const end = lines.findIndex((line, index) => index > 0 && (line.trimEnd() === '---' || line.trimEnd() === '...'))
  return {
    head: `${bom}${lines[0]}${eol}`,
    yaml: lines.slice(1, end).join('\n'),
    tail: lines.slice(end).join(eol),
    eol,
  }
}

function join(parts: Split, yaml: string): string {
  const body = yaml.replace(/\n+$/, '').split('\n').join(parts.eol)
  return `${parts.head}${body === '' ? '' : `${body}${parts.eol}`}${parts.tail}`
}

/** A YAML double-quoted scalar (JSON's string syntax is valid YAML). */
function quoted(value: string): string {
  return JSON.stringify(value)
}

/**
 * Set a top-level scalar key (replacing its value in place, comment kept;
 * or adding `key: value` after the last key).
 *
 * @param text The whole release file.
 * @param key e.g. `status`.
 * @param value The new value (written as plain text when that is safe YAML, else quoted).
 * @returns The new file text.
 */
export function setFrontmatterScalar(text: string, key: string, value: string): string {
  const parts = split(text)
  const doc = parseDocument(parts.yaml, { keepSourceTokens: true })
  if (doc.errors.length > 0) throw new FrontmatterEditError(doc.errors[0]!.message)
  if (!isMap(doc.contents) && doc.contents !== null) throw new FrontmatterEditError('the frontmatter is not a map of keys')
  const plain = /^[\w.:+-]+$/.test(value) && !/^(?:true|false|null|yes|no|on|off|~)$/i.test(value) ? value : quoted(value)
  const node = isMap(doc.contents) ? doc.contents.get(key, true) : undefined
  if (isScalar(node) && node.range) {
    const [start, end] = node.range
    return join(parts, parts.yaml.slice(0, start) + plain + parts.yaml.slice(end))
  }
  if (node !== undefined) throw new FrontmatterEditError(`\`${key}\` is not a single value`)
  const yaml = parts.yaml.replace(/\s+$/, '')
  return join(parts, `${yaml}${yaml === '' ? '' : '\n'}${key}: ${plain}\n`)
}

/**
 * Add an item to the `corrections:` list (creating it at the end of the
 * frontmatter when absent).
 *
 * @param text The whole release file.
 * @param correction When (ISO instant) and what changed, in this file's language.
 * @returns The new file text.
 */
export function addCorrection(text: string, correction: { readonly date: string; readonly note: string }): string {
  const parts = split(text)
  const doc = parseDocument(parts.yaml)
  if (doc.errors.length > 0) throw new FrontmatterEditError(doc.errors[0]!.message)
  if (!isMap(doc.contents)) throw new FrontmatterEditError('the frontmatter is not a map of keys')
  const item = `  - date: ${correction.date}\n    note: ${quoted(correction.note)}`
  const node = doc.contents.get('corrections', true)
  if (node === undefined) {
    const yaml = parts.yaml.replace(/\s+$/, '')
    return join(parts, `${yaml}\ncorrections:\n${item}\n`)
  }
  if (!isSeq(node) || node.flow || !node.range) {
    // A flow list (`corrections: []`) or anything unusual: rewrite that key's value as a block list.
    const existing = isSeq(node) ? (node.toJSON() as unknown[]) : []
    const seq = new YAMLSeq()
    for (const value of existing) seq.add(doc.createNode(value))
    seq.add(doc.createNode(correction))
    ;(doc.contents as unknown as YAMLMap).set('corrections', seq)
    return join(parts, doc.toString({ lineWidth: 0 }))
  }
  // Insert after the last item of the block list, with the list's own indentation.
  const end = node.range[1]
  const before = parts.yaml.slice(0, end).replace(/\s+$/, '')
  const after = parts.yaml.slice(end)
  const firstItem = node.items[0] as { range?: [number, number, number] } | undefined
  const lineStart = firstItem?.range ? parts.yaml.lastIndexOf('\n', firstItem.range[0]) + 1 : 0
  const indent = firstItem?.range ? parts.yaml.slice(lineStart, firstItem.range[0]).replace(/-\s*$/, '') : '  '
  const own = item.replace(/^ {2}/, indent).replace(/\n {4}/, `\n${indent}  `)
  return join(parts, `${before}\n${own}\n${after.replace(/^\n/, '')}`)
}
