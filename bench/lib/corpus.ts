/**
 * The benchmark's own corpus: N releases in English and Russian, written as
 * a Pressroom office (the sample's templates, catalogs and config), the same
 * Markdown files as a minimal multilingual Hugo site, and bodies for
 * md-to-pdf. Text comes from a seeded generator, so every run and machine
 * gets the same bytes.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { prng } from './prng.js'
import { repoRoot } from './util.js'

const en = (
  'water sanitation prison colony inspection report sample river authority detainees monitor independent ' +
  'laboratory field team drinking supply health regional service public data results national limit ' +
  'contamination outbreak treatment plant intake village court government safety access tap source ' +
  'analysis survey evidence officials families visits conditions shortage summer winter cells staff ' +
  'review policy budget repair pipes wells chlorine standards rights minimum measures findings request'
).split(' ')
const ru = (
  'вода санитария колония проверка доклад проба река ведомство заключённые мониторинг независимый ' +
  'лаборатория полевая группа питьевая снабжение здоровье региональная служба данные результаты норма ' +
  'загрязнение вспышка очистка станция водозабор село суд правительство безопасность доступ кран источник ' +
  'анализ обследование доказательства чиновники семьи свидания условия нехватка лето зима камеры персонал ' +
  'пересмотр политика бюджет ремонт трубы скважины хлор стандарты права минимум меры выводы запрос'
).split(' ')

function words(rnd: () => number, list: readonly string[], count: number): string {
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(list[Math.floor(rnd() * list.length)]!)
  return out.join(' ')
}

function sentence(rnd: () => number, list: readonly string[]): string {
  const text = words(rnd, list, 8 + Math.floor(rnd() * 12))
  return text.charAt(0).toUpperCase() + text.slice(1) + '.'
}

function paragraph(rnd: () => number, list: readonly string[]): string {
  const sentences: string[] = []
  const count = 3 + Math.floor(rnd() * 3)
  for (let i = 0; i < count; i++) sentences.push(sentence(rnd, list))
  // Some inline Markdown so the pipeline has emphasis and links to handle.
  if (rnd() < 0.5) sentences[0] = `**${sentences[0]}**`
  if (rnd() < 0.3) sentences.push(`[${words(rnd, list, 3)}](https://example.org/reports/${Math.floor(rnd() * 1000)})`)
  return sentences.join(' ')
}

/** A release body: ~3 KB of paragraphs, a list and a subheading, like the sample's releases. */
function body(rnd: () => number, list: readonly string[]): string {
  const blocks: string[] = []
  for (let i = 0; i < 4; i++) blocks.push(paragraph(rnd, list))
  blocks.push(`## ${sentence(rnd, list).slice(0, -1)}`)
  blocks.push(Array.from({ length: 4 }, () => `- ${sentence(rnd, list)}`).join('\n'))
  for (let i = 0; i < 3; i++) blocks.push(paragraph(rnd, list))
  return blocks.join('\n\n') + '\n'
}

/** One generated release: slug and the two files' contents. */
export interface CorpusRelease {
  readonly slug: string
  readonly title: { readonly en: string; readonly ru: string }
  readonly files: { readonly en: string; readonly ru: string }
  readonly bodies: { readonly en: string; readonly ru: string }
}

/** Generate `count` releases (deterministic). */
export function generateReleases(count: number, seed = 20310314): CorpusRelease[] {
  const rnd = prng(seed)
  const releases: CorpusRelease[] = []
  const start = Date.UTC(2019, 0, 1)
  for (let i = 0; i < count; i++) {
    const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10)
    const slug = `${date}-release-${String(i).padStart(5, '0')}`
    const titleEn = sentence(rnd, en).slice(0, -1)
    const titleRu = sentence(rnd, ru).slice(0, -1)
    const subtitleEn = sentence(rnd, en).slice(0, -1)
    const subtitleRu = sentence(rnd, ru).slice(0, -1)
    const bodyEn = body(rnd, en)
    const bodyRu = body(rnd, ru)
    const enFile =
      `---\ntitle: ${JSON.stringify(titleEn)}\nsubtitle: ${JSON.stringify(subtitleEn)}\ndate: ${date}\ndateline: Geneva\n` +
      `contacts:\n  - { name: Mira Castell, role: Head of Media, phone: "+41 22 000 00 00", email: media@example.org }\n` +
      `tags: [water, detention]\nboilerplate: about\nstatus: ready\n---\n\n${bodyEn}`
    const ruFile = `---\ntitle: ${JSON.stringify(titleRu)}\nsubtitle: ${JSON.stringify(subtitleRu)}\ndateline: Женева\n---\n\n${bodyRu}`
    releases.push({ slug, title: { en: titleEn, ru: titleRu }, files: { en: enFile, ru: ruFile }, bodies: { en: bodyEn, ru: bodyRu } })
  }
  return releases
}

/** Options of {@link writeOffice}. */
export interface OfficeOptions {
  /** Rows of press-list.csv (default 2). */
  readonly recipients?: number
  /** Extra pressroom.yaml lines under `mail:` (indented by the caller). */
  readonly mailExtra?: string
}

/**
 * Write a Pressroom office: the sample's templates and catalogs, a config,
 * the releases and a press list.
 *
 * @returns The office directory.
 */
export async function writeOffice(dir: string, releases: readonly CorpusRelease[], options: OfficeOptions = {}): Promise<string> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(path.join(dir, 'releases'), { recursive: true })
  await cp(path.join(repoRoot, 'templates'), path.join(dir, 'templates'), { recursive: true })
  await cp(path.join(repoRoot, 'locales'), path.join(dir, 'locales'), { recursive: true })
  await writeFile(
    path.join(dir, 'pressroom.yaml'),
    [
      'organisation: { name: Wellspring Rights Monitor, url: "https://example.org", logo: logo.svg }',
      'site: { url: "https://press.example.org" }',
      'locales: [en, ru]',
      'defaultLocale: en',
      'embargo: { zones: [UTC, Europe/Moscow] }',
      'contacts:',
      '  - { name: Mira Castell, role: Head of Media, phone: "+41 22 000 00 00", email: media@example.org }',
      'lists: [health-desk, detention, eurasia, wire]',
      'pdf: { format: A4 }',
      'mail:',
      '  from: "Wellspring Rights Monitor Press Office <press@example.org>"',
      '  transport: outbox',
      '  unsubscribe: { mailto: unsubscribe@example.org, url: "https://press.example.org/unsubscribe" }',
      ...(options.mailExtra ? [options.mailExtra] : []),
      'translations: lenient',
      '',
    ].join('\n'),
  )
  for (const release of releases) {
    const folder = path.join(dir, 'releases', release.slug)
    await mkdir(folder)
    await writeFile(path.join(folder, 'en.md'), release.files.en)
    await writeFile(path.join(folder, 'ru.md'), release.files.ru)
  }
  await writePressList(path.join(dir, 'press-list.csv'), options.recipients ?? 2)
  await writeFile(path.join(dir, 'suppressions.csv'), 'email\n')
  return dir
}

/** press-list.csv with `count` journalists, half English, half Russian, none vetted. */
export async function writePressList(file: string, count: number): Promise<void> {
  const lists = ['health-desk', 'detention', 'eurasia', 'wire']
  const lines = ['email,name,language,embargo,lists,outlet']
  for (let i = 0; i < count; i++) {
    lines.push(
      `journalist${i}@outlet${i % 97}.example.com,Journalist ${i},${i % 2 === 0 ? 'en' : 'ru'},no,${lists[i % 4]},Outlet ${i % 97}`,
    )
  }
  await writeFile(file, lines.join('\n') + '\n')
}

const hugoConfig = `baseURL = "https://press.example.org/"
title = "Wellspring Rights Monitor"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
disableKinds = ["taxonomy", "term"]
[languages.en]
  weight = 1
  languageName = "English"
[languages.ru]
  weight = 2
  languageName = "Русский"
`

const hugoLayouts: Record<string, string> = {
  '_default/baseof.html': `<!doctype html>
<html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8"><title>{{ .Title }} – {{ .Site.Title }}</title>
<link rel="stylesheet" href="/site.css">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">{{ end }}
</head><body><header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav>{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a>{{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer>© {{ .Site.Title }}</footer></body></html>
`,
  '_default/single.html': `{{ define "main" }}<article><h1>{{ .Title }}</h1>
{{ with .Params.subtitle }}<p class="subtitle">{{ . }}</p>{{ end }}
<p class="dateline">{{ with .Params.dateline }}{{ . }} — {{ end }}{{ .Date.Format "2 January 2006" }}</p>
{{ .Content }}
{{ with .Params.contacts }}<section class="contacts">{{ range . }}<p>{{ .name }}, {{ .role }}, {{ .phone }}, {{ .email }}</p>{{ end }}</section>{{ end }}
<p class="end">###</p></article>{{ end }}
`,
  '_default/list.html': `{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}
`,
  'index.html': `{{ define "main" }}<h1>{{ .Site.Title }}</h1><ul>{{ range (where .Site.RegularPages "Section" "releases").ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}
`,
}

/**
 * Write a minimal multilingual Hugo site over the same Markdown files
 * (content/releases/<slug>/index.<lang>.md: a page bundle per release).
 *
 * @returns The site directory.
 */
export async function writeHugoSite(dir: string, releases: readonly CorpusRelease[]): Promise<string> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(path.join(dir, 'content', 'releases'), { recursive: true })
  await writeFile(path.join(dir, 'config.toml'), hugoConfig)
  for (const [name, text] of Object.entries(hugoLayouts)) {
    await mkdir(path.dirname(path.join(dir, 'layouts', name)), { recursive: true })
    await writeFile(path.join(dir, 'layouts', name), text)
  }
  await mkdir(path.join(dir, 'static'), { recursive: true })
  await cp(path.join(repoRoot, 'templates', 'assets', 'site.css'), path.join(dir, 'static', 'site.css'))
  for (const release of releases) {
    const folder = path.join(dir, 'content', 'releases', release.slug)
    await mkdir(folder)
    await writeFile(path.join(folder, 'index.en.md'), release.files.en)
    await writeFile(path.join(folder, 'index.ru.md'), release.files.ru)
  }
  return dir
}

/**
 * Write the same release texts for md-to-pdf: the title as a heading and the
 * body (no frontmatter: md-to-pdf would read it as its own configuration).
 *
 * @returns The files written.
 */
export async function writeMarkdownFiles(dir: string, releases: readonly CorpusRelease[]): Promise<string[]> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const files: string[] = []
  for (const release of releases) {
    for (const lng of ['en', 'ru'] as const) {
      const file = path.join(dir, `${release.slug}.${lng}.md`)
      await writeFile(file, `# ${release.title[lng]}\n\n${release.bodies[lng]}`)
      files.push(file)
    }
  }
  return files
}
