import { defineConfig } from 'vitest/config';

// Two projects: `unit` gives feedback in seconds (`npm run test:unit`, no build needed); `slow` holds the tests that
// run real peers (etcd, kubectl, openssl), the Pulumi program, the built bin, or realize whole trees many times.
// `vitest run` (and `npm test`) runs both.
const slow = [
  'test/conformance/**/*.test.ts',
  'test/trust/**/*.test.ts',
  'test/pulumi/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/realize/**/*.test.ts',
  // The access verbs end to end through the built bin, and kubectl against the kubeconfigs.
  'test/access/access-spec-errors.test.ts',
  'test/access/can-i-and-access.test.ts',
  'test/access/can-i-cli.test.ts',
  'test/access/rbac-manifests.test.ts',
  'test/access/service-account-tokens.test.ts',
  'test/access/user-kubeconfigs.test.ts',
  // Spawns Node for .ts specs and the installed package.
  'test/spec/load-spec-file.test.ts',
  'test/verify/verify-openssl-kubeadm-tree.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Key generation already uses both cores through libuv's thread pool; two workers keep the machine busy without
    // oversubscribing it.
    maxWorkers: 2,
    // @peculiar/x509 needs a Reflect polyfill; entry points load it, and so does the test run.
    setupFiles: ['reflect-metadata'],
    // Builds each read-only tree several files share (the RSA ones above all) once per run: test/support/shared-trees.ts.
    globalSetup: ['test/support/shared-trees-setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: slow } },
      { extends: true, test: { name: 'slow', include: slow } },
    ],
  },
});
