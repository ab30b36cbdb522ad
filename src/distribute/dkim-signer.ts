/**
 * DKIM signing as a step of the one SMTP sending path: the signature is made
 * from the composed message (its header block and its shared body) before it
 * is handed to the pool, so a signed message is rate-limited, pooled and
 * retried exactly like an unsigned one. The pieces are nodemailer's own
 * (`lib/dkim`: the header parser, the relaxed body hash and the signer that
 * its `dkim` transport option runs), so the `DKIM-Signature` line is the one
 * nodemailer's pooled transport wrote (tests/distribute/nodemailer-internals.test.ts
 * pins that). The body hash depends on the body alone, and every recipient of
 * a release in one language shares one body Buffer: it is hashed once.
 */
import { createPrivateKey } from 'node:crypto'
import MessageParser from 'nodemailer/lib/dkim/message-parser.js'
import RelaxedBody from 'nodemailer/lib/dkim/relaxed-body.js'
import dkimSign from 'nodemailer/lib/dkim/sign.js'
import { TransportConfigError } from './errors.js'

/** The `mail.dkim` settings. */
export interface DkimOptions {
  readonly domainName: string
  readonly keySelector: string
  /** PEM private key (RSA). */
  readonly privateKey: string
}

/** Makes the `DKIM-Signature` header line (with its CRLF) of a message given as header block and body. */
export type DkimSigner = (head: Buffer, body: Buffer) => Promise<Buffer>

/** nodemailer's `dkim` option signs with this body hash algorithm unless told otherwise. */
const hashAlgo = 'sha256'

/**
 * Create a signer for one key.
 *
 * @param options
 *   Domain, selector and PEM private key.
 * @returns
 *   The signer; it keeps the body hash of each body Buffer it saw, for as long as that Buffer lives.
 * @throws {TransportConfigError}
 *   When the private key cannot be read (nodemailer would have sent the mail unsigned).
 */
export function createDkimSigner(options: DkimOptions): DkimSigner {
  try {
    createPrivateKey(options.privateKey)
  } catch (error) {
    throw new TransportConfigError(
      `\`mail.dkim.privateKey\` (selector \`${options.keySelector}\`, domain \`${options.domainName}\`) is not a readable PEM private key: ${error instanceof Error ? error.message : String(error)}. Paste the whole key, from \`-----BEGIN\` to \`-----END\`, into pressroom.yaml.`,
    )
  }
  const key = { domainName: options.domainName, keySelector: options.keySelector, privateKey: options.privateKey }
  const bodyHashes = new WeakMap<Buffer, Promise<string>>()
  return async (head, body) => {
    let bodyHash = bodyHashes.get(body)
    if (bodyHash === undefined) {
      bodyHash = relaxedBodyHash(body)
      bodyHashes.set(body, bodyHash)
    }
    const [headers, hash] = await Promise.all([parseHeaders(head), bodyHash])
    const line = dkimSign(headers, hashAlgo, hash, key) as string | false
    // Only a key the crypto module refuses makes it return false; the key was read above.
    if (line === false)
      throw new TransportConfigError(`DKIM signing with selector \`${options.keySelector}\` failed; check \`mail.dkim.privateKey\`.`)
    return Buffer.from(`${line}\r\n`)
  }
}

/** The relaxed-canonicalisation body hash (base64), as nodemailer's signer computes it. */
function relaxedBodyHash(body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const hasher = new RelaxedBody({ hashAlgo })
    hasher.once('hash', (digest: Buffer | string) => resolve(digest.toString()))
    hasher.once('error', reject)
    // The canonicalised body is not needed, only its hash.
    hasher.resume()
    hasher.end(body)
  })
}

/** The header fields of a header block (ending with the blank line), as nodemailer's signer reads them. */
function parseHeaders(head: Buffer): Promise<MessageParser.Header[]> {
  return new Promise((resolve, reject) => {
    const parser = new MessageParser()
    parser.once('headers', resolve)
    parser.once('error', reject)
    parser.resume()
    parser.end(head)
  })
}
