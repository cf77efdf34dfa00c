import path from 'node:path'
import { net, protocol } from 'electron'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { APP_CONTENT_SECURITY_POLICY, handleAppProtocol } from '../../../src/main/app-protocol'

type Handler = (request: { url: string }) => Promise<Response>

const root = path.resolve('/opt/keypool/renderer')

function setup(): Handler {
  handleAppProtocol(root)
  return vi.mocked(protocol.handle).mock.calls.at(-1)![1] as unknown as Handler
}

beforeEach(() => {
  vi.clearAllMocks()
})

describe('the app:// protocol handler', () => {
  it('serves files with the CSP and nosniff headers', async () => {
    vi.mocked(net.fetch).mockResolvedValueOnce(
      new Response('<html></html>', { headers: { 'content-type': 'text/html' } }),
    )
    const response = await setup()({ url: 'app://keypool/index.html' })
    expect(net.fetch).toHaveBeenCalledWith(expect.stringMatching(/^file:\/\/.*index\.html$/))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('<html></html>')
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const csp = response.headers.get('content-security-policy')
    expect(csp).toBe(APP_CONTENT_SECURITY_POLICY)
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/unsafe-eval/)
  })

  it('answers 404, with the CSP, for traversal and foreign hosts without touching the disk', async () => {
    const handler = setup()
    for (const url of ['app://keypool/..%2f..%2fetc%2fpasswd', 'app://other/index.html']) {
      const response = await handler({ url })
      expect(response.status).toBe(404)
      expect(response.headers.get('content-security-policy')).toBe(APP_CONTENT_SECURITY_POLICY)
    }
    expect(net.fetch).not.toHaveBeenCalled()
  })

  it('serves the app shell for client-side routes and 404 for missing assets', async () => {
    vi.mocked(net.fetch).mockImplementation(async (url) =>
      String(url).endsWith('/index.html')
        ? new Response('shell')
        : Promise.reject(new Error('net::ERR_FILE_NOT_FOUND')),
    )
    const handler = setup()
    const route = await handler({ url: 'app://keypool/settings' })
    expect(await route.text()).toBe('shell')
    const asset = await handler({ url: 'app://keypool/assets/missing.js' })
    expect(asset.status).toBe(404)
    vi.mocked(net.fetch).mockReset()
  })
})
