// ESLint flat config: recommended + type-aware rules that catch real bugs in async security code
// (floating promises, misused promises), not style (Prettier owns formatting).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'bin/*.mjs', 'scripts/*.mjs', 'test/helpers/*.mjs'] },
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // `po` ships as a package for Node 20.0 and later (npm run pack:po): the code it bundles must not use the Node
    // APIs added since, which load fine on the project's Node 24 and fail on a customer's 20.x. These are the ones
    // worth the warning; docs/design.md ("po on its own") says how the whole bundle was checked on Node 20.0.
    files: ['cli/**/*.ts', 'shared/**/*.ts', 'contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:crypto', importNames: ['hash'], message: 'Node 20.12+: use createHash (po runs on 20.0).' },
            {
              name: 'node:util',
              importNames: ['styleText', 'parseEnv', 'getCallSite', 'getCallSites'],
              message: 'Node 20.12+ (po runs on 20.0).',
            },
            { name: 'node:fs', importNames: ['glob', 'globSync'], message: 'Node 22+ (po runs on 20.0).' },
            { name: 'node:fs/promises', importNames: ['glob'], message: 'Node 22+ (po runs on 20.0).' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.type='MetaProperty'][property.name=/^(dirname|filename)$/]",
          message: 'import.meta.dirname and filename are Node 20.11+ (po runs on 20.0): use fileURLToPath.',
        },
      ],
    },
  },
);
