import type { BenchTarget } from './bench-target'

/**
 * Runs one measurement on every target, round after round, alternating the order (A B C, then
 * C B A, …): a slow drift of the machine (another job starting, thermal throttling) then lands
 * on every target alike instead of on whichever ran last, and no target always runs right
 * after the same neighbour. Each target first gets an untimed warm-up (JIT, connection pools).
 * Returns every round's sample per target name; the report keeps their median.
 */
export async function alternatingRounds<T>(options: {
  targets: readonly BenchTarget[]
  rounds: number
  warmUp?: (target: BenchTarget) => Promise<unknown>
  measure: (target: BenchTarget, round: number) => Promise<T>
  /** Called after each sample (progress output). */
  onSample?: (target: BenchTarget, round: number, sample: T) => void
}): Promise<Map<string, T[]>> {
  const samples = new Map<string, T[]>(options.targets.map((target) => [target.name, []]))
  if (options.warmUp) for (const target of options.targets) await options.warmUp(target)
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? options.targets : [...options.targets].reverse()
    for (const target of order) {
      const sample = await options.measure(target, round)
      samples.get(target.name)!.push(sample)
      options.onSample?.(target, round, sample)
    }
  }
  return samples
}
