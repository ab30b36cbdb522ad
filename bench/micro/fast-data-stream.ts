/**
 * Loaded with `node --import ./build/bench/micro/fast-data-stream.js bin/press.js dispatch …`:
 * installs the indexOf-based SMTP DATA transform (src/distribute/smtp-data-stream.ts)
 * on nodemailer's DataStream up front. The SMTP mailer now installs it itself,
 * so with the current code this changes nothing; it is kept so that
 * `--experiments` still runs, and for measuring older commits.
 */
import { installFastDataStream } from '../../src/distribute/smtp-data-stream.js'

installFastDataStream()
