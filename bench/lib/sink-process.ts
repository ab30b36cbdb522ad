/**
 * The SMTP sink (smtp-sink.ts) in a process of its own. In the bench's own
 * process the sink capped the raw client at 3,900–4,600 messages/s while a
 * sink in a separate process took 9,300–11,100 from it, so a sink sharing
 * the bench's process measured the sink more than the clients. The child
 * is driven over the IPC channel: reset before a round, a snapshot of the
 * counters (and the first messages' wire bytes) after it.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The sink's counters after a round (times from the child's own clock). */
export interface SinkSnapshot {
  readonly accepted: number
  readonly bytes: number
  readonly firstConnectAt: number | undefined
  readonly lastAcceptAt: number | undefined
  readonly samples: readonly Buffer[]
}

/** A sink running in a child process. */
export interface SinkProcess {
  readonly port: number
  readonly url: string
  /** Zero the counters; keep the wire bytes of the next `keep` messages. */
  reset(keep?: number): Promise<void>
  snapshot(): Promise<SinkSnapshot>
  close(): Promise<void>
}

/** Requests to the child and its answers. */
export type SinkCommand = { readonly type: 'reset'; readonly keep: number } | { readonly type: 'snapshot' } | { readonly type: 'close' }
export type SinkRequest = SinkCommand & { readonly id: number }
export type SinkReply =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'done'; readonly id: number }
  | {
      readonly type: 'snapshot'
      readonly id: number
      readonly accepted: number
      readonly bytes: number
      readonly firstConnectAt: number | null
      readonly lastAcceptAt: number | null
      readonly samples: readonly string[]
    }

/** Start the sink child (build/bench/lib/sink-child.js) and wait for its port. */
export async function startSinkProcess(): Promise<SinkProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./sink-child.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  const waiting = new Map<number, (reply: SinkReply) => void>()
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the sink process exited (${code}) before it listened`)))
    child.on('message', (reply: SinkReply) => {
      if (reply.type === 'ready') resolve(reply.port)
      else waiting.get(reply.id)?.(reply)
    })
  })
  child.removeAllListeners('exit')
  const ask = (request: SinkCommand): Promise<SinkReply> =>
    new Promise((resolve) => {
      const id = next++
      waiting.set(id, (reply) => {
        waiting.delete(id)
        resolve(reply)
      })
      child.send({ ...request, id })
    })
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    async reset(keep = 0) {
      await ask({ type: 'reset', keep })
    },
    async snapshot() {
      const reply = await ask({ type: 'snapshot' })
      if (reply.type !== 'snapshot') throw new Error('the sink process did not answer with its counters')
      return {
        accepted: reply.accepted,
        bytes: reply.bytes,
        firstConnectAt: reply.firstConnectAt ?? undefined,
        lastAcceptAt: reply.lastAcceptAt ?? undefined,
        samples: reply.samples.map((sample) => Buffer.from(sample, 'base64')),
      }
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      await ask({ type: 'close' })
      await exited
    },
  }
}
