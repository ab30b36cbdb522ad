/**
 * Shared data types that cross stage boundaries (load → translate → render →
 * publish → distribute). Types used by one stage only live in that stage.
 */

/** A language code of the office, e.g. `en` or `ru`. */
export type Lng = string

/** A media contact printed on the release and used as Reply-To. */
export interface Contact {
  readonly name: string
  readonly role?: string
  readonly phone?: string
  readonly email?: string
}

/** An embargo: the lift instant and the zone the office wrote it in. */
export interface Embargo {
  /** The lift instant, epoch milliseconds. */
  readonly lift: number
  /** IANA zone used to state the lift in notices (the frontmatter's offset maps to a fixed zone such as `UTC-04:00` when no `embargo_zone` is given). */
  readonly zone: string
  /** The value as written, for messages. */
  readonly written: string
}

/** One language version of a release, as written by a person. */
export interface ReleaseText {
  readonly lng: Lng
  /** Path of the Markdown file, relative to the office root. */
  readonly path: string
  readonly title: string
  readonly subtitle?: string
  readonly dateline?: string
  /** Markdown body (after the frontmatter). */
  readonly body: string
  /** 1-based line in the file where the body starts (for positioned warnings). */
  readonly bodyLine: number
  /** Hash of the source's translatable content this translation was made from (`source_hash:`). */
  readonly sourceHash?: string
  /** Hash of this text's translatable content (title, subtitle, dateline, body). */
  readonly contentHash: string
  /** Corrections made after publication (`corrections:`), oldest first, notes in this language. */
  readonly corrections?: ReadonlyArray<{ readonly at: number; readonly note: string }>
  /** A translation's own media contacts (`contacts:` in its file); see release/contacts.ts. */
  readonly contacts?: readonly Contact[]
}

/** Release status as written in the frontmatter. */
export type ReleaseStatus = 'draft' | 'ready'

/** A release with all its language versions. */
export interface Release {
  /** Folder name; lowercase letters, digits and single hyphens. */
  readonly slug: string
  /** Folder path relative to the office root, e.g. `releases/2031-03-14-water-report`. */
  readonly dir: string
  /** The language the release was written in. */
  readonly source: Lng
  /** Release date, `YYYY-MM-DD`. */
  readonly date: string
  readonly embargo?: Embargo
  readonly contacts: readonly Contact[]
  /** Whether `contacts` came from the config (no `contacts:` in the source file), so a language's configured contacts may replace them. */
  readonly contactsFromConfig?: boolean
  readonly tags: readonly string[]
  /** Press-list segments; empty means everyone. */
  readonly lists: readonly string[]
  /** File names inside the release folder. */
  readonly attachments: readonly string[]
  /** Catalog key of the "About" paragraph (namespace `boilerplate`). */
  readonly boilerplate: string
  readonly status: ReleaseStatus
  /** Language versions present, keyed by language. The source is always present. */
  readonly texts: Readonly<Record<Lng, ReleaseText>>
  /** Translations present but marked `status: draft`: not published, not sent, until marked ready. */
  readonly draftTranslations?: readonly Lng[]
  /** Hash of every input file of this release (all language files and attachments). */
  readonly inputHash: string
}

/** A recipient from the press list. */
export interface Recipient {
  readonly email: string
  readonly name: string
  readonly lng: Lng
  /** Vetted: has agreed to embargo terms and may receive before the lift. */
  readonly embargo: boolean
  readonly lists: readonly string[]
  readonly outlet: string
  /** 1-based line in the press list, for messages. */
  readonly line: number
}
