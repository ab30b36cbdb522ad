/**
 * The frontmatter schema of release files (SPEC §2), for the source language
 * and for translations. Pure: validation of values that need the file system
 * (attachments) happens in load.ts.
 */
import { z } from 'zod'
import { isIsoDate } from '../embargo/time.js'
import { contactSchema } from '../contact-schema.js'

const isoDate = z
  .string()
  .refine(isIsoDate, { message: 'expected a real calendar date as YYYY-MM-DD, e.g. 2031-03-14', params: { rule: 'bad-date' } })

// A hex hash may happen to be all digits (or digits, `e`, digits, which is
// Infinity) and then YAML reads it as a number; load.ts takes the text as written.
const sourceHash = z.custom<string | number>((v) => typeof v === 'string' || typeof v === 'number', {
  message: 'expected the hash as text, e.g. 70b679cebf9717d4 (see `press translate status`)',
})

// `press send --correction` writes these; a person may edit the note.
const correction = z.object({
  date: z
    .union([z.string(), z.date()])
    .transform((v) => (v instanceof Date ? v.toISOString() : v))
    .refine((v) => /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(v.trim()) && !Number.isNaN(Date.parse(v)), {
      message: 'expected the instant of the correction with an offset, e.g. 2031-03-15T10:00:00Z',
    }),
  note: z.string().trim().min(1),
})

/** Keys a source-language file may carry. */
export const sourceSchema = z.object({
  title: z.string().trim().min(1),
  subtitle: z.string().optional(),
  date: isoDate,
  dateline: z.string().optional(),
  embargo: z.string().optional(),
  embargo_zone: z.string().optional(),
  contacts: z.array(contactSchema).optional(),
  tags: z.array(z.string()).optional(),
  lists: z.array(z.string()).optional(),
  attachments: z.array(z.string()).optional(),
  boilerplate: z.string().min(1).optional(),
  status: z.enum(['draft', 'ready']).optional(),
  source: z.string().optional(),
  source_hash: sourceHash.optional(),
  corrections: z.array(correction).optional(),
})

/** Frontmatter of a source-language file. */
export type SourceFrontmatter = z.infer<typeof sourceSchema>

/** Keys a translation may carry: its own text, and optionally the same date/embargo (checked against the source). */
export const translationSchema = z.object({
  title: z.string().trim().min(1),
  subtitle: z.string().optional(),
  dateline: z.string().optional(),
  source_hash: sourceHash.optional(),
  date: isoDate.optional(),
  embargo: z.string().optional(),
  embargo_zone: z.string().optional(),
  source: z.string().optional(),
  /** This language's media contacts (names, roles, a press officer who speaks it); the first with an email is this language's Reply-To. */
  contacts: z.array(contactSchema).optional(),
  /** `draft`: the translation is not ready; the release is published without this language until it is. */
  status: z.enum(['draft', 'ready']).optional(),
  /** The same corrections as the source, with notes in this language. */
  corrections: z.array(correction).optional(),
})

/** Frontmatter of a translation. */
export type TranslationFrontmatter = z.infer<typeof translationSchema>

/** Keys a translation inherits from the source; setting them there is ignored with a warning. */
export const inheritedKeys = ['tags', 'lists', 'attachments', 'boilerplate'] as const

/** All keys known in any release file, for did-you-mean. */
export const knownKeys: readonly string[] = Object.keys(sourceSchema.shape)

/** The slug rule: lowercase letters, digits and single hyphens. */
export const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
