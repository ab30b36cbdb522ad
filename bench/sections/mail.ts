/**
 * Mail: `press dispatch` (as a child process, smtp:// transport through
 * PRESS_SMTP_URL) against a raw SMTP client process, into the same loopback
 * sink, with the same connection count (the office's mail.maxConnections)
 * and the very same message bytes (the raw client replays messages the sink
 * captured from Pressroom: same sizes, the release's PDF attached). The
 * queue is planned once (`press schedule`) and restored from a copy before
 * each dispatch, so every round sends the whole list. Rates are measured at
 * the sink, from the first connection to the last accepted message; wall
 * times (process start to exit) are recorded too. Peak RSS of dispatch is
 * polled from /proc/<pid>/status (VmHWM).
 */
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { loadOffice } from '../../src/office.js'
import { generateReleases, writeOffice } from '../lib/corpus.js'
import { startSinkProcess, type SinkSnapshot } from '../lib/sink-process.js'
import { log, median, pressBin, repoRoot, timeCommand, workDir } from '../lib/util.js'

/** Figures of the mail section. */
export interface MailResult {
  readonly mail_recipients: number
  readonly mail_connections: number
  readonly mail_message_bytes: number
  readonly raw_message_bytes: number
  readonly press_messages_per_second: number
  readonly raw_messages_per_second: number
  readonly mail_vs_raw_smtp: number
  readonly press_wall_messages_per_second: number
  readonly raw_wall_messages_per_second: number
  readonly mail_peak_rss_mb: number
  /** With --experiments: dispatch with nodemailer's dot-stuffing replaced (bench/micro/fast-data-stream.ts), over raw. */
  readonly mail_vs_raw_smtp_fast_dot_stuffing?: number
  readonly samples: {
    readonly press_messages_per_second: number[]
    readonly raw_messages_per_second: number[]
    readonly press_wall_seconds: number[]
    readonly raw_wall_seconds: number[]
    readonly press_peak_rss_mb: number[]
    readonly press_fast_dot_stuffing_messages_per_second?: number[]
    readonly schedule_seconds: number
  }
}

const scheduleNow = '2030-01-01T00:00:00Z'
const sendAt = '2030-01-01T01:00:00Z'
const dispatchNow = '2030-01-01T01:00:01Z'

/**
 * Run the mail comparison.
 *
 * @param recipients Rows in press-list.csv.
 * @param rounds Alternating rounds.
 * @param experiments Also run dispatch with the faster dot-stuffing patch each round.
 */
export async function benchMail(recipients: number, rounds: number, experiments = false): Promise<MailResult> {
  const corpus = generateReleases(1, 777)
  const officeDir = await writeOffice(path.join(workDir, `mail-office-${recipients}`), corpus, { recipients })
  const slug = corpus[0]!.slug
  const { office, messages } = await loadOffice(officeDir, { env: {} })
  if (!office) throw new Error(`cannot load the mail office: ${messages.map(String).join('\n')}`)
  const connections = office.config.mail.maxConnections
  const state = path.join(officeDir, '.press')

  log(`mail: ${recipients} recipients, ${connections} connections; building the PDFs and planning the queue`)
  // The PDFs go into .press/cache/pdf, which dispatch reuses: no Chromium during the timed runs.
  await timeCommand(process.execPath, [pressBin, 'build', '--quiet', '-C', officeDir])
  // The bench acts at fixed instants in 2030: for real, not as a rehearsal (which would keep the queue and the mail in .press/rehearsal/).
  const scheduled = await timeCommand(
    process.execPath,
    [pressBin, 'schedule', slug, '--at', sendAt, '--now', scheduleNow, '--quiet', '-C', officeDir],
    { env: { ...process.env, PRESS_REHEARSAL: 'off' } },
  )
  const snapshot = path.join(workDir, `mail-queue-${recipients}`)
  await rm(snapshot, { recursive: true, force: true })
  await mkdir(snapshot, { recursive: true })
  const queueFiles = (await readdir(state)).filter((name) => name.startsWith('queue.db'))
  for (const name of queueFiles) await copyFile(path.join(state, name), path.join(snapshot, name))

  const sink = await startSinkProcess()
  const samplesDir = path.join(workDir, 'mail-samples')
  const sampleFiles: string[] = []
  const pressRates: number[] = []
  const rawRates: number[] = []
  const pressWall: number[] = []
  const rawWall: number[] = []
  const rss: number[] = []
  let pressBytes = 0
  let rawBytes = 0

  const rateAtSink = (got: SinkSnapshot): number => recipients / (((got.lastAcceptAt ?? 0) - (got.firstConnectAt ?? 0)) / 1000)

  const patchedRates: number[] = []
  const pressRound = async (patched = false): Promise<void> => {
    for (const name of (await readdir(state)).filter((n) => n.startsWith('queue.db'))) await rm(path.join(state, name), { force: true })
    for (const name of queueFiles) await copyFile(path.join(snapshot, name), path.join(state, name))
    // Each round mails the list afresh: the delivery record of the round before would (rightly) stop that.
    await rm(path.join(officeDir, 'deliveries'), { recursive: true, force: true })
    await sink.reset(sampleFiles.length === 0 ? 16 : 0)
    const patch = patched ? ['--import', path.join(repoRoot, 'build', 'bench', 'micro', 'fast-data-stream.js')] : []
    const run = await timeCommand(process.execPath, [...patch, pressBin, 'dispatch', '--now', dispatchNow, '--quiet', '-C', officeDir], {
      env: { ...process.env, PRESS_SMTP_URL: sink.url, PRESS_REHEARSAL: 'off' },
      pollRss: true,
      check: false,
    })
    const got = await sink.snapshot()
    if (got.accepted !== recipients) {
      throw new Error(`press dispatch delivered ${got.accepted} of ${recipients} messages (exit ${run.code}):\n${run.stderr.slice(-3000)}`)
    }
    if (patched) {
      patchedRates.push(rateAtSink(got))
      return
    }
    pressRates.push(rateAtSink(got))
    pressWall.push(run.seconds)
    rss.push(run.peakRssMb ?? Number.NaN)
    pressBytes = got.bytes / got.accepted
    if (sampleFiles.length === 0) {
      await rm(samplesDir, { recursive: true, force: true })
      await mkdir(samplesDir, { recursive: true })
      // One message per language: the list alternates en/ru, and so does the raw client.
      const byLanguage = new Map<string, Buffer>()
      for (const sample of got.samples) {
        const lng = /^Content-Language: *(\S+)/im.exec(sample.subarray(0, 8192).toString('latin1'))?.[1] ?? 'unknown'
        if (!byLanguage.has(lng)) byLanguage.set(lng, sample)
      }
      for (const [lng, sample] of [...byLanguage].sort()) {
        const file = path.join(samplesDir, `message-${lng}.eml`)
        await writeFile(file, sample)
        sampleFiles.push(file)
      }
    }
  }
  const rawRound = async (): Promise<void> => {
    await sink.reset()
    const run = await timeCommand(process.execPath, [
      path.join(repoRoot, 'build', 'bench', 'raw-smtp-client.js'),
      String(sink.port),
      String(recipients),
      String(connections),
      ...sampleFiles,
    ])
    const got = await sink.snapshot()
    if (got.accepted !== recipients) throw new Error(`raw client delivered ${got.accepted} of ${recipients}:\n${run.stderr}`)
    rawRates.push(rateAtSink(got))
    rawWall.push(run.seconds)
    rawBytes = got.bytes / got.accepted
  }

  try {
    for (let round = 1; round <= rounds; round++) {
      // Pressroom must go first once: the raw client replays the messages it sent.
      if (round % 2 === 1) {
        await pressRound()
        await rawRound()
      } else {
        await rawRound()
        await pressRound()
      }
      if (experiments) await pressRound(true)
      log(
        `mail round ${round}: pressroom ${pressRates.at(-1)!.toFixed(0)} msg/s (peak RSS ${rss.at(-1)!.toFixed(0)} MB), raw ${rawRates.at(-1)!.toFixed(0)} msg/s` +
          (experiments ? `, pressroom with fast dot-stuffing ${patchedRates.at(-1)!.toFixed(0)} msg/s` : ''),
      )
    }
  } finally {
    await sink.close()
  }
  const pressRate = median(pressRates)
  const rawRate = median(rawRates)
  return {
    mail_recipients: recipients,
    mail_connections: connections,
    mail_message_bytes: Math.round(pressBytes),
    raw_message_bytes: Math.round(rawBytes),
    press_messages_per_second: pressRate,
    raw_messages_per_second: rawRate,
    mail_vs_raw_smtp: pressRate / rawRate,
    press_wall_messages_per_second: recipients / median(pressWall),
    raw_wall_messages_per_second: recipients / median(rawWall),
    mail_peak_rss_mb: Math.max(...rss),
    ...(experiments ? { mail_vs_raw_smtp_fast_dot_stuffing: median(patchedRates) / rawRate } : {}),
    samples: {
      press_messages_per_second: pressRates,
      raw_messages_per_second: rawRates,
      press_wall_seconds: pressWall,
      raw_wall_seconds: rawWall,
      press_peak_rss_mb: rss,
      ...(experiments ? { press_fast_dot_stuffing_messages_per_second: patchedRates } : {}),
      schedule_seconds: scheduled.seconds,
    },
  }
}
