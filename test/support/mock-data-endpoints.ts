import { float32Base64, mockEmbedding } from './mock-content'
import {
  nowSeconds,
  requireModel,
  sendMissingParameter,
  type RouteContext,
} from './mock-route-context'

/** A fixed creation time, so model lists compare equal across runs. */
const MODEL_CREATED = 1_700_000_000

const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
]

function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'system' }
}

/** `GET /v1/models`: the key's model list. */
export async function listModels(context: RouteContext): Promise<void> {
  const data = context.modelsFor(context.key).map(modelObject)
  await context.exchange.sendJson(200, { object: 'list', data })
}

/** `GET /v1/models/{id}` (ids may contain '/', as on OpenRouter). */
export async function retrieveModel(context: RouteContext): Promise<void> {
  const id = decodeURIComponent(context.params[0] ?? '')
  if (!context.modelsFor(context.key).includes(id)) {
    context.exchange.sendError(
      404,
      `The model '${id}' does not exist`,
      'invalid_request_error',
      'model_not_found',
      'model',
    )
    return
  }
  await context.exchange.sendJson(200, modelObject(id))
}

/**
 * `POST /v1/embeddings`. Honours `encoding_format: 'base64'` (Float32 little-endian), which the
 * openai client requests by default, and `dimensions` (default 8).
 */
export async function embeddings(context: RouteContext): Promise<void> {
  const model = requireModel(context)
  if (!model) return
  const body = context.json
  const raw = body.input
  if (raw === undefined) return sendMissingParameter(context, 'input')
  // A flat number array is one tokenised input; otherwise each element is one input.
  const inputs: unknown[] =
    Array.isArray(raw) && !raw.every((item) => typeof item === 'number') ? raw : [raw]
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 8
  const base64 = body.encoding_format === 'base64'
  let chars = 0
  let tokenIds = 0
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input)
    if (typeof input === 'string') chars += input.length
    else if (Array.isArray(input)) tokenIds += input.length
    const vector = mockEmbedding(text, index, dimensions)
    return { object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector }
  })
  const promptTokens = Math.ceil(chars / 4) + tokenIds
  await context.exchange.sendJson(200, {
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  })
}

/** `POST /v1/moderations`: one result per input; an input containing 'FLAG' is flagged. */
export async function moderations(context: RouteContext): Promise<void> {
  const body = context.json
  const raw = body.input
  if (raw === undefined) return sendMissingParameter(context, 'input')
  const inputs = Array.isArray(raw) ? raw : [raw]
  const results = inputs.map((input) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input)
    const flagged = text.includes('FLAG')
    const categories: Record<string, boolean> = {}
    const scores: Record<string, number> = {}
    const applied: Record<string, string[]> = {}
    for (const category of MODERATION_CATEGORIES) {
      categories[category] = flagged && category === 'violence'
      scores[category] = categories[category] ? 0.9 : 0.0001
      applied[category] = ['text']
    }
    return {
      flagged,
      categories,
      category_scores: scores,
      category_applied_input_types: applied,
    }
  })
  await context.exchange.sendJson(200, {
    id: `modr-mock${context.exchange.record.seq}`,
    model: typeof body.model === 'string' ? body.model : 'omni-moderation-latest',
    results,
  })
}

function fileObject(file: {
  id: string
  filename: string
  purpose: string
  createdAt: number
  content: Buffer
}): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.content.length,
    created_at: file.createdAt,
    expires_at: null,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  }
}

/** `POST /v1/files` (multipart `file` + `purpose`). */
export async function uploadFile(context: RouteContext): Promise<void> {
  const file = context.form?.get('file')
  if (!(file instanceof File)) return sendMissingParameter(context, 'file')
  const purpose = context.form?.get('purpose')
  if (typeof purpose !== 'string') return sendMissingParameter(context, 'purpose')
  const stored = {
    id: `file-mock${context.exchange.record.seq}`,
    filename: file.name,
    purpose,
    createdAt: nowSeconds(),
    content: Buffer.from(await file.arrayBuffer()),
  }
  context.files.set(stored.id, stored)
  await context.exchange.sendJson(200, fileObject(stored))
}

/** `GET /v1/files`: one page, newest first. */
export async function listFiles(context: RouteContext): Promise<void> {
  const data = [...context.files.values()].reverse().map(fileObject)
  await context.exchange.sendJson(200, {
    object: 'list',
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  })
}

function sendNoFile(context: RouteContext, id: string): void {
  context.exchange.sendError(404, `No such File object: ${id}`, 'invalid_request_error', null, 'id')
}

/** `GET /v1/files/{id}`. */
export async function retrieveFile(context: RouteContext): Promise<void> {
  const id = context.params[0] ?? ''
  const file = context.files.get(id)
  if (!file) return sendNoFile(context, id)
  await context.exchange.sendJson(200, fileObject(file))
}

/** `GET /v1/files/{id}/content`. */
export async function fileContent(context: RouteContext): Promise<void> {
  const id = context.params[0] ?? ''
  const file = context.files.get(id)
  if (!file) return sendNoFile(context, id)
  await context.exchange.sendBytes(200, 'application/octet-stream', file.content)
}

/** `DELETE /v1/files/{id}`. */
export async function deleteFile(context: RouteContext): Promise<void> {
  const id = context.params[0] ?? ''
  if (!context.files.delete(id)) return sendNoFile(context, id)
  await context.exchange.sendJson(200, { id, object: 'file', deleted: true })
}

/** `POST /v1/batches`: accepted and left `validating`. */
export async function createBatch(context: RouteContext): Promise<void> {
  const body = context.json
  for (const name of ['input_file_id', 'endpoint', 'completion_window']) {
    if (typeof body[name] !== 'string') return sendMissingParameter(context, name)
  }
  const batch = {
    id: `batch_mock${context.exchange.record.seq}`,
    object: 'batch',
    endpoint: body.endpoint,
    errors: null,
    input_file_id: body.input_file_id,
    completion_window: body.completion_window,
    status: 'validating',
    output_file_id: null,
    error_file_id: null,
    created_at: nowSeconds(),
    request_counts: { total: 0, completed: 0, failed: 0 },
    metadata: body.metadata ?? null,
  }
  context.batches.set(batch.id, batch)
  await context.exchange.sendJson(200, batch)
}

/** `GET /v1/batches/{id}`. */
export async function retrieveBatch(context: RouteContext): Promise<void> {
  const id = context.params[0] ?? ''
  const batch = context.batches.get(id)
  if (!batch) {
    context.exchange.sendError(404, `No batch found with id '${id}'.`, 'invalid_request_error')
    return
  }
  await context.exchange.sendJson(200, batch)
}

/** `GET /v1/batches`. */
export async function listBatches(context: RouteContext): Promise<void> {
  const data = [...context.batches.values()].reverse()
  await context.exchange.sendJson(200, { object: 'list', data, has_more: false })
}
