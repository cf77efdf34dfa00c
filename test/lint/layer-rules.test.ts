import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint()

async function layerErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath })
  return result!.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message)
}

describe('layer rules (ESLint)', () => {
  it.each([
    ['src/core/bad.ts', "import { app } from 'electron'\nexport const a = app\n"],
    ['src/shared/bad.ts', "import { app } from 'electron'\nexport const a = app\n"],
    ['src/server/bad.ts', "import { app } from 'electron'\nexport const a = app\n"],
    ['src/shared/bad.ts', "import fs from 'node:fs'\nexport const a = fs\n"],
    ['src/shared/bad.ts', "import { x } from '../core/keypool-core'\nexport const a = x\n"],
    ['src/core/bad.ts', "import { x } from '../main/index'\nexport const a = x\n"],
    ['src/renderer/src/bad.ts', "import fs from 'fs'\nexport const a = fs\n"],
    ['src/renderer/src/bad.ts', "import path from 'node:path'\nexport const a = path\n"],
    ['src/renderer/src/bad.ts', "import D from 'better-sqlite3'\nexport const a = D\n"],
    [
      'src/renderer/src/bad.ts',
      "import { K } from '../../core/keypool-core'\nexport const a = K\n",
    ],
    ['src/preload/bad.ts', "import { K } from '../core/keypool-core'\nexport const a = K\n"],
  ])('fails %s importing a forbidden module', async (file, source) => {
    expect(await layerErrors(file, source)).not.toEqual([])
  })

  it.each([
    [
      'src/core/ok.ts',
      "import fs from 'node:fs'\nimport { z } from 'zod'\nexport const a = [fs, z]\n",
    ],
    ['src/main/ok.ts', "import { app } from 'electron'\nexport const a = app\n"],
    [
      'src/renderer/src/ok.ts',
      "import { contract } from '../../shared/contract'\nexport const a = contract\n",
    ],
    [
      'src/server/ok.ts',
      "import { KeyPoolCore } from '../core/keypool-core'\nexport const a = KeyPoolCore\n",
    ],
  ])('allows %s its own dependencies', async (file, source) => {
    expect(await layerErrors(file, source)).toEqual([])
  })
})
