import type { ConnectionStep } from '../../shared/contract/connection-test'
import { AppError } from '../errors'

const TIMEOUT_MS = 60_000
const PROMPT = [{ role: 'user', content: 'Reply with the single word OK.' }]

/**
 * The sub-key connection test of the UI: the same three calls a client makes first (list models,
 * a chat, a streamed chat), sent through this KeyPool's own listener so that every part of the
 * path is exercised: admission, policy, key choice, the upstream and streaming. The secret is
 * used for these requests only and never stored.
 */
export class ConnectionTester {
  constructor(private readonly baseUrl: () => string | undefined) {}

  async run(secret: string): Promise<{ steps: ConnectionStep[] }> {
    const base = this.baseUrl()
    if (!base) throw new AppError('unavailable', 'The proxy is not listening')
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }
    const steps: ConnectionStep[] = []

    const models = await this.step('models', () => fetch(`${base}/v1/models`, { headers }))
    let model: string | undefined
    if (models.response?.ok) {
      const list = ((await models.response.json()) as { data?: { id: string }[] }).data ?? []
      model = pickChatModel(list.map((entry) => entry.id))
      steps.push(models.done(`${list.length} models${model ? `; testing with ${model}` : ''}`))
    } else {
      steps.push(await models.failed())
    }
    if (!model) return { steps }

    const body = (stream: boolean) =>
      JSON.stringify({ model, messages: PROMPT, max_tokens: 5, stream })
    const chat = await this.step('chat', () =>
      fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: body(false) }),
    )
    if (chat.response?.ok) {
      const reply = (await chat.response.json()) as {
        choices?: { message?: { content?: string } }[]
      }
      steps.push(chat.done(`“${reply.choices?.[0]?.message?.content ?? ''}”`))
    } else {
      steps.push(await chat.failed())
    }

    const stream = await this.step('stream', () =>
      fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: body(true) }),
    )
    if (stream.response?.ok) {
      const text = await stream.response.text()
      const chunks = text.split('\n').filter((line) => line.startsWith('data: {')).length
      const finished = text.includes('data: [DONE]')
      steps.push(
        finished
          ? stream.done(`${chunks} chunks, then [DONE]`)
          : stream.fail('The stream ended without [DONE]'),
      )
    } else {
      steps.push(await stream.failed())
    }
    return { steps }
  }

  private async step(name: ConnectionStep['step'], send: () => Promise<Response>) {
    const started = performance.now()
    let response: Response | undefined
    let networkError: string | undefined
    try {
      response = await withTimeout(send)
    } catch (error) {
      networkError = error instanceof Error ? error.message : String(error)
    }
    const elapsed = () => Math.round(performance.now() - started)
    const result = (ok: boolean, detail: string): ConnectionStep => ({
      step: name,
      ok,
      status: response?.status ?? null,
      latencyMs: elapsed(),
      detail,
    })
    return {
      response,
      done: (detail: string) => result(true, detail),
      fail: (detail: string) => result(false, detail),
      failed: async (): Promise<ConnectionStep> => {
        if (!response) return result(false, networkError ?? 'No answer')
        const error = (await response.json().catch(() => undefined)) as
          { error?: { code?: string; message?: string } } | undefined
        return result(
          false,
          `${error?.error?.code ?? response.status}: ${error?.error?.message ?? ''}`,
        )
      },
    }
  }
}

/** A cheap chat model when the list has one, else the first that looks like a chat model. */
export function pickChatModel(ids: readonly string[]): string | undefined {
  const chat = ids.filter((id) => !/embed|whisper|tts|dall-e|moderation|image|audio/i.test(id))
  return chat.find((id) => /mini|nano|flash|haiku|small/i.test(id)) ?? chat[0] ?? ids[0]
}

async function withTimeout(send: () => Promise<Response>): Promise<Response> {
  return Promise.race([
    send(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('No answer within 60 s')), TIMEOUT_MS).unref(),
    ),
  ])
}
