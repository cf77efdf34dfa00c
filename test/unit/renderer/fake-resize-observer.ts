/**
 * happy-dom lays nothing out, and its ResizeObserver never reports. naive-ui's virtual lists
 * (select menus, the pagination's page-size picker) render only the items that fit the size
 * they were told, so they would render none. This observer reports every observed element as
 * 320 × 320 px. Import it before anything imports naive-ui: vueuc picks the observer at load.
 */
class FakeResizeObserver {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: Element): void {
    const size = { blockSize: 320, inlineSize: 320 }
    const entry = {
      target,
      contentRect: {
        x: 0,
        y: 0,
        top: 0,
        left: 0,
        bottom: 320,
        right: 320,
        width: 320,
        height: 320,
      },
      borderBoxSize: [size],
      contentBoxSize: [size],
      devicePixelContentBoxSize: [size],
    } as unknown as ResizeObserverEntry
    queueMicrotask(() => this.callback([entry], this as unknown as ResizeObserver))
  }
  unobserve(): void {}
  disconnect(): void {}
}

window.ResizeObserver = FakeResizeObserver as unknown as typeof ResizeObserver
globalThis.ResizeObserver = window.ResizeObserver
