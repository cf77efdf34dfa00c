import type { Page } from '@playwright/test'
import { expect } from '@playwright/test'
import type { ServeInstance } from './serve-fixture'

/** Opens the web UI and signs in with the admin token. */
export async function signIn(page: Page, serve: ServeInstance, hash = ''): Promise<void> {
  await page.goto(`${serve.url}/${hash}`)
  await page.getByTestId('token-input').locator('input').fill(serve.token)
  await page.getByTestId('sign-in').click()
  // The shell is up: its copy-base-URL button shows at every width (the URL text only on wide).
  await expect(page.getByTestId('copy-base-url')).toBeVisible()
}

/** Calls the admin API the way a script would. */
export async function adminCall<T>(
  serve: ServeInstance,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${serve.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${serve.token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const parsed = (await response.json()) as T
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`)
  return parsed
}
