import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Key generation already uses both cores through libuv's thread pool; two workers keep the machine busy without
    // oversubscribing it.
    maxWorkers: 2,
    // @peculiar/x509 needs a Reflect polyfill; entry points load it, and so does the test run.
    setupFiles: ['reflect-metadata'],
    // Builds each read-only tree several files share (the RSA ones above all) once per run: test/support/shared-trees.ts.
    globalSetup: ['test/support/shared-trees-setup.ts'],
  },
});
