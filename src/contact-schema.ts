/**
 * A media contact as release frontmatter and pressroom.yaml both write it,
 * with its address checked by the one validator (src/address.ts): one
 * schema for both, below the config and the release loader.
 */
import { z } from 'zod'
import { addressProblem } from './address.js'

/** An address as the one validator (src/address.ts) accepts it: `press check` refuses what `send` would. */
export const emailAddress = z.string().superRefine((value, ctx) => {
  const problem = addressProblem(value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

/** A media contact as frontmatter and pressroom.yaml write it (see `Contact`). */
export const contactSchema = z.object({
  name: z.string().min(1),
  role: z.string().optional(),
  phone: z.union([z.string(), z.number()]).transform(String).optional(),
  email: emailAddress.optional(),
})
