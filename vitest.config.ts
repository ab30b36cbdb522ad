import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'build/**'],
    // CLI tests spawn bin/press.js, which runs build/: compile it first when src/ is newer (about 17 s; a no-op when current).
    globalSetup: ['tests/setup/build-tool.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here: Chromium and SMTP tests are heavy; two files at a time.
    maxWorkers: 2,
    pool: 'forks',
    // A missing golden file fails (locally too): goldens are written only with `vitest -u`, and reviewed.
    update: 'none',
  },
})
