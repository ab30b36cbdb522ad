/**
 * YAML parsed as data only, with positions, and validated with zod: the
 * machinery behind release frontmatter and pressroom.yaml diagnostics.
 * The `core` schema has no custom tags, so nothing in the YAML is ever
 * evaluated; tags such as `!!js/function` are errors.
 */
import { LineCounter, parseDocument, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml'
import type { z } from 'zod'
import type { VFileMessage } from 'vfile-message'
import { diagnostic, type Place } from './diagnostics.js'
import { didYouMeanSuffix } from './did-you-mean.js'

/** A parsed YAML document and what is needed to point into the original file. */
export interface YamlData {
  readonly value: unknown
  readonly doc: Document
  readonly lines: LineCounter
  /** Number of lines in the file before the YAML text (2 for `---\n` frontmatter starts at line 2 → offset 1). */
  readonly lineOffset: number
  readonly file: string
}

type Path = ReadonlyArray<string | number>

/**
 * Parse YAML text as plain data.
 *
 * @param text The YAML source.
 * @param file Path shown in messages.
 * @param lineOffset Lines in the file before `text` starts (optional, default 0).
 * @param source Message source, e.g. `press:release`.
 * @returns The data (when it parsed) and the messages.
 */
export function parseYaml(text: string, file: string, lineOffset: number, source: string): { data?: YamlData; messages: VFileMessage[] } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', prettyErrors: false, uniqueKeys: true })
  const messages: VFileMessage[] = []
  for (const error of [...doc.errors, ...doc.warnings]) {
    const pos = lines.linePos(error.pos[0])
    const reason = yamlReason(error.code, error.message, text.slice(error.pos[0]))
    messages.push(diagnostic(file, { line: pos.line + lineOffset, column: pos.col }, 'error', reason, 'yaml-invalid', source))
  }
  if (messages.length > 0) return { messages }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 50 })
  } catch (error) {
    // yaml throws (not reports) when aliases expand too far: a YAML bomb is
    // the file's problem, so it becomes a located error, not a crash.
    const pos = lines.linePos((doc.contents as Node | null)?.range?.[0] ?? 0)
    const reason = `invalid YAML: ${(error as Error).message} (too many aliases \`*name\`; write the values out)`
    return { messages: [diagnostic(file, { line: pos.line + lineOffset, column: pos.col }, 'error', reason, 'yaml-invalid', source)] }
  }
  return { data: { value, doc, lines, lineOffset, file }, messages }
}

function yamlReason(code: string, message: string, at: string): string {
  const first = message.split('\n')[0] ?? message
  if (code === 'TAG_RESOLVE_FAILED' || /tag/i.test(first))
    return `invalid YAML: ${first} (frontmatter is data only; custom tags such as !!js/function are not allowed)`
  // yaml's message ("Map keys must be unique") does not say which key; the
  // error's position is the second occurrence, so name it from the text.
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/
      .exec(at)?.[0]
      ?.trim()
      .replace(/^["']|["']$/g, '')
    return key ? `invalid YAML: \`${key}\` appears twice; remove one of the two` : `invalid YAML: ${first} (remove one of the two)`
  }
  // The usual cause: an unquoted value with ": " in it (`title: Water: a report`).
  if (code === 'BLOCK_AS_IMPLICIT_KEY')
    return `invalid YAML: ${first}; a value that contains ": " must be put in quotes (title: "Water: a report")`
  return `invalid YAML: ${first} (check indentation, colons and quotes)`
}

/**
 * Where a path points in the file.
 *
 * @param data The parsed document.
 * @param path Keys and indexes, e.g. `['contacts', 0, 'email']`.
 * @param at `value` (default) or `key`.
 * @returns The 1-based place; the nearest existing ancestor when the path is absent.
 */
export function placeOf(data: YamlData, path: Path, at: 'key' | 'value' = 'value'): Place {
  const offset = offsetOf(data.doc, path, at)
  const pos = data.lines.linePos(offset)
  return { line: pos.line + data.lineOffset, column: pos.col }
}

function offsetOf(doc: Document, path: Path, at: 'key' | 'value'): number {
  for (let depth = path.length; depth > 0; depth--) {
    const parentPath = path.slice(0, depth - 1)
    const key = path[depth - 1]
    const parent = parentPath.length === 0 ? doc.contents : (doc.getIn(parentPath as unknown[], true) as Node | undefined)
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key)
      if (pair && isPair(pair)) {
        const node = (at === 'key' || depth < path.length ? pair.key : (pair.value ?? pair.key)) as Node | null
        if (node?.range) return node.range[0]
      }
    } else if (isSeq(parent) && typeof key === 'number') {
      const node = parent.items[key] as Node | undefined
      if (node?.range) return node.range[0]
    }
  }
  const root = doc.contents as Node | null
  return root?.range?.[0] ?? 0
}

/**
 * Validate parsed YAML against a zod schema and turn every issue into a
 * positioned error. Keys the schema does not know become warnings with a
 * did-you-mean (the schema should strip them).
 *
 * @param schema A zod object schema.
 * @param data The parsed document.
 * @param source Message source.
 * @param label Short name of what is validated, for messages (`frontmatter`, `pressroom.yaml`).
 * @returns The typed value when valid, and the messages.
 */
export function validateYaml<S extends z.ZodType>(
  schema: S,
  data: YamlData,
  source: string,
  knownKeys: readonly string[],
): { value?: z.infer<S>; messages: VFileMessage[] } {
  const messages: VFileMessage[] = []
  const raw = data.value
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const key of Object.keys(raw)) {
      if (!knownKeys.includes(key)) {
        messages.push(
          diagnostic(
            data.file,
            placeOf(data, [key], 'key'),
            'warning',
            `unknown key \`${key}\`; it is ignored${didYouMeanSuffix(key, knownKeys)}`,
            'unknown-key',
            source,
          ),
        )
      }
    }
  }
  const result = schema.safeParse(raw ?? {})
  if (result.success) return { value: result.data, messages }
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
    messages.push(diagnostic(data.file, placeOf(data, path), 'error', issueReason(issue, path, raw), issueRule(issue), source))
  }
  return { messages }
}

function issueRule(issue: z.core.$ZodIssue): string {
  return issue.code === 'custom' && typeof issue.params?.['rule'] === 'string'
    ? issue.params['rule']
    : `schema-${issue.code.replace(/_/g, '-')}`
}

function issueReason(issue: z.core.$ZodIssue, path: Path, raw: unknown): string {
  const name = path.length === 0 ? 'the document' : `\`${path.map(String).join('.')}\``
  if (issue.code === 'invalid_type') {
    const actual = valueAt(raw, path)
    if (actual === undefined) return path.length === 1 ? `${name} is required; add a line \`${String(path[0])}: …\`` : `${name} is required`
    return `${name} should be ${article(issue.expected)}, got ${describe(actual)}`
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${name} should be one of ${issue.values.map((v) => `\`${String(v)}\``).join(', ')}, got ${describe(valueAt(raw, path))}`
  }
  if (issue.code === 'too_small' && issue.origin === 'string') return `${name} must not be empty`
  if (issue.message.startsWith('`')) return issue.message
  // Custom and format checks (a date, an email address) carry only "expected …":
  // say which key it is and what was written, so the line is actionable alone.
  const actual = valueAt(raw, path)
  return `${name}: ${issue.message}${actual === undefined ? '' : `, got ${describe(actual)}`}`
}

function article(expected: string): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping (key: value)',
  }
  return words[expected] ?? expected
}

function valueAt(raw: unknown, path: Path): unknown {
  let value = raw
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[key]
  }
  return value
}

function describe(value: unknown): string {
  if (value === null) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Date) return 'a date'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `"${value}"`
  return `${typeof value} ${String(value)}`
}
