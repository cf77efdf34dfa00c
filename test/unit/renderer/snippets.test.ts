import { describe, expect, it } from 'vitest'
import { buildSnippets } from '../../../src/renderer/src/utils/snippets'

describe('the sub-key snippets', () => {
  const snippets = buildSnippets({
    baseUrl: 'http://127.0.0.1:8327/v1/',
    secret: 'sk-kp-XYZ',
    model: 'gpt-4o',
  })
  const byId = Object.fromEntries(snippets.map((snippet) => [snippet.id, snippet.code]))

  it('covers every client the reveal dialog promises', () => {
    expect(snippets.map((snippet) => snippet.id)).toEqual([
      'env',
      'curl',
      'python',
      'node',
      'continue',
      'cline',
      'codex',
    ])
  })

  it('puts the base URL (without a trailing slash) and the secret into each', () => {
    expect(byId.env).toBe(
      'export OPENAI_BASE_URL="http://127.0.0.1:8327/v1"\nexport OPENAI_API_KEY="sk-kp-XYZ"',
    )
    expect(byId.curl).toContain('curl http://127.0.0.1:8327/v1/chat/completions')
    expect(byId.curl).toContain('Authorization: Bearer sk-kp-XYZ')
    expect(byId.python).toContain(
      'OpenAI(base_url="http://127.0.0.1:8327/v1", api_key="sk-kp-XYZ")',
    )
    expect(byId.node).toContain(
      "new OpenAI({ baseURL: 'http://127.0.0.1:8327/v1', apiKey: 'sk-kp-XYZ' })",
    )
    expect(byId.continue).toContain('apiBase: http://127.0.0.1:8327/v1')
    expect(byId.cline).toContain('API Key: sk-kp-XYZ')
    expect(byId.codex).toContain('[model_providers.keypool]')
    expect(byId.codex).toContain('base_url = "http://127.0.0.1:8327/v1"')
    for (const code of Object.values(byId)) expect(code).toContain('sk-kp-XYZ')
  })
})
