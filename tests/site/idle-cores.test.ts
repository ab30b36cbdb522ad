/**
 * Idle cores from the machine's CPU counters, for choosing render workers.
 */
import { cpus } from 'node:os'
import { describe, expect, test } from 'vitest'
import { idleCores, sampleCpu } from '../../src/site/idle-cores.js'

describe('idleCores', () => {
  test('the idle share of the CPU time between two samples, in cores', () => {
    expect(idleCores({ busy: 1000, idle: 5000 }, { busy: 1300, idle: 5100 }, 2)).toBeCloseTo(0.5)
    expect(idleCores({ busy: 0, idle: 0 }, { busy: 0, idle: 800 }, 4)).toBe(4)
  })

  test('too short a stretch says nothing', () => {
    expect(idleCores({ busy: 0, idle: 0 }, { busy: 100, idle: 50 }, 2)).toBeUndefined()
  })

  test('real counters move forward and give a figure between 0 and the cores', async () => {
    const from = sampleCpu()
    const until = Date.now() + 150
    while (Date.now() < until) Math.sqrt(Math.random())
    const idle = idleCores(from, sampleCpu(), cpus().length)
    expect(idle).toBeDefined()
    expect(idle!).toBeGreaterThanOrEqual(0)
    // This thread was busy the whole time.
    expect(idle!).toBeLessThanOrEqual(cpus().length - 0.5)
  })
})
