import { mockSpeechBytes, TINY_PNG_BASE64 } from './mock-content'
import {
  nowSeconds,
  requireModel,
  sendMissingParameter,
  type RouteContext,
} from './mock-route-context'

const SPEECH_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
}

/**
 * `POST /v1/audio/transcriptions` and `/translations` (multipart `file` + `model`). The text
 * names the file and its size, so a test proves the upload arrived whole.
 */
function audioText(verb: 'transcribed' | 'translated') {
  return async (context: RouteContext): Promise<void> => {
    const model = requireModel(context)
    if (!model) return
    const file = context.form?.get('file')
    if (!(file instanceof File)) return sendMissingParameter(context, 'file')
    const text = `${verb} ${file.name} (${file.size} bytes)`
    const format = context.form?.get('response_format') ?? 'json'
    const { exchange } = context
    if (format === 'text' || format === 'srt' || format === 'vtt') {
      await exchange.sendBytes(200, 'text/plain; charset=utf-8', Buffer.from(`${text}\n`))
    } else if (format === 'verbose_json') {
      await exchange.sendJson(200, {
        task: verb === 'transcribed' ? 'transcribe' : 'translate',
        language: 'english',
        duration: 1,
        text,
        segments: [],
      })
    } else {
      await exchange.sendJson(200, { text })
    }
  }
}

export const transcriptions = audioText('transcribed')
export const translations = audioText('translated')

/** `POST /v1/audio/speech`: binary audio, see `mockSpeechBytes`. */
export async function speech(context: RouteContext): Promise<void> {
  const model = requireModel(context)
  if (!model) return
  const input = context.json.input
  if (typeof input !== 'string') return sendMissingParameter(context, 'input')
  if (typeof context.json.voice !== 'string') return sendMissingParameter(context, 'voice')
  const format =
    typeof context.json.response_format === 'string' ? context.json.response_format : 'mp3'
  const type = SPEECH_TYPES[format] ?? 'application/octet-stream'
  await context.exchange.sendBytes(200, type, mockSpeechBytes(input))
}

/**
 * `POST /v1/images/generations`, `/edits`, `/variations`. gpt-image models and
 * `response_format: 'b64_json'` get a tiny PNG inline (gpt-image also reports usage); others a URL.
 */
export async function images(context: RouteContext): Promise<void> {
  const fields = context.form ? Object.fromEntries(context.form.entries()) : context.json
  const model = typeof fields.model === 'string' ? fields.model : 'dall-e-2'
  const isEdit = context.form !== undefined
  if (isEdit && !context.form?.get('image') && !context.form?.get('image[]')) {
    return sendMissingParameter(context, 'image')
  }
  if (!context.exchange.record.path.endsWith('/variations') && typeof fields.prompt !== 'string') {
    return sendMissingParameter(context, 'prompt')
  }
  const count = Math.max(1, Math.min(10, Number(fields.n ?? 1) || 1))
  const gptImage = model.startsWith('gpt-image')
  const inline = gptImage || fields.response_format === 'b64_json'
  const seq = context.exchange.record.seq
  const data = Array.from({ length: count }, (_, i) =>
    inline
      ? { b64_json: TINY_PNG_BASE64, revised_prompt: fields.prompt }
      : { url: `https://images.mock.invalid/img-${seq}-${i}.png`, revised_prompt: fields.prompt },
  )
  await context.exchange.sendJson(200, {
    created: nowSeconds(),
    data,
    ...(gptImage && {
      usage: {
        input_tokens: 10,
        output_tokens: 100 * count,
        total_tokens: 10 + 100 * count,
        input_tokens_details: { text_tokens: 10, image_tokens: 0 },
      },
    }),
  })
}
