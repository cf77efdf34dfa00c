import { onScopeDispose, ref, type Ref } from 'vue'

/** A reactive `matchMedia` result, following changes (window resize, OS theme switch). */
export function useMediaQuery(query: string): Ref<boolean> {
  const list = typeof window.matchMedia === 'function' ? window.matchMedia(query) : undefined
  const matches = ref(list?.matches ?? false)
  const onChange = (event: MediaQueryListEvent): void => {
    matches.value = event.matches
  }
  list?.addEventListener('change', onChange)
  onScopeDispose(() => list?.removeEventListener('change', onChange))
  return matches
}
