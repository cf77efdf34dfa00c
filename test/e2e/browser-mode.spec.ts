import { expect, screenshotPath, test } from './support/serve-fixture'
import { signIn } from './support/ui'

test('the web UI asks for the admin token, refuses a wrong one, then shows the shell', async ({
  page,
  serve,
}) => {
  await page.goto(serve.url)
  await expect(page.getByTestId('token-input')).toBeVisible()
  await page.screenshot({ path: screenshotPath('login') })

  await page.getByTestId('token-input').locator('input').fill('wrong-token-0123456789')
  await page.getByTestId('sign-in').click()
  await expect(page.getByText('That token was not accepted.')).toBeVisible()

  await page.getByTestId('token-input').locator('input').fill(serve.token)
  await page.getByTestId('sign-in').click()
  await expect(page.getByTestId('proxy-url')).toHaveText(`${serve.url}/v1`)
  await expect(page.getByTestId('nav-keys')).toBeVisible()
  await expect(page.getByTestId('pool-health')).toHaveAttribute('data-health', 'grey')
  await page.screenshot({ path: screenshotPath('dashboard-empty') })
})

test('a 401 from any call returns to the login page', async ({ page, serve }) => {
  await signIn(page, serve)
  await page.evaluate(() =>
    sessionStorage.setItem('keypool.adminToken', 'revoked-token-0123456789'),
  )
  await page.getByTestId('nav-keys').click()
  await expect(page.getByTestId('token-input')).toBeVisible()
})

test('the served page carries a strict CSP', async ({ request, serve }) => {
  const response = await request.get(serve.url)
  expect(response.status()).toBe(200)
  const csp = response.headers()['content-security-policy']
  expect(csp).toContain("script-src 'self'")
  expect(csp).toContain("frame-ancestors 'none'")
})
