import type { ValidationProgress } from '../../shared/contract/validation'
import type { OutcomeKind } from '../pool/classify-upstream-response'

/** The progress counters an outcome adds to (SPEC §2.3's result column). */
export type ValidationResult = 'active' | 'invalid' | 'exhausted' | 'cooling' | 'unknown'

const resultOf: Record<OutcomeKind, ValidationResult> = {
  success: 'active',
  invalid: 'invalid',
  exhausted: 'exhausted',
  'rate-limited': 'cooling',
  'client-error': 'unknown',
  'server-error': 'unknown',
  'network-error': 'unknown',
}

export const validationResult = (kind: OutcomeKind): ValidationResult => resultOf[kind]

/** The counters of one run; `snapshot()` is what `validation.progress` carries. */
export class ValidationTally {
  total = 0
  finished = false
  cancelled = false
  private readonly counts: Record<ValidationResult, number> = {
    active: 0,
    invalid: 0,
    exhausted: 0,
    cooling: 0,
    unknown: 0,
  }

  constructor(readonly runId: string) {}

  count(result: ValidationResult): void {
    this.counts[result]++
  }

  get done(): number {
    const { active, invalid, exhausted, cooling, unknown } = this.counts
    return active + invalid + exhausted + cooling + unknown
  }

  snapshot(): ValidationProgress {
    return {
      runId: this.runId,
      total: this.total,
      done: this.done,
      ...this.counts,
      finished: this.finished,
      cancelled: this.cancelled,
    }
  }
}
