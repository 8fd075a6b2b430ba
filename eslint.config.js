import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'shardkit-report/**', 'bench/results/**', 'coverage/**', '.scratch/**', 'native/addon/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Take a random source as a parameter (see src/util/random.ts).' },
        { object: 'Date', property: 'now', message: 'Take a clock as a parameter (see src/util/clock.ts).' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/cli/**', 'bench/**', 'src/lab/**', '**/*.test.ts', 'test/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The command's entry point and the build and test set-up scripts: plain Node.
    files: ['bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The native addon's CommonJS entry point and install script.
    files: ['native/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
