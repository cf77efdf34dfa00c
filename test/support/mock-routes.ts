import { chatCompletions, legacyCompletions } from './mock-chat'
import {
  createBatch,
  deleteFile,
  embeddings,
  fileContent,
  listBatches,
  listFiles,
  listModels,
  moderations,
  retrieveBatch,
  retrieveFile,
  retrieveModel,
  uploadFile,
} from './mock-data-endpoints'
import { images, speech, transcriptions, translations } from './mock-media-endpoints'
import { responses } from './mock-responses-api'
import type { MockRoute } from './mock-route-context'

/** Every endpoint the mock serves. Anything else is OpenAI's 404 `Invalid URL`. */
export const MOCK_ROUTES: readonly MockRoute[] = [
  { method: 'GET', pattern: /^\/v1\/models$/, body: 'none', handler: listModels },
  { method: 'GET', pattern: /^\/v1\/models\/(.+)$/, body: 'none', handler: retrieveModel },
  { method: 'POST', pattern: /^\/v1\/chat\/completions$/, body: 'json', handler: chatCompletions },
  { method: 'POST', pattern: /^\/v1\/completions$/, body: 'json', handler: legacyCompletions },
  { method: 'POST', pattern: /^\/v1\/embeddings$/, body: 'json', handler: embeddings },
  { method: 'POST', pattern: /^\/v1\/moderations$/, body: 'json', handler: moderations },
  { method: 'POST', pattern: /^\/v1\/responses$/, body: 'json', handler: responses },
  {
    method: 'POST',
    pattern: /^\/v1\/audio\/transcriptions$/,
    body: 'multipart',
    handler: transcriptions,
  },
  {
    method: 'POST',
    pattern: /^\/v1\/audio\/translations$/,
    body: 'multipart',
    handler: translations,
  },
  { method: 'POST', pattern: /^\/v1\/audio\/speech$/, body: 'json', handler: speech },
  { method: 'POST', pattern: /^\/v1\/images\/generations$/, body: 'json', handler: images },
  { method: 'POST', pattern: /^\/v1\/images\/edits$/, body: 'multipart', handler: images },
  { method: 'POST', pattern: /^\/v1\/images\/variations$/, body: 'multipart', handler: images },
  { method: 'POST', pattern: /^\/v1\/files$/, body: 'multipart', handler: uploadFile },
  { method: 'GET', pattern: /^\/v1\/files$/, body: 'none', handler: listFiles },
  { method: 'GET', pattern: /^\/v1\/files\/([^/]+)$/, body: 'none', handler: retrieveFile },
  { method: 'GET', pattern: /^\/v1\/files\/([^/]+)\/content$/, body: 'none', handler: fileContent },
  { method: 'DELETE', pattern: /^\/v1\/files\/([^/]+)$/, body: 'none', handler: deleteFile },
  { method: 'POST', pattern: /^\/v1\/batches$/, body: 'json', handler: createBatch },
  { method: 'GET', pattern: /^\/v1\/batches$/, body: 'none', handler: listBatches },
  { method: 'GET', pattern: /^\/v1\/batches\/([^/]+)$/, body: 'none', handler: retrieveBatch },
]

/** The route for a method and path, with its captures. */
export function findRoute(
  method: string,
  path: string,
): { route: MockRoute; params: string[] } | undefined {
  for (const route of MOCK_ROUTES) {
    if (route.method !== method) continue
    const match = route.pattern.exec(path)
    if (match) return { route, params: match.slice(1) }
  }
  return undefined
}
