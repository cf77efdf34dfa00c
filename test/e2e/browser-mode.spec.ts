import { expect, screenshotPath, test } from './support/serve-fixture'

test('the web UI asks for the admin token, then reads settings over HTTP', async ({
  page,
  serve,
}) => {
  await page.goto(serve.url)
  await expect(page.getByTestId('token-input')).toBeVisible()
  await page.screenshot({ path: screenshotPath('login') })

  await page.getByTestId('token-input').locator('input').fill(serve.token)
  await page.getByTestId('sign-in').click()

  await expect(page.getByTestId('proxy-url')).toHaveText('Proxy: http://127.0.0.1:8327/v1')
  await expect(page.getByTestId('strategy')).toHaveText('Routing: round-robin')
  await expect(page.getByText('Transport: http')).toBeVisible()
  await page.screenshot({ path: screenshotPath('settings-loaded') })
})

test('the served page carries a strict CSP', async ({ request, serve }) => {
  const response = await request.get(serve.url)
  expect(response.status()).toBe(200)
  const csp = response.headers()['content-security-policy']
  expect(csp).toContain("script-src 'self'")
  expect(csp).toContain("frame-ancestors 'none'")
})
