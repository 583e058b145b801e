// typescript-eslint with type-aware rules (the project's tsconfig.json) over src/ and test/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/bench/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Type-only imports stay type-only in the emitted CommonJS (no side effects on import).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The CommonJS Pulumi program and its dynamic provider must require() inside closures (see multi-group-certificate.ts).
      '@typescript-eslint/no-require-imports': 'off',
      // The code marks indexed access it has checked with `!`, as if noUncheckedIndexedAccess were on; turn this rule
      // back on together with that compiler option.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
