// typescript-eslint over src/ and test/: type-aware rules (the project's tsconfig.json) for src/, the syntactic
// recommended set for test/ (tests read parsed YAML and JSON documents as `any` on purpose, and the type-aware pass
// over test/ would double the time `npm test` spends linting).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const shared = {
  // Type-only imports stay type-only in the emitted CommonJS (no side effects on import); `typeof import('x')`
  // annotates what a lazy require() returns.
  '@typescript-eslint/consistent-type-imports': [
    'error',
    { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
  ],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
  // The CommonJS Pulumi program and its dynamic providers must require() inside closures (see multi-group-certificate.ts).
  '@typescript-eslint/no-require-imports': 'off',
  // Input hardening matches control characters on purpose (spec text, file names, terminal escapes in tests).
  'no-control-regex': 'off',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/bench/**', 'scripts/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  {
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      ...shared,
      // Verbs, signers and providers implement async interfaces; some implementations need no await.
      '@typescript-eslint/require-await': 'off',
      // The code marks indexed access it has checked with `!`, as if noUncheckedIndexedAccess were on; turn this rule
      // back on together with that compiler option.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    extends: [...tseslint.configs.recommended],
    rules: { ...shared, '@typescript-eslint/no-explicit-any': 'off' },
  },
);
