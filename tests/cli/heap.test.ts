/**
 * The heap setting of the sending commands: set unless the user chose one.
 */
import { describe, expect, test } from 'vitest'
import { heapFlagFor, limitHeapGrowth, sendingHeapFlag } from '../../src/cli/heap.js'

describe('heap growth of dispatch and worker', () => {
  test('set by default', () => {
    expect(heapFlagFor([], undefined)).toBe('--heap-growing-percent=50')
    expect(heapFlagFor(['--enable-source-maps'], '--trace-warnings')).toBe(sendingHeapFlag)
  })

  test('a heap setting of the user’s own (command line or NODE_OPTIONS) wins', () => {
    expect(heapFlagFor(['--max-old-space-size=512'], undefined)).toBeUndefined()
    expect(heapFlagFor(['--max_old_space_size=512'], undefined)).toBeUndefined()
    expect(heapFlagFor([], '--max-heap-size=300')).toBeUndefined()
    expect(heapFlagFor([], '--trace-warnings --heap-growing-percent=20')).toBeUndefined()
    expect(limitHeapGrowth({ NODE_OPTIONS: '--max-old-space-size=4096' })).toBeUndefined()
  })
})
