/**
 * The `--json` documents of press's reporting commands, as zod schemas.
 * Every instant is an ISO 8601 string; counts are non-negative integers.
 */
import { z } from 'zod'

const count = z.number().int().nonnegative()
const instant = z.iso.datetime({ offset: true })
const sendState = z.enum(['planned', 'sending', 'deferred', 'unknown', 'sent', 'failed', 'cancelled'])

/** One diagnostic. */
export const diagnostic = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string().min(1),
  rule: z.string(),
})

/** What every command prints with --json when it fails without diagnostics. */
export const errorDoc = z.object({
  ok: z.literal(false),
  error: z.object({ code: z.string().regex(/^PRESS_[A-Z_]+$/), message: z.string().min(1) }),
})

/** A command stopped by errors in the office's files. */
export const contentErrorDoc = z.object({ ok: z.literal(false), diagnostics: z.array(diagnostic).min(1) })

/** `press build --json`. */
export const buildDoc = z.object({
  ok: z.boolean(),
  now: instant,
  dist: z.string(),
  /** A --now later than the clock: `dist` is the rehearsal folder, and nothing was deployed. */
  rehearsal: z.boolean(),
  changed: count,
  removed: count,
  deploy: z
    .object({
      ok: z.boolean(),
      code: z.number().nullable(),
      at: instant,
      seconds: z.number().nonnegative(),
      output: z.string(),
      changed: count,
      removed: count,
      failures: count,
    })
    .nullable(),
  published: z.array(z.object({ slug: z.string(), languages: z.array(z.string()).min(1) })),
  held: z.array(z.object({ slug: z.string(), reason: z.enum(['embargo', 'draft']), lift: instant.optional() })),
  pages: z.object({ rendered: count, reused: count }),
  pdfs: z.object({ rendered: count, reused: count }),
  files: count,
  warnings: count,
  seconds: z.number().nonnegative(),
  diagnostics: z.array(diagnostic),
})

/** `press check --json`. */
export const checkDoc = z.object({
  ok: z.boolean(),
  errors: count,
  warnings: count,
  releases: count,
  recipients: count,
  diagnostics: z.array(diagnostic),
})

/** `press translate status --json`. */
export const translateStatusDoc = z.object({
  ok: z.literal(true),
  locales: z.array(z.string()).min(1),
  releases: z.array(
    z.object({
      slug: z.string(),
      source: z.string(),
      languages: z.array(
        z.object({
          lng: z.string(),
          state: z.enum(['source', 'up-to-date', 'stale', 'missing', 'unrecorded']),
          path: z.string().optional(),
          current: z.string(),
        }),
      ),
    }),
  ),
  diagnostics: z.array(diagnostic),
})

/** `press new --json`. */
export const newDoc = z.object({ ok: z.literal(true), slug: z.string(), files: z.array(z.string()).min(1) })

const plan = z.object({
  slug: z.string(),
  lift: instant.nullable(),
  jobs: z.array(
    z.object({
      key: z.string(),
      slug: z.string(),
      email: z.string(),
      name: z.string(),
      lng: z.string(),
      wanted: z.string(),
      fallback: z.boolean(),
      stale: z.boolean(),
      sendAt: instant,
      vetted: z.boolean(),
      why: z.enum(['vetted-under-embargo', 'general-at-lift', 'no-embargo', 'scheduled']),
      line: z.number().int().positive(),
    }),
  ),
  skipped: z.array(
    z.object({ email: z.string(), line: z.number().int(), reason: z.enum(['suppressed', 'not-in-lists', 'draft', 'duplicate']) }),
  ),
  errors: z.array(z.object({ email: z.string(), message: z.string() })),
  counts: z.object({
    recipients: count,
    jobs: count,
    due: count,
    later: count,
    vetted: count,
    fallback: count,
    stale: count,
    skipped: z.record(z.string(), count),
    errors: count,
    byLanguage: z.record(z.string(), count),
  }),
})

const enqueued = z.object({ added: count, updated: count, kept: count, cancelled: count })

const runFields = {
  attempted: count,
  sent: count,
  failed: count,
  deferred: count,
  retried: count,
  held: count,
  cancelled: count,
  recovered: count,
  suppressed: z.array(z.string()),
  paused: z.object({ reason: z.string() }).optional(),
  aborted: z.boolean(),
  failures: z.array(
    z.object({ key: z.string(), email: z.string(), kind: z.enum(['temporary', 'permanent']), error: z.string(), deferred: z.boolean() }),
  ),
  warnings: z.array(z.string()),
  nextDue: instant.nullable(),
}

/** `press send <slug> --dry-run --json`. */
export const dryRunDoc = z.object({ ok: z.boolean(), slug: z.string(), dryRun: z.literal(true), transport: z.string(), now: instant, plan })

/** `press send <slug> --json`. */
export const sendDoc = z.object({
  ok: z.boolean(),
  slug: z.string(),
  now: instant,
  rehearsal: z.boolean(),
  plan,
  enqueued,
  run: z.object(runFields),
})

/** `press send <slug> --test <address> --json`. */
export const testSendDoc = z.object({
  ok: z.literal(true),
  slug: z.string(),
  test: z.string(),
  sent: z
    .array(
      z.object({
        lng: z.string(),
        messageId: z.string().regex(/^<.+@.+>$/),
        receipt: z.object({ messageId: z.string(), response: z.string() }),
      }),
    )
    .min(1),
})

/** `press schedule <slug> --at … --json`. */
export const scheduleDoc = z.object({ ok: z.boolean(), slug: z.string(), at: instant, plan, enqueued })

/** `press dispatch --json`. */
export const dispatchDoc = z.object({ ok: z.boolean(), now: instant, rehearsal: z.boolean(), ...runFields })

const row = z.object({
  key: z.string(),
  slug: z.string(),
  email: z.string(),
  state: sendState,
  dueAt: instant,
  sendAt: instant,
  attempts: count,
})

/** `press status --json`. */
export const statusDoc = z.object({
  ok: z.literal(true),
  now: instant,
  counts: z.record(sendState, count),
  bySlug: z.record(z.string(), z.record(sendState, count)),
  nextDue: instant.nullable(),
  failures: z.array(row),
  retrying: z.array(row),
  /** `.press/deploy.json` when `deploy:` is set and ran (null otherwise). */
  deploy: z.looseObject({ version: z.literal(1) }).nullable(),
  diagnostics: z.array(diagnostic),
})
