/**
 * The one door to the office's source files (release folders, templates,
 * catalogs): Pressroom reads a file only when it is a regular file, no
 * larger than a limit, whose real path (every symbolic link followed) is
 * inside the folder it belongs to. A link to `/proc/self/environ` or
 * `/etc/passwd`, a dangling link, a link loop, a device, a FIFO or a
 * socket is refused the same way by `press check`, the build, the
 * composer and the preview, before a byte of it is read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { PressError } from './errors.js'

/** The largest file a release folder may hold (attachments, images, Markdown): 25 MiB. */
export const maxReleaseFileBytes = 25 * 1024 * 1024

/** Why a file is not read. */
export type UnsafeReason = 'dangling-link' | 'link-loop' | 'outside' | 'not-regular' | 'too-large' | 'unreadable'

/** What {@link inspectFile} found. */
export type FileVerdict =
  | { readonly ok: true; readonly real: string; readonly size: number }
  | { readonly ok: false; readonly reason: UnsafeReason; readonly message: string }

/** A file Pressroom refuses to read (see the module comment). */
export class UnsafeFileError extends PressError {
  override readonly code = 'PRESS_UNSAFE_FILE'
  /** Why. */
  readonly reason: UnsafeReason
  constructor(shown: string, verdict: Extract<FileVerdict, { ok: false }>) {
    super(`${shown}: ${verdict.message}`)
    this.reason = verdict.reason
  }
}

/** The real path of a folder (the folder itself when it cannot be resolved). */
function realRoot(root: string): string {
  try {
    return realpathSync.native(root)
  } catch {
    return path.resolve(root)
  }
}

/** Whether `file` is `root` itself or below it. */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file)
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative)
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder'
  if (info.isFIFO()) return 'a FIFO (named pipe)'
  if (info.isSocket()) return 'a socket'
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device'
  return 'not a regular file'
}

function mib(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`
}

/**
 * Decide whether `file` may be read, without opening it.
 *
 * @param file Absolute path of the file as the office names it.
 * @param root The folder its real path must stay inside (a release folder, templates/, locales/).
 * @param limit Largest size in bytes (optional; default {@link maxReleaseFileBytes}).
 * @returns The real path and size, or why not (a sentence that says how to fix it).
 */
export function inspectFile(file: string, root: string, limit = maxReleaseFileBytes): FileVerdict {
  let link: Stats
  try {
    link = lstatSync(file)
  } catch (error) {
    return { ok: false, reason: 'unreadable', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }
  }
  let real: string
  if (link.isSymbolicLink()) {
    try {
      real = realpathSync.native(file)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ELOOP')
        return { ok: false, reason: 'link-loop', message: 'is a symbolic link that loops back on itself; replace it with the file itself' }
      let target = ''
      try {
        target = ` to \`${readlinkSync(file)}\``
      } catch {
        // the target text is only for the message
      }
      return {
        ok: false,
        reason: 'dangling-link',
        message: `is a symbolic link${target} that points at nothing; replace it with the file itself or remove it`,
      }
    }
  } else {
    real = path.join(realRoot(path.dirname(file)), path.basename(file))
  }
  const base = realRoot(root)
  if (!isInside(base, real)) {
    return {
      ok: false,
      reason: 'outside',
      message: `is a symbolic link to \`${real}\`, outside ${path.basename(root)}/; Pressroom reads only files inside the folder they belong to. Copy the file in instead of linking it`,
    }
  }
  let info: Stats
  try {
    info = link.isSymbolicLink() ? statSync(real) : link
  } catch (error) {
    return { ok: false, reason: 'unreadable', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }
  }
  if (!info.isFile())
    return { ok: false, reason: 'not-regular', message: `is ${kindOf(info)}; only regular files are read. Remove it from the folder` }
  if (info.size > limit)
    return {
      ok: false,
      reason: 'too-large',
      message: `is ${mib(info.size)}, over the limit of ${mib(limit)} for a file here; make it smaller or publish it elsewhere and link to it`,
    }
  return { ok: true, real, size: info.size }
}

/**
 * Read a file through {@link inspectFile}'s rules. The file is opened
 * without blocking (a FIFO swapped in after the check cannot hang the
 * run) and checked again on the open descriptor, so a link swapped in
 * between the check and the read is caught too.
 *
 * @param file Absolute path as the office names it.
 * @param root The folder its real path must stay inside.
 * @param shown The name to print in errors (e.g. `releases/x/report.pdf`).
 * @param limit Largest size in bytes (optional; default {@link maxReleaseFileBytes}).
 * @returns The bytes.
 * @throws UnsafeFileError when the file may not be read.
 */
export function readSafeFile(file: string, root: string, shown: string, limit = maxReleaseFileBytes): Buffer {
  const verdict = inspectFile(file, root, limit)
  if (!verdict.ok) throw new UnsafeFileError(shown, verdict)
  return readOpened(verdict.real, root, shown, limit, true)
}

/**
 * Read a file the folder listing called a regular file (not a link): one
 * open, one fstat, the reads — what `readFileSync` costs — with the size
 * checked before anything is read and the open refused if the entry became
 * a link meanwhile.
 *
 * @param file Absolute path of a directory entry that was a regular file.
 * @param root The folder it is in.
 * @param shown The name to print in errors.
 * @param limit Largest size in bytes (optional; default {@link maxReleaseFileBytes}).
 * @returns The bytes.
 * @throws UnsafeFileError when the file may not be read.
 */
export function readRegularEntry(file: string, root: string, shown: string, limit = maxReleaseFileBytes): Buffer {
  // O_NOFOLLOW already refuses a last-moment link; the folder was listed as a real folder.
  return readOpened(file, root, shown, limit, false)
}

function readOpened(file: string, root: string, shown: string, limit: number, verifyPath: boolean): Buffer {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_NOFOLLOW)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP')
      throw new UnsafeFileError(shown, { ok: false, reason: 'outside', message: 'became a symbolic link while being read; run again' })
    throw new UnsafeFileError(shown, { ok: false, reason: 'unreadable', message: `cannot be read (${code ?? 'error'})` })
  }
  try {
    const info = fstatSync(fd)
    if (!info.isFile())
      throw new UnsafeFileError(shown, {
        ok: false,
        reason: 'not-regular',
        message: `is ${kindOf(info)}; only regular files are read. Remove it from the folder`,
      })
    if (info.size > limit)
      throw new UnsafeFileError(shown, {
        ok: false,
        reason: 'too-large',
        message: `is ${mib(info.size)}, over the limit of ${mib(limit)} for a file here; make it smaller or publish it elsewhere and link to it`,
      })
    const opened = verifyPath ? openedPath(fd) : undefined
    if (opened !== undefined && !isInside(realRoot(root), opened)) {
      throw new UnsafeFileError(shown, {
        ok: false,
        reason: 'outside',
        message: `is outside ${path.basename(root)}/ (\`${opened}\`); Pressroom reads only files inside the folder they belong to. Copy the file in instead of linking it`,
      })
    }
    const buffer = Buffer.allocUnsafe(info.size)
    let done = 0
    while (done < info.size) {
      const n = readSync(fd, buffer, done, info.size - done, done)
      if (n === 0) break
      done += n
    }
    return done === info.size ? buffer : buffer.subarray(0, done)
  } finally {
    closeSync(fd)
  }
}

/** The path the kernel opened for `fd` (Linux `/proc/self/fd`), when it can tell. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return undefined
  }
}
