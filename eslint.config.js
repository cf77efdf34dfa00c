import { builtinModules } from 'node:module'
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import vue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Node built-ins under both spellings (`fs`, `node:fs`). */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)]

/**
 * Relative imports that reach into another layer's folder (`../core/x`, `../../main`). Only
 * relative paths: a package subpath such as `echarts/core` is not a layer.
 */
const layer = (name) => [`^\\.{1,2}/(?:.*/)?${name}(?:/|$)`]

const restrict = (message, { paths = [], groups = [] }) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message })),
      patterns: groups.map((regex) => ({ regex, message })),
    },
  ],
})

/**
 * The layer rules of docs/architecture.md (shared → core → main/server; renderer → shared only).
 * test/lint/layer-rules.test.ts proves each one fails lint.
 */
const layerRules = [
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict('shared/ is pure TypeScript: no Node, Electron, DOM or other layers.', {
      paths: ['electron', 'better-sqlite3', 'undici', 'vue', ...nodeBuiltins],
      groups: [
        ...layer('core'),
        ...layer('main'),
        ...layer('server'),
        ...layer('renderer'),
        ...layer('preload'),
      ],
    }),
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict('core/ is host-neutral: it never imports electron, vue or a shell.', {
      paths: ['electron', 'vue', 'pinia', 'naive-ui'],
      groups: [...layer('main'), ...layer('server'), ...layer('renderer'), ...layer('preload')],
    }),
  },
  {
    files: ['src/server/**/*.ts'],
    rules: restrict('server/ is the headless shell: core, shared and Node only.', {
      paths: ['electron', 'vue'],
      groups: [...layer('main'), ...layer('renderer'), ...layer('preload')],
    }),
  },
  {
    files: ['src/main/**/*.ts'],
    rules: restrict('main/ is the Electron shell: core, shared and electron only.', {
      groups: [...layer('server'), ...layer('renderer'), ...layer('preload')],
    }),
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: restrict('preload/ is a bridge: shared types and electron only.', {
      paths: ['better-sqlite3', 'undici', ...nodeBuiltins],
      groups: [...layer('core'), ...layer('main'), ...layer('server'), ...layer('renderer')],
    }),
  },
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    rules: restrict('renderer/ runs in a browser: shared and browser libraries only.', {
      paths: ['electron', 'better-sqlite3', 'undici', ...nodeBuiltins],
      groups: [...layer('core'), ...layer('main'), ...layer('server'), ...layer('preload')],
    }),
  },
]

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'release/',
      'coverage/',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,vue}', 'test/unit/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['scripts/**', 'test/**', '*.config.*'],
    rules: { 'no-console': 'off' },
  },
  ...layerRules,
  prettier,
)
