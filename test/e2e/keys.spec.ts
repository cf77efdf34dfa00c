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

const key = (i: number): string => `sk-e2e-${String(i).padStart(5, '0')}-abcdefghijklmnop`

test('adding 1,000 keys by paste shows the preview and the counts, then validation changes states', async ({
  page,
  serve,
}) => {
  mock.reset()
  for (let i = 0; i < 40; i++) mock.script(key(i), 'unauthorized')
  for (let i = 40; i < 55; i++) mock.script(key(i), 'quota')
  await adminCall(serve, 'POST', '/api/providers', { name: 'Mock upstream', baseUrl: mock.url })
  await adminCall(serve, 'PATCH', '/api/settings', { validation: { concurrency: 64 } })

  await signIn(page, serve, '#/keys')
  await expect(page.getByTestId('empty-state')).toBeVisible()
  await page.screenshot({ path: screenshotPath('keys-empty') })

  const lines = Array.from({ length: 1000 }, (_, i) => key(i))
  const text = [
    '# pasted from a spreadsheet',
    ...lines,
    key(1),
    key(2),
    key(3),
    'not a key',
    'short',
    '',
  ].join('\n')
  await page.getByTestId('add-keys').first().click()
  const dialog = page.getByTestId('add-keys-dialog')
  await dialog.getByTestId('add-keys-text').locator('textarea').fill(text)
  const preview = dialog.getByTestId('add-keys-preview')
  await expect(preview).toHaveText(
    /Lines\s*1005.*Keys to add\s*1000.*Duplicates in this batch\s*3.*Malformed\s*2/,
  )
  await dialog.getByTestId('add-keys-provider').click()
  await page.getByText('Mock upstream', { exact: true }).last().click()
  await page.waitForTimeout(300) // the provider menu has faded out: the counts are in view
  await page.screenshot({ path: screenshotPath('keys-add-preview') })

  await dialog.getByTestId('add-keys-submit').click()
  await expect(dialog.getByTestId('add-result')).toHaveText(
    /Added 1000 · duplicates 3 · malformed 2/,
  )
  await page.screenshot({ path: screenshotPath('keys-add-result') })
  await dialog.getByRole('button', { name: 'Done' }).click()

  // Validation starts on add; "Validate all keys" joins it or starts one.
  await page.getByTestId('keys-more').click()
  await page.getByText('Validate all keys').click()
  const progress = page.getByTestId('validation-progress')
  await expect(progress).toBeVisible()
  await expect(progress).toHaveAttribute('data-finished', 'true', { timeout: 30_000 })
  await expect(page.getByTestId('validation-detail')).toContainText('40 invalid')
  await expect(page.getByTestId('keys-table')).toContainText('Total: 1,000')
  await page.screenshot({ path: screenshotPath('keys-validated') })

  await page.getByTestId('keys-filter-state').click()
  await page.getByText('Invalid', { exact: true }).last().click()
  await expect(page.getByTestId('keys-table')).toContainText('Total: 40')
  await expect(page.locator('[data-state="invalid"]').first()).toBeVisible()
  await expect(page.getByTestId('pool-health')).toHaveAttribute('data-health', 'amber')
  await page.screenshot({ path: screenshotPath('keys-invalid-filter') })

  // A key's details: its recorded state change, and an editable label.
  await page.locator('[data-testid^="key-details-"]').first().click()
  const details = page.getByTestId('key-details')
  await expect(details.getByTestId('key-history')).toContainText('Invalid')
  await details.getByTestId('key-label').locator('input').fill('team-b spare')
  await page.screenshot({ path: screenshotPath('key-details') })
  await details.getByTestId('key-save').click()
  await expect(details).toBeHidden()
  await expect(page.getByTestId('keys-table')).toContainText('team-b spare')

  // Reset invalid to active brings invalid and exhausted back.
  await page.getByTestId('keys-more').click()
  await page.getByText('Reset invalid to active').click()
  await page.getByRole('button', { name: 'Confirm' }).click()
  await expect(page.getByTestId('keys-table')).toContainText('Total: 0')
})
