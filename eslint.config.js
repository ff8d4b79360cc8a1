// Lint holds the dependency direction of STYLE.md:
//   functions → wiring → use-cases → ports + domain;  adapters → ports + domain + config.
// The domain imports nothing but zod; only adapters import the AWS SDK or make HTTP calls. zod itself is imported once,
// in lib/domain/zod.ts (zod/mini with English messages); everything else imports `* as z` from there.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const zodDirectly = {
  regex: '^zod($|/)',
  message: 'Import * as z from lib/domain/zod.js: zod/mini with English messages, set once (classic zod adds ~60 KiB to every bundle).',
};
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [...patterns.map((group) => ({ group: [group], message })), zodDirectly] }],
});
const awsSdk = '@aws-sdk/*';
const noFetch = {
  'no-restricted-globals': ['error', { name: 'fetch', message: 'Only adapters make HTTP calls.' }],
  'no-restricted-syntax': ['error', { selector: 'ImportDeclaration[source.value=/^node:(http|https|net)$/]', message: 'Only adapters make HTTP calls.' }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.serverless/**', '.esbuild/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Headers: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        structuredClone: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Layers without rules of their own (wiring, local stand-ins) still take zod from lib/domain/zod.js.
    files: ['lib/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [zodDirectly] }],
      'no-restricted-properties': [
        'error',
        { object: 'z', property: 'locales', message: 'z.locales bundles every language; lib/domain/zod.ts sets English once.' },
        { object: 'z', property: 'core', message: 'z.core bundles all of zod core (~380 KiB); lib/domain/zod.ts re-exports what is needed (ZodError).' },
      ],
    },
  },
  {
    files: ['lib/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./[^./])', message: 'The domain imports nothing but zod (from ./zod.js) and itself.' }] },
      ],
      ...noFetch,
    },
  },
  {
    files: ['lib/domain/zod.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!zod/(mini|locales|v4/core)$)', message: 'lib/domain/zod.ts imports zod/mini, zod/locales and zod/v4/core only.' }] },
      ],
    },
  },
  {
    files: ['lib/use-cases/**/*.ts'],
    rules: {
      ...restrict(
        [awsSdk, '**/adapters/**', '**/config*', '**/wiring*', '**/wiring/**', '**/local/**', '**/test/**', 'node:*'],
        'Use cases depend on ports and the domain only.',
      ),
      ...noFetch,
    },
  },
  {
    files: ['lib/ports.ts', 'lib/ports/**/*.ts', 'lib/normalise/**/*.ts', 'lib/config.ts', 'lib/config/**/*.ts', 'lib/observability.ts'],
    rules: {
      ...restrict(
        [awsSdk, '**/adapters/**', '**/use-cases/**', '**/wiring*', '**/wiring/**', '**/local/**', '**/test/**'],
        'Only adapters import the AWS SDK.',
      ),
      ...noFetch,
    },
  },
  {
    files: ['lib/edge/**/*.ts'],
    rules: {
      ...restrict(
        [awsSdk, '**/adapters/**', '**/use-cases/**', '**/wiring*', '**/wiring/**', '**/local/**', '**/test/**'],
        'The edge parses events and maps errors; it calls nothing.',
      ),
      ...noFetch,
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: { ...restrict([awsSdk, '**/adapters/**', '**/local/**', '**/test/**'], 'Handlers go through lib/wiring.'), ...noFetch },
  },
  {
    // The operator CLI is a primary adapter like functions/; lib/local only for --local (loaded on demand).
    files: ['lib/cli/**/*.ts'],
    rules: { ...restrict([awsSdk, '**/adapters/**', '**/functions/**', '**/test/**'], 'The CLI goes through lib/wiring.'), ...noFetch },
  },
  {
    files: ['lib/adapters/**/*.ts'],
    rules: restrict(
      ['**/use-cases/**', '**/wiring*', '**/wiring/**', '**/functions/**', '**/local/**', '**/test/**'],
      'Adapters depend on ports, domain and config only.',
    ),
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
