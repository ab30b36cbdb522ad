/**
 * At the lift: how long after an embargo lifts the public site is published
 * (dist/ swapped in and the `deploy:` command finished) and the first
 * general message is accepted by an SMTP sink, with `press worker` started a
 * few seconds before the lift. Two languages, PDFs on, a deploy command
 * that copies the changed files into another folder, the bench's SMTP sink
 * (lib/smtp-sink.ts, in this process) on loopback.
 *
 * Each round sets the lift a little ahead of the real clock (no `--now`:
 * the real path, with SMTP), builds the site before it (`press build`, the
 * release held back), plans the distribution (`press send`: every
 * recipient general, so all wait for the lift), starts the worker
 * `leadSeconds` before the lift and waits for the deploy and the whole list.
 * Side by side in the same run, alternating which goes first:
 *
 * - prepared: the worker as it is (the site and the public mail prepared
 *   ahead of the lift, swapped in at it);
 * - rebuild: `PRESS_PREPARE_AHEAD=0` for both `press send` and the
 *   worker, the old path (the public PDFs not rendered at planning, the
 *   site, PDFs included, built at the lift; the mail rendered after it).
 *
 * Times are from the lift instant: the deploy command's own `date +%s%N`
 * at its end, dist/ by polling for the release page every 5 ms, the first
 * message by the sink's clock.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile, appendFile } from 'node:fs/promises'
import path from 'node:path'
import { generateReleases, writeOffice } from '../lib/corpus.js'
import { startSink } from '../lib/smtp-sink.js'
import { log, median, pressBin, timeCommand, workDir } from '../lib/util.js'

/** Figures of the lift section (seconds after the lift; medians). */
export interface LiftResult {
  readonly lift_site_seconds: number
  readonly lift_first_mail_seconds: number
  readonly lift_dist_seconds: number
  readonly lift_site_seconds_rebuild: number
  readonly lift_first_mail_seconds_rebuild: number
  readonly lift_dist_seconds_rebuild: number
  readonly lift_releases: number
  readonly lift_recipients: number
  readonly lift_worker_lead_seconds: number
  /** Per mode: seconds after the lift (`preparedAfterLift`: when the worker said the lift was prepared; negative is before it). */
  readonly samples: Record<
    'prepared' | 'rebuild',
    { site: number[]; dist: number[]; mail: number[]; lastMail: number[]; prepareSeconds: number[]; preparedAfterLift: number[] }
  >
}

type Mode = 'prepared' | 'rebuild'

/**
 * Run the lift comparison.
 *
 * @param rounds Rounds (each runs both modes).
 * @param releases Releases in the office (one of them lifts).
 * @param recipients Rows of the press list (none vetted).
 * @param leadSeconds How long before the lift the worker starts.
 */
export async function benchLift(rounds: number, releases = 12, recipients = 40, leadSeconds = 5): Promise<LiftResult> {
  const corpus = generateReleases(releases, 4242)
  const dir = await writeOffice(path.join(workDir, 'lift-office'), corpus, { recipients })
  const lifting = corpus.at(-1)!
  const enFile = path.join(dir, 'releases', lifting.slug, 'en.md')
  const mirror = path.join(workDir, 'lift-mirror')
  const stamp = path.join(workDir, 'lift-deployed')
  const deployScript = [
    `M=${JSON.stringify(mirror)}`,
    // One cp for all the changed files (as `rsync --files-from` would), one rm for the removed ones.
    'mkdir -p "$M" && cd "$PRESS_DIST" || exit 1',
    '[ -s "$PRESS_DEPLOY_CHANGED" ] && { xargs -d "\\n" cp --parents -t "$M" < "$PRESS_DEPLOY_CHANGED" || exit 1; }',
    '[ -s "$PRESS_DEPLOY_REMOVED" ] && { cd "$M" && xargs -d "\\n" rm -f < "$PRESS_DEPLOY_REMOVED"; }',
    `date +%s%N > ${JSON.stringify(stamp)}`,
  ].join('\n')
  await writeFile(path.join(dir, 'deploy.sh'), `${deployScript}\n`)
  await appendFile(path.join(dir, 'pressroom.yaml'), 'deploy: sh ./deploy.sh\n')
  const page = path.join(dir, 'dist', 'en', lifting.slug, 'index.html')
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PRESS_')) env[key] = value

  const sink = await startSink()
  const samples: LiftResult['samples'] = {
    prepared: { site: [], dist: [], mail: [], lastMail: [], prepareSeconds: [], preparedAfterLift: [] },
    rebuild: { site: [], dist: [], mail: [], lastMail: [], prepareSeconds: [], preparedAfterLift: [] },
  }

  const round = async (mode: Mode): Promise<void> => {
    // Room for the build and the plan before the worker starts.
    const lift = Math.ceil((Date.now() + 25_000) / 1000) * 1000
    const iso = new Date(lift).toISOString()
    await writeFile(enFile, lifting.files.en.replace(/^date: .*$/m, `date: ${iso.slice(0, 10)}\nembargo: ${iso}`))
    await rm(path.join(dir, '.press', 'queue.db'), { force: true })
    await rm(path.join(dir, '.press', 'queue.db-wal'), { force: true })
    await rm(path.join(dir, '.press', 'queue.db-shm'), { force: true })
    // Each round mails the list afresh: the delivery record of the round before would (rightly) stop that.
    await rm(path.join(dir, 'deliveries'), { recursive: true, force: true })
    await timeCommand(process.execPath, [pressBin, 'build', '--quiet', '-C', dir], { env })
    await rm(stamp, { force: true })
    if (existsSync(page)) throw new Error(`${page} is public before the lift`)
    const ahead = mode === 'rebuild' ? { PRESS_PREPARE_AHEAD: '0' } : {}
    await timeCommand(process.execPath, [pressBin, 'send', lifting.slug, '--quiet', '-C', dir], {
      env: { ...env, ...ahead, PRESS_SMTP_URL: sink.url },
    })
    const wait = lift - leadSeconds * 1000 - Date.now()
    if (wait < 0) throw new Error(`the build and the plan took too long: the worker would start ${-wait} ms late`)
    await new Promise((resolve) => setTimeout(resolve, wait))
    sink.reset()
    const child = spawn(process.execPath, [pressBin, 'worker', '-C', dir], {
      env: { ...env, ...ahead, PRESS_SMTP_URL: sink.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let preparedAt: number | undefined
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      output += s
      if (preparedAt === undefined && /prepared the public site/.test(output)) preparedAt = Date.now()
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    let distAt: number | undefined
    const poll = setInterval(() => {
      if (distAt === undefined && existsSync(page)) distAt = Date.now()
    }, 5)
    try {
      const deadline = lift + 90_000
      while ((sink.accepted < recipients || !existsSync(stamp) || distAt === undefined) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20))
      if (sink.accepted < recipients || !existsSync(stamp) || distAt === undefined) {
        throw new Error(
          `${mode}: ${sink.accepted} of ${recipients} messages, deployed ${existsSync(stamp)}, page ${distAt !== undefined} 90 s after the lift:\n${output}`,
        )
      }
    } finally {
      clearInterval(poll)
      child.kill('SIGINT')
      await closed
    }
    const deployedAt = Number(BigInt((await readFile(stamp, 'utf8')).trim()) / 1_000_000n)
    const epoch = (t: number | undefined): number => performance.timeOrigin + (t ?? Number.NaN)
    const s = samples[mode]
    s.site.push((deployedAt - lift) / 1000)
    s.dist.push((distAt! - lift) / 1000)
    s.mail.push((epoch(sink.firstAcceptAt) - lift) / 1000)
    s.lastMail.push((epoch(sink.lastAcceptAt) - lift) / 1000)
    const prepared = /prepared the public site and mail of .* \((\d+(?:\.\d+)?) s\)/.exec(output)
    if (prepared) s.prepareSeconds.push(Number(prepared[1]))
    if (preparedAt !== undefined) s.preparedAfterLift.push((preparedAt - lift) / 1000)
    if (mode === 'prepared' && !/published the site prepared for it/.test(output))
      throw new Error(`the worker did not use the prepared site:\n${output}`)
    log(
      `lift ${mode}: site (deployed) ${s.site.at(-1)!.toFixed(2)} s, dist/ ${s.dist.at(-1)!.toFixed(2)} s, first mail ${s.mail.at(-1)!.toFixed(2)} s, last of ${recipients} ${s.lastMail.at(-1)!.toFixed(2)} s after the lift${prepared ? ` (prepared in ${prepared[1]} s, ready ${((lift - preparedAt!) / 1000).toFixed(2)} s before the lift)` : ''}`,
    )
  }

  try {
    log(
      `lift: ${releases} releases × 2 languages, PDFs on, ${recipients} recipients, worker started ${leadSeconds} s before the lift; first build of the office`,
    )
    await timeCommand(process.execPath, [pressBin, 'build', '--quiet', '-C', dir], { env })
    for (let i = 1; i <= rounds; i++) {
      const order: Mode[] = i % 2 === 1 ? ['prepared', 'rebuild'] : ['rebuild', 'prepared']
      for (const mode of order) await round(mode)
    }
  } finally {
    await sink.close()
  }
  return {
    lift_site_seconds: median(samples.prepared.site),
    lift_first_mail_seconds: median(samples.prepared.mail),
    lift_dist_seconds: median(samples.prepared.dist),
    lift_site_seconds_rebuild: median(samples.rebuild.site),
    lift_first_mail_seconds_rebuild: median(samples.rebuild.mail),
    lift_dist_seconds_rebuild: median(samples.rebuild.dist),
    lift_releases: releases,
    lift_recipients: recipients,
    lift_worker_lead_seconds: leadSeconds,
    samples,
  }
}
