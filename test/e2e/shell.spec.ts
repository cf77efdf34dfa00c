import { expect, screenshotPath, test } from './support/serve-fixture'
import { adminCall, signIn } from './support/ui'

test('switching language and theme changes the whole UI and is kept in settings', async ({
  page,
  serve,
}) => {
  await signIn(page, serve, '#/settings')
  await expect(page.getByTestId('settings-proxy')).toBeVisible()
  // Headless without a keychain: the key-file protection is shown with its warning.
  await expect(page.getByTestId('settings-security')).toContainText('master.key')
  await expect(page.getByTestId('key-protection-warning')).toBeVisible()
  await page.screenshot({ path: screenshotPath('settings-light'), fullPage: true })

  await page.getByTestId('language-switch').click()
  await page.getByText('简体中文', { exact: true }).last().click()
  await expect(page.getByTestId('nav-keys')).toHaveText('密钥')
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN')

  await page.getByTestId('theme-switch').click()
  await page.getByText('深色', { exact: true }).last().click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.getByTestId('nav-dashboard').click()
  await expect(page.getByTestId('card-usableKeys')).toBeVisible()
  await page.waitForTimeout(300)
  await page.screenshot({ path: screenshotPath('dashboard-dark-zh') })

  const settings = await adminCall<{ ui: { theme: string; language: string } }>(
    serve,
    'GET',
    '/api/settings',
  )
  expect(settings.ui).toEqual({ theme: 'dark', language: 'zh-CN' })

  // A non-loopback bind address shows the LAN warning before saving.
  await page.getByTestId('nav-settings').click()
  const host = page.getByTestId('setting-proxy-host').locator('input')
  await host.fill('0.0.0.0')
  await expect(page.getByTestId('lan-warning')).toBeVisible()
  await page.screenshot({ path: screenshotPath('settings-lan-warning-dark-zh') })
})

test('a phone-width viewport gets a menu button and a drawer', async ({ page, serve }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await adminCall(serve, 'POST', '/api/keys/bulk', {
    keys: Array.from(
      { length: 30 },
      (_, i) => `sk-phone-${String(i).padStart(4, '0')}-abcdefgh`,
    ).join('\n'),
  })
  await signIn(page, serve)
  await expect(page.getByTestId('sider')).toHaveCount(0)
  await expect(page.getByTestId('proxy-url')).toHaveCount(0) // no room: the copy button only
  await expect(page.getByTestId('card-usableKeys')).toContainText('30 / 30')
  await page.waitForTimeout(1_000) // the donut's opening animation
  await page.screenshot({ path: screenshotPath('phone-dashboard') })
  await page.getByTestId('menu-button').click()
  await expect(page.getByTestId('menu-drawer')).toBeVisible()
  await page.waitForTimeout(300)
  await page.screenshot({ path: screenshotPath('phone-menu') })
  await page.getByTestId('nav-keys').click()
  await expect(page.getByTestId('menu-drawer')).toBeHidden()
  await expect(page.getByTestId('keys-table')).toContainText('30')
  await page.screenshot({ path: screenshotPath('phone-keys') })
  await page.getByTestId('add-keys').click()
  await page.waitForTimeout(300)
  await page.screenshot({ path: screenshotPath('phone-add-keys') })
})
