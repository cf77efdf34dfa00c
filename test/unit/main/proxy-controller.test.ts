import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { KeyPoolCore } from '../../../src/core/keypool-core'
import { silentLogger, type Logger } from '../../../src/core/logger'
import { ProxyController } from '../../../src/main/proxy-controller'
import { tempDir } from '../../support/temp-dir'

let core: KeyPoolCore | undefined
const blockers: net.Server[] = []

afterEach(async () => {
  await core?.close(0)
  core = undefined
  for (const server of blockers.splice(0)) server.close()
})

function setup(port?: number, logger: Logger = silentLogger) {
  core = KeyPoolCore.open({ dataDir: tempDir(), logger: silentLogger })
  const onChange = vi.fn()
  const proxy = new ProxyController(core, { logger, port, stopDeadlineMs: 100, onChange })
  return { proxy, onChange, core }
}

describe('ProxyController', () => {
  it('starts and stops the listener, keeping the store open', async () => {
    const { proxy, onChange, core } = setup(0)
    expect(proxy.url).toBeUndefined()
    expect(proxy.baseUrl()).toBe('http://127.0.0.1:0/v1')
    await proxy.start()
    const url = proxy.url!
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(proxy.baseUrl()).toBe(`${url}/v1`)
    expect((await fetch(`${url}/health`)).status).toBe(200)
    await proxy.start() // already running: no-op
    await proxy.stop()
    expect(proxy.url).toBeUndefined()
    await expect(fetch(`${url}/health`)).rejects.toThrow()
    expect(core.settings.get().proxy.port).toBe(8327) // the store still answers
    expect(onChange).toHaveBeenCalledTimes(2)
    await proxy.start() // and it can start again
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('logs a port in use and stays stopped', async () => {
    const blocker = net.createServer()
    blockers.push(blocker)
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    const logger = { ...silentLogger, error: vi.fn() }
    const { proxy, onChange } = setup(port, logger)
    await proxy.start()
    expect(proxy.url).toBeUndefined()
    expect(logger.error).toHaveBeenCalledWith('proxy could not start', expect.anything())
    expect(onChange).toHaveBeenCalledOnce()
    expect(proxy.baseUrl()).toBe(`http://127.0.0.1:${port}/v1`)
  })
})
