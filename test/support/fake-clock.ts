import type { Clock } from '../../src/core/clock'

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  constructor(private time = Date.UTC(2026, 10, 21, 12, 0, 0)) {}

  now(): number {
    return this.time
  }

  advance(ms: number): void {
    this.time += ms
  }

  set(time: number): void {
    this.time = time
  }
}
