import config from '@iobroker/eslint-config';

export default [
    ...config,
    {
        ignores: [
            'lib/**',
            'admin/**',
            '.dev-host/**',
            '.e2e-host/**',
            '.bench-host/**',
            '.redis-host/**',
            'coverage/**',
            'node_modules/**',
            'build/**',
            'test-output/**',
            'bench-output/**',
        ],
    },
    {
        languageOptions: {
            parserOptions: {
                projectService: {
                    allowDefaultProject: ['*.mjs', 'scripts/*.mjs', 'scripts/bench/*.mjs', 'test/*.mjs'],
                    // the .mjs tools (scripts/, scripts/bench/, the configs) are more than the default 8
                    maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16,
                },
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            '@typescript-eslint/no-floating-promises': 'error',
            'jsdoc/require-jsdoc': 'off',
            'jsdoc/require-param': 'off',
            'jsdoc/require-returns': 'off',
        },
    },
    {
        // iobroker/ is the only door to the ioBroker adapter API, besides the glue (main.ts): nothing else imports
        // adapter-core, holds an `ioBroker.Adapter` or calls a method of something named `adapter`
        files: ['src/**/*.ts'],
        ignores: ['src/iobroker/**', 'src/main.ts'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    paths: [
                        {
                            name: '@iobroker/adapter-core',
                            message: 'only src/iobroker (and main.ts) use the ioBroker adapter API',
                        },
                    ],
                },
            ],
            'no-restricted-syntax': [
                'error',
                {
                    selector: "TSQualifiedName[left.name='ioBroker'][right.name='Adapter']",
                    message: 'only src/iobroker (and main.ts) hold the adapter: use a port of src/iobroker',
                },
                {
                    selector: "MemberExpression[object.name='adapter']",
                    message: 'only src/iobroker (and main.ts) call the adapter: use a port of src/iobroker',
                },
                {
                    selector: "MemberExpression[object.property.name='adapter']",
                    message: 'only src/iobroker (and main.ts) call the adapter: use a port of src/iobroker',
                },
            ],
        },
    },
    {
        // mapping/ is pure: no I/O, no transports, no ioBroker API
        files: ['src/mapping/**/*.ts'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            group: ['@iobroker/*', 'aedes*', 'mqtt', 'mqtt/*', 'node:*', 'net', 'fs', 'ws', '../*'],
                            message: 'src/mapping is pure: no I/O or transport imports',
                        },
                    ],
                },
            ],
        },
    },
    {
        // the pure part of discovery, like mapping/: no I/O, no transports, no ioBroker API (the runtime,
        // discoveryService.ts and the object writer deviceObjects.ts, is outside the fence)
        files: ['src/discovery/*.ts'],
        ignores: ['src/discovery/discoveryService.ts', 'src/discovery/deviceObjects.ts'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            group: [
                                '@iobroker/*',
                                'aedes*',
                                'mqtt',
                                'mqtt/*',
                                'node:*',
                                'net',
                                'fs',
                                'ws',
                                '../*',
                                './discoveryService',
                                './deviceObjects',
                            ],
                            message:
                                'src/discovery (but discoveryService.ts and deviceObjects.ts) is pure: no I/O or transport imports',
                        },
                    ],
                },
            ],
        },
    },
    {
        files: ['src/discovery/components/**/*.ts'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            group: [
                                '@iobroker/*',
                                'aedes*',
                                'mqtt',
                                'mqtt/*',
                                'node:*',
                                'net',
                                'fs',
                                'ws',
                                '../../*',
                                '../discoveryService',
                            ],
                            message: 'src/discovery/components is pure: no I/O or transport imports',
                        },
                    ],
                },
            ],
        },
    },
];
