// The rules the README and docs ask for, enforced: promises are awaited or
// handled, the pipeline's layers only import downwards, and only the CLI
// reads the clock or the environment. Formatting is Prettier's job
// (eslint-config-prettier is not needed: no stylistic rules are enabled).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Folders below the CLI: the library. */
const library = ['src/**/*.ts']
const cli = ['src/cli/**/*.ts']

/** `from` must not import any of `forbidden` (folders under src/). */
function boundary(from, forbidden, why) {
  return {
    files: [`src/${from}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((folder) => ({
            regex: `(^|/)${folder}/`,
            message: `src/${from}/ must not import src/${folder}/: ${why}`,
          })),
        },
      ],
    },
  }
}

export default tseslint.config(
  { ignores: ['build/**', 'node_modules/**', 'dist/**', '.press/**', 'bench/.work/**', 'sample/**', 'tests/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests and the bench reach into untyped corners on purpose; the library does not.
      '@typescript-eslint/no-explicit-any': 'error',
      // A variable read by a closure before its one assignment (a watcher the first load adds to) stays `let`.
      // Input is checked for control characters on purpose (headers, CSV, YAML, terminal colours).
      'no-control-regex': 'off',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: library,
    ignores: cli,
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time is a parameter: take `now` from the caller (only src/cli reads the clock).' },
        {
          object: 'performance',
          property: 'timeOrigin',
          message: 'Time is a parameter: take `now` from the caller (only src/cli reads the clock).',
        },
        { object: 'process', property: 'env', message: 'Take settings as parameters: only src/cli reads the environment.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time is a parameter: take `now` from the caller (only src/cli reads the clock).',
        },
      ],
    },
  },
  // The pipeline only imports downwards: load → translate → render → publish (site) → distribute; the CLI on top.
  boundary('distribute', ['site', 'preview', 'cli', 'recipients'], 'distribution works from rendered content, not from the site build'),
  boundary('site', ['distribute', 'preview', 'cli', 'recipients'], 'the site is published before and apart from distribution'),
  boundary('render', ['site', 'distribute', 'preview', 'cli', 'recipients'], 'rendering is below publishing'),
  boundary('release', ['render', 'site', 'distribute', 'preview', 'cli', 'recipients'], 'loading is the first stage'),
  boundary('i18n', ['render', 'site', 'distribute', 'preview', 'cli', 'recipients'], 'translation is below rendering'),
  boundary(
    'embargo',
    ['render', 'site', 'distribute', 'preview', 'cli', 'recipients'],
    'the embargo rule is pure and below every stage that applies it',
  ),
  boundary('press-list', ['render', 'site', 'distribute', 'preview', 'cli', 'recipients'], 'the press list is loaded before distribution'),
  boundary('recipients', ['site', 'preview', 'cli'], 'the recipients’ loop talks to the queue, not to the site build'),
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts', 'vitest.config.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
)
