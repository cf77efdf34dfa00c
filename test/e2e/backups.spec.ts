import { expect, screenshotPath, test } from './support/serve-fixture'
import { adminCall, signIn } from './support/ui'

test('Settings → Backup & restore: back up now, restore after a confirmation, delete', async ({
  page,
  serve,
}) => {
  await adminCall(serve, 'PATCH', '/api/settings', { validation: { onAdd: false } })
  await adminCall(serve, 'POST', '/api/keys/bulk', { keys: 'sk-e2e-backup-00000000000000000001' })
  await signIn(page, serve, '#/settings')
  const section = page.getByTestId('settings-backups')
  await expect(section).toBeVisible()
  await expect(page.getByTestId('setting-data-backupIntervalHours')).toBeVisible()
  await expect(page.getByTestId('backups-empty')).toBeVisible()

  await page.getByTestId('backup-now').click()
  await expect(page.getByTestId('backups-table')).toContainText('Manual')
  const [backup] = await adminCall<{ name: string }[]>(serve, 'GET', '/api/backups')

  // The key goes, the restore brings it back.
  await adminCall(serve, 'DELETE', '/api/keys/1')
  await page.getByTestId(`backup-restore-${backup!.name}`).click()
  const dialog = page.getByTestId('backup-restore-dialog')
  await expect(dialog).toContainText('A safety copy of the current data is made first')
  await section.scrollIntoViewIfNeeded()
  await page.screenshot({ path: screenshotPath('settings-backup-restore-dialog') })
  await page.getByTestId('backup-restore-confirm').click()
  await expect(page.getByTestId('backups-table')).toContainText('Safety copy')
  await expect(dialog).toBeHidden()
  const keys = await adminCall<{ total: number }>(serve, 'GET', '/api/keys/paginated')
  expect(keys.total).toBe(1)
  await page.screenshot({ path: screenshotPath('settings-backups'), fullPage: true })

  await page.getByTestId(`backup-delete-${backup!.name}`).click()
  await page.getByRole('button', { name: 'Delete', exact: true }).last().click()
  await expect(page.getByTestId('backups-table')).not.toContainText('Manual')
})
