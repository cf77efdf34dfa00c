import { startMockUpstream, type MockUpstream } from '../support/mock-upstream'
import { expect, screenshotPath, test } from './support/serve-fixture'
import { adminCall, signIn } from './support/ui'

let mock: MockUpstream
test.beforeAll(async () => {
  mock = await startMockUpstream()
})
test.afterAll(async () => {
  await mock.close()
})

test('a sub-key is created, copied from the reveal dialog and used through the proxy', async ({
  page,
  serve,
}) => {
  const provider = await adminCall<{ id: number }>(serve, 'POST', '/api/providers', {
    name: 'Mock upstream',
    baseUrl: mock.url,
  })
  await adminCall(serve, 'POST', '/api/keys/bulk', {
    keys: 'sk-e2e-proxy-key-0001-abcdefgh\nsk-e2e-proxy-key-0002-abcdefgh',
    providerId: provider.id,
  })

  await signIn(page, serve, '#/sub-keys')
  await expect(page.getByTestId('empty-state')).toBeVisible()
  await page.screenshot({ path: screenshotPath('sub-keys-empty') })
  await page.getByTestId('create-sub-key').click()
  const form = page.getByTestId('sub-key-form')
  await form.getByTestId('sub-key-name').locator('input').fill('e2e laptop')
  await form.getByTestId('sub-key-max-requests').locator('input').fill('10')
  await page.waitForTimeout(300) // let the dialog finish fading in for the screenshot
  await page.screenshot({ path: screenshotPath('sub-key-form') })
  await form.getByTestId('sub-key-submit').click()

  const reveal = page.getByTestId('reveal-dialog')
  await expect(reveal).toBeVisible()
  // The key is taken the way a user takes it: the copy button, then the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: serve.url,
  })
  await reveal.getByTestId('reveal-copy').click()
  await expect(page.getByText('Copied', { exact: true })).toBeVisible()
  // (The page's `navigator`; this file is type-checked without the DOM library.)
  const secret = await page.evaluate(() =>
    (
      globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
    ).navigator.clipboard.readText(),
  )
  expect(secret).toMatch(/^sk-kp-[0-9A-Za-z]{32,}$/)
  expect((await reveal.getByTestId('reveal-secret').textContent())!.trim()).toBe(secret)
  await expect(reveal.getByTestId('snippet-env')).toContainText(`OPENAI_API_KEY="${secret}"`)
  await expect(form).toBeHidden() // the form has faded out: the screenshot shows the dialog alone
  await page.screenshot({ path: screenshotPath('sub-key-reveal') })
  // The connection test runs models, a chat and a streamed chat with the secret: 3 requests.
  await reveal.getByTestId('reveal-test').click()
  const results = reveal.getByTestId('reveal-test-results')
  await expect(results.locator('li')).toHaveCount(3)
  await expect(results).toContainText('[DONE]')
  await expect(results).not.toContainText('invalid_sub_key')
  await page.screenshot({ path: screenshotPath('sub-key-connection-test') })
  await reveal.getByTestId('reveal-close').click()
  await expect(reveal).toBeHidden()
  // The secret is never rendered again.
  await expect(page.getByText(secret)).toHaveCount(0)
  expect(await page.content()).not.toContain(secret)

  const response = await fetch(`${serve.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { choices: unknown[] }
  expect(body.choices.length).toBe(1)

  await page.getByRole('button', { name: 'Refresh' }).click()
  await expect(page.getByTestId('sub-keys-table')).toContainText('6 / 10')
  await page.screenshot({ path: screenshotPath('sub-keys-used') })

  // The dashboard's numbers move with the traffic, and the log shows the request.
  await page.getByTestId('nav-dashboard').click()
  await expect(page.getByTestId('card-total')).toContainText('4')
  for (let i = 0; i < 3; i++) {
    await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    })
  }
  await expect(page.getByTestId('card-total')).toContainText('7')
  await page.waitForTimeout(3500)
  await page.screenshot({ path: screenshotPath('dashboard-after-traffic') })
  await page.getByTestId('nav-logs').click()
  await expect(page.getByText('gpt-4o-mini').first()).toBeVisible()
  await page.getByText('gpt-4o-mini').first().click()
  await page.waitForTimeout(300)
  await page.screenshot({ path: screenshotPath('logs-detail') })

  // "Its requests" on the sub-key opens the log filtered by it; the chip clears the filter.
  await page.keyboard.press('Escape')
  await page.getByTestId('nav-subKeys').click()
  await page.locator('[data-testid^="sub-key-more-"]').first().click()
  await page.getByText('Its requests', { exact: true }).click()
  await expect(page.getByTestId('logs-filter-sub-key')).toContainText('Sub-key: e2e laptop')
  await expect(page.locator('[data-testid^="log-row-"]')).toHaveCount(7)
  await page.waitForTimeout(400)
  await page.screenshot({ path: screenshotPath('logs-filtered') })
  await page.getByTestId('logs-filter-sub-key').locator('.n-base-close').click()
  await expect(page.getByTestId('logs-filter-sub-key')).toHaveCount(0)

  // The provider's Test lists models with one of its keys.
  await page.getByTestId('nav-providers').click()
  await page.getByTestId(`provider-test-${provider.id}`).click()
  await expect(page.getByText(/models listed in \d+ ms/)).toBeVisible()
  await page.screenshot({ path: screenshotPath('provider-test') })
})
