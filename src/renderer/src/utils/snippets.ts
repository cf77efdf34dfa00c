/** One ready-to-paste configuration for a client tool. */
export interface Snippet {
  id: 'env' | 'curl' | 'python' | 'node' | 'continue' | 'cline' | 'codex'
  title: string
  language: 'bash' | 'python' | 'javascript' | 'yaml' | 'toml' | 'text'
  code: string
}

export interface SnippetInput {
  /** The proxy's base URL, ending in /v1. */
  baseUrl: string
  secret: string
  model?: string
}

/**
 * Configuration for the usual OpenAI clients, pointing at the proxy with the sub-key. Built on
 * demand in the reveal dialog only: the secret lives in these strings until the dialog closes.
 */
export function buildSnippets({ baseUrl, secret, model = 'gpt-4o-mini' }: SnippetInput): Snippet[] {
  const base = baseUrl.replace(/\/+$/, '')
  return [
    {
      id: 'env',
      title: 'Environment',
      language: 'bash',
      code: `export OPENAI_BASE_URL="${base}"\nexport OPENAI_API_KEY="${secret}"`,
    },
    {
      id: 'curl',
      title: 'curl',
      language: 'bash',
      code: [
        `curl ${base}/chat/completions \\`,
        `  -H "Authorization: Bearer ${secret}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`,
      ].join('\n'),
    },
    {
      id: 'python',
      title: 'Python',
      language: 'python',
      code: [
        'from openai import OpenAI',
        '',
        `client = OpenAI(base_url="${base}", api_key="${secret}")`,
        'reply = client.chat.completions.create(',
        `    model="${model}",`,
        '    messages=[{"role": "user", "content": "Hello"}],',
        ')',
        'print(reply.choices[0].message.content)',
      ].join('\n'),
    },
    {
      id: 'node',
      title: 'Node.js',
      language: 'javascript',
      code: [
        "import OpenAI from 'openai'",
        '',
        `const client = new OpenAI({ baseURL: '${base}', apiKey: '${secret}' })`,
        'const reply = await client.chat.completions.create({',
        `  model: '${model}',`,
        "  messages: [{ role: 'user', content: 'Hello' }],",
        '})',
        'console.log(reply.choices[0].message.content)',
      ].join('\n'),
    },
    {
      id: 'continue',
      title: 'Continue',
      language: 'yaml',
      code: [
        '# ~/.continue/config.yaml',
        'models:',
        '  - name: KeyPool',
        '    provider: openai',
        `    model: ${model}`,
        `    apiBase: ${base}`,
        `    apiKey: ${secret}`,
      ].join('\n'),
    },
    {
      id: 'cline',
      title: 'Cline',
      language: 'text',
      code: [
        'API Provider: OpenAI Compatible',
        `Base URL: ${base}`,
        `API Key: ${secret}`,
        `Model ID: ${model}`,
      ].join('\n'),
    },
    {
      id: 'codex',
      title: 'Codex CLI',
      language: 'toml',
      code: [
        '# ~/.codex/config.toml',
        `model = "${model}"`,
        'model_provider = "keypool"',
        '',
        '[model_providers.keypool]',
        'name = "KeyPool"',
        `base_url = "${base}"`,
        'env_key = "KEYPOOL_API_KEY"',
        'wire_api = "chat"',
        '',
        `# then: export KEYPOOL_API_KEY="${secret}"`,
      ].join('\n'),
    },
  ]
}
