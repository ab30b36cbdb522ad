/**
 * Split a release file into its YAML frontmatter and Markdown body. Only a
 * plain `---` fence is accepted: `---js`, `---javascript` and friends (which
 * gray-matter would evaluate) are errors, never evaluated.
 */

/** A file split at its frontmatter fences. */
export type SplitResult =
  | {
      readonly ok: true
      readonly yaml: string
      /** Lines before the YAML text (the opening fence): 1. */
      readonly yamlLineOffset: number
      readonly body: string
      /** 1-based line where the body starts. */
      readonly bodyLine: number
    }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly reason: string; readonly ruleId: string }

/**
 * Split `text` into frontmatter and body (pure).
 *
 * @param text The whole file.
 * @returns The parts, or where and why the file cannot be split.
 */
export function splitFrontmatter(text: string): SplitResult {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  // CR alone ends a line too (classic Mac files): otherwise the whole file is one line after `---`.
  const lines = source.split(/\r\n|\r|\n/)
  const first = lines[0] ?? ''
  if (/^---\s*\S/.test(first)) {
    const lang = first.slice(3).trim()
    return {
      ok: false,
      line: 1,
      column: 4,
      reason: `frontmatter must be plain YAML after \`---\`; \`---${lang}\` (executable frontmatter) is not supported and is never run. Write the values as YAML`,
      ruleId: 'frontmatter-executable',
    }
  }
  if (first.trimEnd() !== '---') {
    return {
      ok: false,
      line: 1,
      column: 1,
      reason: 'a release starts with YAML frontmatter between `---` lines (title, date, …); add `---` on the first line',
      ruleId: 'frontmatter-missing',
    }
  }
  const end = lines.findIndex((line, index) => index > 0 && (line.trimEnd() === '---' || line.trimEnd() === '...'))
  if (end === -1) {
    return {
      ok: false,
      line: 1,
      column: 1,
      reason: 'the frontmatter is not closed; add a line with `---` after the last key',
      ruleId: 'frontmatter-unclosed',
    }
  }
  return {
    ok: true,
    yaml: lines.slice(1, end).join('\n'),
    yamlLineOffset: 1,
    body: lines.slice(end + 1).join('\n'),
    bodyLine: end + 2,
  }
}
