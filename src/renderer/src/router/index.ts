import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'

export type PageName = 'dashboard' | 'keys' | 'subKeys' | 'logs' | 'providers' | 'settings'

export const pages: { name: PageName; path: string }[] = [
  { name: 'dashboard', path: '/dashboard' },
  { name: 'keys', path: '/keys' },
  { name: 'subKeys', path: '/sub-keys' },
  { name: 'logs', path: '/logs' },
  { name: 'providers', path: '/providers' },
  { name: 'settings', path: '/settings' },
]

const views: Record<PageName, RouteRecordRaw['component']> = {
  dashboard: () => import('../views/dashboard/index.vue'),
  keys: () => import('../views/keys/index.vue'),
  subKeys: () => import('../views/sub-keys/index.vue'),
  logs: () => import('../views/logs/index.vue'),
  providers: () => import('../views/providers/index.vue'),
  settings: () => import('../views/settings/index.vue'),
}

/** Hash history: works under the desktop app's app:// origin and at the headless server's `/`. */
export function createAppRouter() {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/dashboard' },
      ...pages.map(({ name, path }) => ({ name, path, component: views[name]! })),
      { path: '/:rest(.*)*', redirect: '/dashboard' },
    ],
  })
}
