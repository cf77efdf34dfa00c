/// <reference types="vite/client" />
import type { KeyPoolBridge } from '../../shared/ipc-channels'

declare global {
  interface Window {
    /** Present only inside the desktop app (exposed by the preload script). */
    keypool?: KeyPoolBridge
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
