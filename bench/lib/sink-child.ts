/**
 * The child side of sink-process.ts: an SMTP sink, driven over IPC.
 */
import type { SinkReply, SinkRequest } from './sink-process.js'
import { startSink } from './smtp-sink.js'

const sink = await startSink()
const reply = (message: SinkReply): void => {
  process.send!(message)
}
process.on('message', (request: SinkRequest) => {
  if (request.type === 'reset') {
    sink.reset(request.keep)
    reply({ type: 'done', id: request.id })
  } else if (request.type === 'snapshot') {
    reply({
      type: 'snapshot',
      id: request.id,
      accepted: sink.accepted,
      bytes: sink.bytes,
      firstConnectAt: sink.firstConnectAt ?? null,
      lastAcceptAt: sink.lastAcceptAt ?? null,
      samples: sink.samples.map((sample) => sample.toString('base64')),
    })
  } else {
    void sink.close().then(() => {
      reply({ type: 'done', id: request.id })
      process.disconnect()
    })
  }
})
reply({ type: 'ready', port: sink.port })
