/**
 * YAML as data with positions: every message points at file:line:col of the
 * original file (after the frontmatter offset); nothing is evaluated.
 */
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { formatDiagnostic } from '../src/diagnostics.js'
import { parseYaml, placeOf, validateYaml } from '../src/yaml-data.js'

const parse = (text: string, offset = 1) => parseYaml(text, 'x/en.md', offset, 'test')

describe('parseYaml', () => {
  test('positions include the line offset of the frontmatter', () => {
    const { data } = parse('title: Hello\ncontacts:\n  - name: Ana\n    email: a@example.org\n')
    expect(placeOf(data!, ['title'])).toEqual({ line: 2, column: 8 })
    expect(placeOf(data!, ['title'], 'key')).toEqual({ line: 2, column: 1 })
    expect(placeOf(data!, ['contacts', 0, 'email'])).toEqual({ line: 5, column: 12 })
    // A path that does not exist points at its nearest existing ancestor.
    expect(placeOf(data!, ['contacts', 0, 'phone'])).toEqual({ line: 4, column: 5 })
    expect(placeOf(data!, ['nothing'])).toEqual({ line: 2, column: 1 })
  })

  test('the core schema: dates and numbers-looking hashes stay as written where it matters', () => {
    const { data } = parse('date: 2031-03-14\nembargo: 2031-03-14T09:00:00-04:00\nflag: yes\n')
    // No YAML 1.1 timestamps or booleans: `yes` is text, dates are strings.
    expect(data!.value).toEqual({ date: '2031-03-14', embargo: '2031-03-14T09:00:00-04:00', flag: 'yes' })
  })

  test('custom tags are errors, never evaluated', () => {
    expect(parse('title: !!js/function "function () {}"\n').messages.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^x\/en\.md:2:8: error: invalid YAML: .*custom tags such as !!js\/function are not allowed/),
    ])
    expect(parse('title: !custom x\n').messages.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^x\/en\.md:2:8: error: invalid YAML: /),
    ])
  })

  test('a duplicate key names the key, at its second occurrence', () => {
    expect(parse('title: a\ndate: 2031-03-14\ntitle: b\n').messages.map(formatDiagnostic)).toEqual([
      'x/en.md:4:1: error: invalid YAML: `title` appears twice; remove one of the two',
    ])
  })

  test('an unquoted value with ": " gets the quoting hint', () => {
    expect(parse('title: Water: a report\n').messages.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^x\/en\.md:2:8: error: invalid YAML: .*must be put in quotes/),
    ])
  })

  test('an alias bomb is a located error, not a crash', () => {
    const bomb =
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
    const result = parse(bomb)
    expect(result.data).toBeUndefined()
    expect(result.messages.map(formatDiagnostic)).toEqual([expect.stringMatching(/^x\/en\.md:\d+:\d+: error: invalid YAML: .*alias/i)])
  })

  test('empty YAML is an empty document', () => {
    expect(parse('').data?.value ?? null).toBeNull()
  })
})

describe('validateYaml', () => {
  const schema = z.object({
    title: z.string().min(1),
    count: z.number().optional(),
    email: z.string().regex(/@/, { message: 'expected an email address such as media@example.org' }).optional(),
    tags: z.array(z.string()).optional(),
  })
  const known = ['title', 'count', 'email', 'tags']

  test('each issue at its value, with the key, the expectation and what was written', () => {
    const { data } = parse('title: ""\ncount: many\nemail: nobody\ntags: [a, 3]\ntitle_: x\n')
    const { value, messages } = validateYaml(schema, data!, 'test', known)
    expect(value).toBeUndefined()
    expect(messages.map(formatDiagnostic)).toEqual([
      'x/en.md:6:1: warning: unknown key `title_`; it is ignored (did you mean `title`?)',
      'x/en.md:2:8: error: `title` must not be empty',
      'x/en.md:3:8: error: `count` should be a number, got "many"',
      'x/en.md:4:8: error: `email`: expected an email address such as media@example.org, got "nobody"',
      'x/en.md:5:11: error: `tags.1` should be text, got number 3',
    ])
  })

  test('a missing required key says how to add it', () => {
    const { data } = parse('count: 1\n')
    expect(validateYaml(schema, data!, 'test', known).messages.map(formatDiagnostic)).toEqual([
      'x/en.md:2:1: error: `title` is required; add a line `title: …`',
    ])
  })
})
