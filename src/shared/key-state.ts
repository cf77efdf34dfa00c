/**
 * The states of an upstream key (SPEC §2.1). Only `active` keys are in rotation.
 * The transitions between them live in one place: core/pool/key-state-machine.ts.
 */
export const keyStates = ['active', 'cooling', 'exhausted', 'invalid', 'disabled'] as const

export type KeyState = (typeof keyStates)[number]
