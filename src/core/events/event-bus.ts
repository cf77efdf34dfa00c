import type { EventName, EventPayload } from '../../shared/contract'

type Listener<N extends EventName> = (payload: EventPayload<N>) => void
type AnyListener = (name: EventName, payload: unknown) => void

/**
 * The core's typed event bus. Transports subscribe with `onAny` and forward every event over
 * IPC or SSE; services subscribe to single events. A throwing listener never breaks the emitter.
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>()
  private readonly anyListeners = new Set<AnyListener>()

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    for (const listener of this.listeners.get(name) ?? []) this.safely(() => listener(payload))
    for (const listener of this.anyListeners) this.safely(() => listener(name, payload))
  }

  on<N extends EventName>(name: N, listener: Listener<N>): () => void {
    let set = this.listeners.get(name)
    if (!set) this.listeners.set(name, (set = new Set()))
    set.add(listener as Listener<EventName>)
    return () => set.delete(listener as Listener<EventName>)
  }

  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener)
    return () => this.anyListeners.delete(listener)
  }

  private safely(call: () => void): void {
    try {
      call()
    } catch (error) {
      this.onListenerError(error)
    }
  }
}
